"""Hostile uploads are refused while they are read, at the first limit (issue 11, item 4).

Every hostile file is generated here, never committed. Each test prints the time and the peak
memory the refusal cost (``pytest -s tests/test_upload_limits.py``); none asserts on time.
"""

from __future__ import annotations

import io
import json
import struct
import time
import tomllib
import tracemalloc
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import openpyxl
import pyogrio
import pytest

from loaders import tabular
from loaders.errors import SourceFormatError
from loaders.tabular import MAX_CELLS, MAX_UNPACKED_BYTES, TITLE_ROWS, LimitError
from loaders.venues import MAX_FILE_BYTES, MAX_ROWS, parse_venue_file
from ui import venue_upload

REPO = Path(__file__).resolve().parent.parent
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
        'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
        '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
        '"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.worksheet+xml"/></Types>'),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'),
    "xl/workbook.xml": (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN_NS}" xmlns:r="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet '
        'name="Blad1" sheetId="1" r:id="rId1"/></sheets></workbook>'),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/></Relationships>'),
}
HEADER_ROW = (b'<row r="1"><c r="A1" t="inlineStr"><is><t>naam</t></is></c><c r="B1" '
              b't="inlineStr"><is><t>x</t></is></c><c r="C1" t="inlineStr"><is><t>y</t></is>'
              b'</c></row>')


def _xlsx(sheet_rows: Iterable[bytes]) -> bytes:
    """A minimal workbook whose first sheet holds these ``<row>`` elements, written in a
    stream (the sheet XML is never held whole)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}">'
                        "<sheetData>".encode())
            for row in sheet_rows:
                sheet.write(row)
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def _venue_rows(count: int) -> Iterator[bytes]:
    yield HEADER_ROW
    for number in range(2, count + 2):
        yield (f'<row r="{number}"><c r="A{number}" t="inlineStr"><is><t>Dorpshuis {number}'
               f'</t></is></c><c r="B{number}"><v>240939</v></c><c r="C{number}"><v>566028'
               "</v></c></row>").encode()


def _refused(content: bytes, name: str, expected: str) -> LimitError:
    """The file must be refused with ``expected``; prints the time that took, and the peak of
    Python memory in a second, traced run (tracing slows the run down)."""
    started = time.perf_counter()
    with pytest.raises(LimitError, match=expected) as caught:
        parse_venue_file(content, name, geocode=False)
    seconds = time.perf_counter() - started
    tracemalloc.start()
    try:
        with pytest.raises(LimitError, match=expected):
            parse_venue_file(content, name, geocode=False)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    report = (f"\n{name}: {len(content) / 2**20:.2f} MB refused in {seconds:.2f} s, peak "
              f"{peak / 2**20:.1f} MB of Python memory: {caught.value}")
    print(report)
    assert caught.value.user_message.startswith("Eigen lijst: ")
    return caught.value


@pytest.fixture
def no_sheet_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if openpyxl is ever asked to open the workbook."""
    def refuse(*_args: object, **_kwargs: object) -> None:
        pytest.fail("the workbook was parsed; it should have been refused before")
    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


