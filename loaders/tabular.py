"""Read user-supplied tables (CSV or XLSX) safely: every cell as text, nothing evaluated.

Shared by the polling-station reader (:mod:`loaders.stemlokalen`) and the reader of a user's
own venue list (:mod:`loaders.venues`).

- CSV: UTF-8 (BOM optional), UTF-16 with BOM (Excel's "Unicode text") or else Windows-1252;
  separator ``;``, ``,``, tab or ``|``, told from the header line, or from an Excel
  ``sep=;`` first line.
- XLSX: the first sheet, read with openpyxl (which parses the XML through defusedxml). Cells are
  read as stored: a formula stays its text (``=SUM(A1:A3)``) and is never evaluated; external
  links and VBA macros are not loaded. A zip whose contents unpack to more than
  :data:`MAX_UNPACKED_BYTES` is refused before parsing (zip bomb).
- Anything else (an image, a PDF, a zip archive, a Word document, a program, ...) is recognised
  by its first bytes (:func:`sniff_not_a_table`) and refused with :class:`NotATableError`
  ("dit is geen tabel (het lijkt een afbeelding)") before any decoding is tried.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time

import numpy as np
import openpyxl
import pandas as pd

from loaders.errors import SourceFormatError

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
SEPARATORS = (";", ",", "\t", "|")
MAX_UNPACKED_BYTES = 200 * 2**20
"""Largest total unpacked size of an XLSX file (its XML parts) that is parsed at all."""

_SEP_LINE = re.compile(r"^\s*sep=([;,\t|])\s*$", re.IGNORECASE)
IMAGE = "een afbeelding"
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", IMAGE),
    (b"\xff\xd8\xff", IMAGE),
    (b"GIF87a", IMAGE),
    (b"GIF89a", IMAGE),
    (b"II*\x00", IMAGE),
    (b"MM\x00*", IMAGE),
    (b"%PDF", "een PDF"),
    (b"{\\rtf", "een RTF-document uit een tekstverwerker"),
    (b"\x1f\x8b", "een gecomprimeerd bestand (gzip)"),
    (b"7z\xbc\xaf\x27\x1c", "een 7-Zip-archief"),
    (b"Rar!\x1a\x07", "een RAR-archief"),
    (b"\x7fELF", "een programma"),
    (b"ID3", "een geluidsbestand"),
    (b"OggS", "een geluids- of videobestand"),
)
"""Leading bytes of files that are never a table, and what they look like (in Dutch)."""
_ZIP_MAGIC = (XLSX_MAGIC, b"PK\x05\x06")
_ZIP_KINDS: tuple[tuple[str, str], ...] = (
    ("word/document.xml", "een Word-document"),
    ("ppt/presentation.xml", "een PowerPoint-presentatie"),
    ("doc.kml", "een Google Earth-bestand (KMZ)"),
)
_ISO_IMAGES = (b"heic", b"heix", b"mif1", b"avif")
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


class NotATableError(SourceFormatError):
    """The file is not a table at all (an image, a PDF, an archive, ...).

    Parameters
    ----------
    source
        Source name for the message.
    name
        The file's name, as shown to the user.
    kind
        What the file looks like, in Dutch with its article (``"een afbeelding"``).
    """

    def __init__(self, source: str, name: str, kind: str) -> None:
        self.kind = kind
        super().__init__(
            source,
            f"{name}: dit is geen tabel (het lijkt {kind}). Kies het bestand met de lijst zelf, "
            "opgeslagen als CSV of Excel-werkmap (.xlsx).",
        )


@dataclass(frozen=True)
class Table:
    """A table read from a file.

    Attributes
    ----------
    frame
        Every cell as text (``""`` when blank); the header row gives the column names (made
        unique: ``X``, ``X.1``). The index is the row number in the file as a spreadsheet
        shows it: the header is row 1 (or later, after an Excel ``sep=`` line or blank rows).
    kind
        ``"csv"`` or ``"xlsx"``.
    encoding
        Text encoding of a CSV file (``"UTF-8"``, ``"Windows-1252"``, ...); empty for XLSX.
    separator
        Field separator of a CSV file; empty for XLSX.
    has_macros
        Whether an XLSX/XLSM file holds a VBA project (which is never loaded or run).
    """

    frame: pd.DataFrame
    kind: str
    encoding: str = ""
    separator: str = ""
    has_macros: bool = False


def read_table(content: bytes, name: str, *, source: str) -> Table:
    """Read CSV or XLSX bytes as text cells.

    Parameters
    ----------
    content
        The file's bytes.
    name
        File name, used in messages.
    source
        Source name for errors.

    Raises
    ------
    NotATableError
        For a file that is no table at all (an image, a PDF, a zip archive, ...).
    SourceFormatError
        For an empty, old-Excel (``.xls``), unreadable or inconsistent file, with a Dutch
        message saying what is wrong.
    """
    if not content.strip():
        raise SourceFormatError(source, f"{name} is leeg: geen leesbaar CSV-bestand.")
    kind = sniff_not_a_table(content)
    if kind is not None:
        raise NotATableError(source, name, kind)
    if content.startswith(OLE_MAGIC):
        raise SourceFormatError(
            source, f"{name} is een oud Excel-bestand (.xls); sla het op als .xlsx of CSV."
        )
    if content.startswith(XLSX_MAGIC):
        return _read_xlsx(content, name, source)
    return _read_csv(content, name, source)


def sniff_not_a_table(content: bytes) -> str | None:
    """What a file looks like when its first bytes show it is not a table, else ``None``.

    Recognised: images (PNG, JPEG, GIF, TIFF, BMP, WebP, HEIC, SVG), PDF, RTF, archives (zip
    that is not an Excel or OpenDocument workbook, gzip, 7-Zip, RAR), Word and PowerPoint
    documents, programs, sound and video, web pages and XML; and any file whose first line
    holds control bytes (a binary file). UTF-16 text (with a byte-order mark) is text; an old
    Excel or Office file (``.xls``) is left to the reader, which names it.

    Parameters
    ----------
    content
        The file's bytes.

    Returns
    -------
    str or None
        Dutch, with its article: ``"een afbeelding"``, ``"een PDF"``, ``"een zip-archief"``,
        ``"een binair bestand"``, ...
    """
    for magic, kind in _MAGIC:
        if content.startswith(magic):
            return kind
    if content.startswith(_ZIP_MAGIC):
        return _zip_kind(content)
    if content[:2] == b"BM" and content[6:10] == b"\x00" * 4:
        return IMAGE
    if content[:4] == b"RIFF" and content[8:12] in (b"WEBP", b"AVI ", b"WAVE"):
        return IMAGE if content[8:12] == b"WEBP" else "een geluids- of videobestand"
    if content[4:8] == b"ftyp":
        return IMAGE if content[8:12] in _ISO_IMAGES else "een video"
    if content[:2] == b"MZ" and b"\x00" in content[:64]:
        return "een programma"
    if content.startswith((*UTF16_BOMS, OLE_MAGIC)):
        return None
    head = content[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return "een webpagina (HTML)"
    if head.startswith((b"<?xml", b"<svg")):
        return IMAGE if b"<svg" in head else "een XML-bestand"
    first_line = content[:4096].split(b"\n", 1)[0]
    return "een binair bestand" if _CONTROL_BYTES.search(first_line) else None


def _zip_kind(content: bytes) -> str | None:
    """What a zip file holds when it is not a workbook; ``None`` for XLSX, ODS or a broken zip
    (those get their own message from the reader)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        return None
    if "xl/workbook.xml" in names or mimetype.startswith(ODS_MIMETYPE):
        return None
    if mimetype.startswith(b"application/vnd.oasis.opendocument"):
        return "een OpenDocument-document"
    return next((kind for member, kind in _ZIP_KINDS if member in names), "een zip-archief")


