"""What-if scenarios on a computed reach: closing meeting places or opening a new one.

Both scenarios start from a frame made by :func:`analysis.reach.kern_reach` and touch only the
kernen the change can affect, so they answer in milliseconds where a full recomputation would
search the whole network again. Their answers equal that recomputation (checked in the tests).

Closing (:func:`close_venues`): a kern whose nearest place stays open keeps it; a kern whose
nearest closes but whose second-nearest stays open moves to the second-nearest, which is by
definition the nearest of all the others; only kernen that lose both are searched again, with a
bounded forward search from their own road nodes (or a KD-tree query in straight-line mode).

Opening (:func:`open_venue`): one search from the new site over the reversed graph, bounded by the
largest current distance, gives every kern's distance to the site; a kern gains where that is
shorter than its current distance.
"""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from analysis.errors import InvalidSiteError, MismatchedRowsError, UnknownVenueError
from analysis.nearest import TIE_TOLERANCE_M, detour_factor, snap_points, travel_minutes
from analysis.network import RoadGraph
from analysis.reach import meeting_places, points_xy

SCENARIO_COLUMNS: tuple[str, ...] = (
    "kern_id",
    "naam",
    "gemeentecode",
    "inwoners",
    "oude_venue_id",
    "oude_venue_naam",
    "oude_afstand_m",
    "nieuwe_venue_id",
    "nieuwe_venue_naam",
    "nieuwe_afstand_m",
    "verschil_m",
    "verschil_minuten",
    "binnen_voor",
    "binnen_na",
)
"""Columns of a scenario frame: one row per affected kern. ``verschil_m`` is new minus old
distance (positive: farther), NaN where either is missing; ``binnen_voor``/``binnen_na`` say
whether the kern had/has a meeting place within the threshold. Columns of
:data:`CARRIED_COLUMNS` present in the reach frame are appended."""

CARRIED_COLUMNS: tuple[str, ...] = ("inwoners_65plus", "eenzamen_schatting")
"""Optional per-kern counts copied from the reach frame into scenario frames and summed by
:func:`summarise_scenario` when present."""

SEARCH_CELLS = 2**25
"""Largest number of distances (rows x nodes) one batched Dijkstra call may return (256 MB)."""


def close_venues(
    reach: pd.DataFrame,
    closed_venue_ids: Iterable[str],
    *,
    kernen: gpd.GeoDataFrame,
    venues: gpd.GeoDataFrame,
    mode: str,
    graph: RoadGraph | None = None,
    threshold_m: float = np.inf,
    max_snap: float = 1000.0,
) -> pd.DataFrame:
    """Kernen whose nearest meeting place closes, with their new nearest one.

    Parameters
    ----------
    reach
        Result of :func:`analysis.reach.kern_reach` for ``kernen`` and ``venues`` (same rows,
        same order), with the same ``graph`` and ``max_snap``.
    closed_venue_ids
        ``venue_id`` values of meeting places that close.
    kernen, venues
        The layers ``reach`` was computed from.
    mode
        ``"walk"``, ``"bike"`` or ``"drive"`` (for minutes).
    graph
        The road graph used for ``reach``; ``None`` for the straight-line estimate.
    threshold_m
        Distance that counts as 'within reach' for ``binnen_voor``/``binnen_na``; by default
        only losing every reachable place counts as losing coverage.
    max_snap
        As in :func:`analysis.reach.kern_reach`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SCENARIO_COLUMNS` (plus carried columns), one row per kern whose nearest
        place closes; new venue None and distance NaN where no open place is reachable.

    Raises
    ------
    UnknownVenueError
        When an id is not a meeting place in ``venues``.
    MismatchedRowsError
        When ``reach`` does not hold the kernen of ``kernen`` in the same order.
    """
    _check_rows(reach, kernen)
    places = meeting_places(venues)
    place_ids = places["venue_id"].to_numpy(dtype=object)
    closed = _closed_mask(place_ids, closed_venue_ids)
    closed_ids = place_ids[closed]
    affected = reach["venue_id"].isin(closed_ids).to_numpy()
    has_second = reach["tweede_venue_id"].notna().to_numpy()
    second_open = has_second & ~reach["tweede_venue_id"].isin(closed_ids).to_numpy()
    new_id = np.where(second_open, reach["tweede_venue_id"].to_numpy(dtype=object),
                      np.array(None, dtype=object))
    new_dist = np.where(second_open, reach["tweede_afstand_m"].to_numpy(dtype=np.float64), np.nan)
    search = affected & has_second & ~second_open
    if search.any():
        origins = points_xy(kernen)[search]
        index, dist = _nearest_open(graph, origins, points_xy(places), ~closed, max_snap,
                                    detour_factor(mode))
        new_id[search] = np.where(index >= 0, place_ids[np.maximum(index, 0)],
                                  np.array(None, dtype=object))
        new_dist[search] = dist
    names = dict(zip(place_ids, places["naam"].to_numpy(dtype=object), strict=True))
    new_name = np.array([names.get(i) for i in new_id], dtype=object)
    return _scenario_frame(
        reach[affected], new_id[affected], new_name[affected], new_dist[affected],
        mode=mode, threshold_m=threshold_m,
    )


