"""Loneliness figures per kern, taken from the buurt the kern lies in (RIVM model estimates)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from loaders.schema import LONELINESS_INDICATORS


def available_years(eenzaamheid: pd.DataFrame) -> list[int]:
    """Survey years present in the ``eenzaamheid`` layer, newest first."""
    return sorted({int(y) for y in eenzaamheid["jaar"].dropna().unique()}, reverse=True)


def loneliness_slice(
    eenzaamheid: pd.DataFrame, *, indicator: str, leeftijd: str, jaar: int
) -> pd.Series:
    """One indicator for one age group and year, indexed by region code (NaN = suppressed)."""
    if indicator not in LONELINESS_INDICATORS:
        raise ValueError(f"onbekende indicator {indicator!r}")
    rows = eenzaamheid[(eenzaamheid["leeftijd"] == leeftijd) & (eenzaamheid["jaar"] == jaar)]
    return rows.drop_duplicates("regiocode").set_index("regiocode")[indicator]


def kern_loneliness(
    reach: pd.DataFrame,
    eenzaamheid: pd.DataFrame,
    *,
    indicator: str = "eenzaam_pct",
    leeftijd: str = "18+",
    jaar: int = 2020,
) -> pd.DataFrame:
    """Add the buurt's loneliness figure and an estimate of lonely residents to each kern.

    Parameters
    ----------
    reach
        Frame with ``buurtcode``, ``gemeentecode`` and ``inwoners`` per kern
        (e.g. :func:`analysis.reach.kern_reach`).
    eenzaamheid
        The stored RIVM layer.
    indicator, leeftijd, jaar
        Which figure: a key of :data:`loaders.schema.LONELINESS_INDICATORS`, ``"18+"`` or
        ``"65+"``, and the survey year.

    Returns
    -------
    pandas.DataFrame
        ``reach`` plus ``eenzaamheid_pct`` (the buurt's figure, else the gemeente's, NaN when
        both are suppressed), ``eenzaamheid_niveau`` (``"buurt"``/``"gemeente"``) and
        ``eenzamen_schatting``: inwoners × percentage, rounded. Kern inwoners count all ages, so
        this overstates the number of lonely adults; it is only given for the 18+ group and must
        be shown as an estimate.
    """
    values = loneliness_slice(eenzaamheid, indicator=indicator, leeftijd=leeftijd, jaar=jaar)
    buurt = reach["buurtcode"].map(values)
    gemeente = reach["gemeentecode"].map(values)
    result = reach.copy()
    result["eenzaamheid_pct"] = buurt.where(buurt.notna(), gemeente)
    result["eenzaamheid_niveau"] = np.select(
        [buurt.notna().to_numpy(), gemeente.notna().to_numpy()], ["buurt", "gemeente"], None
    )
    inwoners = pd.to_numeric(reach["inwoners"], errors="coerce")
    estimate = (inwoners * result["eenzaamheid_pct"] / 100.0).round()
    result["eenzamen_schatting"] = estimate if leeftijd == "18+" else float("nan")
    return result
