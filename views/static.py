"""Static images (PNG, SVG, PDF) of plotly figures, rendered by kaleido in a warm Chromium.

Kaleido 1.x draws a figure with plotly.js inside a Chrome or Chromium that is already on the
machine (:func:`find_browser`); nothing is ever downloaded (``kaleido.get_chrome`` is not used).
The first export starts the browser, which takes seconds; the browser then stays open, so
every later export takes a few tenths of a second, and :func:`render_batch` renders several
figures in one round trip. :func:`shutdown` closes it (also done when the process exits).

Kaleido's own ``start_sync_server`` is not used: when the browser fails to start, its next call
waits forever. :class:`_Renderer` runs kaleido on an event loop in its own thread and waits for
every call with a timeout. Without a browser, pages offer :func:`views.export.figure_html`.

:func:`print_style` prepares a figure for paper: white background, the colour-blind safe
Okabe-Ito palette with a pattern, marker shape or dash per colour (legible in black and white),
viridis for continuous colour, and a footer with the sources and the date.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import functools
import os
import re
import shutil
import textwrap
import threading
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import plotly.graph_objects as go

from views.sources import dutch_date, source_line, split_attribution
from views.text import plain_plotly

FORMATS = ("png", "svg", "pdf")
MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
                 "chrome")
"""Executables looked up on ``PATH`` after ``$BROWSER_PATH``, in this order."""
CLOSED_NETWORK_FLAGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)
"""Added to kaleido's Chromium command line: the browser only renders local pages, so it must
not phone home (and must not hang on a closed network). Kaleido itself already runs it headless
with ``--no-sandbox``, needed when running as root."""
HEADLESS_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", *CLOSED_NETWORK_FLAGS)
"""A whole headless Chromium command line for local pages on a closed network, as the browser
tests and the page benchmarks start it."""
START_TIMEOUT_S = 60.0
RENDER_TIMEOUT_S = 60.0
DEFAULT_WIDTH = 1000
DEFAULT_HEIGHT = 600
NO_BROWSER_MESSAGE = (
    "Opslaan als afbeelding kan nu niet: daarvoor is Chrome of Chromium nodig op de server. "
    "Vraag de beheerder het te installeren. HTML en gegevens kunt u wel downloaden."
)
"""Shown to users when no browser is found (no commands: see :data:`NO_BROWSER_HINT`)."""
NO_BROWSER_HINT = "Installeer het pakket chromium (sudo apt-get install chromium)."
"""The operator's fix, printed by the command line next to :data:`NO_BROWSER_MESSAGE`."""

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442",
             "#000000")
"""Okabe-Ito colours, ordered so that neighbours also differ in grey value."""
PATTERNS = ("", "/", ".", "x", "\\", "+", "-", "|")
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "cross", "x", "star", "hexagon")
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot", "solid", "dash")
FOOTER_FONT_PX = 11
FOOTER_LINE_PX = 15


class StaticExportError(RuntimeError):
    """A figure could not be rendered as an image; the message is Dutch, for the page."""

    @property
    def user_message(self) -> str:
        """The Dutch message to show."""
        return str(self)


class NoBrowserError(StaticExportError):
    """No Chrome or Chromium was found, so no image can be made (HTML and data still can)."""

    def __init__(self, message: str = NO_BROWSER_MESSAGE) -> None:
        super().__init__(message)


def find_browser() -> str | None:
    """The Chrome/Chromium executable to render with, or None when there is none.

    ``$BROWSER_PATH`` (the variable kaleido's browser driver also reads) wins when it names an
    executable file; otherwise the first of :data:`BROWSER_NAMES` on ``PATH``.
    """
    override = os.environ.get("BROWSER_PATH")
    if override:
        return override if os.path.isfile(override) and os.access(override, os.X_OK) else None
    return next((path for name in BROWSER_NAMES if (path := shutil.which(name))), None)


def figure_bytes(
    fig: go.Figure,
    fmt: str = "png",
    *,
    scale: float = 2,
    width: int | None = None,
    height: int | None = None,
) -> bytes:
    """One figure as PNG, SVG or PDF bytes.

    Parameters
    ----------
    fig
        The figure, usually after :func:`print_style`.
    fmt
        ``"png"``, ``"svg"`` or ``"pdf"``.
    scale
        Pixel multiplier for PNG (2 gives print resolution); SVG and PDF keep the CSS size.
    width, height
        Size in CSS pixels; by default the figure's own layout size, else
        :data:`DEFAULT_WIDTH` × :data:`DEFAULT_HEIGHT`.

    Raises
    ------
    NoBrowserError
        When no Chrome/Chromium is found.
    StaticExportError
        When the browser fails or takes too long.
    """
    return render_batch([(fig, fmt)], scale=scale, width=width, height=height)[0]


def figure_formats(
    fig: go.Figure, formats: Sequence[str] = FORMATS, **options: Any
) -> dict[str, bytes]:
    """The figure in several formats at once (one browser round trip): format → bytes.

    ``options`` are those of :func:`figure_bytes`.
    """
    return dict(zip(formats, render_batch([(fig, f) for f in formats], **options), strict=True))


