"""The first page's answer for an area: which kernen have no meeting place within reach.

Pure pandas, no Streamlit. Starts from the reach table of the chosen area
(:class:`ui.reach.ReachView`), and the stored ``venues`` and ``eenzaamheid`` layers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from analysis.nearest import METHOD_STRAIGHT_LINE
from views.eenzaamheid import NATIONAL_CODE
from views.text import format_count, format_km_beside, plain_markdown

TOP_KERNEN = 15
"""How many kernen without a place the first page lists (largest first)."""


@dataclass(frozen=True)
class Answer:
    """The headline figures of an area for one distance threshold."""

    kernen: int
    kernen_zonder: int
    inwoners_zonder: float
    inwoners_onbekend: int
    estimate: bool


def answer(reach: pd.DataFrame, threshold_m: float) -> Answer:
    """Kernen (and their known inhabitants) without a meeting place within ``threshold_m``."""
    outside = ~reach["afstand_m"].le(threshold_m)
    inwoners = pd.to_numeric(reach.loc[outside, "inwoners"], errors="coerce")
    return Answer(
        kernen=len(reach),
        kernen_zonder=int(outside.sum()),
        inwoners_zonder=float(inwoners.sum(min_count=1)) if len(inwoners) else 0.0,
        inwoners_onbekend=int(inwoners.isna().sum()),
        estimate=bool(reach["methode"].eq(METHOD_STRAIGHT_LINE).all()) if len(reach) else True,
    )


def kernen_without(
    table: pd.DataFrame, threshold_m: float, *, limit: int = TOP_KERNEN
) -> pd.DataFrame:
    """The kernen without a place within ``threshold_m``, most inhabitants first, Dutch headers.

    ``table`` is :func:`views.kernen.kern_table` (with ``gemeentenaam``). The distance comes
    right after the kern's name, so a phone shows it without scrolling sideways.
    """
    outside = table[~table["afstand_m"].le(threshold_m)].assign(
        _inwoners=lambda f: pd.to_numeric(f["inwoners"], errors="coerce")
    )
    ordered = outside.sort_values(["_inwoners", "afstand_m"], ascending=[False, False],
                                  na_position="last").head(limit)
    return pd.DataFrame(
        {
            "Kern": ordered["naam"],
            "Afstand": [format_km_beside(m, threshold_m) for m in ordered["afstand_m"]],
            "Inwoners": ordered["_inwoners"].astype("Int64"),
            "Gemeente": ordered["gemeentenaam"],
            "Dichtstbijzijnde ontmoetingsplek": ordered["venue_naam"],
        }
    ).reset_index(drop=True)


def area_loneliness(
    eenzaamheid: pd.DataFrame,
    gemeenten: Sequence[str],
    *,
    jaar: int,
    leeftijd: str,
    indicator: str,
) -> tuple[float | None, float | None]:
    """The RIVM figure of a single chosen gemeente (None for larger areas) and of Nederland."""
    rows = eenzaamheid[(eenzaamheid["jaar"] == jaar) & (eenzaamheid["leeftijd"] == leeftijd)]
    values = rows.drop_duplicates("regiocode").set_index("regiocode")[indicator]
    national = values.get(NATIONAL_CODE)
    own = values.get(gemeenten[0]) if len(gemeenten) == 1 else None
    return (None if own is None or pd.isna(own) else float(own),
            None if national is None or pd.isna(national) else float(national))


def venue_completeness(venues: pd.DataFrame, gemeenten: Sequence[str]) -> str:
    """One Dutch Markdown line on where the meeting places of the area come from.

    An own list is named by its file name, shown as plain text.
    """
    own = venues[venues["gemeentecode"].isin(gemeenten)] if "gemeentecode" in venues else venues
    counts = own["ontmoetingsplek"].fillna(value=False).astype(bool)
    sources = own.loc[counts, "source"].fillna("onbekend").value_counts()
    listed = ", ".join(f"{format_count(n)} uit {plain_markdown(source)}"
                       for source, n in sources.items())
    return (f"{format_count(int(counts.sum()))} plekken tellen als ontmoetingsplek "
            f"({listed or 'geen'}). Stemlokalen en OpenStreetMap missen veel dorpshuizen en "
            "buurthuizen: vul ze aan op de pagina Eigen lijst, of zeg bij een kern op de Kaart "
            "welke plek telt.")
