"""Closure and opening scenarios, each checked against a full recomputation with kern_reach."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from analysis.errors import InvalidSiteError, MismatchedRowsError, UnknownVenueError
from analysis.indicators import kern_links, kern_loneliness
from analysis.network import RoadGraph, graph_from_edges
from analysis.reach import kern_reach
from analysis.scenario import SCENARIO_COLUMNS, close_venues, open_venue, summarise_scenario
from loaders.store import Store
from tests.conftest import osm_graph
from tests.region_stores import REGION, demo_region_store

LIECHTENSTEIN = "fixtures/osm_liechtenstein.osm.pbf"


def _kernen(points: np.ndarray, inwoners: list[float] | None = None) -> gpd.GeoDataFrame:
    n = len(points)
    return gpd.GeoDataFrame(
        {"kern_id": [f"k{i}" for i in range(n)], "naam": [f"Kern {i}" for i in range(n)],
         "gemeentecode": ["GM0001"] * n, "buurtcode": [f"BU0001{i:04d}" for i in range(n)],
         "inwoners": inwoners if inwoners is not None else [100.0 * (i + 1) for i in range(n)]},
        geometry=[Point(p) for p in points], crs="EPSG:28992",
    )


def _venues(points: np.ndarray) -> gpd.GeoDataFrame:
    n = len(points)
    return gpd.GeoDataFrame(
        {"venue_id": [f"v{i}" for i in range(n)], "naam": [f"Plek {i}" for i in range(n)],
         "soort": ["dorpshuis"] * n, "ontmoetingsplek": [True] * n},
        geometry=[Point(p) for p in points], crs="EPSG:28992",
    )


def _without(venues: gpd.GeoDataFrame, closed: list[str]) -> gpd.GeoDataFrame:
    return venues[~venues["venue_id"].isin(closed)].reset_index(drop=True)


def _with_site(venues: gpd.GeoDataFrame, xy: tuple[float, float]) -> gpd.GeoDataFrame:
    site = gpd.GeoDataFrame(
        {"venue_id": ["nieuw"], "naam": ["Nieuwe plek"], "soort": ["dorpshuis"],
         "ontmoetingsplek": [True]},
        geometry=[Point(xy)], crs="EPSG:28992",
    )
    return gpd.GeoDataFrame(pd.concat([venues, site], ignore_index=True), crs="EPSG:28992")


def _assert_same_as(
    reach: pd.DataFrame, scenario: pd.DataFrame, recomputed: pd.DataFrame
) -> None:
    """Affected kernen carry the recomputed nearest place; all others keep their old one."""
    changed = scenario.set_index("kern_id")
    for row in recomputed.itertuples():
        old = reach.loc[reach["kern_id"] == row.kern_id].iloc[0]
        if row.kern_id in changed.index:
            new = changed.loc[row.kern_id]
            venue, distance = new["nieuwe_venue_id"], new["nieuwe_afstand_m"]
        else:
            venue, distance = old["venue_id"], old["afstand_m"]
        assert (venue if pd.notna(venue) else None) == (
            row.venue_id if pd.notna(row.venue_id) else None
        ), row.kern_id
        if np.isnan(row.afstand_m):
            assert np.isnan(distance)
        else:
            assert distance == pytest.approx(row.afstand_m, abs=1e-6)


def _line_graph() -> RoadGraph:
    """Nodes 0..7 every 1000 m along x; the edge 5 -> 6 is one-way, node 7 is an island."""
    x = np.array([0, 1000, 2000, 3000, 4000, 5000, 6000, 90_000], dtype=float)
    u, v = np.array([0, 1, 2, 3, 4, 5]), np.array([1, 2, 3, 4, 5, 6])
    oneway = np.array([False, False, False, False, False, True])
    return graph_from_edges(x, np.zeros(8), u, v, np.full(6, 1000.0), oneway=oneway, mode="bike")


def test_closure_on_hand_built_graph_matches_recomputation() -> None:
    graph = _line_graph()
    kernen = _kernen(np.array([[0, 10], [2000, 0], [3900, 0], [6000, 20], [90_000, 0]]))
    venues = _venues(np.array([[1000, 0], [3000, 0], [5000, 0], [6000, 0]]))
    reach = kern_reach(kernen, venues, mode="bike", graph=graph)
    assert reach["venue_id"].tolist()[:4] == ["v0", "v0", "v1", "v3"]
    for closed in (["v0"], ["v0", "v1"], ["v1", "v2"], ["v3"], ["v0", "v1", "v2"]):
        scenario = close_venues(reach, closed, graph=graph, kernen=kernen, venues=venues,
                                mode="bike", threshold_m=2500)
        recomputed = kern_reach(kernen, _without(venues, closed), mode="bike", graph=graph)
        _assert_same_as(reach, scenario, recomputed)
    # closing v3 sends kern 3 (on node 6) back to v2 only if it can drive 6 -> 5: it cannot.
    scenario = close_venues(reach, ["v3"], graph=graph, kernen=kernen, venues=venues, mode="bike")
    assert scenario["kern_id"].tolist() == ["k3"]
    assert scenario["nieuwe_venue_id"].isna().all()
    assert scenario["nieuwe_afstand_m"].isna().all()
    assert not scenario["binnen_na"].iloc[0]
    everything = close_venues(reach, ["v0", "v1", "v2", "v3"], graph=graph, kernen=kernen,
                              venues=venues, mode="bike")
    assert everything["kern_id"].tolist() == ["k0", "k1", "k2", "k3"]
    assert everything["nieuwe_afstand_m"].isna().all()


def test_closure_frame_columns_and_summary() -> None:
    graph = _line_graph()
    kernen = _kernen(np.array([[0, 0], [2000, 0], [4000, 0]]), inwoners=[300, 200, None])
    venues = _venues(np.array([[0, 0], [2000, 0], [4000, 0]]))
    reach = kern_reach(kernen, venues, mode="bike", graph=graph)
    reach["eenzamen_schatting"] = [30.0, 20.0, np.nan]
    scenario = close_venues(reach, ["v0", "v1"], graph=graph, kernen=kernen, venues=venues,
                            mode="bike", threshold_m=1500)
    assert list(scenario.columns) == [*SCENARIO_COLUMNS, "eenzamen_schatting"]
    assert scenario["nieuwe_venue_id"].tolist() == ["v2", "v2"]
    assert scenario["nieuwe_afstand_m"].tolist() == pytest.approx([4000.0, 2000.0])
    assert scenario["verschil_m"].tolist() == pytest.approx([4000.0, 2000.0])
    assert scenario["verschil_minuten"].iloc[1] == pytest.approx(2000 / (15000 / 60))
    summary = summarise_scenario(scenario)
    assert summary["kernen"] == 2
    assert summary["kernen_dekking_verloren"] == 2
    assert summary["inwoners_dekking_verloren"] == 500
    assert summary["eenzamen_schatting_dekking_verloren"] == 50
    assert summary["kernen_dekking_gewonnen"] == 0


def test_bad_requests_raise() -> None:
    graph = _line_graph()
    kernen = _kernen(np.array([[0, 0], [2000, 0]]))
    venues = _venues(np.array([[0, 0]]))
    reach = kern_reach(kernen, venues, mode="bike", graph=graph)
    with pytest.raises(UnknownVenueError, match="no meeting place with id v9") as caught:
        close_venues(reach, ["v9"], graph=graph, kernen=kernen, venues=venues, mode="bike")
    assert caught.value.venue_ids == ("v9",)
    with pytest.raises(MismatchedRowsError, match="same kernen"):
        close_venues(reach.iloc[::-1], ["v0"], graph=graph, kernen=kernen, venues=venues,
                     mode="bike")
    with pytest.raises(InvalidSiteError, match="no valid coordinates"):
        open_venue(reach, (np.nan, 0), kernen=kernen, mode="bike", name="x", graph=graph)


def test_opening_on_hand_built_graph_matches_recomputation() -> None:
    graph = _line_graph()
    kernen = _kernen(np.array([[0, 10], [2000, 0], [3900, 0], [6000, 20], [90_000, 0]]))
    venues = _venues(np.array([[0, 0], [5000, 0]]))
    reach = kern_reach(kernen, venues, mode="bike", graph=graph)
    for site in ((3000.0, 50.0), (6000.0, 0.0), (1000.0, 0.0), (90_000.0, 5.0)):
        scenario = open_venue(reach, site, graph=graph, kernen=kernen, mode="bike",
                              name="Nieuwe plek", threshold_m=1500)
        recomputed = kern_reach(kernen, _with_site(venues, site), mode="bike", graph=graph)
        _assert_same_as(reach, scenario, recomputed)
    scenario = open_venue(reach, (90_000.0, 5.0), graph=graph, kernen=kernen, mode="bike",
                          name="Eiland", threshold_m=1500)
    assert scenario["kern_id"].tolist() == ["k4"]
    assert scenario["nieuwe_venue_naam"].tolist() == [
        "Eiland"
    ]
    assert summarise_scenario(scenario)["inwoners_dekking_gewonnen"] == 500


@cache
def _liechtenstein(path: Path) -> RoadGraph:
    return osm_graph(path, "drive")


def _random_case(graph: RoadGraph, seed: int) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """60 kernen and 25 venues at distinct random nodes, shifted a few metres off the road."""
    rng = np.random.default_rng(seed)
    nodes = rng.choice(graph.n_nodes, size=85, replace=False)
    xy = np.column_stack([graph.node_x[nodes], graph.node_y[nodes]])
    xy += rng.uniform(-15, 15, xy.shape)
    return _kernen(xy[:60]), _venues(xy[60:])


def _double_losses(reach: pd.DataFrame) -> list[list[str]]:
    """Closure sets that take away both the first and the second place of some kern."""
    pairs = reach.dropna(subset=["tweede_venue_id"])[["venue_id", "tweede_venue_id"]]
    return [list(pair) for pair in pairs.drop_duplicates().head(3).itertuples(index=False)]


def test_closure_and_opening_on_liechtenstein_match_recomputation(shared_data: Path) -> None:
    graph = _liechtenstein(shared_data / LIECHTENSTEIN)
    kernen, venues = _random_case(graph, seed=7)
    reach = kern_reach(kernen, venues, mode="drive", graph=graph)
    closures = [["v0"], ["v3", "v11"], *_double_losses(reach)]
    closures.append([*closures[-1], reach["venue_id"].value_counts().index[0]])
    researched = 0
    for closed in closures:
        scenario = close_venues(reach, closed, graph=graph, kernen=kernen, venues=venues,
                                mode="drive")
        recomputed = kern_reach(kernen, _without(venues, list(set(closed))), mode="drive",
                                graph=graph)
        _assert_same_as(reach, scenario, recomputed)
        researched += int(reach["tweede_venue_id"].isin(closed).where(
            reach["venue_id"].isin(closed), other=False).sum())
    assert researched > 0
    rng = np.random.default_rng(3)
    for node in rng.choice(graph.n_nodes, size=3, replace=False):
        site = (float(graph.node_x[node]) + 20.0, float(graph.node_y[node]))
        scenario = open_venue(reach, site, graph=graph, kernen=kernen, mode="drive", name="N")
        recomputed = kern_reach(kernen, _with_site(venues, site), mode="drive", graph=graph)
        _assert_same_as(reach, scenario, recomputed)


@pytest.fixture(scope="module")
def aa_en_hunze(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The national store holding Aa en Hunze (read only)."""
    return Store(demo_region_store(tmp_path_factory, "aa-en-hunze"))


