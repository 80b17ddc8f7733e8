"""The Kaart and Kernen pages through AppTest, on Aa en Hunze, on the province of Drenthe (each
the national store holding only those gemeenten) and on the whole country."""

from __future__ import annotations

import base64
import csv
import io
import json
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from openpyxl import load_workbook

from analysis.nearest import METHOD_NETWORK, METHOD_STRAIGHT_LINE
from analysis.network import graph_from_road_edges
from analysis.reach import kern_reach, reach_summary
from loaders.corrections import corrected_venues
from loaders.manifest import LayerSource
from loaders.roads import RoadEdges
from loaders.store import NATIONAL, Store
from pipeline.loneliness import stored_kern_loneliness
from pipeline.reach import refresh_reach
from tests.region_stores import REGION, demo_region_store
from tests.test_pages import (
    EMPTY_HELP,
    _app,
    _pct,
    _rivm,
    _run,
)
from views.kernen import estimate_note
from views.maps import NAMES_NOTE, map_view
from views.text import format_km, plain_markdown

KAART = "pages/kaart.py"
KERNEN = "pages/kernen.py"
SCHIPBORG = "Schipborg"
GASTEREN = "Gasteren"
AA_EN_HUNZE = "GM1680"
GRID_STEP = 250.0
GRID = (240_000.0, 562_000.0, 244_500.0, 567_000.0)
"""A hand-made bike network around Schipborg, Anloo and Annen (RD metres)."""


@pytest.fixture(scope="module")
def aa_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_region_store(tmp_path_factory, "aa-en-hunze")


@pytest.fixture(scope="module")
def drenthe_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_region_store(tmp_path_factory, "drenthe")


@pytest.fixture(scope="module")
def nl_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_region_store(tmp_path_factory, "nl")


def _grid_edges() -> RoadEdges:
    xs = np.arange(GRID[0], GRID[2] + 1, GRID_STEP)
    x, y = np.meshgrid(xs, np.arange(GRID[1], GRID[3] + 1, GRID_STEP))
    x, y = x.ravel(), y.ravel()
    n = len(xs)
    pairs = [(i, i + 1) for i in range(len(x)) if (i + 1) % n]
    pairs += [(i, i + n) for i in range(len(x) - n)]
    u, v = (np.array(side, dtype=np.int64) for side in zip(*pairs, strict=True))
    return RoadEdges(x=x, y=y, u=u, v=v, length=np.full(len(u), GRID_STEP),
                     oneway=np.zeros(len(u), dtype=bool), mode="bike")


