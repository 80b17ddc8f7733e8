"""The numbers and figures of a factsheet: key figures, loneliness, a distance map, a chart.

:mod:`views.factsheet` lays them out as an A4 PDF. Everything here takes plain frames (the reach
table of :func:`analysis.reach.kern_reach` and stored layers) and returns values or plotly
figures; nothing reads the store.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis.indicators import available_years
from analysis.nearest import METHOD_STRAIGHT_LINE
from analysis.reach import kernen_without, meeting_places
from loaders.schema import LONELINESS_INDICATORS
from views.eenzaamheid import AGE_LABELS, NATIONAL_CODE, buurt_values
from views.labels import CHAR_WIDTH, place_labels
from views.sources import detour_words
from views.text import format_km, format_threshold, plain_plotly

MODE_TEXT = {"walk": "lopend", "bike": "per fiets", "drive": "met de auto"}
"""Travel mode → Dutch words used in sentences (``afstand per fiets``)."""
CLASS_COLOURS = ("#fde725", "#35b779", "#31688e", "#440154", "#9a9a9a")
"""Viridis from light (near) to dark (far), then grey for 'no place reachable'."""
CLASS_SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x")
VENUE_SYMBOL = "star"
FONT = "DejaVu Sans, Arial, sans-serif"
MAP_SIZE = (800, 720)
MAP_LEGEND_PX = 220
"""Pixels of the map's width taken by the legend and margins (not by the map itself)."""
FONT_PX = 13
MARGINS = {"t": 90, "b": 60, "r": 30}
"""Margins (pixels) of a factsheet figure; the left one depends on the figure."""
TITLE_TOP_PX = 18
SUBTITLE_LINE_PX = 18
"""Room for each subtitle line after the first (the subtitle is a little smaller than 13 px)."""
CHART_SIZE = (800, 400)
CHART_ROWS = 12


@dataclass(frozen=True)
class KeyFigures:
    """Counts for the top of the factsheet; NaN where unknown.

    ``kernen_zonder_inwonertal`` counts the kernen without a place whose population is unknown;
    ``ouderen_zonder`` is an estimate (inwoners × share of 65-plussers of buurt or gemeente).
    """

    kernen: int
    kernen_zonder: int
    inwoners: float
    inwoners_zonder: float
    kernen_zonder_inwonertal: int
    ouderen_zonder: float


@dataclass(frozen=True)
class Loneliness:
    """The loneliness figures of the factsheet (model estimates), with year and age group."""

    jaar: int | None
    leeftijd: str
    gemeente: pd.DataFrame = field(default_factory=pd.DataFrame)
    buurten: pd.DataFrame = field(default_factory=pd.DataFrame)


def share_65plus(
    reach: pd.DataFrame, buurten: pd.DataFrame | None, gemeenten: pd.DataFrame | None
) -> pd.Series:
    """Per kern the share (%) of 65-plussers of its buurt, else of its gemeente, else NaN."""
    share = pd.Series(np.nan, index=reach.index, dtype=float)
    for layer, key in ((buurten, "buurtcode"), (gemeenten, "gemeentecode")):
        if layer is not None and "pct_65plus" in layer:
            lookup = layer.drop_duplicates("code").set_index("code")["pct_65plus"].astype(float)
            share = share.fillna(reach[key].map(lookup).astype(float))
    return share


def key_figures(
    reach: pd.DataFrame, drempel_m: float, *, share_65: pd.Series | None = None
) -> KeyFigures:
    """Kernen and inwoners (and 65-plussers) without a meeting place within ``drempel_m``.

    Kernen without any reachable place count as without (see
    :func:`analysis.reach.kernen_without`).
    """
    outside = kernen_without(reach, drempel_m)
    inwoners = pd.to_numeric(reach["inwoners"], errors="coerce")
    outside_inwoners = inwoners.loc[outside.index]
    ouderen = math.nan
    if share_65 is not None:
        estimate = outside_inwoners * share_65.loc[outside.index] / 100.0
        ouderen = float(estimate.sum(min_count=1))
    return KeyFigures(
        kernen=len(reach),
        kernen_zonder=len(outside),
        inwoners=float(inwoners.sum(min_count=1)),
        inwoners_zonder=float(outside_inwoners.sum(min_count=1)) if len(outside) else 0.0,
        kernen_zonder_inwonertal=int(outside_inwoners.isna().sum()),
        ouderen_zonder=ouderen if len(outside) else 0.0,
    )


