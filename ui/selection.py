"""The view a user chose and its URL form.

The view is the area, gemeenten, year, age group, indicator, travel mode and distance
threshold. No Streamlit here.

:func:`parse_query` turns URL query parameters into a valid choice, falling back to the default
for every invalid value and collecting one Dutch warning per value; :func:`to_query` turns a
choice back into query parameters, so a copied link reproduces the view. Every key is always
written, so a link keeps meaning the same view when newer data (a later year) changes the
defaults. A warning repeats a value from the link at most :data:`views.text.ECHO_LIMIT`
characters long; it is plain text, which the caller escapes (:func:`views.text.plain_markdown`)
before Streamlit shows it.

The area (``gebied``) is Nederland, a province or one or more gemeenten of the national store
(:mod:`loaders.gebied`); the optional ``gemeente`` list narrows it. Links of the time when the
store held separate regions (``?regio=aa-en-hunze``) still work where the old region's name is
now a gemeente or province, and fall back to Nederland with a Dutch message otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TypeVar

import pandas as pd

from loaders.errors import UnknownRegionError
from loaders.gebied import NL_KEY, Gebied, gebied_options, resolve_gebied, slug
from loaders.manifest import Manifest
from loaders.roads import MODE_CHOICES, MODE_WORDS
from loaders.schema import AGE_GROUPS, LONELINESS_INDICATORS
from views.text import ECHO_LIMIT, shorten

QUERY_KEYS = ("gebied", "gemeente", "jaar", "leeftijd", "indicator", "modus", "drempel")
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
        Gemeente code → name (the newest division's name where the ``gemeenten`` layer
        has one, else the name in the ``eenzaamheid`` layer).
    gebieden
        The areas on offer: Nederland, the provinces, every gemeente.
    """

    region: str
    name: str
    gemeenten: tuple[str, ...]
    years: tuple[int, ...] = ()
    ages: tuple[str, ...] = ()
    gemeente_namen: dict[str, str] = field(default_factory=dict)
    gebieden: tuple[Gebied, ...] = ()

    def gebied(self, key: str) -> Gebied | None:
        """The area with URL key ``key``, or None."""
        return next((g for g in self.gebieden if g.key == key), None)


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
    gebied: str = NL_KEY

    @property
    def file_stem(self) -> str:
        """The area in a form fit for file names (``"gm1680"``, ``"provincie-drenthe"``)."""
        return slug(self.gebied) or "selectie"


def region_options(
    manifest: Manifest,
    eenzaamheid: pd.DataFrame | None = None,
    gemeenten: pd.DataFrame | None = None,
) -> RegionOptions:
    """The choices the store offers, from its manifest and its layers.

    Parameters
    ----------
    manifest
        The store's manifest (its region, name and gemeenten are used).
    eenzaamheid
        The ``eenzaamheid`` layer: years, age groups and (older) gemeente names.
    gemeenten
        The ``gemeenten`` layer: the newest names and provinces, and so the areas on offer.
    """
    codes = manifest.gemeenten
    table = (
        gemeenten if gemeenten is not None and len(gemeenten)
        else pd.DataFrame({"code": list(codes), "naam": list(codes)})
    )
    options = RegionOptions(
        region=manifest.region,
        name=manifest.name,
        gemeenten=codes,
        gebieden=tuple(gebied_options(table)) if len(table) else (),
    )
    names: dict[str, str] = {}
    if eenzaamheid is not None and not eenzaamheid.empty:
        present = set(eenzaamheid["leeftijd"].dropna())
        ages = tuple(a for a in AGE_GROUPS.values() if a in present)
        rows = eenzaamheid[eenzaamheid["soort_regio"] == "Gemeente"]
        names = dict(zip(rows["regiocode"], rows["gemeentenaam"], strict=True))
        options = replace(
            options,
            years=tuple(sorted(int(y) for y in eenzaamheid["jaar"].dropna().unique())),
            ages=ages + tuple(sorted(present - set(ages))),
        )
    if gemeenten is not None and len(gemeenten):
        names |= dict(zip(gemeenten["code"], gemeenten["naam"], strict=True))
    return replace(options, gemeente_namen=names)


def default_selection(options: RegionOptions) -> Selection:
    """Nederland (all gemeenten), the latest year, 18+ (or the first age group), 'eenzaam'."""
    age = DEFAULT_AGE if DEFAULT_AGE in options.ages else next(iter(options.ages), None)
    return Selection(
        region=options.region,
        gemeenten=options.gemeenten,
        jaar=options.years[-1] if options.years else None,
        leeftijd=age,
    )


