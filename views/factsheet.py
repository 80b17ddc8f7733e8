"""A one- or two-page A4 PDF per gemeente (or for some of its kernen), for letters to the council.

It holds: title and date, the key figures (kernen, inwoners and 65-plussers without a meeting
place within the threshold, the loneliness figures), a map of the kernen by distance, a chart
of the kernen without a place, the worst buurten, a short method note and every source of the
region's manifest. Text is Dutch. The map and chart are plotly figures rendered through
:mod:`rendering.images`; without a browser the factsheet is still made, with a note in their place.

Layout is reportlab's platypus; text is set in DejaVu Sans (Debian's ``fonts-dejavu-core``)
when present, so that characters such as ≥, €, ë and ü print, else in Helvetica.
"""

from __future__ import annotations

import functools
import io
import math
import re
from dataclasses import dataclass, replace
from datetime import date

import geopandas as gpd
import pandas as pd
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Image,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable, KeepTogether

from analysis.nearest import METHOD_STRAIGHT_LINE
from analysis.reach import meeting_places
from loaders.clock import today
from loaders.manifest import Manifest
from loaders.schema import LONELINESS_INDICATORS
from rendering.images import StaticExportError, render_batch
from views import factsheet_figures as parts
from views.eenzaamheid import rivm_source
from views.pdf import (
    PAGE_MARGIN,
    TEXT_WIDTH,
    draw_footer,
    figure_boxes,
    pdf_escape,
    pdf_fonts,
    pdf_styles,
    pdf_table,
    source_paragraphs,
)
from views.sources import detour_words, layer_sources, source_line
from views.static import print_style
from views.text import dutch_date, dutch_list, format_count, format_pct, format_threshold

FIGURE_LAYERS = ("gemeenten", "kernen", "venues")
"""Layers a map or chart of distances shows; the network of the mode comes on top."""
TITLE_NAMES = 3
"""A title names at most this many chosen kernen; more are counted instead."""


@dataclass(frozen=True)
class FactsheetData:
    """What a factsheet is made from: plain frames of one stored region.

    Attributes
    ----------
    reach
        :func:`analysis.reach.kern_reach` of the region's kernen (extra columns, such as those of
        :func:`analysis.indicators.kern_loneliness`, may be present).
    kernen, venues
        The stored layers (EPSG:28992); ``kernen`` gives the points of the map.
    manifest
        The region's manifest, for the sources.
    eenzaamheid, buurten, gemeenten
        The stored layers where present: RIVM figures, buurt names and 65+ shares, outlines.
    links
        The buurten of each kern (:func:`analysis.indicators.kern_links`), for a kern's
        factsheet.
    """

    reach: pd.DataFrame
    kernen: gpd.GeoDataFrame
    venues: gpd.GeoDataFrame
    manifest: Manifest
    eenzaamheid: pd.DataFrame | None = None
    buurten: pd.DataFrame | None = None
    gemeenten: gpd.GeoDataFrame | None = None
    links: pd.DataFrame | None = None


@dataclass(frozen=True)
class FactsheetChoice:
    """Which factsheet: a gemeente (or some of its kernen), travel mode, threshold and figures.

    ``jaar`` None means the newest year of the ``eenzaamheid`` layer; ``datum`` None is today.
    """

    gemeentecode: str
    kern_ids: tuple[str, ...] = ()
    mode: str = "bike"
    drempel_m: float = 2000.0
    jaar: int | None = None
    leeftijd: str = "18+"
    indicator: str = "eenzaam_pct"
    datum: date | None = None


class NoKernenError(ValueError):
    """The chosen gemeente (or kern selection) has no kernen in the data."""


