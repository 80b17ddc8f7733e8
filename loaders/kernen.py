"""Kernen (population centres) as points: CBS bevolkingskernen, GeoNames and OpenStreetMap.

CBS kernen come first; GeoNames and OSM places add the small dorpen and buurtschappen that
the CBS file (kernen above 1,000 inhabitants) lacks. :func:`merge_kernen` combines them so
that each kern appears once, :func:`assign_areas` places each kern in its gemeente and buurt
and :func:`limit_inhabitants` keeps the inhabitants of a gemeente's kernen within its
population.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import requests

from loaders.errors import SourceFormatError, SourceUnavailable
from loaders.http import make_session, request_json
from loaders.schema import CRS, KERN_COLUMNS

SOURCE_CBS = "CBS bevolkingskernen 2021"
SOURCE_GEONAMES = "GeoNames"
SOURCE_OSM = "OpenStreetMap"
OVERPASS_SOURCE = "OpenStreetMap (Overpass)"
OVERPASS_URL = "https://overpass-api.de/api/interpreter"
OSM_PLACES = ("city", "town", "village", "hamlet")
GEONAMES_CODES = frozenset({"PPL", "PPLA", "PPLA2", "PPLA3", "PPLA4", "PPLC", "PPLG"})
"""GeoNames feature codes kept as kernen. Left out: ``PPLX`` (parts of a city), ``PPLH`` and
``PPLCH`` (historical), ``PPLS`` (groups of places) and ``PPLL`` (localities). In the Dutch
dump ``PPLL`` are mostly named spots and buurtschappen without residents (9 of 227 carry a
population), so counting them as kernen would inflate the number of kernen far from a
meeting place; OSM ``hamlet`` nodes cover the real small hamlets."""

SAME_PLACE_DISTANCE = 300.0
"""A secondary place this close (metres) to any primary kern is the same place. It is also the
smallest extent of a kern (see :data:`EXTENT_PER_ROOT_INHABITANT`)."""
EXTENT_PER_ROOT_INHABITANT = 10.0
"""Metres of built-up extent per square root of inhabitants.

