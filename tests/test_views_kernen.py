"""Kernen tables and their exports: formatting, filters, formulas never executed, sources kept."""

from __future__ import annotations

import csv
import io
import zipfile

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from openpyxl import load_workbook

from analysis.reach import kernen_without, reach_summary
from loaders.manifest import Manifest
from tests.conftest import SHARED_DATA
from views import kernen as vk
from views.export import excel_csv, figure_html, xlsx_bytes
from views.sources import detour_words

RIVM_CSV = SHARED_DATA / "rivm_eenzaamheid_wijk_buurt_2016_2020.csv"


def _reach() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "kern_id": ["a", "b", "c", "d"],
            "naam": ["Schipborg", '=HYPERLINK("http://x")', "Gieten (centrum)", "Bonnen"],
            "gemeentecode": ["GM1680"] * 4,
            "buurtcode": ["BU16800500", "BU16800709", "BU16801700", None],
            "inwoners": [530, None, 4575, None],
            "venue_id": ["v1", "v2", "v3", None],
            "venue_naam": ["Dorpshuis Schipborg", "-Plek", "Cafe/Restaurant Eext", None],
            "venue_soort": ["dorpshuis", "dorpshuis", "horeca", None],
            "afstand_m": [157.7, 2000.0, 3394.5, np.nan],
            "minuten": [0.63, 8.0, 13.6, np.nan],
            "tweede_venue_id": ["v2", "v1", "v1", None],
            "tweede_afstand_m": [5092.1, 2500.0, 5340.8, np.nan],
            "methode": ["hemelsbreed (schatting)"] * 3 + ["netwerk"],
            "snap_m": [np.nan] * 4,
            "eigen_plek": [True, False, False, False],
            "reden": [None, None, None, "te ver van het wegennet (> 1000 m)"],
        }
    )


def test_filter_matches_kernen_without_and_reach_summary() -> None:
    table = vk.kern_table(_reach(), gemeente_namen={"GM1680": "Aa en Hunze"})
    shown = vk.filter_kernen(table, without_m=2000)
    assert list(shown["kern_id"]) == sorted(kernen_without(table, 2000)["kern_id"])
    summary = reach_summary(table, [2000])
    assert len(shown) == summary.loc[0, "kernen"] - summary.loc[0, "kernen_binnen_2000"] == 2
    assert list(vk.filter_kernen(table, search="GIETEN (")["naam"]) == ["Gieten (centrum)"]
    assert vk.filter_kernen(table, without_m=2000, search="schip").empty


def test_display_table_sorts_farthest_first_and_keeps_numbers() -> None:
    table = vk.kern_table(_reach(), gemeente_namen={"GM1680": "Aa en Hunze"})
    display = vk.display_table(table, indicator="eenzaam_pct", mode_label="fietsen")
    assert list(display["Kern"]) == ["Bonnen", "Gieten (centrum)", '=HYPERLINK("http://x")',
                                     "Schipborg"]
    assert display["Afstand (km)"].iloc[1] == pytest.approx(3.3945)
    assert list(display.columns)[:2] == ["Kern", "Afstand (km)"], "the distance fits on a phone"
    assert "Minuten fietsen" in display
    assert display["Eenzaam (%)"].isna().all()
    html = vk.styled_kernen(display).to_html()
    assert "3,4" in html
    assert "geen afstand" in html


def test_share_65plus_from_buurt_else_gemeente() -> None:
    buurten = pd.DataFrame({"code": ["BU16800500"], "pct_65plus": [31.0]})
    gemeenten = pd.DataFrame({"code": ["GM1680"], "pct_65plus": [28.0]})
    table = vk.kern_table(_reach(), gemeente_namen={}, buurten=buurten, gemeenten=gemeenten)
    assert table["pct_65plus"].tolist() == [31.0, 28.0, 28.0, 28.0]
    assert table["pct_65plus_niveau"].tolist() == ["buurt", "gemeente", "gemeente", "gemeente"]
    assert table["gemeentenaam"].tolist() == ["GM1680"] * 4