def open_venue(
    reach: pd.DataFrame,
    point_xy: tuple[float, float],
    *,
    kernen: gpd.GeoDataFrame,
    mode: str,
    name: str,
    venue_id: str = "nieuw",
    graph: RoadGraph | None = None,
    threshold_m: float = np.inf,
    max_snap: float = 1000.0,
) -> pd.DataFrame:
    """Kernen for which a new meeting place at ``point_xy`` would be the nearest.

    Parameters
    ----------
    reach
        Result of :func:`analysis.reach.kern_reach` for ``kernen`` (same rows, same order).
    point_xy
        Location of the new place in EPSG:28992.
    kernen
        The layer ``reach`` was computed from.
    mode
        ``"walk"``, ``"bike"`` or ``"drive"`` (for minutes).
    name, venue_id
        Name and id shown for the new place.
    graph
        The road graph used for ``reach``; ``None`` for the straight-line estimate.
    threshold_m
        Distance that counts as 'within reach' for ``binnen_voor``/``binnen_na``.
    max_snap
        As in :func:`analysis.reach.kern_reach`; a site farther from the network gains nobody.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SCENARIO_COLUMNS` (plus carried columns), one row per kern that gains
        (the new place is shorter by more than the tie tolerance: on a tie the existing place
        stays nearest, as in a recomputation that lists the new place last).

    Raises
    ------
    MismatchedRowsError
        When ``reach`` does not hold the kernen of ``kernen`` in the same order.
    InvalidSiteError
        When the point is not finite.
    """
    _check_rows(reach, kernen)
    site = np.asarray(point_xy, dtype=np.float64).reshape(1, 2)
    if not np.all(np.isfinite(site)):
        raise InvalidSiteError(float(site[0, 0]), float(site[0, 1]))
    origins = points_xy(kernen)
    old = reach["afstand_m"].to_numpy(dtype=np.float64)
    if graph is None:
        to_site = np.hypot(*(origins - site).T) * detour_factor(mode)
    else:
        to_site = _distance_to_site(graph, origins, site, old, max_snap)
    gains = to_site < np.where(np.isnan(old), np.inf, old) - TIE_TOLERANCE_M
    count = int(gains.sum())
    return _scenario_frame(
        reach[gains], np.full(count, venue_id, dtype=object), np.full(count, name, dtype=object),
        to_site[gains], mode=mode, threshold_m=threshold_m,
    )


