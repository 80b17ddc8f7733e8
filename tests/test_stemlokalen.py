"""Tests for loaders.stemlokalen and the classification rules in loaders.venue_rules."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal
from pyproj import Transformer

from loaders.errors import SourceFormatError, UnknownRegionError
from loaders.schema import CRS, VENUE_COLUMNS
from loaders.stemlokalen import read_stemlokalen, stemlokalen_report
from loaders.venue_rules import VENUE_RULES, classify_name, rules_table

TO_RD = Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
AA_EN_HUNZE_X = (230000, 260000)
AA_EN_HUNZE_Y = (540000, 570000)


def _rows(path: Path) -> list[dict[str, str]]:
    """The file's rows read with the csv module, independent of the loader."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def aa_2018(shared_data: Path) -> Path:
    return shared_data / "fixtures" / "stembureaus_aa_en_hunze_2018.csv"


@pytest.fixture
def aa_2023(shared_data: Path) -> Path:
    return shared_data / "fixtures" / "stembureaus_aa_en_hunze_2023.csv"


@pytest.fixture
def nl_2023(shared_data: Path) -> Path:
    return shared_data / "stembureaus_nl_2023.csv"


# --- real files ------------------------------------------------------------------------------


def test_2018_aa_en_hunze(aa_2018: Path) -> None:
    venues = read_stemlokalen(aa_2018)
    rows = _rows(aa_2018)
    assert tuple(venues.columns) == VENUE_COLUMNS
    assert venues.crs == CRS
    assert len(venues) == len(rows) == 22
    schipborg = venues.set_index("naam").loc["Dorpshuis Schipborg"]
    assert (schipborg["soort"], bool(schipborg["ontmoetingsplek"])) == ("dorpshuis", True)
    assert schipborg["venue_id"] == "stemlokaal:GR2018:376"
    assert schipborg["source_id"] == (
        "id 376, UUID 606a05e0a2d84229836645f6e7955389, BAG 1680200000005921"
    )
    assert (schipborg["adres"], schipborg["plaats"]) == ("Borgweg 15", "Schipborg")
    assert set(venues["gemeentecode"]) == {"GM1680"}
    assert set(venues["source"]) == {"Stemlokaal GR2018"}
    assert set(venues["peildatum"]) == {"2018-03-21"}


def test_2018_coordinates_come_from_latlon(aa_2018: Path) -> None:
    venues = read_stemlokalen(aa_2018).set_index("venue_id")
    for row in _rows(aa_2018):
        assert row["X"] == ""
        assert row["Y"] == ""
        x, y = TO_RD.transform(float(row["Longitude"]), float(row["Latitude"]))
        point = venues.loc[f"stemlokaal:GR2018:{row['_id']}", "geometry"]
        assert point.x == pytest.approx(x, abs=1e-6)
        assert point.y == pytest.approx(y, abs=1e-6)
    assert venues.geometry.x.between(*AA_EN_HUNZE_X).all()
    assert venues.geometry.y.between(*AA_EN_HUNZE_Y).all()


def test_2023_uses_rd_xy_which_agree_with_latlon(aa_2023: Path) -> None:
    venues = read_stemlokalen(aa_2023).set_index("venue_id")
    assert len(venues) == 23
    for row in _rows(aa_2023):
        point = venues.loc[f"stemlokaal:TK2023:{row['id']}", "geometry"]
        assert (point.x, point.y) == (float(row["X"]), float(row["Y"]))
        x, y = TO_RD.transform(float(row["Longitude"]), float(row["Latitude"]))
        assert abs(point.x - x) < 0.05
        assert abs(point.y - y) < 0.05
    assert venues.geometry.x.between(*AA_EN_HUNZE_X).all()
    assert venues.geometry.y.between(*AA_EN_HUNZE_Y).all()
    assert set(venues["source"]) == {"Stemlokaal TK2023"}
    assert set(venues["peildatum"]) == {"2023-11-22"}
    anloo = venues.loc["stemlokaal:TK2023:26953"]
    assert (anloo["naam"], anloo["soort"], bool(anloo["ontmoetingsplek"])) == (
        "Dorpshuis Anloo",
        "dorpshuis",
        True,
    )


