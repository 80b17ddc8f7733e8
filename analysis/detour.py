"""The detour factor of a road network: network distance over straight-line distance.

Without a road network the product estimates a distance as the straight-line distance times a
detour factor per travel mode (:data:`analysis.nearest.DETOUR_FACTORS`). This module measures
that factor on a real network: random node pairs in bands of straight-line distance
(:func:`sample_pairs`), their shortest network distance, and per band the median, the 10th and
90th percentile and the number of pairs (:func:`measure_detour`). ``bench/calibrate_detour.py``
runs it on the networks at hand and writes :mod:`analysis.detour_factors`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.sparse.csgraph import dijkstra

from analysis.network import RoadGraph

DISTANCE_BANDS_M: tuple[tuple[float, float], ...] = (
    (100.0, 1000.0),
    (1000.0, 2000.0),
    (2000.0, 5000.0),
    (5000.0, np.inf),
)
"""Bands of straight-line distance in metres, ``[low, high)``. Pairs closer than 100 m are left
out: there the ratio says more about where a node happens to lie than about the network."""

FACTOR_BAND_M: tuple[float, float] = (100.0, 5000.0)
"""The band whose median is a mode's single detour factor: nearly every kern has its nearest
meeting place within 5 km."""

DETOUR_COLUMNS: tuple[str, ...] = ("min_m", "max_m", "n", "median", "p10", "p90", "mean")
"""Columns of :func:`measure_detour`, one row per band."""


def sample_pairs(
    graph: RoadGraph,
    *,
    origins: int = 200,
    per_band: int = 10,
    bands: Sequence[tuple[float, float]] = DISTANCE_BANDS_M,
    rng: np.random.Generator,
) -> np.ndarray:
    """Random node pairs, spread evenly over bands of straight-line distance.

    Parameters
    ----------
    graph : RoadGraph
        The network; pairs are drawn from its nodes.
    origins : int, default 200
        Number of random start nodes (fewer when the graph has fewer nodes).
    per_band : int, default 10
        Per start node and band, the number of random end nodes at a straight-line distance
        in that band (fewer where the band holds fewer nodes).
    bands : sequence of (low, high)
        Straight-line distance bands in metres.
    rng : numpy.random.Generator
        Source of randomness (pass a seeded one for a repeatable sample).

    Returns
    -------
    numpy.ndarray
        ``(k, 2)`` int64 array of (start node, end node).
    """
    xy = np.column_stack([graph.node_x, graph.node_y])
    starts = rng.choice(graph.n_nodes, min(origins, graph.n_nodes), replace=False)
    pairs = []
    for start in starts.tolist():
        gap = np.hypot(*(xy - xy[start]).T)
        for low, high in bands:
            inside = np.flatnonzero((gap >= low) & (gap < high))
            ends = rng.choice(inside, min(per_band, inside.size), replace=False)
            pairs.append(np.column_stack([np.full(ends.size, start), ends]))
    if not pairs:
        return np.empty((0, 2), dtype=np.int64)
    return np.vstack(pairs).astype(np.int64)


def measure_detour(
    graph: RoadGraph,
    pairs: np.ndarray,
    *,
    bands: Sequence[tuple[float, float]] = DISTANCE_BANDS_M,
) -> pd.DataFrame:
    """Network distance over straight-line distance of node pairs, summarised per band.

    Parameters
    ----------
    graph : RoadGraph
        The network (one-way streets count: the distance is from the first node of a pair to
        the second).
    pairs : numpy.ndarray
        ``(k, 2)`` node indices (start, end), e.g. from :func:`sample_pairs`.
    bands : sequence of (low, high)
        Straight-line distance bands in metres, ``[low, high)``.

    Returns
    -------
    pandas.DataFrame
        One row per band, columns :data:`DETOUR_COLUMNS`: the band's bounds, the number of
        pairs ``n`` (pairs without a route are not counted), and the median, 10th and 90th
        percentile and mean of the factor (NaN where ``n`` is 0).
    """
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    straight = np.hypot(graph.node_x[pairs[:, 0]] - graph.node_x[pairs[:, 1]],
                        graph.node_y[pairs[:, 0]] - graph.node_y[pairs[:, 1]])
    network = np.full(pairs.shape[0], np.inf)
    if pairs.size:
        starts, row = np.unique(pairs[:, 0], return_inverse=True)
        network = dijkstra(graph.weights, indices=starts)[row, pairs[:, 1]]
    usable = np.isfinite(network) & (straight > 0)
    factor = network[usable] / straight[usable]
    straight = straight[usable]
    rows = []
    for low, high in bands:
        values = factor[(straight >= low) & (straight < high)]
        if values.size:
            p10, median, p90 = np.percentile(values, [10, 50, 90])
            rows.append((low, high, values.size, median, p10, p90, values.mean()))
        else:
            rows.append((low, high, 0, np.nan, np.nan, np.nan, np.nan))
    return pd.DataFrame(rows, columns=list(DETOUR_COLUMNS))
