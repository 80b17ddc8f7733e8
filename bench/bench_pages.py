"""Page speed at three levels (gemeente, largest province, Nederland) on one national store.

Run from the repository root::

    .venv/bin/python bench/bench_pages.py                  # everything, median of 5
    .venv/bin/python bench/bench_pages.py --snel           # smoke: 1 repeat, gemeente + 1 NL page
    .venv/bin/python bench/bench_pages.py --snel --zonder-browser

The script imports the whole country from the shared data (``../shared/data`` or
``$ONTMOETINGSKAART_SHARED``) into a temporary national store (with the stored reach) and
measures, for Aa en Hunze (``GM1680``), Noord-Brabant (``provincie-noord-brabant``) and
Nederland (``NL``):

a. server render time: the whole script (frame, sidebar, page) through Streamlit's AppTest, as
   a browser rerun does. ``eerste`` is the page's first run in a fresh session (caches of earlier
   cases may be warm), then one warm-up run, then the median of ``--herhalingen`` reruns;
b. map payload: the bytes of the plotly figure JSON the Kaart page sends to the browser (the
   ``spec`` of every plotly chart element AppTest sees on that page);
c. browser time-to-settled: real headless Chromium (Playwright) against ``streamlit run`` on
   127.0.0.1; each repeat is a fresh load of ``/<page>?gebied=…`` (a new Streamlit session),
   after one warm-up load; "settled" is defined in ``bench/_support.py`` (the run finished on the
   server, title and main content drawn, no running indicator, quiet for 400 ms).

The page *Bronnen en methode* (text only, same frame and sidebar) is measured the same way as the
floor ("basis"). Targets (issue 9, 2-core machine, medians): server ≤ 1 / 2 / 3 s, browser
≤ 3 / 4 / 6 s, map payload ≤ 5 MB at every level. Each target is printed with its value and
``ok``/``NIET``; the last line is ``doelen gehaald: X van Y``. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _support import (
    PAGES,
    REPO,
    NotSettledError,
    Page,
    RunWatcher,
    Score,
    build_national_store,
    goto_settled,
    launch,
    median,
    new_context,
    streamlit_server,
)


@dataclass(frozen=True)
class Level:
    """A level of the dashboard: its key and label, the ``gebied`` it opens, its targets (s)."""

    key: str
    label: str
    gebied: str
    server_s: float
    browser_s: float


LEVELS = [
    Level("gemeente", "gemeente Aa en Hunze", "GM1680", 1.0, 3.0),
    Level("provincie", "provincie Noord-Brabant", "provincie-noord-brabant", 2.0, 4.0),
    Level("nl", "Nederland", "NL", 3.0, 6.0),
]
TARGET_PAGES = ["kaart", "kernen", "eenzaamheid", "vergelijken"]
BASELINE = "bronnen"
MAP_BYTES = 5_000_000


# --------------------------------------------------------------------------- server


def _quiet_streamlit_logs() -> None:
    """AppTest outside a server logs 'missing ScriptRunContext' warnings; they mean nothing."""
    from streamlit.logger import set_log_level

    set_log_level("error")


def server_case(root: Path, level: Level, page: Page, repeats: int) -> tuple[float, float, int]:
    """First run, median rerun (s) and plotly JSON bytes of ``page`` at ``level``."""
    from streamlit.testing.v1 import AppTest

    from loaders.store import DATA_ENV

    os.environ[DATA_ENV] = str(root)
    app = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=600)
    app.query_params["gebied"] = level.gebied
    app.run()
    app.switch_page(page.script)
    start = time.perf_counter()
    app.run()
    first = time.perf_counter() - start
    app.run()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        app.run()
        times.append(time.perf_counter() - start)
    if app.exception:
        raise RuntimeError(f"{page.label} ({level.key}): {app.exception[0].value}")
    if not app.title or page.title not in app.title[0].value:
        raise RuntimeError(f"{page.label} ({level.key}): pagina niet getekend")
    size = sum(len(chart.proto.spec.encode()) for chart in app.get("plotly_chart"))
    return first, median(times), size


def run_server(root: Path, plan: list[tuple[Level, str]], repeats: int, score: Score) -> None:
    """Part (a) and (b): server render times and the map payload, per planned page and level."""
    print(f"\n(a) server: AppTest, mediaan van {repeats} na een opwarmronde; "
          "(b) kaart-JSON van de Kaart-pagina")
    print(f"  {'pagina':16} {'niveau':24} {'eerste s':>9} {'mediaan s':>10} {'x basis':>8} "
          f"{'plotly-JSON MB':>15}")
    floors: dict[str, float] = {}
    _quiet_streamlit_logs()
    for level, key in plan:
        page = PAGES[key]
        try:
            first, middle, size = server_case(root, level, page, repeats)
        except Exception as exc:  # noqa: BLE001 - report, count as missed, go on
            print(f"  {page.label:16} {level.label:24} fout: {exc}")
            if key != BASELINE:
                score.target(f"server {page.label}, {level.key}", None, level.server_s, "s")
                if key == "kaart":
                    score.target(f"kaart-JSON, {level.key}", None, MAP_BYTES / 1e6, "MB")
            continue
        if key == BASELINE:
            floors[level.key] = middle
        ratio = middle / floors[level.key] if floors.get(level.key) else float("nan")
        print(f"  {page.label:16} {level.label:24} {first:>9.2f} {middle:>10.2f} {ratio:>8.1f} "
              f"{size / 1e6:>15.2f}", flush=True)
        if key != BASELINE:
            score.target(f"server {page.label}, {level.key}", middle, level.server_s, "s")
        if key == "kaart":
            score.target(f"kaart-JSON, {level.key}", size / 1e6, MAP_BYTES / 1e6, "MB")


# --------------------------------------------------------------------------- browser


async def browser_cases(url: str, plan: list[tuple[Level, str]], repeats: int,
                        score: Score) -> None:
    """Part (c): time to settled in headless Chromium, per planned page and level."""
    from playwright.async_api import async_playwright

    print(f"\n(c) browser: headless Chromium, tijd tot 'klaar', mediaan van {repeats} "
          "na een opwarmronde")
    print(f"  {'pagina':16} {'niveau':24} {'opwarm s':>9} {'mediaan s':>10} {'min s':>6} "
          f"{'max s':>6}")
    async with async_playwright() as playwright:
        browser = await launch(playwright)
        context = await new_context(browser)
        try:
            for level, key in plan:
                page = PAGES[key]
                tab = await context.new_page()
                watcher = RunWatcher(tab)
                address = f"{url}/{page.path}?gebied={level.gebied}"
                try:
                    warm = await goto_settled(tab, watcher, address, page)
                    times = [await goto_settled(tab, watcher, address, page)
                             for _ in range(repeats)]
                except NotSettledError as exc:
                    print(f"  {page.label:16} {level.label:24} fout: {exc}")
                    if key != BASELINE:
                        score.target(f"browser {page.label}, {level.key}", None,
                                     level.browser_s, "s")
                    continue
                finally:
                    await tab.close()
                print(f"  {page.label:16} {level.label:24} {warm:>9.2f} {median(times):>10.2f} "
                      f"{min(times):>6.2f} {max(times):>6.2f}", flush=True)
                if key != BASELINE:
                    score.target(f"browser {page.label}, {level.key}", median(times),
                                 level.browser_s, "s")
        finally:
            await context.close()
            await browser.close()


# --------------------------------------------------------------------------- main


def plan_for(*, quick: bool) -> list[tuple[Level, str]]:
    """The (level, page) pairs to measure; with ``quick`` the gemeente and one NL page."""
    if quick:
        gemeente, _, nl = LEVELS
        return [(gemeente, BASELINE), *[(gemeente, key) for key in TARGET_PAGES], (nl, "kaart")]
    return [(level, key) for level in LEVELS for key in [BASELINE, *TARGET_PAGES]]


def main() -> int:
    """Build or open the national store, measure and print the targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--herhalingen", type=int, default=None,
                        help="aantal gemeten herhalingen (standaard 5, met --snel 1)")
    parser.add_argument("--snel", action="store_true",
                        help="rooktest: 1 herhaling, alleen gemeente plus één NL-pagina")
    parser.add_argument("--zonder-browser", action="store_true",
                        help="sla het browserdeel (c) over")
    parser.add_argument("--opslag", type=Path, default=None,
                        help="bestaande landelijke opslag gebruiken in plaats van er een te bouwen")
    args = parser.parse_args()
    repeats = args.herhalingen or (1 if args.snel else 5)
    plan = plan_for(quick=args.snel)
    os.chdir(REPO)
    score = Score()
    with tempfile.TemporaryDirectory(prefix="bench_pages_") as tmp:
        root = args.opslag
        if root is None:
            start = time.perf_counter()
            root = build_national_store(Path(tmp) / "kern_data")
            print(f"landelijke opslag gebouwd in {time.perf_counter() - start:.1f} s")
        print(f"{os.cpu_count()} kernen; {'snel' if args.snel else 'volledig'}; "
              f"opslag {root}", flush=True)
        run_server(root, plan, repeats, score)
        if not args.zonder_browser:
            with streamlit_server(root, Path(tmp) / "streamlit.log") as (url, _process):
                asyncio.run(browser_cases(url, plan, repeats, score))
    print(score.last_line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
