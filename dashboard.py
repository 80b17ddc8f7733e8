"""Ontmoetingskaart: entry point of the Streamlit dashboard (``streamlit run dashboard.py``).

The frame around every page (navigation, and the sidebar with the choice of region, gemeenten,
year, age group and indicator, kept in the URL) lives in ``ui.frame``.
"""

from __future__ import annotations

from ui import frame

if __name__ == "__main__":
    frame.run()
