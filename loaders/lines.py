"""Road networks from line files: NWB wegvakken, an OSM export, a gemeente's own road layer.

Any layer of LineStrings or MultiLineStrings that GDAL reads (GeoPackage, shapefile, GeoJSON)
becomes the same edge list as an OSM file (:class:`loaders.roads.RoadEdges`), so the store, the
reach pipeline and the pages treat it exactly like an OSM network.

The lines are noded at their end points only: two lines meet where an end point of one lies
within :data:`SNAP_M` of an end point of the other. Lines that cross without sharing an end point
(a bridge over a road) do not meet, which is how NWB and osmnx exports are drawn: every road is
split at its junctions. Each line becomes one edge between its two end nodes, as long as the line
itself (or as its length column says).

Recognised columns (names case-insensitive):

* direction: NWB ``RIJRICHTNG`` (``H`` = only in the digitised direction, ``T`` = only against
  it, ``B``/``O``/empty = both ways) or a plain ``oneway`` column (``yes``/``true``/``1`` along,
  ``-1``/``reverse`` against, ``no``/``false``/``0``/empty both ways). Walkers ignore it, cyclists
  and cars follow it (as for OSM; see :func:`loaders.roads.way_oneway`).
* road type: NWB ``BST_CODE`` (baansubsoort, see :data:`NWB_BST_MODES`) together with
  ``WEGBEHSRT`` (wegbeheerdersoort, see :data:`NWB_MOTORWAY_AUTHORITY`), or an OSM ``highway``
  column (the rules of :data:`loaders.roads.ROUTABLE_HIGHWAYS`).
* length in metres: ``length_m``, ``lengte_m``, ``length`` or ``lengte``.

Without a road-type column every line is open to every mode; without a direction column every
line is two-way.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import scipy.sparse as sp
import shapely
from pyproj import Transformer
from pyproj.exceptions import CRSError
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from loaders.errors import SourceFormatError
from loaders.roads import (
    ROUTABLE_HIGHWAYS,
    TRAVEL_MODES,
    RoadEdges,
    check_mode,
    way_allowed,
)
from loaders.schema import CRS

SNAP_M = 0.5
"""End points of lines closer than this (metres) are one node."""

RD_EXTENT = (0.0, 300_000.0, 289_000.0, 629_000.0)
"""``(minx, maxx, miny, maxy)``: where EPSG:28992 coordinates of the Netherlands lie. A file
without a CRS is taken as RD only when all its coordinates lie inside; a file whose lines lie
entirely outside after reprojection is refused."""

NWB_ATTRIBUTION = "Bron: Rijkswaterstaat, Nationaal Wegenbestand (NWB)"
"""Attribution of a network whose columns show it is NWB."""

_CARS = frozenset({"drive"})
_NOBODY: frozenset[str] = frozenset()
NWB_BST_MODES: dict[str, frozenset[str]] = {
    # Motorway parts: ramps (OPR toerit, AFR afrit), links between motorways (VBD, VBI, VBS,
    # VBR, VBK, VBW verbindingswegen), TN tussenbaan, PST puntstuk and the service-area roads
    # (PKP, PKB, BST): closed to walkers and cyclists.
    **dict.fromkeys(
        ("OPR", "AFR", "PST", "VBD", "VBI", "VBS", "VBR", "VBK", "VBW", "TN", "PKP", "PKB", "BST"),
        _CARS,
    ),
    "FP": frozenset({"walk", "bike"}),  # fietspad: walkers may use it where there is no footway
    "VP": frozenset({"walk"}),  # voetpad
    "RP": frozenset({"walk"}),  # ruiterpad (bridleway, as OSM highway=bridleway)
    # Busbaan, OV-baan, calamiteitendoorgang, vliegverkeer, veerdienst: not a road for anyone.
    **dict.fromkeys(("BU", "OVB", "CADO", "VV", "VD"), _NOBODY),
}
"""Travel modes per NWB baansubsoort (``BST_CODE``) where they are not all three.

