"""Check the rows of a user's venue list: text, addresses, region, repeats and soort.

Each check takes the rows' cleaned text and records what it finds in a
:class:`loaders.venue_findings.RowFindings`. Rows without usable coordinates but with an
address are looked up with a :class:`Geocoder`; by default the live PDOK Locatieserver
(:class:`LocatieserverGeocoder`), in tests any function from an address to an
:class:`loaders.locatieserver.Address`. After the first failed look-up no more are tried: the
remaining address rows wait (``wacht op geocodering``) and are looked up again later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

import geopandas as gpd
import numpy as np
import pandas as pd
import requests

from loaders.errors import SourceError
from loaders.http import make_session
from loaders.locatieserver import LOCATIESERVER_URL, Address, geocode_address
from loaders.schema import CRS
from loaders.tabular import thousands
from loaders.venue_columns import FIELDS
from loaders.venue_coordinates import Placement, in_nl
from loaders.venue_findings import RowFindings, RowStatus
from loaders.venue_rules import VENUE_RULES, classify_name, fold

MAX_GEOCODE = 1_000
"""Most address look-ups per file; further address-only rows wait for a later round."""
MAX_NAME_LENGTH = 200
DUPLICATE_DISTANCE_M = 25.0
"""Rows with the same name closer than this are one venue: later ones are rejected."""
MAX_OUTSIDE_REGION_M = 5_000.0
"""How far outside the region's gemeenten a venue may lie (it still serves border kernen)."""
REASON = "opgegeven door gebruiker"

SOORT_SYNONYMS = {
    "community centre": "buurthuis",
    "community center": "buurthuis",
    "village hall": "dorpshuis",
    "clubhouse": "sportkantine",
    "club house": "sportkantine",
    "canteen": "sportkantine",
    "sports hall": "sporthal",
    "church": "kerkgebouw",
    "pub": "horeca",
    "town hall": "gemeentehuis",
    "care home": "zorg",
}
"""English soort names in a user's file → our soort."""

