"""Map figures: buurten, gemeenten, kernen and meeting places on a tile-free MapLibre map.

Pure plotly, no Streamlit. Geometry arrives in EPSG:28992; polygons are simplified there (in
metres, coarser for a larger area) and converted to EPSG:4326 only in this module, with
coordinates rounded to 5 decimals (about 1 m), so a province stays light.

The base style is ``white-bg``: no tile server, no sprites, so the map draws in a closed network;
a :class:`Background` of raster tiles is laid under the traces only when the page found the tile
service reachable (:mod:`ui.tiles`). MapLibre needs WebGL. Without a sprite only round markers
exist, so kinds of points are told apart by layered circles (a dot with a ring, a hollow ring)
and by colour.
Kernen are drawn last, on top of meeting places, so a click on a kern selects the kern.

Names of kernen are placed in RD metres (:func:`views.labels.place_labels`, largest first, no two
overlapping) at the scale of the first view, and drawn by one text trace (see :func:`text_trace`).
The legend and the colour bars sit below the map in one column, so the same figure reads on a
desktop and on a phone (Streamlit cannot tell the screen width to the server). Sources are not
part of the figure: the page prints them under it and the image export adds one source line.

Names, kinds and reasons come from files; they pass :func:`views.text.plain_plotly` (imported
here as ``escape``) before they enter hover text, titles or notes, because plotly renders some
HTML tags there.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import shapely

from analysis.kern_buurten import unchanged_shapes
from analysis.nearest import METHOD_STRAIGHT_LINE
from loaders.schema import LONELINESS_INDICATORS
from views.charts import FONT
from views.eenzaamheid import AGE_LABELS, rivm_source
from views.labels import label_box, place_labels
from views.text import (
    SUPPRESSED,
    dutch_list,
    format_count,
    format_km_beside,
    format_minutes,
    format_pct,
    format_threshold,
)
from views.text import plain_plotly as escape

CHANGED_TEXT = "niet getoond: de buurtgrens is veranderd, het cijfer hoort bij een ander gebied"
"""Hover text of a buurt shape whose boundary changed since the figures' division."""

WGS84 = "EPSG:4326"
DECIMALS = 5
MAP_STYLE = "white-bg"
PLOT_HEIGHT = 540
"""Height of the map itself in pixels; title, colour bars and legend come on top of it."""
ASSUMED_WIDTH_PX = 900
"""Width used to fit the first view and place the labels on a desktop."""
PHONE_WIDTH_PX = 350
"""The same on a phone: the map's width on a 390-pixel screen, less the page's margins."""
EARTH_CIRCUMFERENCE_M = 40_075_016.686
TITLE_CHARS = 42
SUBTITLE_CHARS = 56
"""Line lengths of title and subtitle that fit a phone (about 360 pixels of chart)."""
TITLE_LINE_PX = 21
SUBTITLE_LINE_PX = 16
COLOURBAR_CHARS = 48
COLOURBAR_BLOCK_PX = 78
"""Height of one horizontal colour bar below the map: two title lines, bar and tick labels."""
LEGEND_ROW_PX = 21
LABEL_FONT_PX = 11
LABEL_COLOUR = "#1a1a1a"
LABEL_LIMITS = ((40_000.0, 40), (120_000.0, 25))
"""(largest extent of the area shown, most kernen named): fewer names for a larger area."""
COUNTRY_LABELS = 15
NAMES_NOTE = "namen: grote kernen zonder plek (waar de naam past)"
"""Subtitle part of an overview map with names: the largest kernen without a meeting place are
tried first, but a name that would cover another kern's dot is left out, so in a dense area
(the whole country) few of the largest get a name. Left out when no name fits."""
SCALE_STEPS_M = (100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000)
SCALE_TARGET_PX = 110
"""A scale bar is the longest round length not much longer than this many pixels."""
METRES_PER_KM = 1000

TOLERANCE_STEPS_M = ((40_000.0, 10.0), (120_000.0, 50.0), (250_000.0, 100.0))
"""(largest extent of the area shown, simplification tolerance), both in metres."""
COUNTRY_TOLERANCE_M = 250.0
MARKER_SCALE_STEPS = ((40_000.0, 1.0), (120_000.0, 0.6))
"""(largest extent of the area shown, marker size factor): smaller dots for a province."""
COUNTRY_MARKER_SCALE = 0.45

BUURT_SCALE = ["#f1eef6", "#d0d1e6", "#a6bddb", "#74a9cf", "#3690c0", "#0570b0", "#034e7b"]
"""ColorBrewer PuBu (colour-blind safe, sequential) for loneliness percentages."""
SHARE_SCALE = ["#fef0d9", "#fdd49e", "#fdbb84", "#fc8d59", "#ef6548", "#d7301f", "#990000"]
"""ColorBrewer OrRd for the share of kernen without a meeting place."""
DISTANCE_SCALE = [
    [0.0, "#ffffcc"], [0.17, "#ffeda0"], [0.33, "#fed976"], [0.5, "#feb24c"],
    [0.5, "#e31a1c"], [0.67, "#bd0026"], [0.83, "#a50026"], [1.0, "#67001f"],
]
"""ColorBrewer YlOrRd split at the middle: yellow-orange within the threshold (which sits at
the middle of the scale), red beyond it, so the threshold shows as a step in colour."""
NO_VALUE_COLOUR = "#d4d4d4"
OUTLINE_COLOUR = "#ffffff"
BORDER_COLOUR = "#4d4d4d"
SELECTED_COLOUR = "#7b2cbf"
"""The chosen kern's ring: a purple that none of the colour scales uses."""


