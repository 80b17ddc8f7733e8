"""Every page through Streamlit's AppTest, on an empty store and on a stored region."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point
from streamlit.testing.v1 import AppTest

from loaders.store import DATA_ENV, LayerSource, Store

REPO = Path(__file__).resolve().parent.parent


def _run(monkeypatch: pytest.MonkeyPatch, root: Path) -> AppTest:
    monkeypatch.setenv(DATA_ENV, str(root))
    monkeypatch.chdir(REPO)
    app = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=60)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_status_page_empty_store_shows_help(monkeypatch, tmp_path: Path) -> None:
    app = _run(monkeypatch, tmp_path)
    assert app.title[0].value == "Gegevens"
    assert "nog geen regio opgeslagen" in app.info[0].value
    assert "python -m loaders import" in app.info[0].value


def test_status_page_lists_region_with_sources(monkeypatch, tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({"kern_id": ["a"], "naam": ["Gieten"]},
                             geometry=[Point(240000, 553000)], crs="EPSG:28992")
    source = LayerSource(source="/data/kernen.csv", attribution="Bron: CBS (CC BY 4.0)",
                         year="2021", fetched_at="2026-11-27T09:30:00+00:00")
    Store(tmp_path).write_region("aa-en-hunze", {"kernen": (frame, source)},
                                 name="Aa en Hunze", gemeenten=["GM1680"])
    app = _run(monkeypatch, tmp_path)
    regions = app.dataframe[0].value
    assert regions["Regio"].tolist() == ["Aa en Hunze"]
    assert regions["Gemeenten"].tolist() == ["GM1680"]
    layers = app.dataframe[1].value
    assert layers["Bron"].tolist() == ["/data/kernen.csv"]
    assert layers["Opgehaald"].tolist() == ["27-11-2026 09:30 UTC"]
    assert layers["Naamsvermelding"].tolist() == ["Bron: CBS (CC BY 4.0)"]


def test_status_page_survives_a_corrupt_manifest(monkeypatch, tmp_path: Path) -> None:
    (tmp_path / "kapot").mkdir()
    (tmp_path / "kapot" / "manifest.json").write_text("{", encoding="utf-8")
    app = _run(monkeypatch, tmp_path)
    assert "onleesbaar" in app.error[0].value