CBS kernen are centroids only, so a kern of ``P`` inhabitants is taken to cover a disc of
radius ``10 * sqrt(P)`` m around its point (at least :data:`SAME_PLACE_DISTANCE`, at most
:data:`MAX_EXTENT`): the area of a disc at about 3,200 inhabitants per km², a usual density of
Dutch built-up areas (Gieten, 4,575 inhabitants: 680 m; Soest, 37,925: 1,950 m). Calibrated on
the CBS 2021 and GeoNames 2024 files: it drops the GeoNames parts of CBS kernen such as
Soestdijk (1.9 km from Soest), GeoNames "Amsterdam" (2.3 km from "Groot - Amsterdam"),
Martenshoek (Hoogezand) and Broekerhaven (Bovenkarspel), which 8 would keep, while 12 (about
2,200 inhabitants per km²) would also swallow separate villages such as Ubbergen (4.7 km from
Groot - Nijmegen) and Ysbrechtum (2.3 km from Sneek)."""
MAX_EXTENT = 5000.0
"""Largest extent in metres of one kern. It only limits the agglomerations above 250,000
inhabitants ("Groot - Amsterdam", "Groot - Rotterdam", ...): they join several towns, so their
centroid is not the middle of a disc, and without a limit the disc of Groot - Amsterdam
(10.7 km) would swallow the separate polder villages Zunderdorp, Durgerdam and Ransdorp at
8 to 9.5 km."""
SAME_NAME_EXTENTS = 2.0
"""A secondary place with the name of a primary kern is that kern within this many extents
of it (and within ``max_distance`` of :func:`merge_kernen` in any case): GeoNames puts
"Hoorn" 1.6 km and "Tilburg" 2.9 km from the CBS centroids of Hoorn (NH.) and Tilburg."""
CBS_MINIMUM = 1000
"""CBS lists every kern above this many inhabitants (Bevolkingskernen 2021)."""
COASTAL_DISTANCE = 250.0
"""A kern just outside every polygon (coast, generalised borders) joins the nearest one
within this many metres."""


def read_cbs_bevolkingskernen(path: str | Path) -> gpd.GeoDataFrame:
    """Read the CBS "Bevolkingskernen 2021" centroids (kernen above 1,000 inhabitants).

    Parameters
    ----------
    path
        The CSV (columns ``name``, ``x``, ``y`` in RD New, ``population``) or the GeoJSON
        (``name``, ``population``, points in WGS84).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``KERN_COLUMNS`` in EPSG:28992; ``kern_id`` is ``"cbs2021:<slug of name>"``.
        ``gemeentecode`` and ``buurtcode`` are empty: fill them with :func:`assign_areas`.

    Raises
    ------
    SourceFormatError
        When the file cannot be read or lacks a column.
    """
    path = Path(path)
    if path.suffix.lower() == ".csv":
        table = _read_csv(path, SOURCE_CBS)
        _require(table, ("name", "x", "y", "population"), path, SOURCE_CBS)
        x = _numbers(table["x"], "x", path, SOURCE_CBS)
        y = _numbers(table["y"], "y", path, SOURCE_CBS)
        geometry = gpd.GeoSeries.from_xy(x, y, crs=CRS)
    else:
        table = _read_geo(path, SOURCE_CBS)
        _require(table, ("name", "population"), path, SOURCE_CBS)
        geometry = table.geometry.to_crs(CRS)
    naam = _text(table["name"])
    return _kernen(
        kern_id=_unique(["cbs2021:" + _slug(name) for name in naam.fillna("")]),
        naam=naam,
        gemeentecode=None,
        inwoners=_population(_numbers(table["population"], "population", path, SOURCE_CBS)),
        source=SOURCE_CBS,
        geometry=geometry,
    )


def read_geonames(path: str | Path) -> gpd.GeoDataFrame:
    """Read GeoNames populated places (the NL dump with ``gm_code_2020`` added).

    Only the feature codes in :data:`GEONAMES_CODES` are kept. A population of 0 means
    *unknown* in GeoNames and becomes missing.

    Parameters
    ----------
    path
        CSV with ``geonameid``, ``name``, ``latitude``, ``longitude``, ``feature_code``,
        ``population`` and ``gm_code_2020``.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``KERN_COLUMNS`` in EPSG:28992; ``kern_id`` is ``"geonames:<geonameid>"``,
        ``gemeentecode`` the 2020 gemeente of the point.

    Raises
    ------
    SourceFormatError
        When the file cannot be read or lacks a column.
    """
    path = Path(path)
    table = _read_csv(path, SOURCE_GEONAMES)
    required = ("geonameid", "name", "latitude", "longitude", "feature_code", "population",
                "gm_code_2020")
    _require(table, required, path, SOURCE_GEONAMES)
    table = table[table["feature_code"].str.strip().isin(GEONAMES_CODES)]
    lon = _numbers(table["longitude"], "longitude", path, SOURCE_GEONAMES)
    lat = _numbers(table["latitude"], "latitude", path, SOURCE_GEONAMES)
    return _kernen(
        kern_id=("geonames:" + table["geonameid"].str.strip()).tolist(),
        naam=_text(table["name"]),
        gemeentecode=_text(table["gm_code_2020"]),
        inwoners=_population(_numbers(table["population"], "population", path, SOURCE_GEONAMES)),
        source=SOURCE_GEONAMES,
        geometry=gpd.GeoSeries.from_xy(lon, lat, crs="EPSG:4326").to_crs(CRS),
    )


def build_overpass_places_query(
    area: str | tuple[float, float, float, float], *, timeout: int = 180
) -> str:
    """Build the Overpass QL query for ``place=city|town|village|hamlet`` nodes.

    Parameters
    ----------
    area
        A gemeente name (matched as an administrative area with ``admin_level=8``; a name
        can exist more than once, so prefer a bbox), or a bbox
        ``(min_lon, min_lat, max_lon, max_lat)`` in WGS84.
    timeout
        Server-side time limit in seconds.

    Returns
    -------
    str
        The query, ending in ``out body;``.
    """
    place = 'node["place"~"^(' + "|".join(OSM_PLACES) + ')$"]'
    if isinstance(area, str):
        name = area.replace("\\", "\\\\").replace('"', '\\"')
        selector = f'area["name"="{name}"]["boundary"="administrative"]["admin_level"="8"]->.a;\n'
        scope = "(area.a)"
    else:
        min_lon, min_lat, max_lon, max_lat = (float(v) for v in area)
        selector = ""
        scope = f"({min_lat},{min_lon},{max_lat},{max_lon})"
    return f"[out:json][timeout:{timeout}];\n{selector}{place}{scope};\nout body;"


def fetch_osm_places(
    area: str | tuple[float, float, float, float] | gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    session: requests.Session | None = None,
    base_url: str = OVERPASS_URL,
    timeout: int = 180,
) -> gpd.GeoDataFrame:
    """Fetch OSM place nodes (city, town, village, hamlet) from the Overpass API.

    Parameters
    ----------
    area
        Gemeente polygons (any CRS; the query uses their WGS84 bbox and the result is
        clipped to the polygons), a WGS84 bbox ``(min_lon, min_lat, max_lon, max_lat)`` or
        a gemeente name.
    session
        HTTP session; a new one from :func:`loaders.http.make_session` when ``None``.
    base_url
        Overpass interpreter endpoint; the query is POSTed as ``data=``.
    timeout
        Server-side time limit in seconds.

    Returns
    -------
    geopandas.GeoDataFrame
        See :func:`parse_osm_places`.

    Raises
    ------
    SourceUnavailable
        When Overpass does not answer or aborts the query (``runtime error``).
    SourceFormatError
        When the answer is not Overpass JSON.
    """
    polygons = area if isinstance(area, (gpd.GeoDataFrame, gpd.GeoSeries)) else None
    if polygons is not None:
        area = tuple(polygons.to_crs("EPSG:4326").total_bounds)
    query = build_overpass_places_query(area, timeout=timeout)
    payload = request_json(
        session or make_session(), base_url, source=OVERPASS_SOURCE, data={"data": query}
    )
    places = parse_osm_places(payload)
    if polygons is None:
        return places
    inside = places.within(polygons.to_crs(CRS).union_all())
    return places[inside].reset_index(drop=True)


def parse_osm_places(payload: object) -> gpd.GeoDataFrame:
    """Turn an Overpass JSON answer into kernen.

    Elements with a ``place`` tag other than city/town/village/hamlet, and elements
    without coordinates, are skipped. ``inwoners`` comes from a ``population`` tag that is
    a whole number.

    Parameters
    ----------
    payload
        Decoded Overpass JSON (``version``, ``osm3s``, ``elements``, perhaps ``remark``).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``KERN_COLUMNS`` in EPSG:28992; ``kern_id`` is ``"osm:node/<id>"``.

    Raises
    ------
    SourceUnavailable
        When the answer carries a ``runtime error`` remark (timeout, out of memory).
    SourceFormatError
        When ``elements`` is missing or an element has no id.
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("elements"), list):
        raise SourceFormatError(OVERPASS_SOURCE, "het antwoord bevat geen 'elements'-lijst.")
    remark = str(payload.get("remark") or "")
    if "runtime error" in remark:
        raise SourceUnavailable(
            OVERPASS_SOURCE,
            f"de server brak de zoekvraag af ({remark.strip()}). Probeer het later opnieuw "
            "of kies een kleiner gebied.",
        )
    rows = [row for row in map(_place_row, payload["elements"]) if row is not None]
    return _kernen(
        kern_id=[row[0] for row in rows],
        naam=pd.Series([row[1] for row in rows], dtype="str"),
        gemeentecode=None,
        inwoners=pd.Series([row[2] for row in rows], dtype="Int64"),
        source=SOURCE_OSM,
        geometry=gpd.GeoSeries.from_xy(
            [row[3] for row in rows], [row[4] for row in rows], crs="EPSG:4326"
        ).to_crs(CRS),
    )


