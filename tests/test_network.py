"""Tests for analysis.network: graph building from edges and OSM files, tag rules, storage."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from pyproj import Transformer
from scipy.sparse.csgraph import dijkstra

from analysis.errors import InvalidNetworkError, UnknownOptionError
from analysis.nearest import lean_graph, nearest_facilities
from analysis.network import (
    MODE_SPEEDS_KMH,
    RoadGraph,
    graph_from_edges,
    simplify_graph,
)
from loaders.errors import SourceFormatError
from loaders.roads import way_allowed, way_oneway
from tests.conftest import osm_graph

LIECHTENSTEIN = "fixtures/osm_liechtenstein.osm.pbf"

# Hand-written OSM XML: a square A-B-C-D (nodes 1-4) with a one-way street A->B, a
# roundabout-tagged way C->E, a footway D-F, a trunk road with foot=yes F-G and a node (8) that no
# way uses.
SMALL_OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="hand">
  <node id="1" lat="52.000" lon="5.000" version="1"/>
  <node id="2" lat="52.000" lon="5.001" version="1"/>
  <node id="3" lat="52.001" lon="5.001" version="1"/>
  <node id="4" lat="52.001" lon="5.000" version="1"/>
  <node id="5" lat="52.002" lon="5.001" version="1"/>
  <node id="6" lat="52.002" lon="5.000" version="1"/>
  <node id="7" lat="52.003" lon="5.000" version="1"/>
  <node id="8" lat="52.010" lon="5.010" version="1"/>
  <way id="10" version="1">
    <nd ref="1"/><nd ref="2"/>
    <tag k="highway" v="residential"/><tag k="oneway" v="yes"/>
  </way>
  <way id="11" version="1">
    <nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/>
    <tag k="highway" v="residential"/>
  </way>
  <way id="12" version="1">
    <nd ref="3"/><nd ref="5"/>
    <tag k="highway" v="unclassified"/><tag k="junction" v="roundabout"/>
  </way>
  <way id="13" version="1">
    <nd ref="4"/><nd ref="6"/>
    <tag k="highway" v="footway"/>
  </way>
  <way id="14" version="1">
    <nd ref="6"/><nd ref="7"/>
    <tag k="highway" v="trunk"/><tag k="foot" v="yes"/>
  </way>
</osm>
"""


def _liechtenstein(path: Path, mode: str) -> RoadGraph:
    return osm_graph(path, mode)


@pytest.fixture
def small_osm(tmp_path: Path) -> Path:
    path = tmp_path / "small.osm"
    path.write_text(SMALL_OSM, encoding="utf-8")
    return path


def _rd(lon: float, lat: float) -> tuple[float, float]:
    return Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True).transform(lon, lat)


def _edge(graph: RoadGraph, x0y0: tuple[float, float], x1y1: tuple[float, float]) -> float:
    """Weight of the edge between the nodes at two coordinates (0.0 when absent)."""
    xy = np.column_stack([graph.node_x, graph.node_y])
    i = int(np.argmin(np.hypot(*(xy - x0y0).T)))
    j = int(np.argmin(np.hypot(*(xy - x1y1).T)))
    return float(graph.weights[i, j])


def test_mode_speeds_cover_the_three_modes() -> None:
    assert MODE_SPEEDS_KMH == {"walk": 4.5, "bike": 15.0, "drive": 50.0}


def test_parallel_edges_keep_the_shortest_not_the_sum() -> None:
    graph = graph_from_edges(
        [0.0, 100.0], [0.0, 0.0], [0, 0, 1], [1, 1, 0], [100.0, 40.0, 70.0], mode="walk"
    )
    assert graph.weights[0, 1] == 40.0
    assert graph.weights[1, 0] == 40.0
    assert graph.n_edges == 2


def test_oneway_edges_and_self_loops() -> None:
    graph = graph_from_edges(
        [0.0, 100.0, 200.0],
        [0.0, 0.0, 0.0],
        [0, 1, 2],
        [1, 2, 2],
        [100.0, 100.0, 5.0],
        oneway=[True, False, False],
        mode="drive",
    )
    assert graph.weights[0, 1] == 100.0
    assert graph.weights[1, 0] == 0.0
    assert graph.weights[1, 2] == graph.weights[2, 1] == 100.0
    assert graph.weights[2, 2] == 0.0
    assert graph.n_edges == 3
    assert graph.reversed_weights[1, 0] == 100.0
    assert graph.weights.indices.dtype == np.int32


