"""Builders of the Scenario page: Dutch labels, escaped names, empty frames, typed points."""

from __future__ import annotations

import csv
import html
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, Polygon

from analysis.reach import kern_reach
from analysis.scenario import SCENARIO_COLUMNS, close_venues, open_venue
from analysis.siting import SITING_COLUMNS
from views import scenario as sv
from views.export import excel_csv
from views.sources import detour_words
from views.text import format_km

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def _kernen() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"kern_id": ["k1", "k2", "k3"], "naam": ["Schipborg", "Anloo", SCRIPT],
         "gemeentecode": ["GM1680"] * 3, "buurtcode": ["BU16800500", "BU16800200", "BU16800100"],
         "inwoners": [530.0, 325.0, np.nan]},
        geometry=[Point(241024, 566116), Point(243134, 562723), Point(252000, 550000)],
        crs="EPSG:28992",
    )


def _venues() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"venue_id": ["v1", "v2", "v3", "v4"],
         "naam": ["Dorpshuis Schipborg", "Dorpshuis Anloo", SCRIPT, "Zorgcentrum Dekelhem"],
         "soort": ["dorpshuis", "dorpshuis", "buurthuis", "zorg"],
         "ontmoetingsplek": [True, True, True, False],
         "plaats": ["Schipborg", "Anloo", "Gieten", "Gieten"],
         "gemeentecode": ["GM1680", "GM1680", "GM1680", "GM1680"]},
        geometry=[Point(241100, 566250), Point(243400, 563000), Point(251000, 551000),
                  Point(247513, 558442)],
        crs="EPSG:28992",
    )


@pytest.fixture
def case() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, pd.DataFrame]:
    kernen, venues = _kernen(), _venues()
    return kernen, venues, kern_reach(kernen, venues, mode="bike")


def _closed(case, ids=("v1",)) -> pd.DataFrame:
    kernen, venues, reach = case
    return close_venues(reach, list(ids), kernen=kernen, venues=venues, mode="bike",
                        threshold_m=2000)


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=list(SCENARIO_COLUMNS))


def test_method_note_names_the_detour_factor_of_an_estimate() -> None:
    assert sv.method_note(is_estimate=True) == (
        f"hemelsbreed × {detour_words()} (schatting; geen wegennet opgeslagen)"
    )
    assert sv.method_note(is_estimate=False) == "over het wegennet"


def test_venue_choices_list_meeting_places_and_other_buildings() -> None:
    venues = _venues()
    reach = pd.DataFrame({"venue_id": ["v1"], "tweede_venue_id": [None]})
    places = sv.area_places(venues, gemeenten=["GM1680"], kernen=venues.iloc[:0], reach=reach)
    assert sv.venue_options(places) == {
        "v2": "Dorpshuis Anloo (Dorpshuis)",
        "v3": f"{SCRIPT}, Gieten (Buurthuis / wijkcentrum)",
        "v1": "Dorpshuis Schipborg (Dorpshuis)",
    }
    assert sv.building_sites(venues, ["GM1680"]) == {
        "v4": "Zorgcentrum Dekelhem, Gieten (Zorginstelling)"
    }
    assert sv.building_sites(venues, ["GM0308"]) == {}
    assert sv.venue_label({"naam": None, "plaats": None, "soort": None}) == "(naamloos)"


def test_closable_places_are_the_area_and_its_border_within_reach() -> None:
    venues = _venues()
    venues.loc[venues["venue_id"] == "v2", "gemeentecode"] = "GM0106"  # 3 km over the border
    venues.loc[venues["venue_id"] == "v3", "gemeentecode"] = "GM0114"  # 17 km away
    kernen = gpd.GeoDataFrame({"kern_id": ["k1"]}, geometry=[Point(241000, 566000)],
                              crs="EPSG:28992")
    reach = pd.DataFrame({"venue_id": ["v1"], "tweede_venue_id": ["v2"]})
    near = sv.area_places(venues, gemeenten=["GM1680"], kernen=kernen,
                          reach=reach.assign(tweede_venue_id=[None]))
    assert list(sv.venue_options(near)) == ["v2", "v1"], "v3 lies beyond the border reach"
    far = sv.area_places(venues, gemeenten=["GM1680"], kernen=kernen,
                         reach=reach.assign(tweede_venue_id=["v3"]))
    assert set(far["venue_id"]) == {"v1", "v2", "v3"}, "a kern's second place is always kept"


