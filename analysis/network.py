"""A compact routable road graph per travel mode, built once and stored as ``.npz``.

The graph is a directed sparse matrix of edge lengths in metres between nodes with coordinates in
EPSG:28992. It is built either from an OSM file (:func:`graph_from_osm_file`, the only function in
``analysis`` that reads a file besides :meth:`RoadGraph.from_npz`) or from plain edge arrays
(:func:`graph_from_edges`, for hand-built graphs, benchmarks and conversions from other tools).

Disconnected parts of the network are kept: a node in a separate component is simply unreachable
from the rest, so a village on an island never gets a mainland venue by accident.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from os import PathLike
from pathlib import Path

import numpy as np
import osmium
import scipy.sparse as sp
from pyproj import Transformer
from scipy.spatial import cKDTree

from loaders.errors import SourceFormatError

MODE_SPEEDS_KMH: dict[str, float] = {"walk": 4.5, "bike": 15.0, "drive": 50.0}
"""Average travel speed per mode in km/h, used to turn metres into minutes.

These are project assumptions, not measured values: 4.5 km/h is a common planning figure for an
adult walking pace (older walkers are slower), 15 km/h an everyday (non-electric) cycling pace, and
50 km/h the Dutch speed limit inside built-up areas, taken as a door-to-door average for short
rural car trips that mix 30/60/80 km/h roads with junctions. Change them here and nowhere else.
"""

ROUTABLE_HIGHWAYS: dict[str, frozenset[str]] = {
    "walk": frozenset(
        {
            "primary", "primary_link", "secondary", "secondary_link", "tertiary",
            "tertiary_link", "unclassified", "residential", "living_street", "service", "road",
            "track", "pedestrian", "footway", "path", "cycleway", "bridleway", "steps",
        }
    ),
    "bike": frozenset(
        {
            "primary", "primary_link", "secondary", "secondary_link", "tertiary",
            "tertiary_link", "unclassified", "residential", "living_street", "service", "road",
            "track", "path", "cycleway",
        }
    ),
    "drive": frozenset(
        {
            "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link",
            "secondary", "secondary_link", "tertiary", "tertiary_link", "unclassified",
            "residential", "living_street", "service", "road",
        }
    ),
}
"""OSM ``highway`` values each mode may use unless an access tag says otherwise.

Project choices: walkers stay off motorways and trunk roads (Dutch *autowegen*) but may use cycle
paths, which Dutch traffic law lets pedestrians use where there is no footway; cyclists stay off
motorways, trunk roads, footways, pedestrian streets, steps and bridleways; cars stay off
footways, paths, cycleways, steps, pedestrian streets, bridleways and tracks (most Dutch tracks
are agricultural roads closed to through traffic). A mode-specific tag overrides this list:
``foot=yes`` opens a trunk road to walkers, ``bicycle=designated`` opens a footway to cyclists,
``motor_vehicle=no`` closes a road to cars. ``access=no``/``private`` closes a way to every mode
without such an override. Ways tagged ``area=yes`` are never routed along their outline.
"""

_MODE_ACCESS_KEYS: dict[str, tuple[str, ...]] = {
    "walk": ("foot",),
    "bike": ("bicycle",),
    "drive": ("motorcar", "motor_vehicle"),
}
_ACCESS_OPEN = frozenset({"yes", "designated", "permissive", "destination", "customers"})
_ACCESS_CLOSED = frozenset(
    {"no", "private", "agricultural", "forestry", "delivery", "use_sidepath", "dismount"}
)
_ONEWAY_FORWARD = frozenset({"yes", "true", "1"})
_ONEWAY_BACKWARD = frozenset({"-1", "reverse"})
_CONTRAFLOW_CYCLEWAY = frozenset({"opposite", "opposite_lane", "opposite_track"})
_RD_NEW = "EPSG:28992"


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
    """

    node_x: np.ndarray
    node_y: np.ndarray
    weights: sp.csr_array
    mode: str
    source: str

    def __post_init__(self) -> None:
        check_mode(self.mode)
        n = self.node_x.shape[0]
        if self.node_x.shape != (n,) or self.node_y.shape != (n,):
            raise ValueError("node_x en node_y moeten even lange 1-d arrays zijn")
        if not sp.issparse(self.weights) or self.weights.format != "csr":
            raise ValueError("weights moet een scipy.sparse CSR-matrix zijn")
        if self.weights.shape != (n, n):
            raise ValueError(f"weights heeft vorm {self.weights.shape}, verwacht ({n}, {n})")

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

    def to_npz(self, path: str | PathLike[str]) -> None:
        """Write the graph to a compressed ``.npz`` file (CSR arrays plus coordinates).

        Parameters
        ----------
        path : str or os.PathLike
            Target file; numpy adds ``.npz`` when the name lacks it.
        """
        np.savez_compressed(
            path,
            node_x=self.node_x,
            node_y=self.node_y,
            indptr=self.weights.indptr,
            indices=self.weights.indices,
            data=self.weights.data,
            mode=np.array(self.mode),
            source=np.array(self.source),
        )

    @classmethod
    def from_npz(cls, path: str | PathLike[str]) -> RoadGraph:
        """Read a graph written by :meth:`to_npz`.

        Parameters
        ----------
        path : str or os.PathLike
            The ``.npz`` file.

        Returns
        -------
        RoadGraph
        """
        with np.load(path, allow_pickle=False) as stored:
            n = stored["node_x"].shape[0]
            weights = sp.csr_array(
                (stored["data"], stored["indices"], stored["indptr"]), shape=(n, n)
            )
            return cls(
                node_x=stored["node_x"],
                node_y=stored["node_y"],
                weights=_csr_int32(weights),
                mode=str(stored["mode"]),
                source=str(stored["source"]),
            )


