"""The frame around every page: page setup, navigation, sidebar; and the way pages enter it.

``dashboard.py`` calls :func:`run`. Streamlit has one trap here: until some session has called
``st.navigation``, a server with a ``pages/`` folder runs a requested page script *on its own*
(the old multipage mode), without the entry point, so a shared deep link such as
``/bronnen?regio=…`` would skip the sidebar and the URL choice. Every page therefore enters
through :func:`page_context` or :func:`current_context`, which notice a run without the frame
(the frame leaves a one-run token), switch Streamlit to ``st.navigation`` and rerun the same
page inside the frame.

Memory: Streamlit keeps a disconnected session for a reconnect and, once its time is up, drops
it without shutting it down, so the figures behind its download buttons stay in the server
until it restarts. :func:`run` therefore marks every session as not resumable: a closed tab or
a new page load ends its session at once and its memory is freed. A browser that reconnects
after a network blip gets a fresh session, which shows the same view because the URL holds it.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from loaders.store import Store
from ui.sidebar import CONTEXT_KEY, PageContext, render_sidebar
from views.status import EMPTY_STORE_HELP, status_line

PHONE_STYLE = (
    "<style>@media (max-width: 640px) {"
    " h1 { font-size: 1.9rem !important; hyphens: auto; }"
    " h2, h3 { font-size: 1.3rem !important; }"
    " .js-plotly-plot .modebar-container { display: none !important; } }</style>"
)
"""On a phone: smaller headings, so a long Dutch word ('Ontmoetingsplekken') is not cut, and
no plotly button bar, which a touch screen shows all the time on top of the chart's title
(pinching zooms the map; the page has its own download buttons)."""
FRAME_KEY = "_ontmoetingskaart_frame"
RETRY_KEY = "_ontmoetingskaart_frame_retry"
RELEASE_KEY = "_ontmoetingskaart_release"


def navigation_pages() -> dict[str, list[st.Page]]:
    """The pages, grouped into sections of the navigation menu."""
    return {
        "Analyse": [
            st.Page("pages/overzicht.py", title="Overzicht", icon=":material/home:",
                    url_path="overzicht", default=True),
            st.Page("pages/kaart.py", title="Kaart", icon=":material/map:", url_path="kaart"),
            st.Page("pages/kernen.py", title="Kernen", icon=":material/holiday_village:",
                    url_path="kernen"),
            st.Page("pages/eenzaamheid.py", title="Eenzaamheid", icon=":material/diversity_3:",
                    url_path="eenzaamheid"),
            st.Page("pages/vergelijken.py", title="Gemeenten vergelijken",
                    icon=":material/compare_arrows:", url_path="vergelijken"),
            st.Page("pages/scenario.py", title="Scenario", icon=":material/alt_route:",
                    url_path="scenario"),
        ],
        "Over de gegevens": [
            st.Page("pages/bronnen.py", title="Bronnen en methode", icon=":material/menu_book:",
                    url_path="bronnen"),
            st.Page("pages/gegevens.py", title="Gegevens", icon=":material/database:",
                    url_path="gegevens"),
            st.Page("pages/eigen-lijst.py", title="Eigen lijst", icon=":material/upload_file:",
                    url_path="eigen-lijst"),
            st.Page("pages/correcties.py", title="Correcties", icon=":material/edit_location_alt:",
                    url_path="correcties"),
        ],
        "Delen": [
            st.Page("pages/export.py", title="Export", icon=":material/ios_share:",
                    url_path="export"),
        ],
    }


def run() -> None:
    """Set up the page, the navigation and the sidebar, then run the selected page."""
    st.set_page_config(page_title="Ontmoetingskaart", page_icon="🏘️", layout="wide")
    release_on_disconnect()
    st.html(PHONE_STYLE)
    page = st.navigation(navigation_pages())
    render_sidebar(Store())
    st.session_state[FRAME_KEY] = True
    page.run()


def release_on_disconnect() -> None:
    """Have Streamlit shut this session down when its browser disconnects (once per session).

    Without a running server (``AppTest``) there is nothing to release.
    """
    context = get_script_run_ctx()
    if context is None or st.session_state.get(RELEASE_KEY) or not Runtime.exists():
        return
    Runtime.instance().mark_session_nonresumable(context.session_id)
    st.session_state[RELEASE_KEY] = True


def current_context() -> PageContext | None:
    """The sidebar's choice for this run, None with an empty store; draws nothing itself."""
    _enter_frame()
    return st.session_state.get(CONTEXT_KEY)


def page_context() -> PageContext:
    """The sidebar's choice, after showing the data status line under the page title.

    With an empty store the page shows the Dutch import help instead and stops there.
    """
    context = current_context()
    if context is None:
        st.info(EMPTY_STORE_HELP, icon=":material/inventory_2:")
        st.stop()
    st.caption(status_line(context.manifest))
    return context


def is_phone() -> bool:
    """Whether the page is seen on a phone: its browser says "Mobi" in its user agent.

    MDN advises this test for a mobile device; a page uses it to fit a figure to a narrow
    screen (a map's first view, a chart's notes).
    """
    return "Mobi" in (st.context.headers.get("User-Agent") or "")


def _enter_frame() -> None:
    """Rerun inside the frame when this run started at the page script itself.

    Should that rerun not reach the frame either, the sidebar is drawn here, so the page still
    works (without its menu) instead of rerunning for ever.
    """
    if st.session_state.pop(FRAME_KEY, False):
        st.session_state.pop(RETRY_KEY, None)
        return
    if not st.session_state.get(RETRY_KEY):
        st.session_state[RETRY_KEY] = True
        st.navigation(navigation_pages(), position="hidden")
        st.rerun()
    render_sidebar(Store())