def test_nobody_affected_is_zero_not_unknown() -> None:
    metrics = sv.summary_metrics(_empty(), kind=sv.CLOSE, threshold_m=2000)
    assert {m.label: m.value for m in metrics}["Inwoners geraakt"] == "0"
    assert all(m.value == "0" for m in metrics)


@pytest.mark.parametrize(
    ("first", "second", "system", "expected"),
    [
        ("241024", "566116", "rd", (241024.0, 566116.0)),
        (" 241024,5 ", "566116.25", "rd", (241024.5, 566116.25)),
    ],
)
def test_parse_point_reads_rd(first, second, system, expected) -> None:
    assert sv.parse_point(first, second, system=system) == expected


def test_parse_point_converts_latitude_longitude_to_rd() -> None:
    x, y = sv.parse_point("52,15517440", "5,38720621", system="wgs84")
    assert (x, y) == pytest.approx((155000.0, 463000.0), abs=1.0)


@pytest.mark.parametrize(
    ("first", "second", "system", "message"),
    [
        ("", "566116", "rd", "Vul x in."),
        ("241024", "  ", "rd", "Vul y in."),
        ("abc", "566116", "rd", "X ‘abc’ is geen getal."),
        ("241.024", "566.116", "rd", "ligt niet in Nederland"),
        ("1e400", "566116", "rd", "X ‘1e400’ is geen getal."),
        ("nan", "566116", "rd", "X ‘nan’ is geen getal."),
        ("48,85", "2,35", "wgs84", "ligt niet in Nederland (breedtegraad 50,7 tot 53,7"),
        ("6,68", "53,06", "wgs84", "Breedte- en lengtegraad lijken omgewisseld"),
        ("1", "2", "utm", "Onbekend coördinatenstelsel ‘utm’."),
    ],
)
def test_parse_point_refuses_unusable_input_in_dutch(first, second, system, message) -> None:
    with pytest.raises(sv.PointError) as caught:
        sv.parse_point(first, second, system=system)
    assert message in str(caught.value)


def test_summary_metrics_of_a_closure(case) -> None:
    scenario = _closed(case).assign(eenzamen_schatting=[222.0])
    metrics = sv.summary_metrics(scenario, kind=sv.CLOSE, threshold_m=2000)
    assert [(m.label, m.value) for m in metrics] == [
        ("Kernen geraakt", "1"),
        ("Verliezen plek binnen 2 km", "1"),
        ("Inwoners geraakt", "530"),
        ("Eenzamen (schatting)", "222"),
    ]
    assert "530 van hen verliezen hun plek binnen 2 km" in metrics[2].help
    assert "percentage ‘eenzaam’ van de buurten van de kern" in metrics[3].help
    severe = sv.summary_metrics(scenario, kind=sv.CLOSE, threshold_m=2000,
                                indicator="ernstig_eenzaam_pct")
    assert "‘(zeer) ernstig eenzaam’" in severe[-1].help


def test_summary_metrics_of_an_opening_with_unknown_residents(case) -> None:
    kernen, _, reach = case
    scenario = open_venue(reach, (252000.0, 550100.0), kernen=kernen, mode="bike", name="Nieuw",
                          threshold_m=2000)
    metrics = {m.label: m for m in sv.summary_metrics(scenario, kind=sv.OPEN, threshold_m=2000)}
    assert list(metrics) == ["Kernen dichterbij", "Krijgen plek binnen 2 km",
                             "Inwoners dichterbij", "Eenzamen (schatting)"]
    assert metrics["Kernen dichterbij"].value == "1"
    assert metrics["Inwoners dichterbij"].value == "onbekend"
    assert "Van 1 kern(en) is het inwonertal onbekend" in metrics["Inwoners dichterbij"].help
    assert metrics["Eenzamen (schatting)"].value == "onbekend"


