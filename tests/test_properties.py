"""Property-based tests: parsers of API answers and of uploaded files never crash.

For random and mutated inputs (keys dropped, values of the wrong type, garbage bytes, random
CSV text) each parser either returns a frame with its layer's columns, or raises one of the
project's own :class:`~loaders.errors.SourceError` subclasses with a message that names the
source. None of them may write to the store: ``Store.write_region`` is replaced by a function
that fails the test, and the store folder must stay empty.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loaders.cbs import parse_kerncijfers
from loaders.errors import SourceError
from loaders.locatieserver import parse_locatieserver
from loaders.osm import parse_overpass_venues
from loaders.pdok import parse_features
from loaders.rivm import parse_loneliness
from loaders.schema import BUURT_COLUMNS, EENZAAMHEID_COLUMNS, VENUE_COLUMNS
from loaders.stemlokalen import read_stemlokalen
from loaders.store import DATA_ENV, Store
from loaders.venues import REPORT_COLUMNS, parse_venue_file

T = TypeVar("T")
FIXTURES = Path(__file__).parent / "fixtures"
SETTINGS = settings(
    max_examples=60, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _shared() -> Path:
    from tests.conftest import SHARED_DATA

    return SHARED_DATA


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


RIVM_ROWS = _load(_shared() / "fixtures" / "rivm_50090NED_TypedDataSet_GM1680_2020_18plus.json")[
    "value"][:12]
BAARN = _load(_shared() / "fixtures" / "pdok_wijkenbuurten_2024_buurten_baarn.geojson")
BAARN["features"] = BAARN["features"][:4]
OVERPASS = _load(FIXTURES / "overpass_venues_aa_en_hunze.json")
LOCATIESERVER = _load(FIXTURES / "locatieserver_free_borgweg_15_schipborg.json")
STATIONS = (_shared() / "fixtures" / "stembureaus_aa_en_hunze_2023.csv").read_bytes()
STATION_LINES = STATIONS.decode("utf-8").splitlines()[:8]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.sampled_from(["", ".", "       .", "-99997", "2020JJ00", "GM1680", "BU03080000",
                     "MW00000", "20300", "POINT(1 2)", "POINT(240939.996 566028.991)", "JA"]),
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=8,
)


@pytest.fixture
def no_store_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Fail on any store write; the default store folder is an empty temporary folder."""
    root = tmp_path / "kern_data"
    root.mkdir()
    monkeypatch.setenv(DATA_ENV, str(root))

    def refuse(*_args: object, **_kwargs: object) -> None:
        pytest.fail("a parser wrote to the store")

    monkeypatch.setattr(Store, "write_region", refuse)
    return root


def _result(call: Callable[[], T]) -> T | SourceError:
    """What ``call`` returns, or the SourceError it raises (any other error is a failure)."""
    try:
        return call()
    except SourceError as exc:
        return exc


def _outcome(call: Callable[[], Any], columns: tuple[str, ...]) -> Any:
    """Run a parser: a frame with ``columns``, or a SourceError naming its source."""
    result = _result(call)
    if isinstance(result, SourceError):
        assert result.source
        assert result.message
        assert result.user_message.startswith(f"{result.source}: ")
        return None
    assert tuple(result.columns) == columns
    return result


@st.composite
def mutated(draw: st.DrawFn, original: Any, depth: int = 0) -> Any:
    """``original`` with some keys dropped, values replaced by others of any type."""
    if isinstance(original, dict) and depth < 4:
        result = {}
        for key, value in original.items():
            action = draw(st.sampled_from(["keep", "keep", "keep", "mutate", "drop", "replace"]))
            if action == "keep":
                result[key] = value
            elif action == "mutate":
                result[key] = draw(mutated(value, depth + 1))
            elif action == "replace":
                result[key] = draw(json_values)
        if draw(st.booleans()):
            result[draw(st.text(max_size=6))] = draw(json_values)
        return result
    if isinstance(original, list) and depth < 4:
        items = [draw(mutated(item, depth + 1)) for item in original]
        if items and draw(st.booleans()):
            items = items[: draw(st.integers(0, len(items)))]
        return items
    return draw(st.one_of(st.just(original), json_values))


@SETTINGS
@given(rows=st.one_of(mutated(RIVM_ROWS), st.lists(json_values, max_size=5), json_values))
def test_parse_loneliness_never_crashes(rows: Any, no_store_writes: Path) -> None:
    _outcome(lambda: parse_loneliness(rows, table_id="50090NED"), EENZAAMHEID_COLUMNS)
    assert not any(no_store_writes.iterdir())


