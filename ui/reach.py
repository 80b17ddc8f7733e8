"""The per-kern reach of the chosen area and travel mode.

The reach of every kern in the country is stored at import (``bereik_<mode>``, see
:mod:`pipeline.reach`), so a page only filters it. Should the stored layer be older than the
kernen, places or network it was computed from (a store written by an older version, or a
write that did not finish its reach step), it is computed here instead, once per data version:
road graphs and reach tables are cached as resources keyed on the
:meth:`~loaders.manifest.Manifest.data_key` of the layers they came from.
Without a stored network the distances are straight-line estimates, and :class:`ReachView`
says so.

The meeting places are the region's venues with the user's own lists merged in and the user's
corrections applied (:func:`loaders.corrections.corrected_venues`), so every page that uses the
reach sees an uploaded list, a merge the user undid, and a correction, as soon as it is stored:
the cache keys cover every layer of :data:`pipeline.reach.VENUE_LAYERS`.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import streamlit as st

from analysis.nearest import METHOD_STRAIGHT_LINE
from analysis.network import RoadGraph, graph_from_road_edges
from loaders.corrections import corrected_venues
from loaders.manifest import Manifest
from loaders.roads import RoadEdges
from loaders.store import Store, StoreError
from pipeline.reach import (
    PLACE_LAYERS,
    VENUE_LAYERS,
    reach_inputs,
    reach_layer,
    reach_with_fallback,
    stored_land,
)
from ui.kern_figures import with_loneliness
from ui.layers import CACHE_TTL, load_layer
from ui.sidebar import PageContext
from views.text import plain_markdown


@dataclass(frozen=True)
class ReachView:
    """The reach table of the chosen gemeenten and how its distances were found."""

    table: pd.DataFrame
    kernen: gpd.GeoDataFrame
    venues: gpd.GeoDataFrame
    graph: RoadGraph | None

    @property
    def is_estimate(self) -> bool:
        """True when every distance is a straight-line estimate (no network covers the kernen).

        Where a stored network covers only some kernen, the ``methode`` column says per kern.
        """
        return self.graph is None or bool(
            self.table["methode"].eq(METHOD_STRAIGHT_LINE).all()
        )


@st.cache_resource(show_spinner="Wegennet laden…", max_entries=6, ttl=CACHE_TTL)
def _load_graph(
    root: str, region: str, layer: str, data_key: str,  # noqa: ARG001 - keys the cache
) -> RoadGraph:
    """The routable graph of one stored network layer; ``data_key`` only keys the cache."""
    store = Store(root)
    edges = RoadEdges.from_arrays(store.read_arrays(region, layer))
    return graph_from_road_edges(edges, source=store.manifest(region).file(layer))


@st.cache_resource(show_spinner="Ontmoetingsplekken laden…", max_entries=8, ttl=CACHE_TTL)
def _merged_venues(
    root: str, region: str, data_key: str,  # noqa: ARG001 - keys the cache
) -> gpd.GeoDataFrame:
    """The region's venues, lists merged and corrections applied.

    ``data_key`` (of :data:`VENUE_LAYERS`) only keys the cache.
    """
    return corrected_venues(Store(root), region)


def load_venues(root: str, manifest: Manifest) -> gpd.GeoDataFrame | None:
    """The region's places, own lists merged in and corrections applied, per data version.

    Returns None when the region has no OpenStreetMap/polling-station venues, no own list and
    no added place, or (after its Dutch error on the page) when they cannot be read.
    """
    if not any(manifest.file(layer) for layer in PLACE_LAYERS):
        return None
    try:
        return _merged_venues(root, manifest.region, manifest.data_key(VENUE_LAYERS))
    except StoreError as exc:
        st.error(plain_markdown(str(exc)))
        return None


@st.cache_resource(show_spinner="Afstanden berekenen…", max_entries=12, ttl=CACHE_TTL)
def _reach(
    root: str, region: str, mode: str, data_key: str,  # noqa: ARG001 - keys the cache
    _kernen: gpd.GeoDataFrame, _venues: gpd.GeoDataFrame, _graph: RoadGraph | None,
) -> pd.DataFrame:
    """Reach of every kern of the region; store, region, mode and ``data_key`` key the cache."""
    land = stored_land(Store(root), region)
    return reach_with_fallback(_kernen, _venues, mode=mode, graph=_graph, land=land)


def reach_all(context: PageContext) -> ReachView | None:
    """The reach of every kern in the store (not filtered by the selection).

    Returns None (after a Dutch message on the page) when there are no kernen or no meeting
    places.
    """
    manifest = context.manifest
    kernen = load_layer(context.root, manifest, "kernen")
    venues = load_venues(context.root, manifest)
    if kernen is None or venues is None or kernen.empty:
        stored = manifest.layers
        never_stored = "kernen" not in stored or not any(name in stored for name in PLACE_LAYERS)
        if never_stored or (kernen is not None and kernen.empty):
            st.info("Er zijn nog geen kernen en ontmoetingsplekken opgeslagen. De beheerder "
                    "voegt ze toe op de pagina Gegevens.")
        return None  # a stored but damaged layer has shown its own error
    if not venues["ontmoetingsplek"].fillna(value=False).astype(bool).any():
        st.warning("Geen enkele opgeslagen plek telt als ontmoetingsplek; er is niets om de "
                   "afstand toe te berekenen.")
        return None
    mode = context.selection.modus
    network = f"netwerk_{mode}"
    graph = (_load_graph(context.root, manifest.region, network, manifest.data_key([network]))
             if manifest.file(network) else None)
    stored = manifest.layer(reach_layer(mode))
    table = None
    if stored is not None and stored.inputs == reach_inputs(manifest, mode):
        table = load_layer(context.root, manifest, reach_layer(mode))
    if table is None or len(table) != len(kernen):
        key = manifest.data_key(("kernen", *VENUE_LAYERS, network))
        table = _reach(context.root, manifest.region, mode, key, kernen, venues, graph)
    return ReachView(table=table, kernen=kernen, venues=venues, graph=graph)


def load_reach(context: PageContext) -> ReachView | None:
    """Reach of the chosen gemeenten, with each kern's loneliness figure from its own buurten.

    Returns None (after a Dutch message on the page) when there are no kernen or no meeting
    places.
    """
    everything = reach_all(context)
    if everything is None:
        return None
    selection = context.selection
    chosen = everything.table["gemeentecode"].isin(selection.gemeenten).to_numpy()
    table = everything.table[chosen].reset_index(drop=True)
    table = with_loneliness(context, table)
    return ReachView(table=table, kernen=everything.kernen[chosen].reset_index(drop=True),
                     venues=everything.venues, graph=everything.graph)
