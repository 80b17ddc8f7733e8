"""The national layers from a folder of downloaded files (the offline path).

:class:`FileBuilder` recognises the files (:mod:`loaders.files`), takes the newest gemeente
division among them and places every other layer in it: buurten, kernen and meeting places by
location, loneliness figures through the old-to-new code map (:mod:`loaders.divisions`).
:func:`loaders.build.import_folder` runs its steps and writes the result.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd

from loaders import cbs, divisions, kernen, osm, pdok, rivm, stemlokalen
from loaders.errors import SourceFormatError, UnknownRegionError
from loaders.files import SourceFile
from loaders.manifest import LayerSource
from loaders.parsed import read_once, remember
from loaders.regions import suggestion_text
from loaders.schema import ATTRIBUTION, CRS

Built = Mapping[str, tuple[pd.DataFrame, LayerSource]]
"""The layers built so far, by name: what a later step reads (the gemeenten, the buurten)."""
Step = Callable[[Built], tuple[pd.DataFrame, LayerSource] | None]
"""One layer's build step; ``None`` when there is nothing to store for it."""


class FileBuilder:
    """Builds the national layers from the files of an import folder.

    The newest gemeente division in the folder is the one offered for choosing; every other
    layer is placed in it (points and polygons by location, codes through the overlap map).
    """

    def __init__(self, files: list[SourceFile]) -> None:
        self.files = files
        self.notes: list[str] = []
        self.mapping = pd.DataFrame(columns=list(divisions.MAPPING_COLUMNS))
        self.names: dict[str, str] = {}

    def of_kind(self, kind: str, layer: str = "") -> list[SourceFile]:
        """The files of ``kind`` (and of area ``layer``, when given)."""
        return [f for f in self.files if f.kind == kind and (not layer or f.layer == layer)]

    def steps(self) -> list[tuple[str, Step]]:
        """The layers in build order, each with its step; a step reads the layers before it."""
        return [
            ("gemeenten", self.gemeenten),
            ("gemeente_indeling", self.indeling),
            ("buurten", self.buurten),
            ("eenzaamheid", self.eenzaamheid),
            ("kernen", self.kernen),
            ("venues", self.venues),
        ]

    def translate(self, codes: list[str]) -> list[str]:
        """The newest codes for ``codes``; an old code gets a note, an unknown one an error."""
        newest = set(self.names)
        old = self.mapping.drop_duplicates("code_oud").set_index("code_oud")["code"]
        result: list[str] = []
        unknown: list[str] = []
        for code in codes:
            if code in newest:
                result.append(code)
            elif code in old.index:
                result.append(str(old[code]))
                self.notes.append(
                    f"{code} bestaat niet meer; het gebied valt nu (grotendeels) onder "
                    f"{self.names.get(str(old[code]), old[code])} ({old[code]})"
                )
            else:
                unknown.append(code)
        if unknown:
            raise UnknownRegionError(
                "bestanden",
                f"{', '.join(unknown)} is geen gemeente in de bestanden. "
                + suggestion_text(unknown[0], self.names),
            )
        return sorted(set(result))

    def _area_files(self, layer: str) -> list[tuple[int, Path, gpd.GeoDataFrame]]:
        """Every readable area file of ``layer``: (division year, path, areas), newest first."""
        found = []
        for source in self.of_kind("areas", layer):
            frame = _areas(source.path, layer)
            if len(frame):
                found.append((int(frame["indeling"].iloc[0]), source.path, frame))
        if not found:
            raise SourceFormatError("bestanden", f"geen bestand met {layer} gevonden.")
        found.sort(key=lambda item: (-item[0], item[1].stat().st_size))
        return found

    def gemeenten(self, _done: Built) -> tuple[pd.DataFrame, LayerSource]:
        """The newest gemeente division, with statistics and provinces filled in.

        Also sets the code map from every older division (:attr:`mapping`) and the names.
        """
        found = self._area_files("gemeenten")
        year, path, newest = found[0]
        newest = newest.drop_duplicates("code").reset_index(drop=True)
        older = [(old_path, frame) for other, old_path, frame in found[1:] if other < year]
        newest = self._fill_statistics(newest, [frame for _p, frame in older])
        self.mapping = pd.concat(
            [_overlap_map(old_path, path) for old_path, _frame in older] or [self.mapping],
            ignore_index=True,
        )
        provinces = self._provinces(newest)
        newest = newest.assign(provincie=newest["code"].map(provinces))
        self.names = dict(zip(newest["code"], newest["naam"], strict=True))
        return newest, _file_source([path], "pdok", year=str(year))

    def indeling(self, done: Built) -> tuple[pd.DataFrame, LayerSource] | None:
        """The map of old gemeente codes to the newest division; ``None`` with one division."""
        if self.mapping.empty:
            return None
        table = self.mapping.assign(
            naam=self.mapping["code"].map(self.names),
            indeling=str(done["gemeenten"][0]["indeling"].iloc[0]),
        )
        return table, LayerSource(
            source="afgeleid uit de gemeentegrenzen van verschillende jaren (overlap van vlakken)",
            attribution=ATTRIBUTION["pdok"], note="oude gemeentecodes → nieuwste indeling",
        )

    def _fill_statistics(
        self, newest: gpd.GeoDataFrame, older: list[gpd.GeoDataFrame]
    ) -> gpd.GeoDataFrame:
        """Fill empty kerncijfers of the newest gemeenten from an older file with the same code."""
        columns = ["inwoners", "inwoners_65plus", "pct_65plus", "eenpersoonshuishoudens_pct",
                   "stedelijkheid", "adresdichtheid", "pct_0_15", "pct_15_25"]
        result = newest.copy()
        for frame in older:
            lookup = frame.drop_duplicates("code").set_index("code")
            for column in columns:
                result[column] = result[column].fillna(result["code"].map(lookup[column]))
        return result

    def _cbs_kernen(self) -> list[SourceFile]:
        """The CBS bevolkingskernen file to use: the CSV (RD, with provinces) over a copy."""
        files = self.of_kind("kernen_cbs")
        csv = [s for s in files if s.path.suffix.lower() == ".csv"]
        return (csv or files)[:1]

    def _provinces(self, newest: gpd.GeoDataFrame) -> pd.Series:
        kernen_files = [s for s in self._cbs_kernen() if s.path.suffix.lower() == ".csv"]
        if not kernen_files:
            self.notes.append("geen CBS-kernenbestand: provincies onbekend")
            return pd.Series(dtype="object")
        kern_points = read_once(divisions.read_kern_provinces, kernen_files[0].path)
        geonames = [read_once(divisions.read_geonames_provinces, s.path)
                    for s in self.of_kind("geonames")]
        table = divisions.gemeente_provinces(newest, kern_points, geonames[0] if geonames else None)
        return table.set_index("code")["provincie"]

    def buurten(self, done: Built) -> tuple[pd.DataFrame, LayerSource]:
        """The buurten of every division, each gemeente from its newest file, placed by location.

        Kerncijfers files fill figures the area files lack.
        """
        gemeenten = done["gemeenten"][0]
        parts, used, years = [], [], []
        covered: set[str] = set()
        for year, path, frame in self._area_files("buurten"):
            placed = frame.assign(
                gemeentecode_bron=frame["gemeentecode"],
                gemeentecode=divisions.locate_points(
                    frame.geometry.representative_point(), gemeenten
                ).fillna(divisions.map_codes(frame["gemeentecode"], self.mapping)),
            )
            fresh = placed[~placed["gemeentecode"].isin(covered)]
            if fresh.empty:
                continue
            covered |= set(fresh["gemeentecode"].dropna())
            parts.append(fresh)
            used.append(path)
            years.append(str(year))
        frame = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=CRS)
        frame = frame.drop_duplicates("code", keep="first").reset_index(drop=True)
        family = "wof" if any("wof" in p.name for p in used) else "pdok"
        extra: tuple[str, ...] = ()
        for source in self.of_kind("kerncijfers"):
            year = _kerncijfers_year(source.path) or int(max(years))
            figures = read_once(cbs.read_kerncijfers_file, source.path, year=year)
            frame = fill_from_kerncijfers(frame, figures)
            used.append(source.path)
            extra = ("cbs",)
        missing = sorted(set(gemeenten["code"]) - covered)
        if missing:
            self.notes.append(f"geen buurtgrenzen voor {len(missing)} gemeente(n)")
        return frame, _file_source(used, family, year=",".join(sorted(set(years))), extra=extra)

    def eenzaamheid(self, done: Built) -> tuple[pd.DataFrame, LayerSource]:
        """The RIVM loneliness figures, with the newest gemeente code of every row."""
        sources = self.of_kind("loneliness")
        if not sources:
            raise SourceFormatError("bestanden", "geen RIVM-bestand met eenzaamheidscijfers.")
        ordered = sorted(sources, key=lambda s: "50090NED" not in s.path.name)
        frames, used = [], []
        for source in ordered:
            frames.append(read_once(rivm.read_loneliness_csv, source.path))
            used.append(source.path)
        table = pd.concat(frames, ignore_index=True)
        table = table.drop_duplicates(["regiocode", "jaar", "leeftijd", "indeling"], keep="first")
        table = table.sort_values(["jaar", "leeftijd", "regiocode"], ignore_index=True)
        buurten = done["buurten"][0] if "buurten" in done else None
        table = divisions.with_gemeentecode(table, self.mapping, buurten)
        years = ",".join(str(y) for y in sorted(table["jaar"].unique()))
        indeling = ",".join(sorted(table["indeling"].astype(str).unique()))
        table_ids = [t for t, info in rivm.TABLES.items() if info["indeling"] in indeling]
        return table, _file_source(
            used, "rivm", table_id=",".join(table_ids), year=years, indeling=indeling
        )

    def kernen(self, done: Built) -> tuple[pd.DataFrame, LayerSource]:
        """The kernen: CBS bevolkingskernen, completed by GeoNames and OSM places."""
        primary = [read_once(kernen.read_cbs_bevolkingskernen, s.path) for s in self._cbs_kernen()]
        secondary = [read_once(kernen.read_geonames, s.path) for s in self.of_kind("geonames")]
        secondary += [kernen.parse_osm_places(_read_json(s.path)) for s in self.of_kind("overpass")]
        if not primary and not secondary:
            raise SourceFormatError("bestanden", "geen bestand met kernen of plaatsen.")
        first = _concat_points(primary)
        second = _concat_points(secondary)
        if len(first) == 0:
            first, second = second, first.iloc[0:0]
        merged = kernen.merge_kernen(first, second)
        gemeenten = done["gemeenten"][0]
        buurten = done["buurten"][0] if "buurten" in done else None
        located = kernen.assign_areas(merged, gemeenten, buurten)
        located = located[located["gemeentecode"].isin(gemeenten["code"])].reset_index(drop=True)
        if primary:
            located = kernen.limit_inhabitants(located, gemeenten.set_index("code")["inwoners"])
        else:
            self.notes.append("geen CBS-kernenbestand: aantallen inwoners van GeoNames zijn niet "
                              "met de CBS-kernen gecontroleerd")
        used = [s.path for s in self._cbs_kernen() + self.of_kind("geonames")]
        family = "cbs" if primary else "geonames"
        return located, _file_source(used, family, year="2021", extra=("geonames",))

    def venues(self, done: Built) -> tuple[pd.DataFrame, LayerSource] | None:
        """The meeting places: each gemeente's newest polling stations plus OSM venues."""
        gemeenten = done["gemeenten"][0]
        newest: dict[str, tuple[str, Path, gpd.GeoDataFrame]] = {}
        for source in self.of_kind("stemlokalen"):
            frame = read_once(stemlokalen.read_stemlokalen, source.path)
            if frame.empty:
                continue
            frame = frame.assign(gemeentecode=divisions.locate_points(
                frame.geometry, gemeenten
            ).fillna(divisions.map_codes(frame["gemeentecode"], self.mapping)))
            date = str(frame["peildatum"].max())
            for code, rows in frame.groupby("gemeentecode"):
                if code not in newest or date > newest[code][0]:
                    newest[code] = (date, source.path, rows)
        parts = [rows for _d, _p, rows in newest.values()]
        used = sorted({p for _d, p, _r in newest.values()})
        for source in self.of_kind("overpass"):
            osm_frame = osm.parse_overpass_venues(_read_json(source.path))
            if len(osm_frame):
                osm_frame = osm_frame.assign(
                    gemeentecode=divisions.locate_points(osm_frame.geometry, gemeenten)
                )
                osm_frame = osm_frame[osm_frame["gemeentecode"].notna()]
            if len(osm_frame):
                parts.append(osm_frame)
                used.append(source.path)
        if not parts:
            raise SourceFormatError(
                "bestanden", "geen ontmoetingsplekken (stemlokalen of OSM) in de bestanden."
            )
        venues = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=CRS)
        return venues, _file_source(used, "stemlokaal", extra=("osm",))