def merge_kernen(
    primary: gpd.GeoDataFrame, secondary: gpd.GeoDataFrame, *, max_distance: float = 1500.0
) -> gpd.GeoDataFrame:
    """Add the secondary places (GeoNames, OSM) that are not already primary (CBS) kernen.

    Each primary kern of ``P`` inhabitants gets an *extent*
    ``EXTENT_PER_ROOT_INHABITANT * sqrt(P)`` metres, at least :data:`SAME_PLACE_DISTANCE`
    and at most :data:`MAX_EXTENT`. A secondary place is the same kern, and dropped, when

    - any primary kern lies within :data:`SAME_PLACE_DISTANCE` metres;
    - a primary kern with the same normalised name lies within ``max_distance`` metres or
      within :data:`SAME_NAME_EXTENTS` times its extent, whichever is larger; or
    - it lies inside a primary kern: closer than that kern's extent plus its own extent
      (from its own inhabitants; none when unknown), so that the two built-up areas touch,
      and it has fewer inhabitants than the kern or an unknown number. A place with at least
      as many inhabitants as a kern is not a part of that kern.

    Names are compared without accents, case, disambiguators in brackets, ``Groot -``
    prefixes and ``-Kern`` suffixes; each part of a combined CBS name
    ("Hoogezand/Sappemeer") and a bracketed Frisian name counts.

    Parameters
    ----------
    primary, secondary
        Kernen frames (``KERN_COLUMNS``).
    max_distance
        Smallest distance in metres within which two places with the same name are one kern;
        larger kernen reach further (see above).

    Returns
    -------
    geopandas.GeoDataFrame
        Primary kernen first, then the kept secondary ones, each part sorted by
        ``kern_id``; ``kern_id`` is unique (the first occurrence wins). EPSG:28992.
    """
    primary = primary.to_crs(CRS)
    secondary = secondary.to_crs(CRS)
    kept = secondary[~_duplicates(primary, secondary, max_distance)]
    merged = pd.concat(
        [primary.sort_values("kern_id"), kept.sort_values("kern_id")], ignore_index=True
    )
    merged = merged.drop_duplicates("kern_id", keep="first").reset_index(drop=True)
    return gpd.GeoDataFrame(merged[list(KERN_COLUMNS)], geometry="geometry", crs=CRS)


