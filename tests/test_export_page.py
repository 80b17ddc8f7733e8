"""The Export page through AppTest on the national store holding Aa en Hunze: data files,
factsheet, and no browser.

Every file on the page is a deferred download (made when clicked); the ``deferred`` fixture
catches the callables Streamlit registers, so a test 'clicks' a button by calling its callable.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pyogrio
import pypdf
import pytest
from openpyxl import load_workbook

from analysis.reach import kern_reach
from loaders.store import Store
from rendering import images
from tests.region_stores import REGION, demo_region_store
from tests.test_pages import _app, _rivm, _run

EXPORT = "pages/export.py"
KERNEN_STEM = "kernen_nl_fietsen_2000m"
BUURTEN_STEM = "buurten_eenzaamheid_nl_2020_18plus"
"""File names name the area (``gebied``): Nederland by default."""


@pytest.fixture(scope="module")
def aa_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_region_store(tmp_path_factory, "aa-en-hunze")


@pytest.fixture(scope="module")
def reach(aa_root: Path) -> pd.DataFrame:
    store = Store(aa_root)
    return kern_reach(store.read_layer(REGION, "kernen"), store.read_layer(REGION, "venues"),
                      mode="bike")


def _labels(app) -> list[str]:
    return [button.proto.label for button in app.get("download_button")]


def _csv(data: bytes) -> pd.DataFrame:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, for Excel"
    return pd.read_csv(io.BytesIO(data), sep=";", decimal=",", encoding="utf-8-sig")


def _pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_page_offers_every_file_of_the_selection(monkeypatch, aa_root, deferred) -> None:
    app = _run(_app(monkeypatch, aa_root), EXPORT)
    assert app.title[0].value == "Exporteren"
    assert any("**Aa en Hunze** · fietsen · afstandsgrens 2 km" in m.value for m in app.markdown)
    assert [s.value for s in app.subheader] == [
        "Kernen met afstand en eenzaamheid", "Buurten met eenzaamheidscijfers",
        "Factsheet per gemeente", "Grafieken en kaarten als afbeelding",
    ]
    labels = _labels(app)
    assert labels[:9] == ["CSV (Excel)", "Excel (XLSX)", "GeoJSON", "GeoPackage"] * 2 + [
        "Factsheet (PDF)"]
    assert "Interactieve HTML" in labels
    assert "PNG" in labels
    for stem in (KERNEN_STEM, BUURTEN_STEM):
        for ext, mime in (("csv", "text/csv"), ("geojson", "application/geo+json"),
                          ("gpkg", "application/geopackage+sqlite3")):
            assert deferred[f"{stem}.{ext}"].mime == mime
    assert any(name.startswith("factsheet-aa-en-hunze-") for name in deferred)
    assert "Afbeeldingen kunnen worden gemaakt" in app.success[0].value


def test_kernen_csv_reads_back_with_semicolon_and_decimal_comma(
    monkeypatch, aa_root, deferred, reach
) -> None:
    _run(_app(monkeypatch, aa_root), EXPORT)
    table = _csv(deferred[f"{KERNEN_STEM}.csv"].build()).set_index("Kern")
    expected = reach.set_index("naam")
    assert sorted(table.index) == sorted(expected.index)
    assert table.loc["Schipborg", "Afstand (km)"] == pytest.approx(
        round(expected.loc["Schipborg", "afstand_m"] / 1000, 1))
    assert table["Afstand (km)"].dtype == float, "decimal comma read back as numbers"
    assert "Waar is mijn stemlokaal" in table["Bron"].iloc[0]
    assert "Gezondheidsmonitor 2020" in table["Bron"].iloc[0]
    assert table["Opgehaald"].notna().all()


def test_buurten_files_carry_the_rivm_figures_source_and_crs(
    monkeypatch, aa_root, deferred, tmp_path: Path
) -> None:
    _run(_app(monkeypatch, aa_root), EXPORT)
    csv = _csv(deferred[f"{BUURTEN_STEM}.csv"].build()).set_index("Buurtcode")
    rivm = _rivm("2020", "18+", "BU16800000")
    assert csv.loc["BU16800000", "Eenzaam (%)"] == pytest.approx(float(rivm["eenzaam_pct"]))
    assert pd.isna(csv.loc["BU16800709", "Eenzaam (%)"]), "suppressed stays empty, not 0"
    book = load_workbook(io.BytesIO(deferred[f"{BUURTEN_STEM}.xlsx"].build()))
    assert book.sheetnames == ["Buurten", "Bron"]
    assert any("Gezondheidsmonitor 2020" in str(row[0].value) for row in book["Bron"].iter_rows())
    geojson = json.loads(deferred[f"{BUURTEN_STEM}.geojson"].build())
    assert len(geojson["features"]) == len(csv)
    assert geojson["datum"]
    assert any("RIVM" in line for line in geojson["bron"])
    lon, lat = geojson["features"][0]["geometry"]["coordinates"][0][0][0]
    assert 6 < lon < 7.2, "EPSG:4326 degrees"
    assert 52.8 < lat < 53.2, "EPSG:4326 degrees"
    gpkg = tmp_path / "buurten.gpkg"
    gpkg.write_bytes(deferred[f"{BUURTEN_STEM}.gpkg"].build())
    info = pyogrio.read_info(gpkg, layer="buurten")
    assert info["crs"] == "EPSG:28992"
    assert info["features"] == len(csv)
    sources = pyogrio.read_dataframe(gpkg, layer="bron")
    assert any("RIVM" in line for line in sources["bron"])


def test_the_choice_in_the_link_chooses_the_files(monkeypatch, aa_root, deferred) -> None:
    _run(_app(monkeypatch, aa_root, gebied="GM1680", jaar="2016", leeftijd="65+",
              drempel="5000"), EXPORT)
    stem = "buurten_eenzaamheid_gm1680_2016_65plus"
    buurten = _csv(deferred[f"{stem}.csv"].build()).set_index("Buurtcode")
    assert set(buurten["Jaar"]) == {2016}
    assert set(buurten["Leeftijdsgroep"]) == {"65+"}
    assert buurten.loc["BU16800000", "Eenzaam (%)"] == pytest.approx(
        float(_rivm("2016", "65+", "BU16800000")["eenzaam_pct"]))
    kernen = _csv(deferred["kernen_gm1680_fietsen_5000m.csv"].build())
    assert "Binnen 5 km" in kernen.columns


def test_factsheet_is_a_pdf_of_the_gemeente(monkeypatch, aa_root, deferred) -> None:
    _run(_app(monkeypatch, aa_root), EXPORT)
    [name] = [n for n in deferred if n.startswith("factsheet-")]
    pdf = deferred[name].build()
    assert pdf.startswith(b"%PDF")
    text = _pdf_text(pdf)
    assert "Ontmoetingsplekken en eenzaamheid in Aa en Hunze" in text
    assert "modelschatting" in text


def test_factsheet_for_some_kernen(monkeypatch, aa_root, deferred, reach) -> None:
    app = _run(_app(monkeypatch, aa_root), EXPORT)
    ids = reach.loc[reach["naam"].isin(["Schipborg", "Anloo"]), "kern_id"].tolist()
    app.multiselect(key="export_factsheet_kernen_GM1680").set_value(ids).run()
    assert not app.exception
    [name] = [n for n in deferred if n.startswith("factsheet-aa-en-hunze-kernen-")]
    text = _pdf_text(deferred[name].build())
    assert "Anloo en Schipborg (Aa en Hunze)" in text or "Schipborg en Anloo (Aa en Hunze)" in text


@pytest.mark.usefixtures("no_browser")
def test_without_a_browser_the_page_says_so_and_still_offers_data(
    monkeypatch, aa_root, deferred
) -> None:
    app = _run(_app(monkeypatch, aa_root), EXPORT)
    assert any("Chrome of Chromium op de server" in w.value for w in app.warning)
    assert images.NO_BROWSER_MESSAGE in [i.value for i in app.info], "in the map's popover too"
    assert any("zonder kaart en grafiek" in c.value for c in app.caption)
    labels = _labels(app)
    assert "CSV (Excel)" in labels
    assert "Interactieve HTML" in labels
    assert not {"PNG", "SVG", "PDF"} & set(labels)
    assert _csv(deferred[f"{KERNEN_STEM}.csv"].build()).shape[0] > 0
    html = deferred["afstandskaart_nl_GM1680.html"].build()
    assert b"plotly" in html[:20000].lower()
    [name] = [n for n in deferred if n.startswith("factsheet-")]
    text = _pdf_text(deferred[name].build())
    assert "Kaart en grafiek ontbreken in deze factsheet" in text
    assert "Aa en Hunze" in text

