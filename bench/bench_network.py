"""Benchmark of reading and simplifying OSM road networks (issue 13 item 2).

Run ``python bench/bench_network.py`` from the repository root. It reads the Liechtenstein
extract (or ``--pbf FILE``) twice in fresh processes: once with the one-pass reader
(:func:`loaders.roads.read_road_networks`, all three modes) followed by building and simplifying
each graph (:func:`analysis.network.simplify_graph`), and once with the previous reader (one
pass per mode, five Python lists per way node; kept here as the baseline) followed by building
the graphs. Each process reports its wall time and the growth of its peak resident memory over
what it held after the imports. It prints nodes and edges before and after simplification,
seconds and peak memory per MB of PBF and a projection to a national extract, and ends with
``doelen gehaald: X van Y``. Timings are printed, never asserted.

Targets: at most 35 % of the nodes kept (each mode), all three modes together at most 1 s per
MB of PBF, at most 100 MB of memory per MB of PBF.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import osmium

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository's packages

from analysis.network import graph_from_road_edges, simplify_graph
from loaders.roads import (
    TRAVEL_MODES,
    RoadEdges,
    read_road_networks,
    way_allowed,
    way_oneway,
)
from loaders.schema import wgs84_to_rd

REPO = Path(__file__).resolve().parent.parent
LIECHTENSTEIN = REPO.parent / "shared" / "data" / "fixtures" / "osm_liechtenstein.osm.pbf"
NATIONAL_MB = 1300.0
"""Size of an OSM extract of the Netherlands in MB (≈ 1.3 GB), for the projection."""
KEPT_TARGET = 0.35
SECONDS_PER_MB_TARGET = 1.0
MEMORY_PER_MB_TARGET = 100.0


def previous_reader(path: Path, mode: str) -> RoadEdges:
    """The reader before issue 13: one pass per mode, Python lists of every way node.

    Gives the same edges as :func:`loaders.roads.read_road_networks` (the tests check that);
    it is the baseline of this benchmark.
    """
    processor = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    refs: list[int] = []
    lon: list[float] = []
    lat: list[float] = []
    piece: list[int] = []
    direction: list[int] = []
    piece_no = 0
    for way in processor:
        tags = {tag.k: tag.v for tag in way.tags}
        if not way_allowed(tags, mode):
            continue
        way_direction = way_oneway(tags, mode)
        piece_no += 1
        for node in way.nodes:
            if not node.location.valid():
                piece_no += 1
                continue
            refs.append(node.ref)
            lon.append(node.location.lon)
            lat.append(node.location.lat)
            piece.append(piece_no)
            direction.append(way_direction)
    ref_a, piece_a = np.array(refs, dtype=np.int64), np.array(piece, dtype=np.int64)
    direction_a = np.array(direction, dtype=np.int8)
    _, first, node_of_ref = np.unique(ref_a, return_index=True, return_inverse=True)
    x, y = (np.asarray(a, dtype=np.float64) for a in wgs84_to_rd().transform(
        np.array(lon)[first], np.array(lat)[first]))
    same_piece = piece_a[1:] == piece_a[:-1]
    u, v = node_of_ref[:-1][same_piece], node_of_ref[1:][same_piece]
    seg_direction = direction_a[:-1][same_piece]
    backward = seg_direction < 0
    u, v = np.where(backward, v, u), np.where(backward, u, v)
    return RoadEdges(x=x, y=y, u=u, v=v, length=np.hypot(x[u] - x[v], y[u] - y[v]),
                     oneway=seg_direction != 0, mode=mode)


def _peak_mb() -> float:
    """Peak resident memory of this process so far in MB (Linux: ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(variant: str, path: Path) -> dict[str, object]:
    """Read all three modes with ``variant`` ("nieuw" or "vorig") in this process."""
    before = _peak_mb()
    start = time.perf_counter()
    sizes: dict[str, list[int]] = {}
    if variant == "nieuw":
        networks = read_road_networks(path)
        for mode, edges in networks.items():
            if isinstance(edges, Exception):
                raise edges
            graph = graph_from_road_edges(edges)
            simple, _ = simplify_graph(graph)
            sizes[mode] = [graph.n_nodes, graph.n_edges, simple.n_nodes, simple.n_edges]
    else:
        for mode in TRAVEL_MODES:
            graph = graph_from_road_edges(previous_reader(path, mode))
            sizes[mode] = [graph.n_nodes, graph.n_edges]
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "memory_mb": _peak_mb() - before, "sizes": sizes}


