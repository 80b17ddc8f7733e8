"""Read a user's venue list into one text column per field, whatever the file's format.

CSV and XLSX go through :mod:`loaders.tabular` (cells as stored: a formula stays text and is
never evaluated, macros are never loaded); GeoJSON and GeoPackage through GDAL, from a private
temporary copy. Nothing a file names (a URL, an external link) is ever fetched. A file that is
no table at all (an image, a PDF, a zip archive) is refused at once with
:class:`loaders.tabular.NotATableError`.

Columns are recognised by the words of their header (:func:`loaders.venue_columns.
match_columns`) or chosen by the user; a title row above the header is skipped.
"""

from __future__ import annotations

import json
import re
import tempfile
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
from pyproj.exceptions import CRSError

from loaders.errors import SourceFormatError
from loaders.schema import CRS
from loaders.tabular import (
    OLE_MAGIC,
    XLSX_MAGIC,
    LimitError,
    NotATableError,
    cell_text,
    read_table,
    sniff_not_a_table,
    thousands,
    unique_headers,
)
from loaders.venue_columns import FIELD_NAMES, FIELDS, header_scores, match_columns

SOURCE = "Eigen lijst"
MAX_FILE_BYTES = 20 * 2**20
"""Largest file accepted (20 MB); checked before anything is parsed."""
MAX_ROWS = 50_000
"""Most non-empty rows (or features) in one file."""
STRONG_NAME_SCORE = 40.0
"""Least :func:`loaders.venue_columns.header_scores` of a name header below a title row."""
HEADER_SEARCH_ROWS = 10
"""How many rows below the first are tried as the header when the first is a title row."""
_CRS_KEY = re.compile(rb'(?<!\\)"crs"\s*:\s*')
_CRS_WINDOW = 2**16
"""Most bytes of a GeoJSON ``crs`` member that are decoded."""
_SQLITE_MAGIC = b"SQLite format 3\x00"


class ColumnsError(SourceFormatError):
    """The file's columns cannot be used as they are matched.

    No name column, no coordinates or address, half a coordinate pair, or a chosen column the
    file does not have. Carries the file's headers and the mapping that was tried, so a page can
    let the user pick the columns and check the file again with ``parse_venue_file(...,
    columns=...)``.

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
class VenueRows:
    """The rows of a file with data, as text fields, and the geometry of a vector file.

    Attributes
    ----------
    fields
        One text column per field of :data:`loaders.venue_columns.FIELDS` (``""`` when the
        file lacks it), indexed by the row number of the report.
    columns
        The mapping used: field → the file's column.
    headers
        Every column of the file, in order.
    geometry
        x and y as the file gives them (NaN without a point), for a GeoJSON or GeoPackage file.
    declared
        The coordinate system a vector file declared: ``"rd"``, ``"wgs84"`` or ``None``.
    notes
        Remarks about the whole file, in Dutch.
    """

    fields: pd.DataFrame
    columns: dict[str, str]
    headers: tuple[str, ...]
    geometry: tuple[np.ndarray, np.ndarray] | None = None
    declared: str | None = None
    notes: list[str] = field(default_factory=list)


def check_size(size: int, name: str) -> None:
    """Refuse a file of more than :data:`MAX_FILE_BYTES` bytes.

    Raises
    ------
    SourceFormatError
        With the size and the maximum, in Dutch.
    """
    if size > MAX_FILE_BYTES:
        megabytes = f"{size / 2**20:.1f}".replace(".", ",")
        raise SourceFormatError(
            SOURCE,
            f"{name} is {megabytes} MB; het maximum is {MAX_FILE_BYTES // 2**20} MB. "
            "Laat overbodige kolommen weg of splits de lijst.",
        )


def read_rows(content: bytes, name: str, columns: Mapping[str, str] | None) -> VenueRows:
    """The non-empty rows of a venue list, whatever its format.

    Parameters
    ----------
    content
        The file's bytes.
    name
        The file's name (its extension helps to tell the format; shown in messages).
    columns
        Field → column chosen by the user; ``None`` matches the columns by their headers.

    Raises
    ------
    NotATableError
        For a file that is no table.
    ColumnsError
        When the columns cannot be used.
    SourceFormatError
        When the file cannot be read or passes a limit of :mod:`loaders.tabular`.
    """
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


def _read_spreadsheet(content: bytes, name: str, columns: Mapping[str, str] | None) -> VenueRows:
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
    fields, empty = _field_frame(frame, mapping)
    return _drop_empty(VenueRows(fields, mapping, headers, notes=notes), empty)


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

    A row among the first :data:`HEADER_SEARCH_ROWS` replaces the first row as header when it
    clearly names more (the venue and its location, or at least the venue) than the first row
    does. Returns the frame and the row number of the header used (0 when the first row was).
    """
    first = _header_quality(list(frame.columns), strong=False)
    later = [(_header_quality(row.tolist(), strong=True), int(number), row.tolist())
             for number, row in frame.head(HEADER_SEARCH_ROWS).iterrows()]
    best: tuple[int, int, list[object]] = max(later, key=lambda item: item[0],
                                              default=(0, 0, []))
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


def _field_frame(frame: pd.DataFrame, columns: dict[str, str]) -> tuple[pd.DataFrame, np.ndarray]:
    """One text column per field of :data:`FIELDS`, and which rows are empty.

    A field the file lacks is ``""``; a row is empty when every column of the file is blank.
    """
    data = {
        name: frame[columns[name]].astype(str) if name in columns else pd.Series(
            "", index=frame.index, dtype=object)
        for name in FIELDS
    }
    filled = frame.astype(str).apply(lambda column: column.str.strip() != "")
    return pd.DataFrame(data, index=frame.index), ~filled.any(axis=1).to_numpy(dtype=bool)


def _read_vector(
    content: bytes, name: str, kind: str, columns: Mapping[str, str] | None
) -> VenueRows:
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
    except Exception as exc:  # GDAL reports broken files in many ways
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
    fields, empty = _field_frame(text, mapping)
    points, shapes = _points(frame.geometry)
    empty &= np.isnan(points[0])
    if shapes:
        notes.append(f"{shapes} vlak(ken) of lijn(en): een punt binnen de vorm is gebruikt.")
    rows = VenueRows(fields, mapping, headers, geometry=points, declared=declared, notes=notes)
    return _drop_empty(rows, empty)


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
    """The x and y of each geometry (a point inside for areas and lines); NaN when empty."""
    present = (geometry.notna() & ~geometry.is_empty).to_numpy()
    x, y = np.full(len(geometry), np.nan), np.full(len(geometry), np.nan)
    inside = geometry[present].representative_point()
    x[present], y[present] = inside.x.to_numpy(), inside.y.to_numpy()
    shapes = int((geometry[present].geom_type != "Point").sum())
    return (x, y), shapes


def _drop_empty(rows: VenueRows, empty: np.ndarray) -> VenueRows:
    """The rows without those that are empty in every column (and have no geometry)."""
    if empty.any():
        rows.notes.append(f"{int(empty.sum())} lege rij(en) overgeslagen.")
        rows.fields = rows.fields[~empty]
        if rows.geometry is not None:
            rows.geometry = (rows.geometry[0][~empty], rows.geometry[1][~empty])
    return rows
