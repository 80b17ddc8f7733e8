"""Build a stored region, from a folder of downloaded files or from the live APIs.

Both paths parse with the same functions. Every layer is prepared in memory first; then all
layers that succeeded are written in one atomic store update. A layer whose source failed keeps
its previously stored version, and the report says so in Dutch.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import requests

from loaders import cbs, kernen, osm, pdok, rivm, roads, stemlokalen
from loaders.errors import SourceError, SourceFormatError, UnknownRegionError
from loaders.files import SourceFile, scan_folder
from loaders.regions import gemeente_codes
from loaders.schema import ATTRIBUTION, CRS
from loaders.store import LayerSource, Store, StoreError, region_id

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
}


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
        lines = [f"Regio {self.region}:"]
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
    gemeenten: Iterable[str],
    *,
    region: str | None = None,
    name: str | None = None,
    store: Store | None = None,
    progress: Progress | None = None,
) -> BuildReport:
    """Build or refresh a region from downloaded files in ``folder``.

    Parameters
    ----------
    folder
        Folder with StatLine/RIVM CSV, PDOK GeoJSON/GPKG, CBS bevolkingskernen, GeoNames,
        polling-station CSV/XLSX or Overpass JSON files (searched recursively).
    gemeenten
        CBS gemeente codes of the region.
    region, name
        Folder id and display name; derived from the gemeente names when not given.
    """
    codes = check_gemeenten(gemeenten)
    store = store or Store()
    step = progress or (lambda _msg: None)
    folder = Path(folder)
    if not folder.is_dir():
        raise SourceFormatError("bestanden", f"map {folder} bestaat niet.")
    files = scan_folder(folder)
    if not files:
        raise SourceFormatError("bestanden", f"geen herkende bronbestanden in {folder}.")
    builder = _FileBuilder(files, codes)
    layers: dict[str, tuple[pd.DataFrame, LayerSource]] = {}
    failed: dict[str, str] = {}
    for layer, make in builder.steps():
        step(f"{LAYER_LABELS[layer]} inlezen")
        try:
            result = make(layers)
        except UnknownRegionError:
            if layer == "gemeenten":
                raise
            failed[layer] = "de gemeente komt niet voor in de bestanden"
            continue
        except SourceError as exc:
            failed[layer] = exc.user_message
            continue
        if result is not None:
            layers[layer] = result
    return _finish(store, layers, failed, codes, region, name, builder.notes)


def fetch_live(
    gemeenten: Iterable[str],
    *,
    year: int = 2022,
    region: str | None = None,
    name: str | None = None,
    store: Store | None = None,
    session: requests.Session | None = None,
    progress: Progress | None = None,
    endpoints: Mapping[str, str] | None = None,
) -> BuildReport:
    """Build or refresh a region from the public APIs (PDOK, CBS, RIVM, OpenStreetMap).

    ``year`` is the year of the area division; RIVM 50120NED uses indeling 2022, so that is
    the default. ``endpoints`` overrides entries of :data:`ENDPOINTS` (a mirror, or a local
    server in tests). Only the layers fetched here are written: a user's own venue lists
    (``venues_eigen``) and other layers keep their stored version.
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
    return _finish(store, layers, failed, codes, region, name, [])


def import_network(
    osm_file: Path,
    region: str,
    *,
    modes: Iterable[str] = roads.TRAVEL_MODES,
    buffer_m: float = 5000.0,
    store: Store | None = None,
    progress: Progress | None = None,
) -> BuildReport:
    """Store the road networks of ``region`` from an OSM PBF/XML file, one layer per mode.

    The network is clipped to the region's gemeenten plus ``buffer_m`` metres, so that a
    meeting place just across the municipal border still counts (as CBS does).
    """
    store = store or Store()
    bbox = None
    if store.has_layer(region, "gemeenten"):
        minx, miny, maxx, maxy = store.read_layer(region, "gemeenten").total_bounds
        bbox = (minx - buffer_m, miny - buffer_m, maxx + buffer_m, maxy + buffer_m)
    else:
        store.manifest(region)
    source = LayerSource(
        source=str(Path(osm_file).resolve()), attribution=ATTRIBUTION["osm"], licence="ODbL",
        note=f"wegennet, {buffer_m:g} m rond de regio",
    )
    return _store_networks(
        store, region, modes, lambda mode: roads.read_road_edges(osm_file, mode, bbox=bbox),
        source, progress,
    )


