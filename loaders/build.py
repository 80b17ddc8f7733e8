"""Build the national store, from a folder of downloaded files or from the live APIs.

Both paths parse with the same functions. Every layer is prepared in memory first; then all
layers that succeeded are written in one atomic store update. A layer whose source failed keeps
its previously stored version, and the report says so in Dutch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import requests

from loaders import cbs, divisions, kernen, lines, osm, pdok, rivm, roads
from loaders.divisions import with_gemeentecode
from loaders.errors import SourceError, SourceFormatError, UnknownRegionError
from loaders.files import scan_folder
from loaders.from_files import Built, FileBuilder, fill_from_kerncijfers
from loaders.manifest import LayerSource
from loaders.regions import gemeente_codes, suggestion_text
from loaders.schema import ATTRIBUTION, CRS
from loaders.store import NATIONAL, NATIONAL_NAME, Store, StoreError

Progress = Callable[[str], None]
ENDPOINTS = {
    "pdok": pdok.OGC_API,
    "pdok_wfs": pdok.WFS,
    "cbs": cbs.ODATA_API,
    "rivm": rivm.DATADERDEN_FEED,
    "overpass": osm.OVERPASS_URL,
}
"""The live endpoints :func:`fetch_live` uses; ``pdok`` and ``pdok_wfs`` may hold ``{year}``."""
LAYER_LABELS = {
    "gemeenten": "gemeentegrenzen",
    "buurten": "buurten",
    "eenzaamheid": "eenzaamheidscijfers",
    "kernen": "kernen",
    "venues": "ontmoetingsplekken",
    "venues_eigen": "eigen lijsten met ontmoetingsplekken",
    "venue_merges": "ongedaan gemaakte samenvoegingen",
    "netwerk_walk": "wegennet lopen",
    "netwerk_bike": "wegennet fietsen",
    "netwerk_drive": "wegennet auto",
    "gemeente_indeling": "oude gemeentecodes",
}
GEMEENTE_COLUMN = {
    "gemeenten": "code",
    "buurten": "gemeentecode",
    "eenzaamheid": "gemeentecode",
    "kernen": "gemeentecode",
    "venues": "gemeentecode",
}
"""Per layer, the column with the (newest) gemeente code that a partial refresh matches on."""
NEIGHBOUR_DISTANCE_M = 10_000.0
"""A partial refresh keeps the meeting places of gemeenten this close to the chosen ones."""
SHOWN_CODES = 8
"""A refused import names at most this many of the gemeenten it would remove."""


@dataclass
class BuildReport:
    """What a build wrote, what failed and what was kept."""

    region: str
    written: dict[str, int] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every layer was written."""
        return not self.failed

    def summary(self) -> str:
        """A Dutch multi-line summary for the command line and the dashboard."""
        lines = [f"{self.region}:"]
        for layer, rows in self.written.items():
            lines.append(f"  ✓ {LAYER_LABELS.get(layer, layer)}: {rows} rijen opgeslagen")
        for layer, message in self.failed.items():
            kept = " (vorige versie blijft in gebruik)" if layer in self.kept else ""
            lines.append(f"  ✗ {LAYER_LABELS.get(layer, layer)}: {message}{kept}")
        lines.extend(f"  • {note}" for note in self.notes)
        return "\n".join(lines)


def check_gemeenten(codes: Iterable[str]) -> list[str]:
    """Normalise and validate gemeente codes typed by a user (``"gm1680"`` → ``"GM1680"``).

    Returns the codes sorted, once each; see :func:`loaders.regions.gemeente_codes`.
    """
    return sorted(gemeente_codes(codes, source="invoer", lenient=True))


