"""Road networks from a real OSM extract: clipping to the chosen gemeenten, storing per mode."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from loaders.__main__ import main as cli_main
from loaders.build import fetch_network_live, import_network
from loaders.errors import SourceFormatError, SourceUnavailable, UnknownRegionError
from loaders.manifest import LayerSource
from loaders.roads import (
    RoadEdges,
    edges_from_osmnx,
    fetch_road_edges,
    read_road_edges,
    read_road_networks,
)
from loaders.store import NATIONAL, NATIONAL_NAME, Store


@pytest.fixture
def liechtenstein(shared_data: Path) -> Path:
    return shared_data / "fixtures" / "osm_liechtenstein.osm.pbf"


def test_clipping_keeps_only_edges_near_the_box(liechtenstein: Path) -> None:
    full = read_road_edges(liechtenstein, "drive")
    centre_x, centre_y = np.median(full.x), np.median(full.y)
    bbox = (centre_x - 2000, centre_y - 2000, centre_x + 2000, centre_y + 2000)
    clipped = read_road_edges(liechtenstein, "drive", bbox=bbox)
    assert 0 < clipped.u.size < full.u.size
    inside = ((clipped.x >= bbox[0]) & (clipped.x <= bbox[2])
              & (clipped.y >= bbox[1]) & (clipped.y <= bbox[3]))
    assert (inside[clipped.u] | inside[clipped.v]).all()
    assert clipped.length == pytest.approx(
        np.hypot(clipped.x[clipped.u] - clipped.x[clipped.v],
                 clipped.y[clipped.u] - clipped.y[clipped.v]))
    assert clipped.oneway.any()
    assert not clipped.oneway.all()


def test_walk_network_is_larger_than_drive_and_has_no_oneway(liechtenstein: Path) -> None:
    walk = read_road_edges(liechtenstein, "walk")
    drive = read_road_edges(liechtenstein, "drive")
    assert walk.u.size > drive.u.size
    assert not walk.oneway.any()


def test_box_outside_the_file_is_a_clear_error(liechtenstein: Path) -> None:
    with pytest.raises(SourceFormatError, match="geen wegen in deze regio"):
        read_road_edges(liechtenstein, "bike", bbox=(230000, 550000, 240000, 560000))


def test_not_an_osm_file(tmp_path: Path) -> None:
    bad = tmp_path / "kapot.osm.pbf"
    bad.write_bytes(b"geen pbf")
    with pytest.raises(SourceFormatError):
        read_road_edges(bad, "walk")


def _proef_store(root: Path, liechtenstein: Path, half: float) -> tuple[Store, float, float]:
    """A national store with one square test gemeente GM9001 'Proef' in the middle of the file."""
    full = read_road_edges(liechtenstein, "walk")
    cx, cy = float(np.median(full.x)), float(np.median(full.y))
    gemeente = gpd.GeoDataFrame({"code": ["GM9001"], "naam": ["Proef"]},
                                geometry=[box(cx - half, cy - half, cx + half, cy + half)],
                                crs="EPSG:28992")
    store = Store(root)
    source = LayerSource(source="test", attribution="test")
    store.write_region(NATIONAL, {"gemeenten": (gemeente, source)},
                       name=NATIONAL_NAME, gemeenten=["GM9001"])
    return store, cx, cy


def test_network_layers_are_stored_per_mode_and_round_trip(
    liechtenstein: Path, tmp_path: Path, capsys
) -> None:
    store, cx, cy = _proef_store(tmp_path, liechtenstein, 3000)
    code = cli_main(["--data", str(tmp_path), "network", "--osm", str(liechtenstein),
                     "--gebied", "Proef", "--modus", "lopen", "--modus", "auto"])
    assert code == 0, capsys.readouterr()
    manifest = store.manifest(NATIONAL)
    assert {"netwerk_walk", "netwerk_drive", "gemeenten"} == set(manifest.layers)
    assert manifest.layers["netwerk_walk"].attribution.startswith("©")
    stored = RoadEdges.from_arrays(store.read_arrays(NATIONAL, "netwerk_drive"))
    expected = read_road_edges(liechtenstein, "drive",
                               bbox=(cx - 8000, cy - 8000, cx + 8000, cy + 8000))
    assert stored.mode == "drive"
    np.testing.assert_array_equal(stored.u, expected.u)
    np.testing.assert_allclose(stored.length, expected.length)
    assert manifest.layers["netwerk_drive"].rows == expected.u.size


def test_unknown_travel_mode_is_refused_in_dutch(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as caught:
        cli_main(["--data", str(tmp_path), "network", "--modus", "paard"])
    assert caught.value.code == 2
    assert "onbekende vervoerswijze 'paard'; kies lopen, fiets of auto" in capsys.readouterr().err


def test_network_for_unknown_gemeente_changes_nothing(liechtenstein: Path, tmp_path: Path) -> None:
    assert cli_main(["--data", str(tmp_path / "leeg"), "network", "--osm", str(liechtenstein),
                     "--gebied", "bestaat-niet"]) == 2
    assert Store(tmp_path / "leeg").regions() == []
    store, _cx, _cy = _proef_store(tmp_path / "proef", liechtenstein, 500)
    before = store.manifest(NATIONAL)
    assert cli_main(["--data", str(store.root), "network", "--osm", str(liechtenstein),
                     "--gebied", "GM9999"]) == 2
    with pytest.raises(UnknownRegionError, match="GM9999 is geen opgeslagen gemeente"):
        import_network(liechtenstein, ["GM9999"], store=store)
    assert store.manifest(NATIONAL) == before


OSM_XML = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="handgeschreven">
  <node id="1" lat="53.0000" lon="6.6000" version="1"/>
  <node id="2" lat="53.0000" lon="6.6100" version="1"/>
  <node id="3" lat="53.0050" lon="6.6100" version="1"/>
  <way id="10" version="1"><nd ref="1"/><nd ref="2"/>
    <tag k="highway" v="residential"/><tag k="oneway" v="yes"/></way>
  <way id="11" version="1"><nd ref="2"/><nd ref="3"/><tag k="highway" v="tertiary"/></way>
</osm>
"""


