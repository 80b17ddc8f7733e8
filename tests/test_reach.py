"""Per-kern reach and loneliness on hand-built data and on the Aa en Hunze region."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from analysis.errors import NoVenuesError, ProjectionError
from analysis.indicators import available_years, kern_links, kern_loneliness
from analysis.nearest import DETOUR_FACTORS, METHOD_NETWORK, METHOD_STRAIGHT_LINE
from analysis.network import graph_from_edges
from analysis.reach import kern_reach, kernen_without, meeting_places, reach_summary
from loaders.store import Store
from loaders.venue_store import read_region_venues
from tests.region_stores import REGION, demo_region_store


def _kernen(points: list[tuple[float, float]], inwoners: list[float | None]) -> gpd.GeoDataFrame:
    n = len(points)
    return gpd.GeoDataFrame(
        {"kern_id": [f"k{i}" for i in range(n)], "naam": [f"Kern {i}" for i in range(n)],
         "gemeentecode": ["GM0001"] * n, "buurtcode": [f"BU0001000{i}" for i in range(n)],
         "inwoners": inwoners},
        geometry=[Point(p) for p in points], crs="EPSG:28992",
    )


def _venues(points: list[tuple[float, float]], counts: list[bool]) -> gpd.GeoDataFrame:
    n = len(points)
    return gpd.GeoDataFrame(
        {"venue_id": [f"v{i}" for i in range(n)], "naam": [f"Plek {i}" for i in range(n)],
         "soort": ["dorpshuis"] * n, "ontmoetingsplek": counts},
        geometry=[Point(p) for p in points], crs="EPSG:28992",
    )


def test_straight_line_is_labelled_estimate_and_skips_non_meeting_places() -> None:
    kernen = _kernen([(0, 0), (10_000, 0)], [1000, None])
    venues = _venues([(300, 400), (9_000, 0), (10_000, 100)], [True, True, False])
    reach = kern_reach(kernen, venues, mode="walk")
    assert (reach["methode"] == METHOD_STRAIGHT_LINE).all()
    assert reach["venue_id"].tolist() == ["v0", "v1"]
    factor = DETOUR_FACTORS["walk"]
    assert reach["afstand_m"].tolist() == pytest.approx([500 * factor, 1000 * factor])
    assert reach["minuten"].iloc[0] == pytest.approx(500 * factor / (4500 / 60))
    assert reach["eigen_plek"].tolist() == [True, False]
    assert len(meeting_places(venues)) == 2


def test_network_reach_with_island_kern() -> None:
    # a road 0-1-2 along x and an island node 3 far away
    graph = graph_from_edges(
        np.array([0.0, 1000.0, 2000.0, 50_000.0]), np.zeros(4),
        np.array([0, 1]), np.array([1, 2]), np.array([1000.0, 1000.0]), mode="walk",
    )
    kernen = _kernen([(0, 10), (50_000, 5)], [500, 200])
    venues = _venues([(2000, 0)], [True])
    reach = kern_reach(kernen, venues, mode="walk", graph=graph)
    assert reach["methode"].tolist() == [METHOD_NETWORK, METHOD_NETWORK]
    assert reach["afstand_m"].iloc[0] == pytest.approx(2010.0)
    assert math.isnan(reach["afstand_m"].iloc[1])
    assert pd.isna(reach["venue_id"].iloc[1])
    assert "bereikbaar" in reach["reden"].iloc[1]
    summary = reach_summary(reach, [1000, 2500]).iloc[0]
    assert summary["kernen"] == 2
    assert summary["kernen_binnen_2500"] == 1
    assert summary["inwoners_binnen_2500"] == 500
    assert kernen_without(reach, 2500)["kern_id"].tolist() == ["k1"]


def test_no_meeting_place_is_a_clear_error() -> None:
    with pytest.raises(NoVenuesError):
        kern_reach(_kernen([(0, 0)], [1]), _venues([(1, 1)], [False]), mode="bike")


@pytest.fixture(scope="module")
def aa_en_hunze(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The national store holding Aa en Hunze (read only)."""
    return Store(demo_region_store(tmp_path_factory, "aa-en-hunze"))


