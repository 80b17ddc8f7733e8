"""The gemeente factsheet on the real Aa en Hunze data, and ``python -m reports factsheet``.

The national store holding Aa en Hunze is the session's demo store (:mod:`tests.region_stores`).
"""

from __future__ import annotations

import io
import shutil
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pypdf
import pytest
from reportlab.pdfbase import pdfmetrics

from analysis.reach import kern_reach
from loaders.manifest import LayerSource, Manifest
from loaders.roads import RoadEdges
from loaders.schema import ATTRIBUTION
from loaders.store import Store
from loaders.venue_store import read_region_venues
from rendering import images
from reports.__main__ import main
from reports.factsheets import load_factsheet_data
from tests.region_stores import REGION
from views.factsheet import (
    FactsheetChoice,
    FactsheetData,
    factsheet_filename,
    factsheet_pdf,
)
from views.factsheet_figures import (
    distance_class,
    distance_classes,
    distance_map,
    key_figures,
    loneliness,
)
from views.labels import place_labels
from views.pdf import pdf_fonts, pdf_styles, source_paragraphs
from views.sources import layer_sources, source_line, split_attribution

DAY = date(2026, 11, 27)


def pdf_text(data: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = " ".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), " ".join(text.split())


def test_reach_of_the_stored_region(data: FactsheetData, store: Store) -> None:
    """The factsheet uses the stored reach of the dashboard: places across the border count."""
    stored = store.read_layer(REGION, "bereik_bike")
    pd.testing.assert_frame_equal(data.reach[stored.columns], stored)
    expected = kern_reach(store.read_layer(REGION, "kernen"), read_region_venues(store, REGION),
                          mode="bike")
    columns = ["kern_id", "venue_id", "afstand_m", "tweede_venue_id", "tweede_afstand_m",
               "methode"]
    pd.testing.assert_frame_equal(data.reach[columns], expected[columns])
    assert "eenzaamheid_pct" in data.reach
    assert data.reach.loc[data.reach["naam"] == "Gieten", "eenzaamheid_pct"].item() == 43.8
    assert set(data.reach["gemeentecode"]) == {"GM1680"}


def test_a_place_across_the_border_is_the_nearest_for_some_kernen(data: FactsheetData) -> None:
    across = data.reach.merge(
        data.venues[["venue_id", "gemeentecode"]].rename(columns={"gemeentecode": "gm_plek"}),
        on="venue_id",
    )
    assert (across["gm_plek"] != "GM1680").any(), "a kern near the border finds a neighbour's place"


def test_key_figures_count_what_analysis_reach_finds(data: FactsheetData) -> None:
    reach = data.reach
    outside = ~reach["afstand_m"].le(2000)
    figures = key_figures(reach, 2000)
    assert figures.kernen == len(reach) == 47
    assert figures.kernen_zonder == int(outside.sum())
    inwoners = pd.to_numeric(reach.loc[outside, "inwoners"], errors="coerce")
    assert figures.inwoners_zonder == inwoners.sum()
    assert figures.kernen_zonder_inwonertal == int(inwoners.isna().sum())
    assert np.isnan(figures.ouderen_zonder)
    with_share = key_figures(reach, 2000, share_65=pd.Series(28.0, index=reach.index))
    assert with_share.ouderen_zonder == pytest.approx(inwoners.sum() * 0.28)


def test_loneliness_of_the_gemeente_and_its_worst_buurten(data: FactsheetData) -> None:
    # rivm_eenzaamheid_wijk_buurt_2016_2020.csv: 2020, 18+, GM1680 42.4, NL01 47.0;
    # highest buurten BU16801409 48.4, BU16801500 48.3, BU16801600 45.2.
    result = loneliness(data.eenzaamheid, data.buurten, gemeentecode="GM1680", jaar=None,
                        leeftijd="18+", indicator="eenzaam_pct")
    assert result.jaar == 2020
    eenzaam = result.gemeente.set_index("Indicator").loc["Eenzaam"]
    assert (eenzaam["gemeente"], eenzaam["Nederland"]) == (42.4, 47.0)
    assert result.buurten["code"].head(3).tolist() == ["BU16801409", "BU16801500", "BU16801600"]
    assert result.buurten["eenzaam_pct"].head(3).tolist() == [48.4, 48.3, 45.2]
    assert len(result.buurten) == 5


