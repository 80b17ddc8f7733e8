"""Read user-supplied tables (CSV or XLSX) safely: every cell as text, nothing evaluated.

Shared by the polling-station reader (:mod:`loaders.stemlokalen`) and the reader of a user's
own venue list (:mod:`loaders.venues`).

- CSV: UTF-8 (BOM optional), UTF-16 with BOM (Excel's "Unicode text") or else Windows-1252;
  separator ``;``, ``,``, tab or ``|``, told from the header line, or from an Excel
  ``sep=;`` first line.
- XLSX: the first sheet, read with openpyxl in read-only mode (which parses the XML through
  defusedxml, row by row). Cells are read as stored: a formula stays its text (``=SUM(A1:A3)``)
  and is never evaluated; external links and VBA macros are not loaded.

Limits are enforced while reading, and reading stops at the first one (:class:`LimitError`):

- XLSX, before any XML is parsed: the zip directory (at most :data:`MAX_MEMBERS` parts, together
  at most :data:`MAX_UNPACKED_BYTES` unpacked, no large part packed more than
  :data:`MAX_PACKING_RATIO` times); then every part is unpacked in chunks, counting the bytes it
  really unpacks to (a directory can lie), while the first sheet's rows and cells are counted
  from its XML tags (:func:`scan_xlsx`). The sheet reader then counts again as it goes.
- CSV: decoded and read as a stream, never as one string; with ``max_rows`` reading stops once
  the file has more rows than that (plus :data:`TITLE_ROWS`).
- Anything else (an image, a PDF, a zip archive, a Word document, a program, ...) is recognised
  by its first bytes (:func:`sniff_not_a_table`) and refused with :class:`NotATableError`
  ("dit is geen tabel (het lijkt een afbeelding)") before any decoding is tried.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import struct
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time

import numpy as np
import pandas as pd

from loaders.errors import SourceFormatError

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
SEPARATORS = (";", ",", "\t", "|")
WRONG_SEPARATOR_SHARE = 0.9
"""A file is refused when this share of its rows fill only the first column, with another
separator in it: the rows use another separator than the header."""
MINUTES_PER_DEGREE = 60
"""Minutes in a degree of arc, and seconds in a minute."""
MAX_UNPACKED_BYTES = 50 * 2**20
"""Largest total unpacked size of an XLSX file (all its parts); a workbook of 50,000 rows of 20
columns unpacks to about 35 MB."""
MAX_PACKING_RATIO = 100
"""Largest unpacked/packed ratio of an XLSX part of more than :data:`RATIO_FROM_BYTES`
(spreadsheet XML packs 5 to 30 times; a zip bomb thousands of times)."""
RATIO_FROM_BYTES = 2**20
"""Parts smaller than this unpack to little whatever their ratio; their ratio is not checked."""
MAX_MEMBERS = 1_000
"""Most parts in an XLSX file."""
MAX_CELLS = 1_000_000
"""Most cells the sheet reader may produce: every row up to the last one, each as wide as its
last cell (openpyxl fills the gaps), empty cells included."""
MAX_SHARED_STRINGS = 1_000_000
"""Most entries in an XLSX file's shared-string table (each is held in memory)."""
TITLE_ROWS = 10
"""Rows above the header that a reader may still skip; a row limit allows for them."""
CHUNK_BYTES = 2**20
"""Bytes unpacked or decoded at a time."""
_LOCAL_HEADER = struct.Struct("<4s22xHH")
_LOCAL_MAGIC = b"PK\x03\x04"

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


class LimitError(SourceFormatError):
    """The file goes over a reading limit (size, unpacked size, rows or cells).

    Reading stopped there. The message says which limit, in Dutch.
    """


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


