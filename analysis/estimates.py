"""Estimated numbers of lonely adults per kern that add up within their gemeente.

RIVM gives a percentage of the adults (18+) or of the 65-plussers of an area. A number of lonely
residents is that percentage of the kern's adults, not of all its inhabitants: the adults are
the kern's inhabitants times the adult share of its buurten (where the buurt layer has age
shares) or else of its gemeente. The share of 18+ is derived from the CBS age groups as
``100 - (0-14) - 3/10 × (15-24)``: the 15-to-24 group spans ten birth years, three of which
(15, 16, 17) are minors, assuming as many people per year of age.

The gemeente's own estimate (its inhabitants × adult share × its own RIVM figure) is the
ceiling: when the kernen of a gemeente add up to more, all of them are scaled down by the same
factor and marked; every estimate is then rounded down to whole people, so the sum over a
gemeente's kernen never exceeds the gemeente's own estimate. A gemeente without its own figure
(formed after the figures' division) gets no estimates: there is nothing to check them against.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.errors import UnknownOptionError

MINORS_OF_15_25 = 0.3
"""Share of the CBS age group 15–24 that is under 18 (three of its ten birth years)."""

ESTIMATE_COLUMNS = ("eenzamen_schatting", "eenzamen_basis", "eenzamen_afgestemd")
"""Columns :func:`lonely_estimates` adds: the rounded-down number, a Dutch phrase naming the
age group and the level of the age share used, and whether it was scaled to the gemeente."""

LEVEL_NAMES = {"buurten": "van de buurten van de kern", "gemeente": "van de gemeente"}
GROUP_NAMES = {"18+": "volwassenen van 18 jaar en ouder", "65+": "65-plussers"}


def age_share(frame: pd.DataFrame, leeftijd: str) -> pd.Series:
    """Percentage of the inhabitants in the age group ``leeftijd`` (``"18+"`` or ``"65+"``).

    Parameters
    ----------
    frame
        Areas with ``pct_65plus``, or ``pct_0_15`` and ``pct_15_25`` (the buurt/gemeente
        layer schema).
    leeftijd
        ``"18+"`` or ``"65+"``.

    Returns
    -------
    pandas.Series
        Percentages, NaN where the area lacks the shares.

    Raises
    ------
    UnknownOptionError
        When ``leeftijd`` is neither ``"18+"`` nor ``"65+"``.
    """
    if leeftijd == "65+":
        return _numbers(frame, "pct_65plus")
    if leeftijd == "18+":
        return 100.0 - _numbers(frame, "pct_0_15") - MINORS_OF_15_25 * _numbers(frame, "pct_15_25")
    raise UnknownOptionError("age group", leeftijd, GROUP_NAMES)


def gemeente_estimates(
    gemeenten: pd.DataFrame, values: pd.Series, *, leeftijd: str
) -> pd.Series:
    """Each gemeente's own estimate of lonely people in the age group.

    That is its inhabitants × age share × its own figure, indexed by gemeente code (NaN
    without a figure or age shares).
    """
    table = gemeenten.drop_duplicates("code").set_index("code")
    people = _numbers(table, "inwoners") * age_share(table, leeftijd) / 100.0
    return people * table.index.to_series().map(values) / 100.0


def lonely_estimates(
    kernen: pd.DataFrame,
    gemeenten: pd.DataFrame,
    values: pd.Series,
    *,
    leeftijd: str,
    links: pd.DataFrame | None = None,
    buurten: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Add the estimated number of lonely people in the age group to each kern.

    Parameters
    ----------
    kernen
        Frame with ``kern_id``, ``gemeentecode``, ``inwoners`` and ``eenzaamheid_pct`` (the
        kern's figure, e.g. from :func:`analysis.kern_buurten.kern_figures`).
    gemeenten
        The gemeente layer (``code``, ``inwoners`` and the age shares).
    values
        The figure per region code, for the gemeenten's own figures.
    leeftijd
        The age group of the figure, ``"18+"`` or ``"65+"``.
    links, buurten
        :func:`analysis.kern_buurten.link_buurten` and the buurt layer: when every buurt of a
        kern has age shares, their weighted share is used instead of the gemeente's.

    Returns
    -------
    pandas.DataFrame
        ``kernen`` plus :data:`ESTIMATE_COLUMNS`.
    """
    result = kernen.copy()
    share, level = _kern_shares(kernen, gemeenten, leeftijd, links, buurten)
    people = pd.to_numeric(kernen["inwoners"], errors="coerce")
    raw = people * share / 100.0 * pd.to_numeric(kernen["eenzaamheid_pct"], errors="coerce") / 100
    ceiling = kernen["gemeentecode"].map(gemeente_estimates(gemeenten, values, leeftijd=leeftijd))
    raw = raw.where(ceiling.notna())
    total = raw.groupby(kernen["gemeentecode"]).transform("sum")
    factor = (ceiling / total).where(total > ceiling, 1.0)
    scaled = raw * factor
    result["eenzamen_schatting"] = np.floor(scaled + 1e-9).astype("Float64")
    result["eenzamen_afgestemd"] = (factor < 1.0) & raw.notna()
    result["eenzamen_basis"] = [
        _basis(leeftijd, lvl, has_ceiling=has_ceiling, estimated=estimated, adjusted=adjusted)
        for lvl, has_ceiling, estimated, adjusted in zip(
            level, ceiling.notna(), scaled.notna(), result["eenzamen_afgestemd"], strict=True
        )
    ]
    return result


def _kern_shares(
    kernen: pd.DataFrame,
    gemeenten: pd.DataFrame,
    leeftijd: str,
    links: pd.DataFrame | None,
    buurten: pd.DataFrame | None,
) -> tuple[pd.Series, pd.Series]:
    """Per kern the age share (percent) and its level, buurten where all are known."""
    by_gemeente = age_share(gemeenten.drop_duplicates("code").set_index("code"), leeftijd)
    share = kernen["gemeentecode"].map(by_gemeente)
    level = pd.Series("gemeente", index=kernen.index, dtype=object)
    if links is None or buurten is None or links.empty:
        return share, level
    buurt_share = age_share(buurten.drop_duplicates("code").set_index("code"), leeftijd)
    linked = links.assign(share=links["buurtcode"].map(buurt_share))
    complete = linked["share"].notna().groupby(linked["kern_id"]).transform("all")
    linked = linked[complete & (linked["gewicht"] > 0)]
    weighted = (linked["share"] * linked["gewicht"]).groupby(linked["kern_id"]).sum()
    mean = weighted / linked.groupby("kern_id")["gewicht"].sum()
    from_buurten = kernen["kern_id"].map(mean)
    level = level.where(from_buurten.isna(), "buurten")
    return from_buurten.fillna(share), level


def _basis(
    leeftijd: str, level: str, *, has_ceiling: bool, estimated: bool, adjusted: bool
) -> str:
    """Dutch phrase: which people were counted and how."""
    if not has_ceiling:
        return "geen schatting: de gemeente heeft geen eigen cijfer om tegen te toetsen"
    if not estimated:
        return "geen schatting: inwonertal of cijfer onbekend"
    text = (f"{GROUP_NAMES.get(leeftijd, leeftijd)}, geteld met het aandeel {leeftijd} "
            f"{LEVEL_NAMES.get(level, level)}")
    if adjusted:
        text += ("; verlaagd zodat de kernen samen niet boven de schatting voor de hele gemeente "
                 "komen")
    return text


def _numbers(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame:
        return pd.Series(np.nan, index=frame.index, dtype="float64")
    return pd.to_numeric(frame[column], errors="coerce").astype("float64")