def test_nationwide_filtered_to_aa_en_hunze_and_baarn(nl_2023: Path, aa_2023: Path) -> None:
    venues = read_stemlokalen(nl_2023, gemeenten=["GM1680", "0308"])
    expected = [r for r in _rows(nl_2023) if r["CBS gemeentecode"] in {"GM1680", "GM0308"}]
    assert len(venues) == len(expected) == 34
    assert venues["gemeentecode"].value_counts().to_dict() == {"GM1680": 23, "GM0308": 11}
    # The Aa en Hunze fixture is a subset of the nationwide file: same layer.
    assert_geodataframe_equal(
        venues[venues["gemeentecode"] == "GM1680"].reset_index(drop=True),
        read_stemlokalen(aa_2023),
    )
    baarn = venues[venues["gemeentecode"] == "GM0308"].set_index("naam")
    assert baarn.loc["Dorpshuis de Furs", "soort"] == "dorpshuis"
    assert baarn.loc["Maria Koningin Kerk", "soort"] == "kerkgebouw"
    assert bool(baarn.loc["Maria Koningin Kerk", "ontmoetingsplek"])
    assert baarn.loc["De Speeldoos", "soort"] == "bijeenkomstgebouw"
    assert not baarn.loc["Gemeentehuis Baarn (Stationsweg)", "ontmoetingsplek"]
    # Type stembureau = mobiel, though the name does not say so.
    assert baarn.loc["NS Station (pleinzijde)", "soort"] == "mobiel"
    assert not baarn.loc["NS Station (pleinzijde)", "ontmoetingsplek"]


def test_report_lists_rows_without_coordinates(nl_2023: Path) -> None:
    report = stemlokalen_report(nl_2023, gemeenten=["GM0512"])
    venues = read_stemlokalen(nl_2023, gemeenten=["GM0512"])
    skipped = report[report["status"] == "overgeslagen"]
    assert set(skipped["naam"]) == {"Verpleeghuis Het Gasthuis", "Woonzorgcentrum De Schutse"}
    assert skipped["toelichting"].str.startswith("Geen coördinaten").all()
    assert skipped["venue_id"].isna().all()
    assert len(venues) == (report["status"] == "opgenomen").sum() == len(report) - 2
    assert not set(skipped["naam"]) & set(venues["naam"])
    # rij is the data row in the file: row 9110 is id 40007.
    assert report.set_index("naam").loc["Verpleeghuis Het Gasthuis", "rij"] == 9110
    assert _rows(nl_2023)[9110 - 1]["id"] == "40007"


def test_caribbean_rows_are_outside_rd(nl_2023: Path) -> None:
    report = stemlokalen_report(nl_2023, gemeenten=["GM9001"])
    assert len(report) == 6
    assert (report["status"] == "overgeslagen").all()
    assert report["toelichting"].str.contains("buiten Europees Nederland").all()
    assert read_stemlokalen(nl_2023, gemeenten=["GM9001"]).empty


def test_same_name_within_25_m_is_merged(shared_data: Path) -> None:
    path = shared_data / "stembureaus_nl_2018.csv"
    venues = read_stemlokalen(path, gemeenten=["GM0202"])
    report = stemlokalen_report(path, gemeenten=["GM0202"])
    elderveld = venues[venues["naam"] == "Wijkcentrum Elderveld"]
    assert len(elderveld) == 1
    assert elderveld.iloc[0]["venue_id"] == "stemlokaal:GR2018:2667"
    assert elderveld.iloc[0]["source_id"] == (
        "id 2667, UUID 2070d098eaf94beba51ba3316c0902fa, BAG 0202200000429529; "
        "id 2668, UUID 710cab8485a1403eb17deed6f179c04e, BAG 0202200000429529"
    )
    merged = report[report["status"] == "samengevoegd"]
    assert list(merged["naam"]) == ["Wijkcentrum Elderveld"]
    assert merged.iloc[0]["venue_id"] == "stemlokaal:GR2018:2667"
    # Two schools of the same name about 900 m apart stay two locations.
    assert (venues["naam"] == "Basisschool Het Mozaïek").sum() == 2
    assert len(venues) == len(report) - 1


