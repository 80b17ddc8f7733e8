"""The steps of the page 'Eigen lijst', kept in ``st.session_state``.

An uploaded file is checked once (:func:`loaders.venue_store.parse_for_region` writes nothing)
and the result kept until the user stores or discards it. Everything that writes to the store
runs as a button callback or just before a rerun, so the sidebar and the page then read the new
manifest; each leaves one :class:`Notice` for the page to show. Back-end errors become their
Dutch message, never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import requests
import streamlit as st

from loaders import locatieserver
from loaders.errors import SourceError
from loaders.http import make_session
from loaders.store import Store, StoreError
from loaders.venue_store import (
    OWN_LAYER,
    own_lists,
    parse_for_region,
    remove_venue_list,
    retry_geocoding,
    set_merge_undone,
    store_venue_list,
    venue_merges,
)
from loaders.venues import GEACCEPTEERD, WACHT, ParsedVenues, display_name, list_source
from pipeline import refresh_reach
from ui.reach import venue_files
from views import eigen_lijst as el

CHECK_KEY = "_eigen_lijst_controle"
NOTICE_KEY = "_eigen_lijst_melding"
UPLOADS_KEY = "_eigen_lijst_uploads"
LOOKUP_RETRIES = 1
"""Retries per address look-up from the page: the user is waiting, and a row that cannot be
looked up is kept (``wacht op geocodering``) and tried again later."""


@dataclass(frozen=True)
class Check:
    """The outcome of checking one uploaded file for one region (nothing stored yet)."""

    region: str
    file_id: str
    filename: str
    parsed: ParsedVenues | None = None
    error: str | None = None


@dataclass(frozen=True)
class Notice:
    """A Dutch message for the page after a store action, with an optional report table."""

    kind: str
    text: str
    table: pd.DataFrame | None = None


def uploader_key() -> str:
    """Key of the file uploader; a new key (an empty uploader) after a list is stored."""
    return f"eigen_lijst_bestand_{st.session_state.get(UPLOADS_KEY, 0)}"


def lookup_session() -> requests.Session:
    """HTTP session for address look-ups from the page (few retries, see LOOKUP_RETRIES)."""
    return make_session(retries=LOOKUP_RETRIES, backoff=0.5)


def checked(region: str, file_id: str) -> Check | None:
    """The kept check of this uploaded file for this region, if it was checked already."""
    check = st.session_state.get(CHECK_KEY)
    if check is not None and (check.region, check.file_id) == (region, file_id):
        return check
    return None


def check_file(root: str, region: str, content: bytes, filename: str, file_id: str) -> Check:
    """Check an uploaded file against the region and keep the result; nothing is stored."""
    name = display_name(filename)
    try:
        parsed = parse_for_region(Store(root), region, content, filename,
                                  session=lookup_session(),
                                  base_url=locatieserver.LOCATIESERVER_URL)
    except SourceError as exc:
        check = Check(region, file_id, name, error=exc.user_message)
    except StoreError as exc:
        check = Check(region, file_id, name, error=str(exc))
    else:
        check = Check(region, file_id, name, parsed=parsed)
    st.session_state[CHECK_KEY] = check
    return check


def store_check(root: str, region: str) -> None:
    """Button callback: store the kept check's rows as the region's list of that file name."""
    check = st.session_state.pop(CHECK_KEY, None)
    if check is None or check.parsed is None or check.region != region:
        _notice("warning", "Er was geen gecontroleerd bestand meer om op te slaan; kies het "
                           "bestand opnieuw.")
        return
    venues = check.parsed.venues
    try:
        store = Store(root)
        store_venue_list(store, region, venues)
        refresh_reach(store, region=region)
    except StoreError as exc:
        _notice("error", str(exc))
        return
    _new_uploader()
    counts = el.list_counts(len(venues), int(venues.geometry.isna().sum()))
    _notice("success", f"Lijst {check.filename} is opgeslagen: {counts}. De kaart, de kernen "
                       "en het scenario rekenen er nu mee.")


def discard_check() -> None:
    """Button callback: forget the checked file without storing anything."""
    st.session_state.pop(CHECK_KEY, None)
    _new_uploader()
    _notice("info", "Het bestand is niet opgeslagen.")


def remove_list(root: str, region: str, source: str) -> None:
    """Button callback: remove one stored list (by its ``source``)."""
    try:
        store = Store(root)
        remove_venue_list(store, region, source)
        refresh_reach(store, region=region)
    except StoreError as exc:
        _notice("error", str(exc))
        return
    _notice("success", f"Lijst {el.list_name(source)} is verwijderd.")


def look_up_again(root: str, region: str) -> None:
    """Button callback: look up the waiting addresses again and store what was found."""
    try:
        store = Store(root)
        report = retry_geocoding(store, region, accept=True, session=lookup_session(),
                                 base_url=locatieserver.LOCATIESERVER_URL)
        if len(report):
            refresh_reach(store, region=region)
    except (SourceError, StoreError) as exc:
        _notice("error", getattr(exc, "user_message", str(exc)))
        return
    if report.empty:
        _notice("info", "Er wachten geen adressen op geocodering.")
        return
    found = int((report["status"] == GEACCEPTEERD).sum())
    waiting = int((report["status"] == WACHT).sum())
    rejected = len(report) - found - waiting
    if found == 0 and rejected == 0:
        _notice("warning", "Er is geen adres gevonden: de PDOK Locatieserver gaf geen antwoord. "
                           "Er is niets verloren; de plekken blijven bewaard en wachten op een "
                           "volgende poging. Zie de toelichting hieronder.", report)
        return
    text = f"{_addresses(found)} gevonden en opgeslagen."
    if rejected:
        text += f" {_addresses(rejected)} niet gevonden; die plekken zijn uit de lijst gehaald."
    if waiting:
        text += f" {el.waiting(waiting, 'plek', 'plekken')} nog."
    _notice("success" if not rejected else "warning", text, report)


def apply_merge_choices(root: str, region: str, changes: dict[str, bool]) -> None:
    """Undo (True) or redo (False) merges by pair id; the page reruns afterwards."""
    store = Store(root)
    try:
        for pair_id, undone in changes.items():
            set_merge_undone(store, region, pair_id, undone=undone)
        if changes:
            refresh_reach(store, region=region)
    except StoreError as exc:
        _notice("error", str(exc))
        return
    undone = sum(changes.values())
    parts = []
    if undone:
        parts.append(f"{_merges_text(undone)} ongedaan gemaakt: die plekken tellen nu apart")
    if len(changes) - undone:
        parts.append(f"{_merges_text(len(changes) - undone)} hersteld")
    _notice("success", "; ".join(parts) + ".")


def take_notice() -> Notice | None:
    """The message of the last store action, once."""
    return st.session_state.pop(NOTICE_KEY, None)


def replaces_list(root: str, manifest: dict[str, Any], filename: str) -> bool:
    """True when the region already has a stored list of this file name."""
    return list_source(filename) in set(load_own_lists(root, manifest)["source"])


def load_own_lists(root: str, manifest: dict[str, Any]) -> pd.DataFrame:
    """The region's stored lists (:func:`loaders.venue_store.own_lists`), cached per version."""
    entry = manifest.get("layers", {}).get(OWN_LAYER, {})
    return _own_lists(root, manifest["region"], entry.get("file", ""))


