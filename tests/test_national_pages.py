"""Pages for any area of the national store: Overzicht (the first page), 'Gemeenten
vergelijken', and the Kernen download equal to ``reports kernen``."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from loaders.store import DATA_ENV, NATIONAL, Store
from pipeline.reach import current_reach
from reports.__main__ import main as reports_main
from tests.conftest import Deferred
from tests.region_stores import demo_region_store
from views.compare import download_stem, similar_gemeenten
from views.text import format_count

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def drenthe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_region_store(tmp_path_factory, "drenthe")


def _run(monkeypatch: pytest.MonkeyPatch, root: Path, page: str, **query: str) -> AppTest:
    monkeypatch.setenv(DATA_ENV, str(root))
    monkeypatch.chdir(REPO)
    app = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=90)
    for key, value in query.items():
        app.query_params[key] = value
    app.switch_page(page)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_one_row_per_gemeente_of_the_province(
    monkeypatch: pytest.MonkeyPatch, drenthe: Path
) -> None:
    app = _run(monkeypatch, drenthe, "pages/vergelijken.py", gebied="provincie-drenthe")
    [table] = app.dataframe
    shown = table.value
    assert len(shown) == 12
    assert set(shown["Provincie"]) == {"Drenthe"}
    kernen = Store(drenthe).read_layer(NATIONAL, "kernen")
    counts = kernen["gemeentecode"].value_counts()
    assert dict(zip(shown["Gemeentecode"], shown["Kernen"], strict=True)) == counts.to_dict()
    assert shown["Aandeel kernen zonder plek binnen 2 km (%)"].between(0, 100).all()


def test_similar_gemeenten_filter(monkeypatch: pytest.MonkeyPatch, drenthe: Path) -> None:
    app = _run(monkeypatch, drenthe, "pages/vergelijken.py", gebied="provincie-drenthe")
    app.toggle(key="vergelijk_vergelijkbaar").set_value(True).run()
    app.selectbox(key="vergelijk_anker").set_value("GM1680").run()
    assert not app.exception
    shown = app.dataframe[0].value
    gemeenten = Store(drenthe).read_layer(NATIONAL, "gemeenten")
    assert sorted(shown["Gemeentecode"]) == similar_gemeenten(gemeenten, "GM1680")
    assert "GM1680" in set(shown["Gemeentecode"])
    assert len(set(shown["Stedelijkheid (1 = zeer sterk, 5 = niet)"].dropna())) == 1


def test_compare_downloads_name_the_sources(
    monkeypatch: pytest.MonkeyPatch, drenthe: Path, deferred: dict[str, Deferred]
) -> None:
    _run(monkeypatch, drenthe, "pages/vergelijken.py", gebied="provincie-drenthe")
    [name] = [n for n in deferred if n.endswith(".csv")]
    assert name == "gemeenten_provincie-drenthe_fietsen_2000m.csv"
    text = deferred[name].build().decode("utf-8-sig")
    assert "Bron" in text.splitlines()[0]
    assert "RIVM" in text


def test_compare_puts_loneliness_and_stedelijkheid_next_to_the_pinned_name(
    monkeypatch: pytest.MonkeyPatch, drenthe: Path, deferred: dict[str, Deferred]
) -> None:
    app = _run(monkeypatch, drenthe, "pages/vergelijken.py", gebied="provincie-drenthe",
               gemeente="GM1680,GM0106", leeftijd="65+")
    [table] = app.dataframe
    assert list(table.value.columns[:3]) == [
        "Gemeente", "Eenzaam 65+ 2020 (%)", "Stedelijkheid (1 = zeer sterk, 5 = niet)"]
    assert list(table.value["Gemeente"]) == ["Aa en Hunze", "Assen"]
    assert json.loads(table.proto.columns)["Gemeente"]["pinned"] is True
    [name] = [n for n in deferred if n.endswith(".csv")]
    assert name == "gemeenten_aa-en-hunze_assen_fietsen_2000m.csv"
    rows = pd.read_csv(io.BytesIO(deferred[name].build()), sep=";", encoding="utf-8-sig")
    [sources] = set(rows["Bron"])
    assert "RIVM" in sources
    assert "Bron" not in sources, "the header says Bron; the cell does not repeat it"


def test_a_compare_download_is_named_after_what_it_holds() -> None:
    assert download_stem(["Assen"], area="provincie-drenthe", whole=True) == "provincie-drenthe"
    assert download_stem(["Assen", "Aa en Hunze"], area="nl", whole=False) == "aa-en-hunze_assen"
    assert download_stem(["Assen", "Emmen", "Tynaarlo", "Borger-Odoorn"], area="nl",
                         whole=False) == "selectie"


def test_kernen_download_equals_reports_kernen(
    monkeypatch: pytest.MonkeyPatch, drenthe: Path, deferred: dict[str, Deferred],
    tmp_path: Path,
) -> None:
    _run(monkeypatch, drenthe, "pages/kernen.py", gebied="GM1680", modus="lopen",
         drempel="1000")
    page_csv = deferred["kernen_gm1680_lopen_1000m.csv"].build()
    out = tmp_path / "kernen.csv"
    assert reports_main(["--data", str(drenthe), "kernen", "--gebied", "Aa en Hunze",
                         "--modus", "lopen", "--grens", "1000", "--uit", str(out)]) == 0
    assert out.read_bytes() == page_csv
    table = pd.read_csv(out, sep=";", decimal=",", encoding="utf-8-sig")
    assert set(table["Gemeentecode"]) == {"GM1680"}
    venues = Store(drenthe).read_layer(NATIONAL, "venues").set_index("venue_id")["source"]
    nearest = table.set_index("Kern")
    schipborg = nearest.loc["Schipborg"]
    assert schipborg["Bron ontmoetingsplek"] == venues[
        current_reach(Store(drenthe), "walk").set_index("naam").loc["Schipborg", "venue_id"]]
    assert table["Eenzaam: herkomst"].notna().all()


@pytest.mark.parametrize(("gebied", "title"), [
    ("GM1680", "Ontmoetingsplekken in Aa en Hunze"),
    ("provincie-drenthe", "Ontmoetingsplekken in de provincie Drenthe"),
])
def test_overview_answers_for_the_area(
    monkeypatch: pytest.MonkeyPatch, drenthe: Path, gebied: str, title: str
) -> None:
    app = _run(monkeypatch, drenthe, "pages/overzicht.py", gebied=gebied, drempel="1000")
    assert app.title[0].value == title
    reach = current_reach(Store(drenthe), "bike")
    if gebied.startswith("GM"):
        reach = reach[reach["gemeentecode"] == gebied]
    outside = int((~reach["afstand_m"].le(1000)).sum())
    assert app.metric[0].value == f"{format_count(outside)} van {format_count(len(reach))}"
    listed = app.dataframe[0].value
    assert 0 < len(listed) <= 15
    assert list(listed.columns)[:2] == ["Kern", "Afstand"], "the distance fits on a phone"
    inwoners = pd.to_numeric(listed["Inwoners"], errors="coerce").dropna()
    assert inwoners.is_monotonic_decreasing, "largest kernen first"
    notes = " ".join(c.value for c in app.caption)
    assert "Eenzaamheid is een modelschatting van RIVM, GGD'en en CBS per buurt" in notes
    assert "Afstanden zijn hemelsbrede schattingen (fietsen)." in notes


def test_overview_is_the_first_page(monkeypatch: pytest.MonkeyPatch, drenthe: Path) -> None:
    monkeypatch.setenv(DATA_ENV, str(drenthe))
    monkeypatch.chdir(REPO)
    app = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=90)
    app.query_params["gebied"] = "GM1680"
    app.run()
    assert not app.exception
    assert app.title[0].value == "Ontmoetingsplekken in Aa en Hunze"


def test_map_of_the_country_shows_gemeenten_not_12000_buurten(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = demo_region_store(tmp_path_factory, "nl")
    app = _run(monkeypatch, root, "pages/kaart.py", gebied="NL")
    [view] = [w for w in app.get("segmented_control") if str(w.key).startswith("kaart_weergave")]
    assert view.options == ["Overzicht per gemeente"]
    size = sum(len(chart.proto.spec.encode()) for chart in app.get("plotly_chart"))
    assert size < 5_000_000, f"map payload {size / 1e6:.1f} MB"
