"""Where to add meeting places: the best N sites among candidates, by residents newly covered.

This is the maximal covering location problem (MCLP): choose N candidate sites so that the
weight (residents, or e.g. estimated lonely residents) of kernen within a threshold distance of
an open place is as large as possible. The existing meeting places stay open; they enter the
model as one predefined facility whose distance to a kern is the kern's current distance from
:func:`analysis.reach.kern_reach`. The model is built and solved with ``spopt``
(:class:`spopt.locate.MCLP`) and the CBC solver that ``pulp`` ships.

The kern x candidate distance matrix comes from one batched, bounded Dijkstra over the reversed
graph from all candidate nodes at once (distances beyond the threshold are not searched), or
from straight-line distance times the detour factor when there is no graph.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.sparse.csgraph import dijkstra
from scipy.spatial.distance import cdist
from shapely.geometry import Point

from analysis.errors import MismatchedRowsError, MissingColumnError, SiteCountError
from analysis.nearest import detour_factor, snap_points
from analysis.network import RoadGraph
from analysis.reach import points_xy
from analysis.scenario import SEARCH_CELLS

if TYPE_CHECKING:
    import pulp

CANDIDATE_COLUMNS: tuple[str, ...] = ("kandidaat_id", "naam", "soort", "geometry")
"""Columns of :func:`candidate_sites`; ``soort`` is ``"gebouw"`` (a venue that does not count
as a meeting place yet), ``"kern"`` (a kern's point) or ``"punt"`` (a user-given point)."""

SITING_COLUMNS: tuple[str, ...] = (
    "kandidaat_id",
    "naam",
    "soort",
    "x",
    "y",
    "nieuw_gedekte_kernen",
    "nieuw_gedekt",
)
"""Columns of :func:`best_sites`: one row per chosen site. ``nieuw_gedekt`` is the weight of the
kernen it newly covers (each newly covered kern counts once, for its nearest chosen site); the
weight column's name is in ``frame.attrs["gewicht"]``."""


def candidate_sites(
    *,
    venues: gpd.GeoDataFrame | None = None,
    kernen: gpd.GeoDataFrame | None = None,
    points: Sequence[tuple[float, float]] = (),
) -> gpd.GeoDataFrame:
    """Candidate sites: venues that do not count yet, kern points and user points.

    Parameters
    ----------
    venues
        The ``venues`` layer; its rows with ``ontmoetingsplek`` false become candidates.
    kernen
        The ``kernen`` layer; every kern's point becomes a candidate.
    points
        Extra ``(x, y)`` points in EPSG:28992, named ``"punt 1"``, ``"punt 2"``, ...

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`CANDIDATE_COLUMNS` in EPSG:28992.
    """
    parts = []
    if venues is not None:
        other = venues[~venues["ontmoetingsplek"].fillna(value=False).astype(bool)]
        parts.append(_candidates(other["venue_id"], other["naam"], "gebouw", other.geometry))
    if kernen is not None:
        centres = kernen.geometry.representative_point()
        parts.append(_candidates(kernen["kern_id"], kernen["naam"], "kern", centres))
    if len(points):
        labels = [f"punt {i}" for i in range(1, len(points) + 1)]
        parts.append(_candidates(labels, labels, "punt", [Point(p) for p in points]))
    if not parts:
        return gpd.GeoDataFrame(columns=list(CANDIDATE_COLUMNS), geometry="geometry",
                                crs="EPSG:28992")
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs="EPSG:28992")


