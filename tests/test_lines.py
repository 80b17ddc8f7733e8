"""Road networks from line files (loaders.lines, ``python -m loaders network --lijnen``)."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyogrio
import pytest
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree
from shapely.geometry import LineString, MultiLineString, Point

from analysis.nearest import METHOD_NETWORK, METHOD_STRAIGHT_LINE
from analysis.network import graph_from_road_edges
from analysis.reach import meeting_places, points_xy
from loaders.__main__ import main as cli_main
from loaders.build import import_folder, import_line_network
from loaders.errors import SourceFormatError
from loaders.lines import NWB_ATTRIBUTION, line_edges, node_end_points, read_line_layer
from loaders.roads import RoadEdges
from loaders.store import NATIONAL, Store
from loaders.venue_store import read_region_venues
from pipeline.reach import current_reach, refresh_reach
from tests.conftest import SHARED_DATA

WAGENINGEN = "osm_wageningen_bike_network_2018.gpkg"
WAGENINGEN_CODE = "GM0289"

# A T-junction with a one-way street, in RD metres near Wageningen:
#
#        P3 ──(one-way →, 100 m)── P4
#        │                          ⟩  bent, 2 × 50√2 m
#        │ 99.6 m (starts 0.4 m     ⟩
#        │ off P1: snapped)         ⟩
#   P0 ──┴── P1 ──(100 m)────────── P2        plus a line crossing P1-P2 and P3-P4 without
#     100 m                                   sharing an end point (a bridge): not connected
X0, Y0 = 174_000.0, 442_000.0
P0, P1, P2 = (X0, Y0), (X0 + 100, Y0), (X0 + 200, Y0)
P3, P4 = (X0 + 100, Y0 + 100), (X0 + 200, Y0 + 100)
BENT = 2 * 50 * np.sqrt(2)
T_LINES = [
    (LineString([P0, P1]), "no"),
    (LineString([P1, P2]), None),
    (LineString([(X0 + 100, Y0 + 0.4), P3]), "no"),
    (LineString([P3, P4]), "yes"),
    (LineString([P4, (X0 + 250, Y0 + 50), P2]), "false"),
    (LineString([(X0 + 150, Y0 - 50), (X0 + 150, Y0 + 150)]), "no"),
]


def _t_junction(crs: str = "EPSG:28992") -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {"naam": [f"weg {i}" for i in range(len(T_LINES))],
         "oneway": [oneway for _line, oneway in T_LINES]},
        geometry=[line for line, _oneway in T_LINES], crs="EPSG:28992",
    )
    return frame.to_crs(crs)


def _node(edges: RoadEdges, xy: tuple[float, float]) -> int:
    distance, index = cKDTree(np.column_stack([edges.x, edges.y])).query(xy)
    assert distance < 0.5
    return int(index)


def _distances(edges: RoadEdges) -> np.ndarray:
    return dijkstra(graph_from_road_edges(edges).weights)


def _networkx(edges: RoadEdges) -> nx.DiGraph:
    """A networkx graph of the same edges (both directions unless one-way, shortest kept)."""
    graph = nx.DiGraph()
    graph.add_nodes_from(range(edges.x.size))
    for a, b, length, oneway in zip(edges.u, edges.v, edges.length, edges.oneway, strict=True):
        pairs = [(a, b)] if oneway else [(a, b), (b, a)]
        for tail, head in pairs:
            if not graph.has_edge(tail, head) or graph[tail][head]["length"] > length:
                graph.add_edge(int(tail), int(head), length=float(length))
    return graph


@pytest.fixture
def t_junction(tmp_path: Path) -> Path:
    path = tmp_path / "t.geojson"
    _t_junction().to_file(path, driver="GeoJSON")
    return path


def test_t_junction_is_noded_at_shared_end_points(t_junction: Path) -> None:
    lines = read_line_layer(t_junction)
    edges = line_edges(lines, "bike")
    assert edges.x.size == 7  # P0..P4 and the two ends of the crossing line
    assert edges.u.size == 6
    p0, p1, p2, p3, p4 = (_node(edges, p) for p in (P0, P1, P2, P3, P4))
    dist = _distances(edges)
    assert dist[p0, p3] == pytest.approx(100 + 99.6)
    assert dist[p3, p4] == pytest.approx(100)  # along the one-way street
    assert dist[p4, p3] == pytest.approx(BENT + 100 + 99.6)  # around it
    assert dist[p0, p4] == pytest.approx(100 + 99.6 + 100)  # up the stem, then one-way
    assert dist[p4, p0] == pytest.approx(BENT + 200)
    crossing = _node(edges, (X0 + 150, Y0 - 50))
    assert np.isinf(dist[crossing, [p0, p1, p2, p3, p4]]).all()
    assert edges.oneway.sum() == 1
    graph = _networkx(edges)
    for source in range(edges.x.size):
        expected = nx.single_source_dijkstra_path_length(graph, source, weight="length")
        for target in range(edges.x.size):
            assert dist[source, target] == pytest.approx(expected.get(target, np.inf))


def test_walkers_ignore_one_way_streets(t_junction: Path) -> None:
    edges = line_edges(read_line_layer(t_junction), "walk")
    assert not edges.oneway.any()
    dist = _distances(edges)
    assert dist[_node(edges, P4), _node(edges, P3)] == pytest.approx(100)


def test_end_points_within_the_tolerance_become_one_node() -> None:
    starts = np.array([[0.0, 0.0], [10.3, 0.2], [30.0, 0.0]])
    ends = np.array([[10.0, 0.0], [20.0, 0.0], [20.6, 0.0]])
    u, v, xy = node_end_points(starts, ends, snap_m=0.5)
    assert u[1] == v[0]  # 0.36 m apart
    assert v[2] != v[1]  # 0.6 m apart
    assert len(xy) == 5
    np.testing.assert_allclose(xy[u[1]], [10.15, 0.1])


def test_reversed_and_multi_part_lines(tmp_path: Path) -> None:
    path = tmp_path / "multi.gpkg"
    frame = gpd.GeoDataFrame(
        {"oneway": ["-1", "1"], "length_m": [500.0, 400.0]},
        geometry=[LineString([P1, P0]),
                  MultiLineString([[P1, P2], [P2, P4]])],
        crs="EPSG:28992",
    )
    frame.to_file(path, layer="wegen")
    edges = line_edges(read_line_layer(path), "drive")
    dist = _distances(edges)
    p0, p1, p4 = (_node(edges, p) for p in (P0, P1, P4))
    assert dist[p0, p1] == 500.0  # digitised P1 -> P0 with oneway=-1: travel P0 -> P1
    assert np.isinf(dist[p1, p0])
    # the length of a MultiLineString does not belong to either piece: geometry lengths
    assert dist[p1, p4] == pytest.approx(200.0)
    assert np.isinf(dist[p4, p1])


def _nwb(tmp_path: Path) -> Path:
    """A shapefile shaped like NWB wegvakken: RIJRICHTNG, BST_CODE, WEGBEHSRT."""
    rows = [
        # Each row: start and end point, then RIJRICHTNG, BST_CODE and WEGBEHSRT.
        ((0, 0), (100, 0), "H", "HR", "G"),
        ((100, 0), (200, 0), "T", "HR", "G"),
        ((200, 0), (300, 0), "B", "HR", "P"),
        ((300, 0), (400, 0), "O", "PAR", "G"),
        ((400, 0), (500, 0), None, "VWG", "G"),
        ((0, 100), (100, 100), "B", "FP", "G"),
        ((100, 100), (200, 100), "B", "VP", "G"),
        ((200, 100), (300, 100), "H", "HR", "R"),
        ((300, 100), (400, 100), "H", "AFR", "R"),
        ((400, 100), (500, 100), "B", "FP", "R"),
        ((0, 200), (100, 200), "B", "BU", "G"),
    ]
    frame = gpd.GeoDataFrame(
        {"WVK_ID": range(len(rows)),
         "RIJRICHTNG": [r[2] for r in rows], "BST_CODE": [r[3] for r in rows],
         "WEGBEHSRT": [r[4] for r in rows]},
        geometry=[LineString([(X0 + a[0], Y0 + a[1]), (X0 + b[0], Y0 + b[1])])
                  for a, b, *_rest in rows],
        crs="EPSG:28992",
    )
    path = tmp_path / "Wegvakken.shp"
    frame.to_file(path)
    return path


def _edge_set(edges: RoadEdges) -> set[tuple[tuple[float, float], tuple[float, float], bool]]:
    """Edges as (start, end, one-way) in metres relative to (X0, Y0)."""
    def at(node: int) -> tuple[float, float]:
        return round(edges.x[node] - X0), round(edges.y[node] - Y0)
    return {(at(a), at(b), bool(one))
            for a, b, one in zip(edges.u, edges.v, edges.oneway, strict=True)}


def test_nwb_direction_and_road_types(tmp_path: Path) -> None:
    lines = read_line_layer(_nwb(tmp_path))
    assert lines.attribution == NWB_ATTRIBUTION
    assert any("RIJRICHTNG" in note for note in lines.notes)
    drive = _edge_set(line_edges(lines, "drive"))
    assert drive == {
        ((0, 0), (100, 0), True),  # H: with the digitised direction
        ((200, 0), (100, 0), True),  # T: against it
        ((200, 0), (300, 0), False), ((300, 0), (400, 0), False), ((400, 0), (500, 0), False),
        ((200, 100), (300, 100), True), ((300, 100), (400, 100), True),  # rijksweg, afrit
    }
    bike = _edge_set(line_edges(lines, "bike"))
    assert bike == {
        ((0, 0), (100, 0), True), ((200, 0), (100, 0), True),
        ((200, 0), (300, 0), False), ((300, 0), (400, 0), False), ((400, 0), (500, 0), False),
        ((0, 100), (100, 100), False),  # fietspad
        ((400, 100), (500, 100), False),  # fietspad of the Rijk
    }
    walk = _edge_set(line_edges(lines, "walk"))
    assert walk == {
        ((0, 0), (100, 0), False), ((100, 0), (200, 0), False),  # walkers ignore RIJRICHTNG
        ((200, 0), (300, 0), False), ((300, 0), (400, 0), False), ((400, 0), (500, 0), False),
        ((0, 100), (100, 100), False), ((100, 100), (200, 100), False),  # fietspad, voetpad
        ((400, 100), (500, 100), False),
    }


def test_a_named_road_type_column_with_osm_values(tmp_path: Path) -> None:
    path = tmp_path / "osm.geojson"
    gpd.GeoDataFrame(
        {"soort": ["residential", "footway", "['cycleway', 'path']", "motorway"]},
        geometry=[LineString([P0, P1]), LineString([P1, P2]), LineString([P2, P4]),
                  LineString([P4, P3])],
        crs="EPSG:28992",
    ).to_file(path, driver="GeoJSON")
    lines = read_line_layer(path, kind_column="SOORT")
    assert lines.allowed["bike"].tolist() == [True, False, True, False]
    assert lines.allowed["drive"].tolist() == [True, False, False, True]
    assert lines.allowed["walk"].tolist() == [True, True, True, False]


def test_a_file_in_wgs84_gives_the_same_network(tmp_path: Path) -> None:
    path = tmp_path / "wgs84.geojson"
    _t_junction("EPSG:4326").to_file(path, driver="GeoJSON")
    assert pyogrio.read_info(path)["crs"] == "EPSG:4326"
    edges = line_edges(read_line_layer(path), "bike")
    reference = line_edges(read_line_layer(_write_rd(tmp_path)), "bike")
    np.testing.assert_allclose(np.sort(edges.x), np.sort(reference.x), atol=0.01)
    np.testing.assert_allclose(np.sort(edges.length), np.sort(reference.length), atol=0.01)
    dist = _distances(edges)
    assert dist[_node(edges, P4), _node(edges, P3)] == pytest.approx(BENT + 199.6, abs=0.01)


def _write_rd(tmp_path: Path) -> Path:
    path = tmp_path / "rd.gpkg"
    _t_junction().to_file(path)
    return path


def _without_prj(tmp_path: Path, frame: gpd.GeoDataFrame) -> Path:
    path = tmp_path / "zonder_crs.shp"
    frame.to_file(path)
    path.with_suffix(".prj").unlink()
    assert pyogrio.read_info(path)["crs"] is None
    return path


def test_a_file_without_crs_is_taken_as_rd_only_when_it_clearly_is(tmp_path: Path) -> None:
    (tmp_path / "rd").mkdir()
    (tmp_path / "ll").mkdir()
    rd = _without_prj(tmp_path / "rd", _t_junction())
    assert line_edges(read_line_layer(rd), "walk").x.size == 7
    lonlat = _without_prj(tmp_path / "ll", _t_junction("EPSG:4326"))
    with pytest.raises(SourceFormatError, match="geen coördinatenstelsel"):
        read_line_layer(lonlat)


def test_lines_outside_the_netherlands_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "liechtenstein.geojson"
    gpd.GeoDataFrame(geometry=[LineString([(9.52, 47.14), (9.53, 47.15)])],
                     crs="EPSG:4326").to_file(path, driver="GeoJSON")
    with pytest.raises(SourceFormatError, match="liggen niet in Nederland"):
        read_line_layer(path)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        ("points", "geen lijnenlaag"),
        ("empty", "leeg"),
        ("garbage", "kan niet gelezen worden"),
        ("missing", "bestaat niet"),
        ("no geometry", "geen lijnenlaag"),
    ],
)
def test_bad_files_get_a_dutch_error(tmp_path: Path, make: str, message: str) -> None:
    path = tmp_path / "bestand.geojson"
    if make == "points":
        gpd.GeoDataFrame(geometry=[Point(P0)], crs="EPSG:28992").to_file(path, driver="GeoJSON")
    elif make == "empty":
        path.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    elif make == "garbage":
        path = tmp_path / "kapot.gpkg"
        path.write_bytes(b"dit is geen geopackage")
    elif make == "no geometry":
        path = tmp_path / "tabel.csv"
        path.write_text("naam,lengte\nweg,10\n", encoding="utf-8")
    with pytest.raises(SourceFormatError, match=message) as caught:
        read_line_layer(path)
    assert path.name in caught.value.user_message


def test_unknown_or_unusable_columns(t_junction: Path) -> None:
    with pytest.raises(SourceFormatError, match=r"kolom 'richting' \(opgegeven bij "
                       r"--eenrichting\) bestaat niet; het bestand heeft de kolommen: naam, "
                       r"oneway"):
        read_line_layer(t_junction, oneway_column="richting")
    with pytest.raises(SourceFormatError, match="bevat geen rijrichtingen"):
        read_line_layer(t_junction, oneway_column="naam")
    with pytest.raises(SourceFormatError, match="bevat geen bekende wegsoorten"):
        read_line_layer(t_junction, kind_column="naam")


def test_a_file_with_several_line_layers_needs_a_layer(tmp_path: Path) -> None:
    path = tmp_path / "lagen.gpkg"
    _t_junction().to_file(path, layer="wegen")
    _t_junction().iloc[:2].to_file(path, layer="fietspaden")
    gpd.GeoDataFrame(geometry=[Point(P0)], crs="EPSG:28992").to_file(path, layer="punten")
    with pytest.raises(SourceFormatError, match=r"meer lijnenlagen .*kies er een met --laag"):
        read_line_layer(path)
    assert line_edges(read_line_layer(path, layer="fietspaden"), "bike").u.size == 2
    with pytest.raises(SourceFormatError, match="laag 'punten' is geen lijnenlaag"):
        read_line_layer(path, layer="punten")


# ---------------------------------------------------------------- Wageningen, end to end


@pytest.fixture(scope="module")
def wageningen_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A national store holding gemeente Wageningen, built from the shared data (read only)."""
    if not (SHARED_DATA / WAGENINGEN).is_file():
        pytest.fail(f"{WAGENINGEN} not found in {SHARED_DATA}")
    root = tmp_path_factory.mktemp("wageningen") / "kern_data"
    store = Store(root)
    report = import_folder(SHARED_DATA, [WAGENINGEN_CODE], store=store)
    assert report.ok, report.summary()
    refresh_reach(store)
    return root