@pytest.mark.parametrize(
    ("megabytes", "expected"),
    [(45, "is meer dan 100 keer samengeperst"), (60, "pakt uit tot meer dan 50 MB")],
    ids=["45 MB, packed 300 times", "60 MB"],
)
@pytest.mark.usefixtures("no_sheet_parser")
def test_xlsx_bomb_is_refused_from_the_zip_directory(megabytes: int, expected: str) -> None:
    """A sheet of repetitive XML that unpacks to 45 or 60 MB (both about 150 kB packed)."""
    row = b'<row><c t="inlineStr"><is><t>' + b"a" * 900 + b"</t></is></c></row>"
    content = _xlsx([HEADER_ROW, *([row] * (megabytes * 2**20 // len(row)))])
    assert len(content) < MAX_FILE_BYTES
    _refused(content, f"bom{megabytes}.xlsx", expected)


@pytest.mark.usefixtures("no_sheet_parser")
def test_xlsx_whose_zip_directory_lies_is_refused_while_unpacking() -> None:
    """The directory claims a few kB; the packed data itself unpacks to more than the limit."""
    text = b"<row><c><is><t>" + b"b" * (MAX_UNPACKED_BYTES + 2**20) + b"</t></is></c></row>"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, part in PARTS.items():
            archive.writestr(name, part)
        archive.writestr("xl/worksheets/sheet1.xml", text)
    content = bytearray(buffer.getvalue())
    del text
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = content.find(signature)
        while start != -1:
            if struct.unpack_from("<I", content, start + offset)[0] > MAX_UNPACKED_BYTES:
                struct.pack_into("<I", content, start + offset, 4000)
            start = content.find(signature, start + 4)
    with zipfile.ZipFile(io.BytesIO(bytes(content))) as archive:
        assert sum(member.file_size for member in archive.infolist()) < 10_000
    _refused(bytes(content), "liegt.xlsx", "pakt uit tot meer dan 50 MB")


@pytest.mark.usefixtures("no_sheet_parser")
def test_xlsx_with_more_rows_than_the_limit_stops_at_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """300,000 rows, well within the byte limits: the scan stops soon after MAX_ROWS."""
    unpacked: list[int] = []
    real_unpack = tabular._unpack

    def counting(*args: object) -> Iterator[bytes]:
        for chunk in real_unpack(*args):
            unpacked.append(len(chunk))
            yield chunk

    monkeypatch.setattr(tabular, "_unpack", counting)
    content = _xlsx(_venue_rows(300_000))
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        total = sum(member.file_size for member in archive.infolist())
    assert total < MAX_UNPACKED_BYTES
    _refused(content, "lang.xlsx", "heeft meer dan 50.000 rijen; het maximum is 50.000")
    assert sum(unpacked) < total / 3, "the sheet was not unpacked to its end"


@pytest.mark.usefixtures("no_sheet_parser")
def test_xlsx_cell_far_away_is_refused_before_the_reader_fills_the_gap() -> None:
    """One cell in the last column of each row would make openpyxl build 16,384 cells a row."""
    rows = [HEADER_ROW] + [f'<row r="{n}"><c r="A{n}"><v>1</v></c><c r="XFD{n}" s="1"/>'
                           f"</row>".encode() for n in range(2, 200)]
    _refused(_xlsx(rows), "breed.xlsx", "het werkblad is te groot")
    corner = [HEADER_ROW, b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>']
    _refused(_xlsx(corner), "hoek.xlsx", "het werkblad is te groot")


def test_sheet_reader_counts_rows_and_cells_as_it_goes() -> None:
    """The reader itself stops at the limit, whatever the scan saw: it takes no row more."""
    taken = []

    def rows(width: int) -> Iterator[tuple[object, ...]]:
        for number in range(10**9):
            taken.append(number)
            yield ("Dorpshuis",) * width

    with pytest.raises(LimitError, match=r"meer dan 50\.000 rijen"):
        tabular._sheet_records(rows(3), "lijst.xlsx", "Eigen lijst", MAX_ROWS)
    assert len(taken) == MAX_ROWS + TITLE_ROWS + 2
    taken.clear()
    with pytest.raises(LimitError, match="te groot"):
        tabular._sheet_records(rows(16_384), "lijst.xlsx", "Eigen lijst", MAX_ROWS)
    assert len(taken) == MAX_CELLS // 16_385 + 1


def test_csv_with_more_rows_than_the_limit_is_read_only_up_to_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    read: list[list[str]] = []
    real_reader = tabular.csv.reader

    class Counting:
        """csv.reader that keeps every record it hands out."""

        def __init__(self, lines: Iterable[str], **options: str) -> None:
            self._reader = real_reader(lines, **options)

        def __iter__(self) -> Counting:
            return self

        def __next__(self) -> list[str]:
            read.append(next(self._reader))
            return read[-1]

        @property
        def line_num(self) -> int:
            return self._reader.line_num

    monkeypatch.setattr(tabular.csv, "reader", Counting)
    content = b"naam,x,y\n" + b"".join(
        b"Plek %d,240939.99,566028.99\n" % number for number in range(200_000))
    assert len(content) < MAX_FILE_BYTES
    _refused(content, "lang.csv", "heeft ongeveer 200.000 rijen; het maximum is 50.000")
    runs = 2  # one timed, one traced
    assert len(read) == runs * (MAX_ROWS + TITLE_ROWS + 2), "reading stopped past the limit"


def test_geojson_with_more_features_than_the_limit_is_counted_not_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        pytest.fail("the features were read; the count should have refused the file")

    monkeypatch.setattr(pyogrio, "read_dataframe", refuse)
    feature = ('{"type":"Feature","properties":{"naam":"P"},"geometry":{"type":"Point",'
               '"coordinates":[6.6,52.9]}}')
    content = json.dumps({"type": "FeatureCollection", "crs": {
        "type": "name", "properties": {"name": "EPSG:4326"}}, "features": []}).encode()
    content = content.replace(b'"features": []', b'"features": [' + ",".join(
        [feature] * (MAX_ROWS + 1)).encode() + b"]")
    _refused(content, "lang.geojson", "heeft 50.001 rijen; het maximum is 50.000")


def test_streamlit_upload_limit_lets_the_dutch_check_answer_first() -> None:
    """Streamlit refuses files over ``server.maxUploadSize`` in English, before the page sees
    them; it is set just above the product's limit, so a file over 20 MB gets the Dutch
    message of :func:`loaders.venues.parse_venue_file`."""
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    limit = config["server"]["maxUploadSize"]
    assert limit == venue_upload.UPLOAD_LIMIT_MB
    assert MAX_FILE_BYTES // 2**20 < limit <= MAX_FILE_BYTES // 2**20 + 5
    with pytest.raises(SourceFormatError, match="is 21,0 MB; het maximum is 20 MB"):
        parse_venue_file(b"naam;x;y\n" + b"a" * (21 * 2**20 - 9), "groot.csv")
