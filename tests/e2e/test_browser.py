"""The dashboard in a real headless Chromium against ``streamlit run``.

The first test opens a deep link (an old ``?regio=`` link) to a page other than the default one,
on a server no session has visited yet: that is the case where Streamlit would run the page
script without the frame (see ``ui.frame``). Keep it first.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import EXCEPTION, WIDTH, open_page, screenshot, settle, url_query

pytestmark = pytest.mark.e2e


def test_deep_link_on_a_fresh_server_keeps_frame_and_choice(
    browser, streamlit_url: str, screenshot_dir: Path
) -> None:
    page = open_page(browser,
                     f"{streamlit_url}/bronnen?regio=aa-en-hunze&jaar=2016&leeftijd=65%2B")
    page.get_by_role("heading", name="Bronnen en methode").wait_for(timeout=30000)
    page.get_by_text("Eenzaamheidscijfers: wat ze wel en niet zijn").wait_for(timeout=30000)
    settle(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar.get_by_text("Bronnen en methode")).to_have_count(1, timeout=30000)
    expect(sidebar.get_by_text("Gebied", exact=True)).to_have_count(1, timeout=30000)
    page.wait_for_function("() => !location.search.includes('regio=')", timeout=30000)
    query = url_query(page)
    assert query["jaar"] == ["2016"]
    assert query["leeftijd"] == ["65+"]
    assert query["gebied"] == ["GM1680"], "an old region link opens the gemeente of that name"
    assert "regio" not in query
    screenshot(page, screenshot_dir / "bronnen.png")
    assert page.locator(EXCEPTION).count() == 0
    page.close()


def test_eenzaamheid_page_and_a_filter_change(
    browser, streamlit_url: str, screenshot_dir: Path
) -> None:
    page = open_page(browser, f"{streamlit_url}/eenzaamheid")
    page.get_by_role("heading", name="Eenzaamheid per buurt").wait_for(timeout=30000)
    page.get_by_text("Eenzaam: 2020, 18 jaar en ouder").wait_for(timeout=30000)
    page.get_by_text("47,0 %", exact=True).wait_for(timeout=30000)
    settle(page)
    expect(page.locator(".js-plotly-plot")).to_have_count(3, timeout=30000)
    screenshot(page, screenshot_dir / "eenzaamheid.png")

    page.set_viewport_size({"width": WIDTH, "height": 1000})
    ages = page.get_by_role("radiogroup", name="Leeftijdsgroep")
    ages.get_by_role("radio", name="65+").click()
    page.get_by_text("Eenzaam: 2020, 65 jaar en ouder").wait_for(timeout=30000)
    settle(page)
    assert url_query(page)["leeftijd"] == ["65+"]
    assert page.locator(EXCEPTION).count() == 0
    screenshot(page, screenshot_dir / "eenzaamheid_65plus.png")

    page.set_viewport_size({"width": WIDTH, "height": 1000})
    assert url_query(page)["gebied"] == ["NL"]
    chooser = page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name="Gebied")
    chooser.click()
    chooser.fill("Aa en")
    page.get_by_role("option", name="Aa en Hunze").click()
    page.wait_for_function("() => location.search.includes('gebied=GM1680')", timeout=30000)
    page.get_by_text("Eenzaam: 2020, 65 jaar en ouder").wait_for(timeout=30000)
    settle(page)
    assert url_query(page)["leeftijd"] == ["65+"], "choosing an area keeps the other choices"
    assert page.locator(EXCEPTION).count() == 0

    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Gegevens").click()
    page.get_by_role("heading", name="Gegevens", exact=True).wait_for(timeout=30000)
    settle(page)
    assert url_query(page)["leeftijd"] == ["65+"], "the choice survives a page switch"
    assert url_query(page)["gebied"] == ["GM1680"]
    assert page.locator(EXCEPTION).count() == 0
    page.close()


def test_invalid_link_warns_in_dutch(browser, streamlit_url: str, screenshot_dir: Path) -> None:
    page = open_page(browser, f"{streamlit_url}/?jaar=1999&indicator=blij")
    page.get_by_text("Jaar ‘1999’ uit de link is niet beschikbaar; we tonen 2020.").wait_for(
        timeout=30000
    )
    page.get_by_text("Indicator ‘blij’ uit de link is niet beschikbaar").wait_for(timeout=30000)
    settle(page)
    assert url_query(page)["jaar"] == ["2020"]
    assert page.locator(EXCEPTION).count() == 0
    page.set_viewport_size({"width": WIDTH, "height": 900})
    screenshot(page, screenshot_dir / "ongeldige_link.png", main_area=False)
    page.close()


def test_status_page_shows_the_store(browser, streamlit_url: str, screenshot_dir: Path) -> None:
    page = open_page(browser, f"{streamlit_url}/gegevens")
    page.get_by_role("heading", name="Gegevens", exact=True).wait_for(timeout=30000)
    page.get_by_text("Opgeslagen gegevens", exact=True).wait_for(timeout=30000)
    page.get_by_text("Nederland — bronnen per laag").wait_for(timeout=30000)
    settle(page)
    screenshot(page, screenshot_dir / "gegevens.png")
    assert page.locator(EXCEPTION).count() == 0
    page.close()


def _kern_on_map(page, name: str) -> tuple[float, float]:
    """Page coordinates of the kern called ``name`` on the map (MapLibre's own projection)."""
    return tuple(page.evaluate(
        """name => {
          const plot = document.querySelector('.js-plotly-plot');
          const trace = plot._fullData.find(t => t.name === 'Kern (kleur = afstand)');
          const i = trace.hovertext.findIndex(h => h.startsWith('<b>' + name + '</b>'));
          const map = plot._fullLayout.map._subplot.map;
          const point = map.project([trace.lon[i], trace.lat[i]]);
          const box = map.getContainer().getBoundingClientRect();
          return [box.left + point.x, box.top + point.y];
        }""",
        name,
    ))


def _wait_for_map(page) -> None:
    page.wait_for_selector(".maplibregl-canvas", timeout=30000)
    settle(page)


def test_kaart_click_a_kern_change_threshold_and_choose_another(
    browser, streamlit_url: str, screenshot_dir: Path
) -> None:
    page = open_page(browser, f"{streamlit_url}/kaart")
    page.get_by_role("heading", name="Kaart", exact=True).wait_for(timeout=30000)
    _wait_for_map(page)
    page.get_by_text("Afstanden fietsen zijn schattingen").wait_for(timeout=30000)
    expect(page.get_by_text("Beweeg over een kern, buurt of plek")).to_be_visible()
    screenshot(page, screenshot_dir / "kaart.png")

    page.set_viewport_size({"width": WIDTH, "height": 1000})
    x, y = _kern_on_map(page, "Schoonloo")
    page.mouse.move(x, y)
    hover = page.locator(".hoverlayer .hovertext").filter(has_text="Schoonloo")
    hover.wait_for(timeout=10000)
    assert "Methode: hemelsbreed (schatting)" in hover.text_content()
    x, y = _kern_on_map(page, "Schipborg")
    page.mouse.move(x, y)
    page.locator(".hoverlayer .hovertext").filter(has_text="Bron kern").filter(
        has_text="Schipborg").wait_for(timeout=10000)
    page.mouse.click(x, y)
    page.get_by_role("heading", name="Schipborg (Aa en Hunze)").wait_for(timeout=30000)
    settle(page)
    assert page.get_by_text("Dorpshuis Schipborg").count() >= 1
    assert page.locator(EXCEPTION).count() == 0
    screenshot(page, screenshot_dir / "kaart_schipborg.png")

    page.set_viewport_size({"width": WIDTH, "height": 1000})
    page.locator('[data-testid="stSidebar"]').get_by_role("slider").press("ArrowRight")
    page.wait_for_function("() => location.search.includes('drempel=3000')", timeout=30000)
    _wait_for_map(page)
    threshold_label = page.locator(".js-plotly-plot").get_by_text("grens 3 km", exact=True)
    expect(threshold_label).to_have_count(1, timeout=30000)
    chooser = page.get_by_role("combobox", name="Kern")
    chooser.click()
    chooser.fill("Gieten")
    page.get_by_role("option", name="Gieten (Aa en Hunze)").click()
    page.get_by_role("heading", name="Gieten (Aa en Hunze)").wait_for(timeout=30000)
    settle(page)
    assert page.locator(EXCEPTION).count() == 0
    screenshot(page, screenshot_dir / "kaart_gieten_3km.png")
    page.close()


def test_kernen_filter_search_and_threshold(
    browser, streamlit_url: str, screenshot_dir: Path, e2e_store: Path
) -> None:
    from analysis.reach import kern_reach, reach_summary
    from loaders.store import NATIONAL, Store

    store = Store(e2e_store)
    reach = kern_reach(store.read_layer(NATIONAL, "kernen"),
                       store.read_layer(NATIONAL, "venues"), mode="bike")
    summary = reach_summary(reach, [2000, 10000]).iloc[0]
    total = summary["kernen"]
    page = open_page(browser, f"{streamlit_url}/kernen")
    page.get_by_role("heading", name="Kernen en hun dichtstbijzijnde ontmoetingsplek").wait_for(
        timeout=30000)
    within_metric = page.locator('[data-testid="stMetric"]').filter(
        has_text="Met ontmoetingsplek binnen")
    expect(within_metric.get_by_test_id("stMetricValue")).to_have_text(
        str(summary["kernen_binnen_2000"]), timeout=30000)
    expect(within_metric.get_by_test_id("stMetricDelta")).to_have_text(f"van {total} kernen")
    settle(page)
    screenshot(page, screenshot_dir / "kernen.png")

    page.set_viewport_size({"width": WIDTH, "height": 1000})
    page.get_by_text("Alleen kernen zonder ontmoetingsplek binnen 2 km").click()
    outside = total - summary["kernen_binnen_2000"]
    page.get_by_text(f"{outside} van {total} kernen.").wait_for(timeout=30000)
    page.locator('[data-testid="stSidebar"]').get_by_role("slider").press("End")
    page.wait_for_function("() => location.search.includes('drempel=10000')", timeout=30000)
    page.get_by_text("Alleen kernen zonder ontmoetingsplek binnen 10 km").wait_for(timeout=30000)
    expect(within_metric.get_by_test_id("stMetricValue")).to_have_text(
        str(summary["kernen_binnen_10000"]), timeout=30000)
    settle(page)
    assert page.locator(EXCEPTION).count() == 0
    screenshot(page, screenshot_dir / "kernen_10km.png")

    page.set_viewport_size({"width": WIDTH, "height": 1000})
    page.get_by_text("Alleen kernen zonder ontmoetingsplek binnen 10 km").click()
    page.get_by_label("Zoek een kern op naam").fill("schip")
    page.get_by_label("Zoek een kern op naam").press("Enter")
    page.get_by_text(f"1 van {total} kernen.").wait_for(timeout=30000)
    settle(page)
    assert page.locator(EXCEPTION).count() == 0
    screenshot(page, screenshot_dir / "kernen_zoek.png")
    page.close()
