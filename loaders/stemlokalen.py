"""Polling stations from "Waar is mijn stemlokaal" as a second, labelled venue source.

Gemeenten publish their polling stations for every election in the Stembureaus Open Data
Standaard (CSV, or XLSX from the same template). Polling stations are public buildings in
almost every village; with a name like dorpshuis or gebruiksdoel ``bijeenkomstfunctie`` they
are often the village's meeting place, so they serve as a proxy beside OpenStreetMap, never as
the definitive list. Classification uses the project's own rules in
:mod:`loaders.venue_rules`; any ``derived_*`` columns in a file are ignored.

The column names differ between elections (``Gebruikersdoel het gebouw`` in 2018,
``Gebruiksdoel van het gebouw`` in 2023, ``Openingstijden`` vs ``Openingstijd``), so columns are
matched by their normalised header (lower-case, whitespace collapsed).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from itertools import pairwise
from os import PathLike
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from loaders.errors import SourceFormatError, UnknownRegionError
from loaders.schema import CRS, RD_BOUNDS, VENUE_COLUMNS, wgs84_to_rd
from loaders.tabular import normalise_header, parse_numbers, read_table
from loaders.venue_rules import classify_name, fold

SOURCE = "Waar is mijn stemlokaal"

ELECTIONS = {
    "2018-03-21": "GR2018",
    "2019-03-20": "PS2019",
    "2019-05-23": "EP2019",
    "2021-03-17": "TK2021",
    "2022-03-16": "GR2022",
    "2023-03-15": "PS2023",
    "2023-11-22": "TK2023",
    "2024-06-06": "EP2024",
}
"""Election day → short label used in ``source`` (``"Stemlokaal TK2023"``)."""

MERGE_DISTANCE_M = 25.0
"""Rows with the same name closer than this are one location (several bureaus in one building)."""

FIELDS: dict[str, tuple[str, ...]] = {
    "naam": ("naam stembureau", "naam stemlokaal", "naam"),
    "gebruiksdoel": ("gebruiksdoel van het gebouw", "gebruikersdoel het gebouw", "gebruiksdoel"),
    "type": ("type stembureau",),
    "id": ("_id", "id"),
    "uuid": ("uuid",),
    "bag": ("bag referentienummer", "bag nummeraanduiding id"),
    "gemeentecode": ("cbs gemeentecode",),
    "straat": ("straatnaam",),
    "huisnummer": ("huisnummer",),
    "huisletter": ("huisletter",),
    "toevoeging": ("huisnummertoevoeging",),
    "plaats": ("plaats",),
    "x": ("x",),
    "y": ("y",),
    "lat": ("latitude",),
    "lon": ("longitude",),
    "datum": ("openingstijd", "openingstijden"),
}
"""Field → accepted normalised headers, first found wins."""

_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def read_stemlokalen(
    path: str | PathLike[str],
    *,
    gemeenten: Iterable[str] | None = None,
    election: str | None = None,
) -> gpd.GeoDataFrame:
    """Read a "Waar is mijn stemlokaal" export as venues.

    Parameters
    ----------
    path
        CSV (``,`` or ``;``, UTF-8 with or without BOM, else Windows-1252) or XLSX file.
        XLSX cells are read as stored: formulas are never evaluated and stay as their text.
    gemeenten
        CBS gemeente codes to keep (``"GM1680"`` or ``"1680"``); all rows when omitted.
    election
        Election label (``"TK2023"``) or day (``"2023-11-22"``). Overrides the dates in the
        file; needed only when the file has no ``Openingstijd(en)``.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`loaders.schema.VENUE_COLUMNS`, EPSG:28992, one row per location: rows
        with the same name within :data:`MERGE_DISTANCE_M` are merged into the first (its
        ``source_id`` lists all rows). Rows without usable coordinates are left out; see
        :func:`stemlokalen_report`. Mobile bureaus are kept with ``ontmoetingsplek`` false.

    Raises
    ------
    SourceFormatError
        When the file cannot be read or lacks the name or coordinate columns.
    UnknownRegionError
        When none of ``gemeenten`` occurs in the file.
    """
    rows, peildatum, label = _prepare(Path(path), gemeenten, election)
    kept = rows[rows["status"] == "opgenomen"]
    in_layer = rows[rows["status"] != "overgeslagen"]
    source_ids = in_layer.groupby("venue_id", sort=False)["source_id"].agg("; ".join)
    frame = kept.assign(
        plaats=kept["plaats"].where(kept["plaats"] != "", None),
        gemeentecode=kept["gemeentecode"].where(kept["gemeentecode"] != "", None),
        source=f"Stemlokaal {label}",
        source_id=kept["venue_id"].map(source_ids),
        peildatum=peildatum,
    )
    points = gpd.points_from_xy(kept["x"], kept["y"], crs=CRS)
    layer = gpd.GeoDataFrame(frame[list(VENUE_COLUMNS[:-1])], geometry=points)
    return layer.reset_index(drop=True)


def stemlokalen_report(
    path: str | PathLike[str],
    *,
    gemeenten: Iterable[str] | None = None,
    election: str | None = None,
) -> pd.DataFrame:
    """Say for every row of a polling-station file whether it made it into the layer, and why.

    Parameters
    ----------
    path, gemeenten, election
        As for :func:`read_stemlokalen`.

    Returns
    -------
    pandas.DataFrame
        Columns ``rij`` (data row number, 1 = first row under the header), ``naam``,
        ``status`` (``opgenomen``, ``samengevoegd`` or ``overgeslagen``), ``toelichting``
        (Dutch reason) and ``venue_id`` (empty for skipped rows).
    """
    rows, _, _ = _prepare(Path(path), gemeenten, election)
    report = rows[["rij", "naam", "status", "toelichting", "venue_id"]].copy()
    report.loc[report["status"] == "overgeslagen", "venue_id"] = None
    return report.reset_index(drop=True)


def _prepare(
    path: Path, gemeenten: Iterable[str] | None, election: str | None
) -> tuple[pd.DataFrame, str, str]:
    """Read, filter, classify, place and merge; return per-row table, peildatum and label."""
    raw = _read_table(path)
    columns = _find_columns(raw, path)
    raw = _filter_gemeenten(raw, columns, gemeenten, path)
    peildatum = _election_date(raw, columns, election, path)
    label = ELECTIONS.get(peildatum, peildatum)
    rows = _standardise(raw, columns)
    rows = _classify(rows)
    rows = _place(rows)
    rows["venue_id"] = _venue_ids(rows, label)
    return _merge_duplicates(rows), peildatum, label


def _venue_ids(rows: pd.DataFrame, label: str) -> pd.Series:
    """``stemlokaal:<label>:<id>``, with the row number when ids are missing or repeated."""
    row_numbers = "rij" + rows["rij"].astype(str)
    ids = rows["id"].where(rows["id"] != "", row_numbers)
    if ids.duplicated().any():
        ids = row_numbers
    return f"stemlokaal:{label}:" + ids


def _read_table(path: Path) -> pd.DataFrame:
    """Every cell as text (empty string when blank), header as in the file."""
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise SourceFormatError(SOURCE, f"bestand {path} kan niet worden gelezen: {exc}") from exc
    return read_table(content, path.name, source=SOURCE).frame.reset_index(drop=True)


def _find_columns(raw: pd.DataFrame, path: Path) -> dict[str, str]:
    """Map each known field to the file's column; check the required ones are there."""
    by_norm: dict[str, str] = {}
    for column in raw.columns:
        by_norm.setdefault(normalise_header(column), column)
    columns = {}
    for field, headers in FIELDS.items():
        found = next((by_norm[h] for h in headers if h in by_norm), None)
        if found is not None:
            columns[field] = found
    if "naam" not in columns:
        raise SourceFormatError(
            SOURCE,
            f"{path.name}: kolom 'Naam stembureau' ontbreekt "
            f"(gevonden kolommen: {', '.join(map(str, raw.columns[:12]))}).",
        )
    if not ({"x", "y"} <= columns.keys() or {"lat", "lon"} <= columns.keys()):
        raise SourceFormatError(
            SOURCE, f"{path.name}: geen coördinaatkolommen (X en Y, of Latitude en Longitude)."
        )
    return columns