@dataclass(frozen=True)
class Background:
    """A background map of XYZ raster tiles and the attribution it must carry.

    Attributes
    ----------
    tiles
        URL template with ``{z}``, ``{x}`` and ``{y}``.
    attribution
        Shown on the map and in the source line.
    name
        The map's name, for the source line.
    """

    tiles: str
    attribution: str
    name: str

    @property
    def source(self) -> str:
        """The source part of the background map (``PDOK BRT-Achtergrondkaart (…)``)."""
        return f"{self.name} ({self.attribution})"


BRT_BACKGROUND = Background(
    tiles="https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/grijs/EPSG:3857/{z}/{x}/{y}.png",
    attribution="Kaartgegevens © Kadaster",
    name="PDOK BRT-Achtergrondkaart",
)
"""The grey BRT-Achtergrondkaart of PDOK (WMTS in Web Mercator, XYZ-addressable)."""


@dataclass(frozen=True)
class MapText:
    """What a map shows, for titles and legends.

    Attributes
    ----------
    mode_label
        Travel mode in Dutch (``fietsen``).
    threshold_m
        Distance threshold in metres.
    estimate
        True when distances are straight-line estimates.
    area
        Name of the area shown (``Aa en Hunze``, ``de provincie Drenthe``), for the title.
    """

    mode_label: str
    threshold_m: float
    estimate: bool
    area: str = ""

    @property
    def method(self) -> str:
        """How distances were found, as shown in hover texts and legends."""
        return METHOD_STRAIGHT_LINE if self.estimate else "over het wegennet"


def simplify_tolerance(bounds: Sequence[float]) -> float:
    """Simplification tolerance (metres) for an area with RD ``(minx, miny, maxx, maxy)``.

    About 10 m for a gemeente, 50 m for a province, 100-250 m for the country.
    """
    extent = max(bounds[2] - bounds[0], bounds[3] - bounds[1])
    return next((tol for limit, tol in TOLERANCE_STEPS_M if extent <= limit), COUNTRY_TOLERANCE_M)


def marker_scale(bounds: Sequence[float]) -> float:
    """Factor for marker sizes on a map of RD ``bounds``: 1 for a gemeente, less for more."""
    extent = max(bounds[2] - bounds[0], bounds[3] - bounds[1])
    return next((f for limit, f in MARKER_SCALE_STEPS if extent <= limit), COUNTRY_MARKER_SCALE)


def area_geojson(
    areas: gpd.GeoDataFrame, *, tolerance: float, id_column: str = "code"
) -> dict[str, Any]:
    """Polygons as a GeoJSON FeatureCollection in EPSG:4326, feature ``id`` from ``id_column``.

    Simplified in EPSG:28992 with ``tolerance`` metres (topology of each polygon kept),
    then converted and rounded to :data:`DECIMALS` decimals.
    """
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": str(code), "properties": {}, "geometry": geometry}
            for code, geometry in zip(
                areas[id_column], _light_geometries(areas.geometry, tolerance), strict=True
            )
        ],
    }


def outline_coordinates(
    areas: gpd.GeoDataFrame, *, tolerance: float
) -> tuple[list[float | None], list[float | None]]:
    """Longitudes and latitudes of all polygon rings, separated by None (one line trace)."""
    simplified = shapely.simplify(areas.geometry.to_numpy(), tolerance, preserve_topology=True)
    rings = shapely.get_rings(gpd.GeoSeries(simplified, crs=areas.crs).explode().to_numpy())
    lines = gpd.GeoSeries(rings, crs=areas.crs).to_crs(WGS84)
    lons: list[float | None] = []
    lats: list[float | None] = []
    for ring in lines:
        coords = np.round(shapely.get_coordinates(ring), DECIMALS)
        lons += [*coords[:, 0].tolist(), None]
        lats += [*coords[:, 1].tolist(), None]
    return lons, lats


def map_view(
    bounds: Sequence[float], *, width: int = ASSUMED_WIDTH_PX, height: int = PLOT_HEIGHT
) -> dict[str, Any]:
    """Centre and zoom that fit RD ``bounds`` into a map of ``width`` × ``height`` pixels."""
    box = gpd.GeoSeries([shapely.box(*bounds)], crs="EPSG:28992").to_crs(WGS84)
    west, south, east, north = box.total_bounds
    lon_span = max(east - west, 1e-4)
    merc = [math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) for lat in (south, north)]
    y_span = max(merc[1] - merc[0], 1e-6)
    zoom = min(
        math.log2(width * 360.0 / (512.0 * lon_span)),
        math.log2(height * 0.8 * 2 * math.pi / (512.0 * y_span)),
    )
    return {
        "center": {"lon": round((west + east) / 2, DECIMALS), "lat": round((south + north) / 2,
                                                                           DECIMALS)},
        "zoom": round(max(zoom - 0.15, 1.0), 2),
    }


def metres_per_pixel(lat: float, zoom: float) -> float:
    """Ground metres per screen pixel of a MapLibre map at latitude ``lat`` and ``zoom``.

    MapLibre's world is 512 pixels wide at zoom 0 (:func:`map_view` fits with the same tile
    size), so this is half the 156,543 m of 256-pixel raster tiles.
    """
    return float(EARTH_CIRCUMFERENCE_M * math.cos(math.radians(lat)) / (512.0 * 2.0 ** zoom))


def label_limit(bounds: Sequence[float]) -> int:
    """How many kernen a map of RD ``bounds`` names at most: 40 for a gemeente, fewer above."""
    extent = max(bounds[2] - bounds[0], bounds[3] - bounds[1])
    return next((n for limit, n in LABEL_LIMITS if extent <= limit), COUNTRY_LABELS)


