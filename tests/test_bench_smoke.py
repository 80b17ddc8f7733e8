"""The page benchmarks still run: each script in its quick mode exits 0 and ends with its score.

Only that is checked; timings are never asserted (they depend on the machine).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.region_stores import demo_region_store

REPO = Path(__file__).resolve().parent.parent
LAST_LINE = re.compile(r"doelen gehaald: \d+ van \d+")


@pytest.fixture(scope="module")
def national_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole country (shared with other tests of the session)."""
    return demo_region_store(tmp_path_factory, "nl")


def _run(script: str, *args: str, timeout: int) -> str:
    done = subprocess.run(
        [sys.executable, f"bench/{script}", *args], cwd=REPO, capture_output=True, text=True,
        timeout=timeout, check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    assert lines, done.stderr[-3000:]
    assert LAST_LINE.fullmatch(lines[-1]), lines[-5:]
    return done.stdout


def test_bench_pages_quick_mode(national_store: Path) -> None:
    _run("bench_pages.py", "--snel", "--zonder-browser", "--opslag", str(national_store),
         timeout=300)


def test_bench_load_quick_mode(national_store: Path) -> None:
    out = _run("bench_load.py", "--snel", "--opslag", str(national_store), timeout=300)
    assert "mislukt" in out


def test_bench_network_quick_mode() -> None:
    out = _run("bench_network.py", "--snel", timeout=300)
    assert "knopen over" in out
    assert "projectie landelijk extract" in out


def test_bench_nearest_quick_mode() -> None:
    out = _run("bench_nearest.py", "--snel", timeout=300)
    assert "ratio k=2 / bare" in out


def test_bench_exports_quick_mode(national_store: Path) -> None:
    out = _run("bench_exports.py", "--snel", "--opslag", str(national_store), timeout=300)
    assert "PNG grafiek, warm" in out
    assert "GeoPackage (EPSG:28992)" in out


def test_bench_scenario_quick_mode() -> None:
    out = _run("bench_scenario.py", "--snel", timeout=300)
    assert "close_venues" in out
