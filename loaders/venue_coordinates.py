"""Where the rows of a user's venue list lie: their coordinates as RD New or WGS84.

Pairs come from the geometry of a GeoJSON/GeoPackage file, x/y columns or lat/lon columns, in
that order. RD New and WGS84 are told apart by their value ranges: a pair is read as degrees
and as RD, as given and swapped, and the first reading that lands in the Netherlands (inside
:data:`loaders.schema.RD_BOUNDS`) is used. A reading other than the one given is reported as a
correction; a pair that lands nowhere is explained.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from loaders.regions import GEMEENTE_DIGITS
from loaders.schema import RD_BOUNDS, wgs84_to_rd
from loaders.tabular import NEGATIVE_HEMISPHERES, hemisphere, parse_coordinates
from loaders.venue_findings import RowFindings, RowStatus

MAX_LONGITUDE = 180.0
MAX_LATITUDE = 90.0


@dataclass
class Placement:
    """Where each row lies so far, by position; filled by the coordinates, then the address.

    Attributes
    ----------
    x, y
        RD New coordinates; NaN for a row that is not placed.
    gemeentecode
        ``GM`` code per row (from the file, the address look-up or the region), else ``None``.
    problem
        Why the first pair a row gave could not be placed, in Dutch; ``None`` when it could,
        or when the row gave none.
    """

    x: np.ndarray
    y: np.ndarray
    gemeentecode: np.ndarray
    problem: list[str | None]

    def placed(self) -> np.ndarray:
        """Whether each row has a point."""
        placed: np.ndarray = ~np.isnan(self.x)
        return placed


def place_rows(
    text: pd.DataFrame,
    findings: RowFindings,
    *,
    geometry: tuple[np.ndarray, np.ndarray] | None = None,
    declared: str | None = None,
) -> Placement:
    """RD x and y per row from the first pair that lands in the Netherlands.

    Parameters
    ----------
    text
        The cleaned fields of the rows (``x``, ``y``, ``lat``, ``lon``, ``gemeentecode``).
    findings
        Receives a ``gecorrigeerd`` finding for each pair read otherwise than it was given.
    geometry
        x and y of the rows' geometry, for a GeoJSON or GeoPackage file.
    declared
        The coordinate system that file declared (``"rd"``, ``"wgs84"`` or ``None``).

    Returns
    -------
    Placement
        With ``gemeentecode`` from the file's column where it is a valid code.
    """
    size = len(text)
    x, y = np.full(size, np.nan), np.full(size, np.nan)
    problems: list[str | None] = [None] * size
    blank = pd.Series("", index=text.index)
    pairs: list[tuple[str, np.ndarray, np.ndarray, pd.Series, pd.Series]] = []
    if geometry is not None:
        pairs.append(("geo", *geometry, blank, blank))
    for kind, east_field, north_field in (("xy", "x", "y"), ("latlon", "lon", "lat")):
        east_text, north_text = text[east_field], text[north_field]
        pairs.append((kind, parse_coordinates(east_text).to_numpy(),
                      parse_coordinates(north_text).to_numpy(), east_text, north_text))
    for kind, east, north, east_text, north_text in pairs:
        px, py, how = locate(east, north)
        fits = np.isnan(x) & (how != "")
        for position in np.flatnonzero(fits).tolist():
            message = _correction(kind, how[position], declared)
            if message:
                findings.add(position, RowStatus.GECORRIGEERD, message)
        x[fits], y[fits] = px[fits], py[fits]
        given = (east_text != "").to_numpy() | (north_text != "").to_numpy() | ~np.isnan(east)
        unexplained = np.array([problem is None for problem in problems], dtype=bool)
        for position in np.flatnonzero(np.isnan(x) & given & unexplained).tolist():
            problems[position] = _coordinate_problem(
                kind, east[position], north[position], east_text.iloc[position],
                north_text.iloc[position],
            )
    gemeentecode = np.array(text["gemeentecode"].map(_gemeentecode).tolist(), dtype=object)
    return Placement(x, y, gemeentecode, problems)


def locate(east: np.ndarray, north: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read each pair as WGS84 or RD New, as given or swapped; the first reading in NL wins.

    Parameters
    ----------
    east, north
        x and y (or lon and lat) as the file gives them; NaN where missing.

    Returns
    -------
    tuple of numpy.ndarray
        RD x, y and per row how it was read: ``"deg"``, ``"rd"``, ``"deg_swapped"``,
        ``"rd_swapped"`` or ``""`` (not in the Netherlands in any reading).
    """
    x, y = np.full(len(east), np.nan), np.full(len(east), np.nan)
    how = np.full(len(east), "", dtype=object)
    for label, first, second in (("", east, north), ("_swapped", north, east)):
        degrees = (np.abs(first) <= MAX_LONGITUDE) & (np.abs(second) <= MAX_LATITUDE)
        with np.errstate(invalid="ignore"):
            dx, dy = wgs84_to_rd().transform(np.where(degrees, first, np.nan),
                                             np.where(degrees, second, np.nan))
        for kind, cx, cy in (("deg", dx, dy), ("rd", first, second)):
            fits = (how == "") & in_nl(cx, cy)
            x[fits], y[fits] = cx[fits], cy[fits]
            how[fits] = kind + label
    return x, y, how