def buurt_traces(
    buurten: gpd.GeoDataFrame,
    values: pd.Series,
    *,
    indicator: str,
    jaar: int,
    leeftijd: str,
    tolerance: float,
    changed: Collection[str] = (),
) -> list[go.Choroplethmap]:
    """Buurten coloured by ``values`` (code → percentage), buurten without a value in grey.

    A code in ``values`` with NaN is ``onderdrukt``; a code missing from ``values`` has no
    figure in this area division; a code in ``changed`` is a shape whose boundary changed
    since (:func:`analysis.kern_buurten.unchanged_shapes`), so its figure belongs to another
    area. All three are grey, never 0.
    """
    moved = buurten["code"].isin(set(changed)).to_numpy()
    figures = buurten["code"].map(values).where(~moved)
    present = figures.notna().to_numpy()
    label = LONELINESS_INDICATORS[indicator]
    age = AGE_LABELS.get(leeftijd, leeftijd)
    source = escape(rivm_source([jaar]))
    hover = [
        f"<b>{escape(naam)}</b> ({escape(code)})<br>{label}: "
        f"{CHANGED_TEXT if is_moved else _value_text(code, value, values)}"
        f"<br>{jaar}, {age}, modelschatting<br>{source}"
        for code, naam, value, is_moved in zip(buurten["code"], buurten["naam"], figures, moved,
                                               strict=True)
    ]
    hover_texts = np.asarray(hover, dtype=object)
    traces = []
    if present.any():
        shown = buurten[present]
        traces.append(
            go.Choroplethmap(
                geojson=area_geojson(shown, tolerance=tolerance),
                locations=shown["code"].astype(str).tolist(),
                z=np.round(figures[present].to_numpy(dtype=float), 1),
                colorscale=BUURT_SCALE,
                marker={"opacity": 0.75, "line": {"color": OUTLINE_COLOUR, "width": 0.6}},
                hovertext=hover_texts[present].tolist(),
                hovertemplate="%{hovertext}<extra></extra>",
                name=f"{label} (%)",
                colorbar=_colourbar(f"{label} per buurt (%), {jaar}, {age}, modelschatting",
                                    ticksuffix=" %"),
            )
        )
    if not present.all():
        missing = buurten[~present]
        traces.append(
            go.Choroplethmap(
                geojson=area_geojson(missing, tolerance=tolerance),
                locations=missing["code"].astype(str).tolist(),
                z=np.zeros(len(missing)),
                colorscale=[[0, NO_VALUE_COLOUR], [1, NO_VALUE_COLOUR]],
                showscale=False,
                marker={"opacity": 0.75, "line": {"color": OUTLINE_COLOUR, "width": 0.6}},
                hovertext=hover_texts[~present].tolist(),
                hovertemplate="%{hovertext}<extra></extra>",
                name=f"Buurt zonder cijfer ({SUPPRESSED} of grens veranderd)"
                if moved.any() else f"Buurt zonder cijfer ({SUPPRESSED})",
                showlegend=True,
            )
        )
    return traces


def gemeente_traces(
    gemeenten: gpd.GeoDataFrame,
    summary: pd.DataFrame,
    text: MapText,
    *,
    measure: str = "kernen",
    tolerance: float,
) -> list[go.Choroplethmap]:
    """Gemeenten coloured by the share of kernen (or known inwoners) without a meeting place.

    Parameters
    ----------
    gemeenten
        The ``gemeenten`` layer (``code``, ``naam``, geometry) of the gemeenten to show.
    summary
        :func:`analysis.reach.reach_summary` with the threshold of ``text``.
    measure
        ``"kernen"`` or ``"inwoners"`` (only kernen with a known number of inwoners count).
    """
    share = share_without(summary, text.threshold_m, measure=measure)
    rows = gemeenten[["code", "naam", "geometry"]].merge(
        summary.assign(zonder_pct=share), left_on="code",
                           right_on="gemeentecode", how="inner")
    within = format_threshold(text.threshold_m)
    key = f"{text.threshold_m:g}"
    hover = [
        f"<b>{escape(row.naam)}</b><br>"
        f"Kernen zonder ontmoetingsplek binnen {within}: "
        f"{row.kernen - getattr(row, f'kernen_binnen_{key}')} van {row.kernen}<br>"
        f"Inwoners daarvan (waar bekend): "
        f"{format_count(row.inwoners - getattr(row, f'inwoners_binnen_{key}'))} van "
        f"{format_count(row.inwoners)}<br>"
        f"Afstanden {text.mode_label}: {text.method}"
        for row in rows.itertuples()
    ]
    what = "kernen" if measure == "kernen" else "inwoners"
    title = f"Aandeel {what} zonder ontmoetingsplek binnen {within} (%)"
    if text.estimate:
        title += ", schatting (hemelsbreed)"
    return [
        go.Choroplethmap(
            geojson=area_geojson(rows, tolerance=tolerance),
            locations=rows["code"].astype(str).tolist(),
            z=np.round(rows["zonder_pct"].to_numpy(dtype=float), 1),
            zmin=0, zmax=100,
            colorscale=SHARE_SCALE,
            marker={"opacity": 0.8, "line": {"color": BORDER_COLOUR, "width": 1}},
            hovertext=hover,
            hovertemplate="%{hovertext}<br>Aandeel zonder: %{z:.0f} %<extra></extra>",
            name=f"Aandeel {what} zonder ontmoetingsplek",
            colorbar=_colourbar(title, ticksuffix=" %"),
        )
    ]


def share_without(summary: pd.DataFrame, threshold_m: float, *, measure: str) -> pd.Series:
    """Per gemeente the percentage of kernen (or known inwoners) beyond ``threshold_m``."""
    key = f"{threshold_m:g}"
    if measure == "kernen":
        return (1.0 - summary[f"aandeel_kernen_binnen_{key}"]) * 100.0
    if measure == "inwoners":
        known = summary["inwoners"].where(summary["inwoners"] > 0)
        return (1.0 - summary[f"inwoners_binnen_{key}"].fillna(0.0) / known) * 100.0
    raise ValueError(f"onbekende maat {measure!r}; kies 'kernen' of 'inwoners'")


