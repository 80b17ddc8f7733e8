"""Fetch, refresh or import gemeenten of the national store from the dashboard.

An operator action: the form is only shown when the operator switched it on
(:mod:`ui.admin`); otherwise the page says who does it. Folder imports read only the data
folders the operator configured, chosen from a list. A progress bar shows each step and a
Dutch report what was written, failed or kept.

Every build writes atomically (see :mod:`loaders.store`), so a source that fails here leaves the
stored data in use; the report names what failed and what was kept.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from loaders.build import (
    BuildReport,
    check_gemeenten,
    fetch_live,
    fetch_network_live,
    import_folder,
)
from loaders.errors import SourceError
from loaders.roads import TRAVEL_MODES
from loaders.store import Store, StoreError
from pipeline.reach import refresh_reach
from ui import admin
from views.text import plain_markdown

LIVE_YEARS = (2022, 2023, 2024)
"""Years of the area division offered for a live fetch (PDOK serves 2022 and later)."""
LIVE = "Live bij CBS, RIVM, PDOK en OpenStreetMap"
FILES = "Gedownloade bestanden in een map"


REQUEST_KEY = "_regio_ophalen_gevraagd"


def refresh_form(store: Store, *, default_codes: str = "") -> None:
    """The 'Gemeenten ophalen of verversen' form: live APIs or a folder of downloaded files.

    Only when this session may run the operator's actions (:func:`ui.admin.gate`). Only the
    named gemeenten are replaced; every other gemeente keeps its stored data. The codes are
    pre-filled with the gemeenten of the current selection (codes only: nothing is renamed).

    The submit button only records the request (``on_click``); the work runs below the form on
    that run, so it survives the frame's rerun of a page (see :mod:`ui.frame`).
    """
    if not admin.gate():
        st.session_state.pop(REQUEST_KEY, None)
        return
    folders = [str(folder) for folder in admin.data_folders()]
    with st.form("regio_ophalen"):
        st.markdown("**Gemeenten ophalen of verversen**")
        st.text_input("Gemeentecodes", value=default_codes, key="ophalen_codes",
                      help="Eén of meer CBS-codes, gescheiden door komma's: GM1680, GM0308. "
                      "Alleen deze gemeenten worden bijgewerkt; de andere blijven zoals ze zijn.")
        st.radio("Bron", [LIVE, FILES], horizontal=True, key="ophalen_bron")
        st.selectbox("Map met bestanden (alleen bij gedownloade bestanden)", folders,
                     key="ophalen_map", placeholder="Er is geen gegevensmap ingesteld",
                     help="De mappen die de beheerder als gegevensmap heeft ingesteld.")
        st.selectbox("Jaar van de gebiedsindeling (live)", LIVE_YEARS, key="ophalen_jaar")
        st.checkbox("Ook de wegennetten ophalen (osmnx, duurt langer)", key="ophalen_netwerk")
        st.form_submit_button("Ophalen", icon=":material/cloud_download:",
                              on_click=lambda: st.session_state.update({REQUEST_KEY: True}))
    if st.session_state.pop(REQUEST_KEY, False):
        _refresh(store)


def _refresh(store: Store) -> None:
    state = st.session_state
    try:
        gemeenten = check_gemeenten(c for c in state["ophalen_codes"].split(",") if c.strip())
    except SourceError as exc:
        st.error(plain_markdown(exc.user_message))
        return
    live = state["ophalen_bron"] == LIVE
    folder = admin.allowed_folder(state.get("ophalen_map") or "")
    if not live and folder is None:
        st.error("Kies een van de ingestelde gegevensmappen. Een andere map kan niet worden "
                 "gelezen; de beheerder stelt de mappen in.")
        return
    report = _run_with_progress(
        lambda progress: fetch_live(gemeenten, year=int(state["ophalen_jaar"]),
                                    store=store, progress=progress)
        if live else import_folder(folder, gemeenten, store=store, progress=progress),
        store, steps=7,
    )
    if report is not None and state["ophalen_netwerk"]:
        _run_with_progress(
            lambda progress: fetch_network_live(gemeenten, store=store, progress=progress),
            store, steps=len(TRAVEL_MODES) + 1,
        )


def _run_with_progress(
    build: Callable[[Callable[[str], None]], BuildReport], store: Store, *, steps: int
) -> BuildReport | None:
    """Run a build with a progress bar, then store the reach of every kern again."""
    bar = st.progress(0.0, text="Bezig…")
    done = [0]

    def progress(message: str) -> None:
        bar.progress(min(done[0] / steps, 1.0), text=message)
        done[0] += 1

    try:
        report = build(progress)
    except (SourceError, StoreError) as exc:
        bar.empty()
        message = exc.user_message if isinstance(exc, SourceError) else str(exc)
        st.error(f"{plain_markdown(message)}\n\nEr is niets gewijzigd aan de opgeslagen "
                 "gegevens.")
        return None
    if report.written:
        progress("afstanden tot ontmoetingsplekken berekenen")
        try:
            refresh_reach(store)
        except StoreError as exc:
            st.error(f"De gegevens zijn opgeslagen, maar de afstanden konden niet opnieuw "
                     f"worden berekend: {plain_markdown(str(exc))}\n\nDe pagina's berekenen "
                     "ze dan zelf.")
    bar.progress(1.0, text="Klaar")
    show_report(report)
    return report


def show_report(report: BuildReport) -> None:
    """Show a build report: success, partial (with what was kept) or failure, in Dutch.

    The report names files, folders and places, so each line is plain text.
    """
    text = "  \n".join(plain_markdown(line) for line in report.summary().split("\n"))
    if report.ok:
        st.success(text)
    elif report.written:
        st.warning(text)
    else:
        st.error(f"{text}  \nEr is niets opgeslagen; de vorige gegevens blijven in gebruik.")
