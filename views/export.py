"""Export bytes: tables as files that open correctly in Dutch spreadsheet and GIS programs.

Text that a spreadsheet would read as a formula (a name starting with ``=``, ``+``, ``-``, ``@``)
is never written as one: CSV cells get a leading apostrophe, XLSX cells are typed as text.

Every data file can carry its sources and date: a ``Bron`` sheet (XLSX), top-level ``bron`` and
``datum`` members (GeoJSON), a ``bron`` table (GeoPackage) or ``bronnen.txt`` next to the CSV.
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

import geopandas as gpd
import pandas as pd
import plotly.graph_objects as go
import pyogrio
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from loaders.clock import today
from loaders.schema import CRS
from views.text import dutch_date

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make Excel or LibreOffice read a CSV cell as a formula."""
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES = {
    "csv": "text/csv",
    "txt": "text/plain",
    "zip": "application/zip",
    "xlsx": XLSX_MIME,
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
}
"""File extension → media type, for download buttons."""
SOURCE_SHEET = "Bron"
SOURCE_LAYER = "bron"
WGS84 = "EPSG:4326"


def excel_csv(frame: pd.DataFrame) -> bytes:
    r"""``frame`` as CSV for Dutch Excel: ``;`` separator, decimal comma, UTF-8 with BOM.

    Missing values become empty cells. Floats keep one decimal, as RIVM publishes them. Text
    that starts like a formula gets a leading apostrophe (see :func:`neutralise_formulas`).

    Examples
    --------
    >>> excel_csv(pd.DataFrame({"Buurt": ["Annen"], "Eenzaam (%)": [38.7]}))
    b'\xef\xbb\xbfBuurt;Eenzaam (%)\r\nAnnen;38,7\r\n'
    """
    text: str = neutralise_formulas(frame).to_csv(
        sep=";", decimal=",", index=False, float_format="%.1f", lineterminator="\r\n"
    )
    return (BOM + text).encode("utf-8")


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` where text cells starting like a formula begin with an apostrophe.

    Numbers are left alone, so a negative number stays a number.

    Examples
    --------
    >>> neutralise_formulas(pd.DataFrame({"naam": ["=1+1", "Annen"]}))["naam"].tolist()
    ["'=1+1", 'Annen']
    """
    result = frame.copy()
    for column in result.columns:
        values = result[column]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            result[column] = values.map(
                lambda v: f"'{v}" if isinstance(v, str) and v.startswith(FORMULA_STARTS) else v
            )
    return result


def xlsx_bytes(
    sheets: Mapping[str, pd.DataFrame],
    *,
    sources: Sequence[str] = (),
    datum: date | None = None,
) -> bytes:
    """An Excel workbook with one sheet per ``name → frame``, in order.

    Every text cell is stored as text, never as a formula, whatever it starts with; numbers
    stay numbers (Excel shows them with the user's own decimal sign); missing values are empty
    cells. The header row stays in view when scrolling. A geometry column is left out.

    With ``sources``, a last sheet ``Bron`` lists them with the date (``datum``, default today);
    ``sheets`` must then not have a sheet of that name.
    """
    if sources and SOURCE_SHEET in sheets:
        raise ValueError(f"blad {SOURCE_SHEET!r} bestaat al; geef de bronnen daarin of niet apart")
    book = Workbook()
    book.remove(book.active)
    for name, geo_frame in sheets.items():
        frame = _without_geometry(geo_frame)
        sheet = book.create_sheet(title=name[:31])
        sheet.append([str(c) for c in frame.columns])
        for row in frame.itertuples(index=False):
            sheet.append([_cell_value(v) for v in row])
        for cells in sheet.iter_rows():
            for cell in cells:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
        sheet.freeze_panes = "A2"
        for index, column in enumerate(frame.columns, start=1):
            longest = max([len(str(column)), *(len(str(v)) for v in frame[column].head(200))])
            sheet.column_dimensions[get_column_letter(index)].width = min(60, longest + 2)
    if sources:
        _source_sheet(book.create_sheet(SOURCE_SHEET), sources, datum or today())
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def figure_html(figure: go.Figure) -> bytes:
    """A figure as a stand-alone HTML file that works offline (plotly.js is embedded)."""
    page: str = figure.to_html(include_plotlyjs=True, full_html=True)
    return page.encode("utf-8")


def source_note(sources: Sequence[str], datum: date | None = None) -> bytes:
    """A text file (UTF-8 with BOM) with the source lines and the date, to go with a CSV."""
    day = datum or today()
    lines = [*sources, f"Datum: {dutch_date(day)} ({day.isoformat()})",
             "Gemaakt met Ontmoetingskaart."]
    return (BOM + "\r\n".join(lines) + "\r\n").encode("utf-8")


def csv_zip(
    frame: pd.DataFrame, *, name: str, sources: Sequence[str], datum: date | None = None
) -> bytes:
    """A zip with ``<name>.csv`` (:func:`excel_csv`) and ``bronnen.txt`` (:func:`source_note`)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{name}.csv", excel_csv(_without_geometry(frame)))
        archive.writestr("bronnen.txt", source_note(sources, datum))
    return buffer.getvalue()


def geojson_bytes(
    frame: gpd.GeoDataFrame, *, sources: Sequence[str], datum: date | None = None
) -> bytes:
    """``frame`` as GeoJSON in EPSG:4326 (RFC 7946), with top-level ``bron`` and ``datum``.

    ``bron`` is the list of source lines and ``datum`` the ISO date; GeoJSON readers that do not
    know these members ignore them.
    """
    collection = json.loads(
        frame.to_crs(WGS84).to_json(na="null", drop_id=True, show_bbox=False)
    )
    collection["bron"] = list(sources)
    collection["datum"] = (datum or today()).isoformat()
    return json.dumps(collection, ensure_ascii=False).encode("utf-8")


def geopackage_bytes(
    frame: gpd.GeoDataFrame,
    *,
    sources: Sequence[str],
    datum: date | None = None,
    layer: str = "gegevens",
) -> bytes:
    """``frame`` as a GeoPackage in EPSG:28992, plus a table ``bron`` with its sources.

    ``bron`` has one row per source line, with the date; GIS programs show it as a layer
    without geometry.
    """
    day = (datum or today()).isoformat()
    notes = pd.DataFrame({"bron": list(sources) or [""], "datum": day})
    with tempfile.TemporaryDirectory(prefix="ontmoetingskaart-") as folder:
        path = Path(folder) / "export.gpkg"
        frame.to_crs(CRS).to_file(path, layer=layer, driver="GPKG")
        pyogrio.write_dataframe(notes, path, layer=SOURCE_LAYER, driver="GPKG")
        return path.read_bytes()


def with_geometry(
    table: pd.DataFrame, layer: gpd.GeoDataFrame, *, on: str = "kern_id"
) -> gpd.GeoDataFrame:
    """``table`` with the geometry of the matching ``layer`` row, in the layer's CRS.

    For example a reach table and the ``kernen`` layer; rows without a match get an empty
    geometry.
    """
    geometry = layer.drop_duplicates(on).set_index(on).geometry
    return gpd.GeoDataFrame(
        table.reset_index(drop=True), geometry=table[on].map(geometry).to_numpy(), crs=layer.crs
    )


def _without_geometry(frame: pd.DataFrame) -> pd.DataFrame:
    if isinstance(frame, gpd.GeoDataFrame):
        return pd.DataFrame(frame.drop(columns=frame.geometry.name))
    return frame


def _cell_value(value: object) -> object:
    """A value openpyxl can write, anything else as its text.

    That is None for a missing value, plain Python numbers, strings and naive datetimes.
    """
    if value is None or (not isinstance(value, (list, tuple, dict)) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.tz_localize(None).to_pydatetime() if value.tzinfo else value.to_pydatetime()
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (str, int, float, bool, date)):
        return value
    return str(value)


def _source_sheet(sheet: Worksheet, sources: Sequence[str], day: date) -> None:
    sheet.append(["Bron"])
    sheet["A1"].font = Font(bold=True)
    for line in sources:
        sheet.append([line])
    sheet.append([])
    sheet.append(["Datum", day])
    sheet.cell(row=sheet.max_row, column=2).number_format = "DD-MM-YYYY"
    sheet.append(["Gemaakt met Ontmoetingskaart."])
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    sheet.column_dimensions["A"].width = 100
