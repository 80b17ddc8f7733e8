"""Figures prepared for paper: print styling and file names for static image exports (pure).

:func:`print_style` prepares a figure for paper: white background, the colour-blind safe
Okabe-Ito palette with a pattern, marker shape or dash per colour (legible in black and white),
viridis for continuous colour, and a footer with the sources and the date. The images
themselves are rendered by the warm browser of :mod:`rendering.images`.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable
from datetime import date

import plotly.graph_objects as go
from plotly.basedatatypes import BaseTraceType

from loaders.clock import today
from rendering.images import DEFAULT_HEIGHT, DEFAULT_WIDTH
from views.sources import source_line, split_attribution
from views.text import dutch_date, plain_plotly

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442",
             "#000000")
"""Okabe-Ito colours, ordered so that neighbours also differ in grey value."""
PATTERNS = ("", "/", ".", "x", "\\", "+", "-", "|")
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "cross", "x", "star", "hexagon")
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot", "solid", "dash")
FOOTER_FONT_PX = 11
FOOTER_LINE_PX = 15


def download_name(title: str, fmt: str) -> str:
    """A file name from a Dutch title (``Afstand tot … 2 km`` → ``afstand-tot-2-km.png``)."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:80].strip("-")
    return f"{slug or 'figuur'}.{fmt}"


def print_style(
    fig: go.Figure,
    *,
    sources: Iterable[str] = (),
    datum: date | None = None,
    title: str | None = None,
    recolour: bool = True,
) -> go.Figure:
    """A copy of ``fig`` styled for print, black and white and colour-blind readers.

    Each distinct colour of the figure's traces (in order of appearance) becomes one Okabe-Ito
    colour plus a bar pattern, a marker shape and a line dash, applied to the traces and to
    line shapes of that colour, so legend entries and reference lines keep matching. Continuous
    colour scales become viridis. A footer below the existing notes gives the sources that the
    figure's annotations do not already name, and the date.

    Parameters
    ----------
    fig
        Any plotly figure; it is not changed.
    sources
        Attribution lines or parts (see :mod:`views.sources`) of what the figure shows.
    datum
        Date of the export; today when None.
    title
        Replaces the figure's title when given.
    recolour
        False keeps the figure's own colours and shapes (for a figure already drawn with a
        colour-blind safe palette and redundant marker shapes, such as a map).
    """
    styled = go.Figure(fig)
    if recolour:
        _recolour(styled)
    for note in styled.layout.annotations:
        if note.font.color:
            note.font.color = "#222222"
    styled.update_layout(
        paper_bgcolor="white", plot_bgcolor="white", colorway=list(OKABE_ITO),
        font={"color": "#000000"},
    )
    styled.for_each_xaxis(_style_axis)
    styled.for_each_yaxis(_style_axis)
    if title:
        styled.update_layout(title_text=title)
    _add_footer(styled, sources, datum or today())
    return styled


def _style_axis(axis: go.layout.XAxis | go.layout.YAxis) -> None:
    """Black axis line and outside ticks, with room for the labels (``automargin``).

    An axis whose labels are hidden (a map drawn on RD coordinates) is left alone.
    """
    if axis.showticklabels is False or axis.visible is False:
        return
    axis.update(showline=True, linecolor="#000000", gridcolor="#dddddd", ticks="outside",
                automargin=True)


def _recolour(fig: go.Figure) -> None:
    """Give traces and line shapes the print palette, by original colour (in place)."""
    mapping = _colour_mapping(fig)
    for trace in fig.data:
        _style_trace(trace, mapping)
    for shape in fig.layout.shapes:
        if shape.line.color in mapping:
            index = mapping[shape.line.color]
            shape.line.color, shape.line.dash = OKABE_ITO[index], DASHES[index]


def _colour_mapping(fig: go.Figure) -> dict[str, int]:
    """Each distinct single colour of the traces → its index in the print palette."""
    mapping: dict[str, int] = {}
    for trace in fig.data:
        colour = _trace_colour(trace)
        if colour is not None and colour not in mapping:
            mapping[colour] = len(mapping) % len(OKABE_ITO)
    return mapping


def _trace_colour(trace: BaseTraceType) -> str | None:
    for part in ("marker", "line"):
        colour = getattr(getattr(trace, part, None), "color", None)
        if isinstance(colour, str):
            return colour
    return None


def _style_trace(trace: BaseTraceType, mapping: dict[str, int]) -> None:
    """Apply the palette, pattern, symbol and dash of the trace's colour in place."""
    marker = getattr(trace, "marker", None)
    if marker is not None and not isinstance(marker.color, (str, type(None))):
        marker.colorscale = "Viridis"
    colour = _trace_colour(trace)
    if colour not in mapping:
        return
    index = mapping[colour]
    if trace.type in ("bar", "histogram"):
        trace.marker.color = OKABE_ITO[index]
        trace.marker.pattern = {"shape": PATTERNS[index], "fgcolor": "#000000", "solidity": 0.25}
        trace.marker.line = {"color": "#000000", "width": 0.6}
    elif trace.type == "scatter":
        mode = trace.mode or "lines+markers"
        if "lines" in mode:
            trace.line.color, trace.line.dash = OKABE_ITO[index], DASHES[index]
        if "markers" in mode:
            trace.marker.color, trace.marker.symbol = OKABE_ITO[index], SYMBOLS[index]
            trace.marker.line = {"color": "#000000", "width": 0.6}


def _add_footer(fig: go.Figure, sources: Iterable[str], datum: date) -> None:
    """Add a footer annotation below the current bottom margin and grow the figure to fit."""
    shown = " ".join(str(note.text or "") for note in fig.layout.annotations)
    parts = [p for line in sources for p in split_attribution(line)
             if plain_plotly(p) not in shown]
    width = fig.layout.width or DEFAULT_WIDTH
    text_lines = [source_line(parts)] if parts else []
    text_lines.append(f"Gemaakt op {dutch_date(datum)} met Ontmoetingskaart")
    wrapped = [w for line in text_lines for w in textwrap.wrap(line, width=int(width / 6.2))]
    margin = fig.layout.margin.b if fig.layout.margin.b is not None else 80
    left = fig.layout.margin.l if fig.layout.margin.l is not None else 80
    extra = FOOTER_LINE_PX * len(wrapped) + 12
    fig.add_annotation(
        text="<br>".join(plain_plotly(line) for line in wrapped), showarrow=False,
        xref="paper", yref="paper", x=0, y=0,
        xanchor="left", yanchor="top", align="left", yshift=-margin, xshift=10 - left,
        font={"size": FOOTER_FONT_PX, "color": "#222222"},
    )
    fig.update_layout(
        width=width,
        height=(fig.layout.height or DEFAULT_HEIGHT) + extra,
        margin={"b": margin + extra},
    )