def candidate_distances(
    kernen: gpd.GeoDataFrame,
    candidates: gpd.GeoDataFrame,
    *,
    threshold_m: float,
    mode: str,
    graph: RoadGraph | None = None,
    max_snap: float = 1000.0,
) -> np.ndarray:
    """Kern x candidate distance matrix in metres; ``inf`` beyond ``threshold_m`` or unreachable.

    Parameters
    ----------
    kernen, candidates
        Points in EPSG:28992.
    threshold_m
        Distances above this are not searched (they would not cover anyway).
    mode
        Travel mode; without a graph its detour factor scales the straight-line distance.
    graph
        Road graph; without one, straight-line distance times the detour factor.
    max_snap
        Kernen and candidates farther than this from the network are not routed.

    Returns
    -------
    numpy.ndarray
        ``(len(kernen), len(candidates))`` float array. A network distance is kern snap leg +
        network distance + candidate snap leg, as in :mod:`analysis.nearest`.
    """
    origins, sites = points_xy(kernen), points_xy(candidates)
    if graph is None:
        distance = cdist(origins, sites) * detour_factor(mode)
        return np.where(distance <= threshold_m, distance, np.inf)
    kern_node, kern_snap = snap_points(graph, origins, max_snap=max_snap)
    site_node, site_snap = snap_points(graph, sites, max_snap=max_snap)
    distance = np.full((len(origins), len(sites)), np.inf)
    routed_kern, routed_site = np.flatnonzero(kern_node >= 0), np.flatnonzero(site_node >= 0)
    if routed_kern.size and routed_site.size:
        nodes, inverse = np.unique(site_node[routed_site], return_inverse=True)
        network = _bounded_rows(graph, nodes, kern_node[routed_kern], threshold_m)[inverse].T
        total = network + kern_snap[routed_kern, None] + site_snap[None, routed_site]
        distance[np.ix_(routed_kern, routed_site)] = total
    return np.where(distance <= threshold_m, distance, np.inf)


