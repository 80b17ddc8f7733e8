"""A road network that covers only some kernen: the others keep a labelled estimate."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest

from analysis.errors import MismatchedRowsError
from analysis.nearest import DETOUR_FACTORS, METHOD_STRAIGHT_LINE
from analysis.network import graph_from_edges
from analysis.reach import (
    OFF_NETWORK_NOTE,
    PLACE_OFF_NETWORK_NOTE,
    SECOND_OFF_NETWORK_NOTE,
    fill_off_network,
    kern_reach,
)
from pipeline.reach import reach_with_fallback

CRS = "EPSG:28992"


@pytest.fixture
def layers() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    kernen = gpd.GeoDataFrame(
        {"kern_id": ["op", "ver"], "naam": ["Op het net", "Ver weg"],
         "gemeentecode": ["GM0001", "GM0001"], "buurtcode": [None, None], "inwoners": [100, 50]},
        geometry=gpd.points_from_xy([100_000.0, 100_000.0], [400_000.0, 410_000.0]), crs=CRS,
    )
    venues = gpd.GeoDataFrame(
        {"venue_id": ["v"], "naam": ["Dorpshuis"], "soort": ["dorpshuis"],
         "ontmoetingsplek": [True]},
        geometry=gpd.points_from_xy([101_000.0], [400_000.0]), crs=CRS,
    )
    return kernen, venues


def graph():
    """A straight road of 2 km (with a bend) from the first kern to the place."""
    x = np.array([100_000.0, 100_500.0, 101_000.0])
    y = np.array([400_000.0, 400_500.0, 400_000.0])
    length = np.array([707.1, 707.1])
    return graph_from_edges(x, y, np.array([0, 1]), np.array([1, 2]), length, mode="bike")


def test_kern_on_the_network_is_routed_the_far_one_estimated(layers) -> None:
    kernen, venues = layers
    table = reach_with_fallback(kernen, venues, mode="bike", graph=graph()).set_index("kern_id")
    assert table.loc["op", "afstand_m"] == pytest.approx(1414.2, abs=0.5)
    assert table.loc["op", "methode"] != METHOD_STRAIGHT_LINE
    far = np.hypot(1000.0, 10_000.0) * DETOUR_FACTORS["bike"]
    assert table.loc["ver", "afstand_m"] == pytest.approx(far)
    assert table.loc["ver", "methode"] == METHOD_STRAIGHT_LINE
    assert table.loc["ver", "reden"] == OFF_NETWORK_NOTE


def test_without_fallback_the_far_kern_has_no_distance(layers) -> None:
    kernen, venues = layers
    routed = kern_reach(kernen, venues, mode="bike", graph=graph()).set_index("kern_id")
    assert np.isnan(routed.loc["ver", "afstand_m"])


def test_fill_refuses_tables_of_other_kernen(layers) -> None:
    kernen, venues = layers
    routed = kern_reach(kernen, venues, mode="bike", graph=graph())
    estimate = kern_reach(kernen.iloc[::-1], venues, mode="bike")
    with pytest.raises(MismatchedRowsError, match="same kernen") as caught:
        fill_off_network(routed, estimate)
    assert caught.value.what == "estimate"


def _places(xy: list[tuple[float, float]]) -> gpd.GeoDataFrame:
    names = [f"p{i}" for i in range(len(xy))]
    return gpd.GeoDataFrame(
        {"venue_id": names, "naam": names, "soort": ["dorpshuis"] * len(xy),
         "ontmoetingsplek": [True] * len(xy)},
        geometry=gpd.points_from_xy(*zip(*xy, strict=True)), crs=CRS,
    )


def test_a_place_off_the_network_counts_by_its_labelled_estimate(layers) -> None:
    kernen, _ = layers
    # p0 at the end of the road (1414 m over it); p1 beside the kern but 3 km from any road.
    places = _places([(101_000.0, 400_000.0), (100_000.0, 396_900.0), (130_000.0, 400_000.0)])
    table = reach_with_fallback(kernen, places, mode="bike", graph=graph()).set_index("kern_id")
    op = table.loc["op"]
    estimate = 3_100.0 * DETOUR_FACTORS["bike"]
    assert (op["venue_id"], op["tweede_venue_id"]) == ("p0", "p1")
    assert op["afstand_m"] == pytest.approx(1414.2, abs=0.5)
    assert op["tweede_afstand_m"] == pytest.approx(estimate)
    assert op["methode"] != METHOD_STRAIGHT_LINE
    assert op["reden"] == SECOND_OFF_NETWORK_NOTE
    closer = _places([(101_000.0, 400_000.0), (100_000.0, 399_000.0)])
    # p1 now 1 km away in a straight line, 1.3 km estimated: nearer than p0 over the road,
    # and it lies 1 km from the nearest node, beyond a snap limit of 900 m.
    near = kern_reach(kernen, closer, mode="bike", graph=graph(), max_snap=900.0)
    near = near.set_index("kern_id").loc["op"]
    assert (near["venue_id"], near["tweede_venue_id"]) == ("p1", "p0")
    assert near["afstand_m"] == pytest.approx(1_000.0 * DETOUR_FACTORS["bike"])
    assert near["tweede_afstand_m"] == pytest.approx(1414.2, abs=0.5)
    assert near["methode"] == METHOD_STRAIGHT_LINE
    assert near["reden"] == PLACE_OFF_NETWORK_NOTE
    assert np.isnan(near["snap_m"])


def test_places_all_off_the_network_never_leave_a_kern_empty(layers) -> None:
    kernen, _ = layers
    places = _places([(120_000.0, 400_000.0), (100_000.0, 420_000.0)])
    table = reach_with_fallback(kernen, places, mode="bike", graph=graph()).set_index("kern_id")
    assert table["afstand_m"].notna().all()
    assert (table["methode"] == METHOD_STRAIGHT_LINE).all()
    assert table.loc["op", "venue_id"] == "p0"
    assert table.loc["op", "afstand_m"] == pytest.approx(20_000.0 * DETOUR_FACTORS["bike"])
    assert table.loc["op", "reden"] == PLACE_OFF_NETWORK_NOTE
    assert table.loc["ver", "venue_id"] == "p1"
    assert table.loc["ver", "reden"] == OFF_NETWORK_NOTE
