"""The typed manifest: old stores still open, JSON round trips, one data key for every cache."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from pathlib import Path

import pandas as pd
import pytest

from loaders.check import NO_CHECKSUM, check_store
from loaders.manifest import LayerEntry, LayerSource, Manifest, NotAManifestError
from loaders.store import NATIONAL, Store

OLD_ENTRY = {
    "source": "/data/pdok_gemeenten.geojson", "attribution": "Bron: CBS / Kadaster",
    "table_id": "", "year": "2023", "indeling": "2023", "licence": "", "note": "",
    "inputs": "", "fetched_at": "2026-12-06T22:40:18+00:00",
    "file": "eenzaamheid-8e3789f66047.parquet", "rows": 1, "geometry": False, "arrays": False,
}
"""A layer as the store wrote it before history, sizes and checksums were recorded."""


def test_an_old_manifest_reads_and_writes_back_unchanged() -> None:
    old = {"region": NATIONAL, "name": "Nederland", "gemeenten": ["GM1680"],
           "updated_at": "2026-12-06T22:40:18+00:00", "layers": {"eenzaamheid": OLD_ENTRY}}
    manifest = Manifest.from_json(json.dumps(old))
    entry = manifest.layers["eenzaamheid"]
    assert (entry.rows, entry.bytes, entry.sha256, entry.year) == (1, None, "", "2023")
    assert manifest.history == {}
    assert manifest.to_dict() == old


def test_unknown_keys_survive_a_round_trip() -> None:
    raw = {"region": NATIONAL, "layers": {"kernen": {"file": "k.parquet", "extra_key": [1]}},
           "toekomst": {"a": 1}}
    again = Manifest.from_dict(raw).to_dict()
    assert again["toekomst"] == {"a": 1}
    assert again["layers"]["kernen"]["extra_key"] == [1]
    assert Manifest.from_dict(again) == Manifest.from_dict(raw)


@pytest.mark.parametrize("text", ['{"layers": {}}', '{"region": "nl"}', "[]",
                                  '{"region": 1, "layers": {}}'])
def test_json_that_is_not_a_manifest_is_refused(text: str) -> None:
    with pytest.raises(NotAManifestError):
        Manifest.from_json(text)


def test_an_entry_that_is_not_a_mapping_stays_as_damaged() -> None:
    manifest = Manifest.from_dict({"region": NATIONAL, "layers": {"kernen": "kapot"}})
    assert manifest.layers["kernen"] == LayerEntry(file="")


def test_a_written_layer_keeps_every_field_of_its_source_in_the_manifest(
    tmp_path: Path,
) -> None:
    source = LayerSource(source="bestand.csv", attribution="Bron: CBS (CC BY 4.0)",
                         table_id="85984NED", year="2024", indeling="2024", licence="CC BY 4.0",
                         note="proef", inputs="kernen", fetched_at="2026-01-02T03:04:05+00:00")
    store = Store(tmp_path)
    store.write_region(NATIONAL, {"kernen": (pd.DataFrame({"kern_id": ["a"]}), source)},
                       name="Nederland")
    entry = store.manifest(NATIONAL).layers["kernen"]
    assert {key: getattr(entry, key) for key in asdict(source)} == asdict(source)
    written = json.loads((tmp_path / NATIONAL / "manifest.json").read_text(encoding="utf-8"))
    assert asdict(source).items() <= written["layers"]["kernen"].items()


def test_a_stored_entry_can_be_the_source_of_a_new_write(tmp_path: Path) -> None:
    store = Store(tmp_path)
    first = LayerSource(source="bestand.csv", attribution="Bron: CBS", year="2024")
    store.write_region(NATIONAL, {"kernen": (pd.DataFrame({"kern_id": ["a"]}), first)})
    entry = store.manifest(NATIONAL).layers["kernen"]
    store.write_region(NATIONAL, {"kernen": (pd.DataFrame({"kern_id": ["a", "b"]}), entry)})
    again = store.manifest(NATIONAL).layers["kernen"]
    assert (again.source, again.year, again.rows) == ("bestand.csv", "2024", 2)
    assert again.file != entry.file
    with pytest.raises(TypeError):
        LayerSource("bestand.csv", "Bron: CBS")  # type: ignore[misc]


def test_data_key_changes_only_with_the_layers_it_names() -> None:
    manifest = Manifest(NATIONAL, layers={"kernen": LayerEntry(file="kernen-a.parquet"),
                                          "venues": LayerEntry(file="venues-a.parquet")})
    rewritten = replace(manifest, layers={**manifest.layers,
                                          "venues": LayerEntry(file="venues-b.parquet")})
    assert rewritten.data_key(["kernen"]) == manifest.data_key(["kernen"])
    assert rewritten.data_key(["venues"]) != manifest.data_key(["venues"])
    assert rewritten.data_key() != manifest.data_key()
    assert manifest.data_key(["kernen", "netwerk_bike"]) != manifest.data_key(["kernen"])
    assert manifest.data_key(["venues", "kernen"]) == manifest.data_key(("kernen", "venues"))


def test_an_old_store_opens_reads_and_takes_a_new_write(tmp_path: Path) -> None:
    folder = tmp_path / NATIONAL
    folder.mkdir()
    pd.DataFrame({"regiocode": ["NL01"]}).to_parquet(folder / OLD_ENTRY["file"], index=False)
    old = {"region": NATIONAL, "name": "Nederland", "gemeenten": ["GM1680"],
           "layers": {"eenzaamheid": OLD_ENTRY}}
    (folder / "manifest.json").write_text(json.dumps(old), encoding="utf-8")
    store = Store(tmp_path)
    assert store.read_layer(NATIONAL, "eenzaamheid")["regiocode"].tolist() == ["NL01"]
    assert [c.status for c in check_store(store, NATIONAL)] == [NO_CHECKSUM]
    frame = pd.DataFrame({"regiocode": ["NL01", "GM1680"]})
    source = LayerSource(source="t", attribution="Bron: t")
    written = store.write_region(NATIONAL, {"eenzaamheid": (frame, source)})
    assert written == store.manifest(NATIONAL)
    assert written.layers["eenzaamheid"].rows == 2
    assert written.layers["eenzaamheid"].sha256
    older = written.history["eenzaamheid"][0]
    assert older.file == OLD_ENTRY["file"]
    assert older.replaced_at
    assert older.sha256 == ""
    on_disk = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert "sha256" not in on_disk["history"]["eenzaamheid"][0]
    assert on_disk["gemeenten"] == ["GM1680"]
