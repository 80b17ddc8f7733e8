"""Page 'Kaart': buurten by loneliness, kernen by distance to a meeting place, and a kern's detail.

With more than three gemeenten chosen the map starts as an overview of gemeenten coloured by
the share of kernen without a meeting place within the threshold. A kern chosen in a larger area
(the whole country, a province) puts its own gemeente on the map, with the names of its kernen,
so the map and its image are about that kern; a button goes back to the whole area.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from analysis.indicators import loneliness_slice
from analysis.kern_buurten import unchanged_shapes
from analysis.nearest import METHOD_NETWORK
from analysis.reach import OWN_PLACE_RADIUS_M, reach_summary
from loaders.gebied import slug
from ui import exports, tiles
from ui.corrections import kern_corrections
from ui.downloads import chart_downloads
from ui.frame import is_phone, page_context
from ui.kern_figures import load_links
from ui.layers import load_layer
from ui.notices import estimate_notice
from ui.reach import ReachView, load_reach, reach_all
from ui.selection import MODES, mode_label
from ui.sidebar import PageContext
from views import kernen as vk
from views import maps
from views.eenzaamheid import AGE_LABELS
from views.sources import detour_words, layer_sources, source_line
from views.text import (
    dutch_list,
    format_count,
    format_km,
    format_metres,
    format_minutes,
    format_pct,
    plain_markdown,
)

KERN_KEY = "kaart_kern"
MAP_KEY = "kaart_figuur"
VIEWS = {"gemeenten": "Overzicht per gemeente", "buurten": "Buurten en kernen"}
# The buurten map is drawn for at most this many gemeenten (a province: Noord-Brabant has 56,
# 2 MB); for the whole country (12,000 buurten, 12 MB) the map shows the gemeenten. A comment,
# not a docstring: Streamlit's magic would print a bare string in a page script.
MAX_BUURTEN_GEMEENTEN = 60
# Up to this many gemeenten the map starts with buurten and its title names them.
FEW_GEMEENTEN = 3
MEASURES = {"kernen": "aandeel kernen", "inwoners": "aandeel inwoners"}
MAP_LAYERS = ("gemeenten", "buurten", "eenzaamheid", "kernen", "venues")
# Distances before the place's name, so a phone shows them without scrolling the table.
MODE_COLUMNS = ("Vervoerswijze", "Afstand", "Reistijd", "Dichtstbijzijnde ontmoetingsplek",
                "Methode")


def _select_from_map() -> None:
    """Map click → the kern chooser (points of other layers carry no kern id)."""
    points = st.session_state[MAP_KEY].selection.points
    ids = [p["customdata"] for p in points if isinstance(p.get("customdata"), str)]
    if ids:
        st.session_state[KERN_KEY] = ids[0]


def _clear_kern() -> None:
    """Forget the chosen kern, so the map shows the whole area again."""
    st.session_state.pop(KERN_KEY, None)


def _mode_rows(context: PageContext, kern_id: str) -> pd.DataFrame:
    """The kern's nearest place per travel mode (network where stored, else the estimate).

    From the stored reach of the whole country (:func:`ui.reach.reach_all`), not the chosen
    area's: the rows need no loneliness figures, which cost a second per mode at country level.
    """
    rows = {}
    for label, modus in MODES.items():
        other = reach_all(replace(context, selection=replace(context.selection, modus=modus)))
        if other is not None:
            at = other.table["kern_id"].eq(kern_id).to_numpy()
            rows[label] = other.table[at].iloc[0]
    return vk.mode_rows(rows)


def _detail(
    context: PageContext, view: ReachView, kern: pd.Series, eenzaamheid: pd.DataFrame | None
) -> None:
    """Nearest places, distances per mode and the buurt's loneliness figures of one kern."""
    md = plain_markdown
    choice = context.selection
    mode = mode_label(choice.modus)
    st.subheader(f"{md(kern['naam'])} ({md(kern['gemeentenaam'])})")
    suffix = " (schatting)" if view.is_estimate else ""
    first, second, third = st.columns([2, 1, 1])
    nearest = first.container(border=True, height="stretch")
    nearest.caption("Dichtstbijzijnde ontmoetingsplek")
    nearest.markdown(f"**{md(kern['venue_naam'])}** ({md(kern['venue_soort'])})"
                     if pd.notna(kern["venue_naam"]) else f"Geen gevonden: {md(kern['reden'])}")
    second.metric(f"Afstand {mode}{suffix}", format_km(kern["afstand_m"]), border=True)
    third.metric(f"Reistijd {mode}{suffix}", format_minutes(kern["minuten"]), border=True)
    [runner_up] = vk.venue_names(view.venues, [kern["tweede_venue_id"]])
    lines = [f"Inwoners: {format_count(pd.to_numeric(kern['inwoners'], errors='coerce'))}"]
    if runner_up:
        lines.append(f"Op één na dichtstbijzijnde ontmoetingsplek: **{md(runner_up)}**, "
                     f"{format_km(kern['tweede_afstand_m'])}{suffix}")
    own = "een" if kern["eigen_plek"] else "geen"
    lines.append(f"Binnen {format_metres(OWN_PLACE_RADIUS_M)} hemelsbreed van het kernpunt "
                 f"ligt {own} ontmoetingsplek.")
    st.markdown("  \n".join(lines))
    sheet = exports.kern_factsheet_file(exports.factsheet_data(context, view),
                                        exports.factsheet_choice(choice, kern["gemeentecode"]),
                                        kern["kern_id"])
    st.download_button(sheet.label, data=sheet.build, file_name=sheet.file_name, mime=sheet.mime,
                       key=f"kaart_factsheet_{kern['kern_id']}", icon=":material/download:",
                       on_click="ignore", help=sheet.help)
    st.markdown("**Per vervoerswijze**")
    st.dataframe(_mode_rows(context, kern["kern_id"]), hide_index=True, width="stretch",
                 column_order=MODE_COLUMNS)
    st.caption("Waar een wegennet is opgeslagen gaat de afstand over de weg (methode "
               f"‘{METHOD_NETWORK}’); anders is het een schatting: de rechte afstand maal "
               f"{detour_words()}, omdat wegen niet recht lopen.")
    kern_corrections(context, view, kern, map_key=MAP_KEY)
    if eenzaamheid is None or choice.jaar is None:
        return
    _kern_buurten(context, kern, eenzaamheid)