def test_unknown_gemeente(aa_2023: Path) -> None:
    with pytest.raises(UnknownRegionError, match="GM9999"):
        read_stemlokalen(aa_2023, gemeenten=["GM9999"])


def test_derived_columns_are_ignored(aa_2023: Path, tmp_path: Path) -> None:
    frame = pd.read_csv(aa_2023, dtype=str, keep_default_na=False)
    frame["derived_venue_type"] = "school"
    changed = tmp_path / "derived.csv"
    frame.to_csv(changed, index=False)
    assert_geodataframe_equal(read_stemlokalen(changed), read_stemlokalen(aa_2023))


# --- file formats ----------------------------------------------------------------------------


def test_semicolon_csv_with_bom_and_decimal_commas(aa_2023: Path, tmp_path: Path) -> None:
    frame = pd.read_csv(aa_2023, dtype=str, keep_default_na=False)
    for column in ("X", "Y", "Latitude", "Longitude"):
        frame[column] = frame[column].str.replace(".", ",", regex=False)
    dutch = tmp_path / "stembureaus_excel.csv"
    frame.to_csv(dutch, sep=";", index=False, encoding="utf-8-sig")
    assert dutch.read_bytes().startswith(b"\xef\xbb\xbfid;Gemeente;")
    assert_geodataframe_equal(read_stemlokalen(dutch), read_stemlokalen(aa_2023))


def test_windows_1252_csv(aa_2018: Path, tmp_path: Path) -> None:
    text = aa_2018.read_text(encoding="utf-8")
    assert "Dorpshuis ’t Achterhoes" in text
    legacy = tmp_path / "stembureaus_cp1252.csv"
    legacy.write_bytes(text.encode("cp1252"))
    venues = read_stemlokalen(legacy)
    assert "Dorpshuis ’t Achterhoes" in set(venues["naam"])
    assert_geodataframe_equal(venues, read_stemlokalen(aa_2018))


def _write_xlsx(rows: list[dict[str, str]], path: Path) -> None:
    """Real rows as a workbook with numbers as numbers and opening times as datetimes.

    Two trailing columns with a blank header, as spreadsheets often have, are added.
    """
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append([*rows[0], " ", " "])
    numeric = {"id", "Huisnummer", "X", "Y", "Latitude", "Longitude"}
    for row in rows:
        cells = [
            datetime.fromisoformat(value)
            if key in {"Openingstijd", "Sluitingstijd"}
            else float(value) if key in numeric and value[:1].isdigit() else value
            for key, value in row.items()
        ]
        sheet.append([*cells, "opmerking", "nog een"])
    workbook.save(path)


def test_xlsx_gives_same_layer_as_csv(aa_2023: Path, tmp_path: Path) -> None:
    path = tmp_path / "stembureaus.xlsx"
    _write_xlsx(_rows(aa_2023), path)
    assert_geodataframe_equal(read_stemlokalen(path), read_stemlokalen(aa_2023))


def test_xlsx_formulas_are_kept_as_text_never_evaluated(aa_2023: Path, tmp_path: Path) -> None:
    rows = _rows(aa_2023)[:3]
    rows[0]["Naam stembureau"] = '=HYPERLINK("http://example.invalid/x","Dorpshuis")'
    rows[1]["Naam stembureau"] = "=1+1"
    rows[2]["X"] = "=200000+40000"
    path = tmp_path / "formules.xlsx"
    _write_xlsx(rows, path)
    stored = openpyxl.load_workbook(path).active
    assert [stored.cell(row=r, column=4).data_type for r in (2, 3)] == ["f", "f"]
    venues = read_stemlokalen(path).set_index("venue_id")
    first = venues.loc[f"stemlokaal:TK2023:{rows[0]['id']}"]
    assert first["naam"] == '=HYPERLINK("http://example.invalid/x","Dorpshuis")'
    assert venues.loc[f"stemlokaal:TK2023:{rows[1]['id']}", "naam"] == "=1+1"
    assert "2" not in set(venues["naam"])
    # The formula in X is not a number: the point comes from lat/lon instead.
    third = venues.loc[f"stemlokaal:TK2023:{rows[2]['id']}", "geometry"]
    x, _ = TO_RD.transform(float(rows[2]["Longitude"]), float(rows[2]["Latitude"]))
    assert third.x == pytest.approx(x, abs=1e-6)