def _run_child(variant: str, path: Path) -> dict[str, object]:
    """Run :func:`measure` in a fresh interpreter, so peak memory is this variant's alone."""
    done = subprocess.run(
        [sys.executable, __file__, "--meet", variant, "--pbf", str(path)],
        capture_output=True, text=True, check=True, cwd=REPO,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    """Measure both readers and print the table and the targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pbf", type=Path, default=LIECHTENSTEIN)
    parser.add_argument("--herhaal", type=int, default=3, help="runs per reader (median)")
    parser.add_argument("--snel", action="store_true", help="one run per reader (smoke test)")
    parser.add_argument("--meet", choices=["nieuw", "vorig"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.meet:
        print(json.dumps(measure(args.meet, args.pbf)))
        return
    repeat = 1 if args.snel else max(1, args.herhaal)
    size_mb = args.pbf.stat().st_size / 1024**2
    runs: dict[str, list[dict[str, object]]] = {"nieuw": [], "vorig": []}
    for _ in range(repeat):
        for variant, measured in runs.items():
            measured.append(_run_child(variant, args.pbf))
    seconds = {k: float(np.median([r["seconds"] for r in v])) for k, v in runs.items()}
    memory = {k: float(np.median([r["memory_mb"] for r in v])) for k, v in runs.items()}
    new_sizes = runs["nieuw"][0]["sizes"]
    old_sizes = runs["vorig"][0]["sizes"]

    print(f"{args.pbf.name}: {size_mb:.2f} MB, mediaan van {repeat} run(s) per lezer")
    print(f"{'modus':<6} {'knopen voor':>11} {'wegdelen voor':>13} {'knopen na':>9} "
          f"{'wegdelen na':>11} {'knopen over':>11} {'vorige lezer':>16}")
    kept = {}
    for mode in TRAVEL_MODES:
        nodes, edges, simple_nodes, simple_edges = new_sizes[mode]
        kept[mode] = simple_nodes / nodes
        old_nodes, old_edges = old_sizes[mode]
        print(f"{mode:<6} {nodes:>11,} {edges:>13,} {simple_nodes:>9,} {simple_edges:>11,} "
              f"{kept[mode]:>11.1%} {old_nodes:>7,}/{old_edges:>8,}")
    per_mb = {k: v / size_mb for k, v in seconds.items()}
    mem_per_mb = {k: v / size_mb for k, v in memory.items()}
    print(f"tijd, 3 modi samen: nieuw {seconds['nieuw']:.2f} s ({per_mb['nieuw']:.2f} s/MB), "
          f"vorig {seconds['vorig']:.2f} s ({per_mb['vorig']:.2f} s/MB)")
    print(f"piekgeheugen erbij: nieuw {memory['nieuw']:.0f} MB ({mem_per_mb['nieuw']:.1f} MB/MB), "
          f"vorig {memory['vorig']:.0f} MB ({mem_per_mb['vorig']:.1f} MB/MB)")
    print(f"projectie landelijk extract ({NATIONAL_MB:,.0f} MB): "
          f"nieuw {per_mb['nieuw'] * NATIONAL_MB / 60:.0f} min en "
          f"{mem_per_mb['nieuw'] * NATIONAL_MB / 1024:.1f} GB; "
          f"vorig {per_mb['vorig'] * NATIONAL_MB / 60:.0f} min en "
          f"{mem_per_mb['vorig'] * NATIONAL_MB / 1024:.1f} GB")
    worst = max(kept, key=kept.get)
    targets = [
        (f"knopen over na vereenvoudiging (slechtste modus: {worst})",
         f"{kept[worst]:.1%}", f"<= {KEPT_TARGET:.0%}", "vorig: 100 %", kept[worst] <= KEPT_TARGET),
        ("seconden per MB, 3 modi samen", f"{per_mb['nieuw']:.2f}",
         f"<= {SECONDS_PER_MB_TARGET:g}", f"vorig: {per_mb['vorig']:.2f}",
         per_mb["nieuw"] <= SECONDS_PER_MB_TARGET),
        ("piekgeheugen per MB PBF (MB)", f"{mem_per_mb['nieuw']:.1f}",
         f"<= {MEMORY_PER_MB_TARGET:g}", f"vorig: {mem_per_mb['vorig']:.1f}",
         mem_per_mb["nieuw"] <= MEMORY_PER_MB_TARGET),
    ]
    for name, value, target, baseline, met in targets:
        print(f"{'gehaald ' if met else 'NIET    '} {name}: {value} (doel {target}; {baseline})")
    print(f"doelen gehaald: {sum(t[-1] for t in targets)} van {len(targets)}")


if __name__ == "__main__":
    main()
