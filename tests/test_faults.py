"""Source faults: every fetcher, every way a source can fail, replayed on a local server.

One table: for CBS (kerncijfers), RIVM (loneliness), PDOK (Wijk- en Buurtkaart), Overpass
(venues) and the PDOK Locatieserver, each fault must end in the project's own exception with a
Dutch message that starts with the source's name, or (429 then success) in a normal result.
Good answers are the real fixtures: the RIVM 50090NED rows of Aa en Hunze, the PDOK Baarn
buurten, the Overpass Aa en Hunze answer, the CBS kerncijfers of Aa en Hunze 2020 from the CBS
gemeente map, and the Locatieserver answer for Borgweg 15 Schipborg.

Then the refresh paths: a failing source keeps the stored layer and its date, and the user's
own venue list is never touched by a refresh.
"""

from __future__ import annotations

import json
import shutil
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest
import requests

from loaders import cbs, osm, pdok, rivm
from loaders.build import fetch_live, import_folder
from loaders.errors import SourceError, SourceFormatError, SourceUnavailable, UnknownRegionError
from loaders.http import make_session
from loaders.locatieserver import geocode_address
from loaders.store import Store
from loaders.venue_checks import LocatieserverGeocoder
from loaders.venue_store import OWN_LAYER, store_venue_list
from loaders.venues import parse_venue_file
from tests.region_stores import REGION, demo_region_store
from tests.test_pdok import ogc_page

FIXTURES = Path(__file__).parent / "fixtures"
API = "/ODataApi/OData"
FEED = "/ODataFeed/OData"
LOCATIESERVER = "/bzk/locatieserver/search/v3_1/free"
OVERPASS = "/api/interpreter"
AA_EN_HUNZE_BBOX = (52.93, 6.55, 53.09, 6.93)
SHORT_TIMEOUT = 0.3


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _envelope(rows: list[dict]) -> dict:
    return {"odata.metadata": "https://opendata.cbs.nl/ODataFeed/OData/x/$metadata", "value": rows}


# --------------------------------------------------------------------------- good answers


def _cbs_rows(shared: Path) -> list[dict]:
    """A TypedDataSet row of GM1680 with the real 2020 counts (from the CBS gemeente map)."""
    data = _json(shared / "cbs_gemeenten_2020_kerncijfers.geojson")
    gm = next(f["properties"] for f in data["features"] if f["properties"]["gm_code"] == "GM1680")
    inwoners, huishoudens = int(gm["aantal_inwoners"]), int(gm["aantal_huishoudens"])
    return [{
        "ID": 0, "WijkenEnBuurten": "GM1680    ",
        "AantalInwoners_5": inwoners,
        "k_65JaarOfOuder_12": round(inwoners * gm["personen_65_jaar_en_ouder_pct"] / 100),
        "HuishoudensTotaal_28": huishoudens,
        "Eenpersoonshuishoudens_29": round(huishoudens * gm["eenpersoonshuishoudens_pct"] / 100),
        "MateVanStedelijkheid_116": 5,
    }]


def _serve_cbs(server: Any, shared: Path, *, rows: list[dict] | None = None,
               properties: list[dict] | None = None) -> None:
    table = f"{API}/84799NED"
    props = properties if properties is not None else _json(
        FIXTURES / "cbs_kerncijfers_DataProperties.json")["value"]
    server.add(f"{table}/DataProperties", _envelope(props))
    server.add(f"{table}/TypedDataSet", _envelope(_cbs_rows(shared) if rows is None else rows))
    server.add(f"{table}/WijkenEnBuurten",
               _envelope([{"Key": "GM1680    ", "Title": "Aa en Hunze", "Description": None}]))


def _serve_rivm(server: Any, shared: Path, *, rows: list[dict] | None = None,
                properties: list[dict] | None = None) -> None:
    props = properties if properties is not None else _json(
        FIXTURES / "rivm_50090NED_DataProperties.json")["value"]
    server.add(f"{API}/50090NED/DataProperties", _envelope(props))
    typed = _json(shared / "fixtures" / "rivm_50090NED_TypedDataSet_GM1680_2020_18plus.json")
    server.add(f"{FEED}/50090NED/TypedDataSet", _envelope(typed["value"] if rows is None else rows))


