"""Per kern: the nearest meeting place, its distance and travel time, and summaries per gemeente.

Builds on :mod:`analysis.nearest`; takes the stored ``kernen`` and ``venues`` layers (EPSG:28992)
and returns plain frames that views and pages can show. Only venues whose ``ontmoetingsplek``
flag is true count.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.errors import MismatchedRowsError, ProjectionError
from analysis.nearest import (
    METHOD_STRAIGHT_LINE,
    detour_factor,
    lean_graph,
    nearest_facilities,
    snap_points,
    straight_line_estimate,
    travel_minutes,
)
from analysis.network import RoadGraph

OWN_PLACE_RADIUS_M = 750.0
"""A kern 'has its own meeting place' when one lies within this straight-line distance of its
point. Kernen are stored as points (CBS centroids, GeoNames/OSM place nodes), so the built-up
area is approximated by this radius; a project assumption, shown in the method notes."""

REACH_COLUMNS: tuple[str, ...] = (
    "kern_id",
    "naam",
    "gemeentecode",
    "buurtcode",
    "inwoners",
    "venue_id",
    "venue_naam",
    "venue_soort",
    "afstand_m",
    "minuten",
    "tweede_venue_id",
    "tweede_afstand_m",
    "methode",
    "snap_m",
    "eigen_plek",
    "reden",
)
"""Columns of :func:`kern_reach`: one row per kern."""


def meeting_places(venues: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The venues that count as a meeting place, index reset.

    A venue counts when ``ontmoetingsplek`` is true and it has a location: a row without
    geometry (e.g. an uploaded address that could not be placed) cannot be the nearest one.
    """
    counts = venues["ontmoetingsplek"].fillna(value=False).astype(bool)
    located = ~(venues.geometry.isna() | venues.geometry.is_empty)
    return venues[counts & located].reset_index(drop=True)


def kern_reach(
    kernen: gpd.GeoDataFrame,
    venues: gpd.GeoDataFrame,
    *,
    mode: str,
    graph: RoadGraph | None = None,
    max_snap: float = 1000.0,
    land: gpd.GeoSeries | None = None,
) -> pd.DataFrame:
    """Nearest and second-nearest meeting place of every kern.

    Parameters
    ----------
    kernen, venues
        The stored layers (points in EPSG:28992). Venues are filtered with
        :func:`meeting_places`.
    mode
        ``"walk"``, ``"bike"`` or ``"drive"``: picks the speed for ``minuten``.
    graph
        Road graph of that mode; without one the distance is a straight-line estimate times
        the mode's detour factor (:func:`analysis.nearest.detour_factor`), and ``methode``
        says so. The search runs on the graph simplified
        around the nodes the kernen and places snap to (:func:`analysis.nearest.lean_graph`):
        the same distances on far fewer nodes.
    max_snap
        Kernen and venues farther than this from the road network are not routed.
    land
        Pieces of land (:func:`land_pieces`): a straight-line estimate then only looks for
        places on the kern's own piece, so it never crosses the sea to another island.

    A place farther than ``max_snap`` from the network still counts for the kernen on the
    network, by its straight-line estimate (:func:`with_off_network_places`); a kern farther
    than ``max_snap`` gets no distance here and the estimate from :func:`fill_off_network`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`REACH_COLUMNS`; distances NaN (with a Dutch ``reden``) where none was found.

    Raises
    ------
    ProjectionError
        When ``kernen`` or ``venues`` is not in EPSG:28992.
    ValueError
        When no venue counts as a meeting place (from :mod:`analysis.nearest`).
    """
    _check_crs(kernen, "kernen")
    _check_crs(venues, "venues")
    places = meeting_places(venues)
    origins = points_xy(kernen)
    facilities = points_xy(places)
    lands: dict[str, np.ndarray] = {}
    if land is not None:
        lands = {"origin_land": land_of(kernen.geometry, land),
                 "facility_land": land_of(places.geometry, land)}
    factor = detour_factor(mode)
    if graph is None:
        found = straight_line_estimate(origins, facilities, detour_factor=factor, **lands)
    else:
        lean = lean_graph(graph, np.vstack([origins, facilities]), max_snap=max_snap)
        found = nearest_facilities(lean, origins, facilities, max_snap=max_snap)
        off = np.flatnonzero(snap_points(graph, facilities, max_snap=max_snap)[0] < 0)
        if off.size:
            estimate = straight_line_estimate(
                origins, facilities[off], detour_factor=factor,
                **({"origin_land": lands["origin_land"],
                    "facility_land": lands["facility_land"][off]} if lands else {}),
            )
            found = with_off_network_places(found, estimate, off, max_snap=max_snap)
    first, second = found["facility"].to_numpy(), found["second_facility"].to_numpy()
    return pd.DataFrame(
        {
            "kern_id": kernen["kern_id"].to_numpy(),
            "naam": kernen["naam"].to_numpy(),
            "gemeentecode": kernen["gemeentecode"].to_numpy(),
            "buurtcode": kernen["buurtcode"].to_numpy(),
            "inwoners": kernen["inwoners"].to_numpy(),
            "venue_id": _pick(places["venue_id"], first),
            "venue_naam": _pick(places["naam"], first),
            "venue_soort": _pick(places["soort"], first),
            "afstand_m": found["distance_m"].to_numpy(),
            "minuten": travel_minutes(found["distance_m"].to_numpy(), mode),
            "tweede_venue_id": _pick(places["venue_id"], second),
            "tweede_afstand_m": found["second_distance_m"].to_numpy(),
            "methode": found["method"].to_numpy(),
            "snap_m": found["origin_snap_m"].to_numpy(),
            "eigen_plek": own_place(kernen, places),
            "reden": found["reason"].where(found["reason"].ne("None")).to_numpy(),
        },
        columns=list(REACH_COLUMNS),
    )


