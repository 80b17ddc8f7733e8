"""Road network edges per travel mode: from an OSM file (pyosmium) or live through osmnx.

The result is a plain edge list in EPSG:28992 (:class:`RoadEdges`) that the store keeps as
``.npz`` and :func:`analysis.network.graph_from_edges` turns into a routable graph.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import osmium
import requests
from shapely.geometry.base import BaseGeometry

from loaders.errors import SourceFormatError, SourceUnavailable
from loaders.http import USER_AGENT, make_session
from loaders.schema import CRS, wgs84_to_rd

if TYPE_CHECKING:
    import networkx as nx

OSMNX_NETWORK_TYPES = {"walk": "walk", "bike": "bike", "drive": "drive"}
"""osmnx ``network_type`` per travel mode (osmnx applies its own, well-tested tag filters)."""

TRAVEL_MODES = ("walk", "bike", "drive")
"""Travel modes with their own network."""

MODE_WORDS = {"walk": "lopen", "bike": "fietsen", "drive": "auto"}
"""The Dutch word for each travel mode, as used in the UI, URLs and command lines."""
MODE_CHOICES = {**{mode: mode for mode in TRAVEL_MODES},
                **{word: mode for mode, word in MODE_WORDS.items()}, "fiets": "bike"}
"""Words for a travel mode on a command line: ``walk``/``bike``/``drive`` or
``lopen``/``fiets``/``fietsen``/``auto``."""


def travel_mode(word: str) -> str:
    """The travel mode named by a Dutch or English word (``"fiets"`` → ``"bike"``).

    Raises
    ------
    ValueError
        With a Dutch message, for any other word.
    """
    mode = MODE_CHOICES.get(str(word).strip().lower())
    if mode is None:
        raise ValueError(
            f"onbekende vervoerswijze {word!r}; kies lopen, fiets of auto (walk, bike, drive)."
        )
    return mode

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


@dataclass(frozen=True)
class RoadEdges:
    """An edge list: node coordinates (EPSG:28992) and edges ``u -> v`` with their length.

    ``oneway`` is true where an edge may only be travelled from ``u`` to ``v``.
    """

    x: np.ndarray
    y: np.ndarray
    u: np.ndarray
    v: np.ndarray
    length: np.ndarray
    oneway: np.ndarray
    mode: str

    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays to store (``mode`` included as a 0-d string array)."""
        return {"x": self.x, "y": self.y, "u": self.u, "v": self.v, "length": self.length,
                "oneway": self.oneway, "mode": np.array(self.mode)}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> RoadEdges:
        """Rebuild from :meth:`arrays` output (e.g. a stored ``.npz``)."""
        return cls(x=arrays["x"], y=arrays["y"], u=arrays["u"], v=arrays["v"],
                   length=arrays["length"], oneway=arrays["oneway"].astype(bool),
                   mode=str(arrays["mode"]))


def check_mode(mode: str) -> None:
    """Raise ``ValueError`` with a Dutch message when ``mode`` is not a known travel mode."""
    if mode not in TRAVEL_MODES:
        raise ValueError(f"onbekende vervoerswijze {mode!r}; kies uit {', '.join(TRAVEL_MODES)}")


def read_road_edges(
    path: str | PathLike[str],
    mode: str,
    *,
    bbox: tuple[float, float, float, float] | None = None,
) -> RoadEdges:
    """Read the roads ``mode`` may use from an OSM file into an edge list.

    The network of one mode from :func:`read_road_networks`; see there for the rules.

    Raises
    ------
    SourceFormatError
        When the file cannot be read as OSM data or holds no way usable in ``mode`` (inside
        ``bbox``).
    """
    found = read_road_networks(path, (mode,), bbox=bbox)[mode]
    if isinstance(found, SourceFormatError):
        raise found
    return found