def fetch_network_live(
    region: str,
    *,
    modes: Iterable[str] = roads.TRAVEL_MODES,
    buffer_m: float = 5000.0,
    store: Store | None = None,
    progress: Progress | None = None,
) -> BuildReport:
    """Download the road networks of ``region`` with osmnx (gemeenten plus ``buffer_m``)."""
    store = store or Store()
    area = store.read_layer(region, "gemeenten").union_all()
    source = LayerSource(
        source="OpenStreetMap via osmnx (Overpass)", attribution=ATTRIBUTION["osm"],
        licence="ODbL", note=f"wegennet, {buffer_m:g} m rond de regio",
    )
    return _store_networks(
        store, region, modes,
        lambda mode: roads.fetch_road_edges(area, mode, buffer_m=buffer_m), source, progress,
    )


def _store_networks(
    store: Store,
    region: str,
    modes: Iterable[str],
    read: Callable[[str], roads.RoadEdges],
    source: LayerSource,
    progress: Progress | None,
) -> BuildReport:
    """Read one edge list per mode and store those that succeeded in one atomic write."""
    step = progress or (lambda _msg: None)
    layers: dict[str, tuple[dict, LayerSource]] = {}
    failed: dict[str, str] = {}
    for mode in modes:
        layer = f"netwerk_{mode}"
        step(f"{LAYER_LABELS[layer]} lezen")
        try:
            layers[layer] = (read(mode).arrays(), source)
        except SourceError as exc:
            failed[layer] = exc.user_message
    report = BuildReport(region=region, failed=failed)
    report.kept = sorted(set(store.manifest(region)["layers"]) & set(failed))
    if layers:
        store.write_region(region, layers)
        report.written = {layer: len(arrays["u"]) for layer, (arrays, _src) in layers.items()}
    return report


def _finish(
    store: Store,
    layers: dict[str, tuple[pd.DataFrame, LayerSource]],
    failed: dict[str, str],
    codes: list[str],
    region: str | None,
    name: str | None,
    notes: list[str],
) -> BuildReport:
    display = name or _region_name(layers, codes)
    rid = region or region_id(display)
    report = BuildReport(region=rid, failed=failed, notes=list(notes))
    previous = set()
    try:
        previous = set(store.manifest(rid)["layers"])
    except StoreError:
        pass
    report.kept = sorted(previous & set(failed))
    if layers:
        store.write_region(rid, layers, name=display, gemeenten=codes)
        report.written = {layer: len(frame) for layer, (frame, _src) in layers.items()}
    return report


def _region_name(layers: dict[str, tuple[pd.DataFrame, LayerSource]], codes: list[str]) -> str:
    if "gemeenten" in layers:
        names = layers["gemeenten"][0]["naam"].dropna().tolist()
        if names:
            return " + ".join(sorted(names))
    return "-".join(codes)


