"""The whole country in a real browser, at desktop and phone size: the first page, a province
to compare, and finding a gemeente by typing its name."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import EXCEPTION, cut_off_figures, screenshot, settle, url_query

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 1000}


def _open(browser, url: str, viewport: dict[str, int]):
    page = browser.new_page(viewport=viewport)
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector('[data-testid="stApp"]', timeout=60000)
    page.get_by_role("heading", level=1).first.wait_for(timeout=60000)
    settle(page)
    return page


@pytest.mark.parametrize(("size", "viewport"), [("desktop", DESKTOP), ("telefoon", PHONE)])
def test_overview_of_the_netherlands(
    browser, national_url: str, screenshot_dir: Path, size: str, viewport: dict[str, int]
) -> None:
    page = _open(browser, f"{national_url}/?gebied=NL", viewport)
    try:
        assert page.locator(EXCEPTION).count() == 0
        title = page.get_by_role("heading", level=1).first.inner_text()
        assert title == "Ontmoetingsplekken in Nederland"
        # The status line counts the gemeenten, never lists 342 codes.
        expect(page.get_by_text("Nederland (342 gemeenten)").first).to_be_visible()
        expect(page.get_by_text("Kernen zonder plek binnen 2 km").first).to_be_visible()
        assert not cut_off_figures(page)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
        assert overflow <= 1, f"the page scrolls sideways by {overflow} px at {size} size"
        screenshot(page, screenshot_dir / f"nl-overzicht-{size}.png", main_area=False)
    finally:
        page.close()


def test_compare_the_gemeenten_of_a_province(
    browser, national_url: str, screenshot_dir: Path
) -> None:
    page = _open(browser, f"{national_url}/vergelijken?gebied=provincie-noord-brabant", DESKTOP)
    try:
        assert page.locator(EXCEPTION).count() == 0
        assert page.get_by_role("heading", level=1).first.inner_text() == "Gemeenten vergelijken"
        page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=30000)
        chosen = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first
        assert chosen.locator("input").first.input_value() == "Noord-Brabant (provincie)"
        screenshot(page, screenshot_dir / "nb-vergelijken.png", main_area=False)
    finally:
        page.close()


def test_a_gemeente_is_found_by_typing_its_name(
    browser, national_url: str, screenshot_dir: Path
) -> None:
    page = _open(browser, f"{national_url}/?gebied=NL", DESKTOP)
    try:
        box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first
        box.click()
        page.keyboard.type("Eemsdel")
        page.get_by_role("option", name="Eemsdelta").click()
        page.wait_for_function("() => location.search.includes('gebied=GM1979')", timeout=30000)
        page.get_by_role("heading", name="Ontmoetingsplekken in Eemsdelta").wait_for(
            timeout=30000)
        settle(page)
        assert url_query(page)["gebied"] == ["GM1979"]
        assert page.locator(EXCEPTION).count() == 0
        screenshot(page, screenshot_dir / "eemsdelta-overzicht.png", main_area=False)
    finally:
        page.close()


def test_key_figures_of_the_country_fit_beside_each_other(browser, national_url: str) -> None:
    """Three key figures share the width on Kernen; national numbers must not end in "…"."""
    page = _open(browser, f"{national_url}/kernen?gebied=NL", DESKTOP)
    try:
        assert page.locator(EXCEPTION).count() == 0
        figures = page.get_by_test_id("stMetricValue")
        expect(figures).to_have_count(3)
        assert not cut_off_figures(page)
    finally:
        page.close()
