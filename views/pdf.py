"""Building blocks of the A4 PDF reports: fonts, paragraph styles, tables, footer, sources.

Layout is reportlab's platypus; text is set in DejaVu Sans (Debian's ``fonts-dejavu-core``)
when present, so that characters such as ≥, €, ë and ü print, else in Helvetica.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from loaders.manifest import Manifest
from views.sources import source_text
from views.status import DERIVED_LAYERS, LAYER_TITLES
from views.text import format_timestamp

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
PAGE_MARGIN = 16 * mm
TEXT_WIDTH = A4[0] - 2 * PAGE_MARGIN
INK = colors.HexColor("#1a1a1a")
GREY = colors.HexColor("#555555")
RULE = colors.HexColor("#bbbbbb")
EXTRA_LAYER_TITLES = {
    "venues_eigen": "Eigen lijst met ontmoetingsplekken",
    "venue_merges": "Samenvoegingen van plekken",
    "netwerk_walk": "Wegennet lopen",
    "netwerk_bike": "Wegennet fietsen",
    "netwerk_drive": "Wegennet auto",
}
"""Titles of stored layers that :data:`views.status.LAYER_TITLES` does not name."""


@functools.cache
def pdf_fonts() -> tuple[str, str]:
    """Register DejaVu Sans (regular, bold) once when installed; else use Helvetica."""
    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    if not (regular.is_file() and bold.is_file()):
        return "Helvetica", "Helvetica-Bold"
    pdfmetrics.registerFont(TTFont("DejaVuSans", str(regular)))
    pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(bold)))
    return "DejaVuSans", "DejaVuSans-Bold"


def pdf_styles(regular: str, bold: str) -> dict[str, ParagraphStyle]:
    """The paragraph styles of the reports by name, in the fonts ``regular`` and ``bold``.

    The names are body, title, heading, muted, small, number, note, cell and cellbold.
    """
    base = ParagraphStyle("body", fontName=regular, fontSize=9, leading=11.5, textColor=INK)
    return {
        "body": base,
        "title": ParagraphStyle("title", parent=base, fontName=bold, fontSize=17, leading=21),
        "heading": ParagraphStyle("heading", parent=base, fontName=bold, fontSize=11.5,
                                  leading=14, spaceBefore=5, spaceAfter=3),
        "muted": ParagraphStyle("muted", parent=base, textColor=GREY),
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.3),
        "number": ParagraphStyle("number", parent=base, fontName=bold, fontSize=15, leading=18),
        "note": ParagraphStyle("note", parent=base, borderColor=RULE, borderWidth=0.6,
                               borderPadding=6, backColor=colors.HexColor("#f3f3f3"),
                               spaceBefore=4, spaceAfter=8),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=10.5),
        "cellbold": ParagraphStyle("cellbold", parent=base, fontName=bold, fontSize=8.5,
                                   leading=10.5),
    }


def source_paragraphs(
    manifest: Manifest, mode: str, styles: dict[str, ParagraphStyle]
) -> list[Flowable]:
    """The stored layers the factsheet uses: no derived layers, only the network of ``mode``.

    One line per layer, ``Titel: bronnen · jaar, opgehaald …``, without the ``Bron:`` that the
    attribution may start with (the heading already says so).
    """
    lines = []
    for layer, entry in manifest.layers.items():
        if layer in DERIVED_LAYERS or (layer.startswith("netwerk_")
                                       and layer != f"netwerk_{mode}"):
            continue
        title = LAYER_TITLES.get(layer) or EXTRA_LAYER_TITLES.get(layer, layer)
        year = re.sub(r"\s*,\s*", ", ", entry.year)
        details = [x for x in (entry.table_id, year) if x]
        if entry.fetched_at:
            details.append(f"opgehaald {format_timestamp(entry.fetched_at)}")
        text = " · ".join(x for x in (source_text([entry.attribution]), ", ".join(details)) if x)
        lines.append(f"<b>{pdf_escape(title)}</b>: {pdf_escape(text)}")
    return [Paragraph("Bronnen", styles["heading"]),
            *(Paragraph(line, styles["small"]) for line in lines)]


def pdf_table(
    rows: list[list[str]], widths: list[float] | None, styles: dict[str, ParagraphStyle]
) -> Table:
    """A small table with a bold header row; ``widths`` None: a wide first column (half page)."""
    if widths is None:
        side, rest = TEXT_WIDTH / 2 - 3 * mm, len(rows[0]) - 1
        widths = [side * 0.55, *[side * 0.45 / rest] * rest]
    cells = [[Paragraph(pdf_escape(str(v)), styles["cellbold" if i == 0 else "cell"]) for v in row]
             for i, row in enumerate(rows)]
    table = Table(cells, colWidths=widths)
    table.setStyle(TableStyle([
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK), ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2), ("LEFTPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


def draw_footer(canvas: Canvas, document: SimpleDocTemplate, *, text: str, font: str) -> None:
    """Draw ``text`` and the page number in the bottom margin (a reportlab page callback)."""
    canvas.saveState()
    canvas.setFont(font, 7.5)
    canvas.setFillColor(GREY)
    canvas.drawString(PAGE_MARGIN, PAGE_MARGIN - 2 * mm, text)
    canvas.drawRightString(A4[0] - PAGE_MARGIN, PAGE_MARGIN - 2 * mm,
                           f"pagina {document.page}")
    canvas.restoreState()


def pdf_escape(text: str) -> str:
    """Text for a reportlab Paragraph (which reads a little XML)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def figure_boxes(cells: Sequence[tuple[str, str]], styles: dict[str, ParagraphStyle]) -> Table:
    """A row of boxes, each a big figure above a small caption, spanning the text width."""
    row = [[Paragraph(pdf_escape(big), styles["number"]),
            Paragraph(pdf_escape(small), styles["small"])] for big, small in cells]
    table = Table([row], colWidths=[TEXT_WIDTH / len(cells)] * len(cells))
    table.setStyle(TableStyle([
        ("BOX", (0, 0), (-1, -1), 0.6, RULE), ("INNERGRID", (0, 0), (-1, -1), 0.6, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
    ]))
    return table
