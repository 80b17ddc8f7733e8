"""What the Export page offers: the current selection as data files, and the gemeente factsheet.

The builders take the page context and the cached reach (:func:`ui.reach.load_reach`) and
return :class:`DownloadFile` entries whose ``build`` makes the bytes only when it is called
(the page hands it to a deferred download button), so opening the page writes no file. The
tables are those of the Kernen and Eenzaamheid pages; the geometry comes from the stored layers
(:func:`views.export.with_geometry`). Each file names its sources and a date: columns ``Bron``
and ``Opgehaald`` in a CSV, a ``Bron`` sheet in XLSX, ``bron``/``datum`` in GeoJSON and a
``bron`` table in a GeoPackage.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from loaders.clock import now
from loaders.manifest import Manifest
from loaders.schema import CRS, LONELINESS_INDICATORS
from ui.corrections import load_corrections
from ui.kern_figures import load_links
from ui.layers import load_layer
from ui.reach import ReachView
from ui.selection import Selection, mode_label
from ui.sidebar import PageContext
from views import eenzaamheid as ez
from views import kernen as vk
from views.corrections import place_sources
from views.export import (
    MEDIA_TYPES,
    excel_csv,
    geojson_bytes,
    geopackage_bytes,
    with_geometry,
    xlsx_bytes,
)
from views.factsheet import (
    FactsheetChoice,
    FactsheetData,
    factsheet_filename,
    factsheet_pdf,
)
from views.kern_factsheet import kern_factsheet_filename, kern_factsheet_pdf
from views.sources import layer_sources, source_line
from views.text import dutch_list, format_moment, format_threshold, plain_markdown

KERN_LAYERS = ("kernen", "venues", "gemeenten", "buurten", "eenzaamheid")
BUURT_LAYERS = ("eenzaamheid", "buurten")
FORMAT_LABELS = {
    "csv": "CSV (Excel)",
    "xlsx": "Excel (XLSX)",
    "geojson": "GeoJSON",
    "gpkg": "GeoPackage",
}
FORMAT_HELP = {
    "csv": "Puntkomma's en decimale komma's: Nederlandse Excel opent het direct goed. De "
           "kolommen ‘Bron’ en ‘Opgehaald’ staan op elke regel.",
    "xlsx": "Excel-werkmap met de bronnen en de datum op het tabblad ‘Bron’.",
    "geojson": "Voor GIS en webkaarten, in WGS84 (EPSG:4326); bron en datum staan in het "
               "bestand (‘bron’, ‘datum’).",
    "gpkg": "Voor QGIS en ArcGIS, in RD New (EPSG:28992), met een tabel ‘bron’ (bronnen en "
            "datum).",
}


@dataclass(frozen=True)
class DownloadFile:
    """One file to offer: its button label, name, media type and how to make its bytes."""

    label: str
    file_name: str
    mime: str
    build: Callable[[], bytes]
    help: str = ""


@dataclass(frozen=True)
class ExportTable:
    """A table of the selection with its geometry, what it is called and where it came from.

    Attributes
    ----------
    frame
        Dutch column headers, one row per kern or buurt, geometry in EPSG:28992 (empty where
        the stored layer has no matching shape).
    stem
        File name without extension.
    sheet
        Name of its sheet in the XLSX file.
    sources
        Source parts (:func:`views.sources.layer_sources`).
    extra_sheets
        More XLSX sheets (name → table), e.g. the method.
    """

    frame: gpd.GeoDataFrame
    stem: str
    sheet: str
    sources: list[str]
    extra_sheets: dict[str, pd.DataFrame]


def describe_selection(context: PageContext) -> str:
    """The sidebar choice in one Dutch sentence (Markdown), for the top of the page."""
    choice = context.selection
    names = context.options.gemeente_namen
    gemeenten = dutch_list(
        [plain_markdown(names.get(code, code)) for code in choice.gemeenten])
    text = (f"**{gemeenten}** · {mode_label(choice.modus)} · afstandsgrens "
            f"{format_threshold(choice.drempel_m)}")
    if choice.jaar is not None:
        text += (f" · {LONELINESS_INDICATORS[choice.indicator].lower()}, {choice.jaar}, "
                 f"{ez.AGE_LABELS.get(choice.leeftijd, choice.leeftijd)}")
    return text


def kernen_table(context: PageContext, view: ReachView) -> ExportTable:
    """The chosen gemeenten's kernen as an export table.

    Per kern: the nearest meeting places and their source, distances, the kern's loneliness
    figure from its buurten and the kern's point.
    """
    choice = context.selection
    gemeenten = load_layer(context.root, context.manifest, "gemeenten")
    buurten = load_layer(context.root, context.manifest, "buurten")
    names = vk.gemeente_names(gemeenten, context.options.gemeente_namen)
    table = vk.kern_table(view.table, gemeente_namen=names, buurten=buurten, gemeenten=gemeenten,
                          venues=view.venues)
    table = table.assign(venue_bron=place_sources(table["venue_id"], view.venues,
                                                  load_corrections(context)))
    mode = mode_label(choice.modus)
    export = vk.export_table(table, indicator=choice.indicator, jaar=choice.jaar,
                             leeftijd=choice.leeftijd, mode_label=mode,
                             threshold_m=choice.drempel_m)
    method = vk.method_rows(mode_label=mode, threshold_m=choice.drempel_m,
                            indicator=choice.indicator, jaar=choice.jaar,
                            leeftijd=choice.leeftijd, estimate=view.is_estimate,
                            exported_at=format_moment(now()))
    points = view.kernen.rename(columns={"kern_id": "Kerncode"})
    return ExportTable(
        frame=with_geometry(export, points, on="Kerncode"),
        stem=f"kernen_{context.selection.file_stem}_{mode}_{choice.drempel_m}m",
        sheet="Kernen",
        sources=layer_sources(context.manifest, [*KERN_LAYERS, f"netwerk_{choice.modus}"],
                              rivm_years=_years(choice)),
        extra_sheets={"Methode": method},
    )


def buurten_table(context: PageContext) -> ExportTable | None:
    """The chosen gemeenten's buurten as an export table; None without loneliness figures.

    Per buurt: the four loneliness figures of the chosen year and age group, and its shape.
    """
    choice = context.selection
    eenzaamheid = load_layer(context.root, context.manifest, "eenzaamheid")
    if eenzaamheid is None or choice.jaar is None or choice.leeftijd is None:
        return None
    buurten = load_layer(context.root, context.manifest, "buurten")
    values = ez.buurt_values(eenzaamheid, buurten, jaar=choice.jaar, leeftijd=choice.leeftijd,
                             gemeenten=choice.gemeenten)
    export = ez.export_table(values, choice.indicator)
    if buurten is None:
        frame = gpd.GeoDataFrame(export, geometry=[None] * len(export), crs=CRS)
    else:
        frame = with_geometry(export, buurten.rename(columns={"code": "Buurtcode"}),
                              on="Buurtcode")
    age = choice.leeftijd.replace("+", "plus")
    return ExportTable(
        frame=frame,
        stem=f"buurten_eenzaamheid_{context.selection.file_stem}_{choice.jaar}_{age}",
        sheet="Buurten",
        sources=layer_sources(context.manifest, BUURT_LAYERS, rivm_years=_years(choice)),
        extra_sheets={},
    )


def table_files(table: ExportTable, manifest: Manifest) -> list[DownloadFile]:
    """CSV, XLSX, GeoJSON and GeoPackage of ``table``, each made only when asked for.

    GeoJSON and GeoPackage are left out when no row has a shape.
    """
    plain = pd.DataFrame(table.frame.drop(columns=table.frame.geometry.name))
    stamped = plain.assign(Bron=source_line(table.sources),
                           Opgehaald=vk.fetched_range(manifest))
    makers: dict[str, Callable[[], bytes]] = {
        "csv": lambda: excel_csv(stamped),
        "xlsx": lambda: xlsx_bytes({table.sheet: plain, **table.extra_sheets},
                                   sources=table.sources),
    }
    if table.frame.geometry.notna().any():
        makers["geojson"] = lambda: geojson_bytes(table.frame, sources=table.sources)
        makers["gpkg"] = lambda: geopackage_bytes(table.frame, sources=table.sources,
                                                  layer=table.sheet.lower())
    return [DownloadFile(FORMAT_LABELS[ext], f"{table.stem}.{ext}", MEDIA_TYPES[ext], make,
                         FORMAT_HELP[ext]) for ext, make in makers.items()]


def factsheet_data(context: PageContext, view: ReachView) -> FactsheetData:
    """The factsheet's input from the cached layers and reach (no second read of the store)."""
    layers = {name: load_layer(context.root, context.manifest, name)
              for name in ("eenzaamheid", "buurten", "gemeenten")}
    return FactsheetData(reach=view.table, kernen=view.kernen, venues=view.venues,
                         manifest=context.manifest, links=load_links(context), **layers)


