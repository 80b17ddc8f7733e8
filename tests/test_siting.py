"""Siting with spopt's MCLP, checked against brute-force enumeration of every N-subset."""

from __future__ import annotations

from itertools import combinations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from shapely.geometry import Point

from analysis.errors import MissingColumnError, SiteCountError
from analysis.nearest import DETOUR_FACTORS
from analysis.network import RoadGraph, graph_from_edges
from analysis.reach import kern_reach
from analysis.siting import (
    CANDIDATE_COLUMNS,
    SITING_COLUMNS,
    best_sites,
    candidate_distances,
    candidate_sites,
)

THRESHOLD = 1500.0


def _kernen(points: np.ndarray, inwoners: np.ndarray) -> gpd.GeoDataFrame:
    n = len(points)
    return gpd.GeoDataFrame(
        {"kern_id": [f"k{i}" for i in range(n)], "naam": [f"Kern {i}" for i in range(n)],
         "gemeentecode": ["GM0001"] * n, "buurtcode": [f"BU0001{i:04d}" for i in range(n)],
         "inwoners": inwoners},
        geometry=[Point(p) for p in points], crs="EPSG:28992",
    )


def _venues(points: np.ndarray, counts: list[bool]) -> gpd.GeoDataFrame:
    n = len(points)
    return gpd.GeoDataFrame(
        {"venue_id": [f"v{i}" for i in range(n)], "naam": [f"Plek {i}" for i in range(n)],
         "soort": ["dorpshuis"] * n, "ontmoetingsplek": counts},
        geometry=[Point(p) for p in points], crs="EPSG:28992",
    )


def _brute_force(
    covered_now: np.ndarray, distance: np.ndarray, weight: np.ndarray, n_sites: int
) -> tuple[float, list[tuple[int, ...]]]:
    """Best total covered weight over all ``n_sites``-subsets and every subset reaching it."""
    scores = {}
    for subset in combinations(range(distance.shape[1]), n_sites):
        covered = covered_now | (distance[:, list(subset)] <= THRESHOLD).any(axis=1)
        scores[subset] = float(weight[covered].sum())
    best = max(scores.values())
    return best, [s for s, v in scores.items() if v == pytest.approx(best)]


def _check_against_brute_force(
    chosen: list[int], frame_gain: float, covered_now: np.ndarray, distance: np.ndarray,
    weight: np.ndarray, n_sites: int,
) -> None:
    best, optimal = _brute_force(covered_now, distance, weight, n_sites)
    assert tuple(chosen) in optimal
    assert frame_gain == pytest.approx(best - weight[covered_now].sum())


@pytest.mark.parametrize("n_sites", [1, 2, 3])
def test_straight_line_mclp_equals_enumeration(n_sites: int) -> None:
    rng = np.random.default_rng(11)
    kern_xy = rng.uniform(0, 8000, (40, 2))
    inwoners = rng.integers(50, 3000, 40).astype(float)
    kernen = _kernen(kern_xy, inwoners)
    venues = _venues(np.vstack([rng.uniform(0, 8000, (2, 2)), rng.uniform(0, 8000, (6, 2))]),
                     [True, True] + [False] * 6)
    candidates = candidate_sites(venues=venues, points=[(1000.0, 1000.0), (7000.0, 7000.0)])
    reach = kern_reach(kernen, venues, mode="walk")
    result = best_sites(reach, candidates, kernen=kernen, n_sites=n_sites, threshold_m=THRESHOLD,
                        mode="walk")
    site_xy = np.array([[p.x, p.y] for p in candidates.geometry])
    distance = np.hypot(*(kern_xy[:, None, :] - site_xy[None, :, :]).transpose(2, 0, 1))
    distance *= DETOUR_FACTORS["walk"]
    covered_now = reach["afstand_m"].to_numpy() <= THRESHOLD
    chosen = [candidates["kandidaat_id"].tolist().index(c) for c in result["kandidaat_id"]]
    _check_against_brute_force(chosen, result["nieuw_gedekt"].sum(), covered_now, distance,
                               inwoners, n_sites)
    assert list(result.columns) == list(SITING_COLUMNS)
    assert result.attrs["gewicht"] == "inwoners"