def test_osmnx_graph_is_converted_to_rd_edges(tmp_path: Path) -> None:
    import osmnx

    path = tmp_path / "mini.osm"
    path.write_text(OSM_XML, encoding="utf-8")
    edges = edges_from_osmnx(osmnx.graph_from_xml(path, simplify=False), "drive")
    ours = read_road_edges(path, "drive")
    assert edges.u.size == 3  # 1->2 one way, 2<->3 both ways as two directed edges
    assert edges.oneway.all()
    expected = sorted([*ours.length, ours.length[~ours.oneway][0]])
    assert sorted(edges.length) == pytest.approx(expected, rel=0.01)
    assert 230_000 < edges.x.min() < 250_000
    assert 540_000 < edges.y.min() < 560_000


def test_live_fetch_without_network_is_a_dutch_error() -> None:
    area = box(240_000, 550_000, 241_000, 551_000)
    with pytest.raises(SourceUnavailable, match="wegennet kon niet worden opgehaald"):
        fetch_road_edges(area, "bike", buffer_m=100, timeout=5)


@pytest.mark.live
def test_live_fetch_gieten() -> None:
    edges = fetch_road_edges(box(244_000, 553_000, 246_000, 555_000), "bike", buffer_m=200)
    assert edges.u.size > 50


def test_live_network_fetch_offline_keeps_the_stored_network(
    liechtenstein: Path, tmp_path: Path
) -> None:
    store, _cx, _cy = _proef_store(tmp_path, liechtenstein, 500)
    import_network(liechtenstein, ["GM9001"], modes=["walk"], store=store)
    before = store.manifest(NATIONAL)
    report = fetch_network_live(["GM9001"], modes=["walk", "bike"], store=store)
    assert set(report.failed) == {"netwerk_walk", "netwerk_bike"}
    assert report.kept == ["netwerk_walk"]
    assert "niet bereikbaar" in report.failed["netwerk_bike"]
    assert "vorige versie blijft in gebruik" in report.summary()
    assert store.manifest(NATIONAL) == before


def test_network_reads_either_an_osm_file_or_a_line_file(
    liechtenstein: Path, tmp_path: Path, capsys
) -> None:
    with pytest.raises(SystemExit) as caught:
        cli_main(["--data", str(tmp_path), "network", "--osm", str(liechtenstein),
                  "--lijnen", str(tmp_path / "wegen.gpkg")])
    assert caught.value.code == 2
    assert "not allowed with argument --osm" in capsys.readouterr().err
    assert cli_main(["--data", str(tmp_path), "network", "--osm", str(liechtenstein),
                     "--soort", "BST_CODE", "--lengte", "lengte"]) == 2
    assert "--soort, --lengte hoort bij --lijnen BESTAND" in capsys.readouterr().err
    assert Store(tmp_path).regions() == []


def _previous_reader():
    """The reader before the one-pass one, kept in bench/bench_network.py as its baseline."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "bench_network", Path(__file__).resolve().parent.parent / "bench" / "bench_network.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.previous_reader


def test_one_pass_reader_gives_the_edges_of_one_pass_per_mode(liechtenstein: Path) -> None:
    networks = read_road_networks(liechtenstein)
    previous = _previous_reader()
    assert set(networks) == {"walk", "bike", "drive"}
    for mode, edges in networks.items():
        expected = previous(liechtenstein, mode)
        assert isinstance(edges, RoadEdges)
        assert edges.mode == mode
        for name in ("x", "y", "u", "v", "length", "oneway"):
            np.testing.assert_array_equal(getattr(edges, name), getattr(expected, name), name)
    assert networks["drive"].oneway.any()
    assert not networks["walk"].oneway.any()
    assert networks["drive"].u.size < networks["bike"].u.size < networks["walk"].u.size


def test_one_pass_reader_names_a_mode_without_roads(tmp_path: Path) -> None:
    path = tmp_path / "footway.osm"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><osm version="0.6">'
        '<node id="1" lat="52.0" lon="5.0" version="1"/>'
        '<node id="2" lat="52.0" lon="5.001" version="1"/>'
        '<way id="3" version="1"><nd ref="1"/><nd ref="2"/>'
        '<tag k="highway" v="footway"/></way></osm>', encoding="utf-8")
    networks = read_road_networks(path)
    assert isinstance(networks["walk"], RoadEdges)
    assert networks["walk"].u.size == 1
    for mode in ("bike", "drive"):
        assert isinstance(networks[mode], SourceFormatError)
        assert f"geen wegen voor vervoerswijze '{mode}'" in networks[mode].user_message
    with pytest.raises(SourceFormatError, match="geen wegen voor vervoerswijze 'drive'"):
        read_road_edges(path, "drive")
