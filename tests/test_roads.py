"""Road networks from a real OSM extract: clipping to a region and storing per mode."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from loaders.__main__ import main as cli_main
from loaders.build import fetch_network_live, import_network
from loaders.errors import SourceFormatError
from loaders.errors import SourceUnavailable
from loaders.roads import RoadEdges, edges_from_osmnx, fetch_road_edges, read_road_edges
from loaders.store import LayerSource, Store


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
    assert clipped.oneway.any() and not clipped.oneway.all()


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


def test_network_layers_are_stored_per_mode_and_round_trip(
    liechtenstein: Path, tmp_path: Path, capsys
) -> None:
    full = read_road_edges(liechtenstein, "walk")
    cx, cy = float(np.median(full.x)), float(np.median(full.y))
    gemeente = gpd.GeoDataFrame({"code": ["GM9001"], "naam": ["Proef"]},
                                geometry=[box(cx - 3000, cy - 3000, cx + 3000, cy + 3000)],
                                crs="EPSG:28992")
    store = Store(tmp_path)
    store.write_region("proef", {"gemeenten": (gemeente, LayerSource("test", "test"))})
    code = cli_main(["--data", str(tmp_path), "network", "--osm", str(liechtenstein),
                     "--regio", "proef", "--modus", "walk", "--modus", "drive"])
    assert code == 0, capsys.readouterr()
    manifest = store.manifest("proef")
    assert {"netwerk_walk", "netwerk_drive", "gemeenten"} == set(manifest["layers"])
    assert manifest["layers"]["netwerk_walk"]["attribution"].startswith("©")
    stored = RoadEdges.from_arrays(store.read_arrays("proef", "netwerk_drive"))
    expected = read_road_edges(liechtenstein, "drive",
                               bbox=(cx - 8000, cy - 8000, cx + 8000, cy + 8000))
    assert stored.mode == "drive"
    np.testing.assert_array_equal(stored.u, expected.u)
    np.testing.assert_allclose(stored.length, expected.length)
    assert manifest["layers"]["netwerk_drive"]["rows"] == expected.u.size


def test_network_for_unknown_region_changes_nothing(liechtenstein: Path, tmp_path: Path) -> None:
    report_code = cli_main(["--data", str(tmp_path), "network", "--osm", str(liechtenstein),
                            "--regio", "bestaat-niet"])
    assert report_code == 2
    assert Store(tmp_path).regions() == []
    with pytest.raises(Exception, match="niet opgeslagen"):
        import_network(liechtenstein, "bestaat-niet", store=Store(tmp_path))


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
    assert 230_000 < edges.x.min() < 250_000 and 540_000 < edges.y.min() < 560_000


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
    full = read_road_edges(liechtenstein, "walk")
    cx, cy = float(np.median(full.x)), float(np.median(full.y))
    gemeente = gpd.GeoDataFrame({"code": ["GM9001"], "naam": ["Proef"]},
                                geometry=[box(cx - 500, cy - 500, cx + 500, cy + 500)],
                                crs="EPSG:28992")
    store = Store(tmp_path)
    store.write_region("proef", {"gemeenten": (gemeente, LayerSource("test", "test"))})
    import_network(liechtenstein, "proef", modes=["walk"], store=store)
    before = store.manifest("proef")
    report = fetch_network_live("proef", modes=["walk", "bike"], store=store)
    assert set(report.failed) == {"netwerk_walk", "netwerk_bike"}
    assert report.kept == ["netwerk_walk"]
    assert "niet bereikbaar" in report.failed["netwerk_bike"]
    assert "vorige versie blijft in gebruik" in report.summary()
    assert store.manifest("proef") == before
