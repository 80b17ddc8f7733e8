"""A user's own venue list: geocoding, merging, storing, surviving a refresh, and the CLI.

Real rows: the Aa en Hunze polling stations (TK2023) from the shared fixtures, the Overpass
fixture of Aa en Hunze and the national store holding Aa en Hunze (the session's demo store).
``tests/fixtures/locatieserver_free_borgweg_15_schipborg.json`` is hand-written in the shape of
the Locatieserver ``free`` answer (Solr envelope ``response.docs``, fields as in PDOK's
documentation); its address and coordinates are Dorpshuis Schipborg's from the polling-station
file.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import shutil
import socket
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from loaders.__main__ import main as cli_main
from loaders.build import import_folder
from loaders.errors import SourceFormatError, SourceUnavailable
from loaders.http import make_session
from loaders.locatieserver import geocode_address, parse_locatieserver
from loaders.osm import parse_overpass_venues
from loaders.schema import CRS, VENUE_COLUMNS
from loaders.stemlokalen import read_stemlokalen
from loaders.store import Store, StoreError
from loaders.venue_checks import LocatieserverGeocoder
from loaders.venue_merge import MERGE_COLUMNS, merge_venues, name_similarity, normalise_name
from loaders.venue_store import (
    MERGES_LAYER,
    OWN_LAYER,
    ListExistsError,
    own_lists,
    parse_for_region,
    read_region_venues,
    remove_venue_list,
    retry_geocoding,
    set_merge_undone,
    store_venue_list,
    venue_merges,
)
from loaders.venues import (
    AFGEWEZEN,
    GEACCEPTEERD,
    GECORRIGEERD,
    WACHT,
    parse_venue_file,
)
from pipeline.reach import reach_inputs
from tests.region_stores import REGION, demo_region_store

FIXTURES = Path(__file__).parent / "fixtures"
LOCATIESERVER = "/bzk/locatieserver/search/v3_1/free"


@pytest.fixture
def borgweg() -> dict:
    path = FIXTURES / "locatieserver_free_borgweg_15_schipborg.json"
    return json.loads(path.read_text("utf-8"))


@pytest.fixture
def stations(shared_data: Path) -> list[dict[str, str]]:
    path = shared_data / "fixtures" / "stembureaus_aa_en_hunze_2023.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def base(shared_data: Path) -> gpd.GeoDataFrame:
    """Venues as import_folder stores them: polling stations plus the Overpass fixture."""
    polling = read_stemlokalen(shared_data / "fixtures" / "stembureaus_aa_en_hunze_2023.csv")
    overpass = json.loads((FIXTURES / "overpass_venues_aa_en_hunze.json").read_text("utf-8"))
    return gpd.GeoDataFrame(pd.concat([polling, parse_overpass_venues(overpass)],
                                      ignore_index=True), crs=CRS)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The national store holding Aa en Hunze (read only); tests copy the folder."""
    return demo_region_store(tmp_path_factory, "aa-en-hunze")


@pytest.fixture
def store(built: Path, tmp_path: Path) -> Store:
    shutil.copytree(built, tmp_path / "kern_data")
    return Store(tmp_path / "kern_data")


@pytest.fixture
def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}{LOCATIESERVER}"


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _own_list(stations: list[dict[str, str]], picks: list[int], *, name: str = "leden.csv",
              rename: dict[str, str] | None = None) -> gpd.GeoDataFrame:
    rows = [["naam", "x", "y"]] + [
        [(rename or {}).get(stations[i]["Naam stembureau"], stations[i]["Naam stembureau"]),
         stations[i]["X"], stations[i]["Y"]] for i in picks
    ]
    return parse_venue_file(_csv(rows), name, geocode=False).venues


# --------------------------------------------------------------------------- Locatieserver