def import_folder(
    folder: Path,
    gemeenten: Iterable[str] | None = None,
    *,
    store: Store | None = None,
    progress: Progress | None = None,
    replace_all: bool = False,
) -> BuildReport:
    """Build the national layers from downloaded files, or refresh some gemeenten in them.

    Every layer is built for the whole country (the files are national); with ``gemeenten``
    only the rows of those gemeenten replace their stored rows, and every other gemeente
    keeps what it had. Gemeente codes of an older division are translated to the newest one.
    Meeting places of neighbouring gemeenten are added only where none are stored yet.

    Parameters
    ----------
    folder
        Folder with StatLine/RIVM CSV, PDOK GeoJSON/GPKG, CBS bevolkingskernen, GeoNames,
        polling-station CSV/XLSX or Overpass JSON files (searched recursively).
    gemeenten
        CBS gemeente codes to refresh; ``None`` builds or replaces the whole country.
    replace_all
        With ``gemeenten=None``: replace the whole country even when stored gemeenten are
        missing from the files (their rows are removed). Without it that is refused.

    Raises
    ------
    UnknownRegionError
        When a requested code is not a gemeente of any division in the files (the message
        names the closest gemeenten); nothing is written then.
    StoreError
        When replacing the country would remove stored gemeenten and ``replace_all`` is
        not set; nothing is written then.
    """
    wanted = None if gemeenten is None else check_gemeenten(gemeenten)
    store = store or Store()
    step = progress or (lambda _msg: None)
    folder = Path(folder)
    if not folder.is_dir():
        raise SourceFormatError("bestanden", f"map {folder} bestaat niet.")
    files = scan_folder(folder)
    if not files:
        raise SourceFormatError("bestanden", f"geen herkende bronbestanden in {folder}.")
    builder = FileBuilder(files)
    layers: dict[str, tuple[pd.DataFrame, LayerSource]] = {}
    failed: dict[str, str] = {}
    codes: list[str] | None = None
    for layer, make in builder.steps():
        step(f"{LAYER_LABELS[layer]} inlezen")
        try:
            result = make(layers)
        except SourceError as exc:
            if layer == "gemeenten":
                raise
            failed[layer] = exc.user_message
            continue
        if result is not None:
            layers[layer] = result
        if layer == "gemeenten" and wanted is not None:
            codes = builder.translate(wanted)
    return _finish(store, layers, failed, codes, builder.notes, replace_all=replace_all)


def folder_gemeenten(folder: Path) -> gpd.GeoDataFrame:
    """The gemeenten of the newest division in an import folder (to resolve an area by name).

    Raises
    ------
    SourceFormatError
        When the folder holds no gemeente file.
    """
    files = scan_folder(Path(folder)) if Path(folder).is_dir() else []
    if not files:
        raise SourceFormatError("bestanden", f"geen herkende bronbestanden in {folder}.")
    frame, _source = FileBuilder(files).gemeenten({})
    return frame


def fetch_live(
    gemeenten: Iterable[str],
    *,
    year: int = 2022,
    store: Store | None = None,
    session: requests.Session | None = None,
    progress: Progress | None = None,
    endpoints: Mapping[str, str] | None = None,
) -> BuildReport:
    """Refresh gemeenten in the national store from the public APIs (PDOK, CBS, RIVM, OSM).

    ``year`` is the year of the area division; RIVM 50120NED uses indeling 2022, so that is
    the default. ``endpoints`` overrides entries of :data:`ENDPOINTS` (a mirror, or a local
    server in tests). Only the rows of the fetched gemeenten are replaced: other gemeenten,
    a user's own venue lists (``venues_eigen``) and other layers keep their stored version.
    """
    unknown = set(endpoints or {}) - set(ENDPOINTS)
    if unknown:
        raise ValueError(f"unknown endpoint(s) {sorted(unknown)}; known: {sorted(ENDPOINTS)}")
    urls = {**ENDPOINTS, **(endpoints or {})}
    codes = check_gemeenten(gemeenten)
    store = store or Store()
    step = progress or (lambda _msg: None)
    layers: dict[str, tuple[pd.DataFrame, LayerSource]] = {}
    failed: dict[str, str] = {}
    for layer, make in _live_steps(codes, year, session, urls):
        step(f"{LAYER_LABELS[layer]} ophalen")
        try:
            layers[layer] = make(layers)
        except SourceError as exc:
            failed[layer] = exc.user_message
    if "eenzaamheid" in layers:
        frame, source = layers["eenzaamheid"]
        layers["eenzaamheid"] = (with_gemeentecode(frame, None), source)
    if "gemeenten" in layers and store.has_layer(NATIONAL, "gemeenten"):
        frame, source = layers["gemeenten"]
        stored = store.read_layer(NATIONAL, "gemeenten")
        if "provincie" in stored.columns:
            provinces = stored.drop_duplicates("code").set_index("code")["provincie"]
            layers["gemeenten"] = (frame.assign(provincie=frame["code"].map(provinces)), source)
    if "venues" in layers and "gemeenten" in layers:
        frame, source = layers["venues"]
        located = divisions.locate_points(frame.geometry, layers["gemeenten"][0])
        inside = located.notna().to_numpy()
        layers["venues"] = (frame.assign(gemeentecode=located)[inside], source)
    return _finish(store, layers, failed, codes, [])


