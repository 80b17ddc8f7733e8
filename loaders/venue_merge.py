"""Merge a user's own venues with the OpenStreetMap and polling-station venues.

The same place can be in both lists: "Dorpshuis Schipborg" from the association's list and
"Dorpshuis Schipborg" from OpenStreetMap a few metres away. A pair within ``max_distance``
metres whose normalised names are at least ``min_similarity`` alike becomes one venue. The
user's row wins (name, soort, whether it counts, location): the association knows its own
building. The merged venue keeps the base venue's id, so scenarios that name it still work,
and records both sources (``"eigen lijst: leden.csv + Stemlokaal TK2023"``).

Every merge has a ``pair_id``; pairs the user undid are passed as ``undone`` and stay two
separate venues (they are still listed, with ``ongedaan`` true, so the user can redo them).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from difflib import SequenceMatcher

import geopandas as gpd
import numpy as np
import pandas as pd

from loaders.schema import CRS, VENUE_COLUMNS
from loaders.venue_rules import fold

MERGE_COLUMNS = (
    "pair_id",
    "venue_id",
    "venue_id_eigen",
    "naam_eigen",
    "bron_eigen",
    "venue_id_basis",
    "naam_basis",
    "bron_basis",
    "afstand_m",
    "naamgelijkenis",
    "ongedaan",
)
"""Columns of the merges table returned by :func:`merge_venues`."""

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise_name(name: object) -> str:
    """A name compared as a key: lower case, accents removed, punctuation as spaces.

    ``"Doarpshûs 'De Kiep'"`` → ``"doarpshus de kiep"``.
    """
    return " ".join(_NOT_ALNUM.sub(" ", fold(name)).split())


def name_similarity(a: object, b: object) -> float:
    """Similarity of two names in [0, 1].

    The difflib ratio of the normalised names, or of their words in sorted order when that is
    higher (``"Schipborg dorpshuis"``).
    """
    left, right = normalise_name(a), normalise_name(b)
    if not left or not right:
        return 0.0
    direct = SequenceMatcher(None, left, right).ratio()
    ordered = SequenceMatcher(None, " ".join(sorted(left.split())),
                              " ".join(sorted(right.split()))).ratio()
    return max(direct, ordered)


def pair_id(base_id: str, eigen_id: str) -> str:
    """The id of a merge: ``"<base venue_id>|<own venue_id>"``."""
    return f"{base_id}|{eigen_id}"


def merge_venues(
    base: gpd.GeoDataFrame,
    uploaded: gpd.GeoDataFrame,
    *,
    max_distance: float = 50.0,
    min_similarity: float = 0.8,
    undone: Collection[str] = (),
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Merge the user's venues into the base venues.

    Parameters
    ----------
    base
        The ``venues`` layer (OpenStreetMap and polling stations), EPSG:28992.
    uploaded
        The user's venues (``venues_eigen``), EPSG:28992; rows without geometry are left out.
    max_distance
        Largest distance in metres between two venues that are the same place.
    min_similarity
        Smallest :func:`name_similarity` of two venues that are the same place.
    undone
        Pair ids (see :func:`pair_id`) the user un-merged.

    Returns
    -------
    tuple[geopandas.GeoDataFrame, pandas.DataFrame]
        The venues (columns :data:`~loaders.schema.VENUE_COLUMNS`): base venues in their order,
        merged ones in place of their base venue, then the user's venues that matched
        nothing. And the pairs (columns :data:`MERGE_COLUMNS`), one per merge, including the
        undone ones (``ongedaan`` true), each own venue in at most one pair.
    """
    base = _prepared(base)
    uploaded = _prepared(uploaded)
    uploaded = uploaded[uploaded.geometry.notna() & ~uploaded.geometry.is_empty]
    pairs = _pairs(base, uploaded, max_distance, min_similarity, set(undone))
    merged = base.copy()
    for row in pairs[~pairs["ongedaan"]].itertuples(index=False):
        position = merged.index[merged["venue_id"] == row.venue_id_basis][0]
        own = uploaded.loc[uploaded["venue_id"] == row.venue_id_eigen].iloc[0]
        merged.loc[position, list(VENUE_COLUMNS)] = _merged_row(merged.loc[position], own)
    used = set(pairs.loc[~pairs["ongedaan"], "venue_id_eigen"])
    rest = uploaded[~uploaded["venue_id"].isin(used)]
    frames = [frame for frame in (merged, rest) if len(frame)]
    result = pd.concat(frames, ignore_index=True) if frames else merged
    venues = gpd.GeoDataFrame(result, geometry="geometry", crs=CRS)[list(VENUE_COLUMNS)]
    venues["ontmoetingsplek"] = venues["ontmoetingsplek"].astype(bool)
    return venues.reset_index(drop=True), pairs


