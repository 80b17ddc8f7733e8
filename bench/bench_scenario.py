"""Benchmark of a closure scenario against a full recomputation, on a gemeente-size problem.

Run ``python bench/bench_scenario.py`` from the repository root (``--snel``: a smaller graph,
the smoke run of the test suite). It prints a table and the targets; it asserts nothing
(timings belong here, never in tests). Targets (issue 3), per scenario:
:func:`analysis.scenario.close_venues` at most 100 ms on a ~60 000-node graph with 60 kernen
and 25 venues, also when a kern loses both its nearest and second-nearest place, and faster
than the full recomputation (:func:`analysis.reach.kern_reach` without the closed places)
timed in the same run. The last line is ``doelen gehaald: X van Y``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
from shapely.geometry import Point

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _support import Score
from bench_nearest import random_points, synthetic_graph

from analysis.reach import kern_reach
from analysis.scenario import close_venues


def layers(points: np.ndarray, prefix: str) -> gpd.GeoDataFrame:
    """Minimal kernen/venues layers (both column sets) at ``points``."""
    n = len(points)
    return gpd.GeoDataFrame(
        {
            "kern_id": [f"{prefix}{i}" for i in range(n)],
            "venue_id": [f"{prefix}{i}" for i in range(n)],
            "naam": [f"{prefix} {i}" for i in range(n)],
            "gemeentecode": "GM0000",
            "buurtcode": None,
            "inwoners": 1000.0,
            "soort": "dorpshuis",
            "ontmoetingsplek": True,
        },
        geometry=[Point(p) for p in points],
        crs="EPSG:28992",
    )


def best_of(repeats: int, func: Callable[[], object]) -> tuple[float, float]:
    """Median and minimum wall time in ms over ``repeats`` calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times), min(times)


def main() -> int:
    """Time the closure scenarios against a full recomputation; print the table and targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, default=245, help="grid side (side**2 nodes)")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--snel", action="store_true", help="smoke run: 80 x 80 grid, 3 repeats")
    args = parser.parse_args()
    side, repeats = (80, 3) if args.snel else (args.side, args.repeats)
    rng = np.random.default_rng(42)
    graph = synthetic_graph(side, rng)
    kernen = layers(random_points(graph, 60, rng), "k")
    venues = layers(random_points(graph, 25, rng), "v")
    reach = kern_reach(kernen, venues, mode="drive", graph=graph)
    graph.reversed_weights  # noqa: B018 - built once, as in the app
    busiest = reach["venue_id"].value_counts().index[0]
    pair = reach.loc[reach["venue_id"] == busiest, "tweede_venue_id"].iloc[0]
    cases = {
        "1 plek (drukste)": [busiest],
        "2 plekken: 1e en 2e van een kern": [busiest, pair],
        "3 plekken: 1e+2e + willekeurig": [busiest, pair, reach["venue_id"].iloc[-1]],
    }
    print(f"graaf: {graph.n_nodes} knopen, {graph.n_edges} wegdelen; 60 kernen, 25 plekken")
    print(f"{'scenario':36} {'herzoek':>7} {'close_venues ms':>16} {'volledig ms':>12}")
    measured = []
    for label, closed in cases.items():
        both = int((reach["venue_id"].isin(closed) & reach["tweede_venue_id"].isin(closed)).sum())
        rest = venues[~venues["venue_id"].isin(closed)]
        fast, _ = best_of(
            repeats,
            lambda closed=closed: close_venues(
                reach, closed, graph=graph, kernen=kernen, venues=venues, mode="drive"
            ),
        )
        full, _ = best_of(
            repeats, lambda rest=rest: kern_reach(kernen, rest, mode="drive", graph=graph)
        )
        print(f"{label:36} {both:>7} {fast:>16.1f} {full:>12.1f}")
        measured.append((label, fast, full))
    score = Score()
    for label, fast, full in measured:
        score.target(f"{label}: close_venues", fast, 100.0, "ms")
        score.target(f"{label}: / volledig", fast / full, 1.0, "x")
    print(score.last_line())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