def assign_areas(
    kernen: gpd.GeoDataFrame,
    gemeenten_gdf: gpd.GeoDataFrame | None,
    buurten_gdf: gpd.GeoDataFrame | None,
) -> gpd.GeoDataFrame:
    """Fill ``gemeentecode`` and ``buurtcode`` of kernen by point-in-polygon.

    A kern lies in the polygon that contains it; a kern outside every polygon but within
    :data:`COASTAL_DISTANCE` metres of one gets the nearest; otherwise the code stays as it
    was (``gemeentecode``) or empty. Rows are never dropped.

    Parameters
    ----------
    kernen
        Kernen frame (``KERN_COLUMNS``).
    gemeenten_gdf
        Gemeente areas with a ``code`` column (``BUURT_COLUMNS``); ``None`` takes the
        gemeente of the buurt.
    buurten_gdf
        Buurt areas with ``code`` and ``gemeentecode``; ``None`` leaves ``buurtcode`` as is.

    Returns
    -------
    geopandas.GeoDataFrame
        The kernen in EPSG:28992 with a fresh index; codes found in the polygons replace
        earlier ones, which keeps them in the area division of the polygons.
    """
    out = kernen.to_crs(CRS).reset_index(drop=True)
    points = gpd.GeoDataFrame(geometry=out.geometry.representative_point(), crs=CRS)
    if buurten_gdf is not None:
        buurt = _locate(points, buurten_gdf, ["code", "gemeentecode"])
        out["buurtcode"] = buurt["code"].fillna(out["buurtcode"])
        out["gemeentecode"] = buurt["gemeentecode"].fillna(out["gemeentecode"])
    if gemeenten_gdf is not None:
        gemeente = _locate(points, gemeenten_gdf, ["code"])
        out["gemeentecode"] = gemeente["code"].fillna(out["gemeentecode"])
    return out