def test_aa_en_hunze_reach_and_buurt_loneliness(aa_en_hunze: Store, shared_data: Path) -> None:
    kernen = aa_en_hunze.read_layer(REGION, "kernen")
    venues = aa_en_hunze.read_layer(REGION, "venues")
    reach = kern_reach(kernen, venues, mode="bike")
    schipborg = reach[reach["naam"] == "Schipborg"].iloc[0]
    assert schipborg["venue_naam"] == "Dorpshuis Schipborg"
    assert schipborg["eigen_plek"]
    table = aa_en_hunze.read_layer(REGION, "eenzaamheid")
    assert available_years(table)[:2] == [2020, 2016]
    links = kern_links(kernen, aa_en_hunze.read_layer(REGION, "buurten"), table)
    with_loneliness = kern_loneliness(reach, table, links=links, indicator="eenzaam_pct",
                                      leeftijd="18+", jaar=2020)
    source = pd.read_csv(shared_data / "rivm_eenzaamheid_wijk_buurt_2016_2020.csv")
    published = source[(source["jaar"] == 2020) & (source["leeftijdsgroep"] == "18+")]
    published = published.set_index("regiocode")["eenzaam_pct"]
    row = with_loneliness[with_loneliness["naam"] == "Schipborg"].iloc[0]
    own = links[links["kern_id"] == row["kern_id"]]
    assert row["buurtcode"] in set(own["buurtcode"])
    figures = own["buurtcode"].map(published)
    expected = (figures * own["gewicht"]).sum() / own["gewicht"].sum()
    assert row["eenzaamheid_pct"] == pytest.approx(expected)
    assert (row["eenzaamheid_min"], row["eenzaamheid_max"]) == (figures.min(), figures.max())
    assert row["eenzaamheid_niveau"] == "buurten"


def test_frames_in_degrees_are_refused() -> None:
    kernen = _kernen([(0, 0)], [1]).set_crs("EPSG:28992", allow_override=True).to_crs(4326)
    with pytest.raises(ProjectionError, match="EPSG:28992") as caught:
        kern_reach(kernen, _venues([(300, 400)], [True]), mode="walk")
    assert (caught.value.what, caught.value.crs) == ("kernen", "EPSG:4326")


def test_stored_reach_is_every_kern_against_every_place(aa_en_hunze: Store) -> None:
    """``bereik_<mode>`` is stored at import and equals a recomputation on the stored layers."""
    kernen = aa_en_hunze.read_layer(REGION, "kernen")
    venues = read_region_venues(aa_en_hunze, REGION)
    columns = ["kern_id", "venue_id", "afstand_m", "tweede_venue_id", "methode"]
    for mode in ("walk", "bike", "drive"):
        stored = aa_en_hunze.read_layer(REGION, f"bereik_{mode}")
        expected = kern_reach(kernen, venues, mode=mode)
        pd.testing.assert_frame_equal(stored[columns], expected[columns])
        assert (stored["methode"] == METHOD_STRAIGHT_LINE).all(), "no network stored"


def test_a_place_across_the_border_shortens_the_distance(aa_en_hunze: Store) -> None:
    """Why the store is national: with only Aa en Hunze's own places some kernen lie farther."""
    kernen = aa_en_hunze.read_layer(REGION, "kernen")
    venues = read_region_venues(aa_en_hunze, REGION)
    national = kern_reach(kernen, venues, mode="bike").set_index("kern_id")
    own = kern_reach(kernen, venues[venues["gemeentecode"] == "GM1680"],
                     mode="bike").set_index("kern_id")
    assert (national["afstand_m"] <= own["afstand_m"] + 1e-6).all()
    shorter = national["afstand_m"] < own["afstand_m"] - 1.0
    assert shorter.any()
    across = venues.set_index("venue_id").loc[national.loc[shorter, "venue_id"], "gemeentecode"]
    assert (across != "GM1680").all()
