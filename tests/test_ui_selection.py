"""The sidebar choice and its URL form, without Streamlit."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from loaders.rivm import read_loneliness_csv
from ui.selection import (
    RegionOptions,
    Selection,
    default_selection,
    parse_query,
    pick_region,
    region_options,
    to_query,
)

MANIFEST = {"region": "aa-en-hunze", "name": "Aa en Hunze", "gemeenten": ["GM1680"]}


@pytest.fixture
def eenzaamheid(shared_data: Path) -> pd.DataFrame:
    return read_loneliness_csv(
        shared_data / "rivm_eenzaamheid_wijk_buurt_2016_2020.csv", gemeenten=["GM1680"]
    )


@pytest.fixture
def options(eenzaamheid: pd.DataFrame) -> RegionOptions:
    return region_options(MANIFEST, eenzaamheid)


def test_region_options_come_from_the_layer(options: RegionOptions) -> None:
    assert options.years == (2016, 2020)
    assert options.ages == ("18+", "65+")
    assert options.gemeenten == ("GM1680",)
    assert options.gemeente_namen == {"GM1680": "Aa en Hunze"}


def test_region_without_loneliness_layer_offers_no_year() -> None:
    options = region_options(MANIFEST, None)
    assert options.years == () and options.ages == ()
    assert default_selection(options) == Selection("aa-en-hunze", ("GM1680",), None, None)


def test_default_is_latest_year_18plus_eenzaam(options: RegionOptions) -> None:
    assert default_selection(options) == Selection(
        "aa-en-hunze", ("GM1680",), 2020, "18+", "eenzaam_pct"
    )


def test_empty_query_gives_default_without_warnings(options: RegionOptions) -> None:
    assert parse_query({}, options) == (default_selection(options), [])


def test_valid_query_is_read(options: RegionOptions) -> None:
    params = {"gemeente": "gm1680", "jaar": "2016", "leeftijd": "65+",
              "indicator": "ernstig_eenzaam"}
    selection, warnings = parse_query(params, options)
    assert warnings == []
    assert selection == Selection("aa-en-hunze", ("GM1680",), 2016, "65+", "ernstig_eenzaam_pct")


def test_every_invalid_value_falls_back_with_its_own_dutch_warning(options: RegionOptions) -> None:
    params = {"gemeente": "GM0363", "jaar": "1999", "leeftijd": "12+", "indicator": "blij"}
    selection, warnings = parse_query(params, options)
    assert selection == default_selection(options)
    assert warnings == [
        "GM0363 hoort niet bij regio Aa en Hunze; we tonen alle gemeenten van de regio.",
        "Jaar ‘1999’ uit de link is niet beschikbaar; we tonen 2020.",
        "Leeftijdsgroep ‘12+’ uit de link is niet beschikbaar; we tonen 18+.",
        "Indicator ‘blij’ uit de link is niet beschikbaar; we tonen eenzaam.",
    ]


def test_known_gemeenten_are_kept_when_some_are_unknown() -> None:
    options = RegionOptions("twee", "Twee", ("GM0308", "GM1680"))
    selection, warnings = parse_query({"gemeente": "GM1680,GM9999"}, options)
    assert selection.gemeenten == ("GM1680",)
    assert warnings == ["GM9999 hoort niet bij regio Twee."]


def test_pick_region_falls_back_to_the_first_stored(options: RegionOptions) -> None:
    regions = {"aa-en-hunze": "Aa en Hunze", "baarn": "Baarn"}
    assert pick_region({"regio": "baarn"}, regions) == ("baarn", [])
    assert pick_region({}, regions) == ("aa-en-hunze", [])
    assert pick_region({"regio": "atlantis"}, regions) == (
        "aa-en-hunze",
        ["Regio ‘atlantis’ uit de link is niet opgeslagen; we tonen Aa en Hunze."],
    )


def test_query_round_trip(options: RegionOptions) -> None:
    selection = Selection("aa-en-hunze", ("GM1680",), 2016, "65+", "sociaal_eenzaam_pct",
                          "walk", 1000)
    query = to_query(selection)
    assert query == {"regio": "aa-en-hunze", "gemeente": "GM1680", "jaar": "2016",
                     "leeftijd": "65+", "indicator": "sociaal_eenzaam", "modus": "lopen",
                     "drempel": "1000"}
    assert parse_query(query, options) == (selection, [])


def test_invalid_mode_and_threshold_fall_back_with_warnings(options: RegionOptions) -> None:
    selection, warnings = parse_query({"modus": "raket", "drempel": "123"}, options)
    assert (selection.modus, selection.drempel_m) == ("bike", 2000)
    assert warnings == [
        "Vervoerswijze ‘raket’ uit de link is niet beschikbaar; we tonen fietsen.",
        "Afstandsgrens ‘123’ uit de link is niet beschikbaar; we tonen 2 km.",
    ]
