"""The view a user chose (region, gemeenten, year, age group, indicator, travel mode, distance
threshold) and its URL form.

No Streamlit here. :func:`pick_region` and :func:`parse_query` turn URL query parameters into a
valid choice, falling back to the default for every invalid value and collecting one Dutch
warning per value; :func:`to_query` turns a choice back into query parameters, so a copied link
reproduces the view. Every key is always written, so a link keeps meaning the same view when
newer data (a later year) changes the defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TypeVar

import pandas as pd

from loaders.roads import MODE_WORDS
from loaders.schema import AGE_GROUPS, LONELINESS_INDICATORS

QUERY_KEYS = ("regio", "gemeente", "jaar", "leeftijd", "indicator", "modus", "drempel")
"""Query parameters the dashboard owns; they double as the widget keys in the sidebar."""

T = TypeVar("T")

DEFAULT_INDICATOR = "eenzaam_pct"
DEFAULT_AGE = "18+"
MODES = {word: mode for mode, word in MODE_WORDS.items()}
"""URL value and Dutch label → travel mode of :mod:`analysis.network`."""
DEFAULT_MODE = "bike"
THRESHOLDS_M = (500, 1000, 2000, 3000, 5000, 10000)
"""Distance thresholds a user can choose, in metres."""
DEFAULT_THRESHOLD_M = 2000
INDICATOR_SLUGS = {column.removesuffix("_pct"): column for column in LONELINESS_INDICATORS}
"""URL value → indicator column (``ernstig_eenzaam`` → ``ernstig_eenzaam_pct``)."""


@dataclass(frozen=True)
class RegionOptions:
    """What can be chosen within one stored region.

    Attributes
    ----------
    region, name
        Region id and display name.
    gemeenten
        CBS gemeente codes of the region.
    years, ages
        Years and age groups in its ``eenzaamheid`` layer; empty when it has none.
    gemeente_namen
        Gemeente code → name, where the ``eenzaamheid`` layer names it.
    """

    region: str
    name: str
    gemeenten: tuple[str, ...]
    years: tuple[int, ...] = ()
    ages: tuple[str, ...] = ()
    gemeente_namen: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Selection:
    """One complete, valid choice; ``jaar`` and ``leeftijd`` are None without loneliness data."""

    region: str
    gemeenten: tuple[str, ...]
    jaar: int | None
    leeftijd: str | None
    indicator: str = DEFAULT_INDICATOR
    modus: str = DEFAULT_MODE
    drempel_m: int = DEFAULT_THRESHOLD_M


def region_options(manifest: Mapping, eenzaamheid: pd.DataFrame | None = None) -> RegionOptions:
    """The choices a region offers, from its manifest and (if stored) its ``eenzaamheid`` layer."""
    options = RegionOptions(
        region=manifest["region"],
        name=manifest.get("name", manifest["region"]),
        gemeenten=tuple(manifest.get("gemeenten", [])),
    )
    if eenzaamheid is None or eenzaamheid.empty:
        return options
    present = set(eenzaamheid["leeftijd"].dropna())
    ages = tuple(a for a in AGE_GROUPS.values() if a in present)
    gemeenten = eenzaamheid[eenzaamheid["soort_regio"] == "Gemeente"]
    return replace(
        options,
        years=tuple(sorted(int(y) for y in eenzaamheid["jaar"].dropna().unique())),
        ages=ages + tuple(sorted(present - set(ages))),
        gemeente_namen=dict(zip(gemeenten["regiocode"], gemeenten["gemeentenaam"], strict=True)),
    )


def default_selection(options: RegionOptions) -> Selection:
    """All gemeenten, the latest year, 18+ (or the first age group) and 'eenzaam'."""
    age = DEFAULT_AGE if DEFAULT_AGE in options.ages else next(iter(options.ages), None)
    return Selection(
        region=options.region,
        gemeenten=options.gemeenten,
        jaar=options.years[-1] if options.years else None,
        leeftijd=age,
    )


def pick_region(params: Mapping[str, str], regions: Mapping[str, str]) -> tuple[str, list[str]]:
    """The region named by ``regio`` in ``params``, else the first stored one, plus warnings.

    Parameters
    ----------
    params
        Query parameters (last value per key).
    regions
        Id → display name of the readable stored regions; must not be empty.
    """
    first = next(iter(regions))
    wanted = params.get("regio", "").strip()
    if not wanted or wanted in regions:
        return (wanted or first), []
    warning = f"Regio ‘{wanted}’ uit de link is niet opgeslagen; we tonen {regions[first]}."
    return first, [warning]


def parse_query(params: Mapping[str, str], options: RegionOptions) -> tuple[Selection, list[str]]:
    """Read gemeente, year, age group and indicator from ``params``, valid for ``options``.

    Missing values take the default silently; invalid values take the default with a Dutch
    warning, never an exception.

    Returns
    -------
    tuple of Selection and list of str
        The choice and the warnings to show.
    """
    default = default_selection(options)
    warnings: list[str] = []
    gemeenten = _parse_gemeenten(params.get("gemeente", ""), options, warnings)
    jaar = _parse_choice(
        params.get("jaar", ""), {str(y): y for y in options.years}, default.jaar, "Jaar", warnings
    )
    leeftijd = _parse_choice(
        params.get("leeftijd", ""), {a: a for a in options.ages}, default.leeftijd,
        "Leeftijdsgroep", warnings,
    )
    indicator = _parse_choice(
        params.get("indicator", ""), INDICATOR_SLUGS, default.indicator, "Indicator", warnings
    )
    modus = _parse_choice(
        params.get("modus", ""), MODES, DEFAULT_MODE, "Vervoerswijze", warnings,
        label=mode_label(DEFAULT_MODE),
    )
    drempel = _parse_choice(
        params.get("drempel", ""), {str(t): t for t in THRESHOLDS_M}, DEFAULT_THRESHOLD_M,
        "Afstandsgrens", warnings, label=f"{DEFAULT_THRESHOLD_M // 1000} km",
    )
    selection = Selection(options.region, gemeenten, jaar, leeftijd, indicator, modus, drempel)
    return selection, warnings


def to_query(selection: Selection) -> dict[str, str]:
    """The query parameters that reproduce ``selection`` (only keys that have a value)."""
    query = {
        "regio": selection.region,
        "gemeente": ",".join(selection.gemeenten),
        "jaar": "" if selection.jaar is None else str(selection.jaar),
        "leeftijd": selection.leeftijd or "",
        "indicator": selection.indicator.removesuffix("_pct"),
        "modus": mode_label(selection.modus),
        "drempel": str(selection.drempel_m),
    }
    return {key: value for key, value in query.items() if value}


def mode_label(mode: str) -> str:
    """The Dutch word for a travel mode (``"bike"`` → ``"fietsen"``)."""
    return next(label for label, value in MODES.items() if value == mode)


def _parse_gemeenten(raw: str, options: RegionOptions, warnings: list[str]) -> tuple[str, ...]:
    codes = [c.strip().upper() for c in raw.split(",") if c.strip()]
    if not codes:
        return options.gemeenten
    unknown = [c for c in codes if c not in options.gemeenten]
    known = tuple(g for g in options.gemeenten if g in codes)
    if unknown:
        verb = "hoort" if len(unknown) == 1 else "horen"
        fallback = "" if known else "; we tonen alle gemeenten van de regio"
        warnings.append(f"{', '.join(unknown)} {verb} niet bij regio {options.name}{fallback}.")
    return known or options.gemeenten


def _parse_choice(
    raw: str,
    choices: Mapping[str, T],
    default: T,
    what: str,
    warnings: list[str],
    *,
    label: str | None = None,
) -> T:
    value = raw.strip()
    if not value:
        return default
    if value in choices:
        return choices[value]
    shown = label or (
        "geen" if default is None else LONELINESS_INDICATORS.get(str(default), str(default))
    )
    note = f"{what} ‘{value}’ uit de link is niet beschikbaar"
    warnings.append(f"{note}; we tonen {shown.lower()}.")
    return default