def decode_text(content: bytes, name: str, *, source: str) -> tuple[str, str]:
    """Decode text bytes; returns ``(text, encoding label)``.

    UTF-16 with a byte-order mark, UTF-8 with or without BOM, else Windows-1252.
    """
    attempts = [("utf-16", "UTF-16")] if content.startswith(UTF16_BOMS) else []
    attempts += [("utf-8-sig", "UTF-8"), ("cp1252", "Windows-1252")]
    for codec, label in attempts:
        try:
            return content.decode(codec), label
        except UnicodeDecodeError:
            continue
    raise SourceFormatError(
        source, f"{name}: onbekende tekencodering (geen UTF-8, UTF-16 of Windows-1252)."
    )


def _read_csv(content: bytes, name: str, source: str) -> Table:
    text, encoding = decode_text(content, name, source=source)
    if "\x00" in text:
        raise SourceFormatError(
            source, f"{name} bevat binaire tekens (NUL); is het wel een CSV-bestand?"
        )
    first_line, _, rest = text.partition("\n")
    match = _SEP_LINE.match(first_line)
    separator = match.group(1) if match else None
    first = 1 if match else 0
    body = rest if match else text
    header = next((line for line in io.StringIO(body) if line.strip()), "")
    separator = separator or _guess_separator(header)
    records: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(body), delimiter=separator)
    try:
        start = 1
        for record in reader:
            if record:
                records.append((start + first, record))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise SourceFormatError(
            source, f"{name} is geen leesbaar CSV-bestand (regel {reader.line_num}): {exc}"
        ) from exc
    frame = _frame(records, name, source)
    _check_separator(frame, separator, name, source)
    return Table(frame, "csv", encoding=encoding, separator=separator)


