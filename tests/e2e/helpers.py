"""Small Playwright helpers shared by the browser tests."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

EXCEPTION = '[data-testid="stException"]'
"""Selector of Streamlit's exception box; no browser test may ever see one."""
WIDTH = 1400
AREA = "GM1680"
"""Aa en Hunze: the gemeente the browser tests choose on the national store."""
HOME = "overzicht"
"""The default page: its address is the app's own ("/"); "/overzicht" is not a page address."""


def open_page(browser, url: str):
    """A new page at ``url``, once Streamlit's app container is there."""
    page = browser.new_page(viewport={"width": WIDTH, "height": 1000})
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector('[data-testid="stApp"]', timeout=30000)
    return page


CHARTS_DRAWN = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
  .every(chart => chart.querySelector('.main-svg'))"""
"""Whether every plotly chart on the page has drawn its figure (its SVG layer is there)."""
QUIET_MS = 400
"""A short pause after the charts are there, for the last layout pass."""


SETTLED = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || !['notRunning', 'compilationError'].includes(app.dataset.testScriptState)) {
    return false;
  }
  if (document.querySelector(
      '[data-testid="stStatusWidget"], [data-stale="true"], [data-testid="stSkeleton"]')) {
    return false;
  }
  return (""" + CHARTS_DRAWN + """)();
}"""
"""Whether Streamlit says its script run is over, nothing is faded as stale, every chart drew.

The running indicator alone is not enough: Streamlit shows it only after a short delay, and
an element left from an earlier run is drawn at a third of its opacity until the new run
replaces it (axe then measured a page title's contrast as too low). Right after a click the
browser still says "not running" until the server answers, which is why :func:`settle`
asks twice, a pause apart.
"""


def settle(page) -> None:
    """Wait until the page has settled (:data:`SETTLED`) and still has after a short pause."""
    for _ in range(20):
        page.wait_for_function(SETTLED, timeout=30000)
        page.wait_for_timeout(QUIET_MS)
        if page.evaluate(SETTLED):
            return
    message = "the page kept rerunning and never settled"
    raise AssertionError(message)


CUT_OFF = """() => [...document.querySelectorAll(
    '[data-testid="stMetricValue"], [data-testid="stMetricDelta"]')]
  .filter(el => [el, ...el.querySelectorAll('*')].some(e => e.scrollWidth > e.clientWidth + 1))
  .map(el => el.innerText)"""
"""The key figures (metric values and their notes) that do not fit and end in an ellipsis."""


def cut_off_figures(page) -> list[str]:
    """The key figures on ``page`` that are cut off (Streamlit ends them with "…")."""
    found: list[str] = page.evaluate(CUT_OFF)
    return found


SCREENSHOTS_ENV = "ONTMOETINGSKAART_SCREENSHOTS"
"""Set (to "1") by ``pytest --screenshots``: only then do the browser tests save screenshots."""


def screenshot(page, path: Path, *, main_area: bool = True) -> None:
    """Save the page for a person to look at, when the run was asked for screenshots.

    With ``main_area`` the viewport grows to the height of the main area (which scrolls inside
    the page), so the whole page is on the picture, and then returns to the page's own
    viewport (desktop or phone); without it the window is shot as it is. Growing the viewport
    redraws every chart and map in a software-rendering browser, a few seconds of both cores
    per page, which is why a plain test run does not take pictures.
    """
    if os.environ.get(SCREENSHOTS_ENV) != "1":
        return
    if not main_area:
        page.screenshot(path=str(path), full_page=True)
        return
    viewport = page.viewport_size or {"width": WIDTH, "height": 1000}
    height = page.evaluate(
        "() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight"
    )
    page.set_viewport_size({"width": viewport["width"],
                            "height": max(viewport["height"], int(height))})
    page.wait_for_function(CHARTS_DRAWN, timeout=30000)
    page.wait_for_timeout(QUIET_MS)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(viewport)


def url_query(page) -> dict[str, list[str]]:
    """The query parameters of the page's current URL."""
    return parse_qs(urlsplit(page.url).query)


def page_url(base: str, page: str) -> str:
    """The address of the page whose script is ``pages/<page>.py`` on the server at ``base``."""
    return f"{base}/{'' if page == HOME else page}"