def read_road_networks(
    path: str | PathLike[str],
    modes: Iterable[str] = TRAVEL_MODES,
    *,
    bbox: tuple[float, float, float, float] | None = None,
) -> dict[str, RoadEdges | SourceFormatError]:
    """Read the road network of every mode in ``modes`` from an OSM file in one pass.

    The file is streamed once (pyosmium); the node references and locations of every way that
    at least one mode may use go into compact typed buffers, and each mode's edge list is cut
    from them with numpy. Each edge is as long as its projected straight segment between two
    consecutive way nodes. One-way rules: for ``drive``, ``oneway=yes|true|1`` allows travel
    along the way, ``oneway=-1`` against it, and ``junction=roundabout`` and
    ``highway=motorway`` imply ``oneway=yes`` unless ``oneway=no``; ``bike`` follows the same
    rules unless ``oneway:bicycle=no`` (or a contraflow cycleway tag) opens the other
    direction; ``walk`` ignores one-way tags.

    Parameters
    ----------
    path
        The ``.osm.pbf`` or ``.osm`` file.
    modes
        Travel modes to read (``"walk"``, ``"bike"``, ``"drive"``).
    bbox
        Keep only edges with an end inside ``(minx, miny, maxx, maxy)`` in EPSG:28992 (a
        region plus a buffer, so that a venue across the border still counts).

    Returns
    -------
    dict
        Per mode its :class:`RoadEdges`, or the :class:`SourceFormatError` (Dutch message) that
        says why the file holds no network for that mode.

    Raises
    ------
    SourceFormatError
        When the file cannot be read as OSM data.
    """
    modes = tuple(modes)
    for mode in modes:
        check_mode(mode)
    path = Path(path)
    try:
        ways = _read_ways(path, modes)
    except RuntimeError as exc:
        raise SourceFormatError(
            path.name, f"het OSM-bestand kan niet gelezen worden ({exc})"
        ) from exc
    return {mode: _mode_edges(path.name, ways, i, mode, bbox) for i, mode in enumerate(modes)}


def _mode_edges(
    name: str,
    ways: _WayBuffers,
    column: int,
    mode: str,
    bbox: tuple[float, float, float, float] | None,
) -> RoadEdges | SourceFormatError:
    """Cut the edge list of one mode (column ``column`` of the way buffers)."""
    on_way = ways.allowed[:, column][ways.way]
    if not on_way.any():
        return SourceFormatError(name, f"geen wegen voor vervoerswijze {mode!r} gevonden")
    refs, piece = ways.ref[on_way], ways.piece[on_way]
    _, first, node_of_ref = np.unique(refs, return_index=True, return_inverse=True)
    lon = ways.lon_e7[on_way][first] / 1e7
    lat = ways.lat_e7[on_way][first] / 1e7
    x, y = (np.asarray(a, dtype=np.float64) for a in wgs84_to_rd().transform(lon, lat))
    same_piece = piece[1:] == piece[:-1]
    u = node_of_ref[:-1][same_piece]
    v = node_of_ref[1:][same_piece]
    seg_direction = ways.direction[:, column][ways.way[on_way]][:-1][same_piece]
    backward = seg_direction < 0
    u, v = np.where(backward, v, u), np.where(backward, u, v)
    length = np.hypot(x[u] - x[v], y[u] - y[v])
    oneway = seg_direction != 0
    if bbox is not None:
        inside = (x >= bbox[0]) & (x <= bbox[2]) & (y >= bbox[1]) & (y <= bbox[3])
        keep = inside[u] | inside[v]
        if not keep.any():
            return SourceFormatError(name, "het OSM-bestand bevat geen wegen in deze regio")
        u, v, length, oneway = u[keep], v[keep], length[keep], oneway[keep]
        used, remap = np.unique(np.concatenate([u, v]), return_inverse=True)
        u, v = remap[: u.size], remap[u.size :]
        x, y = x[used], y[used]
    return RoadEdges(x=x, y=y, u=u, v=v, length=length, oneway=oneway, mode=mode)


def fetch_road_edges(
    area: BaseGeometry, mode: str, *, buffer_m: float = 5000.0, timeout: int = 180
) -> RoadEdges:
    """Download the road network of ``mode`` around ``area`` from OpenStreetMap with osmnx.

    Parameters
    ----------
    area
        The region (EPSG:28992); it is buffered by ``buffer_m`` so that a meeting place just
        across the border counts.
    mode
        ``"walk"``, ``"bike"`` or ``"drive"``.
    timeout
        Seconds osmnx waits for Overpass.

    Raises
    ------
    SourceUnavailable
        When Overpass cannot be reached or answers with an error.
    """
    import osmnx

    check_mode(mode)
    _check_overpass_reachable(osmnx.settings.overpass_url, timeout=min(timeout, 10))
    osmnx.settings.http_user_agent = USER_AGENT
    osmnx.settings.requests_timeout = timeout
    osmnx.settings.use_cache = False
    polygon = gpd.GeoSeries([area.buffer(buffer_m)], crs=CRS).to_crs("EPSG:4326").iloc[0]
    try:
        graph = osmnx.graph_from_polygon(
            polygon, network_type=OSMNX_NETWORK_TYPES[mode], simplify=True, retain_all=True
        )
    except (requests.RequestException, ConnectionError, ValueError, RuntimeError) as exc:
        raise SourceUnavailable(
            "OpenStreetMap (osmnx)",
            f"het wegennet kon niet worden opgehaald ({type(exc).__name__}: {exc}). "
            "Importeer een OSM-bestand met 'python -m loaders network --osm ...'.",
        ) from exc
    return edges_from_osmnx(graph, mode)