def factsheet_pdf(data: FactsheetData, choice: FactsheetChoice) -> bytes:
    """The factsheet of ``choice`` as PDF bytes (A4, one or two pages).

    Raises
    ------
    NoKernenError
        When the gemeente (or the chosen kernen) has no kernen in ``data.reach``.
    """
    day = choice.datum or today()
    choice = replace(choice, datum=day)
    reach = selected_reach(data, choice)
    if reach.empty:
        raise NoKernenError(f"geen kernen van {choice.gemeentecode} in de gegevens")
    styles = pdf_styles(*pdf_fonts())
    title = title_of(data, choice, reach)
    story: list[Flowable] = [
        Paragraph(pdf_escape(title), styles["title"]),
        Paragraph(pdf_escape(_subtitle(choice, reach, day)), styles["muted"]),
        Spacer(1, 4 * mm),
    ]
    lonely = parts.loneliness(
        data.eenzaamheid, data.buurten, gemeentecode=choice.gemeentecode, jaar=choice.jaar,
        leeftijd=choice.leeftijd, indicator=choice.indicator,
        buurtcodes=reach["buurtcode"].dropna().tolist() if choice.kern_ids else (),
    )
    story += _key_figure_boxes(data, choice, reach, lonely, styles)
    story += _figures(data, choice, reach, styles)
    story += _loneliness_tables(data, choice, lonely, styles)
    story += _method(data, choice, reach, styles)
    story += source_paragraphs(data.manifest, choice.mode, styles)
    buffer = io.BytesIO()
    footer = f"Ontmoetingskaart · {title} · {dutch_date(day)}"
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=PAGE_MARGIN, rightMargin=PAGE_MARGIN,
        topMargin=PAGE_MARGIN, bottomMargin=PAGE_MARGIN + 4 * mm, title=title,
        author="Ontmoetingskaart", subject="Factsheet ontmoetingsplekken en eenzaamheid",
        creator="Ontmoetingskaart",
    )
    draw = functools.partial(draw_footer, text=footer, font=pdf_fonts()[0])
    document.build(story, onFirstPage=draw, onLaterPages=draw)
    return buffer.getvalue()


def factsheet_filename(data: FactsheetData, choice: FactsheetChoice) -> str:
    """``factsheet-aa-en-hunze-2026-11-27.pdf`` (with ``-kernen`` for a selection of kernen)."""
    name = gemeente_name(data, choice.gemeentecode)
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or choice.gemeentecode.lower()
    kind = "-kernen" if choice.kern_ids else ""
    return f"factsheet-{slug}{kind}-{(choice.datum or today()).isoformat()}.pdf"


def gemeente_name(data: FactsheetData, code: str) -> str:
    """The name of gemeente ``code`` from the gemeenten or eenzaamheid layer, else the code."""
    if data.gemeenten is not None and "code" in data.gemeenten:
        names = data.gemeenten.loc[data.gemeenten["code"] == code, "naam"].dropna()
        if len(names):
            return str(names.iloc[0])
    if data.eenzaamheid is not None:
        names = data.eenzaamheid.loc[data.eenzaamheid["regiocode"] == code, "gemeentenaam"]
        if len(names.dropna()):
            return str(names.dropna().iloc[0])
    return code


def selected_reach(data: FactsheetData, choice: FactsheetChoice) -> pd.DataFrame:
    """The reach rows of the chosen gemeente, narrowed to ``choice.kern_ids`` when given."""
    rows = data.reach[data.reach["gemeentecode"] == choice.gemeentecode]
    if choice.kern_ids:
        rows = rows[rows["kern_id"].isin(choice.kern_ids)]
    return rows.reset_index(drop=True)


def title_of(data: FactsheetData, choice: FactsheetChoice, reach: pd.DataFrame) -> str:
    """``Ontmoetingsplekken en eenzaamheid in Aa en Hunze``; the kernen when some are chosen."""
    name = gemeente_name(data, choice.gemeentecode)
    if not choice.kern_ids:
        return f"Ontmoetingsplekken en eenzaamheid in {name}"
    names = reach["naam"].dropna().astype(str).tolist()
    where = dutch_list(names) if len(names) <= TITLE_NAMES else f"{len(names)} kernen"
    return f"Ontmoetingsplekken en eenzaamheid in {where} ({name})"


def figure_sources(manifest: Manifest, mode: str) -> list[str]:
    """Source parts of the map and chart: outlines, kernen, venues and the mode's network."""
    return layer_sources(manifest, [*FIGURE_LAYERS, f"netwerk_{mode}"])


def _subtitle(choice: FactsheetChoice, reach: pd.DataFrame, day: date) -> str:
    how = parts.MODE_TEXT.get(choice.mode, choice.mode)
    method = "over het wegennet" if _has_network(reach) else "hemelsbreed geschat"
    return (f"Factsheet van {dutch_date(day)} · afstand {how}, {method} · "
            f"grens {format_threshold(choice.drempel_m)}")


