"""The user's corrections to the meeting places on the map, kept as a layer of their own.

A correction is either a verdict on a venue that is already there ("telt als
ontmoetingsplek" / "telt niet", by ``venue_id``) or a place the user adds (name, soort,
a point in EPSG:28992 and optionally an address). Each carries its provenance: ``bron``
(always :data:`BRON`, "eigen invoer"), ``datum`` (ISO date) and a ``correctie_id``.

Layer
    ``venue_correcties`` (:data:`CORRECTIONS_LAYER`), columns :data:`CORRECTION_COLUMNS`.
    Undoing a correction sets its ``ongedaan`` date; the row stays, so the list of
    corrections keeps its history.

Every change is one call of :meth:`loaders.store.Store.write_region` with the whole layer, so
a correction is stored entirely or not at all, and a refresh or import of the other layers
(which never names this one) leaves it untouched. :func:`corrected_venues` is what the
analysis and the pages use: :func:`loaders.venue_store.read_region_venues` with the
corrections applied (:func:`apply_corrections`).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Protocol

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from loaders import clock
from loaders.manifest import LayerSource
from loaders.schema import CRS, VENUE_COLUMNS
from loaders.store import Store, StoreError
from loaders.venue_duplicates import find_duplicates
from loaders.venue_merge import normalise_name
from loaders.venue_rules import (
    BIJEENKOMST_RULE,
    MEETING_SOORTEN,
    OVERIG_RULE,
    VENUE_RULES,
)
from loaders.venue_store import read_region_venues

CORRECTIONS_LAYER = "venue_correcties"
"""The stored layer with the user's corrections."""
BRON = "eigen invoer"
"""The provenance of every correction (``bron`` column, and ``source`` of an added place)."""
TELT = "telt"
TELT_NIET = "telt niet"
TOEGEVOEGD = "toegevoegd"
ACTIONS = (TELT, TELT_NIET, TOEGEVOEGD)
"""The kinds of correction (``actie`` column)."""
CORRECTION_COLUMNS = (
    "correctie_id",
    "actie",
    "venue_id",
    "naam",
    "soort",
    "adres",
    "plaats",
    "gemeentecode",
    "bron",
    "datum",
    "ongedaan",
    "geometry",
)
"""Columns of the corrections layer.

``venue_id`` is the corrected venue, or the new venue's id for an added place; ``naam``,
``soort`` and ``geometry`` are the venue's at the time of the correction (for a verdict) or the
added place itself. ``datum`` and ``ongedaan`` are ISO dates; ``ongedaan`` is empty while the
correction applies.
"""
SOORTEN = tuple(rule.soort for rule in (*VENUE_RULES, BIJEENKOMST_RULE, OVERIG_RULE))
"""The soorten an added place may have (those of :mod:`loaders.venue_rules`)."""
ATTRIBUTION = "Eigen invoer: correcties van de gebruiker op de kaart"
_RESOLVE_M = 50.0
"""A verdict whose venue id vanished in a refresh is matched by name within this distance."""


class CorrectionError(StoreError):
    """A correction could not be made; the message is Dutch and says why."""


class DuplicatePlaceError(CorrectionError):
    """An added place is already on the map; ``existing`` is that venue's row."""

    def __init__(self, message: str, existing: pd.Series) -> None:
        super().__init__(message)
        self.existing = existing


def corrections(store: Store, region: str, *, include_undone: bool = False) -> gpd.GeoDataFrame:
    """The region's corrections in the order they were made (columns :data:`CORRECTION_COLUMNS`).

    Parameters
    ----------
    store, region
        The stored region; without a corrections layer the frame is empty.
    include_undone
        Also return corrections that were undone (``ongedaan`` set).
    """
    if not store.has_layer(region, CORRECTIONS_LAYER):
        return empty_corrections()
    table = store.read_layer(region, CORRECTIONS_LAYER)
    if include_undone:
        return table
    return table[table["ongedaan"].eq("")].reset_index(drop=True)


def added_places(store: Store, region: str) -> gpd.GeoDataFrame:
    """The places the user added (and did not undo), as venues (:data:`VENUE_COLUMNS`).

    Each counts as a meeting place; ``source`` is :data:`BRON`, ``source_id`` the correction
    id and ``peildatum`` the date it was added.
    """
    return _as_venues(corrections(store, region))


