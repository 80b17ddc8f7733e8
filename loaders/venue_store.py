"""Keep a user's own venue lists in the store, and read a region's venues with them merged.

Layers
    ``venues_eigen``: the accepted rows of every uploaded list (columns
    :data:`~loaders.schema.VENUE_COLUMNS`); a row without geometry waits for geocoding.
    ``venue_merges``: the merges the user undid (``pair_id``, ``ongedaan``, ``gewijzigd``).

A refresh of the OpenStreetMap or polling-station venues writes only the ``venues`` layer, and
:meth:`loaders.store.Store.write_region` keeps every layer it is not given, so both layers
survive it. :func:`read_region_venues` is what the analysis and the pages should use.

One place, stored once
    A list is known by its file name (``source``). Storing a list whose name is stored already
    needs ``replace=True`` (the old version goes entirely) or another name
    (:func:`free_list_name`, :func:`loaders.venues.rename_list`). A place that is already in
    another stored list or was added by hand (:func:`loaders.corrections.added_places`) is
    reported as ``dubbel`` (:func:`mark_stored_duplicates`) and never stored a second time
    (:mod:`loaders.venue_duplicates`).
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Unpack

import geopandas as gpd
import numpy as np
import pandas as pd
import requests

from loaders.errors import SourceError
from loaders.locatieserver import LOCATIESERVER_URL, geocode_address
from loaders.manifest import LayerSource, Manifest, now_iso
from loaders.schema import CRS, VENUE_COLUMNS
from loaders.store import Store, StoreError
from loaders.venue_duplicates import find_duplicates, mark_duplicates
from loaders.venue_merge import merge_venues
from loaders.venues import (
    AFGEWEZEN,
    GEACCEPTEERD,
    REPORT_COLUMNS,
    WACHT,
    ParsedVenues,
    ParseOptions,
    display_name,
    list_name,
    list_source,
    parse_venue_file,
)

OWN_LAYER = "venues_eigen"
MERGES_LAYER = "venue_merges"
OWN_ATTRIBUTION = "Eigen lijst van de gebruiker"
ADDED_BY_HAND = "bij de plekken die met de hand zijn toegevoegd"
"""Where a place added on the map is stored, as a duplicate's explanation names it."""


class ListExistsError(StoreError):
    """A list of this file name is stored already; replace it or store under another name.

    Parameters
    ----------
    name
        The list's file name.
    places
        How many places the stored list has.
    """

    def __init__(self, name: str, places: int) -> None:
        self.name = name
        self.places = places
        super().__init__(f"Er is al een opgeslagen lijst '{name}' ({_places(places)}). Vervang "
                         "die lijst, of sla het bestand op onder een andere naam.")


def region_gemeenten(store: Store, region: str) -> gpd.GeoDataFrame | None:
    """The region's ``gemeenten`` layer, or ``None`` when it has none (for the region check)."""
    return store.read_layer(region, "gemeenten") if store.has_layer(region, "gemeenten") else None


def parse_for_region(
    store: Store, region: str, content: bytes, filename: str, *, replace: bool = False,
    **options: Unpack[ParseOptions],
) -> ParsedVenues:
    """Check an uploaded list against a stored region; nothing is written.

    Places already stored (:func:`mark_stored_duplicates`) are reported as ``dubbel`` and left
    out of ``venues``; :func:`store_venue_list` stores ``venues`` after the user accepted.

    Parameters
    ----------
    store, region
        The stored region (its ``gemeenten`` are used to reject far-away points).
    content, filename
        The uploaded file.
    replace
        The file replaces the stored list of the same name, so that list does not count as
        holding its places already.
    **options
        Passed on to :func:`loaders.venues.parse_venue_file` (``geocode``, ``geocoder``,
        ``peildatum``, ``columns``).

    Raises
    ------
    StoreError
        When the region is not stored.
    SourceFormatError
        When the file cannot be used at all (see :func:`loaders.venues.parse_venue_file`).
    """
    store.manifest(region)
    parsed = parse_venue_file(content, filename, gemeenten=region_gemeenten(store, region),
                              **options)
    return mark_stored_duplicates(store, region, parsed, replace=replace)


def mark_stored_duplicates(
    store: Store, region: str, parsed: ParsedVenues, *, replace: bool = False
) -> ParsedVenues:
    """Report the places of a checked list that are stored already, and leave them out.

    Parameters
    ----------
    store, region
        The stored region.
    parsed
        A checked list (one ``source``).
    replace
        The list replaces the stored list of its name: that one is not compared with.

    Returns
    -------
    ParsedVenues
        See :func:`loaders.venue_duplicates.mark_duplicates`.
    """
    sources = set(parsed.venues["source"])
    without = next(iter(sources)) if replace and len(sources) == 1 else None
    return mark_duplicates(parsed, stored_places(store, region, without=without))