def border_trace(gemeenten: gpd.GeoDataFrame, *, tolerance: float) -> go.Scattermap:
    """Gemeente borders as thin dark lines, without hover."""
    lons, lats = outline_coordinates(gemeenten, tolerance=tolerance)
    return go.Scattermap(lon=lons, lat=lats, mode="lines", hoverinfo="skip", name="Gemeentegrens",
                         line={"color": BORDER_COLOUR, "width": 1.2})


def kern_traces(
    table: pd.DataFrame,
    kernen: gpd.GeoDataFrame,
    text: MapText,
    *,
    only_without: bool = False,
    selected: str | None = None,
    scale: float = 1.0,
) -> list[go.Scattermap]:
    """Kernen as dots coloured by distance to the nearest meeting place.

    Parameters
    ----------
    table
        Reach rows (:func:`views.kernen.kern_table`), aligned with ``kernen``.
    kernen
        The kernen (``naam``, ``source``, point geometry in EPSG:28992), same order.
    only_without
        Show only the kernen without a meeting place within the threshold (overview maps).
    selected
        ``kern_id`` of a kern to mark with a purple ring (named first by
        :func:`place_kern_labels`, and in the legend).
    scale
        Marker size factor (:func:`marker_scale`).

    Notes
    -----
    ``customdata`` of the coloured dots holds the ``kern_id``, so a click on the map names the
    kern. Kernen beyond the threshold get a wide dark ring as well as a red colour, so the
    difference does not rest on colour alone.
    """
    lon, lat = _lonlat(kernen)
    distance = table["afstand_m"].to_numpy(dtype=float)
    found = ~np.isnan(distance)
    beyond = ~(distance <= text.threshold_m)
    ids = table["kern_id"].astype(str).to_numpy()
    shown = beyond if only_without else np.ones(len(table), dtype=bool)
    hover = np.full(len(table), "", dtype=object)  # only shown kernen need a hover text
    hover[shown] = _kern_hover(table.iloc[shown], kernen.iloc[shown], text)
    within = format_threshold(text.threshold_m)
    traces: list[go.Scattermap] = []
    if selected is not None and selected in set(ids):
        at = ids == selected
        name = escape(table.loc[at, "naam"].iloc[0])
        traces.append(_dots(lon[at], lat[at], max(_size(34, scale), 22), SELECTED_COLOUR,
                            name=f"Gekozen kern: {name}", legend=True))
        traces.append(_dots(lon[at], lat[at], max(_size(25, scale), 15), "#ffffff", name="",
                            legend=False))
    ring = shown & beyond
    traces.append(_dots(lon[ring], lat[ring], _size(19, scale), "#000000",
                        name=f"Geen ontmoetingsplek binnen {within}", legend=bool(ring.any())))
    dots = shown & found
    traces.append(_dots(lon[dots], lat[dots], _size(12, scale), "#333333", name="", legend=False))
    threshold_km = text.threshold_m / 1000.0
    traces.append(
        go.Scattermap(
            lon=lon[dots], lat=lat[dots], mode="markers",
            marker={
                "size": _size(9, scale), "color": np.round(distance[dots] / 1000.0, 2),
                "colorscale": DISTANCE_SCALE, "cmin": 0.0, "cmax": 2 * threshold_km,
                "colorbar": _distance_colorbar(text),
            },
            customdata=ids[dots].tolist(),
            hovertext=hover[dots].tolist(),
            hovertemplate="%{hovertext}<extra></extra>",
            name="Kern (kleur = afstand)",
        )
    )
    lost = shown & ~found
    if lost.any():
        traces.append(_dots(lon[lost], lat[lost], _size(12, scale), "#333333", name="",
                            legend=False))
        traces.append(go.Scattermap(
            lon=lon[lost], lat=lat[lost], mode="markers",
            marker={"size": _size(9, scale), "color": "#9e9e9e"},
            customdata=ids[lost].tolist(), hovertext=hover[lost].tolist(),
            hovertemplate="%{hovertext}<extra></extra>", name="Kern zonder bereikbare plek",
        ))
    return traces


def venue_traces(venues: gpd.GeoDataFrame, *, scale: float = 1.0) -> list[go.Scattermap]:
    """Meeting places as black dots with a white ring; other places as grey hollow rings.

    ``scale`` is the marker size factor (:func:`marker_scale`).
    """
    counts = venues["ontmoetingsplek"].fillna(value=False).astype(bool).to_numpy()
    lon, lat = _lonlat(venues)
    hover = np.asarray(_venue_hover(venues, counts), dtype=object)
    traces = []
    for mask, outer, inner, name in (
        (~counts, ("#6b6b6b", 10), ("#ffffff", 5), "Andere plek (telt niet mee)"),
        (counts, ("#ffffff", 12), ("#000000", 8), "Ontmoetingsplek (telt mee)"),
    ):
        if not mask.any():
            continue
        ring = _dots(lon[mask], lat[mask], _size(outer[1], scale), outer[0], name=name,
                     legend=not counts[mask][0])
        traces.append(ring.update(legendgroup=name))
        traces.append(go.Scattermap(
            lon=lon[mask], lat=lat[mask], mode="markers",
            marker={"size": _size(inner[1], scale), "color": inner[0]}, legendgroup=name,
            showlegend=bool(counts[mask][0]),
            hovertext=hover[mask].tolist(), hovertemplate="%{hovertext}<extra></extra>", name=name,
        ))
    return traces


@dataclass(frozen=True)
class Labels:
    """Names placed beside the kernen, in RD metres at the scale of the first view.

    Attributes
    ----------
    x, y
        Centres of the label boxes (RD).
    texts
        The names.
    positions
        Where each label sits beside its kern (a plotly ``textposition`` word).
    boxes
        (xmin, ymin, xmax, ymax) of each label, RD; no two overlap.
    """

    x: np.ndarray
    y: np.ndarray
    texts: list[str]
    positions: list[str]
    boxes: np.ndarray