@pytest.mark.parametrize(
    ("u", "v", "length", "message"),
    [
        ([0], [2], [1.0], "outside 0..1"),
        ([0], [1], [-1.0], "not negative"),
        ([0], [1], [np.nan], "finite"),
        ([0, 1], [1], [1.0], "equal length"),
    ],
)
def test_bad_edges_raise(u: list, v: list, length: list, message: str) -> None:
    with pytest.raises(InvalidNetworkError, match=message):
        graph_from_edges([0.0, 1.0], [0.0, 0.0], u, v, length, mode="walk")


@pytest.mark.parametrize(
    ("x", "u", "v", "length"),
    [
        ([0.0, 100.0], [], [], []),
        ([0.0, 100.0], [0, 1], [0, 1], [5.0, 7.0]),
        ([], [], [], []),
    ],
    ids=["no edges", "only self-loops", "no nodes"],
)
def test_graph_without_edges_is_an_empty_graph(
    x: list, u: list, v: list, length: list
) -> None:
    graph = graph_from_edges(x, [0.0] * len(x), u, v, length, mode="bike")
    assert graph.n_nodes == len(x)
    assert graph.n_edges == 0
    assert graph.weights.shape == graph.reversed_weights.shape == (len(x), len(x))
    if x:
        distances = dijkstra(graph.weights, indices=[0])
        assert distances[0, 0] == 0.0
        assert np.isinf(distances[0, 1:]).all()


def test_unknown_mode_raises() -> None:
    with pytest.raises(UnknownOptionError, match="unknown travel mode 'boat'") as caught:
        graph_from_edges([0.0, 1.0], [0.0, 0.0], [0], [1], [1.0], mode="boat")
    assert (caught.value.kind, caught.value.value) == ("travel mode", "boat")
    assert caught.value.known == ("walk", "bike", "drive")



@pytest.mark.parametrize(
    ("tags", "mode", "allowed"),
    [
        ({"highway": "motorway"}, "walk", False),
        ({"highway": "trunk"}, "walk", False),
        ({"highway": "trunk", "foot": "yes"}, "walk", True),
        ({"highway": "cycleway"}, "walk", True),
        ({"highway": "motorway"}, "bike", False),
        ({"highway": "cycleway"}, "bike", True),
        ({"highway": "footway"}, "bike", False),
        ({"highway": "footway", "bicycle": "designated"}, "bike", True),
        ({"highway": "path", "bicycle": "no"}, "bike", False),
        ({"highway": "footway"}, "drive", False),
        ({"highway": "track"}, "drive", False),
        ({"highway": "residential"}, "drive", True),
        ({"highway": "residential", "motor_vehicle": "no"}, "drive", False),
        ({"highway": "residential", "access": "private"}, "walk", False),
        ({"highway": "residential", "access": "no", "foot": "yes"}, "walk", True),
        ({"highway": "pedestrian", "area": "yes"}, "walk", False),
        ({"highway": "construction"}, "walk", False),
        ({"building": "yes"}, "walk", False),
    ],
)
def test_way_allowed(tags: dict[str, str], mode: str, *, allowed: bool) -> None:
    assert way_allowed(tags, mode) is allowed


@pytest.mark.parametrize(
    ("tags", "mode", "direction"),
    [
        ({"highway": "residential", "oneway": "yes"}, "drive", 1),
        ({"highway": "residential", "oneway": "true"}, "drive", 1),
        ({"highway": "residential", "oneway": "1"}, "drive", 1),
        ({"highway": "residential", "oneway": "-1"}, "drive", -1),
        ({"highway": "residential", "oneway": "no"}, "drive", 0),
        ({"highway": "residential", "junction": "roundabout"}, "drive", 1),
        ({"highway": "residential", "junction": "roundabout", "oneway": "no"}, "drive", 0),
        ({"highway": "motorway"}, "drive", 1),
        ({"highway": "residential", "oneway": "yes"}, "walk", 0),
        ({"highway": "residential", "oneway": "yes"}, "bike", 1),
        ({"highway": "residential", "oneway": "yes", "oneway:bicycle": "no"}, "bike", 0),
        ({"highway": "residential", "oneway": "yes", "cycleway": "opposite_lane"}, "bike", 0),
        ({"highway": "residential", "junction": "roundabout"}, "bike", 1),
    ],
)
def test_way_oneway(tags: dict[str, str], mode: str, direction: int) -> None:
    assert way_oneway(tags, mode) == direction