def fill_from_kerncijfers(areas: gpd.GeoDataFrame, figures: pd.DataFrame) -> gpd.GeoDataFrame:
    """Fill missing kerncijfers of PDOK areas from the CBS table, matched on the area code."""
    columns = ["inwoners", "inwoners_65plus", "pct_65plus", "eenpersoonshuishoudens_pct",
               "stedelijkheid", "adresdichtheid", "pct_0_15", "pct_15_25"]
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


def _areas(path: Path, layer: str) -> gpd.GeoDataFrame:
    """The areas of ``layer`` in the file at ``path``, without the one for abroad."""
    frame = read_once(pdok.read_area_file, path, layer=layer)
    return frame[frame["code"] != divisions.ABROAD_CODE]


def _overlap_map(older_path: Path, newest_path: Path) -> pd.DataFrame:
    """The old-to-new code map of two gemeente files, computed once per version of both."""
    return remember(
        divisions.overlap_map, [older_path, newest_path],
        lambda: divisions.overlap_map(
            _areas(older_path, "gemeenten"),
            _areas(newest_path, "gemeenten").drop_duplicates("code"),
        ),
    )


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


def _read_json(path: Path) -> object:
    try:
        payload: object = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SourceFormatError("bestanden", f"{path} is geen leesbare JSON: {exc}") from exc
    return payload