def place_kern_labels(
    table: pd.DataFrame,
    kernen: gpd.GeoDataFrame,
    *,
    bounds: Sequence[float],
    shown: np.ndarray | None = None,
    selected: str | None = None,
    obstacles: gpd.GeoDataFrame | None = None,
    scale: float = 1.0,
    width: int = ASSUMED_WIDTH_PX,
) -> Labels:
    """Names of the largest kernen beside their dots, none overlapping another or a dot.

    The placement (:func:`views.labels.place_labels`) is done in RD metres at the scale of the
    first view (:func:`map_view` of ``bounds`` at ``width`` pixels), largest kern
    first, at most :func:`label_limit` names; the chosen kern is named first.

    Parameters
    ----------
    table
        Reach rows (``kern_id``, ``naam``, ``inwoners``), aligned with ``kernen``.
    kernen
        The kernen, point or polygon geometry in EPSG:28992.
    bounds
        RD bounds the map was fitted to.
    shown
        Which kernen are drawn (a boolean mask); only these are named and avoided.
    selected
        ``kern_id`` of the chosen kern.
    obstacles
        Other points a name must not cover (meeting places), EPSG:28992.
    scale
        Marker size factor (:func:`marker_scale`).
    width
        Width of the map in pixels (:data:`ASSUMED_WIDTH_PX`, :data:`PHONE_WIDTH_PX`).
    """
    mask = np.ones(len(table), dtype=bool) if shown is None else np.asarray(shown, dtype=bool)
    points = kernen.geometry.representative_point()
    ids = table["kern_id"].astype(str).to_numpy()
    chosen = (ids == selected) & mask if selected is not None else np.zeros(len(ids), dtype=bool)
    people = np.nan_to_num(_numbers(table["inwoners"]), nan=0.0)
    priority = np.where(chosen, np.inf, people)[mask]
    limit = label_limit(bounds)
    ranked = np.argsort(-priority, kind="stable")
    names = np.asarray(table["naam"].astype(str).to_numpy()[mask], dtype=object)
    texts = ["" for _ in ranked]
    for i in ranked[: 3 * limit]:
        texts[i] = names[i]
    x, y = points.x.to_numpy()[mask], points.y.to_numpy()[mask]
    sizes = np.where(chosen[mask], max(_size(34, scale), 22), _size(19, scale))
    all_x, all_y, all_texts, all_sizes = x, y, list(texts), sizes
    if obstacles is not None and len(obstacles):
        all_x = np.concatenate([x, obstacles.geometry.x.to_numpy()])
        all_y = np.concatenate([y, obstacles.geometry.y.to_numpy()])
        all_texts += [""] * len(obstacles)
        all_sizes = np.concatenate([sizes, np.full(len(obstacles), _size(12, scale))])
    view = map_view(bounds, width=width)
    units = metres_per_pixel(view["center"]["lat"], view["zoom"])
    centre_x, centre_y = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
    half_w, half_h = width / 2 * units, PLOT_HEIGHT / 2 * units
    inside = (centre_x - half_w, centre_y - half_h, centre_x + half_w, centre_y + half_h)
    placed = place_labels(
        all_x, all_y, all_texts,
        priority=np.concatenate([priority, np.zeros(len(all_x) - len(x))]),
        units_per_pixel=units, font_size=LABEL_FONT_PX, marker_size=all_sizes, bounds=inside,
    )

    def named() -> tuple[list[int], np.ndarray]:
        kept = [int(i) for i in ranked if placed[i] is not None][:limit]
        boxes = [label_box(str(placed[i]), x[i], y[i], texts[i], units_per_pixel=units,
                           font_size=LABEL_FONT_PX, marker_size=sizes[i]) for i in kept]
        return kept, np.array(boxes).reshape(-1, 4)

    kept, boxes = named()
    # The chosen and the largest kern are named even where every spot covers a meeting place
    # (a town centre full of them); their names still never cover another name or kern dot.
    first = [int(i) for i in np.flatnonzero(chosen[mask])]
    if len(x) and people[mask].max() > 0:
        first.append(int(np.argmax(people[mask])))
    missing = [i for i in dict.fromkeys(first) if texts[i] and placed[i] is None]
    if missing:
        again = place_labels(
            x, y, [texts[i] if i in missing else "" for i in range(len(x))], priority=priority,
            units_per_pixel=units, font_size=LABEL_FONT_PX, marker_size=sizes, bounds=inside,
            taken=boxes,
        )
        for i in missing:
            placed[i] = again[i]
        kept, boxes = named()
    return Labels(x=(boxes[:, 0] + boxes[:, 2]) / 2, y=(boxes[:, 1] + boxes[:, 3]) / 2,
                  texts=[texts[i] for i in kept], positions=[str(placed[i]) for i in kept],
                  boxes=boxes)


def text_trace(labels: Labels, scale_bar: tuple[float, float, str] | None = None) -> go.Scattermap:
    """One text trace with every label, each centred on its placed box (RD → lon/lat).

    One trace for all, because a MapLibre map offline (no glyph server) fails on a second text
    layer; the text therefore sits at the box centre ("middle center") instead of a position per
    point. ``scale_bar`` adds the scale bar's words at RD (x, y).
    """
    xs, ys, texts = list(labels.x), list(labels.y), [escape(t) for t in labels.texts]
    if scale_bar is not None:
        xs.append(scale_bar[0])
        ys.append(scale_bar[1])
        texts.append(scale_bar[2])
    centres = gpd.GeoSeries(gpd.points_from_xy(xs, ys), crs="EPSG:28992").to_crs(WGS84)
    return go.Scattermap(
        lon=np.round(centres.x.to_numpy(), DECIMALS), lat=np.round(centres.y.to_numpy(), DECIMALS),
        mode="text", text=texts, textposition="middle center", hoverinfo="skip",
        showlegend=False, textfont={"size": LABEL_FONT_PX, "color": LABEL_COLOUR},
        name="Namen van kernen",
    )


