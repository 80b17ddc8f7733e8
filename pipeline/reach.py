"""The stored reach layers ``bereik_<mode>``: nearest meeting places of every kern in the store.

Reach is computed for all kernen against all meeting places (the user's own lists merged in and
the user's corrections applied, :func:`loaders.corrections.corrected_venues`), so a kern near a
gemeente or province border gets the place across it, whatever a page selects.
Each layer records the files it was computed from (:func:`reach_inputs`); a page that finds
them changed knows the stored reach is stale.
"""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import pandas as pd

from analysis.network import RoadGraph, graph_from_road_edges
from analysis.reach import fill_off_network, kern_reach, land_pieces
from loaders.corrections import CORRECTIONS_LAYER, corrected_venues
from loaders.manifest import LayerSource, Manifest
from loaders.roads import TRAVEL_MODES, RoadEdges
from loaders.schema import ATTRIBUTION
from loaders.store import NATIONAL, Store
from loaders.venue_store import MERGES_LAYER, OWN_LAYER

VENUE_LAYERS = ("venues", OWN_LAYER, MERGES_LAYER, CORRECTIONS_LAYER)
"""The stored layers the effective venues are made of (merged lists, then corrections)."""
PLACE_LAYERS = ("venues", OWN_LAYER, CORRECTIONS_LAYER)
"""The layers of :data:`VENUE_LAYERS` that can bring places (merges only join them)."""


def reach_layer(mode: str) -> str:
    """The name of the stored reach layer of ``mode`` (``"bereik_bike"``)."""
    return f"bereik_{mode}"


def reach_inputs(manifest: Manifest, mode: str) -> str:
    """The stored files a reach of ``mode`` depends on, as one comparable string.

    Stored as the reach layer's ``inputs``, in this readable form (not
    :meth:`~loaders.manifest.Manifest.data_key`) so reach layers of existing stores stay current.
    """
    names = ("kernen", *VENUE_LAYERS, f"netwerk_{mode}")
    return ";".join(manifest.file(name) for name in names)


def refresh_reach(
    store: Store, *, modes: Iterable[str] = TRAVEL_MODES, region: str = NATIONAL
) -> dict[str, int]:
    """Compute and store the reach of every kern for each mode, in one atomic write.

    Without a stored network for a mode the distances are straight-line estimates (the
    ``methode`` column says so). Does nothing when the store has no kernen or no meeting
    place that counts. Holds the store's write lock from reading the inputs to writing, so
    the stored reach always matches the layers it names.

    Returns
    -------
    dict
        Layer name → rows written.
    """
    with store.writing(region):
        manifest = store.manifest(region)
        layers = manifest.layers
        if "kernen" not in layers or not any(name in layers for name in PLACE_LAYERS):
            return {}
        kernen = store.read_layer(region, "kernen")
        venues = corrected_venues(store, region)
        if kernen.empty or not venues["ontmoetingsplek"].fillna(value=False).astype(bool).any():
            return {}
        land = stored_land(store, region)
        written = {}
        for mode in modes:
            graph = _graph(store, region, manifest, mode)
            table = reach_with_fallback(kernen, venues, mode=mode, graph=graph, land=land)
            source = LayerSource(
                source="berekend uit de opgeslagen kernen, ontmoetingsplekken en wegennetten",
                attribution=f"{ATTRIBUTION['cbs']}; {ATTRIBUTION['stemlokaal']}",
                note=("hemelsbreed × omrijfactor (schatting)" if graph is None
                      else "over het wegennet"),
                inputs=reach_inputs(manifest, mode),
            )
            written[reach_layer(mode)] = (table, source)
        store.write_region(region, written)
        return {layer: len(table) for layer, (table, _src) in written.items()}


def current_reach(store: Store, mode: str, *, region: str = NATIONAL) -> pd.DataFrame:
    """The reach of every kern for ``mode``: the stored layer, or computed when it is stale.

    Computing does not write; the command line and the pages that write data keep the stored
    layer up to date with :func:`refresh_reach`.

    Raises
    ------
    StoreError
        When the store has no kernen or no meeting places.
    """
    manifest = store.manifest(region)
    entry = manifest.layer(reach_layer(mode))
    if entry is not None and entry.inputs == reach_inputs(manifest, mode):
        return store.read_layer(region, reach_layer(mode))
    kernen = store.read_layer(region, "kernen")
    venues = corrected_venues(store, region)
    return reach_with_fallback(kernen, venues, mode=mode,
                               graph=_graph(store, region, manifest, mode),
                               land=stored_land(store, region))


def stored_land(store: Store, region: str = NATIONAL) -> gpd.GeoSeries | None:
    """The pieces of land (mainland, islands) of the stored gemeenten; None without them."""
    if not store.has_layer(region, "gemeenten"):
        return None
    return land_pieces(store.read_layer(region, "gemeenten"))


def reach_with_fallback(
    kernen: gpd.GeoDataFrame,
    venues: gpd.GeoDataFrame,
    *,
    mode: str,
    graph: RoadGraph | None,
    land: gpd.GeoSeries | None = None,
) -> pd.DataFrame:
    """:func:`kern_reach` over ``graph``, with the straight-line estimate outside it.

    Kernen outside the graph get the straight-line estimate, and places outside it count by
    their estimate; an estimate stays on the kern's own piece of ``land`` (no crossing of the
    sea). Each kern's ``methode`` and ``reden`` say which.
    """
    estimate = kern_reach(kernen, venues, mode=mode, graph=None, land=land)
    if graph is None:
        return estimate
    network = kern_reach(kernen, venues, mode=mode, graph=graph, land=land)
    return fill_off_network(network, estimate)


def _graph(store: Store, region: str, manifest: Manifest, mode: str) -> RoadGraph | None:
    """The routable graph of the stored network of ``mode``, None when there is none."""
    network = f"netwerk_{mode}"
    entry = manifest.layer(network)
    if entry is None:
        return None
    edges = RoadEdges.from_arrays(store.read_arrays(region, network))
    return graph_from_road_edges(edges, source=entry.file)