def loneliness(
    eenzaamheid: pd.DataFrame | None,
    buurten: pd.DataFrame | None,
    *,
    gemeentecode: str,
    jaar: int | None,
    leeftijd: str,
    indicator: str,
    buurtcodes: Sequence[str] = (),
    n: int = 5,
) -> Loneliness:
    """The gemeente's four indicators beside Nederland, and its ``n`` highest buurten.

    ``jaar`` None takes the newest year. With ``buurtcodes`` the buurten are limited to those
    (the buurten of selected kernen) when any of them has a figure.
    """
    if eenzaamheid is None or eenzaamheid.empty:
        return Loneliness(jaar=jaar, leeftijd=leeftijd)
    jaar = jaar if jaar is not None else available_years(eenzaamheid)[0]
    rows = eenzaamheid[(eenzaamheid["jaar"] == jaar) & (eenzaamheid["leeftijd"] == leeftijd)]
    gemeente = pd.DataFrame(
        {
            "Indicator": list(LONELINESS_INDICATORS.values()),
            "gemeente": [_value(rows, gemeentecode, c) for c in LONELINESS_INDICATORS],
            "Nederland": [_value(rows, NATIONAL_CODE, c) for c in LONELINESS_INDICATORS],
        }
    )
    values = buurt_values(eenzaamheid, buurten, jaar=jaar, leeftijd=leeftijd,
                          gemeenten=[gemeentecode])
    chosen = values[values["code"].isin(buurtcodes)]
    if len(chosen.dropna(subset=[indicator])):
        values = chosen
    worst = values.dropna(subset=[indicator]).nlargest(n, indicator)
    return Loneliness(jaar=jaar, leeftijd=leeftijd, gemeente=gemeente,
                      buurten=worst.reset_index(drop=True))


BEYOND_THRESHOLD = 2
"""The first index of :func:`distance_class` beyond the threshold (names are written there)."""


def distance_classes(drempel_m: float) -> list[str]:
    """Legend labels of the map's distance classes around the threshold, plus 'unreachable'."""
    half, double = drempel_m / 2, drempel_m * 2
    return [
        f"binnen {format_threshold(half)}",
        f"{format_threshold(half)} tot {format_threshold(drempel_m)}",
        f"{format_threshold(drempel_m)} tot {format_threshold(double)}",
        f"≥ {format_threshold(double)}",
        "geen plek bereikbaar",
    ]


def distance_class(afstand_m: pd.Series, drempel_m: float) -> np.ndarray:
    """Index into :func:`distance_classes` for each distance (4 for a missing distance).

    Classes from :data:`BEYOND_THRESHOLD` on lie beyond the threshold.
    """
    edges = [drempel_m / 2, drempel_m, drempel_m * 2]
    index = np.searchsorted(edges, afstand_m.to_numpy(dtype=float), side="right")
    return np.where(afstand_m.isna().to_numpy(), 4, index)