def read_table(
    content: bytes, name: str, *, source: str, max_rows: int | None = None
) -> Table:
    """Read CSV or XLSX bytes as text cells.

    Parameters
    ----------
    content
        The file's bytes.
    name
        File name, used in messages.
    source
        Source name for errors.
    max_rows
        Most rows with data below the header; reading stops once a file has more than this plus
        :data:`TITLE_ROWS` (the caller checks the exact number after finding the header).
        ``None``: no row limit (the XLSX limits still hold).

    Raises
    ------
    NotATableError
        For a file that is no table at all (an image, a PDF, a zip archive, ...).
    LimitError
        For a file over a limit (rows, cells, unpacked size), found while reading.
    SourceFormatError
        For an empty, old-Excel (``.xls``), unreadable or inconsistent file, with a Dutch
        message saying what is wrong.
    """
    if not content or content.isspace():
        raise SourceFormatError(source, f"{name} is leeg: geen leesbaar CSV-bestand.")
    kind = sniff_not_a_table(content)
    if kind is not None:
        raise NotATableError(source, name, kind)
    if content.startswith(OLE_MAGIC):
        raise SourceFormatError(
            source, f"{name} is een oud Excel-bestand (.xls); sla het op als .xlsx of CSV."
        )
    if content.startswith(XLSX_MAGIC):
        return _read_xlsx(content, name, source, max_rows)
    return _read_csv(content, name, source, max_rows)


def sniff_not_a_table(content: bytes) -> str | None:  # noqa: C901, PLR0911 - a return per kind
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
    """What a zip file holds when it is not a workbook.

    ``None`` for XLSX, ODS or a broken zip: those get their own message from the reader.
    """
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


def text_encoding(content: bytes, name: str, *, source: str) -> tuple[str, str]:
    """The text encoding of CSV bytes: ``(codec, label)``, checked chunk by chunk.

    UTF-16 with a byte-order mark, UTF-8 with or without BOM, else Windows-1252; the whole file
    must decode, but it is never held as one string.
    """
    attempts = [("utf-16", "UTF-16")] if content.startswith(UTF16_BOMS) else []
    attempts += [("utf-8-sig", "UTF-8"), ("cp1252", "Windows-1252")]
    view = memoryview(content)
    for codec, label in attempts:
        decoder = codecs.getincrementaldecoder(codec)()
        try:
            for start in range(0, len(content), CHUNK_BYTES):
                decoder.decode(view[start:start + CHUNK_BYTES])
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return codec, label
    raise SourceFormatError(
        source, f"{name}: onbekende tekencodering (geen UTF-8, UTF-16 of Windows-1252)."
    )


def thousands(number: int) -> str:
    """``50000`` → ``"50.000"`` (Dutch thousands separator)."""
    return f"{number:,}".replace(",", ".")


def _read_csv(content: bytes, name: str, source: str, max_rows: int | None) -> Table:
    """Read CSV as a stream of lines; stop once there are more than ``max_rows`` data rows."""
    codec, encoding = text_encoding(content, name, source=source)
    stream = io.TextIOWrapper(io.BytesIO(content), encoding=codec, newline="")
    lines = _without_nul(stream, name, source)
    first_line = next(lines, "")
    match = _SEP_LINE.match(first_line)
    first = 1 if match else 0
    leading = [] if match else [first_line]
    for line in lines:
        leading.append(line)
        if line.strip():
            break
    header = next((line for line in leading if line.strip()), "")
    separator = match.group(1) if match else _guess_separator(header)
    reader = csv.reader(_chain(leading, lines), delimiter=separator)
    limit = None if max_rows is None else max_rows + TITLE_ROWS + 1
    records: list[tuple[int, list[str]]] = []
    try:
        start = 1
        for record in reader:
            if record:
                records.append((start + first, record))
                if limit is not None and len(records) > limit:
                    raise _too_many_rows(name, source, max_rows or 0,
                                         _approximate_rows(content, codec))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise SourceFormatError(
            source, f"{name} is geen leesbaar CSV-bestand (regel {reader.line_num}): {exc}"
        ) from exc
    frame = _frame(records, name, source)
    _check_separator(frame, separator, name, source)
    return Table(frame, "csv", encoding=encoding, separator=separator)