def _kern_buurten(context: PageContext, kern: pd.Series, eenzaamheid: pd.DataFrame) -> None:
    """The kern's loneliness figure and the buurten it comes from."""
    choice = context.selection
    label = vk.LONELINESS_INDICATORS[choice.indicator]
    st.markdown(f"**{label} in de kern** ({choice.jaar}, "
                f"{AGE_LABELS.get(choice.leeftijd, choice.leeftijd)}, modelschatting RIVM): "
                f"{format_pct(kern.get('eenzaamheid_pct'))}")
    origin = str(kern.get("eenzaamheid_toelichting") or "")
    lines = [f"{origin[:1].upper()}{origin[1:]}." if origin else ""]
    if pd.notna(kern.get("eenzaamheid_min")) and kern.get("eenzaamheid_buurten", 0) > 1:
        lines.append(f"Buurten van {format_pct(kern['eenzaamheid_min'])} tot "
                     f"{format_pct(kern['eenzaamheid_max'])}.")
    if pd.notna(kern.get("eenzamen_schatting")):
        lines.append(f"Geschat aantal eenzamen: {format_count(kern['eenzamen_schatting'])} "
                     f"({kern['eenzamen_basis']}).")
    if kern.get("eenzaamheid_niveau") in ("wijk", "gemeente"):
        lines.append(f"De buurten hieronder tellen niet mee: het cijfer is dat van de "
                     f"{kern['eenzaamheid_niveau']}.")
    st.markdown("  \n".join(plain_markdown(line) for line in lines if line))
    links = load_links(context)
    if links is not None:
        values = loneliness_slice(eenzaamheid, indicator=choice.indicator,
                                  leeftijd=choice.leeftijd, jaar=choice.jaar)
        st.dataframe(vk.kern_buurt_rows(links, kern["kern_id"], values), hide_index=True,
                     width="stretch")
    st.caption("De inwoners van een kern wonen in de buurten onder het bebouwde gebied rond het "
               "kernpunt; elke buurt weegt mee naar het geschatte aantal inwoners of adressen "
               "dat daar woont. Modelschattingen van RIVM, GGD'en en CBS (Gezondheidsmonitor), "
               "geen tellingen.")