def distance_map(
    reach: pd.DataFrame,
    kernen: gpd.GeoDataFrame,
    venues: gpd.GeoDataFrame,
    *,
    drempel_m: float,
    mode: str,
    outline: gpd.GeoDataFrame | None = None,
) -> go.Figure:
    """Kernen coloured and shaped by distance class, meeting places as stars, on RD axes.

    Drawn without background tiles (works offline and prints cleanly); kernen beyond the
    threshold are named, largest first, where the name overlaps no other name or marker.
    Meeting places are those of the kernen's gemeenten plus every kern's
    nearest one, also when it lies across the border. The colours are viridis, and every class
    also has its own marker shape, so the map reads in black and white and for colour-blind
    readers.
    """
    points = kernen.drop_duplicates("kern_id").set_index("kern_id").geometry
    xy = reach["kern_id"].map(points.representative_point())
    frame = reach.assign(x=[p.x if p else np.nan for p in xy],
                         y=[p.y if p else np.nan for p in xy],
                         klasse=distance_class(reach["afstand_m"], drempel_m))
    figure = go.Figure()
    for polygon in _rings(outline):
        figure.add_trace(go.Scatter(
            x=polygon[0], y=polygon[1], mode="lines", line={"color": "#666666", "width": 1},
            name="Gemeentegrens", legendgroup="grens", showlegend=False, hoverinfo="skip",
        ))
    labels = distance_classes(drempel_m)
    frame["label"] = _label_positions(frame, outline)
    for index, label in enumerate(labels):
        part = frame[frame["klasse"] == index]
        for number, (position, group) in enumerate(
            part.groupby(part["label"].fillna(""), sort=False)
        ):
            figure.add_trace(go.Scatter(
                x=group["x"], y=group["y"], mode="markers+text" if position else "markers",
                text=group["naam"].map(plain_plotly) if position else None,
                textposition=position or "top center", textfont={"size": 10, "color": "#000000"},
                marker={"color": CLASS_COLOURS[index], "symbol": CLASS_SYMBOLS[index],
                        "size": 12, "line": {"color": "#000000", "width": 1}},
                name=f"Kern: {label}", legendgroup=f"klasse{index}", showlegend=number == 0,
            ))
    places = meeting_places(venues)
    if "gemeentecode" in places:
        nearest = places["venue_id"].isin(reach["venue_id"].dropna()) \
            if "venue_id" in reach and "venue_id" in places else False
        places = places[places["gemeentecode"].isin(reach["gemeentecode"].unique()) | nearest]
    figure.add_trace(go.Scatter(
        x=places.geometry.x, y=places.geometry.y, mode="markers", name="Ontmoetingsplek",
        marker={"color": "#000000", "symbol": VENUE_SYMBOL, "size": 11,
                "line": {"color": "#ffffff", "width": 1}},
    ))
    _scale_bar(figure, frame, outline)
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False, scaleanchor="x", scaleratio=1)
    subtitle = (f"{MODE_TEXT.get(mode, mode)} · {_method_words(reach, mode)} · namen bij ≥ "
                f"{format_threshold(drempel_m)}")
    return figure_layout(figure, "Afstand tot de dichtstbijzijnde ontmoetingsplek", subtitle,
                         MAP_SIZE, legend={"orientation": "v", "x": 1.0, "xanchor": "left",
                                           "y": 1.0})


def _label_positions(frame: pd.DataFrame, outline: gpd.GeoDataFrame | None) -> pd.Series:
    """Where to write the names of the kernen beyond the threshold.

    Largest first, without overlaps; None for the others and for names that do not fit.
    """
    named = frame["klasse"] >= BEYOND_THRESHOLD
    xs, ys = frame["x"].dropna(), frame["y"].dropna()
    if outline is not None and not outline.empty:
        minx, miny, maxx, maxy = outline.total_bounds
    elif len(xs):
        minx, miny, maxx, maxy = xs.min(), ys.min(), xs.max(), ys.max()
    else:
        return pd.Series(None, index=frame.index, dtype=object)
    units = max(maxx - minx, 1.0) / (MAP_SIZE[0] - MAP_LEGEND_PX)
    margin = 10 * units
    texts = [str(n) if is_named else "" for n, is_named in zip(frame["naam"], named, strict=True)]
    people = pd.to_numeric(frame["inwoners"], errors="coerce").fillna(0).to_numpy()
    positions = place_labels(frame["x"].to_numpy(), frame["y"].to_numpy(), texts,
                             priority=people, units_per_pixel=units,
                             bounds=(minx - margin, miny - margin, maxx + margin, maxy + margin))
    return pd.Series(positions, index=frame.index, dtype=object)


def distance_chart(reach: pd.DataFrame, *, drempel_m: float, mode: str) -> go.Figure:
    """The kernen without a meeting place within ``drempel_m``: their distance as bars.

    The farthest :data:`CHART_ROWS` are shown; kernen without any reachable place are counted
    in the subtitle.
    """
    outside = kernen_without(reach, drempel_m)
    unreachable = int(outside["afstand_m"].isna().sum())
    shown = outside.dropna(subset=["afstand_m"]).head(CHART_ROWS)
    figure = go.Figure(go.Bar(
        x=shown["afstand_m"] / 1000.0, y=shown["naam"].map(plain_plotly), orientation="h",
        name="Kern",
        marker={"color": "#0072B2"}, text=[format_km(v) for v in shown["afstand_m"]],
        textposition="outside", cliponaxis=False, showlegend=False,
    ))
    figure.add_vline(x=drempel_m / 1000.0, line={"color": "#000000", "dash": "dash", "width": 2})
    figure.update_yaxes(autorange="reversed", title_text=None)
    figure.update_xaxes(title_text=f"Afstand {MODE_TEXT.get(mode, mode)} tot de dichtstbijzijnde "
                                   "ontmoetingsplek (km)", rangemode="tozero")
    parts = [f"{len(outside)} van {len(reach)} kernen", _method_words(reach, mode)]
    if len(outside) > len(shown) + unreachable:
        parts.append(f"de verste {len(shown)} getoond")
    if unreachable:
        parts.append(f"{unreachable} zonder bereikbare plek")
    if outside.empty:
        figure.add_annotation(text=f"Alle kernen hebben een ontmoetingsplek binnen "
                                   f"{format_threshold(drempel_m)}", showarrow=False, xref="paper",
                              yref="paper", x=0.5, y=0.5, font={"size": 14})
    height = max(260, min(CHART_SIZE[1], 130 + 22 * len(shown)))
    title = f"Kernen zonder ontmoetingsplek binnen {format_threshold(drempel_m)}"
    return figure_layout(figure, title, " · ".join(parts), (CHART_SIZE[0], height), left=200)