def _without_nul(lines: Iterable[str], name: str, source: str) -> Iterator[str]:
    """The lines, refusing a binary file (a NUL character) when one is met."""
    for line in lines:
        if "\x00" in line:
            raise SourceFormatError(
                source, f"{name} bevat binaire tekens (NUL); is het wel een CSV-bestand?"
            )
        yield line


def _chain(first: list[str], rest: Iterator[str]) -> Iterator[str]:
    yield from first
    yield from rest


def _approximate_rows(content: bytes, codec: str) -> int:
    """Lines of a CSV file less its header, counted on the bytes (without parsing them)."""
    if codec == "utf-16":
        newline = "\n".encode("utf-16-le" if content.startswith(b"\xff\xfe") else "utf-16-be")
    else:
        newline = b"\n"
    return content.count(newline) + (not content.endswith(newline)) - 1


def _too_many_rows(name: str, source: str, max_rows: int, rows: int | None) -> LimitError:
    counted = f"ongeveer {thousands(rows)}" if rows else f"meer dan {thousands(max_rows)}"
    return LimitError(
        source,
        f"{name} heeft {counted} rijen; het maximum is {thousands(max_rows)}. Splits de lijst "
        "in kleinere bestanden.",
    )


def _guess_separator(header: str) -> str:
    """The separator that occurs most in the header line (``,`` when none does)."""
    counts = {sep: header.count(sep) for sep in SEPARATORS}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _check_separator(frame: pd.DataFrame, separator: str, name: str, source: str) -> None:
    """Refuse a file whose rows use another separator than its header."""
    if frame.shape[1] <= 1 or frame.empty:
        return
    rest = frame.iloc[:, 1:]
    only_first = (rest == "").all(axis=1) & (frame.iloc[:, 0] != "")
    if only_first.mean() < WRONG_SEPARATOR_SHARE:
        return
    first = frame.iloc[:, 0]
    other = next(
        (sep for sep in SEPARATORS
         if first.str.contains(sep, regex=False).mean() >= WRONG_SEPARATOR_SHARE),
        None,
    )
    if other is not None:
        raise SourceFormatError(
            source,
            f"{name}: de kopregel is gescheiden met {_separator_name(separator)}, maar de rijen "
            f"met {_separator_name(other)}. Sla het bestand op met één scheidingsteken.",
        )


def _separator_name(separator: str) -> str:
    return "tabs" if separator == "\t" else f"'{separator}'"


def _read_xlsx(content: bytes, name: str, source: str, max_rows: int | None) -> Table:
    """First sheet of an XLSX file, cells as stored (formulas as text, never evaluated).

    The file is checked by :func:`scan_xlsx` first; the reader counts rows and cells again.
    """
    import openpyxl  # about 0.14 s to import: only when an Excel file is read

    has_macros = scan_xlsx(content, name, source=source, max_rows=max_rows)
    try:
        workbook = openpyxl.load_workbook(
            io.BytesIO(content), read_only=True, data_only=False, keep_links=False,
            keep_vba=False,
        )
    except Exception as exc:  # openpyxl raises many types for broken files
        raise SourceFormatError(source, f"{name} is geen leesbaar Excel-bestand: {exc}") from exc
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        records = _sheet_records(sheet.iter_rows(values_only=True), name, source, max_rows)
    except SourceFormatError:
        raise
    except Exception as exc:  # a broken sheet part can fail in many ways
        raise SourceFormatError(source, f"{name}: het werkblad is onleesbaar: {exc}") from exc
    finally:
        workbook.close()
    return Table(_frame(records, name, source, strict=False), "xlsx", has_macros=has_macros)


def _sheet_records(
    rows: Iterable[tuple[object, ...]], name: str, source: str, max_rows: int | None
) -> list[tuple[int, list[str]]]:
    """Non-empty rows as text, with their row numbers; stops at the row or cell limit."""
    limit = None if max_rows is None else max_rows + TITLE_ROWS + 1
    records: list[tuple[int, list[str]]] = []
    cells = 0
    for number, row in enumerate(rows, start=1):
        cells += len(row) + 1
        if cells > MAX_CELLS:
            raise _too_many_cells(name, source)
        if any(value is not None and str(value).strip() for value in row):
            records.append((number, [cell_text(value) for value in row]))
            if limit is not None and len(records) > limit:
                raise _too_many_rows(name, source, max_rows or 0, None)
    return records


