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
    SourceFormatError
        For an empty, old-Excel (``.xls``), unreadable or inconsistent file, with a Dutch
        message saying what is wrong.
    """
    if not content.strip():
        raise SourceFormatError(source, f"{name} is leeg: geen leesbaar CSV-bestand.")
    if content.startswith(OLE_MAGIC):
        raise SourceFormatError(
            source, f"{name} is een oud Excel-bestand (.xls); sla het op als .xlsx of CSV."
        )
    if content.startswith(XLSX_MAGIC):
        return _read_xlsx(content, name, source)
    return _read_csv(content, name, source)


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
    if "xl/workbook.xml" not in names:
        raise SourceFormatError(
            source, f"{name} is een zip-bestand maar geen Excel-werkmap (.xlsx)."
        )
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
