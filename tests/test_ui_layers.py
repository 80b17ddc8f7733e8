"""Cached layer reading: re-read after every refresh, None for what is not there."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from loaders.manifest import LayerSource, Manifest
from loaders.store import NATIONAL, Store
from ui.layers import load_layer

SOURCE = LayerSource(source="test", attribution="Bron: RIVM", year="2020", indeling="2020")


def _write(root: Path, value: float) -> Manifest:
    frame = pd.DataFrame({"regiocode": ["NL01"], "eenzaam_pct": [value]})
    return Store(root).write_region(NATIONAL, {"eenzaamheid": (frame, SOURCE)})


def test_a_refresh_within_the_same_second_is_read_again(tmp_path: Path) -> None:
    first = _write(tmp_path, 47.0)
    assert load_layer(str(tmp_path), first, "eenzaamheid")["eenzaam_pct"].tolist() == [47.0]
    second = _write(tmp_path, 43.4)
    assert load_layer(str(tmp_path), second, "eenzaamheid")["eenzaam_pct"].tolist() == [43.4]
    assert load_layer(str(tmp_path), second, "buurten") is None


def test_an_unreadable_layer_gives_none(tmp_path: Path) -> None:
    manifest = _write(tmp_path, 47.0)
    (tmp_path / NATIONAL / manifest.layers["eenzaamheid"].file).write_bytes(b"kapot")
    assert load_layer(str(tmp_path), manifest, "eenzaamheid") is None
