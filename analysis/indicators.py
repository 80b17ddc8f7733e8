"""Loneliness figures per kern from the buurten its people live in (RIVM model estimates)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from analysis.errors import UnknownOptionError
from analysis.estimates import lonely_estimates
from analysis.kern_buurten import LINK_COLUMNS, kern_figures, link_buurten
from loaders.schema import LONELINESS_INDICATORS


def available_years(eenzaamheid: pd.DataFrame) -> list[int]:
    """Survey years present in the ``eenzaamheid`` layer, newest first."""
    return sorted({int(y) for y in eenzaamheid["jaar"].dropna().unique()}, reverse=True)


def loneliness_slice(
    eenzaamheid: pd.DataFrame, *, indicator: str, leeftijd: str, jaar: int
) -> pd.Series:
    """One indicator for one age group and year, indexed by region code (NaN = suppressed).

    Raises
    ------
    UnknownOptionError
        When ``indicator`` is not one of :data:`loaders.schema.LONELINESS_INDICATORS`.
    """
    if indicator not in LONELINESS_INDICATORS:
        raise UnknownOptionError("indicator", indicator, LONELINESS_INDICATORS)
    rows = eenzaamheid[(eenzaamheid["leeftijd"] == leeftijd) & (eenzaamheid["jaar"] == jaar)]
    return rows.drop_duplicates("regiocode").set_index("regiocode")[indicator]


def kern_links(
    kernen: gpd.GeoDataFrame, buurten: gpd.GeoDataFrame | None, eenzaamheid: pd.DataFrame
) -> pd.DataFrame:
    """The buurten of each kern (:func:`analysis.kern_buurten.link_buurten`).

    The figures in ``eenzaamheid`` decide, by their buurt codes and newest division, which
    shapes are trusted. No buurt layer gives no links (every kern then takes its gemeente's
    figure).
    """
    if buurten is None or buurten.empty or eenzaamheid.empty:
        return pd.DataFrame(columns=list(LINK_COLUMNS))
    rows = eenzaamheid[eenzaamheid["soort_regio"] == "Buurt"]
    indeling = str(eenzaamheid["indeling"].astype(str).max())
    return link_buurten(kernen, buurten, rows["regiocode"].unique(), figure_indeling=indeling)


def kern_loneliness(
    reach: pd.DataFrame,
    eenzaamheid: pd.DataFrame,
    *,
    links: pd.DataFrame,
    gemeenten: pd.DataFrame | None = None,
    buurten: pd.DataFrame | None = None,
    indicator: str = "eenzaam_pct",
    leeftijd: str = "18+",
    jaar: int = 2020,
) -> pd.DataFrame:
    """Add each kern's loneliness figure, from its own buurten, and an estimate of lonely people.

    Parameters
    ----------
    reach
        Frame with ``kern_id``, ``gemeentecode`` and ``inwoners`` per kern
        (e.g. :func:`analysis.reach.kern_reach`).
    eenzaamheid
        The stored RIVM layer.
    links
        The kernen's buurten, :func:`kern_links`.
    gemeenten
        The gemeente layer, for the estimates' age shares and ceiling; ``None`` gives no
        estimates.
    buurten
        The buurt layer, for age shares per buurt where it has them.
    indicator, leeftijd, jaar
        Which figure: a key of :data:`loaders.schema.LONELINESS_INDICATORS`, ``"18+"`` or
        ``"65+"``, and the survey year.

    Returns
    -------
    pandas.DataFrame
        ``reach`` plus :data:`analysis.kern_buurten.FIGURE_COLUMNS` (the weighted mean of the
        kern's buurten with its range, or the gemeente's figure, and where it came from) and
        :data:`analysis.estimates.ESTIMATE_COLUMNS` (lonely people of the age group, never
        more over a gemeente's kernen than the gemeente's own estimate).
    """
    values = loneliness_slice(eenzaamheid, indicator=indicator, leeftijd=leeftijd, jaar=jaar)
    gemeente_rows = eenzaamheid[eenzaamheid["soort_regio"] == "Gemeente"]
    names = gemeente_rows.drop_duplicates("regiocode").set_index("regiocode")["gemeentenaam"]
    result = kern_figures(reach, links, values, names)
    if gemeenten is None:
        result["eenzamen_schatting"] = pd.Series(pd.NA, index=result.index, dtype="Float64")
        result["eenzamen_basis"] = "geen schatting: geen gemeentegegevens"
        result["eenzamen_afgestemd"] = False
        return result
    return lonely_estimates(result, gemeenten, values, leeftijd=leeftijd, links=links,
                            buurten=buurten)
