"""Tests for analysis.nearest, checked against networkx Dijkstra on the same weights."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from analysis.errors import InvalidPointsError, NoVenuesError
from analysis.nearest import (
    METHOD_NETWORK,
    METHOD_STRAIGHT_LINE,
    NEAREST_COLUMNS,
    REASON_UNREACHABLE,
    nearest_facilities,
    snap_points,
    straight_line_estimate,
    travel_minutes,
)
from analysis.network import RoadGraph, graph_from_edges
from tests.conftest import osm_graph

LIECHTENSTEIN = "fixtures/osm_liechtenstein.osm.pbf"
TOO_FAR = "te ver van het wegennet (> 1000 m)"


@cache
def _liechtenstein(path: Path, mode: str) -> RoadGraph:
    """Parse the real Liechtenstein extract once per mode for the whole test session."""
    return osm_graph(path, mode)


def _nx_reversed(graph: RoadGraph) -> nx.DiGraph:
    """The graph's edges as a networkx DiGraph pointing the other way (node -> facility runs)."""
    coo = graph.weights.tocoo()
    reverse = nx.DiGraph()
    reverse.add_nodes_from(range(graph.n_nodes))
    edges = zip(coo.col.tolist(), coo.row.tolist(), coo.data.tolist(), strict=True)
    reverse.add_weighted_edges_from(edges)
    return reverse


