"""Correcting the meeting places from the dashboard: in a kern's detail and on 'Correcties'.

Every action that writes (a verdict, an added place, an undo) runs as a button callback: it
stores the correction (:mod:`loaders.corrections`), recomputes the stored reach
(:func:`pipeline.reach.refresh_reach`) and leaves one Dutch notice; Streamlit then reruns the page,
which reads the new manifest, so the cached places and reach (keyed on the data version of the
corrections layer, see :mod:`ui.reach`) are new at once. Errors become their Dutch message,
never a traceback.

A click on the map gives coordinates only when it hits a drawn point (a kern or a place):
Plotly reports no position for a click on the empty map. So a place is added by its address
(PDOK Locatieserver, online), by typed coordinates, or at a clicked point.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import geopandas as gpd
import pandas as pd
import streamlit as st

from loaders import locatieserver
from loaders.corrections import (
    CORRECTIONS_LAYER,
    add_place,
    empty_corrections,
    set_counts,
    undo,
)
from loaders.errors import SourceError
from loaders.http import make_session
from loaders.schema import wgs84_to_rd
from loaders.store import StoreError
from pipeline.reach import refresh_reach
from ui.layers import load_layer
from ui.reach import ReachView
from ui.selection import mode_label
from ui.sidebar import PageContext
from ui.store_check import web_store
from views import corrections as vc
from views.messages import error_message
from views.text import format_decimal, format_km, format_threshold, plain_markdown

NOTICE_KEY = "_correcties_melding"
NAAM_KEY = "correctie_nieuw_naam"
SOORT_KEY = "correctie_nieuw_soort"
ADRES_KEY = "correctie_nieuw_adres"
PUNT_KEY = "correctie_nieuw_punt"
MAX_PLACES = 15
"""At most this many places are listed under a kern (nearest first)."""
CLICK_M = 25.0
"""A map click within this distance of a place picks that place."""


def kern_corrections(
    context: PageContext, view: ReachView, kern: pd.Series, *, map_key: str
) -> None:
    """The places in and near one kern, each with a one-click verdict, and 'plek toevoegen'.

    Open at once for a kern without a counting place within the threshold, folded otherwise.

    Parameters
    ----------
    context, view
        The page's choice and reach (:func:`ui.reach.load_reach`).
    kern
        The kern's row of the Kaart page's table (``kern_id``, ``naam``, ``afstand_m``).
    map_key
        Key of the page's map, whose clicked point (if any) is offered as a location.
    """
    threshold = context.selection.drempel_m
    within = pd.notna(kern["afstand_m"]) and float(kern["afstand_m"]) <= threshold
    name = plain_markdown(kern["naam"])
    point = view.kernen.loc[view.kernen["kern_id"] == kern["kern_id"]].geometry.iloc[0]
    places = vc.places_near(view.venues, point)
    decided = vc.active_by_venue(load_corrections(context))
    root, region = context.root, context.manifest.region
    show_notice()
    with st.expander(f"Plekken in en bij {name} controleren", expanded=not within,
                     icon=":material/edit_location_alt:"):
        if not within:
            st.info(f"Binnen {format_threshold(threshold)} "
                    f"{mode_label(context.selection.modus)} ligt geen plek die meetelt. Klopt "
                    "dat niet? Zeg hieronder met één klik of een plek meetelt, of voeg een plek "
                    "toe die ontbreekt.", icon=":material/info:")
        st.caption(f"Plekken binnen {format_km(vc.NEAR_M)} hemelsbreed van het kernpunt, de "
                   "dichtstbijzijnde eerst. Een correctie geldt meteen voor de kaart, de "
                   "tabellen, het scenario, de downloads en de factsheet, en is terug te draaien "
                   "op de pagina Correcties.")
        if places.empty:
            st.markdown(f"Er ligt geen enkele bekende plek binnen {format_km(vc.NEAR_M)}.")
        for place in places.head(MAX_PLACES).itertuples(index=False):
            _place_row(root, region, place, decided.get(place.venue_id))
        if len(places) > MAX_PLACES:
            st.caption(f"En nog {len(places) - MAX_PLACES} plekken verder weg.")
        _clicked_place(context, view, map_key, decided)
        _add_form(root, region, kern)


def corrections_list(context: PageContext) -> None:
    """Every correction of the store with 'ongedaan maken' per row; undone ones folded below."""
    table = load_corrections(context)
    kernen = load_layer(context.root, context.manifest, "kernen")
    gemeenten = load_layer(context.root, context.manifest, "gemeenten")
    names = dict(context.options.gemeente_namen)
    if gemeenten is not None:
        names |= dict(zip(gemeenten["code"], gemeenten["naam"], strict=True))
    rows = vc.corrections_table(table, kernen, names)
    active = rows[rows["Ongedaan"].eq("")]
    if active.empty:
        st.info("Er zijn nog geen correcties. Kies op de pagina Kaart een kern: daar zeg je "
                "met één klik of een plek meetelt, of voeg je een plek toe.",
                icon=":material/info:")
    root, region = context.root, context.manifest.region
    for row in active.itertuples(index=False):
        with st.container(border=True):
            text, button = st.columns([5, 1], vertical_alignment="center")
            text.markdown(
                f"**{row.Wat}**: {plain_markdown(row.Plek)} ({plain_markdown(row.Soort)})  \n"
                f"Kern {plain_markdown(row.Kern) or '–'}, gemeente "
                f"{plain_markdown(row.Gemeente)} · bron: {row.Bron}, {row.Datum}"
            )
            button.button("Ongedaan maken", key=f"correctie_ongedaan_{row.correctie_id}",
                          on_click=_undo, args=(root, region, row.correctie_id),
                          icon=":material/undo:")
    undone = rows[rows["Ongedaan"].ne("")]
    if len(undone):
        with st.expander(f"Ongedaan gemaakt ({len(undone)})"):
            st.dataframe(undone.drop(columns="correctie_id"), hide_index=True, width="stretch")


def load_corrections(context: PageContext) -> gpd.GeoDataFrame:
    """All corrections of the region, undone ones included, cached per data version."""
    table = load_layer(context.root, context.manifest, CORRECTIONS_LAYER)
    if table is None:
        return empty_corrections()
    return table


def show_notice() -> None:
    """The message of the last correction, once."""
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice is not None:
        kind, text = notice
        getattr(st, kind)(text)


class PlaceRow(Protocol):
    """A row of :func:`views.corrections.places_near`: an ``itertuples`` row or a Series."""

    venue_id: str
    naam: str
    soort: str
    telt: bool
    afstand_m: float
    bron: str
    reden: str | None


def _place_row(root: str, region: str, place: PlaceRow, correctie_id: str | None) -> None:
    """One place: name, soort, distance, verdict and source, and its button."""
    verdict = "telt mee" if place.telt else "telt niet mee"
    text, action = st.columns([4, 2], vertical_alignment="center")
    text.markdown(f"**{plain_markdown(place.naam)}** · {plain_markdown(place.soort)} · "
                  f"{format_km(place.afstand_m)} hemelsbreed · {verdict}  \n"
                  f":small[{plain_markdown(place.reden or '')} Bron: "
                  f"{plain_markdown(place.bron)}]")
    key = f"correctie_plek_{place.venue_id}"
    if correctie_id is not None:
        action.button("Ongedaan maken", key=key, on_click=_undo,
                      args=(root, region, correctie_id), icon=":material/undo:",
                      help="Draai je eigen correctie terug; dan gelden weer de regels.")
    elif place.telt:
        action.button("Telt niet", key=key, on_click=_set, args=(root, region, place),
                      kwargs={"counts": False}, icon=":material/remove_circle:")
    else:
        action.button("Telt als ontmoetingsplek", key=key, on_click=_set,
                      args=(root, region, place), kwargs={"counts": True},
                      icon=":material/add_circle:")


def _clicked_place(
    context: PageContext, view: ReachView, map_key: str, decided: Mapping[str, str]
) -> None:
    """The point clicked on the map: the place there (with its button), or its coordinates."""
    clicked = _clicked_point(map_key)
    if clicked is None:
        return
    lon, lat = clicked
    x, y = wgs84_to_rd().transform(lon, lat)
    st.markdown("**Aangeklikt op de kaart**")
    hit = vc.places_near(view.venues, gpd.points_from_xy([x], [y])[0], radius=CLICK_M)
    if len(hit):
        place = hit.iloc[0]
        _place_row(context.root, context.manifest.region, place,
                   decided.get(place["venue_id"]))
    st.button(f"Nieuwe plek op dit punt ({format_decimal(lat, '.5f')} N, "
              f"{format_decimal(lon, '.5f')} O)",
              key="correctie_punt_overnemen", on_click=_use_point, args=(f"{lat} {lon}",),
              icon=":material/my_location:")


def _add_form(root: str, region: str, kern: pd.Series) -> None:
    """'Plek toevoegen': name, soort, and an address or coordinates."""
    with st.form("correctie_toevoegen", clear_on_submit=False, border=True):
        st.markdown("**Plek toevoegen die ontbreekt**")
        st.text_input("Naam", key=NAAM_KEY, placeholder="Bijvoorbeeld Dorpshuis De Brink")
        st.selectbox("Soort", vc.ADDABLE_SOORTEN, format_func=vc.soort_label, key=SOORT_KEY)
        st.text_input("Adres", key=ADRES_KEY,
                      placeholder=f"Straat en huisnummer, {kern['naam']}",
                      help="Wordt opgezocht bij de PDOK Locatieserver; dat kan alleen met "
                           "internet. Geef anders hieronder de plek op de kaart.")
        st.text_input(
            "Plek op de kaart (leeg: het adres wordt opgezocht)", key=PUNT_KEY,
            placeholder="RD x en y (247352 558151) of breedte- en lengtegraad (53,004 6,760)",
            help="Klik op de kaart op een plek of kern en kies ‘Nieuwe plek op dit punt’ om "
                 "die coördinaten over te nemen. Een klik op een lege plek in de kaart geeft "
                 "geen coördinaten.",
        )
        st.form_submit_button("Plek toevoegen", on_click=_add, args=(root, region),
                              icon=":material/add_location_alt:")


def _clicked_point(map_key: str) -> tuple[float, float] | None:
    """``(lon, lat)`` of the last point clicked on the map, None when nothing was clicked."""
    state = st.session_state.get(map_key)
    selection = getattr(state, "selection", None) if state is not None else None
    points = getattr(selection, "points", None) or []
    for point in points:
        if isinstance(point, Mapping) and "lat" in point and "lon" in point:
            return float(point["lon"]), float(point["lat"])
    return None


def _use_point(text: str) -> None:
    """Button callback: put the clicked point into the form's location field."""
    st.session_state[PUNT_KEY] = text