def _too_many_cells(name: str, source: str) -> LimitError:
    return LimitError(
        source,
        f"{name}: het werkblad is te groot (meer dan {thousands(MAX_CELLS)} cellen, lege cellen "
        "tussen de gegevens meegeteld); zo'n bestand wordt niet gelezen. Kopieer alleen de "
        "lijst naar een nieuw werkblad.",
    )


def _too_big_unpacked(name: str, source: str) -> LimitError:
    return LimitError(
        source,
        f"{name} pakt uit tot meer dan {MAX_UNPACKED_BYTES // 2**20} MB; zo'n bestand wordt "
        "niet gelezen. Sla alleen de lijst op in een nieuw bestand.",
    )


def scan_xlsx(
    content: bytes, name: str, *, source: str, max_rows: int | None = None
) -> bool:
    """Check an XLSX container before any XML is parsed; returns whether it holds VBA macros.

    First the zip directory: at most :data:`MAX_MEMBERS` parts, together at most
    :data:`MAX_UNPACKED_BYTES`, and no part over :data:`RATIO_FROM_BYTES` packed more than
    :data:`MAX_PACKING_RATIO` times. Then every part is unpacked in chunks of
    :data:`CHUNK_BYTES` (nothing is kept), counting what it really unpacks to; the first sheet's
    tags give its rows and cells (:class:`_SheetCount`) and the shared strings are counted.
    The scan stops at the first limit.

    Raises
    ------
    LimitError
        At the first limit: unpacked size, packing ratio, parts, rows, cells, shared strings.
    NotATableError
        For a zip that is no workbook.
    SourceFormatError
        For a broken zip or an OpenDocument spreadsheet.
    """
    members, sheet = _workbook_directory(content, name, source)
    row_limit = None if max_rows is None else max_rows + TITLE_ROWS + 1
    unpacked = 0
    for member in members:
        count = _SheetCount() if member.filename == sheet else None
        strings = member.filename == "xl/sharedStrings.xml"
        shared = 0
        for chunk in _unpack(content, member, name, source):
            unpacked += len(chunk)
            if unpacked > MAX_UNPACKED_BYTES:
                raise _too_big_unpacked(name, source)
            if count is not None:
                count.feed(chunk)
                if count.cells > MAX_CELLS:
                    raise _too_many_cells(name, source)
                if row_limit is not None and count.rows > row_limit:
                    raise _too_many_rows(name, source, max_rows or 0, None)
            if strings:
                shared += len(_SHARED_STRING.findall(chunk))
                if shared > MAX_SHARED_STRINGS:
                    raise _too_many_cells(name, source)
    return any(member.filename.lower().endswith("vbaproject.bin") for member in members)


