"""Integration: the national store built from the real files in ../shared/data.

The session's demo stores (:mod:`tests.region_stores`) are national stores holding Aa en Hunze,
Baarn or Drenthe; tests that write copy them first.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal

from loaders.__main__ import main as cli_main
from loaders.build import check_gemeenten, import_folder
from loaders.errors import SourceFormatError, UnknownRegionError
from loaders.store import NATIONAL_NAME, Store
from pipeline.reach import reach_inputs
from tests.region_stores import DRENTHE, REGION, demo_region_store

TWO_DIVISIONS = "cbs_gemeenten_2022_kerncijfers.geojson"
"""A second, older gemeente division next to the 2023 one, as in a real download folder."""
REFRESHED = "GM1680"
OTHERS = sorted(set(DRENTHE) - {REFRESHED})


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The national store holding Aa en Hunze (read only)."""
    return Store(demo_region_store(tmp_path_factory, "aa-en-hunze"))


@pytest.fixture(scope="module")
def baarn(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The national store holding Baarn (read only)."""
    return Store(demo_region_store(tmp_path_factory, "baarn"))


@pytest.fixture
def writable(built: Store, tmp_path: Path) -> Store:
    """A copy of the Aa en Hunze store that a test may write into."""
    shutil.copytree(built.root, tmp_path / "kern_data")
    return Store(tmp_path / "kern_data")


def _source_rows(shared: Path, prefix: str, period: str, age: str) -> dict[str, dict[str, str]]:
    with (shared / "rivm_50090NED_gezondheid_wijk_buurt_2016_2020.csv").open(newline="") as f:
        return {
            r["WijkenEnBuurten"]: r
            for r in csv.DictReader(f)
            if r["WijkenEnBuurten"].startswith(prefix)
            and r["Perioden"] == period and r["Leeftijd"] == age
        }


def test_national_store_has_all_layers_with_sources(built: Store) -> None:
    manifest = built.manifest(REGION)
    assert manifest.name == NATIONAL_NAME
    assert list(manifest.gemeenten) == ["GM1680"]
    assert {"gemeenten", "gemeente_indeling", "buurten", "eenzaamheid", "kernen", "venues",
            "bereik_walk", "bereik_bike", "bereik_drive"} <= set(manifest.layers)
    for entry in manifest.layers.values():
        assert entry.rows > 0
        assert entry.source
        assert entry.attribution
        assert entry.fetched_at
    assert "RIVM" in manifest.layers["eenzaamheid"].attribution
    assert manifest.layers["eenzaamheid"].table_id == "50090NED"
    for mode in ("walk", "bike", "drive"):
        assert manifest.layers[f"bereik_{mode}"].inputs == reach_inputs(manifest, mode)


def test_gemeenten_are_the_newest_division_with_province_and_old_codes(built: Store) -> None:
    gemeenten = built.read_layer(REGION, "gemeenten")
    assert gemeenten[["code", "naam", "indeling", "provincie"]].to_numpy().tolist() == [
        ["GM1680", "Aa en Hunze", "2023", "Drenthe"]]
    indeling = built.read_layer(REGION, "gemeente_indeling").set_index(["code_oud",
                                                                         "indeling_oud"])
    # Purmerend and Beemster merged in 2022 (GM0439); Beemster's 2020 code maps onto it
    assert indeling.loc[("GM0370", "2020"), "code"] == "GM0439"
    assert indeling.loc[("GM0370", "2020"), "naam"] == "Purmerend"
    assert indeling.loc[("GM1680", "2020"), "code"] == "GM1680"
    assert (indeling["aandeel"].between(0, 1)).all()
    assert set(indeling["indeling"]) == {"2023"}


def test_national_2020_18plus_eenzaam_is_47_percent(built: Store) -> None:
    table = built.read_layer(REGION, "eenzaamheid")
    nl = table[(table["regiocode"] == "NL01") & (table["jaar"] == 2020)
               & (table["leeftijd"] == "18+")]
    assert nl["eenzaam_pct"].tolist() == [47.0]
    assert nl["gemeentecode"].isna().all()


@pytest.mark.parametrize(("period", "year", "age", "label"),
                         [("2020JJ00", 2020, "20300", "18+"), ("2016JJ00", 2016, "80200", "65+")])
def test_aa_en_hunze_buurt_values_match_the_published_table(
    built: Store, shared_data: Path, period: str, year: int, age: str, label: str
) -> None:
    expected = _source_rows(shared_data, "BU1680", period, age)
    assert len(expected) == 54
    table = built.read_layer(REGION, "eenzaamheid")
    rows = table[(table["jaar"] == year) & (table["leeftijd"] == label)
                 & table["regiocode"].str.startswith("BU")].set_index("regiocode")
    assert set(rows.index) == set(expected)
    assert (rows["gemeentecode"] == "GM1680").all()
    for code, source in expected.items():
        for column, key in [("eenzaam_pct", "Eenzaam_28"),
                            ("ernstig_eenzaam_pct", "ErnstigZeerErnstigEenzaam_29"),
                            ("sociaal_eenzaam_pct", "SociaalEenzaam_31")]:
            value = rows.loc[code, column]
            if source[key] == "":
                assert pd.isna(value), (code, column)
            else:
                assert value == pytest.approx(float(source[key])), (code, column)


def test_aa_en_hunze_buurten_kernen_and_venues(built: Store) -> None:
    buurten = built.read_layer(REGION, "buurten")
    assert len(buurten) == 54
    assert buurten["code"].str.startswith("BU1680").all()
    assert (buurten["gemeentecode"] == "GM1680").all()
    assert (buurten["gemeentecode_bron"] == "GM1680").all()
    assert buurten.crs.to_epsg() == 28992
    kernen = built.read_layer(REGION, "kernen")
    names = set(kernen["naam"])
    assert {"Gieten", "Annen", "Rolde", "Schipborg", "Grolloo"} <= names
    assert (kernen["gemeentecode"] == "GM1680").all()
    assert kernen["buurtcode"].str.startswith("BU1680").mean() > 0.95
    assert kernen["kern_id"].is_unique
    venues = built.read_layer(REGION, "venues")
    schipborg = venues[venues["naam"] == "Dorpshuis Schipborg"]
    assert len(schipborg) == 1
    assert schipborg["soort"].iloc[0] == "dorpshuis"
    assert bool(schipborg["ontmoetingsplek"].iloc[0])
    assert "2023" in schipborg["source"].iloc[0]
    assert schipborg["gemeentecode"].tolist() == ["GM1680"]


def test_places_of_neighbouring_gemeenten_are_stored_but_not_far_ones(built: Store) -> None:
    """A kern near the border must find the place across it: neighbours within 10 km count."""
    codes = set(built.read_layer(REGION, "venues")["gemeentecode"])
    assert {"GM1680", "GM0106", "GM1730", "GM0014"} <= codes  # Assen, Tynaarlo, Groningen
    assert not codes & {"GM0308", "GM0363", "GM0935"}  # Baarn, Amsterdam, Maastricht
    assert set(built.manifest(REGION).gemeenten) == {"GM1680"}


def test_baarn_has_pdok_2024_buurten_and_dorpshuis_de_furs(baarn: Store) -> None:
    buurten = baarn.read_layer(REGION, "buurten")
    assert len(buurten) == 21
    assert set(buurten["indeling"]) == {"2024"}
    assert buurten["inwoners"].notna().any()
    venues = baarn.read_layer(REGION, "venues")
    furs = venues[venues["naam"] == "Dorpshuis de Furs"]
    assert furs["soort"].tolist() == ["dorpshuis"]
    table = baarn.read_layer(REGION, "eenzaamheid")
    assert table["regiocode"].str.startswith("BU0308").sum() > 0
    assert baarn.read_layer(REGION, "gemeenten")["provincie"].tolist() == ["Utrecht"]


def _by_key(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.sort_values(keys).reset_index(drop=True)


def test_refreshing_one_gemeente_keeps_every_other_gemeente(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, shared_data: Path
) -> None:
    """Drenthe's 12 gemeenten are stored; a refresh of Aa en Hunze leaves the other 11 alone."""
    root = tmp_path / "kern_data"
    shutil.copytree(demo_region_store(tmp_path_factory, "drenthe"), root)
    store = Store(root)
    layers = {"gemeenten": ("code", ["code"]), "kernen": ("gemeentecode", ["kern_id"]),
              "buurten": ("gemeentecode", ["code"]),
              "eenzaamheid": ("gemeentecode", ["regiocode", "jaar", "leeftijd"])}
    before = {layer: store.read_layer(REGION, layer) for layer in layers}
    report = import_folder(shared_data, [REFRESHED.lower()], store=store)
    assert report.ok, report.summary()
    assert "alleen 1 gemeente(n) bijgewerkt" in report.summary()
    assert list(store.manifest(REGION).gemeenten) == sorted(DRENTHE)
    for layer, (column, keys) in layers.items():
        after = store.read_layer(REGION, layer)
        assert set(after[column].dropna()) == set(before[layer][column].dropna()), layer
        old = _by_key(before[layer][before[layer][column].isin(OTHERS)], keys)
        new = _by_key(after[after[column].isin(OTHERS)], keys)
        assert len(new) > 0, layer
        if layer == "eenzaamheid":
            pd.testing.assert_frame_equal(new, old)
        else:
            assert_geodataframe_equal(new, old)
        refreshed = after[after[column] == REFRESHED]
        assert len(refreshed) == (before[layer][column] == REFRESHED).sum() > 0, layer
    eenzaamheid = store.read_layer(REGION, "eenzaamheid")
    assert (eenzaamheid["regiocode"] == "NL01").sum() == 6, "the national rows once each"
    kernen = store.read_layer(REGION, "kernen")
    assert kernen["kern_id"].is_unique


def test_unknown_gemeente_code_is_rejected_and_store_untouched(
    writable: Store, shared_data: Path
) -> None:
    before = writable.manifest(REGION)
    with pytest.raises(UnknownRegionError, match="GM1689 is geen gemeente") as caught:
        import_folder(shared_data, ["GM1689"], store=writable)
    assert caught.value.user_message.startswith("bestanden: ")
    assert "Controleer de code" in caught.value.user_message, "no look-alike codes suggested"
    with pytest.raises(UnknownRegionError, match="GM1680"):
        check_gemeenten(["Aa en Hunze"])
    assert writable.manifest(REGION) == before


def test_broken_file_fails_one_layer_and_keeps_its_last_good_version(
    writable: Store, shared_data: Path, tmp_path: Path
) -> None:
    built = writable
    folder = tmp_path / "downloads"
    folder.mkdir()
    for name in ["wof_cbs_buurten_2016_aa_en_hunze_fullres.geojson",
                 "pdok_wijkenbuurten_2023_gemeenten_simplified.geojson", TWO_DIVISIONS,
                 "geonames_nl_populated_places_2024.csv"]:
        shutil.copy(shared_data / name, folder / name)
    shutil.copy(shared_data / "fixtures" / "stembureaus_aa_en_hunze_2023.csv", folder)
    (folder / "rivm_50090NED_kapot.csv").write_text(
        "ID,Leeftijd,Marges,WijkenEnBuurten,Perioden,Eenzaam_28\n1,20300,MW00000,NL01,2020JJ",
        encoding="utf-8",
    )
    old = built.manifest(REGION).layers["eenzaamheid"]
    old_rows = built.read_layer(REGION, "eenzaamheid")
    report = import_folder(folder, ["GM1680"], store=built)
    assert "eenzaamheid" in report.failed
    assert "eenzaamheid" in report.kept
    assert "vorige versie blijft in gebruik" in report.summary()
    manifest = built.manifest(REGION)
    assert manifest.layers["eenzaamheid"] == old
    pd.testing.assert_frame_equal(built.read_layer(REGION, "eenzaamheid"), old_rows)
    assert manifest.layers["kernen"].source.endswith("geonames_nl_populated_places_2024.csv")


def test_a_folder_with_one_gemeente_division_is_imported(
    shared_data: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    shutil.copy(shared_data / "pdok_wijkenbuurten_2023_gemeenten_simplified.geojson", folder)
    shutil.copy(shared_data / "fixtures" / "pdok_wijkenbuurten_2024_buurten_baarn.geojson",
                folder)
    store = Store(tmp_path / "store")
    report = import_folder(folder, ["GM0308"], store=store)
    assert report.written["buurten"] == 21
    assert "gemeente_indeling" not in store.manifest(REGION).layers


def test_empty_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SourceFormatError, match="geen herkende bronbestanden"):
        import_folder(tmp_path, ["GM1680"], store=Store(tmp_path / "store"))


def test_cli_import_and_list(shared_data: Path, tmp_path: Path, capsys) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    shutil.copy(shared_data / "pdok_wijkenbuurten_2023_gemeenten_simplified.geojson", folder)
    shutil.copy(shared_data / TWO_DIVISIONS, folder)
    shutil.copy(shared_data / "fixtures" / "pdok_wijkenbuurten_2024_buurten_baarn.geojson",
                folder)
    data = tmp_path / "store"
    code = cli_main(["--data", str(data), "import", "--from", str(folder), "--gemeente", "GM0308"])
    out = capsys.readouterr()
    assert "buurten: 21 rijen opgeslagen" in out.out
    assert code == 1  # no loneliness table, no kernen and no places in this folder
    assert "✗" in out.out
    assert cli_main(["--data", str(data), "list"]) == 0
    listed = capsys.readouterr().out
    assert listed.startswith(f"{NATIONAL_NAME}: 1 gemeenten")
    assert "buurten: 21 rijen" in listed
    assert cli_main(["--data", str(data), "list", "--quiet"]) == 0
    assert capsys.readouterr().out.split() == [REGION]
    # once gemeenten are stored, --gebied takes a name
    assert cli_main(["--data", str(data), "import", "--from", str(folder),
                     "--gebied", "baarn"]) == 1
    assert "buurten: 21 rijen opgeslagen" in capsys.readouterr().out
    assert list(Store(data).manifest(REGION).gemeenten) == ["GM0308"]


def test_cli_area_options_exclude_each_other(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as caught:
        cli_main(["--data", str(tmp_path), "import", "--from", str(tmp_path), "--nl",
                  "--gemeente", "GM1680"])
    assert caught.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli_main(["--data", str(tmp_path), "import", "--from", str(tmp_path),
                  "--regio", "baarn"])


def test_cli_gebied_name_on_an_empty_store(shared_data: Path, tmp_path: Path, capsys) -> None:
    """A first import finds a name in the folder's gemeenten; other commands need a store."""
    folder = tmp_path / "downloads"
    folder.mkdir()
    shutil.copy(shared_data / "pdok_wijkenbuurten_2023_gemeenten_simplified.geojson", folder)
    shutil.copy(shared_data / TWO_DIVISIONS, folder)
    data = tmp_path / "store"
    assert cli_main(["--data", str(data), "import", "--from", str(folder),
                     "--gebied", "Barn"]) == 2
    err = capsys.readouterr().err
    assert "‘Barn’ is geen gemeente of provincie. Bedoelt u Baarn (GM0308)" in err
    assert "niets gewijzigd" in err
    assert cli_main(["--data", str(data), "network", "--gebied", "Baarn"]) == 2
    assert "Importeer eerst Nederland met --nl" in capsys.readouterr().err
    assert Store(data).regions() == []


def test_cli_reports_bad_code_in_dutch(tmp_path: Path, capsys) -> None:
    assert cli_main(["--data", str(tmp_path), "import", "--from", str(tmp_path),
                     "--gemeente", "onzin"]) == 2
    err = capsys.readouterr().err
    assert "geen gemeentecode" in err
    assert "niets gewijzigd" in err


def test_statline_kerncijfers_export_fills_buurt_figures(shared_data: Path, tmp_path: Path) -> None:
    """A ';'-separated StatLine export (file name carries the table id) fills inwoners/65+."""
    import json

    baarn = json.loads((shared_data / "fixtures" / "pdok_wijkenbuurten_2024_buurten_baarn.geojson")
                       .read_text(encoding="utf-8"))
    lines = [('"ID";"WijkenEnBuurten";"AantalInwoners_5";"k_65JaarOfOuder_12";'
              '"Eenpersoonshuishoudens_29";"HuishoudensTotaal_28";"MateVanStedelijkheid_117"')]
    expected = {}
    for i, feature in enumerate(baarn["features"]):
        props = feature["properties"]
        inwoners, pct = props["aantal_inwoners"], props["percentage_personen_65_jaar_en_ouder"]
        count = round(inwoners * pct / 100) if inwoners >= 0 and pct >= 0 else "."
        expected[props["buurtcode"]] = (inwoners if inwoners >= 0 else None, count)
        lines.append(f'{i};"{props["buurtcode"]:<10}";{inwoners if inwoners >= 0 else "."};'
                     f'{count};.;.;{props["stedelijkheid_adressen_per_km2"]}')
        for key in list(props):
            if key not in {"buurtcode", "buurtnaam", "wijkcode", "gemeentecode", "water", "jaar"}:
                del props[key]
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / "buurten_baarn.geojson").write_text(json.dumps(baarn), encoding="utf-8")
    (folder / "85984NED_kerncijfers_baarn.csv").write_text("\ufeff" + "\n".join(lines) + "\n",
                                                          encoding="utf-8")
    store = Store(tmp_path / "store")
    shutil.copy(shared_data / "pdok_wijkenbuurten_2023_gemeenten_simplified.geojson", folder)
    shutil.copy(shared_data / TWO_DIVISIONS, folder)
    report = import_folder(folder, ["GM0308"], store=store)
    assert report.written["buurten"] == 21
    buurten = store.read_layer(REGION, "buurten").set_index("code")
    assert (buurten["gemeentecode"] == "GM0308").all()
    for code, (inwoners, count) in expected.items():
        if inwoners is None:
            assert pd.isna(buurten.loc[code, "inwoners"])
        else:
            assert buurten.loc[code, "inwoners"] == inwoners
        if count != ".":
            assert buurten.loc[code, "inwoners_65plus"] == count
    assert "CBS" in store.manifest(REGION).layers["buurten"].attribution


def test_odata_json_exports_of_rivm_are_imported(shared_data: Path, tmp_path: Path) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    for name in ["rivm_50090NED_UntypedDataSet_GM1680_2020_18plus.json"]:
        shutil.copy(shared_data / "fixtures" / name, folder / name)
    shutil.copy(shared_data / "wof_cbs_buurten_2016_aa_en_hunze_fullres.geojson", folder)
    shutil.copy(shared_data / "cbs_gemeenten_2020_kerncijfers.geojson", folder)
    shutil.copy(shared_data / TWO_DIVISIONS, folder)
    store = Store(tmp_path / "store")
    import_folder(folder, ["GM1680"], store=store)
    table = store.read_layer(REGION, "eenzaamheid")
    expected = _source_rows(shared_data, "BU1680", "2020JJ00", "20300")
    got = table[table["regiocode"].str.startswith("BU")].set_index("regiocode")["eenzaam_pct"]
    assert len(got) == 54
    assert (table.loc[table["regiocode"].str.startswith("BU"), "gemeentecode"] == "GM1680").all()
    for code, row in expected.items():
        if row["Eenzaam_28"]:
            assert got[code] == pytest.approx(float(row["Eenzaam_28"]))
