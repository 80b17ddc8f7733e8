"""Server-side render time of every dashboard page, for a gemeente and for a province.

Run ``python bench/bench_pages.py`` from the repository root (with the shared data folder at
``../shared/data`` or ``$ONTMOETINGSKAART_SHARED``). It imports Aa en Hunze (1 gemeente) and
Drenthe (12 gemeenten) into a temporary store, runs each page through Streamlit's AppTest (the
whole script: frame, sidebar and page, as a rerun in a browser does), and prints a table; it
asserts nothing. "eerste" is the first render of the page as it opens (the frame's own first
run has already read the region's layers); after one more warm-up run (caches filled, as for a
second visitor, and the prepared choice made) the median of ``--repeats`` reruns is the render
time. Targets from issue 4: at most 1 s per page for a
gemeente, 3 s for a province, and a map payload (the figure JSON the browser receives) under
5 MB for a province.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from streamlit.testing.v1 import AppTest  # noqa: E402

from loaders.__main__ import DEMO_REGIONS  # noqa: E402
from loaders.build import import_folder  # noqa: E402
from loaders.store import DATA_ENV, Store  # noqa: E402

SHARED = Path(os.environ.get("ONTMOETINGSKAART_SHARED", REPO.parent / "shared" / "data"))
TARGET_S = {"aa-en-hunze": 1.0, "drenthe": 3.0}
TARGET_MAP_BYTES = 5_000_000
KERN = "Schipborg"

Prepare = Callable[[AppTest, Path, str], None]


def _nothing(app: AppTest, root: Path, region: str) -> None:
    """Render the page as it opens."""


def _buurten_view(app: AppTest, root: Path, region: str) -> None:
    """Switch the Kaart page of a province from the gemeente overview to the buurten map."""
    app.segmented_control(key="kaart_weergave_overzicht").set_value("buurten")


def _kern_detail(app: AppTest, root: Path, region: str) -> None:
    """Choose the kern Schipborg on the Kaart page, which adds its detail (all travel modes)."""
    kernen = Store(root).read_layer(region, "kernen")
    [kern_id] = kernen.loc[kernen["naam"] == KERN, "kern_id"]
    app.selectbox(key="kaart_kern").set_value(kern_id)


CASES: list[tuple[str, str, Prepare, tuple[str, ...]]] = [
    ("Kaart", "pages/kaart.py", _nothing, ("aa-en-hunze", "drenthe")),
    ("Kaart, buurten (provincie)", "pages/kaart.py", _buurten_view, ("drenthe",)),
    (f"Kaart + kern {KERN}", "pages/kaart.py", _kern_detail, ("aa-en-hunze", "drenthe")),
    ("Kernen", "pages/kernen.py", _nothing, ("aa-en-hunze", "drenthe")),
    ("Eenzaamheid", "pages/eenzaamheid.py", _nothing, ("aa-en-hunze", "drenthe")),
    ("Scenario", "pages/scenario.py", _nothing, ("aa-en-hunze", "drenthe")),
    ("Bronnen en methode", "pages/bronnen.py", _nothing, ("aa-en-hunze", "drenthe")),
    ("Gegevens", "pages/gegevens.py", _nothing, ("aa-en-hunze", "drenthe")),
]


def build_store(folder: Path, region: str) -> Path:
    """Import one demo region from the shared data into its own store under ``folder``."""
    root = folder / region
    name, codes = DEMO_REGIONS[region]
    report = import_folder(SHARED, codes, store=Store(root))
    if not report.ok:
        raise SystemExit(report.summary())
    return root


def measure(
    root: Path, region: str, page: str, prepare: Prepare, repeats: int
) -> tuple[float, float, AppTest]:
    """First render and median rerun time (seconds) of ``page``, and the app after the runs."""
    os.environ[DATA_ENV] = str(root)
    app = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=300)
    app.query_params["regio"] = region
    app.run()
    app.switch_page(page)
    start = time.perf_counter()
    app.run()
    first = time.perf_counter() - start
    prepare(app, root, region)
    app.run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        app.run()
        times.append(time.perf_counter() - start)
    if app.exception:
        raise RuntimeError(f"{page} ({region}): {app.exception[0].value}")
    return first, statistics.median(times), app


def map_bytes(app: AppTest) -> int:
    """Size of the figure JSON that the page sends to the browser."""
    return sum(len(chart.proto.spec.encode()) for chart in app.get("plotly_chart"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    os.chdir(REPO)
    with tempfile.TemporaryDirectory(prefix="bench_pages_") as tmp:
        start = time.perf_counter()
        roots = {region: build_store(Path(tmp), region) for region in TARGET_S}
        print(f"regio's geïmporteerd in {time.perf_counter() - start:.1f} s "
              f"(mediaan van {args.repeats} herhalingen na een opwarmronde)\n")
        print(f"{'pagina':30} {'regio':12} {'eerste s':>9} {'mediaan s':>10} {'doel s':>7} "
              f"{'kaart-JSON MB':>14}  binnen doel")
        for label, page, prepare, regions in CASES:
            for region in regions:
                try:
                    first, median, app = measure(roots[region], region, page, prepare,
                                                 args.repeats)
                except Exception as exc:  # noqa: BLE001 - report and go on with the next page
                    print(f"{label:30} {region:12} fout: {exc}")
                    continue
                size = map_bytes(app) if page == "pages/kaart.py" else 0
                ok = median <= TARGET_S[region] and size <= TARGET_MAP_BYTES
                size_text = f"{size / 1e6:.2f}" if size else "-"
                print(f"{label:30} {region:12} {first:>9.2f} {median:>10.2f} "
                      f"{TARGET_S[region]:>7.0f} {size_text:>14}  {'ja' if ok else 'NEE'}")


if __name__ == "__main__":
    main()
