"""The page 'Eigen lijst' in headless Chromium: upload a CSV through the real file input.

The e2e store is shared by every browser test, so the store's folder is copied first and put
back afterwards; the list is also removed through the page, as a user would.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.helpers import EXCEPTION, WIDTH, screenshot, settle
from tests.test_eigen_lijst_page import FILE, REGION, _stembureaus, _venue_csv

pytestmark = pytest.mark.e2e

UPLOAD_INPUT = '[data-testid="stFileUploaderDropzoneInput"]'


@pytest.fixture
def restored_store(e2e_store: Path, tmp_path: Path) -> Iterator[Path]:
    """The shared e2e store, with its folder put back as it was after the test."""
    backup = tmp_path / "backup"
    shutil.copytree(e2e_store / REGION, backup)
    yield e2e_store
    shutil.rmtree(e2e_store / REGION)
    shutil.copytree(backup, e2e_store / REGION)


def _metric(page, label: str) -> str:
    metric = page.get_by_test_id("stMetric").filter(has_text=label)
    return metric.get_by_test_id("stMetricValue").inner_text().strip()


def test_upload_check_store_and_remove_a_list(
    browser, streamlit_url: str, restored_store: Path, screenshot_dir: Path
) -> None:
    dialogs: list[str] = []
    page = browser.new_page(viewport={"width": WIDTH, "height": 1000})
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    _open_with_explanation(page, streamlit_url, screenshot_dir)
    _upload_and_check(page, restored_store, screenshot_dir)
    _store_the_list(page, screenshot_dir)
    _upload_again_as_a_duplicate(page, restored_store, screenshot_dir)
    _remove_the_list(page)
    assert dialogs == []
    page.close()


def _open_with_explanation(page, streamlit_url: str, screenshot_dir: Path) -> None:
    page.goto(f"{streamlit_url}/eigen-lijst", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Eigen lijst met ontmoetingsplekken").wait_for(timeout=30000)
    settle(page)
    page.get_by_text("Welke bestanden en kolommen worden herkend?").click()
    page.get_by_text("Decimale komma's mogen", exact=False).wait_for(timeout=30000)
    settle(page)
    screenshot(page, screenshot_dir / "eigen_lijst_uitleg.png")


def _upload_and_check(page, restored_store: Path, screenshot_dir: Path) -> None:
    page.set_input_files(UPLOAD_INPUT, files=[{
        "name": FILE, "mimeType": "text/csv", "buffer": _venue_csv(restored_store),
    }])
    page.get_by_role("heading", name="Controle per rij").wait_for(timeout=30000)
    page.wait_for_selector(".maplibregl-canvas", timeout=30000)
    settle(page)
    assert _metric(page, "Geaccepteerd") == str(len(_stembureaus()) + 1)
    assert _metric(page, "Afgewezen") == "1"
    assert _metric(page, "Dubbel") == "0"
    assert page.get_by_text("Kolom 'naam' gebruikt als naam.").is_visible()
    assert page.get_by_text("Kolom 'x' gebruikt als x-coördinaat.").is_visible()
    assert page.get_by_text(f"Bestand: {FILE}").is_visible()
    assert page.get_by_role("button", name="Lijst opslaan").is_visible()
    screenshot(page, screenshot_dir / "eigen_lijst_controle.png")
    assert page.locator(EXCEPTION).count() == 0


def _store_the_list(page, screenshot_dir: Path) -> None:
    page.get_by_role("button", name="Lijst opslaan").click()
    page.get_by_text(f"Lijst {FILE} is opgeslagen").wait_for(timeout=30000)
    page.get_by_role("heading", name="Samengevoegde plekken").wait_for(timeout=30000)
    settle(page)
    assert page.get_by_text(f"{len(_stembureaus()) + 1} plekken", exact=True).is_visible()
    screenshot(page, screenshot_dir / "eigen_lijst_opgeslagen.png")
    assert page.locator(EXCEPTION).count() == 0


def _upload_again_as_a_duplicate(page, restored_store: Path, screenshot_dir: Path) -> None:
    page.set_input_files(UPLOAD_INPUT, files=[{
        "name": FILE, "mimeType": "text/csv", "buffer": _venue_csv(restored_store),
    }])
    page.get_by_text("Er is al een opgeslagen lijst met deze naam").wait_for(timeout=30000)
    page.get_by_text(f"Vervang de opgeslagen lijst '{FILE}'").wait_for(timeout=30000)
    settle(page)
    assert _metric(page, "Dubbel") == "0"
    page.get_by_text("Voeg toe als aparte lijst").click()
    page.get_by_text("Alle bruikbare plekken uit dit bestand staan al in een opgeslagen lijst",
                     exact=False).wait_for(timeout=30000)
    settle(page)
    assert _metric(page, "Dubbel") == str(len(_stembureaus()) + 1)
    assert page.get_by_role("button", name="Lijst opslaan").count() == 0
    screenshot(page, screenshot_dir / "eigen_lijst_dubbel.png")
    assert page.locator(EXCEPTION).count() == 0
    page.get_by_role("button", name="Ander bestand kiezen").click()
    page.get_by_text("Het bestand is niet opgeslagen.").wait_for(timeout=30000)
    settle(page)


def _remove_the_list(page) -> None:
    page.get_by_role("button", name="Verwijderen").click()
    page.get_by_text(f"Lijst {FILE} is verwijderd").wait_for(timeout=30000)
    settle(page)
    assert page.get_by_text("Er is nog geen eigen lijst opgeslagen.").is_visible()
    assert page.locator(EXCEPTION).count() == 0
