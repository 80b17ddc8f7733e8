"""Tests for analysis.detour: the detour factor measured on grids with a known answer."""

from __future__ import annotations

import numpy as np
import pytest

from analysis import detour_factors
from analysis.detour import DETOUR_COLUMNS, measure_detour, sample_pairs
from analysis.errors import UnknownOptionError
from analysis.nearest import DETOUR_FACTORS, detour_factor
from analysis.network import RoadGraph, graph_from_edges


def _grid(side: int, spacing: float = 100.0) -> RoadGraph:
    """A two-way Manhattan grid: the network distance is |dx| + |dy| exactly."""
    index = np.arange(side * side).reshape(side, side)
    x = (index % side).ravel() * spacing
    y = (index // side).ravel() * spacing
    u = np.concatenate([index[:, :-1].ravel(), index[:-1, :].ravel()])
    v = np.concatenate([index[:, 1:].ravel(), index[1:, :].ravel()])
    return graph_from_edges(x, y, u, v, np.full(u.size, spacing), mode="walk")


def test_known_factors_per_band() -> None:
    graph = _grid(40)
    node = np.arange(40 * 40).reshape(40, 40)  # node[row, column]
    pairs = np.array([
        [node[0, 0], node[0, 5]],     # 500 m along a street: factor 1
        [node[3, 3], node[3, 9]],     # 600 m along a street: factor 1
        [node[0, 0], node[4, 3]],     # 3:4:5 triangle, 500 m: factor 7/5
        [node[0, 0], node[16, 12]],   # 2 km straight: 1.4
        [node[0, 0], node[20, 20]],   # diagonal, 2.83 km: sqrt(2)
        [node[1, 1], node[21, 21]],   # diagonal, 2.83 km: sqrt(2)
        [node[2, 0], node[2, 30]],    # 3 km along a street: 1
    ])
    table = measure_detour(graph, pairs)
    assert tuple(table.columns) == DETOUR_COLUMNS
    near, middle, far, farthest = (table.iloc[i] for i in range(4))
    assert near["n"] == 3
    assert near["median"] == pytest.approx(1.0)
    assert near["p90"] == pytest.approx(1.0 + 0.8 * 0.4)  # linear percentile of 1, 1, 1.4
    assert near["mean"] == pytest.approx(3.4 / 3)
    assert middle["n"] == 0
    assert np.isnan(middle["median"])
    assert far["n"] == 4
    assert far["median"] == pytest.approx((1.4 + np.sqrt(2)) / 2)
    assert far["p10"] == pytest.approx(1.0 + 0.3 * 0.4)
    assert farthest["n"] == 0


def test_random_pairs_on_a_grid_approach_four_over_pi() -> None:
    # Over all directions, |cos| + |sin| averages 4/pi; the band of 2-5 km has enough room.
    graph = _grid(80, spacing=100.0)
    pairs = sample_pairs(graph, origins=150, per_band=30, rng=np.random.default_rng(4))
    table = measure_detour(graph, pairs).set_index("min_m")
    assert table.loc[2000.0, "n"] > 2000
    assert table.loc[2000.0, "mean"] == pytest.approx(4 / np.pi, abs=0.03)
    assert 1.0 <= table.loc[2000.0, "p10"] < table.loc[2000.0, "median"] < table.loc[2000.0, "p90"]
    assert table.loc[2000.0, "p90"] <= np.sqrt(2) + 1e-9


def test_one_way_street_counts_and_unreachable_pairs_are_left_out() -> None:
    # 0 -> 1 one-way (1 km); back from 1 to 0 only round 1 -> 2 -> 0 (2 km + 1.5 km).
    graph = graph_from_edges([0.0, 1000.0, 500.0, 9000.0], [0.0, 0.0, 1000.0, 0.0],
                             [0, 1, 2], [1, 2, 0], [1000.0, 2000.0, 1500.0],
                             oneway=[True, False, False], mode="bike")
    table = measure_detour(graph, np.array([[0, 1], [1, 0], [0, 3]]), bands=[(100.0, 10_000.0)])
    assert table.loc[0, "n"] == 2, "node 3 is not connected"
    assert sorted([table.loc[0, "p10"], table.loc[0, "p90"]]) == pytest.approx(
        [1.0 + 0.1 * 2.5, 3.5 - 0.1 * 2.5])


def test_sample_pairs_fall_in_their_bands() -> None:
    graph = _grid(30)
    pairs = sample_pairs(graph, origins=20, per_band=5, bands=[(100.0, 500.0), (1000.0, 2000.0)],
                         rng=np.random.default_rng(1))
    gap = np.hypot(graph.node_x[pairs[:, 0]] - graph.node_x[pairs[:, 1]],
                   graph.node_y[pairs[:, 0]] - graph.node_y[pairs[:, 1]])
    assert ((gap >= 100) & (gap < 500)).sum() == 100
    assert ((gap >= 1000) & (gap < 2000)).sum() == 100


def test_the_product_uses_the_measured_factors() -> None:
    assert set(DETOUR_FACTORS) == {"walk", "bike", "drive"}
    for mode, bands in detour_factors.BANDS.items():
        assert detour_factor(mode) == DETOUR_FACTORS[mode] == detour_factors.DETOUR_FACTORS[mode]
        medians = [band[3] for band in bands if band[1] <= 5000]
        assert min(medians) - 0.01 <= detour_factor(mode) <= max(medians) + 0.01
        assert all(band[4] <= band[3] <= band[5] for band in bands)
    with pytest.raises(UnknownOptionError, match="unknown travel mode"):
        detour_factor("boat")