def render_batch(
    jobs: Sequence[tuple[go.Figure, str]],
    *,
    scale: float = 2,
    width: int | None = None,
    height: int | None = None,
) -> list[bytes]:
    """Render many ``(figure, format)`` pairs in one call to the warm browser, in order.

    Options and errors as for :func:`figure_bytes`.
    """
    for _fig, fmt in jobs:
        if fmt not in FORMATS:
            raise ValueError(f"onbekend afbeeldingsformaat {fmt!r}; kies uit {', '.join(FORMATS)}")
    specs = [
        (fig, {"format": fmt, "scale": scale if fmt == "png" else 1,
               "width": width or fig.layout.width or DEFAULT_WIDTH,
               "height": height or fig.layout.height or DEFAULT_HEIGHT})
        for fig, fmt in jobs
    ]
    return _WARM.render(specs) if specs else []


def warm_up() -> bool:
    """Start the browser now (e.g. while a page loads); False when no browser is found.

    Raises :class:`StaticExportError` when a browser is found but does not start.
    """
    try:
        _WARM.renderer()
    except NoBrowserError:
        return False
    return True


def shutdown() -> None:
    """Close the warm browser; the next export starts a new one."""
    _WARM.close()


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
    _add_footer(styled, sources, datum or date.today())
    return styled


def _style_axis(axis: Any) -> None:
    """Black axis line and outside ticks, with room for the labels (``automargin``); an axis
    whose labels are hidden (a map drawn on RD coordinates) is left alone."""
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


def _trace_colour(trace: Any) -> str | None:
    for part in ("marker", "line"):
        colour = getattr(getattr(trace, part, None), "color", None)
        if isinstance(colour, str):
            return colour
    return None


def _style_trace(trace: Any, mapping: dict[str, int]) -> None:
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


@functools.cache
def _browser_class() -> type:
    """Kaleido's Chromium driver with :data:`CLOSED_NETWORK_FLAGS` appended (imported lazily)."""
    from choreographer.browsers.chromium import Chromium

    class ClosedNetworkChromium(Chromium):
        def get_cli(self) -> list[str]:
            cli = list(super().get_cli())
            return cli + [flag for flag in CLOSED_NETWORK_FLAGS if flag not in cli]

    return ClosedNetworkChromium


class _Renderer:
    """One open kaleido browser, driven from an event loop in its own daemon thread."""

    def __init__(self, path: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="kaleido",
                                        daemon=True)
        self._thread.start()
        try:
            self._kaleido = self._wait(self._open(path), START_TIMEOUT_S)
        except BaseException:
            self._stop_loop()
            raise

    async def _open(self, path: str) -> Any:
        import kaleido

        browser = kaleido.Kaleido(path=path, browser_cls=_browser_class(), mathjax=False, n=1,
                                  timeout=RENDER_TIMEOUT_S)
        await browser.open()
        return browser

    def render(self, specs: list[tuple[go.Figure, dict[str, Any]]]) -> list[bytes]:
        async def run() -> list[bytes]:
            return list(await asyncio.gather(
                *(self._kaleido.calc_fig(fig, opts=opts) for fig, opts in specs)
            ))

        return self._wait(run(), RENDER_TIMEOUT_S * len(specs))

    def close(self) -> None:
        with contextlib.suppress(Exception):  # a crashed browser need not close cleanly
            self._wait(self._kaleido.close(), 20.0)
        self._stop_loop()

    def _wait(self, coroutine: Any, timeout: float) -> Any:
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise

    def _stop_loop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5.0)


class _WarmBrowser:
    """The process-wide renderer: started on first use, restarted after a failure."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._renderer: _Renderer | None = None
        self._registered = False

    def renderer(self) -> _Renderer:
        with self._lock:
            return self._ensure()

    def render(self, specs: list[tuple[go.Figure, dict[str, Any]]]) -> list[bytes]:
        with self._lock:
            renderer = self._ensure()
            try:
                return renderer.render(specs)
            except Exception as exc:
                self._renderer = None
                renderer.close()
                raise StaticExportError(
                    f"Het maken van de afbeelding is mislukt ({type(exc).__name__}). "
                    "Probeer het opnieuw of download de HTML of de gegevens."
                ) from exc

    def close(self) -> None:
        with self._lock:
            if self._renderer is not None:
                self._renderer.close()
                self._renderer = None

    def _ensure(self) -> _Renderer:
        if self._renderer is not None:
            return self._renderer
        path = find_browser()
        if path is None:
            raise NoBrowserError()
        try:
            self._renderer = _Renderer(path)
        except Exception as exc:
            raise StaticExportError(
                f"De browser {path} start niet ({type(exc).__name__}); daardoor kan er geen "
                "afbeelding worden gemaakt. HTML en gegevens kunt u wel downloaden."
            ) from exc
        if not self._registered:
            atexit.register(self.close)
            self._registered = True
        return self._renderer


_WARM = _WarmBrowser()
