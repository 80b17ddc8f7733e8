"""The Scenario page in headless Chromium: close a meeting place, see the affected kernen."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

EXCEPTION = '[data-testid="stException"]'
WIDTH = 1400
SCHIPBORG = "stemlokaal:TK2023:26964"


def _settle(page) -> None:
    """Wait until the script run is over and the charts have drawn."""
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=30000)
    page.wait_for_timeout(1500)


def _screenshot(page, path: Path) -> None:
    """The whole page: grow the viewport to the height of the main area, which scrolls."""
    height = page.evaluate(
        "() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight"
    )
    page.set_viewport_size({"width": WIDTH, "height": max(1000, int(height))})
    page.wait_for_timeout(1000)
    page.screenshot(path=str(path), full_page=True)


def test_closing_a_dorpshuis_shows_the_affected_kernen(
    browser, streamlit_url: str, screenshot_dir: Path
) -> None:
    page = browser.new_page(viewport={"width": WIDTH, "height": 1000})
    page.goto(f"{streamlit_url}/scenario", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Scenario: ontmoetingsplekken sluiten of toevoegen").wait_for(
        timeout=30000
    )
    page.get_by_text("Kies hierboven een of meer ontmoetingsplekken").wait_for(timeout=30000)
    _settle(page)

    chooser = page.get_by_test_id("stMultiSelect").filter(
        has_text="Welke ontmoetingsplekken sluiten?"
    )
    chooser.locator("input").click()
    chooser.locator("input").fill("Schipborg")
    page.get_by_role("option", name="Dorpshuis Schipborg (Dorpshuis)").click()
    page.keyboard.press("Escape")
    page.get_by_text("Geraakte kernen").wait_for(timeout=30000)
    page.wait_for_selector(".js-plotly-plot", timeout=30000)
    _settle(page)

    assert page.get_by_test_id("stDataFrame").first.is_visible()
    expect(page.locator(".js-plotly-plot")).to_have_count(1, timeout=30000)
    affected = page.get_by_test_id("stMetric").filter(has_text="Kernen geraakt")
    expect(affected).to_have_count(1, timeout=30000)
    assert parse_qs(urlsplit(page.url).query)["dicht"] == [SCHIPBORG]
    _screenshot(page, screenshot_dir / "scenario.png")
    assert page.locator(EXCEPTION).count() == 0
    page.close()
