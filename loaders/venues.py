"""A user's own list of meeting places: read the file, check every row, report in Dutch.

Nothing here writes to the store. :func:`parse_venue_file` turns an uploaded file into the rows
that can be used and a per-row report; :func:`loaders.venue_store.store_venue_list` stores them
once the user has accepted the report.

Files
    CSV (``,``, ``;``, tab or ``|``; UTF-8 with or without BOM, UTF-16, Windows-1252) and XLSX
    through :mod:`loaders.tabular` (cells as stored: a formula stays text and is never
    evaluated, macros are never loaded); GeoJSON and GeoPackage through GDAL, from a private temporary copy.
    Nothing a file names (a URL, an external link) is ever fetched.
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
    :func:`loaders.tabular.parse_coordinates`). RD New and WGS84
    are told apart by their value ranges; a pair that only lands in the Netherlands when its
    two values are swapped is swapped, and RD numbers in lat/lon columns are read as RD; both
    are reported as ``gecorrigeerd``. "In the Netherlands" means inside
    :data:`loaders.schema.RD_BOUNDS` (a box around European Netherlands); when the region's
    gemeenten are given, a point more than :data:`MAX_OUTSIDE_REGION_M` outside them is
    rejected too.
Addresses
    A row without usable coordinates but with an address is looked up with the PDOK
    Locatieserver. When that is not reachable the row is kept with status
    ``wacht op geocodering`` (no geometry) and looked up again later.
Limits
    :data:`MAX_FILE_BYTES` per file, :data:`MAX_ROWS` rows, :data:`MAX_GEOCODE` look-ups per
    file; names longer than :data:`MAX_NAME_LENGTH` characters are cut. The bytes are checked
    first; rows, cells and unpacked sizes while the file is read, which stops at the first
    limit (:mod:`loaders.tabular`; a GeoJSON or GeoPackage by its feature count before its
    features are read). Control characters and
    bidirectional-override characters are removed from text; everything else, including
    ``<script>``, is kept as plain text.
"""

from __future__ import annotations

import json
import re
import tempfile
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from os import PathLike
from pathlib import Path, PurePath
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import requests
from pyproj.exceptions import CRSError

from loaders.errors import SourceError, SourceFormatError
from loaders.http import make_session
from loaders.locatieserver import LOCATIESERVER_URL, Address, geocode_address
from loaders.schema import CRS, RD_BOUNDS, VENUE_COLUMNS, wgs84_to_rd
from loaders.tabular import (
    NEGATIVE_HEMISPHERES,
    OLE_MAGIC,
    XLSX_MAGIC,
    LimitError,
    NotATableError,
    cell_text,
    hemisphere,
    parse_coordinates,
    read_table,
    sniff_not_a_table,
    thousands,
    unique_headers,
)
from loaders.venue_columns import FIELD_NAMES, FIELDS, header_scores, match_columns
from loaders.venue_rules import VENUE_RULES, classify_name, fold

SOURCE = "Eigen lijst"
MAX_FILE_BYTES = 20 * 2**20
"""Largest file accepted (20 MB); checked before anything is parsed."""
MAX_ROWS = 50_000
"""Most non-empty rows (or features) in one file."""
MAX_GEOCODE = 1_000
"""Most address look-ups per file; further address-only rows wait for a later round."""
MAX_NAME_LENGTH = 200
DUPLICATE_DISTANCE_M = 25.0
"""Rows with the same name closer than this are one venue: later ones are rejected."""
STRONG_NAME_SCORE = 40.0
"""Least :func:`loaders.venue_columns.header_scores` of a name header below a title row."""
MAX_OUTSIDE_REGION_M = 5_000.0
"""How far outside the region's gemeenten a venue may lie (it still serves border kernen)."""
REASON = "opgegeven door gebruiker"
_CRS_KEY = re.compile(rb'(?<!\\)"crs"\s*:\s*')
_CRS_WINDOW = 2**16
"""Most bytes of a GeoJSON ``crs`` member that are decoded."""
LIST_PREFIX = "eigen lijst: "
"""``source`` of a user's list: this prefix and the file name."""
ROW_PREFIX = "rij "
"""``source_id`` of a venue from a list: this prefix and its row number in the report."""

GEACCEPTEERD = "geaccepteerd"
GECORRIGEERD = "gecorrigeerd"
WACHT = "wacht op geocodering"
AFGEWEZEN = "afgewezen"
DUBBEL = "dubbel"
STATUSES = (GEACCEPTEERD, GECORRIGEERD, WACHT, AFGEWEZEN, DUBBEL)
"""Row statuses: usable ones from best to worst, then rejected rows, then rows that are already
stored in another list (set by :func:`loaders.venue_duplicates.mark_duplicates`)."""
REPORT_COLUMNS = ("rij", "naam", "status", "toelichting")

SOORT_SYNONYMS = {
    "community centre": "buurthuis",
    "community center": "buurthuis",
    "village hall": "dorpshuis",
    "clubhouse": "sportkantine",
    "club house": "sportkantine",
    "canteen": "sportkantine",
    "sports hall": "sporthal",
    "church": "kerkgebouw",
    "pub": "horeca",
    "town hall": "gemeentehuis",
    "care home": "zorg",
}
"""English soort names in a user's file → our soort."""

