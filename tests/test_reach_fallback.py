"""A road network that covers only some kernen: the others keep a labelled estimate."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest

from analysis.nearest import DETOUR_FACTORS, METHOD_STRAIGHT_LINE
from analysis.network import graph_from_edges
from analysis.reach import OFF_NETWORK_NOTE, fill_off_network, kern_reach
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
    with pytest.raises(ValueError, match="same kernen"):
        fill_off_network(routed, estimate)

