"""Stores built from the shared data once per test session, reused by every module that asks."""

from __future__ import annotations

from pathlib import Path

import pytest

from loaders.__main__ import DEMO_REGIONS
from loaders.build import import_folder
from loaders.store import Store
from tests.conftest import SHARED_DATA


def demo_region_store(tmp_path_factory: pytest.TempPathFactory, region: str) -> Path:
    """A store holding only the demo region ``region`` (``aa-en-hunze``, ``drenthe``).

    Built on first use in the session's base temp folder; later calls return the same folder,
    so a province is imported once however many modules use it. Do not write into it.
    """
    root = tmp_path_factory.getbasetemp() / "demo_stores" / region
    if (root / region / "manifest.json").is_file():
        return root
    if not SHARED_DATA.is_dir():
        pytest.fail(f"shared data folder not found at {SHARED_DATA}")
    name, codes = DEMO_REGIONS[region]
    report = import_folder(SHARED_DATA, codes, region=region, name=name, store=Store(root))
    assert report.ok, report.summary()
    return root
