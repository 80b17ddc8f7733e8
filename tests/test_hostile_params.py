"""Markdown and HTML in every query parameter, on every page (AppTest): shown as text, cut short.

The browser test (``tests/e2e/test_hostile_browser.py``) checks what Chromium makes of it; this
one checks the Markdown every page hands to Streamlit.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from loaders.store import DATA_ENV
from tests.region_stores import demo_region_store
from ui.selection import QUERY_KEYS
from ui.sidebar import LEGACY_KEYS
from views.text import ECHO_LIMIT, WORD_JOINER

REPO = Path(__file__).resolve().parent.parent
MARKER = "ZQX"
TRAP = "http://127.0.0.1:9"
PAYLOAD = (
    f"{MARKER}[log in hier]({TRAP}/link) ![beeld]({TRAP}/beeld.png) "
    f"<a href='{TRAP}/a'>klik</a> <script>alert(1)</script> "
    f"<img src=x onerror=alert(1)> :red[rood] **vet** www.example.com iemand@example.com "
    + "y" * 10_000
)
"""In every parameter at once; Streamlit ignores a whole query string over 512 KiB, so the
100 KB value gets its own test."""
PAGE_PARAMS = ("dicht",)
"""Query parameters that a single page reads (Scenario's closed places)."""
PAGES = ("overzicht", "kaart", "kernen", "eenzaamheid", "vergelijken", "scenario", "bronnen",
         "gegevens", "eigen-lijst", "correcties", "export")
RAW_PIECES = ("](", "![", "<script", "<img", "<a ", ":red[", "**vet", "www.example")
MARKDOWN_ELEMENTS = ("markdown", "caption", "warning", "info", "error", "success", "title",
                     "header", "subheader")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_region_store(tmp_path_factory, "aa-en-hunze")


def _texts(app: AppTest) -> list[str]:
    """The Markdown source of every element that Streamlit renders as Markdown."""
    texts = []
    for kind in MARKDOWN_ELEMENTS:
        texts.extend(str(element.value) for element in app.get(kind))
    return texts


def _decoded(markdown: str) -> str:
    """``markdown`` with its backslash escapes undone: the text in which Streamlit's
    GitHub-flavoured Markdown looks for bare URLs and e-mail addresses to link."""
    return re.sub(r"\\(.)", r"\1", markdown, flags=re.DOTALL)


def _echo_lengths(text: str) -> list[int]:
    """For each echo of the payload in ``text``: how many of its characters are repeated."""
    lengths = []
    for start in [m.start() for m in re.finditer(MARKER, text)]:
        echoed = text[start:]
        same = 0
        for shown, sent in zip(echoed, PAYLOAD, strict=False):
            if shown.upper() != sent.upper():
                break
            same += 1
        lengths.append(same)
    return lengths


def test_every_page_is_checked() -> None:
    # The browser test opens only some pages and relies on this test for the others.
    assert set(PAGES) == {path.stem for path in (REPO / "pages").glob("*.py")}


@pytest.mark.parametrize("page", PAGES)
def test_hostile_query_parameters_stay_text(
    monkeypatch: pytest.MonkeyPatch, store: Path, page: str
) -> None:
    monkeypatch.setenv(DATA_ENV, str(store))
    monkeypatch.chdir(REPO)
    app = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=120)
    for key in (*QUERY_KEYS, *LEGACY_KEYS, *PAGE_PARAMS):
        app.query_params[key] = PAYLOAD
    app.switch_page(f"pages/{page}.py")
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    texts = _texts(app)
    echoes = [text for text in texts if MARKER in text]
    assert any(MARKER in warning.value for warning in app.warning), "no warning echoes the link"
    for text in echoes:
        for piece in RAW_PIECES:
            assert piece not in text, (piece, text[:300])
        decoded = _decoded(text)
        assert re.search(r"https?://|www\.|@[\w-]", decoded, re.IGNORECASE) is None, decoded[:300]
        lengths = _echo_lengths(decoded.replace(WORD_JOINER, ""))
        assert lengths, text[:300]
        assert max(lengths) <= ECHO_LIMIT, (lengths, text[:300])
        assert "y" * (ECHO_LIMIT + 1) not in text
    for chart in app.get("plotly_chart"):
        spec = str(chart.proto.spec)
        assert MARKER not in spec or "<script" not in spec


def test_the_echo_is_cut_to_the_limit_with_an_ellipsis(
    monkeypatch: pytest.MonkeyPatch, store: Path
) -> None:
    monkeypatch.setenv(DATA_ENV, str(store))
    monkeypatch.chdir(REPO)
    app = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=120)
    app.query_params["jaar"] = "x" * 100_000
    app.switch_page("pages/bronnen.py")
    app.run()
    [warning] = [w.value for w in app.warning if "Jaar" in w.value]
    assert f"‘{'x' * ECHO_LIMIT}…’" in warning