def _brute_force(graph: RoadGraph, origins: np.ndarray, facilities: np.ndarray) -> np.ndarray:
    """Origin x facility matrix of snap leg + networkx distance + snap leg (inf: unreachable).

    Snapping is done here by a plain argmin over all nodes, independent of the KD-tree.
    """
    xy = np.column_stack([graph.node_x, graph.node_y])

    def snap(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        gaps = np.hypot(*(points[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
        return gaps.argmin(axis=1), gaps.min(axis=1)

    origin_node, origin_snap = snap(origins)
    facility_node, facility_snap = snap(facilities)
    reverse = _nx_reversed(graph)
    total = np.full((len(origins), len(facilities)), np.inf)
    facility_legs = zip(facility_node.tolist(), facility_snap.tolist(), strict=True)
    for j, (node, leg) in enumerate(facility_legs):
        if leg > 1000.0:
            continue
        reach = nx.single_source_dijkstra_path_length(reverse, node)
        origin_legs = zip(origin_node.tolist(), origin_snap, strict=True)
        for i, (origin, origin_leg) in enumerate(origin_legs):
            if origin in reach and origin_leg <= 1000.0:
                total[i, j] = origin_leg + reach[origin] + leg
    return total


def _assert_matches(result: pd.DataFrame, total: np.ndarray) -> None:
    """Check nearest and second-nearest (distance, index, tie rule) against a brute-force matrix."""
    for i, row in enumerate(result.itertuples()):
        ranked = sorted((d, j) for j, d in enumerate(total[i]) if np.isfinite(d))
        if not ranked:
            assert row.facility == -1
            assert np.isnan(row.distance_m)
            continue
        assert row.distance_m == pytest.approx(ranked[0][0], abs=1e-6)
        assert row.facility == ranked[0][1]
        if len(ranked) == 1:
            assert row.second_facility == -1
            assert np.isnan(row.second_distance_m)
            continue
        assert row.second_distance_m == pytest.approx(ranked[1][0], abs=1e-6)
        assert row.second_facility != row.facility
        assert total[i, row.second_facility] == pytest.approx(ranked[1][0], abs=1e-6)


def _square(*, oneway_ab: bool) -> RoadGraph:
    """A 100 m square A(0,0) B(100,0) C(100,100) D(0,100); A->B may be one-way."""
    return graph_from_edges(
        [0.0, 100.0, 100.0, 0.0],
        [0.0, 0.0, 100.0, 100.0],
        [0, 1, 2, 3],
        [1, 2, 3, 0],
        [100.0, 100.0, 100.0, 100.0],
        oneway=[oneway_ab, False, False, False],
        mode="drive",
    )


def test_oneway_street_takes_the_long_way_round() -> None:
    graph = _square(oneway_ab=True)
    # From B to the venue at A: B->A is not allowed, so B->C->D->A = 300 m (as networkx says).
    from_b = nearest_facilities(graph, [[100.0, 0.0]], [[0.0, 0.0]])
    assert from_b.loc[0, "distance_m"] == 300.0
    assert nx.dijkstra_path_length(_nx_reversed(graph), 0, 1) == 300.0
    from_a = nearest_facilities(graph, [[0.0, 0.0]], [[100.0, 0.0]])
    assert from_a.loc[0, "distance_m"] == 100.0
    # Venues at A and B: each origin sits on one; the other is the second nearest.
    both = nearest_facilities(graph, [[100.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [100.0, 0.0]])
    assert both["facility"].tolist() == [1, 0]
    assert both["distance_m"].tolist() == [0.0, 0.0]
    assert both["second_distance_m"].tolist() == [300.0, 100.0]


def test_two_way_square_is_symmetric() -> None:
    result = nearest_facilities(_square(oneway_ab=False), [[100.0, 0.0]], [[0.0, 0.0]])
    assert result.loc[0, "distance_m"] == 100.0


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_equal_distance_tie_goes_to_lower_index(order: tuple[int, int]) -> None:
    graph = graph_from_edges([0.0, 100.0, 200.0], [0.0, 0.0, 0.0], [0, 1], [1, 2],
                             [100.0, 100.0], mode="walk")
    places = np.array([[0.0, 0.0], [200.0, 0.0]])[list(order)]
    result = nearest_facilities(graph, [[100.0, 0.0]], places)
    assert result.loc[0, ["facility", "second_facility"]].tolist() == [0, 1]
    assert result.loc[0, ["distance_m", "second_distance_m"]].tolist() == [100.0, 100.0]


def test_two_venues_on_the_same_spot() -> None:
    graph = _square(oneway_ab=False)
    result = nearest_facilities(graph, [[100.0, 100.0]], [[0.0, 0.0], [300.0, 0.0], [0.0, 0.0]])
    assert result.loc[0, "facility"] == 0
    assert result.loc[0, "second_facility"] == 2
    assert result.loc[0, "distance_m"] == result.loc[0, "second_distance_m"] == 200.0


def test_island_is_unreachable_never_zero_never_mainland() -> None:
    # Mainland: nodes 0-1; island: nodes 2-3, 5 km away, not connected.
    graph = graph_from_edges([0.0, 100.0, 5000.0, 5100.0], [0.0, 0.0, 0.0, 0.0], [0, 2], [1, 3],
                             [100.0, 100.0], mode="walk")
    result = nearest_facilities(graph, [[5050.0, 0.0], [0.0, 0.0]], [[100.0, 0.0]])
    island = result.loc[0]
    assert island["facility"] == -1
    assert np.isnan(island["distance_m"])
    assert island["reason"] == REASON_UNREACHABLE
    assert island["origin_snap_m"] == 50.0
    assert result.loc[1, "distance_m"] == 100.0
    assert pd.isna(result.loc[1, "reason"])


def test_island_origin_gets_no_second_place_from_the_mainland() -> None:
    # Mainland 0-1-2 with two places; the island 3-4 holds the origin and no place.
    graph = graph_from_edges([0.0, 100.0, 200.0, 5000.0, 5100.0], [0.0] * 5, [0, 1, 3],
                             [1, 2, 4], [100.0, 100.0, 100.0], mode="walk")
    result = nearest_facilities(graph, [[5000.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [200.0, 0.0]])
    assert result.loc[0, ["facility", "second_facility"]].tolist() == [-1, -1]
    assert result.loc[0, ["distance_m", "second_distance_m"]].isna().all()
    assert result.loc[1, ["facility", "second_facility"]].tolist() == [0, 1]
    assert result.loc[1, "second_distance_m"] == 200.0


def test_origin_exactly_on_a_venue_is_zero() -> None:
    graph = _square(oneway_ab=True)
    result = nearest_facilities(graph, [[0.0, 0.0]], [[0.0, 0.0], [100.0, 100.0]])
    assert result.loc[0, "distance_m"] == 0.0
    assert result.loc[0, ["origin_snap_m", "facility_snap_m"]].tolist() == [0.0, 0.0]


def test_origin_and_venue_off_the_same_node_add_both_snap_legs() -> None:
    graph = _square(oneway_ab=True)
    result = nearest_facilities(graph, [[-3.0, 0.0]], [[0.0, -4.0]])
    assert result.loc[0, "distance_m"] == 7.0
    assert result.loc[0, "facility_snap_m"] == 4.0


def test_empty_venue_list_raises() -> None:
    with pytest.raises(NoVenuesError):
        nearest_facilities(_square(oneway_ab=False), [[0.0, 0.0]], np.empty((0, 2)))
    with pytest.raises(NoVenuesError):
        straight_line_estimate([[0.0, 0.0]], [], detour_factor=1.3)


def test_snap_beyond_cap() -> None:
    graph = _square(oneway_ab=False)
    node, distance = snap_points(graph, [[0.0, 1600.0], [0.0, 99.0]])
    assert node.tolist() == [-1, 3]
    assert distance.tolist() == [1500.0, 1.0]
    result = nearest_facilities(graph, [[0.0, 1600.0]], [[0.0, 0.0]])
    assert result.loc[0, "facility"] == -1
    assert np.isnan(result.loc[0, "distance_m"])
    assert result.loc[0, "reason"] == TOO_FAR
    assert result.loc[0, "origin_snap_m"] == 1500.0
    wider = nearest_facilities(graph, [[0.0, 1600.0]], [[0.0, 0.0]], max_snap=2000.0)
    assert wider.loc[0, "distance_m"] == 1600.0


def test_venue_beyond_cap_is_not_routed() -> None:
    result = nearest_facilities(_square(oneway_ab=False), [[0.0, 0.0]], [[5000.0, 0.0]])
    assert result.loc[0, "reason"] == REASON_UNREACHABLE
    assert result.loc[0, "facility"] == -1


def test_limit_and_k1() -> None:
    graph = _square(oneway_ab=True)
    limited = nearest_facilities(graph, [[100.0, 0.0]], [[0.0, 0.0]], limit=250.0)
    assert limited.loc[0, "facility"] == -1
    assert limited.loc[0, "reason"] == "geen ontmoetingsplek binnen 250 m over het wegennet"
    single = nearest_facilities(graph, [[100.0, 0.0]], [[0.0, 0.0], [100.0, 100.0]], k=1)
    assert single.loc[0, ["facility", "second_facility"]].tolist() == [1, -1]
    assert np.isnan(single.loc[0, "second_distance_m"])
    with pytest.raises(ValueError, match="k must be 1 or 2"):
        nearest_facilities(graph, [[0.0, 0.0]], [[0.0, 0.0]], k=3)


def test_result_shape_and_types() -> None:
    result = nearest_facilities(_square(oneway_ab=False), [[0.0, 0.0], [9e3, 0.0]], [[0.0, 0.0]])
    assert tuple(result.columns) == NEAREST_COLUMNS
    assert result["facility"].dtype == np.int64
    assert result["method"].tolist() == [METHOD_NETWORK, METHOD_NETWORK]
    assert result["reason"].tolist()[1] == TOO_FAR


def test_non_finite_coordinates_raise() -> None:
    with pytest.raises(InvalidPointsError, match="NaN or infinity"):
        nearest_facilities(_square(oneway_ab=False), [[np.nan, 0.0]], [[0.0, 0.0]])


@pytest.mark.parametrize("seed", range(25))
def test_random_graphs_match_networkx(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 40
    x, y = rng.uniform(0, 2000, n), rng.uniform(0, 2000, n)
    u, v = rng.integers(0, n, 70), rng.integers(0, n, 70)
    length = np.hypot(x[u] - x[v], y[u] - y[v]) * rng.uniform(1.0, 1.5, 70)
    graph = graph_from_edges(x, y, u, v, length, oneway=rng.random(70) < 0.3, mode="bike")
    facilities = rng.uniform(-200, 2200, (6, 2))
    facilities = np.vstack([facilities, facilities[2], [[9000.0, 9000.0]]])
    origins = np.vstack([rng.uniform(-200, 2200, (15, 2)), facilities[4], [[-5000.0, 0.0]]])
    result = nearest_facilities(graph, origins, facilities)
    _assert_matches(result, _brute_force(graph, origins, facilities))
    assert (result["distance_m"].dropna() >= 0).all()


@pytest.mark.parametrize("mode", ["drive", "walk"])
def test_liechtenstein_matches_networkx(shared_data: Path, mode: str) -> None:
    graph = _liechtenstein(shared_data / LIECHTENSTEIN, mode)
    rng = np.random.default_rng(1680)
    xy = np.column_stack([graph.node_x, graph.node_y])
    facility_nodes = rng.choice(graph.n_nodes, 5, replace=False)
    origin_nodes = rng.choice(graph.n_nodes, 20, replace=False)
    origins = xy[origin_nodes] + rng.uniform(-30, 30, (20, 2))
    result = nearest_facilities(graph, origins, xy[facility_nodes])

    reverse = _nx_reversed(graph)
    nearest, paths = nx.multi_source_dijkstra(reverse, set(facility_nodes.tolist()))
    snapped, origin_snap = snap_points(graph, origins)
    for i, node in enumerate(snapped.tolist()):
        if node not in nearest:
            assert result.loc[i, "facility"] == -1
            continue
        assert result.loc[i, "distance_m"] == pytest.approx(nearest[node] + origin_snap[i])
        assert facility_nodes[result.loc[i, "facility"]] == paths[node][0]
    _assert_matches(result, _brute_force(graph, origins, xy[facility_nodes]))
    assert result["facility"].ge(0).sum() >= 10


def test_straight_line_estimate() -> None:
    result = straight_line_estimate([[0.0, 0.0], [50.0, 0.0]], [[300.0, 400.0], [0.0, 100.0]],
                                    detour_factor=1.3)
    assert tuple(result.columns) == NEAREST_COLUMNS
    assert result["facility"].tolist() == [1, 1]
    assert result["distance_m"].tolist() == pytest.approx([130.0, 1.3 * np.hypot(50, 100)])
    assert result.loc[0, "second_distance_m"] == pytest.approx(650.0)
    assert result["method"].tolist() == [METHOD_STRAIGHT_LINE] * 2
    assert result["origin_snap_m"].isna().all()
    assert result["facility_snap_m"].isna().all()
    tie = straight_line_estimate([[0.0, 0.0]], [[10.0, 0.0], [-10.0, 0.0]], detour_factor=1.0)
    assert tie.loc[0, ["facility", "second_facility"]].tolist() == [0, 1]
    single = straight_line_estimate([[0.0, 0.0]], [[3.0, 4.0]], detour_factor=1.3)
    assert single.loc[0, "second_facility"] == -1


def test_travel_minutes() -> None:
    assert travel_minutes(4500.0, "walk") == pytest.approx(60.0)
    assert travel_minutes(15000.0, "bike") == pytest.approx(60.0)
    assert travel_minutes(50000.0, "drive") == pytest.approx(60.0)
    minutes = travel_minutes(np.array([750.0, np.nan]), "walk")
    assert minutes[0] == pytest.approx(10.0)
    assert np.isnan(minutes[1])
    with pytest.raises(ValueError, match="unknown travel mode"):
        travel_minutes(1.0, "boat")


@pytest.mark.parametrize("seed", range(6))
def test_many_catchment_areas_match_networkx(seed: int) -> None:
    # Many places, so that most origins find their second place across several boundaries;
    # a third of the edges one-way, some nodes cut off.
    rng = np.random.default_rng(100 + seed)
    n = 150
    x, y = rng.uniform(0, 5000, n), rng.uniform(0, 5000, n)
    u, v = rng.integers(0, n, 260), rng.integers(0, n, 260)
    length = np.hypot(x[u] - x[v], y[u] - y[v]) * rng.uniform(1.0, 1.4, 260)
    graph = graph_from_edges(x, y, u, v, length, oneway=rng.random(260) < 0.33, mode="drive")
    xy = np.column_stack([x, y])
    facilities = xy[rng.choice(n, 25, replace=False)] + rng.uniform(-40, 40, (25, 2))
    origins = xy[rng.choice(n, 40, replace=False)] + rng.uniform(-40, 40, (40, 2))
    result = nearest_facilities(graph, origins, facilities)
    _assert_matches(result, _brute_force(graph, origins, facilities))
    assert result["second_facility"].ge(0).sum() >= 10


@pytest.mark.parametrize("limit", [np.inf, 900.0])
def test_many_kernen_in_one_large_area_match_networkx(limit: float) -> None:
    # One place in the middle of a 20 x 20 grid and one in each corner: most kernen share the
    # middle place's area, whose search stops once all of them are settled; with a limit the
    # second places beyond it are left out.
    side = 20
    grid = np.arange(side * side).reshape(side, side)
    x, y = (grid % side).ravel() * 100.0, (grid // side).ravel() * 100.0
    u = np.concatenate([grid[:, :-1].ravel(), grid[:-1, :].ravel()])
    v = np.concatenate([grid[:, 1:].ravel(), grid[1:, :].ravel()])
    length = np.hypot(x[u] - x[v], y[u] - y[v]) * np.linspace(1.0, 1.3, u.size)
    graph = graph_from_edges(x, y, u, v, length, oneway=np.arange(u.size) % 7 == 0, mode="walk")
    facilities = np.array([[1000.0, 1000.0], [0.0, 0.0], [1900.0, 0.0], [0.0, 1900.0],
                           [1900.0, 1900.0]])
    origins = np.column_stack([x, y])[::3] + 10.0
    result = nearest_facilities(graph, origins, facilities, limit=limit)
    expected = _brute_force(graph, origins, facilities)
    if np.isfinite(limit):
        expected = np.where(expected <= limit, expected, np.inf)
    _assert_matches(result, expected)
    assert result["facility"].eq(0).sum() >= 30


def test_comb_with_one_way_teeth_matches_networkx() -> None:
    # A spine with dead-end teeth (some one-way, some with origins on them) between places at
    # both ends and one in the middle: dead ends left out of the second search must not change
    # any answer.
    spine = 12
    x = np.concatenate([np.arange(spine) * 100.0, np.arange(spine) * 100.0])
    y = np.concatenate([np.zeros(spine), np.full(spine, 60.0)])
    u = np.concatenate([np.arange(spine - 1), np.arange(spine)])
    v = np.concatenate([np.arange(1, spine), np.arange(spine) + spine])
    length = np.concatenate([np.full(spine - 1, 100.0), np.full(spine, 60.0)])
    oneway = np.concatenate([np.zeros(spine - 1, dtype=bool), np.arange(spine) % 3 == 1])
    graph = graph_from_edges(x, y, u, v, length, oneway=oneway, mode="walk")
    facilities = np.array([[0.0, 0.0], [1100.0, 0.0], [500.0, 60.0]])
    origins = np.column_stack([x, y]) + 5.0
    result = nearest_facilities(graph, origins, facilities)
    _assert_matches(result, _brute_force(graph, origins, facilities))
    # Only the four one-way teeth (no way out) have no place; all others have two.
    assert result["second_facility"].ge(0).sum() == 2 * spine - 4


def test_two_places_at_a_dead_end_are_first_and_second() -> None:
    # A lane 0 - 1 - 2 - 3 - 4: two places share the dead end at node 0, a third sits at the
    # other end. The second place of a kern at node 1 is the other place at node 0, not node 4.
    graph = graph_from_edges(
        np.arange(5.0) * 100, np.zeros(5), np.arange(4), np.arange(1, 5), np.full(4, 100.0),
        mode="walk",
    )
    result = nearest_facilities(graph, [[100.0, 0.0]], [[400.0, 0.0], [0.0, 0.0], [0.0, 0.0]])
    assert result.loc[0, ["facility", "second_facility"]].tolist() == [1, 2]
    assert result.loc[0, ["distance_m", "second_distance_m"]].tolist() == [100.0, 100.0]


def test_no_origin_reaches_a_place() -> None:
    # Both kernen sit on an island without places: no first and no second place.
    graph = graph_from_edges(
        np.array([0.0, 100.0, 5000.0, 5100.0]), np.zeros(4), np.array([0, 2]),
        np.array([1, 3]), np.array([100.0, 100.0]), mode="walk",
    )
    result = nearest_facilities(graph, [[5000.0, 0.0], [5100.0, 0.0]], [[0.0, 0.0], [100.0, 0.0]])
    assert result["facility"].tolist() == [-1, -1]
    assert result["second_facility"].tolist() == [-1, -1]


def test_a_read_only_installation_compiles_the_search_without_a_cache(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No folder numba may write to (read-only install, no home): numba's cache=True raises
    # at import; the search must still compile, in the process, and give the same answer.
    from numba.core import caching

    from analysis.second_search import compiled

    monkeypatch.setattr(caching.CacheImpl, "_locator_classes", [])

    @compiled()
    def twice(value: float) -> float:
        return 2.0 * value

    assert twice(2.5) == 5.0