def check_mode(mode: str) -> None:
    """Raise ``ValueError`` with a Dutch message when ``mode`` is not a known travel mode.

    Parameters
    ----------
    mode : str
        The travel mode to check.
    """
    if mode not in MODE_SPEEDS_KMH:
        known = ", ".join(MODE_SPEEDS_KMH)
        raise ValueError(f"onbekende vervoerswijze {mode!r}; kies uit {known}")


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
        Self-loops are dropped; of parallel edges only the shortest is kept.
    """
    check_mode(mode)
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    u = np.asarray(u, dtype=np.int64)
    v = np.asarray(v, dtype=np.int64)
    length = np.asarray(length, dtype=np.float64)
    _check_edges(x.shape[0], u, v, length)
    if oneway is None:
        two_way = np.ones(u.shape[0], dtype=bool)
    else:
        two_way = ~np.asarray(oneway, dtype=bool)
    tail = np.concatenate([u, v[two_way]])
    head = np.concatenate([v, u[two_way]])
    dist = np.concatenate([length, length[two_way]])
    weights = _min_csr(x.shape[0], tail, head, dist)
    return RoadGraph(node_x=x, node_y=y, weights=weights, mode=mode, source=source)


def graph_from_osm_file(path: str | PathLike[str], mode: str) -> RoadGraph:
    """Read an OSM file (``.osm.pbf`` or ``.osm`` XML) into a routable graph for one mode.

    Only ways with a ``highway`` tag that ``mode`` may use (see :data:`ROUTABLE_HIGHWAYS`) are
    kept, and only the nodes on those ways. Coordinates are projected to EPSG:28992 and each edge
    is as long as its projected straight segment between two consecutive way nodes. One-way rules:
    for ``drive``, ``oneway=yes|true|1`` allows travel along the way, ``oneway=-1`` against it, and
    ``junction=roundabout`` and ``highway=motorway`` imply ``oneway=yes`` unless ``oneway=no``;
    ``bike`` follows the same rules unless ``oneway:bicycle=no`` (or a contraflow cycleway tag)
    opens the other direction; ``walk`` ignores one-way tags.

    Parameters
    ----------
    path : str or os.PathLike
        The OSM file.
    mode : str
        ``"walk"``, ``"bike"`` or ``"drive"``.

    Returns
    -------
    RoadGraph

    Raises
    ------
    loaders.errors.SourceFormatError
        When the file cannot be read as OSM data or holds no way usable in ``mode``.
    """
    check_mode(mode)
    path = Path(path)
    try:
        refs, lon, lat, piece, direction = _read_ways(path, mode)
    except RuntimeError as exc:
        message = f"het OSM-bestand kan niet gelezen worden ({exc})"
        raise SourceFormatError(path.name, message) from exc
    if refs.size == 0:
        raise SourceFormatError(path.name, f"geen wegen voor vervoerswijze {mode!r} gevonden")
    _, first, node_of_ref = np.unique(refs, return_index=True, return_inverse=True)
    transformer = Transformer.from_crs("EPSG:4326", _RD_NEW, always_xy=True)
    x, y = transformer.transform(lon[first], lat[first])
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    same_piece = piece[1:] == piece[:-1]
    u = node_of_ref[:-1][same_piece]
    v = node_of_ref[1:][same_piece]
    seg_direction = direction[:-1][same_piece]
    backward = seg_direction < 0
    u, v = np.where(backward, v, u), np.where(backward, u, v)
    length = np.hypot(x[u] - x[v], y[u] - y[v])
    return graph_from_edges(
        x, y, u, v, length, oneway=seg_direction != 0, mode=mode, source=path.name
    )


def _read_ways(
    path: Path, mode: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Collect the node references of every way ``mode`` may use.

    Returns flat arrays over all kept way nodes: OSM node id, lon, lat, a piece number (a way is
    split into pieces where a node has no location) and the way's direction (0 both, 1 along,
    -1 against).
    """
    processor = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    refs: list[int] = []
    lon: list[float] = []
    lat: list[float] = []
    piece: list[int] = []
    direction: list[int] = []
    piece_no = 0
    for way in processor:
        tags = {tag.k: tag.v for tag in way.tags}
        if not way_allowed(tags, mode):
            continue
        way_direction = way_oneway(tags, mode)
        piece_no += 1
        for node in way.nodes:
            if not node.location.valid():
                piece_no += 1
                continue
            refs.append(node.ref)
            lon.append(node.location.lon)
            lat.append(node.location.lat)
            piece.append(piece_no)
            direction.append(way_direction)
    return (
        np.array(refs, dtype=np.int64),
        np.array(lon, dtype=np.float64),
        np.array(lat, dtype=np.float64),
        np.array(piece, dtype=np.int64),
        np.array(direction, dtype=np.int8),
    )


