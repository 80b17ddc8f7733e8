"""The user's corrections to meeting places: stored, undone, surviving a refresh, and used by
the reach. On the national store holding Aa en Hunze, whose Gieten has only a school, the
town hall and a care home as polling stations (none counts)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from analysis.nearest import DETOUR_FACTORS
from loaders.build import import_folder
from loaders.corrections import (
    BRON,
    CORRECTIONS_LAYER,
    TELT,
    TELT_NIET,
    TOEGEVOEGD,
    CorrectionError,
    DuplicatePlaceError,
    add_place,
    added_places,
    corrected_venues,
    corrections,
    set_counts,
    undo,
)
from loaders.store import Store
from loaders.venue_store import read_region_venues
from pipeline.reach import current_reach, reach_inputs, reach_layer, refresh_reach
from tests.conftest import SHARED_DATA
from tests.region_stores import REGION, demo_region_store
from views.corrections import parse_coordinates, place_sources, source_counts

GIETEN_SCHOOL = "stemlokaal:TK2023:26970"
"""Openbare basisschool Gieten, about 360 m from Gieten's kern point."""
EEXT_CAFE = "stemlokaal:TK2023:26951"
"""Cafe/Restaurant Eext: Gieten's nearest counting place without corrections (3,4 km)."""
GIETEN = "cbs2021:gieten"
DAY = date(2025, 5, 12)


@pytest.fixture
def store(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Store:
    """A writable copy of the national store holding Aa en Hunze (reach stored)."""
    source = demo_region_store(tmp_path_factory, "aa-en-hunze")
    shutil.copytree(source / REGION, tmp_path / REGION)
    return Store(tmp_path)


def _gieten(store: Store, mode: str = "bike") -> dict:
    reach = store.read_layer(REGION, reach_layer(mode))
    return reach.set_index("kern_id").loc[GIETEN].to_dict()


def _kern_point(store: Store) -> tuple[float, float]:
    kernen = store.read_layer(REGION, "kernen")
    point = kernen.loc[kernen["kern_id"] == GIETEN].geometry.iloc[0]
    return point.x, point.y


def test_gieten_has_no_counting_place_nearby_without_corrections(store: Store) -> None:
    before = _gieten(store)
    assert before["venue_id"] == EEXT_CAFE
    assert before["afstand_m"] > 3000
    school = read_region_venues(store, REGION).set_index("venue_id").loc[GIETEN_SCHOOL]
    assert not school["ontmoetingsplek"]


def test_telt_on_the_school_makes_it_gietens_nearest_place(store: Store) -> None:
    correctie_id = set_counts(store, REGION, GIETEN_SCHOOL, counts=True, datum=DAY)
    [row] = corrections(store, REGION).itertuples(index=False)
    assert (row.correctie_id, row.actie, row.bron, row.datum, row.ongedaan) == (
        correctie_id, TELT, BRON, "2025-05-12", "")
    assert row.naam == "Openbare basisschool Gieten"
    assert row.gemeentecode == "GM1680"
    school = corrected_venues(store, REGION).set_index("venue_id").loc[GIETEN_SCHOOL]
    assert school["ontmoetingsplek"]
    assert school["reden"].startswith("Eigen invoer van 12-05-2025: telt als ontmoetingsplek.")
    assert "school" in school["reden"]
    # the stored reach is stale now, and refresh_reach brings it up to date
    manifest = store.manifest(REGION)
    assert manifest.layers[reach_layer("bike")].inputs != reach_inputs(manifest, "bike")
    assert current_reach(store, "bike").set_index("kern_id").loc[GIETEN, "venue_id"] == (
        GIETEN_SCHOOL)
    refresh_reach(store)
    after = _gieten(store)
    assert after["venue_id"] == GIETEN_SCHOOL
    assert after["afstand_m"] < 600
    assert after["eigen_plek"]


def test_telt_niet_removes_a_counting_place_from_the_reach(store: Store) -> None:
    set_counts(store, REGION, EEXT_CAFE, counts=False, datum=DAY)
    assert corrections(store, REGION)["actie"].tolist() == [TELT_NIET]
    refresh_reach(store)
    after = _gieten(store)
    assert after["venue_id"] != EEXT_CAFE
    assert after["afstand_m"] > 4000
    reach = store.read_layer(REGION, reach_layer("walk"))
    assert EEXT_CAFE not in set(reach["venue_id"]) | set(reach["tweede_venue_id"])


def test_undo_restores_the_rules_and_keeps_the_history(store: Store) -> None:
    correctie_id = set_counts(store, REGION, GIETEN_SCHOOL, counts=True, datum=DAY)
    undo(store, REGION, correctie_id, datum=date(2025, 5, 13))
    assert corrections(store, REGION).empty
    [row] = corrections(store, REGION, include_undone=True).itertuples(index=False)
    assert row.ongedaan == "2025-05-13"
    venues = corrected_venues(store, REGION)
    assert not venues.set_index("venue_id").loc[GIETEN_SCHOOL, "ontmoetingsplek"]
    refresh_reach(store)
    assert _gieten(store)["venue_id"] == EEXT_CAFE
    with pytest.raises(CorrectionError, match="al ongedaan"):
        undo(store, REGION, correctie_id)
    with pytest.raises(CorrectionError, match="bestaat niet"):
        undo(store, REGION, "correctie-onbekend")


def test_opposite_verdict_undoes_the_earlier_correction(store: Store) -> None:
    first = set_counts(store, REGION, GIETEN_SCHOOL, counts=True, datum=DAY)
    assert set_counts(store, REGION, GIETEN_SCHOOL, counts=False, datum=DAY) == first
    assert corrections(store, REGION).empty
    with pytest.raises(CorrectionError, match="telt al niet"):
        set_counts(store, REGION, GIETEN_SCHOOL, counts=False)
    with pytest.raises(CorrectionError, match="bestaat niet"):
        set_counts(store, REGION, "stemlokaal:onbekend", counts=True)


def test_added_place_is_used_by_the_reach(store: Store) -> None:
    x, y = _kern_point(store)
    correctie_id = add_place(store, REGION, naam="Dorpshuis Gieten", soort="dorpshuis",
                             x=x + 120, y=y - 50, adres="Brink 1", plaats="Gieten", datum=DAY)
    [place] = added_places(store, REGION).itertuples(index=False)
    assert (place.source, place.source_id, place.peildatum, place.gemeentecode) == (
        BRON, correctie_id, "2025-05-12", "GM1680")
    assert place.ontmoetingsplek
    assert corrections(store, REGION)["actie"].tolist() == [TOEGEVOEGD]
    refresh_reach(store)
    after = _gieten(store)
    assert after["venue_naam"] == "Dorpshuis Gieten"
    assert after["afstand_m"] == pytest.approx(130 * DETOUR_FACTORS["bike"], abs=1)


def test_duplicate_add_is_refused_and_nothing_is_stored(store: Store) -> None:
    school = read_region_venues(store, REGION).set_index("venue_id").loc[GIETEN_SCHOOL]
    x, y = school.geometry.x, school.geometry.y
    with pytest.raises(DuplicatePlaceError, match="staat al op de kaart") as refused:
        add_place(store, REGION, naam="OBS  gieten", x=x + 5, y=y)  # any name within 10 m
    assert refused.value.existing["venue_id"] == GIETEN_SCHOOL
    add_place(store, REGION, naam="Het Trefpunt", x=x + 200, y=y, datum=DAY)
    with pytest.raises(DuplicatePlaceError, match="Het Trefpunt"):
        add_place(store, REGION, naam="het trefpunt!", x=x + 240, y=y)  # same name, 40 m
    add_place(store, REGION, naam="Het Trefpunt", x=x + 300, y=y)  # same name, 100 m: allowed
    assert len(corrections(store, REGION)) == 2
    with pytest.raises(CorrectionError, match="naam"):
        add_place(store, REGION, naam="  ", x=x + 900, y=y)
    with pytest.raises(CorrectionError, match="geen van de opgeslagen gemeenten"):
        add_place(store, REGION, naam="Ver weg", x=100_000.0, y=400_000.0)
    assert len(corrections(store, REGION)) == 2


def test_corrections_survive_a_refresh_of_the_gemeente(store: Store) -> None:
    set_counts(store, REGION, GIETEN_SCHOOL, counts=True, datum=DAY)
    x, y = _kern_point(store)
    add_place(store, REGION, naam="Dorpshuis Gieten", x=x + 120, y=y - 50, datum=DAY)
    file_before = store.manifest(REGION).layers[CORRECTIONS_LAYER].file
    report = import_folder(SHARED_DATA, ["GM1680"], store=store)
    assert report.ok, report.summary()
    manifest = store.manifest(REGION)
    assert manifest.layers[CORRECTIONS_LAYER].file == file_before
    assert len(corrections(store, REGION)) == 2
    venues = corrected_venues(store, REGION).set_index("venue_id")
    assert venues.loc[GIETEN_SCHOOL, "ontmoetingsplek"]
    assert "Dorpshuis Gieten" in set(venues["naam"])
    refresh_reach(store)
    assert _gieten(store)["venue_naam"] == "Dorpshuis Gieten"


@pytest.mark.parametrize(("text", "expected"), [
    ("247352 558151", (247352.0, 558151.0)),
    ("247352,5; 558151,5", (247352.5, 558151.5)),
    ("53,00200 6,76515", (247500.0, 558110.0)),
    ("6.76515, 53.00200", (247500.0, 558110.0)),
])
def test_typed_coordinates_rd_or_degrees(text: str, expected: tuple[float, float]) -> None:
    assert parse_coordinates(text) == pytest.approx(expected, abs=1.0)


@pytest.mark.parametrize("text", ["", "247352", "1 2 3", "0 0", "48,85 2,35"])
def test_typed_coordinates_outside_the_netherlands_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"Geef twee getallen|niet in Nederland"):
        parse_coordinates(text)