OFF_NETWORK = "te ver van het wegennet"
"""Start of the reason :func:`kern_reach` gives a kern that lies outside the road network."""
OFF_NETWORK_NOTE = "buiten het opgeslagen wegennet: hemelsbrede schatting"
"""``reden`` of a kern outside the road network that got the straight-line estimate."""
PLACE_OFF_NETWORK_NOTE = ("dichtstbijzijnde ontmoetingsplek ligt buiten het opgeslagen wegennet: "
                          "hemelsbrede schatting")
"""``reden`` of a kern on the network whose nearest place lies off it (estimated distance)."""
SECOND_OFF_NETWORK_NOTE = ("op één na dichtstbijzijnde ontmoetingsplek ligt buiten het opgeslagen "
                           "wegennet: die afstand is een hemelsbrede schatting")
"""``reden`` of a kern whose nearest place is routed and whose second one is estimated."""


def with_off_network_places(
    network: pd.DataFrame, estimate: pd.DataFrame, off: np.ndarray, *, max_snap: float
) -> pd.DataFrame:
    """Let places beyond the snap limit count for the kernen on the network, by estimate.

    Parameters
    ----------
    network
        :func:`analysis.nearest.nearest_facilities` of all places (off-network places are
        not routed there).
    estimate
        :func:`analysis.nearest.straight_line_estimate` of the same origins to the places
        ``off`` only (facility positions relative to ``off``).
    off
        Positions of the places farther than ``max_snap`` from the network.
    max_snap
        The snap limit the network search used: kernen beyond it keep their row (they get
        the estimate to every place from :func:`fill_off_network`).

    Returns
    -------
    pandas.DataFrame
        ``network`` where, for kernen on the network, the nearest two of the routed places
        and the estimated off-network places are taken. A kern whose nearest place is an
        estimate gets ``method`` :data:`analysis.nearest.METHOD_STRAIGHT_LINE`, no snap
        distances and ``reason`` :data:`PLACE_OFF_NETWORK_NOTE`; one whose second place is an
        estimate keeps its method and gets :data:`SECOND_OFF_NETWORK_NOTE`.
    """
    on_graph = network["origin_snap_m"].le(max_snap).to_numpy()

    def column(frame: pd.DataFrame, name: str) -> np.ndarray:
        return np.asarray(frame[name].fillna(np.inf).to_numpy(dtype=np.float64))

    def places(frame: pd.DataFrame, name: str, mapping: np.ndarray | None) -> np.ndarray:
        index = frame[name].to_numpy(dtype=np.int64)
        return index if mapping is None else np.where(index >= 0, mapping[index], -1)

    dist = np.column_stack([column(network, "distance_m"), column(network, "second_distance_m"),
                            column(estimate, "distance_m"), column(estimate, "second_distance_m")])
    place = np.column_stack([places(network, "facility", None),
                             places(network, "second_facility", None),
                             places(estimate, "facility", off),
                             places(estimate, "second_facility", off)])
    dist[place < 0] = np.inf
    order = np.argsort(dist, axis=1, kind="stable")
    rows = np.arange(len(network))[:, None]
    network_columns = 2  # the first and second place of the network come first
    dist, place, estimated = dist[rows, order], place[rows, order], order >= network_columns
    result = network.copy()
    merge = on_graph & np.isfinite(dist[:, 0])
    first_estimated = merge & estimated[:, 0]
    second_estimated = merge & ~estimated[:, 0] & estimated[:, 1] & np.isfinite(dist[:, 1])
    result.loc[merge, "facility"] = place[merge, 0]
    result.loc[merge, "distance_m"] = dist[merge, 0]
    result.loc[merge, "second_facility"] = np.where(np.isfinite(dist[merge, 1]),
                                                    place[merge, 1], -1)
    result.loc[merge, "second_distance_m"] = np.where(np.isfinite(dist[merge, 1]),
                                                      dist[merge, 1], np.nan)
    result.loc[first_estimated, ["origin_snap_m", "facility_snap_m"]] = np.nan
    result.loc[first_estimated, "method"] = METHOD_STRAIGHT_LINE
    result.loc[first_estimated, "reason"] = PLACE_OFF_NETWORK_NOTE
    result.loc[second_estimated, "reason"] = SECOND_OFF_NETWORK_NOTE
    return result


