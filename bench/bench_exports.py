"""Benchmark of the exports: static images cold and warm, a factsheet, and the data files.

Run ``python bench/bench_exports.py`` from the repository root. It imports the whole country
from ``../shared/data`` into a temporary store (or uses ``--opslag DIR``, an existing store)
and prints each export's time; it asserts nothing (timings belong here, never in tests). The
images and the factsheet are those of one gemeente (``--gemeente``, Aa en Hunze), the data files
hold every kern of the store (what a researcher downloads for the country). "Cold" is the
first image after the browser was closed (it starts Chromium); "warm" is the median of the next
``--herhaal`` (5; ``--snel``: 1, the smoke run).

Targets (issue 5: an export must not block the page for seconds per image; keep a browser warm
or batch where that helps), each against a baseline measured in the same run:

* a warm PNG of a chart or of the map at most 1 s, and at most half the cold one (the warm
  browser is worth keeping);
* a warm factsheet (PDF with map and chart) at most 5 s;
* every data file (CSV, XLSX, GeoJSON, GeoPackage) of all kernen at most 2 s.

PNG, SVG and PDF of one chart in one batch are printed beside the three single exports; it
is no target, as the one warm browser tab renders them one after the other either way (measured
1.0x). The last line is ``doelen gehaald: X van Y``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _support import Score, build_national_store

from loaders.clock import today
from loaders.store import NATIONAL, Store
from rendering import images
from reports.factsheets import load_factsheet_data
from views import static
from views.charts import ranking
from views.eenzaamheid import buurt_values
from views.export import (
    csv_zip,
    geojson_bytes,
    geopackage_bytes,
    with_geometry,
    xlsx_bytes,
)
from views.factsheet import FactsheetChoice, FactsheetData, factsheet_pdf
from views.factsheet_figures import distance_map
from views.sources import layer_sources


def timed(func: Callable[[], object]) -> float:
    """Wall time of one call in ms."""
    start = time.perf_counter()
    func()
    return (time.perf_counter() - start) * 1000.0


def median_of(repeats: int, func: Callable[[], object]) -> float:
    """Median wall time in ms over ``repeats`` calls."""
    return statistics.median(timed(func) for _ in range(repeats))


def gemeente_data(args: argparse.Namespace, folder: Path) -> FactsheetData:
    """The factsheet input of the store; the whole country imported when none is given."""
    root = args.opslag or build_national_store(folder)
    return load_factsheet_data(Store(root), NATIONAL, mode="bike", jaar=2020)


def main() -> int:
    """Open or build the store, time every export, print the targets; 0 as exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opslag", type=Path, help="an existing store instead of a fresh import")
    parser.add_argument("--gemeente", default="GM1680")
    parser.add_argument("--herhaal", type=int, default=5)
    parser.add_argument("--snel", action="store_true", help="smoke run: one repeat")
    args = parser.parse_args()
    browser = images.find_browser()
    if browser is None:
        sys.exit(f"{images.NO_BROWSER_MESSAGE} {images.NO_BROWSER_HINT}")
    n = 1 if args.snel else args.herhaal
    with tempfile.TemporaryDirectory() as folder:
        data = gemeente_data(args, Path(folder))
        values = buurt_values(data.eenzaamheid, data.buurten, jaar=2020, leeftijd="18+",
                              gemeenten=[args.gemeente])
        sources = layer_sources(data.manifest, rivm_years=[2020])
        chart = static.print_style(ranking(values, indicator="eenzaam_pct", jaar=2020,
                                           leeftijd="18+"), sources=sources)
        reach = data.reach[data.reach["gemeentecode"] == args.gemeente]
        kaart = static.print_style(
            distance_map(reach, data.kernen, data.venues, drempel_m=2000, mode="bike"),
            sources=sources, recolour=False,
        )
        choice = FactsheetChoice(args.gemeente, datum=today())
        selection = with_geometry(data.reach, data.kernen)
        images.shutdown()
        cold_png = timed(lambda: images.figure_bytes(chart)) / 1000
        png = median_of(n, lambda: images.figure_bytes(chart)) / 1000
        svg = median_of(n, lambda: images.figure_bytes(chart, "svg")) / 1000
        pdf = median_of(n, lambda: images.figure_bytes(chart, "pdf")) / 1000
        batch = median_of(n, lambda: images.figure_formats(chart)) / 1000
        map_png = median_of(n, lambda: images.figure_bytes(kaart)) / 1000
        factsheet = median_of(n, lambda: factsheet_pdf(data, choice)) / 1000
        images.shutdown()
        cold_factsheet = timed(lambda: factsheet_pdf(data, choice)) / 1000
        files = {
            "CSV (zip met bronnen)": lambda: csv_zip(selection, name="kernen", sources=sources),
            "XLSX met blad Bron": lambda: xlsx_bytes({"Kernen": selection}, sources=sources),
            "GeoJSON (EPSG:4326)": lambda: geojson_bytes(selection, sources=sources),
            "GeoPackage (EPSG:28992)": lambda: geopackage_bytes(selection, sources=sources),
        }
        file_times = {label: median_of(n, make) / 1000 for label, make in files.items()}
        images.shutdown()
    print(f"browser: {browser}; beelden van {args.gemeente}, bestanden met {len(selection):,} "
          f"kernen; warm = mediaan van {n}")
    print(f"  PNG grafiek koud (start Chromium) {cold_png:.2f} s, warm {png:.2f} s; SVG {svg:.2f} "
          f"s; PDF {pdf:.2f} s; factsheet koud {cold_factsheet:.2f} s")
    print(f"  PNG+SVG+PDF in één batch {batch:.2f} s tegen {png + svg + pdf:.2f} s los "
          f"({batch / (png + svg + pdf):.2f}x: de warme browser rendert ze toch na elkaar)")
    score = Score()
    score.target("PNG grafiek, warm", png, 1.0, "s")
    score.target("PNG grafiek, warm / koud", png / cold_png, 0.5, "x")
    score.target("PNG kaart, warm", map_png, 1.0, "s")
    score.target("factsheet (PDF met kaart en grafiek), warm", factsheet, 5.0, "s")
    for label, seconds in file_times.items():
        score.target(label, seconds, 2.0, "s")
    print(score.last_line())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