def _value(rows: pd.DataFrame, code: str, column: str) -> float:
    found = rows.loc[rows["regiocode"] == code, column]
    return float(found.iloc[0]) if len(found) else math.nan


def _method_words(reach: pd.DataFrame, mode: str) -> str:
    if (reach["methode"] == METHOD_STRAIGHT_LINE).all():
        return f"hemelsbreed × {detour_words(mode)} (schatting)"
    return "over het wegennet"


def _rings(outline: gpd.GeoDataFrame | None) -> list[tuple[list[float], list[float]]]:
    if outline is None or outline.empty:
        return []
    rings = []
    for geometry in outline.geometry.explode(index_parts=False):
        if geometry is not None and geometry.geom_type == "Polygon":
            x, y = geometry.exterior.xy
            rings.append((list(x), list(y)))
    return rings


def _scale_bar(figure: go.Figure, frame: pd.DataFrame, outline: gpd.GeoDataFrame | None) -> None:
    """A black bar of a round length (1, 2, 5 or 10 km) in the lower left corner."""
    xs = frame["x"].dropna()
    ys = frame["y"].dropna()
    if outline is not None and not outline.empty:
        minx, miny, maxx, _maxy = outline.total_bounds
    elif len(xs):
        minx, miny, maxx = xs.min(), ys.min(), xs.max()
    else:
        return
    length = next((m for m in (1000, 2000, 5000, 10000, 20000) if m >= (maxx - minx) / 6), 50000)
    y = miny - 800
    figure.add_shape(type="line", x0=minx, x1=minx + length, y0=y, y1=y,
                     line={"color": "#000000", "width": 4})
    figure.add_annotation(x=minx + length / 2, y=y, text=format_threshold(length), showarrow=False,
                          yshift=12, font={"size": 11, "color": "#000000"})


def figure_layout(
    figure: go.Figure,
    title: str,
    subtitle: str,
    size: tuple[int, int],
    *,
    left: int = 20,
    legend: dict[str, Any] | None = None,
) -> go.Figure:
    """Title, subtitle, size, fonts and white background of a factsheet figure.

    The subtitle is wrapped to the figure's width; each extra line makes the figure and its top
    margin taller, so the plot area keeps the size :func:`plot_area` gives.
    """
    lines = textwrap.wrap(subtitle, width=max(20, int((size[0] - left - MARGINS["r"])
                                                      / (FONT_PX * CHAR_WIDTH))))
    extra = SUBTITLE_LINE_PX * (len(lines) - 1)
    figure.update_layout(
        title={"text": title, "subtitle": {"text": "<br>".join(lines)}, "x": 0.01,
               "xanchor": "left", "yref": "container", "y": 1 - TITLE_TOP_PX / (size[1] + extra),
               "yanchor": "top"},
        width=size[0], height=size[1] + extra, separators=",.",
        font={"family": FONT, "size": FONT_PX},
        margin={"t": MARGINS["t"] + extra, "b": MARGINS["b"], "l": left, "r": MARGINS["r"]},
        plot_bgcolor="white", paper_bgcolor="white", legend=legend or {"orientation": "h"},
    )
    return figure


def plot_area(size: tuple[int, int], *, left: int = 20) -> tuple[int, int]:
    """Width and height in pixels of the plot area that :func:`figure_layout` leaves."""
    return (size[0] - left - MARGINS["r"], size[1] - MARGINS["t"] - MARGINS["b"])


def age_label(leeftijd: str) -> str:
    """``18 jaar en ouder`` for ``18+``."""
    return AGE_LABELS.get(leeftijd, leeftijd)