NEVER_COUNTS = frozenset(
    rule.soort for rule in VENUE_RULES if not rule.counts and not rule.counts_if_bijeenkomst
)
"""Soorten that are no meeting place when the user's own soort column says so."""

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Control and bidirectional-override characters, removed from every text of a file."""
_KNOWN_SOORTEN = {rule.soort for rule in VENUE_RULES} | {"bijeenkomstgebouw", "overig"}
_YES = {"ja", "j", "yes", "y", "true", "waar", "1", "x"}
_NO = {"nee", "n", "no", "false", "onwaar", "0"}


class Geocoder(Protocol):
    """Looks up one address.

    Returns the best match, or ``None`` when the address is not found; raises
    :class:`loaders.errors.SourceError` when the service cannot answer (offline, timeout, a
    bad answer), which stops further look-ups for the file.
    """

    def __call__(self, query: str) -> Address | None:
        """The best match for ``query`` (free text: street, number, postcode, place)."""
        ...


@dataclass
class LocatieserverGeocoder:
    """The live PDOK Locatieserver as a :class:`Geocoder`.

    Attributes
    ----------
    session
        HTTP session; a retrying one from :func:`loaders.http.make_session` is made at the
        first look-up when ``None``.
    base_url
        The Locatieserver ``free`` endpoint.
    """

    session: requests.Session | None = None
    base_url: str = LOCATIESERVER_URL

    def __call__(self, query: str) -> Address | None:
        """Look up ``query`` with :func:`loaders.locatieserver.geocode_address`."""
        if self.session is None:
            self.session = make_session()
        return geocode_address(query, session=self.session, base_url=self.base_url)


@dataclass(frozen=True)
class Addresses:
    """The address of each row, as shown and as looked up.

    Attributes
    ----------
    address
        Street and number (or the address column) with the postcode; ``""`` when none.
    query
        ``address`` with the place: the text given to the geocoder.
    incomplete
        Whether the row has an address that cannot be looked up (no number, or nothing that
        says where: postcode, place or a comma).
    """

    address: pd.Series
    query: pd.Series
    incomplete: pd.Series


@dataclass(frozen=True)
class Classification:
    """The soort of each row, whether it counts as a meeting place, and why."""

    soort: list[str]
    counts: list[bool]
    reden: list[str]


def clean_text(value: str) -> str:
    """Remove control and bidi-override characters; collapse whitespace."""
    return " ".join(CONTROL.sub(" ", value).split())


def clean_fields(fields: pd.DataFrame, findings: RowFindings) -> pd.DataFrame:
    """Clean every text field, flag formulas, check the name.

    Parameters
    ----------
    fields
        One text column per field of :data:`loaders.venue_columns.FIELDS`.
    findings
        Receives a remark for a formula, a correction for a name cut to
        :data:`MAX_NAME_LENGTH` characters and a rejection for a missing name.

    Returns
    -------
    pandas.DataFrame
        The cleaned fields, names cut to :data:`MAX_NAME_LENGTH`.
    """
    text = fields.apply(lambda column: column.map(clean_text))
    formula = pd.DataFrame({name: text[name].str.startswith("=") for name in FIELDS})
    for position in np.flatnonzero(formula.any(axis=1).to_numpy()).tolist():
        names = [name for name in FIELDS if formula[name].iloc[position]]
        shown = text[names[0]].iloc[position][:40]
        findings.add(position, RowStatus.GEACCEPTEERD,
                     f"Let op: {', '.join(names)} bevat een formule ({shown}); als tekst "
                     "overgenomen, niet uitgerekend.")
    for position in np.flatnonzero((text["naam"] == "").to_numpy()).tolist():
        findings.add(position, RowStatus.AFGEWEZEN, "De naam ontbreekt.")
    too_long = (text["naam"].str.len() > MAX_NAME_LENGTH).to_numpy()
    for position in np.flatnonzero(too_long).tolist():
        findings.add(position, RowStatus.GECORRIGEERD,
                     f"Naam ingekort tot {MAX_NAME_LENGTH} tekens.")
    text["naam"] = text["naam"].str.slice(0, MAX_NAME_LENGTH)
    return text


def addresses(text: pd.DataFrame) -> Addresses:
    """The address of each row from its address, street, number, postcode and place fields."""
    number = (text["huisnummer"] + text["toevoeging"]).str.strip()
    street = text["adres"].where(text["adres"] != "", (text["straat"] + " " + number).str.strip())
    postcode = text["postcode"]
    address = street.where(postcode == "", (street + ", " + postcode).str.strip(", "))
    query = (address + ", " + text["plaats"]).str.strip(", ")
    located = (text["plaats"] != "") | (postcode != "") | street.str.contains(",", regex=False)
    incomplete = (query != "") & ~(street.str.contains(r"\d", regex=True) & located)
    return Addresses(address, query, incomplete)


def geocode_rows(
    text: pd.DataFrame,
    where: Addresses,
    placement: Placement,
    findings: RowFindings,
    notes: list[str],
    *,
    geocoder: Geocoder | None,
) -> None:
    """Place rows without coordinates by their address; reject rows with neither.

    Parameters
    ----------
    text
        The cleaned fields (``postcode`` and ``huisnummer`` check the match).
    where
        The rows' addresses.
    placement
        Filled in for every address found.
    findings
        Receives what happened to each row without coordinates.
    notes
        Receives a remark when the geocoder failed.
    geocoder
        Looks up the addresses; ``None``: addresses are not looked up (the rows wait).
    """
    failure: str | None = None if geocoder is not None else "Adressen opzoeken is uitgezet."
    looked_up = 0
    for position in np.flatnonzero(~placement.placed()).tolist():
        if findings.rejected(position):
            continue
        query, problem = where.query.iloc[position], placement.problem[position]
        if not query or where.incomplete.iloc[position]:
            incomplete = (f"Adres '{query[:60]}' is onvolledig: straat en huisnummer met "
                          "postcode of plaats zijn nodig.") if query else None
            reasons = [r for r in (problem, incomplete) if r]
            findings.add(position, RowStatus.AFGEWEZEN,
                         " ".join(reasons) or "Geen coördinaten en geen adres.")
            continue
        if problem:
            findings.add(position, RowStatus.GECORRIGEERD, f"{problem} Het adres wordt gebruikt.")
        if failure is None and looked_up >= MAX_GEOCODE:
            failure = f"Meer dan {thousands(MAX_GEOCODE)} adressen in één bestand."
        if failure is None and geocoder is not None:
            looked_up += 1
            try:
                found = geocoder(query)
            except SourceError as exc:
                failure = exc.user_message
                notes.append(f"Adressen opzoeken lukte niet: {failure}")
            else:
                _apply_address(position, query, found, text, placement, findings)
                continue
        findings.add(position, RowStatus.WACHT, f"{failure} De rij is bewaard en het adres "
                                                "wordt later opnieuw opgezocht.")


def _apply_address(
    position: int,
    query: str,
    found: Address | None,
    text: pd.DataFrame,
    placement: Placement,
    findings: RowFindings,
) -> None:
    if found is None:
        findings.add(position, RowStatus.AFGEWEZEN,
                     f"Adres '{query[:60]}' niet gevonden bij de PDOK Locatieserver.")
        return
    if not in_nl(np.array([found.x]), np.array([found.y]))[0]:
        findings.add(position, RowStatus.AFGEWEZEN, f"De PDOK Locatieserver gaf voor "
                                                    f"'{query[:60]}' een punt buiten Nederland.")
        return
    placement.x[position], placement.y[position] = found.x, found.y
    placement.gemeentecode[position] = found.gemeentecode or placement.gemeentecode[position]
    row = text.iloc[position]
    postcode = row["postcode"].replace(" ", "").upper()
    number = re.match(r"\d+", row["huisnummer"])
    exact = (not postcode or (found.postcode or "").replace(" ", "").upper() == postcode) and (
        number is None or found.huisnummer == int(number.group(0))
    )
    if exact:
        findings.add(position, RowStatus.GEACCEPTEERD,
                     f"Plek opgezocht bij de PDOK Locatieserver: {found.weergavenaam}.")
    else:
        findings.add(position, RowStatus.GECORRIGEERD,
                     f"Adres niet precies gevonden; de PDOK Locatieserver gaf "
                     f"'{found.weergavenaam}', dat is gebruikt.")


def check_region(
    placement: Placement, gemeenten: gpd.GeoDataFrame, findings: RowFindings
) -> None:
    """Reject points far outside the region; take ``gemeentecode`` from the region's areas.

    Parameters
    ----------
    placement
        The rows' points; ``gemeentecode`` is set for every point inside a gemeente.
    gemeenten
        The region's gemeenten (``gemeentecode`` and geometry).
    findings
        Receives a rejection for a point more than :data:`MAX_OUTSIDE_REGION_M` outside.
    """
    placed = np.flatnonzero(placement.placed())
    if not len(placed) or gemeenten.empty:
        return
    points = gpd.GeoSeries(gpd.points_from_xy(placement.x[placed], placement.y[placed]), crs=CRS)
    areas = gemeenten.to_crs(CRS)
    distance = points.distance(areas.union_all()).to_numpy()
    joined = gpd.sjoin(gpd.GeoDataFrame(geometry=points), areas[["gemeentecode", "geometry"]],
                       predicate="within", how="left")
    codes = joined.groupby(level=0)["gemeentecode"].first().reindex(range(len(placed)))
    for position, metres, code in zip(placed.tolist(), distance, codes, strict=True):
        if metres > MAX_OUTSIDE_REGION_M:
            kilometres = f"{metres / 1000:.1f}".replace(".", ",")
            findings.add(position, RowStatus.AFGEWEZEN,
                         f"Ligt {kilometres} km buiten de gemeenten van deze regio.")
        elif isinstance(code, str):
            placement.gemeentecode[position] = code


def reject_repeated_rows(text: pd.DataFrame, placement: Placement, findings: RowFindings) -> None:
    """Reject a row with the same name as an earlier kept row within 25 m.

    A grid of 25 m cells keeps this linear: kept rows of one name in one cell are at least
    25 m apart, so each cell holds only a few.
    """
    x, y = placement.x, placement.y
    kept: dict[tuple[str, int, int], list[int]] = {}
    names = text["naam"].map(lambda n: " ".join(fold(n).split())).to_numpy()
    rows = text.index.to_numpy()
    for position in np.flatnonzero(placement.placed()).tolist():
        if findings.rejected(position):
            continue
        cx, cy = int(x[position] // DUPLICATE_DISTANCE_M), int(y[position] // DUPLICATE_DISTANCE_M)
        nearby = (
            other
            for dx in (-1, 0, 1)
            for dy in (-1, 0, 1)
            for other in kept.get((names[position], cx + dx, cy + dy), [])
        )
        twin = next((o for o in nearby if np.hypot(x[o] - x[position], y[o] - y[position])
                     <= DUPLICATE_DISTANCE_M), None)
        if twin is None:
            kept.setdefault((names[position], cx, cy), []).append(position)
        else:
            findings.add(position, RowStatus.AFGEWEZEN,
                         f"Dubbel: zelfde naam en plek als rij {rows[twin]}.")


def classify(text: pd.DataFrame, findings: RowFindings) -> Classification:
    """Soort from the file (mapped to ours) or from the name; whether it counts; reden."""
    soorten, counts, redenen = [], [], []
    rows = zip(text["naam"], text["soort"], text["telt"], strict=True)
    for position, (naam, given, telt) in enumerate(rows):
        soort, note = _soort(given) if given else (classify_name(naam)[0], None)
        flag = _yes_no(telt)
        if telt and flag is None:
            findings.add(position, RowStatus.GEACCEPTEERD,
                         f"Kolom ontmoetingsplek '{telt[:20]}' is geen ja/nee; genegeerd.")
        if flag is None:
            flag = not (given and soort in NEVER_COUNTS)
        reden = REASON
        if note:
            reden += f" ({note})"
        if not flag:
            reden += "; telt niet als ontmoetingsplek"
        soorten.append(soort)
        counts.append(flag)
        redenen.append(reden)
    return Classification(soorten, counts, redenen)


def _soort(given: str) -> tuple[str, str | None]:
    """A user's soort text → our soort, and a note when it was not recognised."""
    folded = " ".join(fold(given).split())
    if folded in _KNOWN_SOORTEN:
        return folded, None
    if folded in SOORT_SYNONYMS:
        return SOORT_SYNONYMS[folded], None
    soort = classify_name(given)[0]
    if soort == "overig":
        return soort, f"soort in bestand: '{given[:40]}'"
    return soort, None


def _yes_no(value: str) -> bool | None:
    folded = fold(value).strip()
    if folded in _YES:
        return True
    if folded in _NO:
        return False
    return None
