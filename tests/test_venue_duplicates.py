"""One place, stored once: duplicates across own lists and hand-added places, replacing a list.

Rows are the real Aa en Hunze polling stations (TK2023, shared fixture), uploaded as the lists
of two associations; the store is a copy of the session's national store holding Aa en Hunze.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from loaders import corrections
from loaders.__main__ import main as cli_main
from loaders.schema import CRS
from loaders.store import Store
from loaders.venue_duplicates import find_duplicates, mark_duplicates
from loaders.venue_store import (
    ADDED_BY_HAND,
    OWN_LAYER,
    ListExistsError,
    free_list_name,
    mark_stored_duplicates,
    own_lists,
    parse_for_region,
    read_region_venues,
    store_venue_list,
    stored_list_size,
    stored_places,
)
from loaders.venues import DUBBEL, GEACCEPTEERD, parse_venue_file, rename_list, summarise
from tests.region_stores import REGION, demo_region_store

SCHIPBORG = "Dorpshuis Schipborg"
SPIL = "MFC De Spil Gasselternijveen"


@pytest.fixture(scope="module")
def stations() -> list[dict[str, str]]:
    from tests.conftest import SHARED_DATA

    path = SHARED_DATA / "fixtures" / "stembureaus_aa_en_hunze_2023.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_region_store(tmp_path_factory, "aa-en-hunze")


@pytest.fixture
def store(built: Path, tmp_path: Path) -> Store:
    shutil.copytree(built, tmp_path / "kern_data")
    return Store(tmp_path / "kern_data")


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _station(stations: list[dict[str, str]], name: str) -> dict[str, str]:
    return next(s for s in stations if s["Naam stembureau"] == name)


def _list(stations: list[dict[str, str]], names: list[str], *, header: str = "naam",
          shift: tuple[float, float] = (0.0, 0.0), rename: dict[str, str] | None = None) -> bytes:
    rows = [[header, "x", "y"]]
    for name in names:
        s = _station(stations, name)
        rows.append([(rename or {}).get(name, name), str(float(s["X"]) + shift[0]),
                     str(float(s["Y"]) + shift[1])])
    return _csv(rows)


def _texts(values: pd.Series) -> list[str | None]:
    return [value if isinstance(value, str) else None for value in values]


def _places(rows: list[tuple[str, float, float]], bron: str = "in lijst 'a.csv'"
            ) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"naam": [r[0] for r in rows], "bron": [bron] * len(rows)},
        geometry=gpd.points_from_xy([r[1] for r in rows], [r[2] for r in rows]), crs=CRS)


# --------------------------------------------------------------------------- pure matching


def test_find_duplicates_by_name_within_50_m_or_any_name_within_10_m() -> None:
    stored = _places([("Dorpshuis 'De Kiep'", 0, 0), ("Sporthal", 1000, 0),
                      ("MFA Rolde", 2000, 0)])
    new = _places([
        ("dorpshuis de kiep", 40, 30),      # same name, 50 m: duplicate
        ("Dorpshuis De Kiep", 0, 51),       # same name, 51 m: a different place
        ("Kantine VV", 1008, 0),            # other name, 8 m: the same building
        ("Kantine VV", 1000, 11),           # other name, 11 m: a neighbour
        ("MFA Rolde", 5000, 0),             # same name, far away
    ], bron="nieuw")
    new.index = [10, 11, 12, 13, 14]
    found = find_duplicates(new, stored)
    assert found.index.tolist() == [10, 11, 12, 13, 14]
    assert _texts(found["naam"]) == ["Dorpshuis 'De Kiep'", None, "Sporthal", None, None]
    assert _texts(found["bron"]) == ["in lijst 'a.csv'", None, "in lijst 'a.csv'", None, None]
    np.testing.assert_allclose(found["afstand_m"].to_numpy(), [50, np.nan, 8, np.nan, np.nan])


def test_find_duplicates_prefers_the_same_name_then_the_nearest() -> None:
    stored = _places([("Kerk", 5, 0), ("Dorpshuis", 9, 0), ("Dorpshuis", 30, 0)])
    found = find_duplicates(_places([("Dorpshuis", 0, 0)]), stored)
    assert (found["naam"].iloc[0], found["afstand_m"].iloc[0]) == ("Dorpshuis", 9.0)


def test_find_duplicates_ignores_rows_without_geometry_and_empty_inputs() -> None:
    new = _places([("Dorpshuis", 0, 0), ("Buurthuis", 0, 0)])
    new.loc[1, "geometry"] = None
    stored = _places([("Dorpshuis", 0, 0), ("Buurthuis", 0, 0)])
    assert _texts(find_duplicates(new, stored)["naam"]) == ["Dorpshuis", None]
    assert find_duplicates(new, stored.iloc[:0])["naam"].isna().all()
    assert find_duplicates(new.iloc[:0], stored).empty


def test_mark_duplicates_reports_where_the_place_is_stored(stations) -> None:
    parsed = parse_venue_file(_list(stations, [SCHIPBORG, SPIL]), "b.csv",
                              geocode=False)
    s = _station(stations, SCHIPBORG)
    marked = mark_duplicates(parsed, _places([(SCHIPBORG.upper(), float(s["X"]) + 3,
                                               float(s["Y"]) + 4)]))
    assert marked.venues["naam"].tolist() == [SPIL]
    report = marked.report.set_index("naam")
    assert report.loc[SCHIPBORG, "status"] == DUBBEL
    assert report.loc[SCHIPBORG, "toelichting"] == (
        "Dubbel: deze plek staat al in lijst 'a.csv' als 'DORPSHUIS SCHIPBORG' (5 m "
        "hiervandaan); hij wordt niet nog eens opgeslagen.")
    assert report.loc[SPIL, "status"] == GEACCEPTEERD
    assert summarise(marked.report) == ("2 rijen: 1 geaccepteerd, 0 gecorrigeerd, "
                                        "0 wacht op geocodering, 0 afgewezen, 1 dubbel.")
    assert mark_duplicates(parsed, _places([])) is parsed


# --------------------------------------------------------------------------- across stored lists


def test_the_same_dorpshuis_in_two_lists_is_stored_once(store: Store, stations) -> None:
    first = parse_for_region(store, REGION, _list(stations, [SCHIPBORG, SPIL]),
                             "dorpsbelang.csv", geocode=False)
    store_venue_list(store, REGION, first.venues)
    second_file = _list(stations, [SCHIPBORG, "Dorpshuis Anloo"],
                        header="Naam accommodatie", shift=(12.0, 16.0),
                        rename={SCHIPBORG: "DORPSHUIS SCHIPBORG"})
    second = parse_for_region(store, REGION, second_file, "gemeente.csv", geocode=False)
    report = second.report.set_index("naam")
    assert report.loc["DORPSHUIS SCHIPBORG", "status"] == DUBBEL
    assert "in lijst 'dorpsbelang.csv'" in report.loc["DORPSHUIS SCHIPBORG", "toelichting"]
    assert "20 m hiervandaan" in report.loc["DORPSHUIS SCHIPBORG", "toelichting"]
    assert second.venues["naam"].tolist() == ["Dorpshuis Anloo"]
    store_venue_list(store, REGION, second.venues)
    own = store.read_layer(REGION, OWN_LAYER)
    assert sorted(own["naam"]) == ["Dorpshuis Anloo", SCHIPBORG, SPIL]
    venues = read_region_venues(store, REGION)
    assert venues["naam"].str.lower().str.contains("schipborg").sum() == 1

    # Storing the unmarked rows directly drops the duplicate as well.
    again = parse_venue_file(_list(stations, [SCHIPBORG], shift=(5.0, 0.0)), "derde.csv",
                             geocode=False)
    store_venue_list(store, REGION, again.venues)
    assert (store.read_layer(REGION, OWN_LAYER)["naam"] == SCHIPBORG).sum() == 1


def test_a_place_added_by_hand_counts_as_stored(store: Store, stations) -> None:
    s = _station(stations, SCHIPBORG)
    x, y = float(s["X"]) + 400, float(s["Y"]) + 300
    corrections.add_place(store, REGION, naam="Ons Dorpshuis", x=x, y=y)
    places = stored_places(store, REGION)
    assert places[["naam", "bron"]].to_numpy().tolist() == [["Ons Dorpshuis", ADDED_BY_HAND]]
    content = _csv([["naam", "x", "y"], ["ons dorpshuis", str(x + 30), str(y + 30)],
                    ["Schuur", str(x + 6), str(y + 6)], ["Kantine", str(x + 40), str(y)]])
    parsed = parse_for_region(store, REGION, content, "a.csv", geocode=False)
    assert parsed.report["status"].tolist() == [DUBBEL, DUBBEL, GEACCEPTEERD]
    assert parsed.report["toelichting"].iloc[0] == (
        f"Dubbel: deze plek staat al {ADDED_BY_HAND} als 'Ons Dorpshuis' (42 m hiervandaan); "
        "hij wordt niet nog eens opgeslagen.")
    assert parsed.venues["naam"].tolist() == ["Kantine"]


# --------------------------------------------------------------------------- replacing a list


def test_a_newer_version_replaces_the_list_without_duplicating_its_rows(
    store: Store, stations
) -> None:
    old = parse_for_region(store, REGION, _list(stations, [SCHIPBORG, SPIL]),
                           "leden.csv", geocode=False)
    store_venue_list(store, REGION, old.venues)
    assert stored_list_size(store, REGION, "leden.csv") == 2
    assert stored_list_size(store, REGION, "anders.csv") is None

    newer = _list(stations, [SCHIPBORG, SPIL, "Dorpshuis Anloo"])
    as_new = parse_for_region(store, REGION, newer, "leden.csv", geocode=False)
    assert as_new.report["status"].tolist() == [DUBBEL, DUBBEL, GEACCEPTEERD]
    with pytest.raises(ListExistsError, match=r"al een opgeslagen lijst 'leden\.csv' \(2 plekken"):
        store_venue_list(store, REGION, as_new.venues)

    replacing = parse_for_region(store, REGION, newer, "leden.csv", geocode=False, replace=True)
    assert replacing.report["status"].tolist() == [GEACCEPTEERD] * 3
    store_venue_list(store, REGION, replacing.venues, replace=True)
    own = store.read_layer(REGION, OWN_LAYER)
    assert sorted(own["naam"]) == sorted([SCHIPBORG, SPIL, "Dorpshuis Anloo"])
    assert own["venue_id"].is_unique
    assert own_lists(store, REGION)["plekken"].tolist() == [3]


def test_keeping_a_new_version_as_a_separate_list(store: Store, stations) -> None:
    store_venue_list(store, REGION, parse_venue_file(_list(stations, [SCHIPBORG]), "leden.csv",
                                                     geocode=False).venues)
    assert free_list_name(store, REGION, "leden.csv") == "leden (2).csv"
    assert free_list_name(store, REGION, "club.csv") == "club.csv"
    parsed = parse_venue_file(_list(stations, [SCHIPBORG, SPIL]), "leden.csv",
                              geocode=False)
    renamed = parsed._replace(venues=rename_list(parsed.venues, "leden (2).csv"))
    assert set(renamed.venues["source"]) == {"eigen lijst: leden (2).csv"}
    assert renamed.venues["venue_id"].tolist() == ["eigen:leden-2-csv:2", "eigen:leden-2-csv:3"]
    marked = mark_stored_duplicates(store, REGION, renamed)
    assert marked.report["status"].tolist() == [DUBBEL, GEACCEPTEERD]
    store_venue_list(store, REGION, marked.venues)
    assert own_lists(store, REGION).to_dict("records") == [
        {"source": "eigen lijst: leden (2).csv", "plekken": 1, "wachtend": 0},
        {"source": "eigen lijst: leden.csv", "plekken": 1, "wachtend": 0},
    ]
    assert free_list_name(store, REGION, "leden.csv") == "leden (3).csv"


def test_cli_prints_the_columns_and_needs_vervang_to_replace(
    store: Store, stations, tmp_path: Path, capsys
) -> None:
    path = tmp_path / "leden.xlsx"
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.append(["Naam accommodatie", "X-coördinaat", "Y-coördinaat"])
    for name in (SCHIPBORG, SPIL):
        s = _station(stations, name)
        workbook.active.append([name, float(s["X"]), float(s["Y"])])
    workbook.save(path)
    base = ["--data", str(store.root), "venues", "--gebied", "Aa en Hunze", "--bestand",
            str(path), "--zonder-geocoderen"]
    assert cli_main([*base, "--accepteer"]) == 0
    out = capsys.readouterr().out
    assert "• Kolom 'Naam accommodatie' gebruikt als naam." in out
    assert "• Kolom 'X-coördinaat' gebruikt als x-coördinaat." in out
    assert stored_list_size(store, REGION, "leden.xlsx") == 2

    before = store.manifest(REGION)
    assert cli_main([*base, "--accepteer"]) == 2
    err = capsys.readouterr().err
    assert "al een opgeslagen lijst 'leden.xlsx' (2 plek(ken))" in err
    assert "--vervang" in err
    assert store.manifest(REGION) == before

    workbook.active.delete_rows(3)
    workbook.save(path)
    assert cli_main([*base, "--accepteer", "--vervang"]) == 0
    assert "Opgeslagen: 1 plek(ken)" in capsys.readouterr().out
    assert store.read_layer(REGION, OWN_LAYER)["naam"].tolist() == [SCHIPBORG]
