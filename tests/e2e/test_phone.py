"""Every page on a phone (390 × 844); ``test_accessibility.py`` saves the desktop screenshots.

On the national store with one gemeente chosen (Aa en Hunze), as a councillor opens a shared
link on a phone: nothing on a page reaches past the screen's right edge (a table or map scrolls
inside its own box instead), and on *Kaart* the map takes the full width with its legend and
colour bars below it. With ``pytest --screenshots`` each page is saved to
``test-artifacts/phone/`` (``<page>.png`` on the phone; ``<page>-desktop.png`` comes from the
desktop axe test) for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import REPO
from tests.e2e.helpers import AREA, EXCEPTION, page_url, screenshot, settle

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}
PHONE_AGENT = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
               "Chrome/126.0 Mobile Safari/537.36")
"""A phone's browser, which the Kaart page recognises to fit its map to a narrow screen."""
KERN = "Gasteren"
PAGES = sorted(p.stem for p in (REPO / "pages").glob("*.py") if p.stem != "kaart")
"""Every page by its file name, which is its URL path (``ui.frame.navigation_pages``); Kaart
has a test of its own below, which checks it as these do and then its map and a kern."""
FULL_WIDTH = 0.9
"""The chart's share of the phone's width at least (the page keeps a small margin)."""
MAP_WIDTH = 0.95
"""The map's share of its chart's width at least (the figure keeps a few pixels of margin)."""

OVERFLOW_SCRIPT = """
() => {
  const width = document.documentElement.clientWidth;
  const clipped = el => {
    for (let up = el.parentElement; up; up = up.parentElement) {
      if (/(auto|scroll|hidden|clip)/.test(getComputedStyle(up).overflowX)) return true;
    }
    return false;
  };
  const found = [];
  for (const el of document.querySelectorAll('[data-testid="stMain"] *')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (box.right <= width + 1 && box.left >= -1) continue;
    if (clipped(el)) continue;
    const id = el.closest('[data-testid]')?.dataset.testid ?? '';
    found.push(`${el.tagName.toLowerCase()} in ${id}: ${Math.round(box.left)}..`
               + `${Math.round(box.right)} px, "${(el.innerText ?? '').slice(0, 40)}"`);
  }
  return found;
}
"""
"""Elements of the main area that reach past the screen sideways and are not inside a box
that scrolls or clips them (the data grids and the map scroll inside their own box)."""

BOXES_SCRIPT = """
() => {
  const box = el => { const r = el.getBoundingClientRect();
                      return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
  const chart = document.querySelector('[data-testid="stPlotlyChart"]');
  const map = chart.querySelector('.maplibregl-canvas');
  return {
    chart: box(chart),
    map: box(map),
    legend: [...chart.querySelectorAll('g.legend')].map(box),
    bars: [...chart.querySelectorAll('g.colorbar')].map(box),
  };
}
"""


def _address(url: str, path: str) -> str:
    """The page ``path`` with Aa en Hunze chosen."""
    return f"{page_url(url, path)}?gebied={AREA}"


def _open(browser, url: str, viewport: dict[str, int]):
    """A phone or desktop page at ``url``, once its script run is over."""
    phone = viewport == PHONE
    page = browser.new_page(viewport=viewport, is_mobile=phone, has_touch=phone,
                            user_agent=PHONE_AGENT if phone else None)
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector('[data-testid="stApp"]', timeout=60000)
    page.get_by_role("heading", level=1).first.wait_for(timeout=60000)
    settle(page)
    return page


def _sideways(page) -> list[str]:
    """What sticks out sideways: the document's overflow and the elements of the main area."""
    overflow = page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
    found = list(page.evaluate(OVERFLOW_SCRIPT))
    if overflow > 1:
        found.insert(0, f"the page scrolls sideways by {overflow} px")
    return found


@pytest.mark.parametrize("path", PAGES)
def test_page_fits_a_phone(browser, national_url: str, phone_dir: Path, path: str) -> None:
    page = _open(browser, _address(national_url, path), PHONE)
    try:
        assert page.locator(EXCEPTION).count() == 0
        screenshot(page, phone_dir / f"{path}.png")
        assert _sideways(page) == []
    finally:
        page.close()


def test_kaart_on_a_phone_map_full_width_legend_below(
    browser, national_url: str, phone_dir: Path
) -> None:
    page = _open(browser, _address(national_url, "kaart"), PHONE)
    try:
        assert page.locator(EXCEPTION).count() == 0
        screenshot(page, phone_dir / "kaart.png")
        assert _sideways(page) == []
        page.locator(".maplibregl-canvas").first.wait_for(timeout=30000)
        boxes = page.evaluate(BOXES_SCRIPT)
        chart, drawn = boxes["chart"], boxes["map"]
        width = chart["right"] - chart["left"]
        assert width >= FULL_WIDTH * PHONE["width"]
        assert drawn["right"] - drawn["left"] >= MAP_WIDTH * width
        assert boxes["legend"], "the map has a legend"
        expect(page.get_by_text("Tik op een kern, buurt of plek")).to_be_visible()
        assert page.get_by_text("Beweeg over een kern").count() == 0
        assert len(boxes["bars"]) == 2, "loneliness of the buurten and distance of the kernen"
        for part in [*boxes["legend"], *boxes["bars"]]:
            assert part["top"] >= drawn["bottom"] - 1, f"{part} is not below the map {drawn}"
            assert part["right"] <= PHONE["width"] + 1, f"{part} is cut off on the right"

        chooser = page.locator('[data-testid="stSelectbox"]').filter(has_text="Kern").last
        chooser.click()
        page.keyboard.type(KERN)
        page.get_by_role("option", name=KERN).first.click()
        page.get_by_role("heading", name=KERN).first.wait_for(timeout=60000)
        settle(page)
        assert page.locator(EXCEPTION).count() == 0
        screenshot(page, phone_dir / "kaart-kern.png")
        assert _sideways(page) == []
    finally:
        page.close()