def scale_bar(
    bounds: Sequence[float], *, width: int = ASSUMED_WIDTH_PX
) -> tuple[go.Scattermap, tuple[float, float, str]]:
    """A scale bar at the lower left of the first view: the line, and where its words go (RD).

    Drawn in lon/lat (from RD), so it stays true when the user zooms; it sits within the
    middle 340 pixels of a map ``width`` pixels wide, so a phone shows it too.
    """
    view = map_view(bounds, width=width)
    units = metres_per_pixel(view["center"]["lat"], view["zoom"])
    length = max((m for m in SCALE_STEPS_M if m <= 1.4 * SCALE_TARGET_PX * units),
                 default=SCALE_STEPS_M[0])
    centre_x, centre_y = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
    left = max(bounds[0], centre_x - 170 * units)
    bottom = centre_y - (PLOT_HEIGHT / 2 - 20) * units
    ends = gpd.GeoSeries(gpd.points_from_xy([left, left + length], [bottom, bottom]),
                         crs="EPSG:28992").to_crs(WGS84)
    words = format_threshold(length) if length >= METRES_PER_KM else f"{length} m"
    line = go.Scattermap(lon=np.round(ends.x.to_numpy(), DECIMALS),
                         lat=np.round(ends.y.to_numpy(), DECIMALS), mode="lines",
                         hoverinfo="skip", showlegend=False,
                         line={"color": "#000000", "width": 4}, name=f"Schaal: {words}")
    return line, (left + length / 2, bottom + 12 * units, words)


def map_figure(
    traces: Sequence[go.BaseTraceType],
    *,
    bounds: Sequence[float],
    title: str,
    subtitle: str | Sequence[str],
    revision: str,
    background: Background | None = None,
    width: int = ASSUMED_WIDTH_PX,
) -> go.Figure:
    """Put ``traces`` on a map that fits RD ``bounds``, with title, colour bars and legend below.

    ``subtitle`` is one line or several (each escaped, wrapped to fit a phone, shown one below
    the other). The colour bars of the traces are laid out horizontally under the map (the
    distance of the kernen first), the legend under them; the bottom margin keeps room for a
    legend of one entry per row, as on a phone. ``background`` lays raster tiles under the
    traces, with their attribution. ``revision`` keeps the user's pan and zoom across reruns
    until it changes (e.g. with the region or view). The first view fits a map ``width``
    pixels wide.
    """
    subtitles = [subtitle] if isinstance(subtitle, str) else list(subtitle)
    title_lines = textwrap.wrap(title, TITLE_CHARS) or [""]
    sub_lines = [w for line in subtitles for w in textwrap.wrap(line, SUBTITLE_CHARS)]
    figure = go.Figure(list(traces))
    bars = [t for t in figure.data if t.type == "scattermap" and _has_colourbar(t.marker)]
    bars += [t for t in figure.data if t.type == "choroplethmap" and t.showscale is not False]
    entries = sum(1 for t in figure.data if t.showlegend is not False and t.name)
    top = 24 + TITLE_LINE_PX * len(title_lines) + SUBTITLE_LINE_PX * len(sub_lines)
    offset = 14
    for trace in bars:
        bar = trace.marker.colorbar if trace.type == "scattermap" else trace.colorbar
        bar.update(y=-offset / PLOT_HEIGHT)
        offset += COLOURBAR_BLOCK_PX
    bottom = offset + LEGEND_ROW_PX * max(math.ceil(entries * 0.7), 2) + 10
    layers = []
    if background is not None:
        layers.append({"sourcetype": "raster", "source": [background.tiles], "below": "traces",
                       "sourceattribution": escape(background.attribution), "opacity": 0.8})
    figure.update_layout(
        map={"style": MAP_STYLE, "layers": layers, **map_view(bounds, width=width)},
        title={"text": "<br>".join(escape(line) for line in title_lines),
               "subtitle": {"text": "<br>".join(escape(line) for line in sub_lines)}, "x": 0,
               "xanchor": "left", "yref": "container", "y": 1, "yanchor": "top",
               "pad": {"t": 14, "l": 4}, "font": {"size": 17}},
        height=PLOT_HEIGHT + top + bottom,
        margin={"t": top, "b": bottom, "l": 4, "r": 4},
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": -offset / PLOT_HEIGHT,
                "yanchor": "top", "bgcolor": "rgba(255,255,255,0)", "font": {"size": 12}},
        font={"family": FONT},
        separators=",.",
        uirevision=revision,
        paper_bgcolor="white",
    )
    return figure