def test_geocode_sends_the_documented_query(replay_server, borgweg: dict) -> None:
    replay_server.add(LOCATIESERVER, borgweg)
    found = geocode_address("Borgweg 15, 9469PE Schipborg",
                            base_url=replay_server.base_url + LOCATIESERVER)
    assert (found.x, found.y) == (240939.996, 566028.991)
    assert found.weergavenaam == "Borgweg 15, 9469PE Schipborg"
    assert (found.gemeentecode, found.postcode, found.huisnummer) == ("GM1680", "9469PE", 15)
    query = replay_server.requests[0]["query"]
    assert query == {"q": ["Borgweg 15, 9469PE Schipborg"], "fq": ["type:adres"], "rows": ["1"]}


def test_geocode_without_match_is_none(borgweg: dict) -> None:
    empty = copy.deepcopy(borgweg)
    empty["response"].update(numFound=0, docs=[])
    assert parse_locatieserver(empty) is None


@pytest.mark.parametrize("payload", [
    {"docs": []}, {"response": {"numFound": 1}}, [], {"response": {"docs": [{"type": "adres"}]}},
    {"response": {"docs": [{"centroide_rd": "POINT(abc def)"}]}},
])
def test_geocode_rejects_other_shapes(payload: object) -> None:
    with pytest.raises(SourceFormatError) as caught:
        parse_locatieserver(payload)
    assert caught.value.user_message.startswith("PDOK Locatieserver: ")


def test_address_rows_are_geocoded(replay_server, borgweg: dict) -> None:
    replay_server.add(LOCATIESERVER, borgweg, match=lambda q: "Borgweg 15" in q["q"][0])
    other = copy.deepcopy(borgweg)
    other["response"]["docs"][0].update(postcode="9469PA", weergavenaam="Borgweg 15, 9469PA X")
    replay_server.add(LOCATIESERVER, other, match=lambda q: "Borgweg 17" in q["q"][0])
    empty = {"response": {"numFound": 0, "start": 0, "maxScore": 0.0, "docs": []}}
    replay_server.add(LOCATIESERVER, empty)
    content = _csv([["Naam", "Straat", "Huisnummer", "Postcode", "Plaats"],
                    ["Dorpshuis Schipborg", "Borgweg", "15", "9469 pe", "Schipborg"],
                    ["Dorpshuis ernaast", "Borgweg", "17", "9469PE", "Schipborg"],
                    ["Dorpshuis nergens", "Nergensstraat", "1", "", "Nergenshuizen"]])
    geocoder = LocatieserverGeocoder(session=make_session(retries=0),
                                     base_url=replay_server.base_url + LOCATIESERVER)
    parsed = parse_venue_file(content, "adressen.csv", geocoder=geocoder)
    assert parsed.report["status"].tolist() == [GEACCEPTEERD, GECORRIGEERD, AFGEWEZEN]
    first, second, third = parsed.report["toelichting"]
    assert first.startswith("Plek opgezocht bij de PDOK Locatieserver: Borgweg 15, 9469PE")
    assert "niet precies gevonden" in second
    assert "niet gevonden bij de PDOK Locatieserver" in third
    schipborg = parsed.venues.iloc[0]
    assert (schipborg.geometry.x, schipborg.geometry.y) == (240939.996, 566028.991)
    assert schipborg["gemeentecode"] == "GM1680"
    assert schipborg["adres"] == "Borgweg 15, 9469 pe"
    assert replay_server.requests[0]["query"]["q"] == ["Borgweg 15, 9469 pe, Schipborg"]