class _FileBuilder:
    """Chooses, per layer, which files of an import folder to use for the requested gemeenten."""

    def __init__(self, files: list[SourceFile], codes: list[str]) -> None:
        self.files = files
        self.codes = codes
        self.notes: list[str] = []

    def of_kind(self, kind: str, layer: str = "") -> list[SourceFile]:
        return [f for f in self.files if f.kind == kind and (not layer or f.layer == layer)]

    def steps(self) -> list[tuple[str, Callable[[dict], tuple[pd.DataFrame, LayerSource] | None]]]:
        return [
            ("gemeenten", self.gemeenten),
            ("buurten", self.buurten),
            ("eenzaamheid", self.eenzaamheid),
            ("kernen", self.kernen),
            ("venues", self.venues),
        ]

    def _newest_areas(self, layer: str) -> tuple[gpd.GeoDataFrame, list[Path], list[str]]:
        """Per gemeente the area file of the newest year that covers it."""
        files = self.of_kind("areas", layer)
        if not files:
            raise SourceFormatError("bestanden", f"geen bestand met {layer} gevonden.")
        candidates = []
        for source in files:
            frame = pdok.read_area_file(source.path, layer=layer, gemeenten=self.codes)
            if len(frame):
                year = str(frame["indeling"].iloc[0])
                candidates.append((year, source.path.stat().st_size, source.path, frame))
        candidates.sort(key=lambda c: (-int(c[0]), c[1]))
        parts, used, years = [], [], []
        for code in self.codes:
            for year, _size, path, frame in candidates:
                rows = frame[frame["gemeentecode"] == code]
                if len(rows):
                    parts.append(rows)
                    used.append(path)
                    years.append(year)
                    break
            else:
                self.notes.append(f"geen {layer} gevonden voor {code}")
        if not parts:
            raise UnknownRegionError(
                "bestanden",
                f"de gemeentecode(s) {', '.join(self.codes)} komen in geen {layer}bestand voor; "
                "controleer de code (bijv. GM1680 voor Aa en Hunze).",
            )
        merged = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=CRS)
        return merged, used, years

    def gemeenten(self, _done: dict) -> tuple[pd.DataFrame, LayerSource]:
        frame, used, years = self._newest_areas("gemeenten")
        return frame, _file_source(used, "pdok", year=",".join(sorted(set(years))))

    def buurten(self, _done: dict) -> tuple[pd.DataFrame, LayerSource]:
        frame, used, years = self._newest_areas("buurten")
        family = "wof" if any("wof" in p.name for p in used) else "pdok"
        extra: tuple[str, ...] = ()
        for source in self.of_kind("kerncijfers"):
            year = _kerncijfers_year(source.path) or max(years)
            figures = cbs.read_kerncijfers_file(source.path, year=year)
            frame = _fill_from_kerncijfers(frame, figures)
            used.append(source.path)
            extra = ("cbs",)
        return frame, _file_source(used, family, year=",".join(sorted(set(years))), extra=extra)

    def eenzaamheid(self, _done: dict) -> tuple[pd.DataFrame, LayerSource]:
        sources = self.of_kind("loneliness")
        if not sources:
            raise SourceFormatError("bestanden", "geen RIVM-bestand met eenzaamheidscijfers.")
        ordered = sorted(sources, key=lambda s: "50090NED" not in s.path.name)
        frames, used = [], []
        for source in ordered:
            try:
                frames.append(rivm.read_loneliness_csv(source.path, gemeenten=self.codes))
            except UnknownRegionError:
                continue
            used.append(source.path)
        if not frames:
            raise UnknownRegionError("bestanden", "geen eenzaamheidscijfers voor deze gemeenten.")
        table = pd.concat(frames, ignore_index=True)
        table = table.drop_duplicates(["regiocode", "jaar", "leeftijd", "indeling"], keep="first")
        table = table.sort_values(["jaar", "leeftijd", "regiocode"], ignore_index=True)
        years = ",".join(str(y) for y in sorted(table["jaar"].unique()))
        indeling = ",".join(sorted(table["indeling"].astype(str).unique()))
        table_ids = [t for t, info in rivm.TABLES.items() if info["indeling"] in indeling]
        return table, _file_source(
            used, "rivm", table_id=",".join(table_ids), year=years, indeling=indeling
        )

    def kernen(self, done: dict) -> tuple[pd.DataFrame, LayerSource]:
        primary = [kernen.read_cbs_bevolkingskernen(s.path) for s in self.of_kind("kernen_cbs")]
        secondary = [kernen.read_geonames(s.path) for s in self.of_kind("geonames")]
        secondary += [kernen.parse_osm_places(_read_json(s.path)) for s in self.of_kind("overpass")]
        if not primary and not secondary:
            raise SourceFormatError("bestanden", "geen bestand met kernen of plaatsen.")
        if "gemeenten" not in done:
            raise SourceFormatError(
                "bestanden", "kernen kunnen niet worden ingedeeld zonder gemeentegrenzen."
            )
        first = _concat_points(primary)
        second = _concat_points(secondary)
        if len(first) == 0:
            first, second = second, first.iloc[0:0]
        merged = kernen.merge_kernen(first, second)
        buurten = done["buurten"][0] if "buurten" in done else None
        located = kernen.assign_areas(merged, done["gemeenten"][0], buurten)
        located = located[located["gemeentecode"].isin(self.codes)].reset_index(drop=True)
        used = [s.path for s in self.of_kind("kernen_cbs") + self.of_kind("geonames")]
        family = "cbs" if primary else "geonames"
        return located, _file_source(used, family, year="2021", extra=("geonames",))

    def venues(self, done: dict) -> tuple[pd.DataFrame, LayerSource] | None:
        sources = self.of_kind("stemlokalen")
        frames = []
        for source in sources:
            try:
                frame = stemlokalen.read_stemlokalen(source.path, gemeenten=self.codes)
            except UnknownRegionError:
                continue
            if len(frame):
                frames.append((str(frame["peildatum"].max()), source.path, frame))
        newest: dict[str, tuple[str, Path, gpd.GeoDataFrame]] = {}
        for date, path, frame in frames:
            for code, rows in frame.groupby("gemeentecode"):
                if code not in newest or date > newest[code][0]:
                    newest[code] = (date, path, rows)
        parts = [rows for _d, _p, rows in newest.values()]
        used = sorted({p for _d, p, _r in newest.values()})
        for source in self.of_kind("overpass"):
            osm_frame = osm.parse_overpass_venues(_read_json(source.path))
            if "gemeenten" in done and len(osm_frame):
                inside = osm_frame.within(done["gemeenten"][0].union_all())
                osm_frame = osm_frame[inside]
            if len(osm_frame):
                parts.append(osm_frame)
                used.append(source.path)
        if not parts:
            raise SourceFormatError(
                "bestanden", "geen ontmoetingsplekken (stemlokalen of OSM) voor deze gemeenten."
            )
        venues = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=CRS)
        return venues, _file_source(used, "stemlokaal", extra=("osm",))


