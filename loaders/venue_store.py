"""Keep a user's own venue lists in the store, and read a region's venues with them merged.

Layers
    ``venues_eigen``: the accepted rows of every uploaded list (columns
    :data:`~loaders.schema.VENUE_COLUMNS`); a row without geometry waits for geocoding.
    ``venue_merges``: the merges the user undid (``pair_id``, ``ongedaan``, ``gewijzigd``).

A refresh of the OpenStreetMap or polling-station venues writes only the ``venues`` layer, and
:meth:`loaders.store.Store.write_region` keeps every layer it is not given, so both layers
survive it. :func:`read_region_venues` is what the analysis and the pages should use.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import requests

from loaders.errors import SourceError
from loaders.locatieserver import LOCATIESERVER_URL, geocode_address
from loaders.schema import CRS, VENUE_COLUMNS
from loaders.store import LayerSource, Store, StoreError, now_iso
from loaders.venue_merge import merge_venues
from loaders.venues import (
    AFGEWEZEN,
    GEACCEPTEERD,
    REPORT_COLUMNS,
    WACHT,
    ParsedVenues,
    parse_venue_file,
)

OWN_LAYER = "venues_eigen"
MERGES_LAYER = "venue_merges"
OWN_ATTRIBUTION = "Eigen lijst van de gebruiker"


def region_gemeenten(store: Store, region: str) -> gpd.GeoDataFrame | None:
    """The region's ``gemeenten`` layer, or ``None`` when it has none (for the region check)."""
    return store.read_layer(region, "gemeenten") if store.has_layer(region, "gemeenten") else None


def parse_for_region(
    store: Store, region: str, content: bytes, filename: str, **options: Any
) -> ParsedVenues:
    """Check an uploaded list against a stored region; nothing is written.

    The dashboard's upload page calls this with the uploaded bytes and file name, shows
    ``report`` and ``notes``, and calls :func:`store_venue_list` with ``venues`` only after
    the user accepted.

    Parameters
    ----------
    store, region
        The stored region (its ``gemeenten`` are used to reject far-away points).
    content, filename
        The uploaded file.
    **options
        Passed on to :func:`loaders.venues.parse_venue_file` (``geocode``, ``session``,
        ``base_url``, ``peildatum``).

    Raises
    ------
    StoreError
        When the region is not stored.
    SourceFormatError
        When the file cannot be used at all (see :func:`loaders.venues.parse_venue_file`).
    """
    store.manifest(region)
    return parse_venue_file(content, filename, gemeenten=region_gemeenten(store, region),
                            **options)


def store_venue_list(store: Store, region: str, venues: gpd.GeoDataFrame) -> dict:
    """Store the accepted rows of one uploaded list in ``venues_eigen``.

    Rows from an earlier upload of a file with the same name are replaced; rows of other
    lists are kept.

    Parameters
    ----------
    store, region
        Where to write; the region must already be stored.
    venues
        The ``venues`` of :func:`loaders.venues.parse_venue_file` (one list, one ``source``).

    Returns
    -------
    dict
        The new manifest.

    Raises
    ------
    StoreError
        When the region is not stored, or ``venues`` is empty or mixes several lists.
    """
    store.manifest(region)
    sources = set(venues["source"])
    if len(sources) != 1:
        raise StoreError("Er is niets opgeslagen: de lijst is leeg of mengt meerdere bestanden.")
    kept = _own_venues(store, region)
    kept = kept[~kept["source"].isin(sources)]
    return _write_own(store, region, _concat(kept, venues))


def remove_venue_list(store: Store, region: str, source: str) -> dict:
    """Remove one uploaded list (by its ``source``, ``"eigen lijst: <file>"``) from the store."""
    kept = _own_venues(store, region)
    if source not in set(kept["source"]):
        raise StoreError(f"Regio {region!r} heeft geen lijst {source!r}.")
    return _write_own(store, region, kept[kept["source"] != source])


def own_lists(store: Store, region: str) -> pd.DataFrame:
    """The stored lists: ``source``, ``plekken`` (rows), ``wachtend`` (without geometry)."""
    own = _own_venues(store, region)
    waiting = own.geometry.isna()
    table = pd.DataFrame({"source": own["source"], "wachtend": waiting})
    grouped = table.groupby("source", sort=True)["wachtend"].agg(["size", "sum"])
    return pd.DataFrame(
        {"source": grouped.index, "plekken": grouped["size"].to_numpy(dtype=int),
         "wachtend": grouped["sum"].to_numpy(dtype=int)}
    )


def read_region_venues(store: Store, region: str) -> gpd.GeoDataFrame:
    """The region's venues: OpenStreetMap and polling stations plus the user's lists, merged.

    Rows still waiting for geocoding are left out; merges the user undid are respected.

    Raises
    ------
    StoreError
        When the region has neither ``venues`` nor ``venues_eigen``.
    """
    return _merged(store, region)[0]


def venue_merges(store: Store, region: str) -> pd.DataFrame:
    """The merges of the region's venues (see :data:`loaders.venue_merge.MERGE_COLUMNS`)."""
    return _merged(store, region)[1]


