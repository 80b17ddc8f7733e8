"""Every page through Streamlit's AppTest: empty store, the national store holding Aa en Hunze,
Drenthe or the whole country, URL choices (gebied, province, old region links)."""

from __future__ import annotations

import csv
import json
import tomllib
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from analysis.nearest import DETOUR_FACTORS
from loaders.manifest import LayerSource
from loaders.rivm import read_loneliness_csv
from loaders.store import DATA_ENV, NATIONAL, Store
from loaders.venue_rules import rules_table
from tests.conftest import SHARED_DATA
from tests.region_stores import demo_region_store
from views.status import EMPTY_STORE_HELP
from views.text import format_count, format_pct, plain_markdown

REPO = Path(__file__).resolve().parent.parent
RIVM_CSV = SHARED_DATA / "rivm_eenzaamheid_wijk_buurt_2016_2020.csv"
EENZAAMHEID = "pages/eenzaamheid.py"
EMPTY_HELP = EMPTY_STORE_HELP.split("\n")[0]
"""The first line of the Dutch help every page shows while the store is empty."""


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The national store holding Aa en Hunze (GM1680), built once per session."""
    if not RIVM_CSV.is_file():
        pytest.fail(f"shared data folder not found at {SHARED_DATA}")
    return demo_region_store(tmp_path_factory, "aa-en-hunze")


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[bytes, str, str]]:
    """(data, mimetype, filename) of every file a page hands to a download button."""
    seen: list[tuple[bytes, str, str]] = []
    original = MemoryMediaFileStorage.load_and_get_id

    def spy(
        self: MemoryMediaFileStorage, path_or_data: bytes, mimetype: str, kind: object,
        filename: str | None = None,
    ) -> str:
        seen.append((path_or_data, mimetype, filename or ""))
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", spy)
    return seen


def _app(monkeypatch: pytest.MonkeyPatch, root: Path, **query: str) -> AppTest:
    monkeypatch.setenv(DATA_ENV, str(root))
    monkeypatch.chdir(REPO)
    app = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=60)
    for key, value in query.items():
        app.query_params[key] = value
    return app


def _run(app: AppTest, page: str | None = None) -> AppTest:
    """Open ``page`` (default: the first page) as a link with the app's query would."""
    if page is not None:
        app.switch_page(page)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _rivm(jaar: str, leeftijd: str, regiocode: str) -> dict[str, str]:
    with RIVM_CSV.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if (row["jaar"], row["leeftijdsgroep"], row["regiocode"]) == (jaar, leeftijd,
                                                                           regiocode):
                return row
    raise AssertionError(f"{regiocode} {jaar} {leeftijd} not in {RIVM_CSV.name}")


def _pct(text: str) -> str:
    return format_pct(float(text))