def _guess_separator(header: str) -> str:
    """The separator that occurs most in the header line (``,`` when none does)."""
    counts = {sep: header.count(sep) for sep in SEPARATORS}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _check_separator(frame: pd.DataFrame, separator: str, name: str, source: str) -> None:
    """Refuse a file whose rows use another separator than its header."""
    if frame.shape[1] < 2 or frame.empty:
        return
    rest = frame.iloc[:, 1:]
    only_first = (rest == "").all(axis=1) & (frame.iloc[:, 0] != "")
    if only_first.mean() < 0.9:
        return
    first = frame.iloc[:, 0]
    other = next(
        (sep for sep in SEPARATORS if first.str.contains(sep, regex=False).mean() >= 0.9), None
    )
    if other is not None:
        raise SourceFormatError(
            source,
            f"{name}: de kopregel is gescheiden met {_separator_name(separator)}, maar de rijen "
            f"met {_separator_name(other)}. Sla het bestand op met één scheidingsteken.",
        )


def _separator_name(separator: str) -> str:
    return "tabs" if separator == "\t" else f"'{separator}'"


def _read_xlsx(content: bytes, name: str, source: str) -> Table:
    """First sheet of an XLSX file, cells as stored (formulas as text, never evaluated)."""
    has_macros = _check_zip(content, name, source)
    try:
        workbook = openpyxl.load_workbook(
            io.BytesIO(content), read_only=True, data_only=False, keep_links=False,
            keep_vba=False,
        )
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for broken files
        raise SourceFormatError(source, f"{name} is geen leesbaar Excel-bestand: {exc}") from exc
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        records = [
            (number, [cell_text(value) for value in row])
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1)
            if any(value is not None and str(value).strip() for value in row)
        ]
    except Exception as exc:  # noqa: BLE001 - a broken sheet part can fail in many ways
        raise SourceFormatError(source, f"{name}: het werkblad is onleesbaar: {exc}") from exc
    finally:
        workbook.close()
    return Table(_frame(records, name, source, strict=False), "xlsx", has_macros=has_macros)


def _check_zip(content: bytes, name: str, source: str) -> bool:
    """Check an XLSX container before parsing; returns whether it holds VBA macros."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise SourceFormatError(source, f"{name} is een beschadigd zip/Excel-bestand.") from exc
    names = {member.filename for member in members}
    if "mimetype" in names and "xl/workbook.xml" not in names:
        raise SourceFormatError(
            source, f"{name} is een OpenDocument-rekenblad (.ods); sla het op als .xlsx of CSV."
        )
    if "xl/workbook.xml" not in names:
        raise NotATableError(source, name, "een zip-archief")
    if sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
        raise SourceFormatError(
            source,
            f"{name} pakt uit tot meer dan {MAX_UNPACKED_BYTES // 2**20} MB; zo'n bestand wordt "
            "niet gelezen. Sla alleen de lijst op in een nieuw bestand.",
        )
    return any(n.lower().endswith("vbaproject.bin") for n in names)


def _frame(
    records: list[tuple[int, list[str]]], name: str, source: str, *, strict: bool = True
) -> pd.DataFrame:
    """Header = first record; shorter rows are padded.

    A CSV row with more (non-empty) fields than the header is an error (``strict``); in a
    worksheet the header is widened with empty names instead.
    """
    if not records:
        raise SourceFormatError(source, f"{name} is leeg: geen kopregel en geen rijen.")
    (_, header), body = records[0], records[1:]
    if not strict:
        header = header + [""] * (max(len(row) for _, row in records) - len(header))
    width = len(header)
    for number, row in body:
        if len(row) > width and any(cell.strip() for cell in row[width:]):
            raise SourceFormatError(
                source,
                f"{name}: rij {number} heeft {len(row)} velden, de kopregel maar {width}. "
                "Controleer het scheidingsteken en de aanhalingstekens in die rij.",
            )
    rows = [(row + [""] * width)[:width] for _, row in body]
    index = pd.Index([number for number, _ in body], dtype="int64", name="rij")
    columns = unique_headers([str(cell) for cell in header])
    return pd.DataFrame(rows, columns=columns, index=index, dtype=object).astype(str)


def unique_headers(header: list[str]) -> list[str]:
    """Make repeated headers unique the way pandas does for CSV (``X``, ``X.1``, ...)."""
    seen: Counter[str] = Counter()
    unique = []
    for name in header:
        unique.append(f"{name}.{seen[name]}" if seen[name] else name)
        seen[name] += 1
    return unique


def cell_text(value: object) -> str:
    """An XLSX cell value as text; a formula stays the formula's text."""
    if value is None:
        return ""
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = getattr(value, "text", value)
    return str(text)