def test_geocoding_stops_after_the_first_failure(replay_server) -> None:
    replay_server.add(LOCATIESERVER, "<html>Service Unavailable</html>", status=503)
    content = _csv([["naam", "adres", "plaats"]] +
                   [[f"Plek {i}", f"Hoofdstraat {i}", "Rolde"] for i in range(1, 6)])
    geocoder = LocatieserverGeocoder(session=make_session(retries=0),
                                     base_url=replay_server.base_url + LOCATIESERVER)
    parsed = parse_venue_file(content, "adressen.csv", geocoder=geocoder)
    assert (parsed.report["status"] == WACHT).all()
    assert parsed.report["toelichting"].str.contains("PDOK Locatieserver: HTTP 503").all()
    assert len(replay_server.requests) == 1
    assert any("Adressen opzoeken lukte niet" in note for note in parsed.notes)
    assert len(parsed.venues) == 5
    assert parsed.venues.geometry.isna().all()


def test_geocoding_is_capped_per_file(replay_server, borgweg: dict, monkeypatch) -> None:
    monkeypatch.setattr("loaders.venue_checks.MAX_GEOCODE", 2)
    replay_server.add(LOCATIESERVER, borgweg)
    content = _csv([["naam", "adres", "plaats"]] +
                   [[f"Plek {i}", "Borgweg 15", "Schipborg"] for i in range(3)])
    geocoder = LocatieserverGeocoder(base_url=replay_server.base_url + LOCATIESERVER)
    parsed = parse_venue_file(content, "adressen.csv", geocoder=geocoder)
    assert parsed.report["status"].tolist()[-1] == WACHT
    assert "Meer dan 2 adressen" in parsed.report["toelichting"].iloc[-1]
    assert len(replay_server.requests) == 2


# --------------------------------------------------------------------------- merging


def test_names_are_normalised_and_compared() -> None:
    assert normalise_name("Doarpshûs 'De Kiep'") == "doarpshus de kiep"
    assert name_similarity("Dorpshuis Schipborg", "dorpshuis schipborg") == 1.0
    assert name_similarity("Schipborg, dorpshuis", "Dorpshuis Schipborg") == 1.0
    assert name_similarity("Dorpshuis Schipborg", "Dorpshuis De Kiep") < 0.8
    assert name_similarity("", "Dorpshuis") == 0.0


def test_same_place_and_name_is_one_venue_with_both_sources(
    base: gpd.GeoDataFrame, stations: list[dict[str, str]]
) -> None:
    own = _own_list(stations, [13, 16])  # Dorpshuis Schipborg, MFC De Badde
    merged, pairs = merge_venues(base, own)
    assert tuple(merged.columns) == VENUE_COLUMNS
    assert merged.crs == CRS
    assert tuple(pairs.columns) == MERGE_COLUMNS
    assert len(merged) == len(base)
    schipborg = merged[merged["venue_id"] == "stemlokaal:TK2023:26964"].iloc[0]
    assert schipborg["source"] == "eigen lijst: leden.csv + Stemlokaal TK2023"
    assert schipborg["source_id"].startswith("rij 2 + id 26964")
    assert schipborg["reden"] == "opgegeven door gebruiker"
    pair = pairs.set_index("venue_id_basis").loc["stemlokaal:TK2023:26964"]
    assert pair["afstand_m"] == 0.0
    assert pair["naamgelijkenis"] == 1.0
    assert not pair["ongedaan"]
    assert pair["pair_id"] == "stemlokaal:TK2023:26964|eigen:leden-csv:2"
    # The OSM node of the same dorpshuis (a few mm away) stays a separate base venue.
    assert (merged["naam"] == "Dorpshuis Schipborg").sum() == 2


def test_far_or_differently_named_venues_are_not_merged(
    base: gpd.GeoDataFrame, stations: list[dict[str, str]]
) -> None:
    renamed = _own_list(stations, [13], rename={"Dorpshuis Schipborg": "Voetbalkantine VV"})
    merged, pairs = merge_venues(base, renamed)
    assert pairs.empty
    assert len(merged) == len(base) + 1
    own = _own_list(stations, [13])
    moved = own.assign(geometry=own.geometry.translate(xoff=60))
    merged, pairs = merge_venues(base, moved, max_distance=50)
    assert pairs.empty
    assert len(merged) == len(base) + 1
    merged, pairs = merge_venues(base, moved, max_distance=70)
    assert len(pairs) == 1
    assert pairs["afstand_m"].iloc[0] == pytest.approx(60, abs=0.1)