@pytest.fixture
def wageningen(wageningen_store: Path, tmp_path: Path) -> Store:
    """A copy of the Wageningen store that a test may write into."""
    shutil.copytree(wageningen_store, tmp_path / "kern_data")
    return Store(tmp_path / "kern_data")


def test_wageningen_line_file_gives_network_distances(
    wageningen: Store, shared_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = shared_data / WAGENINGEN
    before = wageningen.read_layer(NATIONAL, "bereik_bike")
    assert (before["methode"] == METHOD_STRAIGHT_LINE).all()
    started = time.perf_counter()
    code = cli_main(["--data", str(wageningen.root), "network", "--lijnen", str(path),
                     "--gebied", "Wageningen", "--modus", "fiets"])
    seconds = time.perf_counter() - started
    output = capsys.readouterr().out
    assert code == 0, output
    assert "wegennet fietsen: 3416 knopen, 5201 wegdelen" in output
    assert seconds < 30
    manifest = wageningen.manifest(NATIONAL)
    assert "netwerk_walk" not in manifest.layers
    entry = manifest.layers["netwerk_bike"]
    assert entry.arrays
    assert entry.rows == 5201
    assert entry.source.endswith(f"{WAGENINGEN} (laag edges)")
    assert set(wageningen.read_arrays(NATIONAL, "netwerk_bike")) == {
        "x", "y", "u", "v", "length", "oneway", "mode"}  # as an OSM network is stored

    # Every end point of the file lies on one of its u/v nodes: 3,416 nodes; 7 self-loops go.
    file = gpd.read_file(path)
    edges = RoadEdges.from_arrays(wageningen.read_arrays(NATIONAL, "netwerk_bike"))
    assert edges.x.size == len(set(file["u"]) | set(file["v"])) == 3416
    assert edges.u.size == int((file["u"] != file["v"]).sum()) == 5201
    assert edges.length.sum() == pytest.approx(file.loc[file["u"] != file["v"],
                                                         "length_m"].sum())
    assert not edges.oneway.any()

    reach = wageningen.read_layer(NATIONAL, "bereik_bike")
    mine = reach[reach["gemeentecode"] == WAGENINGEN_CODE]
    assert len(mine) == 3
    assert (mine["methode"] == METHOD_NETWORK).all()
    assert mine["afstand_m"].between(1, 10_000).all()
    assert (wageningen.read_layer(NATIONAL, "bereik_walk")["methode"]
            == METHOD_STRAIGHT_LINE).all()
    pd.testing.assert_frame_equal(current_reach(wageningen, "bike"), reach)

    # The stored distances equal networkx on the file's own u/v/length_m, without our noding.
    graph = nx.Graph()
    for a, b, length in file[["u", "v", "length_m"]].itertuples(index=False):
        if a != b and (not graph.has_edge(a, b) or graph[a][b]["length"] > length):
            graph.add_edge(a, b, length=length)
    ends = pd.concat([
        pd.DataFrame({"id": file["u"], "xy": file.geometry.apply(lambda g: g.coords[0])}),
        pd.DataFrame({"id": file["v"], "xy": file.geometry.apply(lambda g: g.coords[-1])}),
    ]).drop_duplicates("id")
    ids = ends["id"].to_numpy()
    tree = cKDTree(np.array(ends["xy"].tolist()))
    places = meeting_places(read_region_venues(wageningen, NATIONAL))
    place_snap, place_node = tree.query(points_xy(places))
    for (snap, node), place in zip(zip(place_snap, place_node, strict=True), range(len(places)),
                                   strict=True):
        if snap <= 1000:
            graph.add_edge(("plek", place), ids[node], length=snap)
    graph.add_edges_from((("bron", ("plek", p)) for p in range(len(places))
                          if place_snap[p] <= 1000), length=0.0)
    from_places = nx.single_source_dijkstra_path_length(graph, "bron", weight="length")
    kern_snap, kern_node = tree.query(points_xy(wageningen.read_layer(NATIONAL, "kernen")
                                                .set_index("kern_id").loc[mine["kern_id"]]))
    expected = [snap + from_places[ids[node]] for snap, node in zip(kern_snap, kern_node,
                                                                      strict=True)]
    np.testing.assert_allclose(mine["afstand_m"], expected, atol=0.5)


def test_wageningen_network_matches_networkx_between_nodes(shared_data: Path) -> None:
    edges = line_edges(read_line_layer(shared_data / WAGENINGEN), "bike")
    graph = graph_from_road_edges(edges)
    assert graph.n_nodes == 3416
    rng = np.random.default_rng(13)
    sources = rng.choice(graph.n_nodes, size=5, replace=False)
    ours = dijkstra(graph.weights, indices=sources)
    assert np.isfinite(ours).all()  # one connected network
    reference = _networkx(edges)
    for row, source in enumerate(sources):
        expected = nx.single_source_dijkstra_path_length(reference, int(source), weight="length")
        assert [expected[t] for t in range(graph.n_nodes)] == pytest.approx(ours[row])


def test_bad_line_file_changes_nothing_stored(
    wageningen: Store, shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import_line_network(shared_data / WAGENINGEN, [WAGENINGEN_CODE], modes=["bike"],
                        store=wageningen)
    refresh_reach(wageningen)
    before = json.dumps(wageningen.manifest(NATIONAL).to_dict(), sort_keys=True)
    points = tmp_path / "punten.geojson"
    gpd.GeoDataFrame(geometry=[Point(P0)], crs="EPSG:28992").to_file(points, driver="GeoJSON")
    for argv, message in [
        (["--lijnen", str(points)], "geen lijnenlaag"),
        (["--lijnen", str(shared_data / WAGENINGEN), "--eenrichting", "RIJRICHTNG"],
         "kolom 'RIJRICHTNG' (opgegeven bij --eenrichting) bestaat niet"),
        (["--lijnen", str(tmp_path / "weg.gpkg")], "bestaat niet"),
        (["--eenrichting", "oneway"], "--eenrichting hoort bij --lijnen"),
    ]:
        code = cli_main(["--data", str(wageningen.root), "network", *argv,
                         "--gebied", WAGENINGEN_CODE, "--modus", "fiets"])
        err = capsys.readouterr().err
        assert code == 2, err
        assert message in err
        assert "Er is niets gewijzigd" in err
    assert json.dumps(wageningen.manifest(NATIONAL).to_dict(), sort_keys=True) == before


def test_a_mode_without_usable_lines_keeps_its_stored_network(
    wageningen: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cycle_paths = tmp_path / "fietspaden.gpkg"
    gpd.GeoDataFrame({"BST_CODE": ["FP", "FP"]},
                     geometry=[LineString([P0, P1]), LineString([P1, P2])],
                     crs="EPSG:28992").to_file(cycle_paths)
    code = cli_main(["--data", str(wageningen.root), "network", "--lijnen", str(cycle_paths),
                     "--gebied", "Wageningen", "--modus", "auto", "--modus", "fiets"])
    output = capsys.readouterr().out
    assert code == 1
    assert ("✗ wegennet auto: fietspaden.gpkg (laag fietspaden): geen enkele lijn is bruikbaar "
            "voor vervoerswijze 'drive'") in output
    layers = wageningen.manifest(NATIONAL).layers
    assert layers["netwerk_bike"].rows == 2
    assert "netwerk_drive" not in layers


def test_lines_far_from_the_area_are_a_clear_error(
    wageningen: Store, t_junction: Path
) -> None:
    far = t_junction.with_name("ver.geojson")
    _t_junction().translate(xoff=-60_000).to_file(far, driver="GeoJSON")
    before = wageningen.manifest(NATIONAL)
    with pytest.raises(SourceFormatError, match="geen lijnen binnen 5 km van het gebied"):
        import_line_network(far, [WAGENINGEN_CODE], store=wageningen)
    assert wageningen.manifest(NATIONAL) == before
