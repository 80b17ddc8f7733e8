"""A kern on an island only counts places on the same island: no estimate crosses the sea."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from analysis.nearest import REASON_OTHER_LAND, straight_line_estimate
from analysis.reach import land_of, land_pieces
from loaders.store import NATIONAL, Store
from pipeline.reach import current_reach
from tests.region_stores import demo_region_store

FACTOR = 1.25


def test_estimate_stays_on_its_own_land() -> None:
    origins = np.array([[0.0, 0.0], [10_000.0, 0.0], [20_000.0, 0.0]])
    facilities = np.array([[9_000.0, 0.0], [500.0, 3_000.0], [15_000.0, 0.0]])
    found = straight_line_estimate(origins, facilities, detour_factor=FACTOR,
                                   origin_land=np.array([0, 1, 2]),
                                   facility_land=np.array([1, 0, -1]))
    assert found["facility"].tolist() == [1, 0, 2]
    assert found.loc[0, "distance_m"] == pytest.approx(np.hypot(500, 3000) * FACTOR)
    assert found.loc[1, "second_facility"] == 2, "a place of unknown land counts everywhere"
    assert found.loc[2, "distance_m"] == pytest.approx(5_000 * FACTOR)


def test_land_without_a_place_gets_no_distance_and_a_reason() -> None:
    found = straight_line_estimate(np.array([[0.0, 0.0]]), np.array([[100.0, 0.0]]),
                                   detour_factor=FACTOR, origin_land=np.array([3]),
                                   facility_land=np.array([0]))
    assert np.isnan(found.loc[0, "distance_m"])
    assert found.loc[0, "reason"] == REASON_OTHER_LAND


def test_land_pieces_of_touching_and_separate_areas() -> None:
    areas = gpd.GeoDataFrame(geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10),
                                       box(100, 100, 110, 110)], crs="EPSG:28992")
    land = land_pieces(areas, min_area_m2=1)
    assert len(land) == 2
    points = gpd.GeoSeries.from_xy([5, 15, 105, 500], [5, 5, 105, 500], crs="EPSG:28992")
    pieces = land_of(points, land)
    assert pieces[0] == pieces[1] != pieces[2]
    assert pieces[3] == -1


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return Store(demo_region_store(tmp_path_factory, "nl"))


def test_wadden_islands_never_reach_the_mainland(national: Store) -> None:
    reach = current_reach(national, "bike")
    venues = national.read_layer(NATIONAL, "venues").set_index("venue_id")
    islands = {"GM0060": "Ameland", "GM0088": "Schiermonnikoog", "GM0093": "Terschelling",
               "GM0096": "Vlieland", "GM0448": "Texel"}
    on_islands = reach[reach["gemeentecode"].isin(islands)]
    assert len(on_islands) >= 15
    with_place = on_islands.dropna(subset=["venue_id"])
    homes = venues.loc[with_place["venue_id"], "gemeentecode"].to_numpy()
    assert (homes == with_place["gemeentecode"].to_numpy()).all(), "a place on the same island"
    without = on_islands[on_islands["venue_id"].isna()]
    assert (without["reden"] == REASON_OTHER_LAND).all()
    hollum = reach.set_index("naam").loc["Hollum"]
    assert venues.loc[hollum["venue_id"], "gemeentecode"] == "GM0060"
