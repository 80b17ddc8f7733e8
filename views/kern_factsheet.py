"""A one- or two-page A4 PDF about one kern, for a village association's letter to the council.

It holds: the kern's nearest and second meeting place with distances, what happens when the
nearest closes (and which other kernen share it), the loneliness of the kern's buurten against
its gemeente and Nederland, a labelled map of the kern and its places, the method and every
source. The map is a plotly figure rendered through :mod:`rendering.images`; without a browser the
factsheet is still made, with a note in its place.
"""

from __future__ import annotations

import difflib
import functools
import io
import math
import re
from collections.abc import Collection
from dataclasses import dataclass, replace

import geopandas as gpd
import pandas as pd
import plotly.graph_objects as go
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Image,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
)
from reportlab.platypus.flowables import Flowable

from analysis.indicators import loneliness_slice
from analysis.kern_buurten import kern_figures
from analysis.nearest import METHOD_STRAIGHT_LINE
from analysis.reach import meeting_places
from loaders.clock import today
from loaders.schema import LONELINESS_INDICATORS
from rendering.images import StaticExportError, render_batch
from views import factsheet_figures as parts
from views.eenzaamheid import NATIONAL_CODE
from views.factsheet import FIGURE_LAYERS, FactsheetChoice, FactsheetData, gemeente_name
from views.kernen import kern_buurt_rows
from views.labels import place_labels
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
from views.text import (
    dutch_date,
    format_count,
    format_km,
    format_pct,
    format_threshold,
    plain_plotly,
)

MAP_SIZE = (800, 640)
"""Pixels of the kern map before scaling into the page."""
MIN_HALF_WIDTH_M = 3000.0
"""Half the map's width in metres, at least; its height follows the plot area's shape."""
SHARING_NAMES = 6
"""The closure text names at most this many kernen sharing the nearest place, then "en meer"."""
KERN_COLOUR = "#D55E00"
OTHER_COLOUR = "#7a7a7a"
PLACE_COLOUR = "#000000"


class UnknownKernError(ValueError):
    """The named kern is not among the kernen of the chosen gemeenten (Dutch message)."""


@dataclass(frozen=True)
class KernFacts:
    """What the factsheet says about one kern (plain values, Dutch names)."""

    kern_id: str
    naam: str
    gemeente: str
    inwoners: float
    nearest: str | None
    nearest_soort: str | None
    nearest_m: float
    nearest_min: float
    second: str | None
    second_m: float
    sharing: tuple[str, ...]
    sharing_inwoners: float
    estimate: bool


def find_kern(reach: pd.DataFrame, text: str, *, gemeenten: Collection[str]) -> str:
    """The ``kern_id`` of the kern named ``text`` (a name or an id) in ``gemeenten``.

    Raises
    ------
    UnknownKernError
        When no kern or more than one has that name; the message suggests close names.
    """
    rows = reach[reach["gemeentecode"].isin(list(gemeenten))]
    wanted = " ".join(str(text).split()).casefold()
    exact = rows[(rows["kern_id"].astype(str).str.casefold() == wanted)
                 | (rows["naam"].astype(str).str.casefold() == wanted)]
    if len(exact) == 1:
        return str(exact["kern_id"].iloc[0])
    if len(exact) > 1:
        listed = ", ".join(f"{n} ({k})" for n, k in zip(exact["naam"], exact["kern_id"],
                                                        strict=True))
        raise UnknownKernError(f"‘{text}’ is niet eenduidig: kies een kern-id uit {listed}.")
    names = sorted(set(rows["naam"].dropna().astype(str)))
    close = difflib.get_close_matches(str(text), names, n=3, cutoff=0.6)
    hint = f" Bedoelt u {' of '.join(close)}?" if close else ""
    raise UnknownKernError(f"Geen kern ‘{text}’ in het gekozen gebied.{hint}")


