"""Plotly figures for the loneliness page, with Dutch titles, axes and the RIVM source line.

Each builder takes plain frames and returns a :class:`plotly.graph_objects.Figure`, so it can be
tested, exported and shown without Streamlit. Buurten without a value (``onderdrukt``) are left
out of every figure and counted in a note; they are never drawn as 0.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable, Mapping

import pandas as pd
import plotly.graph_objects as go

from loaders.schema import LONELINESS_INDICATORS
from views.eenzaamheid import AGE_LABELS, NATIONAL_CODE, NATIONAL_NAME, rivm_source
from views.text import SUPPRESSED, format_pct, plain_plotly

PRIMARY = "#1f6f8b"
SECONDARY = "#9cc5d4"
NATIONAL = "#333333"
NATIONAL_DASH = "dash"
REFERENCE_COLOURS = ("#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
"""Okabe-Ito colours (as in :data:`views.static.OKABE_ITO`) for the gemeenten' reference lines:
the palette without its blue, black and yellow (too close to the buurten, to Nederland's line
and to the white background)."""
REFERENCE_DASHES = ("solid", "dot", "dashdot", "longdash", "longdashdot", "6px,3px,2px,3px")
"""Line dashes of the gemeenten, all different from Nederland's; with five colours every pair of
colour and dash is unique for the first 30 gemeenten."""
FONT = "Source Sans Pro, Arial, sans-serif"
LABEL_MARGIN = 200
"""Left margin (pixels) kept free for buurt names in bar charts; the notes start there too."""
NOTE_CHARS = 44
"""On a phone the notes under a chart are wrapped at this many characters (:func:`for_phone`):
about 245 px of 11 px text. A phone 390 px wide leaves a chart ~360 px, and the notes start
where the plot starts, up to ~100 px in (after the y axis's title and labels)."""
NOTES = "notes"
"""The name of the annotation that holds a chart's notes (source line, suppressed buurten)."""
NOTE_LINE_PX = 16
MAX_BARS = 12
"""A histogram's bar width is the smallest round width that gives at most this many bars."""
LABEL_ROOM = 1.2
"""The ranking's axis runs to this multiple of its longest bar, so the value written after that
bar stays inside the chart, also on a phone's narrow screen."""


def axis_label(indicator: str, leeftijd: str, *, wrap: bool = False) -> str:
    """``Eenzaam (% van 18 jaar en ouder)``; on two lines with ``wrap``."""
    joint = "<br>" if wrap else " "
    return f"{LONELINESS_INDICATORS[indicator]}{joint}(% van {AGE_LABELS.get(leeftijd, leeftijd)})"


def reference_styles(names: Iterable[str], national: str) -> dict[str, dict[str, str]]:
    """Each name → the colour and dash of its reference line.

    Parameters
    ----------
    names
        The gemeenten and Nederland, in drawing order.
    national
        The name (or code) of Nederland, drawn dark grey and dashed; each other name gets a
        colour and dash of its own, in order.
    """
    gemeenten = [name for name in names if name != national]
    styles = {
        name: {"color": REFERENCE_COLOURS[index % len(REFERENCE_COLOURS)],
               "dash": REFERENCE_DASHES[index % len(REFERENCE_DASHES)]}
        for index, name in enumerate(gemeenten)
    }
    return styles | {national: {"color": NATIONAL, "dash": NATIONAL_DASH}}


def bin_width(values: pd.Series) -> float:
    """A round bar width that gives about ten bars over the range of ``values``."""
    present = values.dropna()
    span = float(present.max() - present.min()) if len(present) else 0.0
    return next((w for w in (0.5, 1.0, 2.0, 2.5, 5.0) if span / w <= MAX_BARS), 10.0)


def histogram(
    values: pd.Series,
    *,
    indicator: str,
    jaar: int,
    leeftijd: str,
    references: Mapping[str, float] | None = None,
    bin_size: float | None = None,
) -> go.Figure:
    """How the buurten are spread over the values of one indicator.

    Parameters
    ----------
    values
        One value per buurt; missing values are counted in a note, not drawn.
    indicator, jaar, leeftijd
        What the values are, for the title, axis and source line.
    references
        Name → value drawn as vertical lines: each gemeente in a colour and dash of its own,
        :data:`~views.eenzaamheid.NATIONAL_NAME` in Nederland's style.
    bin_size
        Width of a bar in percentage points; by default from :func:`bin_width`.
    """
    present = values.dropna()
    bin_size = bin_size or bin_width(present)
    figure = go.Figure(
        go.Histogram(
            x=present,
            xbins={"size": bin_size, "start": _floor_to(present.min(), bin_size)},
            marker={"color": PRIMARY, "line": {"color": "white", "width": 1}},
            hovertemplate="%{x} %: %{y} buurten<extra></extra>",
            name="Buurten",
        )
    )
    styles = reference_styles(references or {}, NATIONAL_NAME)
    for name, value in (references or {}).items():
        if pd.notna(value):
            line = {"width": 2, **styles[name]}
            figure.add_vline(x=value, line=line)
            figure.add_trace(
                go.Scatter(x=[None], y=[None], mode="lines", line=line,
                           name=f"{name} {format_pct(value)}")
            )
    title = f"Verdeling over de buurten: {LONELINESS_INDICATORS[indicator].lower()}"
    shown = [*present, *(v for v in (references or {}).values() if pd.notna(v))]
    if shown:
        figure.update_xaxes(range=[min(shown) - bin_size, max(shown) + bin_size])
    figure.update_xaxes(title_text=axis_label(indicator, leeftijd))
    figure.update_yaxes(title_text="Aantal buurten")
    return _finish(figure, title, jaar, leeftijd, len(values) - len(present), empty=present.empty)


def ranking(
    values: pd.DataFrame,
    *,
    indicator: str,
    jaar: int,
    leeftijd: str,
    n: int = 10,
) -> go.Figure:
    """The ``n`` buurten with the highest and the ``n`` with the lowest value, as bars.

    Parameters
    ----------
    values
        Columns ``code``, ``naam`` and ``indicator``; one row per buurt.
    n
        How many at each end; all buurten are shown once when there are at most ``2 n``.
    """
    present = values.dropna(subset=[indicator]).sort_values(indicator, ascending=False)
    present = present.assign(label=_labels(present))
    if len(present) <= 2 * n:
        parts = [("Alle buurten met een waarde", present, PRIMARY)]
    else:
        parts = [
            (f"Hoogste {n}", present.head(n), PRIMARY),
            (f"Laagste {n}", present.tail(n), SECONDARY),
        ]
    figure = go.Figure()
    for name, part, colour in parts:
        figure.add_trace(
            go.Bar(
                x=part[indicator],
                y=part["label"],
                orientation="h",
                name=name,
                marker={"color": colour},
                text=[format_pct(v) for v in part[indicator]],
                textposition="outside",
                cliponaxis=False,
                hovertemplate="%{y}: %{x:.1f} %<extra></extra>",
            )
        )
    shown = sum(len(part) for _, part, _ in parts)
    figure.update_yaxes(autorange="reversed", title_text=None)
    figure.update_xaxes(title_text=axis_label(indicator, leeftijd, wrap=True), rangemode="tozero")
    if not present.empty:
        figure.update_xaxes(range=[0, float(present[indicator].max()) * LABEL_ROOM])
    figure.update_layout(height=max(360, 140 + 24 * shown), showlegend=len(parts) > 1)
    title = f"Hoogste en laagste buurten: {LONELINESS_INDICATORS[indicator].lower()}"
    suppressed = len(values) - len(present)
    return _finish(
        figure, title, jaar, leeftijd, suppressed, empty=present.empty, left=LABEL_MARGIN
    )


def year_comparison(
    wide: pd.DataFrame,
    *,
    indicator: str,
    leeftijd: str,
    names: Mapping[str, str],
    references: pd.DataFrame | None = None,
    indeling: str = "",
) -> go.Figure:
    """Each buurt's value per year as a line (a slope chart), with reference lines.

    Parameters
    ----------
    wide
        One row per buurt code, one column per year (see :func:`views.eenzaamheid.year_table`).
    names
        Code → label shown on hover.
    references
        Same shape as ``wide`` for the gemeente(n) and Nederland, drawn as thick lines: each
        gemeente in a colour and dash of its own (:func:`reference_styles`), Nederland in its own.
    indeling
        The area division all years are expressed in, for the note under the chart.
    """
    years = [int(y) for y in wide.columns]
    figure = go.Figure()
    for number, (code, row) in enumerate(wide.iterrows()):
        figure.add_trace(
            go.Scatter(
                x=[str(y) for y in years],
                y=row.to_numpy(dtype=float),
                mode="lines+markers",
                line={"color": SECONDARY, "width": 1},
                marker={"size": 5},
                opacity=0.7,
                name="Buurten",
                legendgroup="buurten",
                showlegend=number == 0,
                hovertemplate=f"{_label(names, code)}<br>%{{x}}: %{{y:.1f}} %<extra></extra>",
            )
        )
    references = references if references is not None else wide[:0]
    styles = reference_styles(references.index, NATIONAL_CODE)
    for code, row in references.iterrows():
        figure.add_trace(
            go.Scatter(
                x=[str(y) for y in row.index],
                y=row.to_numpy(dtype=float),
                mode="lines+markers",
                line={"width": 3, **styles[code]},
                name=_label(names, code),
                hovertemplate=f"{_label(names, code)}<br>%{{x}}: %{{y:.1f}} %<extra></extra>",
            )
        )
    figure.update_xaxes(title_text="Jaar", type="category")
    figure.update_yaxes(title_text=axis_label(indicator, leeftijd, wrap=True))
    figure.update_layout(height=520)
    title = f"Ontwikkeling per buurt: {LONELINESS_INDICATORS[indicator].lower()}"
    notes = ["Een lijn verbindt de schattingen van één buurt; een ontbrekend jaar is onderdrukt."]
    if indeling:
        notes.append(f"Alle jaren op de buurtindeling {indeling}.")
    return _finish(figure, title, years, leeftijd, 0, empty=wide.empty, extra=" ".join(notes))


def for_phone(figure: go.Figure) -> go.Figure:
    """A copy of a figure of this module with its notes wrapped to fit a phone's screen.

    For the screen only: a download keeps one line per note, so that the print style
    (:func:`views.static.print_style`) finds the source line and does not repeat it.
    """
    narrow = go.Figure(figure)
    for note in narrow.layout.annotations:
        if note.name == NOTES:
            lines = note.text.split("<br>")
            wrapped = [part for line in lines for part in textwrap.wrap(line, NOTE_CHARS)]
            note.text = "<br>".join(wrapped)
            bottom = narrow.layout.margin.b + NOTE_LINE_PX * (len(wrapped) - len(lines))
            narrow.update_layout(margin={"b": bottom})
    return narrow


def _label(names: Mapping[str, str], code: str) -> str:
    """The name for ``code`` (or the code itself), HTML-escaped for plotly's hover and legend."""
    return plain_plotly(names.get(code) or code)


def _floor_to(value: float, step: float) -> float:
    return float(math.floor(value / step) * step) if pd.notna(value) else 0.0


def _labels(values: pd.DataFrame) -> list[str]:
    """Buurt names, with the code added where a name is empty or occurs twice; HTML-escaped."""
    names = values["naam"].fillna("")
    duplicated = names.duplicated(keep=False) | (names == "")
    codes = values["code"]
    pairs = zip(names, codes, duplicated, strict=True)
    labels = [f"{n} ({c})" if d and n else (n or c) for n, c, d in pairs]
    return [plain_plotly(label) for label in labels]


def _finish(
    figure: go.Figure,
    title: str,
    years: int | list[int],
    leeftijd: str,
    suppressed: int,
    *,
    empty: bool,
    extra: str = "",
    left: int = 10,
) -> go.Figure:
    """Title with year and age group, the source line, a suppressed-count note, Dutch numbers.

    The notes start ``left`` pixels left of the plot area, at the figure's left edge when the
    axis labels fit in a margin of ``left`` pixels.
    """
    years = [years] if isinstance(years, int) else years
    age = AGE_LABELS.get(leeftijd, leeftijd)
    subtitle = f"{', '.join(map(str, years))} · {age} · modelschatting"
    notes = [rivm_source(years)]
    if suppressed:
        word = "buurt" if suppressed == 1 else "buurten"
        notes.append(f"{suppressed} {word} zonder waarde ({SUPPRESSED}) niet getoond.")
    if extra:
        notes.append(extra)
    if empty:
        figure.add_annotation(
            text="Geen buurten met een waarde voor deze keuze",
            showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5, font={"size": 14},
        )
    figure.add_annotation(
        text="<br>".join(notes), name=NOTES,
        showarrow=False, xref="paper", yref="paper", x=0, y=0, yshift=-70, xshift=10 - left,
        xanchor="left", yanchor="top", align="left", font={"size": 11, "color": "#555555"},
    )
    figure.update_layout(
        title={
            "text": title, "subtitle": {"text": subtitle},
            "yref": "container", "y": 1, "yanchor": "top", "pad": {"t": 14},
        },
        separators=",.",
        font={"family": FONT},
        margin={"t": 130, "b": 90 + NOTE_LINE_PX * len(notes), "l": left, "r": 30},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1},
        bargap=0.05,
        plot_bgcolor="white",
    )
    figure.update_xaxes(showgrid=True, gridcolor="#eeeeee", zeroline=False)
    figure.update_yaxes(showgrid=True, gridcolor="#eeeeee", zeroline=False)
    return figure
