"""Nearest and second-nearest facility for many origins over a road graph, in one pass.

The core is one multi-source Dijkstra from all facilities at once over the *reversed* graph
(:attr:`analysis.network.RoadGraph.reversed_weights`), so the distance found for a node is the
distance from that node *to* its nearest facility and one-way streets count the right way. Its
cost does not depend on the number of facilities.

Every distance is the sum of three legs: origin point -> its snapped node (straight line), node ->
node over the network, and the facility's snapped node -> the facility point (straight line). The
facility leg is part of the search itself (each facility enters the graph as an extra node joined
to its snapped node by an edge as long as its snap distance), so a facility that lies far from the
road never wins over one that sits on it.

The second-nearest facility (needed for closure scenarios) is exact, not estimated. With ``D1``
and ``S1`` the distance to and the label of the nearest facility of every node, the distance
``D2`` to the nearest facility other than ``S1(v)`` obeys, over the edges ``v -> u``::

    D2(v) = min( w(v,u) + D1(u)  where S1(u) != S1(v),      (leave v's catchment area)
                 w(v,u) + D2(u)  where S1(u) == S1(v) )      (stay inside it)

This is a shortest-path problem inside each catchment area, seeded at its border;
:mod:`analysis.second_search` solves it compiled, only in the areas that hold an origin and only
until their origins are settled. The first search uses :func:`scipy.sparse.csgraph.dijkstra`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from analysis.detour_factors import DETOUR_FACTORS as MEASURED_FACTORS
from analysis.errors import InvalidPointsError, NoVenuesError
from analysis.network import MODE_SPEEDS_KMH, RoadGraph, check_mode, simplify_graph

NEAREST_COLUMNS: tuple[str, ...] = (
    "facility",
    "distance_m",
    "second_facility",
    "second_distance_m",
    "origin_snap_m",
    "facility_snap_m",
    "method",
    "reason",
)
"""Columns of the frames returned by :func:`nearest_facilities` and
:func:`straight_line_estimate`, one row per origin in input order. ``facility`` and
``second_facility`` are positions in the facility input (``-1`` when none), distances are metres
(NaN when none), ``method`` says how the distance was found and ``reason`` (Dutch) why a row has
no distance."""

METHOD_NETWORK = "netwerk"
METHOD_STRAIGHT_LINE = "hemelsbreed (schatting)"
REASON_UNREACHABLE = "geen ontmoetingsplek bereikbaar over het wegennet"

DETOUR_FACTORS: dict[str, float] = MEASURED_FACTORS
"""Road distance over straight-line distance per travel mode, used when no road network is at
hand: the medians measured on real networks by ``bench/calibrate_detour.py``
(:mod:`analysis.detour_factors` holds them with their sources, date and spread per band)."""


def detour_factor(mode: str) -> float:
    """The detour factor of ``mode`` (:data:`DETOUR_FACTORS`)."""
    check_mode(mode)
    return DETOUR_FACTORS[mode]


_XY = 2
"""Coordinates per point (x, y); also the number of dimensions of a point array."""

TIE_TOLERANCE_M = 1e-6
"""Two distances closer than this (metres) count as a tie; the lower facility index then wins."""


def snap_points(
    graph: RoadGraph, points_xy: np.ndarray, *, max_snap: float = 1000.0
) -> tuple[np.ndarray, np.ndarray]:
    """Snap points to their nearest graph node.

    Parameters
    ----------
    graph : RoadGraph
        The graph; its KD-tree (:attr:`RoadGraph.node_tree`) is built on first use and kept.
    points_xy : numpy.ndarray
        ``(n, 2)`` array of EPSG:28992 coordinates.
    max_snap : float, default 1000.0
        Points farther than this (metres) from every node do not snap, so an island never
        snaps to the mainland.

    Returns
    -------
    node : numpy.ndarray of int64
        Index of the nearest node, ``-1`` where it is farther than ``max_snap``.
    distance : numpy.ndarray of float64
        Straight-line distance to the nearest node (also where ``node`` is ``-1``; ``inf`` for an
        empty graph).
    """
    points = _as_points(points_xy, "points")
    if graph.n_nodes == 0 or points.shape[0] == 0:
        return np.full(points.shape[0], -1, dtype=np.int64), np.full(points.shape[0], np.inf)
    distance, node = graph.node_tree.query(points, k=1)
    node = np.where(distance <= max_snap, node, -1).astype(np.int64)
    return node, np.asarray(distance, dtype=np.float64)


def lean_graph(
    graph: RoadGraph, points_xy: np.ndarray, *, max_snap: float = 1000.0
) -> RoadGraph:
    """Simplify the graph, keeping the nodes the points snap to.

    The result is :func:`analysis.network.simplify_graph` with those nodes kept. Every point
    snaps to the same node with the same snap distance as on ``graph``, and every network
    distance between those nodes is the same, so :func:`nearest_facilities` gives the same
    answer for these points on a graph with far fewer nodes.
    """
    node, _ = snap_points(graph, points_xy, max_snap=max_snap)
    return simplify_graph(graph, keep=np.unique(node[node >= 0]))[0]


def nearest_facilities(
    graph: RoadGraph,
    origins_xy: np.ndarray,
    facilities_xy: np.ndarray,
    *,
    max_snap: float = 1000.0,
    k: int = 2,
    limit: float = np.inf,
) -> pd.DataFrame:
    """Nearest (and second-nearest) facility of every origin over the road network.

    Parameters
    ----------
    graph : RoadGraph
        Road graph of the travel mode.
    origins_xy, facilities_xy : numpy.ndarray
        ``(n, 2)`` arrays of EPSG:28992 coordinates (kernen and meeting places).
    max_snap : float, default 1000.0
        Origins and facilities farther than this (metres) from the network are not routed.
    k : {2, 1}
        ``2`` also finds the second-nearest facility with a second, exact search inside the
        catchment areas that hold an origin (:mod:`analysis.second_search`); ``1`` skips it.
    limit : float, default inf
        Distances above this (metres) are not searched and count as unreachable.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`NEAREST_COLUMNS`, one row per origin. A distance is the origin's snap leg
        plus the network distance plus the facility's snap leg, so an origin on a facility's
        node gets exactly the two snap legs (0 when both lie on the node). Ties within
        :data:`TIE_TOLERANCE_M` between the nearest and second-nearest go to the lower facility
        index (with ``k=1`` the search order decides).

    Raises
    ------
    NoVenuesError
        When there are no facilities.
    InvalidPointsError
        When the points are not an ``(n, 2)`` array of finite coordinates.
    ValueError
        When ``k`` is not 1 or 2.
    """
    facilities = _as_points(facilities_xy, "venues")
    if facilities.shape[0] == 0:
        raise NoVenuesError
    if k not in (1, 2):
        raise ValueError(f"k must be 1 or 2, not {k!r}")
    origin_node, origin_snap = snap_points(graph, origins_xy, max_snap=max_snap)
    facility_node, facility_snap = snap_points(graph, facilities, max_snap=max_snap)
    search = _augmented(graph, facility_node, facility_snap)
    dist1, label1 = _nearest_run(search, limit)
    on_graph = origin_node >= 0
    routed = origin_node[on_graph]
    first = _at_origins(dist1[routed], label1[routed], on_graph, origin_snap, limit)
    second = (np.full(origin_node.shape, np.inf), np.full(origin_node.shape, -1))
    if k > 1 and search.facility_of.size > 1 and routed.size:
        dist2, label2 = _second_run(graph, search, (dist1, label1), routed, limit)
        second = _at_origins(dist2, label2, on_graph, origin_snap, limit)
    return _result_frame(
        first,
        second,
        method=METHOD_NETWORK,
        origin_snap=origin_snap,
        facility_snap=facility_snap,
        reason=_reasons(on_graph, first[1], max_snap, limit),
    )


REASON_OTHER_LAND = "geen ontmoetingsplek op hetzelfde eiland of vasteland"


def straight_line_estimate(
    origins_xy: np.ndarray,
    facilities_xy: np.ndarray,
    *,
    detour_factor: float,
    origin_land: np.ndarray | None = None,
    facility_land: np.ndarray | None = None,
) -> pd.DataFrame:
    """Estimate the nearest two facilities by straight-line distance times a detour factor.

    Parameters
    ----------
    origins_xy, facilities_xy : numpy.ndarray
        ``(n, 2)`` arrays of EPSG:28992 coordinates.
    detour_factor : float
        Road distance over straight-line distance, e.g. :func:`detour_factor` of the mode.
    origin_land, facility_land : numpy.ndarray of int, optional
        The piece of land (mainland, an island) each point lies on; ``-1`` where unknown. With
        them, an origin only gets facilities on its own land, so an estimate never crosses the
        sea; an origin on land without facilities gets none (NaN, with a Dutch reason). An
        origin or facility of unknown land is compared with every facility or origin.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`NEAREST_COLUMNS` with ``method`` ``"hemelsbreed (schatting)"``; the snap
        columns are NaN because nothing is snapped. The UI must show these as estimates.

    Raises
    ------
    NoVenuesError
        When there are no facilities.
    InvalidPointsError
        When the points are not an ``(n, 2)`` array of finite coordinates.
    """
    facilities = _as_points(facilities_xy, "venues")
    if facilities.shape[0] == 0:
        raise NoVenuesError
    origins = _as_points(origins_xy, "origins")
    if origin_land is not None and facility_land is not None:
        return _estimate_per_land(origins, facilities, np.asarray(origin_land),
                                  np.asarray(facility_land), detour_factor)
    n_found = min(2, facilities.shape[0])
    distance, index = cKDTree(facilities).query(origins, k=[1, 2][:n_found])
    first = (distance[:, 0] * detour_factor, index[:, 0])
    second = (np.full(origins.shape[0], np.inf), np.full(origins.shape[0], -1))
    if n_found > 1:
        second = (distance[:, 1] * detour_factor, index[:, 1])
    return _result_frame(first, second, method=METHOD_STRAIGHT_LINE)


def _estimate_per_land(
    origins: np.ndarray,
    facilities: np.ndarray,
    origin_land: np.ndarray,
    facility_land: np.ndarray,
    detour_factor: float,
) -> pd.DataFrame:
    """:func:`straight_line_estimate` within each piece of land, assembled in input order."""
    size = origins.shape[0]
    dist1, fac1 = np.full(size, np.inf), np.full(size, -1, dtype=np.int64)
    dist2, fac2 = np.full(size, np.inf), np.full(size, -1, dtype=np.int64)
    reason = np.full(size, None, dtype=object)
    for land in np.unique(origin_land):
        rows = np.flatnonzero(origin_land == land)
        columns = (np.arange(facilities.shape[0]) if land < 0
                   else np.flatnonzero((facility_land == land) | (facility_land < 0)))
        if columns.size == 0:
            reason[rows] = REASON_OTHER_LAND
            continue
        part = straight_line_estimate(origins[rows], facilities[columns],
                                      detour_factor=detour_factor)
        first, second = part["facility"].to_numpy(), part["second_facility"].to_numpy()
        dist1[rows] = part["distance_m"].to_numpy()
        fac1[rows] = np.where(first >= 0, columns[np.maximum(first, 0)], -1)
        dist2[rows] = part["second_distance_m"].fillna(np.inf).to_numpy()
        fac2[rows] = np.where(second >= 0, columns[np.maximum(second, 0)], -1)
    return _result_frame((dist1, fac1), (dist2, fac2), method=METHOD_STRAIGHT_LINE,
                         reason=reason)


def travel_minutes(distance_m: float | np.ndarray | pd.Series, mode: str) -> float | np.ndarray:
    """Convert a distance to travel minutes at the mode's speed in :data:`MODE_SPEEDS_KMH`.

    Parameters
    ----------
    distance_m : float, numpy.ndarray or pandas.Series
        Distance(s) in metres; NaN stays NaN.
    mode : str
        ``"walk"``, ``"bike"`` or ``"drive"``.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        Minutes, of the same kind as ``distance_m``.
    """
    check_mode(mode)
    return distance_m / (MODE_SPEEDS_KMH[mode] * 1000.0 / 60.0)


@dataclass(frozen=True)
class _Search:
    """The reversed graph with one extra node per routable facility.

    Extra node ``n_nodes + j`` stands for facility ``facility_of[j]``; its only edge leads to the
    facility's snapped node and is as long as the snap distance.
    """

    matrix: sp.csr_array
    n_nodes: int
    facility_of: np.ndarray


def _augmented(graph: RoadGraph, facility_node: np.ndarray, facility_snap: np.ndarray) -> _Search:
    """Append the facility nodes to the reversed graph (only rows: nothing points to them)."""
    reverse = graph.reversed_weights
    facility_of = np.flatnonzero(facility_node >= 0)
    n = graph.n_nodes
    size = n + facility_of.size
    indptr = np.concatenate(
        [reverse.indptr, reverse.indptr[-1] + np.arange(1, facility_of.size + 1, dtype=np.int32)]
    ).astype(np.int32, copy=False)
    indices = np.concatenate([reverse.indices, facility_node[facility_of].astype(np.int32)])
    data = np.concatenate([reverse.data, facility_snap[facility_of]])
    matrix = sp.csr_array((data, indices, indptr), shape=(size, size))
    return _Search(matrix, n, facility_of)


def _nearest_run(search: _Search, limit: float) -> tuple[np.ndarray, np.ndarray]:
    """Multi-source Dijkstra from all facility nodes: distance and facility index per node."""
    size = search.matrix.shape[0]
    if search.facility_of.size == 0:
        return np.full(size, np.inf), np.full(size, -1, dtype=np.int32)
    sources = np.arange(search.n_nodes, size)
    dist, _, nearest = dijkstra(
        search.matrix, indices=sources, min_only=True, return_predecessors=True, limit=limit
    )
    slot = nearest - search.n_nodes
    label = np.where(slot >= 0, search.facility_of[np.maximum(slot, 0)], -1)
    return dist, label.astype(np.int32)


def _second_run(
    graph: RoadGraph,
    search: _Search,
    first: tuple[np.ndarray, np.ndarray],
    origin_nodes: np.ndarray,
    limit: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Distance to and index of the nearest facility other than each origin node's nearest one.

    :func:`analysis.second_search.second_nearest` does the work (imported here, so that the
    compiler it needs loads only when a second place is asked for).

    Returns
    -------
    dist, label : numpy.ndarray
        Per origin node (in the order of ``origin_nodes``): the distance and facility index;
        ``inf``/-1 when there is none.
    """
    from analysis.second_search import second_nearest

    n = search.n_nodes
    dist1, label1 = first
    matrix = search.matrix
    snap_edge = matrix.indptr[n:-1]
    facilities = (matrix.indices[snap_edge], matrix.data[snap_edge], search.facility_of)
    forward, reverse = graph.weights, graph.reversed_weights
    return second_nearest(
        (forward.indptr, forward.indices, forward.data),
        (reverse.indptr, reverse.indices, reverse.data),
        (dist1[:n], label1[:n]),
        facilities,
        origin_nodes,
        limit=limit,
    )