def _metrics(app: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def _chart_titles(app: AppTest) -> list[str]:
    return [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in app.get("plotly_chart")]


@pytest.mark.parametrize("page", [None, "pages/bronnen.py", "pages/gegevens.py"])
def test_every_page_helps_when_the_store_is_empty(monkeypatch, tmp_path: Path, page) -> None:
    app = _run(_app(monkeypatch, tmp_path), page)
    assert any(EMPTY_HELP in info.value for info in app.info)
    assert "python -m" not in app.info[0].value, "the commands are the operator's"
    operator = any("python -m loaders import" in c.value for c in app.caption)
    assert operator == (page == "pages/gegevens.py"), "named in the operator's part only"
    assert app.query_params == {}


def test_eenzaamheid_page_shows_reference_values_and_buurten(monkeypatch, demo_store) -> None:
    app = _run(_app(monkeypatch, demo_store), EENZAAMHEID)
    assert app.title[0].value == "Eenzaamheid per buurt"
    assert app.caption[0].value.startswith("Gegevens: Nederland (GM1680)")
    assert app.selectbox(key="gebied").value == "NL"
    assert "Eenzaamheid (RIVM) 2012, 2016, 2020" in app.caption[0].value
    assert "50090NED" not in app.caption[0].value, "the table id is for Bronnen, not every page"
    assert "Modelschattingen, geen tellingen" in app.info[0].value
    assert app.subheader[0].value == "Eenzaam: 2020, 18 jaar en ouder"
    metrics = _metrics(app)
    assert metrics["Nederland (2020, 18+)"] == "47,0 %"
    assert metrics["Aa en Hunze (2020, 18+)"] == _pct(_rivm("2020", "18+", "GM1680")["eenzaam_pct"])
    assert metrics["Buurten in beeld"] == "54 van 54"
    table = app.dataframe[0].value.set_index("Buurtcode")
    assert table.loc["BU16800000", "Eenzaam 18+ 2020 (%)"] == float(
        _rivm("2020", "18+", "BU16800000")["eenzaam_pct"]
    )
    assert table.loc["BU16800709"].drop(["Buurt", "Gemeente"]).isna().all()
    assert _chart_titles(app) == [
        "Verdeling over de buurten: eenzaam",
        "Hoogste en laagste buurten: eenzaam",
        "Ontwikkeling per buurt: eenzaam",
    ]
    assert app.query_params == {"gebied": "NL", "jaar": "2020", "leeftijd": "18+",
                                "indicator": "eenzaam", "modus": "fietsen", "drempel": "2000"}


def test_query_params_choose_year_age_group_and_indicator(monkeypatch, demo_store) -> None:
    app = _run(_app(monkeypatch, demo_store, jaar="2016", leeftijd="65+",
                    indicator="ernstig_eenzaam"), EENZAAMHEID)
    assert not app.warning
    assert app.segmented_control(key="jaar").value == 2016
    assert app.segmented_control(key="leeftijd").value == "65+"
    assert app.selectbox(key="indicator").value == "ernstig_eenzaam_pct"
    assert app.subheader[0].value == "(Zeer) ernstig eenzaam: 2016, 65 jaar en ouder"
    metrics = _metrics(app)
    nederland = _rivm("2016", "65+", "NL01")["ernstig_eenzaam_pct"]
    assert metrics["Nederland (2016, 65+)"] == _pct(nederland)
    assert metrics["Aa en Hunze (2016, 65+)"] == _pct(
        _rivm("2016", "65+", "GM1680")["ernstig_eenzaam_pct"]
    )


def test_invalid_query_params_fall_back_with_a_warning(monkeypatch, demo_store) -> None:
    app = _run(_app(monkeypatch, demo_store, regio="atlantis", jaar="1999", leeftijd="12+",
                    indicator="blij", gemeente="GM0363"), EENZAAMHEID)
    warnings = [w.value for w in app.warning]
    assert warnings[0].startswith(plain_markdown("Regio ‘atlantis’ uit de link bestaat niet: "))
    assert warnings[0].endswith(plain_markdown(" We tonen Nederland."))
    assert warnings[1:] == [plain_markdown(text) for text in (
        "GM0363 hoort niet bij Nederland; we tonen heel Nederland.",
        "Jaar ‘1999’ uit de link is niet beschikbaar; we tonen 2020.",
        "Leeftijdsgroep ‘12+’ uit de link is niet beschikbaar; we tonen 18+.",
        "Indicator ‘blij’ uit de link is niet beschikbaar; we tonen eenzaam.",
    )]
    assert _metrics(app)["Nederland (2020, 18+)"] == "47,0 %"
    assert app.selectbox(key="gebied").value == "NL"
    assert app.query_params["jaar"] == "2020"
    assert app.query_params["gebied"] == "NL"
    assert "regio" not in app.query_params
    assert "gemeente" not in app.query_params


def test_old_region_link_opens_the_gemeente_of_that_name(monkeypatch, demo_store) -> None:
    app = _run(_app(monkeypatch, demo_store, regio="aa-en-hunze", jaar="2016"), EENZAAMHEID)
    assert not app.warning
    assert app.selectbox(key="gebied").value == "GM1680"
    assert app.segmented_control(key="jaar").value == 2016
    assert "Aa en Hunze (2016, 18+)" in _metrics(app)
    assert app.query_params["gebied"] == "GM1680"
    assert app.query_params["jaar"] == "2016"
    assert "regio" not in app.query_params


def test_changing_the_age_group_updates_page_and_url(monkeypatch, demo_store) -> None:
    app = _run(_app(monkeypatch, demo_store), EENZAAMHEID)
    app.segmented_control(key="leeftijd").set_value("65+").run()
    assert not app.exception
    assert app.query_params["leeftijd"] == "65+"
    nederland = _rivm("2020", "65+", "NL01")["eenzaam_pct"]
    assert _metrics(app)["Nederland (2020, 65+)"] == _pct(nederland)
    app.run()
    assert app.segmented_control(key="leeftijd").value == "65+"


def test_range_slider_filters_the_buurten(monkeypatch, demo_store) -> None:
    app = _run(_app(monkeypatch, demo_store), EENZAAMHEID)
    app.slider(key="bereik_nl_2020_18+_eenzaam_pct").set_value((40.0, 45.0)).run()
    assert not app.exception
    with RIVM_CSV.open(encoding="utf-8", newline="") as handle:
        wanted = {r["regiocode"] for r in csv.DictReader(handle)
                  if (r["jaar"], r["leeftijdsgroep"], r["soort_regio"]) == ("2020", "18+", "Buurt")
                  and r["regiocode"].startswith("BU1680") and r["eenzaam_pct"]
                  and 40.0 <= float(r["eenzaam_pct"]) <= 45.0}
    assert set(app.dataframe[0].value["Buurtcode"]) == wanted
    assert _metrics(app)["Buurten in beeld"] == f"{len(wanted)} van 54"


def test_download_is_csv_for_dutch_excel(monkeypatch, demo_store, downloads) -> None:
    app = _run(_app(monkeypatch, demo_store, gebied="GM1680"), EENZAAMHEID)
    assert app.get("download_button")[-1].proto.label == "Download deze buurten als CSV (Excel)"
    [(data, mimetype, filename)] = downloads
    assert (mimetype, filename) == ("text/csv", "eenzaamheid_gm1680_2020_18plus.csv")
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0].split(";")[:8] == ["Buurtcode", "Buurt", "Gemeentecode", "Gemeente", "Jaar",
                                       "Leeftijdsgroep", "Buurtindeling", "Eenzaam (%)"]
    annen = next(line.split(";") for line in lines if line.startswith("BU16800000;"))
    assert annen[7] == _rivm("2020", "18+", "BU16800000")["eenzaam_pct"].replace(".", ",")
    suppressed = next(line.split(";") for line in lines if line.startswith("BU16800709;"))
    assert suppressed[7:11] == ["", "", "", ""]
    assert len(lines) == 55


