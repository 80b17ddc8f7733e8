"""Recognise downloaded source files by their content, so a folder can be imported as a region."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pyogrio

AREA_SUFFIXES = {".geojson", ".gpkg", ".json"}
OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm")


@dataclass(frozen=True)
class SourceFile:
    """A file in an import folder and what it holds.

    ``kind`` is one of ``areas``, ``loneliness``, ``kerncijfers``, ``kernen_cbs``,
    ``geonames``, ``stemlokalen``, ``overpass``, ``osm_file``; ``layer`` is
    ``gemeenten``/``wijken``/``buurten`` for area files.
    """

    path: Path
    kind: str
    layer: str = ""


def scan_folder(folder: Path) -> list[SourceFile]:
    """All recognised source files under ``folder`` (recursively), in a stable order."""
    found = []
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        detected = detect(path)
        if detected is not None:
            found.append(detected)
    return found


def detect(path: Path) -> SourceFile | None:
    """Say what ``path`` holds, from its name and first bytes; ``None`` when not recognised."""
    name = path.name.lower()
    suffix = path.suffix.lower()
    if name.endswith(OSM_SUFFIXES):
        return SourceFile(path, "osm_file")
    if suffix in {".csv", ".txt"}:
        return _detect_table(path, _first_line(path))
    if suffix == ".xlsx":
        return SourceFile(path, "stemlokalen") if "stem" in name else None
    if suffix == ".json":
        return _detect_json(path)
    return _detect_areas(path) if suffix in AREA_SUFFIXES else None


def _detect_json(path: Path) -> SourceFile | None:
    """An Overpass answer, an OData table or else (perhaps) GeoJSON areas."""
    head = _head(path)
    if '"elements"' in head and _is_overpass(path):
        return SourceFile(path, "overpass")
    if '"value"' in head:
        return _detect_table(path, _odata_header(head))
    return _detect_areas(path)


def _first_line(path: Path) -> str:
    with path.open("rb") as handle:
        raw = handle.readline(65536)
    return raw.decode("utf-8-sig", errors="replace").strip().lower()


def _head(path: Path) -> str:
    with path.open("rb") as handle:
        return handle.read(8192).decode("utf-8", errors="replace")


def _odata_header(head: str) -> str:
    """The keys of the first OData row, joined like a CSV header (lower case)."""
    first = head.find("{", head.find('"value"'))
    keys = re.findall(r'"([^"]+)"\s*:', head[first:head.find("}", first)]) if first > 0 else []
    return ",".join(keys).lower()


def _detect_table(path: Path, header: str) -> SourceFile | None:
    header = header.replace(";", ",")
    if "naam stembureau" in header and ("latitude" in header or "x" in header.split(",")):
        return SourceFile(path, "stemlokalen")
    if "eenzaam" in header and ("wijkenenbuurten" in header or "regiocode" in header):
        return SourceFile(path, "loneliness")
    if "wijkenenbuurten" in header and "aantalinwoners_" in header:
        return SourceFile(path, "kerncijfers")
    if header.startswith("geonameid"):
        return SourceFile(path, "geonames")
    columns = {c.strip('"') for c in header.split(",")}
    if {"name", "x", "y", "population"} <= columns:
        return SourceFile(path, "kernen_cbs")
    return None


def _is_overpass(path: Path) -> bool:
    try:
        return isinstance(json.loads(path.read_text(encoding="utf-8")).get("elements"), list)
    except (ValueError, AttributeError):
        return False


def _detect_areas(path: Path) -> SourceFile | None:
    try:
        fields = {f.lower() for f in pyogrio.read_info(path)["fields"]}
    except Exception:  # noqa: BLE001 - any unreadable file is simply "not an area file"
        return None
    if fields & {"buurtcode", "bu_code"}:
        return SourceFile(path, "areas", "buurten")
    if "wijkcode" in fields or "wk_code" in fields:
        return SourceFile(path, "areas", "wijken")
    if fields & {"gemeentecode", "gm_code"}:
        return SourceFile(path, "areas", "gemeenten")
    if {"name", "municipality", "population"} <= fields:
        return SourceFile(path, "kernen_cbs")
    return None
