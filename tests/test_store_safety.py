"""Store safety (issue 11 items 1, 3, 6, 7): nothing lost by accident, one lock across
processes, disk faults in Dutch, and a check of every stored layer."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point
from streamlit.testing.v1 import AppTest

from loaders import store as store_module
from loaders.__main__ import main
from loaders.build import _store_networks, import_folder
from loaders.check import DAMAGED, MANIFEST_LAYER, MISSING, NO_CHECKSUM, OK, check_store
from loaders.manifest import LayerSource
from loaders.store import (
    DATA_ENV,
    KEEP_VERSIONS,
    NATIONAL,
    PREVIOUS_MANIFEST,
    WAIT_MESSAGE,
    LayerDamagedError,
    Store,
    StoreError,
)
from tests.region_stores import DEMO_AREAS, demo_region_store

REPO = Path(__file__).resolve().parent.parent
SOURCE = LayerSource(source="test", attribution="Bron: test")


def _points(n: int, prefix: str = "k") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"kern_id": [f"{prefix}{i}" for i in range(n)], "gemeentecode": ["GM1680"] * n},
        geometry=[Point(230000 + i, 550000 + i) for i in range(n)], crs="EPSG:28992",
    )


def _small_store(root: Path) -> Store:
    store = Store(root)
    store.write_region(NATIONAL, {"kernen": (_points(3), SOURCE), "buurten": (_points(2), SOURCE),
                                  "eenzaamheid": (pd.DataFrame({"x": [1, 2, 3, 4]}), SOURCE)})
    return store


def _files(root: Path) -> set[str]:
    return {p.name for p in (root / NATIONAL).iterdir()}


def _cli(root: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["--data", str(root), *args])
    out, err = capsys.readouterr()
    return code, out, err


# --- item 1: nothing lost by accident -------------------------------------------------------

def test_versions_are_kept_and_a_layer_is_restored_and_restore_undone(tmp_path: Path) -> None:
    store = Store(tmp_path)
    for rows in (1, 2, 3, 4, 5):
        store.write_region(NATIONAL, {"kernen": (_points(rows), SOURCE)})
    versions = store.layer_versions(NATIONAL, "kernen")
    assert [v.rows for v in versions] == [5, 4, 3][:KEEP_VERSIONS]
    manifest = store.restore_layers(NATIONAL, {"kernen": 2})
    assert len(store.read_layer(NATIONAL, "kernen")) == 3
    assert manifest.layers["kernen"].rows == 3
    assert [v.rows for v in store.layer_versions(NATIONAL, "kernen")] == [3, 5, 4]
    store.restore_layers(NATIONAL, {"kernen": 1})  # undo the restore
    assert len(store.read_layer(NATIONAL, "kernen")) == 5
    with pytest.raises(StoreError, match="geen versie 7"):
        store.restore_layers(NATIONAL, {"kernen": 7})


def test_a_version_whose_file_is_damaged_is_not_restored(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.write_region(NATIONAL, {"kernen": (_points(2), SOURCE)})
    store.write_region(NATIONAL, {"kernen": (_points(4), SOURCE)})
    older = store.layer_versions(NATIONAL, "kernen")[1]
    path = store.layer_path(NATIONAL, older)
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    before = store.manifest(NATIONAL)
    with pytest.raises(StoreError, match=r"niet te herstellen: .*controlegetal"):
        store.restore_layers(NATIONAL, {"kernen": 1})
    assert store.manifest(NATIONAL) == before


def test_cli_lists_versions_and_restores_one(tmp_path: Path, capsys) -> None:
    store = _small_store(tmp_path)
    store.write_region(NATIONAL, {"kernen": (_points(7), SOURCE)})
    code, out, _ = _cli(tmp_path, "herstel", "--laag", "kernen", capsys=capsys)
    assert code == 0
    assert "versie 0 (huidig): 7 rijen" in out
    assert "versie 1 (vervangen" in out
    code, out, _ = _cli(tmp_path, "herstel", "--laag", "kernen", "--versie", "1", capsys=capsys)
    assert code == 0, out
    assert "Hersteld: kernen (kernen) versie 1: 3 rijen" in out
    assert len(Store(tmp_path).read_layer(NATIONAL, "kernen")) == 3
    code, _, err = _cli(tmp_path, "herstel", "--versie", "1", capsys=capsys)
    assert code == 2
    assert "Noem de laag" in err
    assert "Traceback" not in err


@pytest.fixture
def drenthe(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    root = tmp_path / "kern_data"
    shutil.copytree(demo_region_store(tmp_path_factory, "drenthe"), root)
    return root


def test_replacing_the_country_from_fewer_files_needs_vervang_alles_and_can_be_undone(
    drenthe: Path, shared_data: Path, tmp_path: Path, capsys
) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    shutil.copy(shared_data / "pdok_wijkenbuurten_2023_gemeenten_simplified.geojson", folder)
    shutil.copy(shared_data / "fixtures" / "pdok_wijkenbuurten_2024_buurten_baarn.geojson",
                folder)
    store = Store(drenthe)
    before = store.manifest(NATIONAL)
    buurten = store.read_layer(NATIONAL, "buurten")
    code, _, err = _cli(drenthe, "import", "--from", str(folder), "--nl", capsys=capsys)
    assert code == 2
    assert "--vervang-alles" in err
    assert "12 gemeente(n) verwijderen" in err
    assert "Traceback" not in err
    assert store.manifest(NATIONAL) == before

    code, _, err = _cli(drenthe, "import", "--from", str(folder), "--nl", "--vervang-alles",
                          capsys=capsys)
    assert code in (0, 1), err
    assert set(store.read_layer(NATIONAL, "buurten")["gemeentecode"]) == {"GM0308"}

    code, _, err = _cli(drenthe, "herstel", "--laag", "buurten", "--versie", "1",
                          capsys=capsys)
    assert code == 0, err
    restored = store.read_layer(NATIONAL, "buurten")
    assert len(restored) == len(buurten)
    assert set(restored["gemeentecode"]) == set(DEMO_AREAS["drenthe"] or ())


def test_refreshing_one_gemeente_keeps_the_places_of_its_neighbours(
    drenthe: Path, shared_data: Path
) -> None:
    store = Store(drenthe)
    venues = store.read_layer(NATIONAL, "venues")
    others = venues[venues["gemeentecode"] != "GM1680"]
    assert len(others) > 0
    report = import_folder(shared_data, ["GM1680"], store=store)
    assert report.ok, report.summary()
    after = store.read_layer(NATIONAL, "venues")
    kept = after[after["gemeentecode"] != "GM1680"]
    assert sorted(kept["venue_id"]) == sorted(others["venue_id"])


class _Edges:
    def __init__(self, xs: list[float]) -> None:
        self.xs = np.asarray(xs, dtype=float)

    def arrays(self) -> dict[str, np.ndarray]:
        n = len(self.xs)
        return {"x": self.xs, "y": np.zeros(n), "u": np.arange(n - 1), "v": np.arange(1, n),
                "length": np.ones(n - 1), "oneway": np.zeros(n - 1, dtype=bool)}


def test_a_network_for_a_small_area_does_not_replace_a_larger_stored_one(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.write_region(NATIONAL, {"netwerk_bike": (_Edges([0, 50_000, 100_000]).arrays(),
                                                   SOURCE)})
    before = store.manifest(NATIONAL).layers["netwerk_bike"]
    small = (-10.0, -10.0, 1_000.0, 10.0)
    report = _store_networks(store, ["bike"], lambda _mode: _Edges([0, 500]), SOURCE, None,
                             coverage=small, replace_all=False)
    assert "netwerk_bike" in report.failed
    assert "--vervang-alles" in report.summary()
    assert "netwerk_bike" in report.kept
    assert store.manifest(NATIONAL).layers["netwerk_bike"] == before
    report = _store_networks(store, ["bike"], lambda _mode: _Edges([0, 500]), SOURCE, None,
                             coverage=small, replace_all=True)
    assert report.ok
    assert len(store.read_arrays(NATIONAL, "netwerk_bike")["x"]) == 2


# --- item 3: one lock across processes ------------------------------------------------------

HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from loaders.manifest import LayerSource
    from loaders.store import Store
    root = Path(sys.argv[1])
    store = Store(root)
    with store.writing("nl"):
        (root / "held").touch()
        while not (root / "go").exists():
            time.sleep(0.05)
        kernen = store.read_layer("nl", "kernen")
        source = LayerSource(source="houder", attribution="x")
        store.write_region("nl", {"kernen": (kernen.iloc[:1], source)})
    """
)

APPENDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import pandas as pd
    from loaders.manifest import LayerSource
    from loaders.store import Store
    root, name = Path(sys.argv[1]), sys.argv[2]
    store = Store(root)
    for i in range(4):
        with store.writing("nl"):
            table = store.read_layer("nl", "eenzaamheid")
            row = pd.DataFrame({"x": [f"{name}{i}"]})
            store.write_region("nl", {"eenzaamheid": (pd.concat([table.astype(str), row],
                                                      ignore_index=True),
                                                      LayerSource(source=name, attribution="x"))})
    """
)


def _spawn(code: str, *args: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen([sys.executable, "-c", code, *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for(path: Path, process: subprocess.Popen[str]) -> None:
    while not path.exists():
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)


def _collect(stream: object, into: list[str]) -> threading.Thread:
    reader = threading.Thread(target=lambda: into.extend(stream), daemon=True)  # type: ignore[arg-type]
    reader.start()
    return reader


def test_cli_and_web_writers_wait_for_another_process_and_all_end_cleanly(
    tmp_path: Path,
) -> None:
    store = _small_store(tmp_path)
    store.write_region(NATIONAL, {"kernen": (_points(5), SOURCE), "buurten": (_points(6), SOURCE)})
    holder = _spawn(HOLDER, str(tmp_path))
    _wait_for(tmp_path / "held", holder)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    clis = {
        layer: subprocess.Popen(
            [sys.executable, "-m", "loaders", "--data", str(tmp_path), "herstel", "--laag", layer,
             "--versie", "1"],
            env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        for layer in ("buurten", "kernen")
    }
    errors: dict[str, list[str]] = {layer: [] for layer in clis}
    readers = [_collect(cli.stderr, errors[layer]) for layer, cli in clis.items()]
    seen: list[str] = []
    web = threading.Thread(target=lambda: Store(tmp_path, on_wait=seen.append).write_region(
        NATIONAL, {"gemeente_indeling": (pd.DataFrame({"code": ["GM1680"]}), SOURCE)}))
    web.start()
    while not (seen and all(errors.values())):
        assert web.is_alive(), errors
        assert all(cli.poll() is None for cli in clis.values()), errors
        time.sleep(0.05)
    assert seen == [WAIT_MESSAGE]
    for layer in clis:
        assert errors[layer][0].strip() == "bezig: een andere opslag loopt nog, even wachten…"
    assert holder.poll() is None
    (tmp_path / "go").touch()
    web.join()
    assert holder.wait() == 0, holder.communicate()
    for layer, cli in clis.items():
        out = cli.stdout.read() if cli.stdout else ""
        assert cli.wait() == 0, errors[layer]
        assert f"Hersteld: {layer}" in out
    for reader in readers:
        reader.join()
    final = Store(tmp_path)
    manifest = final.manifest(NATIONAL)
    assert {"kernen", "buurten", "gemeente_indeling", "eenzaamheid"} <= set(manifest.layers)
    # the restore ran after the holder: it brought back the 5 kernen the holder replaced by 1
    assert len(final.read_layer(NATIONAL, "kernen")) == 5
    assert len(final.read_layer(NATIONAL, "buurten")) == 2
    assert all(c.status == OK for c in check_store(final))
    assert not [name for name in _files(tmp_path) if name.endswith(".tmp")]


def test_two_processes_appending_at_once_lose_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.write_region(NATIONAL, {"eenzaamheid": (pd.DataFrame({"x": ["start"]}), SOURCE)})
    writers = [_spawn(APPENDER, str(tmp_path), name) for name in ("a", "b")]
    for writer in writers:
        assert writer.wait() == 0, writer.communicate()
    rows = set(store.read_layer(NATIONAL, "eenzaamheid")["x"])
    assert rows == {"start"} | {f"{n}{i}" for n in "ab" for i in range(4)}
    assert all(c.status == OK for c in check_store(store))


def test_a_writer_that_waits_too_long_gives_up_in_dutch_and_changes_nothing(
    tmp_path: Path,
) -> None:
    store = _small_store(tmp_path)
    before = store.manifest(NATIONAL)
    holder = _spawn(HOLDER, str(tmp_path))
    try:
        _wait_for(tmp_path / "held", holder)
        impatient = Store(tmp_path, lock_timeout=0.3, on_wait=lambda _m: None)
        with pytest.raises(StoreError, match=r"Een andere opslag .* loopt al langer dan"):
            impatient.write_region(NATIONAL, {"buurten": (_points(9), SOURCE)})
        assert Store(tmp_path).manifest(NATIONAL) == before
    finally:
        (tmp_path / "go").touch()
        holder.wait()


# --- item 6: disk faults in Dutch -----------------------------------------------------------

def _state(root: Path) -> tuple[str, set[str]]:
    return (root / NATIONAL / "manifest.json").read_text(encoding="utf-8"), _files(root)


@pytest.mark.parametrize("where", ["os.replace", "os.fsync"])
def test_a_full_disk_gives_a_dutch_message_and_leaves_the_store_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    store = _small_store(tmp_path)
    before = _state(tmp_path)

    def full(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store_module.os, where.split(".")[1], full)
    with pytest.raises(StoreError) as caught:
        store.write_region(NATIONAL, {"kernen": (_points(8), SOURCE)})
    message = str(caught.value)
    assert "is vol" in message
    assert str(tmp_path / NATIONAL) in message
    assert "Er is niets gewijzigd" in message
    monkeypatch.undo()
    assert _state(tmp_path) == before
    assert len(store.read_layer(NATIONAL, "kernen")) == 3


def _make_read_only(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """chmod the region folder read-only; as root (where chmod does not bind) simulate it."""
    folder = root / NATIONAL
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return

    def denied(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(store_module.tempfile, "mkstemp", denied)
    monkeypatch.setattr(Store, "_write_layer_file", staticmethod(denied))


def test_a_read_only_store_gives_a_dutch_cli_error_without_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    store = _small_store(tmp_path)
    store.write_region(NATIONAL, {"kernen": (_points(7), SOURCE)})
    before = _state(tmp_path)
    _make_read_only(tmp_path, monkeypatch)
    try:
        code, _, err = _cli(tmp_path, "herstel", "--laag", "kernen", "--versie", "1",
                            capsys=capsys)
        assert code == 2
        assert "Geen schrijfrechten in de opslagmap" in err
        assert str(tmp_path) in err
        assert "Traceback" not in err
        assert "PermissionError" not in err
        with pytest.raises(StoreError, match="Geen schrijfrechten"):
            store.write_region(NATIONAL, {"buurten": (_points(4), SOURCE)})
    finally:
        (tmp_path / NATIONAL).chmod(0o755)
    assert _state(tmp_path) == before


WEB_SAVE = """
import sys
import streamlit as st
from loaders.corrections import add_place
from loaders.store import StoreError
from ui.store_check import web_store