def test_a_year_without_the_indicator_says_so(monkeypatch, demo_store) -> None:
    app = _run(_app(monkeypatch, demo_store, jaar="2012", indicator="sociaal_eenzaam"),
               EENZAAMHEID)
    assert "Voor 2012 (18+) zijn er geen cijfers voor ‘sociaal eenzaam’" in app.warning[0].value
    assert not app.metric
    assert not app.dataframe


def test_gemeente_choice_in_a_store_of_two(monkeypatch, tmp_path: Path) -> None:
    layer = read_loneliness_csv(RIVM_CSV, gemeenten=["GM1680", "GM0308"])
    source = LayerSource(source=str(RIVM_CSV), attribution="Bron: RIVM", year="2016,2020",
                         indeling="2020")
    Store(tmp_path).write_region(NATIONAL, {"eenzaamheid": (layer, source)}, name="Nederland",
                                 gemeenten=["GM0308", "GM1680"])
    app = _run(_app(monkeypatch, tmp_path, gemeente="GM0308"), EENZAAMHEID)
    assert app.selectbox(key="gebied").value == "NL"
    chooser = app.multiselect(key="gemeente")
    assert chooser.value == ["GM0308"]
    assert chooser.options == ["Aa en Hunze (GM1680)", "Baarn (GM0308)"]
    assert list(_metrics(app))[:2] == ["Baarn (2020, 18+)", "Nederland (2020, 18+)"]
    assert _metrics(app)["Baarn (2020, 18+)"] == _pct(_rivm("2020", "18+", "GM0308")["eenzaam_pct"])
    assert app.dataframe[0].value["Buurtcode"].str.startswith("BU0308").all()
    assert app.query_params["gemeente"] == "GM0308"
    chooser.set_value([]).run()
    assert "gemeente" not in app.query_params, "the whole area needs no gemeente list"
    assert app.query_params["gebied"] == "NL"
    assert "Aa en Hunze (2020, 18+)" in _metrics(app)


