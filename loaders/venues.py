"""A user's own list of meeting places: read the file, check every row, report in Dutch.

Nothing here writes to the store. :func:`parse_venue_file` turns an uploaded file into the rows
that can be used and a per-row report; :func:`loaders.venue_store.store_venue_list` stores them
once the user has accepted the report. The work is done by :mod:`loaders.venue_files`
(reading), :mod:`loaders.venue_coordinates` (where a row lies), :mod:`loaders.venue_checks`
(addresses, region, repeats, soort) and :mod:`loaders.venue_findings` (the row statuses).

Files
    CSV (``,``, ``;``, tab or ``|``; UTF-8 with or without BOM, UTF-16, Windows-1252) and XLSX
    through :mod:`loaders.tabular` (cells as stored: a formula stays text and is never
    evaluated, macros are never loaded); GeoJSON and GeoPackage through GDAL, from a private
    temporary copy. Nothing a file names (a URL, an external link) is ever fetched.
    A file that is no table at all (an image, a PDF, a zip archive) is refused at once with
    :class:`loaders.tabular.NotATableError` ("dit is geen tabel (het lijkt een afbeelding)").
Columns
    Recognised by the words of their header, in Dutch or English, case and accents ignored
    (:func:`loaders.venue_columns.match_columns`: ``Naam accommodatie``, ``Locatie``,
    ``Straat + huisnummer``, ``X-coördinaat``, ...). The mapping chosen is returned with the
    result (``columns``) and can be overruled (``parse_venue_file(..., columns=...)``). A title
    row above the header is skipped. Numbers may use a decimal comma.
Coordinates
    Per row, from the geometry (GeoJSON/GPKG) or from x/y or lat/lon columns; degrees may carry
    a degree sign, hemisphere letters or minutes and seconds (``52,9°N``, ``6°38'50"E``, see
    :func:`loaders.tabular.parse_coordinates`). RD New and WGS84 are told apart by their value
    ranges; a pair that only lands in the Netherlands when its two values are swapped is
    swapped, and RD numbers in lat/lon columns are read as RD; both are reported as
    ``gecorrigeerd``. "In the Netherlands" means inside :data:`loaders.schema.RD_BOUNDS` (a box
    around European Netherlands); when the region's gemeenten are given, a point more than
    :data:`loaders.venue_checks.MAX_OUTSIDE_REGION_M` outside them is rejected too.
Addresses
    A row without usable coordinates but with an address is looked up with the PDOK
    Locatieserver, or with the geocoder passed in (:class:`loaders.venue_checks.Geocoder`).
    When that is not reachable the row is kept with status ``wacht op geocodering`` (no
    geometry) and looked up again later.
Limits
    :data:`MAX_FILE_BYTES` per file, :data:`MAX_ROWS` rows,
    :data:`loaders.venue_checks.MAX_GEOCODE` look-ups per file; names longer than
    :data:`loaders.venue_checks.MAX_NAME_LENGTH` characters are cut. The bytes are checked
    first; rows, cells and unpacked sizes while the file is read, which stops at the first
    limit (:mod:`loaders.tabular`; a GeoJSON or GeoPackage by its feature count before its
    features are read). Control characters and bidirectional-override characters are removed
    from text; everything else, including ``<script>``, is kept as plain text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from os import PathLike
from pathlib import Path, PurePath
from typing import NamedTuple, TypedDict

import geopandas as gpd
import numpy as np
import pandas as pd

from loaders import clock
from loaders.errors import SourceFormatError
from loaders.schema import CRS, VENUE_COLUMNS
from loaders.tabular import thousands
from loaders.venue_checks import (
    CONTROL,
    Addresses,
    Classification,
    Geocoder,
    LocatieserverGeocoder,
    addresses,
    check_region,
    classify,
    clean_fields,
    geocode_rows,
    reject_repeated_rows,
)
from loaders.venue_coordinates import Placement, place_rows
from loaders.venue_files import (
    MAX_FILE_BYTES,
    MAX_ROWS,
    SOURCE,
    ColumnsError,
    check_size,
    read_rows,
)
from loaders.venue_findings import RowFindings, RowStatus
from loaders.venue_rules import fold

__all__ = [
    "AFGEWEZEN",
    "DUBBEL",
    "GEACCEPTEERD",
    "GECORRIGEERD",
    "LIST_PREFIX",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "REPORT_COLUMNS",
    "ROW_PREFIX",
    "STATUSES",
    "WACHT",
    "ColumnsError",
    "ParseOptions",
    "ParsedVenues",
    "display_name",
    "list_name",
    "list_source",
    "parse_venue_file",
    "read_venue_file",
    "rename_list",
    "report_rows",
    "summarise",
]

LIST_PREFIX = "eigen lijst: "
"""``source`` of a user's list: this prefix and the file name."""
ROW_PREFIX = "rij "
"""``source_id`` of a venue from a list: this prefix and its row number in the report."""

