"""Tests for loaders.kernen: CBS kernen, GeoNames, OSM places, merging and area assignment."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import geopandas as gpd
import osmium
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, box

from loaders.errors import SourceFormatError, SourceUnavailable
from loaders.http import make_session
from loaders.kernen import (
    assign_areas,
    build_overpass_places_query,
    fetch_osm_places,
    merge_kernen,
    parse_osm_places,
    read_cbs_bevolkingskernen,
    read_geonames,
)
from loaders.pdok import read_area_file
from loaders.schema import CRS, KERN_COLUMNS

FIXTURES = Path(__file__).parent / "fixtures"
CBS_CSV = "cbs_bevolkingskernen_2021_towns_gt1000.csv"
GEONAMES = "geonames_nl_populated_places_2024.csv"
WOF_AA_EN_HUNZE = "wof_cbs_buurten_2016_aa_en_hunze_fullres.geojson"
LIECHTENSTEIN = "fixtures/osm_liechtenstein.osm.pbf"
OSM_PLACES = {"city", "town", "village", "hamlet"}


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def cbs() -> gpd.GeoDataFrame:
    from tests.conftest import SHARED_DATA

    return read_cbs_bevolkingskernen(SHARED_DATA / CBS_CSV)


@pytest.fixture(scope="module")
def geonames() -> gpd.GeoDataFrame:
    from tests.conftest import SHARED_DATA

    return read_geonames(SHARED_DATA / GEONAMES)


@pytest.fixture(scope="module")
def aa_en_hunze_buurten() -> gpd.GeoDataFrame:
    from tests.conftest import SHARED_DATA

    return read_area_file(SHARED_DATA / WOF_AA_EN_HUNZE, layer="buurten")


@pytest.fixture(scope="module")
def gemeenten_2023() -> gpd.GeoDataFrame:
    from tests.conftest import SHARED_DATA

    return read_area_file(
        SHARED_DATA / "pdok_wijkenbuurten_2023_gemeenten_simplified.geojson", layer="gemeenten"
    )


@pytest.fixture(scope="module")
def cbs_aa_en_hunze(cbs: gpd.GeoDataFrame, gemeenten_2023: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    located = assign_areas(cbs, gemeenten_2023, None)
    return located[located["gemeentecode"] == "GM1680"].reset_index(drop=True)


def overpass_payload(pbf: Path) -> dict[str, Any]:
    """Every ``place`` node of the real Liechtenstein extract, in the Overpass JSON envelope."""
    envelope = json.loads((FIXTURES / "overpass_runtime_error.json").read_text(encoding="utf-8"))
    del envelope["remark"]
    processor = osmium.FileProcessor(str(pbf), osmium.osm.NODE).with_filter(
        osmium.filter.KeyFilter("place")
    )
    envelope["elements"] = [
        {"type": "node", "id": node.id, "lat": node.location.lat, "lon": node.location.lon,
         "tags": dict(node.tags)}
        for node in processor
    ]
    return envelope


# --- CBS bevolkingskernen --------------------------------------------------------------------


def test_read_cbs_csv(shared_data: Path, cbs: gpd.GeoDataFrame) -> None:
    rows = {r["name"]: r for r in csv_rows(shared_data / CBS_CSV)}
    assert tuple(cbs.columns) == KERN_COLUMNS
    assert cbs.crs == CRS
    assert len(cbs) == len(rows) == 1109
    assert cbs["kern_id"].is_unique
    assert cbs["kern_id"].str.startswith("cbs2021:").all()
    assert set(cbs["source"]) == {"CBS bevolkingskernen 2021"}
    assert cbs["gemeentecode"].isna().all()
    assert cbs["buurtcode"].isna().all()
    by_name = cbs.set_index("naam")
    for name in ["Gieten", "Annen", "Rolde"]:
        assert by_name.loc[name, "inwoners"] == int(rows[name]["population"])
        point = by_name.loc[name, "geometry"]
        assert (point.x, point.y) == (float(rows[name]["x"]), float(rows[name]["y"]))
    assert by_name.loc["Gieten", "kern_id"] == "cbs2021:gieten"
    assert by_name.loc["Nes (F. Ameland)", "kern_id"] == "cbs2021:nes-f-ameland"


def test_read_cbs_geojson_matches_csv(shared_data: Path, cbs: gpd.GeoDataFrame) -> None:
    from_geojson = read_cbs_bevolkingskernen(shared_data / CBS_CSV.replace(".csv", ".geojson"))
    assert list(from_geojson["kern_id"]) == list(cbs["kern_id"])
    assert from_geojson["inwoners"].equals(cbs["inwoners"])
    assert from_geojson.distance(cbs).max() < 1.0


def test_cbs_kernen_of_aa_en_hunze(shared_data: Path, cbs_aa_en_hunze: gpd.GeoDataFrame) -> None:
    rows = csv_rows(shared_data / CBS_CSV)
    expected = {r["name"] for r in rows if r["municipality"] == "Aa en Hunze"}
    assert set(cbs_aa_en_hunze["naam"]) == expected
    assert len(cbs_aa_en_hunze) == len(expected) == 6


def test_read_cbs_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "kernen.csv"
    path.write_text("name,x,y\nGieten,247352.3,558151.6\n", encoding="utf-8")
    with pytest.raises(SourceFormatError, match="population"):
        read_cbs_bevolkingskernen(path)


def test_read_cbs_bad_number(tmp_path: Path) -> None:
    path = tmp_path / "kernen.csv"
    path.write_text("name,x,y,population\nGieten,247352.3,noord,4575\n", encoding="utf-8")
    with pytest.raises(SourceFormatError, match="'y'"):
        read_cbs_bevolkingskernen(path)


# --- GeoNames --------------------------------------------------------------------------------


def test_read_geonames(shared_data: Path, geonames: gpd.GeoDataFrame) -> None:
    rows = csv_rows(shared_data / GEONAMES)
    kept = {"PPL", "PPLA", "PPLA2", "PPLA3", "PPLA4", "PPLC", "PPLG"}
    assert tuple(geonames.columns) == KERN_COLUMNS
    assert geonames.crs == CRS
    assert len(geonames) == sum(r["feature_code"] in kept for r in rows)
    assert geonames["kern_id"].is_unique
    assert set(geonames["source"]) == {"GeoNames"}
    excluded = {"geonames:" + r["geonameid"] for r in rows if r["feature_code"] not in kept}
    assert excluded
    assert not excluded & set(geonames["kern_id"])


def test_geonames_aa_en_hunze(shared_data: Path, geonames: gpd.GeoDataFrame) -> None:
    rows = [r for r in csv_rows(shared_data / GEONAMES) if r["gm_code_2020"] == "GM1680"]
    ppl = [r for r in rows if r["feature_code"] == "PPL"]
    places = geonames[geonames["gemeentecode"] == "GM1680"].set_index("naam")
    assert len(places) == len(ppl) == 48
    for row in ppl:
        if row["name"] in {"Gieten", "Annen", "Rolde"}:
            assert places.loc[row["name"], "inwoners"] == int(row["population"])
            assert places.loc[row["name"], "kern_id"] == "geonames:" + row["geonameid"]
    unknown = sum(r["population"] == "0" for r in ppl)
    assert places["inwoners"].isna().sum() == unknown > 0


def test_read_geonames_missing_column(tmp_path: Path, shared_data: Path) -> None:
    table = pd.read_csv(shared_data / GEONAMES, dtype=str, nrows=5).drop(columns="gm_code_2020")
    path = tmp_path / "geonames.csv"
    table.to_csv(path, index=False)
    with pytest.raises(SourceFormatError, match="gm_code_2020"):
        read_geonames(path)


# --- merge_kernen ----------------------------------------------------------------------------


def test_merge_keeps_each_cbs_kern_once(
    cbs_aa_en_hunze: gpd.GeoDataFrame, geonames: gpd.GeoDataFrame
) -> None:
    places = geonames[geonames["gemeentecode"] == "GM1680"]
    merged = merge_kernen(cbs_aa_en_hunze, places)

    assert merged["kern_id"].is_unique
    assert merged.crs == CRS
    assert tuple(merged.columns) == KERN_COLUMNS
    names = merged["naam"].tolist()
    for name in cbs_aa_en_hunze["naam"]:
        assert names.count(name) == 1
    for name in ["Schipborg", "Grolloo", "Gasteren", "Schoonloo"]:
        assert names.count(name) == 1
        assert merged.loc[merged["naam"] == name, "source"].item() == "GeoNames"
    gieten = merged[merged["naam"] == "Gieten"]
    assert gieten["source"].item() == "CBS bevolkingskernen 2021"
    n_cbs = len(cbs_aa_en_hunze)
    assert (merged["source"].iloc[:n_cbs] == "CBS bevolkingskernen 2021").all()
    assert list(merged["kern_id"].iloc[:n_cbs]) == sorted(cbs_aa_en_hunze["kern_id"])
    assert list(merged["kern_id"].iloc[n_cbs:]) == sorted(merged["kern_id"].iloc[n_cbs:])


def test_merge_matches_parts_of_combined_names(
    cbs: gpd.GeoDataFrame, geonames: gpd.GeoDataFrame
) -> None:
    cbs_kern = cbs[cbs["naam"] == "Zutphen/Warnsveld"]
    places = geonames[geonames["naam"].isin(["Zutphen", "Warnsveld"])]
    distances = places.distance(cbs_kern.geometry.item())
    assert ((distances > 300) & (distances < 1500)).all()
    merged = merge_kernen(cbs_kern, places)
    assert merged["naam"].tolist() == ["Zutphen/Warnsveld"]


def test_merge_drops_nearby_place_with_other_name(cbs: gpd.GeoDataFrame) -> None:
    gieten = cbs[cbs["naam"] == "Gieten"]
    near = gieten.assign(kern_id="osm:node/1", naam="Gieten-Centrum", source="OpenStreetMap")
    near["geometry"] = near.translate(xoff=250)
    far = near.assign(kern_id="osm:node/2", naam="Bonnen")
    far["geometry"] = gieten.translate(xoff=400)
    merged = merge_kernen(gieten, pd.concat([near, far]))
    assert merged["kern_id"].tolist() == ["cbs2021:gieten", "osm:node/2"]


def test_merge_repeated_kern_id_keeps_first(cbs: gpd.GeoDataFrame) -> None:
    gieten = cbs[cbs["naam"] == "Gieten"]
    moved = gieten.assign(geometry=gieten.translate(xoff=5000))
    merged = merge_kernen(gieten, moved)
    assert len(merged) == 1
    assert merged.geometry.item().equals(gieten.geometry.item())


# --- assign_areas ----------------------------------------------------------------------------


def test_assign_buurten_of_aa_en_hunze(
    cbs_aa_en_hunze: gpd.GeoDataFrame, geonames: gpd.GeoDataFrame,
    aa_en_hunze_buurten: gpd.GeoDataFrame,
) -> None:
    located = assign_areas(cbs_aa_en_hunze, None, aa_en_hunze_buurten)
    assert located["buurtcode"].str.startswith("BU1680").all()
    assert (located["gemeentecode"] == "GM1680").all()
    buurt_names = aa_en_hunze_buurten.set_index("code")["naam"]
    assert (located["buurtcode"].map(buurt_names) == located["naam"]).all()

    places = assign_areas(geonames[geonames["gemeentecode"] == "GM1680"], None, aa_en_hunze_buurten)
    assert places["buurtcode"].str.startswith("BU1680").all()


def test_assign_keeps_rows_and_uses_nearest_within_250_m(
    cbs: gpd.GeoDataFrame, aa_en_hunze_buurten: gpd.GeoDataFrame
) -> None:
    corner = max(shapely.get_coordinates(aa_en_hunze_buurten.geometry.values), key=lambda c: c[0])
    template = cbs[cbs["naam"] == "Gieten"].reset_index(drop=True)
    points = pd.concat([template] * 3, ignore_index=True)
    points["kern_id"] = ["t:just-outside", "t:far-outside", "t:amsterdam"]
    points["gemeentecode"] = [None, "GM9999", None]
    points["geometry"] = [
        Point(corner[0] + 100, corner[1]),
        Point(corner[0] + 1000, corner[1]),
        cbs.loc[cbs["naam"] == "Groot - Amsterdam", "geometry"].item(),
    ]
    points = gpd.GeoDataFrame(points, geometry="geometry", crs=CRS)

    located = assign_areas(points, None, aa_en_hunze_buurten).set_index("kern_id")
    assert len(located) == 3
    nearest = aa_en_hunze_buurten.distance(Point(corner[0] + 100, corner[1])).idxmin()
    assert located.loc["t:just-outside", "buurtcode"] == aa_en_hunze_buurten.loc[nearest, "code"]
    assert located.loc["t:just-outside", "gemeentecode"] == "GM1680"
    assert located.loc["t:far-outside", "buurtcode"] is None
    assert located.loc["t:far-outside", "gemeentecode"] == "GM9999"
    assert located.loc["t:amsterdam", "buurtcode"] is None


# --- OpenStreetMap / Overpass ----------------------------------------------------------------


def test_parse_overpass_places(shared_data: Path) -> None:
    payload = overpass_payload(shared_data / LIECHTENSTEIN)
    wanted = [e for e in payload["elements"] if e["tags"].get("place") in OSM_PLACES]
    assert len(payload["elements"]) > len(wanted) == 19
    places = parse_osm_places(payload).set_index("kern_id")

    assert tuple(places.reset_index().columns) == KERN_COLUMNS
    assert places.crs == CRS
    assert len(places) == len(wanted)
    assert set(places["source"]) == {"OpenStreetMap"}
    for element in wanted:
        row = places.loc[f"osm:node/{element['id']}"]
        assert row["naam"] == element["tags"]["name"]
        population = element["tags"].get("population")
        if population is None:
            assert pd.isna(row["inwoners"])
        else:
            assert row["inwoners"] == int(population)
    vaduz = places[places["naam"] == "Vaduz"].to_crs("EPSG:4326").geometry.item()
    element = next(e for e in wanted if e["tags"]["name"] == "Vaduz")
    assert (vaduz.x, vaduz.y) == pytest.approx((element["lon"], element["lat"]), abs=1e-7)


def test_parse_overpass_non_numeric_population() -> None:
    payload = json.loads((FIXTURES / "overpass_runtime_error.json").read_text(encoding="utf-8"))
    del payload["remark"]
    payload["elements"] = [
        {"type": "node", "id": 1932181216, "lat": 47.1392862, "lon": 9.5227962,
         "tags": {"name": "Vaduz", "place": "village", "population": "ca. 5000"}}
    ]
    assert parse_osm_places(payload)["inwoners"].isna().all()


def test_parse_overpass_runtime_error() -> None:
    payload = json.loads((FIXTURES / "overpass_runtime_error.json").read_text(encoding="utf-8"))
    with pytest.raises(SourceUnavailable, match="timed out"):
        parse_osm_places(payload)


@pytest.mark.parametrize("payload", [{"version": 0.6}, [], {"elements": [{"type": "node"}]}])
def test_parse_overpass_bad_shape(payload: Any) -> None:
    with pytest.raises(SourceFormatError):
        parse_osm_places(payload)


def test_build_query_for_bbox_and_name() -> None:
    query = build_overpass_places_query((6.5, 52.9, 6.95, 53.1), timeout=60)
    assert query.startswith("[out:json][timeout:60];")
    assert 'node["place"~"^(city|town|village|hamlet)$"](52.9,6.5,53.1,6.95);' in query
    assert query.endswith("out body;")
    named = build_overpass_places_query('Aa "en" Hunze')
    assert 'area["name"="Aa \\"en\\" Hunze"]' in named
    assert "(area.a);" in named


def test_fetch_osm_places_posts_query(replay_server: Any, shared_data: Path) -> None:
    replay_server.add("/api/interpreter", overpass_payload(shared_data / LIECHTENSTEIN))
    south = box(9.47, 47.04, 9.64, 47.15)
    polygons = gpd.GeoDataFrame({"code": ["zuid"]}, geometry=[south], crs="EPSG:4326")
    places = fetch_osm_places(
        polygons, session=make_session(retries=0),
        base_url=f"{replay_server.base_url}/api/interpreter",
    )
    (request,) = replay_server.requests
    assert request["method"] == "POST"
    query = parse_qs(request["body"].decode())["data"][0]
    assert "(47.04,9.47,47.15,9.64)" in query
    assert query.endswith("out body;")
    assert {"Vaduz", "Triesen", "Balzers", "Triesenberg"} <= set(places["naam"])
    assert "Ruggell" not in set(places["naam"])
    assert places.to_crs("EPSG:4326").within(south).all()


def test_fetch_osm_places_runtime_error(replay_server: Any) -> None:
    replay_server.add("/api/interpreter", (FIXTURES / "overpass_runtime_error.json").read_bytes())
    with pytest.raises(SourceUnavailable, match="runtime error"):
        fetch_osm_places(
            (6.5, 52.9, 6.95, 53.1), session=make_session(retries=0),
            base_url=f"{replay_server.base_url}/api/interpreter",
        )


def test_fetch_osm_places_http_error(replay_server: Any) -> None:
    replay_server.add("/api/interpreter", "rate limited", status=429)
    with pytest.raises(SourceUnavailable, match="429"):
        fetch_osm_places(
            (6.5, 52.9, 6.95, 53.1), session=make_session(retries=0),
            base_url=f"{replay_server.base_url}/api/interpreter",
        )


@pytest.mark.live
def test_live_fetch_osm_places_around_gieten() -> None:
    places = fetch_osm_places((6.70, 52.98, 6.82, 53.03))
    assert "Gieten" in set(places["naam"])
    assert places["kern_id"].str.startswith("osm:node/").all()