def _grid_graph(rng: np.random.Generator) -> RoadGraph:
    """A 12 x 12 grid, 400 m spacing, random lengths and a few one-way links."""
    side = 12
    grid = np.arange(side * side).reshape(side, side)
    x, y = (grid % side).ravel() * 400.0, (grid // side).ravel() * 400.0
    u = np.concatenate([grid[:, :-1].ravel(), grid[:-1, :].ravel()])
    v = np.concatenate([grid[:, 1:].ravel(), grid[1:, :].ravel()])
    length = 400.0 * rng.uniform(1.0, 1.4, u.size)
    oneway = rng.random(u.size) < 0.1
    return graph_from_edges(x, y, u, v, length, oneway=oneway, mode="bike")


def _networkx_distances(graph: RoadGraph, kern_nodes: np.ndarray, site_nodes: np.ndarray,
                        kern_snap: np.ndarray, site_snap: np.ndarray) -> np.ndarray:
    coo = graph.weights.tocoo()
    forward = nx.DiGraph()
    forward.add_weighted_edges_from(
        zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(), strict=True)
    )
    distance = np.full((kern_nodes.size, site_nodes.size), np.inf)
    for i, node in enumerate(kern_nodes.tolist()):
        lengths = nx.single_source_dijkstra_path_length(forward, node)
        for j, site in enumerate(site_nodes.tolist()):
            if site in lengths:
                distance[i, j] = kern_snap[i] + lengths[site] + site_snap[j]
    return distance


def test_network_mclp_with_weight_column_equals_enumeration() -> None:
    rng = np.random.default_rng(5)
    graph = _grid_graph(rng)
    kern_nodes = rng.choice(graph.n_nodes, 30, replace=False)
    kern_xy = np.column_stack([graph.node_x[kern_nodes], graph.node_y[kern_nodes] + 30.0])
    kernen = _kernen(kern_xy, rng.integers(100, 2000, 30).astype(float))
    venues = _venues(np.array([[0.0, 0.0]]), [True])
    reach = kern_reach(kernen, venues, mode="bike", graph=graph)
    reach["eenzamen_schatting"] = np.round(reach["inwoners"] * rng.uniform(0.05, 0.3, 30))
    reach.loc[3, "eenzamen_schatting"] = np.nan
    candidates = candidate_sites(kernen=kernen.iloc[::3])
    assert list(candidates.columns) == list(CANDIDATE_COLUMNS)
    result = best_sites(reach, candidates, kernen=kernen, graph=graph, n_sites=2, mode="bike",
                        threshold_m=THRESHOLD, weight="eenzamen_schatting")
    distance = _networkx_distances(graph, kern_nodes, kern_nodes[::3], np.full(30, 30.0),
                                   np.full(10, 30.0))
    matrix = candidate_distances(kernen, candidates, threshold_m=THRESHOLD, mode="bike",
                                 graph=graph)
    within = distance <= THRESHOLD
    assert np.array_equal(np.isfinite(matrix), within)
    assert matrix[within] == pytest.approx(distance[within])
    weight = reach["eenzamen_schatting"].fillna(0).to_numpy()
    covered_now = reach["afstand_m"].to_numpy() <= THRESHOLD
    chosen = [candidates["kandidaat_id"].tolist().index(c) for c in result["kandidaat_id"]]
    _check_against_brute_force(chosen, result["nieuw_gedekt"].sum(), covered_now, distance,
                               weight, 2)
    assert result["soort"].tolist() == ["kern", "kern"]


def test_bad_siting_requests_raise() -> None:
    kernen = _kernen(np.array([[0.0, 0.0]]), np.array([10.0]))
    venues = _venues(np.array([[0.0, 0.0], [10.0, 0.0]]), [True, False])
    reach = kern_reach(kernen, venues, mode="walk")
    candidates = candidate_sites(venues=venues)
    with pytest.raises(SiteCountError, match="choose 1 to 1") as caught:
        best_sites(reach, candidates, kernen=kernen, n_sites=2, threshold_m=THRESHOLD,
                   mode="walk")
    assert (caught.value.requested, caught.value.available) == (2, 1)
    with pytest.raises(MissingColumnError) as missing:
        best_sites(reach, candidates, kernen=kernen, n_sites=1, threshold_m=THRESHOLD,
                   mode="walk", weight="inwoners_65plus")
    assert missing.value.column == "inwoners_65plus"
    assert len(candidate_sites()) == 0