def import_network(
    osm_file: Path,
    gemeenten: Iterable[str] | None = None,
    *,
    modes: Iterable[str] = roads.TRAVEL_MODES,
    buffer_m: float = 5000.0,
    store: Store | None = None,
    progress: Progress | None = None,
    replace_all: bool = False,
) -> BuildReport:
    """Store road networks from an OSM PBF/XML file, one layer per mode.

    The network is clipped to the chosen gemeenten (all stored ones when ``None``) plus
    ``buffer_m`` metres, so that a meeting place just across a border still counts. A stored
    network that reaches beyond that area is kept (the mode fails) unless ``replace_all``.
    """
    store = store or Store()
    area = _network_area(store, gemeenten)
    if area is None and gemeenten is not None:
        raise UnknownRegionError(
            "invoer", "er zijn nog geen gemeentegrenzen opgeslagen om het wegennet op af te "
            "snijden; importeer eerst de gegevens, of laat --gebied weg voor het hele bestand.",
        )
    bbox = None
    if area is not None:
        bbox = _buffered_bounds(area, buffer_m)
    source = LayerSource(
        source=str(Path(osm_file).resolve()), attribution=ATTRIBUTION["osm"], licence="ODbL",
        note=f"wegennet, {buffer_m:g} m rond het gebied",
    )
    modes = tuple(modes)
    networks: dict[str, roads.RoadEdges | SourceFormatError] = {}

    def read(mode: str) -> roads.RoadEdges:
        if not networks:  # one pass over the file for every mode
            networks.update(roads.read_road_networks(osm_file, modes, bbox=bbox))
        found = networks[mode]
        if isinstance(found, SourceFormatError):
            raise found
        return found

    return _store_networks(store, modes, read, source, progress, coverage=bbox,
                           replace_all=replace_all)


def import_line_network(
    line_file: Path,
    gemeenten: Iterable[str] | None = None,
    *,
    modes: Iterable[str] = roads.TRAVEL_MODES,
    layer: str | None = None,
    oneway_column: str | None = None,
    kind_column: str | None = None,
    length_column: str | None = None,
    attribution: str | None = None,
    buffer_m: float = 5000.0,
    store: Store | None = None,
    progress: Progress | None = None,
    replace_all: bool = False,
) -> BuildReport:
    """Store road networks from a line file (NWB wegvakken, an OSM export), one layer per mode.

    The layers have the same name and form as those of :func:`import_network`. The file is read
    once (:func:`loaders.lines.read_line_layer`), clipped to the chosen gemeenten (all stored
    ones when ``None``) plus ``buffer_m`` metres, and noded per mode
    (:func:`loaders.lines.line_edges`). A mode that may use none of the lines fails on its own
    and keeps its stored network, as does one whose stored network reaches beyond the area
    (unless ``replace_all``).

    Raises
    ------
    SourceFormatError
        When the file cannot be used at all (see :func:`loaders.lines.read_line_layer`);
        nothing is written then.
    UnknownRegionError
        When a chosen gemeente is not stored.
    """
    store = store or Store()
    area = _network_area(store, gemeenten)
    if area is None and gemeenten is not None:
        raise UnknownRegionError(
            "invoer", "er zijn nog geen gemeentegrenzen opgeslagen om het wegennet op af te "
            "snijden; importeer eerst de gegevens, of laat --gebied weg voor het hele bestand.",
        )
    step = progress or (lambda _msg: None)
    step(f"lijnen lezen uit {Path(line_file).name}")
    layer_lines = lines.read_line_layer(
        line_file, layer=layer, oneway_column=oneway_column, kind_column=kind_column,
        length_column=length_column, area=None if area is None else area.geometry,
        buffer_m=buffer_m, attribution=attribution,
    )
    source = LayerSource(
        source=f"{Path(line_file).resolve()} (laag {layer_lines.layer})",
        attribution=layer_lines.attribution,
        note=f"wegennet uit een lijnenbestand, {buffer_m:g} m rond het gebied",
    )
    sizes: dict[str, str] = {}

    def read(mode: str) -> roads.RoadEdges:
        edges = lines.line_edges(layer_lines, mode)
        sizes[mode] = (f"{edges.x.size} knopen, {edges.u.size} wegdelen, "
                       f"{int(edges.oneway.sum())} eenrichting")
        return edges

    report = _store_networks(store, modes, read, source, step,
                             coverage=_buffered_bounds(area, buffer_m), replace_all=replace_all)
    report.notes.extend(layer_lines.notes)
    report.notes.extend(f"{LAYER_LABELS[f'netwerk_{mode}']}: {text}"
                        for mode, text in sizes.items())
    return report