def _live_steps(
    codes: list[str], year: int, session: requests.Session | None, urls: Mapping[str, str]
) -> list[tuple[str, Callable[[dict], tuple[pd.DataFrame, LayerSource]]]]:
    areas_options = {"session": session, "base_url": urls["pdok"], "wfs_url": urls["pdok_wfs"]}

    def gemeenten(_done: dict) -> tuple[pd.DataFrame, LayerSource]:
        frame = pdok.fetch_areas(year, "gemeenten", codes, **areas_options)
        return frame, LayerSource(
            source=urls["pdok"].format(year=year), attribution=ATTRIBUTION["pdok"],
            year=str(year), indeling=str(year), licence="CC BY 4.0",
        )

    def buurten(_done: dict) -> tuple[pd.DataFrame, LayerSource]:
        frame = pdok.fetch_areas(year, "buurten", codes, **areas_options)
        table_id = cbs.KERNCIJFERS_TABLES.get(year, "")
        if table_id:
            figures = cbs.fetch_kerncijfers(year, codes, session=session, base_url=urls["cbs"])
            frame = _fill_from_kerncijfers(frame, figures)
        return frame, LayerSource(
            source=f"{urls['pdok'].format(year=year)}; {urls['cbs']}/{table_id}",
            attribution=f"{ATTRIBUTION['pdok']}; {ATTRIBUTION['cbs']}", table_id=table_id,
            year=str(year), indeling=str(year), licence="CC BY 4.0",
        )

    def eenzaamheid(_done: dict) -> tuple[pd.DataFrame, LayerSource]:
        table_id = "50120NED" if year >= 2022 else "50090NED"
        frame = rivm.fetch_loneliness(table_id, codes, session=session, base_url=urls["rivm"])
        return frame, LayerSource(
            source=f"{urls['rivm']}/{table_id}", attribution=ATTRIBUTION["rivm"],
            table_id=table_id, year=",".join(str(y) for y in sorted(frame["jaar"].unique())),
            indeling=rivm.TABLES[table_id]["indeling"], licence="CC BY 4.0 (niet live gecontroleerd)",
        )

    def kernen_live(done: dict) -> tuple[pd.DataFrame, LayerSource]:
        if "gemeenten" not in done:
            raise SourceFormatError("OpenStreetMap", "kernen vragen eerst de gemeentegrenzen.")
        areas = done["gemeenten"][0]
        places = kernen.fetch_osm_places(areas, session=session, base_url=urls["overpass"])
        buurten = done["buurten"][0] if "buurten" in done else None
        located = kernen.assign_areas(places, areas, buurten)
        located = located[located["gemeentecode"].isin(codes)].reset_index(drop=True)
        return located, LayerSource(
            source=urls["overpass"], attribution=ATTRIBUTION["osm"], licence="ODbL"
        )

    def venues_live(done: dict) -> tuple[pd.DataFrame, LayerSource]:
        if "gemeenten" not in done:
            raise SourceFormatError("OpenStreetMap", "ontmoetingsplekken vragen eerst de grenzen.")
        areas = done["gemeenten"][0]
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


def _fill_from_kerncijfers(areas: gpd.GeoDataFrame, figures: pd.DataFrame) -> gpd.GeoDataFrame:
    """Fill missing kerncijfers of PDOK areas from the CBS table, matched on the area code."""
    columns = ["inwoners", "inwoners_65plus", "pct_65plus", "eenpersoonshuishoudens_pct",
               "stedelijkheid"]
    lookup = figures.set_index("code")[columns]
    result = areas.copy()
    for column in columns:
        from_cbs = result["code"].map(lookup[column])
        result[column] = result[column].where(result[column].notna(), from_cbs)
    return result


def _kerncijfers_year(path: Path) -> int | None:
    """The year of a kerncijfers export, told by the table id in its file name."""
    for year, table_id in cbs.KERNCIJFERS_TABLES.items():
        if table_id in path.name:
            return year
    return None


def _concat_points(frames: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    if not frames:
        return gpd.GeoDataFrame({"kern_id": [], "naam": []}, geometry=[], crs=CRS)
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=CRS)


def _file_source(
    paths: Iterable[Path],
    family: str,
    *,
    table_id: str = "",
    year: str = "",
    indeling: str = "",
    extra: tuple[str, ...] = (),
) -> LayerSource:
    names = sorted({str(Path(p).resolve()) for p in paths})
    attribution = "; ".join(ATTRIBUTION[f] for f in (family, *extra))
    return LayerSource(
        source="; ".join(names), attribution=attribution, table_id=table_id,
        year=year, indeling=indeling or year, note="geïmporteerd uit bestanden",
    )


def _read_json(path: Path) -> dict:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SourceFormatError("bestanden", f"{path} is geen leesbare JSON: {exc}") from exc