def test_small_osm_drive(small_osm: Path) -> None:
    graph = osm_graph(small_osm, "drive")
    a, b, c, d = _rd(5.000, 52.000), _rd(5.001, 52.000), _rd(5.001, 52.001), _rd(5.000, 52.001)
    e, f, g = _rd(5.001, 52.002), _rd(5.000, 52.002), _rd(5.000, 52.003)
    assert graph.n_nodes == 7
    assert graph.source == "small.osm"
    assert _edge(graph, a, b) == pytest.approx(np.hypot(b[0] - a[0], b[1] - a[1]))
    assert _edge(graph, b, a) == 0.0
    assert _edge(graph, c, e) == pytest.approx(np.hypot(e[0] - c[0], e[1] - c[1]))
    assert _edge(graph, e, c) == 0.0
    assert _edge(graph, d, a) > 0
    assert _edge(graph, a, d) > 0
    assert _edge(graph, d, f) == _edge(graph, f, d) == 0.0
    assert _edge(graph, f, g) > 0
    assert _edge(graph, g, f) > 0
    np.testing.assert_allclose(
        sorted(zip(graph.node_x, graph.node_y, strict=True)), sorted([a, b, c, d, e, f, g]),
        atol=1e-6,
    )


def test_small_osm_walk_ignores_oneway_and_keeps_foot_yes_trunk(small_osm: Path) -> None:
    graph = osm_graph(small_osm, "walk")
    a, b = _rd(5.000, 52.000), _rd(5.001, 52.000)
    f, g = _rd(5.000, 52.002), _rd(5.000, 52.003)
    assert graph.n_nodes == 7
    assert _edge(graph, b, a) == _edge(graph, a, b) > 0
    assert _edge(graph, f, g) == pytest.approx(np.hypot(g[0] - f[0], g[1] - f[1]))
    assert (graph.weights != graph.weights.T).nnz == 0


def test_not_an_osm_file_raises(tmp_path: Path) -> None:
    path = tmp_path / "broken.osm.pbf"
    path.write_bytes(b"this is not a protobuf file")
    with pytest.raises(SourceFormatError, match=r"broken\.osm\.pbf"):
        osm_graph(path, "walk")


def test_osm_file_without_roads_raises(tmp_path: Path) -> None:
    path = tmp_path / "empty.osm"
    path.write_text(
        '<?xml version="1.0"?><osm version="0.6">'
        '<node id="1" lat="52.0" lon="5.0" version="1"/></osm>',
        encoding="utf-8",
    )
    with pytest.raises(SourceFormatError, match="geen wegen voor vervoerswijze 'drive'"):
        osm_graph(path, "drive")


@pytest.mark.parametrize("mode", ["walk", "bike", "drive"])
def test_liechtenstein_graph(shared_data: Path, mode: str) -> None:
    graph = _liechtenstein(shared_data / LIECHTENSTEIN, mode)
    # PROVENANCE.md: nodes of complete ways reach 9.3978-9.6715 E, 46.7863-47.5258 N.
    to_wgs84 = Transformer.from_crs("EPSG:28992", "EPSG:4326", always_xy=True)
    lon, lat = to_wgs84.transform(graph.node_x, graph.node_y)
    assert lon.min() >= 9.3978 - 1e-6
    assert lon.max() <= 9.6715 + 1e-6
    assert lat.min() >= 46.7863 - 1e-6
    assert lat.max() <= 47.5258 + 1e-6
    # 142,832 nodes in the file; only those on usable ways are kept.
    assert 0 < graph.n_nodes < 142_832
    assert graph.weights.data.min() > 0
    asymmetric = (graph.weights != graph.weights.T).nnz
    assert (asymmetric == 0) if mode == "walk" else (asymmetric > 0)


def test_liechtenstein_modes_differ(shared_data: Path) -> None:
    walk = _liechtenstein(shared_data / LIECHTENSTEIN, "walk")
    drive = _liechtenstein(shared_data / LIECHTENSTEIN, "drive")
    # Tracks, footways, paths and steps make up most ways in the extract; cars may use none.
    assert drive.n_nodes < walk.n_nodes / 2


def _nx_graph(graph: RoadGraph) -> nx.DiGraph:
    """The graph's directed edges as a networkx DiGraph (the oracle)."""
    coo = graph.weights.tocoo()
    result = nx.DiGraph()
    result.add_nodes_from(range(graph.n_nodes))
    result.add_weighted_edges_from(
        zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(), strict=True)
    )
    return result


def _chain_graph(rng: np.random.Generator, n: int = 120) -> RoadGraph:
    """A random road-like graph: random junctions joined by bent chains, some one-way."""
    junctions = 12
    x = rng.uniform(0, 3000, n)
    y = rng.uniform(0, 3000, n)
    u, v, oneway = [], [], []
    node = junctions
    while node < n - 3:
        a, b = rng.choice(junctions, 2, replace=False)
        steps = int(rng.integers(1, 4))
        chain = [int(a), *range(node, min(node + steps, n)), int(b)]
        node += steps
        one = bool(rng.random() < 0.3)
        u += chain[:-1]
        v += chain[1:]
        oneway += [one] * (len(chain) - 1)
    u_arr, v_arr = np.array(u), np.array(v)
    length = np.hypot(x[u_arr] - x[v_arr], y[u_arr] - y[v_arr]) * rng.uniform(1.0, 1.3, u_arr.size)
    return graph_from_edges(x, y, u_arr, v_arr, length, oneway=np.array(oneway), mode="bike")