def test_place_sources_and_source_counts_show_the_corrections(store: Store) -> None:
    set_counts(store, REGION, GIETEN_SCHOOL, counts=True, datum=DAY)
    x, y = _kern_point(store)
    add_place(store, REGION, naam="Dorpshuis Gieten", x=x + 120, y=y - 50, datum=DAY)
    venues = corrected_venues(store, REGION)
    table = corrections(store, REGION)
    added = table.loc[table["actie"] == TOEGEVOEGD, "venue_id"].iloc[0]
    assert place_sources([GIETEN_SCHOOL, added, EEXT_CAFE, None], venues, table) == [
        "Stemlokaal TK2023; telt volgens eigen invoer van 12-05-2025",
        "eigen invoer, 12-05-2025", "Stemlokaal TK2023", ""]
    counts = source_counts(venues, ["GM1680", "GM0000"], {"GM1680": "Aa en Hunze"})
    rows = {(r["Gemeente"], r["Bron"]): (r["Plekken"], r["Tellen mee"])
            for r in counts.to_dict("records")}
    base = read_region_venues(store, REGION)
    base = base[base["gemeentecode"] == "GM1680"]
    assert rows[("Aa en Hunze", "Stemlokaal TK2023")] == (
        len(base), int(base["ontmoetingsplek"].sum()) + 1)
    assert rows[("Aa en Hunze", BRON)] == (1, 1)
    assert rows[("GM0000", "geen plekken")] == (0, 0)