def pick_gebied(params: Mapping[str, str], options: RegionOptions) -> tuple[Gebied, list[str]]:
    """The area named by ``gebied`` (or an old ``regio``) in ``params``, plus warnings.

    Without one, or when it is unknown, the answer is Nederland (with a Dutch warning that
    names the closest matches for an unknown value).
    """
    country = options.gebied(NL_KEY) or Gebied(NL_KEY, "Nederland", "land", options.gemeenten)
    wanted = params.get("gebied", "").strip()
    legacy = params.get("regio", "").strip()
    if not wanted and not legacy:
        return country, []
    found = options.gebied(wanted) if wanted else None
    if found is not None:
        return found, []
    table = pd.DataFrame(
        [(g.codes[0], g.label) for g in options.gebieden if g.kind == "gemeente"],
        columns=["code", "naam"],
    )
    provinces = [g for g in options.gebieden if g.kind == "provincie"]
    text = wanted or legacy.replace("-", " ")
    if not wanted and slug(legacy) in {slug(g.label.removeprefix("Provincie ")) for g in provinces}:
        text = "provincie " + text
    if not wanted:
        match = [g for g in options.gebieden if g.kind == "gemeente" and slug(g.label) == legacy]
        if len(match) == 1:
            return match[0], []
    try:
        found = resolve_gebied(text, table.assign(provincie=_province_of(table, provinces)))
    except UnknownRegionError as exc:
        what = "Gebied" if wanted else "Regio"
        raw = " ".join(text.split())
        detail = exc.message.replace(raw, shorten(raw)) if raw else exc.message
        message = (f"{what} ‘{shorten(wanted or legacy)}’ uit de link bestaat niet: "
                   f"{shorten(detail, 4 * ECHO_LIMIT)} We tonen Nederland.")
        return country, [message]
    return options.gebied(found.key) or found, []


def _province_of(table: pd.DataFrame, provinces: list[Gebied]) -> pd.Series:
    lookup = {code: p.label.removeprefix("Provincie ") for p in provinces for code in p.codes}
    return table["code"].map(lookup)


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
    gebied, warnings = pick_gebied(params, options)
    gemeenten = _parse_gemeenten(params.get("gemeente", ""), gebied, options, warnings)
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
    modus = _parse_choice(  # the words of the command line too: "fiets", "Auto", "walk"
        params.get("modus", "").lower(), MODE_CHOICES, DEFAULT_MODE, "Vervoerswijze", warnings,
        label=mode_label(DEFAULT_MODE),
    )
    drempel = _parse_choice(
        params.get("drempel", ""), {str(t): t for t in THRESHOLDS_M}, DEFAULT_THRESHOLD_M,
        "Afstandsgrens", warnings, label=f"{DEFAULT_THRESHOLD_M // 1000} km",
    )
    selection = Selection(options.region, gemeenten, jaar, leeftijd, indicator, modus, drempel,
                          gebied.key)
    return selection, warnings


def to_query(selection: Selection, gebied_codes: tuple[str, ...] = ()) -> dict[str, str]:
    """The query parameters that reproduce ``selection`` (only keys that have a value).

    ``gemeente`` is written only when the chosen gemeenten narrow the area (whose codes are
    ``gebied_codes``), so a link to a province stays short.
    """
    narrowed = set(selection.gemeenten) != set(gebied_codes)
    query = {
        "gebied": selection.gebied,
        "gemeente": ",".join(selection.gemeenten) if narrowed else "",
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


def _parse_gemeenten(
    raw: str, gebied: Gebied, options: RegionOptions, warnings: list[str]
) -> tuple[str, ...]:
    """The gemeenten of ``gebied``, narrowed to those in ``raw`` (a comma-separated list)."""
    within = tuple(c for c in options.gemeenten if c in gebied.codes) or gebied.codes
    codes = [c.strip().upper() for c in raw.split(",")[:400] if c.strip()]
    if not codes:
        return within
    unknown = [c for c in codes if c not in within]
    known = tuple(g for g in within if g in codes)
    if unknown:
        verb = "hoort" if len(unknown) == 1 else "horen"
        fallback = "" if known else f"; we tonen {gebied.whole}"
        listed = shorten(", ".join(unknown))
        warnings.append(f"{listed} {verb} niet bij {gebied.in_sentence}{fallback}.")
    return known or within


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
    note = f"{what} ‘{shorten(value)}’ uit de link is niet beschikbaar"
    warnings.append(f"{note}; we tonen {shown.lower()}.")
    return default