Every other code (HR hoofdrijbaan, PAR parallelweg, VWG ventweg, NRB/MRB/TRB rotondes, DST
doorsteek, PP/PC/PR parkeerplaatsen, YYY overig) and an unknown code is open to every mode,
except a hoofdrijbaan of the Rijk (see :data:`NWB_MOTORWAY_AUTHORITY`).
"""
NWB_MOTORWAY_AUTHORITY = "R"
"""``WEGBEHSRT`` of roads managed by the Rijk: the motorways and *autowegen*, closed to walkers
and cyclists. A line of the Rijk whose baansubsoort is HR (hoofdrijbaan), or that has no
``BST_CODE`` at all, is used by cars only; its cycle paths (FP) and parallel roads (PAR) stay
open."""

_DIRECTION_WORDS = {
    "h": 1, "t": -1, "b": 0, "o": 0, "": 0,
    "yes": 1, "true": 1, "1": 1, "ja": 1,
    "-1": -1, "reverse": -1,
    "no": 0, "false": 0, "0": 0, "nee": 0,
}
"""Direction per (lower-case) value: 1 along the line, -1 against it, 0 both ways. NWB's
``T`` (terug, against) wins over a one-letter 'true'."""

_DIRECTION_NAMES = ("rijrichtng", "oneway")
_BST_NAMES = ("bst_code", "baansubsrt")
_AUTHORITY_NAMES = ("wegbehsrt",)
_HIGHWAY_NAMES = ("highway",)
_LENGTH_NAMES = ("length_m", "lengte_m", "length", "lengte")
_OSM_HIGHWAYS = frozenset().union(*ROUTABLE_HIGHWAYS.values())
_LINE_TYPES = frozenset({"LineString", "MultiLineString"})
_T = TypeVar("_T")


@dataclass(frozen=True)
class LineLayer:
    """A line layer read for routing: single LineStrings in EPSG:28992 with per-line facts.

    Attributes
    ----------
    geometry : numpy.ndarray
        shapely LineStrings (2-D, EPSG:28992).
    length : numpy.ndarray
        Length of each line in metres.
    direction : numpy.ndarray
        Per line 1 (only along the digitised direction), -1 (only against it) or 0 (both).
    allowed : dict
        Travel mode → boolean array: which lines the mode may use.
    layer : str
        The layer that was read.
    source : str
        The file and layer name, for messages.
    attribution : str
        Attribution line for the stored network.
    notes : tuple of str
        Dutch remarks for the build report (which columns were used, what was skipped).
    """

    geometry: np.ndarray
    length: np.ndarray
    direction: np.ndarray
    allowed: dict[str, np.ndarray]
    layer: str
    source: str
    attribution: str
    notes: tuple[str, ...]


def read_line_layer(
    path: str | PathLike[str],
    *,
    layer: str | None = None,
    oneway_column: str | None = None,
    kind_column: str | None = None,
    length_column: str | None = None,
    area: gpd.GeoSeries | None = None,
    buffer_m: float = 5000.0,
    attribution: str | None = None,
) -> LineLayer:
    """Read a line layer and work out per line its length, direction and travel modes.

    Parameters
    ----------
    path
        A GeoPackage, shapefile, GeoJSON or any other vector file GDAL reads.
    layer
        The layer to read; by default the file's only line layer.
    oneway_column, kind_column, length_column
        Column with the direction, the road type or the length in metres; by default the
        recognised columns (see the module docstring). A named column must exist.
    area
        Polygons in EPSG:28992: only lines within ``buffer_m`` of them are kept.
    buffer_m
        Distance around ``area`` in metres, so that a meeting place across the border counts.
    attribution
        Attribution line; by default NWB's when the columns show it is NWB, else the file name.

    Raises
    ------
    SourceFormatError
        With a Dutch message: the file is missing or unreadable, has no line layer or no lines
        (in the area), has no CRS while its coordinates are not clearly RD, lies outside the
        Netherlands, or a named column does not exist or holds no usable values.
    """
    path = Path(path)
    name = path.name
    if not path.exists():
        raise SourceFormatError(name, "het bestand bestaat niet.")
    layer = _choose_layer(path, layer)
    info = _read(lambda: pyogrio.read_info(path, layer=layer), name)
    kind = str(info["geometry_type"] or "zonder geometrie")
    if info["features"] == 0:
        raise SourceFormatError(name, "het bestand is leeg: er staan geen lijnen in.")
    if _base_type(kind) not in _LINE_TYPES and kind not in {"Unknown", "Geometry"}:
        raise SourceFormatError(
            name, f"laag {layer!r} is geen lijnenlaag (geometrie: {kind}); een wegennet bestaat "
            "uit lijnen (LineString of MultiLineString)."
        )
    fields = [str(f) for f in info["fields"]]
    direction_col = _column(fields, oneway_column, _DIRECTION_NAMES, "--eenrichting", name)
    kind_col = _column(fields, kind_column, (*_BST_NAMES, *_HIGHWAY_NAMES), "--soort", name)
    authority_col = _column(fields, None, _AUTHORITY_NAMES, "", name)
    length_col = _column(fields, length_column, _LENGTH_NAMES, "--lengte", name)
    wanted = [c for c in (direction_col, kind_col, authority_col, length_col) if c]
    frame, notes = _read_lines(path, layer, wanted, _file_crs(info["crs"], name), area, buffer_m)
    frame, skipped = _single_lines(frame)
    if skipped:
        notes.append(f"{skipped} objecten zonder lijngeometrie overgeslagen")
    if frame.empty:
        raise SourceFormatError(name, "het bestand bevat geen lijnen.")
    geometry = frame.geometry.to_numpy()
    length, length_note = _lengths(frame, geometry, length_col)
    direction, direction_note = _directions(frame, direction_col, name)
    allowed, kind_notes = _modes(frame, kind_col, authority_col, name)
    notes.extend(n for n in (length_note, direction_note, *kind_notes) if n)
    is_nwb = any(c and c.lower() in {*_BST_NAMES, *_AUTHORITY_NAMES, "rijrichtng"}
                 for c in (direction_col, kind_col, authority_col))
    return LineLayer(
        geometry=geometry,
        length=length,
        direction=direction,
        allowed=allowed,
        layer=layer,
        source=f"{name} (laag {layer})",
        attribution=attribution or (NWB_ATTRIBUTION if is_nwb else f"wegennet uit {name}"),
        notes=tuple(notes),
    )


def line_edges(lines: LineLayer, mode: str, *, snap_m: float = SNAP_M) -> RoadEdges:
    """The edge list of the lines ``mode`` may use, noded at shared end points.

    Lines whose two ends fall on the same node (closed rings, tiny stubs) are left out: they
    connect nothing.

    Raises
    ------
    SourceFormatError
        When ``mode`` may use none of the lines.
    """
    check_mode(mode)
    keep = lines.allowed[mode]
    if not keep.any():
        raise SourceFormatError(
            lines.source, f"geen enkele lijn is bruikbaar voor vervoerswijze {mode!r}."
        )
    geometry = lines.geometry[keep]
    starts = shapely.get_coordinates(shapely.get_point(geometry, 0))
    ends = shapely.get_coordinates(shapely.get_point(geometry, -1))
    u, v, xy = node_end_points(starts, ends, snap_m=snap_m)
    direction = np.zeros(u.size, dtype=np.int8) if mode == "walk" else lines.direction[keep]
    backward = direction < 0
    u, v = np.where(backward, v, u), np.where(backward, u, v)
    real = u != v
    used, remap = np.unique(np.concatenate([u[real], v[real]]), return_inverse=True)
    return RoadEdges(x=xy[used, 0], y=xy[used, 1], u=remap[: real.sum()],
                     v=remap[real.sum():], length=lines.length[keep][real],
                     oneway=(direction != 0)[real], mode=mode)


def node_end_points(
    starts: np.ndarray, ends: np.ndarray, *, snap_m: float = SNAP_M
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Give the start and end point of every line a node; points within ``snap_m`` share one.

    Points are joined through a KD-tree (:meth:`scipy.spatial.cKDTree.query_pairs`) and the
    connected components of the "within ``snap_m``" relation, so a chain of close points is
    one node. A node lies at the mean of its points.

    Parameters
    ----------
    starts, ends : numpy.ndarray
        ``(n, 2)`` coordinates of the first and last point of each of ``n`` lines.
    snap_m : float
        Points this close (metres) are one node.

    Returns
    -------
    u, v : numpy.ndarray
        Node index of each line's start and end.
    xy : numpy.ndarray
        ``(nodes, 2)`` node coordinates; only nodes some line uses.
    """
    points = np.vstack([starts, ends])
    pairs = cKDTree(points).query_pairs(snap_m, output_type="ndarray")
    near = sp.coo_array(
        (np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])),
        shape=(len(points), len(points)),
    )
    count, label = connected_components(near, directed=False)
    members = np.bincount(label, minlength=count)
    xy = np.column_stack([np.bincount(label, weights=points[:, i], minlength=count) / members
                          for i in (0, 1)])
    n = len(starts)
    return label[:n].astype(np.int64), label[n:].astype(np.int64), xy


