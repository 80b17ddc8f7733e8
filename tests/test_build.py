"""Integration: build Aa en Hunze and Baarn from the real files in ../shared/data."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest

from loaders.__main__ import main as cli_main
from loaders.build import check_gemeenten, import_folder
from loaders.errors import SourceFormatError, UnknownRegionError
from loaders.store import Store


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Store:
    from tests.conftest import SHARED_DATA

    store = Store(tmp_path_factory.mktemp("kern_data"))
    for region, codes in {"aa-en-hunze": ["GM1680"], "baarn": ["GM0308"]}.items():
        report = import_folder(SHARED_DATA, codes, region=region, store=store)
        assert report.ok, report.summary()
    return store


def _source_rows(shared: Path, prefix: str, period: str, age: str) -> dict[str, dict[str, str]]:
    with open(shared / "rivm_50090NED_gezondheid_wijk_buurt_2016_2020.csv", newline="") as f:
        return {
            r["WijkenEnBuurten"]: r
            for r in csv.DictReader(f)
            if r["WijkenEnBuurten"].startswith(prefix)
            and r["Perioden"] == period and r["Leeftijd"] == age
        }


def test_region_has_all_layers_with_sources(built: Store) -> None:
    manifest = built.manifest("aa-en-hunze")
    assert manifest["name"] == "Aa en Hunze"
    assert manifest["gemeenten"] == ["GM1680"]
    assert set(manifest["layers"]) == {"gemeenten", "buurten", "eenzaamheid", "kernen", "venues"}
    for entry in manifest["layers"].values():
        assert entry["rows"] > 0 and entry["source"] and entry["attribution"] and entry["fetched_at"]
    assert "RIVM" in manifest["layers"]["eenzaamheid"]["attribution"]
    assert manifest["layers"]["eenzaamheid"]["table_id"] == "50090NED"


def test_national_2020_18plus_eenzaam_is_47_percent(built: Store) -> None:
    table = built.read_layer("aa-en-hunze", "eenzaamheid")
    nl = table[(table["regiocode"] == "NL01") & (table["jaar"] == 2020)
               & (table["leeftijd"] == "18+")]
    assert nl["eenzaam_pct"].tolist() == [47.0]


@pytest.mark.parametrize(("period", "year", "age", "label"),
                         [("2020JJ00", 2020, "20300", "18+"), ("2016JJ00", 2016, "80200", "65+")])
def test_aa_en_hunze_buurt_values_match_the_published_table(
    built: Store, shared_data: Path, period: str, year: int, age: str, label: str
) -> None:
    expected = _source_rows(shared_data, "BU1680", period, age)
    assert len(expected) == 54
    table = built.read_layer("aa-en-hunze", "eenzaamheid")
    rows = table[(table["jaar"] == year) & (table["leeftijd"] == label)
                 & table["regiocode"].str.startswith("BU")].set_index("regiocode")
    assert set(rows.index) == set(expected)
    for code, source in expected.items():
        for column, key in [("eenzaam_pct", "Eenzaam_28"),
                            ("ernstig_eenzaam_pct", "ErnstigZeerErnstigEenzaam_29"),
                            ("sociaal_eenzaam_pct", "SociaalEenzaam_31")]:
            value = rows.at[code, column]
            if source[key] == "":
                assert pd.isna(value), (code, column)
            else:
                assert value == pytest.approx(float(source[key])), (code, column)


def test_aa_en_hunze_buurten_kernen_and_venues(built: Store) -> None:
    buurten = built.read_layer("aa-en-hunze", "buurten")
    assert len(buurten) == 54 and buurten["code"].str.startswith("BU1680").all()
    assert buurten.crs.to_epsg() == 28992
    kernen = built.read_layer("aa-en-hunze", "kernen")
    names = set(kernen["naam"])
    assert {"Gieten", "Annen", "Rolde", "Schipborg", "Grolloo"} <= names
    assert (kernen["gemeentecode"] == "GM1680").all()
    assert kernen["buurtcode"].str.startswith("BU1680").mean() > 0.95
    assert kernen["kern_id"].is_unique
    venues = built.read_layer("aa-en-hunze", "venues")
    schipborg = venues[venues["naam"] == "Dorpshuis Schipborg"]
    assert len(schipborg) == 1
    assert schipborg["soort"].iloc[0] == "dorpshuis" and bool(schipborg["ontmoetingsplek"].iloc[0])
    assert "2023" in schipborg["source"].iloc[0]


def test_baarn_has_pdok_2024_buurten_and_dorpshuis_de_furs(built: Store) -> None:
    buurten = built.read_layer("baarn", "buurten")
    assert len(buurten) == 21 and set(buurten["indeling"]) == {"2024"}
    assert buurten["inwoners"].notna().any()
    venues = built.read_layer("baarn", "venues")
    furs = venues[venues["naam"] == "Dorpshuis de Furs"]
    assert furs["soort"].tolist() == ["dorpshuis"]
    table = built.read_layer("baarn", "eenzaamheid")
    assert table["regiocode"].str.startswith("BU0308").sum() > 0


def test_unknown_gemeente_code_is_rejected_and_store_untouched(
    built: Store, shared_data: Path
) -> None:
    before = built.manifest("aa-en-hunze")
    with pytest.raises(UnknownRegionError):
        import_folder(shared_data, ["GM9999"], region="aa-en-hunze", store=built)
    with pytest.raises(UnknownRegionError, match="GM1680"):
        check_gemeenten(["Aa en Hunze"])
    assert built.manifest("aa-en-hunze") == before


def test_broken_file_fails_one_layer_and_keeps_its_last_good_version(
    built: Store, shared_data: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    for name in ["wof_cbs_buurten_2016_aa_en_hunze_fullres.geojson",
                 "pdok_wijkenbuurten_2023_gemeenten_simplified.geojson",
                 "geonames_nl_populated_places_2024.csv"]:
        shutil.copy(shared_data / name, folder / name)
    shutil.copy(shared_data / "fixtures" / "stembureaus_aa_en_hunze_2023.csv", folder)
    (folder / "rivm_50090NED_kapot.csv").write_text(
        "ID,Leeftijd,Marges,WijkenEnBuurten,Perioden,Eenzaam_28\n1,20300,MW00000,NL01,2020JJ", 
        encoding="utf-8",
    )
    old = built.manifest("aa-en-hunze")["layers"]["eenzaamheid"]
    report = import_folder(folder, ["GM1680"], region="aa-en-hunze", store=built)
    assert "eenzaamheid" in report.failed and "eenzaamheid" in report.kept
    assert "vorige versie blijft in gebruik" in report.summary()
    manifest = built.manifest("aa-en-hunze")
    assert manifest["layers"]["eenzaamheid"] == old
    assert manifest["layers"]["kernen"]["source"].endswith("geonames_nl_populated_places_2024.csv")


def test_empty_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SourceFormatError, match="geen herkende bronbestanden"):
        import_folder(tmp_path, ["GM1680"], store=Store(tmp_path / "store"))


def test_cli_import_and_list(shared_data: Path, tmp_path: Path, capsys) -> None:
    data = tmp_path / "store"
    code = cli_main(["--data", str(data), "import", "--from", str(shared_data / "fixtures"),
                     "--gemeente", "GM0308", "--regio", "baarn"])
    out = capsys.readouterr()
    assert "buurten: 21 rijen opgeslagen" in out.out
    assert code == 1  # the fixtures folder has no gemeente boundaries and no loneliness table
    assert "✗" in out.out
    assert cli_main(["--data", str(data), "list"]) == 0
    assert "baarn" in capsys.readouterr().out


def test_cli_reports_bad_code_in_dutch(tmp_path: Path, capsys) -> None:
    assert cli_main(["--data", str(tmp_path), "import", "--from", str(tmp_path),
                     "--gemeente", "onzin"]) == 2
    err = capsys.readouterr().err
    assert "geen gemeentecode" in err and "niets gewijzigd" in err


def test_statline_kerncijfers_export_fills_buurt_figures(shared_data: Path, tmp_path: Path) -> None:
    """A ';'-separated StatLine export (file name carries the table id) fills inwoners/65+."""
    import json

    baarn = json.loads((shared_data / "fixtures" / "pdok_wijkenbuurten_2024_buurten_baarn.geojson")
                       .read_text(encoding="utf-8"))
    lines = ['"ID";"WijkenEnBuurten";"AantalInwoners_5";"k_65JaarOfOuder_12";'
             '"Eenpersoonshuishoudens_29";"HuishoudensTotaal_28";"MateVanStedelijkheid_117"']
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
    report = import_folder(folder, ["GM0308"], region="baarn", store=store)
    assert report.written["buurten"] == 21
    buurten = store.read_layer("baarn", "buurten").set_index("code")
    for code, (inwoners, count) in expected.items():
        if inwoners is None:
            assert pd.isna(buurten.at[code, "inwoners"])
        else:
            assert buurten.at[code, "inwoners"] == inwoners
        if count != ".":
            assert buurten.at[code, "inwoners_65plus"] == count
    assert "CBS" in store.manifest("baarn")["layers"]["buurten"]["attribution"]


def test_odata_json_exports_of_rivm_are_imported(shared_data: Path, tmp_path: Path) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    for name in ["rivm_50090NED_UntypedDataSet_GM1680_2020_18plus.json"]:
        shutil.copy(shared_data / "fixtures" / name, folder / name)
    shutil.copy(shared_data / "wof_cbs_buurten_2016_aa_en_hunze_fullres.geojson", folder)
    shutil.copy(shared_data / "cbs_gemeenten_2020_kerncijfers.geojson", folder)
    store = Store(tmp_path / "store")
    import_folder(folder, ["GM1680"], region="r", store=store)
    table = store.read_layer("r", "eenzaamheid")
    expected = _source_rows(shared_data, "BU1680", "2020JJ00", "20300")
    got = table[table["regiocode"].str.startswith("BU")].set_index("regiocode")["eenzaam_pct"]
    assert len(got) == 54
    for code, row in expected.items():
        if row["Eenzaam_28"]:
            assert got[code] == pytest.approx(float(row["Eenzaam_28"]))