x, y = float(sys.argv[1]), float(sys.argv[2])
try:
    add_place(web_store(), "nl", naam="Dorpshuis Proef", x=x, y=y)
except StoreError as exc:
    st.error(str(exc))
else:
    st.success("opgeslagen")
"""


def test_a_web_save_on_a_full_disk_shows_a_dutch_error_not_an_exception(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "kern_data"
    shutil.copytree(demo_region_store(tmp_path_factory, "aa-en-hunze"), root)
    kern = Store(root).read_layer(NATIONAL, "kernen").geometry.iloc[0].centroid
    before = _state(root)
    monkeypatch.setenv(DATA_ENV, str(root))

    def full(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store_module.os, "replace", full)
    monkeypatch.setattr(sys, "argv", ["app", str(kern.x + 137.0), str(kern.y + 71.0)])
    app = AppTest.from_string(WEB_SAVE, default_timeout=60).run()
    assert not app.exception, [e.value for e in app.exception]
    assert [e.value for e in app.error]
    assert "is vol" in app.error[0].value
    assert "Er is niets gewijzigd" in app.error[0].value
    monkeypatch.undo()
    assert _state(root) == before


# --- item 7: a store check ------------------------------------------------------------------

def _damage(store: Store, layer: str, how: str) -> None:
    path = store.layer_path(NATIONAL, store.manifest(NATIONAL).layers[layer])
    if how == "afgebroken":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif how == "weg":
        path.unlink()
    else:
        path.write_bytes(b"dit is geen parquet" * 50)


@pytest.mark.parametrize(("how", "status"), [("afgebroken", DAMAGED), ("weg", MISSING),
                                             ("rommel", DAMAGED)])
def test_a_damaged_layer_is_named_as_damaged_and_the_others_keep_working(
    tmp_path: Path, capsys, how: str, status: str
) -> None:
    store = _small_store(tmp_path)
    _damage(store, "kernen", how)
    verdicts = {c.layer: c for c in check_store(store)}
    assert verdicts["kernen"].status == status
    assert verdicts["buurten"].status == OK
    assert verdicts["eenzaamheid"].status == OK
    with pytest.raises(LayerDamagedError) as caught:
        store.read_layer(NATIONAL, "kernen")
    message = str(caught.value)
    assert "'kernen' is beschadigd" in message
    assert "herstel --laag kernen" in message
    assert str(tmp_path) not in message
    assert "importeer" not in message.lower()
    assert not any(word in message for word in ("Parquet", "magic", "No such file"))
    assert len(store.read_layer(NATIONAL, "buurten")) == 2
    code, out, _ = _cli(tmp_path, "controleer", capsys=capsys)
    assert code == 1
    assert f"kernen: {status}" in out
    assert "buurten: ok" in out
    code, out, _ = _cli(tmp_path, "list", capsys=capsys)
    assert code == 0
    assert "kernen: 3 rijen" in out
    assert "buurten: 2 rijen" in out
    assert status.upper() in out


def test_a_layer_stored_without_checksum_is_reported_as_such(tmp_path: Path) -> None:
    store = _small_store(tmp_path)
    path = tmp_path / NATIONAL / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    del manifest["layers"]["buurten"]["sha256"]
    path.write_text(json.dumps(manifest), encoding="utf-8")
    verdicts = {c.layer: c for c in check_store(store)}
    assert verdicts["buurten"].status == NO_CHECKSUM
    assert verdicts["buurten"].ok
    assert "vóór er controlegetallen waren" in verdicts["buurten"].detail


@pytest.mark.parametrize("garbage", ["{half", '{"layers": 3}', "", "[]"])
def test_a_damaged_manifest_falls_back_to_the_previous_one(
    tmp_path: Path, capsys, garbage: str
) -> None:
    store = _small_store(tmp_path)
    store.write_region(NATIONAL, {"buurten": (_points(6), SOURCE)})
    (tmp_path / NATIONAL / "manifest.json").write_text(garbage, encoding="utf-8")
    manifest = store.manifest(NATIONAL)
    assert manifest.layers["buurten"].rows == 2  # the previous good manifest
    assert len(store.read_layer(NATIONAL, "kernen")) == 3
    checks = check_store(store)
    assert checks[0].layer == MANIFEST_LAYER
    assert checks[0].status == DAMAGED
    assert "manifest.json.prev" in checks[0].detail
    code, out, err = _cli(tmp_path, "list", capsys=capsys)
    assert code == 0
    assert "LET OP: manifest.json is beschadigd" in err
    assert "kernen: 3 rijen" in out
    assert "eenzaamheid: 4 rijen" in out
    code, out, _ = _cli(tmp_path, "controleer", capsys=capsys)
    assert code == 1
    assert "manifest.json: beschadigd" in out
    store.write_region(NATIONAL, {"buurten": (_points(7), SOURCE)})  # a write repairs it
    assert store.manifest_problem(NATIONAL) is None
    assert all(c.ok for c in check_store(store))
    assert json.loads((tmp_path / NATIONAL / PREVIOUS_MANIFEST).read_text())["layers"]


def test_a_damaged_manifest_without_a_previous_one_is_a_dutch_error(
    tmp_path: Path, capsys
) -> None:
    Store(tmp_path).write_region(NATIONAL, {"kernen": (_points(1), SOURCE)})
    (tmp_path / NATIONAL / "manifest.json").write_text("{half", encoding="utf-8")
    code, _, err = _cli(tmp_path, "controleer", capsys=capsys)
    assert code == 2
    assert "onleesbaar" in err
    assert "Traceback" not in err


def test_the_gegevens_page_shows_the_check_with_the_damaged_layer(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "kern_data"
    shutil.copytree(demo_region_store(tmp_path_factory, "aa-en-hunze"), root)
    _damage(Store(root), "buurten", "afgebroken")
    monkeypatch.setenv(DATA_ENV, str(root))
    monkeypatch.chdir(REPO)
    app = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=120).run()
    app.switch_page("pages/gegevens.py")
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    errors = " ".join(e.value for e in app.error)
    assert "onderdelen hebben een probleem: Buurten." in errors
    table = app.dataframe[-1].value
    verdicts = dict(zip(table["Laag"], table["Toestand"], strict=True))
    assert verdicts.pop("buurten") == DAMAGED
    assert set(verdicts.values()) == {OK}