def fill_off_network(network: pd.DataFrame, estimate: pd.DataFrame) -> pd.DataFrame:
    """Kernen outside a (partial) road network take the straight-line estimate instead.

    A network that covers only part of the country must never leave a kern without a
    distance: its rows that :func:`kern_reach` could not route because the kern lies too far
    from the network are replaced by the same kern's row of the estimate, whose ``methode``
    says it is a straight-line estimate; ``reden`` says why.

    Parameters
    ----------
    network, estimate
        :func:`kern_reach` of the same kernen with and without a graph (same row order).

    Returns
    -------
    pandas.DataFrame
        ``network`` with the estimate's rows where the kern lies off the network.

    Raises
    ------
    MismatchedRowsError
        When ``estimate`` does not hold the kernen of ``network`` in the same order.
    """
    if len(network) != len(estimate) or not (
        network["kern_id"].to_numpy() == estimate["kern_id"].to_numpy()
    ).all():
        raise MismatchedRowsError("estimate", rows=len(estimate), expected=len(network))
    off = (network["afstand_m"].isna()
           & network["reden"].fillna("").str.startswith(OFF_NETWORK)).to_numpy()
    if not off.any():
        return network
    result = network.copy()
    result.loc[off, :] = estimate.loc[off, :].to_numpy()
    estimated = off & estimate["afstand_m"].notna().to_numpy()
    result.loc[estimated, "reden"] = OFF_NETWORK_NOTE
    return result.astype(network.dtypes.to_dict())


LAND_SNAP_M = 250.0
"""A point just off the coast of generalised polygons belongs to the land within this many
metres."""


def land_pieces(areas: gpd.GeoDataFrame, *, min_area_m2: float = 1e5) -> gpd.GeoSeries:
    """The separate pieces of land (mainland, each island) of the union of ``areas``.

    Gemeente polygons are joined; every part of the union that touches no other is a piece.
    Slivers smaller than ``min_area_m2`` are left out.
    """
    union = areas.geometry.union_all()
    parts = gpd.GeoSeries([union], crs=areas.crs).explode(index_parts=False)
    parts = parts[parts.area >= min_area_m2]
    return parts.reset_index(drop=True)