def fetch_network_live(
    gemeenten: Iterable[str] | None = None,
    *,
    modes: Iterable[str] = roads.TRAVEL_MODES,
    buffer_m: float = 5000.0,
    store: Store | None = None,
    progress: Progress | None = None,
    replace_all: bool = False,
) -> BuildReport:
    """Download road networks with osmnx for the chosen gemeenten plus ``buffer_m``.

    A stored network that reaches beyond that area is kept (the mode fails) unless
    ``replace_all``.
    """
    store = store or Store()
    area = _network_area(store, gemeenten)
    if area is None:
        raise StoreError(
            "Er zijn nog geen gemeentegrenzen opgeslagen; importeer eerst de gegevens."
        )
    source = LayerSource(
        source="OpenStreetMap via osmnx (Overpass)", attribution=ATTRIBUTION["osm"],
        licence="ODbL", note=f"wegennet, {buffer_m:g} m rond het gebied",
    )
    return _store_networks(
        store, modes,
        lambda mode: roads.fetch_road_edges(area.union_all(), mode, buffer_m=buffer_m),
        source, progress, coverage=_buffered_bounds(area, buffer_m), replace_all=replace_all,
    )


def _network_area(store: Store, gemeenten: Iterable[str] | None) -> gpd.GeoDataFrame | None:
    """The stored polygons of ``gemeenten`` (all when None); None when none are stored."""
    if not store.has_layer(NATIONAL, "gemeenten"):
        return None
    areas = store.read_layer(NATIONAL, "gemeenten")
    if gemeenten is None:
        return areas
    codes = check_gemeenten(gemeenten)
    chosen = areas[areas["code"].isin(codes)]
    if chosen.empty:
        raise UnknownRegionError(
            "invoer", f"{', '.join(codes)} is geen opgeslagen gemeente. "
            + suggestion_text(codes[0], dict(zip(areas["code"], areas["naam"], strict=True))),
        )
    return chosen


def _buffered_bounds(
    area: gpd.GeoDataFrame | None, buffer_m: float
) -> tuple[float, float, float, float] | None:
    """The bounds of ``area`` grown by ``buffer_m`` (the box a network is clipped to)."""
    if area is None:
        return None
    minx, miny, maxx, maxy = area.total_bounds
    return (minx - buffer_m, miny - buffer_m, maxx + buffer_m, maxy + buffer_m)


