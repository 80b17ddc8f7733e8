"""The steps of the page 'Eigen lijst', kept in ``st.session_state``.

An uploaded file is checked once (:func:`loaders.venues.parse_venue_file` writes nothing) and
the result kept until the user stores or discards it, or chooses other columns (then it is
checked again with the user's mapping). Which rows repeat a stored place depends on whether the
file replaces the stored list of its name, so :func:`final_check` marks them for the choice made
on the page, each rerun. Everything that writes to the store runs as a button callback or just
before a rerun, so the sidebar and the page then read the new manifest; each leaves one
:class:`Notice` for the page to show. Back-end errors become their Dutch message, never a
traceback.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd
import requests
import streamlit as st

from loaders import locatieserver
from loaders.errors import SourceError
from loaders.http import make_session
from loaders.manifest import Manifest
from loaders.store import StoreError
from loaders.venue_checks import LocatieserverGeocoder
from loaders.venue_columns import FIELDS
from loaders.venue_store import (
    OWN_LAYER,
    free_list_name,
    mark_stored_duplicates,
    own_lists,
    region_gemeenten,
    remove_venue_list,
    retry_geocoding,
    set_merge_undone,
    store_venue_list,
    stored_list_size,
    venue_merges,
)
from loaders.venues import (
    DUBBEL,
    GEACCEPTEERD,
    WACHT,
    ColumnsError,
    ParsedVenues,
    display_name,
    list_source,
    parse_venue_file,
    rename_list,
)
from pipeline.reach import VENUE_LAYERS, refresh_reach
from ui.layers import CACHE_TTL
from ui.store_check import web_store
from views import eigen_lijst as el

CHECK_KEY = "_eigen_lijst_controle"
NOTICE_KEY = "_eigen_lijst_melding"
UPLOADS_KEY = "_eigen_lijst_uploads"
COLUMNS_KEY = "_eigen_lijst_kolommen"
NO_COLUMN = "(geen)"
"""The choice 'no column for this field' in the column selectboxes."""
REPLACE = "vervang"
SEPARATE = "apart"
"""What to do with a file whose name a stored list has: replace that list, or keep both."""
UPLOAD_LIMIT_MB = el.MAX_UPLOAD_MB + 5
"""Streamlit's own upload limit (``server.maxUploadSize`` in ``.streamlit/config.toml``, and
the uploader's). Streamlit refuses a larger file in English before the page sees it, so this is
a little above the product's limit: a file between the two gets the Dutch message of
:func:`loaders.venues.parse_venue_file`. Streamlit also refuses a larger request body on the
server, so no upload can hold more than this in memory."""
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
    headers: tuple[str, ...] = ()
    columns: dict[str, str] = field(default_factory=dict)
    requested: dict[str, str] | None = None

    def column_key(self, name: str) -> str:
        """Widget key of the column selectbox of field ``name``.

        The key is new for every file and every mapping, so the boxes always start at the
        mapping used.
        """
        used = "|".join(f"{k}={v}" for k, v in sorted(self.columns.items()))
        text = f"{self.file_id}|{used}".encode()
        digest = hashlib.sha1(text, usedforsecurity=False).hexdigest()[:10]
        return f"eigen_lijst_kolom_{name}_{digest}"


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


def requested_columns(file_id: str) -> dict[str, str] | None:
    """The columns the user chose for this uploaded file; ``None``: match them by header."""
    chosen = st.session_state.get(COLUMNS_KEY)
    if chosen is not None and chosen[0] == file_id:
        return dict(chosen[1])
    return None


def checked(region: str, file_id: str) -> Check | None:
    """The kept check of this uploaded file for this region, if it was checked already.

    Only a check made with the columns the user chose now counts.
    """
    check = st.session_state.get(CHECK_KEY)
    if (check is not None and (check.region, check.file_id) == (region, file_id)
            and check.requested == requested_columns(file_id)):
        return check
    return None


def check_file(
    root: str, region: str, content: bytes, filename: str, file_id: str,
    columns: Mapping[str, str] | None = None,
) -> Check:
    """Check an uploaded file against the region and keep the result; nothing is stored.

    Parameters
    ----------
    root, region
        The store and its region (its gemeenten reject far-away points).
    content, filename, file_id
        The uploaded file.
    columns
        The user's mapping (field → column); ``None`` matches the columns by their headers.
    """
    name = display_name(filename)
    requested = None if columns is None else dict(columns)
    try:
        store = web_store(root)
        store.manifest(region)
        geocoder = LocatieserverGeocoder(session=lookup_session(),
                                         base_url=locatieserver.LOCATIESERVER_URL)
        parsed = parse_venue_file(content, filename, gemeenten=region_gemeenten(store, region),
                                  geocoder=geocoder, columns=columns)
    except ColumnsError as exc:
        check = Check(region, file_id, name, error=exc.user_message, headers=exc.headers,
                      columns=exc.columns, requested=requested)
    except SourceError as exc:
        check = Check(region, file_id, name, error=exc.user_message, requested=requested)
    except StoreError as exc:
        check = Check(region, file_id, name, error=str(exc), requested=requested)
    else:
        check = Check(region, file_id, name, parsed=parsed, headers=parsed.headers,
                      columns=parsed.columns, requested=requested)
    st.session_state[CHECK_KEY] = check
    return check


def choose_columns(check: Check) -> None:
    """Form callback: check the file again with the columns chosen in the selectboxes."""
    chosen = {name: st.session_state.get(check.column_key(name), NO_COLUMN) for name in FIELDS}
    mapping = {name: column for name, column in chosen.items() if column != NO_COLUMN}
    st.session_state[COLUMNS_KEY] = (check.file_id, mapping)


def separate_name(root: str, region: str, filename: str) -> str:
    """The name under which a file is kept next to a stored list of its name."""
    return free_list_name(web_store(root), region, filename)


def final_check(root: str, region: str, check: Check, choice: str | None) -> ParsedVenues:
    """The checked rows as they would be stored: places already stored are ``dubbel``.

    Parameters
    ----------
    root, region
        The store.
    check
        A check with ``parsed`` rows.
    choice
        :data:`REPLACE` or :data:`SEPARATE` when a list of this file name is stored, else
        ``None``.
    """
    store = web_store(root)
    parsed = check.parsed
    if choice == SEPARATE:
        name = separate_name(root, region, check.filename)
        parsed = parsed._replace(venues=rename_list(parsed.venues, name))
    return mark_stored_duplicates(store, region, parsed, replace=choice == REPLACE)


def store_check(root: str, region: str, choice: str | None) -> None:
    """Button callback: store the kept check's rows as a list of the region.

    ``choice`` is :data:`REPLACE` (replace the stored list of this file name), :data:`SEPARATE`
    (keep the file as a list of its own next to it) or ``None`` (no list of this name yet).
    """
    check = st.session_state.pop(CHECK_KEY, None)
    if check is None or check.parsed is None or check.region != region:
        _notice("warning", "Er was geen gecontroleerd bestand meer om op te slaan; kies het "
                           "bestand opnieuw.")
        return
    try:
        store = web_store(root)
        final = final_check(root, region, check, choice)
        replaced = stored_list_size(store, region, check.filename) or 0
        store_venue_list(store, region, final.venues, replace=choice == REPLACE)
        refresh_reach(store, region=region)
    except StoreError as exc:
        _notice("error", str(exc))
        return
    _new_uploader()
    venues = final.venues
    name = el.list_name(venues["source"].iloc[0]) if len(venues) else check.filename
    counts = el.list_counts(len(venues), int(venues.geometry.isna().sum()))
    text = f"Lijst {name} is opgeslagen: {counts}."
    if choice == REPLACE:
        text += f" De vorige versie ({el.places(replaced)}) is vervangen."
    repeated = int((final.report["status"] == DUBBEL).sum())
    if repeated:
        text += f" {el.repeated_text(repeated)}"
    _notice("success", text + " De kaart, de kernen en het scenario rekenen er nu mee.")


def discard_check() -> None:
    """Button callback: forget the checked file without storing anything."""
    st.session_state.pop(CHECK_KEY, None)
    _new_uploader()
    _notice("info", "Het bestand is niet opgeslagen.")


def remove_list(root: str, region: str, source: str) -> None:
    """Button callback: remove one stored list (by its ``source``)."""
    try:
        store = web_store(root)
        remove_venue_list(store, region, source)
        refresh_reach(store, region=region)
    except StoreError as exc:
        _notice("error", str(exc))
        return
    _notice("success", f"Lijst {el.list_name(source)} is verwijderd.")


def look_up_again(root: str, region: str) -> None:
    """Button callback: look up the waiting addresses again and store what was found."""
    try:
        store = web_store(root)
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
    store = web_store(root)
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


def stored_size(root: str, manifest: Manifest, filename: str) -> int:
    """How many places the stored list of this file name has (0 when there is none)."""
    lists = load_own_lists(root, manifest)
    return int(lists.loc[lists["source"] == list_source(filename), "plekken"].sum())


def load_own_lists(root: str, manifest: Manifest) -> pd.DataFrame:
    """The region's stored lists (:func:`loaders.venue_store.own_lists`), cached per version."""
    return _own_lists(root, manifest.region, manifest.data_key([OWN_LAYER]))


