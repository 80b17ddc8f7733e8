"""Benchmark of analysis.nearest on a synthetic graph the size of the Dutch road network.

Run ``python bench/bench_nearest.py`` from the repository root. It prints a table; it asserts
nothing (timings belong here, never in tests). Targets: ``nearest_facilities`` with the
second-nearest place (k=2) at most 1.5x the bare single-nearest scipy multi-source Dijkstra on
the same graph in the same run (median wall time; the ratio of CPU times is printed beside it,
as it depends less on other load on the machine), at most 2 s, at least 100x faster than one
networkx Dijkstra per origin, peak memory under 1.5 GB (measured before networkx is loaded).
The last line is ``doelen gehaald: X van Y``; ``--snel`` is a small smoke run.

Measured on 7 December 2026 (default size: 1.54 M nodes, 2,500 origins, 5,000 facilities; a
2-core machine shared with other work, three full runs after the second search became a
compiled search per catchment area, :mod:`analysis.second_search`):

===========================  ==========  ==========  ==========
measure                      run 1       run 2       run 3
===========================  ==========  ==========  ==========
bare scipy call              0.50 s      0.48 s      0.46 s
k=2                          0.67 s      0.60 s      0.62 s
k=2 / bare, wall             1.35x       1.26x       1.35x
k=1 / bare, wall             1.03x       1.11x       1.13x
first call k=2               5.46 s      1.23 s      1.20 s
===========================  ==========  ==========  ==========

Before (second search with scipy over the whole catchment areas that hold an origin) k=2 / bare
was 1.55-1.67x. The first call of run 1 includes compiling the search (numba, about 4 s, once
per installation: the result is cached beside the module). networkx with early stop needs only
about 0.6 ms per origin here (its nearest place is a few hundred metres away), so the 100x goal
against it is not met; against a full networkx search per origin the speed-up is over 15,000x.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scipy.sparse.csgraph import dijkstra

from analysis.nearest import nearest_facilities, snap_points
from analysis.network import RoadGraph, graph_from_edges

SPACING_M = 80.0
KEEP_FRACTION = 0.6
ONEWAY_FRACTION = 0.05
SINK = -1
MAX_RATIO = 1.5
MAX_SECONDS = 2.0
MAX_MEMORY_GB = 1.5
MIN_SPEEDUP = 100.0
ResultT = TypeVar("ResultT")


def synthetic_graph(side: int, rng: np.random.Generator) -> RoadGraph:
    """A perturbed grid: ``side**2`` nodes 80 m apart, 40 % of links deleted, 5 % one-way.

    Edge lengths are the straight distance times a random bend factor between 1.0 and 1.25, so
    the average undirected degree is about 2.4, as in a simplified Dutch road graph.
    """
    n = side * side
    grid = np.arange(n).reshape(side, side)
    x = (grid % side) * SPACING_M + rng.uniform(-20, 20, (side, side))
    y = (grid // side) * SPACING_M + rng.uniform(-20, 20, (side, side))
    x, y = x.ravel() + 100_000.0, y.ravel() + 400_000.0
    u = np.concatenate([grid[:, :-1].ravel(), grid[:-1, :].ravel()])
    v = np.concatenate([grid[:, 1:].ravel(), grid[1:, :].ravel()])
    keep = rng.random(u.size) < KEEP_FRACTION
    u, v = u[keep], v[keep]
    length = np.hypot(x[u] - x[v], y[u] - y[v]) * rng.uniform(1.0, 1.25, u.size)
    oneway = rng.random(u.size) < ONEWAY_FRACTION
    return graph_from_edges(x, y, u, v, length, oneway=oneway, mode="drive", source="synthetic")


def random_points(graph: RoadGraph, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` uniform random points in the graph's bounding box."""
    return np.column_stack(
        [
            rng.uniform(graph.node_x.min(), graph.node_x.max(), count),
            rng.uniform(graph.node_y.min(), graph.node_y.max(), count),
        ]
    )


def timed(func: Callable[[], ResultT]) -> tuple[float, ResultT]:
    """Wall time in seconds of one call, and its result."""
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def cpu_timed(func: Callable[[], ResultT]) -> tuple[float, float, ResultT]:
    """Wall time and CPU time of this process in seconds of one call, and its result."""
    cpu = time.process_time()
    wall, result = timed(func)
    return wall, time.process_time() - cpu, result