def _gemeentecode(code: str) -> str:
    """``" gm0308 "`` or ``"308"`` → ``"GM0308"``; empty stays empty."""
    text = code.strip().upper()
    return f"GM{text.zfill(4)}" if text.isdigit() else text


def _filter_gemeenten(
    raw: pd.DataFrame, columns: dict[str, str], gemeenten: Iterable[str] | None, path: Path
) -> pd.DataFrame:
    """Keep the rows of the requested gemeenten."""
    if gemeenten is None:
        return raw
    wanted = {_gemeentecode(code) for code in gemeenten}
    if "gemeentecode" not in columns:
        raise SourceFormatError(
            SOURCE, f"{path.name}: kolom 'CBS gemeentecode' ontbreekt; filteren kan niet."
        )
    codes = raw[columns["gemeentecode"]].map(_gemeentecode)
    if not wanted & set(codes):
        raise UnknownRegionError(
            SOURCE, f"gemeente(n) {', '.join(sorted(wanted))} komen niet voor in {path.name}."
        )
    return raw[codes.isin(wanted)]


def _election_date(
    raw: pd.DataFrame, columns: dict[str, str], election: str | None, path: Path
) -> str:
    """The election day: from ``election``, else the most common date in Openingstijd(en).

    The most common date is used because a few gemeenten typed a wrong year (in the GR2018
    export 604 rows say 2017-03-21).
    """
    if election is not None:
        by_label = {label: day for day, label in ELECTIONS.items()}
        text = election.strip()
        if text.upper() in by_label:
            return by_label[text.upper()]
        if _DATE_RE.fullmatch(text):
            return text
        raise ValueError(
            f"onbekende verkiezing {election!r}: geef een datum (JJJJ-MM-DD) of een van "
            f"{', '.join(by_label)}."
        )
    dates: Counter[str] = Counter()
    if "datum" in columns:
        for value in raw[columns["datum"]]:
            match = _DATE_RE.search(value)
            if match:
                dates[match.group(0)] += 1
    if not dates:
        raise SourceFormatError(
            SOURCE,
            f"{path.name}: geen verkiezingsdatum in kolom Openingstijd(en); geef de verkiezing "
            "op (bijvoorbeeld TK2023).",
        )
    return dates.most_common(1)[0][0]