def _prepared(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if frame.crs is not None and frame.crs != CRS:
        frame = frame.to_crs(CRS)
    frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=CRS)
    return frame[list(VENUE_COLUMNS)].reset_index(drop=True)


def _pairs(
    base: gpd.GeoDataFrame,
    uploaded: gpd.GeoDataFrame,
    max_distance: float,
    min_similarity: float,
    undone: set[str],
) -> pd.DataFrame:
    """Candidate pairs, best first; each venue on either side in at most one active pair."""
    if base.empty or uploaded.empty:
        return pd.DataFrame({c: pd.Series(dtype=_dtype(c)) for c in MERGE_COLUMNS})
    own_idx, base_idx = base.sindex.query(
        uploaded.geometry, predicate="dwithin", distance=max_distance
    )
    candidates = []
    for i, j in zip(own_idx, base_idx, strict=True):
        own, other = uploaded.iloc[i], base.iloc[j]
        similarity = name_similarity(own["naam"], other["naam"])
        if similarity >= min_similarity:
            distance = float(own.geometry.distance(other.geometry))
            candidates.append((similarity, distance, own, other))
    candidates.sort(key=lambda c: (-c[0], c[1], str(c[2]["venue_id"]), str(c[3]["venue_id"])))
    taken_own: set[str] = set()
    taken_base: set[str] = set()
    rows = []
    for similarity, distance, own, other in candidates:
        pid = pair_id(str(other["venue_id"]), str(own["venue_id"]))
        is_undone = pid in undone
        if own["venue_id"] in taken_own or (not is_undone and other["venue_id"] in taken_base):
            continue
        if not is_undone:
            taken_own.add(own["venue_id"])
            taken_base.add(other["venue_id"])
        rows.append(_pair_row(pid, own, other, distance, similarity, undone=is_undone))
    return pd.DataFrame(rows, columns=list(MERGE_COLUMNS)).astype({"ongedaan": bool})


def _pair_row(
    pid: str, own: pd.Series, other: pd.Series, distance: float, similarity: float, *,
    undone: bool,
) -> dict[str, object]:
    return {
        "pair_id": pid,
        "venue_id": other["venue_id"],
        "venue_id_eigen": own["venue_id"],
        "naam_eigen": own["naam"],
        "bron_eigen": own["source"],
        "venue_id_basis": other["venue_id"],
        "naam_basis": other["naam"],
        "bron_basis": other["source"],
        "afstand_m": round(distance, 1),
        "naamgelijkenis": round(similarity, 3),
        "ongedaan": undone,
    }


def _merged_row(base_row: pd.Series, own: pd.Series) -> list[object]:
    """The user's values, with the base venue's id, both sources and any missing details."""
    values = []
    for column in VENUE_COLUMNS:
        if column == "venue_id":
            values.append(base_row["venue_id"])
        elif column in ("source", "source_id"):
            values.append(f"{own[column]} + {base_row[column]}")
        elif column in ("adres", "plaats", "gemeentecode") and _missing(own[column]):
            values.append(base_row[column])
        else:
            values.append(own[column])
    return values


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value == ""


def _dtype(column: str) -> str:
    if column == "ongedaan":
        return "bool"
    return "float64" if column in ("afstand_m", "naamgelijkenis") else "object"