def peak_memory_gb() -> float:
    """Peak resident memory of this process so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def networkx_baseline(
    graph: RoadGraph,
    origin_nodes: np.ndarray,
    facility_nodes: np.ndarray,
    facility_snap: np.ndarray,
) -> dict[str, Any]:
    """Time networkx on the same graph: one Dijkstra per origin, stopped at the first facility.

    Facilities hang on a super-sink by an edge as long as their snap distance, so
    ``single_source_dijkstra(G, origin, target=SINK)`` stops as soon as the nearest one is
    settled: the honest per-kern baseline. Also times one full search per origin (no early stop).
    """
    import networkx as nx

    weights = graph.weights.tocoo()
    start = time.perf_counter()
    nx_graph = nx.DiGraph()
    nx_graph.add_weighted_edges_from(
        zip(weights.row.tolist(), weights.col.tolist(), weights.data.tolist(), strict=True)
    )
    for node, snap in zip(facility_nodes.tolist(), facility_snap.tolist(), strict=True):
        old = nx_graph.get_edge_data(node, SINK, {"weight": np.inf})["weight"]
        nx_graph.add_edge(node, SINK, weight=min(old, snap))
    build = time.perf_counter() - start
    distances = []
    start = time.perf_counter()
    for node in origin_nodes.tolist():
        if node not in nx_graph:
            distances.append(np.inf)
            continue
        try:
            distances.append(nx.single_source_dijkstra(nx_graph, node, target=SINK)[0])
        except nx.NetworkXNoPath:
            distances.append(np.inf)
    per_origin = (time.perf_counter() - start) / origin_nodes.size
    start = time.perf_counter()
    nx.single_source_dijkstra_path_length(nx_graph, int(origin_nodes[0]))
    full = time.perf_counter() - start
    return {
        "build_s": build,
        "per_origin_s": per_origin,
        "full_search_s": full,
        "peak_gb": peak_memory_gb(),
        "distances": np.array(distances),
    }


def main() -> None:
    """Build the graph, time the searches and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, default=1240, help="grid side (nodes = side**2)")
    parser.add_argument("--origins", type=int, default=2500)
    parser.add_argument("--facilities", type=int, default=5000)
    parser.add_argument("--nx-sample", type=int, default=100, help="origins timed in networkx")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per method")
    parser.add_argument("--no-networkx", action="store_true")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--snel", action="store_true",
                        help="small graph, one run, no networkx (smoke test)")
    args = parser.parse_args()
    if args.snel:
        args.side, args.origins, args.facilities, args.repeat = 150, 200, 400, 1
        args.no_networkx = True
    rng = np.random.default_rng(args.seed)

    build_s, graph = timed(lambda: synthetic_graph(args.side, rng))
    origins = random_points(graph, args.origins, rng)
    facilities = random_points(graph, args.facilities, rng)
    cold_s, _ = timed(lambda: nearest_facilities(graph, origins, facilities))
    facility_node, facility_snap = snap_points(graph, facilities)
    sources = np.unique(facility_node[facility_node >= 0])

    def bare() -> object:
        return dijkstra(
            graph.reversed_weights, indices=sources, min_only=True, return_predecessors=True
        )

    bare_times, k2_times, k1_times = [], [], []
    bare_cpu, k2_cpu = [], []
    for _ in range(args.repeat):
        wall, cpu, _ = cpu_timed(bare)
        bare_times.append(wall)
        bare_cpu.append(cpu)
        wall, cpu, result = cpu_timed(lambda: nearest_facilities(graph, origins, facilities))
        k2_times.append(wall)
        k2_cpu.append(cpu)
        k1_times.append(timed(lambda: nearest_facilities(graph, origins, facilities, k=1))[0])
    bare_s, ours_s = statistics.median(bare_times), statistics.median(k2_times)
    ours_k1_s = statistics.median(k1_times)
    cpu_ratio = statistics.median(k2_cpu) / statistics.median(bare_cpu)
    peak_ours = peak_memory_gb()
    goals = [
        ("k=2 / bare scipy (wall, median)", f"{ours_s / bare_s:.2f}x", "<= 1.5x",
         ours_s / bare_s <= MAX_RATIO),
        ("k=2 time", f"{ours_s:.2f} s", "<= 2 s", ours_s <= MAX_SECONDS),
        ("peak memory before networkx", f"{peak_ours:.2f} GB", "< 1.5 GB",
         peak_ours < MAX_MEMORY_GB),
    ]

    rows = [
        ("nodes", f"{graph.n_nodes:,}", ""),
        ("directed edges", f"{graph.n_edges:,}", ""),
        ("avg undirected degree", f"{_undirected_degree(graph):.2f}", "~2.4"),
        ("origins / facilities", f"{args.origins:,} / {args.facilities:,}", ""),
        ("graph build (graph_from_edges)", f"{build_s:.2f} s", "once"),
        ("first call k=2 (+ reverse CSR, KD-tree, compiled search)", f"{cold_s:.2f} s",
         "once per graph"),
        (f"bare scipy dijkstra min_only (median of {args.repeat})", f"{bare_s:.2f} s", ""),
        (f"nearest_facilities k=2 (median of {args.repeat})", f"{ours_s:.2f} s", "<= 2 s"),
        ("ratio k=2 / bare", f"{ours_s / bare_s:.2f}x", "<= 1.5x"),
        ("ratio k=2 / bare, CPU time (median)", f"{cpu_ratio:.2f}x", "(info)"),
        ("nearest_facilities k=1", f"{ours_k1_s:.2f} s", ""),
        ("ratio k=1 / bare", f"{ours_k1_s / bare_s:.2f}x", "<= 1.5x"),
        ("peak memory (before networkx)", f"{peak_ours:.2f} GB", "< 1.5 GB"),
    ]
    if not args.no_networkx:
        origin_node, origin_snap = snap_points(graph, origins)
        sample = rng.choice(np.flatnonzero(origin_node >= 0), args.nx_sample, replace=False)
        nx_result = networkx_baseline(graph, origin_node[sample], facility_node, facility_snap)
        ours_network = result["distance_m"].to_numpy()[sample] - origin_snap[sample]
        mismatch = np.nanmax(np.abs(np.nan_to_num(nx_result["distances"], posinf=np.nan)
                                    - ours_network))
        scaled = nx_result["per_origin_s"] * args.origins
        rows += [
            ("networkx DiGraph build", f"{nx_result['build_s']:.1f} s", ""),
            ("networkx per origin (early stop)", f"{nx_result['per_origin_s'] * 1000:.1f} ms",
             f"{args.nx_sample} origins"),
            (f"  scaled to {args.origins:,} origins", f"{scaled:.1f} s", ""),
            ("  speed-up of k=2 over it", f"{scaled / ours_s:.1f}x", ">= 100x"),
            ("  speed-up of k=1 over it", f"{scaled / ours_k1_s:.1f}x", ">= 100x"),
            ("networkx full search, 1 origin", f"{nx_result['full_search_s']:.1f} s", ""),
            (f"  scaled to {args.origins:,} origins",
             f"{nx_result['full_search_s'] * args.origins:,.0f} s", ""),
            ("  speed-up of k=2 over it",
             f"{nx_result['full_search_s'] * args.origins / ours_s:,.0f}x", ">= 100x"),
            ("max |networkx - ours| (sample)", f"{mismatch:.2e} m", "~0"),
            ("peak memory (with networkx)", f"{nx_result['peak_gb']:.2f} GB", "< 6 GB"),
        ]
        goals.append(("speed-up of k=2 over networkx (early stop)", f"{scaled / ours_s:.1f}x",
                      ">= 100x", scaled / ours_s >= MIN_SPEEDUP))
    _print_table(rows)
    print()
    for name, value, target, met in goals:
        print(f"{'gehaald' if met else 'NIET   '}  {name}: {value} (doel {target})")
    print(f"doelen gehaald: {sum(goal[-1] for goal in goals)} van {len(goals)}")


def _undirected_degree(graph: RoadGraph) -> float:
    """Average number of distinct neighbours per node, ignoring direction."""
    both = (graph.weights + graph.weights.T).tocsr()
    return float(both.nnz / graph.n_nodes)


def _print_table(rows: list[tuple[str, str, str]]) -> None:
    """Print three aligned columns: measure, value, target."""
    width = max(len(row[0]) for row in rows)
    value_width = max(len(row[1]) for row in rows)
    print(f"{'measure':<{width}}  {'value':>{value_width}}  target")
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:>{value_width}}  {target}")


if __name__ == "__main__":
    main()
