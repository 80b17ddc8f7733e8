"""The per-kern reach of the chosen area and travel mode.

The reach of every kern in the country is stored at import (``bereik_<mode>``, see
:mod:`pipeline.reach`), so a page only filters it. Should the stored layer be older than the
kernen, places or network it was computed from (a store written by an older version, or a
write that did not finish its reach step), it is computed here instead, once per data version:
road graphs are cached as resources, reach tables as data keyed on the files they came from.
Without a stored network the distances are straight-line estimates, and :class:`ReachView`
says so.

The meeting places are the region's venues with the user's own lists merged in and the user's
corrections applied (:func:`loaders.corrections.corrected_venues`), so every page that uses the
reach sees an uploaded list, a merge the user undid, and a correction, as soon as it is stored:
the cache keys include the file of every layer of :data:`pipeline.reach.VENUE_LAYERS`.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import streamlit as st

from analysis.nearest import METHOD_STRAIGHT_LINE
from analysis.network import RoadGraph, graph_from_road_edges
from loaders.corrections import corrected_venues
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
def _load_graph(root: str, region: str, layer: str, file: str) -> RoadGraph:
    """The routable graph of one stored network layer; ``file`` only keys the cache."""
    edges = RoadEdges.from_arrays(Store(root).read_arrays(region, layer))
    return graph_from_road_edges(edges, source=file)


@st.cache_resource(show_spinner="Ontmoetingsplekken laden…", max_entries=8, ttl=CACHE_TTL)
def _merged_venues(root: str, region: str, files: tuple[str, ...]) -> gpd.GeoDataFrame:
    """The region's venues, lists merged and corrections applied; ``files`` (of
    :data:`VENUE_LAYERS`) only keys the cache."""
    return corrected_venues(Store(root), region)


def venue_files(manifest: dict) -> tuple[str, ...]:
    """The stored file of each of :data:`VENUE_LAYERS` (empty when a layer is not stored)."""
    layers = manifest.get("layers", {})
    return tuple(layers.get(layer, {}).get("file", "") for layer in VENUE_LAYERS)


def load_venues(root: str, manifest: dict) -> gpd.GeoDataFrame | None:
    """The region's places with the user's own lists merged in and corrections applied, cached
    per data version.

    Returns None when the region has no OpenStreetMap/polling-station venues, no own list and
    no added place, or (after its Dutch error on the page) when they cannot be read.
    """
    files = venue_files(manifest)
    if not any(file for file, layer in zip(files, VENUE_LAYERS, strict=True)
               if layer in PLACE_LAYERS):
        return None
    try:
        return _merged_venues(root, manifest["region"], files)
    except StoreError as exc:
        st.error(plain_markdown(str(exc)))
        return None


@st.cache_resource(show_spinner="Afstanden berekenen…", max_entries=12, ttl=CACHE_TTL)
def _reach(
    root: str, region: str, mode: str, files: tuple[str, ...],
    _kernen: gpd.GeoDataFrame, _venues: gpd.GeoDataFrame, _graph: RoadGraph | None,
) -> pd.DataFrame:
    """Reach of every kern of the region; store, region, mode and layer files key the cache."""
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
        stored = manifest["layers"]
        never_stored = "kernen" not in stored or not any(name in stored for name in PLACE_LAYERS)
        if never_stored or (kernen is not None and kernen.empty):
            st.info("Er zijn nog geen kernen en ontmoetingsplekken opgeslagen. De beheerder "
                    "voegt ze toe op de pagina Gegevens.")
        return None  # a stored but damaged layer has shown its own error
    if not venues["ontmoetingsplek"].fillna(False).astype(bool).any():
        st.warning("Geen enkele opgeslagen plek telt als ontmoetingsplek; er is niets om de "
                   "afstand toe te berekenen.")
        return None
    mode = context.selection.modus
    layers = manifest["layers"]
    network_entry = layers.get(f"netwerk_{mode}")
    network_file = network_entry["file"] if network_entry else ""
    graph = _load_graph(context.root, manifest["region"], f"netwerk_{mode}", network_file) \
        if network_file else None
    stored = layers.get(reach_layer(mode), {})
    table = None
    if stored.get("inputs") == reach_inputs(manifest, mode):
        table = load_layer(context.root, manifest, reach_layer(mode))
    if table is None or len(table) != len(kernen):
        files = (layers["kernen"]["file"], *venue_files(manifest), network_file)
        table = _reach(context.root, manifest["region"], mode, files, kernen, venues, graph)
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
