"""Which buurten a kern's inhabitants live in, and the kern's loneliness figure from them.

A CBS kern is a point with a number of inhabitants. Its people live in the buurten under its
built-up area, taken as a disc of radius ``10·√inhabitants`` (300 m – 5 km, see
:func:`loaders.kernen.built_up_radius`). A buurt under the discs of two kernen belongs to the
one it lies nearest to, measured from the buurt's inner point to the edge of each disc (so a
town's outer buurten stay with the town and a village keeps its own); the buurt under the kern's
point always belongs to the kern.

Each buurt weighs by the people of the kern living in it: the buurt's inhabitants times the
share of its area under the disc where the buurt layer has inhabitants (PDOK/CBS kerncijfers),
otherwise the CBS omgevingsadressendichtheid times that area (an estimated number of addresses),
otherwise the area alone. The kind of weight is named per kern.

Buurt shapes of another division than the figures (offline: Who's On First 2016 shapes under
RIVM figures on the 2020 division) are only trusted where the wijk still holds exactly the same
buurt codes; elsewhere the shape is *changed*: it never passes a figure on. A kern whose point
lies in a changed shape takes the figure of its wijk when every buurt code of that wijk still
exists (its buurten were only split, as Dorp Bathmen was into two buurten), else the figure of
its gemeente, labelled as such.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from loaders.kernen import built_up_radius

LINK_COLUMNS = (
    "kern_id",
    "buurtcode",
    "buurtnaam",
    "aandeel_oppervlak",
    "gewicht",
    "gewicht_soort",
    "grens_ongewijzigd",
    "wijk_heel",
    "kernpunt",
)
"""Columns of :func:`link_buurten`: one row per kern and buurt its inhabitants live in.