def test_summary_metrics_show_65_plus_when_known(case) -> None:
    scenario = _closed(case).assign(inwoners_65plus=[120.0])
    labels = {m.label: m.value for m in sv.summary_metrics(scenario, kind=sv.CLOSE,
                                                            threshold_m=2000)}
    assert labels["65-plussers"] == "120"


def test_affected_table_has_dutch_headers_and_old_and_new_place(case) -> None:
    scenario = _closed(case)
    table = sv.affected_table(scenario, kind=sv.CLOSE, threshold_m=2000)
    assert list(table.columns) == ["Kern", "Plek nu", "Plek straks", "Extra (km)",
                                   "Extra (min)", "Verliest plek binnen 2 km", "Inwoners"]
    row = table.iloc[0]
    expected = scenario.iloc[0]
    assert row["Kern"] == "Schipborg"
    assert row["Plek nu"] == f"Dorpshuis Schipborg ({format_km(expected['oude_afstand_m'])})"
    assert row["Plek straks"] == f"Dorpshuis Anloo ({format_km(expected['nieuwe_afstand_m'])})"
    assert row["Extra (km)"] == pytest.approx(expected["verschil_m"] / 1000)
    assert row["Verliest plek binnen 2 km"] == "ja"


def test_affected_table_when_no_place_is_left(case) -> None:
    scenario = _closed(case, ids=("v1", "v2", "v3"))
    table = sv.affected_table(scenario, kind=sv.CLOSE, threshold_m=2000)
    assert set(table["Plek straks"]) == {"geen bereikbaar"}
    assert table["Extra (km)"].isna().all()
    html = sv.styled(table).to_html()
    assert "geen bereikbaar" in html
    assert "onbekend" in html


def test_opening_table_sorts_by_distance_saved(case) -> None:
    kernen, _, reach = case
    scenario = open_venue(reach, (242000.0, 564500.0), kernen=kernen, mode="bike",
                          name="Nieuw", threshold_m=2000)
    table = sv.affected_table(scenario, kind=sv.OPEN, threshold_m=2000)
    assert "Nieuwe plek" in table
    assert "Krijgt plek binnen 2 km" in table
    assert table["Korter (km)"].is_monotonic_decreasing
    assert (table["Korter (km)"] > 0).all()


def test_export_is_a_dutch_csv_with_ids_and_method(case) -> None:
    scenario = _closed(case).assign(eenzamen_schatting=[np.nan])
    data = excel_csv(sv.export_affected(scenario, kind=sv.CLOSE, threshold_m=2000,
                                        is_estimate=True))
    columns, row = csv.reader(data.decode("utf-8-sig").splitlines(), delimiter=";")
    values = dict(zip(columns, row, strict=True))
    assert columns[:4] == ["Kern-id", "Kern", "Gemeentecode", "Inwoners"]
    assert values["Plek-id nu"] == "v1"
    assert values["Plek-id straks"] == "v2"
    assert values["Afstand straks (m)"] == str(round(scenario["nieuwe_afstand_m"].iloc[0]))
    assert values["Plek binnen 2 km straks"] == "nee"
    assert values["Eenzamen (schatting)"] == ""
    assert values["Methode"] == sv.method_note(is_estimate=True)


def test_merge_gains_keeps_the_nearest_new_place_per_kern(case) -> None:
    kernen, _, reach = case
    frames = [
        open_venue(reach, xy, kernen=kernen, mode="bike", name=name, venue_id=name,
                   threshold_m=2000)
        for name, xy in (("a", (252000.0, 551000.0)), ("b", (252000.0, 550200.0)))
    ]
    merged = sv.merge_gains(frames)
    assert merged["kern_id"].tolist() == ["k3"]
    assert merged["nieuwe_venue_id"].tolist() == ["b"]
    assert sv.merge_gains([]).empty


