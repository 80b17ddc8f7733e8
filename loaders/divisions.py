"""Gemeente codes over time and the province of each gemeente, derived from the data itself.

Figures come on different area divisions: RIVM 50090NED on the 2020 division, gemeente polygons
of 2020/2022/2023, buurt polygons of 2016, polling stations of 2018 and 2023. The dashboard
offers the newest division for choosing; every older code is mapped to the newest gemeente that
covers most of its area (:func:`overlap_map`), so no list of mergers is typed by hand.

Provinces come from two independent sources: the CBS bevolkingskernen (every kern above 1,000
inhabitants names its province) and the GeoNames province code (``admin1_code``) of the places
inside each gemeente. :func:`gemeente_provinces` uses the first and fills gaps with the second;
:func:`province_disagreements` says where the two differ (a test keeps that list empty).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from loaders.errors import SourceFormatError
from loaders.schema import CRS

ABROAD_CODE = "GM0998"
"""CBS's pseudo gemeente 'Buitenland' in PDOK gemeente layers: no area, no inhabitants."""
MAPPING_COLUMNS = ("code_oud", "indeling_oud", "code", "aandeel")
"""Columns of :func:`overlap_map`: old code, its division year, newest code, area share."""


def overlap_map(older: gpd.GeoDataFrame, newest: gpd.GeoDataFrame) -> pd.DataFrame:
    """Map each gemeente of an older division to the newest gemeente covering most of its area.

    Parameters
    ----------
    older, newest
        Gemeente areas (columns ``code``, ``indeling``, geometry in EPSG:28992).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`MAPPING_COLUMNS`, one row per old code; ``aandeel`` is the share
        (0–1) of the old gemeente's area that lies in the chosen newest gemeente (below 1
        where a gemeente was split or borders were generalised differently).
    """
    old = older[["code", "indeling", "geometry"]].rename(
        columns={"code": "code_oud", "indeling": "indeling_oud"}
    )
    old = old[old["code_oud"] != ABROAD_CODE]
    pieces = gpd.overlay(
        old, newest[["code", "geometry"]].to_crs(CRS), how="intersection", keep_geom_type=True
    )
    pieces["area"] = pieces.geometry.area
    total = pieces.groupby("code_oud")["area"].transform("sum")
    pieces["aandeel"] = (pieces["area"] / total).round(4)
    best = pieces.sort_values(["code_oud", "area"]).groupby("code_oud").tail(1)
    return best[list(MAPPING_COLUMNS)].sort_values("code_oud").reset_index(drop=True)


def map_codes(codes: pd.Series, mapping: pd.DataFrame) -> pd.Series:
    """Translate gemeente codes to the newest division; codes already newest stay as they are.

    Parameters
    ----------
    codes
        Gemeente codes of any division (missing values stay missing).
    mapping
        Result of :func:`overlap_map` (several divisions may be stacked); where an old code
        occurs in several divisions, the newest division's row wins.
    """
    ordered = mapping.sort_values("indeling_oud", ascending=False)
    lookup = ordered.drop_duplicates("code_oud").set_index("code_oud")["code"]
    mapped = codes.map(lookup)
    return mapped.where(mapped.notna(), codes)