def _set(root: str, region: str, place: PlaceRow, *, counts: bool) -> None:
    """Button callback: one verdict on a place."""
    venue_id, naam = _field(place, "venue_id"), _field(place, "naam")
    try:
        store = web_store(root)
        set_counts(store, region, venue_id, counts=counts)
        refresh_reach(store, region=region)
    except StoreError as exc:
        _notice("error", str(exc))
        return
    verdict = "telt nu als ontmoetingsplek" if counts else "telt nu niet meer mee"
    _notice("success", f"‘{naam}’ {verdict} (eigen invoer van vandaag). Terugdraaien kan "
                       "hier of op de pagina Correcties.")


def _undo(root: str, region: str, correctie_id: str) -> None:
    """Button callback: undo one correction."""
    try:
        store = web_store(root)
        undo(store, region, correctie_id)
        refresh_reach(store, region=region)
    except StoreError as exc:
        _notice("error", str(exc))
        return
    _notice("success", "De correctie is ongedaan gemaakt; voor die plek gelden weer de regels.")


def _add(root: str, region: str) -> None:
    """Form callback: add the typed place, at the typed point or at its looked-up address."""
    state = st.session_state
    naam, adres = state.get(NAAM_KEY, "").strip(), state.get(ADRES_KEY, "").strip()
    try:
        x, y, adres = _location(state.get(PUNT_KEY, "").strip(), adres)
        store = web_store(root)
        add_place(store, region, naam=naam, soort=state.get(SOORT_KEY) or vc.ADDABLE_SOORTEN[0],
                  x=x, y=y, adres=adres)
        refresh_reach(store, region=region)
    except (ValueError, StoreError) as exc:
        _notice("error", error_message(exc))
        return
    for key in (NAAM_KEY, ADRES_KEY, PUNT_KEY):
        state[key] = ""
    _notice("success", f"‘{naam}’ is toegevoegd als ontmoetingsplek (eigen invoer van "
                       "vandaag). De kaart, de kernen en het scenario rekenen er nu mee.")