@pytest.fixture(scope="module")
def network_root(aa_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Aa en Hunze with a stored bike network, and one kern renamed to look like a formula.

    The reach is stored again afterwards, as every write of the loaders does.
    """
    root = tmp_path_factory.mktemp("met_netwerk")
    shutil.copytree(aa_root / REGION, root / REGION)
    store = Store(root)
    kernen = store.read_layer(REGION, "kernen")
    kernen.loc[kernen["naam"] == "Bonnen", "naam"] = "=1+1 Bonnen"
    source = LayerSource(source="handgemaakt raster", attribution="test")
    store.write_region(REGION, {"netwerk_bike": (_grid_edges().arrays(), source),
                                "kernen": (kernen, source)})
    refresh_reach(store)
    return root


def _expected(root: Path, *, graph=None) -> pd.DataFrame:
    store = Store(root)
    return kern_reach(store.read_layer(REGION, "kernen"),
                      store.read_layer(REGION, "venues"), mode="bike", graph=graph)


@pytest.fixture(autouse=True)
def offline_tiles(monkeypatch):
    """No tile service: the map page must not wait for the network in these tests."""
    from ui import tiles

    monkeypatch.setattr(tiles, "_probe", lambda _url: False)
    tiles.tile_reachable.clear()
    yield
    tiles.tile_reachable.clear()


def _plain(text: str) -> str:
    """A wrapped plotly text as one line."""
    return text.replace("<br>", " ")


def _figure(app) -> dict:
    [chart] = app.get("plotly_chart")
    return json.loads(chart.proto.spec)


def _values(array: list | dict) -> list:
    """A data array of a plotly JSON spec; numpy arrays arrive base64-encoded (``bdata``)."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


def _traces(app) -> dict[str, dict]:
    return {t.get("name", ""): t for t in _figure(app)["data"]}


def _choose_kern(app, root: Path, name: str) -> None:
    """Pick the kern called ``name`` in the kern chooser (its value is the stored kern id)."""
    kernen = Store(root).read_layer(REGION, "kernen")
    [kern_id] = kernen.loc[kernen["naam"] == name, "kern_id"]
    app.selectbox(key="kaart_kern").set_value(kern_id).run()
    assert not app.exception, [e.value for e in app.exception]


def _table(app) -> pd.DataFrame:
    return app.dataframe[-1].value


@pytest.mark.parametrize("page", [KAART, KERNEN])
def test_pages_help_when_the_store_is_empty(monkeypatch, tmp_path: Path, page: str) -> None:
    app = _run(_app(monkeypatch, tmp_path), page)
    assert any(EMPTY_HELP in info.value for info in app.info)


def test_kaart_shows_buurten_kernen_and_places_of_one_gemeente(monkeypatch, aa_root) -> None:
    app = _run(_app(monkeypatch, aa_root), KAART)
    assert app.title[0].value == "Kaart"
    assert app.caption[0].value.startswith("Gegevens: Nederland (GM1680)")
    assert any(estimate_note("fietsen") in m.value for m in app.markdown)
    assert app.segmented_control(key="kaart_weergave_detail").value == "buurten"
    layout = _figure(app)["layout"]
    # the store holds only Aa en Hunze; the area chosen is Nederland
    assert _plain(layout["title"]["text"]) == (
        "Kernen, ontmoetingsplekken en eenzaamheid in Nederland")
    subtitle = _plain(layout["title"]["subtitle"]["text"])
    assert "2020, 18 jaar en ouder, modelschatting" in subtitle
    assert "hemelsbreed (schatting)" in subtitle
    assert layout["map"]["style"] == "white-bg"
    traces = _traces(app)
    assert _plain(traces["Eenzaam (%)"]["colorbar"]["title"]["text"]) == (
        "Eenzaam per buurt (%), 2020, 18 jaar en ouder, modelschatting")
    buurten = dict(zip(traces["Eenzaam (%)"]["locations"], _values(traces["Eenzaam (%)"]["z"]),
                       strict=True))
    assert buurten["BU16800500"] == float(_rivm("2020", "18+", "BU16800500")["eenzaam_pct"])
    assert "BU16800709" in traces["Buurt zonder cijfer (onderdrukt)"]["locations"]
    kern_trace = traces["Kern (kleur = afstand)"]
    assert len(kern_trace["customdata"]) == len(_expected(aa_root))
    assert "schatting" in kern_trace["marker"]["colorbar"]["title"]["text"]
    assert {"Ontmoetingsplek (telt mee)", "Andere plek (telt niet mee)"} <= set(traces)


def test_selecting_schipborg_opens_its_detail(monkeypatch, aa_root) -> None:
    app = _run(_app(monkeypatch, aa_root), KAART)
    _choose_kern(app, aa_root, SCHIPBORG)
    assert [s.value for s in app.subheader] == ["Schipborg (Aa en Hunze)"]
    expected = _expected(aa_root).set_index("naam").loc[SCHIPBORG]
    metrics = {m.label: m.value for m in app.metric}
    assert "**Dorpshuis Schipborg** (dorpshuis)" in [m.value for m in app.markdown]
    assert metrics["Afstand fietsen (schatting)"] == format_km(expected["afstand_m"])
    modes = app.dataframe[0].value
    assert modes["Vervoerswijze"].tolist() == ["Lopen", "Fietsen", "Auto"]
    assert set(modes["Methode"]) == {METHOD_STRAIGHT_LINE}
    assert set(modes["Dichtstbijzijnde ontmoetingsplek"]) == {"Dorpshuis Schipborg"}
    [buurten] = [d.value for d in app.dataframe if "Buurt" in d.value.columns]
    own = buurten.set_index("Buurt").loc["Schipborg (BU16800500)"]
    assert own["Cijfer"] == _pct(_rivm("2020", "18+", "BU16800500")["eenzaam_pct"])
    assert own["Toelichting"] == "kern ligt in deze buurt"
    assert sum(int(w.rstrip(" %")) for w in buurten["Weegt mee"]) in (99, 100, 101)
    figures = stored_kern_loneliness(Store(aa_root), _expected(aa_root), indicator="eenzaam_pct",
                                     leeftijd="18+", jaar=2020).set_index("naam")
    figure = next(m.value for m in app.markdown if m.value.startswith("**Eenzaam in de kern**"))
    assert figure.endswith(_pct(figures.loc[SCHIPBORG, "eenzaamheid_pct"]))
    assert f"Gekozen kern: {SCHIPBORG}" in _traces(app)
    assert _traces(app)["Namen van kernen"]["text"][0] == SCHIPBORG
    assert any("Binnen 750 m hemelsbreed van het kernpunt ligt een ontmoetingsplek." in m.value
               for m in app.markdown)
    [sheet] = [b for b in app.get("download_button")
               if b.proto.label == "Factsheet van deze kern (PDF)"]
    assert sheet.proto.help.startswith("A4 voor een brief")
    subtitle = _plain(_figure(app)["layout"]["title"]["subtitle"]["text"])
    assert "Buurtgrenzen van 2016, cijfers op de buurtindeling van 2020." in subtitle


def test_province_starts_with_the_gemeente_overview(monkeypatch, drenthe_root) -> None:
    app = _run(_app(monkeypatch, drenthe_root, gebied="provincie-drenthe"), KAART)
    assert app.selectbox(key="gebied").value == "provincie-drenthe"
    assert app.segmented_control(key="kaart_weergave_overzicht").value == "gemeenten"
    layout = _figure(app)["layout"]
    assert _plain(layout["title"]["text"]) == (
        "Waar ontbreekt een ontmoetingsplek in de provincie Drenthe?")
    area = next(t for t in _figure(app)["data"] if t["type"] == "choroplethmap")
    assert len(area["locations"]) == 12
    store = Store(drenthe_root)
    reach = kern_reach(store.read_layer(REGION, "kernen"), store.read_layer(REGION, "venues"),
                       mode="bike")
    aa = reach[reach["gemeentecode"] == "GM1680"]
    share = dict(zip(area["locations"], _values(area["z"]), strict=True))["GM1680"]
    assert share == pytest.approx(round(100 * (~aa["afstand_m"].le(2000)).mean(), 1))
    app.segmented_control(key="kaart_weergave_overzicht").set_value("buurten").run()
    assert not app.exception
    assert "Eenzaam (%)" in _traces(app)
    app.multiselect(key="gemeente").set_value(["GM1680", "GM1730"]).run()
    assert app.segmented_control(key="kaart_weergave_detail").value == "buurten"
    assert app.query_params["gemeente"] == "GM1680,GM1730"
    _choose_kern(app, drenthe_root, SCHIPBORG)
    assert "**Dorpshuis Schipborg** (dorpshuis)" in [m.value for m in app.markdown]


def _names(app) -> list[str]:
    """The kern names on the map (the text trace's last text is the scale bar's length)."""
    return list(_traces(app)["Namen van kernen"]["text"][:-1])


def test_country_map_promises_only_the_names_it_shows(monkeypatch, nl_root) -> None:
    app = _run(_app(monkeypatch, nl_root, gebied="NL"), KAART)
    layout = _figure(app)["layout"]
    assert _plain(layout["title"]["text"]) == "Waar ontbreekt een ontmoetingsplek in Nederland?"
    subtitle = _plain(layout["title"]["subtitle"]["text"])
    assert "de grootste kernen zonder plek" not in subtitle, "few of 2,000 ringed dots leave room"
    assert (NAMES_NOTE in subtitle) == bool(_names(app))
    store = Store(nl_root)
    reach = store.read_layer(REGION, "bereik_bike")
    far = reach[~reach["afstand_m"].le(2000)]
    largest = far.sort_values("inwoners", ascending=False, kind="stable")["naam"].head(45)
    assert set(_names(app)) <= set(largest), "a name shown is one of the largest without a place"


def test_a_kern_chosen_in_the_country_puts_its_gemeente_on_the_map(
    monkeypatch, nl_root, deferred
) -> None:
    app = _run(_app(monkeypatch, nl_root, gebied="NL"), KAART)
    national_zoom = _figure(app)["layout"]["map"]["zoom"]
    _choose_kern(app, nl_root, GASTEREN)
    assert [s.value for s in app.subheader] == [f"{GASTEREN} (Aa en Hunze)"]
    layout = _figure(app)["layout"]
    assert _plain(layout["title"]["text"]) == (
        "Kernen, ontmoetingsplekken en eenzaamheid in Aa en Hunze")
    store = Store(nl_root)
    gemeente = store.read_layer(REGION, "gemeenten").set_index("code").loc[AA_EN_HUNZE]
    fitted = map_view(gemeente.geometry.bounds)
    centre = gpd.GeoSeries(gpd.points_from_xy([layout["map"]["center"]["lon"]],
                                              [layout["map"]["center"]["lat"]]),
                           crs="EPSG:4326").to_crs("EPSG:28992").iloc[0]
    assert shapely.box(*gemeente.geometry.bounds).contains(centre)
    assert layout["map"]["zoom"] == pytest.approx(fitted["zoom"], abs=0.3)
    assert layout["map"]["zoom"] > national_zoom + 3
    traces = _traces(app)
    assert f"Gekozen kern: {GASTEREN}" in traces
    names = _names(app)
    assert names[0] == GASTEREN, "the chosen kern is named first"
    assert len(names) >= 10, "the other kernen of the gemeente are named too"
    kernen = store.read_layer(REGION, "kernen")
    own = kernen.loc[kernen["gemeentecode"] == AA_EN_HUNZE, "kern_id"]
    assert set(traces["Kern (kleur = afstand)"]["customdata"]) == set(own)
    assert "Eenzaam (%)" in traces, "the buurten of the gemeente, as on its own map"
    assert any(c.value == plain_markdown(
        f"De kaart toont Aa en Hunze, de gemeente van {GASTEREN}.") for c in app.caption)
    header, *rows = csv.reader(io.StringIO(
        deferred["kaart_aa-en-hunze_gasteren.csv"].build().decode("utf-8-sig")), delimiter=";")
    assert sorted(r[header.index("Kern")] for r in rows) == sorted(
        kernen.loc[kernen["gemeentecode"] == AA_EN_HUNZE, "naam"])

    app.button(key="kaart_heel_gebied").click().run()
    assert app.selectbox(key="kaart_kern").value is None
    assert _plain(_figure(app)["layout"]["title"]["text"]) == (
        "Waar ontbreekt een ontmoetingsplek in Nederland?")


def test_kernen_table_threshold_filter_agrees_with_reach_summary(monkeypatch, aa_root) -> None:
    app = _run(_app(monkeypatch, aa_root), KERNEN)
    assert app.title[0].value == "Kernen en hun dichtstbijzijnde ontmoetingsplek"
    assert any(estimate_note("fietsen") in m.value for m in app.markdown)
    summary = reach_summary(_expected(aa_root), [2000, 5000]).iloc[0]
    metrics = {m.label: m.value for m in app.metric}
    deltas = {m.label: m.delta for m in app.metric}
    assert metrics["Met ontmoetingsplek binnen 2 km"] == str(summary["kernen_binnen_2000"])
    assert deltas["Met ontmoetingsplek binnen 2 km"] == f"van {summary['kernen']} kernen"
    assert metrics["Zonder ontmoetingsplek binnen 2 km"] == (
        str(summary["kernen"] - summary["kernen_binnen_2000"]))
    assert deltas["Zonder ontmoetingsplek binnen 2 km"] == f"van {summary['kernen']} kernen"
    table = _table(app)
    assert len(table) == summary["kernen"]
    schipborg = table.set_index("Kern").loc[SCHIPBORG]
    assert schipborg["Dichtstbijzijnde ontmoetingsplek"] == "Dorpshuis Schipborg"
    assert schipborg["Methode"] == METHOD_STRAIGHT_LINE
    figures = stored_kern_loneliness(Store(aa_root), _expected(aa_root), indicator="eenzaam_pct",
                                     leeftijd="18+", jaar=2020).set_index("naam")
    assert schipborg["Eenzaam 18+ 2020 (%)"] == pytest.approx(
        figures.loc[SCHIPBORG, "eenzaamheid_pct"])
    own = float(_rivm("2020", "18+", "BU16800500")["eenzaam_pct"])
    assert figures.loc[SCHIPBORG, "eenzaamheid_min"] <= own <= figures.loc[
        SCHIPBORG, "eenzaamheid_max"]
    assert schipborg["Eenzaam: cijfer van"] == (
        f"{figures.loc[SCHIPBORG, 'eenzaamheid_buurten']} buurten")

    app.toggle(key="kernen_zonder").set_value(True).run()
    assert len(_table(app)) == summary["kernen"] - summary["kernen_binnen_2000"]
    assert (_table(app)["Afstand (km)"] > 2.0).all()
    app.select_slider(key="drempel").set_value(5000).run()
    assert app.query_params["drempel"] == "5000"
    label = app.toggle(key="kernen_zonder").label
    assert label == "Alleen kernen zonder ontmoetingsplek binnen 5 km"
    assert len(_table(app)) == summary["kernen"] - summary["kernen_binnen_5000"]
    app.select_slider(key="drempel").set_value(10000).run()
    if reach_summary(_expected(aa_root), [10000]).loc[0, "kernen_binnen_10000"] == len(table):
        assert "elke kern heeft een ontmoetingsplek binnen 10 km" in app.info[0].value
        assert not app.dataframe
        assert not app.get("download_button")

    app.toggle(key="kernen_zonder").set_value(False).run()
    app.text_input(key="kernen_zoek").input("SCHIP").run()
    assert _table(app)["Kern"].tolist() == [SCHIPBORG]
    assert app.caption[1].value.startswith(f"1 van {summary['kernen']} kernen.")


def test_kernen_downloads_carry_rows_sources_and_method(monkeypatch, aa_root, deferred) -> None:
    app = _run(_app(monkeypatch, aa_root, gebied="GM1680"), KERNEN)
    assert app.selectbox(key="gebied").value == "GM1680"
    app.text_input(key="kernen_zoek").input("an").run()
    shown = _table(app)["Kern"].tolist()
    stem = "kernen_gm1680_fietsen_2000m"
    assert {f"{stem}.csv", f"{stem}.xlsx"} <= set(deferred)
    files = {kind: deferred[f"{stem}.{kind}"].build() for kind in ("csv", "xlsx")}
    header, *rows = csv.reader(io.StringIO(files["csv"].decode("utf-8-sig")), delimiter=";")
    assert sorted(r[header.index("Kern")] for r in rows) == sorted(shown)
    assert header[-2:] == ["Bron", "Opgehaald"]
    assert "Waar is mijn stemlokaal" in rows[0][-2]
    assert "RIVM" in rows[0][-2]
    assert {r[header.index("Methode")] for r in rows} == {METHOD_STRAIGHT_LINE}
    second = {r[header.index("Op één na dichtstbijzijnde ontmoetingsplek")] for r in rows}
    venues = corrected_venues(Store(aa_root), NATIONAL)
    assert second - {""}, "some kern has a second place"
    assert second - {""} <= set(venues["naam"]), "the second place by name"
    assert not second & set(venues["venue_id"])
    book = load_workbook(io.BytesIO(files["xlsx"]))
    assert book.sheetnames == ["Kernen", "Bron", "Methode"]
    assert book["Kernen"].max_row == len(shown) + 1
    layers = [row[0].value for row in book["Bron"].iter_rows(min_row=2)]
    assert "Kernen" in layers
    assert "Eenzaamheid (RIVM)" in layers


def test_stored_network_replaces_the_estimate(monkeypatch, network_root, deferred) -> None:
    store = Store(network_root)
    graph = graph_from_road_edges(RoadEdges.from_arrays(store.read_arrays(REGION,
                                                                          "netwerk_bike")))
    stored = store.read_layer(REGION, "bereik_bike").set_index("naam")
    expected = _expected(network_root, graph=graph).set_index("naam")
    app = _run(_app(monkeypatch, network_root), KERNEN)
    assert not app.warning
    table = _table(app).set_index("Kern")
    assert table.loc[SCHIPBORG, "Methode"] == METHOD_NETWORK
    assert table.loc[SCHIPBORG, "Afstand (km)"] == pytest.approx(
        expected.loc[SCHIPBORG, "afstand_m"] / 1000)
    assert stored.loc[SCHIPBORG, "afstand_m"] == pytest.approx(expected.loc[SCHIPBORG,
                                                                            "afstand_m"])
    grolloo = table.loc["Grolloo"]
    assert grolloo["Methode"] == METHOD_STRAIGHT_LINE, "off the network: the labelled estimate"
    assert pd.isna(expected.loc["Grolloo", "afstand_m"]), "Grolloo lies off the hand-made grid"
    estimate = _expected(network_root).set_index("naam")
    assert grolloo["Afstand (km)"] == pytest.approx(estimate.loc["Grolloo", "afstand_m"] / 1000)
    xlsx = next(d.build() for name, d in deferred.items() if name.endswith(".xlsx"))
    sheet = load_workbook(io.BytesIO(xlsx))["Kernen"]
    names = [c for c in sheet.iter_rows(min_row=2, min_col=2, max_col=2) for c in c]
    formula = next(c for c in names if str(c.value).startswith("="))
    assert formula.value == "=1+1 Bonnen"
    assert formula.data_type == "s"

    app = _run(_app(monkeypatch, network_root), KAART)
    _choose_kern(app, network_root, SCHIPBORG)
    modes = app.dataframe[0].value.set_index("Vervoerswijze")["Methode"]
    assert modes.to_dict() == {"Lopen": METHOD_STRAIGHT_LINE, "Fietsen": METHOD_NETWORK,
                               "Auto": METHOD_STRAIGHT_LINE}
    assert not app.warning
    app.segmented_control(key="modus").set_value("walk").run()
    assert any(estimate_note("lopen") in m.value for m in app.markdown)


@pytest.mark.parametrize("reachable", [True, False])
def test_background_map_only_when_its_tiles_answer(monkeypatch, aa_root, reachable) -> None:
    from ui import tiles
    from views.maps import BRT_BACKGROUND

    asked: list[str] = []
    monkeypatch.setattr(tiles, "_probe", lambda url: asked.append(url) or reachable)
    tiles.tile_reachable.clear()
    app = _run(_app(monkeypatch, aa_root), KAART)
    spec = json.dumps(_figure(app))
    assert asked == [BRT_BACKGROUND.tiles.format(**tiles.PROBE_TILE)]
    layers = _figure(app)["layout"]["map"].get("layers", [])
    sources = " ".join(c.value for c in app.caption)
    if reachable:
        [layer] = layers
        assert layer["source"] == [BRT_BACKGROUND.tiles]
        assert layer["sourceattribution"] == "Kaartgegevens © Kadaster"
        assert "Kaartgegevens © Kadaster" in sources
    else:
        assert layers == []
        assert "pdok" not in spec.lower()
        assert "tile" not in spec.lower()
        assert "Kadaster)" not in sources or "Kaartgegevens" not in sources
    app.toggle(key="kaart_achtergrond").set_value(False).run()
    assert _figure(app)["layout"]["map"].get("layers", []) == []
