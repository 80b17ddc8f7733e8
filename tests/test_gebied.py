"""Choosing an area by code, name, province or NL, with Dutch messages for bad input."""

from __future__ import annotations

import pandas as pd
import pytest

from loaders.errors import UnknownRegionError
from loaders.gebied import gebied_options, resolve_gebied, slug

GEMEENTEN = pd.DataFrame(
    {
        "code": ["GM1680", "GM0106", "GM0308", "GM0373", "GM0893", "GM0080"],
        "naam": ["Aa en Hunze", "Assen", "Baarn", "Bergen (NH.)", "Bergen (L.)", "Leeuwarden"],
        "provincie": ["Drenthe", "Drenthe", "Utrecht", "Noord-Holland", "Limburg", "Fryslân"],
    }
)
KERNEN = pd.DataFrame({"naam": ["Gieten", "Annen"], "gemeentecode": ["GM1680", "GM1680"]})


def test_options_are_country_then_provinces_then_gemeenten() -> None:
    options = gebied_options(GEMEENTEN)
    assert options[0].key == "NL"
    assert options[0].codes == tuple(sorted(GEMEENTEN["code"]))
    kinds = [o.kind for o in options]
    assert kinds == ["land"] + ["provincie"] * 5 + ["gemeente"] * 6
    provinces = [o for o in options if o.kind == "provincie"]
    assert provinces[0].label == "Provincie Drenthe"
    assert next(o for o in provinces if o.label.endswith("Drenthe")).codes == ("GM0106", "GM1680")
    assert next(o.label for o in options if o.kind == "gemeente") == "Aa en Hunze"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("NL", "NL"),
        ("nederland", "NL"),
        ("provincie Drenthe", "provincie-drenthe"),
        ("Drenthe", "provincie-drenthe"),
        ("provincie fryslan", "provincie-fryslan"),
        ("provincie-noord-holland", "provincie-noord-holland"),
        ("gm1680", "GM1680"),
        ("GM0308, GM1680", "GM0308,GM1680"),
        ("aa en hunze", "GM1680"),
        ("  Aa  en Hunze ", "GM1680"),
        ("Bergen (L.)", "GM0893"),
    ],
)
def test_resolve(text: str, key: str) -> None:
    assert resolve_gebied(text, GEMEENTEN).key == key


def test_several_codes_are_one_area_labelled_by_name() -> None:
    gebied = resolve_gebied("GM1680,GM0308", GEMEENTEN)
    assert gebied.codes == ("GM0308", "GM1680")
    assert gebied.label == "Baarn + Aa en Hunze"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bergen", "niet eenduidig: bedoelt u Bergen (NH.) (GM0373) of Bergen (L.) (GM0893)?"),
        ("Gieten", "‘Gieten’ is een kern, geen gemeente; hij ligt in Aa en Hunze (GM1680)."),
        ("Asen", "Bedoelt u Assen (GM0106)"),
        ("GM9999", "GM9999 is geen gemeente in de huidige indeling."),
        ("provincie Atlantis", "‘provincie Atlantis’ is geen provincie. Kies uit: Drenthe"),
        ("", "geen gebied opgegeven"),
    ],
)
def test_bad_input_gets_a_dutch_message(text: str, expected: str) -> None:
    with pytest.raises(UnknownRegionError) as caught:
        resolve_gebied(text, GEMEENTEN, kernen=KERNEN)
    assert expected in caught.value.message


def test_slug() -> None:
    assert slug("Fryslân") == "fryslan"
    assert slug("Súdwest-Fryslân") == "sudwest-fryslan"