def test_sites_table_names_the_weight() -> None:
    sites = pd.DataFrame(
        [["v4", "Zorgcentrum Dekelhem", "gebouw", 247513.5, 558441.7, 2, 4575.0]],
        columns=list(SITING_COLUMNS),
    )
    sites.attrs["gewicht"] = "eenzamen_schatting"
    table = sv.sites_table(sites)
    assert list(table.columns) == ["Plek", "Soort", "Nieuw binnen bereik: kernen",
                                   "Nieuw binnen bereik: eenzamen (schatting)", "RD x", "RD y"]
    assert table.iloc[0].tolist() == ["Zorgcentrum Dekelhem", "bestaand gebouw", 2, 4575,
                                      247514, 558442]


def _figure(case, scenario, places, **kwargs):
    kernen, _, reach = case
    outline = gpd.GeoDataFrame(
        geometry=[Polygon([(235000, 545000), (260000, 545000), (260000, 570000)])],
        crs="EPSG:28992",
    )
    return sv.scenario_map(reach, kernen, scenario, places, threshold_m=2000,
                           title=f"Als {SCRIPT} sluit", subtitle="Afstand · fietsen",
                           outline=outline, source="Bron: CBS", **kwargs)


def test_map_is_dutch_and_escapes_names(case) -> None:
    _, venues, _ = case
    scenario = _closed(case, ids=("v3",))
    figure = _figure(case, scenario, sv.map_places(venues, closed_ids=["v3"]))
    layout = figure.layout
    assert layout.title.text == f"Als {ESCAPED} sluit"
    assert [a.text for a in layout.annotations][:2] == ["Voor", "Na"]
    names = {trace.name for trace in figure.data if trace.showlegend}
    assert names == {"Ontmoetingsplek", "Kern (kleur: afstand)", "Gesloten in het scenario",
                     "Naar de nieuwe dichtstbijzijnde plek"}
    colour_bar = next(t.marker.colorbar for t in figure.data if t.marker.showscale)
    assert colour_bar.title.text == "Afstand"
    assert list(colour_bar.ticktext) == ["0 km", "2 km (grens)", "≥ 4 km"]
    hover = [text for trace in figure.data if trace.hovertext is not None
             for text in trace.hovertext]
    assert any(ESCAPED in text for text in hover)
    assert SCRIPT not in json.dumps(figure.to_plotly_json(), default=str)
    before, after = [t for t in figure.data if t.name == "Gesloten in het scenario"]
    assert len(before.x) == 0
    assert list(after.hovertext) == [f"<b>{ESCAPED}</b><br>Gesloten in het scenario"]
    kernen_after = [t for t in figure.data if t.name == "Kern (kleur: afstand)"][1]
    assert any("(was " in text for text in kernen_after.hovertext)


def test_map_draws_new_places_only_after(case) -> None:
    _, venues, _ = case
    site = pd.DataFrame({"venue_id": ["nieuw"], "naam": ["Nieuwe plek"], "x": [252000.0],
                         "y": [550100.0]})
    figure = _figure(case, _empty(), sv.map_places(venues, new_sites=site))
    stars = [t for t in figure.data if t.name == "Nieuwe plek"]
    assert [len(t.x) for t in stars] == [0, 1]
    assert stars[1].xaxis == "x2"


def test_map_survives_empty_frames(case) -> None:
    kernen, venues, reach = case
    no_places = sv.map_places(venues.iloc[:0])
    figure = sv.scenario_map(reach.iloc[:0], kernen.iloc[:0], _empty(), no_places,
                             threshold_m=1000, title="Leeg")
    assert "Geen kernen in beeld" in [a.text for a in figure.layout.annotations]
    figure = _figure(case, _empty(), no_places)
    assert figure.layout.title.text == f"Als {ESCAPED} sluit"
    assert all(t.name != "Naar de nieuwe dichtstbijzijnde plek" or not t.showlegend
               for t in figure.data)


