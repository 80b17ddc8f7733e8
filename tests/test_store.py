"""The local store: round trips, manifest contents and atomic refreshes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import Point

from loaders.manifest import LayerSource
from loaders.store import KEEP_VERSIONS, NATIONAL, NATIONAL_NAME, Store, StoreError, region_id

REPO = Path(__file__).resolve().parent.parent


def _points(n: int, offset: float = 0.0) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"kern_id": [f"k{i}" for i in range(n)], "naam": [f"Kern {i}" for i in range(n)]},
        geometry=[Point(230000 + i + offset, 550000 + i) for i in range(n)],
        crs="EPSG:28992",
    )


def _source(name: str) -> LayerSource:
    return LayerSource(source=name, attribution="Bron: test", table_id="T1", year="2020")


def test_round_trip_keeps_frames_and_manifest(tmp_path: Path) -> None:
    store = Store(tmp_path)
    kernen = _points(5)
    table = pd.DataFrame({"regiocode": ["BU1", "BU2"], "eenzaam_pct": [40.5, None]})
    manifest = store.write_region(
        "testregio",
        {"kernen": (kernen, _source("a.csv")), "eenzaamheid": (table, _source("b.csv"))},
        name="Testregio",
        gemeenten=["GM1680"],
    )
    assert store.regions() == ["testregio"]
    assert manifest.layers["kernen"].rows == 5
    assert manifest.layers["kernen"].geometry is True
    assert manifest.layers["eenzaamheid"].geometry is False
    assert manifest.layers["kernen"].source == "a.csv"
    assert list(manifest.gemeenten) == ["GM1680"]
    assert_geodataframe_equal(store.read_layer("testregio", "kernen"), kernen)
    read = store.read_layer("testregio", "eenzaamheid")
    assert read["eenzaam_pct"].iloc[0] == 40.5
    assert pd.isna(read["eenzaam_pct"].iloc[1])


def test_partial_refresh_keeps_other_layers_and_removes_old_files(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.write_region("r", {"kernen": (_points(3), _source("old")),
                             "venues": (_points(2), _source("v"))})
    for rows in range(4, 4 + KEEP_VERSIONS + 1):
        store.write_region("r", {"kernen": (_points(rows), _source("new"))})
    manifest = store.manifest("r")
    assert manifest.layers["kernen"].rows == 4 + KEEP_VERSIONS
    assert manifest.layers["venues"].source == "v"
    kernen_files = sorted(p.name for p in (tmp_path / "r").glob("kernen-*"))
    # the current file and the kept versions (of this manifest and the previous one) only
    assert len(kernen_files) <= KEEP_VERSIONS + 1
    assert not list((tmp_path / "r").glob("*.tmp"))
    assert len(store.read_layer("r", "venues")) == 2


def test_wrong_crs_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="EPSG:28992"):
        Store(tmp_path).write_region("r", {"kernen": (_points(2).to_crs(4326), _source("x"))})
    assert Store(tmp_path).regions() == []


def test_missing_region_and_layer_give_dutch_errors(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with pytest.raises(StoreError, match="niet opgeslagen"):
        store.manifest("onbekend")
    store.write_region("r", {"kernen": (_points(1), _source("x"))})
    with pytest.raises(StoreError, match="geen laag"):
        store.read_layer("r", "venues")


def test_the_national_store_is_one_dataset_and_says_how_to_start(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with pytest.raises(StoreError, match=r"Nederland is nog niet opgeslagen.*import .*--nl"):
        store.manifest(NATIONAL)
    assert not store.has_layer(NATIONAL, "kernen")
    store.write_region(NATIONAL, {"kernen": (_points(2), _source("k"))}, name=NATIONAL_NAME,
                       gemeenten=["GM0308", "GM1680"])
    store.write_region(NATIONAL, {"venues": (_points(1), _source("v"))})
    manifest = store.manifest(NATIONAL)
    assert store.regions() == [NATIONAL]
    assert (manifest.name, list(manifest.gemeenten)) == (NATIONAL_NAME, ["GM0308", "GM1680"])
    assert set(manifest.layers) == {"kernen", "venues"}


def test_corrupt_manifest_is_reported_not_crashing(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.write_region("r", {"kernen": (_points(1), _source("x"))})
    (tmp_path / "r" / "manifest.json").write_text("{half", encoding="utf-8")
    with pytest.raises(StoreError, match="onleesbaar"):
        store.manifest("r")


@pytest.mark.parametrize(("name", "expected"), [("Aa en Hunze", "aa-en-hunze"), ("Baarn", "baarn")])
def test_region_id(name: str, expected: str) -> None:
    assert region_id(name) == expected


def test_store_rejects_path_tricks(tmp_path: Path) -> None:
    with pytest.raises(StoreError):
        Store(tmp_path).manifest("../etc")


CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import geopandas as gpd
    from shapely.geometry import Point
    from loaders.manifest import LayerSource
    from loaders.store import Store

    root, mode = Path(sys.argv[1]), sys.argv[2]
    n = 200_000
    frame = gpd.GeoDataFrame({"kern_id": [f"nieuw{i}" for i in range(n)]},
                             geometry=[Point(i, i) for i in range(n)], crs="EPSG:28992")
    if mode == "pause":
        original = Store._write_layer_file
        calls = []
        def slow(folder, layer, frame, source):
            entry = original(folder, layer, frame, source)
            calls.append(layer)
            if len(calls) == 1:
                (root / "first-layer-written").touch()
                time.sleep(600)
            return entry
        Store._write_layer_file = staticmethod(slow)
    src = LayerSource(source="nieuw", attribution="x")
    Store(root).write_region("r", {"kernen": (frame, src), "venues": (frame, src),
                                   "buurten": (frame, src)})
    """
)


def _snapshot(root: Path) -> tuple[str, dict[str, pd.DataFrame]]:
    store = Store(root)
    manifest = (root / "r" / "manifest.json").read_text(encoding="utf-8")
    layers = {layer: store.read_layer("r", layer) for layer in json.loads(manifest)["layers"]}
    return manifest, layers


def _start_child(root: Path, mode: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(root), mode], env=env)


def test_refresh_killed_after_first_layer_leaves_store_unchanged(tmp_path: Path) -> None:
    Store(tmp_path).write_region("r", {"kernen": (_points(3), _source("oud")),
                                       "venues": (_points(2), _source("oud"))})
    before_manifest, before = _snapshot(tmp_path)
    child = _start_child(tmp_path, "pause")
    deadline = time.time() + 120
    while not (tmp_path / "first-layer-written").exists():
        assert child.poll() is None, "child ended before it was killed"
        assert time.time() < deadline
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait()
    after_manifest, after = _snapshot(tmp_path)
    assert after_manifest == before_manifest
    for layer, frame in before.items():
        assert_geodataframe_equal(after[layer], frame)


@pytest.mark.parametrize("delay", [0.3, 0.9, 1.6, 2.4])
def test_refresh_killed_at_any_moment_is_old_or_new_never_mixed(
    tmp_path: Path, delay: float
) -> None:
    Store(tmp_path).write_region("r", {"kernen": (_points(3), _source("oud"))})
    before_manifest, _ = _snapshot(tmp_path)
    child = _start_child(tmp_path, "run")
    time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    child.wait()
    manifest, layers = _snapshot(tmp_path)
    if manifest == before_manifest:
        assert layers["kernen"]["kern_id"].tolist() == ["k0", "k1", "k2"]
    else:
        assert set(layers) == {"kernen", "venues", "buurten"}
        assert all(len(frame) == 200_000 for frame in layers.values())
