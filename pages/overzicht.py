"""Page 'Overzicht': the answer for the chosen area first — kernen without a meeting place."""

from __future__ import annotations

import streamlit as st

from loaders.schema import LONELINESS_INDICATORS
from ui.frame import current_context
from ui.layers import load_layer
from ui.reach import load_reach
from ui.selection import mode_label
from views import kernen as vk
from views import overview
from views.eenzaamheid import AGE_LABELS
from views.status import EMPTY_STORE_HELP, status_line
from views.text import UNKNOWN, format_count, format_pct, format_threshold, plain_markdown

context = current_context()
if context is None:
    st.title("Ontmoetingskaart")
    st.info(EMPTY_STORE_HELP, icon=":material/inventory_2:")
    st.stop()
choice = context.selection
gebied = context.options.gebied(choice.gebied)
label = gebied.in_sentence if gebied is not None else "de gekozen gemeenten"
st.title(f"Ontmoetingsplekken in {plain_markdown(label)}")
st.caption(status_line(context.manifest))
view = load_reach(context)
if view is None:
    st.stop()

mode = mode_label(choice.modus)
within = format_threshold(choice.drempel_m)
result = overview.answer(view.table, choice.drempel_m)
left, middle, right = st.columns(3)
left.metric(
    f"Kernen zonder plek binnen {within}",
    f"{format_count(result.kernen_zonder)} van {format_count(result.kernen)}",
    help=f"Afstand {mode} tot de dichtstbijzijnde plek die als ontmoetingsplek telt.",
    border=True,
)
middle.metric(
    "Inwoners van die kernen", format_count(result.inwoners_zonder),
    help=f"Van {result.inwoners_onbekend} van deze kernen is het aantal inwoners niet bekend.",
    border=True,
)
eenzaamheid = load_layer(context.root, context.manifest, "eenzaamheid")
if eenzaamheid is not None and choice.jaar is not None:
    own, national = overview.area_loneliness(
        eenzaamheid, choice.gemeenten, jaar=choice.jaar, leeftijd=choice.leeftijd,
        indicator=choice.indicator,
    )
    what = LONELINESS_INDICATORS[choice.indicator]
    right.metric(
        f"{what} ({choice.jaar}, {choice.leeftijd})"
        + ("" if own is not None else ", Nederland"),
        format_pct(own if own is not None else national),
        delta=f"Nederland {format_pct(national)}" if own is not None else None,
        delta_color="off", delta_arrow="off",
        help=f"Modelschatting van RIVM, GGD'en en CBS, {AGE_LABELS.get(choice.leeftijd, '')}.",
        border=True,
    )
notes = []
if result.estimate:
    notes.append(f"Afstanden zijn hemelsbrede schattingen ({mode}).")
if eenzaamheid is not None and choice.jaar is not None:
    notes.append("Eenzaamheid is een modelschatting van RIVM, GGD'en en CBS per buurt, geen "
                 "telling.")
if notes:
    st.caption(" ".join([*notes, "Zie Bronnen en methode."]))

st.markdown(f"#### Kernen zonder ontmoetingsplek binnen {within}")
gemeenten = load_layer(context.root, context.manifest, "gemeenten")
names = vk.gemeente_names(gemeenten, context.options.gemeente_namen)
table = vk.kern_table(view.table, gemeente_namen=names)
missing = overview.kernen_without(table, choice.drempel_m)
if missing.empty:
    st.success(f"Elke kern heeft een ontmoetingsplek binnen {within}.")
else:
    # All listed kernen at once (at most 15), so the caption's count matches what is seen.
    st.dataframe(missing.style.format(thousands=".", subset=["Inwoners"]), hide_index=True,
                 width="stretch", height="content", placeholder=UNKNOWN)
    if result.kernen_zonder > len(missing):
        st.caption(f"De {len(missing)} grootste van {format_count(result.kernen_zonder)}; "
                   "alle kernen staan op de pagina Kernen.")
st.caption(overview.venue_completeness(view.venues, choice.gemeenten))
columns = st.columns(4)
for column, (page, title, icon) in zip(columns, [
    ("pages/kaart.py", "Kaart", ":material/map:"),
    ("pages/kernen.py", "Alle kernen", ":material/holiday_village:"),
    ("pages/eenzaamheid.py", "Eenzaamheid per buurt", ":material/diversity_3:"),
    ("pages/vergelijken.py", "Gemeenten vergelijken", ":material/compare_arrows:"),
], strict=True):
    column.page_link(page, label=title, icon=icon)
