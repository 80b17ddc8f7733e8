"""A real ``streamlit run dashboard.py`` server and a headless Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from loaders.store import DATA_ENV, NATIONAL
from rendering.images import HEADLESS_FLAGS
from tests.region_stores import demo_region_store

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = list(HEADLESS_FLAGS)
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def e2e_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The national store holding Aa en Hunze, with its reach stored.

    A copy of the session's demo store, because the browser tests write into it (the Eigen lijst
    test puts it back afterwards).
    """
    root = tmp_path_factory.mktemp("kern_data")
    shutil.copytree(demo_region_store(tmp_path_factory, "aa-en-hunze") / NATIONAL,
                    root / NATIONAL)
    return root


@contextmanager
def serve(root: Path) -> Iterator[str]:
    """``streamlit run dashboard.py`` on a free local port with ``root`` as the store."""
    port = _free_port()
    env = dict(os.environ, **{DATA_ENV: str(root)})
    log_path = root / "streamlit.log"
    log = log_path.open("w")  # closed below, after the server stopped
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                if requests.get(f"{url}/_stcore/health", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            if process.poll() is not None or time.time() > deadline:
                raise RuntimeError(log_path.read_text())
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


@pytest.fixture(scope="session")
def streamlit_url(e2e_store: Path) -> Iterator[str]:
    """The dashboard on the store holding Aa en Hunze."""
    with serve(e2e_store) as url:
        yield url


@pytest.fixture(scope="session")
def national_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard on the whole country (342 gemeenten); the tests only read it."""
    with serve(demo_region_store(tmp_path_factory, "nl")) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[SharedContexts]:
    """Headless Debian Chromium; fails (not skips) when it is not installed."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"{CHROMIUM} ontbreekt: installeer Debian's chromium"
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield SharedContexts(instance)
        instance.close()


class SharedContexts:
    """The browser, handing out pages from one context per viewport and device.

    Each page is a new tab, so a new Streamlit session; the pages of one context share the
    browser's cache, so the dashboard's scripts and fonts are fetched and compiled once per
    context instead of once per page (a few tenths of a second of both cores per page).
    """

    def __init__(self, instance: object) -> None:
        self._instance = instance
        self._contexts: dict[tuple[tuple[str, object], ...], object] = {}

    def new_page(
        self, *, viewport: dict[str, int], shared: bool = True, **options: object
    ) -> object:
        """A new tab with ``viewport`` and the context ``options`` (``is_mobile`` and so on).

        With ``shared=False`` the tab gets a context of its own, closed with it (for the
        hostile links, whose half-megabyte addresses should meet a browser as fresh as a
        visitor's).
        """
        settings = {"viewport": viewport, **options}
        if not shared:
            return self._instance.new_page(**settings)
        key = tuple(sorted((name, repr(value)) for name, value in settings.items()))
        if key not in self._contexts:
            self._contexts[key] = self._instance.new_context(**settings)
        return self._contexts[key].new_page()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    """Folder for the screenshots of the browser tests; printed so a person can look."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    print(f"\nschermafbeeldingen: {SCREENSHOTS}")
    return SCREENSHOTS


@pytest.fixture(scope="session")
def phone_dir() -> Path:
    """``test-artifacts/phone/``: each page on a phone and on a desktop, for a person to look at."""
    folder = SCREENSHOTS.parent / "phone"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