def test_distance_classes_around_the_threshold() -> None:
    assert distance_classes(2000) == ["binnen 1 km", "1 km tot 2 km", "2 km tot 4 km", "≥ 4 km",
                                      "geen plek bereikbaar"]
    assert distance_classes(500)[:2] == ["binnen 0,25 km", "0,25 km tot 0,5 km"]
    distances = pd.Series([199.3, 1000.0, 2000.0, 3999.0, 5311.6, np.nan])
    assert distance_class(distances, 2000).tolist() == [0, 1, 2, 2, 3, 4]


def test_distance_map_has_every_class_and_the_meeting_places(data: FactsheetData) -> None:
    reach = data.reach
    figure = distance_map(reach, data.kernen, data.venues, drempel_m=2000, mode="bike",
                          outline=data.gemeenten)
    names = [trace.name for trace in figure.data]
    assert names[0] == "Gemeentegrens"
    places = figure.data[names.index("Ontmoetingsplek")]
    counting = data.venues[data.venues["ontmoetingsplek"].astype(bool)]
    drawn = counting[(counting["gemeentecode"] == "GM1680")
                     | counting["venue_id"].isin(reach["venue_id"])]
    assert len(places.x) == len(drawn) < len(counting), "own and nearest places, not all of NL"
    assert set(reach["venue_id"].dropna()) <= set(drawn["venue_id"])
    kernen = [t for t in figure.data if (t.name or "").startswith("Kern:")]
    assert sum(len(t.x) for t in kernen) == len(reach)
    shapes = {t.legendgroup: t.marker.symbol for t in kernen}
    assert len(set(shapes.values())) == len(shapes), "one shape per class"
    far = [t for t in kernen if t.name == "Kern: ≥ 4 km"]
    written = sorted(name for t in far if t.text is not None for name in t.text)
    beyond = reach[reach["afstand_m"] >= 4000]
    assert set(written) <= set(beyond["naam"])
    assert len(written) >= len(beyond) // 2
    largest = beyond.assign(n=pd.to_numeric(beyond["inwoners"], errors="coerce"))
    assert largest.sort_values("n", ascending=False)["naam"].iloc[0] in written


def test_labels_never_overlap_and_the_largest_comes_first() -> None:
    # Three names at one spot: the largest gets the top, the next another side, and so on.
    positions = place_labels([0, 0, 0, 5000], [0, 0, 0, 0],
                             ["Dorp", "Buurtschap", "Gehucht", "Ver"],
                             priority=[10, 500, 20, 1], units_per_pixel=10.0)
    assert positions[1] == "top center"
    assert positions[2] == "bottom center"
    assert positions[0] is None, "no side left that clears both names"
    assert positions[3] == "top center"
    crowded = place_labels([0] * 6, [0] * 6, ["Naam"] * 6, priority=range(6),
                           units_per_pixel=10.0)
    assert crowded[5] == "top center"
    assert crowded[4] == "bottom center"
    assert crowded.count(None) == 4, "the sides would cross the top and bottom names"


