"""Downloads in headless Chromium: the Export page's CSV and factsheet, and a chart as PNG.

The files are deferred downloads: the server makes them when the button is clicked (the PNG
and the factsheet's map through kaleido in the server's own Chromium), so these tests wait for
Playwright's download event and then read the file.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from tests.e2e.helpers import EXCEPTION, WIDTH, open_page, screenshot, settle

pytestmark = pytest.mark.e2e

DOWNLOAD_TIMEOUT_MS = 90000
"""A first image starts the server's export browser, which takes seconds."""


def _download(page, button) -> tuple[str, bytes]:
    """Click a download button; the suggested file name and the bytes of the file."""
    with page.expect_download(timeout=DOWNLOAD_TIMEOUT_MS) as info:
        button.click()
    download = info.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def test_export_page_downloads_csv_and_factsheet(
    browser, streamlit_url: str, screenshot_dir: Path
) -> None:
    page = open_page(browser, f"{streamlit_url}/export")
    page.get_by_role("heading", name="Exporteren").wait_for(timeout=30000)
    page.get_by_text("Factsheet per gemeente").wait_for(timeout=30000)
    settle(page)
    assert page.locator(EXCEPTION).count() == 0
    screenshot(page, screenshot_dir / "export.png")

    page.set_viewport_size({"width": WIDTH, "height": 1000})
    buttons = page.get_by_test_id("stDownloadButton")
    name, data = _download(page, buttons.filter(has_text="CSV (Excel)").first)
    assert name == "kernen_nl_fietsen_2000m.csv", "the area (Nederland) names the file"
    assert data.startswith(b"\xef\xbb\xbf")
    header = data.decode("utf-8-sig").splitlines()[0].split(";")
    assert header[:3] == ["Kerncode", "Kern", "Gemeentecode"]
    assert header[-2:] == ["Bron", "Opgehaald"]

    name, data = _download(page, buttons.filter(has_text="Factsheet (PDF)"))
    assert name.startswith("factsheet-aa-en-hunze-")
    assert name.endswith(".pdf")
    assert data.startswith(b"%PDF")
    assert page.locator(EXCEPTION).count() == 0
    page.close()


def test_histogram_as_png_from_the_eenzaamheid_page(
    browser, streamlit_url: str, screenshot_dir: Path
) -> None:
    page = open_page(browser, f"{streamlit_url}/eenzaamheid")
    page.get_by_role("heading", name="Eenzaamheid per buurt").wait_for(timeout=30000)
    settle(page)
    page.get_by_test_id("stPopover").first.get_by_role("button", name="Downloaden").click()
    body = page.get_by_test_id("stPopoverBody")
    body.get_by_role("button", name="PNG").wait_for(timeout=30000)
    settle(page)
    screenshot(page, screenshot_dir / "eenzaamheid_downloaden.png", main_area=False)

    name, data = _download(page, body.get_by_role("button", name="PNG"))
    assert name == "verdeling_nl_eenzaam_18plus_2020.png"
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, _height = struct.unpack(">II", data[16:24])
    assert width == 2000, "print resolution: twice the 1000 px export width"
    (screenshot_dir / "eenzaamheid_histogram_export.png").write_bytes(data)
    assert page.locator(EXCEPTION).count() == 0
    page.close()