def _boundaries(
    shown: pd.DataFrame | None, eenzaamheid: pd.DataFrame | None, gemeenten: tuple[str, ...]
) -> tuple[list[str], list[str]]:
    """The drawn buurt shapes whose boundary changed, and the lines that say so.

    Changed means: since the division of the figures of ``gemeenten``. The lines say which
    year's shapes carry which year's figures.
    """
    if shown is None or eenzaamheid is None or shown.empty:
        return [], []
    rows = eenzaamheid[(eenzaamheid["soort_regio"] == "Buurt")
                       & eenzaamheid["gemeentecode"].isin(gemeenten)]
    indeling = str(eenzaamheid["indeling"].astype(str).max())
    codes = set(rows["regiocode"])
    unchanged = unchanged_shapes(shown, codes, figure_indeling=indeling)
    note = maps.boundary_note(shown, codes, figure_indeling=indeling)
    return shown.loc[~unchanged.to_numpy(), "code"].tolist(), note


st.title("Kaart")
context = page_context()
view = load_reach(context)
if view is None:
    st.stop()

choice = context.selection
mode = mode_label(choice.modus)
if view.is_estimate:
    estimate_notice(mode)

gemeenten = load_layer(context.root, context.manifest, "gemeenten")
buurten = load_layer(context.root, context.manifest, "buurten")
eenzaamheid = load_layer(context.root, context.manifest, "eenzaamheid")
names = vk.gemeente_names(gemeenten, context.options.gemeente_namen)
table = vk.kern_table(view.table, gemeente_namen=names, buurten=buurten, gemeenten=gemeenten,
                      venues=view.venues)
choices = vk.kern_choices(table)
if st.session_state.get(KERN_KEY) not in choices:
    st.session_state.pop(KERN_KEY, None)

kernen_by_id = table.set_index("kern_id", drop=False)
kern = kernen_by_id.loc[st.session_state[KERN_KEY]] if KERN_KEY in st.session_state else None
# With a kern chosen in a larger area the map shows the kern's gemeente (buurten, kernen, places
# and names), so the map a village association attaches to a letter is about its own kern.
focus = None
if kern is not None and set(choice.gemeenten) != {kern["gemeentecode"]}:
    focus = str(kern["gemeentecode"])
many = len(choice.gemeenten) > FEW_GEMEENTEN
too_many = len(choice.gemeenten) > MAX_BUURTEN_GEMEENTEN and gemeenten is not None
gebied = context.options.gebied(choice.gebied)
if gebied is not None and set(gebied.codes) == set(choice.gemeenten):
    area = gebied.in_sentence
elif len(choice.gemeenten) <= FEW_GEMEENTEN:
    area = dutch_list([names.get(code, code) for code in choice.gemeenten])
else:
    area = "de gekozen gemeenten"
left, right = st.columns([2, 3])
if focus is None:
    weergave = left.segmented_control(
        "Kaart", ["gemeenten"] if too_many else list(VIEWS), format_func=VIEWS.get,
        required=True, default="gemeenten" if many and gemeenten is not None else "buurten",
        key=f"kaart_weergave_{'land' if too_many else 'overzicht' if many else 'detail'}",
        help="De kaart met buurten is er voor een provincie, een of meer gemeenten."
        if too_many else None,
    )
else:
    weergave = "buurten"
    left.button(f"Toon {area}", key="kaart_heel_gebied", on_click=_clear_kern,
                icon=":material/zoom_out_map:",
                help=f"Wist de gekozen kern; de kaart toont dan weer {area}.")