def in_nl(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Whether each RD point lies inside :data:`loaders.schema.RD_BOUNDS`."""
    min_x, min_y, max_x, max_y = RD_BOUNDS
    with np.errstate(invalid="ignore"):
        inside: np.ndarray = (x >= min_x) & (x <= max_x) & (y >= min_y) & (y <= max_y)
    return inside


def _correction(kind: str, how: str, declared: str | None) -> str | None:
    """The Dutch note for a pair that was read in another way than it was given."""
    if how == "deg_swapped":
        return ("Breedte- en lengtegraad stonden omgedraaid; verwisseld." if kind != "xy"
                else "x en y (in graden) stonden omgedraaid; verwisseld.")
    if how == "rd_swapped":
        return ("De kolommen breedte/lengte bevatten RD-coördinaten in omgekeerde volgorde; "
                "als RD New gelezen en verwisseld." if kind == "latlon"
                else "x en y stonden omgedraaid; verwisseld.")
    if how == "rd" and kind == "latlon":
        return "De kolommen breedte/lengte bevatten RD-coördinaten (x, y); als RD New gelezen."
    if kind == "geo" and how == "rd" and declared == "wgs84":
        return ("De coördinaten zijn RD New (EPSG:28992), niet WGS84 zoals het bestand "
                "aangeeft; als RD New gelezen.")
    if kind == "geo" and how == "deg" and declared == "rd":
        return ("Het bestand noemt RD New, maar de coördinaten zijn graden (WGS84); als WGS84 "
                "gelezen.")
    return None


def _coordinate_problem(
    kind: str, east: float, north: float, east_text: str, north_text: str
) -> str:
    """Why a given pair could not be placed, in Dutch."""
    if kind == "geo":
        return "De geometrie ligt niet in Nederland."
    for value, shown in ((east, east_text), (north, north_text)):
        if np.isnan(value):
            if not shown:
                return "Eén van de twee coördinaten ontbreekt."
            what = "een formule" if shown.startswith("=") else "geen getal"
            return f"Coördinaat '{shown[:40]}' is {what}."
    for shown in (east_text, north_text):
        if hemisphere(shown) in NEGATIVE_HEMISPHERES:
            return (f"Coördinaat '{shown[:40]}' ligt op het zuidelijk of westelijk halfrond "
                    "(S, Z of W); Nederland ligt op noorderbreedte (N) en oosterlengte (E of O). "
                    "Controleer de letter achter de coördinaat.")
    return (f"Coördinaten {east_text}, {north_text} liggen niet in Nederland (ook niet als RD "
            "New, WGS84 of omgedraaid).")


def _gemeentecode(value: str) -> str | None:
    """A gemeente code as a file may write it (``1680``, ``gm1680``) → ``GM1680``."""
    text = value.strip().upper()
    if text.isdigit() and len(text) <= GEMEENTE_DIGITS:
        return f"GM{text.zfill(GEMEENTE_DIGITS)}"
    return text if re.fullmatch(r"GM\d{4}", text) else None
