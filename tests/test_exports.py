"""Exports checked as files: PNG/SVG/PDF of figures, CSV, XLSX, GeoJSON and GeoPackage.

Static images need a Chrome/Chromium (CI installs Debian's ``chromium``); one warm browser is
shared by the whole session. A test without a browser checks the Dutch message instead.
"""

from __future__ import annotations

import io
import json
import os
import struct
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import plotly.graph_objects as go
import pyogrio
import pypdf
import pytest

from loaders.manifest import Manifest
from loaders.schema import ATTRIBUTION
from rendering import images
from views import static
from views.charts import histogram, ranking
from views.export import (
    csv_zip,
    geojson_bytes,
    geopackage_bytes,
    source_note,
    with_geometry,
    xlsx_bytes,
)
from views.sources import layer_sources, source_line, source_text, split_attribution
from views.text import dutch_date

DAY = date(2026, 11, 27)
RIVM_2020 = "Bron: RIVM, GGD'en, CBS – Gezondheidsmonitor 2020 (modelschatting)"
SOURCES = [RIVM_2020, ATTRIBUTION["cbs"], ATTRIBUTION["osm"]]


@pytest.fixture(scope="session")
def warm_browser() -> Iterator[str]:
    """One browser for every static export of the session, closed at the end."""
    path = images.find_browser()
    if path is None:
        pytest.fail("no Chrome/Chromium found: install Debian's chromium (scripts/test.sh does)")
    assert images.warm_up()
    yield path
    images.shutdown()


