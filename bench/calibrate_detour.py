"""Measure the detour factor per travel mode on the road networks at hand (issue 13 item 4).

Run ``python bench/calibrate_detour.py`` from the repository root. It reads

* cycling: the OpenStreetMap cycling network of the gemeente Wageningen as a line file
  (``osm_wageningen_bike_network_2018.gpkg``, a Dutch network);
* walking and driving: the OpenStreetMap extract of Liechtenstein (``osm_liechtenstein.osm.pbf``;
  not a Dutch network: an Alpine country with valley towns, no Dutch extract with these modes
  is at hand),

draws random node pairs per band of straight-line distance (:func:`analysis.detour.sample_pairs`,
seeded), measures network over straight-line distance (:func:`analysis.detour.measure_detour`),
prints the table and writes it, with sources and date, to ``analysis/detour_factors.py``
(``--schrijf``), the table the product uses. A mode's factor is the median over 0.1-5 km.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository's packages

from analysis.detour import FACTOR_BAND_M, measure_detour, sample_pairs
from analysis.network import RoadGraph, graph_from_road_edges
from loaders.clock import today
from loaders.lines import line_edges, read_line_layer
from loaders.roads import read_road_edges

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data"
WAGENINGEN = DATA / "osm_wageningen_bike_network_2018.gpkg"
LIECHTENSTEIN = DATA / "fixtures" / "osm_liechtenstein.osm.pbf"
TABLE = REPO / "analysis" / "detour_factors.py"
SEED = 1313

SOURCES = {
    "walk": "OpenStreetMap, Liechtenstein (geen Nederlands wegennet), voetgangersnetwerk",
    "bike": "OpenStreetMap, fietsnetwerk van de gemeente Wageningen (2018)",
    "drive": "OpenStreetMap, Liechtenstein (geen Nederlands wegennet), autonetwerk",
}
"""Dutch description of the network each mode is measured on (shown on Bronnen en methode)."""


def networks() -> dict[str, RoadGraph]:
    """The graph each mode is measured on."""
    wageningen = read_line_layer(WAGENINGEN)
    return {
        "walk": graph_from_road_edges(read_road_edges(LIECHTENSTEIN, "walk")),
        "bike": graph_from_road_edges(line_edges(wageningen, "bike"), source=WAGENINGEN.name),
        "drive": graph_from_road_edges(read_road_edges(LIECHTENSTEIN, "drive")),
    }


def _module_text(bands: dict[str, list[tuple]], factors: dict[str, float], pairs: int) -> str:
    """The source text of ``analysis/detour_factors.py``."""
    lines = [
        '"""Detour factors measured on real road networks; written by bench/calibrate_detour.py.',
        "",
        "Do not edit by hand: run ``python bench/calibrate_detour.py --schrijf``. Random node",
        f"pairs (seed {SEED}, {pairs} start nodes per mode) per band of straight-line distance;",
        "the factor is network distance over straight-line distance.",
        '"""',
        "",
        f'MEASURED_ON = "{today().isoformat()}"',
        '"""Date of the measurement."""',
        "",
        "SOURCES: dict[str, str] = {",
        *(f'    "{mode}": "{text}",' for mode, text in SOURCES.items()),
        "}",
        '"""The network each mode was measured on (Dutch, for the page Bronnen en methode)."""',
        "",
        "BANDS: dict[str, tuple[tuple[float, float, int, float, float, float], ...]] = {",
    ]
    for mode, rows in bands.items():
        lines.append(f'    "{mode}": (')
        lines.extend(f"        ({low:g}, {high:g}, {n}, {med:.3f}, {p10:.3f}, {p90:.3f}),"
                     .replace("inf", 'float("inf")') for low, high, n, med, p10, p90 in rows)
        lines.append("    ),")
    lines += [
        "}",
        '"""Per mode and band: (from m, to m, pairs, median, 10th percentile, 90th percentile)."""',
        "",
        "DETOUR_FACTORS: dict[str, float] = {",
        *(f'    "{mode}": {factor:.2f},' for mode, factor in factors.items()),
        "}",
        (f'"""Per mode the median factor over {FACTOR_BAND_M[0]:g}-{FACTOR_BAND_M[1]:g} m, '
         'rounded to two decimals."""'),
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    """Measure, print and (with ``--schrijf``) write the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=300, help="start nodes per mode")
    parser.add_argument("--schrijf", action="store_true", help="write analysis/detour_factors.py")
    args = parser.parse_args()
    bands: dict[str, list[tuple]] = {}
    factors: dict[str, float] = {}
    for mode, graph in networks().items():
        pairs = sample_pairs(graph, origins=args.starts, rng=np.random.default_rng(SEED))
        table = measure_detour(graph, pairs)
        overall = measure_detour(graph, pairs, bands=[FACTOR_BAND_M]).iloc[0]
        factors[mode] = float(overall["median"])
        bands[mode] = [tuple(row) for row in
                       table[["min_m", "max_m", "n", "median", "p10", "p90"]].itertuples(
                           index=False) if row.n > 0]
        print(f"{mode}: {SOURCES[mode]}; {graph.n_nodes:,} knopen")
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        print(f"  omrijfactor (mediaan {FACTOR_BAND_M[0]:g}-{FACTOR_BAND_M[1]:g} m): "
              f"{factors[mode]:.3f} over {int(overall['n'])} paren\n")
    if args.schrijf:
        TABLE.write_text(_module_text(bands, factors, args.starts), encoding="utf-8")
        print(f"geschreven: {TABLE.relative_to(REPO)}")


if __name__ == "__main__":
    main()
