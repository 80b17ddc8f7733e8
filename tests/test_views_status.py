"""Status tables and the data status line."""

from __future__ import annotations

from loaders.manifest import LayerEntry, Manifest
from views.sources import network_words, source_line, source_text
from views.status import (
    attributions,
    layers_table,
    licence,
    rows_text,
    source_label,
    status_line,
)

RAW = {
    "region": "aa-en-hunze",
    "name": "Aa en Hunze",
    "gemeenten": ["GM1680"],
    "updated_at": "2026-11-27T09:31:00+00:00",
    "layers": {
        "buurten": {
            "source": "/data/wof_cbs_buurten_2016_aa_en_hunze_fullres.geojson",
            "attribution": "Bron: CBS / Kadaster, via Who's On First",
            "year": "2016", "indeling": "2016", "table_id": "", "licence": "",
            "fetched_at": "2026-11-27T09:30:00+00:00", "rows": 54,
        },
        "eenzaamheid": {
            "source": "https://dataderden.cbs.nl/ODataFeed/OData/50090NED",
            "attribution": "Bron: RIVM, GGD'en, CBS – Gezondheidsmonitor (modelschatting)",
            "year": "2012,2016,2020", "indeling": "2020", "table_id": "50090NED",
            "licence": "CC BY 4.0 (niet live gecontroleerd)",
            "fetched_at": "2026-11-27T09:31:00+00:00", "rows": 462,
        },
        "venues": {
            "source": "/data/a.csv; /data/b.osm",
            "attribution": "Waar is mijn stemlokaal (CC0); © OpenStreetMap-bijdragers (ODbL)",
            "fetched_at": "2026-11-27T09:31:00+00:00", "rows": 23,
        },
    },
}
MANIFEST = Manifest.from_dict(RAW)


def test_status_line_names_region_sources_years_and_fetch_time() -> None:
    assert status_line(MANIFEST) == (
        "Gegevens: Aa en Hunze (GM1680) · Buurten 2016 · Eenzaamheid (RIVM) "
        "2012, 2016, 2020 · Ontmoetingsplekken · opgehaald 27-11-2026 09:30 UTC t/m "
        "27-11-2026 09:31 UTC"
    )


def test_layers_table_shows_file_names_years_and_licences() -> None:
    table = layers_table(MANIFEST)
    assert table["Bron"].tolist() == [
        "wof_cbs_buurten_2016_aa_en_hunze_fullres.geojson",
        "https://dataderden.cbs.nl/ODataFeed/OData/50090NED",
        "a.csv; b.osm",
    ]
    assert table["Jaar"].tolist() == ["2016", "2012, 2016, 2020", ""]
    assert table["Rijen"].tolist() == [54, 462, 23]
    without_count = Manifest.from_dict({**RAW, "layers": {
        "buurten": {**RAW["layers"]["buurten"], "rows": None, "indeling": "2016,2021"}}})
    shown = rows_text(layers_table(without_count))
    assert shown["Rijen"].tolist() == ["onbekend"]
    assert shown["Indeling"].tolist() == ["2016, 2021"]
    big = Manifest.from_dict({**RAW, "layers": {
        "buurten": {**RAW["layers"]["buurten"], "rows": 12149}}})
    assert rows_text(layers_table(big))["Rijen"].tolist() == ["12.149"]
    assert table["Licentie"].tolist() == [
        "niet vermeld", "CC BY 4.0 (niet live gecontroleerd)", "CC0, ODbL",
    ]


def test_licence_source_label_and_attributions() -> None:
    assert licence(LayerEntry(file="", attribution="Bron: CBS (CC BY 4.0)")) == "CC BY 4.0"
    assert source_label("/x/y/kernen.csv") == "kernen.csv"
    assert attributions(MANIFEST)[0] == "Bron: CBS / Kadaster, via Who's On First"
    assert len(attributions(MANIFEST)) == 3