@pytest.fixture
def no_browser(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A machine without Chrome/Chromium: empty PATH, no BROWSER_PATH, no warm browser."""
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    monkeypatch.setattr(images, "_WARM", images._WarmBrowser())


@pytest.fixture(scope="module")
def kernen() -> gpd.GeoDataFrame:
    """The CBS bevolkingskernen of Aa en Hunze (real file), in EPSG:28992."""
    from tests.conftest import SHARED_DATA

    path = SHARED_DATA / "cbs_bevolkingskernen_2021_towns_gt1000.geojson"
    if not path.is_file():
        pytest.fail(f"shared data file missing: {path}")
    frame = gpd.read_file(path)
    frame = frame[frame["municipality"] == "Aa en Hunze"].to_crs("EPSG:28992")
    return frame[["name", "population", "geometry"]].sort_values("name").reset_index(drop=True)


def loneliness_values() -> pd.DataFrame:
    """Buurt values of Aa en Hunze 2020, 18+ (rivm_eenzaamheid_wijk_buurt_2016_2020.csv)."""
    return pd.DataFrame({
        "code": ["BU16801409", "BU16801500", "BU16801600", "BU16800000"],
        "naam": ["Verspreide huizen Gasselte", "Gasselternijveen", "Gasselternijveenschemond",
                 "Annen"],
        "eenzaam_pct": [48.4, 48.3, 45.2, None],
    })


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def pdf_text(data: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = " ".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), " ".join(text.split())


# --- source lines -------------------------------------------------------------------------


def test_split_attribution_keeps_semicolons_inside_parentheses() -> None:
    line = "Waar is mijn stemlokaal (Open State Foundation, gemeenten; CC0); " + ATTRIBUTION["osm"]
    assert split_attribution(line) == [
        "Waar is mijn stemlokaal (Open State Foundation, gemeenten; CC0)",
        "© OpenStreetMap-bijdragers (ODbL)",
    ]


def test_layer_sources_name_the_rivm_years_and_skip_duplicates() -> None:
    manifest = Manifest.from_dict({"region": "nl", "layers": {
        "eenzaamheid": {"attribution": ATTRIBUTION["rivm"]},
        "kernen": {"attribution": f"{ATTRIBUTION['cbs']}; {ATTRIBUTION['geonames']}"},
        "gemeenten": {"attribution": ATTRIBUTION["cbs"]},
        "venues": {"attribution": ATTRIBUTION["osm"]},
    }})
    parts = layer_sources(manifest, ["eenzaamheid", "kernen", "gemeenten", "venues"],
                          rivm_years=[2020])
    assert source_line(parts) == (
        "Bron: RIVM, GGD'en, CBS – Gezondheidsmonitor 2020 (modelschatting); CBS (CC BY 4.0); "
        "GeoNames (geonames.org, CC BY 4.0); © OpenStreetMap-bijdragers (ODbL)"
    )
    assert layer_sources(manifest, ["venues", "onbekend"]) == ["© OpenStreetMap-bijdragers (ODbL)"]


def test_source_lines_say_bron_at_most_once() -> None:
    lines = [ATTRIBUTION["pdok"], f"Bron: {ATTRIBUTION['cbs']}", ATTRIBUTION["osm"]]
    assert source_text(lines) == ("CBS / Kadaster, Wijk- en Buurtkaart via PDOK (CC BY 4.0); "
                                  "CBS (CC BY 4.0); © OpenStreetMap-bijdragers (ODbL)")
    assert source_line(lines) == f"Bron: {source_text(lines)}"
    assert source_line(lines).count("Bron") == 1
    assert source_text([]) == source_line([]) == ""
    assert dutch_date(DAY) == "27 november 2026"


# --- data files ---------------------------------------------------------------------------


def test_csv_zip_reads_back_with_semicolon_and_decimal_comma() -> None:
    frame = pd.DataFrame({"Buurt": ["Verspreide huizen Gasselte", "Annen"],
                          "Eenzaam (%)": [48.4, None]})
    with zipfile.ZipFile(io.BytesIO(csv_zip(frame, name="buurten", sources=SOURCES,
                                            datum=DAY))) as archive:
        assert sorted(archive.namelist()) == ["bronnen.txt", "buurten.csv"]
        raw = archive.read("buurten.csv")
        note = archive.read("bronnen.txt").decode("utf-8-sig")
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"48,4" in raw
    back = pd.read_csv(io.BytesIO(raw), sep=";", decimal=",", encoding="utf-8-sig")
    pd.testing.assert_frame_equal(back, frame, check_dtype=False)
    assert RIVM_2020 in note
    assert "27 november 2026 (2026-11-27)" in note
    assert note == source_note(SOURCES, DAY).decode("utf-8-sig")


def test_xlsx_keeps_text_as_text_and_has_a_source_sheet(tmp_path: Path) -> None:
    frame = pd.DataFrame({
        "Naam": ['=HYPERLINK("http://example.org")', "Dorpshuis Annen"],
        "Afstand (m)": [199.3, None],
        "Inwoners": [3270, 4575],
    })
    path = tmp_path / "kernen.xlsx"
    path.write_bytes(xlsx_bytes({"Kernen": frame}, sources=SOURCES, datum=DAY))
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Kernen", "Bron"]
    formula = book["Kernen"]["A2"]
    assert formula.value == '=HYPERLINK("http://example.org")'
    assert formula.data_type == "s"
    assert book["Kernen"]["B2"].value == 199.3
    assert book["Kernen"]["B3"].value is None
    source = [row[0] for row in book["Bron"].iter_rows(values_only=True)]
    assert source[1:4] == SOURCES
    assert ("Datum", datetime(2026, 11, 27)) in [  # noqa: DTZ001 - Excel dates are naive
        tuple(r[:2]) for r in book["Bron"].iter_rows(values_only=True)
    ]
    back = pd.read_excel(path, sheet_name="Kernen")
    pd.testing.assert_frame_equal(back, frame, check_dtype=False)


def test_xlsx_without_sources_keeps_only_the_given_sheets() -> None:
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes({"A": pd.DataFrame({"x": [1]})})))
    assert book.sheetnames == ["A"]
    with pytest.raises(ValueError, match="blad 'Bron' bestaat al"):
        xlsx_bytes({"Bron": pd.DataFrame({"x": [1]})}, sources=SOURCES)


def test_geojson_is_wgs84_with_source_and_date(kernen: gpd.GeoDataFrame, tmp_path: Path) -> None:
    data = geojson_bytes(kernen, sources=SOURCES, datum=DAY)
    collection = json.loads(data)
    assert collection["bron"] == SOURCES
    assert collection["datum"] == "2026-11-27"
    path = tmp_path / "kernen.geojson"
    path.write_bytes(data)
    back = gpd.read_file(path)
    assert back.crs.to_epsg() == 4326
    assert back["name"].tolist() == kernen["name"].tolist()
    assert back.loc[back["name"] == "Annen", "population"].item() == 3270
    expected = kernen.to_crs("EPSG:4326")
    assert back.geometry.geom_equals_exact(expected.geometry, tolerance=1e-6).all()


def test_geopackage_is_rd_new_with_a_source_table(kernen: gpd.GeoDataFrame, tmp_path: Path) -> None:
    path = tmp_path / "kernen.gpkg"
    path.write_bytes(geopackage_bytes(kernen.to_crs("EPSG:4326"), sources=SOURCES, datum=DAY,
                                      layer="kernen"))
    layers = dict(pyogrio.list_layers(path))
    assert layers == {"kernen": "Point", "bron": None}
    back = gpd.read_file(path, layer="kernen")
    assert back.crs.to_epsg() == 28992
    pd.testing.assert_frame_equal(back.drop(columns="geometry"), kernen.drop(columns="geometry"),
                                  check_dtype=False)
    assert back.distance(kernen).max() < 0.01, "back in RD New to the centimetre"
    notes = pyogrio.read_dataframe(path, layer="bron", read_geometry=False)
    assert notes["bron"].tolist() == SOURCES
    assert set(notes["datum"]) == {"2026-11-27"}


def test_with_geometry_joins_on_kern_id(kernen: gpd.GeoDataFrame) -> None:
    layer = kernen.assign(kern_id=kernen["name"])
    table = pd.DataFrame({"kern_id": ["Gieten", "Annen", "Nergens"], "afstand_m": [3394.5, 199.3,
                                                                                    None]})
    joined = with_geometry(table, layer)
    assert joined.crs == layer.crs
    assert joined.geometry.iloc[1].equals(layer.set_index("kern_id").geometry["Annen"])
    assert joined.geometry.iloc[2] is None


# --- print style (no browser needed) ------------------------------------------------------


def test_print_style_gives_colour_blind_safe_colours_patterns_and_a_footer() -> None:
    figure = histogram(loneliness_values()["eenzaam_pct"], indicator="eenzaam_pct", jaar=2020,
                       leeftijd="18+", references={"Aa en Hunze": 42.4, "Nederland": 47.0})
    styled = static.print_style(figure, sources=SOURCES, datum=DAY)
    bars, gemeente, nederland = styled.data
    assert bars.marker.color == static.OKABE_ITO[0]
    assert (gemeente.line.color, gemeente.line.dash) == (static.OKABE_ITO[1], static.DASHES[1])
    assert (nederland.line.color, nederland.line.dash) == (static.OKABE_ITO[2], static.DASHES[2])
    shapes = {(s.line.color, s.line.dash) for s in styled.layout.shapes}
    assert shapes == {(gemeente.line.color, gemeente.line.dash),
                      (nederland.line.color, nederland.line.dash)}
    footer = styled.layout.annotations[-1].text
    assert "Gemaakt op 27 november 2026" in footer
    assert "© OpenStreetMap-bijdragers (ODbL)" in footer
    assert "CBS (CC BY 4.0)" in footer
    assert "Gezondheidsmonitor 2020" not in footer, "the chart's own RIVM line is not repeated"
    assert styled.layout.plot_bgcolor == "white"
    assert styled.layout.height > (figure.layout.height or images.DEFAULT_HEIGHT)
    assert figure.data[0].marker.color != static.OKABE_ITO[0], "the input is left alone"


def test_print_style_adds_patterns_to_bars_and_shapes_to_markers() -> None:
    figure = ranking(loneliness_values(), indicator="eenzaam_pct", jaar=2020, leeftijd="18+", n=1)
    figure.add_trace(go.Scatter(x=[1, 2], y=[3, 4], mode="markers", marker={"color": "red"}))
    styled = static.print_style(figure, datum=DAY)
    highest, lowest, points = styled.data
    assert highest.marker.pattern.shape == ""
    assert lowest.marker.pattern.shape == "/"
    assert points.marker.symbol == static.SYMBOLS[2]
    kept = static.print_style(figure, datum=DAY, recolour=False)
    assert kept.data[2].marker.color == "red"



def test_print_style_makes_room_for_tick_labels_and_leaves_hidden_axes_alone() -> None:
    figure = histogram(loneliness_values()["eenzaam_pct"], indicator="eenzaam_pct", jaar=2020,
                       leeftijd="18+")
    figure.update_layout(xaxis2={"showticklabels": False, "ticks": ""})
    styled = static.print_style(figure, datum=DAY)
    assert styled.layout.yaxis.automargin is True, "the charts' 10 px left margin is too small"
    assert styled.layout.yaxis.ticks == "outside"
    assert styled.layout.xaxis2.ticks == ""
    assert styled.layout.xaxis2.showline is None

def test_download_name() -> None:
    assert static.download_name("Afstand tot ≥ 2 km: Aa en Hunze", "png") == \
        "afstand-tot-2-km-aa-en-hunze.png"


# --- static images ------------------------------------------------------------------------


@pytest.mark.usefixtures("warm_browser")
def test_png_svg_pdf_as_files(tmp_path: Path) -> None:
    figure = static.print_style(
        histogram(loneliness_values()["eenzaam_pct"], indicator="eenzaam_pct", jaar=2020,
                  leeftijd="18+"),
        sources=SOURCES, datum=DAY,
    )
    files = images.figure_formats(figure)
    assert list(files) == ["png", "svg", "pdf"]
    for fmt, data in files.items():
        (tmp_path / f"figuur.{fmt}").write_bytes(data)
    width, height = png_size((tmp_path / "figuur.png").read_bytes())
    assert (width, height) == (2 * figure.layout.width, 2 * figure.layout.height)
    root = ET.parse(tmp_path / "figuur.svg").getroot()  # noqa: S314 - the SVG we just made
    assert root.tag.endswith("svg")
    assert float(root.get("width")) == figure.layout.width
    svg_text = " ".join(root.itertext())
    assert "Verdeling over de buurten" in svg_text
    assert "© OpenStreetMap-bijdragers" in svg_text
    pages, text = pdf_text((tmp_path / "figuur.pdf").read_bytes())
    assert pages == 1
    assert "Verdeling over de buurten: eenzaam" in text
    assert RIVM_2020 in text
    assert "Gemaakt op 27 november 2026" in text


@pytest.mark.usefixtures("warm_browser")
def test_figure_bytes_size_and_scale() -> None:
    figure = go.Figure(go.Bar(x=["Annen", "Gieten"], y=[3270, 4575]))
    assert png_size(images.figure_bytes(figure, "png", width=400, height=300)) == (800, 600)
    assert png_size(images.figure_bytes(figure, "png", scale=1, width=400, height=300)) == \
        (400, 300)
    with pytest.raises(ValueError, match="onbekend afbeeldingsformaat"):
        images.figure_bytes(figure, "gif")


def test_chromium_runs_with_the_closed_network_flags(warm_browser: str) -> None:
    from choreographer.channels import Pipe

    browser = images._browser_class()(Pipe(), warm_browser)
    browser.pre_open()
    try:
        cli = browser.get_cli()
    finally:
        browser.clean()
    for flag in (*images.CLOSED_NETWORK_FLAGS, "--no-sandbox", "--headless"):
        assert flag in cli


@pytest.mark.usefixtures("no_browser")
def test_no_browser_gives_the_dutch_message() -> None:
    assert images.find_browser() is None
    assert images.warm_up() is False
    with pytest.raises(images.NoBrowserError) as caught:
        images.figure_bytes(go.Figure(), "png")
    assert caught.value.user_message == (
        "Opslaan als afbeelding kan nu niet: daarvoor is Chrome of Chromium nodig op de server. "
        "Vraag de beheerder het te installeren. HTML en gegevens kunt u wel downloaden."
    )
    assert isinstance(caught.value, images.StaticExportError)


def test_browser_path_must_be_an_executable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    plain = tmp_path / "chromium"
    plain.write_text("not a program")
    monkeypatch.setenv("BROWSER_PATH", str(plain))
    assert images.find_browser() is None
    plain.chmod(0o755)
    assert images.find_browser() == str(plain)


def test_a_browser_that_does_not_start_raises_instead_of_hanging(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BROWSER_PATH", "/bin/false")
    monkeypatch.setattr(images, "_WARM", images._WarmBrowser())
    assert os.access("/bin/false", os.X_OK)
    with pytest.raises(images.StaticExportError, match="start niet"):
        images.figure_bytes(go.Figure(), "png")
