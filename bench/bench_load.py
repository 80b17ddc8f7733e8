"""Many visitors at once: N real Chromium sessions against one ``streamlit run`` server.

Run from the repository root::

    .venv/bin/python bench/bench_load.py                 # N = 1, 5, 10, 25; 120 s after-wait
    .venv/bin/python bench/bench_load.py --snel          # smoke: N = 1, no warm-up, no wait
    .venv/bin/python bench/bench_load.py --sessies 1 10 --nawacht 60

It imports the whole country from the shared data into a temporary national store (or uses
``--opslag DIR``), starts ``streamlit run dashboard.py`` on 127.0.0.1 and one headless Chromium
(all traffic other than to 127.0.0.1 is aborted). For each N, N browser contexts (separate
visitors, separate Streamlit sessions) run concurrently through the same steps at gemeente level:

1. Kaart of Aa en Hunze (``/kaart?gebied=GM1680``, a fresh load);
2. Kernen, by clicking it in the sidebar menu (same session);
3. another gemeente: the URL's ``gebied`` changed to Assen (``/kernen?gebied=GM0106``, a load);
4. Eenzaamheid, by clicking it in the sidebar menu.

Per step the time until the page has settled (as defined in ``bench/_support.py``) is recorded;
60 s without settling, or an exception box, is a failed step. One untimed visitor goes through
the steps first, so the server's caches are filled as on a server that has been up a while.

Memory is the resident size (``/proc``) of the streamlit process and its children: after the
start, after the warm-up visitor (the reference), the peak (sampled every 0.25 s while sessions
run) and ``--nawacht`` seconds after the last session closed (Streamlit drops a disconnected
session after ``server.disconnectedSessionTTL``, 120 s by default).

Targets (issue 9): with 10 sessions p95 ≤ 8 s per step; with 25 sessions no failed step; memory
after the wait within 150 MB of the reference. ``--snel`` is the smoke run of the test suite:
one session, no warm-up visitor and no wait, so the first two targets apply to that one session
and the memory target (against the server right after its start) says nothing. The last line is
``doelen gehaald: X van Y``. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _support import (
    PAGES,
    REPO,
    NotSettledError,
    RunWatcher,
    build_national_store,
    click_nav_settled,
    goto_settled,
    launch,
    new_context,
    percentile,
    streamlit_server,
    tree_rss_bytes,
    verdict,
)

if TYPE_CHECKING:
    from playwright.async_api import Browser

FIRST, OTHER = "GM1680", "GM0106"
STEPS = ["Kaart", "Kernen", "andere gemeente", "Eenzaamheid"]
P95_LIMIT_S = 8.0
P95_AT = 10
NO_FAILURE_AT = 25
MEMORY_LIMIT_B = 150 * 1024 * 1024
SAMPLE_S = 0.25
MAX_SESSIONS = 100


async def visitor(browser: Browser, url: str, timeout_s: float) -> list[float | None]:
    """One session through the four steps; seconds per step, None for a failed step."""
    context = await new_context(browser)
    results: list[float | None] = []
    try:
        tab = await context.new_page()
        watcher = RunWatcher(tab)
        actions = [
            lambda: goto_settled(tab, watcher, f"{url}/kaart?gebied={FIRST}", PAGES["kaart"],
                                 timeout_s),
            lambda: click_nav_settled(tab, watcher, PAGES["kernen"], timeout_s),
            lambda: goto_settled(tab, watcher, f"{url}/kernen?gebied={OTHER}", PAGES["kernen"],
                                 timeout_s),
            lambda: click_nav_settled(tab, watcher, PAGES["eenzaamheid"], timeout_s),
        ]
        for action in actions:
            try:
                results.append(await action())
            except (NotSettledError, Exception):  # noqa: BLE001 - any failure counts, go on
                results.append(None)
        if results[2] is not None and f"gebied={OTHER}" not in tab.url:
            results[2] = None  # settled, but not on the other gemeente
    finally:
        await context.close()
    return results


async def sample_memory(pid: int, peak: list[int], stop: asyncio.Event) -> None:
    """Keep the largest memory of the server tree in ``peak[0]`` until ``stop`` is set."""
    while not stop.is_set():
        peak[0] = max(peak[0], tree_rss_bytes(pid))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), SAMPLE_S)


def mb(value: int) -> str:
    """Bytes as whole megabytes (MiB)."""
    return f"{value / 2**20:.0f} MB"


async def sessions(
    browser: Browser, url: str, pid: int, count: int, timeout_s: float
) -> tuple[list[list[float | None]], int]:
    """``count`` visitors at once; their step times and the server's peak memory meanwhile.

    Prints one table row per step.
    """
    stop = asyncio.Event()
    peak_n = [tree_rss_bytes(pid)]
    sampler = asyncio.create_task(sample_memory(pid, peak_n, stop))
    start = time.perf_counter()
    runs = await asyncio.gather(*(visitor(browser, url, timeout_s) for _ in range(count)))
    wall = time.perf_counter() - start
    stop.set()
    await sampler
    for index, step in enumerate(STEPS):
        times = [r[index] for r in runs if r[index] is not None]
        failed = sum(r[index] is None for r in runs)
        p50 = f"{percentile(times, 0.5):.2f}" if times else "-"
        p95 = f"{percentile(times, 0.95):.2f}" if times else "-"
        top = f"{max(times):.2f}" if times else "-"
        wall_text = f"{wall:.1f}" if index == 0 else ""
        peak_text = mb(peak_n[0]) if index == 0 else ""
        print(f"  {count:>3} {step:16} {p50:>7} {p95:>7} {top:>7} {failed:>8} "
              f"{wall_text:>7} {peak_text:>14}", flush=True)
    return runs, peak_n[0]


async def run(
    url: str, pid: int, counts: list[int], wait_s: float, timeout_s: float, *, warm_up: bool
) -> int:
    """Warm up, run every number of sessions, wait, and print the table and the targets.

    Without ``warm_up`` (the smoke run) the memory reference is the server after its start.
    """
    from playwright.async_api import async_playwright

    met = total = 0

    def target(what: str, shown: str, *, ok: bool) -> None:
        nonlocal met, total
        total += 1
        met += ok
        print(f"  doel {what:44} gemeten {shown:>12}  {verdict(ok=ok)}", flush=True)

    cold = tree_rss_bytes(pid)
    per_n: dict[int, list[list[float | None]]] = {}
    peak = [0]
    async with async_playwright() as playwright:
        browser = await launch(playwright)
        if warm_up:
            warm = await visitor(browser, url, timeout_s)
            print("opwarmbezoeker: "
                  + ", ".join("fout" if t is None else f"{t:.1f} s" for t in warm))
        else:
            print("opwarmbezoeker: overgeslagen (--snel)")
        reference = tree_rss_bytes(pid)
        print(f"geheugen server: na start {mb(cold)}, na opwarmen {mb(reference)} (referentie)\n")
        print(f"  {'N':>3} {'stap':16} {'p50 s':>7} {'p95 s':>7} {'max s':>7} {'mislukt':>8} "
              f"{'wand s':>7} {'piek geheugen':>14}")
        for count in counts:
            per_n[count], peak_n = await sessions(browser, url, pid, count, timeout_s)
            peak[0] = max(peak[0], peak_n)
        await browser.close()
    print(f"\nwachten {wait_s:.0f} s na de laatste sessie …", flush=True)
    await asyncio.sleep(wait_s)
    after = tree_rss_bytes(pid)
    print(f"geheugen server: referentie {mb(reference)}, piek {mb(peak[0])}, "
          f"{wait_s:.0f} s na afloop {mb(after)} (verschil {mb(after - reference)}; "
          f"t.o.v. koude start {mb(after - cold)})\n")

    p95_n = P95_AT if P95_AT in per_n else max(per_n)
    for index, step in enumerate(STEPS):
        times = [r[index] for r in per_n[p95_n] if r[index] is not None]
        failed = sum(r[index] is None for r in per_n[p95_n])
        value = percentile(times, 0.95) if times else None
        ok = value is not None and value <= P95_LIMIT_S and failed == 0
        shown = "fout" if value is None else f"{value:.2f} s"
        target(f"{p95_n} sessies, {step}: p95 ≤ {P95_LIMIT_S:g} s", shown, ok=ok)
    fail_n = NO_FAILURE_AT if NO_FAILURE_AT in per_n else max(per_n)
    failed = sum(t is None for r in per_n[fail_n] for t in r)
    target(f"{fail_n} sessies: geen mislukte stap", f"{failed} mislukt", ok=failed == 0)
    target("geheugen na afloop ≤ referentie + 150 MB", mb(after - reference),
           ok=after - reference <= MEMORY_LIMIT_B)
    print(f"doelen gehaald: {met} van {total}")
    return 0


def main() -> int:
    """Build or open the national store, start the server and run the sessions."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessies", type=int, nargs="+", default=None,
                        help="aantallen gelijktijdige sessies (standaard 1 5 10 25)")
    parser.add_argument("--nawacht", type=float, default=None,
                        help="seconden wachten na de laatste sessie (standaard 120)")
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="seconden per stap voordat die mislukt (standaard 60)")
    parser.add_argument("--opslag", type=Path, default=None,
                        help="bestaande landelijke opslag gebruiken in plaats van er een te bouwen")
    parser.add_argument("--snel", action="store_true",
                        help="rooktest: N = 1, geen opwarmbezoeker, geen nawacht")
    args = parser.parse_args()
    counts = args.sessies or ([1] if args.snel else [1, 5, 10, 25])
    wait_s = args.nawacht if args.nawacht is not None else (0.0 if args.snel else 120.0)
    if any(n < 1 or n > MAX_SESSIONS for n in counts):
        parser.error(f"--sessies: 1 tot en met {MAX_SESSIONS}")
    os.chdir(REPO)
    with tempfile.TemporaryDirectory(prefix="bench_load_") as tmp:
        root = args.opslag
        if root is None:
            start = time.perf_counter()
            root = build_national_store(Path(tmp) / "kern_data")
            print(f"landelijke opslag gebouwd in {time.perf_counter() - start:.1f} s")
        print(f"{os.cpu_count()} kernen; stappen: {' → '.join(STEPS)} "
              f"(gemeenteniveau: {FIRST} Aa en Hunze, dan {OTHER} Assen); "
              f"sessies {counts}, nawacht {wait_s:.0f} s", flush=True)
        with streamlit_server(root, Path(tmp) / "streamlit.log") as (url, process):
            return asyncio.run(run(url, process.pid, counts, wait_s, args.timeout,
                                   warm_up=not args.snel))


if __name__ == "__main__":
    sys.exit(main())
