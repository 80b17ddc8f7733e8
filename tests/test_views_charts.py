"""Figures of the loneliness page: Dutch text, the source line, suppressed values left out."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest

from loaders.rivm import read_loneliness_csv
from views import charts
from views import eenzaamheid as ez
from views.static import OKABE_ITO
from views.text import format_pct

SOURCE_2020 = "Bron: RIVM, GGD'en, CBS – Gezondheidsmonitor 2020 (modelschatting)"


@pytest.fixture
def layer(shared_data: Path) -> pd.DataFrame:
    return read_loneliness_csv(
        shared_data / "rivm_eenzaamheid_wijk_buurt_2016_2020.csv", gemeenten=["GM1680"]
    )


@pytest.fixture
def values(layer: pd.DataFrame) -> pd.DataFrame:
    return ez.buurt_values(layer, jaar=2020, leeftijd="18+")


def _notes(figure: go.Figure) -> str:
    """The text of the figure's notes, with the line breaks of their wrapping removed."""
    return "\n".join(a.text.replace("<br>", " ") for a in figure.layout.annotations)


def _note_lines(figure: go.Figure) -> list[str]:
    return [line for a in figure.layout.annotations for line in a.text.split("<br>")]


def test_histogram_is_dutch_with_source_and_without_suppressed(values: pd.DataFrame) -> None:
    figure = charts.histogram(
        values["eenzaam_pct"], indicator="eenzaam_pct", jaar=2020, leeftijd="18+",
        references={"Aa en Hunze": 42.4, "Nederland": 47.0},
    )
    assert figure.layout.title.text == "Verdeling over de buurten: eenzaam"
    assert figure.layout.title.subtitle.text == "2020 · 18 jaar en ouder · modelschatting"
    assert figure.layout.xaxis.title.text == "Eenzaam (% van 18 jaar en ouder)"
    assert figure.layout.yaxis.title.text == "Aantal buurten"
    assert SOURCE_2020 in _notes(figure)
    assert "7 buurten zonder waarde (onderdrukt) niet getoond." in _notes(figure)
    bars = figure.data[0]
    assert len(bars.x) == 47
    assert 0 not in list(bars.x)
    assert [t.name for t in figure.data[1:]] == ["Aa en Hunze 42,4 %", "Nederland 47,0 %"]
    assert [s.x0 for s in figure.layout.shapes] == [42.4, 47.0]
    assert figure.layout.separators == ",."


def _style(line) -> tuple[str, str]:
    return line.color, line.dash


def test_each_reference_line_has_its_own_colour_and_dash(values: pd.DataFrame) -> None:
    figure = charts.histogram(
        values["eenzaam_pct"], indicator="eenzaam_pct", jaar=2020, leeftijd="18+",
        references={"Aa en Hunze": 42.4, "Assen": 45.1, "Nederland": 47.0},
    )
    lines = [_style(s.line) for s in figure.layout.shapes]
    assert [_style(t.line) for t in figure.data[1:]] == lines, "legend matches the lines"
    assert len(set(lines)) == 3
    assert lines[2] == (charts.NATIONAL, charts.NATIONAL_DASH)
    assert {colour for colour, _ in lines[:2]} <= set(OKABE_ITO)


def test_reference_styles_stay_apart_for_many_gemeenten() -> None:
    names = [f"Gemeente {n}" for n in range(30)]
    styles = charts.reference_styles([*names, "Nederland"], "Nederland")
    assert styles["Nederland"] == {"color": charts.NATIONAL, "dash": charts.NATIONAL_DASH}
    pairs = {(styles[n]["color"], styles[n]["dash"]) for n in names}
    assert len(pairs) == len(names)
    assert all(styles[n]["dash"] != charts.NATIONAL_DASH for n in names)
    assert {styles[n]["color"] for n in names} <= set(OKABE_ITO) - {charts.NATIONAL}


def test_notes_fit_a_phone(layer: pd.DataFrame, values: pd.DataFrame) -> None:
    wide = ez.year_table(layer, codes=["BU16800000"], leeftijd="18+", indicator="eenzaam_pct")
    figures = [
        charts.histogram(values["eenzaam_pct"], indicator="eenzaam_pct", jaar=2020,
                         leeftijd="18+"),
        charts.ranking(values, indicator="eenzaam_pct", jaar=2020, leeftijd="18+"),
        charts.year_comparison(wide, indicator="eenzaam_pct", leeftijd="18+", names={},
                               indeling="2020"),
    ]
    for figure in figures:
        phone = charts.for_phone(figure)
        lines = _note_lines(phone)
        assert len(lines) > len(_note_lines(figure))
        assert max(map(len, lines)) <= charts.NOTE_CHARS, lines
        added = charts.NOTE_LINE_PX * (len(lines) - len(_note_lines(figure)))
        assert phone.layout.margin.b == figure.layout.margin.b + added, "room for every line"
        assert _notes(phone) == _notes(figure), "the same text, only wrapped"
        assert max(map(len, _note_lines(figure))) > charts.NOTE_CHARS, "downloads: unwrapped"
    assert "Gezondheidsmonitor 2016 en 2020 (modelschatting)" in _notes(
        charts.for_phone(figures[2]))


