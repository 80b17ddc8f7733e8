"""The sidebar choice and its URL form, without Streamlit."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from loaders.manifest import Manifest
from loaders.rivm import read_loneliness_csv
from loaders.store import NATIONAL
from ui.selection import (
    RegionOptions,
    Selection,
    default_selection,
    parse_query,
    pick_gebied,
    region_options,
    to_query,
)
from views.text import ECHO_LIMIT

CODES = ["GM0106", "GM0308", "GM1680"]
MANIFEST = Manifest(region=NATIONAL, name="Nederland", gemeenten=tuple(CODES))
GEMEENTEN = pd.DataFrame({
    "code": ["GM1680", "GM0106", "GM0308"],
    "naam": ["Aa en Hunze", "Assen", "Baarn"],
    "provincie": ["Drenthe", "Drenthe", "Utrecht"],
})
"""A national store of three gemeenten in two provinces."""
DRENTHE = ("GM0106", "GM1680")


@pytest.fixture(scope="module")
def eenzaamheid() -> pd.DataFrame:
    from tests.conftest import SHARED_DATA

    return read_loneliness_csv(SHARED_DATA / "rivm_eenzaamheid_wijk_buurt_2016_2020.csv",
                               gemeenten=CODES)


@pytest.fixture
def options(eenzaamheid: pd.DataFrame) -> RegionOptions:
    return region_options(MANIFEST, eenzaamheid, GEMEENTEN)


def test_region_options_come_from_the_layers(options: RegionOptions) -> None:
    assert options.years == (2016, 2020)
    assert options.ages == ("18+", "65+")
    assert options.gemeenten == tuple(CODES)
    assert options.gemeente_namen == {"GM0106": "Assen", "GM0308": "Baarn",
                                      "GM1680": "Aa en Hunze"}
    assert [(g.key, g.label, g.codes) for g in options.gebieden] == [
        ("NL", "Nederland", tuple(CODES)),
        ("provincie-drenthe", "Provincie Drenthe", DRENTHE),
        ("provincie-utrecht", "Provincie Utrecht", ("GM0308",)),
        ("GM1680", "Aa en Hunze", ("GM1680",)),
        ("GM0106", "Assen", ("GM0106",)),
        ("GM0308", "Baarn", ("GM0308",)),
    ]


def test_store_without_loneliness_layer_offers_no_year() -> None:
    options = region_options(MANIFEST, None, GEMEENTEN)
    assert options.years == ()
    assert options.ages == ()
    assert default_selection(options) == Selection(NATIONAL, tuple(CODES), None, None)


def test_store_without_gemeenten_layer_still_offers_nederland_and_each_code() -> None:
    options = region_options(MANIFEST)
    assert [g.key for g in options.gebieden] == ["NL", *CODES]
    assert pick_gebied({"gebied": "GM0308"}, options)[0].codes == ("GM0308",)


def test_default_is_nederland_latest_year_18plus_eenzaam(options: RegionOptions) -> None:
    assert default_selection(options) == Selection(
        NATIONAL, tuple(CODES), 2020, "18+", "eenzaam_pct", gebied="NL"
    )


def test_empty_query_gives_default_without_warnings(options: RegionOptions) -> None:
    assert parse_query({}, options) == (default_selection(options), [])


def test_valid_query_is_read(options: RegionOptions) -> None:
    params = {"gebied": "provincie-drenthe", "gemeente": "gm1680", "jaar": "2016",
              "leeftijd": "65+", "indicator": "ernstig_eenzaam"}
    selection, warnings = parse_query(params, options)
    assert warnings == []
    assert selection == Selection(NATIONAL, ("GM1680",), 2016, "65+", "ernstig_eenzaam_pct",
                                  gebied="provincie-drenthe")


def test_every_invalid_value_falls_back_with_its_own_dutch_warning(options: RegionOptions) -> None:
    params = {"gebied": "GM0308", "gemeente": "GM0363", "jaar": "1999", "leeftijd": "12+",
              "indicator": "blij"}
    selection, warnings = parse_query(params, options)
    assert selection == Selection(NATIONAL, ("GM0308",), 2020, "18+", gebied="GM0308")
    assert warnings == [
        "GM0363 hoort niet bij Baarn; we tonen heel Baarn.",
        "Jaar ‘1999’ uit de link is niet beschikbaar; we tonen 2020.",
        "Leeftijdsgroep ‘12+’ uit de link is niet beschikbaar; we tonen 18+.",
        "Indicator ‘blij’ uit de link is niet beschikbaar; we tonen eenzaam.",
    ]


def test_known_gemeenten_are_kept_when_some_are_unknown(options: RegionOptions) -> None:
    selection, warnings = parse_query(
        {"gebied": "provincie-drenthe", "gemeente": "GM1680,GM9999,GM0308"}, options)
    assert selection.gemeenten == ("GM1680",)
    assert warnings == ["GM9999, GM0308 horen niet bij de provincie Drenthe."]


def test_pick_gebied_nederland(options: RegionOptions) -> None:
    for params in ({}, {"gebied": "NL"}, {"gebied": ""}):
        gebied, warnings = pick_gebied(params, options)
        assert (gebied.key, gebied.kind, gebied.codes, warnings) == (
            "NL", "land", tuple(CODES), [])


def test_pick_gebied_province(options: RegionOptions) -> None:
    gebied, warnings = pick_gebied({"gebied": "provincie-drenthe"}, options)
    assert warnings == []
    assert (gebied.label, gebied.kind, gebied.codes) == ("Provincie Drenthe", "provincie",
                                                          DRENTHE)


def test_pick_gebied_one_gemeente_by_its_key(options: RegionOptions) -> None:
    gebied, warnings = pick_gebied({"gebied": "GM1680"}, options)
    assert (gebied.key, gebied.label, gebied.kind, gebied.codes, warnings) == (
        "GM1680", "Aa en Hunze", "gemeente", ("GM1680",), [])


def test_pick_gebied_several_gemeenten(options: RegionOptions) -> None:
    gebied, warnings = pick_gebied({"gebied": "GM1680,GM0308"}, options)
    assert warnings == []
    assert gebied.kind == "gemeente"
    assert gebied.codes == ("GM0308", "GM1680")
    assert gebied.key == "GM0308,GM1680"
    assert set(gebied.label.split(" + ")) == {"Baarn", "Aa en Hunze"}
    selection, _ = parse_query({"gebied": "GM1680,GM0308"}, options)
    assert selection.gemeenten == ("GM0308", "GM1680")


def test_old_regio_link_of_a_gemeente(options: RegionOptions) -> None:
    gebied, warnings = pick_gebied({"regio": "aa-en-hunze"}, options)
    assert (gebied.key, gebied.codes, warnings) == ("GM1680", ("GM1680",), [])


def test_old_regio_link_of_a_province(options: RegionOptions) -> None:
    gebied, warnings = pick_gebied({"regio": "drenthe"}, options)
    assert (gebied.key, gebied.codes, warnings) == ("provincie-drenthe", DRENTHE, [])
    selection, warnings = parse_query({"regio": "drenthe", "jaar": "2016"}, options)
    assert (selection.gebied, selection.gemeenten, selection.jaar, warnings) == (
        "provincie-drenthe", DRENTHE, 2016, [])
    assert "regio" not in to_query(selection, DRENTHE)


def test_gebied_wins_over_an_old_regio(options: RegionOptions) -> None:
    assert pick_gebied({"gebied": "GM0308", "regio": "drenthe"}, options)[0].key == "GM0308"


def test_unknown_regio_falls_back_to_nederland_with_a_dutch_warning(
    options: RegionOptions,
) -> None:
    gebied, warnings = pick_gebied({"regio": "atlantis"}, options)
    assert gebied.key == "NL"
    [warning] = warnings
    assert warning.startswith("Regio ‘atlantis’ uit de link bestaat niet: ")
    assert warning.endswith(" We tonen Nederland.")


@pytest.mark.parametrize("value", ["GM9999", "provincie-atlantis", "atlantis"])
def test_unknown_gebied_falls_back_to_nederland_with_a_dutch_warning(
    options: RegionOptions, value: str
) -> None:
    gebied, warnings = pick_gebied({"gebied": value}, options)
    assert gebied.key == "NL"
    [warning] = warnings
    assert warning.startswith(f"Gebied ‘{value}’ uit de link bestaat niet: ")
    assert warning.endswith(" We tonen Nederland.")


@pytest.mark.parametrize("key", ["gebied", "regio"])
def test_a_long_value_from_a_link_is_not_echoed_in_full(options: RegionOptions, key: str) -> None:
    value = "zzzzzzzzzz" * 100
    gebied, warnings = pick_gebied({key: value}, options)
    assert gebied.key == "NL"
    [warning] = warnings
    assert "z" * ECHO_LIMIT + "…" in warning
    assert "z" * (ECHO_LIMIT + 1) not in warning, warning
    assert len(warning) < 400
    assert warning.endswith(" We tonen Nederland.")


def test_a_long_list_of_unknown_gemeenten_is_not_echoed_in_full(options: RegionOptions) -> None:
    raw = ",".join(f"GM{n:04d}" for n in range(2000, 2400))
    selection, [warning] = parse_query({"gemeente": raw}, options)
    assert selection.gemeenten == tuple(CODES)
    assert len(warning) < 200
    assert "GM2399" not in warning


def test_file_stem_names_the_area() -> None:
    assert Selection(NATIONAL, (), None, None).file_stem == "nl"
    assert Selection(NATIONAL, (), None, None, gebied="GM1680").file_stem == "gm1680"
    assert Selection(NATIONAL, (), None, None,
                     gebied="provincie-drenthe").file_stem == "provincie-drenthe"


def test_query_round_trip(options: RegionOptions) -> None:
    selection = Selection(NATIONAL, ("GM1680",), 2016, "65+", "sociaal_eenzaam_pct",
                          "walk", 1000, gebied="provincie-drenthe")
    query = to_query(selection, DRENTHE)
    assert query == {"gebied": "provincie-drenthe", "gemeente": "GM1680", "jaar": "2016",
                     "leeftijd": "65+", "indicator": "sociaal_eenzaam", "modus": "lopen",
                     "drempel": "1000"}
    assert parse_query(query, options) == (selection, [])


def test_a_whole_area_writes_no_gemeente_list(options: RegionOptions) -> None:
    selection, _ = parse_query({"gebied": "provincie-drenthe"}, options)
    query = to_query(selection, DRENTHE)
    assert query["gebied"] == "provincie-drenthe"
    assert "gemeente" not in query
    assert parse_query(query, options) == (selection, [])


@pytest.mark.parametrize(("word", "mode"), [("fiets", "bike"), ("Fietsen", "bike"),
                                            ("lopen", "walk"), ("Auto", "drive"),
                                            ("walk", "walk")])
def test_a_link_takes_the_mode_words_of_the_command_line(
    options: RegionOptions, word: str, mode: str
) -> None:
    # "modus=fiets" used to warn "'fiets' is niet beschikbaar; we tonen fietsen".
    default, _ = parse_query({}, options)
    assert parse_query({"modus": word}, options) == (replace(default, modus=mode), [])


def test_invalid_mode_and_threshold_fall_back_with_warnings(options: RegionOptions) -> None:
    selection, warnings = parse_query({"modus": "raket", "drempel": "123"}, options)
    assert (selection.modus, selection.drempel_m) == ("bike", 2000)
    assert warnings == [
        "Vervoerswijze ‘raket’ uit de link is niet beschikbaar; we tonen fietsen.",
        "Afstandsgrens ‘123’ uit de link is niet beschikbaar; we tonen 2 km.",
    ]