def buurten_map(
    buurten: gpd.GeoDataFrame | None,
    values: pd.Series,
    table: pd.DataFrame,
    kernen: gpd.GeoDataFrame,
    venues: gpd.GeoDataFrame,
    text: MapText,
    *,
    indicator: str,
    jaar: int | None,
    leeftijd: str | None,
    gemeenten: gpd.GeoDataFrame | None = None,
    selected: str | None = None,
    changed: Collection[str] = (),
    boundaries: Sequence[str] = (),
    background: Background | None = None,
    width: int = ASSUMED_WIDTH_PX,
) -> go.Figure:
    """The detailed map: buurten by loneliness, kernen by distance, meeting places, names.

    Without loneliness figures (``jaar`` None) or buurten the map shows kernen and places
    only. Venues are kept within 5 km of the area, so a meeting place just across the border
    still shows. ``changed`` buurt shapes are grey (see :func:`buurt_traces`) and
    ``boundaries`` (:func:`boundary_note`) goes into the subtitle, so an exported map says
    which year's shapes carry which year's figures. The title names ``text.area``. The first
    view and the names fit a map ``width`` pixels wide.
    """
    has_buurten = buurten is not None and len(buurten) > 0
    bounds = _bounds(buurten if has_buurten else kernen)
    tolerance = simplify_tolerance(bounds)
    traces: list[go.BaseTraceType] = []
    if has_buurten and jaar is not None and leeftijd is not None:
        traces += buurt_traces(buurten, values, indicator=indicator, jaar=jaar, leeftijd=leeftijd,
                               tolerance=tolerance, changed=changed)
    if gemeenten is not None and len(gemeenten):
        traces.append(border_trace(gemeenten, tolerance=tolerance))
    near = venues.cx[bounds[0] - 5000:bounds[2] + 5000, bounds[1] - 5000:bounds[3] + 5000]
    scale = marker_scale(bounds)
    traces += venue_traces(near, scale=scale)
    traces += kern_traces(table, kernen, text, selected=selected, scale=scale)
    labels = place_kern_labels(table, kernen, bounds=bounds, selected=selected, obstacles=near,
                               scale=scale, width=width)
    bar, words = scale_bar(bounds, width=width)
    traces += [bar, text_trace(labels, words)]
    label = LONELINESS_INDICATORS[indicator].lower()
    subtitle = (f"{label} per buurt ({jaar}, {AGE_LABELS.get(str(leeftijd), str(leeftijd))}, "
                f"modelschatting) · " if jaar is not None else "")
    subtitle += f"afstand {text.mode_label}, grens {format_threshold(text.threshold_m)}"
    if text.estimate:
        subtitle += " · afstanden hemelsbreed (schatting)"
    lines = [subtitle, *boundaries] if jaar is not None else [subtitle]
    what = "Kernen, ontmoetingsplekken en eenzaamheid" if jaar is not None \
        else "Kernen en ontmoetingsplekken"
    return map_figure(traces, bounds=bounds, title=_in_area(what, text.area), subtitle=lines,
                      revision=f"buurten-{bounds}", background=background, width=width)


def boundary_note(
    buurten: pd.DataFrame, figure_codes: Collection[str], *, figure_indeling: str
) -> list[str]:
    """Dutch lines on which year's buurt shapes carry the figures; none when they match.

    Parameters
    ----------
    buurten
        The buurt shapes drawn (``code``, ``indeling``).
    figure_codes
        The buurt codes with a figure in the same gemeenten.
    figure_indeling
        The division year of the figures.
    """
    years = sorted({str(y) for y in buurten["indeling"]})
    if not years or years == [str(figure_indeling)]:
        return []
    unchanged = unchanged_shapes(buurten, figure_codes, figure_indeling=figure_indeling)
    without_shape = len(set(figure_codes) - set(buurten["code"]))
    lines = [(f"Buurtgrenzen van {dutch_list(years)}, cijfers op de buurtindeling van "
              f"{figure_indeling}.")]
    if (~unchanged).any():
        lines.append(f"{int((~unchanged).sum())} buurten met een veranderde grens zijn grijs.")
    if without_shape:
        lines.append(f"{without_shape} buurten met een cijfer staan niet op de kaart (wel in de "
                     "tabel bij Eenzaamheid).")
    return lines


def gemeenten_map(
    gemeenten: gpd.GeoDataFrame,
    summary: pd.DataFrame,
    table: pd.DataFrame,
    kernen: gpd.GeoDataFrame,
    text: MapText,
    *,
    measure: str = "kernen",
    selected: str | None = None,
    background: Background | None = None,
    width: int = ASSUMED_WIDTH_PX,
) -> go.Figure:
    """The overview map: gemeenten by the share without a meeting place, and those kernen.

    The largest kernen without a meeting place are named where a name fits (fewer for a larger
    area), and the chosen kern when it is one of them; the subtitle says so only when a name
    fits (:data:`NAMES_NOTE`). The first view and the names fit a map ``width`` pixels wide.
    """
    bounds = _bounds(gemeenten)
    tolerance = simplify_tolerance(bounds)
    scale = marker_scale(bounds)
    traces: list[go.BaseTraceType] = gemeente_traces(gemeenten, summary, text, measure=measure,
                                                     tolerance=tolerance)
    traces += kern_traces(table, kernen, text, only_without=True, selected=selected,
                          scale=scale)
    beyond = ~(table["afstand_m"].to_numpy(dtype=float) <= text.threshold_m)
    labels = place_kern_labels(table, kernen, bounds=bounds, shown=beyond, selected=selected,
                               scale=scale, width=width)
    bar, words = scale_bar(bounds, width=width)
    traces += [bar, text_trace(labels, words)]
    within = format_threshold(text.threshold_m)
    what = "kernen" if measure == "kernen" else "inwoners (waar bekend)"
    subtitle = f"aandeel {what} zonder ontmoetingsplek binnen {within} {text.mode_label}"
    if text.estimate:
        subtitle += " · afstanden hemelsbreed (schatting)"
    if labels.texts:
        subtitle += f" · {NAMES_NOTE}"
    title = f"Waar ontbreekt een ontmoetingsplek in {text.area}?" if text.area \
        else "Waar ontbreekt een ontmoetingsplek?"
    return map_figure(traces, bounds=bounds, title=title, subtitle=subtitle,
                      revision=f"gemeenten-{bounds}", background=background, width=width)


def _in_area(what: str, area: str) -> str:
    """``Kernen … in Aa en Hunze``; just ``what`` without an area name."""
    return f"{what} in {area}" if area else what


