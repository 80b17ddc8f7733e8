"""National kernen on the real files: each kern once, in one gemeente, inhabitants not doubled.

The kernen are built as the product builds them: CBS bevolkingskernen 2021 merged with
GeoNames, placed in the 2023 gemeenten and limited to each gemeente's population.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from loaders.kernen import (
    SOURCE_CBS,
    SOURCE_GEONAMES,
    assign_areas,
    limit_inhabitants,
    merge_kernen,
    read_cbs_bevolkingskernen,
    read_geonames,
)
from loaders.pdok import read_area_file
from loaders.schema import CRS, KERN_COLUMNS
from tests.conftest import SHARED_DATA

CBS_CSV = "cbs_bevolkingskernen_2021_towns_gt1000.csv"
GEONAMES = "geonames_nl_populated_places_2024.csv"
GEMEENTEN_2023 = "pdok_wijkenbuurten_2023_gemeenten_simplified.geojson"
TOLERANCE = 0.02
NL_MAXIMUM = 17_600_000

SEPARATE_VILLAGES = [
    # (village, its gemeente, the CBS kern it lies near, largest distance between them in m)
    ("Schipborg", "GM1680", "Zuidlaren", 2_000),
    ("Anloo", "GM1680", "Annen", 2_500),
    ("Zunderdorp", "GM0363", "Groot - Amsterdam", 8_500),
    ("Durgerdam", "GM0363", "Groot - Amsterdam", 9_500),
    ("Ransdorp", "GM0363", "Groot - Amsterdam", 10_000),
    ("Groenekan", "GM0310", "Bilthoven/De Bilt", 4_000),
    ("Eembrugge", "GM0317", "Baarn", 2_500),
    ("Boskamp", "GM1773", "Olst", 1_500),
    ("Zijtaart", "GM1948", "Veghel", 3_000),
    ("Hollandsche Rading", "GM0310", "Maartensdijk (U.)", 2_500),
    ("Giethoorn", "GM1708", "Steenwijk", 6_500),
    ("Ubbergen", "GM1945", "Groot - Nijmegen", 5_000),
    ("Ysbrechtum", "GM1900", "Sneek (Snits)", 2_500),
    ("Engelbert", "GM0014", "Groot - Groningen", 5_500),
]
"""Real dorpen near a CBS kern, from the GeoNames and CBS files, that must stay kernen."""

AA_EN_HUNZE_DORPEN = ["Gasteren", "Schipborg", "Anloo", "Eext", "Grolloo", "Schoonloo"]


@dataclass(frozen=True)
class National:
    primary: gpd.GeoDataFrame
    secondary: gpd.GeoDataFrame
    merged: gpd.GeoDataFrame
    gemeenten: gpd.GeoDataFrame
    located: gpd.GeoDataFrame
    kernen: gpd.GeoDataFrame

    @property
    def population(self) -> pd.Series:
        return self.gemeenten.set_index("code")["inwoners"]


@pytest.fixture(scope="module")
def national() -> National:
    for name in (CBS_CSV, GEONAMES, GEMEENTEN_2023):
        if not (SHARED_DATA / name).is_file():
            pytest.fail(f"{name} not found in {SHARED_DATA}; set ONTMOETINGSKAART_SHARED")
    primary = read_cbs_bevolkingskernen(SHARED_DATA / CBS_CSV)
    secondary = read_geonames(SHARED_DATA / GEONAMES)
    merged = merge_kernen(primary, secondary)
    gemeenten = read_area_file(SHARED_DATA / GEMEENTEN_2023, layer="gemeenten")
    located = assign_areas(merged, gemeenten, None)
    kernen = limit_inhabitants(located, gemeenten.set_index("code")["inwoners"])
    return National(primary, secondary, merged, gemeenten, located, kernen)


def gemeente_sums(national: National) -> pd.DataFrame:
    """Per gemeente: population, CBS inhabitants, all inhabitants and secondary figures left."""
    kernen = national.kernen
    people = kernen["inwoners"].astype("float64")
    cbs = kernen["source"] == SOURCE_CBS
    by_code = kernen["gemeentecode"]
    population = national.population.astype("float64")
    table = pd.DataFrame(
        {
            "population": population,
            "cbs": people.where(cbs, 0).groupby(by_code).sum(),
            "total": people.fillna(0).groupby(by_code).sum(),
            "secondary_figures": (people.notna() & ~cbs).groupby(by_code).sum(),
        }
    ).reindex(population.index)
    return table.fillna({"cbs": 0, "total": 0, "secondary_figures": 0})


def by_name(kernen: gpd.GeoDataFrame, name: str) -> gpd.GeoDataFrame:
    return kernen[kernen["naam"] == name]


# --- the national layer ----------------------------------------------------------------------


def test_schema_and_rows_kept(national: National) -> None:
    kernen = national.kernen
    assert tuple(kernen.columns) == KERN_COLUMNS
    assert kernen.crs == CRS
    assert len(kernen) == len(national.located) == len(national.merged)
    assert list(kernen["kern_id"]) == list(national.merged["kern_id"])
    assert str(kernen["inwoners"].dtype) == "Int64"
    assert (kernen["inwoners"].dropna() > 0).all()


def test_each_kern_once(national: National) -> None:
    kernen = national.kernen
    assert kernen["kern_id"].is_unique
    assert (kernen["source"] == SOURCE_CBS).sum() == len(national.primary) == 1109
    assert len(kernen) < len(national.primary) + len(national.secondary)
    assert len(by_name(kernen, "Blankenham")) == 1


def test_each_kern_in_one_gemeente(national: National) -> None:
    kernen = national.kernen
    codes = kernen["gemeentecode"]
    assert codes.map(lambda code: pd.isna(code) or isinstance(code, str)).all()
    inside = codes.isin(national.population.index)
    polygons = national.gemeenten.set_index("code").geometry
    own_polygon = gpd.GeoSeries(polygons[codes[inside]].to_numpy(), crs=CRS)
    assert (own_polygon.distance(kernen.geometry[inside].reset_index(drop=True)) <= 250).all()
    outside = kernen[~inside]
    print(f"\n{len(outside)} kernen outside every 2023 gemeente:")
    print(outside[["kern_id", "naam", "gemeentecode"]].to_string())
    assert len(outside) < 10


def test_parts_of_cbs_kernen_are_dropped(national: National) -> None:
    kernen = national.kernen
    geonames = kernen[kernen["source"] == SOURCE_GEONAMES]
    soestdijk = by_name(geonames, "Soestdijk")
    assert soestdijk[soestdijk["gemeentecode"] == "GM0308"].empty
    assert by_name(geonames, "Soestdijk").empty
    assert len(by_name(kernen, "Groot - Amsterdam")) == 1
    assert by_name(geonames, "Amsterdam").empty
    for cbs_name, part in [("Groot - Sittard-Geleen", "Geleen"), ("Groot - Leiden", "Oegstgeest"),
                           ("Groot - 's-Gravenhage", "Scheveningen")]:
        assert len(by_name(kernen, cbs_name)) == 1
        assert by_name(geonames, part).empty


def test_inhabitants_fit_each_gemeente(national: National) -> None:
    sums = gemeente_sums(national)
    bound = sums["population"] * (1 + TOLERANCE)
    over = sums[sums["total"] > bound]
    print(f"\n{len(over)} gemeenten above their population, by CBS kernen alone:")
    print(over.assign(ratio=over["total"] / over["population"]).sort_values("ratio").to_string())
    # CBS kernen keep their official count; an agglomeration ("Groot - Leiden") lies in the
    # gemeente of its centroid. There no secondary figure may be left.
    assert (over["total"] == over["cbs"]).all()
    assert (over["secondary_figures"] == 0).all()
    assert (over["cbs"] > bound[over.index]).all()


def test_national_total_below_country(national: National) -> None:
    before = national.merged["inwoners"].sum()
    after = national.kernen["inwoners"].sum()
    print(f"\ninhabitants of all kernen: {before:,} merged, {after:,} limited")
    assert after <= NL_MAXIMUM
    assert after >= national.primary["inwoners"].sum()


def test_cbs_inhabitants_untouched(national: National) -> None:
    cbs = national.kernen[national.kernen["source"] == SOURCE_CBS].set_index("kern_id")
    official = national.primary.set_index("kern_id")["inwoners"]
    assert cbs["inwoners"].equals(official[cbs.index])


def test_secondary_figures_credible(national: National) -> None:
    kernen = national.kernen
    secondary = kernen[kernen["source"] != SOURCE_CBS]
    assert (secondary["inwoners"].dropna() < 1000).all()
    before = national.located.set_index("kern_id")["inwoners"]
    after = kernen.set_index("kern_id")["inwoners"]
    changed = before.notna() & after.isna()
    assert after[before.isna()].isna().all()
    assert (after[before.notna() & after.notna()] == before[before.notna() & after.notna()]).all()
    print(f"\n{changed.sum()} secondary figures set missing")


def test_dorpen_of_aa_en_hunze_remain(national: National) -> None:
    kernen = national.kernen
    aa_en_hunze = kernen[kernen["gemeentecode"] == "GM1680"]
    for name in AA_EN_HUNZE_DORPEN:
        assert len(by_name(aa_en_hunze, name)) == 1, name
    for name in ["Gieten", "Annen", "Rolde"]:
        assert by_name(aa_en_hunze, name)["source"].tolist() == [SOURCE_CBS]


@pytest.mark.parametrize(("village", "gemeente", "near", "within"), SEPARATE_VILLAGES)
def test_separate_villages_survive(
    national: National, village: str, gemeente: str, near: str, within: float
) -> None:
    kernen = national.kernen
    dorp = by_name(kernen, village)
    kern = by_name(kernen, near)
    assert len(dorp) == 1
    assert len(kern) == 1
    assert dorp["source"].item() == SOURCE_GEONAMES
    assert kern["source"].item() == SOURCE_CBS
    assert dorp["gemeentecode"].item() == gemeente
    assert dorp.geometry.item().distance(kern.geometry.item()) < within


# --- merge_kernen on hand-built places -------------------------------------------------------


def kern(kern_id: str, naam: str, x: float, inwoners: int | None, source: str) -> dict:
    return {"kern_id": kern_id, "naam": naam, "gemeentecode": None, "buurtcode": None,
            "inwoners": inwoners, "source": source, "geometry": Point(150_000 + x, 450_000)}


def frame(rows: list[dict]) -> gpd.GeoDataFrame:
    table = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    table["inwoners"] = table["inwoners"].astype("Int64")
    return table


def test_merge_extent_grows_with_population() -> None:
    town = frame([kern("cbs2021:stad", "Stad", 0, 40_000, SOURCE_CBS)])  # extent 2,000 m
    village = frame([kern("cbs2021:dorp", "Dorp", 0, 1_100, SOURCE_CBS)])  # extent 332 m
    place = frame([kern("geonames:1", "Wijk", 1_900, None, SOURCE_GEONAMES)])
    assert merge_kernen(town, place)["kern_id"].tolist() == ["cbs2021:stad"]
    assert merge_kernen(village, place)["kern_id"].tolist() == ["cbs2021:dorp", "geonames:1"]


def test_merge_keeps_place_as_large_as_the_kern() -> None:
    town = frame([kern("cbs2021:stad", "Stad", 0, 40_000, SOURCE_CBS)])
    places = frame([kern("geonames:1", "Deel", 1_500, 5_000, SOURCE_GEONAMES),
                    kern("geonames:2", "Buur", 1_500, 40_000, SOURCE_GEONAMES)])
    assert merge_kernen(town, places)["kern_id"].tolist() == ["cbs2021:stad", "geonames:2"]


def test_merge_same_name_reaches_further_for_large_kernen() -> None:
    city = frame([kern("cbs2021:groot-stad", "Groot - Stad", 0, 250_000, SOURCE_CBS)])
    places = frame([kern("geonames:1", "Stad", 9_000, 600_000, SOURCE_GEONAMES),
                    kern("geonames:2", "Stad", 11_000, 600_000, SOURCE_GEONAMES)])
    merged = merge_kernen(city, places)
    assert merged["kern_id"].tolist() == ["cbs2021:groot-stad", "geonames:2"]


# --- limit_inhabitants on hand-built kernen --------------------------------------------------


def located(rows: list[tuple[str, str, int | None, str]]) -> gpd.GeoDataFrame:
    """Kernen from ``(kern_id, gemeentecode, inwoners, source)``."""
    table = frame([kern(kern_id, kern_id, 0, people, source)
                   for kern_id, _code, people, source in rows])
    table["gemeentecode"] = [code for _id, code, _people, _source in rows]
    return table


def test_limit_keeps_cbs_figure_even_above_population() -> None:
    kernen = located([("cbs2021:a", "GM0001", 5_000, SOURCE_CBS),
                      ("geonames:1", "GM0001", 300, SOURCE_GEONAMES)])
    out = limit_inhabitants(kernen, pd.Series({"GM0001": 4_000}))
    assert out["inwoners"].tolist() == [5_000, pd.NA]
    assert str(out["inwoners"].dtype) == "Int64"


def test_limit_blanks_secondary_figures_of_1000_or_more() -> None:
    kernen = located([("cbs2021:a", "GM0001", 5_000, SOURCE_CBS),
                      ("geonames:1", "GM0001", 1_000, SOURCE_GEONAMES),
                      ("osm:node/2", "GM0001", 999, "OpenStreetMap"),
                      ("geonames:3", "GM0001", None, SOURCE_GEONAMES)])
    out = limit_inhabitants(kernen, pd.Series({"GM0001": 100_000}))
    assert out["inwoners"].tolist() == [5_000, pd.NA, 999, pd.NA]
    assert out["kern_id"].tolist() == kernen["kern_id"].tolist()


def test_limit_last_guard_drops_largest_first() -> None:
    kernen = located([("geonames:1", "GM0001", 200, SOURCE_GEONAMES),
                      ("cbs2021:a", "GM0001", 5_000, SOURCE_CBS),
                      ("geonames:2", "GM0001", 600, SOURCE_GEONAMES),
                      ("geonames:3", "GM0001", 400, SOURCE_GEONAMES),
                      ("geonames:4", "GM0002", 900, SOURCE_GEONAMES)])
    # GM0001 may hold 5,610 (5,500 + 2 %): 6,200 is over, blanking 600 brings it to 5,600.
    out = limit_inhabitants(kernen, pd.Series({"GM0001": 5_500, "GM0002": 1_000}))
    assert out["inwoners"].tolist() == [200, 5_000, pd.NA, 400, 900]
    strict = limit_inhabitants(kernen, pd.Series({"GM0001": 5_500}), tolerance=0.0)
    assert strict["inwoners"].tolist() == [200, 5_000, pd.NA, pd.NA, 900]


def test_limit_leaves_unknown_gemeente_alone() -> None:
    kernen = located([("cbs2021:a", "GM0009", 5_000, SOURCE_CBS),
                      ("geonames:1", "GM0009", 800, SOURCE_GEONAMES),
                      ("geonames:2", None, 700, SOURCE_GEONAMES)])
    out = limit_inhabitants(kernen, pd.Series({"GM0001": 10}))
    assert out["inwoners"].tolist() == [5_000, 800, 700]
    assert out.index.equals(kernen.index)
