"""Each kern's loneliness figure from its own buurten, on stored layers (for the reports)."""

from __future__ import annotations

import pandas as pd

from analysis.indicators import kern_links, kern_loneliness
from loaders.store import NATIONAL, Store


def stored_kern_loneliness(
    store: Store,
    reach: pd.DataFrame,
    *,
    indicator: str,
    leeftijd: str,
    jaar: int,
    region: str = NATIONAL,
) -> pd.DataFrame:
    """``reach`` plus :func:`analysis.indicators.kern_loneliness` from the stored layers.

    The loneliness figures come from the stored kernen, buurten, gemeenten and figures;
    ``reach`` is returned unchanged without an ``eenzaamheid`` layer.

    ``reach`` must hold whole gemeenten: the estimates are checked against each gemeente's own.
    """
    if not store.has_layer(region, "eenzaamheid"):
        return reach
    eenzaamheid = store.read_layer(region, "eenzaamheid")
    buurten = _optional(store, region, "buurten")
    links = kern_links(store.read_layer(region, "kernen"), buurten, eenzaamheid)
    return kern_loneliness(
        reach, eenzaamheid, links=links, gemeenten=_optional(store, region, "gemeenten"),
        buurten=buurten, indicator=indicator, leeftijd=leeftijd, jaar=jaar,
    )


def _optional(store: Store, region: str, layer: str) -> pd.DataFrame | None:
    return store.read_layer(region, layer) if store.has_layer(region, layer) else None