GEACCEPTEERD = RowStatus.GEACCEPTEERD.value
GECORRIGEERD = RowStatus.GECORRIGEERD.value
WACHT = RowStatus.WACHT.value
AFGEWEZEN = RowStatus.AFGEWEZEN.value
DUBBEL = RowStatus.DUBBEL.value
STATUSES = tuple(status.value for status in RowStatus)
"""Row statuses as the report writes them (:class:`loaders.venue_findings.RowStatus`): usable
ones from best to worst, then rejected rows, then rows that are already stored in another list
(set by :func:`loaders.venue_duplicates.mark_duplicates`)."""
REPORT_COLUMNS = ("rij", "naam", "status", "toelichting")


class ParsedVenues(NamedTuple):
    """What :func:`parse_venue_file` found.

    Attributes
    ----------
    venues
        Columns :data:`loaders.schema.VENUE_COLUMNS` in EPSG:28992: every accepted or
        corrected row, and every row waiting for geocoding (those have no geometry).
    report
        Columns :data:`REPORT_COLUMNS`: one row per non-empty row of the file; ``rij`` is the
        row number as a spreadsheet shows it (header = 1) or the feature number of a
        GeoJSON/GeoPackage file.
    notes
        Remarks about the whole file, in Dutch (encoding, separator, skipped empty rows, ...).
    columns
        The mapping used: field of :data:`loaders.venue_columns.FIELDS` → the file's column
        (header as text).
    headers
        Every column of the file (attribute columns of a GeoJSON/GeoPackage file), in order.
    """

    venues: gpd.GeoDataFrame
    report: pd.DataFrame
    notes: list[str]
    columns: dict[str, str]
    headers: tuple[str, ...]


def list_source(filename: str) -> str:
    """The ``source`` of a user's list: ``"eigen lijst: <file name>"``."""
    return f"{LIST_PREFIX}{display_name(filename)}"


def list_name(source: str) -> str:
    """The file name of a stored list from its ``source`` (``"eigen lijst: leden.csv"``)."""
    return source.removeprefix(LIST_PREFIX)


def rename_list(venues: gpd.GeoDataFrame, filename: str) -> gpd.GeoDataFrame:
    """The same venues as the list of another file name: its ``source`` and venue ids.

    Used to keep a new version of a stored list as a list of its own (``leden (2).csv``).
    """
    name = display_name(filename)
    rows = venues["source_id"].astype(str).str.removeprefix(ROW_PREFIX)
    return venues.assign(source=list_source(name), venue_id=_venue_ids(name, rows))


def report_rows(venues: gpd.GeoDataFrame) -> pd.Series:
    """The report's ``rij`` of each venue (from its ``source_id``, ``"rij 12"``)."""
    return venues["source_id"].astype(str).str.removeprefix(ROW_PREFIX).astype("int64")


def display_name(filename: str) -> str:
    """The bare file name, without folders or control characters, at most 120 characters."""
    name = PurePath(str(filename).replace("\\", "/")).name
    return CONTROL.sub("", name)[:120] or "bestand"