def load_merges(root: str, manifest: Manifest) -> pd.DataFrame:
    """The region's merges (:func:`loaders.venue_store.venue_merges`), cached per version.

    Only for a region with an own list (otherwise there is nothing to merge).
    """
    return _merges(root, manifest.region, manifest.data_key(VENUE_LAYERS))


@st.cache_data(show_spinner=False, max_entries=16, ttl=CACHE_TTL)
def _own_lists(
    root: str, region: str, data_key: str,  # noqa: ARG001 - keys the cache
) -> pd.DataFrame:
    """``data_key`` only keys the cache."""
    return own_lists(web_store(root), region)


@st.cache_data(show_spinner="Samenvoegingen zoeken…", max_entries=16, ttl=CACHE_TTL)
def _merges(
    root: str, region: str, data_key: str,  # noqa: ARG001 - keys the cache
) -> pd.DataFrame:
    """``data_key`` only keys the cache."""
    return venue_merges(web_store(root), region)


def _addresses(number: int) -> str:
    return "1 adres" if number == 1 else f"{number} adressen"


def _merges_text(number: int) -> str:
    return "1 samenvoeging" if number == 1 else f"{number} samenvoegingen"


def _new_uploader() -> None:
    st.session_state[UPLOADS_KEY] = st.session_state.get(UPLOADS_KEY, 0) + 1


def _notice(kind: str, text: str, table: pd.DataFrame | None = None) -> None:
    st.session_state[NOTICE_KEY] = Notice(kind, text, table)