def summarise_scenario(scenario: pd.DataFrame) -> pd.Series:
    """Totals of a scenario frame for a headline.

    Parameters
    ----------
    scenario
        A frame from :func:`close_venues` or :func:`open_venue`.

    Returns
    -------
    pandas.Series
        ``kernen`` (affected), ``kernen_dekking_verloren`` / ``kernen_dekking_gewonnen`` (left
        or entered the threshold), and for ``inwoners`` and each carried column present the
        affected total and the ``_dekking_verloren`` / ``_dekking_gewonnen`` totals (NaN when
        every value is unknown).
    """
    before = scenario["binnen_voor"].astype(bool)
    after = scenario["binnen_na"].astype(bool)
    lost, gained = before & ~after, ~before & after
    totals: dict[str, float] = {
        "kernen": len(scenario),
        "kernen_dekking_verloren": int(lost.sum()),
        "kernen_dekking_gewonnen": int(gained.sum()),
    }
    for column in ("inwoners", *CARRIED_COLUMNS):
        if column not in scenario:
            continue
        values = pd.to_numeric(scenario[column], errors="coerce")
        totals[column] = float(values.sum(min_count=1))
        totals[f"{column}_dekking_verloren"] = float(values[lost].sum(min_count=1))
        totals[f"{column}_dekking_gewonnen"] = float(values[gained].sum(min_count=1))
    return pd.Series(totals)


def _check_rows(reach: pd.DataFrame, kernen: gpd.GeoDataFrame) -> None:
    """Raise :class:`MismatchedRowsError` unless ``reach`` has the kernen's ids in order."""
    same = len(reach) == len(kernen) and np.array_equal(
        reach["kern_id"].to_numpy(dtype=object), kernen["kern_id"].to_numpy(dtype=object)
    )
    if not same:
        raise MismatchedRowsError("reach", rows=len(reach), expected=len(kernen))


def _closed_mask(place_ids: np.ndarray, closed_venue_ids: Iterable[str]) -> np.ndarray:
    """Boolean mask over the meeting places that close; unknown ids raise UnknownVenueError."""
    wanted = set(closed_venue_ids)
    unknown = wanted - set(place_ids.tolist())
    if unknown:
        raise UnknownVenueError(map(str, unknown))
    return np.array([i in wanted for i in place_ids], dtype=bool)