def test_undone_pair_stays_two_venues_and_is_still_listed(
    base: gpd.GeoDataFrame, stations: list[dict[str, str]]
) -> None:
    own = _own_list(stations, [13])
    _, pairs = merge_venues(base, own)
    first = pairs["pair_id"].iloc[0]
    merged, again = merge_venues(base, own, undone={first})
    assert again.set_index("pair_id").loc[first, "ongedaan"]
    assert "stemlokaal:TK2023:26964" in set(merged["venue_id"])
    # With the stemlokaal pair undone, the OSM node of the same dorpshuis is offered instead;
    # undoing that one too leaves the user's venue on its own.
    active = again[~again["ongedaan"]]
    assert active["venue_id_basis"].tolist() == ["osm:node/1001"]
    assert len(merged) == len(base)
    alone, both = merge_venues(base, own, undone=set(again["pair_id"]))
    assert len(alone) == len(base) + 1
    assert both["ongedaan"].all()


def test_rows_waiting_for_geocoding_are_not_merged(base: gpd.GeoDataFrame) -> None:
    waiting = parse_venue_file(_csv([["naam", "adres", "plaats"],
                                     ["Dorpshuis Schipborg", "Borgweg 15", "Schipborg"]]),
                               "adressen.csv", geocode=False).venues
    merged, pairs = merge_venues(base, waiting)
    assert pairs.empty
    assert len(merged) == len(base)


# --------------------------------------------------------------------------- store


def test_store_merge_undo_and_redo(store: Store, stations: list[dict[str, str]]) -> None:
    own = _own_list(stations, [13, 16])
    manifest = store_venue_list(store, REGION, own)
    entry = manifest.layers[OWN_LAYER]
    assert entry.source == "eigen lijst: leden.csv"
    assert entry.rows == 2
    assert entry.attribution == "Eigen lijst van de gebruiker"
    assert entry.fetched_at
    venues = read_region_venues(store, REGION)
    stored = store.read_layer(REGION, "venues")
    assert len(venues) == len(stored)
    assert (venues["source"] == "eigen lijst: leden.csv + Stemlokaal TK2023").sum() == 2
    merges = venue_merges(store, REGION)
    pid = merges["pair_id"].iloc[0]
    set_merge_undone(store, REGION, pid)
    assert len(read_region_venues(store, REGION)) == len(stored) + 1
    assert store.read_layer(REGION, MERGES_LAYER)["ongedaan"].tolist() == [True]
    set_merge_undone(store, REGION, pid, undone=False)
    assert len(read_region_venues(store, REGION)) == len(stored)
    with pytest.raises(StoreError, match="bestaat niet"):
        set_merge_undone(store, REGION, "osm:node/1|eigen:x:2")


def test_upload_of_same_file_replaces_its_rows_only(
    store: Store, stations: list[dict[str, str]]
) -> None:
    store_venue_list(store, REGION, _own_list(stations, [0, 1, 2]))
    store_venue_list(store, REGION, _own_list(stations, [3], name="club.csv"))
    with pytest.raises(ListExistsError, match=r"al een opgeslagen lijst 'leden.csv' \(3 plekken"):
        store_venue_list(store, REGION, _own_list(stations, [5, 6]))
    store_venue_list(store, REGION, _own_list(stations, [5, 6]), replace=True)
    lists = own_lists(store, REGION)
    assert lists.to_dict("records") == [
        {"source": "eigen lijst: club.csv", "plekken": 1, "wachtend": 0},
        {"source": "eigen lijst: leden.csv", "plekken": 2, "wachtend": 0},
    ]
    remove_venue_list(store, REGION, "eigen lijst: club.csv")
    assert own_lists(store, REGION)["source"].tolist() == ["eigen lijst: leden.csv"]
    with pytest.raises(StoreError, match="geen lijst"):
        remove_venue_list(store, REGION, "eigen lijst: club.csv")


