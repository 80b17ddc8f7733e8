"""The sidebar choice (area, gemeenten, year, age group, indicator), kept in the URL.

The frame (``ui.frame``) calls :func:`render_sidebar` on every run, before the page; the page
then asks ``ui.frame.page_context`` for the result. The URL is read when a session starts or
when someone edits it; otherwise the widgets lead and their values are written back to
``st.query_params``, so the address bar always holds a link that reproduces the view. Invalid
URL values fall back to the default with a Dutch warning, which repeats the wrong value as
plain text (shortened and Markdown-escaped, :mod:`views.text`).
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from loaders.gebied import Gebied
from loaders.manifest import Manifest
from loaders.schema import LONELINESS_INDICATORS
from loaders.store import NATIONAL, Store, StoreError
from ui.layers import CACHE_TTL, load_layer
from ui.selection import (
    MODES,
    QUERY_KEYS,
    THRESHOLDS_M,
    RegionOptions,
    Selection,
    default_selection,
    parse_query,
    region_options,
    to_query,
)
from views.eenzaamheid import AGE_LABELS
from views.text import format_threshold, plain_markdown

CONTEXT_KEY = "_ontmoetingskaart_context"
WRITTEN_KEY = "_ontmoetingskaart_query"
LEGACY_KEYS = ("regio",)
"""Query parameters of older links that are read once and then dropped from the URL."""


@dataclass(frozen=True)
class PageContext:
    """What a page needs to know: the store folder, its manifest, the choice made."""

    root: str
    manifest: Manifest
    options: RegionOptions
    selection: Selection


def render_sidebar(store: Store) -> PageContext | None:
    """Draw the choice widgets in the sidebar and sync them with the URL.

    Returns
    -------
    PageContext or None
        None when the store holds no readable national data.
    """
    st.session_state[CONTEXT_KEY] = None
    try:
        manifest = store.manifest(NATIONAL)
    except StoreError:
        return None
    keys = (*QUERY_KEYS, *LEGACY_KEYS)
    params = {key: st.query_params[key] for key in keys if key in st.query_params}
    from_url = WRITTEN_KEY not in st.session_state or (
        bool(params) and params != st.session_state[WRITTEN_KEY]
    )
    root = str(store.root)
    options = _options(root, manifest)
    warnings: list[str] = []
    with st.sidebar:
        if from_url:
            parsed, warnings = parse_query(params, options)
            _seed(parsed, options)
        else:
            _keep_valid(options)
        gebied = _gebied_widget(options)
        selection = _choice_widgets(options, gebied)
        st.caption("De link in de adresbalk bewaart deze keuze: deel hem om dit te laten zien.")
    for warning in warnings:
        st.warning(plain_markdown(warning), icon=":material/link_off:")
    _write_query(to_query(selection, gebied.codes))
    context = PageContext(root, manifest, options, selection)
    st.session_state[CONTEXT_KEY] = context
    return context


def _options(root: str, manifest: Manifest) -> RegionOptions:
    """The choices the store offers, worked out once per data version for all sessions."""
    return _cached_options(root, manifest.data_key(), manifest)


@st.cache_resource(show_spinner=False, max_entries=4, ttl=CACHE_TTL)
def _cached_options(
    root: str, data_key: str, _manifest: Manifest,  # noqa: ARG001 - data_key keys the cache
) -> RegionOptions:
    """:func:`region_options`; ``root`` and ``data_key`` (of every layer) key the cache."""
    return region_options(_manifest, load_layer(root, _manifest, "eenzaamheid"),
                          load_layer(root, _manifest, "gemeenten"))


def _gebied_widget(options: RegionOptions) -> Gebied:
    """The area: Nederland, a province or a gemeente, searchable by typing."""
    keys = [g.key for g in options.gebieden]
    labels = {g.key: g.menu_label for g in options.gebieden}
    if st.session_state.get("gebied") not in labels and "," not in str(
        st.session_state.get("gebied", "")
    ):
        st.session_state["gebied"] = keys[0]
    current = st.session_state["gebied"]
    if current not in labels:
        parts = [labels.get(code, code) for code in str(current).split(",")]
        labels[current] = " + ".join(parts)
        keys.append(current)
    key = st.selectbox(
        "Gebied", keys, format_func=labels.get, key="gebied",
        help="Typ de naam van een gemeente of provincie om te zoeken.",
    )
    found = options.gebied(key)
    if found is not None:
        return found
    codes = tuple(sorted(c for c in str(key).split(",") if c in options.gemeente_namen))
    return Gebied(key, labels[key], "gemeente", codes)


def _seed(selection: Selection, options: RegionOptions) -> None:
    """Put a choice read from the URL into the widgets' state (before they are drawn)."""
    area = options.gebied(selection.gebied)
    whole = area is None or set(selection.gemeenten) == set(area.codes)
    st.session_state["gebied"] = selection.gebied
    st.session_state["gemeente"] = [] if whole else list(selection.gemeenten)
    st.session_state["jaar"] = selection.jaar
    st.session_state["leeftijd"] = selection.leeftijd
    st.session_state["indicator"] = selection.indicator
    st.session_state["modus"] = selection.modus
    st.session_state["drempel"] = selection.drempel_m