def _store_networks(
    store: Store,
    modes: Iterable[str],
    read: Callable[[str], roads.RoadEdges],
    source: LayerSource,
    progress: Progress | None,
    *,
    coverage: tuple[float, float, float, float] | None,
    replace_all: bool,
) -> BuildReport:
    """Read one edge list per mode and store those that succeeded in one atomic write.

    ``coverage`` is the box the new networks cover (None: the whole file). A mode whose
    stored network has nodes outside it fails and keeps the stored one, unless
    ``replace_all``: replacing it would remove roads outside the chosen area.
    """
    step = progress or (lambda _msg: None)
    layers: dict[str, tuple[dict[str, np.ndarray], LayerSource]] = {}
    failed: dict[str, str] = {}
    for mode in modes:
        layer = f"netwerk_{mode}"
        step(f"{LAYER_LABELS[layer]} lezen")
        try:
            arrays = read(mode).arrays()
        except SourceError as exc:
            failed[layer] = exc.user_message
            continue
        outside = 0 if replace_all else _nodes_outside(store, layer, coverage, arrays)
        if outside:
            failed[layer] = (
                f"het opgeslagen {LAYER_LABELS[layer]} reikt verder dan dit gebied ({outside} "
                "knopen erbuiten) en zou helemaal vervangen worden. Voeg --vervang-alles toe om "
                "dat toch te doen (de vorige versie blijft te herstellen met python -m loaders "
                "herstel)"
            )
            continue
        layers[layer] = (arrays, source)
    report = BuildReport(region=NATIONAL_NAME, failed=failed)
    try:
        report.kept = sorted(set(store.manifest(NATIONAL).layers) & set(failed))
    except StoreError:
        report.kept = []
    if layers:
        store.write_region(NATIONAL, layers, name=NATIONAL_NAME)
        report.written = {layer: len(arrays["u"]) for layer, (arrays, _src) in layers.items()}
    return report


def _nodes_outside(
    store: Store,
    layer: str,
    coverage: tuple[float, float, float, float] | None,
    arrays: dict[str, np.ndarray],
) -> int:
    """How many nodes of the stored network ``layer`` lie outside ``coverage``.

    Without a ``coverage``, the new network's own bounds are used; a node counts as outside
    when it lies more than a metre beyond the box.
    """
    if not store.has_layer(NATIONAL, layer):
        return 0
    try:
        stored = store.read_arrays(NATIONAL, layer)
    except StoreError:
        return 0  # a damaged network is no loss; the new one replaces it
    if coverage is None:
        x, y = arrays["x"], arrays["y"]
        if not len(x):
            return len(stored["x"])
        coverage = (x.min(), y.min(), x.max(), y.max())
    minx, miny, maxx, maxy = coverage
    sx, sy = stored["x"], stored["y"]
    return int(((sx < minx - 1) | (sx > maxx + 1) | (sy < miny - 1) | (sy > maxy + 1)).sum())


def _finish(
    store: Store,
    layers: dict[str, tuple[pd.DataFrame, LayerSource]],
    failed: dict[str, str],
    codes: list[str] | None,
    notes: list[str],
    *,
    replace_all: bool = False,
) -> BuildReport:
    """Write the built layers into the national store: whole, or only the rows of ``codes``.

    The read of the stored rows and the write hold the store's write lock, so a concurrent
    refresh of other gemeenten is never lost.
    """
    report = BuildReport(region=NATIONAL_NAME, failed=failed, notes=list(notes))
    with store.writing(NATIONAL):
        previous: set[str] = set()
        with suppress(StoreError):
            previous = set(store.manifest(NATIONAL).layers)
        report.kept = sorted(previous & set(failed))
        if codes is None and not replace_all:
            _refuse_lost_gemeenten(store, layers)
        if codes is not None:
            around = codes + _unstored_neighbours(store, layers, codes)
            layers = {
                layer: (_upsert(store, layer, frame, around if layer == "venues" else codes),
                        source)
                for layer, (frame, source) in layers.items()
            }
            report.notes.append(
                f"alleen {len(codes)} gemeente(n) bijgewerkt; de andere gemeenten zijn ongewijzigd"
            )
        if layers:
            everything = layers["gemeenten"][0] if "gemeenten" in layers else None
            all_codes = (None if everything is None
                         else sorted(everything["code"].dropna().unique()))
            store.write_region(NATIONAL, layers, name=NATIONAL_NAME, gemeenten=all_codes)
            report.written = {layer: len(frame) for layer, (frame, _src) in layers.items()}
    return report