def _standardise(raw: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """One text column per field (empty when the file lacks it), plus address and source id.

    ``rij`` is the data row number in the file (1 = first row under the header).
    """
    table = pd.DataFrame(
        {field: raw[columns[field]].str.strip() if field in columns else "" for field in FIELDS},
        index=raw.index,
    )
    table.insert(0, "rij", raw.index + 1)
    table["gemeentecode"] = table["gemeentecode"].map(_gemeentecode)
    address_columns = ("straat", "huisnummer", "huisletter", "toevoeging")
    parts = zip(*(table[column] for column in address_columns), strict=True)
    table["adres"] = [_address(*part) for part in parts]
    labelled = zip(table["id"], table["uuid"], table["bag"], strict=True)
    table["source_id"] = [
        ", ".join(f"{name} {value}"
                  for name, value in zip(("id", "UUID", "BAG"), ids, strict=True) if value)
        for ids in labelled
    ]
    return table.reset_index(drop=True)


def _address(straat: str, huisnummer: str, huisletter: str, toevoeging: str) -> str | None:
    """``"Hoofdstraat"``, ``"12"``, ``"a"``, ``"2"`` → ``"Hoofdstraat 12a-2"``."""
    number = f"{huisnummer}{huisletter}" + (f"-{toevoeging}" if toevoeging else "")
    return " ".join(part for part in (straat, number) if part) or None


def _classify(rows: pd.DataFrame) -> pd.DataFrame:
    """Add ``soort``, ``ontmoetingsplek`` and ``reden``; mobile bureaus never count."""
    verdicts = [
        ("mobiel", False, "Type stembureau is 'mobiel': geen vaste plek, telt niet.")
        if kind.lower() == "mobiel"
        else classify_name(naam, gebruiksdoel)
        for naam, gebruiksdoel, kind in zip(
            rows["naam"], rows["gebruiksdoel"], rows["type"], strict=True
        )
    ]
    rows["soort"] = [soort for soort, _, _ in verdicts]
    rows["ontmoetingsplek"] = pd.Series([counts for _, counts, _ in verdicts], dtype=bool)
    rows["reden"] = [reden for _, _, reden in verdicts]
    return rows


def _in_rd(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Whether RD coordinates lie within :data:`RD_BOUNDS`."""
    min_x, min_y, max_x, max_y = RD_BOUNDS
    return (x >= min_x) & (x <= max_x) & (y >= min_y) & (y <= max_y)


def _place(rows: pd.DataFrame) -> pd.DataFrame:
    """Set RD ``x``/``y`` (X/Y when usable, else converted lat/lon) and ``probleem``."""
    x, y = parse_numbers(rows["x"]).to_numpy(), parse_numbers(rows["y"]).to_numpy()
    lon, lat = parse_numbers(rows["lon"]).to_numpy(), parse_numbers(rows["lat"]).to_numpy()
    from_ll_x, from_ll_y = wgs84_to_rd().transform(lon, lat)
    rd_ok = _in_rd(x, y)
    ll_ok = _in_rd(from_ll_x, from_ll_y)
    rows["x"] = np.where(rd_ok, x, np.where(ll_ok, from_ll_x, np.nan))
    rows["y"] = np.where(rd_ok, y, np.where(ll_ok, from_ll_y, np.nan))
    given = ~np.isnan(x) | ~np.isnan(y) | ~np.isnan(lon) | ~np.isnan(lat)
    problems = np.where(
        rd_ok | ll_ok,
        "",
        np.where(
            given,
            "Coördinaten liggen buiten Europees Nederland: niet op de kaart.",
            "Geen coördinaten (X/Y en Latitude/Longitude leeg): niet op de kaart.",
        ),
    )
    rows["probleem"] = np.where(rows["naam"] == "", "Naam ontbreekt: overgeslagen.", problems)
    return rows


def _merge_duplicates(rows: pd.DataFrame) -> pd.DataFrame:
    """Set ``status`` and ``toelichting``; merge same-name rows within the merge distance.

    Within a name, rows are taken in file order: a row within :data:`MERGE_DISTANCE_M` of an
    earlier kept row joins the first such row, otherwise it is kept itself.
    """
    ok = (rows["probleem"] == "").to_numpy()
    rows["status"] = np.where(ok, "opgenomen", "overgeslagen")
    rows["toelichting"] = rows["reden"].where(ok, rows["probleem"])
    accepted = np.flatnonzero(ok)
    names = rows["naam"].iloc[accepted].map(lambda naam: " ".join(fold(naam).split()))
    codes, _ = pd.factorize(names)
    order = np.argsort(codes, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(codes[order]) != 0, True])
    x, y = rows["x"].to_numpy(dtype=float), rows["y"].to_numpy(dtype=float)
    merged, into = [], []
    for begin, end in pairwise(starts):
        if end - begin > 1:
            pairs = _merge_group(accepted[order[begin:end]], x, y)
            merged += pairs[0]
            into += pairs[1]
    if merged:
        ids, row_numbers = rows["venue_id"].to_numpy(), rows["rij"].to_numpy()
        at = rows.index[merged]
        rows.loc[at, "status"] = "samengevoegd"
        rows.loc[at, "venue_id"] = ids[into]
        rows.loc[at, "toelichting"] = [
            f"Zelfde naam als rij {row_numbers[first]} en binnen {MERGE_DISTANCE_M:.0f} m: "
            "samengevoegd tot één locatie."
            for first in into
        ]
    return rows


def _merge_group(
    positions: np.ndarray, x: np.ndarray, y: np.ndarray
) -> tuple[list[int], list[int]]:
    """The rows of one name that join an earlier row, and the row each joins (positions)."""
    kept: list[int] = []
    merged: list[int] = []
    into: list[int] = []
    for position in positions.tolist():
        near = [k for k in kept if np.hypot(x[k] - x[position], y[k] - y[position])
                <= MERGE_DISTANCE_M]
        if near:
            merged.append(position)
            into.append(near[0])
        else:
            kept.append(position)
    return merged, into