def _nearest_open(
    graph: RoadGraph | None,
    origins: np.ndarray,
    facilities: np.ndarray,
    is_open: np.ndarray,
    max_snap: float,
    factor: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Index (-1: none) and distance (NaN: none) of each origin's nearest open facility.

    Without a graph the distance is the straight-line distance times ``factor``.
    """
    open_index = np.flatnonzero(is_open)
    if open_index.size == 0:
        return np.full(len(origins), -1), np.full(len(origins), np.nan)
    if graph is None:
        distance, slot = cKDTree(facilities[open_index]).query(origins, k=1)
        return open_index[slot], distance * factor
    origin_node, origin_snap = snap_points(graph, origins, max_snap=max_snap)
    facility_node, facility_snap = snap_points(graph, facilities, max_snap=max_snap)
    open_index = open_index[facility_node[open_index] >= 0]
    index = np.full(len(origins), -1)
    distance = np.full(len(origins), np.nan)
    routed = origin_node >= 0
    if open_index.size and routed.any():
        targets = (facility_node[open_index], facility_snap[open_index])
        slot, network = _forward_nearest(graph, origin_node[routed], targets)
        found = slot >= 0
        index[np.flatnonzero(routed)[found]] = open_index[slot[found]]
        distance[np.flatnonzero(routed)[found]] = network[found] + origin_snap[routed][found]
    return index, distance


def _forward_nearest(
    graph: RoadGraph, origin_node: np.ndarray, targets: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest target (position, -1: none) and distance from each origin node over the graph.

    ``targets`` holds each target's node and its snap leg, which is added to the distance. The
    first round is bounded by a guess; origins whose best target lies beyond it are searched
    again without bound.
    """
    nodes, inverse = np.unique(origin_node, return_inverse=True)
    slot = np.full(nodes.size, -1)
    best = np.full(nodes.size, np.inf)
    todo = np.arange(nodes.size)
    for limit in (_first_limit(graph, nodes, targets[0]), np.inf):
        if todo.size == 0:
            break
        found_slot, found_dist = _search_rows(graph, nodes[todo], targets, limit)
        done = found_dist <= limit
        slot[todo[done]], best[todo[done]] = found_slot[done], found_dist[done]
        todo = todo[~done]
    return slot[inverse], best[inverse]


def _first_limit(graph: RoadGraph, nodes: np.ndarray, target_nodes: np.ndarray) -> float:
    """A first search radius: three times the largest straight-line gap to the nearest target."""
    gaps, _ = cKDTree(
        np.column_stack([graph.node_x[target_nodes], graph.node_y[target_nodes]])
    ).query(np.column_stack([graph.node_x[nodes], graph.node_y[nodes]]), k=1)
    return float(3.0 * np.max(gaps) + 1.0)


def _search_rows(
    graph: RoadGraph, nodes: np.ndarray, targets: tuple[np.ndarray, np.ndarray], limit: float
) -> tuple[np.ndarray, np.ndarray]:
    """Bounded forward Dijkstra from ``nodes`` in batches; nearest target per node.

    Among targets within :data:`TIE_TOLERANCE_M` of the best the lowest position wins, the tie
    rule of :mod:`analysis.nearest`.
    """
    target_node, target_snap = targets
    batch = max(1, SEARCH_CELLS // max(graph.n_nodes, 1))
    slots, dists = [], []
    for start in range(0, nodes.size, batch):
        rows = dijkstra(graph.weights, indices=nodes[start:start + batch], limit=limit)
        total = rows[:, target_node] + target_snap
        best = total.min(axis=1)
        tied = total <= best[:, None] + TIE_TOLERANCE_M
        slot = np.where(np.isfinite(best), tied.argmax(axis=1), -1)
        slots.append(slot)
        dists.append(np.where(slot >= 0, total[np.arange(slot.size), np.maximum(slot, 0)], np.inf))
    return np.concatenate(slots), np.concatenate(dists)


def _distance_to_site(
    graph: RoadGraph, origins: np.ndarray, site: np.ndarray, old: np.ndarray, max_snap: float
) -> np.ndarray:
    """Distance from every origin to the site over the network (inf where unreachable).

    The search runs from the site over the reversed graph and stops at the largest current
    distance, unless some routable origin has no distance yet.
    """
    origin_node, origin_snap = snap_points(graph, origins, max_snap=max_snap)
    site_node, site_snap = snap_points(graph, site, max_snap=max_snap)
    result = np.full(len(origins), np.inf)
    routed = origin_node >= 0
    if site_node[0] < 0 or not routed.any():
        return result
    current = old[routed]
    limit = np.inf if np.isnan(current).any() else float(current.max())
    network = dijkstra(graph.reversed_weights, indices=int(site_node[0]), limit=limit)
    result[routed] = origin_snap[routed] + (site_snap[0] + network[origin_node[routed]])
    return result


def _scenario_frame(
    rows: pd.DataFrame,
    new_id: np.ndarray,
    new_name: np.ndarray,
    new_dist: np.ndarray,
    *,
    mode: str,
    threshold_m: float,
) -> pd.DataFrame:
    """Assemble :data:`SCENARIO_COLUMNS` for the affected rows of a reach frame."""
    old = rows["afstand_m"].to_numpy(dtype=np.float64)
    new = np.where(np.isfinite(new_dist), new_dist, np.nan)
    difference = new - old
    frame = pd.DataFrame(
        {
            "kern_id": rows["kern_id"].to_numpy(),
            "naam": rows["naam"].to_numpy(),
            "gemeentecode": rows["gemeentecode"].to_numpy(),
            "inwoners": rows["inwoners"].to_numpy(),
            "oude_venue_id": rows["venue_id"].to_numpy(),
            "oude_venue_naam": rows["venue_naam"].to_numpy(),
            "oude_afstand_m": old,
            "nieuwe_venue_id": new_id,
            "nieuwe_venue_naam": new_name,
            "nieuwe_afstand_m": new,
            "verschil_m": difference,
            "verschil_minuten": travel_minutes(difference, mode),
            "binnen_voor": old <= threshold_m,
            "binnen_na": new <= threshold_m,
        },
        columns=list(SCENARIO_COLUMNS),
    )
    for column in CARRIED_COLUMNS:
        if column in rows:
            frame[column] = rows[column].to_numpy()
    return frame