def kern_facts(data: FactsheetData, kern_id: str) -> KernFacts:
    """The distances, places and shared place of one kern from ``data.reach``."""
    row = data.reach.set_index("kern_id").loc[kern_id]
    names = data.venues.drop_duplicates("venue_id").set_index("venue_id")["naam"]
    nearest_id = row.get("venue_id")
    sharing = data.reach[(data.reach["venue_id"] == nearest_id)
                         & (data.reach["kern_id"] != kern_id)] if pd.notna(nearest_id) \
        else data.reach.iloc[0:0]
    sharing = sharing.assign(_n=pd.to_numeric(sharing["inwoners"], errors="coerce"))
    sharing = sharing.sort_values("_n", ascending=False)
    return KernFacts(
        kern_id=kern_id, naam=str(row["naam"]),
        gemeente=gemeente_name(data, str(row["gemeentecode"])),
        inwoners=float(pd.to_numeric(row.get("inwoners"), errors="coerce")),
        nearest=_text(row.get("venue_naam")), nearest_soort=_text(row.get("venue_soort")),
        nearest_m=float(row.get("afstand_m", math.nan)),
        nearest_min=float(row.get("minuten", math.nan)),
        second=_text(names.get(row.get("tweede_venue_id"))),
        second_m=float(row.get("tweede_afstand_m", math.nan)),
        sharing=tuple(sharing["naam"].astype(str)),
        sharing_inwoners=float(sharing["_n"].sum(min_count=1)),
        estimate=row.get("methode") == METHOD_STRAIGHT_LINE,
    )


def closure_text(facts: KernFacts, *, drempel_m: float, mode: str) -> str:
    """Dutch sentences on what happens to the kern when its nearest place closes."""
    how = parts.MODE_TEXT.get(mode, mode)
    if facts.nearest is None:
        return "Er is geen bereikbare ontmoetingsplek gevonden voor deze kern."
    within = format_threshold(drempel_m)
    if facts.second is None or math.isnan(facts.second_m):
        after = "is er geen andere bereikbare ontmoetingsplek."
    else:
        still = "nog wel" if facts.second_m <= drempel_m else "geen"
        after = (f"is {facts.second} het dichtstbij, op {format_km(facts.second_m)} "
                 f"{how}: de kern heeft dan {still} ontmoetingsplek binnen {within}.")
    text = f"Als {facts.nearest} sluit, {after}"
    if facts.sharing:
        people = ("" if math.isnan(facts.sharing_inwoners)
                  else f", samen ten minste {format_count(facts.sharing_inwoners)} inwoners")
        shown = ", ".join(facts.sharing[:SHARING_NAMES]) + (
            " en meer" if len(facts.sharing) > SHARING_NAMES else "")
        count = ("1 andere kern" if len(facts.sharing) == 1
                 else f"{len(facts.sharing)} andere kernen")
        text += f" {facts.nearest} is ook de dichtstbijzijnde plek voor {count}: {shown}{people}."
    return text


def comparison_rows(data: FactsheetData, choice: FactsheetChoice, kern_id: str) -> list[list[str]]:
    """Per loneliness indicator: the kern (from its buurten), its gemeente and Nederland."""
    rows = [["Indicator", "Kern", "Gemeente", "Nederland"]]
    if data.eenzaamheid is None or choice.jaar is None:
        return rows
    kern = data.reach[data.reach["kern_id"] == kern_id][["kern_id", "gemeentecode"]]
    code = str(kern["gemeentecode"].iloc[0])
    links = data.links if data.links is not None else pd.DataFrame(
        columns=["kern_id", "buurtcode", "gewicht", "grens_ongewijzigd", "wijk_heel", "kernpunt"])
    for indicator, label in LONELINESS_INDICATORS.items():
        values = loneliness_slice(data.eenzaamheid, indicator=indicator,
                                  leeftijd=choice.leeftijd, jaar=choice.jaar)
        own = kern_figures(kern, links[links["kern_id"] == kern_id], values)
        rows.append([label, format_pct(own["eenzaamheid_pct"].iloc[0]),
                     format_pct(values.get(code, math.nan)),
                     format_pct(values.get(NATIONAL_CODE, math.nan))])
    return rows


