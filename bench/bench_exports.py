"""Benchmark of the exports: static images cold and warm, a factsheet, and the data files.

Run ``python bench/bench_exports.py`` from the repository root. It builds Aa en Hunze from
``../shared/data`` into a temporary store (or uses ``--data``/``--regio``) and prints a table;
it asserts nothing (timings belong here, never in tests). "Cold" is the first PNG after the
browser was closed (it starts Chromium); "warm" is the median of the next five.
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

from loaders.build import import_folder
from loaders.clock import today
from loaders.store import Store
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

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def timed(func: Callable[[], object]) -> float:
    """Wall time of one call in ms."""
    start = time.perf_counter()
    func()
    return (time.perf_counter() - start) * 1000.0


def median_of(repeats: int, func: Callable[[], object]) -> float:
    """Median wall time in ms over ``repeats`` calls."""
    return statistics.median(timed(func) for _ in range(repeats))


def region_data(args: argparse.Namespace, folder: Path) -> FactsheetData:
    """The factsheet input of the chosen region; Aa en Hunze built from the shared data."""
    if args.data:
        return load_factsheet_data(Store(args.data), args.regio, mode="bike", jaar=2020)
    store = Store(folder)
    import_folder(SHARED, ["GM1680"], store=store)
    return load_factsheet_data(store, "aa-en-hunze", mode="bike", jaar=2020)


def main() -> None:
    """Build or open the region, time every export and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="an existing store instead of a fresh import")
    parser.add_argument("--regio", default="aa-en-hunze")
    parser.add_argument("--gemeente", default="GM1680")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    browser = images.find_browser()
    if browser is None:
        sys.exit(f"{images.NO_BROWSER_MESSAGE} {images.NO_BROWSER_HINT}")
    with tempfile.TemporaryDirectory() as folder:
        data = region_data(args, Path(folder))
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
        n = args.repeats
        rows = [
            ("PNG grafiek, koud (start Chromium)", timed(lambda: images.figure_bytes(chart))),
            (f"PNG grafiek, warm (mediaan van {n})",
             median_of(n, lambda: images.figure_bytes(chart))),
            (f"SVG grafiek, warm (mediaan van {n})",
             median_of(n, lambda: images.figure_bytes(chart, "svg"))),
            (f"PDF grafiek, warm (mediaan van {n})",
             median_of(n, lambda: images.figure_bytes(chart, "pdf"))),
            ("PNG+SVG+PDF grafiek in één batch",
             median_of(n, lambda: images.figure_formats(chart))),
            (f"PNG kaart, warm (mediaan van {n})",
             median_of(n, lambda: images.figure_bytes(kaart))),
            (f"factsheet, warm (mediaan van {n})",
             median_of(n, lambda: factsheet_pdf(data, choice))),
        ]
        images.shutdown()
        rows.append(
            ("factsheet, koud (start Chromium)", timed(lambda: factsheet_pdf(data, choice)))
        )
        rows += [
            (f"CSV (zip met bronnen), {len(selection)} kernen",
             median_of(n, lambda: csv_zip(selection, name="kernen", sources=sources))),
            ("XLSX met blad Bron", median_of(n, lambda: xlsx_bytes({"Kernen": selection},
                                                                   sources=sources))),
            ("GeoJSON (EPSG:4326)", median_of(n, lambda: geojson_bytes(selection,
                                                                       sources=sources))),
            ("GeoPackage (EPSG:28992)", median_of(n, lambda: geopackage_bytes(selection,
                                                                              sources=sources))),
        ]
        images.shutdown()
    print(f"browser: {browser}")
    print(f"{'export':<46} {'ms':>9}")
    for label, ms in rows:
        print(f"{label:<46} {ms:>9.1f}")


if __name__ == "__main__":
    main()