def _refuse_lost_gemeenten(
    store: Store, layers: Mapping[str, tuple[pd.DataFrame, LayerSource]]
) -> None:
    """Raise when replacing the whole country would remove the rows of stored gemeenten.

    Raises
    ------
    StoreError
        Naming the gemeenten whose rows would go and how to go ahead anyway.
    """
    lost: dict[str, set[str]] = {}
    for layer, (frame, _source) in layers.items():
        column = GEMEENTE_COLUMN.get(layer)
        if column is None or column not in frame.columns or not store.has_layer(NATIONAL, layer):
            continue
        try:
            stored = store.read_layer(NATIONAL, layer, columns=[column])
        except StoreError:
            continue  # a damaged layer holds nothing to lose
        if column not in stored.columns:
            continue
        gone = set(stored[column].dropna()) - set(frame[column].dropna())
        if gone:
            lost[layer] = gone
    if not lost:
        return
    codes = sorted(set().union(*lost.values()))
    shown = ", ".join(codes[:SHOWN_CODES]) + (" …" if len(codes) > SHOWN_CODES else "")
    raise StoreError(
        f"Deze import zou de opgeslagen rijen van {len(codes)} gemeente(n) verwijderen die niet "
        f"in de nieuwe bestanden staan ({shown}; lagen: "
        f"{', '.join(LAYER_LABELS.get(layer, layer) for layer in sorted(lost))}). Noem alleen "
        "de gemeenten die je wilt verversen (--gebied of --gemeente), of voeg --vervang-alles "
        "toe om heel Nederland toch te vervangen (de vorige versie blijft te herstellen met "
        "python -m loaders herstel)."
    )


def _unstored_neighbours(
    store: Store, layers: Mapping[str, tuple[pd.DataFrame, LayerSource]], codes: list[str]
) -> list[str]:
    """The gemeenten within :data:`NEIGHBOUR_DISTANCE_M` of ``codes`` without stored places.

    A partial refresh adds the meeting places of these neighbours, so that a kern near the
    border of a refreshed gemeente still finds the place across it; a neighbour that has
    stored places keeps them (it was not named).
    """
    if "gemeenten" not in layers:
        return []
    areas = layers["gemeenten"][0]
    chosen = areas[areas["code"].isin(codes)]
    if chosen.empty:
        return []
    near = set(areas.loc[areas.dwithin(chosen.union_all(), NEIGHBOUR_DISTANCE_M), "code"])
    stored: set[str] = set()
    if store.has_layer(NATIONAL, "venues"):
        column = GEMEENTE_COLUMN["venues"]
        try:
            stored = set(store.read_layer(NATIONAL, "venues", columns=[column])[column].dropna())
        except StoreError:
            stored = set()
    return sorted(near - set(codes) - stored)