def stored_places(store: Store, region: str, *, without: str | None = None) -> gpd.GeoDataFrame:
    """The places a new list must not repeat.

    Those are every stored own list and every place added by hand on the map
    (:func:`loaders.corrections.added_places`).

    Parameters
    ----------
    store, region
        The stored region.
    without
        The ``source`` of a list to leave out (the list being replaced).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``naam``, ``bron`` (where it is stored, in Dutch) and geometry (EPSG:28992).
    """
    from loaders.corrections import added_places  # here: loaders.corrections imports this module

    own = _own_venues(store, region)
    own = own[own["source"] != without]
    by_hand = added_places(store, region)
    bron = [f"in lijst '{list_name(source)}'" for source in own["source"]]
    frames = [
        gpd.GeoDataFrame({"naam": own["naam"].to_numpy(dtype=object), "bron": bron},
                         geometry=own.geometry.to_numpy(), crs=CRS),
        gpd.GeoDataFrame({"naam": by_hand["naam"].to_numpy(dtype=object),
                          "bron": [ADDED_BY_HAND] * len(by_hand)},
                         geometry=by_hand.geometry.to_numpy(), crs=CRS),
    ]
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=CRS)


def stored_list_size(store: Store, region: str, filename: str) -> int | None:
    """How many places the stored list of this file name has; ``None`` when there is none."""
    own = _own_venues(store, region)
    places = int((own["source"] == list_source(filename)).sum())
    return places or None


def free_list_name(store: Store, region: str, filename: str) -> str:
    """A file name no stored list has: ``filename`` itself, else ``leden (2).csv``, ..."""
    taken = set(_own_venues(store, region)["source"])
    name = display_name(filename)
    path = PurePath(name)
    number = 1
    while list_source(name) in taken:
        number += 1
        name = f"{path.stem} ({number}){path.suffix}"
    return name


def store_venue_list(
    store: Store, region: str, venues: gpd.GeoDataFrame, *, replace: bool = False
) -> Manifest:
    """Store the accepted rows of one uploaded list in ``venues_eigen``.

    Places already in another stored list or added by hand are not stored again (see
    :func:`mark_stored_duplicates`, which reports them). Rows of other lists are kept.

    Parameters
    ----------
    store, region
        Where to write; the region must already be stored.
    venues
        The ``venues`` of :func:`loaders.venues.parse_venue_file` (one list, one ``source``).
    replace
        Replace the stored list of the same name (all its rows); without it, a stored list of
        that name is an error.

    Returns
    -------
    Manifest
        The new manifest.

    Raises
    ------
    ListExistsError
        When a list of this name is stored and ``replace`` is false.
    StoreError
        When the region is not stored, or ``venues`` is empty or mixes several lists.
    """
    store.manifest(region)
    sources = set(venues["source"])
    if len(sources) != 1:
        raise StoreError("Er is niets opgeslagen: de lijst is leeg of mengt meerdere bestanden.")
    [source] = sources
    with store.writing(region):
        kept = _own_venues(store, region)
        old = int((kept["source"] == source).sum())
        if old and not replace:
            raise ListExistsError(list_name(source), old)
        kept = kept[kept["source"] != source]
        existing = stored_places(store, region, without=source)
        new = venues[find_duplicates(venues, existing)["naam"].isna().to_numpy()]
        return _write_own(store, region, _concat(kept, new))


def remove_venue_list(store: Store, region: str, source: str) -> Manifest:
    """Remove one uploaded list (by its ``source``, ``"eigen lijst: <file>"``) from the store."""
    with store.writing(region):
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


def set_merge_undone(
    store: Store, region: str, pair_id: str, *, undone: bool = True
) -> Manifest:
    """Undo (or redo, with ``undone=False``) one merge and store that choice.

    Raises
    ------
    StoreError
        When ``pair_id`` is not a merge of this region.
    """
    if pair_id not in set(venue_merges(store, region)["pair_id"]):
        raise StoreError(f"Samenvoeging {pair_id!r} bestaat niet in regio {region!r}.")
    source = LayerSource(source="keuzes van de gebruiker", attribution=OWN_ATTRIBUTION,
                         note="samenvoegingen van eigen plekken die ongedaan zijn gemaakt")
    with store.writing(region):
        table = _undo_table(store, region)
        table = table[table["pair_id"] != pair_id]
        row = pd.DataFrame({"pair_id": [pair_id], "ongedaan": [undone], "gewijzigd": [now_iso()]})
        table = pd.concat([table, row], ignore_index=True) if len(table) else row
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
    for position in np.flatnonzero(own.geometry.isna().to_numpy()).tolist():
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


def _places(number: int) -> str:
    return "1 plek" if number == 1 else f"{number} plekken"


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


def _write_own(store: Store, region: str, venues: gpd.GeoDataFrame) -> Manifest:
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