def normalise_header(name: object) -> str:
    """``"  Gebruiksdoel  van het gebouw"`` → ``"gebruiksdoel van het gebouw"``."""
    return " ".join(str(name).replace("\ufeff", "").split()).lower()


def parse_numbers(values: pd.Series) -> pd.Series:
    """Text → float, accepting Dutch and English notation; anything else becomes NaN.

    ``"52,21"`` and ``"52.21"`` are 52.21; with both marks the last one is the decimal mark
    (``"239.658,99"`` and ``"239,658.99"`` are 239658.99); several commas alone are thousands
    separators. Infinite values become NaN.
    """
    text = values.astype(str).str.replace(r"[\s\u00a0\u202f']", "", regex=True)
    both = text.str.contains(",", regex=False) & text.str.contains(".", regex=False)
    comma_last = text.str.rfind(",") > text.str.rfind(".")
    commas = text.str.count(",")
    cleaned = np.select(
        [
            both & comma_last,
            both,
            commas == 1,
            commas > 1,
        ],
        [
            text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False),
            text.str.replace(",", "", regex=False),
            text.str.replace(",", ".", regex=False),
            text.str.replace(",", "", regex=False),
        ],
        default=text,
    )
    numbers = pd.to_numeric(pd.Series(cleaned, index=values.index), errors="coerce")
    return numbers.where(np.isfinite(numbers))


_NUMBER = r"\d+(?:[.,]\d+)?"
_HEMISPHERE = r"(?:noord|zuid|oost|west|north|south|east|nb|zb|ol|wl|n|z|s|o|e|w)\.?(?:b\.|l\.)?"
_DEGREES = re.compile(
    rf"""^(?P<pre>{_HEMISPHERE})?\s*(?P<sign>[-+\u2212])?\s*
    (?P<d>{_NUMBER})\s*(?P<mark>[°º˚]|deg\b|graden\b)?\s*
    (?:(?P<m>{_NUMBER})\s*['′’‘]\s*(?:(?P<s>{_NUMBER})\s*(?:["″”“]|''|′′|’’)?\s*)?)?
    (?P<post>{_HEMISPHERE})?$""",
    re.IGNORECASE | re.VERBOSE,
)
NEGATIVE_HEMISPHERES = frozenset({"zuid", "west", "south", "zb", "wl", "z", "s", "w"})
"""Hemisphere words (lower case, without dots) that make a coordinate negative."""


def hemisphere(text: str) -> str | None:
    """The hemisphere word of a coordinate text (``"52,9°N"`` → ``"n"``), lower case and
    without dots; ``None`` when the text names none or is no coordinate."""
    match = _DEGREES.match(text.strip())
    if match is None:
        return None
    word = match.group("pre") or match.group("post")
    return word.replace(".", "").lower() if word else None


def parse_coordinates(values: pd.Series) -> pd.Series:
    """Coordinate text → float: numbers as :func:`parse_numbers`, and degrees as people write
    them.

    ``"6.647213°E"``, ``"52.9 N"``, ``"52,9°N"``, ``"N 52.9"``, ``"6° 38' 50\\" O"`` (degrees,
    minutes, seconds) are read; Dutch hemisphere letters too (``O`` oost, ``Z`` zuid,
    ``NB``/``OL``). South and west give negative values. Anything else becomes NaN.
    """
    numbers = parse_numbers(values)
    text = values.astype(str)
    rest = numbers.isna() & text.str.strip().ne("")
    if rest.any():
        numbers = numbers.copy()
        numbers[rest] = text[rest].map(_degrees).astype(float)
    return numbers


def _degrees(text: str) -> float:
    """One coordinate in degrees (decimal or degrees-minutes-seconds); NaN when it is none."""
    match = _DEGREES.match(text.strip())
    if match is None or (match.group("pre") and match.group("post")):
        return float("nan")
    has_minutes = match.group("m") is not None
    marked = match.group("mark") or match.group("pre") or match.group("post")
    if not marked or (has_minutes and not match.group("mark")):
        return float("nan")
    parts = [float(match.group(key).replace(",", ".")) if match.group(key) else 0.0
             for key in ("d", "m", "s")]
    if parts[1] >= 60 or parts[2] >= 60:
        return float("nan")
    value = parts[0] + parts[1] / 60 + parts[2] / 3600
    word = (match.group("pre") or match.group("post") or "").replace(".", "").lower()
    negative = match.group("sign") in ("-", "\u2212") or word in NEGATIVE_HEMISPHERES
    return -value if negative else value
