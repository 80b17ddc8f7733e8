"""Download buttons for a chart or map: PNG, SVG and PDF for print, and interactive HTML.

Every file is made only when its button is clicked (Streamlit's deferred download: ``data`` is
a callable), so a page never renders images on a normal run. An image is the figure styled for
paper by :func:`views.static.print_style` (its Dutch title, the source line and the date, a
colour-blind safe palette that also reads in black and white), rendered by the one warm
browser of :mod:`rendering.images`. Opening the popover starts that browser in the background, so
the first click does not wait for Chromium to start.

Without a Chrome/Chromium the popover says so in Dutch and still offers the HTML file (and the
figure's data when the page passes it). When rendering fails, Streamlit shows a short error
under the button; the Dutch reason appears in the popover from the next run on.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import MutableMapping, Sequence

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from rendering import images
from views import static
from views.export import excel_csv, figure_html
from views.text import plain_markdown

PNG_SCALE = 2
"""Pixels per CSS pixel in a PNG: print resolution (a 1000 px wide figure gives 2000 px)."""
IMAGE_LABELS = {"png": "PNG", "svg": "SVG", "pdf": "PDF"}
IMAGE_HELP = {
    "png": "Afbeelding in afdrukkwaliteit (twee keer de schermresolutie), voor een brief of "
           "presentatie.",
    "svg": "Vectorafbeelding: blijft scherp bij elke grootte en is te bewerken.",
    "pdf": "PDF om af te drukken of mee te sturen.",
}
FAILURES_KEY = "_ontmoetingskaart_afbeelding_fouten"
"""Session state: figure name → Dutch reason its last image failed."""


def chart_downloads(
    figure: go.Figure,
    name: str,
    *,
    sources: Sequence[str],
    title: str | None = None,
    recolour: bool = True,
    table: pd.DataFrame | None = None,
) -> None:
    """A 'Downloaden' popover with ``figure`` as PNG, SVG, PDF and HTML (and its data as CSV).

    Parameters
    ----------
    figure
        The figure as shown on the page; it is not changed.
    name
        File name without extension, e.g. ``kaart_aa-en-hunze``; also keys the widgets, so it
        must be unique on the page.
    sources
        Source parts or lines of what the figure shows (:func:`views.sources.layer_sources`);
        the image footer names those the figure does not already name, and the date.
    title
        Title of the image instead of the figure's own.
    recolour
        False keeps the figure's colours and marker shapes (maps drawn with their own
        colour-blind safe scales); see :func:`views.static.print_style`.
    table
        The figure's data, offered as CSV for Excel when given.
    """
    failures = st.session_state.setdefault(FAILURES_KEY, {})
    with st.popover("Downloaden", icon=":material/download:", key=f"downloads_{name}",
                    on_change=warm_in_background,
                    help="De figuur als afbeelding (PNG, SVG, PDF) of als interactieve HTML."):
        if images.find_browser() is None:
            st.info(images.NO_BROWSER_MESSAGE, icon=":material/hide_image:")
        else:
            if name in failures:
                st.warning(plain_markdown(failures[name]), icon=":material/error:")
            _image_buttons(figure, name, sources=sources, title=title, recolour=recolour,
                           failures=failures)
            st.caption("Met titel, bronnen en datum; ook leesbaar in zwart-wit en voor "
                       "kleurenblinden. Het maken duurt een paar tellen.")
        st.download_button(
            "Interactieve HTML", data=lambda: figure_html(figure), file_name=f"{name}.html",
            mime="text/html", key=f"download_html_{name}", icon=":material/open_in_browser:",
            on_click="ignore", width="stretch",
            help="Een los HTML-bestand met de figuur; opent in elke browser, ook zonder internet.",
        )
        if table is not None:
            st.download_button(
                "Gegevens (CSV voor Excel)", data=lambda: excel_csv(table),
                file_name=f"{name}.csv", mime="text/csv", key=f"download_csv_{name}",
                icon=":material/table:", on_click="ignore", width="stretch",
                help="De cijfers van de figuur, met puntkomma's en decimale komma's.",
            )


def image_bytes(
    figure: go.Figure,
    fmt: str,
    *,
    sources: Sequence[str],
    title: str | None = None,
    recolour: bool = True,
) -> bytes:
    """``figure`` styled for print and rendered as ``fmt`` (PNG at :data:`PNG_SCALE`).

    Raises
    ------
    rendering.images.NoBrowserError
        When no Chrome/Chromium is found.
    rendering.images.StaticExportError
        When the browser fails; its ``user_message`` is Dutch.
    """
    styled = static.print_style(figure, sources=sources, title=title, recolour=recolour)
    return images.figure_bytes(styled, fmt, scale=PNG_SCALE)


def warm_in_background() -> None:
    """Start the export browser in a background thread (a popover was opened or closed).

    Does nothing without a browser; a browser that does not start is reported by the export
    itself, so a failure here is left for that.
    """
    if images.find_browser() is not None:
        threading.Thread(target=_warm_up, name="kaleido-warm-up", daemon=True).start()


def _warm_up() -> None:
    with contextlib.suppress(images.StaticExportError):
        images.warm_up()


def _image_buttons(
    figure: go.Figure,
    name: str,
    *,
    sources: Sequence[str],
    title: str | None,
    recolour: bool,
    failures: MutableMapping[str, str],
) -> None:
    """One deferred download button per image format, side by side."""
    for column, fmt in zip(st.columns(len(images.FORMATS)), images.FORMATS, strict=True):
        def render(fmt: str = fmt) -> bytes:
            try:
                data = image_bytes(figure, fmt, sources=sources, title=title, recolour=recolour)
            except images.StaticExportError as exc:
                failures[name] = exc.user_message
                raise
            failures.pop(name, None)
            return data

        column.download_button(
            IMAGE_LABELS[fmt], data=render, file_name=f"{name}.{fmt}",
            mime=images.MEDIA_TYPES[fmt], key=f"download_{fmt}_{name}", icon=":material/image:",
            on_click="ignore", help=IMAGE_HELP[fmt], width="stretch",
        )
