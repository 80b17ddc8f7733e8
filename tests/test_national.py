"""The national store: every kern once, answers that do not depend on how the area was cut."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from analysis.nearest import METHOD_STRAIGHT_LINE, REASON_OTHER_LAND
from analysis.reach import OFF_NETWORK, OFF_NETWORK_NOTE
from loaders.__main__ import main as loaders_main
from loaders.build import import_folder
from loaders.gebied import gebied_options
from loaders.store import NATIONAL, Store
from pipeline.reach import current_reach, reach_inputs, reach_layer, refresh_reach
from reports.__main__ import main as reports_main
from tests.conftest import SHARED_DATA
from tests.region_stores import demo_region_store
from views import eenzaamheid as ez

BORDER_GEMEENTEN = ["GM1708", "GM0166", "GM0308"]
"""Steenwijkerland (Kuinre, Blankenham), Kampen (Roggebotsluis) and Baarn: kernen whose
nearest meeting place lies across a gemeente or province border."""


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return Store(demo_region_store(tmp_path_factory, "nl"))


@pytest.fixture(scope="module")
def partial(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A store holding only the three border gemeenten."""
    store = Store(tmp_path_factory.mktemp("partial"))
    assert import_folder(SHARED_DATA, BORDER_GEMEENTEN, store=store).ok
    refresh_reach(store)
    return store


def test_inhabitants_of_all_kernen_stay_below_the_country(national: Store) -> None:
    kernen = national.read_layer(NATIONAL, "kernen")
    total = pd.to_numeric(kernen["inwoners"], errors="coerce").sum()
    assert 15_000_000 < total <= 17_600_000
    assert kernen["kern_id"].is_unique
    gemeenten = set(national.read_layer(NATIONAL, "gemeenten")["code"])
    assert kernen["gemeentecode"].isin(gemeenten).all(), "each kern in one current gemeente"


def test_every_gemeente_of_the_newest_division_is_stored_with_a_province(national: Store) -> None:
    gemeenten = national.read_layer(NATIONAL, "gemeenten")
    assert len(gemeenten) == 342
    assert gemeenten["provincie"].notna().all()
    assert list(national.manifest(NATIONAL).gemeenten) == sorted(gemeenten["code"])


def test_stored_reach_is_current_for_every_mode(national: Store) -> None:
    manifest = national.manifest(NATIONAL)
    kernen = national.read_layer(NATIONAL, "kernen")
    for mode in ("walk", "bike", "drive"):
        entry = manifest.layers[reach_layer(mode)]
        assert entry.inputs == reach_inputs(manifest, mode)
        assert entry.rows == len(kernen)
    reach = current_reach(national, "bike")
    assert reach["kern_id"].tolist() == kernen["kern_id"].tolist()


@pytest.mark.parametrize(
    ("kern", "at_most_m"),
    [("Kuinre", 300.0), ("Blankenham", 300.0), ("Roggebotsluis", 5000.0)],
)
def test_a_place_across_the_border_counts(national: Store, kern: str, at_most_m: float) -> None:
    reach = current_reach(national, "bike").set_index("naam")
    assert reach.loc[kern, "afstand_m"] <= at_most_m


def test_a_border_never_changes_an_answer(national: Store, partial: Store) -> None:
    whole = current_reach(national, "bike").set_index("kern_id")
    alone = current_reach(partial, "bike").set_index("kern_id")
    assert set(alone["gemeentecode"]) == set(BORDER_GEMEENTEN)
    assert len(alone) > 40
    joined = alone.join(whole.add_suffix("_nl"), how="left")
    assert joined["afstand_m_nl"].notna().all()
    pd.testing.assert_series_equal(joined["afstand_m"], joined["afstand_m_nl"],
                                   check_names=False)
    assert (joined["venue_id"] == joined["venue_id_nl"]).all()


def test_a_gemeente_formed_after_2020_is_selectable_with_its_old_figures(national: Store) -> None:
    gemeenten = national.read_layer(NATIONAL, "gemeenten")
    keys = {option.key: option for option in gebied_options(gemeenten)}
    assert keys["GM1979"].label == "Eemsdelta"
    assert keys["GM1979"] in [o for o in keys.values() if o.kind == "gemeente"]
    kernen = national.read_layer(NATIONAL, "kernen")
    assert {"Appingedam", "Delfzijl"} <= set(kernen.loc[kernen["gemeentecode"] == "GM1979",
                                                          "naam"])
    eenzaamheid = national.read_layer(NATIONAL, "eenzaamheid")
    assert ez.reference_codes(eenzaamheid, ["GM1979"]) == ["GM0003", "GM0010", "GM0024", "NL01"]
    buurten = eenzaamheid[(eenzaamheid["soort_regio"] == "Buurt")
                          & (eenzaamheid["gemeentecode"] == "GM1979")]
    assert buurten["regiocode"].str.slice(0, 6).isin(["BU0003", "BU0010", "BU0024"]).all()
    assert len(buurten) > 50


