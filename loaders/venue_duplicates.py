"""Places of a new list that are already stored: in another own list or added by hand.

Two places are the same when their names are equal after :func:`loaders.venue_merge.
normalise_name` and they lie within :data:`SAME_NAME_M` metres, or, whatever their names, within
:data:`ANY_NAME_M` metres (one building listed as "Dorpshuis" and as "MFA De Kiep"). Such a row
of the new list is reported as ``dubbel`` and not stored again, so a dorpshuis in four lists is
one place (and closing it in a scenario closes it).

Pure functions on frames in EPSG:28992; :mod:`loaders.venue_store` collects the stored places.
"""

from __future__ import annotations

from typing import Protocol

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from loaders.schema import CRS
from loaders.venue_merge import normalise_name
from loaders.venues import DUBBEL, ParsedVenues, report_rows

SAME_NAME_M = 50.0
"""Largest distance between two places of the same name that are one place."""
ANY_NAME_M = 10.0
"""Largest distance between two places of any names that are one place."""
DUPLICATE_COLUMNS = ("naam", "bron", "afstand_m")
"""Columns of :func:`find_duplicates`: the stored place's name, where it is stored, metres."""


def find_duplicates(
    new: gpd.GeoDataFrame,
    existing: gpd.GeoDataFrame,
    *,
    same_name_m: float = SAME_NAME_M,
    any_name_m: float = ANY_NAME_M,
) -> pd.DataFrame:
    """For every row of ``new``, the stored place it repeats, if any.

    Parameters
    ----------
    new
        Places with ``naam`` and geometry (points; rows without geometry never match).
    existing
        Stored places with ``naam``, ``bron`` (where they are stored, in Dutch: ``"in lijst
        'leden.csv'"``) and geometry.
    same_name_m, any_name_m
        Distances in metres within which a place of the same name, or of any name, is the same
        place.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``new``, columns :data:`DUPLICATE_COLUMNS`; ``naam`` is missing for rows
        that repeat nothing. When several stored places qualify, one of the same name comes
        first, then the nearest.
    """
    found = pd.DataFrame(
        {"naam": pd.Series(None, index=new.index, dtype=object),
         "bron": pd.Series(None, index=new.index, dtype=object),
         "afstand_m": pd.Series(np.nan, index=new.index, dtype=float)},
        columns=list(DUPLICATE_COLUMNS),
    )
    new_points, new_positions = _located(new)
    stored, stored_positions = _located(existing)
    if new_points.empty or stored.empty:
        return found
    near, other = stored.sindex.query(new_points.geometry.to_numpy(), predicate="dwithin",
                                      distance=max(same_name_m, any_name_m))
    distance = shapely.distance(new_points.geometry.to_numpy()[near],
                                stored.geometry.to_numpy()[other])
    new_names = new_points["naam"].map(normalise_name).to_numpy()[near]
    same = (new_names == stored["naam"].map(normalise_name).to_numpy()[other]) & (new_names != "")
    duplicate = (distance <= any_name_m) | (same & (distance <= same_name_m))
    pairs = pd.DataFrame({"new": near, "stored": other, "same": same, "afstand": distance})
    best = (pairs[duplicate].sort_values(["new", "same", "afstand", "stored"],
                                         ascending=[True, False, True, True])
            .drop_duplicates("new"))
    rows = new.index[new_positions[best["new"].to_numpy()]]
    matched = existing.iloc[stored_positions[best["stored"].to_numpy()]]
    found.loc[rows, "naam"] = matched["naam"].to_numpy()
    found.loc[rows, "bron"] = matched["bron"].to_numpy()
    found.loc[rows, "afstand_m"] = best["afstand"].to_numpy()
    return found


def mark_duplicates(parsed: ParsedVenues, existing: gpd.GeoDataFrame) -> ParsedVenues:
    """Take the rows that repeat a stored place out of a checked list.

    Parameters
    ----------
    parsed
        A checked list (:func:`loaders.venues.parse_venue_file`).
    existing
        The stored places, as for :func:`find_duplicates`.

    Returns
    -------
    ParsedVenues
        ``venues`` without the repeated places; their report rows get status ``dubbel`` and a
        Dutch explanation naming where the place is stored already.
    """
    found = find_duplicates(parsed.venues, existing)
    repeated = found["naam"].notna().to_numpy()
    if not repeated.any():
        return parsed
    explanations = {
        int(rij): _explanation(match)
        for rij, match in zip(report_rows(parsed.venues[repeated]),
                              found[repeated].itertuples(index=False), strict=True)
    }
    report = parsed.report.copy()
    rows = report["rij"].isin(list(explanations))
    report.loc[rows, "status"] = DUBBEL
    report.loc[rows, "toelichting"] = report.loc[rows, "rij"].map(explanations)
    venues = parsed.venues[~repeated].reset_index(drop=True)
    return parsed._replace(venues=venues, report=report)


class _Match(Protocol):
    """A row of :func:`find_duplicates` (from ``itertuples``) for a place stored already."""

    naam: str
    bron: str
    afstand_m: float


def _explanation(match: _Match) -> str:
    metres = round(float(match.afstand_m))
    where = "op dezelfde plek" if metres == 0 else f"{metres} m hiervandaan"
    return (f"Dubbel: deze plek staat al {match.bron} als '{match.naam}' ({where}); hij wordt "
            "niet nog eens opgeslagen.")


def _located(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """The rows with a geometry, in EPSG:28992, and their positions in ``frame``."""
    if frame.crs is not None and frame.crs != CRS:
        frame = frame.to_crs(CRS)
    mask = (frame.geometry.notna() & ~frame.geometry.is_empty).to_numpy()
    return frame[mask].reset_index(drop=True), np.flatnonzero(mask)