def test_names_with_markup_stay_plain_strings(aa_2023: Path, tmp_path: Path) -> None:
    frame = pd.read_csv(aa_2023, dtype=str, keep_default_na=False).head(2)
    frame.loc[0, "Naam stembureau"] = "<script>alert(1)</script>"
    path = tmp_path / "markup.csv"
    frame.to_csv(path, index=False)
    venues = read_stemlokalen(path)
    assert venues.loc[0, "naam"] == "<script>alert(1)</script>"
    assert isinstance(venues.loc[0, "naam"], str)


def test_missing_name_column_is_dutch_format_error(aa_2023: Path, tmp_path: Path) -> None:
    frame = pd.read_csv(aa_2023, dtype=str, keep_default_na=False)
    path = tmp_path / "zonder_naam.csv"
    frame.drop(columns=["Naam stembureau"]).to_csv(path, index=False)
    with pytest.raises(SourceFormatError) as info:
        read_stemlokalen(path)
    message = info.value.user_message
    assert "zonder_naam.csv" in message
    assert "'Naam stembureau' ontbreekt" in message


def test_missing_coordinate_columns(aa_2023: Path, tmp_path: Path) -> None:
    frame = pd.read_csv(aa_2023, dtype=str, keep_default_na=False)
    path = tmp_path / "zonder_coordinaten.csv"
    frame.drop(columns=["X", "Latitude"]).to_csv(path, index=False)
    with pytest.raises(SourceFormatError, match="geen coördinaatkolommen"):
        read_stemlokalen(path)


def test_old_xls_and_empty_files_are_rejected(tmp_path: Path) -> None:
    xls = tmp_path / "oud.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64)
    with pytest.raises(SourceFormatError, match=r"\.xls"):
        read_stemlokalen(xls)
    undecodable = tmp_path / "onleesbaar.csv"
    undecodable.write_bytes(b"Naam stembureau,X,Y\n\x81\x8d,1,2\n")
    with pytest.raises(SourceFormatError, match="onbekende tekencodering"):
        read_stemlokalen(undecodable)
    empty = tmp_path / "leeg.csv"
    empty.write_bytes(b"")
    with pytest.raises(SourceFormatError, match="geen leesbaar CSV-bestand"):
        read_stemlokalen(empty)
    with pytest.raises(SourceFormatError, match="kan niet worden gelezen"):
        read_stemlokalen(tmp_path / "bestaat_niet.csv")


# --- election date ---------------------------------------------------------------------------


def test_election_parameter(aa_2023: Path, tmp_path: Path) -> None:
    frame = pd.read_csv(aa_2023, dtype=str, keep_default_na=False)
    path = tmp_path / "zonder_datum.csv"
    frame.drop(columns=["Openingstijd", "Sluitingstijd"]).to_csv(path, index=False)
    with pytest.raises(SourceFormatError, match="geen verkiezingsdatum"):
        read_stemlokalen(path)
    by_label = read_stemlokalen(path, election="tk2023")
    assert set(by_label["peildatum"]) == {"2023-11-22"}
    assert set(by_label["source"]) == {"Stemlokaal TK2023"}
    by_day = read_stemlokalen(path, election="2023-03-15")
    assert set(by_day["source"]) == {"Stemlokaal PS2023"}
    assert read_stemlokalen(path, election="2025-01-01")["source"].iloc[0] == (
        "Stemlokaal 2025-01-01"
    )
    with pytest.raises(ValueError, match="onbekende verkiezing"):
        read_stemlokalen(path, election="verkiezing van vorig jaar")