def load_merges(root: str, manifest: dict[str, Any]) -> pd.DataFrame:
    """The region's merges (:func:`loaders.venue_store.venue_merges`), cached per version.

    Only for a region with an own list (otherwise there is nothing to merge).
    """
    return _merges(root, manifest["region"], venue_files(manifest))


@st.cache_data(show_spinner=False, max_entries=16)
def _own_lists(root: str, region: str, file: str) -> pd.DataFrame:
    """``file`` only keys the cache."""
    return own_lists(Store(root), region)


@st.cache_data(show_spinner="Samenvoegingen zoeken…", max_entries=16)
def _merges(root: str, region: str, files: tuple[str, ...]) -> pd.DataFrame:
    """``files`` only keys the cache."""
    return venue_merges(Store(root), region)


def _addresses(number: int) -> str:
    return "1 adres" if number == 1 else f"{number} adressen"


def _merges_text(number: int) -> str:
    return "1 samenvoeging" if number == 1 else f"{number} samenvoegingen"


def _new_uploader() -> None:
    st.session_state[UPLOADS_KEY] = st.session_state.get(UPLOADS_KEY, 0) + 1


def _notice(kind: str, text: str, table: pd.DataFrame | None = None) -> None:
    st.session_state[NOTICE_KEY] = Notice(kind, text, table)