def _at_origins(
    dist: np.ndarray,
    label: np.ndarray,
    on_graph: np.ndarray,
    origin_snap: np.ndarray,
    limit: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Total distance (origin snap leg added) and facility per origin; inf/-1 when none.

    ``dist`` and ``label`` hold the values at the snapped nodes of the origins on the graph.
    """
    total = np.full(on_graph.shape[0], np.inf)
    facility = np.full(on_graph.shape[0], -1, dtype=np.int64)
    total[on_graph] = dist + origin_snap[on_graph]
    facility[on_graph] = label
    found = (facility >= 0) & (total <= limit)
    return np.where(found, total, np.inf), np.where(found, facility, -1)


def _result_frame(
    first: tuple[np.ndarray, np.ndarray],
    second: tuple[np.ndarray, np.ndarray],
    *,
    method: str,
    origin_snap: np.ndarray | None = None,
    facility_snap: np.ndarray | None = None,
    reason: np.ndarray | None = None,
) -> pd.DataFrame:
    """Assemble the result columns, settling ties between first and second by facility index.

    Snap columns are NaN and ``reason`` is missing where not given.
    """
    dist1, fac1 = first
    dist2, fac2 = second
    swap = (fac2 >= 0) & (fac2 < fac1) & (dist2 <= dist1 + TIE_TOLERANCE_M)
    dist1, dist2 = np.where(swap, dist2, dist1), np.where(swap, dist1, dist2)
    fac1, fac2 = np.where(swap, fac2, fac1), np.where(swap, fac1, fac2)
    missing = np.full(fac1.shape[0], np.nan)
    if reason is None:
        reason = np.full(fac1.shape[0], None, dtype=object)
    if facility_snap is not None:
        facility_snap = np.where(fac1 >= 0, facility_snap[np.maximum(fac1, 0)], np.nan)
    frame = pd.DataFrame(
        {
            "facility": fac1.astype(np.int64),
            "distance_m": np.where(fac1 >= 0, dist1, np.nan),
            "second_facility": fac2.astype(np.int64),
            "second_distance_m": np.where(fac2 >= 0, dist2, np.nan),
            "origin_snap_m": missing if origin_snap is None else origin_snap,
            "facility_snap_m": missing if facility_snap is None else facility_snap,
            "method": np.full(fac1.shape[0], method, dtype=object),
            "reason": reason,
        },
        columns=list(NEAREST_COLUMNS),
    )
    return frame.astype({"method": "str", "reason": "str"})


def _reasons(
    on_graph: np.ndarray, facility: np.ndarray, max_snap: float, limit: float
) -> np.ndarray:
    """Dutch reason per origin without a distance; None where a distance was found."""
    too_far = f"te ver van het wegennet (> {max_snap:g} m)"
    unreachable = REASON_UNREACHABLE
    if np.isfinite(limit):
        unreachable = f"geen ontmoetingsplek binnen {limit:g} m over het wegennet"
    why = np.where(on_graph, unreachable, too_far).astype(object)
    why[facility >= 0] = None
    return why


def _as_points(points_xy: np.ndarray, what: str) -> np.ndarray:
    """``points_xy`` as a float ``(n, 2)`` array; :class:`InvalidPointsError` if it is not."""
    points = np.asarray(points_xy, dtype=np.float64)
    if points.size == 0:
        return points.reshape(0, _XY)
    if points.ndim != _XY or points.shape[1] != _XY:
        raise InvalidPointsError(what, f"expected an (n, 2) array of x and y, got {points.shape}")
    if not np.all(np.isfinite(points)):
        raise InvalidPointsError(what, "coordinates hold NaN or infinity")
    return points
