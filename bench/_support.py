"""Shared pieces of the page benchmarks.

The national store, a local ``streamlit run`` server, its memory, and "settled" in a real
headless Chromium.

Not a benchmark itself. ``bench_pages.py`` and ``bench_load.py`` import it (the ``bench`` folder
is on ``sys.path`` when a script in it runs).

Settled
-------
A navigation (``goto`` or a click in the sidebar menu) has settled when all of this holds, and
still holds 400 ms later (the reported time is the moment it first held):

* the server said the script run is over: the last run that started after the action sent a
  ``script_finished`` message with status "finished successfully" over the websocket (read from
  Streamlit's own protobuf messages, so it does not depend on how the page looks);
* the page's title (``h1``) and its main content (a CSS selector per page: the first plotly
  chart, or a data frame) are in the DOM, and a plotly chart has drawn its SVG;
* no ``[data-testid="stStatusWidget"]`` (the running indicator), no stale elements
  (``[data-stale="true"]``) and no skeletons are left.

A ``[data-testid="stException"]`` in the page, or 60 s without settling, is a failure.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from rendering.images import HEADLESS_FLAGS  # noqa: E402 - needs the repository on sys.path

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Playwright, Route, WebSocket
    from playwright.async_api import Page as Tab

SHARED = Path(os.environ.get("ONTMOETINGSKAART_SHARED", REPO.parent / "shared" / "data"))
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = list(HEADLESS_FLAGS)
HOST = "127.0.0.1"
QUIET_S = 0.4
POLL_S = 0.05
SETTLE_TIMEOUT_S = 60.0
SMALL_FRAME_BYTES = 4096
"""Websocket frames up to this size may be run start/finish messages; deltas are bigger."""


@dataclass(frozen=True)
class Page:
    """A dashboard page: label, script (for AppTest), url path, title and main content."""

    label: str
    script: str
    path: str
    title: str
    main: str | None
    nav: str = ""
    """The page's name in the sidebar menu (defaults to ``label``)."""


PAGES = {
    "kaart": Page("Kaart", "pages/kaart.py", "kaart", "Kaart", ".js-plotly-plot .main-svg"),
    "kernen": Page("Kernen", "pages/kernen.py", "kernen",
                   "Kernen en hun dichtstbijzijnde ontmoetingsplek",
                   '[data-testid="stDataFrame"]'),
    "eenzaamheid": Page("Eenzaamheid", "pages/eenzaamheid.py", "eenzaamheid",
                        "Eenzaamheid per buurt", ".js-plotly-plot .main-svg"),
    "vergelijken": Page("Vergelijken", "pages/vergelijken.py", "vergelijken",
                        "Gemeenten vergelijken", '[data-testid="stDataFrame"]',
                        "Gemeenten vergelijken"),
    "bronnen": Page("Bronnen (leeg)", "pages/bronnen.py", "bronnen", "Bronnen en methode", None,
                    "Bronnen en methode"),
}


# --------------------------------------------------------------------------- store and server


def build_national_store(root: Path) -> Path:
    """Import the whole country from the shared data into a store at ``root`` (with reach)."""
    from loaders.build import import_folder
    from loaders.store import Store
    from pipeline.reach import refresh_reach

    report = import_folder(SHARED, None, store=Store(root))
    if not report.ok:
        raise SystemExit(report.summary())
    refresh_reach(Store(root))
    return root


def free_port() -> int:
    """A free TCP port on :data:`HOST`."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@contextmanager
def streamlit_server(root: Path, log_path: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """``streamlit run dashboard.py`` on a free port of 127.0.0.1; stopped on exit."""
    from loaders.store import DATA_ENV

    port = free_port()
    env = dict(os.environ, **{DATA_ENV: str(root)})
    env.setdefault("MALLOC_ARENA_MAX", "2")  # as scripts/start.sh starts the dashboard
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboard.py",
             "--server.headless", "true", "--server.port", str(port),
             "--server.address", HOST, "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        url = f"http://{HOST}:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    health = f"{url}/_stcore/health"  # http on 127.0.0.1, built here
                    with urllib.request.urlopen(health, timeout=2) as answer:  # noqa: S310
                        if answer.status == HTTPStatus.OK:
                            break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("streamlit start mislukt:\n" + log_path.read_text())
                time.sleep(0.3)
            yield url, process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _children(pid: int) -> list[int]:
    found = []
    try:
        tasks = [task.name for task in Path(f"/proc/{pid}/task").iterdir()]
    except OSError:
        return found
    for task in tasks:
        try:
            text = Path(f"/proc/{pid}/task/{task}/children").read_text()
        except OSError:
            continue
        for child in text.split():
            found.append(int(child))
            found.extend(_children(int(child)))
    return found


def tree_rss_bytes(pid: int) -> int:
    """Resident memory of ``pid`` and all its descendants, from ``/proc``."""
    total = 0
    for each in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
                    break
        except OSError:
            continue
    return total


# --------------------------------------------------------------------------- browser


async def launch(playwright: Playwright) -> Browser:
    """Debian's headless Chromium with :data:`CHROMIUM_ARGS`."""
    if not await asyncio.to_thread(Path(CHROMIUM).exists):
        raise SystemExit(f"{CHROMIUM} ontbreekt: installeer Debian's chromium")
    return await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