def land_of(points: gpd.GeoSeries, land: gpd.GeoSeries) -> np.ndarray:
    """Per point, the position in ``land`` of the piece it lies on, ``-1`` where none.

    A point off every piece takes the nearest piece within :data:`LAND_SNAP_M`.
    """
    frame = gpd.GeoDataFrame(geometry=points.representative_point().reset_index(drop=True),
                             crs=land.crs)
    pieces = gpd.GeoDataFrame(geometry=land.reset_index(drop=True), crs=land.crs)
    near = gpd.sjoin_nearest(frame, pieces, how="left", max_distance=LAND_SNAP_M)
    near = near[~near.index.duplicated(keep="first")]
    picked = near["index_right"].fillna(-1).astype(np.int64).reindex(frame.index)
    return np.asarray(picked.to_numpy())


def own_place(
    kernen: gpd.GeoDataFrame, places: gpd.GeoDataFrame, *, radius: float = OWN_PLACE_RADIUS_M
) -> np.ndarray:
    """Whether a meeting place lies within ``radius`` metres of each kern (boolean array)."""
    if len(places) == 0 or len(kernen) == 0:
        return np.zeros(len(kernen), dtype=bool)
    near = gpd.sjoin_nearest(
        kernen[["geometry"]].reset_index(drop=True), places[["geometry"]],
        max_distance=radius, how="left",
    )
    hit = near["index_right"].notna().groupby(level=0).any()
    return np.asarray(hit.reindex(range(len(kernen)), fill_value=False).to_numpy(dtype=bool))


def reach_summary(
    reach: pd.DataFrame, thresholds_m: Sequence[float], *, by: str = "gemeentecode"
) -> pd.DataFrame:
    """Per gemeente: kernen and inwoners within each distance threshold.

    Returns one row per group with ``kernen``, ``inwoners`` (where known), and per threshold
    ``kernen_binnen_{t}`` / ``inwoners_binnen_{t}`` and the share of kernen within, plus
    ``kernen_zonder_eigen_plek``. Kernen without a distance count as not within.
    """
    if reach.empty:
        return pd.DataFrame()
    inwoners = pd.to_numeric(reach["inwoners"], errors="coerce").astype(float)
    keys = reach[by]

    def per_group(values: pd.Series) -> pd.core.groupby.SeriesGroupBy:
        return values.groupby(keys, dropna=False, sort=True)

    summary = pd.DataFrame({
        "kernen": per_group(inwoners).size(),
        "inwoners": per_group(inwoners).sum(min_count=1),
        "kernen_zonder_eigen_plek": per_group(~reach["eigen_plek"].astype(bool)).sum(),
    })
    for threshold in thresholds_m:
        within = reach["afstand_m"].le(threshold)
        label = f"{threshold:g}"
        summary[f"kernen_binnen_{label}"] = per_group(within).sum()
        summary[f"aandeel_kernen_binnen_{label}"] = per_group(within.astype(float)).mean()
        summary[f"inwoners_binnen_{label}"] = per_group(inwoners.where(within)).sum(min_count=1)
    return summary.rename_axis(by).reset_index()


def kernen_without(reach: pd.DataFrame, threshold_m: float) -> pd.DataFrame:
    """The kernen with no meeting place within ``threshold_m`` (unreachable ones included)."""
    outside = ~reach["afstand_m"].le(threshold_m)
    return reach[outside].sort_values("afstand_m", ascending=False, na_position="first")


def _check_crs(frame: gpd.GeoDataFrame, what: Literal["kernen", "venues"]) -> None:
    """Refuse frames that are not in EPSG:28992: distances would silently come out in degrees."""
    if frame.crs is not None and frame.crs.to_epsg() != 28992:  # noqa: PLR2004 - RD New
        raise ProjectionError(what, frame.crs.to_string())


def points_xy(frame: gpd.GeoDataFrame) -> np.ndarray:
    """``(n, 2)`` EPSG:28992 coordinates of each row's representative point."""
    points = frame.geometry.representative_point()
    return np.column_stack([points.x.to_numpy(), points.y.to_numpy()])


def _pick(values: pd.Series, index: np.ndarray) -> np.ndarray:
    """``values[index]`` with None where ``index`` is -1."""
    array = values.to_numpy(dtype=object)
    picked = array[np.maximum(index, 0)] if len(array) else np.full(len(index), None, object)
    return np.where(index >= 0, picked, np.array(None, dtype=object))
