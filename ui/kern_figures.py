"""Each kern's loneliness figure from its own buurten, cached per data version for all sessions."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import streamlit as st

from analysis.indicators import kern_links, kern_loneliness
from ui.layers import CACHE_TTL, load_layer
from ui.sidebar import PageContext

LINK_LAYERS = ("kernen", "buurten", "eenzaamheid")
"""The layers the kern → buurten links are computed from."""
FIGURE_LAYERS = (*LINK_LAYERS, "gemeenten")
"""The layers a kern's figure and estimate are computed from."""


@st.cache_resource(show_spinner="Buurten per kern bepalen…", max_entries=4, ttl=CACHE_TTL)
def _links(
    root: str, data_key: str,  # noqa: ARG001 - both key the cache
    _kernen: gpd.GeoDataFrame,
    _buurten: gpd.GeoDataFrame | None,
    _eenzaamheid: pd.DataFrame,
) -> pd.DataFrame:
    """The links of every kern in the store, cached per store and data version.

    ``root`` and ``data_key`` (of :data:`LINK_LAYERS`) key the cache: two stores can hold layers
    of the same file names, so the key names the store.
    """
    return kern_links(_kernen, _buurten, _eenzaamheid)


def load_links(context: PageContext) -> pd.DataFrame | None:
    """The buurten of every stored kern (see :func:`analysis.indicators.kern_links`).

    None without kernen or loneliness figures.
    """
    manifest = context.manifest
    kernen = load_layer(context.root, manifest, "kernen")
    eenzaamheid = load_layer(context.root, manifest, "eenzaamheid")
    if kernen is None or eenzaamheid is None:
        return None
    buurten = load_layer(context.root, manifest, "buurten")
    return _links(context.root, manifest.data_key(LINK_LAYERS), kernen, buurten, eenzaamheid)


def with_loneliness(context: PageContext, table: pd.DataFrame) -> pd.DataFrame:
    """``table`` (kernen of whole gemeenten) plus each kern's figure for the selection.

    Also the estimated lonely people (:func:`analysis.indicators.kern_loneliness`); the table
    comes back unchanged without figures or without a chosen year.
    """
    manifest = context.manifest
    eenzaamheid = load_layer(context.root, manifest, "eenzaamheid")
    links = load_links(context)
    selection = context.selection
    if eenzaamheid is None or links is None or selection.jaar is None:
        return table
    return _with_loneliness(
        table, context.root, manifest.data_key(FIGURE_LAYERS), selection.indicator,
        selection.leeftijd, selection.jaar, eenzaamheid, links,
        load_layer(context.root, manifest, "gemeenten"),
        load_layer(context.root, manifest, "buurten"),
    )


@st.cache_data(show_spinner=False, max_entries=16, ttl=CACHE_TTL)
def _with_loneliness(
    table: pd.DataFrame,
    root: str,  # noqa: ARG001 - keys the cache
    data_key: str,  # noqa: ARG001 - keys the cache
    indicator: str,
    leeftijd: str,
    jaar: int,
    _eenzaamheid: pd.DataFrame,
    _links: pd.DataFrame,
    _gemeenten: pd.DataFrame | None,
    _buurten: pd.DataFrame | None,
) -> pd.DataFrame:
    """:func:`analysis.indicators.kern_loneliness`, cached for every session.

    The key is the table, the figure chosen, the store and ``data_key`` of
    :data:`FIGURE_LAYERS`, so choosing a kern reruns a page without doing it again (half a second
    at country level).
    """
    return kern_loneliness(
        table, _eenzaamheid, links=_links, gemeenten=_gemeenten, buurten=_buurten,
        indicator=indicator, leeftijd=leeftijd, jaar=jaar,
    )
