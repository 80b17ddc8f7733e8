"""The compiled search for the second-nearest facility, one catchment area at a time.

:func:`second_nearest` is the second step of :func:`analysis.nearest.nearest_facilities`. After
the first search every node ``v`` knows the distance ``D1(v)`` to its nearest facility and that
facility ``S1(v)``; the nodes with the same ``S1`` form a catchment area. The distance ``D2(v)``
to the nearest facility other than ``S1(v)`` is the shortest of these, over the paths that stay
inside ``v``'s area up to a node ``x``:

- ``d(v, x) + w(x, u) + D1(u)`` for an edge ``x -> u`` into another area (the first node of the
  best path that lies outside the area is such a ``u``, and its own nearest facility is at least
  as near as the facility the path leads to, and is not ``S1(v)``);
- ``d(v, x) + snap(g)`` for a facility ``g`` other than ``S1(v)`` snapped to ``x`` itself (two
  places at one spot, or a place whose node lies nearer to another place).

So ``D2`` is a shortest-path problem per area with these *starts*: a Dijkstra over the reversed
edges inside the area, seeded with every start, gives ``D2`` for all its nodes. Only areas that
hold an origin are searched, and a search stops as soon as every origin in its area is settled,
so each node is visited at most once and usually only the part of an area between its border and
its origins. Ties at equal distance go to the lower facility index. The loops run compiled
(numba); :mod:`analysis.nearest` imports this module only when a second place is asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import numpy as np
from numba import njit

if TYPE_CHECKING:
    from numba.core.dispatcher import Dispatcher

F = TypeVar("F", bound=Callable[..., Any])


def compiled(
    *, inline: Literal["never", "always"] = "never"
) -> Callable[[F], Dispatcher[F]]:
    """Compile with numba and cache the machine code where numba finds a writable folder.

    numba caches beside this module, or in the user's cache folder (or in ``NUMBA_CACHE_DIR``).
    On a read-only installation whose user has no writable home neither exists and numba's own
    ``cache=True`` refuses at import; then the function is compiled in each process instead.
    """

    def decorate(function: F) -> Dispatcher[F]:
        try:
            return njit(cache=True, inline=inline)(function)
        except RuntimeError:  # "cannot cache function ...: no locator available"
            return njit(inline=inline)(function)

    return decorate


@compiled(inline="always")
def _before(dist_a: float, label_a: int, dist_b: float, label_b: int) -> bool:
    """Whether ``(dist_a, label_a)`` comes first: shorter, or as short with a lower label."""
    return dist_a < dist_b or (dist_a == dist_b and label_a < label_b)


@compiled()
def _move(
    heap_dist: np.ndarray, heap_label: np.ndarray, heap_node: np.ndarray, to: int, source: int
) -> None:
    """Copy the heap entry at ``source`` to position ``to``."""
    heap_dist[to] = heap_dist[source]
    heap_label[to] = heap_label[source]
    heap_node[to] = heap_node[source]


@compiled()
def _sift_down(
    heap_dist: np.ndarray, heap_label: np.ndarray, heap_node: np.ndarray, top: int, size: int
) -> None:
    """Move the entry at ``top`` down the binary heap until both children come after it."""
    dist, label, node = heap_dist[top], heap_label[top], heap_node[top]
    j = top
    while True:
        child = 2 * j + 1
        if child >= size:
            break
        if child + 1 < size and _before(
            heap_dist[child + 1], heap_label[child + 1], heap_dist[child], heap_label[child]
        ):
            child += 1
        if not _before(heap_dist[child], heap_label[child], dist, label):
            break
        _move(heap_dist, heap_label, heap_node, j, child)
        j = child
    heap_dist[j], heap_label[j], heap_node[j] = dist, label, node


@compiled()
def _sift_up(
    heap_dist: np.ndarray, heap_label: np.ndarray, heap_node: np.ndarray, j: int
) -> None:
    """Move the entry at ``j`` up the binary heap until its parent comes before it."""
    dist, label, node = heap_dist[j], heap_label[j], heap_node[j]
    while j > 0:
        parent = (j - 1) >> 1
        if not _before(dist, label, heap_dist[parent], heap_label[parent]):
            break
        _move(heap_dist, heap_label, heap_node, j, parent)
        j = parent
    heap_dist[j], heap_label[j], heap_node[j] = dist, label, node


@compiled()
def _collect_starts(
    forward: tuple[np.ndarray, np.ndarray, np.ndarray],
    first: tuple[np.ndarray, np.ndarray],
    facilities: tuple[np.ndarray, np.ndarray, np.ndarray],
    wanted: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Area, node, value and facility of every start in a wanted area, in no order."""
    indptr, indices, data = forward
    dist1, label = first
    facility_node, facility_snap, facility_id = facilities
    room = indices.shape[0] + facility_node.shape[0]
    area = np.empty(room, np.int32)
    node = np.empty(room, np.int32)
    value = np.empty(room, np.float64)
    facility = np.empty(room, np.int32)
    count = 0
    for x in range(label.shape[0]):
        own = label[x]
        if own < 0 or not wanted[own]:
            continue
        for edge in range(indptr[x], indptr[x + 1]):
            u = indices[edge]
            if label[u] >= 0 and label[u] != own:
                area[count], node[count], facility[count] = own, x, label[u]
                value[count] = data[edge] + dist1[u]
                count += 1
    for j in range(facility_node.shape[0]):
        own = label[facility_node[j]]
        if own >= 0 and wanted[own] and own != facility_id[j]:
            area[count], node[count], facility[count] = own, facility_node[j], facility_id[j]
            value[count] = facility_snap[j]
            count += 1
    return area[:count], node[:count], value[:count], facility[:count]


