"""Stores built from the shared data once per test session, reused by every module that asks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from filelock import FileLock

from loaders.build import import_folder
from loaders.store import NATIONAL, Store
from pipeline.reach import refresh_reach
from tests.conftest import SHARED_DATA

DRENTHE = ("GM0106", "GM0109", "GM0114", "GM0118", "GM0119", "GM1680", "GM1681", "GM1690",
           "GM1699", "GM1701", "GM1730", "GM1731")
DEMO_AREAS: dict[str, tuple[str, ...] | None] = {
    "aa-en-hunze": ("GM1680",),
    "baarn": ("GM0308",),
    "drenthe": DRENTHE,
    "nl": None,
}
"""Test stores: the national store holding one gemeente, a province, or the whole country."""
REGION = NATIONAL
"""The store's one dataset, as tests read it (``Store(root).read_layer(REGION, ...)``)."""


def demo_region_store(tmp_path_factory: pytest.TempPathFactory, region: str) -> Path:
    """A national store holding only the gemeenten of ``region`` (see :data:`DEMO_AREAS`).

    Built on first use in the session's base temp folder (with the stored reach); later calls
    return the same folder, so a province or the country is imported once however many modules
    use it. Under pytest-xdist the workers share the folder of the whole run and a file lock
    makes one of them build it while the others wait. Do not write into it.
    """
    root = _run_folder(tmp_path_factory) / "demo_stores" / region
    root.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(root.with_suffix(".lock")):
        if (root / NATIONAL / "manifest.json").is_file():
            return root
        if not SHARED_DATA.is_dir():
            pytest.fail(f"shared data folder not found at {SHARED_DATA}")
        store = Store(root)
        codes = DEMO_AREAS[region]
        report = import_folder(SHARED_DATA, None if codes is None else list(codes), store=store)
        assert report.ok, report.summary()
        refresh_reach(store)
    return root


def _run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The temp folder of the whole test run: shared by all pytest-xdist workers."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
