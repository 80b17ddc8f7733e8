"""Page 'Gegevens': what the national store holds, from which sources, fetched when."""

from __future__ import annotations

import streamlit as st

from loaders.store import StoreError
from ui.frame import current_context
from ui.refresh import refresh_form
from ui.store_check import render_store_check, web_store
from views.status import (
    EMPTY_STORE_HELP,
    OPERATOR_IMPORT_HELP,
    layers_table,
    regions_table,
    rows_text,
    status_line,
)
from views.text import plain_markdown

# The refresh form starts with the chosen gemeenten when there are at most this many. A
# comment, not a docstring: Streamlit's magic would print a bare string on the page.
PREFILL_MAX = 20

st.title("Gegevens")
context = current_context()
if context is not None:
    st.caption(status_line(context.manifest))
st.markdown(
    "Welke gegevens zijn opgeslagen, uit welke bronnen en wanneer zijn ze opgehaald. "
    "Cijfers van het RIVM zijn modelschattingen, geen tellingen."
)

store = web_store()
manifests = []
unreadable = []
for region in store.regions():
    try:
        manifests.append(store.manifest(region))
    except StoreError as exc:
        unreadable.append(str(exc))

for message in unreadable:
    st.error(plain_markdown(message))

if not manifests:
    st.info(EMPTY_STORE_HELP, icon=":material/inventory_2:")
else:
    st.subheader("Opgeslagen gegevens")
    st.dataframe(regions_table(manifests), hide_index=True, width="stretch")
    for manifest in manifests:
        label = f"{plain_markdown(manifest.name)} — bronnen per laag"
        with st.expander(label, expanded=len(manifests) == 1):
            st.dataframe(
                rows_text(layers_table(manifest)),
                hide_index=True,
                width="stretch",
                column_config={"Bron": st.column_config.TextColumn(width="medium")},
            )

st.subheader("Ophalen of verversen")
st.caption(
    "Haalt gemeenten op bij de bronnen, of leest gedownloade bestanden uit een map (als het "
    "netwerk van de gemeente de bronnen blokkeert). Alleen de genoemde gemeenten worden "
    "bijgewerkt. Mislukt een bron, dan blijven de opgeslagen gegevens van die laag in gebruik."
)
if not manifests:
    st.caption(OPERATOR_IMPORT_HELP)
chosen = context.selection.gemeenten if context is not None else ()
refresh_form(store, default_codes=", ".join(chosen) if len(chosen) <= PREFILL_MAX else "")

if manifests:
    render_store_check(store)