@compiled()
def _by_area(area: np.ndarray, n_areas: int) -> tuple[np.ndarray, np.ndarray]:
    """Counting sort: the order that groups ``area`` and where each area's group begins."""
    first = np.zeros(n_areas + 1, np.int64)
    for a in area:
        first[a + 1] += 1
    for a in range(n_areas):
        first[a + 1] += first[a]
    fill = first[:-1].copy()
    order = np.empty(area.shape[0], np.int64)
    for k in range(area.shape[0]):
        order[fill[area[k]]] = k
        fill[area[k]] += 1
    return order, first


@compiled()
def _seed(
    starts: tuple[np.ndarray, np.ndarray, np.ndarray],
    work: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    heap: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> int:
    """Give every start node its best start and heap those; returns the heap's size."""
    start_node, start_value, start_facility = starts
    dist2, label2 = work[0], work[1]
    heap_dist, heap_label, heap_node = heap
    for k in range(start_node.shape[0]):
        x = start_node[k]
        if _before(start_value[k], start_facility[k], dist2[x], label2[x]):
            dist2[x], label2[x] = start_value[k], start_facility[k]
    size = 0
    for k in range(start_node.shape[0]):
        x = start_node[k]
        if start_value[k] == dist2[x] and start_facility[k] == label2[x]:
            heap_dist[size], heap_label[size], heap_node[size] = dist2[x], label2[x], x
            size += 1
    for top in range(size // 2 - 1, -1, -1):
        _sift_down(heap_dist, heap_label, heap_node, top, size)
    return size


@compiled()
def _search_area(
    area: int,
    starts: tuple[np.ndarray, np.ndarray, np.ndarray],
    network: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    work: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    heap: tuple[np.ndarray, np.ndarray, np.ndarray],
    limit: float,
) -> None:
    """Dijkstra inside one area from its starts, until every origin in it is settled.

    ``network`` is the reversed graph's ``(indptr, indices, data)`` and every node's area;
    ``work`` holds per node the best distance and facility so far, whether it is settled and
    whether it is an origin's node, and per area how many origin nodes are not settled yet.
    ``heap`` has room for every start and every edge into the
    area, the most it can hold.
    """
    indptr, indices, data, label = network
    dist2, label2, settled, is_origin, origins_left = work
    heap_dist, heap_label, heap_node = heap
    size = _seed(starts, work, heap)
    while size > 0 and origins_left[area] > 0:
        dist, facility, x = heap_dist[0], heap_label[0], heap_node[0]
        if dist > limit:
            break
        size -= 1
        _move(heap_dist, heap_label, heap_node, 0, size)
        _sift_down(heap_dist, heap_label, heap_node, 0, size)
        if settled[x]:
            continue
        settled[x] = True
        if is_origin[x]:
            origins_left[area] -= 1
        for edge in range(indptr[x], indptr[x + 1]):
            y = indices[edge]
            candidate = dist + data[edge]
            if label[y] == area and _before(candidate, facility, dist2[y], label2[y]):
                dist2[y], label2[y] = candidate, facility
                heap_dist[size], heap_label[size], heap_node[size] = candidate, facility, y
                _sift_up(heap_dist, heap_label, heap_node, size)
                size += 1


@compiled()
def _second_nearest(
    forward: tuple[np.ndarray, np.ndarray, np.ndarray],
    reverse: tuple[np.ndarray, np.ndarray, np.ndarray],
    first: tuple[np.ndarray, np.ndarray],
    facilities: tuple[np.ndarray, np.ndarray, np.ndarray],
    origins: np.ndarray,
    limit: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Compiled body of :func:`second_nearest`."""
    label = first[1]
    n_nodes = label.shape[0]
    n_areas = max(0, label.max() + 1) if n_nodes else 0
    is_origin = np.zeros(n_nodes, np.bool_)
    origins_left = np.zeros(n_areas, np.int64)
    for v in origins:
        if label[v] >= 0 and not is_origin[v]:
            is_origin[v] = True
            origins_left[label[v]] += 1
    area, node, value, facility = _collect_starts(forward, first, facilities, origins_left > 0)
    order, begin = _by_area(area, n_areas)
    node, value, facility = node[order], value[order], facility[order]
    work = (np.full(n_nodes, np.inf), np.full(n_nodes, -1, np.int32),
            np.zeros(n_nodes, np.bool_), is_origin, origins_left)
    room = node.shape[0] + reverse[1].shape[0]
    heap = (np.empty(room, np.float64), np.empty(room, np.int32), np.empty(room, np.int32))
    network = (reverse[0], reverse[1], reverse[2], label)
    for a in range(n_areas):
        if origins_left[a] > 0:
            part = (node[begin[a]:begin[a + 1]], value[begin[a]:begin[a + 1]],
                    facility[begin[a]:begin[a + 1]])
            _search_area(a, part, network, work, heap, limit)
    dist2, label2, settled = work[0], work[1], work[2]
    found = np.full(origins.shape[0], np.inf)
    found_label = np.full(origins.shape[0], -1, np.int64)
    for i in range(origins.shape[0]):
        if settled[origins[i]]:
            found[i], found_label[i] = dist2[origins[i]], label2[origins[i]]
    return found, found_label


def second_nearest(
    forward: tuple[np.ndarray, np.ndarray, np.ndarray],
    reverse: tuple[np.ndarray, np.ndarray, np.ndarray],
    first: tuple[np.ndarray, np.ndarray],
    facilities: tuple[np.ndarray, np.ndarray, np.ndarray],
    origins: np.ndarray,
    *,
    limit: float = np.inf,
) -> tuple[np.ndarray, np.ndarray]:
    """Distance to and index of the nearest facility other than the nearest, per origin node.

    Parameters
    ----------
    forward, reverse : tuple of numpy.ndarray
        ``(indptr, indices, data)`` of the graph's weights in the direction of travel and
        reversed (:attr:`analysis.network.RoadGraph.weights`, ``reversed_weights``).
    first : tuple of numpy.ndarray
        ``(dist1, label1)`` per graph node: the distance to its nearest facility (snap leg of the
        facility included) and that facility's index, ``-1`` where none was reached.
    facilities : tuple of numpy.ndarray
        ``(node, snap, index)`` of every routed facility: its snapped node, the length of its
        snap leg and its index in the facility input.
    origins : numpy.ndarray
        Graph nodes of the origins.
    limit : float, default inf
        Longer distances are not searched.

    Returns
    -------
    dist, label : numpy.ndarray
        Per origin (in the order of ``origins``): the network distance from its node to the
        nearest facility other than its nearest (that facility's snap leg included) and the
        facility's index; ``inf`` and -1 when there is none.
    """
    dist1, label1 = first
    node, snap, index = facilities
    dist, label = _second_nearest(
        _csr(forward),
        _csr(reverse),
        (np.asarray(dist1, dtype=np.float64), np.asarray(label1, dtype=np.int32)),
        (np.asarray(node, dtype=np.int32), np.asarray(snap, dtype=np.float64),
         np.asarray(index, dtype=np.int32)),
        np.asarray(origins, dtype=np.int64),
        float(limit),
    )
    return np.asarray(dist, dtype=np.float64), np.asarray(label, dtype=np.int64)


def warm_up() -> None:
    """Compile the search now, so that the first search of a page or a test need not wait.

    Compiling takes about 4 s, once per installation: numba caches the result beside this module.
    """
    edges = (np.array([0, 1, 2], np.int32), np.array([1, 0], np.int32), np.array([1.0, 1.0]))
    second_nearest(edges, edges, (np.zeros(2), np.zeros(2, np.int32)),
                   (np.array([0, 1], np.int32), np.zeros(2), np.array([0, 1], np.int32)),
                   np.array([0]))


def _csr(arrays: tuple[np.ndarray, np.ndarray, np.ndarray]) -> tuple[
    np.ndarray, np.ndarray, np.ndarray
]:
    """CSR arrays in the types the compiled code takes, copied only when they differ.

    Index arrays stay 32-bit when they are (scipy's choice for graphs of fewer than 2**31
    edges), so the usual case copies nothing.
    """
    indptr, indices, data = (np.asarray(array) for array in arrays)
    if indptr.dtype != np.int32 or indices.dtype != np.int32:
        indptr, indices = indptr.astype(np.int64), indices.astype(np.int64)
    return indptr, indices, np.asarray(data, dtype=np.float64)