def _choose_layer(path: Path, layer: str | None) -> str:
    """The layer to read: ``layer`` when it exists, else the file's only line layer."""
    layers = _read(lambda: pyogrio.list_layers(path), path.name)
    names = [str(row[0]) for row in layers]
    described = ", ".join(f"{row[0]} ({row[1] or 'geen geometrie'})" for row in layers)
    if layer is not None:
        if layer not in names:
            raise SourceFormatError(
                path.name, f"laag {layer!r} bestaat niet; het bestand heeft: {described}."
            )
        return layer
    if len(names) == 1:
        return names[0]
    lines = [str(row[0]) for row in layers if _base_type(str(row[1])) in _LINE_TYPES]
    if len(lines) == 1:
        return lines[0]
    if not lines:
        raise SourceFormatError(path.name, f"het bestand heeft geen lijnenlaag: {described}.")
    raise SourceFormatError(
        path.name, f"het bestand heeft meer lijnenlagen ({', '.join(lines)}); kies er een met "
        "--laag."
    )


def _read(read: Callable[[], _T], name: str) -> _T:
    """Run a pyogrio read; a file GDAL cannot read becomes a Dutch :class:`SourceFormatError`."""
    try:
        return read()
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError,
            pyogrio.errors.GeometryError, pyogrio.errors.FieldError) as exc:
        raise SourceFormatError(
            name, f"het bestand kan niet gelezen worden als GeoPackage, shapefile of GeoJSON "
            f"({exc})."
        ) from exc


