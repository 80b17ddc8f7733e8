"""Download buttons for a chart or map: the one place issue 5 extends (PNG, SVG, PDF).

For now a figure is offered as a stand-alone HTML file with plotly.js embedded, so it opens
offline. The file is made only when the button is clicked.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from views.export import figure_html


def chart_downloads(figure: go.Figure, name: str) -> None:
    """Offer ``figure`` for download as ``<name>.html`` (interactive, works without internet).

    Parameters
    ----------
    figure
        The figure as shown on the page.
    name
        File name without extension, e.g. ``kaart_aa-en-hunze``; also keys the button.
    """
    st.download_button(
        "Download als interactieve HTML",
        data=lambda: figure_html(figure),
        file_name=f"{name}.html",
        mime="text/html",
        key=f"download_html_{name}",
        icon=":material/download:",
        on_click="ignore",
        help="Een los HTML-bestand met de figuur; opent in elke browser, ook zonder internet.",
    )