def kern_map(data: FactsheetData, choice: FactsheetChoice, kern_id: str) -> go.Figure:
    """The kern, its nearest and second place, other kernen and places around it, labelled.

    Drawn on RD axes without background tiles (offline, prints cleanly), with the gemeente
    border and a scale bar; the chosen kern in vermillion and named in bold, other kernen
    named largest first where their names fit.
    """
    row = data.reach.set_index("kern_id").loc[kern_id]
    points = data.kernen.drop_duplicates("kern_id").set_index("kern_id").geometry
    centre = points[kern_id]
    venues = data.venues.drop_duplicates("venue_id").set_index("venue_id")
    chosen = [v for v in (row.get("venue_id"), row.get("tweede_venue_id"))
              if isinstance(v, str) and v in venues.index]
    xs = [centre.x, *(venues.geometry[v].x for v in chosen)]
    ys = [centre.y, *(venues.geometry[v].y for v in chosen)]
    width_px, height_px = parts.plot_area(MAP_SIZE)
    aspect = width_px / height_px
    half = max(MIN_HALF_WIDTH_M, (max(xs) - min(xs)) / 2 + 800,
               ((max(ys) - min(ys)) / 2 + 800) * aspect)
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    # The box has the plot area's shape, so the equal-scale axes show exactly this box and the
    # label boxes (estimated in metres per pixel) match what is drawn.
    box = (cx - half, cy - half / aspect, cx + half, cy + half / aspect)
    units = (box[2] - box[0]) / width_px
    figure = go.Figure()
    _outline(figure, data, str(row["gemeentecode"]), box)
    places = meeting_places(data.venues).cx[box[0]:box[2], box[1]:box[3]]
    figure.add_trace(go.Scatter(
        x=places.geometry.x, y=places.geometry.y, mode="markers", name="Ontmoetingsplek",
        marker={"color": PLACE_COLOUR, "symbol": parts.VENUE_SYMBOL, "size": 11,
                "line": {"color": "#ffffff", "width": 1}}, hoverinfo="skip",
    ))
    others = data.kernen.cx[box[0]:box[2], box[1]:box[3]]
    others = others[others["kern_id"] != kern_id].drop_duplicates("kern_id")
    labels = pd.DataFrame({
        "x": [centre.x, *(venues.geometry[v].x for v in chosen), *others.geometry.x],
        "y": [centre.y, *(venues.geometry[v].y for v in chosen), *others.geometry.y],
        "text": [f"<b>{plain_plotly(str(row['naam']))}</b>",
                 *(f"{rank}. {plain_plotly(str(venues.loc[v, 'naam']))}"
                   for rank, v in enumerate(chosen, start=1)),
                 *(plain_plotly(str(n)) for n in others["naam"])],
        "kind": ["kern", *(["plek"] * len(chosen)), *(["ander"] * len(others))],
        "priority": [1e12, *(1e11 - rank for rank in range(len(chosen))),
                     *pd.to_numeric(others["inwoners"], errors="coerce").fillna(0)],
    })
    sizes = labels["kind"].map({"kern": 18, "plek": 16, "ander": 9})
    fonts = labels["kind"].map({"kern": 14, "plek": 11, "ander": 10})
    visible = [len(t.replace("<b>", "").replace("</b>", "")) for t in labels["text"]]
    labels["position"] = place_labels(
        labels["x"], labels["y"], ["x" * n for n in visible], priority=labels["priority"],
        units_per_pixel=units, font_size=fonts, marker_size=sizes, bounds=box,
    )
    _other_kernen(figure, labels[labels["kind"] == "ander"])
    for _, place in labels[labels["kind"] == "plek"].iterrows():
        word = "dichtstbij" if place["text"].startswith("1.") else "op één na"
        figure.add_trace(go.Scatter(
            x=[place["x"]], y=[place["y"]], mode="markers+text", name=f"Ontmoetingsplek ({word})",
            text=[place["text"]], textposition=place["position"] or "bottom center",
            textfont={"size": 11, "color": PLACE_COLOUR},
            marker={"color": PLACE_COLOUR, "symbol": parts.VENUE_SYMBOL, "size": 16,
                    "line": {"color": "#ffffff", "width": 1}}, showlegend=False,
        ))
    kern = labels.iloc[0]
    figure.add_trace(go.Scatter(
        x=[kern["x"]], y=[kern["y"]], mode="markers+text", name="Gekozen kern",
        text=[kern["text"]], textposition=kern["position"] or "top center",
        textfont={"size": 14, "color": KERN_COLOUR},
        marker={"color": KERN_COLOUR, "symbol": "circle", "size": 18,
                "line": {"color": "#000000", "width": 1.5}},
    ))
    _scale_bar(figure, box)
    figure.update_xaxes(visible=False, range=[box[0], box[2]])
    figure.update_yaxes(visible=False, range=[box[1], box[3]], scaleanchor="x", scaleratio=1)
    how = parts.MODE_TEXT.get(choice.mode, choice.mode)
    method = (f"hemelsbreed × {detour_words(choice.mode)} (schatting)"
              if row.get("methode") == METHOD_STRAIGHT_LINE else "over het wegennet")
    subtitle = (f"{gemeente_name(data, str(row['gemeentecode']))} · 1 = dichtstbijzijnde, "
                f"2 = op één na dichtstbijzijnde ontmoetingsplek · afstand {how}, {method}")
    return parts.figure_layout(figure, f"{row['naam']} en de ontmoetingsplekken eromheen", subtitle,
                         MAP_SIZE, legend={"orientation": "h", "y": -0.02, "yanchor": "top"})


