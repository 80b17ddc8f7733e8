"""A kern's loneliness figure from its own buurten, and estimates that add up per gemeente."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from analysis.errors import UnknownOptionError
from analysis.estimates import age_share, gemeente_estimates
from analysis.indicators import kern_links, kern_loneliness, loneliness_slice
from analysis.kern_buurten import (
    LEVEL_BUURTEN,
    LEVEL_GEMEENTE,
    LEVEL_WIJK,
    kern_figures,
    link_buurten,
    unchanged_shapes,
)
from loaders.schema import CRS
from loaders.store import Store
from tests.conftest import SHARED_DATA
from tests.region_stores import REGION, demo_region_store


def _buurten(rows: list[tuple[str, tuple[float, float, float, float], float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"code": [r[0] for r in rows], "naam": [r[0] for r in rows],
         "inwoners": np.nan, "adresdichtheid": [r[2] for r in rows], "indeling": "2016"},
        geometry=[box(*r[1]) for r in rows], crs=CRS,
    )


def _kernen(rows: list[tuple[str, float, float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"kern_id": [r[0] for r in rows], "inwoners": [r[3] for r in rows],
         "gemeentecode": "GM0001"},
        geometry=[Point(r[1], r[2]) for r in rows], crs=CRS,
    )


def test_town_keeps_its_edge_buurt_and_village_keeps_its_own() -> None:
    # A town of 40,000 (disc 2 km) with a buurt on its east edge next to a village's buurt.
    buurten = _buurten([
        ("BU00010001", (-1000, -1000, 1000, 1000), 3000.0),
        ("BU00010002", (1000, -1000, 2000, 1000), 2000.0),
        ("BU00010101", (2000, -1000, 3000, 1000), 800.0),
    ])
    kernen = _kernen([("town", 0, 0, 40_000), ("village", 2500, 0, 500)])
    links = link_buurten(kernen, buurten, buurten["code"], figure_indeling="2016")
    town = set(links.loc[links["kern_id"] == "town", "buurtcode"])
    village = set(links.loc[links["kern_id"] == "village", "buurtcode"])
    assert town == {"BU00010001", "BU00010002"}
    assert village == {"BU00010101"}
    values = pd.Series({"BU00010001": 40.0, "BU00010002": 50.0, "BU00010101": 30.0,
                        "GM0001": 44.0})
    figures = kern_figures(kernen.drop(columns="geometry"), links, values).set_index("kern_id")
    assert figures.loc["village", "eenzaamheid_pct"] == 30.0
    weights = links[links["kern_id"] == "town"].set_index("buurtcode")["gewicht"]
    # Addresses: density × km² of the buurt under the town's disc (radius 10·√40,000 m).
    under = Point(0, 0).buffer(2000.0, quad_segs=16).intersection(box(1000, -1000, 2000, 1000))
    assert weights["BU00010002"] == pytest.approx(2000.0 * under.area / 1e6)
    expected = (40.0 * weights["BU00010001"] + 50.0 * weights["BU00010002"]) / weights.sum()
    assert figures.loc["town", "eenzaamheid_pct"] == pytest.approx(expected)
    assert (figures.loc["town", "eenzaamheid_min"], figures.loc["town", "eenzaamheid_max"]) == (
        40.0, 50.0)
    assert figures.loc["town", "eenzaamheid_niveau"] == LEVEL_BUURTEN


def test_changed_shapes_never_pass_a_figure_on() -> None:
    buurten = _buurten([
        ("BU00010001", (0, 0, 1000, 1000), 1000.0),
        ("BU00010002", (1000, 0, 2000, 1000), 1000.0),
        ("BU00010201", (0, 1000, 1000, 2000), 1000.0),
        ("BU00010301", (5000, 0, 6000, 1000), 1000.0),
    ])
    # Wijk 01 gained a buurt (split), wijk 02's code is gone, wijk 03 renumbered entirely.
    figure_codes = ["BU00010001", "BU00010002", "BU00010003", "BU00010202", "BU00010399"]
    unchanged = unchanged_shapes(buurten, figure_codes, figure_indeling="2020")
    assert not unchanged.any()
    assert unchanged_shapes(buurten, buurten["code"], figure_indeling="2020").all()
    kernen = _kernen([("split", 500, 500, 300), ("gone", 500, 1500, 300),
                      ("renumbered", 5500, 500, 300)])
    links = link_buurten(kernen, buurten, figure_codes, figure_indeling="2020")
    values = pd.Series({"BU00010001": 10.0, "BU00010002": 20.0, "WK000100": 33.0,
                        "WK000103": 99.0, "GM0001": 44.0})
    figures = kern_figures(kernen.drop(columns="geometry"), links, values).set_index("kern_id")
    assert figures.loc["split", "eenzaamheid_pct"] == 33.0
    assert figures.loc["split", "eenzaamheid_niveau"] == LEVEL_WIJK
    assert figures.loc["gone", "eenzaamheid_pct"] == 44.0
    assert figures.loc["renumbered", "eenzaamheid_niveau"] == LEVEL_GEMEENTE
    assert "veranderd" in figures.loc["gone", "eenzaamheid_toelichting"]


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return Store(demo_region_store(tmp_path_factory, "nl"))


@pytest.fixture(scope="module")
def source() -> pd.Series:
    table = pd.read_csv(SHARED_DATA / "rivm_eenzaamheid_wijk_buurt_2016_2020.csv")
    table = table[(table["jaar"] == 2020) & (table["leeftijdsgroep"] == "18+")]
    return table.set_index("regiocode")["eenzaam_pct"]


@pytest.fixture(scope="module")
def layers(national: Store) -> dict[str, pd.DataFrame]:
    names = ("kernen", "buurten", "eenzaamheid", "gemeenten")
    found = {name: national.read_layer(REGION, name) for name in names}
    found["links"] = kern_links(found["kernen"], found["buurten"], found["eenzaamheid"])
    return found


def _figures(layers: dict[str, pd.DataFrame], leeftijd: str = "18+") -> pd.DataFrame:
    kernen = pd.DataFrame(layers["kernen"].drop(columns="geometry"))
    return kern_loneliness(kernen, layers["eenzaamheid"], links=layers["links"],
                           gemeenten=layers["gemeenten"], buurten=layers["buurten"],
                           leeftijd=leeftijd, jaar=2020)


def test_a_town_takes_the_weighted_mean_of_its_own_buurten(
    layers: dict[str, pd.DataFrame], source: pd.Series
) -> None:
    figures = _figures(layers)
    assen = figures[figures["naam"] == "Assen"].iloc[0]
    own = layers["links"][layers["links"]["kern_id"] == assen["kern_id"]]
    assert len(own) >= 20
    assert own["buurtcode"].str.startswith("BU0106").mean() > 0.9
    usable = own[own["grens_ongewijzigd"] & own["buurtcode"].map(source).notna()]
    values = usable["buurtcode"].map(source)
    expected = (values * usable["gewicht"]).sum() / usable["gewicht"].sum()
    assert assen["eenzaamheid_pct"] == pytest.approx(expected)
    assert assen["eenzaamheid_min"] == values.min() < assen["eenzaamheid_pct"]
    assert assen["eenzaamheid_max"] == values.max() > assen["eenzaamheid_pct"]
    assert assen["eenzaamheid_buurten"] == len(usable)
    # The one buurt under the kern's point is not the town's figure.
    assert source[assen["buurtcode"]] != pytest.approx(assen["eenzaamheid_pct"], abs=0.5)


def test_a_village_whose_2016_buurt_was_split_takes_its_wijk(
    layers: dict[str, pd.DataFrame], source: pd.Series, shared_data: Path
) -> None:
    # Dorp Bathmen (BU01501501) of 2016 became two buurten (…01 and …05) by 2020.
    shapes = gpd.read_file(shared_data / "wof_cbs_buurten_2016_nl_simplified25m.geojson",
                           where="bu_code LIKE 'BU015015%'")
    in_2020 = {c for c in source.index if c.startswith("BU015015")}
    assert set(shapes["bu_code"]) < in_2020
    figures = _figures(layers)
    bathmen = figures[figures["naam"] == "Bathmen"].iloc[0]
    assert bathmen["eenzaamheid_niveau"] == LEVEL_WIJK
    assert bathmen["eenzaamheid_pct"] == source["WK015015"]
    assert "veranderd" in bathmen["eenzaamheid_toelichting"]


def test_a_village_in_its_own_buurt_gets_that_figure(
    layers: dict[str, pd.DataFrame], source: pd.Series
) -> None:
    figures = _figures(layers).set_index("naam")
    assert figures.loc["Gieten", "eenzaamheid_pct"] == source["BU16801700"]
    assert figures.loc["Gieten", "eenzaamheid_toelichting"] == (
        "cijfer van de buurt waarin de kern ligt")


@pytest.mark.parametrize("leeftijd", ["18+", "65+"])
def test_estimates_count_adults_and_never_exceed_the_gemeente(
    layers: dict[str, pd.DataFrame], leeftijd: str
) -> None:
    figures = _figures(layers, leeftijd)
    values = loneliness_slice(layers["eenzaamheid"], indicator="eenzaam_pct", leeftijd=leeftijd,
                              jaar=2020)
    ceiling = np.floor(gemeente_estimates(layers["gemeenten"], values, leeftijd=leeftijd))
    sums = figures.groupby("gemeentecode")["eenzamen_schatting"].sum()
    checked = pd.DataFrame({"sum": sums, "ceiling": ceiling}).dropna()
    assert len(checked) > 300
    assert (checked["sum"] <= checked["ceiling"]).all()
    estimated = figures[figures["eenzamen_schatting"].notna()]
    assert len(estimated) > 1000
    assert (estimated["eenzamen_schatting"] < pd.to_numeric(estimated["inwoners"])).all()
    estimated = estimated[estimated["eenzamen_basis"].str.contains("van de gemeente")]
    share = estimated["gemeentecode"].map(
        age_share(layers["gemeenten"].set_index("code"), leeftijd))
    adults = pd.to_numeric(estimated["inwoners"]) * share / 100
    assert (estimated["eenzamen_schatting"] <= adults * estimated["eenzaamheid_pct"] / 100
            + 1e-6).all()
    assert estimated["eenzamen_basis"].str.contains(leeftijd, regex=False).all()
    without = figures[~figures["gemeentecode"].isin(checked.index)]
    assert without["eenzamen_schatting"].isna().all()


def test_age_shares_from_cbs_groups() -> None:
    areas = pd.DataFrame({"pct_0_15": [15.0], "pct_15_25": [10.0], "pct_65plus": [20.0]})
    assert age_share(areas, "18+").iloc[0] == pytest.approx(82.0)
    assert age_share(areas, "65+").iloc[0] == 20.0
    with pytest.raises(UnknownOptionError, match="unknown age group '12\\+'"):
        age_share(areas, "12+")