def test_store_without_loneliness_figures(monkeypatch, tmp_path: Path) -> None:
    _store_with_kernen_only(tmp_path)
    app = _run(_app(monkeypatch, tmp_path), EENZAAMHEID)
    assert "geen eenzaamheidscijfers" in app.info[0].value
    assert "Er zijn geen eenzaamheidscijfers opgeslagen." in [c.value for c in app.caption]


def test_bronnen_page_explains_sources_and_method(monkeypatch, demo_store) -> None:
    app = _run(_app(monkeypatch, demo_store, jaar="2016"), "pages/bronnen.py")
    assert app.title[0].value == "Bronnen en methode"
    assert app.segmented_control(key="jaar").value == 2016
    assert app.info[0].value.startswith("Nu is er geen wegennet opgeslagen: alle afstanden")
    headers = [h.value for h in app.header]
    assert headers == ["Bronnen van de opgeslagen gegevens",
                       "Eenzaamheidscijfers: wat ze wel en niet zijn",
                       "Ontmoetingsplekken: hoe we ze indelen", "Afstanden",
                       "Samenhang is geen oorzaak"]
    layers = app.table[0].value
    rivm = layers[layers["Laag"] == "Eenzaamheid (RIVM)"].iloc[0]
    assert rivm[["Tabel", "Jaar", "Indeling"]].tolist() == ["50090NED", "2012, 2016, 2020", "2020"]
    text = "\n".join(m.value for m in app.markdown)
    for phrase in ("De Jong-Gierveld", "score 3 of hoger", "score 9 of hoger",
                   "Modelschattingen, geen tellingen", "15 jaar en ouder", "multi-source Dijkstra",
                   f"{DETOUR_FACTORS['bike']:.2f}".replace(".", ","), "**schatting**",
                   "Liechtenstein", "**De omrijfactor is gemeten**",
                   plain_markdown("Bron: RIVM, GGD'en, CBS – Gezondheidsmonitor Volwassenen en "
                                  "Ouderen")):
        assert phrase in text, phrase
    assert app.table[1].value["Omschrijving"].tolist() == rules_table()["Omschrijving"].tolist()


def test_gegevens_page_lists_the_store_with_sources(monkeypatch, tmp_path: Path) -> None:
    _store_with_kernen_only(tmp_path)
    app = _run(_app(monkeypatch, tmp_path), "pages/gegevens.py")
    assert app.title[0].value == "Gegevens"
    assert app.caption[0].value.startswith("Gegevens: Nederland (GM1680) · Kernen 2021")
    regions = app.dataframe[0].value
    assert regions["Regio"].tolist() == ["Nederland"]
    assert regions["Gemeenten"].tolist() == ["GM1680"]
    assert list(regions.columns) == ["Regio", "Gemeenten", "Lagen", "Bijgewerkt"]
    layers = app.dataframe[1].value
    assert layers["Bron"].tolist() == ["kernen.csv"]
    assert layers["Rijen"].tolist() == ["1"]
    assert layers["Opgehaald"].tolist() == ["27-11-2026 09:30 UTC"]
    assert layers["Naamsvermelding"].tolist() == ["Bron: CBS (CC BY 4.0)"]


def test_gegevens_page_survives_a_corrupt_manifest(monkeypatch, tmp_path: Path) -> None:
    (tmp_path / NATIONAL).mkdir()
    (tmp_path / NATIONAL / "manifest.json").write_text("{", encoding="utf-8")
    app = _run(_app(monkeypatch, tmp_path), "pages/gegevens.py")
    assert "onleesbaar" in app.error[0].value
    assert EMPTY_HELP in app.info[0].value


def _store_with_kernen_only(root: Path) -> None:
    frame = gpd.GeoDataFrame({"kern_id": ["a"], "naam": ["Gieten"]},
                             geometry=[Point(240000, 553000)], crs="EPSG:28992")
    source = LayerSource(source="/data/kernen.csv", attribution="Bron: CBS (CC BY 4.0)",
                         year="2021", fetched_at="2026-11-27T09:30:00+00:00")
    Store(root).write_region(NATIONAL, {"kernen": (frame, source)},
                             name="Nederland", gemeenten=["GM1680"])