def _serve_pdok(server: Any, shared: Path, *, features: list[dict] | None = None) -> None:
    template = _json(shared / "fixtures" / "pdok_gokoala_ogcapi_features_items_example.json")
    baarn = _json(shared / "fixtures" / "pdok_wijkenbuurten_2024_buurten_baarn.geojson")
    page = ogc_page(template, baarn["features"] if features is None else features,
                    base=server.base_url + "/ogc", cursor=None)
    server.add("/ogc/collections/buurten/items", page)


def _serve_overpass(server: Any, _shared: Path, *, elements: list[dict] | None = None) -> None:
    payload = _json(FIXTURES / "overpass_venues_aa_en_hunze.json")
    if elements is not None:
        payload["elements"] = elements
    server.add(OVERPASS, payload)


def _serve_locatieserver(server: Any, _shared: Path, *, docs: list[dict] | None = None) -> None:
    payload = _json(FIXTURES / "locatieserver_free_borgweg_15_schipborg.json")
    if docs is not None:
        payload["response"].update(numFound=len(docs), docs=docs)
    server.add(LOCATIESERVER, payload)


@dataclass(frozen=True)
class Source:
    """A fetcher, how to serve it a good answer, and where its first request goes."""

    name: str
    call: Callable[[str, requests.Session, str], Any]
    serve: Callable[..., None]
    first_paths: tuple[str, ...]
    rows_path: str
    check: Callable[[Any], bool]


SOURCES = {
    "cbs": Source(
        "CBS OData",
        lambda root, s, code: cbs.fetch_kerncijfers(2020, [code], session=s, base_url=root + API),
        _serve_cbs, (f"{API}/84799NED/DataProperties",), f"{API}/84799NED/TypedDataSet",
        lambda result: result.set_index("code").loc["GM1680", "inwoners"] > 0,
    ),
    "rivm": Source(
        "RIVM (dataderden.cbs.nl)",
        lambda root, s, code: rivm.fetch_loneliness("50090NED", [code], periods=[2020],
                                                    session=s, base_url=root + FEED),
        _serve_rivm, (f"{API}/50090NED/DataProperties",), f"{FEED}/50090NED/TypedDataSet",
        lambda result: result.set_index("regiocode").loc["NL01", "eenzaam_pct"] == 47.0,
    ),
    "pdok": Source(
        "PDOK Wijk- en Buurtkaart",
        lambda root, s, code: pdok.fetch_areas(2024, "buurten", [code], session=s,
                                               base_url=root + "/ogc", wfs_url=root + "/wfs"),
        _serve_pdok, ("/ogc/collections/buurten/items", "/wfs"), "/wfs",
        lambda result: len(result) == 21,
    ),
    "overpass": Source(
        "OpenStreetMap",
        lambda root, s, _code: osm.fetch_osm_venues(bbox=AA_EN_HUNZE_BBOX, session=s,
                                                    base_url=root + OVERPASS),
        _serve_overpass, (OVERPASS,), OVERPASS,
        lambda result: "Dorpshuis Schipborg" in set(result["naam"]),
    ),
    "locatieserver": Source(
        "PDOK Locatieserver",
        lambda root, s, _code: geocode_address("Borgweg 15, 9469PE Schipborg", session=s,
                                               base_url=root + LOCATIESERVER),
        _serve_locatieserver, (LOCATIESERVER,), LOCATIESERVER,
        lambda result: (result.x, result.y) == (240939.996, 566028.991),
    ),
}
CODES = {"cbs": "GM1680", "rivm": "GM1680", "pdok": "GM0308"}


# --------------------------------------------------------------------------- fault set-up


def _short_timeout_session() -> requests.Session:
    """No retries, and every request gets a short timeout whatever the fetcher asks for."""
    session = make_session(retries=0, backoff=0)
    original = session.request

    def request(method: str, url: str, **kwargs: Any) -> requests.Response:
        kwargs["timeout"] = SHORT_TIMEOUT
        return original(method, url, **kwargs)

    session.request = request  # type: ignore[method-assign]
    return session


