"""Tests for loaders.pdok: parsing every known Wijk- en Buurtkaart style, OGC API paging, WFS."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import mapping, shape

from loaders.errors import SourceFormatError, SourceUnavailable, UnknownRegionError
from loaders.http import make_session
from loaders.pdok import fetch_areas, parse_features, read_area_file
from loaders.schema import BUURT_COLUMNS, CRS

BAARN = "fixtures/pdok_wijkenbuurten_2024_buurten_baarn.geojson"
GOKOALA = "fixtures/pdok_gokoala_ogcapi_features_items_example.json"
GOKOALA_BASE = "http://localhost:8080/collections/foo"


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def baarn(shared_data: Path) -> dict[str, Any]:
    return load_json(shared_data / BAARN)


def props_by_code(payload: dict[str, Any], key: str) -> dict[str, dict[str, Any]]:
    return {f["properties"][key]: f["properties"] for f in payload["features"]}


def ogc_page(
    template: dict[str, Any], features: list[dict[str, Any]], *, base: str, cursor: str | None
) -> dict[str, Any]:
    """A GoKoala items page (same keys and links as PDOK's test fixture) holding ``features``."""
    page = copy.deepcopy(template)
    items = f"{base}/collections/buurten"
    page["links"] = [
        {**link, "href": link["href"].replace(GOKOALA_BASE, items)}
        for link in page["links"]
        if link["rel"] != "next"
    ]
    if cursor is not None:
        page["links"].append(
            {"rel": "next", "title": "Next page", "type": "application/geo+json",
             "href": f"{items}/items?cursor={cursor}&f=json"}
        )
    page["features"] = [
        {"type": "Feature", "properties": f["properties"], "geometry": f["geometry"], "id": str(i)}
        for i, f in enumerate(features, start=1)
    ]
    page["numberReturned"] = len(features)
    return page


def to_rd(features: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same features with RD New coordinates, as PDOK returns them for EPSG:28992."""
    geoms = gpd.GeoSeries([shape(f["geometry"]) for f in features], crs="EPSG:4326").to_crs(CRS)
    return [{**f, "geometry": mapping(g)} for f, g in zip(features, geoms, strict=True)]


def no_retry() -> Any:
    return make_session(retries=0)


# --- parse_features -------------------------------------------------------------------------


def test_parse_baarn_2024_buurten(baarn: dict[str, Any]) -> None:
    areas = parse_features(baarn, layer="buurten", year=2024)
    props = props_by_code(baarn, "buurtcode")
    land = {code for code, p in props.items() if p["water"] != "JA"}

    assert tuple(areas.columns) == BUURT_COLUMNS
    assert areas.crs == CRS
    assert len(areas) == len(land) == 21
    assert set(areas["code"]) == land
    assert list(areas["code"]) == sorted(land)
    assert set(areas["soort"]) == {"Buurt"}
    assert set(areas["indeling"]) == {"2024"}
    assert set(areas["gemeentecode"]) == {"GM0308"}
    assert areas.is_valid.all()

    centrum = areas.set_index("code").loc["BU03080000"]
    source = props["BU03080000"]
    assert centrum["naam"] == source["buurtnaam"]
    assert centrum["inwoners"] == source["aantal_inwoners"]
    assert centrum["pct_65plus"] == source["percentage_personen_65_jaar_en_ouder"]
    assert centrum["inwoners_65plus"] == round(
        source["aantal_inwoners"] * source["percentage_personen_65_jaar_en_ouder"] / 100
    )
    assert centrum["eenpersoonshuishoudens_pct"] == source["percentage_eenpersoonshuishoudens"]
    assert centrum["stedelijkheid"] == source["stedelijkheid_adressen_per_km2"]


def test_parse_baarn_sentinels_become_missing(baarn: dict[str, Any]) -> None:
    areas = parse_features(baarn, layer="buurten", year=2024).set_index("code")
    column = "percentage_eenpersoonshuishoudens"
    secret = [c for c, p in props_by_code(baarn, "buurtcode").items() if p[column] <= -99995]
    assert secret, "the Baarn fixture carries a CBS sentinel in this column"
    assert areas.loc[secret, "eenpersoonshuishoudens_pct"].isna().all()
    assert areas["eenpersoonshuishoudens_pct"].min() >= 0


def test_parse_geometry_is_rd_new(baarn: dict[str, Any]) -> None:
    areas = parse_features(baarn, layer="buurten", year=2024)
    source = gpd.GeoDataFrame.from_features(baarn["features"], crs="EPSG:4326")
    back = areas.to_crs("EPSG:4326").total_bounds
    assert back == pytest.approx(source.total_bounds, abs=1e-6)
    minx, miny, maxx, maxy = areas.total_bounds
    assert 0 < minx < maxx < 300_000
    assert 289_000 < miny < maxy < 630_000


def test_parse_text_sentinels_and_blanks(baarn: dict[str, Any]) -> None:
    payload = copy.deepcopy(baarn)
    first = payload["features"][0]["properties"]
    first["aantal_inwoners"] = "       ."
    first["percentage_personen_65_jaar_en_ouder"] = "   "
    first["stedelijkheid_adressen_per_km2"] = -99999999
    areas = parse_features(payload, layer="buurten", year=2024).set_index("code")
    row = areas.loc[first["buurtcode"]]
    assert pd.isna(row["inwoners"])
    assert pd.isna(row["pct_65plus"])
    assert pd.isna(row["inwoners_65plus"])
    assert pd.isna(row["stedelijkheid"])


def test_parse_missing_code_column(baarn: dict[str, Any]) -> None:
    payload = copy.deepcopy(baarn)
    for feature in payload["features"]:
        del feature["properties"]["buurtcode"]
    with pytest.raises(SourceFormatError, match="buurtcode"):
        parse_features(payload, layer="buurten", year=2024)


def test_parse_rejects_non_feature_collection() -> None:
    with pytest.raises(SourceFormatError, match="FeatureCollection"):
        parse_features({"type": "Feature"}, layer="buurten", year=2024)


def test_parse_non_numeric_value(baarn: dict[str, Any]) -> None:
    payload = copy.deepcopy(baarn)
    payload["features"][0]["properties"]["aantal_inwoners"] = "veel"
    with pytest.raises(SourceFormatError, match="aantal_inwoners"):
        parse_features(payload, layer="buurten", year=2024)


def test_parse_wijken_layer(baarn: dict[str, Any]) -> None:
    areas = parse_features(baarn, layer="wijken", year=2024)
    assert set(areas["code"]) == {f["properties"]["wijkcode"] for f in baarn["features"]}
    assert set(areas["soort"]) == {"Wijk"}


# --- read_area_file --------------------------------------------------------------------------


def test_read_ermelo_2021_gpkg(shared_data: Path) -> None:
    path = shared_data / "pdok_wijkenbuurten_2021_buurten_ermelo.gpkg"
    source = gpd.read_file(path)
    land = source[source["water"] != "JA"]
    areas = read_area_file(path, layer="buurten")

    assert tuple(areas.columns) == BUURT_COLUMNS
    assert len(areas) == len(land) == 16
    assert "BU02339997" not in set(areas["code"])
    assert set(areas["indeling"]) == {"2021"}
    assert areas["inwoners"].isna().all()
    assert areas["pct_65plus"].isna().all()
    assert areas["inwoners_65plus"].isna().all()
    assert areas.crs == CRS
    assert areas.area.sum() == pytest.approx(land.area.sum(), rel=1e-9)


def test_read_2023_gemeenten_camelcase(shared_data: Path) -> None:
    path = shared_data / "pdok_wijkenbuurten_2023_gemeenten_simplified.geojson"
    props = props_by_code(load_json(path), "gemeentecode")
    areas = read_area_file(path, layer="gemeenten", gemeenten=["gm1680", "GM0308"])

    assert list(areas["code"]) == ["GM0308", "GM1680"]
    assert set(areas["indeling"]) == {"2023"}
    for _, row in areas.iterrows():
        source = props[row["code"]]
        assert row["naam"] == source["gemeentenaam"]
        assert row["inwoners"] == source["aantalInwoners"]
        assert row["pct_65plus"] == source["percentagePersonen65JaarEnOuder"]
        assert row["eenpersoonshuishoudens_pct"] == source["percentageEenpersoonshuishoudens"]
        assert row["stedelijkheid"] == source["stedelijkheidAdressenPerKm2"]
        assert row["soort"] == "Gemeente"
        assert row["gemeentecode"] == row["code"]


def test_read_2020_gemeenten_repairs_invalid_polygons(shared_data: Path) -> None:
    path = shared_data / "cbs_gemeenten_2020_kerncijfers.geojson"
    source = gpd.read_file(path)
    assert (~source.is_valid).sum() == 2
    props = props_by_code(load_json(path), "gm_code")
    areas = read_area_file(path, layer="gemeenten")

    assert len(areas) == len(source) == 355
    assert areas.is_valid.all()
    assert set(areas["indeling"]) == {"2020"}
    row = areas.set_index("code").loc["GM1680"]
    assert row["inwoners"] == props["GM1680"]["aantal_inwoners"]
    assert row["pct_65plus"] == props["GM1680"]["personen_65_jaar_en_ouder_pct"]
    assert row["stedelijkheid"] == props["GM1680"][
        "stedelijkheid_1_zeer_sterk_stedelijk_5_niet_stedelijk"
    ]


def test_read_2022_gemeenten_year_from_file_name(shared_data: Path, tmp_path: Path) -> None:
    path = shared_data / "cbs_gemeenten_2022_kerncijfers.geojson"
    props = props_by_code(load_json(path), "gemeentecode")
    areas = read_area_file(path, layer="gemeenten").set_index("code")
    assert set(areas["indeling"]) == {"2022"}
    assert areas.loc["GM1680", "inwoners"] == props["GM1680"]["aantal_inwoners"]
    assert areas.loc["GM1680", "pct_65plus"] == props["GM1680"]["65plus"]
    assert areas.loc["GM1680", "eenpersoonshuishoudens_pct"] == (
        props["GM1680"]["pct_eenpersoonshhd"]
    )
    assert areas.loc["GM0998", ["inwoners", "pct_65plus", "stedelijkheid"]].isna().all()

    renamed = tmp_path / "gemeenten_kerncijfers.geojson"
    renamed.write_bytes(path.read_bytes())
    with pytest.raises(SourceFormatError, match="jaar"):
        read_area_file(renamed, layer="gemeenten")
    assert set(read_area_file(renamed, layer="gemeenten", year=2022)["indeling"]) == {"2022"}


def test_read_wof_2016_buurten(shared_data: Path) -> None:
    path = shared_data / "wof_cbs_buurten_2016_aa_en_hunze_fullres.geojson"
    props = props_by_code(load_json(path), "bu_code")
    areas = read_area_file(path, layer="buurten", gemeenten=["GM1680"])

    assert len(areas) == len(props) == 54
    assert set(areas["indeling"]) == {"2016"}
    assert set(areas["gemeentecode"]) == {"GM1680"}
    assert all(code.startswith("BU1680") for code in areas["code"])
    annen = areas.set_index("code").loc["BU16800000"]
    assert annen["naam"] == props["BU16800000"]["bu_naam"]
    assert annen["stedelijkheid"] == props["BU16800000"]["sted"]


def test_read_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "kapot.geojson"
    path.write_text("dit is geen geojson", encoding="utf-8")
    with pytest.raises(SourceFormatError, match=r"kapot\.geojson"):
        read_area_file(path, layer="buurten")
    with pytest.raises(SourceFormatError, match=r"ontbreekt\.gpkg"):
        read_area_file(tmp_path / "ontbreekt.gpkg", layer="buurten")


def test_read_file_without_code_column(tmp_path: Path, baarn: dict[str, Any]) -> None:
    payload = copy.deepcopy(baarn)
    for feature in payload["features"]:
        feature["properties"] = {"naam": feature["properties"]["buurtnaam"], "jaar": 2024}
    path = tmp_path / "zonder_code.geojson"
    path.write_text(json.dumps(payload), encoding="utf-8")
    with pytest.raises(SourceFormatError, match=r"zonder_code\.geojson") as info:
        read_area_file(path, layer="buurten")
    assert "buurtcode" in info.value.user_message


def test_read_filters_gemeenten(shared_data: Path) -> None:
    path = shared_data / "pdok_wijkenbuurten_2021_buurten_ermelo.gpkg"
    assert read_area_file(path, layer="buurten", gemeenten=["GM1680"]).empty
    assert len(read_area_file(path, layer="buurten", gemeenten=[" gm0233 "])) == 16
    with pytest.raises(UnknownRegionError, match="Ermelo"):
        read_area_file(path, layer="buurten", gemeenten=["Ermelo"])


# --- fetch_areas -----------------------------------------------------------------------------


def test_fetch_follows_cursor_paging(replay_server: Any, shared_data: Path, baarn: dict) -> None:
    template = load_json(shared_data / GOKOALA)
    base = f"{replay_server.base_url}/ogc"
    features = baarn["features"]
    path = "/ogc/collections/buurten/items"
    replay_server.add(
        path, ogc_page(template, features[:12], base=base, cursor="D78%7C"),
        match=lambda q: "cursor" not in q,
    )
    replay_server.add(
        path, ogc_page(template, features[12:], base=base, cursor=None),
        match=lambda q: q.get("cursor") == ["D78|"],
    )
    areas = fetch_areas(2024, "buurten", ["GM0308"], session=no_retry(), base_url=base)

    assert len(areas) == 21
    assert list(areas["code"]) == sorted(f["properties"]["buurtcode"] for f in features)
    assert areas.crs == CRS
    assert set(areas["indeling"]) == {"2024"}
    first, second = replay_server.requests
    assert first["query"]["gemeentecode"] == ["GM0308"]
    assert first["query"]["f"] == ["json"]
    assert first["query"]["limit"] == ["1000"]
    assert first["query"]["crs"] == ["http://www.opengis.net/def/crs/EPSG/0/28992"]
    assert second["query"]["cursor"] == ["D78|"]
    expected = parse_features(baarn, layer="buurten", year=2024)
    assert areas.geom_equals_exact(expected.geometry, tolerance=1e-6).all()


def test_fetch_reads_rd_coordinates(replay_server: Any, shared_data: Path, baarn: dict) -> None:
    template = load_json(shared_data / GOKOALA)
    base = f"{replay_server.base_url}/ogc"
    page = ogc_page(template, to_rd(baarn["features"]), base=base, cursor=None)
    replay_server.add("/ogc/collections/buurten/items", page)
    areas = fetch_areas(2024, "buurten", "GM0308", session=no_retry(), base_url=base)
    expected = parse_features(baarn, layer="buurten", year=2024)
    assert areas.geom_equals_exact(expected.geometry, tolerance=1e-3).all()


def test_fetch_falls_back_to_wfs(replay_server: Any, baarn: dict) -> None:
    replay_server.add("/ogc/collections/buurten/items", "Service Unavailable", status=503)
    wfs_answer = {
        "type": "FeatureCollection",
        "name": "buurten",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}},
        "features": to_rd(baarn["features"]),
    }
    replay_server.add("/wfs", wfs_answer)
    areas = fetch_areas(
        2024, "buurten", ["GM0308"], session=no_retry(),
        base_url=f"{replay_server.base_url}/ogc", wfs_url=f"{replay_server.base_url}/wfs",
    )

    assert len(areas) == 21
    ogc, wfs = replay_server.requests
    assert ogc["path"] == "/ogc/collections/buurten/items"
    query = wfs["query"]
    assert query["typeNames"] == ["wijkenbuurten:buurten"]
    assert query["request"] == ["GetFeature"]
    assert query["version"] == ["2.0.0"]
    assert query["srsName"] == ["EPSG:28992"]
    assert query["outputFormat"] == ["application/json"]
    assert "<fes:Literal>GM0308</fes:Literal>" in query["filter"][0]
    centrum = areas.set_index("code").loc["BU03080000"]
    assert centrum["inwoners"] == props_by_code(baarn, "buurtcode")["BU03080000"]["aantal_inwoners"]


def test_fetch_falls_back_when_filter_is_ignored(
    replay_server: Any, shared_data: Path, baarn: dict
) -> None:
    template = load_json(shared_data / GOKOALA)
    base = f"{replay_server.base_url}/ogc"
    replay_server.add(
        "/ogc/collections/buurten/items",
        ogc_page(template, baarn["features"], base=base, cursor=None),
    )
    replay_server.add("/wfs", {"type": "FeatureCollection", "features": []})
    with pytest.raises(UnknownRegionError, match="GM1680"):
        fetch_areas(
            2024, "buurten", ["GM1680"], session=no_retry(),
            base_url=base, wfs_url=f"{replay_server.base_url}/wfs",
        )
    assert [r["path"] for r in replay_server.requests] == ["/ogc/collections/buurten/items", "/wfs"]


def test_fetch_wfs_also_down(replay_server: Any) -> None:
    replay_server.add("/ogc/collections/gemeenten/items", "down", status=503)
    replay_server.add("/wfs", "down", status=503)
    with pytest.raises(SourceUnavailable, match="503"):
        fetch_areas(
            2024, "gemeenten", ["GM0308"], session=no_retry(),
            base_url=f"{replay_server.base_url}/ogc", wfs_url=f"{replay_server.base_url}/wfs",
        )


def test_fetch_unknown_gemeente(replay_server: Any, shared_data: Path) -> None:
    template = load_json(shared_data / GOKOALA)
    base = f"{replay_server.base_url}/ogc"
    empty = ogc_page(template, [], base=base, cursor=None)
    replay_server.add("/ogc/collections/buurten/items", empty)
    with pytest.raises(UnknownRegionError, match=r"GM9999.*2024"):
        fetch_areas(2024, "buurten", ["GM9999"], session=no_retry(), base_url=base)


def test_fetch_rejects_malformed_code_without_request(replay_server: Any) -> None:
    with pytest.raises(UnknownRegionError, match="gemeentecode"):
        fetch_areas(2024, "buurten", ["Baarn"], base_url=replay_server.base_url)
    assert replay_server.requests == []


def test_fetch_rejects_year_without_service(replay_server: Any) -> None:
    with pytest.raises(SourceUnavailable, match="2019"):
        fetch_areas(2019, "buurten", ["GM0308"], base_url=replay_server.base_url)
    assert replay_server.requests == []


def test_fetch_bad_json(replay_server: Any) -> None:
    replay_server.add("/ogc/collections/buurten/items", "<html>onderhoud</html>")
    with pytest.raises(SourceFormatError, match="geen geldige JSON"):
        fetch_areas(
            2024, "buurten", ["GM0308"], session=no_retry(),
            base_url=f"{replay_server.base_url}/ogc",
        )


def test_fetch_invalid_layer() -> None:
    with pytest.raises(ValueError, match="layer"):
        fetch_areas(2024, "provincies", ["GM0308"])


@pytest.mark.live
def test_live_fetch_baarn_buurten() -> None:
    areas = fetch_areas(2024, "buurten", ["GM0308"])
    assert len(areas) == 21
    assert all(code.startswith("BU0308") for code in areas["code"])
    assert areas["inwoners"].sum() > 20_000
    assert not math.isnan(areas.total_bounds[0])
