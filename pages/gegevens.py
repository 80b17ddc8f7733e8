"""Page 'Gegevens': which regions are stored, from which sources, fetched when."""

from __future__ import annotations

import streamlit as st

from loaders.store import Store, StoreError
from views.status import layers_table, regions_table

st.title("Gegevens")
st.caption(
    "Welke regio's zijn opgeslagen, uit welke bronnen en wanneer zijn ze opgehaald. "
    "Cijfers van het RIVM zijn modelschattingen, geen tellingen."
)

store = Store()
manifests = []
unreadable = []
for region in store.regions():
    try:
        manifests.append(store.manifest(region))
    except StoreError as exc:
        unreadable.append(str(exc))

for message in unreadable:
    st.error(message)

if not manifests:
    st.info(
        "Er is nog geen regio opgeslagen. Importeer gedownloade bestanden met\n\n"
        "`python -m loaders import --from <map> --gemeente GM1680`\n\n"
        "of haal een regio op bij de bronnen met `python -m loaders fetch --gemeente GM1680`."
    )
else:
    st.subheader("Opgeslagen regio's")
    st.dataframe(regions_table(manifests), hide_index=True, width="stretch")
    for manifest in manifests:
        with st.expander(f"{manifest['name']} — bronnen per laag", expanded=len(manifests) == 1):
            st.dataframe(layers_table(manifest), hide_index=True, width="stretch")
