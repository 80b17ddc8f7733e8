"""The sidebar choice (region, gemeenten, year, age group, indicator), kept in the URL.

The frame (``ui.frame``) calls :func:`render_sidebar` on every run, before the page; the page
then asks ``ui.frame.page_context`` for the result. The URL is read when a session starts or
when someone edits it; otherwise the widgets lead and their values are written back to
``st.query_params``, so the address bar always holds a link that reproduces the view. Invalid
URL values fall back to the default with a Dutch warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

from loaders.schema import LONELINESS_INDICATORS
from loaders.store import Store, StoreError
from ui.layers import load_layer
from ui.selection import (
    MODES,
    QUERY_KEYS,
    THRESHOLDS_M,
    RegionOptions,
    Selection,
    default_selection,
    parse_query,
    pick_region,
    region_options,
    to_query,
)
from views.eenzaamheid import AGE_LABELS

CONTEXT_KEY = "_ontmoetingskaart_context"
WRITTEN_KEY = "_ontmoetingskaart_query"


@dataclass(frozen=True)
class PageContext:
    """What a page needs to know: the store folder, the region's manifest, the choice made."""

    root: str
    manifest: dict[str, Any]
    options: RegionOptions
    selection: Selection


def render_sidebar(store: Store) -> PageContext | None:
    """Draw the choice widgets in the sidebar and sync them with the URL.

    Returns
    -------
    PageContext or None
        None when the store holds no readable region.
    """
    manifests = _readable_manifests(store)
    st.session_state[CONTEXT_KEY] = None
    if not manifests:
        return None
    params = {key: st.query_params[key] for key in QUERY_KEYS if key in st.query_params}
    from_url = WRITTEN_KEY not in st.session_state or (
        bool(params) and params != st.session_state[WRITTEN_KEY]
    )
    names = {region: m.get("name", region) for region, m in manifests.items()}
    warnings = _choose_region(params, names, from_url=from_url)
    with st.sidebar:
        region = st.selectbox("Regio", list(manifests), format_func=names.get, key="regio")
        manifest = manifests[region]
        options = region_options(manifest, load_layer(str(store.root), manifest, "eenzaamheid"))
        if from_url:
            parsed, more = parse_query(params, options)
            warnings += more
            _seed(parsed)
        else:
            _keep_valid(options)
        selection = _choice_widgets(options)
        st.caption("De link in de adresbalk bewaart deze keuze: deel hem om dit te laten zien.")
    for warning in warnings:
        st.warning(warning, icon=":material/link_off:")
    _write_query(to_query(selection))
    context = PageContext(str(store.root), manifest, options, selection)
    st.session_state[CONTEXT_KEY] = context
    return context


def _choose_region(params: dict[str, str], names: dict[str, str], *, from_url: bool) -> list[str]:
    """Set the region widget's state from the URL, or keep it if still stored; the warnings."""
    if from_url:
        st.session_state["regio"], warnings = pick_region(params, names)
        return warnings
    if st.session_state.get("regio") not in names:
        st.session_state["regio"] = next(iter(names))
    return []


def _readable_manifests(store: Store) -> dict[str, dict[str, Any]]:
    manifests = {}
    for region in store.regions():
        try:
            manifests[region] = store.manifest(region)
        except StoreError:
            continue
    return manifests


def _seed(selection: Selection) -> None:
    """Put a choice read from the URL into the widgets' state (before they are drawn)."""
    st.session_state["gemeente"] = list(selection.gemeenten)
    st.session_state["jaar"] = selection.jaar
    st.session_state["leeftijd"] = selection.leeftijd
    st.session_state["indicator"] = selection.indicator
    st.session_state["modus"] = selection.modus
    st.session_state["drempel"] = selection.drempel_m


def _keep_valid(options: RegionOptions) -> None:
    """Reset widget values that the (possibly just changed) region does not offer."""
    default = default_selection(options)
    state = st.session_state
    state["gemeente"] = [g for g in state.get("gemeente", []) if g in options.gemeenten]
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
        format_func=lambda m: f"{m / 1000:g} km".replace(".", ","),
        help="Een kern telt als 'binnen bereik' als de dichtstbijzijnde ontmoetingsplek "
        "binnen deze afstand ligt.",
    )
    return modus, drempel


def _choice_widgets(options: RegionOptions) -> Selection:
    modus, drempel = _reach_widgets()
    gemeenten = options.gemeenten
    if len(options.gemeenten) > 1:
        chosen = st.multiselect(
            "Gemeenten",
            options.gemeenten,
            format_func=lambda code: f"{options.gemeente_namen.get(code, code)} ({code})",
            key="gemeente",
            placeholder="Alle gemeenten",
        )
        gemeenten = tuple(chosen) or options.gemeenten
    if not options.years:
        st.caption("Deze regio heeft geen eenzaamheidscijfers.")
        return Selection(options.region, gemeenten, None, None, st.session_state["indicator"],
                         modus, drempel)
    jaar = st.segmented_control("Jaar", options.years, key="jaar", required=True)
    leeftijd = st.segmented_control(
        "Leeftijdsgroep",
        options.ages,
        key="leeftijd",
        required=True,
        help=" · ".join(f"{a}: {AGE_LABELS.get(a, a)}" for a in options.ages),
    )
    indicator = st.selectbox(
        "Indicator",
        list(LONELINESS_INDICATORS),
        format_func=LONELINESS_INDICATORS.get,
        key="indicator",
        help="Percentage inwoners met deze score op de eenzaamheidsschaal van De Jong-Gierveld.",
    )
    return Selection(options.region, gemeenten, jaar, leeftijd, indicator, modus, drempel)


def _write_query(query: dict[str, str]) -> None:
    """Make the dashboard's keys in ``st.query_params`` equal ``query``; leave other keys alone."""
    current = {key: st.query_params[key] for key in QUERY_KEYS if key in st.query_params}
    if current != query:
        for key in set(current) - set(query):
            del st.query_params[key]
        st.query_params.update(query)
    st.session_state[WRITTEN_KEY] = query
