"""The dashboard in a real headless Chromium against ``streamlit run``."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

EXCEPTION = '[data-testid="stException"]'


def _open(browser, url: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector('[data-testid="stApp"]', timeout=30000)
    return page


def test_status_page_shows_stored_region(browser, streamlit_url: str, screenshot_dir: Path) -> None:
    page = _open(browser, f"{streamlit_url}/gegevens")
    page.get_by_role("heading", name="Gegevens").wait_for(timeout=30000)
    page.get_by_text("Opgeslagen regio's").wait_for(timeout=30000)
    page.get_by_text("Aa en Hunze — bronnen per laag").wait_for(timeout=30000)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(screenshot_dir / "gegevens.png"), full_page=True)
    assert page.locator(EXCEPTION).count() == 0
    page.close()