def test_refresh_of_osm_and_polling_stations_keeps_the_own_list(
    store: Store, stations: list[dict[str, str]], shared_data: Path
) -> None:
    store_venue_list(store, REGION, _own_list(stations, [13]))
    pid = venue_merges(store, REGION)["pair_id"].iloc[0]
    set_merge_undone(store, REGION, pid)
    before = store.manifest(REGION).layers
    report = import_folder(shared_data, ["GM1680"], store=store)
    assert report.ok
    assert "venues" in report.written
    after = store.manifest(REGION).layers
    assert after["venues"].file != before["venues"].file
    assert after[OWN_LAYER] == before[OWN_LAYER]
    assert after[MERGES_LAYER] == before[MERGES_LAYER]
    assert store.read_layer(REGION, OWN_LAYER)["naam"].tolist() == ["Dorpshuis Schipborg"]
    assert venue_merges(store, REGION).set_index("pair_id").loc[pid, "ongedaan"]


def test_parse_for_region_writes_nothing(store: Store, stations: list[dict[str, str]]) -> None:
    before = store.manifest(REGION)
    files = sorted(p.name for p in (store.root / REGION).iterdir())
    rows = [["naam", "x", "y"], [stations[13]["Naam stembureau"], stations[13]["X"],
                                 stations[13]["Y"]], ["Paleis op de Dam", "121400", "487400"]]
    parsed = parse_for_region(store, REGION, _csv(rows), "../../etc/leden.csv",
                              geocode=False)
    assert parsed.report["status"].tolist() == [GEACCEPTEERD, AFGEWEZEN]
    assert parsed.venues["source"].tolist() == ["eigen lijst: leden.csv"]
    assert store.manifest(REGION) == before
    assert sorted(p.name for p in (store.root / REGION).iterdir()) == files
    with pytest.raises(StoreError, match="niet opgeslagen"):
        parse_for_region(store, "onbekend", _csv(rows), "leden.csv")


def test_waiting_rows_are_stored_and_geocoded_later(
    store: Store, replay_server, borgweg: dict, closed_port_url: str
) -> None:
    content = _csv([["naam", "adres", "postcode", "plaats"],
                    ["Dorpshuis Schipborg", "Borgweg 15", "9469PE", "Schipborg"]])
    offline = parse_venue_file(content, "adressen.csv", geocoder=LocatieserverGeocoder(
        session=make_session(retries=0), base_url=closed_port_url))
    assert offline.report["status"].tolist() == [WACHT]
    store_venue_list(store, REGION, offline.venues)
    assert len(read_region_venues(store, REGION)) == len(
        store.read_layer(REGION, "venues"))
    assert own_lists(store, REGION)["wachtend"].tolist() == [1]

    still_offline = retry_geocoding(store, REGION, accept=True,
                                    session=make_session(retries=0), base_url=closed_port_url)
    assert still_offline["status"].tolist() == [WACHT]
    assert "PDOK Locatieserver: geen verbinding" in still_offline["toelichting"].iloc[0]
    assert own_lists(store, REGION)["wachtend"].tolist() == [1]

    replay_server.add(LOCATIESERVER, borgweg)
    url = replay_server.base_url + LOCATIESERVER
    preview = retry_geocoding(store, REGION, base_url=url)
    assert preview["status"].tolist() == [GEACCEPTEERD]
    assert own_lists(store, REGION)["wachtend"].tolist() == [1]
    retry_geocoding(store, REGION, accept=True, base_url=url)
    assert replay_server.requests[-1]["query"]["q"] == ["Borgweg 15, 9469PE, Schipborg"]
    own = store.read_layer(REGION, OWN_LAYER)
    assert own.geometry.iloc[0] == Point(240939.996, 566028.991)
    merged = read_region_venues(store, REGION)
    assert "eigen lijst: adressen.csv + Stemlokaal TK2023" in set(merged["source"])