def _workbook_directory(
    content: bytes, name: str, source: str
) -> tuple[list[zipfile.ZipInfo], str]:
    """The parts of an XLSX container and the part name of its first sheet.

    Raises
    ------
    LimitError
        When the directory already shows the file is too big (see :func:`_check_directory`).
    NotATableError
        For a zip that is no workbook.
    SourceFormatError
        For a broken zip or an OpenDocument spreadsheet.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
            names = {member.filename for member in members}
            if "mimetype" in names and "xl/workbook.xml" not in names:
                raise SourceFormatError(
                    source,
                    f"{name} is een OpenDocument-rekenblad (.ods); sla het op als .xlsx of CSV.",
                )
            if "xl/workbook.xml" not in names:
                raise NotATableError(source, name, "een zip-archief")
            _check_directory(members, name, source)
            sheet = _first_sheet(archive, names)
    except (zipfile.BadZipFile, OSError, ValueError, KeyError) as exc:
        raise SourceFormatError(source, f"{name} is een beschadigd zip/Excel-bestand.") from exc
    return members, sheet


def _check_directory(members: list[zipfile.ZipInfo], name: str, source: str) -> None:
    """Refuse a zip whose directory already shows it is too big (nothing is unpacked)."""
    if len(members) > MAX_MEMBERS:
        raise LimitError(
            source, f"{name} bestaat uit meer dan {thousands(MAX_MEMBERS)} delen; zo'n "
            "bestand wordt niet gelezen.",
        )
    if sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
        raise _too_big_unpacked(name, source)
    for member in members:
        if (member.file_size > RATIO_FROM_BYTES
                and member.file_size > MAX_PACKING_RATIO * max(member.compress_size, 1)):
            raise LimitError(
                source,
                f"{name} is meer dan {MAX_PACKING_RATIO} keer samengeperst (het pakt uit tot "
                f"{member.file_size // 2**20} MB); zo'n bestand wordt niet gelezen. Sla "
                "alleen de lijst op in een nieuw bestand.",
            )


def _first_sheet(archive: zipfile.ZipFile, names: set[str]) -> str:
    """The part name of the workbook's first sheet (as openpyxl would open it)."""
    for part in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
        if part in names and archive.getinfo(part).file_size > RATIO_FROM_BYTES:
            raise ValueError(f"{part} is too large")
    workbook = archive.read("xl/workbook.xml")
    first = re.search(rb"<(?:\w+:)?sheet\b[^>]*?\s(?:\w+:)?id=[\"']([^\"']+)[\"']", workbook)
    if first is None or "xl/_rels/workbook.xml.rels" not in names:
        return "xl/worksheets/sheet1.xml"
    relations = archive.read("xl/_rels/workbook.xml.rels")
    for tag in re.findall(rb"<(?:\w+:)?Relationship\b[^>]*>", relations):
        ident = re.search(rb"\sId=[\"']([^\"']+)[\"']", tag)
        target = re.search(rb"\sTarget=[\"']([^\"']+)[\"']", tag)
        if ident and target and ident.group(1) == first.group(1):
            path = target.group(1).decode("utf-8", "replace")
            return path.lstrip("/") if path.startswith("/") else f"xl/{path}"
    return "xl/worksheets/sheet1.xml"


def _unpack(
    content: bytes, member: zipfile.ZipInfo, name: str, source: str
) -> Iterator[bytes]:
    """The unpacked bytes of one zip part, chunk by chunk, read from the packed data itself.

    The sizes in the zip directory are not trusted: the packed stream is inflated until it
    ends, at most :data:`CHUNK_BYTES` at a time.
    """
    packed = _packed_data(content, member, name, source)
    if member.compress_type == zipfile.ZIP_STORED:
        stored = packed[:member.compress_size]
        for begin in range(0, len(stored), CHUNK_BYTES):
            yield bytes(stored[begin:begin + CHUNK_BYTES])
        return
    if member.compress_type != zipfile.ZIP_DEFLATED:
        raise SourceFormatError(
            source, f"{name} gebruikt een onbekende compressie; sla het opnieuw op als .xlsx."
        )
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    position = 0
    try:
        while not inflater.eof:
            data: bytes | memoryview
            if inflater.unconsumed_tail:
                data = inflater.unconsumed_tail
            else:
                data = packed[position:position + CHUNK_BYTES]
                position += len(data)
                if not data:
                    break
            chunk = inflater.decompress(data, CHUNK_BYTES)
            if chunk:
                yield chunk
    except zlib.error as exc:
        raise SourceFormatError(source, f"{name} is een beschadigd zip/Excel-bestand.") from exc


def _packed_data(content: bytes, member: zipfile.ZipInfo, name: str, source: str) -> memoryview:
    """The packed bytes of one zip part (to the end of ``content``), after its local header.

    Raises
    ------
    SourceFormatError
        When the local header is cut off or is not one.
    """
    offset = member.header_offset
    header = content[offset:offset + _LOCAL_HEADER.size]
    if len(header) < _LOCAL_HEADER.size:
        raise SourceFormatError(source, f"{name} is een beschadigd zip/Excel-bestand.")
    magic, name_length, extra_length = _LOCAL_HEADER.unpack(header)
    if magic != _LOCAL_MAGIC:
        raise SourceFormatError(source, f"{name} is een beschadigd zip/Excel-bestand.")
    start = offset + _LOCAL_HEADER.size + name_length + extra_length
    return memoryview(content)[start:]