def test_a_province_from_the_link_on_the_drenthe_store(
    monkeypatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = demo_region_store(tmp_path_factory, "drenthe")
    store = Store(root)
    drenthe = list(store.manifest(NATIONAL).gemeenten)
    names = dict(store.read_layer(NATIONAL, "gemeenten")[["code", "naam"]].to_numpy())
    app = _run(_app(monkeypatch, root, gebied="provincie-drenthe", leeftijd="65+"),
               "pages/kernen.py")
    assert not [w.value for w in app.warning if "link" in w.value]
    gebied = app.selectbox(key="gebied")
    assert gebied.value == "provincie-drenthe"
    assert gebied.options[:2] == ["Nederland", "Drenthe (provincie)"]
    assert "Aa en Hunze" in gebied.options
    assert "Assen" in gebied.options
    chooser = app.multiselect(key="gemeente")
    assert chooser.value == []
    assert len(chooser.options) == len(drenthe) == 12
    assert app.query_params["gebied"] == "provincie-drenthe"
    assert "gemeente" not in app.query_params
    assert app.query_params["leeftijd"] == "65+"
    shown = set(app.dataframe[-1].value["Gemeente"])
    assert len(shown) > 1
    assert shown <= {names[c] for c in drenthe}

    chooser.set_value(["GM1680"]).run()
    assert not app.exception
    assert app.query_params["gebied"] == "provincie-drenthe"
    assert app.query_params["gemeente"] == "GM1680"
    assert set(app.dataframe[-1].value["Gemeente"]) == {"Aa en Hunze"}


def test_eenzaamheid_counts_the_buurten_of_nederland_with_thousands_dots(
    monkeypatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = demo_region_store(tmp_path_factory, "nl")
    buurten = Store(root).read_layer(NATIONAL, "eenzaamheid")
    count = buurten[(buurten["soort_regio"] == "Buurt") & (buurten["jaar"] == 2020)
                    & (buurten["leeftijd"] == "65+")]["regiocode"].nunique()
    assert count >= 1000, "a count that needs a thousands dot"
    app = _run(_app(monkeypatch, root, gebied="NL", leeftijd="65+"), EENZAAMHEID)
    assert _metrics(app)["Buurten in beeld"] == f"{format_count(count)} van {format_count(count)}"
    assert "Eenzaam 65+ 2020 (%)" in app.dataframe[0].value.columns


def test_old_region_link_of_a_province(monkeypatch, tmp_path_factory) -> None:
    root = demo_region_store(tmp_path_factory, "drenthe")
    app = _run(_app(monkeypatch, root, regio="drenthe"), "pages/bronnen.py")
    assert not app.warning
    assert app.selectbox(key="gebied").value == "provincie-drenthe"
    assert app.query_params["gebied"] == "provincie-drenthe"
    assert "regio" not in app.query_params


def test_nederland_on_the_national_store(monkeypatch, tmp_path_factory) -> None:
    from analysis.reach import reach_summary

    root = demo_region_store(tmp_path_factory, "nl")
    store = Store(root)
    gemeenten = list(store.manifest(NATIONAL).gemeenten)
    summary = reach_summary(store.read_layer(NATIONAL, "bereik_bike"), [2000]).sum()
    app = _run(_app(monkeypatch, root, gebied="NL"), "pages/kernen.py")
    assert not app.warning or all("schatting" in w.value for w in app.warning)
    gebied = app.selectbox(key="gebied")
    assert gebied.value == "NL"
    assert len(gebied.options) > len(gemeenten) > 300, "every gemeente, plus provinces and NL"
    assert sum(o.endswith(" (provincie)") for o in gebied.options) == 12
    assert app.multiselect(key="gemeente").value == []
    metrics = {m.label: m for m in app.metric}
    within = metrics["Met ontmoetingsplek binnen 2 km"]
    assert within.value.replace(".", "") == str(summary["kernen_binnen_2000"])
    assert within.delta.replace(".", "") == f"van {summary['kernen']} kernen"
    assert app.query_params["gebied"] == "NL"
    assert "gemeente" not in app.query_params


def test_a_deployed_server_does_not_watch_its_files() -> None:
    """Without a file watcher users never see Streamlit's English "File change / Rerun" prompt."""
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["fileWatcherType"] == "none"
