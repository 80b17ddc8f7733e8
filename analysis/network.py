"""A compact routable road graph per travel mode, as a CSR matrix of edge lengths.

The graph is a directed sparse matrix of edge lengths in metres between nodes with coordinates in
EPSG:28992. It is built from plain edge arrays (:func:`graph_from_edges`): the edge lists that
:mod:`loaders.roads` reads from OSM files or osmnx and the store keeps per region
(:func:`graph_from_road_edges`), or hand-built graphs and benchmarks.

Disconnected parts of the network are kept: a node in a separate component is simply unreachable
from the rest, so a village on an island never gets a mainland venue by accident.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from analysis.errors import InvalidNetworkError, UnknownOptionError
from loaders.roads import RoadEdges

MODE_SPEEDS_KMH: dict[str, float] = {"walk": 4.5, "bike": 15.0, "drive": 50.0}
"""Average travel speed per mode in km/h, used to turn metres into minutes.

These are project assumptions, not measured values: 4.5 km/h is a common planning figure for an
adult walking pace (older walkers are slower), 15 km/h an everyday (non-electric) cycling pace, and
50 km/h the Dutch speed limit inside built-up areas, taken as a door-to-door average for short
rural car trips that mix 30/60/80 km/h roads with junctions. Change them here and nowhere else.
"""


@dataclass(frozen=True, eq=False)
class RoadGraph:
    """A directed road graph for one travel mode.

    Attributes
    ----------
    node_x, node_y : numpy.ndarray
        Node coordinates in EPSG:28992 (metres), float64, length ``n``.
    weights : scipy.sparse.csr_array
        ``n x n`` matrix; entry ``[i, j]`` is the length in metres of the edge from node ``i`` to
        node ``j``. Parallel edges are already reduced to the shortest one.
    mode : str
        ``"walk"``, ``"bike"`` or ``"drive"`` (the keys of :data:`MODE_SPEEDS_KMH`).
    source : str
        Where the graph came from (a file name or a short description).

    Raises
    ------
    UnknownOptionError
        When ``mode`` is not a known travel mode.
    InvalidNetworkError
        When the coordinates and the matrix do not fit together.
    """

    node_x: np.ndarray
    node_y: np.ndarray
    weights: sp.csr_array
    mode: str
    source: str

    def __post_init__(self) -> None:
        """Check the mode and that the coordinates and the matrix fit together."""
        check_mode(self.mode)
        n = self.node_x.shape[0]
        if self.node_x.shape != (n,) or self.node_y.shape != (n,):
            raise InvalidNetworkError("node_x and node_y must be 1-d arrays of equal length")
        if not sp.issparse(self.weights) or self.weights.format != "csr":
            raise InvalidNetworkError("weights must be a scipy.sparse CSR matrix")
        if self.weights.shape != (n, n):
            raise InvalidNetworkError(
                f"weights has shape {self.weights.shape}, expected ({n}, {n})"
            )

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.node_x.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return int(self.weights.nnz)

    @cached_property
    def reversed_weights(self) -> sp.csr_array:
        """The transposed graph in CSR form (entry ``[j, i]`` is edge ``i -> j``), built once.

        A shortest-path search from the venues over this graph gives, for every node, the
        distance *from* that node *to* the nearest venue, so one-way streets count the right way.
        """
        return _csr_int32(sp.csr_array(self.weights.T))

    @cached_property
    def node_tree(self) -> cKDTree:
        """A KD-tree on the node coordinates, built once, for snapping points to the graph."""
        return cKDTree(np.column_stack([self.node_x, self.node_y]))


def check_mode(mode: str) -> None:
    """Check that ``mode`` is a known travel mode.

    Parameters
    ----------
    mode : str
        The travel mode to check.

    Raises
    ------
    UnknownOptionError
        When ``mode`` is not a key of :data:`MODE_SPEEDS_KMH`.
    """
    if mode not in MODE_SPEEDS_KMH:
        raise UnknownOptionError("travel mode", mode, MODE_SPEEDS_KMH)


def graph_from_edges(
    x: np.ndarray,
    y: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    length: np.ndarray,
    *,
    oneway: np.ndarray | None = None,
    mode: str,
    source: str = "edges",
) -> RoadGraph:
    """Build a graph from node coordinates and an edge list.

    Parameters
    ----------
    x, y : numpy.ndarray
        Node coordinates in EPSG:28992 metres; node ``i`` is at ``(x[i], y[i])``.
    u, v : numpy.ndarray
        Integer node indices of each edge's start and end.
    length : numpy.ndarray
        Edge lengths in metres (finite, not negative).
    oneway : numpy.ndarray of bool, optional
        ``True`` where the edge may only be travelled from ``u`` to ``v``. By default every
        edge is two-way.
    mode : str
        Travel mode the graph is meant for (a key of :data:`MODE_SPEEDS_KMH`).
    source : str, default "edges"
        Description stored on the graph.

    Returns
    -------
    RoadGraph
        Self-loops are dropped; of parallel edges only the shortest is kept. Without edges
        (or with only self-loops) the graph has its nodes and no edges: every node is
        reachable only from itself.

    Raises
    ------
    UnknownOptionError
        When ``mode`` is not a known travel mode.
    InvalidNetworkError
        When the arrays do not describe edges between the nodes (lengths differ, a node index
        is out of range, a length is negative or not finite).
    """
    check_mode(mode)
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    u = np.asarray(u, dtype=np.int64)
    v = np.asarray(v, dtype=np.int64)
    length = np.asarray(length, dtype=np.float64)
    _check_edges(x.shape[0], u, v, length)
    two_way = np.ones(u.shape[0], dtype=bool) if oneway is None else ~np.asarray(oneway, dtype=bool)
    tail = np.concatenate([u, v[two_way]])
    head = np.concatenate([v, u[two_way]])
    dist = np.concatenate([length, length[two_way]])
    weights = _min_csr(x.shape[0], tail, head, dist)
    return RoadGraph(node_x=x, node_y=y, weights=weights, mode=mode, source=source)


def graph_from_road_edges(edges: RoadEdges, *, source: str = "OpenStreetMap") -> RoadGraph:
    """Build the routable graph of a stored or freshly read edge list (:mod:`loaders.roads`)."""
    return graph_from_edges(
        edges.x, edges.y, edges.u, edges.v, edges.length, oneway=edges.oneway,
        mode=edges.mode, source=source,
    )


def simplify_graph(
    graph: RoadGraph, *, keep: np.ndarray | None = None
) -> tuple[RoadGraph, np.ndarray]:
    """Contract chains of through nodes, keeping every distance between the remaining nodes.

    Like osmnx's simplification, but on the graph's arrays: a node that only lies along a road
    (exactly two neighbours, passed in both directions, or one way in from one neighbour and
    out to the other) is removed, and each chain of such nodes between two remaining nodes
    becomes one edge per direction of travel, as long as the chain. One-way chains stay
    one-way; dead ends, junctions, nodes where the direction changes and the nodes in
    ``keep`` remain. A closed ring of through nodes keeps one of its nodes.

    Parameters
    ----------
    graph : RoadGraph
        The graph to simplify.
    keep : numpy.ndarray of int, optional
        Node indices that must remain, e.g. the nodes that kernen and meeting places snap to:
        then every kern -> place distance over the simplified graph equals the one over
        ``graph``, and a point snaps to the same remaining node.

    Returns
    -------
    simplified : RoadGraph
        The contracted graph (same mode and source).
    original : numpy.ndarray of int64
        Per node of ``simplified``, its index in ``graph`` (increasing).
    """
    weights = graph.weights
    n = graph.n_nodes
    kept = np.zeros(n, dtype=bool)
    if keep is not None:
        kept[np.asarray(keep, dtype=np.int64)] = True
    through = _through_nodes(weights, graph.reversed_weights) & ~kept
    tail = np.repeat(np.arange(n), np.diff(weights.indptr))
    head = weights.indices.astype(np.int64)
    end, total, ring = _follow_chains(weights.indptr, tail, head, weights.data, through)
    if ring.size:
        # Each closed ring of through nodes is a component of its own: keep one node of each.
        _, component = connected_components(weights, directed=True, connection="weak")
        _, first = np.unique(component[ring], return_index=True)
        return simplify_graph(graph, keep=np.union1d(np.flatnonzero(kept), ring[first]))
    start = ~through[tail]
    original = np.flatnonzero(~through)
    index = np.cumsum(~through) - 1
    simplified = RoadGraph(
        node_x=graph.node_x[original], node_y=graph.node_y[original],
        weights=_min_csr(original.size, index[tail[start]], index[end[start]], total[start]),
        mode=graph.mode, source=graph.source,
    )
    return simplified, original


def _through_nodes(weights: sp.csr_array, reverse: sp.csr_array) -> np.ndarray:
    """Nodes that only lie along a road: two-way between two neighbours, or one-way through."""
    out_degree, in_degree = np.diff(weights.indptr), np.diff(reverse.indptr)
    n = out_degree.size
    # Pad so that the first two neighbours of every node can be read without bounds checks.
    out_nb = np.append(weights.indices, [-1, -1])
    in_nb = np.append(reverse.indices, [-1, -1])
    out_first = out_nb[weights.indptr[:n]]
    in_first = in_nb[reverse.indptr[:n]]
    two_way = (
        (out_degree == 2) & (in_degree == 2)  # noqa: PLR2004 - one road in, one road out
        & (out_first == in_first)
        & (out_nb[weights.indptr[:n] + 1] == in_nb[reverse.indptr[:n] + 1])
    )
    one_way = (out_degree == 1) & (in_degree == 1) & (out_first != in_first)
    return np.asarray(two_way | one_way, dtype=bool)


def _follow_chains(
    indptr: np.ndarray,
    tail: np.ndarray,
    head: np.ndarray,
    length: np.ndarray,
    through: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per edge, the first non-through node reached by following the road, and the length.

    Pointer jumping (list ranking): every edge into a through node points to the edge that
    leaves it on the other side, and each round halves the remaining chain. The third array
    holds the heads of edges caught in closed rings of through nodes (empty when none).
    """
    following = np.full(head.size, -1, dtype=np.int64)
    into = np.flatnonzero(through[head])
    first = indptr[head[into]].astype(np.int64)
    following[into] = np.where(head[first] != tail[into], first, first + 1)
    end, total = head.copy(), length.astype(np.float64, copy=True)
    active = into
    for _ in range(int(np.log2(max(head.size, 2))) + 2):
        if active.size == 0:
            break
        step = following[active]
        total[active] += total[step]
        end[active] = end[step]
        following[active] = following[step]
        active = active[following[active] >= 0]
    return end, total, head[active]


