"""Page 'Gemeenten vergelijken': one sortable row per gemeente of the selection."""

from __future__ import annotations

import streamlit as st

from loaders.gebied import slug
from ui.frame import page_context
from ui.layers import load_layer
from ui.notices import estimate_notice
from ui.reach import reach_all
from ui.selection import mode_label
from views import compare
from views import kernen as vk
from views.export import XLSX_MIME, excel_csv, xlsx_bytes
from views.status import layers_table
from views.text import format_threshold

st.title("Gemeenten vergelijken")
context = page_context()
choice = context.selection
everything = reach_all(context)
gemeenten = load_layer(context.root, context.manifest, "gemeenten")
if everything is None or gemeenten is None:
    st.stop()

mode = mode_label(choice.modus)
within = format_threshold(choice.drempel_m)
names = dict(zip(gemeenten["code"], gemeenten["naam"], strict=True))
st.markdown(
    f"Per gemeente: hoeveel kernen en inwoners geen ontmoetingsplek binnen {within} "
    f"({mode}) hebben, naast het eenzaamheidscijfer van de gemeente en de stedelijkheid. "
    "Klik op een kolomkop om te sorteren."
)
similar = st.toggle("Vergelijkbare gemeenten zoeken", key="vergelijk_vergelijkbaar",
                    help="Gemeenten met dezelfde stedelijkheidsklasse en grootteklasse "
                    "(inwoners: minder dan 20.000, 20.000–50.000, 50.000–100.000, 100.000 of "
                    "meer), in heel Nederland.")
codes = list(choice.gemeenten)
if similar:
    options = sorted(codes or names, key=lambda c: names.get(c, c))
    anchor = st.selectbox("Vergelijkbaar met", options, format_func=lambda c: names.get(c, c),
                          key="vergelijk_anker")
    codes = compare.similar_gemeenten(gemeenten, anchor)
    row = gemeenten.set_index("code").loc[anchor]
    band = compare.size_band(gemeenten.set_index("code")["inwoners"]).get(anchor)
    st.caption(f"{len(codes)} gemeenten met stedelijkheid {row['stedelijkheid']} en "
               f"{band} inwoners, zoals {names.get(anchor, anchor)}.")

eenzaamheid = load_layer(context.root, context.manifest, "eenzaamheid")
table = compare.gemeente_table(
    everything.table, gemeenten, eenzaamheid, codes=codes, threshold_m=choice.drempel_m,
    jaar=choice.jaar, leeftijd=choice.leeftijd, indicator=choice.indicator,
)
if table.empty:
    st.info("Geen gemeenten in deze keuze.", icon=":material/filter_alt_off:")
    st.stop()
if everything.is_estimate:
    estimate_notice(mode)
st.dataframe(
    table.style.format(precision=1, decimal=",", thousands=".", na_rep="onbekend"),
    hide_index=True, width="stretch",
    column_config={compare.NAME_COLUMN: st.column_config.TextColumn(pinned=True)},
)
st.caption(
    "Inwoners van kernen: alleen kernen waarvan het aantal bekend is. ‘65+ zonder plek’ is een "
    "schatting met het aandeel 65-plussers van de gemeente. Eenzaamheid: modelschatting van "
    "RIVM, GGD'en en CBS voor de hele gemeente; samenhang met afstand is geen oorzaak."
)
if similar:
    shown = f"vergelijkbaar-met-{slug(names.get(anchor, anchor))}"
else:
    area = context.options.gebied(choice.gebied)
    shown = compare.download_stem(
        list(table[compare.NAME_COLUMN]), area=choice.file_stem,
        whole=area is not None and set(area.codes) & set(context.options.gemeenten) <= set(codes),
    )
stem = f"gemeenten_{shown}_{mode}_{choice.drempel_m}m"
left, right = st.columns(2)
left.download_button(
    "Download als CSV (Excel)", lambda: excel_csv(vk.with_sources(table, context.manifest)),
    file_name=f"{stem}.csv", mime="text/csv", icon=":material/download:", on_click="ignore",
)
right.download_button(
    "Download als Excel-bestand (XLSX)",
    lambda: xlsx_bytes({"Gemeenten": table, "Bron": layers_table(context.manifest)}),
    file_name=f"{stem}.xlsx", mime=XLSX_MIME, icon=":material/download:", on_click="ignore",
)