def _read_lines(
    path: Path,
    layer: str,
    columns: list[str],
    crs: pyproj.CRS | None,
    area: gpd.GeoSeries | None,
    buffer_m: float,
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Read ``columns`` of the lines within ``buffer_m`` of ``area``, in EPSG:28992.

    The file is read with a bounding box (in its own CRS) first, so a national file is not
    read whole for one gemeente; then the lines are clipped exactly.
    """
    name = path.name
    bbox = None
    if area is not None and crs is not None:
        minx, miny, maxx, maxy = area.total_bounds
        bbox = Transformer.from_crs(CRS, crs, always_xy=True).transform_bounds(
            minx - buffer_m, miny - buffer_m, maxx + buffer_m, maxy + buffer_m, densify_pts=21
        )
    frame = _read(
        lambda: pyogrio.read_dataframe(path, layer=layer, columns=columns, bbox=bbox,
                                       force_2d=True),
        name,
    )
    outside = SourceFormatError(
        name, f"het bestand bevat geen lijnen binnen {buffer_m / 1000:g} km van het gebied."
    )
    if frame.empty:
        raise outside if bbox is not None else SourceFormatError(
            name, "het bestand bevat geen lijnen.")
    frame = _to_rd(frame, crs, name)
    notes = [f"{len(frame)} lijnen gelezen uit {name} (laag {layer})"]
    if area is not None:
        near = frame.sindex.query(area.geometry.to_numpy(), predicate="dwithin",
                                  distance=buffer_m)[1]
        frame = frame.iloc[np.unique(near)]
        if frame.empty:
            raise outside
        notes.append(f"{len(frame)} daarvan binnen {buffer_m / 1000:g} km van het gebied")
    return frame, notes


def _base_type(kind: str) -> str:
    """``"MultiLineString"`` from ``"MultiLineString Z"`` or ``"3D MultiLineString"``."""
    return kind.removeprefix("3D ").split(" ")[0]


def _column(
    fields: list[str], named: str | None, recognised: tuple[str, ...], option: str, name: str
) -> str | None:
    """The file's column for ``named`` (any case), else the first recognised one, else None."""
    by_lower = {f.lower(): f for f in fields}
    if named is not None:
        found = by_lower.get(named.strip().lower())
        if found is None:
            raise SourceFormatError(
                name, f"kolom {named!r} (opgegeven bij {option}) bestaat niet; het bestand heeft "
                f"de kolommen: {', '.join(fields) or 'geen'}."
            )
        return found
    return next((by_lower[n] for n in recognised if n in by_lower), None)


def _file_crs(crs: str | None, name: str) -> pyproj.CRS | None:
    """The file's CRS, None when it has none; an unusable CRS is a Dutch error."""
    if not crs:
        return None
    try:
        return pyproj.CRS.from_user_input(crs)
    except CRSError as exc:
        raise SourceFormatError(name, f"het coördinatenstelsel {crs!r} is onbekend.") from exc


def _to_rd(frame: gpd.GeoDataFrame, crs: pyproj.CRS | None, name: str) -> gpd.GeoDataFrame:
    """``frame`` in EPSG:28992; a file without CRS only when its coordinates are clearly RD."""
    minx, maxx, miny, maxy = RD_EXTENT
    if crs is None:
        x0, y0, x1, y1 = frame.total_bounds
        if not (minx <= x0 and x1 <= maxx and miny <= y0 and y1 <= maxy):
            raise SourceFormatError(
                name, "het bestand heeft geen coördinatenstelsel (CRS) en de coördinaten zijn "
                "geen Rijksdriehoekscoördinaten; lever het bestand met een .prj-bestand of in "
                "een GeoPackage/GeoJSON met CRS."
            )
        return frame.set_crs(CRS)
    frame = frame.to_crs(CRS)
    x0, y0, x1, y1 = frame.total_bounds
    if not np.all(np.isfinite([x0, y0, x1, y1])) or x1 < minx or x0 > maxx or y1 < miny \
            or y0 > maxy:
        raise SourceFormatError(
            name, f"de lijnen liggen niet in Nederland; klopt het coördinatenstelsel "
            f"({crs.to_string()}) van het bestand?"
        )
    return frame


def _single_lines(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    """One row per LineString; other and empty geometries are dropped and counted.

    MultiLineStrings are split; ``_parts`` counts the pieces of the original row.
    """
    parts = shapely.get_num_geometries(frame.geometry.to_numpy())
    frame = frame.assign(_parts=parts).explode(index_parts=False, ignore_index=True)
    is_line = frame.geom_type.eq("LineString").to_numpy() & ~frame.geometry.is_empty.to_numpy()
    skipped = int((~is_line).sum())
    return frame[is_line].reset_index(drop=True), skipped


def _lengths(
    frame: gpd.GeoDataFrame, geometry: np.ndarray, column: str | None
) -> tuple[np.ndarray, str]:
    """Length per line: the length column where it is usable, else the geometry's length.

    A value is used when it is a positive number, its row was a single line (a length of a
    MultiLineString does not belong to any one piece) and it is not shorter than the straight
    distance between the line's ends (minus 1 m).
    """
    measured = shapely.length(geometry)
    if column is None:
        return measured, ""
    given = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64)
    chord = shapely.distance(shapely.get_point(geometry, 0), shapely.get_point(geometry, -1))
    usable = np.isfinite(given) & (given > 0) & (frame["_parts"].to_numpy() == 1) \
        & (given >= chord - 1.0)
    note = f"lengte uit kolom {column}"
    if not usable.all():
        note += f" ({int((~usable).sum())} lijnen zonder bruikbare waarde: lengte van de lijn)"
    return np.where(usable, given, measured), note


def _directions(
    frame: gpd.GeoDataFrame, column: str | None, name: str
) -> tuple[np.ndarray, str]:
    """Direction per line from ``column`` (see :data:`_DIRECTION_WORDS`); 0 without one."""
    if column is None:
        return np.zeros(len(frame), dtype=np.int8), ""
    codes, values = pd.factorize(frame[column], use_na_sentinel=False)
    words = [_direction_word(value) for value in values]
    known = [word in _DIRECTION_WORDS for word in words]
    filled = [w for w in words if w]
    if filled and not any(w in _DIRECTION_WORDS for w in filled):
        examples = ", ".join(repr(w) for w in filled[:5])
        raise SourceFormatError(
            name, f"kolom {column} bevat geen rijrichtingen (NWB H/T/B of oneway yes/no/-1), "
            f"maar bijvoorbeeld {examples}."
        )
    per_value = np.array([_DIRECTION_WORDS.get(w, 0) for w in words] or [0], dtype=np.int8)
    direction = per_value[codes]
    unknown = int(np.isin(codes, [i for i, k in enumerate(known) if not k]).sum())
    note = (f"rijrichting uit kolom {column}: {int((direction != 0).sum())} lijnen "
            "eenrichtingsverkeer")
    if unknown:
        note += f", {unknown} met een onbekende waarde (beide richtingen)"
    return direction, note


def _direction_word(value: object) -> str:
    """A direction value as a lower-case word: ``True`` → ``"1"``, ``-1.0`` → ``"-1"``."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "1" if value else "0"
    if isinstance(value, (int, float, np.integer, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value).strip().lower()


def _modes(
    frame: gpd.GeoDataFrame, kind: str | None, authority: str | None, name: str
) -> tuple[dict[str, np.ndarray], list[str]]:
    """Per travel mode, which lines it may use, from the road-type columns."""
    n = len(frame)
    allowed = {mode: np.ones(n, dtype=bool) for mode in TRAVEL_MODES}
    notes: list[str] = []
    bst: np.ndarray | None = None
    if kind is not None:
        codes, values = pd.factorize(frame[kind].astype("string").str.strip(),
                                     use_na_sentinel=False)
        words = ["" if pd.isna(v) else str(v) for v in values]
        if _is_osm_vocabulary(words):
            rules = {mode: np.array([_osm_allowed(w, mode) for w in words]) for mode in allowed}
        elif any(w.upper() in NWB_BST_MODES or w.upper() == "HR" for w in words):
            bst = np.array([w.upper() for w in words], dtype=object)[codes]
            rules = {mode: np.array([mode in NWB_BST_MODES.get(w.upper(), TRAVEL_MODES)
                                     for w in words]) for mode in allowed}
        else:
            examples = ", ".join(repr(w) for w in words[:5])
            raise SourceFormatError(
                name, f"kolom {kind} bevat geen bekende wegsoorten (NWB BST_CODE zoals HR, FP, "
                f"VP of OSM highway zoals residential, cycleway), maar bijvoorbeeld {examples}."
            )
        for mode in allowed:
            allowed[mode] &= rules[mode][codes]
        notes.append(f"wegsoort uit kolom {kind}")
    if authority is not None:
        rijk = frame[authority].astype("string").str.strip().str.upper().eq(
            NWB_MOTORWAY_AUTHORITY).fillna(value=False).to_numpy(dtype=bool)
        if bst is not None:
            rijk &= np.isin(bst, ["HR", ""])
        for mode in ("walk", "bike"):
            allowed[mode] &= ~rijk
        notes.append(f"wegbeheerder uit kolom {authority}: {int(rijk.sum())} lijnen "
                     "rijksweg (niet voor lopen en fietsen)")
    return allowed, notes


def _is_osm_vocabulary(words: list[str]) -> bool:
    """Whether road-type values are OSM ``highway`` values (osmnx lists included)."""
    return any(set(re.findall(r"[a-z_]+", w)) & _OSM_HIGHWAYS for w in words)


def _osm_allowed(value: str, mode: str) -> bool:
    """Whether ``mode`` may use a line whose ``highway`` is ``value``.

    ``value`` may be an osmnx list of values such as ``"['residential', 'service']"``: the line
    is allowed when any of them is. A line without a value is open to every mode.
    """
    words = re.findall(r"[a-z_]+", value)
    return not words or any(way_allowed({"highway": word}, mode) for word in words)