def test_kern_buurt_rows_show_weights_and_unused_buurten() -> None:
    links = pd.DataFrame({
        "kern_id": ["k"] * 4,
        "buurtcode": ["BU16800500", "BU16800509", "BU16800709", "BU16809999"],
        "buurtnaam": ["Schipborg", "Verspreide huizen", None, "Oud"],
        "gewicht": [300.0, 100.0, 50.0, 80.0],
        "grens_ongewijzigd": [True, True, True, False],
        "kernpunt": [True, False, False, False],
    })
    values = pd.Series({"BU16800500": 41.9, "BU16800509": 38.0, "BU16809999": 50.0})
    rows = vk.kern_buurt_rows(links, "k", values)
    assert rows["Buurt"].tolist()[:2] == ["Schipborg (BU16800500)",
                                          "Verspreide huizen (BU16800509)"]
    assert rows["Weegt mee"].tolist() == ["75 %", "25 %", "0 %", "0 %"]
    assert rows["Cijfer"].tolist()[:2] == ["41,9 %", "38,0 %"]
    notes = dict(zip(rows["Buurt"], rows["Toelichting"], strict=True))
    assert notes["Schipborg (BU16800500)"] == "kern ligt in deze buurt"
    assert notes["BU16800709"] == "niet gebruikt: geen cijfer"
    assert notes["Oud (BU16809999)"] == "niet gebruikt: buurtgrens veranderd"


def _export() -> pd.DataFrame:
    table = vk.kern_table(_reach(), gemeente_namen={"GM1680": "Aa en Hunze"})
    return vk.export_table(table, indicator="eenzaam_pct", jaar=2020, leeftijd="18+",
                           mode_label="fietsen", threshold_m=2000)


MANIFEST = Manifest.from_dict({"region": "x", "layers": {
    "kernen": {"attribution": "Bron: CBS (CC BY 4.0)", "fetched_at": "2026-11-27T09:30:00+00:00"},
    "venues": {"attribution": "© OpenStreetMap-bijdragers (ODbL)",
               "fetched_at": "2026-11-28T10:00:00+00:00"},
}})


def test_csv_names_its_sources_and_never_starts_a_formula() -> None:
    data = excel_csv(vk.with_sources(_export(), MANIFEST)).decode("utf-8-sig")
    header, *lines = csv.reader(io.StringIO(data), delimiter=";")
    assert header[-2:] == ["Bron", "Opgehaald"]
    assert "Binnen 2 km" in header
    assert "Methode" in header
    rows = {line[0]: line for line in lines}
    assert "Bron" not in rows["a"][header.index("Bron")], "the column header already says it"
    assert rows["b"][1] == "'=HYPERLINK(\"http://x\")"
    assert rows["b"][header.index("Dichtstbijzijnde ontmoetingsplek")] == "'-Plek"
    assert rows["a"][header.index("Afstand (km)")] == "0,2"
    assert rows["b"][header.index("Binnen 2 km")] == "ja"
    assert rows["d"][header.index("Afstand (km)")] == ""
    assert rows["a"][-2] == "CBS (CC BY 4.0); © OpenStreetMap-bijdragers (ODbL)"
    assert rows["a"][-1] == "27-11-2026 09:30 UTC t/m 28-11-2026 10:00 UTC"


def test_xlsx_keeps_formula_like_names_as_text_and_has_a_source_sheet() -> None:
    method = vk.method_rows(mode_label="fietsen", threshold_m=2000, indicator="eenzaam_pct",
                            jaar=2020, leeftijd="18+", estimate=True, exported_at="nu")
    data = xlsx_bytes({"Kernen": _export(), "Bron": pd.DataFrame({"Laag": ["Kernen"]}),
                       "Methode": method})
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Kernen", "Bron", "Methode"]
    sheet = book["Kernen"]
    header = [c.value for c in sheet[1]]
    formula_cell = sheet.cell(row=3, column=header.index("Kern") + 1)
    assert formula_cell.value == '=HYPERLINK("http://x")'
    assert formula_cell.data_type == "s"
    distance = sheet.cell(row=2, column=header.index("Afstand (km)") + 1)
    assert distance.value == pytest.approx(0.1577)
    assert distance.data_type == "n"
    assert sheet.cell(row=5, column=header.index("Afstand (km)") + 1).value is None
    assert sheet.cell(row=2, column=header.index("Inwoners") + 1).value == 530
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml
    methode = {r[0].value: r[1].value for r in book["Methode"].iter_rows(min_row=2)}
    assert methode["Afstanden"] == f"hemelsbreed (schatting): hemelsbreed × {detour_words('bike')}"
    assert methode["Afstandsgrens"] == "2 km"


def test_figure_html_embeds_plotly_for_offline_use() -> None:
    html = figure_html(go.Figure(go.Bar(x=[1], y=[2]))).decode()
    assert "<script src=" not in html
    assert len(html) > 1_000_000
    assert "Plotly.newPlot" in html