@pytest.fixture
def silent_root() -> Iterator[str]:
    """A port that accepts connections but never answers (requests time out)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()


@pytest.fixture
def closed_root() -> str:
    """A port nobody listens on (connection refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _fail_first(status: int, body: str | bytes, content_type: str = "application/json"):
    def setup(server: Any, source: Source, shared: Path) -> None:
        for path in source.first_paths:
            server.add(path, body, status=status, headers={"Content-Type": content_type})
        source.serve(server, shared)
    return setup


def _fail_rows(status: int, body: object):
    def setup(server: Any, source: Source, shared: Path) -> None:
        server.add(source.rows_path, body, status=status)
        source.serve(server, shared)
    return setup


def _serve_with(**kwargs: Any):
    def setup(server: Any, source: Source, shared: Path) -> None:
        source.serve(server, shared, **kwargs)
    return setup


ROW_LIMIT = {"odata.error": {"code": "", "message": {
    "lang": "en-US", "value": "Query returns more than 10000 records."}}}
CBS_PROPERTIES = _json(FIXTURES / "cbs_kerncijfers_DataProperties.json")["value"]
RIVM_PROPERTIES = _json(FIXTURES / "rivm_50090NED_DataProperties.json")["value"]
RUNTIME_ERROR = _json(FIXTURES / "overpass_runtime_error.json")


@dataclass(frozen=True)
class Fault:
    """One row of the fault table: which source, what goes wrong, what the user gets."""

    source: str
    fault: str
    setup: Callable[[Any, Source, Path], None] | str
    error: type[SourceError] | None
    message: str
    code: str | None = None


def _each(fault: str, setup: Any, error: type[SourceError] | None, message: str,
          sources: tuple[str, ...] = tuple(SOURCES)) -> list[Fault]:
    return [Fault(source, fault, setup, error, message) for source in sources]


FAULTS = [
    *_each("timeout", "silent", SourceUnavailable, "geen antwoord binnen de tijdslimiet"),
    *_each("connection-refused", "closed", SourceUnavailable, "geen verbinding met"),
    *_each("429-then-success", "429", None, ""),
    *_each("persistent-503", _fail_first(503, "Service Unavailable", "text/plain"),
           SourceUnavailable, "HTTP 503 \\(fout bij de bron\\)"),
    *_each("truncated-json", _fail_first(200, b'{"value": [{"Key": "Wijk'), SourceFormatError,
           "geen geldige JSON"),
    *_each("html-body", _fail_first(200, "<html><body>Onderhoud</body></html>", "text/html"),
           SourceFormatError, "geen geldige JSON \\(begint met '<html>"),
    *_each("10000-row-limit", _fail_rows(500, ROW_LIMIT), SourceUnavailable,
           "meer dan 10.000 rijen.*filter per gemeente", ("cbs", "rivm")),
    Fault("pdok", "wfs-row-limit", "wfs-limit", SourceFormatError, "het maximum; verhoog limit"),
    Fault("overpass", "query-aborted-by-server", _fail_rows(200, RUNTIME_ERROR),
          SourceUnavailable, "zoekopdracht afgebroken .* Kies een kleiner gebied"),
    Fault("cbs", "vanished-column-key", _serve_with(properties=[
        p for p in CBS_PROPERTIES if p["Key"] != "AantalInwoners_5"]),
          SourceFormatError, "geen kolom met titel 'Aantal inwoners'.*Mogelijk is de tabel"),
    Fault("rivm", "vanished-column-key", _serve_with(properties=[
        p for p in RIVM_PROPERTIES if p["Key"] != "SociaalEenzaam_31"]),
          SourceFormatError, "geen kolom met titel 'Sociaal eenzaam'"),
    Fault("pdok", "vanished-column-key", "pdok-no-code", SourceFormatError, "buurtcode"),
    Fault("overpass", "vanished-column-key", _serve_with(elements=[{"type": "node", "lat": 53.0,
                                                                     "lon": 6.7}]),
          SourceFormatError, "element zonder 'type' of 'id'"),
    Fault("locatieserver", "vanished-column-key", _serve_with(docs=[{"type": "adres",
                                                                      "weergavenaam": "x"}]),
          SourceFormatError, "geen leesbare 'centroide_rd'"),
    Fault("cbs", "unknown-gemeente-code", _serve_with(rows=[]), UnknownRegionError,
          "geen kerncijfers voor GM9999", "GM9999"),
    Fault("rivm", "unknown-gemeente-code", _serve_with(rows=[]), UnknownRegionError,
          "geen cijfers voor GM9999", "GM9999"),
    Fault("pdok", "unknown-gemeente-code", _serve_with(features=[]), UnknownRegionError,
          "GM9999 bestaat niet in de Wijk- en Buurtkaart 2024", "GM9999"),
    Fault("cbs", "malformed-gemeente-code", "none", UnknownRegionError, "gemeentecode",
          "Aa en Hunze"),
    Fault("rivm", "malformed-gemeente-code", "none", UnknownRegionError, "gemeentecode",
          "Aa en Hunze"),
    Fault("pdok", "malformed-gemeente-code", "none", UnknownRegionError, "gemeentecode",
          "Baarn"),
    Fault("cbs", "empty-result", _serve_with(rows=[]), UnknownRegionError,
          "tabel 84799NED heeft geen kerncijfers voor GM1680"),
    Fault("rivm", "empty-result", _serve_with(rows=[]), UnknownRegionError,
          "tabel 50090NED heeft geen cijfers voor GM1680"),
    Fault("pdok", "empty-result", _serve_with(features=[]), UnknownRegionError,
          "GM0308 bestaat niet"),
    Fault("overpass", "empty-result", _serve_with(elements=[]), SourceUnavailable,
          "geen enkel object .* de vorige gegevens blijven in gebruik"),
]


def _prepare(fault: Fault, source: Source, server: Any, shared: Path, silent: str,
             closed: str) -> tuple[str, requests.Session]:
    root = server.base_url
    session = make_session(retries=0, backoff=0)
    if fault.setup == "silent":
        return silent, _short_timeout_session()
    if fault.setup == "closed":
        return closed, session
    if fault.setup == "429":
        for path in source.first_paths[:1]:
            server.add(path, "Too Many Requests", status=429, times=1,
                       headers={"Retry-After": "0"})
        source.serve(server, shared)
        return root, make_session(retries=1, backoff=0)
    if fault.setup == "wfs-limit":
        server.add("/ogc/collections/buurten/items", "down", status=503)
        baarn = _json(shared / "fixtures" / "pdok_wijkenbuurten_2024_buurten_baarn.geojson")
        server.add("/wfs", baarn)
        return root, session
    if fault.setup == "pdok-no-code":
        baarn = _json(shared / "fixtures" / "pdok_wijkenbuurten_2024_buurten_baarn.geojson")
        for feature in baarn["features"]:
            feature["properties"].pop("buurtcode")
        _serve_pdok(server, shared, features=baarn["features"])
        return root, session
    if callable(fault.setup):
        fault.setup(server, source, shared)
    return root, session


@pytest.mark.parametrize("fault", FAULTS, ids=[f"{f.source}-{f.fault}" for f in FAULTS])
def test_source_fault(
    fault: Fault, request: pytest.FixtureRequest, shared_data: Path, silent_root: str,
    closed_root: str,
) -> None:
    source = SOURCES[fault.source]
    local = fault.setup in ("silent", "closed", "none")
    replay_server = SimpleNamespace(base_url=closed_root) if local else request.getfixturevalue(
        "replay_server")  # the replay server costs 0.5 s to stop, so only where it answers
    root, session = _prepare(fault, source, replay_server, shared_data, silent_root, closed_root)
    code = fault.code or CODES.get(fault.source, "")
    call = source.call
    if fault.fault == "wfs-row-limit":
        def call(root: str, s: requests.Session, code: str) -> Any:
            return pdok.fetch_areas(2024, "buurten", [code], session=s, base_url=root + "/ogc",
                                    wfs_url=root + "/wfs", limit=21)
    if fault.error is None:
        assert source.check(call(root, session, code))
        assert len(replay_server.requests) >= 2
        assert replay_server.requests[0]["path"] == replay_server.requests[1]["path"]
        return
    with pytest.raises(fault.error, match=fault.message) as caught:
        call(root, session, code)
    assert caught.value.source == source.name
    assert caught.value.user_message.startswith(f"{source.name}: ")


def test_fault_table_covers_every_source_and_fault() -> None:
    kinds = {f.fault for f in FAULTS}
    assert {"timeout", "connection-refused", "429-then-success", "persistent-503",
            "truncated-json", "html-body", "10000-row-limit", "vanished-column-key",
            "unknown-gemeente-code", "empty-result"} <= kinds
    assert {f.source for f in FAULTS} == set(SOURCES)


def test_locatieserver_timeout_uses_the_timeout_argument(silent_root: str) -> None:
    with pytest.raises(SourceUnavailable, match="PDOK Locatieserver: geen antwoord binnen"):
        geocode_address("Borgweg 15 Schipborg", session=make_session(retries=0),
                        base_url=silent_root + LOCATIESERVER, timeout=SHORT_TIMEOUT)


def test_locatieserver_empty_result_rejects_the_row(replay_server: Any) -> None:
    _serve_locatieserver(replay_server, Path(), docs=[])
    content = b"naam,adres,plaats\nDorpshuis Schipborg,Borgweg 15,Schipborg\n"
    geocoder = LocatieserverGeocoder(base_url=replay_server.base_url + LOCATIESERVER)
    parsed = parse_venue_file(content, "adressen.csv", geocoder=geocoder)
    assert parsed.report["status"].tolist() == ["afgewezen"]
    assert parsed.report["toelichting"].iloc[0] == (
        "Adres 'Borgweg 15, Schipborg' niet gevonden bij de PDOK Locatieserver.")


@pytest.mark.parametrize("setup", ["silent", "closed", "503", "html", "no-centroid"])
def test_locatieserver_faults_keep_the_row_waiting(
    setup: str, replay_server: Any, silent_root: str, closed_root: str
) -> None:
    """Whatever goes wrong with the geocoder, the row is kept (without point) and explained."""
    root = {"silent": silent_root, "closed": closed_root}.get(setup, replay_server.base_url)
    if setup == "503":
        replay_server.add(LOCATIESERVER, "Service Unavailable", status=503)
    if setup == "html":
        replay_server.add(LOCATIESERVER, "<html>Onderhoud</html>")
    if setup == "no-centroid":
        _serve_locatieserver(replay_server, Path(), docs=[{"weergavenaam": "Borgweg 15"}])
    session = _short_timeout_session()
    content = b"naam,adres,plaats\nDorpshuis Schipborg,Borgweg 15,Schipborg\n"
    geocoder = LocatieserverGeocoder(session=session, base_url=root + LOCATIESERVER)
    parsed = parse_venue_file(content, "adressen.csv", geocoder=geocoder)
    assert parsed.report["status"].tolist() == ["wacht op geocodering"]
    assert parsed.report["toelichting"].iloc[0].startswith("PDOK Locatieserver: ")
    assert "De rij is bewaard" in parsed.report["toelichting"].iloc[0]
    assert len(parsed.venues) == 1
    assert parsed.venues.geometry.isna().all()


# --------------------------------------------------------------------------- refresh paths


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The national store holding Aa en Hunze, with a user's own venue list added."""
    from tests.conftest import SHARED_DATA

    root = tmp_path_factory.mktemp("kern_data")
    shutil.copytree(demo_region_store(tmp_path_factory, "aa-en-hunze"), root, dirs_exist_ok=True)
    content = (SHARED_DATA / "fixtures" / "stembureaus_aa_en_hunze_2023.csv").read_bytes()
    store_venue_list(Store(root), REGION, parse_venue_file(content, "leden.csv",
                                                           geocode=False).venues)
    return root


@pytest.fixture
def store(built: Path, tmp_path: Path) -> Store:
    shutil.copytree(built, tmp_path / "kern_data")
    return Store(tmp_path / "kern_data")


def test_fetch_live_with_every_source_down_keeps_every_layer_and_date(
    store: Store, closed_root: str
) -> None:
    before = store.manifest(REGION).layers
    endpoints = {"pdok": closed_root + "/ogc", "pdok_wfs": closed_root + "/wfs",
                 "cbs": closed_root + API, "rivm": closed_root + FEED,
                 "overpass": closed_root + OVERPASS}
    report = fetch_live(["GM1680"], store=store,
                        session=make_session(retries=0), endpoints=endpoints)
    assert report.written == {}
    assert set(report.failed) == {"gemeenten", "buurten", "eenzaamheid", "kernen", "venues"}
    assert report.kept == sorted(report.failed)
    assert report.failed["gemeenten"].startswith("PDOK Wijk- en Buurtkaart: geen verbinding")
    assert report.failed["eenzaamheid"].startswith("RIVM (dataderden.cbs.nl): geen verbinding")
    assert report.failed["venues"].startswith("OpenStreetMap:")
    assert report.summary().count("(vorige versie blijft in gebruik)") == 5
    assert store.manifest(REGION).layers == before


def test_fetch_live_with_some_sources_down_keeps_those_layers_and_their_dates(
    store: Store, replay_server: Any, shared_data: Path
) -> None:
    template = _json(shared_data / "fixtures" / "pdok_gokoala_ogcapi_features_items_example.json")
    gemeenten = _json(shared_data / "pdok_wijkenbuurten_2023_gemeenten_simplified.geojson")
    feature = next(f for f in gemeenten["features"]
                   if f["properties"]["gemeentecode"] == "GM1680")
    root = replay_server.base_url
    replay_server.add("/ogc/collections/gemeenten/items",
                      ogc_page(template, [feature], base=root + "/ogc", cursor=None))
    for path in ("/ogc/collections/buurten/items", "/wfs", f"{API}/85618NED/DataProperties",
                 f"{API}/50120NED/DataProperties", OVERPASS):
        replay_server.add(path, "Service Unavailable", status=503)
    before = store.manifest(REGION).layers
    report = fetch_live(
        ["GM1680"], year=2023, store=store,
        session=make_session(retries=0),
        endpoints={"pdok": root + "/ogc", "pdok_wfs": root + "/wfs", "cbs": root + API,
                   "rivm": root + FEED, "overpass": root + OVERPASS},
    )
    assert report.written == {"gemeenten": 1}
    assert set(report.kept) == {"buurten", "eenzaamheid", "kernen", "venues"}
    assert "HTTP 503" in report.failed["eenzaamheid"]
    assert report.failed["kernen"].startswith("OpenStreetMap (Overpass): HTTP 503")
    after = store.manifest(REGION).layers
    assert after["gemeenten"].fetched_at >= before["gemeenten"].fetched_at
    assert after["gemeenten"].source.startswith(root)
    for layer in ("buurten", "eenzaamheid", "kernen", "venues", OWN_LAYER):
        assert after[layer] == before[layer], layer
    assert store.read_layer(REGION, "gemeenten")["code"].tolist() == ["GM1680"]


def test_fetch_live_rejects_unknown_endpoint_names(store: Store) -> None:
    with pytest.raises(ValueError, match="unknown endpoint"):
        fetch_live(["GM1680"], store=store, endpoints={"cbss": "http://127.0.0.1:1"})


def test_import_with_a_broken_polling_station_file_keeps_venues_and_own_list(
    store: Store, shared_data: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    for name in ("wof_cbs_buurten_2016_aa_en_hunze_fullres.geojson",
                 "pdok_wijkenbuurten_2023_gemeenten_simplified.geojson",
                 "cbs_gemeenten_2022_kerncijfers.geojson",
                 "geonames_nl_populated_places_2024.csv"):
        shutil.copy(shared_data / name, folder / name)
    polling = pd.read_csv(shared_data / "fixtures" / "stembureaus_aa_en_hunze_2023.csv",
                          dtype=str, keep_default_na=False)
    polling.drop(columns=["Openingstijd", "Sluitingstijd"]).to_csv(
        folder / "stembureaus_zonder_datum.csv", index=False)
    before = store.manifest(REGION).layers
    report = import_folder(folder, ["GM1680"], store=store)
    assert "venues" in report.failed
    assert "venues" in report.kept
    assert report.failed["venues"].startswith("Waar is mijn stemlokaal: ")
    assert "geen verkiezingsdatum" in report.failed["venues"]
    after = store.manifest(REGION).layers
    assert after["venues"] == before["venues"]
    assert after[OWN_LAYER] == before[OWN_LAYER]
    assert after["kernen"].fetched_at >= before["kernen"].fetched_at
    assert report.written["kernen"] == len(store.read_layer(REGION, "kernen")) > 0
