"""Tables, metrics and the before/after map of the Scenario page.

No Streamlit here. The page computes a scenario with :mod:`analysis.scenario` (closing meeting
places, opening one) or :mod:`analysis.siting` (the best new sites); the builders below turn the
resulting frames into Dutch tables, headline figures and a tile-free plotly map on RD
coordinates, so it draws offline. Names from the data are HTML-escaped wherever plotly would
render them as markup.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from pandas.io.formats.style import Styler
from plotly.subplots import make_subplots
from scipy.spatial import cKDTree

from analysis.reach import meeting_places, points_xy
from analysis.scenario import SCENARIO_COLUMNS, summarise_scenario
from loaders.schema import LONELINESS_INDICATORS, RD_BOUNDS, Bounds, wgs84_to_rd
from loaders.venue_rules import BIJEENKOMST_RULE, OVERIG_RULE, VENUE_RULES
from views.charts import FONT
from views.maps import DISTANCE_SCALE
from views.sources import detour_words
from views.text import (
    UNKNOWN,
    format_count,
    format_decimal,
    format_km,
    format_threshold,
    is_missing,
    plain_plotly,
)

CLOSE = "dicht"
"""Scenario kind: meeting places close."""
OPEN = "open"
"""Scenario kind: new places open (one point, or the sites of the siting suggestion)."""

RD = "rd"
WGS84 = "wgs84"
COORDINATE_SYSTEMS = {RD: "RD (x en y in meter)", WGS84: "Breedte- en lengtegraad (WGS84)"}
WGS84_BOUNDS = Bounds(min_x=3.2, min_y=50.7, max_x=7.3, max_y=53.7)
"""Longitude (x) and latitude (y) around the Netherlands; RD points are checked against
:data:`loaders.schema.RD_BOUNDS`."""

SOORT_LABELS = {rule.soort: rule.label for rule in (*VENUE_RULES, BIJEENKOMST_RULE, OVERIG_RULE)}
SITE_KINDS = {"gebouw": "bestaand gebouw", "kern": "midden van de kern", "punt": "punt"}
BORDER_REACH_M = 10_000.0
"""A place outside the chosen gemeenten can be closed in a scenario when it lies within this
straight-line distance of one of their kernen (or is already a kern's nearest or second)."""
NO_PLACE = "geen bereikbaar"
MAP_MARGIN = 0.06
"""Room around the chosen area on the map, as a share of the area's longer side."""
SOURCE_WRAP = 100
"""Characters per line of the source note under the map (it would run off a narrow figure)."""
MAP_HEIGHT = 620
MAP_TOP = 110
LINE_PX = 14
"""Height of the figure and of its title area, and of one line of the source note, in px."""
UNREACHABLE = "#9e9e9e"
OUTLINE = "#8c8c8c"


@dataclass(frozen=True)
class Metric:
    """One headline figure for ``st.metric``."""

    label: str
    value: str
    help: str


class PointError(ValueError):
    """A typed point that cannot be used; the message is Dutch and meant for the page."""


def method_note(*, is_estimate: bool) -> str:
    """How distances were found, for captions and exports."""
    if is_estimate:
        return f"hemelsbreed × {detour_words()} (schatting; geen wegennet opgeslagen)"
    return "over het wegennet"


def venue_label(venue: Mapping[str, object]) -> str:
    """Name, place (unless the name holds it) and kind of a venue row.

    Examples
    --------
    >>> venue_label({"naam": "Het Markehuis", "plaats": "Grolloo", "soort": "bijeenkomstgebouw"})
    'Het Markehuis, Grolloo (Bijeenkomstgebouw (BAG))'
    >>> venue_label({"naam": "Dorpshuis Schipborg", "plaats": "Schipborg", "soort": "dorpshuis"})
    'Dorpshuis Schipborg (Dorpshuis)'
    """
    naam = _text(venue.get("naam")) or "(naamloos)"
    plaats = _text(venue.get("plaats"))
    soort = _text(venue.get("soort"))
    where = f", {plaats}" if plaats and plaats.casefold() not in naam.casefold() else ""
    kind = f" ({SOORT_LABELS.get(soort, soort)})" if soort else ""
    return f"{naam}{where}{kind}"


def area_places(
    venues: gpd.GeoDataFrame, *, gemeenten: Sequence[str], kernen: gpd.GeoDataFrame,
    reach: pd.DataFrame, reach_m: float = BORDER_REACH_M,
) -> gpd.GeoDataFrame:
    """The meeting places of the chosen gemeenten and those within reach across their border.

    What the page offers to close and draws on its map.

    Parameters
    ----------
    venues
        All places (the reach was computed against them).
    gemeenten
        The chosen gemeenten: every meeting place in them is kept.
    kernen
        The kernen of the chosen gemeenten: a meeting place across the border is kept when it
        lies within ``reach_m`` metres (straight line) of one of them.
    reach
        The reach table of those kernen: their nearest and second places are always kept.
    reach_m
        How far across the border to look.

    Returns
    -------
    geopandas.GeoDataFrame
        The kept rows of the meeting places of ``venues``.
    """
    places = meeting_places(venues)
    keep = places["gemeentecode"].isin(list(gemeenten)).to_numpy(copy=True)
    used = set(reach["venue_id"].dropna()) | set(reach["tweede_venue_id"].dropna())
    keep |= places["venue_id"].isin(used).to_numpy()
    if len(kernen) and len(places):
        distance, _ = cKDTree(points_xy(kernen)).query(points_xy(places),
                                                      distance_upper_bound=reach_m)
        keep |= np.isfinite(distance)
    return places[keep]


def venue_options(venues: pd.DataFrame) -> dict[str, str]:
    """``venue_id`` → :func:`venue_label` of ``venues``, sorted by place and name.

    Places outside the chosen gemeenten carry their place name in the label like all others.
    """
    ordered = venues.assign(
        _plaats=venues["plaats"].fillna("").astype(str).str.casefold(),
        _naam=venues["naam"].fillna("").astype(str).str.casefold(),
    ).sort_values(["_plaats", "_naam", "venue_id"])
    return {str(row["venue_id"]): venue_label(row) for _, row in ordered.iterrows()}


def building_sites(venues: gpd.GeoDataFrame, gemeenten: Sequence[str]) -> dict[str, str]:
    """``venue_id`` → label of the venues in ``gemeenten`` that do not count as meeting place."""
    counts = venues["ontmoetingsplek"].fillna(value=False).astype(bool)
    return venue_options(venues[~counts & venues["gemeentecode"].isin(list(gemeenten))])


def parse_number(text: str, what: str) -> float:
    """A number typed by a person: decimal comma or point, no thousands separators.

    Raises
    ------
    PointError
        With a Dutch message naming ``what`` when ``text`` is empty or not one number.
    """
    cleaned = text.strip().replace(" ", "").replace(",", ".")
    if not cleaned:
        raise PointError(f"Vul {what} in.")
    try:
        value = float(cleaned)
    except ValueError:
        raise PointError(f"{what.capitalize()} ‘{text.strip()}’ is geen getal.") from None
    if not math.isfinite(value):
        raise PointError(f"{what.capitalize()} ‘{text.strip()}’ is geen getal.")
    return value


def parse_point(first: str, second: str, *, system: str) -> tuple[float, float]:
    """A typed point as RD coordinates (EPSG:28992).

    Parameters
    ----------
    first, second
        x and y for ``system="rd"``; latitude and longitude for ``system="wgs84"``.
    system
        A key of :data:`COORDINATE_SYSTEMS`.

    Returns
    -------
    tuple of float
        ``(x, y)`` in metres, within the Dutch RD grid.

    Raises
    ------
    PointError
        With a Dutch message when a value is missing, not a number, or outside the Netherlands.
    """
    if system == RD:
        x, y = parse_number(first, "x"), parse_number(second, "y")
        if not RD_BOUNDS.contains(x, y):
            raise PointError(
                f"Het punt x = {format_count(x)}, y = {format_count(y)} ligt niet in Nederland. "
                f"RD-coördinaten zijn meters: x tussen {format_count(RD_BOUNDS.min_x)} en "
                f"{format_count(RD_BOUNDS.max_x)}, y tussen {format_count(RD_BOUNDS.min_y)} en "
                f"{format_count(RD_BOUNDS.max_y)} (zonder punten of komma's als duizendtallen)."
            )
        return x, y
    if system != WGS84:
        raise PointError(f"Onbekend coördinatenstelsel ‘{system}’.")
    lat, lon = parse_number(first, "de breedtegraad"), parse_number(second, "de lengtegraad")
    box = WGS84_BOUNDS
    if not box.contains(lon, lat):
        swapped = box.contains(lat, lon)
        hint = (" Breedte- en lengtegraad lijken omgewisseld: de breedtegraad ligt in Nederland "
                "rond 51 tot 53.") if swapped else ""
        raise PointError(
            f"Het punt {format_decimal(lat)}, {format_decimal(lon)} ligt niet in Nederland "
            f"(breedtegraad {format_decimal(box.min_y)} tot {format_decimal(box.max_y)}, "
            f"lengtegraad {format_decimal(box.min_x)} tot {format_decimal(box.max_x)}).{hint}"
        )
    x, y = wgs84_to_rd().transform(lon, lat)
    return float(x), float(y)


@dataclass(frozen=True)
class _Wording:
    """The Dutch words of one scenario kind; ``{within}`` is filled with the threshold."""

    kernen: str
    kernen_help: str
    coverage: str
    coverage_help: str
    kern_coverage: str
    inwoners: str
    inwoners_help: str
    change: str
    new_place: str
    difference: str
    minutes: str
    sign: float


WORDING = {
    CLOSE: _Wording(
        kernen="Kernen geraakt",
        kernen_help="Kernen waarvan de dichtstbijzijnde ontmoetingsplek sluit.",
        coverage="Verliezen plek binnen {within}",
        coverage_help="Kernen die een ontmoetingsplek binnen {within} hadden en die kwijtraken.",
        kern_coverage="Verliest plek binnen {within}",
        inwoners="Inwoners geraakt",
        inwoners_help="Inwoners van de geraakte kernen; {count} van hen verliezen hun plek "
        "binnen {within}.",
        change="verloren",
        new_place="Plek straks",
        difference="Extra (km)",
        minutes="Extra (min)",
        sign=1.0,
    ),
    OPEN: _Wording(
        kernen="Kernen dichterbij",
        kernen_help="Kernen waarvoor de nieuwe plek dichterbij ligt dan hun huidige.",
        coverage="Krijgen plek binnen {within}",
        coverage_help="Kernen die geen ontmoetingsplek binnen {within} hadden en er nu een "
        "krijgen.",
        kern_coverage="Krijgt plek binnen {within}",
        inwoners="Inwoners dichterbij",
        inwoners_help="Inwoners van de kernen die dichterbij komen; {count} van hen krijgen een "
        "plek binnen {within}.",
        change="gewonnen",
        new_place="Nieuwe plek",
        difference="Korter (km)",
        minutes="Sneller (min)",
        sign=-1.0,
    ),
}
"""Labels per scenario kind (:data:`CLOSE`, :data:`OPEN`)."""


def summary_metrics(
    scenario: pd.DataFrame, *, kind: str, threshold_m: float, indicator: str = "eenzaam_pct"
) -> list[Metric]:
    """Headline figures of a scenario frame: kernen, coverage, inwoners, 65+, lonely residents.

    Parameters
    ----------
    scenario
        A frame from :func:`analysis.scenario.close_venues` or ``open_venue``.
    kind
        :data:`CLOSE` or :data:`OPEN`.
    threshold_m
        The distance threshold the coverage columns were computed with.
    indicator
        The loneliness indicator behind ``eenzamen_schatting``, named in its help text.
    """
    words = _wording(kind)
    totals = summarise_scenario(scenario)
    if scenario.empty:
        totals = totals.fillna(0)  # nobody affected: 0 people, not an unknown number
    within = format_threshold(threshold_m)
    people_help = words.inwoners_help.format(
        count=format_count(totals[f"inwoners_dekking_{words.change}"]), within=within
    )
    unknown = int(pd.to_numeric(scenario["inwoners"], errors="coerce").isna().sum())
    if unknown:
        people_help += f" Van {unknown} kern(en) is het inwonertal onbekend; die tellen niet mee."
    metrics = [
        Metric(words.kernen, format_count(totals["kernen"]), words.kernen_help),
        Metric(words.coverage.format(within=within),
               format_count(totals[f"kernen_dekking_{words.change}"]),
               words.coverage_help.format(within=within)),
        Metric(words.inwoners, format_count(totals["inwoners"]), people_help),
    ]
    if "inwoners_65plus" in totals:
        metrics.append(Metric("65-plussers", format_count(totals["inwoners_65plus"]),
                              "Inwoners van 65 jaar en ouder, waar bekend."))
    metrics.append(
        Metric(
            "Eenzamen (schatting)",
            format_count(totals.get("eenzamen_schatting", 0.0 if scenario.empty else math.nan)),
            f"Volwassenen (of 65-plussers) van de kern × het percentage "
            f"‘{LONELINESS_INDICATORS[indicator].lower()}’ van de buurten van de kern "
            "(RIVM-modelschatting), naar beneden afgerond; samen nooit meer dan de schatting "
            "voor de hele gemeente. Een grove schatting, geen telling; onbekend zonder "
            "inwonertal.",
        )
    )
    return metrics


def affected_table(scenario: pd.DataFrame, *, kind: str, threshold_m: float) -> pd.DataFrame:
    """The affected kernen with Dutch headers, biggest change first.

    Per kern: the nearest place before and after with its distance, the change in km and
    minutes (extra for :data:`CLOSE`, saved for :data:`OPEN`), whether it loses or gains a
    place within the threshold, its residents and the carried counts.
    """
    words = _wording(kind)
    before = scenario["binnen_voor"].astype(bool)
    after = scenario["binnen_na"].astype(bool)
    changed = before & ~after if kind == CLOSE else ~before & after
    columns = {
        "Kern": scenario["naam"].astype(object),
        "Plek nu": _place_at(scenario["oude_venue_naam"], scenario["oude_afstand_m"]),
        words.new_place: _place_at(scenario["nieuwe_venue_naam"], scenario["nieuwe_afstand_m"]),
        words.difference: words.sign * scenario["verschil_m"] / 1000,
        words.minutes: words.sign * scenario["verschil_minuten"],
        words.kern_coverage.format(within=format_threshold(threshold_m)): np.where(changed, "ja",
                                                                                "nee"),
        "Inwoners": _counts(scenario["inwoners"]),
        **_carried(scenario),
    }
    table = pd.DataFrame(columns, index=scenario.index)
    return table.sort_values([words.difference, "Kern"], ascending=[False, True],
                             na_position="first").reset_index(drop=True)


def styled(table: pd.DataFrame) -> Styler:
    """A table of this module with decimal commas, dotted thousands and ``onbekend``."""
    decimals = [c for c in table.columns if c.endswith(("(km)", "(min)"))]
    counts = [c for c in table.columns if str(table[c].dtype) == "Int64"]
    return (
        table.style.format(precision=1, decimal=",", na_rep="–", subset=decimals)
        .format(thousands=".", na_rep=UNKNOWN, subset=counts)
    )


def export_affected(
    scenario: pd.DataFrame, *, kind: str, threshold_m: float, is_estimate: bool
) -> pd.DataFrame:
    """The affected kernen for download: ids, distances in whole metres, the method.

    Missing values stay empty cells; a kern without a reachable place has no new distance.
    """
    _wording(kind)
    within = format_threshold(threshold_m)
    table = pd.DataFrame(
        {
            "Kern-id": scenario["kern_id"],
            "Kern": scenario["naam"],
            "Gemeentecode": scenario["gemeentecode"],
            "Inwoners": _counts(scenario["inwoners"]),
            "Plek-id nu": scenario["oude_venue_id"],
            "Plek nu": scenario["oude_venue_naam"],
            "Plek-id straks": scenario["nieuwe_venue_id"],
            "Plek straks": scenario["nieuwe_venue_naam"],
            "Afstand nu (m)": _counts(scenario["oude_afstand_m"]),
            "Afstand straks (m)": _counts(scenario["nieuwe_afstand_m"]),
            "Verschil (m)": _counts(scenario["verschil_m"]),
            "Verschil (min)": scenario["verschil_minuten"].astype(float),
            f"Plek binnen {within} nu": np.where(scenario["binnen_voor"], "ja", "nee"),
            f"Plek binnen {within} straks": np.where(scenario["binnen_na"], "ja", "nee"),
        }
    )
    return table.assign(**_carried(scenario), Methode=method_note(is_estimate=is_estimate))


def merge_gains(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """One opening frame from several: per kern the row of the nearest new place.

    Parameters
    ----------
    frames
        Frames of :func:`analysis.scenario.open_venue`, one per new place, computed with the
        same threshold.
    """
    parts = [frame for frame in frames if len(frame)]
    if not parts:
        return pd.DataFrame(columns=list(SCENARIO_COLUMNS))
    merged = pd.concat(parts, ignore_index=True).sort_values("nieuwe_afstand_m", kind="stable")
    return merged.drop_duplicates("kern_id").sort_index().reset_index(drop=True)


def sites_table(sites: pd.DataFrame) -> pd.DataFrame:
    """Chosen sites of :func:`analysis.siting.best_sites` with Dutch headers."""
    weight = sites.attrs.get("gewicht", "inwoners")
    weight_label = "eenzamen (schatting)" if weight == "eenzamen_schatting" else weight
    return pd.DataFrame(
        {
            "Plek": sites["naam"].astype(object),
            "Soort": sites["soort"].map(SITE_KINDS).fillna(sites["soort"]),
            "Nieuw binnen bereik: kernen": _counts(sites["nieuw_gedekte_kernen"]),
            f"Nieuw binnen bereik: {weight_label}": _counts(sites["nieuw_gedekt"]),
            "RD x": _counts(sites["x"]),
            "RD y": _counts(sites["y"]),
        }
    )


def map_places(
    venues: gpd.GeoDataFrame,
    *,
    closed_ids: Iterable[str] = (),
    new_sites: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The places drawn on the map: meeting places (open or closed) and new places.

    Parameters
    ----------
    venues
        The ``venues`` layer; only meeting places are drawn.
    closed_ids
        ``venue_id`` values closed in the scenario.
    new_sites
        New places with columns ``venue_id``, ``naam``, ``x`` and ``y`` (EPSG:28992).

    Returns
    -------
    pandas.DataFrame
        Columns ``venue_id``, ``naam``, ``x``, ``y`` and ``status`` (``open``, ``dicht``,
        ``nieuw``).
    """
    places = meeting_places(venues)
    xy = points_xy(places) if len(places) else np.empty((0, 2))
    closed = set(closed_ids)
    frame = pd.DataFrame(
        {
            "venue_id": places["venue_id"].to_numpy(dtype=object),
            "naam": places["naam"].to_numpy(dtype=object),
            "x": xy[:, 0],
            "y": xy[:, 1],
            "status": np.where(places["venue_id"].isin(closed), "dicht", "open"),
        }
    )
    if new_sites is not None and len(new_sites):
        extra = new_sites[["venue_id", "naam", "x", "y"]].assign(status="nieuw")
        frame = pd.concat([frame, extra], ignore_index=True)
    return frame


def scenario_map(
    reach: pd.DataFrame,
    kernen: gpd.GeoDataFrame,
    scenario: pd.DataFrame,
    places: pd.DataFrame,
    *,
    threshold_m: float,
    title: str,
    subtitle: str = "",
    outline: gpd.GeoDataFrame | None = None,
    source: str = "",
) -> go.Figure:
    """Two map panels, before and after: kernen coloured by distance to the nearest place.

    Drawn with ``go.Scatter`` on RD coordinates (no map tiles, so it renders offline). Affected
    kernen get a dark ring, and in the 'Na' panel a dashed line to their new nearest place.
    Both panels show the chosen area (``outline``, else ``kernen``) and the closed and new
    places, with a margin of :data:`MAP_MARGIN`; open places further away fall outside.

    Parameters
    ----------
    reach
        Reach table of ``kernen`` (same rows): ``kern_id``, ``naam``, ``inwoners``,
        ``venue_naam``, ``afstand_m``.
    kernen
        Kern points in EPSG:28992.
    scenario
        Frame of :mod:`analysis.scenario` (may be empty).
    places
        From :func:`map_places`, of the places of the area and within reach
        (:func:`area_places`).
    threshold_m
        The colour scale is the Kaart's colour-blind-safe YlOrRd scale: yellow-orange up to the
        threshold (the middle), red beyond it up to twice the threshold.
    title, subtitle, source
        Title lines and the source note under the map (wrapped at :data:`SOURCE_WRAP`
        characters, the legend below it).
    outline
        The chosen gemeenten (polygons), drawn as grey borders; their extent is the map's.
    """
    figure = make_subplots(rows=1, cols=2, subplot_titles=("Voor", "Na"),
                           horizontal_spacing=0.02)
    xy = points_xy(kernen) if len(kernen) else np.empty((0, 2))
    after = _after(reach, scenario)
    affected = reach["kern_id"].isin(scenario["kern_id"]).to_numpy()
    for col, (distance, venue) in enumerate(
        [(reach["afstand_m"], reach["venue_naam"]), after], start=1
    ):
        before = col == 1
        if outline is not None and len(outline):
            figure.add_trace(_outline_trace(outline), row=1, col=col)
        if not before:
            figure.add_trace(_links_trace(reach, xy, scenario, places), row=1, col=col)
        kern_traces = _kern_traces(reach, xy, distance, venue, affected, threshold_m,
                                   before=before)
        place_traces = _place_traces(places, after_panel=not before)
        for trace in [*place_traces[:1], *kern_traces, *place_traces[1:]]:
            figure.add_trace(trace, row=1, col=col)
    _frame_axes(figure, _extent(xy, places, outline))
    if not len(kernen):
        figure.add_annotation(text="Geen kernen in beeld", showarrow=False, xref="paper",
                              yref="paper", x=0.5, y=0.5, font={"size": 14})
    notes = textwrap.wrap(source, width=SOURCE_WRAP)
    if notes:
        figure.add_annotation(
            text="<br>".join(plain_plotly(note) for note in notes), showarrow=False,
            xref="paper", yref="paper", x=0, y=0, yshift=-12, xanchor="left", yanchor="top",
            align="left", font={"size": 11, "color": "#555555"},
        )
    bottom = 70 + LINE_PX * max(len(notes) - 1, 0)
    legend_y = -(14 + LINE_PX * len(notes)) / (MAP_HEIGHT - MAP_TOP - bottom)  # under the note
    figure.update_layout(
        title={"text": plain_plotly(title), "subtitle": {"text": plain_plotly(subtitle)},
               "yref": "container", "y": 1, "yanchor": "top", "pad": {"t": 14}},
        separators=",.",
        font={"family": FONT},
        height=MAP_HEIGHT,
        margin={"t": MAP_TOP, "b": bottom, "l": 10, "r": 10},
        legend={"orientation": "h", "yanchor": "top", "y": legend_y, "xanchor": "right",
                "x": 1},
        plot_bgcolor="white",
        hoverlabel={"align": "left"},
    )
    return figure


def _wording(kind: str) -> _Wording:
    if kind not in WORDING:
        raise ValueError(f"onbekend soort scenario {kind!r}; kies uit {', '.join(WORDING)}")
    return WORDING[kind]


def _place_at(names: pd.Series, metres: pd.Series) -> list[str]:
    """``Dorpshuis Anloo (5,1 km)``; ``geen bereikbaar`` without a place or distance."""
    return [f"{name} ({format_km(distance)})" if name is not None and pd.notna(distance)
            else NO_PLACE for name, distance in zip(names, metres, strict=True)]


def _carried(scenario: pd.DataFrame) -> dict[str, pd.Series]:
    """The 65+ and lonely-resident counts of a scenario frame, where present."""
    labels = {"inwoners_65plus": "65-plussers", "eenzamen_schatting": "Eenzamen (schatting)"}
    return {label: _counts(scenario[column]) for column, label in labels.items()
            if column in scenario}


def _counts(values: pd.Series) -> pd.Series:
    """Whole numbers with missing values kept missing (``Int64``)."""
    return pd.to_numeric(values, errors="coerce").round().astype("Int64")


def _text(value: object) -> str:
    return "" if is_missing(value) else str(value)


def _after(reach: pd.DataFrame, scenario: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Distance and place name per kern after the scenario."""
    new = scenario.set_index("kern_id")
    changed = reach["kern_id"].isin(new.index)
    keys = reach.loc[changed, "kern_id"]
    distance = reach["afstand_m"].astype(float).copy()
    venue = reach["venue_naam"].astype(object).copy()
    distance[changed] = keys.map(new["nieuwe_afstand_m"]).to_numpy(dtype=float)
    venue[changed] = keys.map(new["nieuwe_venue_naam"]).to_numpy(dtype=object)
    return distance, venue


def _hover(reach: pd.DataFrame, distance: pd.Series, venue: pd.Series, *,
           before: bool) -> list[str]:
    lines = []
    for naam, inwoners, place, metres, old in zip(
        reach["naam"], reach["inwoners"], venue, distance, reach["afstand_m"], strict=True
    ):
        text = (f"<b>{plain_plotly(naam)}</b><br>"
                f"Inwoners: {format_count(pd.to_numeric(inwoners, errors='coerce'))}<br>"
                f"Dichtstbijzijnde plek: {plain_plotly(place) or NO_PLACE}<br>"
                f"Afstand: {format_km(metres, missing=NO_PLACE)}")
        if not before and pd.notna(old) and metres != old:
            change = format_km(metres - old, sign=True) if pd.notna(metres) else "onbereikbaar"
            text += f" (was {format_km(old, missing=NO_PLACE)}; {change})"
        lines.append(text)
    return lines


def _kern_traces(
    reach: pd.DataFrame,
    xy: np.ndarray,
    distance: pd.Series,
    venue: pd.Series,
    affected: np.ndarray,
    threshold_m: float,
    *,
    before: bool,
) -> list[go.Scatter]:
    """Reachable kernen (coloured, one shared colour bar) and unreachable ones (grey)."""
    values = distance.to_numpy(dtype=float)
    hover = np.array(_hover(reach, distance, venue, before=before), dtype=object)
    known = ~np.isnan(values)
    ring = {"color": np.where(affected, "#222222", "white"), "width": np.where(affected, 2.5, 1)}
    size = np.where(affected, 15, 11)
    limit = float(threshold_m) * 2
    colorbar = {
        "title": {"text": "Afstand", "side": "right"}, "tickvals": [0, threshold_m, limit],
        "ticktext": ["0 km", f"{format_threshold(threshold_m)} (grens)",
                     f"≥ {format_threshold(limit)}"],
        "len": 0.8, "thickness": 14,
    }
    reachable = go.Scatter(
        x=xy[known, 0], y=xy[known, 1], mode="markers", name="Kern (kleur: afstand)",
        legendgroup="kern", showlegend=before, hovertext=hover[known],
        hovertemplate="%{hovertext}<extra></extra>",
        marker={"color": np.minimum(values[known], limit), "cmin": 0, "cmax": limit,
                "colorscale": DISTANCE_SCALE,
                "showscale": before, "colorbar": colorbar, "size": size[known],
                "line": {"color": ring["color"][known], "width": ring["width"][known]}},
    )
    unreachable = go.Scatter(
        x=xy[~known, 0], y=xy[~known, 1], mode="markers", name="Kern zonder bereikbare plek",
        legendgroup="onbereikbaar", showlegend=bool((~known).any()) and not before,
        hovertext=hover[~known], hovertemplate="%{hovertext}<extra></extra>",
        marker={"color": UNREACHABLE, "size": size[~known], "symbol": "circle-x",
                "line": {"color": ring["color"][~known], "width": ring["width"][~known]}},
    )
    return [reachable, unreachable]


def _place_traces(places: pd.DataFrame, *, after_panel: bool) -> list[go.Scatter]:
    """Open meeting places first (drawn under the kernen), then closed and new ones.

    In 'Voor' a place that will close is still open and drawn as such; new places are absent.
    In 'Na' the closed ones are crossed out and the new ones are stars.
    """
    styles = {
        "open": ("Ontmoetingsplek", {"symbol": "square", "color": "#1f6f8b", "size": 9}),
        "dicht": ("Gesloten in het scenario", {"symbol": "x", "color": "#b2182b", "size": 13}),
        "nieuw": ("Nieuwe plek", {"symbol": "star", "color": "#6a3d9a", "size": 18}),
    }
    shown = places if after_panel else places[places["status"] != "nieuw"].assign(status="open")
    traces = []
    for status, (name, marker) in styles.items():
        rows = shown[shown["status"] == status]
        traces.append(
            go.Scatter(
                x=rows["x"], y=rows["y"], mode="markers", name=name, legendgroup=status,
                showlegend=not rows.empty and (status == "open") != after_panel,
                hovertext=[f"<b>{plain_plotly(n)}</b><br>{name}" for n in rows["naam"]],
                hovertemplate="%{hovertext}<extra></extra>",
                marker=marker | {"line": {"color": "white", "width": 1}},
            )
        )
    return traces


def _links_trace(
    reach: pd.DataFrame, xy: np.ndarray, scenario: pd.DataFrame, places: pd.DataFrame
) -> go.Scatter:
    """Dashed lines from each affected kern to its new nearest place (where it is drawn)."""
    where = places.drop_duplicates("venue_id").set_index("venue_id")
    row_of = {kern: i for i, kern in enumerate(reach["kern_id"])}
    xs: list[float | None] = []
    ys: list[float | None] = []
    for kern, venue in zip(scenario["kern_id"], scenario["nieuwe_venue_id"], strict=True):
        if kern in row_of and venue in where.index:
            i = row_of[kern]
            xs += [xy[i, 0], float(where.loc[venue, "x"]), None]
            ys += [xy[i, 1], float(where.loc[venue, "y"]), None]
    return go.Scatter(x=xs, y=ys, mode="lines", name="Naar de nieuwe dichtstbijzijnde plek",
                      line={"color": "#555555", "width": 1.2, "dash": "dash"},
                      hoverinfo="skip", showlegend=bool(xs))


def _outline_trace(outline: gpd.GeoDataFrame) -> go.Scatter:
    xs: list[float | None] = []
    ys: list[float | None] = []
    for geometry in outline.to_crs("EPSG:28992").boundary.explode(index_parts=False):
        if geometry is None or geometry.is_empty:
            continue
        x, y = geometry.xy
        xs += [*x, None]
        ys += [*y, None]
    return go.Scatter(x=xs, y=ys, mode="lines", line={"color": OUTLINE, "width": 1},
                      hoverinfo="skip", showlegend=False, name="Gemeentegrens")


def _extent(
    xy: np.ndarray, places: pd.DataFrame, outline: gpd.GeoDataFrame | None
) -> np.ndarray:
    """Points whose bounding box the map shows: the area, and the closed and new places.

    The area is the box of ``outline``, else the kernen ``xy``; without either, all places.
    """
    subjects = places.loc[places["status"] != "open", ["x", "y"]].to_numpy(dtype=float)
    if outline is not None and len(outline):
        bounds = outline.to_crs("EPSG:28992").total_bounds  # min x, min y, max x, max y
        area = np.asarray(bounds, dtype=float).reshape(2, 2)
    elif len(xy):
        area = xy
    else:
        area = places[["x", "y"]].to_numpy(dtype=float)
    points = np.vstack([area, subjects])
    finite: np.ndarray = points[np.isfinite(points).all(axis=1)]
    return finite


def _frame_axes(figure: go.Figure, points: np.ndarray) -> None:
    """The box of ``points`` plus a margin in both panels, at equal scale; no ticks.

    RD metres mean little to users, so the axes have no tick labels.
    """
    axis = {"showticklabels": False, "showgrid": False, "zeroline": False, "ticks": "",
            "showline": True, "linecolor": "#dddddd", "mirror": True}
    if len(points):
        pad = max(np.ptp(points[:, 0]), np.ptp(points[:, 1]), 1000.0) * MAP_MARGIN
        figure.update_xaxes(range=[points[:, 0].min() - pad, points[:, 0].max() + pad])
        figure.update_yaxes(range=[points[:, 1].min() - pad, points[:, 1].max() + pad])
    figure.update_xaxes(**axis)
    figure.update_yaxes(**axis)
    figure.update_layout(
        yaxis={"scaleanchor": "x", "scaleratio": 1},
        xaxis2={"matches": "x"},
        yaxis2={"matches": "y", "scaleanchor": "x2", "scaleratio": 1},
    )
