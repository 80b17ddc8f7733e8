"""Tables from the command line, equal to the dashboard's downloads for the same selection.

``python -m reports kernen`` writes the Kernen page's download, ``python -m reports gemeenten``
the table of the page 'Gemeenten vergelijken'. Both read the national store and select an area
(:func:`loaders.gebied.resolve_gebied`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.nearest import METHOD_STRAIGHT_LINE
from loaders.corrections import corrected_venues, corrections
from loaders.gebied import Gebied, resolve_gebied
from loaders.manifest import Manifest
from loaders.store import NATIONAL, Store, StoreError
from pipeline.loneliness import stored_kern_loneliness
from pipeline.reach import current_reach
from views import compare
from views import kernen as vk
from views.corrections import place_sources


@dataclass(frozen=True)
class KernenSelection:
    """The kernen of an area with everything the download needs."""

    gebied: Gebied
    table: pd.DataFrame
    manifest: Manifest
    estimate: bool


def area(store: Store, text: str) -> Gebied:
    """The area named by ``text`` on the stored gemeenten (see :func:`resolve_gebied`)."""
    if not store.has_layer(NATIONAL, "gemeenten"):
        raise StoreError("Er zijn nog geen gemeenten opgeslagen. Importeer eerst de gegevens: "
                         "python -m loaders import --from MAP --nl")
    kernen = store.read_layer(NATIONAL, "kernen") if store.has_layer(NATIONAL, "kernen") else None
    return resolve_gebied(text, store.read_layer(NATIONAL, "gemeenten"), kernen=kernen)


def gemeente_names(store: Store) -> dict[str, str]:
    """Gemeente code → name: RIVM's (older division) overlaid with the stored gemeenten."""
    names: dict[str, str] = {}
    if store.has_layer(NATIONAL, "eenzaamheid"):
        rows = store.read_layer(NATIONAL, "eenzaamheid")
        rows = rows[rows["soort_regio"] == "Gemeente"]
        names |= dict(zip(rows["regiocode"], rows["gemeentenaam"], strict=True))
    gemeenten = store.read_layer(NATIONAL, "gemeenten")
    return names | dict(zip(gemeenten["code"], gemeenten["naam"], strict=True))


def kernen_selection(
    store: Store,
    gebied: Gebied,
    *,
    mode: str,
    jaar: int | None,
    leeftijd: str,
    indicator: str,
) -> KernenSelection:
    """The Kernen page's table for ``gebied``: reach, loneliness and names per kern."""
    reach = current_reach(store, mode)
    table = reach[reach["gemeentecode"].isin(gebied.codes)].reset_index(drop=True)
    if jaar is not None and store.has_layer(NATIONAL, "eenzaamheid"):
        table = stored_kern_loneliness(store, table, indicator=indicator, leeftijd=leeftijd,
                                       jaar=jaar)
    gemeenten = store.read_layer(NATIONAL, "gemeenten")
    buurten = store.read_layer(NATIONAL, "buurten") if store.has_layer(NATIONAL, "buurten") \
        else None
    names = vk.gemeente_names(gemeenten, gemeente_names(store))
    venues = corrected_venues(store, NATIONAL)
    table = vk.kern_table(table, gemeente_namen=names, buurten=buurten, gemeenten=gemeenten,
                          venues=venues)
    table = table.assign(venue_bron=place_sources(
        table["venue_id"], venues, corrections(store, NATIONAL)))
    manifest = store.manifest(NATIONAL)
    estimate = f"netwerk_{mode}" not in manifest.layers or bool(
        table["methode"].eq(METHOD_STRAIGHT_LINE).all()
    )
    return KernenSelection(gebied, table, manifest, estimate)


def gemeenten_table(
    store: Store,
    gebied: Gebied,
    *,
    mode: str,
    threshold_m: float,
    jaar: int | None,
    leeftijd: str,
    indicator: str,
) -> pd.DataFrame:
    """The table of the page 'Gemeenten vergelijken' for ``gebied``."""
    eenzaamheid = (store.read_layer(NATIONAL, "eenzaamheid")
                   if store.has_layer(NATIONAL, "eenzaamheid") else None)
    return compare.gemeente_table(
        current_reach(store, mode), store.read_layer(NATIONAL, "gemeenten"), eenzaamheid,
        codes=gebied.codes, threshold_m=threshold_m, jaar=jaar, leeftijd=leeftijd,
        indicator=indicator,
    )