def apply_corrections(venues: gpd.GeoDataFrame, table: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``venues`` with the corrections in ``table`` applied; neither input is modified.

    Added places are appended; a verdict sets ``ontmoetingsplek`` of its venue and puts its
    provenance in front of ``reden`` ("Eigen invoer van 12-05-2025: telt als ontmoetingsplek").
    A verdict whose ``venue_id`` is no longer among ``venues`` (a refresh renumbered it) applies
    to the venue with the same normalised name within 50 m of where it was; when there is none
    it applies to nothing. Undone corrections are ignored; later verdicts win.

    Parameters
    ----------
    venues
        The region's venues (:func:`loaders.venue_store.read_region_venues`), EPSG:28992.
    table
        Corrections (:func:`corrections`).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`~loaders.schema.VENUE_COLUMNS`, index reset.
    """
    active = table[table["ongedaan"].eq("")]
    added = _as_venues(active)
    frames = [frame for frame in (venues[list(VENUE_COLUMNS)], added) if len(frame)]
    if not frames:
        return venues[list(VENUE_COLUMNS)].reset_index(drop=True)
    result = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=CRS)
    result["ontmoetingsplek"] = result["ontmoetingsplek"].fillna(value=False).astype(bool)
    for row in active[active["actie"].isin((TELT, TELT_NIET))].itertuples(index=False):
        position = _target(result, row)
        if position is None:
            continue
        counts = row.actie == TELT
        verdict = "telt als ontmoetingsplek" if counts else "telt niet als ontmoetingsplek"
        earlier = _text(result.loc[position, "reden"])
        result.loc[position, "ontmoetingsplek"] = counts
        result.loc[position, "reden"] = (f"{provenance(row.datum)}: {verdict}."
                                        + (f" (Volgens de regels: {earlier})" if earlier else ""))
    return result


def corrected_venues(store: Store, region: str) -> gpd.GeoDataFrame:
    """The region's venues with the user's own lists merged in and the corrections applied.

    This is the effective set of places: what the reach, the map, the tables, the scenario,
    the exports and the factsheets use.

    Raises
    ------
    StoreError
        When the region has no venues at all.
    """
    table = corrections(store, region)
    has_base = any(store.has_layer(region, name) for name in ("venues", "venues_eigen"))
    if not has_base and len(table):
        return apply_corrections(_empty_venues(), table)
    return apply_corrections(read_region_venues(store, region), table)


def provenance(datum: str) -> str:
    """``"Eigen invoer van 12-05-2025"`` for an ISO date."""
    day = date.fromisoformat(datum)
    return f"Eigen invoer van {day:%d-%m-%Y}"


def find_duplicate(
    venues: gpd.GeoDataFrame, naam: str, point: shapely.Point
) -> tuple[pd.Series, float] | None:
    """The venue that ``naam`` at ``point`` would duplicate, with its distance in metres.

    The rule of own lists (:func:`loaders.venue_duplicates.find_duplicates`): the same
    normalised name within 50 m, or any name within 10 m; a place of the same name first, then
    the nearest. Returns None when there is none.
    """
    candidate = gpd.GeoDataFrame({"naam": [naam]}, geometry=[point], crs=CRS)
    stored = venues.assign(bron=venues["venue_id"])
    match = find_duplicates(candidate, stored).iloc[0]
    if pd.isna(match["naam"]):
        return None
    row = venues[venues["venue_id"] == match["bron"]].iloc[0]
    return row, float(match["afstand_m"])


def add_place(
    store: Store,
    region: str,
    *,
    naam: str,
    x: float,
    y: float,
    soort: str = "dorpshuis",
    adres: str = "",
    plaats: str = "",
    datum: date | None = None,
) -> str:
    """Add a meeting place at RD ``(x, y)``; returns its correction id.

    Parameters
    ----------
    store, region
        The stored region.
    naam
        The place's name (required).
    x, y
        Location in EPSG:28992 (metres).
    soort
        One of :data:`SOORTEN`; the place counts as a meeting place whatever its soort.
    adres, plaats
        Optional address and town.
    datum
        Date of the correction; today when None.

    Raises
    ------
    DuplicatePlaceError
        When a venue with the same name lies within 50 m, or any venue within 10 m.
    CorrectionError
        When the name is empty, the soort unknown or the point outside the region's gemeenten.
    """
    naam = " ".join(str(naam).split())
    if not naam:
        raise CorrectionError("Geef de plek een naam; er is niets toegevoegd.")
    if soort not in SOORTEN:
        raise CorrectionError(f"Onbekende soort plek {soort!r}; er is niets toegevoegd.")
    point = shapely.Point(float(x), float(y))
    with store.writing(region):
        duplicate = find_duplicate(corrected_venues(store, region), naam, point)
        if duplicate is not None:
            existing, metres = duplicate
            raise DuplicatePlaceError(
                f"‘{naam}’ staat al op de kaart: ‘{existing['naam']}’ ({existing['source']}) "
                f"ligt op {metres:.0f} m. Er is niets toegevoegd; zeg bij die plek of hij "
                "telt.",
                existing,
            )
        code = _gemeente_at(store, region, point)
        key = uuid.uuid4().hex[:12]
        row = {"correctie_id": f"correctie-{key}", "actie": TOEGEVOEGD,
               "venue_id": f"eigen-invoer:{key}", "naam": naam, "soort": soort,
               "adres": " ".join(str(adres).split()), "plaats": " ".join(str(plaats).split()),
               "gemeentecode": code, "geometry": point}
        return _append(store, region, row, datum)


def set_counts(
    store: Store,
    region: str,
    venue_id: str,
    *,
    counts: bool,
    datum: date | None = None,
) -> str:
    """Say that a venue counts (``counts=True``) or does not count as a meeting place.

    When the venue's present verdict comes from an earlier correction, that correction is
    undone instead (which restores the rules' verdict), so corrections never pile up.

    Returns
    -------
    str
        The id of the new correction, or of the one that was undone.

    Raises
    ------
    CorrectionError
        When the venue is unknown or already has the asked verdict.
    """
    with store.writing(region):
        venues = corrected_venues(store, region)
        match = venues[venues["venue_id"] == venue_id]
        if match.empty:
            raise CorrectionError(f"Plek {venue_id!r} bestaat niet (meer); er is niets "
                                  "veranderd.")
        venue = match.iloc[0]
        if bool(venue["ontmoetingsplek"]) == counts:
            state = "telt al" if counts else "telt al niet"
            raise CorrectionError(f"‘{venue['naam']}’ {state} als ontmoetingsplek; er is niets "
                                  "veranderd.")
        table = corrections(store, region, include_undone=True)
        earlier = table[table["ongedaan"].eq("") & table["actie"].isin((TELT, TELT_NIET))
                        & table["venue_id"].eq(venue_id)]
        if len(earlier):
            correctie_id = str(earlier["correctie_id"].iloc[-1])
            _write(store, region, _undone(table, correctie_id, datum))
            return correctie_id
        key = uuid.uuid4().hex[:12]
        row = {"correctie_id": f"correctie-{key}", "actie": TELT if counts else TELT_NIET,
               "venue_id": venue_id, "naam": venue["naam"], "soort": venue["soort"],
               "adres": _text(venue["adres"]), "plaats": _text(venue["plaats"]),
               "gemeentecode": _text(venue["gemeentecode"]), "geometry": venue.geometry}
        return _append(store, region, row, datum)


def undo(store: Store, region: str, correctie_id: str, *, datum: date | None = None) -> None:
    """Undo one correction: it stays in the list with its ``ongedaan`` date and no longer applies.

    Raises
    ------
    CorrectionError
        When there is no such correction, or it was undone already.
    """
    with store.writing(region):
        table = corrections(store, region, include_undone=True)
        _write(store, region, _undone(table, correctie_id, datum))


def _undone(table: gpd.GeoDataFrame, correctie_id: str, datum: date | None) -> gpd.GeoDataFrame:
    """``table`` with ``correctie_id`` marked undone (a copy)."""
    hit = table["correctie_id"].eq(correctie_id)
    if not hit.any():
        raise CorrectionError(f"Correctie {correctie_id!r} bestaat niet; er is niets veranderd.")
    if not table.loc[hit, "ongedaan"].eq("").any():
        raise CorrectionError("Deze correctie is al ongedaan gemaakt.")
    result = table.copy()
    result.loc[hit, "ongedaan"] = (datum or clock.today()).isoformat()
    return result


def _append(store: Store, region: str, row: dict[str, object], datum: date | None) -> str:
    """Store ``row`` as a new correction (provenance added); returns its id."""
    table = corrections(store, region, include_undone=True)
    row = {**row, "bron": BRON, "datum": (datum or clock.today()).isoformat(), "ongedaan": ""}
    new = gpd.GeoDataFrame([row], columns=list(CORRECTION_COLUMNS), geometry="geometry", crs=CRS)
    frames = [frame for frame in (table, new) if len(frame)]
    _write(store, region, gpd.GeoDataFrame(pd.concat(frames, ignore_index=True),
                                           geometry="geometry", crs=CRS))
    return str(row["correctie_id"])


def _write(store: Store, region: str, table: gpd.GeoDataFrame) -> None:
    active = int(table["ongedaan"].eq("").sum())
    source = LayerSource(source=BRON, attribution=ATTRIBUTION,
                         note=f"{active} geldende correcties, {len(table) - active} ongedaan")
    store.write_region(region, {CORRECTIONS_LAYER: (table, source)})


def _as_venues(table: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The added places of ``table`` (active or not: the caller filters) as venues."""
    added = table[table["actie"].eq(TOEGEVOEGD)]
    counts_by_name = [soort in MEETING_SOORTEN for soort in added["soort"]]
    reden = [f"{provenance(d)}: toegevoegd als ontmoetingsplek."
             + ("" if by_name else " (Telt omdat de gebruiker dat zegt.)")
             for d, by_name in zip(added["datum"], counts_by_name, strict=True)]
    frame = pd.DataFrame({
        "venue_id": added["venue_id"].to_numpy(dtype=object),
        "naam": added["naam"].to_numpy(dtype=object),
        "soort": added["soort"].to_numpy(dtype=object),
        "ontmoetingsplek": np.ones(len(added), dtype=bool),
        "reden": np.asarray(reden, dtype=object),
        "adres": added["adres"].to_numpy(dtype=object),
        "plaats": added["plaats"].to_numpy(dtype=object),
        "gemeentecode": added["gemeentecode"].to_numpy(dtype=object),
        "source": np.full(len(added), BRON, dtype=object),
        "source_id": added["correctie_id"].to_numpy(dtype=object),
        "peildatum": added["datum"].to_numpy(dtype=object),
    })
    return gpd.GeoDataFrame(frame, geometry=added.geometry.to_numpy(), crs=CRS)[
        list(VENUE_COLUMNS)]


class _Verdict(Protocol):
    """A row of the corrections table (from ``itertuples``) that says whether a venue counts."""

    venue_id: str
    naam: str
    geometry: shapely.Geometry | None


def _target(venues: gpd.GeoDataFrame, row: _Verdict) -> int | None:
    """Index in ``venues`` of the venue a verdict ``row`` is about, or None."""
    hits = np.flatnonzero(venues["venue_id"].to_numpy() == row.venue_id)
    if len(hits):
        return int(venues.index[hits[0]])
    if row.geometry is None or row.geometry.is_empty:
        return None
    same = np.array([normalise_name(n) for n in venues["naam"]]) == normalise_name(row.naam)
    distance = venues.distance(row.geometry).to_numpy()
    near = np.flatnonzero(same & (distance <= _RESOLVE_M))
    if not len(near):
        return None
    return int(venues.index[near[np.argmin(distance[near])]])


def _gemeente_at(store: Store, region: str, point: shapely.Point) -> str:
    """The code of the stored gemeente containing ``point``.

    Raises
    ------
    CorrectionError
        When the region has gemeenten and none contains the point.
    """
    if not store.has_layer(region, "gemeenten"):
        return ""
    gemeenten = store.read_layer(region, "gemeenten")
    inside = gemeenten[gemeenten.contains(point)]
    if inside.empty:
        raise CorrectionError("Dit punt ligt in geen van de opgeslagen gemeenten; er is niets "
                              "toegevoegd. Controleer de coördinaten.")
    return str(inside["code"].iloc[0])


def _text(value: object) -> str:
    """``value`` as text; missing values (None, NaN, NA) become the empty string."""
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def empty_corrections() -> gpd.GeoDataFrame:
    """A corrections table without rows (columns :data:`CORRECTION_COLUMNS`)."""
    frame = pd.DataFrame({column: pd.Series(dtype=object) for column in CORRECTION_COLUMNS[:-1]})
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)


def _empty_venues() -> gpd.GeoDataFrame:
    frame = pd.DataFrame({column: pd.Series(dtype=object) for column in VENUE_COLUMNS[:-1]})
    frame["ontmoetingsplek"] = frame["ontmoetingsplek"].astype(bool)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)
