"""Gemeente codes over time and provinces, derived from the real shared data."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

from loaders import divisions
from loaders.pdok import read_area_file
from tests.conftest import SHARED_DATA


@pytest.fixture(scope="module")
def newest() -> gpd.GeoDataFrame:
    areas = read_area_file(SHARED_DATA / "pdok_wijkenbuurten_2023_gemeenten_simplified.geojson",
                           layer="gemeenten")
    return areas[areas["code"] != divisions.ABROAD_CODE].reset_index(drop=True)


@pytest.fixture(scope="module")
def mapping_2020(newest: gpd.GeoDataFrame) -> pd.DataFrame:
    older = read_area_file(SHARED_DATA / "cbs_gemeenten_2020_kerncijfers.geojson",
                           layer="gemeenten")
    return divisions.overlap_map(older, newest)


@pytest.fixture(scope="module")
def provinces(newest: gpd.GeoDataFrame) -> pd.DataFrame:
    kernen = divisions.read_kern_provinces(
        SHARED_DATA / "cbs_bevolkingskernen_2021_towns_gt1000.csv")
    geonames = divisions.read_geonames_provinces(
        SHARED_DATA / "geonames_nl_populated_places_2024.csv")
    return divisions.gemeente_provinces(newest, kernen, geonames)


def test_every_2020_gemeente_maps_to_one_newest_gemeente(
    mapping_2020: pd.DataFrame, newest: gpd.GeoDataFrame
) -> None:
    assert len(mapping_2020) == 355
    assert mapping_2020["code_oud"].is_unique
    assert set(mapping_2020["code"]) <= set(newest["code"])
    assert set(mapping_2020["code"]) == set(newest["code"]), "every newest gemeente has a past"


def test_mergers_after_2020_follow_the_polygons(mapping_2020: pd.DataFrame) -> None:
    lookup = mapping_2020.set_index("code_oud")["code"]
    # Eemsdelta (2021) from Appingedam, Delfzijl and Loppersum.
    assert {lookup["GM0003"], lookup["GM0010"], lookup["GM0024"]} == {"GM1979"}
    # Land van Cuijk (2022) from Boxmeer, Cuijk, Grave, Mill en Sint Hubert, Sint Anthonis.
    assert {lookup[c] for c in ("GM0756", "GM1684", "GM0786", "GM0815", "GM1702")} == {"GM1982"}
    # A gemeente that did not change keeps its code with (almost) all of its area.
    assert lookup["GM1680"] == "GM1680"
    assert mapping_2020.set_index("code_oud").loc["GM1680", "aandeel"] > 0.95


def test_a_split_gemeente_goes_to_its_largest_part(mapping_2020: pd.DataFrame) -> None:
    haaren = mapping_2020.set_index("code_oud").loc["GM0788"]
    assert haaren["aandeel"] < 0.6, "Haaren was split over four gemeenten in 2021"
    assert haaren["code"] in {"GM0865", "GM0824", "GM0855", "GM0757"}


def test_map_codes_translates_old_and_keeps_current(mapping_2020: pd.DataFrame) -> None:
    codes = pd.Series(["GM0003", "GM1680", None, "GM1979"])
    mapped = divisions.map_codes(codes, mapping_2020)
    assert mapped.tolist()[:2] == ["GM1979", "GM1680"]
    assert pd.isna(mapped[2])
    assert mapped[3] == "GM1979"


def test_every_gemeente_has_a_province_and_both_sources_agree(provinces: pd.DataFrame) -> None:
    assert provinces["provincie"].notna().all()
    assert provinces["provincie"].nunique() == 12
    assert divisions.province_disagreements(provinces).empty
    both = provinces.dropna(subset=["provincie_kernen", "provincie_geonames"])
    assert len(both) > 300, "the two sources must overlap enough to check each other"


def test_provinces_of_known_gemeenten(provinces: pd.DataFrame) -> None:
    lookup = provinces.set_index("code")["provincie"]
    assert lookup["GM1680"] == "Drenthe"
    assert lookup["GM0308"] == "Utrecht"
    assert lookup["GM1979"] == "Groningen"
    assert lookup["GM0088"] == "Fryslân", "Schiermonnikoog has no CBS kern: GeoNames fills it"


def test_points_outside_every_gemeente_get_no_code(newest: gpd.GeoDataFrame) -> None:
    inside = newest.loc[newest["code"] == "GM1680"].geometry.representative_point().iloc[0]
    points = gpd.GeoSeries.from_xy([inside.x, 0.0], [inside.y, 0.0], crs="EPSG:28992")
    found = divisions.locate_points(points, newest)
    assert found[0] == "GM1680"
    assert found[1] is None