def limit_inhabitants(
    kernen: gpd.GeoDataFrame, population: pd.Series, *, tolerance: float = 0.02
) -> gpd.GeoDataFrame:
    """Blank the secondary inhabitants figures that do not fit the gemeente's population.

    CBS kernen keep their inhabitants: they are the official count. The figures of the other
    kernen (GeoNames, OSM) are of mixed age and sometimes belong to a larger whole (a former
    gemeente, the part of a CBS kern). Such a figure becomes missing (``pd.NA``; never 0 and
    never scaled) when it is not credible:

    1. it is :data:`CBS_MINIMUM` (1,000) or more: CBS lists every kern above 1,000
       inhabitants, so a place of that size outside the CBS list is part of a CBS kern or
       has a stale figure;
    2. as a last guard, in a gemeente where the CBS inhabitants plus the remaining secondary
       figures exceed ``population * (1 + tolerance)``, the secondary figures are blanked
       largest first (ties by ``kern_id``) until the gemeente fits, or none are left.

    Kernen in a gemeente that ``population`` does not know (or knows as missing), and kernen
    without a ``gemeentecode``, only get rule 1. No row is dropped or reordered.

    Parameters
    ----------
    kernen
        Kernen frame (``KERN_COLUMNS``) with ``gemeentecode`` filled, e.g. by
        :func:`assign_areas`.
    population
        Inhabitants of each gemeente (CBS), indexed by gemeentecode.
    tolerance
        Share by which the kernen of a gemeente may exceed its population: the CBS count of
        2021 and the gemeente figures of another year differ a little.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of ``kernen`` with some secondary ``inwoners`` set to missing.
    """
    out = kernen.copy()
    codes = out["gemeentecode"].to_numpy()
    inwoners = pd.Series(out["inwoners"].to_numpy(), dtype="Int64")
    secondary = pd.Series(out["source"].to_numpy() != SOURCE_CBS)
    inwoners = inwoners.mask(secondary & inwoners.ge(CBS_MINIMUM).fillna(value=False))
    limit = pd.Series(codes).map(pd.to_numeric(population, errors="coerce")) * (1 + tolerance)
    total = inwoners.fillna(0).groupby(codes).transform("sum")
    figures = pd.DataFrame(
        {"gemeentecode": codes, "kern_id": out["kern_id"].to_numpy(), "inwoners": inwoners,
         "excess": total - limit}
    )
    figures = figures[secondary & inwoners.notna() & figures["excess"].gt(0)]
    figures = figures.sort_values(
        ["gemeentecode", "inwoners", "kern_id"], ascending=[True, False, True]
    )
    blanked_before = figures.groupby("gemeentecode")["inwoners"].cumsum() - figures["inwoners"]
    inwoners[figures.index[blanked_before < figures["excess"]]] = pd.NA
    out["inwoners"] = inwoners.array
    return out


def _read_csv(path: Path, source: str) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise SourceFormatError(
            source, f"het bestand {path} is geen leesbaar CSV-bestand."
        ) from exc