def _check_edges(n: int, u: np.ndarray, v: np.ndarray, length: np.ndarray) -> None:
    """Raise :class:`InvalidNetworkError` unless the arrays describe edges between ``n`` nodes."""
    if not (u.shape == v.shape == length.shape) or u.ndim != 1:
        raise InvalidNetworkError("u, v and length must be 1-d arrays of equal length")
    if u.size and (min(u.min(), v.min()) < 0 or max(u.max(), v.max()) >= n):
        raise InvalidNetworkError(f"an edge refers to a node outside 0..{n - 1}")
    if not np.all(np.isfinite(length)) or np.any(length < 0):
        raise InvalidNetworkError("edge lengths must be finite and not negative")


def _min_csr(n: int, tail: np.ndarray, head: np.ndarray, dist: np.ndarray) -> sp.csr_array:
    """CSR matrix of directed edges keeping the shortest of parallel edges, without self-loops.

    ``scipy.sparse`` would *sum* duplicate entries when converting COO to CSR, which would turn
    two parallel roads of 100 m into one of 200 m; here duplicates are reduced with ``min``.
    """
    keep = tail != head
    tail, head, dist = tail[keep], head[keep], dist[keep]
    key = tail * n + head
    order = np.argsort(key, kind="stable")
    key, dist = key[order], dist[order]
    starts = np.flatnonzero(np.r_[key.size > 0, key[1:] != key[:-1]])
    shortest = np.minimum.reduceat(dist, starts) if starts.size else dist[:0]
    key = key[starts]
    counts = np.bincount(key // n, minlength=n)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return _csr_int32(sp.csr_array((shortest, key % n, indptr), shape=(n, n)))


def _csr_int32(matrix: sp.csr_array) -> sp.csr_array:
    """Return ``matrix`` with sorted int32 index arrays and float64 data (what csgraph wants)."""
    matrix.sort_indices()
    return sp.csr_array(
        (
            matrix.data.astype(np.float64, copy=False),
            matrix.indices.astype(np.int32, copy=False),
            matrix.indptr.astype(np.int32, copy=False),
        ),
        shape=matrix.shape,
    )