def test_histogram_of_nothing_says_so() -> None:
    figure = charts.histogram(pd.Series([None, None], dtype=float), indicator="sociaal_eenzaam_pct",
                              jaar=2012, leeftijd="65+")
    notes = _notes(figure)
    assert "Geen buurten met een waarde voor deze keuze" in notes
    assert "2 buurten zonder waarde (onderdrukt) niet getoond." in notes
    assert len(figure.data[0].x) == 0


def test_bin_width_gives_about_ten_bars() -> None:
    assert charts.bin_width(pd.Series([4.9, 9.5])) == 0.5
    assert charts.bin_width(pd.Series([31.6, 48.4])) == 2.0
    assert charts.bin_width(pd.Series([], dtype=float)) == 0.5


def test_ranking_shows_top_and_bottom_ten(values: pd.DataFrame) -> None:
    figure = charts.ranking(values, indicator="eenzaam_pct", jaar=2020, leeftijd="18+")
    top, bottom = figure.data
    present = values.dropna(subset=["eenzaam_pct"]).sort_values("eenzaam_pct", ascending=False)
    assert (top.name, bottom.name) == ("Hoogste 10", "Laagste 10")
    assert list(top.x) == present["eenzaam_pct"].head(10).tolist()
    assert list(bottom.x) == present["eenzaam_pct"].tail(10).tolist()
    assert top.text[0] == format_pct(present["eenzaam_pct"].iloc[0])
    assert figure.layout.title.text == "Hoogste en laagste buurten: eenzaam"
    assert SOURCE_2020 in _notes(figure)
    assert "7 buurten zonder waarde (onderdrukt) niet getoond." in _notes(figure)


def test_ranking_leaves_room_for_the_longest_bars_value(values: pd.DataFrame) -> None:
    figure = charts.ranking(values, indicator="eenzaam_pct", jaar=2020, leeftijd="18+")
    longest = values["eenzaam_pct"].max()
    assert figure.layout.xaxis.range[0] == 0
    assert figure.layout.xaxis.range[1] >= 1.15 * longest


def test_ranking_of_few_buurten_shows_each_once_with_codes_for_missing_names() -> None:
    few = pd.DataFrame({"code": ["BU1", "BU2", "BU3"], "naam": ["Gieten", "", "Gieten"],
                        "eenzaam_pct": [43.8, 40.1, None]})
    figure = charts.ranking(few, indicator="eenzaam_pct", jaar=2020, leeftijd="18+")
    assert len(figure.data) == 1
    assert list(figure.data[0].y) == ["Gieten", "BU2"]
    assert "1 buurt zonder waarde (onderdrukt) niet getoond." in _notes(figure)


def test_ranking_of_nothing_works() -> None:
    empty = pd.DataFrame({"code": [], "naam": [], "eenzaam_pct": []})
    figure = charts.ranking(empty, indicator="eenzaam_pct", jaar=2020, leeftijd="18+")
    assert "Geen buurten met een waarde voor deze keuze" in _notes(figure)


def test_year_comparison_draws_each_buurt_and_the_references(layer: pd.DataFrame) -> None:
    codes = ["BU16800000", "BU16800100"]
    wide = ez.year_table(layer, codes=codes, leeftijd="18+", indicator="eenzaam_pct")
    refs = ez.year_table(layer, codes=["GM1680", "NL01"], leeftijd="18+", indicator="eenzaam_pct")
    figure = charts.year_comparison(
        wide, indicator="eenzaam_pct", leeftijd="18+", references=refs, indeling="2020",
        names={"BU16800000": "Annen", "GM1680": "Aa en Hunze", "NL01": "Nederland"},
    )
    assert [t.name for t in figure.data] == ["Buurten", "Buurten", "Aa en Hunze", "Nederland"]
    assert [t.showlegend for t in figure.data[:2]] == [True, False]
    assert list(figure.data[0].x) == ["2016", "2020"]
    assert list(figure.data[0].y) == wide.loc["BU16800000"].tolist()
    assert figure.data[3].y[-1] == 47.0
    assert "Annen" in figure.data[0].hovertemplate
    notes = _notes(figure)
    assert "Gezondheidsmonitor 2016 en 2020 (modelschatting)" in notes
    assert "Alle jaren op de buurtindeling 2020." in notes


def test_year_comparison_gives_each_gemeente_its_own_line(layer: pd.DataFrame) -> None:
    wide = ez.year_table(layer, codes=["BU16800000"], leeftijd="18+", indicator="eenzaam_pct")
    refs = pd.DataFrame({"2016": [40.0, 41.0, 45.0], "2020": [42.4, 43.0, 47.0]},
                        index=["GM0106", "GM1680", "NL01"])
    figure = charts.year_comparison(
        wide, indicator="eenzaam_pct", leeftijd="18+", references=refs,
        names={"GM0106": "Assen", "GM1680": "Aa en Hunze", "NL01": "Nederland"},
    )
    lines = {t.name: _style(t.line) for t in figure.data[1:]}
    assert list(lines) == ["Assen", "Aa en Hunze", "Nederland"]
    assert len(set(lines.values())) == 3
    assert lines["Nederland"] == (charts.NATIONAL, charts.NATIONAL_DASH)
    assert _style(figure.data[0].line)[0] not in {colour for colour, _ in lines.values()}


def test_year_comparison_of_nothing_works() -> None:
    figure = charts.year_comparison(pd.DataFrame(), indicator="eenzaam_pct", leeftijd="65+",
                                    names={})
    assert "Geen buurten met een waarde voor deze keuze" in _notes(figure)