@pytest.mark.parametrize("seed", range(12))
def test_simplification_keeps_every_distance_between_kept_nodes(seed: int) -> None:
    rng = np.random.default_rng(seed)
    graph = _chain_graph(rng)
    keep = rng.choice(graph.n_nodes, 10, replace=False)
    simple, original = simplify_graph(graph, keep=keep)
    assert simple.n_nodes < graph.n_nodes
    assert np.isin(keep, original).all()
    position = np.searchsorted(original, keep)
    assert simple.node_x[position] == pytest.approx(graph.node_x[keep])
    oracle = _nx_graph(graph)
    lean = dijkstra(simple.weights, indices=position)[:, position]
    for i, source in enumerate(keep.tolist()):
        reach = nx.single_source_dijkstra_path_length(oracle, source)
        for j, target in enumerate(keep.tolist()):
            expected = reach.get(target, np.inf)
            assert lean[i, j] == pytest.approx(expected, abs=1e-6), (source, target)


def test_simplification_keeps_one_way_chains_one_way() -> None:
    # 0 -> 1 -> 2 -> 3 one-way, 3 - 4 - 0 two-way: 1, 2 and 4 are through nodes.
    x = np.array([0.0, 100.0, 200.0, 300.0, 150.0])
    y = np.array([0.0, 0.0, 0.0, 0.0, 200.0])
    graph = graph_from_edges(x, y, [0, 1, 2, 3, 4], [1, 2, 3, 4, 0],
                             [100.0, 100.0, 100.0, 250.0, 250.0],
                             oneway=[True, True, True, False, False], mode="drive")
    simple, original = simplify_graph(graph)
    assert original.tolist() == [0, 3]
    assert simple.weights[0, 1] == 300.0
    assert simple.weights[1, 0] == 500.0, "against the one-way chain: the long way round"


def test_simplification_of_a_dead_end_and_a_closed_ring() -> None:
    # A dead-end street 0-1-2 (0 and 2 stay, 1 goes) and two rings of through nodes, 3-4-5-3
    # and (one-way) 6-7-8-6.
    x = np.array([0.0, 100.0, 200.0, 1000.0, 1100.0, 1050.0, 2000.0, 2100.0, 2050.0])
    y = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 100.0, 0.0, 0.0, 100.0])
    graph = graph_from_edges(x, y, [0, 1, 3, 4, 5, 6, 7, 8], [1, 2, 4, 5, 3, 7, 8, 6],
                             [100.0, 100.0, 100.0, 120.0, 130.0, 10.0, 10.0, 10.0],
                             oneway=[False] * 5 + [True] * 3, mode="walk")
    simple, original = simplify_graph(graph)
    assert original[:2].tolist() == [0, 2]
    assert original.size == 4
    assert 3 <= original[2] <= 5
    assert 6 <= original[3] <= 8
    assert simple.weights[0, 1] == simple.weights[1, 0] == 200.0
    assert simple.n_edges == 2, "each ring keeps one node and no self-loop"


def test_lean_graph_gives_the_same_nearest_places(shared_data: Path) -> None:
    graph = _liechtenstein(shared_data / LIECHTENSTEIN, "drive")
    rng = np.random.default_rng(7)
    xy = np.column_stack([graph.node_x, graph.node_y])
    origins = xy[rng.choice(graph.n_nodes, 40, replace=False)] + rng.uniform(-80, 80, (40, 2))
    places = xy[rng.choice(graph.n_nodes, 12, replace=False)] + rng.uniform(-80, 80, (12, 2))
    lean = lean_graph(graph, np.vstack([origins, places]))
    assert lean.n_nodes < 0.35 * graph.n_nodes
    full = nearest_facilities(graph, origins, places)
    small = nearest_facilities(lean, origins, places)
    assert small["facility"].tolist() == full["facility"].tolist()
    assert small["second_facility"].tolist() == full["second_facility"].tolist()
    for column in ("distance_m", "second_distance_m", "origin_snap_m", "facility_snap_m"):
        np.testing.assert_allclose(small[column], full[column], rtol=0, atol=1e-6)
    assert full["facility"].ge(0).sum() >= 30