def _key_figure_boxes(
    data: FactsheetData,
    choice: FactsheetChoice,
    reach: pd.DataFrame,
    lonely: parts.Loneliness,
    styles: dict[str, ParagraphStyle],
) -> list[Flowable]:
    share = parts.share_65plus(reach, data.buurten, data.gemeenten)
    figures = parts.key_figures(reach, choice.drempel_m, share_65=share)
    km = format_threshold(choice.drempel_m)
    unknown = figures.kernen_zonder_inwonertal
    inwoners_note = f" ({unknown} van die kernen zonder inwonertal)" if unknown else ""
    ouderen = figures.ouderen_zonder
    cells = [
        (f"{figures.kernen_zonder} van {figures.kernen}",
         f"kernen zonder ontmoetingsplek binnen {km}"),
        (format_count(figures.inwoners_zonder),
         f"inwoners van die kernen{inwoners_note}"),
        ("ca. " + format_count(_round(ouderen)) if not math.isnan(ouderen) else "onbekend",
         "65-plussers in die kernen (schatting met het aandeel 65+ van buurt of gemeente)"),
        _loneliness_box(data, choice, lonely),
    ]
    return [figure_boxes(cells, styles), Spacer(1, 4 * mm)]


def _loneliness_box(
    data: FactsheetData, choice: FactsheetChoice, lonely: parts.Loneliness
) -> tuple[str, str]:
    label = LONELINESS_INDICATORS[choice.indicator].lower()
    if lonely.gemeente.empty:
        return "onbekend", f"{label}: geen eenzaamheidscijfers opgeslagen"
    row = lonely.gemeente.set_index("Indicator").loc[LONELINESS_INDICATORS[choice.indicator]]
    name = gemeente_name(data, choice.gemeentecode)
    caption = (f"{label} in {name}, {lonely.jaar}, {parts.age_label(lonely.leeftijd)} "
               f"(modelschatting; Nederland {format_pct(row['Nederland'])})")
    return format_pct(row["gemeente"]), caption


def _figures(
    data: FactsheetData,
    choice: FactsheetChoice,
    reach: pd.DataFrame,
    styles: dict[str, ParagraphStyle],
) -> list[Flowable]:
    """The map and the chart as PNG, or a note in their place when they cannot be rendered."""
    sources = figure_sources(data.manifest, choice.mode)
    outline = None
    if data.gemeenten is not None:
        outline = data.gemeenten[data.gemeenten["code"] == choice.gemeentecode]
    figures = [
        print_style(parts.distance_map(reach, data.kernen, data.venues, drempel_m=choice.drempel_m,
                                       mode=choice.mode, outline=outline),
                    sources=sources, datum=choice.datum, recolour=False),
        print_style(parts.distance_chart(reach, drempel_m=choice.drempel_m, mode=choice.mode),
                    sources=sources, datum=choice.datum),
    ]
    try:
        images = render_batch([(figure, "png") for figure in figures], scale=2)
    except StaticExportError as exc:
        note = f"Kaart en grafiek ontbreken in deze factsheet. {exc.user_message}"
        return [Paragraph(pdf_escape(note), styles["note"]),
                Paragraph(pdf_escape(source_line(sources)), styles["small"])]
    flowables: list[Flowable] = []
    for figure, png in zip(figures, images, strict=True):
        height = TEXT_WIDTH * figure.layout.height / figure.layout.width
        flowables += [Image(io.BytesIO(png), width=TEXT_WIDTH, height=height), Spacer(1, 3 * mm)]
    return flowables


