"""Map figures: EPSG:4326 output, simplification, payload, escaping, estimate labels, networks."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, box

from analysis.indicators import kern_links, kern_loneliness, loneliness_slice
from analysis.nearest import METHOD_NETWORK, METHOD_STRAIGHT_LINE
from analysis.network import graph_from_edges
from analysis.reach import kern_reach, reach_summary
from loaders.store import Store
from tests.region_stores import REGION, demo_region_store
from views import maps
from views.kernen import kern_table

RD = "EPSG:28992"
TEXT = maps.MapText(mode_label="fietsen", threshold_m=2000, estimate=True, area="Aa en Hunze")


def _layers(root: Path) -> dict[str, pd.DataFrame]:
    store = Store(root)
    return {layer: store.read_layer(REGION, layer)
            for layer in ("gemeenten", "buurten", "kernen", "venues", "eenzaamheid",
                          "bereik_bike")}


def _table(layers: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The kern table as the pages make it: the stored reach, with loneliness and names."""
    reach = layers["bereik_bike"]
    links = kern_links(layers["kernen"], layers["buurten"], layers["eenzaamheid"])
    reach = kern_loneliness(reach, layers["eenzaamheid"], links=links, indicator="eenzaam_pct",
                            leeftijd="18+", jaar=2020, gemeenten=layers["gemeenten"])
    names = dict(zip(layers["gemeenten"]["code"], layers["gemeenten"]["naam"], strict=True))
    return kern_table(reach, gemeente_namen=names)