def set_merge_undone(store: Store, region: str, pair_id: str, undone: bool = True) -> dict:
    """Undo (or redo, with ``undone=False``) one merge and store that choice.

    Raises
    ------
    StoreError
        When ``pair_id`` is not a merge of this region.
    """
    if pair_id not in set(venue_merges(store, region)["pair_id"]):
        raise StoreError(f"Samenvoeging {pair_id!r} bestaat niet in regio {region!r}.")
    table = _undo_table(store, region)
    table = table[table["pair_id"] != pair_id]
    row = pd.DataFrame({"pair_id": [pair_id], "ongedaan": [undone], "gewijzigd": [now_iso()]})
    table = pd.concat([table, row], ignore_index=True) if len(table) else row
    source = LayerSource(source="keuzes van de gebruiker", attribution=OWN_ATTRIBUTION,
                         note="samenvoegingen van eigen plekken die ongedaan zijn gemaakt")
    return store.write_region(region, {MERGES_LAYER: (table, source)})


def retry_geocoding(
    store: Store,
    region: str,
    *,
    accept: bool = False,
    session: requests.Session | None = None,
    base_url: str = LOCATIESERVER_URL,
) -> pd.DataFrame:
    """Look up the stored rows that wait for geocoding; store the results when ``accept``.

    Stops at the first failed look-up (the rest keep waiting).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`loaders.venues.REPORT_COLUMNS` (``rij`` is the row's ``source_id``
        number), one row per waiting venue.
    """
    own = _own_venues(store, region)
    rows, rejected = [], []
    failure: str | None = None
    for position in np.flatnonzero(own.geometry.isna().to_numpy()):
        venue = own.iloc[position]
        query = ", ".join(str(p) for p in (venue["adres"], venue["plaats"]) if p)
        status, message = WACHT, failure
        if failure is None:
            status, message = _look_up(own, position, query, session, base_url)
            failure = message if status == WACHT else None
        if status == AFGEWEZEN:
            rejected.append(venue["venue_id"])
        rows.append({"rij": _row_number(venue["source_id"]), "naam": venue["naam"],
                     "status": status, "toelichting": f"{message} (uit {venue['source']})"})
    report = pd.DataFrame(rows, columns=list(REPORT_COLUMNS))
    if accept and (report["status"] != WACHT).any():
        _write_own(store, region, own[~own["venue_id"].isin(rejected)])
    return report


def _look_up(
    own: gpd.GeoDataFrame, position: int, query: str, session: requests.Session | None,
    base_url: str,
) -> tuple[str, str]:
    """Geocode one waiting row in place; returns its status and a Dutch message."""
    try:
        found = geocode_address(query, session=session, base_url=base_url)
    except SourceError as exc:
        return WACHT, f"{exc.user_message} De rij blijft wachten."
    if found is None:
        return AFGEWEZEN, f"Adres '{query[:60]}' niet gevonden bij de PDOK Locatieserver."
    own.iloc[position, own.columns.get_loc("geometry")] = gpd.points_from_xy(
        [found.x], [found.y], crs=CRS)[0]
    if found.gemeentecode and not own.iloc[position]["gemeentecode"]:
        own.iloc[position, own.columns.get_loc("gemeentecode")] = found.gemeentecode
    return GEACCEPTEERD, f"Plek opgezocht bij de PDOK Locatieserver: {found.weergavenaam}."


def _row_number(source_id: object) -> int:
    digits = "".join(ch for ch in str(source_id) if ch.isdigit())
    return int(digits) if digits else 0


def _merged(store: Store, region: str) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    has_base = store.has_layer(region, "venues")
    has_own = store.has_layer(region, OWN_LAYER)
    if not (has_base or has_own):
        raise StoreError(f"Regio {region!r} heeft geen ontmoetingsplekken.")
    base = store.read_layer(region, "venues") if has_base else _empty()
    own = _own_venues(store, region)
    undo = _undo_table(store, region)
    undone = set(undo.loc[undo["ongedaan"].astype(bool), "pair_id"])
    return merge_venues(base, own, undone=undone)


def _own_venues(store: Store, region: str) -> gpd.GeoDataFrame:
    if not store.has_layer(region, OWN_LAYER):
        return _empty()
    return store.read_layer(region, OWN_LAYER)


def _undo_table(store: Store, region: str) -> pd.DataFrame:
    if not store.has_layer(region, MERGES_LAYER):
        return pd.DataFrame({"pair_id": pd.Series(dtype=object),
                             "ongedaan": pd.Series(dtype=bool),
                             "gewijzigd": pd.Series(dtype=object)})
    return store.read_layer(region, MERGES_LAYER)


def _write_own(store: Store, region: str, venues: gpd.GeoDataFrame) -> dict:
    lists = sorted(set(venues["source"]))
    waiting = int(venues.geometry.isna().sum())
    source = LayerSource(
        source="; ".join(lists) or "geen lijsten",
        attribution=OWN_ATTRIBUTION,
        note=f"{len(venues)} plekken uit {len(lists)} lijst(en); {waiting} wachten op "
             "geocodering (PDOK Locatieserver)",
    )
    return store.write_region(region, {OWN_LAYER: (venues, source)})


def _concat(*frames: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    parts = [frame for frame in frames if len(frame)]
    if not parts:
        return _empty()
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=CRS)


def _empty() -> gpd.GeoDataFrame:
    frame = pd.DataFrame({column: pd.Series(dtype=object) for column in VENUE_COLUMNS[:-1]})
    frame["ontmoetingsplek"] = frame["ontmoetingsplek"].astype(bool)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)
