"""Page 'Scenario': what if meeting places close or a new one opens, and where new ones help most.

The closed places live in the URL (``dicht=`` with comma-separated venue ids), so a link shows
the same closure; the sidebar's own keys are left to ``ui.sidebar``. The siting suggestion runs
only when asked and is cached on its inputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import streamlit as st

from analysis.reach import points_xy
from analysis.scenario import close_venues, open_venue
from analysis.siting import best_sites, candidate_sites
from ui.downloads import chart_downloads
from ui.frame import page_context
from ui.layers import CACHE_TTL, load_layer
from ui.notices import estimate_notice
from ui.reach import ReachView, load_reach
from ui.selection import mode_label
from ui.sidebar import PageContext
from views import scenario as sv
from views.export import excel_csv
from views.messages import error_message
from views.sources import layer_sources, source_line
from views.text import UNKNOWN, echo, format_count, format_km, format_threshold, plain_markdown

# Bare strings in a page script would be drawn by Streamlit's "magic": comments only here.
CLOSED_PARAM = "dicht"  # query parameter with the comma-separated closed venue ids
CLOSED_KEY = "scenario_dicht"
CLOSED_STORE = "_scenario_dicht"
CLOSED_WRITTEN = "_scenario_dicht_query"
SITING_KEY = "_scenario_siting"
OPEN_SOURCES = {"gebouw": "Bestaand gebouw", "kern": "Midden van een kern", "punt": "Coördinaten"}
WEIGHTS = {"inwoners": "Inwoners", "eenzamen_schatting": "Geschatte eenzamen"}
Point = tuple[tuple[float, float], str]  # a new place: its RD coordinates and its name


@dataclass(frozen=True)
class Scene:
    """What every part of the page draws on: the choice, the reach, its places, the decoration.

    ``places`` are the meeting places of the chosen gemeenten and those within reach across
    their border (:func:`views.scenario.area_places`): the ones offered to close and drawn.
    """

    context: PageContext
    view: ReachView
    places: gpd.GeoDataFrame
    outline: gpd.GeoDataFrame | None
    subtitle: str
    sources: list[str]

    @property
    def threshold_m(self) -> int:
        """The distance threshold chosen in the sidebar."""
        return self.context.selection.drempel_m


def closed_from_url(options: Mapping[str, str]) -> list[str]:
    """The multiselect of places to close, kept in step with ``?dicht=`` in the URL.

    The URL leads when the session starts or when someone edits it; otherwise the widget leads
    and its value is written back (the value survives visits to other pages in the session).
    Ids that are no meeting place of the region are dropped with a Dutch warning.
    """
    raw = st.query_params.get(CLOSED_PARAM)
    written = st.session_state.get(CLOSED_WRITTEN)
    state = st.session_state
    if written is None or (raw is not None and raw != written):
        wanted = list(dict.fromkeys(i.strip() for i in (raw or "").split(",") if i.strip()))
        unknown = [i for i in wanted if i not in options]
        if unknown:
            st.warning(
                f"{echo(', '.join(unknown))} uit de link is geen ontmoetingsplek in dit gebied; "
                "die laten we buiten het scenario.",
                icon=":material/link_off:",
            )
        state[CLOSED_KEY] = [i for i in wanted if i in options]
    else:
        state[CLOSED_KEY] = [i for i in state.get(CLOSED_KEY, state.get(CLOSED_STORE, []))
                             if i in options]
    chosen = st.multiselect(
        "Welke ontmoetingsplekken sluiten?", list(options), format_func=options.get,
        key=CLOSED_KEY, placeholder="Typ de naam van een plek of dorp",
        select_all=False,
        help="De plekken in het gekozen gebied en die tot "
        f"{format_threshold(sv.BORDER_REACH_M)} over de grens. De link in de adresbalk "
        "bewaart deze keuze: deel hem om dit scenario te laten zien.",
    )
    state[CLOSED_STORE] = chosen
    value = ",".join(chosen)
    if value and raw != value:
        st.query_params[CLOSED_PARAM] = value
    elif not value and raw is not None:
        del st.query_params[CLOSED_PARAM]
    state[CLOSED_WRITTEN] = value
    return chosen


def show_scenario(
    scene: Scene, scenario: pd.DataFrame, places: pd.DataFrame, *, kind: str, title: str,
    file_name: str,
) -> None:
    """Metrics, the before/after map, the table of affected kernen and its download."""
    view = scene.view
    metrics = sv.summary_metrics(scenario, kind=kind, threshold_m=scene.threshold_m,
                                 indicator=scene.context.selection.indicator)
    for column, metric in zip(st.columns(len(metrics)), metrics, strict=True):
        column.metric(metric.label, metric.value, help=metric.help, border=True)
    if scenario.empty:
        st.info("Geen enkele kern in de gekozen gemeenten verandert van dichtstbijzijnde plek."
                if kind == sv.CLOSE else
                "Voor geen enkele kern ligt deze plek dichter dan de huidige dichtstbijzijnde.",
                icon=":material/check_circle:")
    figure = sv.scenario_map(view.table, view.kernen, scenario, places,
                             threshold_m=scene.threshold_m, title=title, subtitle=scene.subtitle,
                             outline=scene.outline, source=source_line(scene.sources))
    st.plotly_chart(figure, width="stretch", key=f"kaart_{kind}_{file_name}")
    chart_downloads(figure, f"{file_name}_{scene.context.selection.file_stem}",
                    sources=scene.sources, recolour=False)
    if scenario.empty:
        return
    st.markdown("##### Geraakte kernen" if kind == sv.CLOSE else "##### Kernen die winnen")
    table = sv.affected_table(scenario, kind=kind, threshold_m=scene.threshold_m)
    st.dataframe(sv.styled(table), hide_index=True, width="stretch", placeholder=UNKNOWN,
                 column_config={"Kern": st.column_config.TextColumn(pinned=True)},
                 key=f"tabel_{kind}_{file_name}")
    st.download_button(
        "Download deze kernen als CSV (Excel)",
        excel_csv(sv.export_affected(scenario, kind=kind, threshold_m=scene.threshold_m,
                                     is_estimate=view.is_estimate)),
        file_name=f"{file_name}_{scene.context.selection.file_stem}.csv", mime="text/csv",
        icon=":material/download:", on_click="ignore", key=f"download_{kind}_{file_name}",
    )


def close_tab(scene: Scene) -> None:
    """Choose places to close; show who then travels farther."""
    view, choice = scene.view, scene.context.selection
    options = sv.venue_options(scene.places)
    closed = closed_from_url(options)
    if not closed:
        st.info("Kies hierboven een of meer ontmoetingsplekken. Je ziet dan welke kernen verder "
                "moeten reizen en wie zijn plek binnen de afstandsgrens kwijtraakt.",
                icon=":material/touch_app:")
        return
    scenario = close_venues(view.table, closed, kernen=view.kernen, venues=view.venues,
                            mode=choice.modus, graph=view.graph, threshold_m=choice.drempel_m)
    names = dict(zip(view.venues["venue_id"], view.venues["naam"], strict=True))
    listed = ", ".join(str(names[i]) for i in closed)
    # a kern's new nearest place may lie beyond the border reach: drawn too, for its line
    drawn = view.venues["venue_id"].isin([*options, *scenario["nieuwe_venue_id"].dropna()])
    show_scenario(scene, scenario, sv.map_places(view.venues[drawn], closed_ids=closed),
                  kind=sv.CLOSE,
                  title=f"Als {listed} {'sluit' if len(closed) == 1 else 'sluiten'}",
                  file_name="scenario_dicht")


def new_point(view: ReachView, gemeenten: tuple[str, ...]) -> Point | None:
    """The point of the new place and its name, from a building, a kern or typed coordinates."""
    source = st.radio("Waar komt de nieuwe plek?", list(OPEN_SOURCES),
                      format_func=OPEN_SOURCES.get, horizontal=True, key="scenario_bron")
    if source == "gebouw":
        buildings = sv.building_sites(view.venues, gemeenten)
        if not buildings:
            st.info("In de gekozen gemeenten staat geen gebouw dat (nog) niet als "
                    "ontmoetingsplek telt. Kies een kern of typ coördinaten.")
            return None
        venue_id = st.selectbox("Gebouw dat ontmoetingsplek wordt", list(buildings),
                                format_func=buildings.get, index=None,
                                placeholder="Kies een gebouw", key="scenario_gebouw")
        if venue_id is None:
            return None
        row = view.venues[view.venues["venue_id"] == venue_id]
        return tuple(points_xy(row)[0]), str(row["naam"].iloc[0])
    if source == "kern":
        ordered = view.table.assign(_naam=view.table["naam"].str.casefold()).sort_values("_naam")
        labels = {k: f"{n} (nu {format_km(d, missing=sv.NO_PLACE)})" for k, n, d in
                  zip(ordered["kern_id"], ordered["naam"], ordered["afstand_m"], strict=True)}
        kern_id = st.selectbox("Kern", list(labels), format_func=labels.get, index=None,
                               placeholder="Kies een kern", key="scenario_kern")
        if kern_id is None:
            return None
        row = view.kernen[view.kernen["kern_id"] == kern_id]
        return tuple(points_xy(row)[0]), f"Nieuwe plek in {row['naam'].iloc[0]}"
    return typed_point()


def typed_point() -> Point | None:
    """RD x/y or latitude/longitude typed by the user; a Dutch error when they are unusable."""
    system = st.radio("Coördinaten in", list(sv.COORDINATE_SYSTEMS),
                      format_func=sv.COORDINATE_SYSTEMS.get, horizontal=True,
                      key="scenario_stelsel")
    rd = system == sv.RD
    left, right = st.columns(2)
    first = left.text_input("x (meter)" if rd else "Breedtegraad", key="scenario_coord_1",
                            placeholder="241024" if rd else "53,06")
    second = right.text_input("y (meter)" if rd else "Lengtegraad", key="scenario_coord_2",
                              placeholder="566116" if rd else "6,68")
    if not first.strip() and not second.strip():
        st.caption("Vul beide coördinaten in. RD-coördinaten vind je bijvoorbeeld op "
                   "PDOK of in de BAG; een decimale komma mag.")
        return None
    try:
        point = sv.parse_point(first, second, system=system)
    except sv.PointError as exc:
        st.error(plain_markdown(str(exc)), icon=":material/error:")
        return None
    return point, f"Nieuwe plek ({format_count(point[0])}, {format_count(point[1])})"


def open_tab(scene: Scene) -> None:
    """Choose a point for a new place; show which kernen get closer."""
    view, choice = scene.view, scene.context.selection
    picked = new_point(view, choice.gemeenten)
    if picked is None:
        return
    point, name = picked
    scenario = open_venue(view.table, point, kernen=view.kernen, mode=choice.modus, name=name,
                          graph=view.graph, threshold_m=choice.drempel_m)
    site = pd.DataFrame({"venue_id": ["nieuw"], "naam": [name], "x": [point[0]],
                         "y": [point[1]]})
    show_scenario(scene, scenario, sv.map_places(scene.places, new_sites=site), kind=sv.OPEN,
                  title=f"Als er een ontmoetingsplek bijkomt: {name}", file_name="scenario_open")


@st.cache_data(show_spinner="Beste plekken zoeken…", max_entries=32, ttl=CACHE_TTL)
def suggested_sites(
    key: tuple[object, ...],  # noqa: ARG001 - keys the cache
    n_sites: int, threshold_m: int, weight: str, mode: str,
    _reach: pd.DataFrame, _candidates: gpd.GeoDataFrame, _kernen: gpd.GeoDataFrame,
    _graph: object,
) -> pd.DataFrame:
    """:func:`analysis.siting.best_sites`, cached.

    ``key`` (:func:`siting_key` and the choices) names the data the inputs came from.
    """
    return best_sites(_reach, _candidates, kernen=_kernen, n_sites=n_sites,
                      threshold_m=threshold_m, mode=mode, graph=_graph, weight=weight)


def siting_key(context: PageContext) -> tuple[object, ...]:
    """What the reach table and candidates were made from, to key the siting cache.

    The data version of every layer (:meth:`~loaders.manifest.Manifest.data_key`) and the
    choices that shape the reach table and its loneliness figures.
    """
    selection = context.selection
    return (context.root, context.manifest.data_key(), selection.modus, selection.gemeenten,
            selection.jaar, selection.leeftijd, selection.indicator)


def request_siting(inputs: tuple) -> None:
    """Button callback: remember which inputs to show the suggestion for.

    A callback (not the button's return value) so the request survives a rerun of the script.
    """
    st.session_state[SITING_KEY] = inputs


def siting_tab(scene: Scene) -> None:
    """The best N new sites (maximal covering location model), on request."""
    view, choice = scene.view, scene.context.selection
    left, right = st.columns(2)
    n_sites = int(left.number_input("Aantal nieuwe plekken (N)", min_value=1, max_value=5,
                                    value=1, step=1, key="scenario_n"))
    weight = right.radio("Wat moet zo veel mogelijk binnen bereik komen?", list(WEIGHTS),
                         format_func=WEIGHTS.get, horizontal=True, key="scenario_gewicht")
    within = format_threshold(choice.drempel_m)
    st.subheader(f"Beste plekken voor {n_sites} nieuwe "
                 f"ontmoetingsplek{'ken' if n_sites > 1 else ''}")
    chosen = "de plek die" if n_sites == 1 else f"de {n_sites} plekken die samen"
    st.info(
        f"**Een modelsuggestie, geen advies.** Het model kiest uit bestaande gebouwen die nu "
        f"niet als ontmoetingsplek tellen en uit de middens van de kernen {chosen} de meeste "
        f"{WEIGHTS[weight].lower()} nieuw binnen {within} "
        f"{'brengt' if n_sites == 1 else 'brengen'}."
        " Alle bestaande ontmoetingsplekken blijven open. "
        "Of een gebouw geschikt en beschikbaar is, weet het model niet.",
        icon=":material/lightbulb:",
    )
    estimates = view.table.get(weight, pd.Series(dtype=float))
    if weight == "eenzamen_schatting" and estimates.isna().all():
        st.warning("Er is geen schatting van het aantal eenzamen voor deze keuze: die bestaat "
                   "alleen voor kernen met een bekend inwonertal in gemeenten met een eigen "
                   "cijfer. Weeg op inwoners.", icon=":material/block:")
        return
    venues = view.venues[view.venues["gemeentecode"].isin(list(choice.gemeenten))]
    candidates = candidate_sites(venues=venues, kernen=view.kernen)
    inputs = (siting_key(scene.context), n_sites, weight, choice.drempel_m)
    st.button("Bereken de beste plekken", icon=":material/travel_explore:",
              key="scenario_bereken", on_click=request_siting, args=(inputs,))
    if st.session_state.get(SITING_KEY) != inputs:
        st.caption(f"{len(candidates)} kandidaten. De berekening duurt enkele seconden.")
        return
    try:
        sites = suggested_sites(inputs, n_sites, choice.drempel_m, weight, choice.modus,
                                view.table, candidates, view.kernen, view.graph)
    except ValueError as exc:
        st.error(f"Geen suggestie mogelijk. {plain_markdown(error_message(exc))}",
                 icon=":material/error:")
        return
    st.dataframe(sv.styled(sv.sites_table(sites)), hide_index=True, width="stretch",
                 placeholder=UNKNOWN, key="tabel_plekken")
    if not sites["nieuw_gedekt"].gt(0).any():
        st.info(f"Geen enkele kandidaat brengt {WEIGHTS[weight].lower()} nieuw binnen {within}"
                " (of hun aantal is onbekend); de gekozen plekken zijn dus willekeurig.",
                icon=":material/info:")
    st.caption("Wat de voorgestelde plekken veranderen ten opzichte van nu:")
    new = sites.rename(columns={"kandidaat_id": "venue_id"})[["venue_id", "naam", "x", "y"]]
    gains = sv.merge_gains(
        open_venue(view.table, (row.x, row.y), kernen=view.kernen, mode=choice.modus,
                   name=row.naam, venue_id=row.venue_id, graph=view.graph,
                   threshold_m=choice.drempel_m)
        for row in new.itertuples(index=False)
    )
    show_scenario(scene, gains, sv.map_places(scene.places, new_sites=new), kind=sv.OPEN,
                  title=f"Met {n_sites} voorgestelde nieuwe plek{'ken' if n_sites > 1 else ''}",
                  file_name="scenario_suggestie")


def scene_of(context: PageContext, view: ReachView) -> Scene:
    """The places of the chosen gemeenten and their map decoration: outline, subtitle, sources.

    The sources are those of the map and its downloads (:func:`views.sources.layer_sources`).
    """
    choice = context.selection
    gemeenten = load_layer(context.root, context.manifest, "gemeenten")
    return Scene(
        context=context,
        view=view,
        places=sv.area_places(view.venues, gemeenten=choice.gemeenten, kernen=view.kernen,
                              reach=view.table),
        outline=None if gemeenten is None else gemeenten[gemeenten["code"].isin(choice.gemeenten)],
        subtitle=f"Afstand tot de dichtstbijzijnde ontmoetingsplek · {mode_label(choice.modus)} "
        f"· {sv.method_note(is_estimate=view.is_estimate)}",
        sources=layer_sources(context.manifest,
                              ["gemeenten", "kernen", "venues", f"netwerk_{choice.modus}"]),
    )


st.title("Scenario: ontmoetingsplekken sluiten of toevoegen")
page = page_context()
reach_view = load_reach(page)
if reach_view is None:
    st.info("Een scenario rekent met de kernen en de ontmoetingsplekken van de regio. Zodra die "
            "zijn opgeslagen, kun je hier plekken sluiten of toevoegen.",
            icon=":material/info:")
    st.stop()
current = scene_of(page, reach_view)
if reach_view.is_estimate:
    estimate_notice(mode_label(page.selection.modus))
network = "" if reach_view.is_estimate else f" {sv.method_note(is_estimate=False)}"
st.caption(
    f"Kernen in de gekozen gemeenten; afstanden {mode_label(page.selection.modus)}{network}, "
    f"afstandsgrens {format_threshold(current.threshold_m)} (kies die in de zijbalk). Elk "
    "scenario gaat uit van de huidige plekken."
)

close, add, siting = st.tabs(["Plekken sluiten", "Plek toevoegen", "Beste nieuwe plekken"])
with close:
    close_tab(current)
with add:
    open_tab(current)
with siting:
    siting_tab(current)