def way_allowed(tags: dict[str, str], mode: str) -> bool:
    """Whether travellers in ``mode`` may use an OSM way with these tags.

    Parameters
    ----------
    tags : dict of str to str
        The way's OSM tags.
    mode : str
        ``"walk"``, ``"bike"`` or ``"drive"``.

    Returns
    -------
    bool
        See :data:`ROUTABLE_HIGHWAYS` for the rules.
    """
    highway = tags.get("highway")
    if highway is None or tags.get("area") == "yes":
        return False
    for key in _MODE_ACCESS_KEYS[mode]:
        if key in tags:
            value = tags[key]
            if value in _ACCESS_OPEN:
                return True
            if value in _ACCESS_CLOSED:
                return False
    if tags.get("access") in _ACCESS_CLOSED:
        return False
    return highway in ROUTABLE_HIGHWAYS[mode]


def way_oneway(tags: dict[str, str], mode: str) -> int:
    """Direction in which ``mode`` may travel along an OSM way.

    Parameters
    ----------
    tags : dict of str to str
        The way's OSM tags.
    mode : str
        ``"walk"``, ``"bike"`` or ``"drive"``.

    Returns
    -------
    int
        ``0`` both ways, ``1`` only in the order of the way's nodes, ``-1`` only against it.
    """
    if mode == "walk":
        return 0
    if mode == "bike":
        if tags.get("cycleway") in _CONTRAFLOW_CYCLEWAY:
            return 0
        if "oneway:bicycle" in tags:
            return _oneway_value(tags["oneway:bicycle"])
    value = tags.get("oneway")
    if value is None:
        implied = tags.get("junction") in {"roundabout", "circular"}
        return 1 if implied or tags.get("highway") == "motorway" else 0
    return _oneway_value(value)


def _oneway_value(value: str) -> int:
    """Map an OSM ``oneway`` value to 1, -1 or 0 (``reversible`` and unknown values: both)."""
    if value in _ONEWAY_FORWARD:
        return 1
    if value in _ONEWAY_BACKWARD:
        return -1
    return 0


def _check_edges(n: int, u: np.ndarray, v: np.ndarray, length: np.ndarray) -> None:
    """Raise ``ValueError`` when the edge arrays do not describe edges between ``n`` nodes."""
    if not (u.shape == v.shape == length.shape) or u.ndim != 1:
        raise ValueError("u, v en length moeten even lange 1-d arrays zijn")
    if u.size and (min(u.min(), v.min()) < 0 or max(u.max(), v.max()) >= n):
        raise ValueError(f"een wegdeel verwijst naar een knoop buiten 0..{n - 1}")
    if not np.all(np.isfinite(length)) or np.any(length < 0):
        raise ValueError("wegdeellengtes moeten eindig en niet negatief zijn")


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
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
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
