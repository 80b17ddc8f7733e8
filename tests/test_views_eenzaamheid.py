"""Tables of the loneliness page, on the real RIVM file for Aa en Hunze (GM1680)."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pandas as pd
import pytest

from loaders.rivm import read_loneliness_csv
from views import eenzaamheid as ez
from views.kernen import loneliness_header

FILE = "rivm_eenzaamheid_wijk_buurt_2016_2020.csv"


def _csv_rows(path: Path, **match: str) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [r for r in csv.DictReader(handle) if all(r[k] == v for k, v in match.items())]


def _number(text: str) -> float:
    return float(text) if text else math.nan


@pytest.fixture
def layer(shared_data: Path) -> pd.DataFrame:
    return read_loneliness_csv(shared_data / FILE, gemeenten=["GM1680"])


@pytest.fixture
def expected(shared_data: Path) -> list[dict[str, str]]:
    """The 2020, 18+ buurt rows of Aa en Hunze as the CSV has them."""
    rows = _csv_rows(shared_data / FILE, jaar="2020", leeftijdsgroep="18+", soort_regio="Buurt")
    return [r for r in rows if r["regiocode"].startswith("BU1680")]


def test_buurt_values_are_the_files_values(layer: pd.DataFrame, expected: list) -> None:
    buurten = pd.DataFrame({"code": ["BU16800000"], "naam": ["Annen"]})
    values = ez.buurt_values(layer, buurten, jaar=2020, leeftijd="18+", gemeenten=["GM1680"])
    assert len(values) == len(expected) == 54
    assert list(values.columns[:7]) == list(ez.BUURT_KEYS)
    by_code = values.set_index("code")
    for row in expected:
        assert by_code.loc[row["regiocode"], "eenzaam_pct"] == pytest.approx(
            _number(row["eenzaam_pct"]), nan_ok=True
        )
    assert by_code.loc["BU16800000", "naam"] == "Annen"
    assert by_code.loc["BU16800009", "naam"] == ""
    assert set(values["gemeentecode"]) == {"GM1680"}
    assert set(values["indeling"]) == {"2020"}


def test_suppressed_buurten_stay_missing(layer: pd.DataFrame, expected: list) -> None:
    values = ez.buurt_values(layer, jaar=2020, leeftijd="18+")
    suppressed = {r["regiocode"] for r in expected if not r["eenzaam_pct"]}
    assert len(suppressed) == 7
    assert set(values.loc[values["eenzaam_pct"].isna(), "code"]) == suppressed
    assert not (values["eenzaam_pct"] == 0).any()


def test_buurt_values_of_another_gemeente_are_empty(layer: pd.DataFrame) -> None:
    assert ez.buurt_values(layer, jaar=2020, leeftijd="18+", gemeenten=["GM0308"]).empty


def test_filter_ranges_keeps_bounds_and_drops_unknown(layer: pd.DataFrame, expected: list) -> None:
    values = ez.buurt_values(layer, jaar=2020, leeftijd="18+")
    kept = ez.filter_ranges(values, {"eenzaam_pct": (40.0, 45.0)})
    wanted = {r["regiocode"] for r in expected if r["eenzaam_pct"]
              and 40.0 <= float(r["eenzaam_pct"]) <= 45.0}
    assert set(kept["code"]) == wanted
    assert len(ez.filter_ranges(values, {})) == len(values)


def test_value_bounds() -> None:
    assert ez.value_bounds(pd.Series([31.6, 48.4, None])) == (31.0, 49.0)
    assert ez.value_bounds(pd.Series([7.0])) == (7.0, 8.0)
    assert ez.value_bounds(pd.Series([], dtype=float)) == (0.0, 100.0)


def test_reference_values_gemeente_and_nederland(layer: pd.DataFrame, shared_data: Path) -> None:
    refs = ez.reference_values(layer, codes=["GM1680", "NL01"], jaar=2020, leeftijd="18+",
                               indicator="eenzaam_pct")
    gm20 = _csv_rows(shared_data / FILE, jaar="2020", leeftijdsgroep="18+", regiocode="GM1680")[0]
    gm16 = _csv_rows(shared_data / FILE, jaar="2016", leeftijdsgroep="18+", regiocode="GM1680")[0]
    gemeente, nederland = refs
    assert (gemeente.naam, gemeente.value) == ("Aa en Hunze", float(gm20["eenzaam_pct"]))
    assert (gemeente.previous_jaar, gemeente.previous_value) == (2016, float(gm16["eenzaam_pct"]))
    assert (nederland.naam, nederland.value) == ("Nederland", 47.0)
    assert ez.reference_values(layer, codes=["GM1680"], jaar=2012, leeftijd="18+",
                               indicator="eenzaam_pct") == []


def test_year_table_per_buurt(layer: pd.DataFrame, shared_data: Path) -> None:
    wide = ez.year_table(layer, codes=["BU16800000", "BU16800709"], leeftijd="65+",
                         indicator="eenzaam_pct")
    assert list(wide.columns) == [2016, 2020]
    for year in (2016, 2020):
        row = _csv_rows(shared_data / FILE, jaar=str(year), leeftijdsgroep="65+",
                        regiocode="BU16800000")[0]
        assert wide.loc["BU16800000", year] == float(row["eenzaam_pct"])
    assert wide.loc["BU16800709"].isna().all()


def test_year_table_drops_a_year_without_any_value(shared_data: Path) -> None:
    both = pd.concat([
        read_loneliness_csv(shared_data / "rivm_eenzaamheid_wijk_buurt_2012.csv",
                            gemeenten=["GM1680"]),
        read_loneliness_csv(shared_data / FILE, gemeenten=["GM1680"]),
    ])
    eenzaam = ez.year_table(both, codes=["GM1680"], leeftijd="18+", indicator="eenzaam_pct")
    sociaal = ez.year_table(both, codes=["GM1680"], leeftijd="18+",
                            indicator="sociaal_eenzaam_pct")
    assert list(eenzaam.columns) == [2012, 2016, 2020]
    assert list(sociaal.columns) == [2016, 2020]


def test_rivm_source_names_each_survey_year_once() -> None:
    assert ez.rivm_source([2020, 2016, 2020]) == (
        "Bron: RIVM, GGD'en, CBS – Gezondheidsmonitor 2016 en 2020 (modelschatting)"
    )


def test_display_table_orders_highest_first_and_suppressed_last(layer: pd.DataFrame) -> None:
    values = ez.buurt_values(layer, jaar=2020, leeftijd="18+")
    table = ez.display_table(values, "ernstig_eenzaam_pct", jaar=2020, leeftijd="18+")
    assert list(table.columns) == [
        "Buurtcode", "Buurt", "Gemeente", "(Zeer) ernstig eenzaam 18+ 2020 (%)",
        "Eenzaam 18+ 2020 (%)", "Emotioneel eenzaam 18+ 2020 (%)", "Sociaal eenzaam 18+ 2020 (%)",
    ]
    column = table["(Zeer) ernstig eenzaam 18+ 2020 (%)"]
    assert column.iloc[0] == values["ernstig_eenzaam_pct"].max()
    assert column.tail(7).isna().all()
    assert column.head(47).notna().all()
    html = ez.styled_table(table).to_html()
    assert "onderdrukt" in html
    assert f"{column.iloc[0]:.1f}".replace(".", ",") in html


def test_value_header_is_the_one_of_the_kernen_table() -> None:
    assert ez.value_header("eenzaam_pct", jaar=2020, leeftijd="65+") == loneliness_header(
        "eenzaam_pct", jaar=2020, leeftijd="65+")


def test_export_table_has_source_and_only_bounds_that_exist(layer: pd.DataFrame) -> None:
    values = ez.buurt_values(layer, jaar=2016, leeftijd="65+")
    table = ez.export_table(values, "eenzaam_pct")
    assert not any("95%" in c for c in table.columns)
    assert set(table["Bron"]) == {
        "Bron: RIVM, GGD'en, CBS – Gezondheidsmonitor 2016 (modelschatting)"
    }
    with_bounds = values.assign(eenzaam_pct_ondergrens=values["eenzaam_pct"] - 2.0)
    columns = ez.export_table(with_bounds, "eenzaam_pct").columns
    assert "Eenzaam, ondergrens 95%-interval (%)" in columns
    assert "Eenzaam, bovengrens 95%-interval (%)" not in columns


def test_has_figures(layer: pd.DataFrame) -> None:
    values = ez.buurt_values(layer, jaar=2020, leeftijd="18+")
    assert ez.has_figures(values, [], "eenzaam_pct")
    empty = values.assign(eenzaam_pct=math.nan)
    assert not ez.has_figures(empty, [], "eenzaam_pct")
