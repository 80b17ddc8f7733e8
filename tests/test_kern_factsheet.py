"""The factsheet of one kern: distances, what a closure does, its buurten, a labelled map."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from loaders.store import Store
from reports.__main__ import main
from tests.test_factsheet import pdf_text
from views.factsheet import FactsheetChoice, FactsheetData
from views.kern_factsheet import (
    UnknownKernError,
    closure_text,
    comparison_rows,
    find_kern,
    kern_facts,
    kern_map,
)
from views.labels import CHAR_WIDTH, label_box
from views.text import format_km, format_pct

DAY = date(2026, 12, 7)


def _row(data: FactsheetData, naam: str) -> pd.Series:
    return data.reach.set_index("naam").loc[naam]


def test_kern_by_name_or_id_with_a_suggestion(data: FactsheetData) -> None:
    assert find_kern(data.reach, "gasteren", gemeenten=["GM1680"]) == _row(data, "Gasteren")[
        "kern_id"]
    assert find_kern(data.reach, "cbs2021:annen", gemeenten=["GM1680"]) == "cbs2021:annen"
    with pytest.raises(UnknownKernError, match="Bedoelt u Gasteren"):
        find_kern(data.reach, "Gastern", gemeenten=["GM1680"])
    with pytest.raises(UnknownKernError, match="Geen kern ‘Gasteren’"):
        find_kern(data.reach, "Gasteren", gemeenten=["GM0308"])


def test_closing_the_nearest_place_of_gieten(data: FactsheetData) -> None:
    gieten = _row(data, "Gieten")
    facts = kern_facts(data, gieten["kern_id"])
    names = data.venues.set_index("venue_id")["naam"]
    assert facts.nearest == gieten["venue_naam"]
    assert facts.nearest_m == gieten["afstand_m"]
    assert facts.second == names[gieten["tweede_venue_id"]]
    text = closure_text(facts, drempel_m=2000, mode="bike")
    assert text.startswith(f"Als {gieten['venue_naam']} sluit, is {facts.second} het dichtstbij, "
                           f"op {format_km(gieten['tweede_afstand_m'])} per fiets")
    sharing = data.reach[(data.reach["venue_id"] == gieten["venue_id"])
                         & (data.reach["naam"] != "Gieten")]
    assert facts.sharing == tuple(sharing.assign(
        n=pd.to_numeric(sharing["inwoners"], errors="coerce")).sort_values(
        "n", ascending=False)["naam"])
    if facts.sharing:
        assert "ook de dichtstbijzijnde plek voor" in text


def test_loneliness_of_the_kern_against_gemeente_and_nederland(data: FactsheetData) -> None:
    choice = FactsheetChoice("GM1680", jaar=2020, datum=DAY)
    rows = comparison_rows(data, choice, _row(data, "Gieten")["kern_id"])
    assert rows[0] == ["Indicator", "Kern", "Gemeente", "Nederland"]
    eenzaam = dict(zip([r[0] for r in rows], rows, strict=True))["Eenzaam"]
    figures = data.eenzaamheid[(data.eenzaamheid["jaar"] == 2020)
                               & (data.eenzaamheid["leeftijd"] == "18+")].set_index("regiocode")
    assert eenzaam[1:] == [format_pct(figures.loc["BU16801700", "eenzaam_pct"]),
                           format_pct(figures.loc["GM1680", "eenzaam_pct"]),
                           format_pct(figures.loc["NL01", "eenzaam_pct"])]


def test_map_names_the_kern_and_its_two_places(data: FactsheetData) -> None:
    gasteren = _row(data, "Gasteren")
    figure = kern_map(data, FactsheetChoice("GM1680", datum=DAY), gasteren["kern_id"])
    [chosen] = [t for t in figure.data if t.name == "Gekozen kern"]
    assert "Gasteren" in chosen.text[0]
    named = [t.text[0] for t in figure.data if (t.name or "").startswith("Ontmoetingsplek (")]
    assert named[0] == f"1. {gasteren['venue_naam']}"
    assert named[1].startswith("2. ")
    assert "Aa en Hunze" in figure.layout.title.subtitle.text
    assert any(s.type == "line" for s in figure.layout.shapes), "a scale bar"
    others = [t for t in figure.data if t.name == "Andere kern" and t.text is not None]
    assert others, "neighbouring kernen are named"


def test_map_subtitle_fits_and_the_kern_label_clears_the_places(data: FactsheetData) -> None:
    gasteren = _row(data, "Gasteren")
    figure = kern_map(data, FactsheetChoice("GM1680", datum=DAY), gasteren["kern_id"])
    layout = figure.layout
    width = layout.width - layout.margin.l - layout.margin.r
    height = layout.height - layout.margin.t - layout.margin.b
    lines = layout.title.subtitle.text.split("<br>")
    assert len(lines) > 1, "the subtitle is wrapped"
    assert lines[-1].endswith("(schatting)"), "nothing of the subtitle is lost"
    for line in lines:
        assert len(line) * CHAR_WIDTH * 13 <= layout.width - layout.margin.l, line
    # Equal-scale axes show the whole range on both axes: the larger metres per pixel wins.
    units = max((layout.xaxis.range[1] - layout.xaxis.range[0]) / width,
                (layout.yaxis.range[1] - layout.yaxis.range[0]) / height)
    [kern] = [t for t in figure.data if t.name == "Gekozen kern"]
    text = kern.text[0].replace("<b>", "").replace("</b>", "")
    box = label_box(kern.textposition, kern.x[0], kern.y[0], text, units_per_pixel=units,
                    font_size=14, marker_size=18)
    places = [t for t in figure.data if (t.name or "").startswith("Ontmoetingsplek (")]
    assert places
    for place in places:
        half = place.marker.size / 2 * units
        star = (place.x[0] - half, place.y[0] - half, place.x[0] + half, place.y[0] + half)
        overlap = (box[0] < star[2] and star[0] < box[2] and box[1] < star[3]
                   and star[1] < box[3])
        assert not overlap, f"the label of {text} covers {place.text[0]}"


@pytest.mark.usefixtures("browser")
def test_command_line_writes_the_kern_factsheet(
    store: Store, data: FactsheetData, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "uit"
    assert main(["--data", str(store.root), "factsheet", "--gebied", "GM1680", "--kern",
                 "Gasteren", "--uit", str(out), "--jaar", "2020"]) == 0
    [path] = out.glob("factsheet-gasteren-aa-en-hunze-*.pdf")
    pages, text = pdf_text(path.read_bytes())
    gasteren = _row(data, "Gasteren")
    assert 1 <= pages <= 2
    assert "Ontmoetingsplek en eenzaamheid in Gasteren" in text
    assert format_km(gasteren["afstand_m"]) in text
    assert format_km(
        gasteren["tweede_afstand_m"]) in text
    assert f"Als {gasteren['venue_naam']} sluit" in " ".join(text.split())
    assert "Gasteren (BU16800300)" in text
    flat = " ".join(text.split())
    nearest = f"naar {gasteren['venue_naam']}, soort {gasteren['venue_soort']}"
    caption = flat[flat.index(nearest):flat.index(format_km(gasteren["tweede_afstand_m"]))]
    assert "((" not in caption
    assert ") (" not in caption, "one phrase, not bracket after bracket"
    assert "Bron: Bron" not in flat
    assert ": Bron:" not in flat
    assert "Gemeentegrenzen: CBS / Kadaster" in flat
    assert "Nederland" in text
    assert "geen oorzaak" in text
    assert main(["--data", str(store.root), "factsheet", "--gebied", "GM1680", "--kern",
                 "Gastern", "--uit", str(out)]) == 2
    assert "Bedoelt u Gasteren" in capsys.readouterr().err
