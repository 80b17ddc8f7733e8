"""Ontmoetingskaart: entry point of the Streamlit dashboard (``streamlit run dashboard.py``)."""

from __future__ import annotations

import streamlit as st


def main() -> None:
    """Set up the page and the navigation, then run the selected page."""
    st.set_page_config(page_title="Ontmoetingskaart", page_icon="🏘️", layout="wide")
    pages = [
        st.Page("pages/gegevens.py", title="Gegevens", icon="🗂️", url_path="gegevens", default=True),
    ]
    st.navigation(pages).run()


if __name__ == "__main__":
    main()