NEVER_COUNTS = frozenset(
    rule.soort for rule in VENUE_RULES if not rule.counts and not rule.counts_if_bijeenkomst
)
"""Soorten that are no meeting place when the user's own soort column says so."""

_KNOWN_SOORTEN = {rule.soort for rule in VENUE_RULES} | {"bijeenkomstgebouw", "overig"}
_YES = {"ja", "j", "yes", "y", "true", "waar", "1", "x"}
_NO = {"nee", "n", "no", "false", "onwaar", "0"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SQLITE_MAGIC = b"SQLite format 3\x00"


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
        The mapping used: field of :data:`FIELDS` → the file's column (header as text).
    headers
        Every column of the file (attribute columns of a GeoJSON/GeoPackage file), in order.
    """

    venues: gpd.GeoDataFrame
    report: pd.DataFrame
    notes: list[str]
    columns: dict[str, str]
    headers: tuple[str, ...]


class ColumnsError(SourceFormatError):
    """The file's columns cannot be used as they are matched: no name column, no coordinates
    or address, half a coordinate pair, or a chosen column the file does not have.

    Carries the file's headers and the mapping that was tried, so a page can let the user
    pick the columns and check the file again with ``parse_venue_file(..., columns=...)``.

    Parameters
    ----------
    message
        What is wrong, in Dutch.
    headers
        Every column of the file.
    columns
        The mapping that was tried (field → column).
    """

    def __init__(self, message: str, *, headers: tuple[str, ...],
                 columns: Mapping[str, str]) -> None:
        super().__init__(SOURCE, message)
        self.headers = headers
        self.columns = dict(columns)


@dataclass
class _Rows:
    """The file's rows as text fields, plus the geometry of a GeoJSON/GeoPackage file."""

    fields: pd.DataFrame
    columns: dict[str, str]
    headers: tuple[str, ...]
    geometry: tuple[np.ndarray, np.ndarray] | None = None
    declared: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class _Verdict:
    """Per-row findings: (level, message) pairs; level is an index into :data:`STATUSES`."""

    messages: list[list[tuple[int, str]]]

    def add(self, row: int, level: int, message: str) -> None:
        self.messages[row].append((level, message))

    def level(self, row: int) -> int:
        return max((level for level, _ in self.messages[row]), default=0)

    def rejected(self, row: int) -> bool:
        return self.level(row) == STATUSES.index(AFGEWEZEN)


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
    return _CONTROL.sub("", name)[:120] or "bestand"


def read_venue_file(
    path: str | PathLike[str],
    *,
    gemeenten: gpd.GeoDataFrame | None = None,
    geocode: bool = True,
    session: requests.Session | None = None,
    base_url: str = LOCATIESERVER_URL,
    peildatum: str | None = None,
    columns: Mapping[str, str] | None = None,
) -> ParsedVenues:
    """Read a venue list from disk; the size is checked before the file is read.

    Parameters
    ----------
    path
        The file.
    gemeenten, geocode, session, base_url, peildatum, columns
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
    _check_size(size, path.name)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise SourceFormatError(SOURCE, f"bestand {path.name} kan niet worden gelezen.") from exc
    return parse_venue_file(content, path.name, gemeenten=gemeenten, geocode=geocode,
                            session=session, base_url=base_url, peildatum=peildatum,
                            columns=columns)


def parse_venue_file(
    content: bytes,
    filename: str,
    *,
    gemeenten: gpd.GeoDataFrame | None = None,
    geocode: bool = True,
    session: requests.Session | None = None,
    base_url: str = LOCATIESERVER_URL,
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
        Look up address-only rows with the PDOK Locatieserver; when false they wait.
    session, base_url
        HTTP session and Locatieserver ``free`` endpoint for the look-ups.
    peildatum
        Date stored with the venues; today when omitted.
    columns
        Field of :data:`FIELDS` → column of the file, to use instead of the columns matched
        by their headers (the user's choice); fields left out are not read. ``None``: match.

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
    _check_size(len(content), name)
    rows = _read_rows(content, name, columns)
    rows = _drop_empty(rows)
    if len(rows.fields) > MAX_ROWS:
        raise SourceFormatError(
            SOURCE,
            f"{name} heeft {thousands(len(rows.fields))} rijen; het maximum is "
            f"{thousands(MAX_ROWS)}. Splits de lijst in kleinere bestanden.",
        )
    if rows.fields.empty:
        raise SourceFormatError(SOURCE, f"{name} bevat geen rijen met gegevens.")
    verdict = _Verdict([[] for _ in range(len(rows.fields))])
    text = _clean_fields(rows.fields, verdict)
    x, y = _coordinates(rows, text, verdict)
    gemeentecode = np.array(text["gemeentecode"].map(_gemeentecode).tolist(), dtype=object)
    _geocode(text, x, y, gemeentecode, verdict, rows.notes, geocode=geocode, session=session,
             base_url=base_url)
    if gemeenten is not None:
        _check_region(x, y, gemeentecode, gemeenten, verdict)
    _mark_duplicates(text, x, y, verdict)
    soort, counts, reden = _classify(text, verdict)
    venues = _venues(text, x, y, gemeentecode, soort, counts, reden, verdict, name,
                     peildatum or date.today().isoformat())
    return ParsedVenues(venues, _report(text, verdict, soort, counts), rows.notes, rows.columns,
                        rows.headers)


def summarise(report: pd.DataFrame) -> str:
    """A Dutch one-line summary of a report: how many rows got which status (``dubbel`` only
    when there are such rows)."""
    counts = report["status"].value_counts()
    parts = [f"{int(counts.get(status, 0))} {status}" for status in STATUSES
             if status != DUBBEL or counts.get(status, 0)]
    return f"{len(report)} rijen: " + ", ".join(parts) + "."


def _check_size(size: int, name: str) -> None:
    if size > MAX_FILE_BYTES:
        megabytes = f"{size / 2**20:.1f}".replace(".", ",")
        raise SourceFormatError(
            SOURCE,
            f"{name} is {megabytes} MB; het maximum is {MAX_FILE_BYTES // 2**20} MB. "
            "Laat overbodige kolommen weg of splits de lijst.",
        )


# --------------------------------------------------------------------------- reading


def _read_rows(content: bytes, name: str, columns: Mapping[str, str] | None) -> _Rows:
    suffix = PurePath(name).suffix.lower()
    if content.startswith(_SQLITE_MAGIC):
        return _read_vector(content, name, "GeoPackage", columns)
    kind = sniff_not_a_table(content)
    if kind is not None:
        raise NotATableError(SOURCE, name, kind)
    if suffix == ".gpkg":
        raise SourceFormatError(SOURCE, f"{name} is geen GeoPackage (SQLite-bestand).")
    head = content[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not content.startswith((XLSX_MAGIC, OLE_MAGIC)) and (
        suffix in {".geojson", ".json"} or head.startswith(b"{")
    ):
        return _read_vector(content, name, "GeoJSON", columns)
    return _read_spreadsheet(content, name, columns)


def _read_spreadsheet(content: bytes, name: str, columns: Mapping[str, str] | None) -> _Rows:
    table = read_table(content, name, source=SOURCE, max_rows=MAX_ROWS)
    if table.kind == "csv":
        separator = "tab" if table.separator == "\t" else f"'{table.separator}'"
        notes = [f"Gelezen als CSV ({table.encoding}, scheidingsteken {separator})."]
    else:
        excel = ("Gelezen als Excel-werkmap (eerste werkblad); formules zijn als tekst gelezen "
                 "en niet uitgerekend.")
        notes = [excel]
    if table.has_macros:
        notes.append("Het bestand bevat macro's (VBA); die zijn niet geladen en niet uitgevoerd.")
    frame, skipped = _find_header(table.frame)
    if skipped:
        notes.append(f"De kopregel staat op rij {skipped}; de rijen erboven zijn overgeslagen.")
    headers = tuple(str(column) for column in frame.columns)
    mapping = _mapping(headers, columns, name, geometry=False)
    return _Rows(_field_frame(frame, mapping), mapping, headers, notes=notes)


def _mapping(
    headers: tuple[str, ...], columns: Mapping[str, str] | None, name: str, *, geometry: bool
) -> dict[str, str]:
    """The user's mapping (checked against the file) or the one matched from the headers."""
    if columns is None:
        mapping = match_columns(headers)
    else:
        mapping = {field: str(columns[field]) for field in FIELDS if columns.get(field)}
        unknown = sorted(set(columns) - set(FIELDS))
        missing = [column for column in mapping.values() if column not in headers]
        if unknown or missing:
            what = (f"kolom '{missing[0]}' staat niet in het bestand" if missing
                    else f"'{unknown[0]}' is geen gegeven dat gelezen kan worden")
            raise ColumnsError(f"{name}: {what}.", headers=headers, columns=mapping)
    _require_columns(mapping, headers, name, geometry=geometry)
    return mapping


def _header_quality(row: list[object], *, strong: bool) -> int:
    """2 for a row that names the venue and where it is, 1 for one that only names the venue.

    With ``strong``, only a header that clearly names the venue (not a data cell such as
    "Dorpshuis De Kiep", which merely suggests a name) counts.
    """
    found = match_columns(row)
    name = found.get("naam")
    if name is None or (strong and header_scores(name)["naam"] < STRONG_NAME_SCORE):
        return 0
    where = {"x", "lat", "adres", "straat", "postcode"}.intersection(found)
    return 2 if where else 1


def _find_header(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Use a later row as header when the first is a title row above it.

    A row among the first ten replaces the first row as header when it clearly names more
    (the venue and its location, or at least the venue) than the first row does. Returns the
    frame and the row number of the header used (0 when the first row was).
    """
    first = _header_quality(list(frame.columns), strong=False)
    later = [(_header_quality(row.tolist(), strong=True), int(number), row.tolist())
             for number, row in frame.head(10).iterrows()]
    best = max(later, key=lambda item: item[0], default=(0, 0, []))
    if best[0] <= first:
        return frame, 0
    _, number, header = best
    below = frame.loc[frame.index > number]
    columns = unique_headers([str(cell) for cell in header])
    return pd.DataFrame(below.to_numpy(), index=below.index, columns=columns), number


def _require_columns(
    columns: dict[str, str], headers: tuple[str, ...], name: str, *, geometry: bool
) -> None:
    def fail(message: str) -> ColumnsError:
        return ColumnsError(f"{name}: {message}", headers=headers, columns=columns)

    if "naam" not in columns:
        shown = ", ".join(headers[:12]) or "geen"
        raise fail("geen kolom met de naam van de plek (bijvoorbeeld naam, naam accommodatie, "
                   f"locatie of gebouw). Gevonden kolommen: {shown}.")
    for first, second in (("x", "y"), ("lat", "lon")):
        if (first in columns) != (second in columns):
            alone, missing = (first, second) if first in columns else (second, first)
            raise fail(f"kolom {columns[alone]} ({FIELD_NAMES[alone]}) zonder bijbehorende "
                       f"kolom {missing} ({FIELD_NAMES[missing]}).")
    has_coordinates = geometry or "x" in columns or "lat" in columns
    has_address = any(f in columns for f in ("adres", "straat", "postcode"))
    if not (has_coordinates or has_address):
        raise fail("geen coördinaten (x/y of lat/lon) en geen adres (adres, straat of "
                   "postcode); de plekken kunnen niet op de kaart.")


def _field_frame(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """One text column per field of :data:`FIELDS` (``""`` when the file lacks it)."""
    data = {
        name: frame[columns[name]].astype(str) if name in columns else pd.Series(
            "", index=frame.index, dtype=object)
        for name in FIELDS
    }
    fields = pd.DataFrame(data, index=frame.index)
    fields["_leeg"] = ~(frame.astype(str).apply(lambda col: col.str.strip() != "")).any(axis=1)
    return fields


def _read_vector(
    content: bytes, name: str, kind: str, columns: Mapping[str, str] | None
) -> _Rows:
    """Attributes and points of a GeoJSON or GeoPackage file (first layer).

    GDAL reads a private temporary copy with the right extension, which is removed at once.
    """
    suffix = ".gpkg" if kind == "GeoPackage" else ".geojson"
    notes = [f"Gelezen als {kind}."]
    if kind == "GeoJSON":
        content = _without_crs_link(content, name, notes)
    try:
        with tempfile.TemporaryDirectory(prefix="eigen-lijst-") as folder:
            path = Path(folder) / f"upload{suffix}"
            path.write_bytes(content)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # unsupported geometry → None
                layers = pyogrio.list_layers(path)
                features = int(pyogrio.read_info(path, layer=0)["features"])
                if features <= MAX_ROWS:
                    frame = pyogrio.read_dataframe(path, layer=0, max_features=MAX_ROWS + 1)
    except Exception as exc:  # noqa: BLE001 - GDAL reports broken files in many ways
        raise SourceFormatError(SOURCE, f"{name} is geen leesbaar {kind}-bestand.") from exc
    if features > MAX_ROWS:
        raise LimitError(SOURCE, f"{name} heeft {thousands(features)} rijen; het maximum is "
                                 f"{thousands(MAX_ROWS)}. Splits de lijst in kleinere bestanden.")
    if len(layers) > 1:
        notes.append(f"Het bestand heeft {len(layers)} lagen; alleen '{layers[0][0]}' is gelezen.")
    frame, declared = _vector_crs(frame, name, notes)
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="rij")
    attributes = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    attributes.columns = [str(column) for column in attributes.columns]
    headers = tuple(attributes.columns)
    mapping = _mapping(headers, columns, name, geometry=True)
    text = attributes.astype(object).where(attributes.notna(), None).map(cell_text)
    fields = _field_frame(text, mapping)
    points, shapes = _points(frame.geometry)
    fields["_leeg"] &= np.isnan(points[0])
    if shapes:
        notes.append(f"{shapes} vlak(ken) of lijn(en): een punt binnen de vorm is gebruikt.")
    return _Rows(fields, mapping, headers, geometry=points, declared=declared, notes=notes)


def _without_crs_link(content: bytes, name: str, notes: list[str]) -> bytes:
    """Drop every GeoJSON ``crs`` member that is not a plain name or EPSG code.

    GDAL fetches the URL of an old-style ``{"type": "link", "properties": {"href": ...}}``
    member to learn the coordinate system; nothing named in an uploaded file may be fetched.
    The coordinate system then follows from the coordinates themselves. Only the ``crs``
    members are decoded, never the whole file (a large file would take many times its size in
    memory as Python objects).
    """
    if not content.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        raise SourceFormatError(
            SOURCE, f"{name} is geen leesbaar GeoJSON-bestand (geen FeatureCollection)."
        )
    cuts: list[tuple[int, int]] = []
    decoder = json.JSONDecoder()
    for match in _CRS_KEY.finditer(content):
        window = content[match.end():match.end() + _CRS_WINDOW].decode("utf-8", "replace")
        try:
            crs, length = decoder.raw_decode(window)
        except ValueError as exc:
            raise SourceFormatError(
                SOURCE, f"{name} is geen leesbaar GeoJSON-bestand (het coördinatenstelsel is "
                "onleesbaar).",
            ) from exc
        if not isinstance(crs, dict) or crs.get("type") in ("name", "EPSG"):
            continue
        end = match.end() + len(window[:length].encode("utf-8"))
        cuts.append(_member_span(content, match.start(), end))
    if not cuts:
        return content
    for start, end in reversed(cuts):
        content = content[:start] + content[end:]
    notes.append("De verwijzing naar een coördinatenstelsel via een link is genegeerd (niet "
                 "opgehaald); het stelsel is uit de coördinaten afgeleid.")
    return content


def _member_span(content: bytes, start: int, end: int) -> tuple[int, int]:
    """The bytes to cut for a JSON member from ``start`` to ``end`` with one comma next to it."""
    after = re.match(rb"\s*,", content[end:end + 4096])
    if after is not None:
        return start, end + after.end()
    before = re.search(rb",\s*$", content[max(start - 4096, 0):start])
    return (start - len(before.group(0)) if before else start), end


def _vector_crs(
    frame: gpd.GeoDataFrame, name: str, notes: list[str]
) -> tuple[gpd.GeoDataFrame, str | None]:
    """Bring a vector layer to RD or WGS84; return it and which one the file declared."""
    if frame.crs is None:
        return frame, None
    if frame.crs.equals(CRS):
        return frame, "rd"
    if frame.crs.equals("EPSG:4326", ignore_axis_order=True):
        return frame, "wgs84"
    try:
        converted = frame.to_crs("EPSG:4326")
    except (CRSError, ValueError) as exc:
        raise SourceFormatError(
            SOURCE, f"{name}: het coördinatenstelsel {frame.crs.name} kan niet worden omgerekend."
        ) from exc
    notes.append(f"Coördinaten omgerekend van {frame.crs.name}.")
    return converted, "wgs84"


def _points(geometry: gpd.GeoSeries) -> tuple[tuple[np.ndarray, np.ndarray], int]:
    """x and y of each geometry (a point inside for areas and lines); NaN when empty."""
    present = (geometry.notna() & ~geometry.is_empty).to_numpy()
    x, y = np.full(len(geometry), np.nan), np.full(len(geometry), np.nan)
    inside = geometry[present].representative_point()
    x[present], y[present] = inside.x.to_numpy(), inside.y.to_numpy()
    shapes = int((geometry[present].geom_type != "Point").sum())
    return (x, y), shapes


def _drop_empty(rows: _Rows) -> _Rows:
    empty = rows.fields.pop("_leeg").to_numpy(dtype=bool)
    if empty.any():
        rows.notes.append(f"{int(empty.sum())} lege rij(en) overgeslagen.")
        rows.fields = rows.fields[~empty]
        if rows.geometry is not None:
            rows.geometry = (rows.geometry[0][~empty], rows.geometry[1][~empty])
    return rows


# --------------------------------------------------------------------------- checking rows


def _clean(value: str) -> str:
    """Remove control and bidi-override characters; collapse whitespace."""
    return " ".join(_CONTROL.sub(" ", value).split())


def _clean_fields(fields: pd.DataFrame, verdict: _Verdict) -> pd.DataFrame:
    """Clean every text field, flag formulas, check the name."""
    text = fields.apply(lambda column: column.map(_clean))
    formula = pd.DataFrame({name: text[name].str.startswith("=") for name in FIELDS})
    for position in np.flatnonzero(formula.any(axis=1).to_numpy()):
        names = [name for name in FIELDS if formula[name].iat[position]]
        shown = text[names[0]].iat[position][:40]
        verdict.add(position, 0, f"Let op: {', '.join(names)} bevat een formule ({shown}); "
                                 "als tekst overgenomen, niet uitgerekend.")
    for position in np.flatnonzero((text["naam"] == "").to_numpy()):
        verdict.add(position, 3, "De naam ontbreekt.")
    for position in np.flatnonzero((text["naam"].str.len() > MAX_NAME_LENGTH).to_numpy()):
        verdict.add(position, 1, f"Naam ingekort tot {MAX_NAME_LENGTH} tekens.")
    text["naam"] = text["naam"].str.slice(0, MAX_NAME_LENGTH)
    return text


def _coordinates(rows: _Rows, text: pd.DataFrame, verdict: _Verdict) -> tuple[np.ndarray, ...]:
    """RD x and y per row (NaN when not placed); corrections go to ``verdict``.

    Pairs are tried in order: the geometry of a GeoJSON/GeoPackage file, x/y columns, lat/lon
    columns. Why the first given pair could not be placed is kept in ``text["_probleem"]``.
    """
    size = len(text)
    x, y = np.full(size, np.nan), np.full(size, np.nan)
    problems = np.full(size, None, dtype=object)
    blank = pd.Series("", index=text.index)
    pairs = []
    if rows.geometry is not None:
        pairs.append(("geo", *rows.geometry, blank, blank))
    for kind, east, north in (("xy", "x", "y"), ("latlon", "lon", "lat")):
        pairs.append((kind, parse_coordinates(text[east]).to_numpy(),
                      parse_coordinates(text[north]).to_numpy(), text[east], text[north]))
    for kind, east, north, east_text, north_text in pairs:
        px, py, how = _locate(east, north)
        fits = np.isnan(x) & (how != "")
        for position in np.flatnonzero(fits):
            message = _correction(kind, how[position], rows.declared)
            if message:
                verdict.add(position, 1, message)
        x[fits], y[fits] = px[fits], py[fits]
        given = (east_text != "").to_numpy() | (north_text != "").to_numpy() | ~np.isnan(east)
        unexplained = np.array([problem is None for problem in problems], dtype=bool)
        for position in np.flatnonzero(np.isnan(x) & given & unexplained):
            problems[position] = _coordinate_problem(
                kind, east[position], north[position], east_text.iat[position],
                north_text.iat[position],
            )
    text["_probleem"] = problems
    return x, y


def _locate(east: np.ndarray, north: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read each pair as WGS84 or RD New, as given or swapped; the first reading in NL wins.

    ``east``/``north`` are x/y (or lon/lat) as the file gives them. Returns RD x, y and per
    row how it was read: ``"deg"``, ``"rd"``, ``"deg_swapped"``, ``"rd_swapped"`` or ``""``.
    """
    x, y = np.full(len(east), np.nan), np.full(len(east), np.nan)
    how = np.full(len(east), "", dtype=object)
    for label, first, second in (("", east, north), ("_swapped", north, east)):
        degrees = (np.abs(first) <= 180) & (np.abs(second) <= 90)
        with np.errstate(invalid="ignore"):
            dx, dy = wgs84_to_rd().transform(np.where(degrees, first, np.nan),
                                      np.where(degrees, second, np.nan))
        for kind, cx, cy in (("deg", dx, dy), ("rd", first, second)):
            fits = (how == "") & _in_nl(cx, cy)
            x[fits], y[fits] = cx[fits], cy[fits]
            how[fits] = kind + label
    return x, y, how


def _in_nl(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    min_x, min_y, max_x, max_y = RD_BOUNDS
    with np.errstate(invalid="ignore"):
        return (x >= min_x) & (x <= max_x) & (y >= min_y) & (y <= max_y)


def _correction(kind: str, how: str, declared: str | None) -> str | None:
    """The Dutch note for a pair that was read in another way than it was given."""
    if how == "deg_swapped":
        return ("Breedte- en lengtegraad stonden omgedraaid; verwisseld." if kind != "xy"
                else "x en y (in graden) stonden omgedraaid; verwisseld.")
    if how == "rd_swapped":
        return ("De kolommen breedte/lengte bevatten RD-coördinaten in omgekeerde volgorde; "
                "als RD New gelezen en verwisseld." if kind == "latlon"
                else "x en y stonden omgedraaid; verwisseld.")
    if how == "rd" and kind == "latlon":
        return "De kolommen breedte/lengte bevatten RD-coördinaten (x, y); als RD New gelezen."
    if kind == "geo" and how == "rd" and declared == "wgs84":
        return ("De coördinaten zijn RD New (EPSG:28992), niet WGS84 zoals het bestand "
                "aangeeft; als RD New gelezen.")
    if kind == "geo" and how == "deg" and declared == "rd":
        return ("Het bestand noemt RD New, maar de coördinaten zijn graden (WGS84); als WGS84 "
                "gelezen.")
    return None


def _coordinate_problem(
    kind: str, east: float, north: float, east_text: str, north_text: str
) -> str:
    """Why a given pair could not be placed, in Dutch."""
    if kind == "geo":
        return "De geometrie ligt niet in Nederland."
    for value, shown in ((east, east_text), (north, north_text)):
        if np.isnan(value):
            if not shown:
                return "Eén van de twee coördinaten ontbreekt."
            what = "een formule" if shown.startswith("=") else "geen getal"
            return f"Coördinaat '{shown[:40]}' is {what}."
    for shown in (east_text, north_text):
        if hemisphere(shown) in NEGATIVE_HEMISPHERES:
            return (f"Coördinaat '{shown[:40]}' ligt op het zuidelijk of westelijk halfrond "
                    "(S, Z of W); Nederland ligt op noorderbreedte (N) en oosterlengte (E of O). "
                    "Controleer de letter achter de coördinaat.")
    return (f"Coördinaten {east_text}, {north_text} liggen niet in Nederland (ook niet als RD "
            "New, WGS84 of omgedraaid).")


def _addresses(text: pd.DataFrame) -> None:
    """Add ``_adres`` (street, number, postcode), ``_zoekadres`` and ``_onvolledig``."""
    number = (text["huisnummer"] + text["toevoeging"]).str.strip()
    street = text["adres"].where(text["adres"] != "", (text["straat"] + " " + number).str.strip())
    postcode = text["postcode"]
    text["_adres"] = street.where(postcode == "", (street + ", " + postcode).str.strip(", "))
    text["_zoekadres"] = (text["_adres"] + ", " + text["plaats"]).str.strip(", ")
    located = (text["plaats"] != "") | (postcode != "") | street.str.contains(",", regex=False)
    text["_onvolledig"] = (text["_zoekadres"] != "") & ~(
        street.str.contains(r"\d", regex=True) & located
    )


def _geocode(
    text: pd.DataFrame,
    x: np.ndarray,
    y: np.ndarray,
    gemeentecode: np.ndarray,
    verdict: _Verdict,
    notes: list[str],
    *,
    geocode: bool,
    session: requests.Session | None,
    base_url: str,
) -> None:
    """Place rows without coordinates by their address; reject rows with neither.

    After the first failed look-up (offline, timeout, bad answer) no more are tried: the
    remaining address rows wait, with the reason.
    """
    _addresses(text)
    failure: str | None = None if geocode else "Adressen opzoeken is uitgezet."
    looked_up = 0
    for position in np.flatnonzero(np.isnan(x)):
        if verdict.rejected(position):
            continue
        query, problem = text["_zoekadres"].iat[position], text["_probleem"].iat[position]
        if not query or text["_onvolledig"].iat[position]:
            incomplete = (f"Adres '{query[:60]}' is onvolledig: straat en huisnummer met "
                          "postcode of plaats zijn nodig.") if query else None
            reasons = [r for r in (problem, incomplete) if r]
            verdict.add(position, 3, " ".join(reasons) or "Geen coördinaten en geen adres.")
            continue
        if problem:
            verdict.add(position, 1, f"{problem} Het adres wordt gebruikt.")
        if failure is None and looked_up >= MAX_GEOCODE:
            failure = f"Meer dan {thousands(MAX_GEOCODE)} adressen in één bestand."
        if failure is None:
            looked_up += 1
            session = session or make_session()
            try:
                found = geocode_address(query, session=session, base_url=base_url)
            except SourceError as exc:
                failure = exc.user_message
                notes.append(f"Adressen opzoeken lukte niet: {failure}")
            else:
                _apply_address(position, query, found, text, x, y, gemeentecode, verdict)
                continue
        verdict.add(position, 2, f"{failure} De rij is bewaard en het adres wordt later "
                                 "opnieuw opgezocht.")


def _apply_address(
    position: int,
    query: str,
    found: Address | None,
    text: pd.DataFrame,
    x: np.ndarray,
    y: np.ndarray,
    gemeentecode: np.ndarray,
    verdict: _Verdict,
) -> None:
    if found is None:
        verdict.add(position, 3, f"Adres '{query[:60]}' niet gevonden bij de PDOK Locatieserver.")
        return
    if not _in_nl(np.array([found.x]), np.array([found.y]))[0]:
        verdict.add(position, 3, f"De PDOK Locatieserver gaf voor '{query[:60]}' een punt buiten "
                                 "Nederland.")
        return
    x[position], y[position] = found.x, found.y
    gemeentecode[position] = found.gemeentecode or gemeentecode[position]
    row = text.iloc[position]
    postcode = row["postcode"].replace(" ", "").upper()
    number = re.match(r"\d+", row["huisnummer"])
    exact = (not postcode or (found.postcode or "").replace(" ", "").upper() == postcode) and (
        number is None or found.huisnummer == int(number.group(0))
    )
    if exact:
        verdict.add(position, 0, f"Plek opgezocht bij de PDOK Locatieserver: {found.weergavenaam}.")
    else:
        verdict.add(position, 1, f"Adres niet precies gevonden; de PDOK Locatieserver gaf "
                                 f"'{found.weergavenaam}', dat is gebruikt.")


def _check_region(
    x: np.ndarray, y: np.ndarray, gemeentecode: np.ndarray, gemeenten: gpd.GeoDataFrame,
    verdict: _Verdict,
) -> None:
    """Reject points far outside the region; take ``gemeentecode`` from the region's areas."""
    placed = np.flatnonzero(~np.isnan(x))
    if not len(placed) or gemeenten.empty:
        return
    points = gpd.GeoSeries(gpd.points_from_xy(x[placed], y[placed]), crs=CRS)
    areas = gemeenten.to_crs(CRS)
    distance = points.distance(areas.union_all()).to_numpy()
    joined = gpd.sjoin(gpd.GeoDataFrame(geometry=points), areas[["gemeentecode", "geometry"]],
                       predicate="within", how="left")
    codes = joined.groupby(level=0)["gemeentecode"].first().reindex(range(len(placed)))
    for position, metres, code in zip(placed, distance, codes):
        if metres > MAX_OUTSIDE_REGION_M:
            kilometres = f"{metres / 1000:.1f}".replace(".", ",")
            verdict.add(position, 3, f"Ligt {kilometres} km buiten de gemeenten van deze regio.")
        elif isinstance(code, str):
            gemeentecode[position] = code


def _mark_duplicates(text: pd.DataFrame, x: np.ndarray, y: np.ndarray, verdict: _Verdict) -> None:
    """Reject a row with the same name as an earlier kept row within 25 m.

    A grid of 25 m cells keeps this linear: kept rows of one name in one cell are at least
    25 m apart, so each cell holds only a few.
    """
    kept: dict[tuple[str, int, int], list[int]] = {}
    names = text["naam"].map(lambda n: " ".join(fold(n).split())).to_numpy()
    rows = text.index.to_numpy()
    for position in np.flatnonzero(~np.isnan(x)):
        if verdict.rejected(position):
            continue
        cx, cy = int(x[position] // DUPLICATE_DISTANCE_M), int(y[position] // DUPLICATE_DISTANCE_M)
        nearby = (
            other
            for dx in (-1, 0, 1)
            for dy in (-1, 0, 1)
            for other in kept.get((names[position], cx + dx, cy + dy), [])
        )
        twin = next((o for o in nearby if np.hypot(x[o] - x[position], y[o] - y[position])
                     <= DUPLICATE_DISTANCE_M), None)
        if twin is None:
            kept.setdefault((names[position], cx, cy), []).append(position)
        else:
            verdict.add(position, 3, f"Dubbel: zelfde naam en plek als rij {rows[twin]}.")


def _classify(text: pd.DataFrame, verdict: _Verdict) -> tuple[list[str], list[bool], list[str]]:
    """Soort from the file (mapped to ours) or from the name; whether it counts; reden."""
    soorten, counts, redenen = [], [], []
    for position, (naam, given, telt) in enumerate(zip(text["naam"], text["soort"],
                                                       text["telt"])):
        soort, note = _soort(given) if given else (classify_name(naam)[0], None)
        flag = _yes_no(telt)
        if telt and flag is None:
            verdict.add(position, 0, f"Kolom ontmoetingsplek '{telt[:20]}' is geen ja/nee; "
                                     "genegeerd.")
        if flag is None:
            flag = not (given and soort in NEVER_COUNTS)
        reden = REASON
        if note:
            reden += f" ({note})"
        if not flag:
            reden += "; telt niet als ontmoetingsplek"
        soorten.append(soort)
        counts.append(flag)
        redenen.append(reden)
    return soorten, counts, redenen


def _soort(given: str) -> tuple[str, str | None]:
    """A user's soort text → our soort, and a note when it was not recognised."""
    folded = " ".join(fold(given).split())
    if folded in _KNOWN_SOORTEN:
        return folded, None
    if folded in SOORT_SYNONYMS:
        return SOORT_SYNONYMS[folded], None
    soort = classify_name(given)[0]
    if soort == "overig":
        return soort, f"soort in bestand: '{given[:40]}'"
    return soort, None


def _yes_no(value: str) -> bool | None:
    folded = fold(value).strip()
    if folded in _YES:
        return True
    if folded in _NO:
        return False
    return None


def _gemeentecode(value: str) -> str | None:
    text = value.strip().upper()
    if text.isdigit() and len(text) <= 4:
        return f"GM{text.zfill(4)}"
    return text if re.fullmatch(r"GM\d{4}", text) else None


# --------------------------------------------------------------------------- output


def _venues(
    text: pd.DataFrame,
    x: np.ndarray,
    y: np.ndarray,
    gemeentecode: np.ndarray,
    soort: list[str],
    counts: list[bool],
    reden: list[str],
    verdict: _Verdict,
    name: str,
    peildatum: str,
) -> gpd.GeoDataFrame:
    keep = np.array([not verdict.rejected(i) for i in range(len(text))], dtype=bool)
    rows = text.index.to_numpy()
    frame = pd.DataFrame(
        {
            "venue_id": _venue_ids(name, rows),
            "naam": text["naam"].to_numpy(),
            "soort": soort,
            "ontmoetingsplek": np.array(counts, dtype=bool),
            "reden": reden,
            "adres": text["_adres"].where(text["_adres"] != "", None).to_numpy(),
            "plaats": text["plaats"].where(text["plaats"] != "", None).to_numpy(),
            "gemeentecode": gemeentecode,
            "source": list_source(name),
            "source_id": [f"{ROW_PREFIX}{rij}" for rij in rows],
            "peildatum": peildatum,
        }
    )[keep]
    points = gpd.points_from_xy(x[keep], y[keep], crs=CRS)
    geometry = gpd.GeoSeries(points, crs=CRS).where(~np.isnan(x[keep]), None)
    return gpd.GeoDataFrame(frame.reset_index(drop=True), geometry=geometry.to_numpy(),
                            crs=CRS)[list(VENUE_COLUMNS)]


def _venue_ids(name: str, rows: Iterable[object]) -> list[str]:
    """``eigen:<file name as slug>:<row>``, unique across lists of different file names."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-") or "lijst"
    return [f"eigen:{slug}:{rij}" for rij in rows]


def _report(
    text: pd.DataFrame, verdict: _Verdict, soort: list[str], counts: list[bool]
) -> pd.DataFrame:
    statuses, explanations = [], []
    for position in range(len(text)):
        level = verdict.level(position)
        messages = [message for _, message in verdict.messages[position]]
        if STATUSES[level] != AFGEWEZEN:
            telt = "telt" if counts[position] else "telt niet"
            messages.append(f"Soort {soort[position]}; {telt} als ontmoetingsplek.")
        statuses.append(STATUSES[level])
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