def _check_overpass_reachable(base_url: str, *, timeout: float) -> None:
    """Fail fast when Overpass is unreachable (osmnx would first sleep 60 s and then fail)."""
    try:
        make_session(retries=0).get(f"{base_url.rstrip('/')}/status", timeout=timeout)
    except requests.RequestException as exc:
        raise SourceUnavailable(
            "OpenStreetMap (osmnx)",
            f"het wegennet kon niet worden opgehaald: {base_url} is niet bereikbaar. "
            "Importeer een OSM-bestand met 'python -m loaders network --osm ...'.",
        ) from exc


def edges_from_osmnx(graph: nx.MultiDiGraph, mode: str) -> RoadEdges:
    """Convert an unprojected osmnx graph (lon/lat nodes, ``length`` in metres) to edges.

    osmnx lists every direction a mode may travel as its own directed edge, so each edge is
    stored as one-way; parallel edges keep the shortest when the graph is built.
    """
    check_mode(mode)
    nodes = list(graph.nodes)
    if not nodes:
        raise SourceFormatError("OpenStreetMap (osmnx)", "het wegennet is leeg")
    position = {node: i for i, node in enumerate(nodes)}
    lon = np.array([graph.nodes[n]["x"] for n in nodes], dtype=np.float64)
    lat = np.array([graph.nodes[n]["y"] for n in nodes], dtype=np.float64)
    x, y = wgs84_to_rd().transform(lon, lat)
    edges = list(graph.edges(data="length"))
    u = np.array([position[a] for a, _b, _len in edges], dtype=np.int64)
    v = np.array([position[b] for _a, b, _len in edges], dtype=np.int64)
    length = np.array([float(d) for _a, _b, d in edges], dtype=np.float64)
    return RoadEdges(x=np.asarray(x), y=np.asarray(y), u=u, v=v, length=length,
                     oneway=np.ones(u.size, dtype=bool), mode=mode)


def way_allowed(tags: dict[str, str], mode: str) -> bool:
    """Whether travellers in ``mode`` may use an OSM way with these tags.

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

    Returns ``0`` both ways, ``1`` only in the order of the way's nodes, ``-1`` only against it.
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


@dataclass(frozen=True)
class _WayBuffers:
    """The ways some mode may use, flattened over their nodes.

    ``ref``, ``lon_e7``, ``lat_e7`` (degrees times 10^7, as OSM stores them), ``piece`` and
    ``way`` run over all kept way nodes: a way is split into pieces where a node has no
    location, and ``way`` numbers the kept ways. ``allowed`` and ``direction`` hold one row
    per kept way and one column per mode (direction 0 both ways, 1 along, -1 against).
    """

    ref: np.ndarray
    lon_e7: np.ndarray
    lat_e7: np.ndarray
    piece: np.ndarray
    way: np.ndarray
    allowed: np.ndarray
    direction: np.ndarray


def _read_ways(path: Path, modes: tuple[str, ...]) -> _WayBuffers:
    """Stream the file once and collect every way that one of ``modes`` may use."""
    processor = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    refs, lon, lat = array("q"), array("i"), array("i")
    piece, way_no = array("q"), array("q")
    allowed, direction = array("b"), array("b")
    piece_count = ways = 0
    for way in processor:
        if not isinstance(way, osmium.osm.Way):  # the entity filter passes ways only
            continue
        tags = {tag.k: tag.v for tag in way.tags}
        usable = [way_allowed(tags, mode) for mode in modes]
        if not any(usable):
            continue
        allowed.extend(usable)
        direction.extend(way_oneway(tags, mode) for mode in modes)
        piece_count += 1
        start = len(refs)
        for node in way.nodes:
            location = node.location
            if not location.valid():
                piece.extend([piece_count] * (len(refs) - start))
                start = len(refs)
                piece_count += 1
                continue
            refs.append(node.ref)
            lon.append(location.x)
            lat.append(location.y)
        piece.extend([piece_count] * (len(refs) - start))
        way_no.extend([ways] * (len(refs) - len(way_no)))
        ways += 1
    width = len(modes)
    return _WayBuffers(
        ref=np.frombuffer(refs, dtype=np.int64),
        lon_e7=np.frombuffer(lon, dtype=np.int32),
        lat_e7=np.frombuffer(lat, dtype=np.int32),
        piece=np.frombuffer(piece, dtype=np.int64),
        way=np.frombuffer(way_no, dtype=np.int64),
        allowed=np.frombuffer(allowed, dtype=np.int8).reshape(-1, width).astype(bool),
        direction=np.frombuffer(direction, dtype=np.int8).reshape(-1, width),
    )