def kern_factsheet_pdf(data: FactsheetData, choice: FactsheetChoice, kern_id: str) -> bytes:
    """The factsheet of one kern as PDF bytes (A4, one or two pages).

    Raises
    ------
    UnknownKernError
        When ``kern_id`` is not in ``data.reach``.
    """
    if kern_id not in set(data.reach["kern_id"]):
        raise UnknownKernError(f"Geen kern met id ‘{kern_id}’ in de gegevens.")
    day = choice.datum or today()
    choice = replace(choice, datum=day)
    facts = kern_facts(data, kern_id)
    styles = pdf_styles(*pdf_fonts())
    title = f"Ontmoetingsplek en eenzaamheid in {facts.naam}"
    how = parts.MODE_TEXT.get(choice.mode, choice.mode)
    method = "hemelsbreed geschat" if facts.estimate else "over het wegennet"
    story: list[Flowable] = [
        Paragraph(pdf_escape(title), styles["title"]),
        Paragraph(pdf_escape(f"Kern in de gemeente {facts.gemeente} · factsheet van "
                             f"{dutch_date(day)} · afstand {how}, {method} · grens "
                             f"{format_threshold(choice.drempel_m)}"), styles["muted"]),
        Spacer(1, 4 * mm),
        _boxes(data, choice, facts, styles),
        Spacer(1, 3 * mm),
        Paragraph(pdf_escape(closure_text(facts, drempel_m=choice.drempel_m,
                                          mode=choice.mode)), styles["body"]),
        Spacer(1, 3 * mm),
    ]
    story += _map(data, choice, kern_id, styles)
    story += _loneliness(data, choice, kern_id, styles)
    story += _method(facts, choice, styles)
    story += source_paragraphs(data.manifest, choice.mode, styles)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=PAGE_MARGIN, rightMargin=PAGE_MARGIN,
        topMargin=PAGE_MARGIN, bottomMargin=PAGE_MARGIN + 4 * mm, title=title,
        author="Ontmoetingskaart", subject="Factsheet van een kern", creator="Ontmoetingskaart",
    )
    draw = functools.partial(draw_footer, font=pdf_fonts()[0],
                             text=f"Ontmoetingskaart · {title} · {dutch_date(day)}")
    document.build(story, onFirstPage=draw, onLaterPages=draw)
    return buffer.getvalue()


def kern_factsheet_filename(data: FactsheetData, choice: FactsheetChoice, kern_id: str) -> str:
    """``factsheet-gasteren-aa-en-hunze-2026-12-07.pdf``."""
    facts = kern_facts(data, kern_id)
    slug = re.sub(r"[^a-z0-9]+", "-", f"{facts.naam} {facts.gemeente}".lower()).strip("-")
    return f"factsheet-{slug or 'kern'}-{(choice.datum or today()).isoformat()}.pdf"