def factsheet_choice(
    selection: Selection, gemeentecode: str, kern_ids: Sequence[str] = ()
) -> FactsheetChoice:
    """The factsheet of one gemeente (or some of its kernen) for the sidebar's choice."""
    return FactsheetChoice(
        gemeentecode=gemeentecode, kern_ids=tuple(kern_ids), mode=selection.modus,
        drempel_m=float(selection.drempel_m), jaar=selection.jaar,
        leeftijd=selection.leeftijd or "18+", indicator=selection.indicator,
    )


def factsheet_file(data: FactsheetData, choice: FactsheetChoice) -> DownloadFile:
    """The factsheet PDF of ``choice``, made when the button is clicked (about 1,5 s)."""
    return DownloadFile(
        "Factsheet (PDF)", factsheet_filename(data, choice), "application/pdf",
        lambda: factsheet_pdf(data, choice),
        "A4 met kerncijfers, kaart, grafiek, eenzaamheidscijfers, methode en bronnen.",
    )


def kern_factsheet_file(
    data: FactsheetData, choice: FactsheetChoice, kern_id: str
) -> DownloadFile:
    """The factsheet PDF of one kern, made when the button is clicked."""
    return DownloadFile(
        "Factsheet van deze kern (PDF)", kern_factsheet_filename(data, choice, kern_id),
        "application/pdf", lambda: kern_factsheet_pdf(data, choice, kern_id),
        "A4 voor een brief: afstand tot de dichtstbijzijnde en de op één na dichtstbijzijnde "
        "ontmoetingsplek, wat er gebeurt als de dichtstbijzijnde sluit, de eenzaamheid van de "
        "buurten tegenover gemeente en Nederland, een kaart met namen en de bronnen.",
    )


def _years(selection: Selection) -> list[int]:
    return [selection.jaar] if selection.jaar is not None else []