# --- classification rules --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("naam", "gebruiksdoel", "soort", "counts"),
    [
        ("Dorpshuis Schipborg", "woonfunctie, bijeenkomstfunctie", "dorpshuis", True),
        ("Doarpshûs De Mienskip", None, "dorpshuis", True),
        ("Mienskipshûs Us Gebou", None, "dorpshuis", True),
        ("DORPSHUIS ANLOO", "onderwijsfunctie", "dorpshuis", True),
        ("Gemeenschapshuis De Spiker", "sportfunctie", "dorpshuis", True),
        ("Kulturhus Oene", None, "mfa", True),
        ("MFC De Spil Gasselternijveen", "bijeenkomstfunctie", "mfa", True),
        ("Ontmoetingscentrum de Boerhoorn", "bijeenkomstfunctie", "buurthuis", True),
        ("Wijkcentrum Elderveld", None, "buurthuis", True),
        ("Cultureel centrum Fidei et Arti", "winkelfunctie", "buurthuis", True),
        ("Sociaal Cultureel Centrum de Boskern", None, "buurthuis", True),
        ("Huiskamer van Heteren", None, "buurthuis", True),
        ("Wijksteunpunt Dignahof", None, "buurthuis", True),
        ("Trefcentrum Kelpen-Oler", None, "buurthuis", True),
        ("Verenigingszaal Lakerhoes", None, "buurthuis", True),
        ("Spilcentrum De Boog", None, "mfa", True),
        ("Islamitisch Cultureel Centrum Alexander", None, "kerkgebouw", False),
        ("Islamitisch Cultureel Centrum Alexander", "bijeenkomstfunctie", "kerkgebouw", True),
        ("Activiteitencentrum SGL", None, "overig", False),
        ("v.v. VEVO", None, "sportkantine", True),
        ("SV Dunas", None, "sportkantine", True),
        ("Sporthal De Swaneburg Coevorden", "sportfunctie", "sporthal", False),
        ("Sporthal De Swaneburg Coevorden", "bijeenkomstfunctie,sportfunctie", "sporthal", True),
        ("Maria Koningin Kerk", "bijeenkomstfunctie", "kerkgebouw", True),
        ("Maria Koningin Kerk", None, "kerkgebouw", False),
        ("Café/Restaurant Eext", "woonfunctie, bijeenkomstfunctie", "horeca", True),
        ("Basisschool Ouderkerk", "bijeenkomstfunctie", "school", False),
        ("OBS Gieten", "onderwijsfunctie", "school", False),
        ("Zorgcentrum Dekelhem", "gezondheidszorgfunctie", "zorg", False),
        ("Raadszaal gemeentehuis Aa en Hunze", "bijeenkomstfunctie", "gemeentehuis", False),
        ("Mobiel stembureau (Dorpshuis Noorderhuukien)", None, "mobiel", False),
        ("Het Markehuis", "bijeenkomstfunctie", "bijeenkomstgebouw", True),
        ("Sherpa", "woonfunctie,gezondheidszorgfunctie", "overig", False),
        (None, None, "overig", False),
    ],
)
def test_classify_name(
    naam: str | None, gebruiksdoel: str | None, soort: str, *, counts: bool
) -> None:
    result = classify_name(naam, gebruiksdoel)
    assert result[:2] == (soort, counts)
    assert result[2].endswith(".")


def test_classify_name_reasons_are_dutch() -> None:
    assert classify_name("Dorpshuis Schipborg")[2] == (
        "Naam bevat 'dorpshuis' (Dorpshuis): telt als ontmoetingsplek."
    )
    assert "gebruiksdoel onbekend" in classify_name("Maria Koningin Kerk")[2]
    assert "bijeenkomstfunctie" in classify_name("Het Markehuis", "bijeenkomstfunctie")[2]


def test_rules_table() -> None:
    table = rules_table()
    assert list(table.columns) == [
        "Volgorde",
        "Soort",
        "Omschrijving",
        "Naampatroon",
        "Telt als ontmoetingsplek",
        "Uitleg",
    ]
    assert len(table) == len(VENUE_RULES) + 2
    assert list(table["Soort"].iloc[-2:]) == ["bijeenkomstgebouw", "overig"]
    telt = table.set_index("Soort")["Telt als ontmoetingsplek"]
    assert telt["dorpshuis"] == "ja"
    assert telt["school"] == "nee"
    assert telt["kerkgebouw"] == "alleen met gebruiksdoel bijeenkomstfunctie"
    assert {"dorpshuis", "mfa", "buurthuis", "sportkantine", "sporthal", "kerkgebouw", "horeca",
            "school", "zorg", "gemeentehuis", "mobiel", "overig"} <= set(table["Soort"])
