"""The Scenario page in headless Chromium: close a meeting place, see the affected kernen."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import EXCEPTION, WIDTH, screenshot, settle

pytestmark = pytest.mark.e2e

SCHIPBORG = "stemlokaal:TK2023:26964"


def test_closing_a_dorpshuis_shows_the_affected_kernen(
    browser, streamlit_url: str, screenshot_dir: Path
) -> None:
    page = browser.new_page(viewport={"width": WIDTH, "height": 1000})
    page.goto(f"{streamlit_url}/scenario", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Scenario: ontmoetingsplekken sluiten of toevoegen").wait_for(
        timeout=30000
    )
    page.get_by_text("Kies hierboven een of meer ontmoetingsplekken").wait_for(timeout=30000)
    settle(page)

    chooser = page.get_by_test_id("stMultiSelect").filter(
        has_text="Welke ontmoetingsplekken sluiten?"
    )
    chooser.locator("input").click()
    chooser.locator("input").fill("Schipborg")
    page.get_by_role("option", name="Dorpshuis Schipborg (Dorpshuis)").click()
    page.keyboard.press("Escape")
    page.get_by_text("Geraakte kernen").wait_for(timeout=30000)
    page.wait_for_selector(".js-plotly-plot", timeout=30000)
    settle(page)

    assert page.get_by_test_id("stDataFrame").first.is_visible()
    expect(page.locator(".js-plotly-plot")).to_have_count(1, timeout=30000)
    affected = page.get_by_test_id("stMetric").filter(has_text="Kernen geraakt")
    expect(affected).to_have_count(1, timeout=30000)
    assert parse_qs(urlsplit(page.url).query)["dicht"] == [SCHIPBORG]
    screenshot(page, screenshot_dir / "scenario.png")
    assert page.locator(EXCEPTION).count() == 0
    page.close()
