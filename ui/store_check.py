"""The store on the web: a check of every stored layer, and a store whose writers say they wait.

:func:`render_store_check` is the section *Controle van de opslag* of the page *Gegevens*: the
same verdicts as ``python -m loaders controleer``. :func:`web_store` gives pages that write a
:class:`loaders.store.Store` that shows the Dutch "bezig" message while it waits for another
writer (a CLI import, another session).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from loaders.check import check_store, check_table
from loaders.store import NATIONAL, Store, StoreError
from views.status import check_summary
from views.text import plain_markdown

THOROUGH_KEY = "opslag_volledig_controleren"


def web_store(root: Path | str | None = None) -> Store:
    """A store that shows a Dutch notice on the page while a write waits for another writer."""
    return Store(root, on_wait=_show_wait)


def render_store_check(store: Store) -> None:
    """Show the check of every layer of the national store, as ``controleer`` prints it.

    By default only presence, size and row counts are checked (cheap on every page run); the
    button compares every file with its checksum.
    """
    st.subheader("Controle van de opslag")
    thorough = st.button("Volledig controleren (controlegetallen)", key=THOROUGH_KEY)
    try:
        checks = check_store(store, NATIONAL, thorough=thorough)
    except StoreError as exc:
        st.error(plain_markdown(str(exc)))
        return
    if not checks:
        return
    good, summary = check_summary(checks)
    if good:
        st.success(summary, icon=":material/verified:")
    else:
        st.error(summary, icon=":material/report:")
    with st.expander("Toestand per laag", expanded=not good):
        st.dataframe(
            check_table(checks),
            hide_index=True,
            width="stretch",
            column_config={"Toelichting": st.column_config.TextColumn(width="large")},
        )


def _show_wait(message: str) -> None:
    st.info(message[:1].upper() + message[1:], icon=":material/hourglass_top:")