@pytest.mark.usefixtures("browser")
def test_factsheet_of_aa_en_hunze(data: FactsheetData, tmp_path: Path) -> None:
    choice = FactsheetChoice("GM1680", drempel_m=2000, jaar=2020, datum=DAY)
    path = tmp_path / factsheet_filename(data, choice)
    path.write_bytes(factsheet_pdf(data, choice))
    assert path.name == "factsheet-aa-en-hunze-2026-11-27.pdf"
    pages, text = pdf_text(path.read_bytes())
    assert 1 <= pages <= 2
    outside = int((~data.reach["afstand_m"].le(2000)).sum())
    assert "Ontmoetingsplekken en eenzaamheid in Aa en Hunze" in text
    assert f"{outside} van 47 kernen zonder ontmoetingsplek binnen 2 km" in text
    assert "modelschatting" in text
    assert "geen oorzaak" in text
    assert "27 november 2026" in text
    assert "42,4 %" in text
    assert "47,0 %" in text
    assert "48,4 %" in text
    assert "Voor deze regio is geen wegennet opgeslagen" in text
    counting = data.venues[data.venues["gemeentecode"] == "GM1680"]
    assert (f"Als ontmoetingsplek tellen {int(counting['ontmoetingsplek'].sum())} van de "
            f"{len(counting)} opgeslagen plekken in Aa en Hunze") in text
    assert "Afstanden fietsen" not in text
    assert "Oude gemeentecodes" not in text
    assert source_line(layer_sources(data.manifest, ["eenzaamheid"], rivm_years=[2020])) in text
    for entry in data.manifest.layers.values():
        for part in split_attribution(entry.attribution):
            assert part in text
    assert "Gemeentegrenzen: CBS / Kadaster, Wijk- en Buurtkaart via PDOK" in text
    assert "Bron: Bron" not in text
    assert ": Bron:" not in text
    assert "Kaart en grafiek ontbreken" not in text
    images = [img for page in pypdf.PdfReader(path).pages for img in page.images]
    assert len(images) == 2, "the map and the chart"


@pytest.mark.usefixtures("browser")
def test_factsheet_for_some_kernen(data: FactsheetData) -> None:
    ids = tuple(data.reach.loc[data.reach["naam"].isin(["Annen", "Gieten"]), "kern_id"])
    choice = FactsheetChoice("GM1680", kern_ids=ids, datum=DAY)
    pages, text = pdf_text(factsheet_pdf(data, choice))
    gieten = data.reach.loc[data.reach["naam"] == "Gieten", "afstand_m"].item()
    assert gieten > 2000 > data.reach.loc[data.reach["naam"] == "Annen", "afstand_m"].item()
    assert 1 <= pages <= 2
    assert "Ontmoetingsplekken en eenzaamheid in Annen en Gieten (Aa en Hunze)" in text
    assert "1 van 2 kernen zonder ontmoetingsplek" in text
    assert factsheet_filename(data, choice) == "factsheet-aa-en-hunze-kernen-2026-11-27.pdf"