def _boxes(data: FactsheetData, choice: FactsheetChoice, facts: KernFacts,
           styles: dict[str, ParagraphStyle]) -> Table:
    row = data.reach.set_index("kern_id").loc[facts.kern_id]
    label = LONELINESS_INDICATORS[choice.indicator].lower()
    lonely = row.get("eenzaamheid_pct", math.nan)
    cells = [
        ("onbekend" if math.isnan(facts.inwoners) else format_count(facts.inwoners),
         "inwoners (CBS-kernen of GeoNames)"),
        (format_km(facts.nearest_m) if facts.nearest else "geen",
         _estimated(_place_phrase(facts.nearest, facts.nearest_soort), estimate=facts.estimate)
         if facts.nearest else "geen bereikbare ontmoetingsplek"),
        (format_km(facts.second_m) if facts.second else "geen",
         _estimated(f"naar {facts.second}, de op één na dichtstbijzijnde plek",
                    estimate=facts.estimate) if facts.second else "geen tweede plek"),
        (format_pct(lonely),
         (f"{label}, {choice.jaar}, {parts.age_label(choice.leeftijd)}; modelschatting "
          f"{_origin(row)}")),
    ]
    return figure_boxes(cells, styles)


def _place_phrase(name: str, soort: str | None) -> str:
    """``naar <name>, soort <soort>``: one phrase, whatever brackets the name has.

    Examples
    --------
    >>> _place_phrase("Dorpshuis De Gasterije (Gasteren)", "dorpshuis")
    'naar Dorpshuis De Gasterije (Gasteren), soort dorpshuis'
    """
    return f"naar {name}, soort {soort}" if soort else f"naar {name}"


def _estimated(text: str, *, estimate: bool) -> str:
    """``text`` marked as an estimate, without a second bracket right after one."""
    if not estimate:
        return text
    return f"{text}, schatting" if text.endswith(")") else f"{text} (schatting)"