def test_storing_needs_a_stored_region_and_rows(tmp_path: Path,
                                                stations: list[dict[str, str]]) -> None:
    empty = Store(tmp_path)
    with pytest.raises(StoreError, match="niet opgeslagen"):
        store_venue_list(empty, REGION, _own_list(stations, [1]))
    with pytest.raises(StoreError):
        read_region_venues(empty, REGION)


# --------------------------------------------------------------------------- command line


def test_cli_reports_without_writing_then_stores_with_accept(
    store: Store, stations: list[dict[str, str]], tmp_path: Path, capsys
) -> None:
    path = tmp_path / "leden.csv"
    rows = [["Naam", "Breedtegraad", "Lengtegraad"]]
    rows += [[s["Naam stembureau"], s["Longitude"], s["Latitude"]] for s in stations[13:15]]
    rows += [["<script>alert(1)</script>", "48.8566", "2.3522"]]
    path.write_bytes(_csv(rows))
    before = store.manifest(REGION)
    args = ["--data", str(store.root), "venues", "--gebied", "Aa en Hunze", "--bestand",
            str(path), "--zonder-geocoderen"]
    assert cli_main(args) == 1
    out = capsys.readouterr().out
    assert "rij      2  gecorrigeerd" in out
    assert "omgedraaid" in out
    assert "rij      4  afgewezen             <script>alert(1)</script>: Coördinaten" in out
    assert "3 rijen: 0 geaccepteerd, 2 gecorrigeerd, 0 wacht op geocodering, 1 afgewezen." in out
    assert "2 plek(ken) vallen samen met bestaande ontmoetingsplekken" in out
    assert "Er is niets opgeslagen. Voeg --accepteer toe" in out
    assert store.manifest(REGION) == before

    assert cli_main([*args, "--accepteer"]) == 1
    assert "Opgeslagen: 2 plek(ken) in laag venues_eigen" in capsys.readouterr().out
    assert store.read_layer(REGION, OWN_LAYER)["naam"].tolist() == [
        stations[13]["Naam stembureau"], stations[14]["Naam stembureau"]]
    manifest = store.manifest(REGION)
    for mode in ("walk", "bike", "drive"):
        assert manifest.layers[f"bereik_{mode}"].inputs == reach_inputs(manifest, mode), \
            "accepting a list recomputes the stored reach"


def test_cli_clean_file_exits_0_and_bad_file_exits_2(
    store: Store, stations: list[dict[str, str]], tmp_path: Path, capsys
) -> None:
    good = tmp_path / "goed.csv"
    good.write_bytes(_csv([["naam", "x", "y"], [stations[13]["Naam stembureau"],
                                                stations[13]["X"], stations[13]["Y"]]]))
    base = ["--data", str(store.root), "venues"]
    assert cli_main([*base, "--bestand", str(good), "--accepteer"]) == 0
    bad = tmp_path / "fout.csv"
    bad.write_bytes(b"code;waar\nDorpshuis;hier\n")
    capsys.readouterr()
    assert cli_main([*base, "--bestand", str(bad), "--accepteer"]) == 2
    err = capsys.readouterr().err
    assert "FOUT: Eigen lijst: fout.csv: geen kolom met de naam" in err
    assert "niets gewijzigd" in err
    assert cli_main([*base, "--geocodeer"]) == 0
    assert "0 rijen" in capsys.readouterr().out


def test_unreachable_geocoder_is_a_source_error(closed_port_url: str) -> None:
    with pytest.raises(SourceUnavailable, match="PDOK Locatieserver: geen verbinding"):
        geocode_address("Borgweg 15 Schipborg", session=make_session(retries=0),
                        base_url=closed_port_url)
