"""The Scenario page through AppTest on the national store holding Aa en Hunze (no road network
stored).

Expected values come from :mod:`analysis.scenario` and :mod:`analysis.siting` called directly on
the same stored layers, with the page's defaults (cycling, 2 km threshold).
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point
from streamlit.testing.v1 import AppTest

from analysis.reach import kern_reach, meeting_places
from analysis.scenario import close_venues
from analysis.siting import best_sites, candidate_sites
from loaders.manifest import LayerSource
from loaders.schema import KERN_COLUMNS, VENUE_COLUMNS
from loaders.store import DATA_ENV, NATIONAL, Store
from tests.region_stores import REGION, demo_region_store
from views.scenario import MAP_MARGIN, area_places
from views.text import format_count, format_km, plain_markdown

REPO = Path(__file__).resolve().parent.parent
PAGE = "pages/scenario.py"
THRESHOLD_M = 2000


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The national store holding Aa en Hunze (GM1680), imported from the shared data files."""
    return demo_region_store(tmp_path_factory, "aa-en-hunze")


@pytest.fixture(scope="module")
def layers(store: Path) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, pd.DataFrame]:
    """Kernen, venues and their straight-line reach by bike, as the page computes it."""
    kernen = Store(store).read_layer(REGION, "kernen")
    venues = Store(store).read_layer(REGION, "venues")
    return kernen, venues, kern_reach(kernen, venues, mode="bike")


def _app(monkeypatch: pytest.MonkeyPatch, root: Path, **query: str) -> AppTest:
    monkeypatch.setenv(DATA_ENV, str(root))
    monkeypatch.chdir(REPO)
    app = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=60)
    for key, value in query.items():
        app.query_params[key] = value
    app.switch_page(PAGE)
    return app


def _run(app: AppTest) -> AppTest:
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _table(app: AppTest, column: str) -> pd.DataFrame:
    """The first dataframe on the page that has ``column``."""
    found = [d.value for d in app.dataframe if column in d.value.columns]
    assert found, [list(d.value.columns) for d in app.dataframe]
    return found[0]


