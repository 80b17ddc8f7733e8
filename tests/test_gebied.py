"""Choosing an area by code, name, province or NL, with Dutch messages for bad input."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from loaders.errors import UnknownRegionError
from loaders.gebied import Gebied, gebied_options, resolve_gebied, slug
from loaders.store import NATIONAL, Store
from tests.region_stores import demo_region_store

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


def test_an_area_reads_as_dutch_inside_a_sentence() -> None:
    options = {o.key: o for o in gebied_options(GEMEENTEN)}
    drenthe, country, gemeente = options["provincie-drenthe"], options["NL"], options["GM1680"]
    assert f"kernen in {drenthe.in_sentence}" == "kernen in de provincie Drenthe"
    assert f"we tonen {drenthe.whole}" == "we tonen de hele provincie Drenthe"
    assert (country.in_sentence, country.whole) == ("Nederland", "heel Nederland")
    assert (gemeente.in_sentence, gemeente.whole) == ("Aa en Hunze", "heel Aa en Hunze")
    two = resolve_gebied("GM1680,GM0106", GEMEENTEN)
    assert two.whole == "alle gekozen gemeenten"


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


def test_a_province_is_listed_by_its_own_name() -> None:
    labels = [o.menu_label for o in gebied_options(GEMEENTEN)]
    assert labels[:3] == ["Nederland", "Drenthe (provincie)", "Fryslân (provincie)"]
    assert "Aa en Hunze" in labels


def _bonus(label: str) -> list[float]:
    """fzy's bonus for a match at each character: after a slash, a word break, a dot, a capital."""
    bonus, previous = [], "/"
    for char in label:
        if previous == "/":
            bonus.append(0.9)
        elif previous in "-_ ":
            bonus.append(0.8)
        elif previous == ".":
            bonus.append(0.6)
        elif previous.islower() and char.isupper():
            bonus.append(0.7)
        else:
            bonus.append(0.0)
        previous = char
    return bonus


def _score(typed: str, label: str) -> float:
    """fzy's score of ``label`` for ``typed``, as Streamlit's selectbox computes it."""
    if typed == label or len(typed) == len(label):
        return math.inf
    needle, hay, bonus = typed.lower(), label.lower(), _bonus(label)
    diagonal = [[-math.inf] * len(hay) for _ in needle]
    best = [[-math.inf] * len(hay) for _ in needle]
    for i, char in enumerate(needle):
        running, gap = -math.inf, -0.005 if i == len(needle) - 1 else -0.01
        for j, other in enumerate(hay):
            if char == other:
                if i == 0:
                    start = j * -0.005 + bonus[j]
                elif j:
                    start = max(best[i - 1][j - 1] + bonus[j], diagonal[i - 1][j - 1] + 1)
                else:
                    start = -math.inf
                diagonal[i][j] = start
                running = max(start, running + gap)
            else:
                running += gap
            best[i][j] = running
    return best[-1][-1]


def _search(labels: list[str], typed: str) -> list[str]:
    """The options Streamlit's selectbox lists while ``typed`` is typed (filter_mode "fuzzy").

    A port of its ``fuzzyFilterSelectOptions`` (fzy.js): the labels holding the typed letters
    in order, best score first, ties in option order; Enter picks the first.
    """
    def holds(label: str) -> bool:
        rest = iter(label.lower())
        return all(char in rest for char in typed.lower())

    return sorted((label for label in labels if holds(label)), key=lambda x: -_score(typed, x))


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> list[Gebied]:
    """The options of the national store holding the whole country."""
    root = demo_region_store(tmp_path_factory, "nl")
    return gebied_options(Store(root).read_layer(NATIONAL, "gemeenten"))


def test_typing_a_province_lists_it_first(national: list[Gebied]) -> None:
    labels = [o.menu_label for o in national]
    provinces = [o for o in national if o.kind == "provincie"]
    assert len(provinces) == 12
    assert _search(labels, "Drenthe")[:2] == ["Drenthe (provincie)", "Midden-Drenthe"]
    for province in provinces:
        name = province.label.removeprefix("Provincie ")
        first = _search(labels, name)[0]
        assert first in {province.menu_label, name}, f"{name}: {_search(labels, name)[:3]}"
    assert _search(labels, "Groningen")[:2] == ["Groningen", "Groningen (provincie)"]


def test_typing_a_gemeente_in_full_lists_it_first(national: list[Gebied]) -> None:
    labels = [o.menu_label for o in national]
    gemeenten = [o.label for o in national if o.kind == "gemeente"]
    assert [g for g in gemeenten if _search(labels, g)[0] != g] == []