def _light_geometries(geometries: gpd.GeoSeries, tolerance: float) -> list[dict[str, Any]]:
    """Simplified (RD), converted to EPSG:4326 and rounded: GeoJSON geometry dicts."""
    simplified = shapely.simplify(geometries.to_numpy(), tolerance, preserve_topology=True)
    converted = gpd.GeoSeries(simplified, crs=geometries.crs).to_crs(WGS84).to_numpy()
    rounded = shapely.transform(converted, lambda xy: np.round(xy, DECIMALS))
    return [shapely.geometry.mapping(g) for g in rounded]


def _lonlat(frame: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    points = frame.geometry.representative_point().to_crs(WGS84)
    return np.round(points.x.to_numpy(), DECIMALS), np.round(points.y.to_numpy(), DECIMALS)


def _bounds(frame: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    minx, miny, maxx, maxy = (float(v) for v in frame.total_bounds)
    return round(minx), round(miny), round(maxx), round(maxy)


def _size(pixels: int, scale: float) -> int:
    return max(3, round(pixels * scale))


def _dots(lon: np.ndarray, lat: np.ndarray, size: int, colour: str, *, name: str,
          legend: bool) -> go.Scattermap:
    """Plain circles without hover (rings and halos under other markers)."""
    return go.Scattermap(lon=lon, lat=lat, mode="markers", marker={"size": size, "color": colour},
                         hoverinfo="skip", name=name, showlegend=legend)


def _distance_colorbar(text: MapText) -> dict[str, Any]:
    threshold_km = text.threshold_m / 1000.0
    ticks = [0.0, threshold_km / 2, threshold_km, 1.5 * threshold_km, 2 * threshold_km]
    labels = [format_threshold(t * 1000) for t in ticks]
    labels[2] = f"grens {format_threshold(text.threshold_m)}"
    labels[-1] = f"≥ {labels[-1]}"
    title = f"Afstand tot de dichtstbijzijnde ontmoetingsplek ({text.mode_label})"
    if text.estimate:
        title += ", schatting (hemelsbreed)"
    return _colourbar(title, tickvals=ticks, ticktext=labels)


def _colourbar(title: str, **ticks: object) -> dict[str, Any]:
    """A horizontal colour bar under the map; :func:`map_figure` sets its height on the page."""
    return {
        "orientation": "h", "x": 0, "xanchor": "left", "y": 0, "yanchor": "top", "len": 0.8,
        "thickness": 12, "tickfont": {"size": 11}, **ticks,
        "title": {"text": "<br>".join(textwrap.wrap(title, COLOURBAR_CHARS)), "side": "top",
                  "font": {"size": 12}},
    }


def _has_colourbar(marker: go.scattermap.Marker | None) -> bool:
    return marker is not None and marker.colorbar is not None and marker.colorbar.title.text \
        is not None and marker.showscale is not False


def _kern_hover(table: pd.DataFrame, kernen: gpd.GeoDataFrame, text: MapText) -> list[str]:
    # Columns are converted once, not per row: at country level (6,000+ kernen) per-row
    # ``pd.to_numeric``/``.iloc`` calls cost seconds on every rerun of the Kaart page.
    loneliness = table.get("eenzaamheid_pct")
    level = table.get("eenzaamheid_niveau")
    loneliness_values = None if loneliness is None else loneliness.tolist()
    level_values = None if level is None else level.tolist()
    inwoners = _numbers(table["inwoners"])
    sources = kernen["source"].tolist()
    lines = []
    for i, row in enumerate(table.itertuples(index=False)):
        parts = [f"<b>{escape(row.naam)}</b> ({escape(row.gemeentenaam)})",
                 f"Inwoners: {format_count(inwoners[i])}"]
        if row.venue_naam is None or pd.isna(row.afstand_m):
            parts.append(f"Geen ontmoetingsplek gevonden: {escape(row.reden)}")
        else:
            parts.append(f"Dichtstbijzijnde ontmoetingsplek: {escape(row.venue_naam)} "
                         f"({escape(row.venue_soort)})")
            parts.append(f"Afstand: {format_km_beside(row.afstand_m, text.threshold_m)} · "
                         f"{format_minutes(row.minuten)} "
                         f"{text.mode_label}")
            parts.append(f"Methode: {escape(row.methode)}")
        if loneliness_values is not None and pd.notna(loneliness_values[i]):
            level_word = level_values[i] if level_values is not None else ""
            parts.append(f"Eenzaam ({escape(level_word)}): "
                         f"{format_pct(loneliness_values[i])}, modelschatting")
        parts.append(f"Bron kern: {escape(sources[i])}")
        lines.append("<br>".join(parts))
    return lines


def _venue_hover(venues: gpd.GeoDataFrame, counts: np.ndarray) -> list[str]:
    lines = []
    for row, counted in zip(venues.itertuples(index=False), counts, strict=True):
        verdict = "telt mee als ontmoetingsplek" if counted else "telt niet mee"
        reason = "<br>".join(escape(part) for part in textwrap.wrap(str(row.reden or ""), 70))
        address = ", ".join(escape(p) for p in (row.adres, row.plaats) if p and not pd.isna(p))
        parts = [f"<b>{escape(row.naam)}</b>", f"{escape(row.soort)} · {verdict}"]
        parts += [p for p in (reason, address) if p]
        parts.append(f"Bron: {escape(row.source)}"
                     + (f" (peildatum {escape(row.peildatum)})" if _present(row.peildatum) else ""))
        lines.append("<br>".join(parts))
    return lines


def _value_text(code: str, value: float, values: pd.Series) -> str:
    if pd.notna(value):
        return format_pct(value)
    return SUPPRESSED if code in values.index else "geen cijfer in deze buurtindeling"


def _numbers(values: pd.Series) -> np.ndarray:
    """A column as floats, NaN where a value is not a number (``pd.to_numeric`` coercion)."""
    numbers: np.ndarray = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float,
                                                                          na_value=np.nan)
    return numbers


def _present(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value)) \
        and value is not pd.NA and str(value) != ""