def test_national_status_counts_gemeenten_and_skips_derived_layers() -> None:
    codes = [f"GM{i:04d}" for i in range(1, 343)]
    derived = {"fetched_at": "2026-11-27T09:40:00+00:00", "rows": 3, "attribution": "x"}
    national = Manifest.from_dict({**RAW, "region": "nl", "name": "Nederland", "gemeenten": codes,
                                   "layers": {**RAW["layers"], "bereik_bike": derived,
                                              "gemeente_indeling": derived}})
    line = status_line(national)
    assert line.startswith("Gegevens: Nederland (342 gemeenten) · Buurten 2016")
    assert "GM0001" not in line
    assert "Afstanden" not in line
    assert "Oude gemeentecodes" not in line
    assert line.endswith("t/m 27-11-2026 09:31 UTC"), "a computed layer was not fetched"
    assert layers_table(national)["Laag"].tolist()[-2:] == ["Afstanden fietsen",
                                                            "Oude gemeentecodes"]


def test_status_line_and_sources_name_no_internal_layer_and_no_inactive_correction() -> None:
    corrections = {"attribution": "Eigen invoer (correcties)", "rows": 2,
                   "note": "0 geldende correcties, 2 ongedaan",
                   "fetched_at": "2026-11-27T09:31:00+00:00"}
    own = {"attribution": "Eigen lijst van de gebruiker", "rows": 0,
           "fetched_at": "2026-11-27T09:31:00+00:00"}
    raw = {**RAW, "layers": {**RAW["layers"], "venue_correcties": corrections,
                             "venues_eigen": own, "iets_nieuws": {"rows": 1}}}
    manifest = Manifest.from_dict(raw)
    line = status_line(manifest)
    assert "venue_correcties" not in line
    assert "venues_eigen" not in line
    assert "iets_nieuws" not in line
    assert "Correcties" not in line
    assert "Eigen invoer (correcties)" not in attributions(manifest)
    active = {**corrections, "note": "1 geldende correcties, 1 ongedaan"}
    raw["layers"]["venue_correcties"] = active
    manifest = Manifest.from_dict(raw)
    assert "Correcties op ontmoetingsplekken" in status_line(manifest)
    assert "Eigen invoer (correcties)" in attributions(manifest)


def test_sources_name_each_source_once() -> None:
    stemlokaal = "Waar is mijn stemlokaal (Open State Foundation, gemeenten; CC0)"
    manifest = Manifest.from_dict({"region": "nl", "layers": {
        "kernen": {"attribution": "Bron: CBS (CC BY 4.0); GeoNames (CC BY 4.0)"},
        "venues": {"attribution": f"{stemlokaal}; © OSM (ODbL)"},
        "venues_eigen": {"attribution": f"Bron: {stemlokaal}", "rows": 3},
        "bereik_bike": {"attribution": f"Bron: CBS (CC BY 4.0); {stemlokaal}"},
    }})
    joined = "; ".join(attributions(manifest))
    assert joined.casefold().count("waar is mijn stemlokaal") == 1
    assert joined.count("CBS") == 1
    assert stemlokaal in joined, "a source with a ';' inside its brackets stays whole"


def test_attributions_make_one_source_line_with_one_bron() -> None:
    lines = attributions(MANIFEST)
    assert sum(line.startswith("Bron: ") for line in lines) > 1
    line = source_line(lines)
    assert line.count("Bron") == 1, line
    assert "CBS / Kadaster, via Who's On First" in line
    assert f"Buurten: {source_text([RAW['layers']['buurten']['attribution']])}" == (
        "Buurten: CBS / Kadaster, via Who's On First")


def test_network_words_say_which_distances_are_estimates() -> None:
    def manifest(*layers: str) -> Manifest:
        entries = {layer: {"file": f"{layer}.npz", "source": "x"} for layer in layers}
        return Manifest.from_dict({"region": "nl", "layers": entries})

    assert network_words(manifest("kernen")).startswith(
        "Nu is er geen wegennet opgeslagen: alle afstanden zijn hemelsbrede schattingen")
    bike = network_words(manifest("kernen", "netwerk_bike"))
    assert bike.startswith("Nu is er een wegennet opgeslagen voor fietsen;")
    assert bike.endswith("Voor lopen en auto zijn alle afstanden hemelsbrede schattingen.")
    every = network_words(manifest("netwerk_walk", "netwerk_bike", "netwerk_drive"))
    assert "lopen, fietsen en auto" in every
    assert "Voor" not in every