@pytest.mark.usefixtures("no_store_writes")
@SETTINGS
@given(rows=st.one_of(mutated(RIVM_ROWS[:3]), st.lists(json_values, max_size=4)))
def test_parse_kerncijfers_never_crashes(rows: Any) -> None:
    keys = {"code": "WijkenEnBuurten", "inwoners": "Eenzaam_28"}
    columns = tuple(c for c in BUURT_COLUMNS if c != "geometry")
    _outcome(lambda: parse_kerncijfers(rows, keys, year=2020), columns)


@SETTINGS
@given(payload=st.one_of(mutated(BAARN), json_values))
def test_parse_features_never_crashes(payload: Any, no_store_writes: Path) -> None:
    _outcome(lambda: parse_features(payload, layer="buurten", year=2024), BUURT_COLUMNS)
    assert not any(no_store_writes.iterdir())


@pytest.mark.usefixtures("no_store_writes")
@SETTINGS
@given(payload=st.one_of(mutated(OVERPASS), json_values))
def test_parse_overpass_venues_never_crashes(payload: Any) -> None:
    _outcome(lambda: parse_overpass_venues(payload), VENUE_COLUMNS)


@SETTINGS
@given(payload=st.one_of(mutated(LOCATIESERVER), json_values))
def test_parse_locatieserver_never_crashes(payload: Any) -> None:
    found = _result(lambda: parse_locatieserver(payload))
    if isinstance(found, SourceError):
        assert found.user_message.startswith("PDOK Locatieserver: ")
        return
    assert found is None or isinstance(found.x, float)


csv_text = st.lists(
    st.lists(st.one_of(st.text(max_size=10), st.sampled_from(
        ["52,98", "6.65", "239658.99", "=1+1", '"', ";", ",", "\t", "Dorpshuis", ""])),
        min_size=1, max_size=5),
    min_size=0, max_size=6,
)
header_names = st.lists(st.sampled_from(
    ["naam", "Name", "x", "y", "lat", "lon", "Latitude", "Longitude", "adres", "plaats",
     "soort", "Naam stembureau", "X", "Y", "Openingstijd", "CBS gemeentecode", "postcode", ""]),
    min_size=1, max_size=6)


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    """Random CSV-ish bytes: a plausible header, random cells, random separator and encoding."""
    separator = draw(st.sampled_from([",", ";", "\t", "|"]))
    lines = [separator.join(draw(header_names))]
    lines += [separator.join(row) for row in draw(csv_text)]
    text = draw(st.sampled_from(["\n", "\r\n"])).join(lines)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    return text.encode(encoding, errors="replace")


@st.composite
def mutated_station_files(draw: st.DrawFn) -> bytes:
    """The real polling-station file, some lines cut, some bytes flipped."""
    lines = [line for line in STATION_LINES if draw(st.integers(0, 5))]
    data = bytearray("\n".join(lines).encode("utf-8"))
    for _ in range(draw(st.integers(0, 4))):
        if data:
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data)


files = st.one_of(csv_files(), mutated_station_files(), st.binary(max_size=300))


@SETTINGS
@given(content=files)
def test_read_stemlokalen_never_crashes(content: bytes, tmp_path: Path,
                                        no_store_writes: Path) -> None:
    path = tmp_path / "stembureaus.csv"
    path.write_bytes(content)
    _outcome(lambda: read_stemlokalen(path), VENUE_COLUMNS)
    assert not any(no_store_writes.iterdir())


@SETTINGS
@given(content=files, name=st.sampled_from(["lijst.csv", "lijst.xlsx", "lijst.geojson",
                                            "lijst.gpkg", "lijst.txt", "../lijst"]))
def test_parse_venue_file_never_crashes(content: bytes, name: str,
                                        no_store_writes: Path) -> None:
    parsed = _result(lambda: parse_venue_file(content, name, geocode=False))
    if isinstance(parsed, SourceError):
        assert parsed.user_message.startswith("Eigen lijst: ")
        return
    assert tuple(parsed.venues.columns) == VENUE_COLUMNS
    assert tuple(parsed.report.columns) == REPORT_COLUMNS
    assert len(parsed.venues) == (parsed.report["status"] != "afgewezen").sum()
    assert parsed.report["rij"].is_unique
    assert not any(no_store_writes.iterdir())


@pytest.mark.usefixtures("no_store_writes")
@SETTINGS
@given(payload=st.one_of(mutated({"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"naam": "Dorpshuis Schipborg"},
     "geometry": {"type": "Point", "coordinates": [6.6695525, 53.0742275]}}]}), json_values))
def test_parse_venue_geojson_never_crashes(payload: Any) -> None:
    content = json.dumps(payload).encode("utf-8")
    parsed = _result(lambda: parse_venue_file(content, "lijst.geojson", geocode=False))
    if isinstance(parsed, SourceError):
        assert parsed.user_message.startswith("Eigen lijst: ")
        return
    assert isinstance(parsed.report, pd.DataFrame)
    assert tuple(parsed.venues.columns) == VENUE_COLUMNS
