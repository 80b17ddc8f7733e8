"""CBS Wijk- en Buurtkaart areas (gemeenten, wijken, buurten) with their kerncijfers.

Live data comes from PDOK: the OGC API Features service first, the WFS as fall-back. Files
(GeoJSON or GeoPackage exports of the same map, also older CBS or Who's On First copies) are
read with :func:`read_area_file`. Both paths end in :func:`parse_features`' schema:
``loaders.schema.BUURT_COLUMNS`` in EPSG:28992.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urljoin
from xml.sax.saxutils import escape

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import requests
from pyproj.exceptions import CRSError

from loaders.errors import SourceFormatError, SourceUnavailable, UnknownRegionError
from loaders.http import make_session, request_json
from loaders.regions import gemeente_codes
from loaders.schema import BUURT_COLUMNS, CRS, LONLAT_BOUNDS

SOURCE = "PDOK Wijk- en Buurtkaart"
OGC_API = "https://api.pdok.nl/cbs/wijken-en-buurten-{year}/ogc/v1"
WFS = "https://service.pdok.nl/cbs/wijkenbuurten/{year}/wfs/v1_0"
LIVE_YEARS = (2022, 2023, 2024, 2025)
RD_URI = "http://www.opengis.net/def/crs/EPSG/0/28992"
CRS84 = "OGC:CRS84"
SENTINEL_MAX = -99995
"""CBS writes missing values as -99995, -99997, -99999 or (older layers) -99999999."""

SOORT = {"gemeenten": "Gemeente", "wijken": "Wijk", "buurten": "Buurt"}
CODE_ALIASES = {
    "gemeenten": ("gemeentecode", "gm_code"),
    "wijken": ("wijkcode", "wk_code"),
    "buurten": ("buurtcode", "bu_code"),
}
NAME_ALIASES = {
    "gemeenten": ("gemeentenaam", "gm_naam"),
    "wijken": ("wijknaam", "wk_naam"),
    "buurten": ("buurtnaam", "bu_naam"),
}
FIELD_ALIASES = {
    "gemeentecode": ("gemeentecode", "gm_code"),
    "inwoners": ("aantal_inwoners", "aantalInwoners"),
    "pct_65plus": (
        "percentage_personen_65_jaar_en_ouder",
        "percentagePersonen65JaarEnOuder",
        "personen_65_jaar_en_ouder_pct",
        "65plus",
    ),
    "eenpersoonshuishoudens_pct": (
        "percentage_eenpersoonshuishoudens",
        "percentageEenpersoonshuishoudens",
        "eenpersoonshuishoudens_pct",
        "pct_eenpersoonshhd",
    ),
    "stedelijkheid": (
        "stedelijkheid_adressen_per_km2",
        "stedelijkheidAdressenPerKm2",
        "stedelijkheid_1_zeer_sterk_stedelijk_5_niet_stedelijk",
        "stedelijkheid",
        "sted",
    ),
    "adresdichtheid": ("omgevingsadressendichtheid", "omgevingsadressendichtheid_per_km2", "oad"),
    "pct_0_15": (
        "percentage_personen_0_tot_15_jaar",
        "percentagePersonen0Tot15Jaar",
        "personen_0_tot_15_jaar_pct",
        "0_15",
    ),
    "pct_15_25": (
        "percentage_personen_15_tot_25_jaar",
        "percentagePersonen15Tot25Jaar",
        "personen_15_tot_25_jaar_pct",
        "15_25",
    ),
    "water": ("water", "h2o"),
}
"""Property names per canonical field, in the styles PDOK (snake_case 2021+, camelCase 2023
gemeenten), the CBS 2020/2022 gemeente exports and Who's On First (2016) use. Note that
``stedelijkheid_adressen_per_km2`` holds the class 1-5, not a density, and that ``65plus``
(2022 export) is a percentage."""

YEAR_ALIASES = ("jaar",)
STATCODE_ALIASES = ("jrstatcode", "jaarstatcode")
WOF_MARKER = "wof_id"
WOF_YEAR = 2016
YEAR_IN_NAME = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


def fetch_areas(
    year: int,
    layer: str,
    gemeenten: Iterable[str],
    *,
    session: requests.Session | None = None,
    base_url: str | None = None,
    wfs_url: str | None = None,
    limit: int = 1000,
) -> gpd.GeoDataFrame:
    """Fetch the areas of ``layer`` for some gemeenten from PDOK.

    Per gemeente, the OGC API Features service is asked for
    ``/collections/{layer}/items?gemeentecode=GMxxxx`` in RD New, following the ``next``
    links (cursor paging) until there are none. When the OGC API is unavailable, the WFS
    ``GetFeature`` with an FES filter on ``gemeentecode`` is used instead, for this and the
    remaining gemeenten.

    Parameters
    ----------
    year
        Year of the Wijk- en Buurtkaart (area division); PDOK serves 2022-2025.
    layer
        ``"gemeenten"``, ``"wijken"`` or ``"buurten"``.
    gemeenten
        Gemeente codes such as ``"GM1680"`` (case and surrounding blanks are ignored).
    session
        HTTP session; a new one from :func:`loaders.http.make_session` when ``None``.
    base_url
        OGC API landing page; defaults to :data:`OGC_API` for ``year``.
    wfs_url
        WFS endpoint for the fall-back; defaults to :data:`WFS` for ``year``.
    limit
        Page size of the OGC API, and the maximum number of areas per gemeente in the WFS.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``BUURT_COLUMNS`` in EPSG:28992, water-only areas left out, sorted by code.

    Raises
    ------
    UnknownRegionError
        For a malformed gemeente code, or a code without areas in ``year``.
    SourceUnavailable
        When ``year`` is not served, or neither the OGC API nor the WFS answers.
    SourceFormatError
        When an answer is not the expected GeoJSON.
    """
    _check_layer(layer)
    codes = _gemeentecodes(gemeenten)
    if year not in LIVE_YEARS:
        raise SourceUnavailable(
            SOURCE,
            f"PDOK heeft geen Wijk- en Buurtkaart {year}; kies een jaar uit "
            f"{LIVE_YEARS[0]}-{LIVE_YEARS[-1]} of importeer een bestand van dat jaar.",
        )
    session = session or make_session()
    ogc = (base_url or OGC_API).format(year=year).rstrip("/")
    wfs = (wfs_url or WFS).format(year=year)
    frames = []
    use_wfs = False
    for code in codes:
        payload = None
        if not use_wfs:
            try:
                payload = _fetch_ogc(session, ogc, layer, code, limit)
            except SourceUnavailable:
                use_wfs = True
        if payload is None:
            payload = _fetch_wfs(session, wfs, layer, code, limit)
        if not payload["features"]:
            raise UnknownRegionError(
                SOURCE, f"gemeentecode {code} bestaat niet in de Wijk- en Buurtkaart {year}."
            )
        frames.append(parse_features(payload, layer=layer, year=year, crs=_answer_crs(payload)))
    return _sorted(pd.concat(frames, ignore_index=True))


def parse_features(
    payload: dict[str, Any], *, layer: str, year: int, crs: str | None = None
) -> gpd.GeoDataFrame:
    """Turn a GeoJSON FeatureCollection of Wijk- en Buurtkaart areas into the area schema.

    Property names of all known styles are understood (see :data:`FIELD_ALIASES`). CBS
    missing-value codes (numbers <= -99995, ``"."``, blanks) become missing. Water-only
    areas (``water == "JA"``) are left out, invalid polygons are repaired.
    ``inwoners_65plus`` is *derived*: ``round(inwoners * pct_65plus / 100)``, and only
    present where both are known.

    Parameters
    ----------
    payload
        Decoded GeoJSON ``FeatureCollection``.
    layer
        ``"gemeenten"``, ``"wijken"`` or ``"buurten"``.
    year
        Year of the area division, stored as ``indeling``.
    crs
        CRS of the coordinates; when ``None`` the GeoJSON ``crs`` member, else CRS84.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``BUURT_COLUMNS`` in EPSG:28992, sorted by code.

    Raises
    ------
    SourceFormatError
        When the payload is not a FeatureCollection or lacks the code property.
    """
    _check_layer(layer)
    features = _features_of(payload, origin="het PDOK-antwoord")
    frame_crs = crs or _declared_crs(payload) or CRS84
    if not features:
        return _empty()
    try:
        frame = gpd.GeoDataFrame.from_features(features, crs=frame_crs)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SourceFormatError(
            SOURCE, f"het PDOK-antwoord bevat ongeldige GeoJSON-features ({exc})."
        ) from exc
    return _to_schema(frame, layer=layer, year=year, origin="het PDOK-antwoord")


def read_area_file(
    path: str | Path,
    *,
    layer: str,
    year: int | None = None,
    gemeenten: Iterable[str] | None = None,
) -> gpd.GeoDataFrame:
    """Read areas from a GeoJSON or GeoPackage file into the area schema.

    The property style is detected (PDOK 2021+ snake_case or camelCase, CBS 2020/2022
    gemeente exports, Who's On First 2016 buurten), see :func:`parse_features`.

    Parameters
    ----------
    path
        A ``.geojson``/``.json`` or ``.gpkg`` file. In a GeoPackage with several layers, the
        layer whose name contains ``layer`` is read.
    layer
        ``"gemeenten"``, ``"wijken"`` or ``"buurten"``.
    year
        Year of the area division; when ``None`` it is taken from the ``jaar`` or
        ``jrstatcode``/``jaarstatcode`` column (Who's On First files: 2016), and failing
        those from a single year in the file name (``cbs_gemeenten_2022_....geojson``).
    gemeenten
        Keep only these gemeente codes; ``None`` keeps all. Codes the file does not cover
        give no rows (several files may together cover a region).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``BUURT_COLUMNS`` in EPSG:28992, sorted by code.

    Raises
    ------
    SourceFormatError
        When the file cannot be read, has no code column, or its year is unknown.
    UnknownRegionError
        When a requested gemeente code is malformed.
    """
    _check_layer(layer)
    path = Path(path)
    origin = f"het bestand {path}"
    frame = _read_file(path, layer, origin)
    if frame.crs is None:
        raise SourceFormatError(SOURCE, f"{origin} heeft geen coördinatenstelsel.")
    if year is None:
        year = _infer_year(frame, path, origin)
    areas = _to_schema(frame, layer=layer, year=year, origin=origin)
    if gemeenten is None:
        return areas
    return _sorted(areas[areas["gemeentecode"].isin(_gemeentecodes(gemeenten))])


def _check_layer(layer: str) -> None:
    if layer not in SOORT:
        raise ValueError(f"layer must be one of {sorted(SOORT)}, not {layer!r}")


def _gemeentecodes(gemeenten: Iterable[str]) -> list[str]:
    return gemeente_codes(gemeenten, source=SOURCE, lenient=True)


def _fetch_ogc(
    session: requests.Session, base: str, layer: str, code: str, limit: int
) -> dict[str, Any]:
    url: str | None = f"{base}/collections/{layer}/items"
    params: dict[str, Any] | None = {
        "f": "json",
        "limit": limit,
        "gemeentecode": code,
        "crs": RD_URI,
    }
    collected: dict[str, Any] = {"type": "FeatureCollection", "features": []}
    seen: set[str] = set()
    while url is not None:
        if url in seen:
            raise SourceFormatError(
                SOURCE, f"de OGC API verwijst steeds naar dezelfde pagina ({url})."
            )
        seen.add(url)
        page = _collection(
            request_json(session, url, source=SOURCE, params=params),
            origin=f"het antwoord van {url}",
        )
        features: list[dict[str, Any]] = page["features"]
        _check_filtered(features, code)
        collected["features"].extend(features)
        if "crs" in page:
            collected["crs"] = page["crs"]
        url = _next_link(page, url)
        params = None
    return collected


def _fetch_wfs(
    session: requests.Session, url: str, layer: str, code: str, limit: int
) -> dict[str, Any]:
    params = {
        "service": "WFS",
        "version": "2.0.0",
        "request": "GetFeature",
        "typeNames": f"wijkenbuurten:{layer}",
        "outputFormat": "application/json",
        "srsName": "EPSG:28992",
        "count": limit,
        "filter": _gemeente_filter(code),
    }
    payload = _collection(
        request_json(session, url, source=SOURCE, params=params),
        origin=f"het WFS-antwoord van {url}",
    )
    features: list[dict[str, Any]] = payload["features"]
    if len(features) >= limit:
        raise SourceFormatError(
            SOURCE, f"de WFS gaf {len(features)} gebieden voor {code}, het maximum; verhoog limit."
        )
    return payload


def _gemeente_filter(code: str) -> str:
    return (
        '<fes:Filter xmlns:fes="http://www.opengis.net/fes/2.0">'
        "<fes:PropertyIsEqualTo><fes:ValueReference>gemeentecode</fes:ValueReference>"
        f"<fes:Literal>{escape(code)}</fes:Literal></fes:PropertyIsEqualTo></fes:Filter>"
    )


def _collection(payload: object, *, origin: str) -> dict[str, Any]:
    """``payload`` when it is a GeoJSON FeatureCollection: a dict with a list of feature dicts."""
    if not isinstance(payload, dict):
        raise SourceFormatError(SOURCE, f"{origin} is geen GeoJSON FeatureCollection.")
    _features_of(payload, origin=origin)
    return payload


def _features_of(payload: object, *, origin: str) -> list[dict[str, Any]]:
    features = payload.get("features") if isinstance(payload, dict) else None
    if not isinstance(features, list) or not all(isinstance(f, dict) for f in features):
        raise SourceFormatError(SOURCE, f"{origin} is geen GeoJSON FeatureCollection.")
    return features


def _check_filtered(features: list[dict[str, Any]], code: str) -> None:
    """Raise SourceUnavailable (so the WFS is tried) when the OGC API ignored the filter."""
    for feature in features:
        props = feature.get("properties") or {}
        found = props.get("gemeentecode", code)
        if isinstance(found, str) and found.strip() != code:
            raise SourceUnavailable(
                SOURCE, f"de OGC API negeerde het filter gemeentecode={code}."
            )


def _next_link(page: dict[str, Any], current: str) -> str | None:
    for link in page.get("links") or []:
        if isinstance(link, dict) and link.get("rel") == "next" and link.get("href"):
            next_url: str = urljoin(current, link["href"])
            return next_url
    return None


def _declared_crs(payload: dict[str, Any]) -> str | None:
    member = payload.get("crs")
    if not isinstance(member, dict):
        return None
    name = (member.get("properties") or {}).get("name")
    try:
        text: str = pyproj.CRS.from_user_input(name).to_string()
    except (CRSError, TypeError) as exc:
        raise SourceFormatError(SOURCE, f"onbekend coördinatenstelsel {name!r}.") from exc
    return text


def _answer_crs(payload: dict[str, Any]) -> str:
    """CRS of a PDOK answer to a request for RD New.

    The OGC API names the CRS only in the ``Content-Crs`` header, which
    :func:`loaders.http.request_json` does not pass on; the WFS names it in the ``crs``
    member. Without a ``crs`` member, coordinates that fit longitude/latitude are CRS84
    (the GeoJSON default, also when the server ignored ``crs=``), otherwise they are the RD
    New coordinates that were asked for: RD ``y`` in the Netherlands is above 289,000.
    """
    declared = _declared_crs(payload)
    if declared is not None:
        return declared
    positions = [_first_position(feature) for feature in payload["features"]]
    fits_lonlat = all(LONLAT_BOUNDS.contains(x, y) for x, y in filter(None, positions))
    return CRS84 if fits_lonlat else CRS


def _first_position(feature: dict[str, Any]) -> tuple[float, float] | None:
    coords = (feature.get("geometry") or {}).get("coordinates")
    while isinstance(coords, list) and coords and isinstance(coords[0], list):
        coords = coords[0]
    match coords:
        case [int() | float() as x, int() | float() as y, *_]:
            return (x, y)
    return None


SINGLE_LAYER_SUFFIXES = frozenset({".geojson", ".json"})
"""GeoJSON holds one layer: listing its layers would parse the whole file once more."""


def _read_file(path: Path, layer: str, origin: str) -> gpd.GeoDataFrame:
    try:
        if path.suffix.lower() in SINGLE_LAYER_SUFFIXES:
            return gpd.read_file(path, engine="pyogrio")
        layers = [str(name) for name, _ in pyogrio.list_layers(path)]
        chosen = _pick_layer(layers, layer, origin)
        return gpd.read_file(path, layer=chosen, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        raise SourceFormatError(
            SOURCE, f"{origin} bestaat niet of is geen leesbaar GeoJSON- of GeoPackage-bestand."
        ) from exc


def _pick_layer(layers: list[str], layer: str, origin: str) -> str:
    if len(layers) == 1:
        return layers[0]
    matches = [name for name in layers if layer in name.lower()]
    if not matches:
        raise SourceFormatError(
            SOURCE,
            f"{origin} heeft geen laag met '{layer}' in de naam (lagen: {', '.join(layers)}).",
        )
    return matches[0]


def _infer_year(frame: pd.DataFrame, path: Path, origin: str) -> int:
    columns = _lookup(frame.columns)
    year_col = _pick(columns, YEAR_ALIASES)
    stat_col = _pick(columns, STATCODE_ALIASES)
    if year_col is not None:
        candidates = {int(v) for v in pd.to_numeric(frame[year_col], errors="coerce").dropna()}
    elif stat_col is not None:
        candidates = {int(v[:4]) for v in frame[stat_col].dropna().astype(str) if v[:4].isdigit()}
    elif WOF_MARKER in columns:
        candidates = {WOF_YEAR}
    else:
        candidates = {int(y) for y in YEAR_IN_NAME.findall(path.stem)}
    if len(candidates) != 1:
        raise SourceFormatError(
            SOURCE,
            f"het jaar van de gebiedsindeling is niet eenduidig af te leiden uit {origin}; "
            "geef het jaar op.",
        )
    return candidates.pop()


def _lookup(columns: Iterable[object]) -> dict[str, str]:
    return {str(c).lower(): str(c) for c in columns}


def _pick(columns: dict[str, str], aliases: Iterable[str]) -> str | None:
    for alias in aliases:
        if alias.lower() in columns:
            return columns[alias.lower()]
    return None


def _to_schema(frame: gpd.GeoDataFrame, *, layer: str, year: int, origin: str) -> gpd.GeoDataFrame:
    columns = _lookup(frame.columns)
    code_col = _pick(columns, CODE_ALIASES[layer])
    if code_col is None:
        raise SourceFormatError(
            SOURCE,
            f"{origin} heeft geen kolom met de {SOORT[layer].lower()}code "
            f"(verwacht: {' of '.join(CODE_ALIASES[layer])}).",
        )
    water_col = _pick(columns, FIELD_ALIASES["water"])
    if water_col is not None:
        frame = frame[_text(frame[water_col]).str.upper() != "JA"]
    code = _text(frame[code_col])
    gm_aliases = CODE_ALIASES[layer] if layer == "gemeenten" else FIELD_ALIASES["gemeentecode"]
    out = pd.DataFrame(
        {
            "code": code,
            "naam": _optional_text(frame, columns, NAME_ALIASES[layer]),
            "gemeentecode": _optional_text(frame, columns, gm_aliases).fillna(
                "GM" + code.str.slice(2, 6)
            ),
            "soort": SOORT[layer],
            **_statistics(frame, columns, origin),
            "indeling": str(year),
        },
        index=frame.index,
    )
    return _sorted(gpd.GeoDataFrame(out, geometry=_rd_geometry(frame.geometry), crs=CRS))


def _statistics(
    frame: pd.DataFrame, columns: dict[str, str], origin: str
) -> dict[str, pd.Series]:
    def numbers(field: str) -> pd.Series:
        column = _pick(columns, FIELD_ALIASES[field])
        if column is None:
            return pd.Series(np.nan, index=frame.index, dtype="float64")
        return _numeric(frame[column], column=column, origin=origin)

    inwoners = numbers("inwoners").round()
    pct_65plus = numbers("pct_65plus")
    stedelijkheid = numbers("stedelijkheid")
    return {
        "inwoners": inwoners.astype("Int64"),
        "inwoners_65plus": (inwoners * pct_65plus / 100).round().astype("Int64"),
        "pct_65plus": pct_65plus,
        "eenpersoonshuishoudens_pct": numbers("eenpersoonshuishoudens_pct"),
        "stedelijkheid": stedelijkheid.where(stedelijkheid.between(1, 5)).astype("Int64"),
        "adresdichtheid": numbers("adresdichtheid"),
        "pct_0_15": numbers("pct_0_15"),
        "pct_15_25": numbers("pct_15_25"),
    }


def _rd_geometry(geometry: gpd.GeoSeries) -> gpd.GeoSeries:
    geometry = geometry.to_crs(CRS)
    invalid = geometry.notna() & ~geometry.is_valid
    geometry[invalid] = geometry[invalid].make_valid(method="structure", keep_collapsed=False)
    return geometry


def _optional_text(
    frame: pd.DataFrame, columns: dict[str, str], aliases: Iterable[str]
) -> pd.Series:
    column = _pick(columns, aliases)
    if column is None:
        return pd.Series(np.nan, index=frame.index, dtype="str")
    return _text(frame[column])


def _text(values: pd.Series) -> pd.Series:
    text = values.astype("str").str.strip()
    return text.where(text.notna() & (text != "") & values.notna())


def _numeric(values: pd.Series, *, column: str, origin: str) -> pd.Series:
    if not pd.api.types.is_numeric_dtype(values):
        text = _text(values)
        values = text.where(text != ".")
    try:
        numbers = pd.to_numeric(values, errors="raise").astype("float64")
    except (ValueError, TypeError) as exc:
        raise SourceFormatError(
            SOURCE, f"kolom {column!r} in {origin} bevat waarden die geen getal zijn ({exc})."
        ) from exc
    return numbers.mask(numbers <= SENTINEL_MAX)


def _sorted(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    ordered = frame[list(BUURT_COLUMNS)].sort_values("code", kind="stable").reset_index(drop=True)
    return gpd.GeoDataFrame(ordered, geometry="geometry", crs=CRS)


def _empty() -> gpd.GeoDataFrame:
    dtypes = {"inwoners": "Int64", "inwoners_65plus": "Int64", "stedelijkheid": "Int64",
              "pct_65plus": "float64", "eenpersoonshuishoudens_pct": "float64",
              "adresdichtheid": "float64", "pct_0_15": "float64", "pct_15_25": "float64"}
    frame = pd.DataFrame(
        {c: pd.Series(dtype=dtypes.get(c, "str")) for c in BUURT_COLUMNS if c != "geometry"}
    )
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)
