"""Tests for loaders.osm: Overpass query, Overpass JSON parsing, fetching and PBF/XML reading."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs

import osmium
import pytest
from pyproj import Transformer

from loaders.errors import SourceFormatError, SourceUnavailable
from loaders.http import make_session
from loaders.osm import (
    NAME_TERMS,
    VENUE_TAGS,
    build_venue_query,
    classify_tags,
    fetch_osm_venues,
    parse_osm_pbf_venues,
    parse_overpass_venues,
)
from loaders.schema import CRS, VENUE_COLUMNS

FIXTURES = Path(__file__).parent / "fixtures"
OVERPASS_FIXTURE = FIXTURES / "overpass_venues_aa_en_hunze.json"
XML_FIXTURE = FIXTURES / "osm_venues_mini.osm"
TO_RD = Transformer.from_crs("EPSG:4326", CRS, always_xy=True)


@pytest.fixture
def overpass_payload() -> dict:
    return json.loads(OVERPASS_FIXTURE.read_text(encoding="utf-8"))


# --- query -----------------------------------------------------------------------------------


def test_query_with_bbox_has_every_tag_filter_and_out_center() -> None:
    query = build_venue_query(bbox=(52.9, 6.5, 53.1, 6.9), timeout=90)
    assert query.startswith("[out:json][timeout:90];")
    assert query.rstrip().endswith("out center tags;")
    assert '  nwr["amenity"="community_centre"](52.9,6.5,53.1,6.9);' in query
    assert '  nwr["amenity"="townhall"]["townhall:type"="community"](52.9,6.5,53.1,6.9);' in query
    assert query.count("(52.9,6.5,53.1,6.9);") == len(VENUE_TAGS) + 1
    assert '["name"~"dorpshuis|' in query
    assert ",i](52.9,6.5,53.1,6.9);" in query
    assert "area" not in query


def test_query_by_area_name_escapes_quotes_and_defaults_to_nl() -> None:
    query = build_venue_query(area_name='Aa en "Hunze"')
    assert 'area["name"="Aa en \\"Hunze\\""]["boundary"="administrative"]->.a;' in query
    assert query.count("(area.a);") == len(VENUE_TAGS) + 1
    assert 'area["ISO3166-1"="NL"][admin_level=2]->.a;' in build_venue_query()


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"bbox": (52.9, 6.5, 53.1, 6.9), "area_name": "Drenthe"}, "not both"),
        ({"bbox": (53.1, 6.5, 52.9, 6.9)}, "invalid bbox"),
        ({"bbox": (52.9, 6.5, 53.1, 200.0)}, "invalid bbox"),
    ],
)
def test_query_rejects_bad_arguments(kwargs: dict, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        build_venue_query(**kwargs)


# --- Overpass JSON ---------------------------------------------------------------------------


def test_parse_overpass_fixture(overpass_payload: dict) -> None:
    venues = parse_overpass_venues(overpass_payload)
    assert tuple(venues.columns) == VENUE_COLUMNS
    assert venues.crs == CRS
    assert list(venues["venue_id"]) == [
        "osm:node/1001",
        "osm:way/3001",
        "osm:relation/4001",
        "osm:node/1003",
    ]
    by_id = venues.set_index("source_id")
    schipborg = by_id.loc["node/1001"]
    assert (schipborg["soort"], bool(schipborg["ontmoetingsplek"])) == ("dorpshuis", True)
    assert schipborg["reden"].startswith(
        "OSM-tag amenity=community_centre + community_centre=village_hall"
    )
    assert (schipborg["adres"], schipborg["plaats"]) == ("Borgweg 15", "Schipborg")
    assert by_id.loc["way/3001", "soort"] == "sportkantine"
    assert by_id.loc["way/3001", "reden"].startswith("OSM-tag building=clubhouse")
    # A generic community centre takes the more specific soort from its name.
    assert by_id.loc["relation/4001", "soort"] == "mfa"
    # No meeting-place tag: found by name, Frisian spelling with accent.
    assert by_id.loc["node/1003", "soort"] == "dorpshuis"
    assert by_id.loc["node/1003", "plaats"] == "Eext"
    assert by_id.loc["node/1003", "reden"].startswith("Geen OSM-tag voor ontmoetingsplek; op naam.")
    assert set(venues["source"]) == {"OpenStreetMap"}
    assert set(venues["peildatum"]) == {"2024-05-20"}
    assert venues["gemeentecode"].isna().all()


def test_parse_uses_node_latlon_and_way_center(overpass_payload: dict) -> None:
    venues = parse_overpass_venues(overpass_payload).set_index("source_id")
    for element in overpass_payload["elements"][:4]:
        point = element if element["type"] == "node" else element["center"]
        x, y = TO_RD.transform(point["lon"], point["lat"])
        geom = venues.loc[f"{element['type']}/{element['id']}", "geometry"]
        assert geom.x == pytest.approx(x, abs=1e-6)
        assert geom.y == pytest.approx(y, abs=1e-6)


def test_parse_skips_element_without_coordinates(overpass_payload: dict) -> None:
    venues = parse_overpass_venues(overpass_payload)
    assert "osm:way/3003" not in set(venues["venue_id"])


def test_parse_fetched_at_is_fallback_for_peildatum(overpass_payload: dict) -> None:
    del overpass_payload["osm3s"]
    venues = parse_overpass_venues(overpass_payload, fetched_at="2024-06-01T12:00:00")
    assert set(venues["peildatum"]) == {"2024-06-01"}


def test_parse_empty_elements_gives_empty_layer() -> None:
    venues = parse_overpass_venues({"version": 0.6, "elements": []})
    assert venues.empty
    assert tuple(venues.columns) == VENUE_COLUMNS
    assert venues.crs == CRS


@pytest.mark.parametrize(
    "payload",
    [[], {"version": 0.6}, {"elements": {"type": "node"}}, {"elements": ["node"]}, None],
)
def test_parse_rejects_non_overpass_payload(payload: object) -> None:
    with pytest.raises(SourceFormatError) as info:
        parse_overpass_venues(payload)
    assert info.value.source == "OpenStreetMap"
    assert "Overpass" in info.value.user_message


def test_classify_tags_ignores_plain_townhall_and_sports_centre() -> None:
    assert classify_tags({"amenity": "townhall", "name": "Rathaus Vaduz"}) is None
    assert classify_tags({"leisure": "sports_centre", "name": "Sportpark Rheinau"}) is None
    assert classify_tags({"leisure": "sports_centre", "club": "sport"})[0] == "sportkantine"
    verdict = classify_tags({"amenity": "townhall", "townhall:type": "community"})
    assert verdict[:2] == ("dorpshuis", True)


# --- fetching --------------------------------------------------------------------------------


def test_fetch_posts_query_and_parses(replay_server, overpass_payload: dict) -> None:
    replay_server.add("/api/interpreter", overpass_payload)
    venues = fetch_osm_venues(
        area_name="Aa en Hunze",
        session=make_session(retries=0),
        base_url=f"{replay_server.base_url}/api/interpreter",
    )
    assert len(venues) == 4
    (request,) = replay_server.requests
    assert request["method"] == "POST"
    sent = parse_qs(request["body"].decode("utf-8"))["data"][0]
    assert sent == build_venue_query(area_name="Aa en Hunze")


def test_fetch_runtime_error_remark_is_unavailable(replay_server) -> None:
    replay_server.add(
        "/api/interpreter",
        {
            "version": 0.6,
            "generator": "Overpass API 0.7.62.1 084b4234",
            "osm3s": {"timestamp_osm_base": "2024-05-20T10:13:41Z"},
            "elements": [],
            "remark": 'runtime error: Query timed out in "query" at line 3 after 181 seconds.',
        },
    )
    with pytest.raises(SourceUnavailable) as info:
        fetch_osm_venues(
            bbox=(52.9, 6.5, 53.1, 6.9),
            session=make_session(retries=0),
            base_url=f"{replay_server.base_url}/api/interpreter",
        )
    assert "kleiner gebied" in info.value.user_message
    assert "timed out" in info.value.user_message


def test_fetch_http_error_is_unavailable(replay_server) -> None:
    replay_server.add("/api/interpreter", "<html>504 Gateway Timeout</html>", status=504)
    with pytest.raises(SourceUnavailable, match="HTTP 504"):
        fetch_osm_venues(
            bbox=(52.9, 6.5, 53.1, 6.9),
            session=make_session(retries=0),
            base_url=f"{replay_server.base_url}/api/interpreter",
        )


def test_fetch_bad_json_is_format_error(replay_server) -> None:
    replay_server.add("/api/interpreter", '<?xml version="1.0"?><osm version="0.6"></osm>')
    with pytest.raises(SourceFormatError, match="geen geldige JSON"):
        fetch_osm_venues(
            bbox=(52.9, 6.5, 53.1, 6.9),
            session=make_session(retries=0),
            base_url=f"{replay_server.base_url}/api/interpreter",
        )


# --- PBF / XML -------------------------------------------------------------------------------


def _independent_venue_refs(path: Path) -> tuple[set[str], int]:
    """Venue refs per the tag table written out by hand, and the number of townhalls."""
    name_re = re.compile("|".join(NAME_TERMS), re.IGNORECASE)
    refs: set[str] = set()
    townhalls = 0
    for obj in osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY):
        tags = {tag.k: tag.v for tag in obj.tags}
        townhalls += tags.get("amenity") == "townhall"
        if (
            tags.get("amenity") in {"community_centre", "social_centre"}
            or (tags.get("amenity") == "townhall" and tags.get("townhall:type") == "community")
            or tags.get("building") == "clubhouse"
            or tags.get("club") == "sport"
            or name_re.search(tags.get("name", ""))
        ):
            refs.add(f"{'node' if obj.is_node() else 'way'}/{obj.id}")
    return refs, townhalls


def test_pbf_liechtenstein_matches_independent_count(shared_data: Path) -> None:
    path = shared_data / "fixtures" / "osm_liechtenstein.osm.pbf"
    venues = parse_osm_pbf_venues(path)
    expected, townhalls = _independent_venue_refs(path)
    assert set(venues["source_id"]) == expected
    # The file has three plain townhalls (gemeentehuizen) and no community centres.
    assert townhalls == 3
    assert venues.empty
    assert tuple(venues.columns) == VENUE_COLUMNS
    assert venues.crs == CRS


def test_xml_fixture_village_hall_clubhouse_and_name() -> None:
    venues = parse_osm_pbf_venues(XML_FIXTURE)
    assert tuple(venues.columns) == VENUE_COLUMNS
    assert venues.crs == CRS
    assert set(venues["source_id"]) == _independent_venue_refs(XML_FIXTURE)[0] - {"way/3002"}
    by_id = venues.set_index("source_id")
    assert set(by_id.index) == {"node/1001", "node/1003", "way/3001"}
    assert by_id.loc["node/1001", "soort"] == "dorpshuis"
    assert by_id.loc["node/1001", "adres"] == "Borgweg 15"
    assert by_id.loc["node/1003", "soort"] == "dorpshuis"
    assert by_id.loc["way/3001", "soort"] == "sportkantine"
    assert by_id["ontmoetingsplek"].all()
    # The clubhouse ring: mean of its four distinct corners.
    x, y = TO_RD.transform((6.7500 + 6.7510 + 6.7510 + 6.7500) / 4, (53.0100 * 2 + 53.0106 * 2) / 4)
    assert by_id.loc["way/3001", "geometry"].x == pytest.approx(x, abs=1e-6)
    assert by_id.loc["way/3001", "geometry"].y == pytest.approx(y, abs=1e-6)
    # No replication timestamp in the file: the newest venue's timestamp.
    assert set(venues["peildatum"]) == {"2024-02-10"}


def test_xml_and_overpass_give_same_venue_for_same_node(overpass_payload: dict) -> None:
    from_file = parse_osm_pbf_venues(XML_FIXTURE).set_index("venue_id")
    from_api = parse_overpass_venues(overpass_payload).set_index("venue_id")
    for column in ("naam", "soort", "ontmoetingsplek", "reden", "adres", "plaats"):
        assert from_file.loc["osm:node/1001", column] == from_api.loc["osm:node/1001", column]


def test_pbf_missing_or_broken_file(tmp_path: Path) -> None:
    with pytest.raises(SourceFormatError, match="niet gevonden"):
        parse_osm_pbf_venues(tmp_path / "bestaat-niet.osm.pbf")
    broken = tmp_path / "kapot.osm.pbf"
    broken.write_bytes(b"dit is geen pbf" * 20)
    with pytest.raises(SourceFormatError, match="geen leesbaar OSM-bestand"):
        parse_osm_pbf_venues(broken)
