"""Static images (PNG, SVG, PDF) of plotly figures, rendered by kaleido in a warm Chromium.

Kaleido 1.x draws a figure with plotly.js inside a Chrome or Chromium that is already on the
machine (:func:`find_browser`); nothing is ever downloaded (``kaleido.get_chrome`` is not used).
The first export starts the browser, which takes seconds; the browser then stays open, so
every later export takes a few tenths of a second, and :func:`render_batch` renders several
figures in one round trip. :func:`shutdown` closes it (also done when the process exits).

Kaleido's own ``start_sync_server`` is not used: when the browser fails to start, its next call
waits forever. :class:`_Renderer` runs kaleido on an event loop in its own thread and waits for
every call with a timeout. Without a browser, pages offer :func:`views.export.figure_html`.

This module holds the one process-wide browser; preparing a figure for paper (pure, no
browser) is :func:`views.static.print_style`.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import functools
import os
import shutil
import threading
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar

import plotly.graph_objects as go

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
"""Width in CSS pixels of a figure whose layout sets none (also used to lay out its footer)."""
DEFAULT_HEIGHT = 600
"""Height in CSS pixels of a figure whose layout sets none."""
NO_BROWSER_MESSAGE = (
    "Opslaan als afbeelding kan nu niet: daarvoor is Chrome of Chromium nodig op de server. "
    "Vraag de beheerder het te installeren. HTML en gegevens kunt u wel downloaden."
)
"""Shown to users when no browser is found (no commands: see :data:`NO_BROWSER_HINT`)."""
NO_BROWSER_HINT = "Installeer het pakket chromium (sudo apt-get install chromium)."
"""The operator's fix, printed by the command line next to :data:`NO_BROWSER_MESSAGE`."""

_T = TypeVar("_T")


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
        return override if Path(override).is_file() and os.access(override, os.X_OK) else None
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
        The figure, usually after :func:`views.static.print_style`.
    fmt
        ``"png"``, ``"svg"`` or ``"pdf"``.
    scale
        Pixel multiplier for PNG (2 gives print resolution); SVG and PDF keep the CSS size.
    width, height
        Size in CSS pixels; by default the figure's own layout size, else
        :data:`DEFAULT_WIDTH` × :data:`DEFAULT_HEIGHT`.

    Returns
    -------
    bytes
        The image file.

    Raises
    ------
    ValueError
        When ``fmt`` is not one of :data:`FORMATS`.
    NoBrowserError
        When no Chrome/Chromium is found.
    StaticExportError
        When the browser fails or takes too long.
    """
    return render_batch([(fig, fmt)], scale=scale, width=width, height=height)[0]


def figure_formats(
    fig: go.Figure,
    formats: Sequence[str] = FORMATS,
    *,
    scale: float = 2,
    width: int | None = None,
    height: int | None = None,
) -> dict[str, bytes]:
    """The figure in several formats at once (one browser round trip): format → bytes.

    Options and errors as for :func:`figure_bytes`.
    """
    images = render_batch([(fig, f) for f in formats], scale=scale, width=width, height=height)
    return dict(zip(formats, images, strict=True))


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

    Returns
    -------
    bool
        True when the browser runs.

    Raises
    ------
    StaticExportError
        When a browser is found but does not start.
    """
    try:
        _WARM.renderer()
    except NoBrowserError:
        return False
    return True


def shutdown() -> None:
    """Close the warm browser; the next export starts a new one."""
    _WARM.close()


@functools.cache
def _browser_class() -> type:
    """Kaleido's Chromium driver with :data:`CLOSED_NETWORK_FLAGS` appended (imported lazily)."""
    from choreographer.browsers.chromium import Chromium  # seconds to import

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

    async def _open(self, path: str) -> Any:  # noqa: ANN401 - kaleido ships no types
        import kaleido  # imported on the first export only

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

    def _wait(self, coroutine: Coroutine[Any, Any, _T], timeout: float) -> _T:
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
            raise NoBrowserError
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
