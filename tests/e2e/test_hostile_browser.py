"""Markdown and HTML in every query parameter, in Chromium, with a trap server.

The links and images in the values point at a small HTTP server on another port of 127.0.0.1
that records every request. A page fails when it shows a link to the trap, when the trap (or
any address other than the dashboard) is asked for anything, when a script from the value runs
(an alert), or when it repeats more than 80 characters of a value.

Every page reads the shared parameters through one function (``ui.sidebar``), which names a
wrong value in a warning; ``tests/test_hostile_params.py`` checks the Markdown of all eleven
pages for it. Chromium checks what that Markdown becomes on the pages with something of their
own: the default page, Kaart (map with hover texts) and Scenario (its own ``dicht``), plus a
100 KB value. Each page in Chromium costs a few seconds of both cores, which is why not all
eleven are opened here.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, urlsplit

import pytest

from tests.e2e.helpers import EXCEPTION, page_url, settle
from ui.selection import QUERY_KEYS
from ui.sidebar import LEGACY_KEYS
from views.text import ECHO_LIMIT

pytestmark = pytest.mark.e2e
MARKER = "ZQX"
PAGES = ("overzicht", "kaart", "scenario")
STREAMLIT_ICONS = "https://fonts.gstatic.com/s/i/short-term/release/materialsymbolsrounded/"
"""Streamlit itself fetches a page's Material icon from here for the browser tab (the
Overzicht page's ``:material/home:``), whatever the URL holds; every other outside request
fails the test."""
MAP_GLYPHS = "https://fonts.openmaptiles.org/"
"""Plotly's map (MapLibre) fetches the glyphs of its kern labels from here; offline the labels
are left out and the map still draws. Not caused by the URL's content."""
PAGE_PARAMS = ("dicht",)
"""Query parameters that a single page reads (Scenario's closed places)."""
ECHO_JS = """([marker, payload]) => {
  const text = document.body.innerText.replaceAll("\\u2060", "");  // the word joiners
  const lengths = [];
  let at = text.indexOf(marker);
  while (at >= 0) {
    let same = 0;
    while (same < payload.length && at + same < text.length
           && text[at + same].toUpperCase() === payload[same].toUpperCase()) same++;
    lengths.push(same);
    at = text.indexOf(marker, at + 1);
  }
  return lengths;
}"""


class Trap(BaseHTTPRequestHandler):
    """Answers everything with an empty 200 and remembers the path."""

    hits: list[str]

    def do_GET(self) -> None:  # the name http.server calls
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture(scope="module")
def trap() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server on its own port; its base URL and the paths it was asked for."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    hits: list[str] = []
    handler = type("RecordingTrap", (Trap,), {"hits": hits})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}", hits
    finally:
        server.shutdown()
        server.server_close()


def _payload(base: str, filler: int) -> str:
    return (
        f"{MARKER}[log hier in]({base}/link) ![beeld]({base}/beeld.png) "
        f'<a href="{base}/a">klik</a> <img src="{base}/img.png" onerror="alert(1)"> '
        f'<script src="{base}/s.js"></script><script>alert(2)</script> '
        f"<{base}/auto> :red[rood] **vet** "
        + "y" * filler
    )


def _visit(browser, url: str, base: str, hits: list[str], payload: str) -> list[str]:
    """Open ``url`` and return the problems seen (empty when the page keeps the text as text)."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, shared=False)
    dashboard = urlsplit(url).netloc
    outside: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda request: outside.append(request.url)
            if urlsplit(request.url).netloc not in ("", dashboard)
            and not request.url.startswith(("data:", "blob:", STREAMLIT_ICONS, MAP_GLYPHS))
            else None)
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    problems: list[str] = []
    try:
        page.goto(url, wait_until="domcontentloaded")
        page.wait_for_selector('[data-testid="stApp"]', timeout=60000)
        page.get_by_role("heading", level=1).first.wait_for(timeout=90000)
        settle(page)
        page.locator('[data-testid="stAlert"]').filter(has_text=MARKER).first.wait_for(
            timeout=30000)
        page.wait_for_timeout(1000)
        if page.locator(EXCEPTION).count():
            problems.append("exception box")
        links = page.locator(f'a[href^="{base}"]').count()
        if links:
            problems.append(f"{links} link(s) to the trap")
        lengths = page.evaluate(ECHO_JS, [MARKER, payload])
        if not lengths:
            problems.append("the wrong value is not named in a warning")
        elif max(lengths) > ECHO_LIMIT:
            problems.append(f"echo of {max(lengths)} characters")
        if outside:
            problems.append(f"requests outside the dashboard: {outside[:3]}")
        if hits:
            problems.append(f"trap asked for {hits[:3]}")
        if dialogs:
            problems.append(f"script ran: {dialogs}")
    finally:
        page.close()
    return problems


@pytest.mark.parametrize("page_path", PAGES)
def test_markdown_and_html_in_every_parameter_stay_text(
    browser, streamlit_url: str, trap: tuple[str, list[str]], page_path: str
) -> None:
    base, hits = trap
    hits.clear()
    payload = _payload(base, 2000)
    query = "&".join(f"{key}={quote(payload)}"
                     for key in (*QUERY_KEYS, *LEGACY_KEYS, *PAGE_PARAMS))
    problems = _visit(browser, f"{page_url(streamlit_url, page_path)}?{query}", base, hits,
                      payload)
    assert problems == []


def test_a_100_kb_value_is_cut(browser, streamlit_url: str, trap: tuple[str, list[str]]) -> None:
    base, hits = trap
    hits.clear()
    payload = _payload(base, 100_000)
    problems = _visit(browser, f"{streamlit_url}/bronnen?regio={quote(payload)}", base, hits,
                      payload)
    assert problems == []