def _metrics(app: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def _venue_id(venues: gpd.GeoDataFrame, naam: str) -> str:
    return str(venues.loc[venues["naam"] == naam, "venue_id"].item())


def test_closing_dorpshuis_schipborg_moves_schipborg_to_the_next_place(
    monkeypatch, store, layers
) -> None:
    kernen, venues, reach = layers
    schipborg = _venue_id(venues, "Dorpshuis Schipborg")
    expected = close_venues(reach, [schipborg], kernen=kernen, venues=venues, mode="bike",
                            threshold_m=THRESHOLD_M)
    row = expected.set_index("naam").loc["Schipborg"]
    assert row["nieuwe_venue_naam"] != "Dorpshuis Schipborg"

    app = _run(_app(monkeypatch, store))
    assert app.title[0].value == "Scenario: ontmoetingsplekken sluiten of toevoegen"
    assert any("zijn schattingen" in m.value for m in app.markdown)
    app.multiselect(key="scenario_dicht").set_value([schipborg])
    _run(app)
    table = _table(app, "Plek straks").set_index("Kern")
    assert list(table.index) == list(expected["naam"])
    shown = table.loc["Schipborg"]
    assert shown["Plek nu"] == f"Dorpshuis Schipborg ({format_km(row['oude_afstand_m'])})"
    later = f"{row['nieuwe_venue_naam']} ({format_km(row['nieuwe_afstand_m'])})"
    assert shown["Plek straks"] == later
    assert shown["Extra (km)"] == pytest.approx(row["verschil_m"] / 1000)
    assert shown["Verliest plek binnen 2 km"] == ("ja" if row["binnen_voor"] and not
                                                  row["binnen_na"] else "nee")
    assert shown["Inwoners"] == kernen.set_index("naam").loc["Schipborg", "inwoners"]
    metrics = _metrics(app)
    assert metrics["Kernen geraakt"] == str(len(expected))
    assert metrics["Inwoners geraakt"] == format_count(expected["inwoners"].sum())
    assert "Eenzamen (schatting)" in metrics
    assert app.query_params["dicht"] == schipborg
    assert app.get("download_button")[-1].proto.label == "Download deze kernen als CSV (Excel)"


def test_closed_places_round_trip_through_the_url(monkeypatch, store, layers) -> None:
    _, venues, _ = layers
    schipborg = _venue_id(venues, "Dorpshuis Schipborg")
    anloo = _venue_id(venues, "Dorpshuis Anloo")
    app = _run(_app(monkeypatch, store, dicht=f"onzin,{schipborg}"))
    assert app.multiselect(key="scenario_dicht").value == [schipborg]
    assert ("onzin uit de link is geen ontmoetingsplek in dit gebied; die laten we buiten het "
            "scenario.") in [w.value for w in app.warning]
    assert app.query_params["dicht"] == schipborg
    assert "Schipborg" in set(_table(app, "Plek straks")["Kern"])

    app.multiselect(key="scenario_dicht").set_value([schipborg, anloo])
    _run(app)
    assert app.query_params["dicht"] == f"{schipborg},{anloo}"
    assert app.query_params["gebied"] == "NL"
    assert "regio" not in app.query_params
    app.multiselect(key="scenario_dicht").set_value([])
    _run(app)
    assert "dicht" not in app.query_params
    assert any("Kies hierboven een of meer ontmoetingsplekken" in i.value for i in app.info)


def test_a_new_place_at_a_kern_without_one_nearby_makes_it_gain(monkeypatch, store,
                                                                layers) -> None:
    _, _, reach = layers
    far = reach.set_index("naam").loc["Schoonloo"]
    assert far["afstand_m"] > THRESHOLD_M
    app = _run(_app(monkeypatch, store))
    app.radio(key="scenario_bron").set_value("kern")
    _run(app)
    app.selectbox(key="scenario_kern").set_value(far["kern_id"])
    _run(app)
    table = _table(app, "Krijgt plek binnen 2 km").set_index("Kern")
    assert table.loc["Schoonloo", "Krijgt plek binnen 2 km"] == "ja"
    assert table.loc["Schoonloo", "Nieuwe plek"] == "Nieuwe plek in Schoonloo (0,0 km)"
    assert table.loc["Schoonloo", "Korter (km)"] == pytest.approx(far["afstand_m"] / 1000)
    assert _metrics(app)["Krijgen plek binnen 2 km"] == str(
        int((table["Krijgt plek binnen 2 km"] == "ja").sum())
    )


def test_typed_rd_coordinates_open_a_place(monkeypatch, store, layers) -> None:
    kernen, _, _ = layers
    point = kernen.set_index("naam").loc["Schoonloo", "geometry"]
    app = _run(_app(monkeypatch, store))
    app.radio(key="scenario_bron").set_value("punt")
    _run(app)
    app.text_input(key="scenario_coord_1").input(f"{point.x + 100:.1f}".replace(".", ","))
    app.text_input(key="scenario_coord_2").input(f"{point.y:.0f}")
    _run(app)
    assert not app.error
    table = _table(app, "Krijgt plek binnen 2 km").set_index("Kern")
    assert table.loc["Schoonloo", "Krijgt plek binnen 2 km"] == "ja"


@pytest.mark.parametrize(
    ("system", "first", "second", "message"),
    [
        ("rd", "abc", "566116", "X ‘abc’ is geen getal."),
        ("rd", "241.024", "566.116", "ligt niet in Nederland"),
        ("wgs84", "6,68", "53,06", "Breedte- en lengtegraad lijken omgewisseld"),
    ],
)
def test_invalid_coordinates_give_a_dutch_error(monkeypatch, store, system, first, second,
                                                message) -> None:
    app = _run(_app(monkeypatch, store))
    app.radio(key="scenario_bron").set_value("punt")
    _run(app)
    app.radio(key="scenario_stelsel").set_value(system)
    app.text_input(key="scenario_coord_1").input(first)
    app.text_input(key="scenario_coord_2").input(second)
    _run(app)
    assert len(app.error) == 1
    assert plain_markdown(message) in app.error[0].value
    assert not any("Krijgt plek binnen 2 km" in d.value.columns for d in app.dataframe)


def test_siting_suggests_the_site_best_sites_finds(monkeypatch, store, layers) -> None:
    kernen, venues, reach = layers
    candidates = candidate_sites(venues=venues[venues["gemeentecode"] == "GM1680"],
                                 kernen=kernen)
    expected = best_sites(reach, candidates, kernen=kernen, n_sites=1, threshold_m=THRESHOLD_M,
                          mode="bike")
    app = _run(_app(monkeypatch, store))
    assert app.subheader[0].value == "Beste plekken voor 1 nieuwe ontmoetingsplek"
    assert any("Een modelsuggestie, geen advies" in i.value and "blijven open" in i.value
               for i in app.info)
    assert not any("Plek" in d.value.columns and "Soort" in d.value.columns
                   for d in app.dataframe)
    app.button(key="scenario_bereken").click()
    _run(app)
    sites = _table(app, "Soort")
    assert sites["Plek"].tolist() == expected["naam"].tolist()
    assert sites["Nieuw binnen bereik: inwoners"].tolist() == [
        round(v) for v in expected["nieuw_gedekt"]
    ]
    gains = _table(app, "Krijgt plek binnen 2 km")
    gained = (gains["Krijgt plek binnen 2 km"] == "ja").sum()
    assert gained == expected["nieuw_gedekte_kernen"].sum()
    _run(app)
    assert _table(app, "Soort")["Plek"].tolist() == expected["naam"].tolist()


def test_store_without_meeting_places_explains(monkeypatch, tmp_path: Path) -> None:
    source = LayerSource(source="handmatig", attribution="Bron: test")
    kernen = gpd.GeoDataFrame(
        {"kern_id": ["k1"], "naam": ["Gieten"], "gemeentecode": ["GM1680"],
         "buurtcode": ["BU16801700"], "inwoners": [4575], "source": ["test"]},
        geometry=[Point(247352, 558152)], crs="EPSG:28992",
    )[list(KERN_COLUMNS)]
    venues = gpd.GeoDataFrame(
        {"venue_id": ["v1"], "naam": ["Gemeentehuis Gieten"], "soort": ["gemeentehuis"],
         "ontmoetingsplek": [False], "reden": ["telt niet"], "adres": ["Spiekersteeg 1"],
         "plaats": ["Gieten"], "gemeentecode": ["GM1680"], "source": ["test"],
         "source_id": ["1"], "peildatum": ["2023-11-22"]},
        geometry=[Point(247500, 558300)], crs="EPSG:28992",
    )[list(VENUE_COLUMNS)]
    Store(tmp_path).write_region(NATIONAL, {"kernen": (kernen, source),
                                            "venues": (venues, source)},
                                 name="Nederland", gemeenten=["GM1680"])
    app = _run(_app(monkeypatch, tmp_path))
    assert any("Geen enkele opgeslagen plek telt als ontmoetingsplek" in w.value
               for w in app.warning)
    assert any("Een scenario rekent met de kernen en de ontmoetingsplekken" in i.value
               for i in app.info)
    assert not app.metric
    assert not app.dataframe



def test_place_picker_lists_the_area_and_its_border_without_select_all(
    monkeypatch, store, layers
) -> None:
    from scipy.spatial import cKDTree

    from analysis.reach import meeting_places, points_xy
    from views.scenario import BORDER_REACH_M, venue_label

    kernen, venues, _ = layers
    app = _run(_app(monkeypatch, store, gebied="GM1680"))
    picker = app.multiselect(key="scenario_dicht")
    assert picker.proto.select_all == 0, "no 'Select all' in the list"
    places = meeting_places(venues)
    own = kernen[kernen["gemeentecode"] == "GM1680"]
    distance, _ = cKDTree(points_xy(own)).query(points_xy(places))
    labels = pd.Series([venue_label(row) for _, row in places.iterrows()], index=places.index)
    inside = places["gemeentecode"].eq("GM1680").to_numpy()
    border = labels[~inside & (distance < BORDER_REACH_M - 100)]
    far = labels[~inside & (distance > BORDER_REACH_M + 5000)]
    assert len(border), "the demo store holds places across the border"
    assert len(far), "the demo store holds places across the border"
    offered = set(picker.options)
    assert set(labels[inside]) <= offered
    assert set(border) <= offered
    assert not offered & set(far), "a place far across the border is not offered"


def test_closing_a_place_nobody_has_nearest_affects_zero_people(
    monkeypatch, store, layers
) -> None:
    kernen, venues, reach = layers
    app = _run(_app(monkeypatch, store, gebied="GM1680"))
    used = set(reach["venue_id"].dropna())
    idle = venues[venues["ontmoetingsplek"].astype(bool) & ~venues["venue_id"].isin(used)]
    nearby = idle.distance(kernen.union_all()).sort_values().index[0]
    app.multiselect(key="scenario_dicht").set_value([idle.loc[nearby, "venue_id"]])
    _run(app)
    metrics = _metrics(app)
    assert metrics["Kernen geraakt"] == "0"
    assert metrics["Inwoners geraakt"] == "0"


def _panel_traces(app: AppTest) -> tuple[dict, list[dict]]:
    """The page's (only) map as plotly JSON, and the traces of its 'Voor' panel."""
    [chart] = app.get("plotly_chart")
    figure = json.loads(chart.proto.spec)
    return figure, [t for t in figure["data"] if t.get("xaxis", "x") == "x"]


def test_map_on_the_national_store_shows_the_chosen_gemeente(
    monkeypatch, tmp_path_factory
) -> None:
    root = demo_region_store(tmp_path_factory, "nl")
    kernen = Store(root).read_layer(REGION, "kernen")
    venues = Store(root).read_layer(REGION, "venues")
    own = kernen[kernen["gemeentecode"] == "GM1680"].reset_index(drop=True)
    reach = kern_reach(own, venues, mode="bike")
    schipborg = _venue_id(venues, "Dorpshuis Schipborg")
    scenario = close_venues(reach, [schipborg], kernen=own, venues=venues, mode="bike",
                            threshold_m=THRESHOLD_M)
    nearby = area_places(venues, gemeenten=["GM1680"], kernen=own, reach=reach)
    expected = set(nearby["venue_id"]) | set(scenario["nieuwe_venue_id"].dropna())
    assert len(meeting_places(venues)) > 10 * len(expected), "the country holds many more"

    app = _run(_app(monkeypatch, root, gebied="GM1680", dicht=schipborg))
    figure, traces = _panel_traces(app)
    places = [t for t in traces if t["name"] in {"Ontmoetingsplek", "Gesloten in het scenario"}]
    assert sum(len(t["hovertext"]) for t in places) == len(expected)
    area = Store(root).read_layer(REGION, "gemeenten")
    min_x, min_y, max_x, max_y = area[area["code"] == "GM1680"].to_crs(28992).total_bounds
    margin = max(max_x - min_x, max_y - min_y) * MAP_MARGIN
    x_low, x_high = figure["layout"]["xaxis"]["range"]
    y_low, y_high = figure["layout"]["yaxis"]["range"]
    assert (x_low, x_high) == pytest.approx((min_x - margin, max_x + margin))
    assert (y_low, y_high) == pytest.approx((min_y - margin, max_y + margin))
    notes = [a["text"] for a in figure["layout"]["annotations"] if "Bron" in a["text"]]
    assert len(notes) == 1
    assert notes[0].startswith("Bron: ")
    assert notes[0].count("Bron") == 1, notes[0]