def _read_geo(path: Path, source: str) -> gpd.GeoDataFrame:
    try:
        frame = gpd.read_file(path, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        raise SourceFormatError(
            source, f"het bestand {path} is geen leesbaar GeoJSON-bestand."
        ) from exc
    if frame.crs is None:
        raise SourceFormatError(source, f"het bestand {path} heeft geen coördinatenstelsel.")
    return frame


def _require(table: pd.DataFrame, columns: Iterable[str], path: Path, source: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise SourceFormatError(
            source, f"het bestand {path} mist de kolom(men) {', '.join(missing)}."
        )


def _numbers(values: pd.Series, column: str, path: Path, source: str) -> pd.Series:
    text = values.astype("str").str.strip()
    numbers = pd.to_numeric(text.where(text != ""), errors="coerce")
    bad = numbers.isna() & text.ne("") & values.notna()
    if bad.any():
        raise SourceFormatError(
            source,
            f"kolom {column!r} in het bestand {path} bevat geen getal: {text[bad].iloc[0]!r}.",
        )
    return numbers.astype("float64")


def _text(values: pd.Series) -> pd.Series:
    text = values.astype("str").str.strip()
    return text.where(values.notna() & (text != ""))


def _population(values: pd.Series) -> pd.Series:
    """Inhabitants as whole numbers; 0 or less means unknown."""
    return values.where(values > 0).round().astype("Int64")


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


def _unique(ids: list[str]) -> list[str]:
    """Append ``-2``, ``-3``, ... to repeated ids."""
    counts: dict[str, int] = {}
    unique = []
    for kern_id in ids:
        counts[kern_id] = counts.get(kern_id, 0) + 1
        unique.append(kern_id if counts[kern_id] == 1 else f"{kern_id}-{counts[kern_id]}")
    return unique


def _kernen(
    *,
    kern_id: list[str],
    naam: pd.Series,
    gemeentecode: pd.Series | None,
    inwoners: pd.Series,
    source: str,
    geometry: gpd.GeoSeries,
) -> gpd.GeoDataFrame:
    size = len(kern_id)
    empty = pd.Series([None] * size, dtype=object)
    frame = pd.DataFrame(
        {
            "kern_id": pd.Series(kern_id, dtype="str"),
            "naam": naam.reset_index(drop=True),
            "gemeentecode": empty if gemeentecode is None else gemeentecode.reset_index(drop=True),
            "buurtcode": empty,
            "inwoners": inwoners.reset_index(drop=True),
            "source": source,
        }
    )
    return gpd.GeoDataFrame(frame, geometry=geometry.reset_index(drop=True), crs=CRS)


def _place_row(element: object) -> tuple[str, str | None, int | None, float, float] | None:
    if not isinstance(element, dict) or "id" not in element:
        raise SourceFormatError(OVERPASS_SOURCE, f"element zonder id in het antwoord: {element!r}.")
    tags = element.get("tags") or {}
    if tags.get("place") not in OSM_PLACES:
        return None
    position = element if "lat" in element else element.get("center") or {}
    if "lat" not in position or "lon" not in position:
        return None
    population = str(tags.get("population", "")).strip()
    inwoners = int(population) if population.isdigit() and int(population) > 0 else None
    kern_id = f"osm:{element.get('type', 'node')}/{element['id']}"
    return kern_id, tags.get("name"), inwoners, float(position["lon"]), float(position["lat"])


def _name_keys(name: object) -> frozenset[str]:
    """Comparable forms of a place name: its parts without accents, brackets and '-Kern'."""
    if not isinstance(name, str):
        return frozenset()
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    bracketed = [b for b in re.findall(r"\(([^)]*)\)", ascii_name) if "." not in b]
    plain = re.sub(r"\([^)]*\)", " ", ascii_name)
    plain = re.sub(r"^groot\s+-\s+", "", plain.strip())
    keys = set()
    for part in "/".join([plain, *bracketed]).split("/"):
        key = " ".join(re.sub(r"[^a-z0-9]+", " ", part).split())
        key = re.sub(r"\s+kern$", "", key)
        if key:
            keys.add(key)
    return frozenset(keys)


def _duplicates(
    primary: gpd.GeoDataFrame, secondary: gpd.GeoDataFrame, max_distance: float
) -> np.ndarray:
    """Boolean mask over ``secondary``: places that already are a primary kern."""
    drop = np.zeros(len(secondary), dtype=bool)
    if primary.empty or secondary.empty:
        return drop
    primary_people = _people(primary["inwoners"])
    secondary_people = _people(secondary["inwoners"])
    primary_extent = _extent(primary_people, SAME_PLACE_DISTANCE)
    secondary_extent = _extent(secondary_people, 0.0)
    radius = max(
        max_distance,
        SAME_NAME_EXTENTS * primary_extent.max(),
        primary_extent.max() + secondary_extent.max(),
    )
    sec_idx, pri_idx = primary.sindex.query(
        secondary.geometry.array, predicate="dwithin", distance=radius
    )
    distance = secondary.geometry.array[sec_idx].distance(primary.geometry.array[pri_idx])
    primary_keys = [_name_keys(n) for n in primary["naam"]]
    secondary_keys = [_name_keys(n) for n in secondary["naam"]]
    same_name = np.array(
        [bool(secondary_keys[s] & primary_keys[p]) for s, p in zip(sec_idx, pri_idx, strict=True)],
        dtype=bool,
    )
    extent = primary_extent[pri_idx]
    name_reach = np.maximum(max_distance, SAME_NAME_EXTENTS * extent)
    smaller = np.isnan(secondary_people[sec_idx]) | (
        secondary_people[sec_idx] < np.nan_to_num(primary_people[pri_idx])
    )
    inside = smaller & (distance <= extent + secondary_extent[sec_idx])
    duplicate = (distance <= SAME_PLACE_DISTANCE) | (same_name & (distance <= name_reach)) | inside
    drop[sec_idx[duplicate]] = True
    return drop


def built_up_radius(inwoners: pd.Series) -> np.ndarray:
    """Radius in metres of the built-up disc of kernen with ``inwoners`` inhabitants.

    ``EXTENT_PER_ROOT_INHABITANT * sqrt(inwoners)`` between :data:`SAME_PLACE_DISTANCE` and
    :data:`MAX_EXTENT`; a kern of unknown size gets the smallest disc.
    """
    return _extent(_people(inwoners), SAME_PLACE_DISTANCE)


def _people(inwoners: pd.Series) -> np.ndarray:
    """Inhabitants as floats, ``nan`` where unknown."""
    people: np.ndarray = pd.to_numeric(inwoners, errors="coerce").astype("float64").to_numpy()
    return people


def _extent(people: np.ndarray, floor: float) -> np.ndarray:
    """Built-up radius in metres of places with ``people`` inhabitants (``floor`` if unknown)."""
    radius = EXTENT_PER_ROOT_INHABITANT * np.sqrt(np.nan_to_num(people))
    clipped: np.ndarray = np.clip(radius, floor, MAX_EXTENT)
    return clipped


def _locate(points: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, columns: list[str]) -> pd.DataFrame:
    """Per point the ``columns`` of the area containing it, or of the nearest within 250 m."""
    areas = areas[[*columns, "geometry"]].to_crs(CRS).reset_index(drop=True)
    inside = gpd.sjoin(points, areas, how="left", predicate="within")
    found = inside[~inside.index.duplicated(keep="first")][columns]
    missing = found[columns[0]].isna()
    if missing.any():
        near = gpd.sjoin_nearest(
            points[missing], areas, how="left", max_distance=COASTAL_DISTANCE
        )
        found.loc[missing, columns] = near[~near.index.duplicated(keep="first")][columns]
    return found.astype(object).where(found.notna(), None)