def _map(data: FactsheetData, choice: FactsheetChoice, kern_id: str,
         styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    sources = layer_sources(data.manifest, [*FIGURE_LAYERS, f"netwerk_{choice.mode}"])
    figure = print_style(kern_map(data, choice, kern_id), sources=sources, datum=choice.datum,
                         recolour=False)
    try:
        [png] = render_batch([(figure, "png")], scale=2)
    except StaticExportError as exc:
        return [Paragraph(pdf_escape(f"De kaart ontbreekt in deze factsheet. {exc.user_message}"),
                          styles["note"]),
                Paragraph(pdf_escape(source_line(sources)), styles["small"])]
    height = TEXT_WIDTH * figure.layout.height / figure.layout.width
    return [Image(io.BytesIO(png), width=TEXT_WIDTH, height=height), Spacer(1, 3 * mm)]


def _loneliness(data: FactsheetData, choice: FactsheetChoice, kern_id: str,
                styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    heading = Paragraph("Eenzaamheid (modelschatting)", styles["heading"])
    if data.eenzaamheid is None or choice.jaar is None:
        return [heading, Paragraph("Er zijn geen eenzaamheidscijfers opgeslagen.",
                                   styles["body"])]
    when = f"{choice.jaar}, {parts.age_label(choice.leeftijd)}"
    flowables: list[Flowable] = [
        heading,
        Paragraph(pdf_escape(f"De kern tegenover de gemeente en Nederland, {when}."),
                  styles["body"]),
        pdf_table(comparison_rows(data, choice, kern_id),
                  [TEXT_WIDTH * 0.4, TEXT_WIDTH * 0.2, TEXT_WIDTH * 0.2, TEXT_WIDTH * 0.2],
                  styles),
        Spacer(1, 3 * mm),
    ]
    if data.links is not None:
        values = loneliness_slice(data.eenzaamheid, indicator=choice.indicator,
                                  leeftijd=choice.leeftijd, jaar=choice.jaar)
        buurten = kern_buurt_rows(data.links, kern_id, values)
        if len(buurten):
            label = LONELINESS_INDICATORS[choice.indicator].lower()
            flowables += [
                Paragraph(pdf_escape(f"De buurten waar de inwoners van de kern wonen ({label}, "
                                     f"{when}); het kerncijfer is hun gewogen gemiddelde."),
                          styles["body"]),
                pdf_table([list(buurten.columns), *buurten.astype(str).to_numpy().tolist()],
                          [TEXT_WIDTH * 0.4, TEXT_WIDTH * 0.15, TEXT_WIDTH * 0.15,
                           TEXT_WIDTH * 0.3], styles),
            ]
    return flowables


def _method(facts: KernFacts, choice: FactsheetChoice,
            styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    how = parts.MODE_TEXT.get(choice.mode, choice.mode)
    if facts.estimate:
        factor = detour_words(choice.mode)
        distance = (f"Voor deze kern is geen wegennet opgeslagen: afstanden zijn hemelsbreed "
                    f"gemeten en met {factor} vermenigvuldigd, omdat de weg zelden recht is. "
                    "Het zijn schattingen.")
    else:
        distance = (f"Afstanden zijn {how} over het wegennet gemeten, vanaf het punt van de kern "
                    "tot de ontmoetingsplek.")
    lines = [
        distance,
        ("Als ontmoetingsplek tellen dorpshuizen, buurthuizen, MFA's, sportkantines en "
         "vergelijkbare plekken; een plek over de gemeentegrens telt mee als die het dichtstbij "
         "is. De op één na dichtstbijzijnde plek is de plek die overblijft als de "
         "dichtstbijzijnde sluit."),
        ("De eenzaamheidscijfers zijn modelschattingen van RIVM, GGD'en en CBS "
         "(Gezondheidsmonitor), geen tellingen. Het cijfer van de kern is het gewogen gemiddelde "
         "van de buurten waar haar inwoners wonen."),
        ("Bereikbaarheid en eenzaamheid staan hier naast elkaar. Een samenhang is geen oorzaak."),
    ]
    return [Paragraph("Methode", styles["heading"]),
            *(Paragraph("• " + pdf_escape(line), styles["body"]) for line in lines)]


def _outline(figure: go.Figure, data: FactsheetData, code: str,
             box: tuple[float, float, float, float]) -> None:
    if data.gemeenten is None:
        return
    area = gpd.GeoDataFrame(data.gemeenten).cx[box[0]:box[2], box[1]:box[3]]
    for geometry in area.geometry.boundary.explode(index_parts=False):
        if geometry is None or geometry.is_empty:
            continue
        x, y = geometry.xy
        own = code in set(area["code"])
        figure.add_trace(go.Scatter(
            x=list(x), y=list(y), mode="lines", hoverinfo="skip", showlegend=False,
            line={"color": "#555555" if own else "#aaaaaa", "width": 1},
        ))


def _other_kernen(figure: go.Figure, others: pd.DataFrame) -> None:
    """Other kernen in view as grey dots, named where :func:`place_labels` found room."""
    groups = [*dict.fromkeys(p for p in others["position"] if p), None]
    for number, position in enumerate(groups):
        part = others[others["position"].isna()] if position is None \
            else others[others["position"] == position]
        if part.empty:
            continue
        figure.add_trace(go.Scatter(
            x=part["x"], y=part["y"], mode="markers+text" if position else "markers",
            text=part["text"] if position else None, textposition=position or "top center",
            textfont={"size": 10, "color": "#333333"},
            marker={"color": OTHER_COLOUR, "symbol": "circle", "size": 9,
                    "line": {"color": "#ffffff", "width": 1}},
            name="Andere kern", legendgroup="kern", showlegend=number == 0,
        ))


def _scale_bar(figure: go.Figure, box: tuple[float, float, float, float]) -> None:
    """A black bar of a round length in the lower left corner."""
    width = box[2] - box[0]
    length = next((m for m in (500, 1000, 2000, 5000, 10000) if m >= width / 6), 20000)
    x0, y = box[0] + width * 0.03, box[1] + (box[3] - box[1]) * 0.04
    figure.add_shape(type="line", x0=x0, x1=x0 + length, y0=y, y1=y,
                     line={"color": "#000000", "width": 4})
    figure.add_annotation(x=x0 + length / 2, y=y, text=format_threshold(length), showarrow=False,
                          yshift=12, font={"size": 11, "color": "#000000"})


def _origin(row: pd.Series) -> str:
    """Where the kern's figure comes from, in a few words (``van 2 buurten``)."""
    level = row.get("eenzaamheid_niveau")
    count = int(row.get("eenzaamheid_buurten") or 0)
    if level == "buurten":
        return f"van {count} buurten" if count > 1 else "van de buurt"
    if level in ("wijk", "gemeente"):
        return f"van de {level}"
    return "(herkomst onbekend)"


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return str(value)