def _loneliness_tables(
    data: FactsheetData,
    choice: FactsheetChoice,
    lonely: parts.Loneliness,
    styles: dict[str, ParagraphStyle],
) -> list[Flowable]:
    heading = Paragraph("Eenzaamheid (modelschatting)", styles["heading"])
    if lonely.gemeente.empty:
        return [heading, Paragraph("Voor deze regio zijn geen eenzaamheidscijfers opgeslagen.",
                                   styles["body"])]
    name = gemeente_name(data, choice.gemeentecode)
    when = f"{lonely.jaar}, {parts.age_label(lonely.leeftijd)}"
    rows = [["Indicator", name, "Nederland"]]
    rows += [[r.Indicator, format_pct(r.gemeente), format_pct(r.Nederland)]
             for r in lonely.gemeente.itertuples()]
    label = LONELINESS_INDICATORS[choice.indicator].lower()
    side = TEXT_WIDTH / 2 - 3 * mm
    left = pdf_table(rows, [side * 0.5, side * 0.25, side * 0.25], styles)
    right = pdf_table(_worst_rows(lonely, choice.indicator), None, styles)
    pair = Table([[
        [Paragraph(pdf_escape(f"{name} en Nederland, {when}"), styles["cellbold"]), left],
        [Paragraph(pdf_escape(f"{len(lonely.buurten)} buurten met het hoogste percentage {label}, "
                           f"{when}"), styles["cellbold"]), right],
    ]], colWidths=[TEXT_WIDTH / 2] * 2)
    pair.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                              ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    source = rivm_source([lonely.jaar]) if lonely.jaar is not None else ""
    return [KeepTogether([heading, pair, Spacer(1, 1.5 * mm),
                          Paragraph(pdf_escape(source), styles["small"])])]


def _worst_rows(lonely: parts.Loneliness, indicator: str) -> list[list[str]]:
    """Buurt, value and (where RIVM published one for any of them) the 95% interval."""
    low, high = f"{indicator}_ondergrens", f"{indicator}_bovengrens"
    buurten = lonely.buurten
    bounds = low in buurten and bool(buurten[[low, high]].notna().all(axis=1).any())
    rows = [["Buurt", LONELINESS_INDICATORS[indicator], *(["95%-interval"] if bounds else [])]]
    for r in buurten.to_dict("records"):
        interval = (f"{format_pct(r[low])} – {format_pct(r[high])}"
                    if bounds and pd.notna(r[low]) and pd.notna(r[high]) else "")
        rows.append([r["naam"] or r["code"], format_pct(r[indicator]),
                     *([interval or "niet gepubliceerd"] if bounds else [])])
    return rows


def _method(
    data: FactsheetData,
    choice: FactsheetChoice,
    reach: pd.DataFrame,
    styles: dict[str, ParagraphStyle],
) -> list[Flowable]:
    how = parts.MODE_TEXT.get(choice.mode, choice.mode)
    if _has_network(reach):
        distance = (f"Afstanden zijn {how} over het wegennet van OpenStreetMap gemeten, vanaf het "
                    "punt van de kern tot de dichtstbijzijnde ontmoetingsplek.")
    else:
        factor = detour_words(choice.mode)
        distance = (f"Voor deze regio is geen wegennet opgeslagen: afstanden zijn hemelsbreed "
                    f"gemeten en met {factor} vermenigvuldigd, omdat de weg zelden recht is. Het "
                    "zijn schattingen.")
    venues = data.venues
    if "gemeentecode" in venues:
        venues = venues[venues["gemeentecode"] == choice.gemeentecode]
    places = meeting_places(venues) if len(venues) else venues
    name = gemeente_name(data, choice.gemeentecode)
    lines = [
        distance,
        (f"Als ontmoetingsplek tellen {len(places)} van de {len(venues)} opgeslagen plekken in "
         f"{name} (dorpshuis, buurthuis, MFA, sportkantine en dergelijke); waarom een plek telt, "
         "staat in de gegevens. Een plek over de gemeentegrens telt mee als die het dichtstbij "
         "is."),
        ("De eenzaamheidscijfers zijn modelschattingen van RIVM, GGD'en en CBS op basis van de "
         "Gezondheidsmonitor, geen tellingen. Voor kleine buurten zijn ze onzeker; een buurt "
         "zonder cijfer is onderdrukt."),
        ("Bereikbaarheid en eenzaamheid staan hier naast elkaar. Een samenhang is geen oorzaak: "
         "het ontbreken van een ontmoetingsplek verklaart eenzaamheid niet."),
        ("Inwoners per kern komen uit de kernenbron; het aantal 65-plussers is een schatting met "
         "het aandeel 65+ van de buurt of, als dat ontbreekt, van de gemeente."),
    ]
    return [Paragraph("Methode", styles["heading"]),
            *(Paragraph("• " + pdf_escape(line), styles["body"]) for line in lines)]


def _has_network(reach: pd.DataFrame) -> bool:
    return bool((reach["methode"] != METHOD_STRAIGHT_LINE).any())


def _round(value: float) -> float:
    """Round an estimate to tens, so it does not look more precise than it is."""
    return float(round(value, -1))
