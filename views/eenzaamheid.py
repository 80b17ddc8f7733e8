"""Tables for the loneliness page: buurt values, reference values, years side by side, filters.

Every figure is an RIVM small-area model estimate, not a count. A missing value means RIVM
published none for that buurt (``onderdrukt``, e.g. too few inhabitants): it stays missing and
is never turned into 0.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import pandas as pd
from pandas.io.formats.style import Styler

from loaders.schema import LONELINESS_INDICATORS
from views.text import SUPPRESSED, dutch_list

NATIONAL_CODE = "NL01"
NATIONAL_NAME = "Nederland"
AGE_LABELS = {"18+": "18 jaar en ouder", "65+": "65 jaar en ouder", "18-64": "18 tot 65 jaar"}
BOUNDS = {"_ondergrens": "ondergrens 95%-interval", "_bovengrens": "bovengrens 95%-interval"}
BUURT_KEYS = ("code", "naam", "gemeentecode", "gemeentenaam", "jaar", "leeftijd", "indeling")
"""Leading columns of :func:`buurt_values`; the indicators and their bounds follow."""
MAX_REFERENCE_GEMEENTEN = 6
"""Up to this many chosen gemeenten get a figure of their own beside Nederland's; a larger
selection is compared on the page 'Gemeenten vergelijken' instead."""
MAX_TABLE_ROWS = 1000
"""Buurten listed on the page; a download holds them all."""
MAX_TREND_BUURTEN = 25
"""Up to this many buurten are drawn one line each through the years; of more, the highest."""


@dataclass(frozen=True)
class ReferenceValue:
    """The value of a gemeente or of the Netherlands, with the previous year for comparison."""

    code: str
    naam: str
    jaar: int
    leeftijd: str
    value: float
    previous_jaar: int | None = None
    previous_value: float = math.nan


def rivm_source(years: Iterable[int]) -> str:
    """The source line for RIVM figures of ``years``.

    Examples
    --------
    >>> rivm_source([2016, 2020])
    "Bron: RIVM, GGD'en, CBS – Gezondheidsmonitor 2016 en 2020 (modelschatting)"
    """
    monitor = f"Gezondheidsmonitor {dutch_list(sorted(set(years)))}".strip()
    return f"Bron: RIVM, GGD'en, CBS – {monitor} (modelschatting)"


def gemeentecode(buurtcodes: pd.Series) -> pd.Series:
    """The gemeente code inside CBS buurt or wijk codes (``BU16800000`` → ``GM1680``)."""
    return "GM" + buurtcodes.str[2:6]


def buurt_values(
    eenzaamheid: pd.DataFrame,
    buurten: pd.DataFrame | None = None,
    *,
    jaar: int,
    leeftijd: str,
    gemeenten: Sequence[str] = (),
) -> pd.DataFrame:
    """One row per buurt for one year and age group, with its name where ``buurten`` has it.

    Parameters
    ----------
    eenzaamheid
        The ``eenzaamheid`` layer.
    buurten
        The ``buurten`` layer, used only for names (joined on the code; the two layers may
        use different area divisions, so a code without a name keeps an empty name).
    jaar, leeftijd
        Year and age group (``"18+"``, ``"65+"``).
    gemeenten
        Keep only buurten of these gemeente codes; all when empty.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`BUURT_KEYS`, then the indicators and their bounds; sorted by code.
    """
    rows = eenzaamheid[
        (eenzaamheid["soort_regio"] == "Buurt")
        & (eenzaamheid["jaar"] == jaar)
        & (eenzaamheid["leeftijd"] == leeftijd)
    ].rename(columns={"regiocode": "code"})
    if "gemeentecode" not in rows.columns:
        rows = rows.assign(gemeentecode=gemeentecode(rows["code"]))
    if gemeenten:
        rows = rows[rows["gemeentecode"].isin(gemeenten)]
    rows = rows.assign(naam=_names(rows["code"], buurten))
    measures = [c for c in eenzaamheid.columns if c.startswith(tuple(LONELINESS_INDICATORS))]
    return rows[[*BUURT_KEYS, *measures]].sort_values("code").reset_index(drop=True)


def filter_ranges(
    values: pd.DataFrame, ranges: Mapping[str, tuple[float, float]]
) -> pd.DataFrame:
    """Rows whose value lies within every given ``(low, high)`` range, bounds included.

    A buurt without a value for a filtered indicator is left out: its value is unknown.
    """
    keep = pd.Series(data=True, index=values.index)
    for column, (low, high) in ranges.items():
        keep &= values[column].between(low, high)
    return values[keep]


def value_bounds(values: pd.Series) -> tuple[float, float]:
    """Whole-number slider bounds around the non-missing ``values``; ``(0, 100)`` when none."""
    present = values.dropna()
    if present.empty:
        return 0.0, 100.0
    low, high = float(math.floor(present.min())), float(math.ceil(present.max()))
    return (low, high + 1.0) if low == high else (low, high)


def reference_values(
    eenzaamheid: pd.DataFrame,
    *,
    codes: Sequence[str],
    jaar: int,
    leeftijd: str,
    indicator: str,
) -> list[ReferenceValue]:
    """The value of each gemeente in ``codes`` (and ``NL01``) for one year and age group.

    The previous stored year with a value comes along, for a change in percentage points.
    Codes without a row for ``jaar`` are left out.
    """
    rows = eenzaamheid[
        eenzaamheid["regiocode"].isin(codes) & (eenzaamheid["leeftijd"] == leeftijd)
    ]
    result = []
    for code in codes:
        own = rows[rows["regiocode"] == code].set_index("jaar")[indicator].sort_index()
        if jaar not in own.index:
            continue
        earlier = own[(own.index < jaar)].dropna()
        name = rows.loc[rows["regiocode"] == code, "gemeentenaam"].iloc[0]
        result.append(
            ReferenceValue(
                code=code,
                naam=NATIONAL_NAME if code == NATIONAL_CODE else str(name),
                jaar=jaar,
                leeftijd=leeftijd,
                value=float(own[jaar]),
                previous_jaar=int(earlier.index[-1]) if len(earlier) else None,
                previous_value=float(earlier.iloc[-1]) if len(earlier) else math.nan,
            )
        )
    return result


def reference_codes(eenzaamheid: pd.DataFrame, gemeenten: Sequence[str]) -> list[str]:
    """The RIVM gemeente codes to compare a selection with, and ``NL01`` last.

    A gemeente formed after the division of the figures has no row of its own: the gemeenten
    it was formed from stand in for it (their rows carry its code in ``gemeentecode``). A
    selection of more than :data:`MAX_REFERENCE_GEMEENTEN` gemeenten gets Nederland only.
    """
    if len(gemeenten) > MAX_REFERENCE_GEMEENTEN:
        return [NATIONAL_CODE]
    rows = eenzaamheid[eenzaamheid["soort_regio"] == "Gemeente"]
    if "gemeentecode" in rows.columns:
        codes = rows.loc[rows["gemeentecode"].isin(gemeenten), "regiocode"].unique()
    else:
        codes = [c for c in gemeenten if c in set(rows["regiocode"])]
    return [*sorted(codes), NATIONAL_CODE]


def label_old_gemeenten(
    references: Sequence[ReferenceValue], current: Sequence[str], indeling: str
) -> list[ReferenceValue]:
    """Name gemeenten that no longer exist as such: ``"Appingedam (indeling 2020)"``."""
    return [
        r if r.code == NATIONAL_CODE or r.code in current
        else replace(r, naam=f"{r.naam} (indeling {indeling})")
        for r in references
    ]


def trend_buurten(values: pd.DataFrame, indicator: str) -> pd.DataFrame:
    """The buurten drawn in the years chart: all, or the highest :data:`MAX_TREND_BUURTEN`."""
    if len(values) <= MAX_TREND_BUURTEN:
        return values
    return values.dropna(subset=[indicator]).nlargest(MAX_TREND_BUURTEN, indicator)


def has_figures(values: pd.DataFrame, references: Sequence[ReferenceValue], indicator: str) -> bool:
    """Whether any buurt or reference region has a value for ``indicator``."""
    return bool(values[indicator].notna().any() or any(pd.notna(r.value) for r in references))


def year_table(
    eenzaamheid: pd.DataFrame,
    *,
    codes: Sequence[str],
    leeftijd: str,
    indicator: str,
) -> pd.DataFrame:
    """One row per region code, one column per year with a value (years without any are dropped).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``regiocode``, integer year columns in ascending order; a missing value
        stays missing.
    """
    rows = eenzaamheid[
        eenzaamheid["regiocode"].isin(codes) & (eenzaamheid["leeftijd"] == leeftijd)
    ]
    wide = rows.pivot_table(index="regiocode", columns="jaar", values=indicator, dropna=False)
    wide = wide.reindex([c for c in codes if c in wide.index]).dropna(axis=1, how="all")
    wide.columns = [int(c) for c in wide.columns]
    return wide.rename_axis(index="regiocode", columns=None)


def indicator_columns(indicator: str) -> list[str]:
    """The four indicators, the chosen one first."""
    return [indicator, *(c for c in LONELINESS_INDICATORS if c != indicator)]


def value_header(indicator: str, *, jaar: int, leeftijd: str) -> str:
    """The header of a loneliness column with its age group and year, as on the Kernen page.

    Examples
    --------
    >>> value_header("eenzaam_pct", jaar=2020, leeftijd="18+")
    'Eenzaam 18+ 2020 (%)'
    """
    return f"{LONELINESS_INDICATORS[indicator]} {leeftijd} {jaar} (%)"


def display_table(
    values: pd.DataFrame, indicator: str, *, jaar: int, leeftijd: str
) -> pd.DataFrame:
    """The buurt values with Dutch headers, highest value of ``indicator`` first, missing last.

    The headers of the loneliness columns name ``jaar`` and ``leeftijd`` (:func:`value_header`).
    """
    ordered = values.sort_values(indicator, ascending=False, na_position="last")
    headers = {"code": "Buurtcode", "naam": "Buurt", "gemeentenaam": "Gemeente"}
    headers |= {
        c: value_header(c, jaar=jaar, leeftijd=leeftijd) for c in indicator_columns(indicator)
    }
    return ordered[list(headers)].rename(columns=headers).reset_index(drop=True)


def styled_table(display: pd.DataFrame) -> Styler:
    """A :func:`display_table` with decimal commas and ``onderdrukt`` for missing values."""
    percentages = [c for c in display.columns if c.endswith("(%)")]
    return display.style.format(precision=1, decimal=",", na_rep=SUPPRESSED, subset=percentages)


def export_table(values: pd.DataFrame, indicator: str) -> pd.DataFrame:
    """The buurt values for download: Dutch headers, 95% bounds where present, the source.

    Missing values stay empty cells; they are never written as 0.
    """
    headers = {
        "code": "Buurtcode",
        "naam": "Buurt",
        "gemeentecode": "Gemeentecode",
        "gemeentenaam": "Gemeente",
        "jaar": "Jaar",
        "leeftijd": "Leeftijdsgroep",
        "indeling": "Buurtindeling",
    }
    for column in indicator_columns(indicator):
        headers[column] = f"{LONELINESS_INDICATORS[column]} (%)"
        for suffix, label in BOUNDS.items():
            bound = column + suffix
            if bound in values and values[bound].notna().any():
                headers[bound] = f"{LONELINESS_INDICATORS[column]}, {label} (%)"
    table = values[list(headers)].rename(columns=headers)
    return table.assign(Bron=[rivm_source([y]) for y in values["jaar"]])


def _names(codes: pd.Series, buurten: pd.DataFrame | None) -> pd.Series:
    if buurten is None or buurten.empty:
        return pd.Series("", index=codes.index, dtype="str")
    lookup = buurten.drop_duplicates("code").set_index("code")["naam"]
    return codes.map(lookup).fillna("")