def best_sites(
    reach: pd.DataFrame,
    candidates: gpd.GeoDataFrame,
    *,
    kernen: gpd.GeoDataFrame,
    n_sites: int,
    threshold_m: float,
    mode: str,
    graph: RoadGraph | None = None,
    weight: str = "inwoners",
    max_snap: float = 1000.0,
    solver: pulp.LpSolver | None = None,
) -> pd.DataFrame:
    """The ``n_sites`` candidates that newly cover the most weight within ``threshold_m``.

    Parameters
    ----------
    reach
        Result of :func:`analysis.reach.kern_reach` for ``kernen`` (same rows, same order);
        its ``afstand_m`` says which kernen the existing places already cover.
    candidates
        Sites to choose from, e.g. from :func:`candidate_sites` (columns
        :data:`CANDIDATE_COLUMNS`).
    kernen
        The ``kernen`` layer.
    n_sites
        How many new places to choose.
    threshold_m
        A kern is covered when a place lies within this distance.
    mode
        Travel mode of ``reach`` (picks the detour factor when there is no graph).
    graph
        Road graph used for ``reach``; ``None`` for the straight-line estimate.
    weight
        Column of ``reach`` to maximise (missing values count as 0), e.g. ``"inwoners"`` or
        ``"eenzamen_schatting"``.
    max_snap
        As in :func:`analysis.reach.kern_reach`.
    solver
        A ``pulp`` solver; by default CBC without output.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SITING_COLUMNS`, one row per chosen site in candidate order.

    Raises
    ------
    SiteCountError
        When ``n_sites`` is not between 1 and the number of candidates.
    MissingColumnError
        When ``weight`` is not a column of ``reach``.
    MismatchedRowsError
        When ``reach`` does not hold the kernen of ``kernen`` in the same order.
    """
    _check_request(reach, kernen, candidates, n_sites, weight)
    values = pd.to_numeric(reach[weight], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    existing = reach["afstand_m"].to_numpy(dtype=np.float64)
    existing = np.where(existing <= threshold_m, existing, np.inf)
    distance = candidate_distances(
        kernen, candidates, threshold_m=threshold_m, mode=mode, graph=graph, max_snap=max_snap
    )
    chosen = _solve(np.column_stack([existing, distance]), values, n_sites, threshold_m, solver)
    return _chosen_frame(candidates, distance, existing, values, chosen, weight)


def _candidates(
    ids: Sequence[object], names: Sequence[object], kind: str, geometry: Sequence[object]
) -> pd.DataFrame:
    return pd.DataFrame(
        {"kandidaat_id": list(ids), "naam": list(names), "soort": kind,
         "geometry": list(geometry)},
        columns=list(CANDIDATE_COLUMNS),
    )


def _bounded_rows(
    graph: RoadGraph, nodes: np.ndarray, columns: np.ndarray, limit: float
) -> np.ndarray:
    """Rows of node -> ``nodes`` distances (reversed-graph Dijkstra) at ``columns``, batched."""
    batch = max(1, SEARCH_CELLS // max(graph.n_nodes, 1))
    parts = [
        dijkstra(graph.reversed_weights, indices=nodes[start:start + batch], limit=limit)[
            :, columns
        ]
        for start in range(0, nodes.size, batch)
    ]
    return np.vstack(parts)


def _check_request(
    reach: pd.DataFrame,
    kernen: gpd.GeoDataFrame,
    candidates: gpd.GeoDataFrame,
    n_sites: int,
    weight: str,
) -> None:
    """Raise an :class:`~analysis.errors.AnalysisError` for a request :func:`best_sites` refuses."""
    if not 1 <= n_sites <= len(candidates):
        raise SiteCountError(requested=n_sites, available=len(candidates))
    if weight not in reach:
        raise MissingColumnError(weight)
    same = len(reach) == len(kernen) and np.array_equal(
        reach["kern_id"].to_numpy(dtype=object), kernen["kern_id"].to_numpy(dtype=object)
    )
    if not same:
        raise MismatchedRowsError("reach", rows=len(reach), expected=len(kernen))


def _solve(
    cost: np.ndarray,
    values: np.ndarray,
    n_sites: int,
    threshold_m: float,
    solver: pulp.LpSolver | None,
) -> np.ndarray:
    """Solve the MCLP with column 0 (the existing places) fixed open; chosen candidate indices.

    spopt and pulp are imported here, when a page or command asks for sites: together they take
    a second and a half to import, which every other user of this module would pay.
    """
    import pulp
    from spopt.locate import MCLP

    predefined = np.zeros(cost.shape[1], dtype=int)
    predefined[0] = 1
    model = MCLP.from_cost_matrix(
        np.where(np.isfinite(cost), cost, threshold_m + 1.0),
        values,
        service_radius=threshold_m,
        p_facilities=n_sites + 1,
        predefined_facilities_arr=predefined,
        name="ontmoetingsplekken",
    )
    model.solve(solver or pulp.PULP_CBC_CMD(msg=False), results=False)
    half = 0.5  # the facility variables are 0 or 1, up to the solver's tolerance
    opened = np.array([(var.value() or 0.0) > half for var in model.fac_vars], dtype=bool)
    return np.flatnonzero(opened[1:])


def _chosen_frame(
    candidates: gpd.GeoDataFrame,
    distance: np.ndarray,
    existing: np.ndarray,
    values: np.ndarray,
    chosen: np.ndarray,
    weight: str,
) -> pd.DataFrame:
    """One row per chosen candidate with the kernen and weight it newly covers."""
    newly = np.isinf(existing) & np.isfinite(distance[:, chosen]).any(axis=1)
    nearest = chosen[np.argmin(distance[:, chosen], axis=1)] if chosen.size else chosen
    xy = points_xy(candidates.iloc[chosen])
    frame = pd.DataFrame(
        {
            "kandidaat_id": candidates["kandidaat_id"].to_numpy(dtype=object)[chosen],
            "naam": candidates["naam"].to_numpy(dtype=object)[chosen],
            "soort": candidates["soort"].to_numpy(dtype=object)[chosen],
            "x": xy[:, 0],
            "y": xy[:, 1],
            "nieuw_gedekte_kernen": [int((newly & (nearest == j)).sum()) for j in chosen],
            "nieuw_gedekt": [float(values[newly & (nearest == j)].sum()) for j in chosen],
        },
        columns=list(SITING_COLUMNS),
    )
    frame.attrs["gewicht"] = weight
    return frame
