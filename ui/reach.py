"""The per-kern reach of the chosen region and travel mode, computed once per data version.

Road graphs are cached as resources (built from the stored edge list of ``netwerk_<mode>``);
reach tables as data, keyed on the files they were computed from. Without a stored network the
distances are straight-line estimates, and :class:`ReachView` says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import streamlit as st

from analysis.indicators import kern_loneliness
from analysis.network import RoadGraph, graph_from_road_edges
from analysis.reach import kern_reach
from loaders.roads import RoadEdges
from loaders.store import Store
from ui.layers import load_layer
from ui.sidebar import PageContext


@dataclass(frozen=True)
class ReachView:
    """The reach table of the chosen gemeenten and how its distances were found."""

    table: pd.DataFrame
    kernen: gpd.GeoDataFrame
    venues: gpd.GeoDataFrame
    graph: RoadGraph | None

    @property
    def is_estimate(self) -> bool:
        """True when distances are straight-line estimates (no road network stored)."""
        return self.graph is None


@st.cache_resource(show_spinner="Wegennet laden…", max_entries=6)
def _load_graph(root: str, region: str, layer: str, file: str) -> RoadGraph:
    """The routable graph of one stored network layer; ``file`` only keys the cache."""
    edges = RoadEdges.from_arrays(Store(root).read_arrays(region, layer))
    return graph_from_road_edges(edges, source=file)


@st.cache_data(show_spinner="Afstanden berekenen…", max_entries=32)
def _reach(
    root: str, region: str, mode: str, files: tuple[str, str, str],
    _kernen: gpd.GeoDataFrame, _venues: gpd.GeoDataFrame, _graph: RoadGraph | None,
) -> pd.DataFrame:
    """Reach of every kern of the region; store, region, mode and layer files key the cache."""
    return kern_reach(_kernen, _venues, mode=mode, graph=_graph)


def load_reach(context: PageContext) -> ReachView | None:
    """Reach of the chosen gemeenten, with the buurt's loneliness figure per kern.

    Returns None (after a Dutch message on the page) when the region has no kernen or no
    meeting places.
    """
    manifest = context.manifest
    kernen = load_layer(context.root, manifest, "kernen")
    venues = load_layer(context.root, manifest, "venues")
    if kernen is None or venues is None or kernen.empty:
        st.info("Deze regio heeft nog geen kernen en ontmoetingsplekken. Importeer ze via "
                "`python -m loaders import` of `python -m loaders fetch`.")
        return None
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
    files = (layers["kernen"]["file"], layers["venues"]["file"], network_file)
    table = _reach(context.root, manifest["region"], mode, files, kernen, venues, graph)
    eenzaamheid = load_layer(context.root, manifest, "eenzaamheid")
    selection = context.selection
    if eenzaamheid is not None and selection.jaar is not None:
        table = kern_loneliness(table, eenzaamheid, indicator=selection.indicator,
                                leeftijd=selection.leeftijd, jaar=selection.jaar)
    chosen = table["gemeentecode"].isin(selection.gemeenten).to_numpy()
    return ReachView(table=table[chosen].reset_index(drop=True),
                     kernen=kernen[chosen].reset_index(drop=True), venues=venues, graph=graph)