async def new_context(browser: Browser) -> BrowserContext:
    """A browser context whose traffic may only go to 127.0.0.1 (anything else is aborted)."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})

    async def only_local(route: Route) -> None:
        host = route.request.url.split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0]
        if route.request.url.startswith(("data:", "blob:")) or host == HOST:
            await route.continue_()
        else:
            await route.abort()

    await context.route("**/*", only_local)
    return context


class RunWatcher:
    """Follows Streamlit's script runs from the websocket messages of one browser page."""

    def __init__(self, page: Tab) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self._message = ForwardMsg
        self.started = 0
        self.finished_after = -1
        page.on("websocket", self._attach)

    def _attach(self, websocket: WebSocket) -> None:
        websocket.on("framereceived", self._frame)

    def _frame(self, payload: str | bytes) -> None:
        if not isinstance(payload, bytes) or len(payload) > SMALL_FRAME_BYTES:
            return  # deltas with content are big; run start/finish messages are small
        try:
            message = self._message.FromString(payload)
        except Exception:  # noqa: BLE001 - not a ForwardMsg: ignore
            return
        kind = message.WhichOneof("type")
        if kind == "new_session":
            self.started += 1
        elif kind == "script_finished" and message.script_finished in (0, 3):
            self.finished_after = self.started

    def idle_since(self, mark: int) -> bool:
        """A run started after ``mark`` and the last run that started has finished."""
        return self.started > mark and self.finished_after == self.started


_DOM_CHECK = """([title, main]) => {
  if (document.querySelector('[data-testid="stException"]')) return 'exception';
  const h1 = [...document.querySelectorAll('h1')].some(h => h.textContent.includes(title));
  if (!h1) return 'no';
  if (main && !document.querySelector(main)) return 'no';
  if (document.querySelector('[data-testid="stStatusWidget"]')) return 'no';
  if (document.querySelector('[data-stale="true"]')) return 'no';
  if (document.querySelector('[data-testid="stSkeleton"]')) return 'no';
  return 'yes';
}"""


class NotSettledError(Exception):
    """The page did not settle in time, or showed an exception."""


async def wait_settled(page: Tab, watcher: RunWatcher, mark: int, target: Page, start: float,
                       timeout_s: float = SETTLE_TIMEOUT_S) -> float:
    """Seconds from ``start`` (``time.perf_counter``) until ``page`` settled on ``target``."""
    since: float | None = None
    runs_then = 0
    deadline = start + timeout_s
    while time.perf_counter() < deadline:
        state = "no"
        if watcher.idle_since(mark):
            try:
                state = await page.evaluate(_DOM_CHECK, [target.title, target.main])
            except Exception:  # noqa: BLE001 - navigation in progress destroys the context
                state = "no"
        if state == "exception":
            raise NotSettledError(f"{target.label}: uitzondering in de pagina")
        now = time.perf_counter()
        if state == "yes":
            if since is None or watcher.started != runs_then:
                since, runs_then = now, watcher.started
            elif now - since >= QUIET_S:
                return since - start
        else:
            since = None
        await asyncio.sleep(POLL_S)
    raise NotSettledError(f"{target.label}: niet klaar binnen {timeout_s:.0f} s")


async def goto_settled(page: Tab, watcher: RunWatcher, url: str, target: Page,
                       timeout_s: float = SETTLE_TIMEOUT_S) -> float:
    """Open ``url`` and return the seconds until the page settled."""
    mark = watcher.started
    start = time.perf_counter()
    await page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
    return await wait_settled(page, watcher, mark, target, start, timeout_s)


async def click_nav_settled(page: Tab, watcher: RunWatcher, target: Page,
                            timeout_s: float = SETTLE_TIMEOUT_S) -> float:
    """Click ``target`` in the sidebar menu and return the seconds until it settled."""
    mark = watcher.started
    start = time.perf_counter()
    menu = page.locator('[data-testid="stSidebarNav"]')
    link = menu.get_by_role("link", name=target.nav or target.label, exact=True)
    await link.first.click(timeout=timeout_s * 1000)
    return await wait_settled(page, watcher, mark, target, start, timeout_s)


def median(values: list[float]) -> float:
    """The median of ``values``."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (``share`` in 0..1) of ``values``."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-share * len(ordered) // 1))))
    return ordered[rank - 1]


def verdict(*, ok: bool) -> str:
    """``ok`` or ``NIET`` for a target."""
    return "ok" if ok else "NIET"


class Score:
    """Targets and how many were met; every target prints one line.

    A benchmark ends with :meth:`last_line` (``doelen gehaald: X van Y``).
    """

    def __init__(self) -> None:
        self.met = 0
        self.total = 0

    def target(self, what: str, value: float | None, limit: float, unit: str,
               detail: str = "") -> None:
        """Count and print one target: met when ``value`` is known and at most ``limit``."""
        self.total += 1
        ok = value is not None and value <= limit
        self.met += ok
        shown = "fout" if value is None else f"{value:.2f} {unit}"
        print(f"  doel {what:48} ≤ {limit:g} {unit:3} gemeten {shown:>10}  {verdict(ok=ok)}"
              f"{'  ' + detail if detail else ''}", flush=True)

    def last_line(self) -> str:
        """The benchmark's last line: ``doelen gehaald: X van Y``."""
        return f"doelen gehaald: {self.met} van {self.total}"