def _upsert(store: Store, layer: str, fresh: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    """The stored ``layer`` with the rows of ``codes`` replaced by those of ``fresh``.

    Rows are matched on their (newest) gemeente code; rows without one (the national figure
    of the loneliness table) and layers without a gemeente column come from ``fresh``.
    """
    column = GEMEENTE_COLUMN.get(layer)
    if column is None or column not in fresh.columns:
        return fresh
    mine = fresh[column].isin(codes) | fresh[column].isna()
    stored = store.read_layer(NATIONAL, layer) if store.has_layer(NATIONAL, layer) else None
    if stored is None or column not in stored.columns:
        return fresh[mine].reset_index(drop=True)
    keep = ~stored[column].isin(codes) & stored[column].notna()
    merged = pd.concat([stored[keep], fresh[mine]], ignore_index=True)
    if isinstance(fresh, gpd.GeoDataFrame):
        return gpd.GeoDataFrame(merged, geometry="geometry", crs=CRS)
    return merged


def _loneliness_table(year: int) -> str:
    """The RIVM table for gemeenten of division ``year``: 50120NED from its own division on."""
    newest = "50120NED"
    return newest if year >= int(rivm.TABLES[newest]["indeling"]) else "50090NED"


def _built_gemeenten(done: Built, message: str) -> gpd.GeoDataFrame:
    """The gemeenten built before a step that needs them.

    Raises
    ------
    SourceFormatError
        With ``message`` when they failed (so the step fails, not the whole build).
    """
    if "gemeenten" not in done:
        raise SourceFormatError("OpenStreetMap", message)
    return done["gemeenten"][0]


def _live_steps(
    codes: list[str], year: int, session: requests.Session | None, urls: Mapping[str, str]
) -> list[tuple[str, Callable[[Built], tuple[pd.DataFrame, LayerSource]]]]:
    def fetch_layer(layer: str) -> gpd.GeoDataFrame:
        return pdok.fetch_areas(year, layer, codes, session=session, base_url=urls["pdok"],
                                wfs_url=urls["pdok_wfs"])

    def gemeenten(_done: Built) -> tuple[pd.DataFrame, LayerSource]:
        frame = fetch_layer("gemeenten")
        return frame, LayerSource(
            source=urls["pdok"].format(year=year), attribution=ATTRIBUTION["pdok"],
            year=str(year), indeling=str(year), licence="CC BY 4.0",
        )

    def buurten(_done: Built) -> tuple[pd.DataFrame, LayerSource]:
        frame = fetch_layer("buurten")
        table_id = cbs.KERNCIJFERS_TABLES.get(year, "")
        if table_id:
            figures = cbs.fetch_kerncijfers(year, codes, session=session, base_url=urls["cbs"])
            frame = fill_from_kerncijfers(frame, figures)
        return frame, LayerSource(
            source=f"{urls['pdok'].format(year=year)}; {urls['cbs']}/{table_id}",
            attribution=f"{ATTRIBUTION['pdok']}; {ATTRIBUTION['cbs']}", table_id=table_id,
            year=str(year), indeling=str(year), licence="CC BY 4.0",
        )

    def eenzaamheid(_done: Built) -> tuple[pd.DataFrame, LayerSource]:
        table_id = _loneliness_table(year)
        frame = rivm.fetch_loneliness(table_id, codes, session=session, base_url=urls["rivm"])
        return frame, LayerSource(
            source=f"{urls['rivm']}/{table_id}", attribution=ATTRIBUTION["rivm"],
            table_id=table_id, year=",".join(str(y) for y in sorted(frame["jaar"].unique())),
            indeling=rivm.TABLES[table_id]["indeling"],
            licence="CC BY 4.0 (niet live gecontroleerd)",
        )

    def kernen_live(done: Built) -> tuple[pd.DataFrame, LayerSource]:
        areas = _built_gemeenten(done, "kernen vragen eerst de gemeentegrenzen.")
        places = kernen.fetch_osm_places(areas, session=session, base_url=urls["overpass"])
        buurten = done["buurten"][0] if "buurten" in done else None
        located = kernen.assign_areas(places, areas, buurten)
        located = located[located["gemeentecode"].isin(codes)].reset_index(drop=True)
        return located, LayerSource(
            source=urls["overpass"], attribution=ATTRIBUTION["osm"], licence="ODbL"
        )

    def venues_live(done: Built) -> tuple[pd.DataFrame, LayerSource]:
        areas = _built_gemeenten(done, "ontmoetingsplekken vragen eerst de grenzen.")
        minx, miny, maxx, maxy = areas.to_crs("EPSG:4326").total_bounds
        frame = osm.fetch_osm_venues(
            bbox=(miny, minx, maxy, maxx), session=session, base_url=urls["overpass"]
        )
        frame = frame[frame.within(areas.union_all().buffer(2000))].reset_index(drop=True)
        if frame.empty:
            raise SourceFormatError(
                osm.SOURCE,
                "geen enkele ontmoetingsplek gevonden binnen de gemeenten; de vorige lijst "
                "blijft in gebruik. Controleer de gemeentecodes of probeer het later opnieuw.",
            )
        return frame, LayerSource(
            source=urls["overpass"], attribution=ATTRIBUTION["osm"], licence="ODbL"
        )

    return [
        ("gemeenten", gemeenten),
        ("buurten", buurten),
        ("eenzaamheid", eenzaamheid),
        ("kernen", kernen_live),
        ("venues", venues_live),
    ]