def _ranges(figure) -> tuple[list[float], list[float]]:
    return list(figure.layout.xaxis.range), list(figure.layout.yaxis.range)


def test_map_shows_the_area_not_every_place_of_the_country(case) -> None:
    kernen, venues, reach = case
    far = gpd.GeoDataFrame(
        {"venue_id": ["ams", "mst"], "naam": ["Buurthuis Amsterdam", "Buurthuis Maastricht"],
         "soort": ["buurthuis"] * 2, "ontmoetingsplek": [True] * 2,
         "plaats": ["Amsterdam", "Maastricht"], "gemeentecode": ["GM0363", "GM0935"]},
        geometry=[Point(121000, 487000), Point(176000, 317000)], crs="EPSG:28992",
    )
    country = pd.concat([venues, far], ignore_index=True)
    places = sv.area_places(country, gemeenten=["GM1680"], kernen=kernen, reach=reach)
    assert set(places["venue_id"]) == {"v1", "v2", "v3"}
    closed = ("v1",)
    figure = _figure(case, _closed(case, ids=closed), sv.map_places(places, closed_ids=closed))
    drawn = {n for t in figure.data if t.hovertext is not None and t.name != "Kern (kleur: "
             "afstand)" for n in t.hovertext}
    assert not any("Amsterdam" in n or "Maastricht" in n for n in drawn)
    (x_low, x_high), (y_low, y_high) = _ranges(figure)
    margin = 25_000 * sv.MAP_MARGIN  # the outline of _figure is 25 km wide and high
    assert (x_low, x_high) == pytest.approx((235_000 - margin, 260_000 + margin))
    assert (y_low, y_high) == pytest.approx((545_000 - margin, 570_000 + margin))
    everything = _figure(case, _empty(), sv.map_places(country))
    assert _ranges(everything) == _ranges(figure), "places far away do not widen the map"


def test_map_extent_follows_the_kernen_without_outline_and_shows_a_new_place(case) -> None:
    kernen, venues, reach = case
    site = pd.DataFrame({"venue_id": ["nieuw"], "naam": ["Nieuwe plek"], "x": [262000.0],
                         "y": [550000.0]})
    figure = sv.scenario_map(reach, kernen, _empty(), sv.map_places(venues, new_sites=site),
                             threshold_m=2000, title="Nieuw")
    (x_low, x_high), (y_low, y_high) = _ranges(figure)
    xy = np.array([[p.x, p.y] for p in kernen.geometry])
    pad = (262_000 - xy[:, 0].min()) * sv.MAP_MARGIN
    assert (x_low, x_high) == pytest.approx((xy[:, 0].min() - pad, 262_000 + pad))
    assert (y_low, y_high) == pytest.approx((xy[:, 1].min() - pad, xy[:, 1].max() + pad))


def test_a_long_source_note_wraps_above_the_legend(case) -> None:
    kernen, venues, reach = case
    source = "Bron: " + "; ".join(f"Bronhouder {i} <{i}> (CC BY 4.0)" for i in range(12))
    short = _figure(case, _empty(), sv.map_places(venues))
    figure = sv.scenario_map(reach, kernen, _empty(), sv.map_places(venues), threshold_m=2000,
                             title="Lang", source=source)
    [note] = [a.text for a in figure.layout.annotations if a.text.startswith("Bron: ")]
    lines = note.split("<br>")
    assert len(lines) > 1
    assert all(len(html.unescape(line)) <= sv.SOURCE_WRAP for line in lines)
    assert " ".join(lines) == source.replace("<", "&lt;").replace(">", "&gt;")
    assert figure.layout.margin.b > short.layout.margin.b
    assert figure.layout.legend.y < short.layout.legend.y < 0


def test_unknown_scenario_kind_is_refused(case) -> None:
    with pytest.raises(ValueError, match="onbekend soort scenario"):
        sv.affected_table(_closed(case), kind="verhuizen", threshold_m=2000)
