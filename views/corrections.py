"""Pure builders for the corrections of meeting places.

Tables, the rules in plain Dutch, and the reading of typed coordinates. No Streamlit; the pages
call these with stored frames.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from loaders.corrections import BRON, TELT, TELT_NIET, TOEGEVOEGD
from loaders.schema import RD_BOUNDS, wgs84_to_rd
from loaders.venue_rules import (
    BIJEENKOMST_RULE,
    MEETING_SOORTEN,
    OVERIG_RULE,
    VENUE_RULES,
)

SOORT_LABELS = {rule.soort: rule.label for rule in (*VENUE_RULES, BIJEENKOMST_RULE, OVERIG_RULE)}
"""Soort → its Dutch label, from the rules."""
ADDABLE_SOORTEN = (*(rule.soort for rule in VENUE_RULES if rule.soort in MEETING_SOORTEN),
                   BIJEENKOMST_RULE.soort)
"""Soorten offered when a place is added: the meeting-place soorten, then 'bijeenkomstgebouw'."""
ACTION_LABELS = {
    TELT: "Telt als ontmoetingsplek",
    TELT_NIET: "Telt niet",
    TOEGEVOEGD: "Plek toegevoegd",
}
NEAR_M = 2000.0
"""Places within this straight-line distance of a kern point are offered for correction."""
NL_LAT = (50.6, 53.7)
NL_LON = (3.2, 7.3)
_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?")


def soort_label(soort: object) -> str:
    """The Dutch label of a soort (``"school"`` → ``"School"``); unknown soorten as written."""
    return SOORT_LABELS.get(str(soort), str(soort))


def dutch_day(iso: object) -> str:
    """An ISO date as ``12-05-2025``; empty for an empty value."""
    return f"{date.fromisoformat(str(iso)):%d-%m-%Y}" if iso else ""


def places_near(
    venues: gpd.GeoDataFrame, point: shapely.Point, *, radius: float = NEAR_M
) -> pd.DataFrame:
    """The venues within ``radius`` metres (straight line) of ``point``, nearest first.

    Returns
    -------
    pandas.DataFrame
        Columns ``venue_id``, ``naam``, ``soort`` (Dutch label), ``telt`` (bool),
        ``afstand_m``, ``bron`` and ``reden``.
    """
    located = venues[venues.geometry.notna() & ~venues.geometry.is_empty]
    distance = located.distance(point)
    near = located.assign(afstand_m=distance)[distance <= radius].sort_values("afstand_m")
    return pd.DataFrame({
        "venue_id": near["venue_id"].to_numpy(dtype=object),
        "naam": near["naam"].to_numpy(dtype=object),
        "soort": [soort_label(s) for s in near["soort"]],
        "telt": near["ontmoetingsplek"].fillna(value=False).astype(bool).to_numpy(),
        "afstand_m": near["afstand_m"].to_numpy(dtype=float),
        "bron": near["source"].to_numpy(dtype=object),
        "reden": near["reden"].to_numpy(dtype=object),
    })


def active_by_venue(corrections: pd.DataFrame) -> dict[str, str]:
    """``venue_id`` → id of the correction that decides it now (verdicts and added places)."""
    active = corrections[corrections["ongedaan"].eq("")]
    return dict(zip(active["venue_id"], active["correctie_id"], strict=True))


def parse_coordinates(text: str) -> tuple[float, float]:
    """RD New ``(x, y)`` from typed coordinates: RD x and y in metres, or latitude and longitude.

    Two numbers, separated by a space, a semicolon or a comma followed by a space; decimal
    points or commas. Degrees are recognised by their range in the Netherlands, in either
    order (``53,004 6,76`` or ``6.76; 53.004``).

    Examples
    --------
    >>> parse_coordinates("247352, 558151")
    (247352.0, 558151.0)

    Raises
    ------
    ValueError
        With a Dutch message when the text is not two numbers or lies outside the Netherlands.
    """
    numbers = [float(n.replace(",", ".")) for n in _NUMBER.findall(str(text))]
    if len(numbers) != 2:  # noqa: PLR2004 - a coordinate is a pair of numbers
        raise ValueError("Geef twee getallen: RD x en y in meters (bijvoorbeeld 247352 558151) "
                         "of breedte- en lengtegraad (bijvoorbeeld 53,004 6,760).")
    first, second = numbers
    if _inside(first, NL_LAT) and _inside(second, NL_LON):
        first, second = second, first
    if _inside(first, NL_LON) and _inside(second, NL_LAT):
        x, y = wgs84_to_rd().transform(first, second)
        return round(float(x), 1), round(float(y), 1)
    if RD_BOUNDS.contains(first, second):
        return first, second
    raise ValueError("Deze coördinaten liggen niet in Nederland. Geef RD x en y in meters of "
                     "breedte- en lengtegraad.")


def corrections_table(
    corrections: gpd.GeoDataFrame,
    kernen: gpd.GeoDataFrame | None,
    gemeente_namen: Mapping[str, str],
) -> pd.DataFrame:
    """The corrections for display, one row each, in the order they were made.

    The kern is the nearest kern point of the same gemeente (any kern when the gemeente has
    none).

    Returns
    -------
    pandas.DataFrame
        Columns ``correctie_id``, ``Wat``, ``Plek``, ``Soort``, ``Kern``, ``Gemeente``,
        ``Bron``, ``Datum`` and ``Ongedaan``.
    """
    return pd.DataFrame({
        "correctie_id": corrections["correctie_id"].to_numpy(dtype=object),
        "Wat": [ACTION_LABELS.get(a, a) for a in corrections["actie"]],
        "Plek": corrections["naam"].to_numpy(dtype=object),
        "Soort": [soort_label(s) for s in corrections["soort"]],
        "Kern": _nearest_kernen(corrections, kernen),
        "Gemeente": [gemeente_namen.get(c, c) for c in corrections["gemeentecode"]],
        "Bron": corrections["bron"].to_numpy(dtype=object),
        "Datum": [dutch_day(d) for d in corrections["datum"]],
        "Ongedaan": [dutch_day(d) for d in corrections["ongedaan"]],
    })


def source_counts(
    venues: pd.DataFrame, gemeenten: Sequence[str], gemeente_namen: Mapping[str, str]
) -> pd.DataFrame:
    """Per gemeente and source: how many places it supplied and how many of them count.

    ``venues`` are the effective places (lists merged, corrections applied); places added by
    the user have source :data:`loaders.corrections.BRON`.

    Returns
    -------
    pandas.DataFrame
        Columns ``Gemeente``, ``Bron``, ``Plekken`` and ``Tellen mee``, sorted by gemeente
        name and then by number of places; a gemeente without places gets one row with zeros.
    """
    chosen = venues[venues["gemeentecode"].isin(list(gemeenten))]
    counts = chosen.assign(telt=chosen["ontmoetingsplek"].fillna(value=False).astype(bool))
    grouped = counts.groupby(["gemeentecode", "source"], sort=False)["telt"].agg(["size", "sum"])
    rows = [{"code": code, "Bron": source, "Plekken": int(size), "Tellen mee": int(total)}
            for (code, source), (size, total) in grouped.iterrows()]
    rows += [{"code": code, "Bron": "geen plekken", "Plekken": 0, "Tellen mee": 0}
             for code in gemeenten if code not in set(grouped.index.get_level_values(0))]
    table = pd.DataFrame(rows, columns=["code", "Bron", "Plekken", "Tellen mee"])
    table.insert(0, "Gemeente", [gemeente_namen.get(c, c) for c in table["code"]])
    table = table.sort_values(["Gemeente", "Plekken"], ascending=[True, False])
    return table.drop(columns="code").reset_index(drop=True)


def place_sources(
    venue_ids: Sequence[object], venues: pd.DataFrame, corrections: pd.DataFrame
) -> list[str]:
    """Where each venue in ``venue_ids`` came from, with the user's correction if any.

    ``"Stemlokaal TK2023"``, ``"eigen invoer, 12-05-2025"`` for an added place, or
    ``"Stemlokaal TK2023; telt volgens eigen invoer van 12-05-2025"``; empty for a missing id.
    """
    source = dict(zip(venues["venue_id"], venues["source"], strict=True))
    active = corrections[corrections["ongedaan"].eq("")]
    verdicts = {row.venue_id: row for row in active.itertuples(index=False)}
    result = []
    for venue_id in venue_ids:
        row = verdicts.get(venue_id)
        if row is not None and row.actie == TOEGEVOEGD:
            result.append(f"{BRON}, {dutch_day(row.datum)}")
        elif row is not None:
            verdict = "telt" if row.actie == TELT else "telt niet"
            result.append(f"{source.get(venue_id, '')}; {verdict} volgens {BRON} van "
                          f"{dutch_day(row.datum)}")
        else:
            result.append(str(source.get(venue_id, "") or ""))
    return result


def rules_markdown() -> str:
    """The rules for what counts as a meeting place, in plain Dutch (Markdown).

    Written from the rules in :mod:`loaders.venue_rules`.
    """
    always = [r for r in VENUE_RULES if r.soort in MEETING_SOORTEN]
    sometimes = [r for r in VENUE_RULES if r.counts_if_bijeenkomst]
    never = [r for r in VENUE_RULES if not r.counts and not r.counts_if_bijeenkomst]
    intro = ("Een plek telt als ontmoetingsplek als inwoners er kunnen afspreken zonder iets te "
             "hoeven kopen en zonder leerling, patiënt of cliënt te zijn. De naam van de plek "
             "beslist, en waar bekend het gebruiksdoel van het gebouw in de BAG.")
    order = ("Staat een naam onder meer soorten, dan beslist de eerste in deze volgorde: eerst "
             "de ontmoetingsplekken, kerkgebouwen als laatste. Een correctie van een gebruiker "
             "(eigen invoer) gaat altijd voor deze regels.")
    lines = [intro, "", "**Telt altijd**"]
    lines += [f"- {r.label}: {r.uitleg}" for r in always]
    lines += ["", "**Telt alleen als het gebouw het gebruiksdoel bijeenkomstfunctie heeft**"]
    lines += [f"- {r.label}: {r.uitleg}" for r in sometimes]
    lines += ["", "**Telt niet**"]
    lines += [f"- {r.label}: {r.uitleg}" for r in never]
    lines += ["", "**Geen van deze namen**",
              f"- {BIJEENKOMST_RULE.label}: {BIJEENKOMST_RULE.uitleg}",
              f"- {OVERIG_RULE.label}: {OVERIG_RULE.uitleg}", "", order]
    return "\n".join(lines)


def _inside(value: float, bounds: tuple[float, float]) -> bool:
    return bounds[0] <= value <= bounds[1]


def _nearest_kernen(corrections: gpd.GeoDataFrame, kernen: gpd.GeoDataFrame | None) -> list[str]:
    if kernen is None or kernen.empty:
        return [""] * len(corrections)
    names = []
    for geometry, code in zip(corrections.geometry, corrections["gemeentecode"], strict=True):
        if geometry is None or geometry.is_empty:
            names.append("")
            continue
        own = kernen[kernen["gemeentecode"] == code]
        pool = own if len(own) else kernen
        names.append(str(pool["naam"].iloc[int(np.argmin(pool.distance(geometry).to_numpy()))]))
    return names