``aandeel_oppervlak`` is the share of the buurt's area under the kern's disc, ``gewicht`` the
estimated number of the kern's people (or addresses, or m²) in it, ``gewicht_soort`` which of
the three (:data:`WEIGHT_KINDS`), ``grens_ongewijzigd`` whether the shape matches the figures'
division, ``wijk_heel`` whether every buurt code of its wijk still exists in the figures (the
wijk was at most split further, so the wijk's figure covers the shape), ``kernpunt`` whether
the kern's point lies in it."""

WEIGHT_KINDS = {
    "inwoners": "inwoners van de buurt",
    "adressen": "geschat aantal adressen in het deel onder de kern",
    "oppervlak": "oppervlak",
}
"""Kinds of buurt weight, best first, with the Dutch description shown to users."""

MIN_COVERED_SHARE = 0.5
"""A kern takes the mean of its buurten only when the buurten with an unchanged shape and a
figure hold at least this share of its weight; otherwise (most of a city renumbered its buurten
since the shapes were drawn) it takes the gemeente's figure."""

POINT_REACH = 250.0
"""A kern's point just outside every buurt shape (coast, generalised edges) lies in the nearest
one within this many metres; farther away it has no buurt of its own."""

REASON_CHANGED = "de buurtgrens onder de kern is veranderd sinds de buurtkaart"
REASON_PARTIAL = (f"minder dan {round(MIN_COVERED_SHARE * 100)} % van de kern ligt in buurten "
                  "met een cijfer en ongewijzigde grenzen")
REASON_SUPPRESSED = "geen buurtcijfer bekend (te weinig inwoners of onderdrukt)"

LEVEL_BUURTEN = "buurten"
LEVEL_WIJK = "wijk"
LEVEL_GEMEENTE = "gemeente"

FIGURE_COLUMNS = (
    "eenzaamheid_pct",
    "eenzaamheid_min",
    "eenzaamheid_max",
    "eenzaamheid_buurten",
    "eenzaamheid_niveau",
    "eenzaamheid_toelichting",
)
"""Columns :func:`kern_figures` adds: the weighted mean, the range over the kern's buurten, how
many buurten had a figure, the level (:data:`LEVEL_BUURTEN`, :data:`LEVEL_WIJK` or
:data:`LEVEL_GEMEENTE`) and a
Dutch sentence saying where the figure comes from."""


def wijk_of(buurtcodes: pd.Series) -> pd.Series:
    """The wijk code of each buurt code: ``BU16800100`` → ``WK168001``."""
    return "WK" + buurtcodes.astype(str).str.slice(2, 8)


def unchanged_shapes(
    buurten: pd.DataFrame, figure_codes: Iterable[str], *, figure_indeling: str | int
) -> pd.Series:
    """Whether each buurt shape belongs to the same division as the figures.

    A shape of the figures' own division always does. A shape of another year does when its
    code has a figure and its wijk holds exactly the same buurt codes in both divisions (a wijk
    whose buurten were split, merged or renumbered has changed shapes).

    Parameters
    ----------
    buurten
        The buurt layer (``code``, ``indeling``).
    figure_codes
        Buurt codes of the figures (RIVM rows of soort Buurt).
    figure_indeling
        The division year of the figures.

    Returns
    -------
    pandas.Series
        Boolean, aligned with ``buurten``.
    """
    codes = buurten["code"].astype(str)
    figures = pd.Series(sorted({c for c in figure_codes if str(c).startswith("BU")}), dtype=object)
    shape_sets = codes.groupby(wijk_of(codes).to_numpy()).agg(frozenset)
    figure_sets = figures.groupby(wijk_of(figures).to_numpy()).agg(frozenset)
    wijk = wijk_of(codes)
    same_wijk = wijk.map(shape_sets) == wijk.map(figure_sets)
    same_year = buurten["indeling"].astype(str) == str(figure_indeling)
    return (same_year | (codes.isin(set(figures)) & same_wijk)).astype(bool)


def intact_wijken(buurten: pd.DataFrame, figure_codes: Iterable[str]) -> pd.Series:
    """Whether every buurt code of each shape's wijk still has a figure (aligned with ``buurten``).

    Such a wijk kept all its buurten, at most splitting some, so its figure covers the shape's
    area even where the shape itself changed.
    """
    codes = buurten["code"].astype(str)
    figures = {c for c in figure_codes if str(c).startswith("BU")}
    present = codes.isin(figures)
    return present.groupby(wijk_of(codes).to_numpy()).transform("all").to_numpy() & True


def link_buurten(
    kernen: gpd.GeoDataFrame,
    buurten: gpd.GeoDataFrame,
    figure_codes: Iterable[str],
    *,
    figure_indeling: str | int,
) -> pd.DataFrame:
    """The buurten each kern's inhabitants live in, with their weights.

    Parameters
    ----------
    kernen
        Kernen layer (``kern_id``, ``inwoners``, points in EPSG:28992).
    buurten
        Buurt layer (``code``, ``naam``, ``inwoners``, ``adresdichtheid``, ``indeling``,
        polygons in EPSG:28992).
    figure_codes, figure_indeling
        The buurt codes and division year of the figures (see :func:`unchanged_shapes`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`LINK_COLUMNS`; every kern within reach of a buurt has at least the row
        of the buurt under (or nearest to) its point.
    """
    if kernen.empty or buurten.empty:
        return pd.DataFrame(columns=list(LINK_COLUMNS))
    codes = set(figure_codes)
    kern = kernen[["kern_id", "inwoners", "geometry"]].reset_index(drop=True)
    areas = buurten.reset_index(drop=True)
    radius = built_up_radius(kern["inwoners"])
    discs = shapely.buffer(kern.geometry.to_numpy(), radius, quad_segs=16)
    tree = shapely.STRtree(areas.geometry.to_numpy())
    k_idx, b_idx = tree.query(discs, predicate="intersects")
    point_k, point_b = _point_buurt(kern, tree)
    pairs = pd.DataFrame({"k": k_idx, "b": b_idx})
    pairs = pd.concat([pairs, pd.DataFrame({"k": point_k, "b": point_b})], ignore_index=True)
    pairs = pairs.drop_duplicates(ignore_index=True)
    pairs["kernpunt"] = pd.MultiIndex.from_frame(pairs[["k", "b"]]).isin(
        pd.MultiIndex.from_arrays([point_k, point_b])
    )
    inner = shapely.point_on_surface(areas.geometry.to_numpy())
    pairs["score"] = (
        shapely.distance(inner[pairs["b"]], kern.geometry.to_numpy()[pairs["k"]])
        - radius[pairs["k"]]
    )
    owner = pairs.loc[pairs.groupby("b")["score"].idxmin(), ["b", "k"]].set_index("b")["k"]
    pairs = pairs[pairs["kernpunt"] | (pairs["b"].map(owner) == pairs["k"])]
    covered = shapely.area(
        shapely.intersection(discs[pairs["k"]], areas.geometry.to_numpy()[pairs["b"]])
    )
    total = areas.geometry.area.to_numpy()[pairs["b"]]
    share = np.divide(covered, total, out=np.zeros_like(covered), where=total > 0)
    links = pd.DataFrame(
        {
            "kern_id": kern["kern_id"].to_numpy()[pairs["k"]],
            "buurtcode": areas["code"].to_numpy()[pairs["b"]],
            "buurtnaam": areas["naam"].to_numpy()[pairs["b"]],
            "aandeel_oppervlak": share,
            "grens_ongewijzigd": unchanged_shapes(
                areas, codes, figure_indeling=figure_indeling
            ).to_numpy()[pairs["b"]],
            "wijk_heel": intact_wijken(areas, codes)[pairs["b"]],
            "kernpunt": pairs["kernpunt"].to_numpy(),
        }
    )
    people = _column(areas, "inwoners")[pairs["b"]] * share
    addresses = _column(areas, "adresdichtheid")[pairs["b"]] * covered / 1e6
    weights, kinds = _weights(links["kern_id"], people, addresses, covered)
    links["gewicht"] = weights
    links["gewicht_soort"] = kinds
    return links.sort_values(["kern_id", "gewicht"], ascending=[True, False],
                             ignore_index=True)[list(LINK_COLUMNS)]


def kern_figures(
    kernen: pd.DataFrame,
    links: pd.DataFrame,
    values: pd.Series,
    names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Each kern's figure: the weighted mean over its buurten, or its gemeente's figure.

    Parameters
    ----------
    kernen
        Frame with ``kern_id`` and ``gemeentecode`` (e.g. a reach table).
    links
        :func:`link_buurten` output.
    values
        The figure per region code (NaN = suppressed), e.g.
        :func:`analysis.indicators.loneliness_slice`. The fall-back is the figure of the
        kern's gemeente, or, when that gemeente has none (formed after the figures' division),
        of the gemeente of the buurt under the kern's point in the division of its shape.
    names
        Gemeente code → name, to name the fall-back gemeente in the explanation.

    Returns
    -------
    pandas.DataFrame
        ``kernen`` plus :data:`FIGURE_COLUMNS`. A kern gets the buurt mean when the buurt under
        its point has an unchanged shape and at least one of its buurten with an unchanged
        shape has a figure; the range is over those buurten.
    """
    usable = links.assign(waarde=links["buurtcode"].map(values))
    point = usable[usable["kernpunt"]].drop_duplicates("kern_id").set_index("kern_id")
    all_weight = usable.groupby("kern_id")["gewicht"].sum()
    usable = usable[usable["grens_ongewijzigd"] & usable["waarde"].notna()]
    usable = usable[usable["kern_id"].isin(point.index[point["grens_ongewijzigd"]])]
    covered = usable.groupby("kern_id")["gewicht"].sum() / all_weight
    usable = usable[usable["kern_id"].map(covered).fillna(0).ge(MIN_COVERED_SHARE)
                    | usable["kern_id"].map(all_weight).le(0)]
    total = usable.groupby("kern_id")["gewicht"].transform("sum")
    equal = total <= 0
    weight = usable["gewicht"].where(~equal, 1.0)
    mean = (usable["waarde"] * weight).groupby(usable["kern_id"]).sum() / weight.groupby(
        usable["kern_id"]
    ).sum()
    grouped = usable.groupby("kern_id")
    summary = pd.DataFrame({
        "pct": mean,
        "min": grouped["waarde"].min(),
        "max": grouped["waarde"].max(),
        "n": grouped.size(),
        "soort": grouped["gewicht_soort"].first().where(
            ~equal.groupby(usable["kern_id"]).any(), "gelijk"
        ),
    })
    ids = kernen["kern_id"]
    found = ids.map(summary["pct"]).notna()
    own = kernen["gemeentecode"].astype(object)
    point_code = ids.map(point["buurtcode"]).astype(str)
    wijk = wijk_of(point_code).where(ids.map(point["wijk_heel"]).eq(other=True))
    wijk_value = pd.to_numeric(wijk.map(values), errors="coerce")
    fallback_code = own.where(own.map(values).notna(), "GM" + point_code.str.slice(2, 6))
    fallback = pd.to_numeric(fallback_code.map(values), errors="coerce")
    by_wijk = ~found & wijk_value.notna()
    fallback = fallback.where(~by_wijk, wijk_value)
    result = kernen.copy()
    result["eenzaamheid_pct"] = ids.map(summary["pct"]).where(found, fallback)
    result["eenzaamheid_min"] = ids.map(summary["min"]).where(found)
    result["eenzaamheid_max"] = ids.map(summary["max"]).where(found)
    result["eenzaamheid_buurten"] = ids.map(summary["n"]).fillna(0).astype("int64")
    level = np.where(found, LEVEL_BUURTEN, np.where(
        by_wijk, LEVEL_WIJK,
        np.where(fallback.notna(), LEVEL_GEMEENTE, np.array(None, dtype=object))))
    result["eenzaamheid_niveau"] = pd.Series(level, index=kernen.index, dtype=object)
    reasons = np.select(
        [~ids.isin(point.index).to_numpy(),
         ids.map(point["grens_ongewijzigd"]).eq(other=False).to_numpy(),
         ids.map(covered).notna().to_numpy()],
        ["geen buurtgrens onder de kern", REASON_CHANGED, REASON_PARTIAL],
        REASON_SUPPRESSED,
    )
    fallback_names = fallback_code.map(dict(names) if names is not None else {})
    result["eenzaamheid_toelichting"] = [
        _explain(n, kind, None, None) if is_found
        else f"cijfer van wijk {wijk_code}, waarin de kern ligt: {reason}" if from_wijk
        else _explain(n, kind, reason, name if has_fallback else None)
        for n, kind, is_found, from_wijk, wijk_code, has_fallback, name, reason in zip(
            ids.map(summary["n"]), ids.map(summary["soort"]), found, by_wijk, wijk,
            fallback.notna(), fallback_names, reasons, strict=True,
        )
    ]
    return result


def _point_buurt(kern: gpd.GeoDataFrame, tree: shapely.STRtree) -> tuple[np.ndarray, np.ndarray]:
    """(kern index, buurt index) of the buurt under each kern's point.

    A point under no buurt takes the nearest one within :data:`POINT_REACH` metres (a point on
    the coast or in a gap between shapes).
    """
    k_idx, b_idx = tree.query_nearest(
        kern.geometry.to_numpy(), max_distance=POINT_REACH, all_matches=False
    )
    return np.asarray(k_idx), np.asarray(b_idx)


def _column(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame:
        return np.full(len(frame), np.nan)
    return np.asarray(pd.to_numeric(frame[column], errors="coerce").astype("float64").to_numpy())


def _weights(
    kern_ids: pd.Series, people: np.ndarray, addresses: np.ndarray, area: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per link the best weight that all of the kern's buurten have, and its kind."""
    known = pd.DataFrame({"p": ~np.isnan(people), "a": ~np.isnan(addresses), "k": kern_ids})
    all_people = known.groupby("k")["p"].transform("all").to_numpy()
    all_addresses = known.groupby("k")["a"].transform("all").to_numpy()
    weights = np.where(all_people, people, np.where(all_addresses, addresses, area))
    kinds = np.where(all_people, "inwoners", np.where(all_addresses, "adressen", "oppervlak"))
    return np.nan_to_num(weights), kinds


def _explain(count: float, kind: object, reason: str | None, gemeente: object) -> str:
    """One Dutch sentence on where a kern's figure comes from.

    That is the buurt mean when ``reason`` is ``None``, else the figure of gemeente
    ``gemeente`` (``None``: no figure at all).
    """
    if reason is None:
        if count == 1:
            return "cijfer van de buurt waarin de kern ligt"
        weight = WEIGHT_KINDS.get(str(kind), "gelijke gewichten")
        return f"gewogen gemiddelde van {int(count)} buurten (gewicht: {weight})"
    if gemeente is None:
        return f"geen cijfer: {reason}, en geen gemeentecijfer"
    named = f" {gemeente}" if isinstance(gemeente, str) and gemeente else ""
    return f"cijfer van de gemeente{named}: {reason}"