def test_factsheet_without_a_browser_still_renders(
    data: FactsheetData, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(images, "find_browser", lambda: None)
    monkeypatch.setattr(images, "_WARM", images._WarmBrowser())
    pages, text = pdf_text(factsheet_pdf(data, FactsheetChoice("GM1680", datum=DAY)))
    assert 1 <= pages <= 2
    assert "Kaart en grafiek ontbreken in deze factsheet." in text
    assert "Chrome of Chromium nodig" in text
    assert ATTRIBUTION["osm"] in text
    assert "Ontmoetingsplekken en eenzaamheid in Aa en Hunze" in text


def test_factsheet_of_an_unknown_gemeente_is_refused(data: FactsheetData) -> None:
    with pytest.raises(ValueError, match="GM0308"):
        factsheet_pdf(data, FactsheetChoice("GM0308"))


def test_source_paragraphs_name_each_layer_without_a_second_bron() -> None:
    manifest = Manifest.from_dict({"region": "nl", "layers": {
        "gemeenten": {"attribution": ATTRIBUTION["pdok"], "year": "2023",
                      "fetched_at": "2026-11-27T09:30:00+00:00"},
        "kernen": {"attribution": f"{ATTRIBUTION['cbs']}; {ATTRIBUTION['geonames']}"},
        "venues": {"attribution": f"{ATTRIBUTION['stemlokaal']}; {ATTRIBUTION['osm']}"},
    }})
    heading, *lines = [p.getPlainText() for p in source_paragraphs(manifest, "bike",
                                                                   pdf_styles(*pdf_fonts()))]
    assert heading == "Bronnen"
    assert lines[0] == ("Gemeentegrenzen: CBS / Kadaster, Wijk- en Buurtkaart via PDOK "
                        "(CC BY 4.0) · 2023, opgehaald 27-11-2026 09:30 UTC")
    assert lines[1] == "Kernen: CBS (CC BY 4.0); GeoNames (geonames.org, CC BY 4.0)"
    for line in lines:
        assert "Bron" not in line, "the heading says Bronnen; no line repeats it"


def test_font_has_the_dutch_and_special_glyphs() -> None:
    regular, bold = pdf_fonts()
    if regular == "Helvetica":
        pytest.skip("DejaVu Sans (fonts-dejavu-core) is not installed")
    for name in (regular, bold):
        face = pdfmetrics.getFont(name).face
        assert all(ord(c) in face.charToGlyph for c in "≥€ëüï©–")


def test_stored_network_is_used(store: Store, tmp_path: Path) -> None:
    root = tmp_path / "store"
    shutil.copytree(store.root, root)
    copy = Store(root)
    copy.write_region(REGION, {"netwerk_bike": (grid_edges(copy), LayerSource(
        source="test grid", attribution=ATTRIBUTION["osm"]))})
    loaded = load_factsheet_data(copy, REGION, mode="bike")
    assert set(loaded.reach["methode"].dropna()) == {"netwerk"}
    assert "eenzaamheid_pct" not in loaded.reach, "no year, no loneliness per kern"


def grid_edges(store: Store, step: float = 500.0) -> dict[str, np.ndarray]:
    """A two-way street grid every ``step`` metres over the region plus 2 km (test network)."""
    minx, miny, maxx, maxy = store.read_layer(REGION, "gemeenten").total_bounds
    xs = np.arange(minx - 2000, maxx + 2000, step)
    ys = np.arange(miny - 2000, maxy + 2000, step)
    gx, gy = np.meshgrid(xs, ys)
    ids = np.arange(gx.size).reshape(gx.shape)
    u = np.concatenate([ids[:, :-1].ravel(), ids[:-1, :].ravel()])
    v = np.concatenate([ids[:, 1:].ravel(), ids[1:, :].ravel()])
    return RoadEdges(x=gx.ravel(), y=gy.ravel(), u=u, v=v, length=np.full(len(u), step),
                     oneway=np.zeros(len(u), bool), mode="bike").arrays()


@pytest.mark.usefixtures("browser")
def test_command_line_writes_one_pdf_per_gemeente(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "uit"
    code = main(["--data", str(store.root), "factsheet", "--gemeente",
                 "gm1680", "--uit", str(out), "--modus", "fietsen", "--drempel", "2000",
                 "--jaar", "2020", "--leeftijd", "18+"])
    assert code == 0
    written = sorted(out.glob("factsheet-aa-en-hunze-*.pdf"))
    assert len(written) == 1
    pages, text = pdf_text(written[0].read_bytes())
    assert 1 <= pages <= 2
    assert "Aa en Hunze" in text
    assert f"✓ GM1680: {written[0]}" in capsys.readouterr().out


def test_command_line_exit_codes(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(images, "find_browser", lambda: None)
    monkeypatch.setattr(images, "_WARM", images._WarmBrowser())
    base = ["--data", str(store.root), "factsheet", "--uit", str(tmp_path)]
    assert main([*base, "--gemeente", "GM1680", "--gemeente", "GM0308"]) == 1
    err = capsys.readouterr().err
    assert "✗ GM0308: geen opgeslagen gemeente (opgeslagen: GM1680)" in err
    assert "Chrome of Chromium nodig" in err
    assert main([*base, "--gemeente", "GM1680", "--jaar", "2019"]) == 2
    assert "geen eenzaamheidscijfers voor 2019 (18+); opgeslagen: 2020, 2016, 2012." in \
        capsys.readouterr().err
    empty = ["--data", str(tmp_path / "leeg"), *base[2:]]
    assert main([*empty, "--gemeente", "GM1680"]) == 2
    err = capsys.readouterr().err
    assert "Nederland is nog niet opgeslagen" in err
    assert "--nl" in err
    assert main([*base, "--gemeente", "1680x"]) == 2
    assert "geen gemeentecode" in capsys.readouterr().err
