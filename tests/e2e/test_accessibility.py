"""Accessibility: axe-core on every page at desktop size, and the sidebar and tables by keyboard.

axe runs against ``streamlit run dashboard.py`` on the national store with Aa en Hunze chosen,
and (with ``pytest --screenshots``) saves each page's desktop screenshot beside the phone ones of
``test_phone.py`` (``test-artifacts/phone/<page>-desktop.png``). The keyboard tests run on the
demo store. A page fails on any violation of impact *serious* or *critical*, outside the
parts of Streamlit's own widgets listed in :data:`STREAMLIT_EXCEPTIONS` (which our code cannot
change). Our colours pass WCAG AA through the theme in ``.streamlit/config.toml``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.helpers import (
    AREA,
    EXCEPTION,
    cut_off_figures,
    open_page,
    page_url,
    screenshot,
    settle,
)

BLOCKING = frozenset({"serious", "critical"})
STREAMLIT_EXCEPTIONS: tuple[tuple[frozenset[str], str], ...] = (
    # Streamlit's page menu puts its section headings ("Analyse", "Delen") as <div>s directly
    # inside the <ul> of menu items; st.navigation offers no other markup, so only these two
    # list rules are waived, and only inside that menu.
    (frozenset({"list", "listitem"}), '[data-testid="stSidebarNavItems"]'),
)
"""``(axe rules, selector)``: violations of those rules inside Streamlit's own markup there."""
PAGES = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "pages").glob("*.py"))
"""Every page by its URL path (the file name, as ``ui.frame.navigation_pages`` sets it)."""


def _waived(page, rule: str, node: dict) -> bool:
    """Whether ``node`` of a ``rule`` violation lies in a part listed in STREAMLIT_EXCEPTIONS."""
    target = node["target"][0] if node.get("target") else None
    selectors = [selector for rules, selector in STREAMLIT_EXCEPTIONS if rule in rules]
    if not isinstance(target, str) or not selectors:
        return False
    return page.evaluate(
        "([target, selectors]) => { const el = document.querySelector(target);"
        " return !!el && selectors.some(s => el.closest(s) !== null); }",
        [target, selectors],
    )


def blocking_violations(page) -> list[str]:
    """One line per serious or critical axe violation on ``page``: rule, impact, where and why.

    axe's failure summary gives the measured values (for contrast: both colours and the ratio).
    """
    lines = []
    for violation in Axe().run(page).response["violations"]:
        if violation.get("impact") not in BLOCKING:
            continue
        nodes = [n for n in violation["nodes"] if not _waived(page, violation["id"], n)]
        if nodes:
            lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} — "
                         + ", ".join(f"{n['html'][:120]} ({n.get('failureSummary', '')})"
                                     for n in nodes[:5]))
    return lines


@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_serious_violation(
    browser, national_url: str, phone_dir: Path, path: str
) -> None:
    page = open_page(browser, f"{page_url(national_url, path)}?gebied={AREA}")
    try:
        page.get_by_role("heading", level=1).first.wait_for(timeout=60000)
        settle(page)
        assert page.locator(EXCEPTION).count() == 0
        assert not cut_off_figures(page)
        screenshot(page, phone_dir / f"{path}-desktop.png")
        found = blocking_violations(page)
        print(f"\naxe {path}: {len(found)} ernstige of kritieke overtredingen")
        assert not found, "\n".join(found)
    finally:
        page.close()


def test_sidebar_area_changes_by_keyboard(browser, streamlit_url: str) -> None:
    """Tab to the sidebar's area selector (Nederland), type a gemeente, choose it with Enter."""
    page = open_page(browser, f"{streamlit_url}/kernen")
    try:
        settle(page)
        sidebar = page.locator('[data-testid="stSidebar"]')
        area = sidebar.get_by_role("combobox", name="Gebied")
        for _ in range(60):
            page.keyboard.press("Tab")
            if area.evaluate("node => node === document.activeElement"):
                break
        else:
            pytest.fail("the sidebar's area selector is not reachable with Tab")
        page.keyboard.type("Aa en")
        page.get_by_role("option").first.filter(has_text="Aa en Hunze").wait_for(timeout=10000)
        page.keyboard.press("Enter")
        page.wait_for_function("() => location.search.includes('gebied=GM1680')",
                               timeout=30000)
        settle(page)
        assert page.locator(EXCEPTION).count() == 0
    finally:
        page.close()


def test_kernen_table_takes_keyboard_focus(browser, streamlit_url: str) -> None:
    """The Kernen table is reachable with Tab and its cells move with the arrow keys."""
    page = open_page(browser, f"{streamlit_url}/kernen")
    try:
        settle(page)
        grid = page.locator('[data-testid="stDataFrame"]').last
        for _ in range(120):
            page.keyboard.press("Tab")
            if grid.evaluate("node => node.contains(document.activeElement)"):
                break
        else:
            pytest.fail("the Kernen table is not reachable with Tab")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowRight")
        assert grid.evaluate("node => node.contains(document.activeElement)")
    finally:
        page.close()
