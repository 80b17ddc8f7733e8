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

This is itself a shortest-path problem: a second Dijkstra from one root joined to every boundary
node of the catchment areas that hold an origin (by the first line's value), over a compact graph
of only those areas (their nodes renumbered, only the edges within one area), so its cost follows
the size of those areas, not of the whole graph. The compact graph comes from the rows of those
nodes in :attr:`analysis.network.RoadGraph.weights`, turned round: one pass over them gives both
the edges within an area and the edges that leave it, the boundary starts. Both runs use
:func:`scipy.sparse.csgraph.dijkstra`.
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
        ``2`` also finds the second-nearest facility with a second, exact search over the
        catchment areas that hold an origin (``bench/bench_nearest.py``, 1.5 M nodes: about
        55 % on top of the first search, 0.72 s against 0.44 s for the bare first search; more
        when the areas that hold an origin cover more of the graph); ``1`` skips it.
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
        dist2, label2 = _second_run(graph, search, dist1, label1, routed, limit)
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
    dist1: np.ndarray,
    label1: np.ndarray,
    origin_nodes: np.ndarray,
    limit: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Distance to and index of the nearest facility other than each origin node's nearest one.

    The search runs on a compact graph of only the catchment areas that hold an origin: their
    nodes, renumbered, and the edges within one area (an edge to another area stays in its row
    as an infinitely long loop, which the search never follows). A root joins every node that
    an edge leaves towards another area, by the best value found there (see the module notes),
    and a predecessor trace back to the root gives each origin its facility.

    Returns
    -------
    dist, label : numpy.ndarray
        Per origin node (in the order of ``origin_nodes``): the distance and facility index;
        ``inf``/-1 when there is none.
    """
    n = search.n_nodes
    label = label1[:n]
    wanted = np.zeros(int(label1.max()) + 2, dtype=bool)
    wanted[label1[origin_nodes]] = True
    wanted[-1] = False
    kept = np.flatnonzero(wanted[label])
    if kept.size == 0:
        return np.full(origin_nodes.size, np.inf), np.full(origin_nodes.size, -1)
    dead = _dead_ends(graph, kept)
    facility_nodes = search.matrix.indices[search.matrix.indptr[n:-1]]
    for nodes in (origin_nodes, facility_nodes):
        place = np.minimum(np.searchsorted(kept, nodes), kept.size - 1)
        dead[place[kept[place] == nodes]] = False
    kept = kept[~dead]
    size = kept.size
    new_id = np.full(n, size, dtype=np.int32)
    new_id[kept] = np.arange(size, dtype=np.int32)
    kept_label = label[kept]
    data, column, indptr = _area_edges(graph.reversed_weights[kept], label, kept_label, new_id)
    node, value, facility = _area_starts(graph.weights[kept], label, kept_label, dist1)
    extra_node, extra_dist, extra_label = _facility_starts(search, label1, new_id, size)
    start_node = np.concatenate([node, extra_node])
    start_dist = np.concatenate([value, extra_dist])
    start_label = np.concatenate([facility, extra_label])
    matrix = sp.csr_array(
        (
            np.concatenate([data, start_dist]),
            np.concatenate([column, start_node]).astype(np.int32, copy=False),
            np.append(indptr, indptr[-1] + start_node.size).astype(np.int32, copy=False),
        ),
        shape=(size + 1, size + 1),
    )
    dist, pred = dijkstra(matrix, indices=size, return_predecessors=True, limit=limit)
    via = _best_start_labels(start_node, start_dist, start_label, size + 1)
    at = new_id[origin_nodes]
    label2 = _label_of_start(pred, via, size, at)[at]
    return np.where(at < size, dist[at], np.inf), label2


def _area_edges(
    rows: sp.csr_array, label: np.ndarray, row_label: np.ndarray, new_id: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The compact graph of the wanted areas as CSR arrays ``(data, indices, indptr)``.

    ``rows`` are the rows of :attr:`RoadGraph.reversed_weights` of the nodes of the compact
    graph, in order, ``row_label`` their facility and ``new_id`` every node's number in the
    compact graph (the root's number for a node left out). An edge to another area keeps its
    place but becomes infinitely long; an edge to a node left out points at the root, which is
    settled first, so the search follows neither.
    """
    head = rows.indices
    cut = label[head] != np.repeat(row_label, np.diff(rows.indptr))
    return np.where(cut, np.inf, rows.data), new_id[head], rows.indptr


def _area_starts(
    rows: sp.csr_array, label: np.ndarray, row_label: np.ndarray, dist1: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The boundary starts: every edge ``v -> u`` that leaves ``v``'s area for a reached node.

    ``rows`` are the rows of :attr:`RoadGraph.weights` (edges in the direction of travel) of the
    nodes of the compact graph, in order, and ``row_label`` their facility. Such an edge gives
    ``v`` the value ``w + D1(u)`` with facility ``S1(u)``.

    Returns
    -------
    node, dist, label : numpy.ndarray
        Compact node, value and facility index of every start.
    """
    head = rows.indices
    head_label = label[head]
    leave = np.flatnonzero(
        (head_label != np.repeat(row_label, np.diff(rows.indptr))) & (head_label >= 0)
    )
    node = (np.searchsorted(rows.indptr, leave, side="right") - 1).astype(np.int32)
    return node, rows.data[leave] + dist1[head[leave]], head_label[leave]


def _dead_ends(graph: RoadGraph, nodes: np.ndarray) -> np.ndarray:
    """Which of ``nodes`` touch at most one other node (in either direction), or none.

    The second search never passes through such a node: it could only come back the way it
    came. An edge that leaves its area from there leads nowhere else, so unless an origin or a
    facility (whose own start could lead on) lies on it, it can be left out of the search.
    """
    busy = np.zeros(nodes.size, dtype=bool)
    neighbour = np.full(nodes.size, -1, dtype=np.int64)
    for matrix in (graph.weights, graph.reversed_weights):
        degree = np.diff(matrix.indptr)[nodes]
        busy |= degree > 1
        alone = np.flatnonzero(degree == 1)
        other = matrix.indices[matrix.indptr[nodes[alone]]]
        seen = neighbour[alone]
        busy[alone[(seen >= 0) & (seen != other)]] = True
        neighbour[alone] = other
    return ~busy


def _facility_starts(
    search: _Search, label1: np.ndarray, new_id: np.ndarray, root: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Starts from the facilities' own snap edges into a wanted area of another facility.

    Such an edge leaves the facility's area straight away (two facilities on one node, or a
    facility whose node lies nearer to another one), so it is a boundary start of its own.
    Returns the compact node, value and facility index of each.
    """
    matrix, n = search.matrix, search.n_nodes
    first = matrix.indptr[n:-1]
    node = new_id[matrix.indices[first]]
    label = label1[matrix.indices[first]]
    crossing = np.flatnonzero((label != search.facility_of) & (node < root))
    return node[crossing], matrix.data[first][crossing], search.facility_of[crossing]


def _best_start_labels(
    node: np.ndarray, dist: np.ndarray, label: np.ndarray, size: int
) -> np.ndarray:
    """Per node the facility of its smallest start value (lowest index among equal values)."""
    best = np.full(size, np.inf)
    np.minimum.at(best, node, dist)
    top = dist == best[node]
    via = np.full(size, -1, dtype=np.int64)
    lowest = np.full(size, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(lowest, node[top], label[top])
    started = np.isfinite(best)
    via[started] = lowest[started]
    return via


def _label_of_start(
    pred: np.ndarray, via: np.ndarray, root: int, nodes: np.ndarray
) -> np.ndarray:
    """Label of ``nodes``: follow predecessors up to the start node just below ``root``.

    Other nodes get -1; so do nodes the search did not reach.
    """
    label = np.full(pred.shape[0], -1, dtype=np.int64)
    current = np.unique(nodes[pred[nodes] >= 0])
    start = current.copy()
    while current.size:
        parent = pred[current]
        done = parent == root
        label[start[done]] = via[current[done]]
        current, start = parent[~done], start[~done]
    return label


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