kern_id = right.selectbox(
    "Kern", list(choices), format_func=choices.get, index=None, key=KERN_KEY,
    placeholder="Kies een kern, of klik op een kern in de kaart",
)
map_gemeenten = choice.gemeenten if focus is None else (focus,)
if focus is not None:
    area = names.get(focus, focus)
    st.caption(plain_markdown(f"De kaart toont {area}, de gemeente van {kern['naam']}."))
in_map = table["gemeentecode"].isin(map_gemeenten).to_numpy()
map_table = table[in_map].reset_index(drop=True)
map_kernen = view.kernen[in_map].reset_index(drop=True)
text = maps.MapText(mode_label=mode, threshold_m=choice.drempel_m, estimate=view.is_estimate,
                    area=area)
background = tiles.background() if st.toggle(
    "Achtergrondkaart", value=True, key="kaart_achtergrond",
    help="Een grijze kaart van het Kadaster onder de kernen en buurten, als die bereikbaar is; "
         "anders een witte achtergrond.",
) else None
# On a phone the narrow map starts with the whole area in view and names only what fits.
phone = is_phone()
width = maps.PHONE_WIDTH_PX if phone else maps.ASSUMED_WIDTH_PX
chosen_gemeenten = None
if gemeenten is not None:
    chosen_gemeenten = gemeenten[gemeenten["code"].isin(map_gemeenten)]
if weergave == "gemeenten" and chosen_gemeenten is not None and len(chosen_gemeenten):
    measure = st.radio("Kleur de gemeenten naar", list(MEASURES), format_func=MEASURES.get,
                       horizontal=True, key="kaart_maat")
    figure = maps.gemeenten_map(
        chosen_gemeenten, reach_summary(map_table, [choice.drempel_m]), map_table, map_kernen,
        text, measure=measure, selected=kern_id, background=background, width=width,
    )
else:
    values = pd.Series(dtype=float)
    if eenzaamheid is not None and choice.jaar is not None:
        values = loneliness_slice(eenzaamheid, indicator=choice.indicator,
                                  leeftijd=choice.leeftijd, jaar=choice.jaar)
    shown = None if buurten is None else buurten[buurten["gemeentecode"].isin(map_gemeenten)]
    changed, boundaries = _boundaries(shown, eenzaamheid, map_gemeenten)
    figure = maps.buurten_map(
        shown, values, map_table, map_kernen, view.venues, text, indicator=choice.indicator,
        jaar=choice.jaar, leeftijd=choice.leeftijd, gemeenten=chosen_gemeenten,
        selected=kern_id, changed=changed, boundaries=boundaries, background=background,
        width=width,
    )

st.plotly_chart(figure, key=MAP_KEY, on_select=_select_from_map, selection_mode="points",
                width="stretch", config={"scrollZoom": True, "displaylogo": False})
map_sources = layer_sources(context.manifest, [*MAP_LAYERS, f"netwerk_{choice.modus}"],
                            rivm_years=[choice.jaar] if choice.jaar is not None else ())
if background is not None:
    map_sources.append(background.source)
st.caption(plain_markdown(source_line(map_sources)))
st.caption("Tik op een kern, buurt of plek voor de cijfers en de bron en de details hieronder; "
           "zoom in en uit met twee vingers." if phone else
           "Beweeg over een kern, buurt of plek voor de cijfers en de bron; klik op een kern "
           "voor de details hieronder. Scrollen zoomt in en uit.")
chart_downloads(
    figure, f"kaart_{context.selection.file_stem}_{weergave}" if focus is None
    else f"kaart_{slug(area)}_{slug(str(kern['naam']))}",
    sources=map_sources,
    recolour=False,
    table=vk.export_table(map_table, indicator=choice.indicator, jaar=choice.jaar,
                          leeftijd=choice.leeftijd, mode_label=mode,
                          threshold_m=choice.drempel_m),
)

if kern_id is not None:
    _detail(context, view, kernen_by_id.loc[kern_id], eenzaamheid)