@pytest.fixture(scope="module")
def aa(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    return _layers(demo_region_store(tmp_path_factory, "aa-en-hunze"))


@pytest.fixture(scope="module")
def drenthe(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    return _layers(demo_region_store(tmp_path_factory, "drenthe"))


def _browser_json(figure) -> dict:
    """The figure as the browser receives it."""
    return json.loads(figure.to_json())


def _plain(text: str) -> str:
    """A wrapped plotly text as one line."""
    return text.replace("<br>", " ")


def _coordinates(geojson: dict) -> np.ndarray:
    shapes = [shapely.geometry.shape(f["geometry"]) for f in geojson["features"]]
    return shapely.get_coordinates(shapes)


def test_simplify_tolerance_grows_with_the_area() -> None:
    assert maps.simplify_tolerance((0, 0, 30_000, 25_000)) == 10.0
    assert maps.simplify_tolerance((0, 0, 90_000, 110_000)) == 50.0
    assert maps.simplify_tolerance((0, 0, 280_000, 300_000)) == 250.0
    assert maps.marker_scale((0, 0, 30_000, 25_000)) == 1.0
    assert maps.marker_scale((0, 0, 90_000, 110_000)) < 1.0


def test_buurt_polygons_are_wgs84_rounded_and_lighter(shared_data: Path) -> None:
    full = gpd.read_file(shared_data / "wof_cbs_buurten_2016_aa_en_hunze_fullres.geojson")
    buurten = full.to_crs(RD).assign(code=[f"b{i}" for i in range(len(full))])
    before = shapely.get_num_coordinates(buurten.geometry.to_numpy()).sum()
    geojson = maps.area_geojson(buurten, tolerance=10.0)
    coords = _coordinates(geojson)
    assert len(coords) < 0.8 * before
    assert len(maps.area_geojson(buurten, tolerance=50.0)["features"]) == len(buurten)
    assert len(_coordinates(maps.area_geojson(buurten, tolerance=50.0))) < len(coords)
    lon, lat = coords[:, 0], coords[:, 1]
    assert ((lon > 6.4) & (lon < 7.0)).all()
    assert ((lat > 52.8) & (lat < 53.2)).all()
    assert np.array_equal(coords, np.round(coords, 5))
    assert [f["id"] for f in geojson["features"]] == list(buurten["code"])


def test_map_view_centres_on_the_area(aa) -> None:
    bounds = tuple(aa["gemeenten"].total_bounds)
    view = maps.map_view(bounds)
    centre = gpd.GeoSeries([Point(view["center"]["lon"], view["center"]["lat"])],
                           crs="EPSG:4326").to_crs(RD).iloc[0]
    assert shapely.box(*bounds).contains(centre)
    assert 8.5 < view["zoom"] < 11.5
    assert maps.map_view((0, 300_000, 280_000, 620_000))["zoom"] < view["zoom"]


def _tiny_layers(name: str) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    kernen = gpd.GeoDataFrame(
        {"kern_id": ["k1", "k2"], "naam": [name, "Ver weg"], "gemeentecode": ["GM0001"] * 2,
         "buurtcode": ["BU00010001", "BU00010002"], "inwoners": [120, None],
         "source": ["eigen <lijst>", "test"]},
        geometry=[Point(240000, 560000), Point(250000, 560000)], crs=RD,
    )
    venues = gpd.GeoDataFrame(
        {"venue_id": ["v1", "v2"], "naam": [f"Huis {name}", "Kerk & school"],
         "soort": ["dorpshuis", "kerkgebouw"], "ontmoetingsplek": [True, False],
         "reden": ["eigen lijst", "telt niet"], "adres": ["Dorpsstraat 1", None],
         "plaats": [name, None], "source": ["upload", "osm"], "peildatum": ["2024-01-01", None]},
        geometry=[Point(240300, 560400), Point(250100, 560000)], crs=RD,
    )
    return kernen, venues


def test_hover_text_escapes_names_from_files() -> None:
    script = "<script>alert(1)</script>"
    kernen, venues = _tiny_layers(script)
    reach = kern_reach(kernen, venues, mode="bike")
    table = kern_table(reach, gemeente_namen={"GM0001": "Gem <b>"})
    figure = _browser_json(maps.buurten_map(None, pd.Series(dtype=float), table, kernen, venues,
                                            TEXT, indicator="eenzaam_pct", jaar=None,
                                            leeftijd=None))
    hovers = [h for trace in figure["data"] for h in trace.get("hovertext", [])]
    assert any("&lt;script&gt;alert(1)&lt;/script&gt;" in h for h in hovers)
    assert not any("<script>" in h or "Gem <b>" in h for h in hovers)
    assert any("Kerk &amp; school" in h for h in hovers)
    assert any("Bron kern: eigen &lt;lijst&gt;" in h for h in hovers)


def test_estimate_is_labelled_in_hover_colourbar_and_subtitle() -> None:
    kernen, venues = _tiny_layers("Aadorp")
    table = kern_table(kern_reach(kernen, venues, mode="bike"), gemeente_namen={})
    figure = maps.buurten_map(None, pd.Series(dtype=float), table, kernen, venues, TEXT,
                              indicator="eenzaam_pct", jaar=None, leeftijd=None)
    [kern_trace] = [t for t in figure.data if t.name == "Kern (kleur = afstand)"]
    assert all(METHOD_STRAIGHT_LINE in h for h in kern_trace.hovertext)
    assert "schatting" in kern_trace.marker.colorbar.title.text
    assert "hemelsbreed (schatting)" in _plain(figure.layout.title.subtitle.text)
    assert "grens 2 km" in kern_trace.marker.colorbar.ticktext
    assert list(kern_trace.customdata) == ["k1", "k2"]


def test_network_distances_carry_no_estimate_label_and_unreachable_kern_is_grey() -> None:
    kernen, venues = _tiny_layers("Aadorp")
    xs = np.arange(239_500.0, 241_001.0, 250.0)
    x, y = np.meshgrid(xs, np.arange(559_500.0, 561_001.0, 250.0))
    x, y = x.ravel(), y.ravel()
    n = len(xs)
    right = [(i, i + 1) for i in range(len(x)) if (i + 1) % n]
    up = [(i, i + n) for i in range(len(x) - n)]
    u, v = np.array(right + up).T
    graph = graph_from_edges(x, y, u, v, np.hypot(x[u] - x[v], y[u] - y[v]), mode="bike")
    table = kern_table(kern_reach(kernen, venues, mode="bike", graph=graph), gemeente_namen={})
    assert table["methode"].tolist() == [METHOD_NETWORK, METHOD_NETWORK]
    text = maps.MapText(mode_label="fietsen", threshold_m=2000, estimate=False)
    figure = maps.buurten_map(None, pd.Series(dtype=float), table, kernen, venues, text,
                              indicator="eenzaam_pct", jaar=None, leeftijd=None, selected="k1")
    by_name = {t.name: t for t in figure.data}
    assert "schatting" not in figure.layout.title.subtitle.text
    assert "schatting" not in by_name["Kern (kleur = afstand)"].marker.colorbar.title.text
    # k1 sits on node (240000, 560000); the venue snaps to node (240250, 560500): 750 m apart
    venue_leg = np.hypot(240300 - 240250, 560400 - 560500)
    assert table.loc[0, "afstand_m"] == pytest.approx(750.0 + venue_leg)
    assert f"Methode: {METHOD_NETWORK}" in by_name["Kern (kleur = afstand)"].hovertext[0]
    lost = by_name["Kern zonder bereikbare plek"]
    assert list(lost.customdata) == ["k2"]
    assert "te ver van het wegennet" in lost.hovertext[0]
    assert by_name["Gekozen kern: Aadorp"].lon == (
        round(kernen.to_crs("EPSG:4326").geometry.x[0], 5),)
    [names] = [t for t in figure.data if t.name == "Namen van kernen"]
    assert names.text[0] == "Aadorp", "the chosen kern is named first"


def test_suppressed_and_unknown_buurten_are_grey_not_zero() -> None:
    buurten = gpd.GeoDataFrame(
        {"code": ["BU1", "BU2", "BU3"], "naam": ["Een", "Twee", "Drie"]},
        geometry=[box(240000, 560000, 241000, 561000), box(241000, 560000, 242000, 561000),
                  box(242000, 560000, 243000, 561000)], crs=RD,
    )
    values = pd.Series({"BU1": 41.23, "BU2": np.nan})
    coloured, grey = maps.buurt_traces(buurten, values, indicator="eenzaam_pct", jaar=2020,
                                       leeftijd="18+", tolerance=10.0)
    assert list(coloured.locations) == ["BU1"]
    assert list(coloured.z) == [41.2]
    assert "2020, 18 jaar en ouder, modelschatting" in _plain(coloured.colorbar.title.text)
    assert coloured.colorbar.orientation == "h", "colour bars lie under the map"
    assert list(grey.locations) == ["BU2", "BU3"]
    assert "onderdrukt" in grey.hovertext[0]
    assert "geen cijfer in deze buurtindeling" in grey.hovertext[1]
    assert grey.name == "Buurt zonder cijfer (onderdrukt)"


def test_gemeenten_coloured_by_share_without_meeting_place(aa) -> None:
    table = _table(aa)
    summary = reach_summary(table, [2000])
    outside = int((~table["afstand_m"].le(2000)).sum())
    figure = maps.gemeenten_map(aa["gemeenten"], summary, table, aa["kernen"], TEXT)
    [area] = [t for t in figure.data if t.type == "choroplethmap"]
    assert list(area.locations) == ["GM1680"]
    assert area.z[0] == pytest.approx(round(100 * outside / len(table), 1))
    assert f"{outside} van {len(table)}" in area.hovertext[0]
    kern_ids = [i for t in figure.data if t.customdata is not None for i in t.customdata]
    assert len(kern_ids) == outside
    by_inwoners = maps.share_without(summary, 2000, measure="inwoners")
    known = pd.to_numeric(table["inwoners"], errors="coerce")
    far = known[~table["afstand_m"].le(2000)].sum()
    assert by_inwoners.iloc[0] == pytest.approx(100 * far / known.sum())


def test_aa_en_hunze_map_shows_layers_with_their_sources(aa) -> None:
    table = _table(aa)
    values = loneliness_slice(aa["eenzaamheid"], indicator="eenzaam_pct", leeftijd="18+",
                              jaar=2020)
    figure = maps.buurten_map(aa["buurten"], values, table, aa["kernen"], aa["venues"], TEXT,
                              indicator="eenzaam_pct", jaar=2020, leeftijd="18+",
                              gemeenten=aa["gemeenten"])
    names = [t.name for t in figure.data if t.showlegend is not False and t.name]
    assert names[:3] == ["Eenzaam (%)", "Buurt zonder cijfer (onderdrukt)", "Gemeentegrens"]
    assert "Ontmoetingsplek (telt mee)" in names
    assert "Andere plek (telt niet mee)" in names
    counting = [t for t in figure.data if t.name == "Ontmoetingsplek (telt mee)" and t.hovertext]
    assert any("Dorpshuis Schipborg" in h and "Stemlokaal TK2023" in h
               for h in counting[0].hovertext)
    assert figure.layout.map.style == "white-bg"
    assert not figure.layout.map.layers, "no background map unless the page passes one"
    assert _plain(figure.layout.title.text) == (
        "Kernen, ontmoetingsplekken en eenzaamheid in Aa en Hunze")
    assert not figure.layout.annotations, "sources are the page's and the export's, once"


def test_province_map_payload_stays_small(drenthe) -> None:
    table = _table(drenthe)
    values = loneliness_slice(drenthe["eenzaamheid"], indicator="eenzaam_pct", leeftijd="18+",
                              jaar=2020)
    detail = maps.buurten_map(drenthe["buurten"], values, table, drenthe["kernen"],
                              drenthe["venues"], TEXT, indicator="eenzaam_pct", jaar=2020,
                              leeftijd="18+", gemeenten=drenthe["gemeenten"])
    overview = maps.gemeenten_map(drenthe["gemeenten"], reach_summary(table, [2000]), table,
                                  drenthe["kernen"], TEXT)
    assert len(detail.to_json()) < 2_000_000
    assert len(overview.to_json()) < 300_000
    [area] = [t for t in overview.data if t.type == "choroplethmap"]
    assert len(area.locations) == 12


def test_changed_buurt_shapes_are_grey_and_the_map_says_which_years() -> None:
    from shapely.geometry import box

    buurten = gpd.GeoDataFrame(
        {"code": ["BU00010001", "BU00010002", "BU00010101"], "naam": ["A", "B", "C"],
         "indeling": "2016"},
        geometry=[box(150000, 450000, 151000, 451000), box(151000, 450000, 152000, 451000),
                  box(152000, 450000, 153000, 451000)], crs="EPSG:28992")
    figure_codes = {"BU00010001", "BU00010002", "BU00010003", "BU00010101"}
    note = maps.boundary_note(buurten, figure_codes, figure_indeling="2020")
    assert note == ["Buurtgrenzen van 2016, cijfers op de buurtindeling van 2020.",
                    "2 buurten met een veranderde grens zijn grijs.",
                    ("1 buurten met een cijfer staan niet op de kaart (wel in de tabel bij "
                    "Eenzaamheid).")]
    assert maps.boundary_note(buurten.assign(indeling="2020"), figure_codes,
                              figure_indeling="2020") == []
    values = pd.Series({"BU00010001": 40.0, "BU00010002": 45.0, "BU00010101": 50.0})
    coloured, grey = maps.buurt_traces(buurten, values, indicator="eenzaam_pct", jaar=2020,
                                       leeftijd="18+", tolerance=1.0,
                                       changed=["BU00010001", "BU00010002"])
    assert list(coloured.locations) == ["BU00010101"]
    assert list(grey.locations) == ["BU00010001", "BU00010002"]
    assert all(maps.CHANGED_TEXT in text for text in grey.hovertext)
    figure = maps.map_figure([coloured, grey], bounds=buurten.total_bounds, title="t",
                             subtitle=["eerste regel <b>", *note], revision="r")
    subtitle = figure.layout.title.subtitle.text
    assert subtitle.startswith("eerste regel &lt;b&gt;<br>")
    assert all(len(line) <= maps.SUBTITLE_CHARS for line in subtitle.split("<br>")[1:])
    assert _plain(subtitle.removeprefix("eerste regel &lt;b&gt;<br>")) == " ".join(note)


def test_aa_en_hunze_labels_do_not_overlap_and_the_title_names_the_gemeente(aa) -> None:
    table = _table(aa)
    bounds = maps._bounds(aa["buurten"])
    labels = maps.place_kern_labels(table, aa["kernen"], bounds=bounds, obstacles=aa["venues"])
    people = pd.to_numeric(table["inwoners"], errors="coerce").fillna(0)
    largest = table.loc[people.idxmax(), "naam"]
    assert labels.texts[0] == largest
    assert 5 <= len(labels.texts) <= maps.label_limit(bounds)
    assert set(labels.positions) <= {"top center", "bottom center", "middle right",
                                     "middle left"}
    boxes = labels.boxes
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            apart = (boxes[i, 2] <= boxes[j, 0] or boxes[j, 2] <= boxes[i, 0]
                     or boxes[i, 3] <= boxes[j, 1] or boxes[j, 3] <= boxes[i, 1])
            assert apart, (labels.texts[i], labels.texts[j])
    figure = maps.buurten_map(aa["buurten"], pd.Series(dtype=float), table, aa["kernen"],
                              aa["venues"], TEXT, indicator="eenzaam_pct", jaar=2020,
                              leeftijd="18+", gemeenten=aa["gemeenten"])
    [names] = [t for t in figure.data if t.name == "Namen van kernen"]
    assert list(names.text[:-1]) == labels.texts
    assert names.text[-1].endswith("km")
    assert any(t.name.startswith("Schaal: ") and t.mode == "lines" for t in figure.data)
    assert figure.layout.legend.orientation == "h"
    assert figure.layout.legend.y < 0


def test_background_tiles_with_attribution() -> None:
    kernen, venues = _tiny_layers("Aadorp")
    table = kern_table(kern_reach(kernen, venues, mode="bike"), gemeente_namen={})
    figure = maps.buurten_map(None, pd.Series(dtype=float), table, kernen, venues, TEXT,
                              indicator="eenzaam_pct", jaar=None, leeftijd=None,
                              background=maps.BRT_BACKGROUND)
    [layer] = figure.layout.map.layers
    assert layer.source == (maps.BRT_BACKGROUND.tiles,)
    assert layer.below == "traces"
    assert layer.sourceattribution == "Kaartgegevens © Kadaster"


def test_overview_subtitle_promises_names_only_where_they_fit(drenthe) -> None:
    table = _table(drenthe)
    figure = maps.gemeenten_map(drenthe["gemeenten"], reach_summary(table, [2000]), table,
                                drenthe["kernen"], TEXT)
    [names] = [t for t in figure.data if t.name == "Namen van kernen"]
    assert len(names.text) > 1
    assert _plain(figure.layout.title.subtitle.text).endswith(maps.NAMES_NOTE)

    # a name wider than the map fits nowhere
    kernen, venues = _tiny_layers("Aadorp")
    kernen["naam"] = ["Aadorp" * 30, "Ver weg" * 30]
    far = venues.set_geometry(venues.translate(60_000))
    unnamed = kern_table(kern_reach(kernen, far, mode="bike"), gemeente_namen={})
    gemeente = gpd.GeoDataFrame({"code": ["GM0001"], "naam": ["Gem"]},
                                geometry=[box(*kernen.total_bounds).buffer(1000)], crs=RD)
    nameless = maps.gemeenten_map(gemeente, reach_summary(unnamed, [2000]), unnamed, kernen,
                                  TEXT)
    [names] = [t for t in nameless.data if t.name == "Namen van kernen"]
    assert len(names.text) == 1, "only the scale bar's words"
    assert "namen" not in _plain(nameless.layout.title.subtitle.text)


def _town_full_of_places() -> tuple[pd.DataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame, tuple]:
    """A town whose every label spot covers a meeting place, and two villages with room."""
    table = pd.DataFrame({"kern_id": ["stad", "dorp", "gehucht"],
                          "naam": ["Grootstad", "Kleindorp", "Gehucht"],
                          "inwoners": [30000, 800, 90]})
    kernen = gpd.GeoDataFrame(table[["kern_id"]], crs="EPSG:28992", geometry=[
        Point(170000, 440000), Point(175000, 444000), Point(166000, 436000)])
    grid = np.arange(-1500, 1501, 100)
    places = gpd.GeoDataFrame(geometry=[Point(170000 + dx, 440000 + dy)
                                        for dx in grid for dy in grid if dx or dy],
                              crs="EPSG:28992")
    return table, kernen, places, (160000, 430000, 180000, 450000)


def test_the_largest_and_the_chosen_kern_are_named_even_among_meeting_places() -> None:
    table, kernen, places, bounds = _town_full_of_places()
    labels = maps.place_kern_labels(table, kernen, bounds=bounds, obstacles=places)
    assert labels.texts[0] == "Grootstad"
    assert "Kleindorp" in labels.texts
    chosen = maps.place_kern_labels(table, kernen, bounds=bounds, obstacles=places,
                                    selected="stad")
    assert chosen.texts[0] == "Grootstad"
    village = maps.place_kern_labels(table, kernen, bounds=bounds, obstacles=places,
                                     selected="dorp")
    assert village.texts[:2] == ["Kleindorp", "Grootstad"]
    dots = np.array([[p.x - 100, p.y - 100, p.x + 100, p.y + 100] for p in kernen.geometry])
    for name, label in zip(labels.texts, labels.boxes, strict=True):
        for other, dot in zip(table["naam"], dots, strict=True):
            if other != name:
                assert (label[2] <= dot[0] or dot[2] <= label[0]
                        or label[3] <= dot[1] or dot[3] <= label[1]), (name, other)


def test_a_small_kern_still_gives_way_to_meeting_places() -> None:
    table, kernen, places, bounds = _town_full_of_places()
    table = table.assign(inwoners=[30, 800, 90])
    labels = maps.place_kern_labels(table, kernen, bounds=bounds, obstacles=places)
    assert labels.texts[0] == "Kleindorp"
    assert "Grootstad" not in labels.texts
