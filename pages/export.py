"""Page 'Export': the current selection as data files, the gemeente factsheet, and images.

Every file is made only when its button is clicked (deferred downloads), so opening the page is
quick; the builders live in :mod:`ui.exports`.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import streamlit as st

from rendering import images
from ui import exports
from ui.downloads import chart_downloads, warm_in_background
from ui.frame import page_context
from ui.reach import ReachView, load_reach
from ui.sidebar import PageContext
from views.factsheet import FIGURE_LAYERS, FactsheetData, selected_reach
from views.factsheet_figures import distance_map
from views.sources import layer_sources


def offer(files: Sequence[exports.DownloadFile], key: str) -> None:
    """One deferred download button per file, side by side."""
    for column, file in zip(st.columns(len(files)), files, strict=True):
        column.download_button(
            file.label, data=file.build, file_name=file.file_name, mime=file.mime,
            key=f"export_{key}_{file.file_name.rsplit('.', 1)[-1]}", icon=":material/download:",
            on_click="ignore", help=file.help, width="stretch",
        )


def factsheet_section(context: PageContext, view: ReachView) -> None:
    """Choose a gemeente (and optionally some of its kernen); offer its factsheet and map."""
    choice = context.selection
    names = context.options.gemeente_namen
    gemeente = choice.gemeenten[0]
    if len(choice.gemeenten) > 1:
        gemeente = st.selectbox("Gemeente", choice.gemeenten,
                                key=f"export_factsheet_gemeente_{'_'.join(choice.gemeenten)}",
                                format_func=lambda code: f"{names.get(code, code)} ({code})")
    rows = view.table[view.table["gemeentecode"] == gemeente]
    if rows.empty:
        st.info("Voor deze gemeente zijn geen kernen opgeslagen, dus er is geen factsheet.",
                icon=":material/info:")
        return
    kernen = dict(zip(rows["kern_id"], rows["naam"], strict=True))
    kern_ids = st.multiselect(
        "Alleen deze kernen (leeg: de hele gemeente)", list(kernen), format_func=kernen.get,
        key=f"export_factsheet_kernen_{gemeente}", placeholder="Alle kernen van de gemeente",
    )
    data = exports.factsheet_data(context, view)
    sheet = exports.factsheet_choice(choice, gemeente, kern_ids)
    offer([exports.factsheet_file(data, sheet)], "factsheet")
    if images.find_browser() is None:
        st.caption("Zonder Chrome of Chromium komt de factsheet er zonder kaart en grafiek; "
                   "de kerncijfers, eenzaamheidscijfers, methode en bronnen staan er wel in.")
    with st.expander("De kaart van de factsheet los downloaden"):
        figure = distance_map(selected_reach(data, sheet), data.kernen, data.venues,
                              drempel_m=sheet.drempel_m, mode=sheet.mode,
                              outline=outline(data, gemeente))
        st.plotly_chart(figure, width="stretch", key="export_factsheet_kaart")
        chart_downloads(figure, f"afstandskaart_{context.selection.file_stem}_{gemeente}",
                        sources=layer_sources(context.manifest,
                                              [*FIGURE_LAYERS, f"netwerk_{sheet.mode}"]),
                        recolour=False)


def outline(data: FactsheetData, gemeente: str) -> gpd.GeoDataFrame | None:
    """The border of ``gemeente`` for the map, None when the region has no gemeenten layer."""
    if data.gemeenten is None:
        return None
    return data.gemeenten[data.gemeenten["code"] == gemeente]


st.title("Exporteren")
context = page_context()
st.markdown(
    "Download wat je in de zijbalk hebt gekozen, voor een brief aan de raad of om verder mee "
    "te rekenen. Elk bestand noemt de bronnen en de datum. De bestanden worden pas gemaakt "
    "als je op de knop klikt."
)
st.markdown(f"Je keuze: {exports.describe_selection(context)}")

st.subheader("Kernen met afstand en eenzaamheid")
reach_view = load_reach(context)
if reach_view is not None:
    st.caption(
        "Per kern: de dichtstbijzijnde en de op één na dichtstbijzijnde ontmoetingsplek, de "
        "afstand en reistijd, of die binnen de afstandsgrens valt, de methode (wegennet of "
        "hemelsbrede schatting) en het eenzaamheidscijfer van de buurt waarin de kern ligt."
    )
    offer(exports.table_files(exports.kernen_table(context, reach_view), context.manifest),
          "kernen")

st.subheader("Buurten met eenzaamheidscijfers")
buurten = exports.buurten_table(context)
if buurten is None:
    st.info("Er zijn geen eenzaamheidscijfers opgeslagen.", icon=":material/info:")
else:
    st.caption(
        "Per buurt de vier eenzaamheidsindicatoren van het gekozen jaar en de gekozen "
        "leeftijdsgroep, met het 95%-interval waar het RIVM dat geeft. Het zijn "
        "modelschattingen, geen tellingen; een lege cel is een onderdrukt cijfer, geen 0."
    )
    offer(exports.table_files(buurten, context.manifest), "buurten")

st.subheader("Factsheet per gemeente")
st.caption(
    "Een A4 in PDF met de kerncijfers (kernen en inwoners zonder ontmoetingsplek binnen de "
    "afstandsgrens), een kaart en een grafiek, de eenzaamheidscijfers van de gemeente en de "
    "buurten met de hoogste cijfers, een korte toelichting op de methode en alle bronnen. Het "
    "maken duurt een paar tellen."
)
if reach_view is not None:
    factsheet_section(context, reach_view)

st.subheader("Grafieken en kaarten als afbeelding")
st.markdown(
    "Onder elke grafiek en kaart in het dashboard staat een knop **Downloaden**: PNG in "
    "afdrukkwaliteit, SVG en PDF, met titel, bronnen en datum, ook leesbaar in zwart-wit en "
    "voor kleurenblinden; en een interactieve HTML-versie die ook zonder internet opent."
)
browser = images.find_browser()
if browser is None:
    st.warning("Afbeeldingen (PNG, SVG, PDF) kan deze site nu niet maken: daarvoor moet de "
               "beheerder Chrome of Chromium op de server zetten (zie de README). De "
               "interactieve HTML, alle gegevensbestanden op deze pagina en de factsheet (dan "
               "zonder kaart en grafiek) werken wel.", icon=":material/hide_image:")
else:
    warm_in_background()
    st.success("Afbeeldingen kunnen worden gemaakt.", icon=":material/check_circle:")