def read_venue_file(
    path: str | PathLike[str],
    *,
    gemeenten: gpd.GeoDataFrame | None = None,
    geocode: bool = True,
    geocoder: Geocoder | None = None,
    peildatum: str | None = None,
    columns: Mapping[str, str] | None = None,
) -> ParsedVenues:
    """Read a venue list from disk; the size is checked before the file is read.

    Parameters
    ----------
    path
        The file.
    gemeenten, geocode, geocoder, peildatum, columns
        As for :func:`parse_venue_file`.

    Raises
    ------
    SourceFormatError
        When the file is missing, too large or unreadable.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SourceFormatError(SOURCE, f"bestand {path.name} kan niet worden gelezen.") from exc
    check_size(size, path.name)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise SourceFormatError(SOURCE, f"bestand {path.name} kan niet worden gelezen.") from exc
    return parse_venue_file(content, path.name, gemeenten=gemeenten, geocode=geocode,
                            geocoder=geocoder, peildatum=peildatum, columns=columns)


class ParseOptions(TypedDict, total=False):
    """Keyword options of :func:`parse_venue_file` that callers pass on unchanged."""

    geocode: bool
    geocoder: Geocoder | None
    peildatum: str | None
    columns: Mapping[str, str] | None


def parse_venue_file(
    content: bytes,
    filename: str,
    *,
    gemeenten: gpd.GeoDataFrame | None = None,
    geocode: bool = True,
    geocoder: Geocoder | None = None,
    peildatum: str | None = None,
    columns: Mapping[str, str] | None = None,
) -> ParsedVenues:
    """Check an uploaded venue list row by row; nothing is written anywhere.

    Parameters
    ----------
    content
        The file's bytes.
    filename
        The file's name as uploaded; only its last part is used (in ``source`` and messages).
    gemeenten
        The region's ``gemeenten`` layer (``gemeentecode`` and geometry, EPSG:28992). When
        given, venues far outside it are rejected and ``gemeentecode`` is taken from it.
    geocode
        Look up address-only rows; when false they wait.
    geocoder
        Looks up an address (:class:`loaders.venue_checks.Geocoder`); the live PDOK
        Locatieserver (:class:`loaders.venue_checks.LocatieserverGeocoder`) when ``None``.
    peildatum
        Date stored with the venues; today when omitted.
    columns
        Field of :data:`loaders.venue_columns.FIELDS` → column of the file, to use instead of
        the columns matched by their headers (the user's choice); fields left out are not
        read. ``None``: match.

    Returns
    -------
    ParsedVenues
        ``(venues, report, notes, columns, headers)``.

    Raises
    ------
    NotATableError
        For a file that is no table (an image, a PDF, a zip archive, ...).
    ColumnsError
        For a file that lacks a name column or any coordinate or address column, or whose
        ``columns`` name a column it does not have.
    SourceFormatError
        For a file that is too large, has too many rows or cannot be read; the Dutch message
        says which.
    """
    name = display_name(filename)
    check_size(len(content), name)
    rows = read_rows(content, name, columns)
    if len(rows.fields) > MAX_ROWS:
        raise SourceFormatError(
            SOURCE,
            f"{name} heeft {thousands(len(rows.fields))} rijen; het maximum is "
            f"{thousands(MAX_ROWS)}. Splits de lijst in kleinere bestanden.",
        )
    if rows.fields.empty:
        raise SourceFormatError(SOURCE, f"{name} bevat geen rijen met gegevens.")
    findings = RowFindings.for_rows(len(rows.fields))
    text = clean_fields(rows.fields, findings)
    placement = place_rows(text, findings, geometry=rows.geometry, declared=rows.declared)
    where = addresses(text)
    if geocode and geocoder is None:
        geocoder = LocatieserverGeocoder()
    geocode_rows(text, where, placement, findings, rows.notes,
                 geocoder=geocoder if geocode else None)
    if gemeenten is not None:
        check_region(placement, gemeenten, findings)
    reject_repeated_rows(text, placement, findings)
    kinds = classify(text, findings)
    day = peildatum or clock.today().isoformat()
    venues = _venues(text, where, placement, kinds, findings, name=name, peildatum=day)
    return ParsedVenues(venues, _report(text, findings, kinds), rows.notes, rows.columns,
                        rows.headers)


def summarise(report: pd.DataFrame) -> str:
    """A Dutch one-line summary of a report: how many rows got which status.

    ``dubbel`` is only named when there are such rows.
    """
    counts = report["status"].value_counts()
    parts = [f"{int(counts.get(status, 0))} {status}" for status in STATUSES
             if status != DUBBEL or counts.get(status, 0)]
    return f"{len(report)} rijen: " + ", ".join(parts) + "."


def _venues(
    text: pd.DataFrame,
    where: Addresses,
    placement: Placement,
    kinds: Classification,
    findings: RowFindings,
    *,
    name: str,
    peildatum: str,
) -> gpd.GeoDataFrame:
    keep = np.array([not findings.rejected(i) for i in range(len(text))], dtype=bool)
    rows = text.index.to_numpy()
    frame = pd.DataFrame(
        {
            "venue_id": _venue_ids(name, rows),
            "naam": text["naam"].to_numpy(),
            "soort": kinds.soort,
            "ontmoetingsplek": np.array(kinds.counts, dtype=bool),
            "reden": kinds.reden,
            "adres": where.address.where(where.address != "", None).to_numpy(),
            "plaats": text["plaats"].where(text["plaats"] != "", None).to_numpy(),
            "gemeentecode": placement.gemeentecode,
            "source": list_source(name),
            "source_id": [f"{ROW_PREFIX}{rij}" for rij in rows],
            "peildatum": peildatum,
        }
    )[keep]
    x, y = placement.x[keep], placement.y[keep]
    geometry = gpd.GeoSeries(gpd.points_from_xy(x, y, crs=CRS), crs=CRS).where(~np.isnan(x), None)
    return gpd.GeoDataFrame(frame.reset_index(drop=True), geometry=geometry.to_numpy(),
                            crs=CRS)[list(VENUE_COLUMNS)]


def _venue_ids(name: str, rows: Iterable[object]) -> list[str]:
    """``eigen:<file name as slug>:<row>``, unique across lists of different file names."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-") or "lijst"
    return [f"eigen:{slug}:{rij}" for rij in rows]


def _report(text: pd.DataFrame, findings: RowFindings, kinds: Classification) -> pd.DataFrame:
    statuses, explanations = [], []
    for position in range(len(text)):
        status = findings.status(position)
        messages = findings.messages(position)
        if status is not RowStatus.AFGEWEZEN:
            telt = "telt" if kinds.counts[position] else "telt niet"
            messages.append(f"Soort {kinds.soort[position]}; {telt} als ontmoetingsplek.")
        statuses.append(status.value)
        explanations.append(" ".join(dict.fromkeys(messages)))
    return pd.DataFrame(
        {
            "rij": text.index.to_numpy(dtype="int64"),
            "naam": text["naam"].to_numpy(),
            "status": statuses,
            "toelichting": explanations,
        },
        columns=list(REPORT_COLUMNS),
    )
