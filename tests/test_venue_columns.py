"""Header matching of own venue lists, degree coordinates, and files that are not a table.

The header table holds the column names associations and gemeenten actually use (compounds,
synonyms, Dutch and English, with units and punctuation); each row gives the mapping expected.
Coordinates are the real ones of Dorpshuis Schipborg (Aa en Hunze polling-station fixture),
written the ways people copy them from maps and GPS devices.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pandas as pd
import pytest
from pyproj import Transformer

from loaders.errors import SourceFormatError
from loaders.schema import CRS
from loaders.tabular import NotATableError, parse_coordinates, read_table, sniff_not_a_table
from loaders.venue_columns import describe_columns, header_scores, match_columns
from loaders.venues import (
    AFGEWEZEN,
    GEACCEPTEERD,
    ColumnsError,
    parse_venue_file,
)

TO_RD = Transformer.from_crs("EPSG:4326", CRS, always_xy=True)

HEADER_CASES: list[tuple[list[str], dict[str, str]]] = [
    (["Naam accommodatie", "Adres", "Postcode", "Plaats"],
     {"naam": "Naam accommodatie", "adres": "Adres", "postcode": "Postcode",
      "plaats": "Plaats"}),
    (["Accommodatie", "Straat", "Huisnummer", "Woonplaats"],
     {"naam": "Accommodatie", "straat": "Straat", "huisnummer": "Huisnummer",
      "plaats": "Woonplaats"}),
    (["Locatie", "X-coördinaat", "Y"], {"naam": "Locatie", "x": "X-coördinaat", "y": "Y"}),
    (["Gebouw", "breedtegraad", "lengtegraad"],
     {"naam": "Gebouw", "lat": "breedtegraad", "lon": "lengtegraad"}),
    (["Naam locatie", "lat", "lon"], {"naam": "Naam locatie", "lat": "lat", "lon": "lon"}),
    (["NAAM_ACCOMMODATIE", "LATITUDE", "LONGITUDE"],
     {"naam": "NAAM_ACCOMMODATIE", "lat": "LATITUDE", "lon": "LONGITUDE"}),
    (["Accommodatienaam", "Straatnaam", "Huisnr.", "Toevoeging", "Postcode en plaats", "Soort"],
     {"naam": "Accommodatienaam", "soort": "Soort", "straat": "Straatnaam",
      "huisnummer": "Huisnr.", "toevoeging": "Toevoeging", "plaats": "Postcode en plaats"}),
    (["Naam contactpersoon", "E-mailadres", "Gebouwnaam", "Bezoekadres", "Type"],
     {"naam": "Gebouwnaam", "soort": "Type", "adres": "Bezoekadres"}),
    (["Functie", "Naam voorziening", "Straat + huisnummer", "Plaats",
      "Ontmoetingsplek (ja/nee)"],
     {"naam": "Naam voorziening", "soort": "Functie", "telt": "Ontmoetingsplek (ja/nee)",
      "adres": "Straat + huisnummer", "plaats": "Plaats"}),
    (["Plaats", "Adres", "Naam"], {"naam": "Naam", "adres": "Adres", "plaats": "Plaats"}),
    (["Naam", "Locatie", "latitude", "longitude"],
     {"naam": "Naam", "lat": "latitude", "lon": "longitude"}),
    (["Locatie", "Naam"], {"naam": "Naam"}),
    (["Omschrijving", "Adres", "Plaats"],
     {"naam": "Omschrijving", "adres": "Adres", "plaats": "Plaats"}),
    (["Titel", "Coördinaat X", "Coördinaat Y", "Gemeente code"],
     {"naam": "Titel", "gemeentecode": "Gemeente code", "x": "Coördinaat X",
      "y": "Coördinaat Y"}),
    (["Name", "Category", "Street", "House number", "Zip code", "City"],
     {"naam": "Name", "soort": "Category", "straat": "Street", "huisnummer": "House number",
      "postcode": "Zip code", "plaats": "City"}),
    (["Venue name", "Easting", "Northing"], {"naam": "Venue name", "x": "Easting",
                                             "y": "Northing"}),
    (["naam", "X (RD)", "Y (RD)", "Lat (WGS84)", "Lon (WGS84)"],
     {"naam": "naam", "x": "X (RD)", "y": "Y (RD)", "lat": "Lat (WGS84)",
      "lon": "Lon (WGS84)"}),
    (["Kernnaam", "Dorpshuis", "Huisnummer toevoeging"],
     {"naam": "Dorpshuis", "toevoeging": "Huisnummer toevoeging", "plaats": "Kernnaam"}),
    (["locatie_id", "x", "y"], {"x": "x", "y": "y"}),
    (["Telefoon", "Website", "Opmerkingen"], {}),
]


@pytest.mark.parametrize(("headers", "expected"), HEADER_CASES,
                         ids=[" | ".join(headers) for headers, _ in HEADER_CASES])
def test_header_variants(headers: list[str], expected: dict[str, str]) -> None:
    assert match_columns(headers) == expected


def test_person_and_contact_headers_are_never_matched_by_their_words() -> None:
    for header in ("Naam contactpersoon", "E-mailadres", "Achternaam", "Telefoonnummer",
                   "Naam beheerder", "Locatie ID"):
        assert header_scores(header) == {}, header
    assert set(header_scores("Straatnaam")) == {"straat"}
    assert set(header_scores("Straatnaam locatie")) == {"straat", "naam"}
    assert set(header_scores("Adres locatie")) == {"adres", "naam"}
    assert header_scores("Adres locatie")["adres"] > header_scores("Adres locatie")["naam"]


def test_describe_columns_names_field_and_column_in_field_order() -> None:
    assert describe_columns({"x": "X-coördinaat", "naam": "Naam accommodatie"}) == [
        "Kolom 'Naam accommodatie' gebruikt als naam",
        "Kolom 'X-coördinaat' gebruikt als x-coördinaat",
    ]


# --------------------------------------------------------------------------- coordinates

SCHIPBORG_LAT, SCHIPBORG_LON = 53.0781254, 6.6657035
"""Dorpshuis Schipborg (Borgweg 15), as the polling-station fixture gives it."""


def _dms(value: float, positive: str, negative: str) -> str:
    letter = positive if value >= 0 else negative
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = (value - degrees - minutes / 60) * 3600
    return f"{degrees}°{minutes}'{seconds:.4f}\"{letter}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6.647213°E", 6.647213), ("52.9 N", 52.9), ("52,9°N", 52.9), ("N 52.9", 52.9),
        ("6°38'50\"E", 6 + 38 / 60 + 50 / 3600), ("6° 38' 50\" O", 6 + 38 / 60 + 50 / 3600),
        ("6°38.5'E", 6 + 38.5 / 60), ("52.1 NB", 52.1), ("6,6 O.L.", 6.6), ("52°N", 52.0),
        ("52.9°S", -52.9), ("6.6 W", -6.6), ("6.5 Z", -6.5), ("-6.5°", -6.5),
        ("52,9", 52.9), ("239.658,99", 239658.99),
    ],
)
def test_parse_coordinates_reads_degrees_as_people_write_them(text: str, expected: float) -> None:
    assert parse_coordinates(pd.Series([text])).iloc[0] == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("text", ["abc", "6°61'0\"E", "N 52.9 N", "52 9 N 1", "6d38m", "°"])
def test_parse_coordinates_refuses_what_is_no_coordinate(text: str) -> None:
    assert pd.isna(parse_coordinates(pd.Series([text])).iloc[0])


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (f"{SCHIPBORG_LAT}°N", f"{SCHIPBORG_LON}°E"),
        (f"{SCHIPBORG_LAT} N", f"{SCHIPBORG_LON} E"),
        (f"{SCHIPBORG_LAT}°N".replace(".", ","), f"{SCHIPBORG_LON}°O".replace(".", ",")),
        (_dms(SCHIPBORG_LAT, "N", "S"), _dms(SCHIPBORG_LON, "E", "W")),
        (_dms(SCHIPBORG_LON, "E", "W"), _dms(SCHIPBORG_LAT, "N", "S")),
    ],
    ids=["degree-sign", "letter", "decimal-comma-oost", "dms", "dms-swapped"],
)
def test_degree_coordinates_place_the_venue(lat: str, lon: str) -> None:
    content = _csv([["Naam accommodatie", "Breedtegraad", "Lengtegraad"],
                    ["Dorpshuis Schipborg", lat, lon]])
    parsed = parse_venue_file(content, "graden.csv", geocode=False)
    assert parsed.report["status"].tolist() != [AFGEWEZEN], parsed.report.to_string()
    x, y = TO_RD.transform(SCHIPBORG_LON, SCHIPBORG_LAT)
    point = parsed.venues.geometry.iloc[0]
    assert (point.x, point.y) == (pytest.approx(x, abs=0.01), pytest.approx(y, abs=0.01))


def test_southern_or_western_coordinates_are_refused_with_the_reason() -> None:
    content = _csv([["naam", "lat", "lon"],
                    ["Dorpshuis Schipborg", f"{SCHIPBORG_LAT}°S", f"{SCHIPBORG_LON}°E"],
                    ["Dorpshuis Gieten", f"{SCHIPBORG_LAT}°N", f"{SCHIPBORG_LON}°W"],
                    ["Dorpshuis Rolde", f"{SCHIPBORG_LAT}°N", f"{SCHIPBORG_LON}°E"]])
    parsed = parse_venue_file(content, "halfrond.csv", geocode=False)
    report = parsed.report.set_index("naam")
    assert report["status"].tolist() == [AFGEWEZEN, AFGEWEZEN, GEACCEPTEERD]
    for name, shown in (("Dorpshuis Schipborg", "°S"), ("Dorpshuis Gieten", "°W")):
        text = report.loc[name, "toelichting"]
        assert "zuidelijk of westelijk halfrond" in text, text
        assert shown in text, text
    assert parsed.venues["naam"].tolist() == ["Dorpshuis Rolde"]


# --------------------------------------------------------------------------- not a table

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(200)
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04" + bytes(20)
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


NOT_TABLES = [
    ("foto.csv", PNG, "een afbeelding"),
    ("foto.csv", JPEG, "een afbeelding"),
    ("animatie.csv", GIF, "een afbeelding"),
    ("scan.csv", PDF, "een PDF"),
    ("lijst.csv", _zip({"lijst.csv": b"naam;x;y\n"}), "een zip-archief"),
    ("lijst.xlsx", _zip({"lijst.csv": b"naam;x;y\n"}), "een zip-archief"),
    ("brief.csv", _zip({"word/document.xml": b"<w:document/>"}), "een Word-document"),
    ("foto.geojson", PNG, "een afbeelding"),
    ("scan.gpkg", PDF, "een PDF"),
    ("pagina.csv", b"<!DOCTYPE html><html><body>Dorpshuis</body></html>", "een webpagina"),
    ("ruis.csv", bytes(range(256)) * 8, "een binair bestand"),
]


@pytest.mark.parametrize(("name", "content", "kind"), NOT_TABLES,
                         ids=[f"{kind} als {name}" for name, _, kind in NOT_TABLES])
def test_a_file_that_is_not_a_table_says_what_it_looks_like(
    name: str, content: bytes, kind: str
) -> None:
    with pytest.raises(NotATableError) as caught:
        parse_venue_file(content, name, geocode=False)
    assert f"dit is geen tabel (het lijkt {kind}" in caught.value.user_message
    assert caught.value.user_message.startswith(f"Eigen lijst: {name}: ")
    assert "tekencodering" not in caught.value.user_message


def test_sniffing_leaves_tables_alone() -> None:
    workbook = _zip({"xl/workbook.xml": b"<workbook/>", "[Content_Types].xml": b"<Types/>"})
    for content in (b"naam;x;y\r\nDorpshuis;1;2\r\n", "naam\tx\n".encode("utf-16"),
                    b"\xef\xbb\xbfnaam,x,y\n", b'{"type": "FeatureCollection"}', workbook,
                    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), b"BMX-baan;x;y\n"):
        assert sniff_not_a_table(content) is None, content[:20]
    with pytest.raises(NotATableError, match="het lijkt een afbeelding"):
        read_table(PNG, "foto.csv", source="Stemlokalen")


# --------------------------------------------------------------------------- the user's mapping


def test_the_users_columns_overrule_the_matched_ones() -> None:
    content = _csv([["Naam", "Gebouw", "X", "Y"],
                    ["Zaal achter de kerk", "Dorpshuis Schipborg", "240940", "566029"]])
    matched = parse_venue_file(content, "lijst.csv", geocode=False)
    assert matched.columns == {"naam": "Naam", "x": "X", "y": "Y"}
    assert matched.headers == ("Naam", "Gebouw", "X", "Y")
    assert matched.venues["naam"].tolist() == ["Zaal achter de kerk"]
    chosen = parse_venue_file(content, "lijst.csv", geocode=False,
                              columns={"naam": "Gebouw", "x": "X", "y": "Y"})
    assert chosen.columns == {"naam": "Gebouw", "x": "X", "y": "Y"}
    assert chosen.venues["naam"].tolist() == ["Dorpshuis Schipborg"]
    assert chosen.venues["soort"].tolist() == ["dorpshuis"]


def test_a_file_without_name_column_carries_its_headers_for_the_page() -> None:
    content = _csv([["Code", "X", "Y"], ["A1", "240940", "566029"]])
    with pytest.raises(ColumnsError, match="geen kolom met de naam van de plek") as caught:
        parse_venue_file(content, "lijst.csv", geocode=False)
    assert caught.value.headers == ("Code", "X", "Y")
    assert caught.value.columns == {"x": "X", "y": "Y"}
    fixed = parse_venue_file(content, "lijst.csv", geocode=False,
                             columns={**caught.value.columns, "naam": "Code"})
    assert fixed.venues["naam"].tolist() == ["A1"]


@pytest.mark.parametrize(
    ("columns", "message"),
    [({"naam": "Naam", "x": "Bestaat niet", "y": "Y"}, "kolom 'Bestaat niet' staat niet"),
     ({"naam": "Naam", "hoogte": "X"}, "'hoogte' is geen gegeven"),
     ({"naam": "Naam", "x": "X"}, "zonder bijbehorende kolom y"),
     ({"x": "X", "y": "Y"}, "geen kolom met de naam")],
)
def test_a_wrong_mapping_is_a_columns_error(columns: dict[str, str], message: str) -> None:
    content = _csv([["Naam", "X", "Y"], ["Dorpshuis Schipborg", "240940", "566029"]])
    with pytest.raises(ColumnsError, match=message) as caught:
        parse_venue_file(content, "lijst.csv", geocode=False, columns=columns)
    assert caught.value.headers == ("Naam", "X", "Y")
    assert isinstance(caught.value, SourceFormatError)


def test_geojson_properties_are_matched_by_their_words_too() -> None:
    feature = {"type": "Feature",
               "properties": {"Naam accommodatie": "Dorpshuis Schipborg",
                              "Woonplaats": "Schipborg"},
               "geometry": {"type": "Point", "coordinates": [SCHIPBORG_LON, SCHIPBORG_LAT]}}
    content = json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()
    parsed = parse_venue_file(content, "plekken.geojson", geocode=False)
    assert parsed.columns == {"naam": "Naam accommodatie", "plaats": "Woonplaats"}
    assert parsed.venues[["naam", "plaats"]].iloc[0].tolist() == ["Dorpshuis Schipborg",
                                                                  "Schipborg"]