def _location(point: str, adres: str) -> tuple[float, float, str]:
    """RD ``(x, y)`` and the address to store, from typed coordinates or a looked-up address.

    Raises
    ------
    ValueError
        With a Dutch message: no location, unreadable coordinates, address not found or the
        Locatieserver not reachable.
    """
    if point:
        x, y = vc.parse_coordinates(point)
        return x, y, adres
    if not adres:
        raise ValueError("Geef een adres of de plek op de kaart; er is niets toegevoegd.")
    try:
        found = locatieserver.geocode_address(adres, session=make_session(retries=1,
                                                                            backoff=0.5))
    except SourceError as exc:
        raise ValueError(
            f"Het adres kon niet worden opgezocht: {exc.user_message} Zonder internet kan "
            "het niet; geef de plek op de kaart (coördinaten, of klik op een punt in de "
            "kaart). Er is niets toegevoegd.") from exc
    if found is None:
        raise ValueError(f"Adres ‘{adres}’ niet gevonden bij de PDOK Locatieserver; er is "
                         "niets toegevoegd.")
    return found.x, found.y, found.weergavenaam


def _field(place: PlaceRow, name: str) -> str:
    return str(place[name] if isinstance(place, pd.Series) else getattr(place, name))


def _notice(kind: str, text: str) -> None:
    st.session_state[NOTICE_KEY] = (kind, text)