def test_reports_kernen_writes_the_kernen_download(national: Store, tmp_path: Path) -> None:
    csv_file, xlsx_file = tmp_path / "aa.csv", tmp_path / "aa.xlsx"
    root = str(national.root)
    assert reports_main(["--data", root, "kernen", "--gebied", "Aa en Hunze", "--modus", "fiets",
                         "--uit", str(csv_file)]) == 0
    assert reports_main(["--data", root, "kernen", "--gebied", "GM1680", "--modus", "bike",
                         "--uit", str(xlsx_file)]) == 0
    table = pd.read_csv(csv_file, sep=";", decimal=",", encoding="utf-8-sig")
    kernen = national.read_layer(NATIONAL, "kernen")
    assert len(table) == int((kernen["gemeentecode"] == "GM1680").sum())
    assert set(table["Gemeentecode"]) == {"GM1680"}
    assert {"Kern", "Afstand (km)", "Minuten fietsen", "Methode", "Bron"} <= set(table.columns)
    reach = current_reach(national, "bike").set_index("kern_id")
    expected = (reach.loc[table["Kerncode"], "afstand_m"] / 1000).to_numpy()
    assert abs(table["Afstand (km)"].to_numpy() - expected).max() <= 0.05, "km to one decimal"
    book = load_workbook(io.BytesIO(xlsx_file.read_bytes()), read_only=True)
    assert book.sheetnames == ["Kernen", "Bron", "Methode"]


def test_reports_gemeenten_for_a_province(national: Store, tmp_path: Path) -> None:
    out = tmp_path / "drenthe.csv"
    assert reports_main(["--data", str(national.root), "gemeenten", "--gebied",
                         "provincie Drenthe", "--grens", "1000", "--modus", "lopen",
                         "--uit", str(out)]) == 0
    table = pd.read_csv(out, sep=";", decimal=",", encoding="utf-8-sig")
    assert len(table) == 12
    assert set(table["Provincie"]) == {"Drenthe"}
    assert "Kernen zonder plek binnen 1 km" in table.columns


@pytest.mark.parametrize(
    ("gebied", "message"),
    [("Bergen", "niet eenduidig"), ("Gieten", "is een kern"), ("GM9999", "geen gemeente")],
)
def test_bad_area_changes_nothing(
    national: Store, gebied: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = national.manifest(NATIONAL)
    code = loaders_main(["--data", str(national.root), "import", "--from", str(SHARED_DATA),
                         "--gebied", gebied])
    assert code == 2
    assert message in capsys.readouterr().err
    assert national.manifest(NATIONAL) == before


def test_a_partial_network_never_leaves_a_kern_without_a_distance(
    national: Store, tmp_path: Path
) -> None:
    """A network of a few Amsterdam streets: every other kern keeps its estimate, labelled."""
    store = Store(tmp_path / "store")
    shutil.copytree(national.root / NATIONAL, tmp_path / "store" / NATIONAL)
    pbf = SHARED_DATA / "fixtures" / "osm_valhalla_testdata_amsterdam_sciencepark.osm.pbf"
    assert loaders_main(["--data", str(store.root), "network", "--osm", str(pbf),
                         "--modus", "fiets"]) == 0
    manifest = store.manifest(NATIONAL)
    assert "netwerk_bike" in manifest.layers
    reach = store.read_layer(NATIONAL, reach_layer("bike"))
    assert manifest.layers[reach_layer("bike")].inputs == reach_inputs(manifest, "bike")
    empty = reach["afstand_m"].isna()
    assert (reach.loc[empty, "reden"] == REASON_OTHER_LAND).all(), "only islands without a place"
    assert not reach["reden"].fillna("").str.startswith(OFF_NETWORK).any()
    off = reach["reden"] == OFF_NETWORK_NOTE
    assert off.sum() > 6000
    assert (reach.loc[off, "methode"] == METHOD_STRAIGHT_LINE).all()
    estimate = current_reach(national, "bike")
    pd.testing.assert_series_equal(reach.loc[off, "afstand_m"], estimate.loc[off, "afstand_m"])
