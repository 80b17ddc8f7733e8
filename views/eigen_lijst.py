"""Tables, texts and the preview map of the page 'Eigen lijst' (a user's own venue list).

Pure pandas and plotly, no Streamlit. Names and texts from a file only go into DataFrames
(which ``st.dataframe`` shows as plain text) and into map hover texts, which
:mod:`views.maps` escapes.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import plotly.graph_objects as go

from loaders.venue_columns import FIELD_WORDS, FIELDS, describe_columns
from loaders.venues import MAX_FILE_BYTES, MAX_ROWS, STATUSES, list_name
from views.maps import (
    border_trace,
    map_figure,
    marker_scale,
    simplify_tolerance,
    venue_traces,
)
from views.text import format_count

FILE_TYPES = ("csv", "xlsx", "xlsm", "geojson", "json", "gpkg")
"""File name extensions the uploader accepts."""
MAX_UPLOAD_MB = MAX_FILE_BYTES // 2**20
"""The uploader's size limit in MB: the parser's own limit, so the browser refuses first."""
MERGED = "Samengevoegd"
"""Column of :func:`merges_table` the user may change."""

FIELD_LABELS = {
    "naam": "Naam van de plek (verplicht)",
    "soort": "Soort plek, zoals dorpshuis, buurthuis, MFA of sportkantine; zonder deze kolom "
             "volgt de soort uit de naam",
    "telt": "Telt mee als ontmoetingsplek (ja of nee); zonder deze kolom telt elke plek mee",
    "adres": "Straat en huisnummer in één kolom",
    "straat": "Straat",
    "huisnummer": "Huisnummer",
    "toevoeging": "Huisletter of toevoeging",
    "postcode": "Postcode",
    "plaats": "Plaats",
    "gemeentecode": "CBS-gemeentecode (GM1680 of 1680)",
    "x": "X-coördinaat: RD (meters) of lengtegraad",
    "y": "Y-coördinaat: RD (meters) of breedtegraad",
    "lat": "Breedtegraad (WGS84)",
    "lon": "Lengtegraad (WGS84)",
}
"""Dutch description of every field of :data:`loaders.venues.FIELDS`."""


def columns_table() -> pd.DataFrame:
    """One row per recognised field of an own list.

    Per field: what it holds, the column names that are recognised and the words that make a
    longer column name count (``Naam accommodatie``).
    """
    return pd.DataFrame(
        {
            "Gegeven": [FIELD_LABELS.get(name, name) for name in FIELDS],
            "Herkende kolomnamen": [", ".join(headers) for headers in FIELDS.values()],
            "Ook kolomnamen met": [", ".join(FIELD_WORDS[name]) for name in FIELDS],
        }
    )


def columns_text(columns: dict[str, str], headers: tuple[str, ...]) -> list[str]:
    """The column mapping used, as lines of text.

    One line per field (``Kolom 'Naam accommodatie' gebruikt als naam``), then the columns left
    unused.
    """
    lines = [f"{line}." for line in describe_columns(columns)]
    unused = [header for header in headers if header and header not in columns.values()]
    if unused:
        lines.append("Niet gebruikt: " + ", ".join(f"'{header}'" for header in unused) + ".")
    return lines


def places(number: int) -> str:
    """``"1 plek"`` or ``"12 plekken"``."""
    return "1 plek" if number == 1 else f"{number} plekken"


def repeated_text(number: int) -> str:
    """The sentence about places of a stored list that were not stored again."""
    if number == 1:
        return "1 plek stond al in een andere lijst en is niet nog eens opgeslagen."
    return f"{number} plekken stonden al in een andere lijst en zijn niet nog eens opgeslagen."


def limits_text() -> str:
    """The file limits and safety rules in Dutch (Markdown without names from files)."""
    return (
        f"Een bestand mag hoogstens **{MAX_UPLOAD_MB} MB** groot zijn en hoogstens "
        f"**{format_count(MAX_ROWS)} rijen** hebben. Formules in een Excel-bestand worden als "
        "tekst gelezen en nooit uitgerekend, macro's worden niet geladen en links of "
        "webadressen in het bestand worden niet geopend."
    )


def status_counts(report: pd.DataFrame) -> dict[str, int]:
    """Number of report rows per status, for every status of :data:`loaders.venues.STATUSES`."""
    counts = report["status"].value_counts()
    return {status: int(counts.get(status, 0)) for status in STATUSES}


def report_table(report: pd.DataFrame) -> pd.DataFrame:
    """The per-row report with Dutch column headers, worst status first, then by row."""
    rank = report["status"].map({status: -i for i, status in enumerate(STATUSES)})
    ordered = report.assign(_rank=rank).sort_values(["_rank", "rij"], kind="stable")
    return ordered.rename(
        columns={"rij": "Rij", "naam": "Naam", "status": "Status", "toelichting": "Toelichting"}
    )[["Rij", "Naam", "Status", "Toelichting"]].reset_index(drop=True)


def venues_table(venues: gpd.GeoDataFrame) -> pd.DataFrame:
    """The rows that will be (or are) stored: name, kind, address and RD coordinates.

    A row waiting for geocoding has no coordinates.
    """
    located = venues.geometry.notna() & ~venues.geometry.is_empty
    x = pd.Series(pd.NA, index=venues.index, dtype="Int64")
    y = x.copy()
    x[located] = venues.geometry[located].x.round().astype("int64")
    y[located] = venues.geometry[located].y.round().astype("int64")
    return pd.DataFrame(
        {
            "Rij": venues["source_id"].map(_row_number),
            "Naam": venues["naam"],
            "Soort": venues["soort"],
            "Telt mee": venues["ontmoetingsplek"].map({True: "ja", False: "nee"}),
            "Adres": venues["adres"],
            "Plaats": venues["plaats"],
            "Gemeente": venues["gemeentecode"],
            "X (RD)": x,
            "Y (RD)": y,
        }
    ).reset_index(drop=True)


def waiting(number: int, singular: str, plural: str) -> str:
    """``"1 rij wacht"`` or ``"3 rijen wachten"``."""
    return f"1 {singular} wacht" if number == 1 else f"{number} {plural} wachten"


def list_counts(plekken: int, wachtend: int) -> str:
    """``"12 plekken, waarvan 2 wachten op geocodering"`` for one stored list."""
    text = places(plekken)
    if wachtend:
        text += f", waarvan {wachtend} {'wacht' if wachtend == 1 else 'wachten'} op geocodering"
    return text


def merges_table(merges: pd.DataFrame) -> pd.DataFrame:
    """The merges (:func:`loaders.venue_store.venue_merges`), indexed by ``pair_id``.

    Column :data:`MERGED` is true while the two places count as one.
    """
    return pd.DataFrame(
        {
            MERGED: ~merges["ongedaan"].astype(bool).to_numpy(),
            "Naam in eigen lijst": merges["naam_eigen"].to_numpy(),
            "Naam in andere bron": merges["naam_basis"].to_numpy(),
            "Andere bron": merges["bron_basis"].to_numpy(),
            "Afstand (m)": merges["afstand_m"].astype(float).to_numpy(),
            "Gelijkenis (%)": (100 * merges["naamgelijkenis"].astype(float)).round().to_numpy(),
            "Eigen lijst": merges["bron_eigen"].map(list_name).to_numpy(),
        },
        index=pd.Index(merges["pair_id"].to_numpy(), name="pair_id"),
    )


def merge_changes(shown: pd.DataFrame, edited: pd.DataFrame) -> dict[str, bool]:
    """Pair id → ``undone`` for every row whose :data:`MERGED` box the user changed."""
    changed = shown[MERGED].to_numpy() != edited[MERGED].to_numpy()
    return {str(pid): not bool(merged) for pid, merged in
            zip(edited.index[changed], edited[MERGED].to_numpy()[changed], strict=True)}


def preview_map(
    venues: gpd.GeoDataFrame, gemeenten: gpd.GeoDataFrame | None, *, filename: str
) -> go.Figure | None:
    """The located rows of an uploaded list on a map of the region; None when none is located."""
    located = venues[venues.geometry.notna() & ~venues.geometry.is_empty]
    if located.empty:
        return None
    area = gemeenten if gemeenten is not None and len(gemeenten) else located
    bounds = tuple(float(v) for v in area.total_bounds)
    traces: list[go.BaseTraceType] = []
    if gemeenten is not None and len(gemeenten):
        traces.append(border_trace(gemeenten, tolerance=simplify_tolerance(bounds)))
    traces += venue_traces(located, scale=marker_scale(bounds))
    return map_figure(
        traces, bounds=bounds, title="Voorbeeld: de plekken uit het bestand",
        subtitle=[f"{len(located)} plekken met een ligging · nog niet opgeslagen",
                  f"Bron: eigen lijst {filename}"], revision=f"eigen-lijst-{filename}",
    )


def _row_number(source_id: object) -> int | None:
    digits = "".join(ch for ch in str(source_id) if ch.isdigit())
    return int(digits) if digits else None