def with_gemeentecode(
    table: pd.DataFrame,
    mapping: pd.DataFrame | None,
    buurten: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Add the newest ``gemeentecode`` to every row of the ``eenzaamheid`` layer.

    A gemeente row's own code, a wijk or buurt row's gemeente from its code's digits, both
    translated with ``mapping`` (:func:`loaders.divisions.overlap_map`); a buurt that the
    ``buurten`` layer places by its polygon takes that gemeente (this follows a gemeente that
    was split). The national row (``NL01``) has none.
    """
    code = table["regiocode"].astype("str")
    local = code.str.startswith(("GM", "WK", "BU"))
    own = ("GM" + code.str.slice(2, 6)).where(local)
    if mapping is not None and len(mapping):
        own = map_codes(own, mapping)
    if buurten is not None and len(buurten):
        placed = buurten.drop_duplicates("code").set_index("code")["gemeentecode"]
        own = code.map(placed).where(table["soort_regio"] == "Buurt").fillna(own)
    return table.assign(gemeentecode=own.where(local, None))


def locate_points(points: gpd.GeoSeries, gemeenten: gpd.GeoDataFrame) -> pd.Series:
    """The code of the gemeente containing each point (the nearest within 250 m on the coast).

    Parameters
    ----------
    points
        Point geometries in EPSG:28992 (missing or empty ones give a missing code).
    gemeenten
        Newest gemeente areas with ``code``.
    """
    frame = gpd.GeoDataFrame(geometry=points.reset_index(drop=True), crs=CRS)
    present = ~(frame.geometry.isna() | frame.geometry.is_empty)
    areas = gemeenten[["code", "geometry"]].to_crs(CRS).reset_index(drop=True)
    inside = gpd.sjoin(frame[present], areas, how="left", predicate="within")
    inside = inside[~inside.index.duplicated(keep="first")]
    result = pd.Series(pd.NA, index=frame.index, dtype="object")
    result[inside.index] = inside["code"]
    missing = present & result.isna()
    if missing.any():
        near = gpd.sjoin_nearest(frame[missing], areas, how="left", max_distance=250.0)
        near = near[~near.index.duplicated(keep="first")]
        result[near.index] = near["code"]
    result.index = points.index
    return result.where(result.notna(), None)


def read_kern_provinces(path: str | Path) -> gpd.GeoDataFrame:
    """The province named by each CBS bevolkingskern (CSV with ``x``, ``y`` in RD, ``province``).

    Raises
    ------
    SourceFormatError
        When the file cannot be read or lacks a column.
    """
    table = _read_csv(path, "CBS bevolkingskernen")
    _require(table, ("x", "y", "province"), path, "CBS bevolkingskernen")
    x = pd.to_numeric(table["x"], errors="coerce")
    y = pd.to_numeric(table["y"], errors="coerce")
    keep = x.notna() & y.notna() & table["province"].str.strip().ne("")
    return gpd.GeoDataFrame(
        {"provincie": table.loc[keep, "province"].str.strip()},
        geometry=gpd.points_from_xy(x[keep], y[keep]), crs=CRS,
    )


def read_geonames_provinces(path: str | Path) -> gpd.GeoDataFrame:
    """The GeoNames province code (``admin1_code``) of each populated place, as points."""
    table = _read_csv(path, "GeoNames")
    _require(table, ("latitude", "longitude", "admin1_code"), path, "GeoNames")
    lon = pd.to_numeric(table["longitude"], errors="coerce")
    lat = pd.to_numeric(table["latitude"], errors="coerce")
    keep = lon.notna() & lat.notna() & table["admin1_code"].str.strip().ne("")
    points = gpd.GeoSeries.from_xy(lon[keep], lat[keep], crs="EPSG:4326").to_crs(CRS)
    return gpd.GeoDataFrame(
        {"admin1": table.loc[keep, "admin1_code"].str.strip()}, geometry=points.values, crs=CRS
    )


def gemeente_provinces(
    gemeenten: gpd.GeoDataFrame,
    kern_provinces: gpd.GeoDataFrame,
    geonames: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """The province of every gemeente, from the kernen inside it, else from GeoNames.

    The GeoNames codes are named by the province that the CBS kernen give most often for the
    gemeenten holding each code, so no table of province codes is typed by hand.

    Parameters
    ----------
    gemeenten
        Newest gemeente areas (``code``).
    kern_provinces
        Result of :func:`read_kern_provinces`.
    geonames
        Result of :func:`read_geonames_provinces`; fills gemeenten without a CBS kern.

    Returns
    -------
    pandas.DataFrame
        Columns ``code``, ``provincie`` (missing where neither source places it),
        ``provincie_kernen`` and ``provincie_geonames`` (each source's own answer).
    """
    result = pd.DataFrame({"code": gemeenten["code"].to_numpy()})
    by_kernen = _majority(locate_points(kern_provinces.geometry, gemeenten),
                          kern_provinces["provincie"])
    result["provincie_kernen"] = result["code"].map(by_kernen)
    result["provincie_geonames"] = None
    if geonames is not None and len(geonames):
        codes = _majority(locate_points(geonames.geometry, gemeenten), geonames["admin1"])
        joined = pd.DataFrame({"admin1": codes, "provincie": by_kernen}).dropna()
        names = joined.groupby("admin1")["provincie"].agg(lambda s: s.value_counts().index[0])
        result["provincie_geonames"] = result["code"].map(codes.map(names))
    result["provincie"] = result["provincie_kernen"].fillna(result["provincie_geonames"])
    return result


def province_disagreements(provinces: pd.DataFrame) -> pd.DataFrame:
    """Gemeenten where both sources of :func:`gemeente_provinces` name a different province."""
    both = provinces.dropna(subset=["provincie_kernen", "provincie_geonames"])
    return both[both["provincie_kernen"] != both["provincie_geonames"]].reset_index(drop=True)


def _majority(codes: pd.Series, values: pd.Series) -> pd.Series:
    """Per gemeente code, the most frequent value among the points in it (ties: first name)."""
    frame = pd.DataFrame({"code": codes.to_numpy(), "value": values.to_numpy()}).dropna()
    if frame.empty:
        return pd.Series(dtype="object")
    counts = frame.value_counts(["code", "value"]).reset_index(name="n")
    counts = counts.sort_values(["code", "n", "value"], ascending=[True, False, True])
    return counts.drop_duplicates("code").set_index("code")["value"]


def _read_csv(path: str | Path, source: str) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        message = f"het bestand {path} is geen leesbaar CSV-bestand."
        raise SourceFormatError(source, message) from exc


def _require(table: pd.DataFrame, columns: tuple[str, ...], path: str | Path, source: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise SourceFormatError(
            source, f"het bestand {path} mist de kolom(men) {', '.join(missing)}."
        )