def _keep_valid(options: RegionOptions) -> None:
    """Reset widget values that the (possibly just changed) region does not offer."""
    default = default_selection(options)
    state = st.session_state
    area = options.gebied(str(state.get("gebied", "")))
    allowed = area.codes if area is not None else options.gemeenten
    state["gemeente"] = [g for g in state.get("gemeente", []) if g in allowed]
    if state.get("jaar") not in options.years:
        state["jaar"] = default.jaar
    if state.get("leeftijd") not in options.ages:
        state["leeftijd"] = default.leeftijd
    if state.get("indicator") not in LONELINESS_INDICATORS:
        state["indicator"] = default.indicator
    if state.get("modus") not in MODES.values():
        state["modus"] = default.modus
    if state.get("drempel") not in THRESHOLDS_M:
        state["drempel"] = default.drempel_m


def _reach_widgets() -> tuple[str, int]:
    """Travel mode and distance threshold for the meeting-place distances."""
    labels = {mode: label.capitalize() for label, mode in MODES.items()}
    modus = st.segmented_control(
        "Vervoerswijze", list(labels), format_func=labels.get, key="modus", required=True
    )
    drempel = st.select_slider(
        "Afstandsgrens", THRESHOLDS_M, key="drempel",
        format_func=format_threshold,
        help="Een kern telt als 'binnen bereik' als de dichtstbijzijnde ontmoetingsplek "
        "binnen deze afstand ligt.",
    )
    return modus, drempel


def _choice_widgets(options: RegionOptions, gebied: Gebied) -> Selection:
    within = tuple(c for c in gebied.codes if c in options.gemeenten) or gebied.codes
    gemeenten = within
    if len(within) > 1:
        names = options.gemeente_namen
        chosen = st.multiselect(
            "Alleen deze gemeenten",
            sorted(within, key=lambda code: names.get(code, code)),
            format_func=lambda code: f"{names.get(code, code)} ({code})",
            key="gemeente",
            placeholder="Alle gemeenten",
        )
        gemeenten = tuple(chosen) or within
    modus, drempel = _reach_widgets()
    if not options.years:
        st.caption("Er zijn geen eenzaamheidscijfers opgeslagen.")
        return Selection(options.region, gemeenten, None, None, st.session_state["indicator"],
                         modus, drempel, gebied.key)
    jaar = st.segmented_control("Jaar", options.years, key="jaar", required=True)
    leeftijd = st.segmented_control(
        "Leeftijdsgroep",
        options.ages,
        key="leeftijd",
        required=True,
        help=" · ".join(plain_markdown(f"{a}: {AGE_LABELS.get(a, a)}") for a in options.ages),
    )
    indicator = st.selectbox(
        "Indicator",
        list(LONELINESS_INDICATORS),
        format_func=LONELINESS_INDICATORS.get,
        key="indicator",
        help="Percentage inwoners met deze score op de eenzaamheidsschaal van De Jong-Gierveld.",
    )
    return Selection(options.region, gemeenten, jaar, leeftijd, indicator, modus, drempel,
                     gebied.key)


def _write_query(query: dict[str, str]) -> None:
    """Make the dashboard's keys in ``st.query_params`` equal ``query``; leave other keys alone."""
    keys = (*QUERY_KEYS, *LEGACY_KEYS)
    current = {key: st.query_params[key] for key in keys if key in st.query_params}
    if current != query:
        for key in set(current) - set(query):
            del st.query_params[key]
        st.query_params.update(query)
    st.session_state[WRITTEN_KEY] = query
