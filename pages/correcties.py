"""Page 'Correcties': the user's corrections to the meeting places.

Also the rules for what counts, and per gemeente which sources supplied places and how many of
them count.
"""

from __future__ import annotations

import streamlit as st

from ui.corrections import corrections_list, show_notice
from ui.frame import page_context
from ui.layers import load_layer
from ui.reach import load_venues
from views import corrections as vc
from views.kernen import gemeente_names

st.title("Correcties")
context = page_context()
show_notice()

st.header("Wat je zelf hebt aangepast")
st.markdown(
    "Een plek die volgens jou wél of juist níet als "
    "ontmoetingsplek telt, of een plek die ontbrak. Elke correctie draagt de bron "
    "**eigen invoer** en de datum, blijft bewaard als de andere gegevens worden vernieuwd, en "
    "telt meteen mee in de kaart, de tabellen, het scenario, de downloads en de factsheet."
)
corrections_list(context)

st.header("Wat telt als ontmoetingsplek?")
st.markdown(vc.rules_markdown())

st.header("Waar komen de plekken vandaan?")
venues = load_venues(context.root, context.manifest)
if venues is None:
    st.info("Er zijn nog geen plekken opgeslagen.")
else:
    names = gemeente_names(load_layer(context.root, context.manifest, "gemeenten"),
                           context.options.gemeente_namen)
    st.markdown("Per gemeente van je keuze: hoeveel plekken elke bron leverde en hoeveel daarvan "
                "als ontmoetingsplek meetellen (met je correcties).")
    st.dataframe(vc.source_counts(venues, context.selection.gemeenten, names), hide_index=True,
                 width="stretch")