def test_straight_line_aa_en_hunze_matches_recomputation(aa_en_hunze: Store) -> None:
    kernen = aa_en_hunze.read_layer(REGION, "kernen")
    venues = aa_en_hunze.read_layer(REGION, "venues")
    reach = kern_reach(kernen, venues, mode="bike")
    eenzaamheid = aa_en_hunze.read_layer(REGION, "eenzaamheid")
    links = kern_links(kernen, aa_en_hunze.read_layer(REGION, "buurten"), eenzaamheid)
    reach = kern_loneliness(reach, eenzaamheid, links=links,
                            gemeenten=aa_en_hunze.read_layer(REGION, "gemeenten"))
    schipborg = reach[reach["naam"] == "Schipborg"].iloc[0]
    closures = [
        [schipborg["venue_id"]],
        [schipborg["venue_id"], schipborg["tweede_venue_id"]],
        *_double_losses(reach),
    ]
    for closed in closures:
        scenario = close_venues(reach, closed, kernen=kernen, venues=venues, mode="bike",
                                threshold_m=2000)
        recomputed = kern_reach(kernen, _without(venues, closed), mode="bike")
        _assert_same_as(reach, scenario, recomputed)
        summary = summarise_scenario(scenario)
        assert summary["kernen"] == len(scenario) > 0
        assert summary["eenzamen_schatting"] == pytest.approx(
            scenario["eenzamen_schatting"].sum(min_count=1), nan_ok=True
        )
    site = tuple(np.asarray(kernen.geometry.iloc[0].representative_point().coords[0]) + 300.0)
    scenario = open_venue(reach, site, kernen=kernen, mode="bike", name="Nieuw")
    recomputed = kern_reach(kernen, _with_site(venues, site), mode="bike")
    _assert_same_as(reach, scenario, recomputed)