_SHARED_STRING = re.compile(rb"<(?:\w+:)?si[\s>/]")
_SHEET_TAG = re.compile(rb"<(?:\w+:)?(row|c)([\s/][^>]*)?>")
_ROW_NUMBER = re.compile(rb"\sr\s*=\s*[\"'](\d+)[\"']")
_CELL_REF = re.compile(rb"\sr\s*=\s*[\"']([A-Za-z]{1,3})(\d+)[\"']")
_MAX_TAG = 2**16
"""Longest cut-off tag carried to the next chunk; a longer one is skipped (the sheet reader
counts again)."""


class _SheetCount:
    """Rows and cells of a sheet, counted from its ``<row>`` and ``<c>`` tags as it unpacks.

    ``rows`` counts rows holding a cell with content (a cell that is not an empty ``<c/>``);
    ``cells`` is what openpyxl's read-only reader produces: every row number up to the last,
    and per row the cells up to its last one, empty or not.
    """

    def __init__(self) -> None:
        self.rows = 0
        self._rest = b""
        self._done = 0
        self._row = 0
        self._width = 0
        self._column = 0
        self._counted_row = -1

    @property
    def cells(self) -> int:
        """Cells so far, the current row included."""
        return self._done + self._width

    def feed(self, chunk: bytes) -> None:
        """Count the tags in the next unpacked chunk."""
        data = self._rest + chunk
        cut = data.rfind(b"<")
        if cut == -1 or data.find(b">", cut) != -1 or len(data) - cut > _MAX_TAG:
            cut = len(data)
        self._rest = data[cut:]
        for match in _SHEET_TAG.finditer(data, 0, cut):
            attributes = match.group(2) or b""
            if match.group(1) == b"row":
                self._new_row(attributes)
            else:
                self._cell(attributes)

    def _new_row(self, attributes: bytes) -> None:
        self._done += self._width
        self._width = self._column = 0
        number = _ROW_NUMBER.search(attributes)
        previous = self._row
        self._row = int(number.group(1)) if number else previous + 1
        self._done += max(self._row - previous, 1)

    def _cell(self, attributes: bytes) -> None:
        ref = _CELL_REF.search(attributes)
        self._column = _column_number(ref.group(1)) if ref else self._column + 1
        self._width = max(self._width, self._column)
        if not attributes.rstrip().endswith(b"/") and self._counted_row != self._row:
            self._counted_row = self._row
            self.rows += 1


def _column_number(letters: bytes) -> int:
    """``b"A"`` → 1, ``b"XFD"`` → 16384."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


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
    """The hemisphere word of a coordinate text (``"52,9°N"`` → ``"n"``).

    Lower case and without dots; ``None`` when the text names none or is no coordinate.
    """
    match = _DEGREES.match(text.strip())
    if match is None:
        return None
    word = match.group("pre") or match.group("post")
    return word.replace(".", "").lower() if word else None


def parse_coordinates(values: pd.Series) -> pd.Series:
    r"""Coordinate text → float: plain numbers, and degrees as people write them.

    Plain numbers are read as :func:`parse_numbers` reads them.

    ``"6.647213°E"``, ``"52.9 N"``, ``"52,9°N"``, ``"N 52.9"``, ``"6° 38' 50\" O"`` (degrees,
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
    if parts[1] >= MINUTES_PER_DEGREE or parts[2] >= MINUTES_PER_DEGREE:
        return float("nan")
    value = parts[0] + parts[1] / MINUTES_PER_DEGREE + parts[2] / MINUTES_PER_DEGREE**2
    word = (match.group("pre") or match.group("post") or "").replace(".", "").lower()
    negative = match.group("sign") in ("-", "\u2212") or word in NEGATIVE_HEMISPHERES
    return -value if negative else value
