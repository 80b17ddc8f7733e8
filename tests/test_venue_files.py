"""A table of malformed and awkward venue files a user might upload, each with its outcome.

The rows are real: the 23 polling stations of Aa en Hunze (TK2023) from
``fixtures/stembureaus_aa_en_hunze_2023.csv``, re-shaped the way an association would keep its
own list (other headers, separators, encodings, Excel, GeoJSON, GeoPackage). Coordinates are the
file's own X/Y (RD New) and Latitude/Longitude. Address look-ups go to a closed local port, so
address-only rows must wait ("wacht op geocodering"); see ``test_venues.py`` for look-ups that
succeed.
"""

from __future__ import annotations

import csv
import io
import json
import socket
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pytest
from pyproj import Transformer

from loaders import tabular
from loaders.errors import SourceFormatError
from loaders.http import make_session
from loaders.pdok import read_area_file
from loaders.schema import CRS, VENUE_COLUMNS
from loaders.venue_checks import LocatieserverGeocoder
from loaders.venues import (
    AFGEWEZEN,
    GEACCEPTEERD,
    GECORRIGEERD,
    REPORT_COLUMNS,
    WACHT,
    ParsedVenues,
    parse_venue_file,
    read_venue_file,
)

TO_RD = Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
Station = dict[str, str]
Maker = Callable[[list[Station], Path], tuple[str, bytes]]


@pytest.fixture(scope="module")
def stations() -> list[Station]:
    from tests.conftest import SHARED_DATA

    path = SHARED_DATA / "fixtures" / "stembureaus_aa_en_hunze_2023.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def aa_en_hunze() -> gpd.GeoDataFrame:
    from tests.conftest import SHARED_DATA

    path = SHARED_DATA / "pdok_wijkenbuurten_2023_gemeenten_simplified.geojson"
    return read_area_file(path, layer="gemeenten", gemeenten=["GM1680"])


@pytest.fixture(scope="module")
def furs() -> Station:
    """Dorpshuis de Furs in Baarn, from the national TK2023 polling-station file."""
    from tests.conftest import SHARED_DATA

    with (SHARED_DATA / "stembureaus_nl_2023.csv").open(encoding="utf-8", newline="") as handle:
        return next(
            r for r in csv.DictReader(handle) if r["Naam stembureau"] == "Dorpshuis de Furs"
        )


@pytest.fixture
def offline() -> dict[str, object]:
    """Geocoder options pointing at a closed local port: every look-up is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return {"geocoder": LocatieserverGeocoder(
        session=make_session(retries=0, backoff=0),
        base_url=f"http://127.0.0.1:{port}/locatieserver/free")}


# --------------------------------------------------------------------------- file builders


def _csv(rows: list[list[str]], *, sep: str = ",", encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=sep, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def _comma(value: str) -> str:
    return value.replace(".", ",")


def _xlsx(rows: list[list[object]], *, macro: bool = False) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    if not macro:
        return buffer.getvalue()
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b'\xd0\xcf\x11\xe0 Sub AutoOpen() Shell "calc"')
    return buffer.getvalue()


def _features(st: list[Station], coordinates: Callable[[Station], list[float]]) -> list[dict]:
    return [
        {"type": "Feature", "properties": {"naam": s["Naam stembureau"], "plaats": s["Plaats"]},
         "geometry": {"type": "Point", "coordinates": coordinates(s)}}
        for s in st
    ]


def _geojson(features: list[dict], crs: str | None = None) -> bytes:
    payload: dict[str, object] = {"type": "FeatureCollection", "features": features}
    if crs:
        payload["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(payload).encode("utf-8")


def _gpkg(st: list[Station], tmp: Path, epsg: int) -> bytes:
    frame = gpd.GeoDataFrame(
        {"Naam": [s["Naam stembureau"] for s in st]},
        geometry=gpd.points_from_xy([float(s["X"]) for s in st], [float(s["Y"]) for s in st]),
        crs=CRS,
    ).to_crs(epsg=epsg)
    path = tmp / f"plekken_{epsg}.gpkg"
    frame.to_file(path, driver="GPKG")
    return path.read_bytes()


def _rd(st: list[Station]) -> list[list[str]]:
    return [["naam", "x", "y"]] + [[s["Naam stembureau"], s["X"], s["Y"]] for s in st]


def _addresses(st: list[Station]) -> list[list[str]]:
    return [["Naam", "Adres", "Postcode", "Plaats"]] + [
        [s["Naam stembureau"], f"{s['Straatnaam']} {s['Huisnummer']}", s["Postcode"], s["Plaats"]]
        for s in st
    ]


# --------------------------------------------------------------------------- checks


def _rd_points_match(parsed: ParsedVenues, st: list[Station], tolerance: float = 1e-6) -> None:
    by_name = parsed.venues.set_index("naam")
    for s in st:
        point = by_name.loc[s["Naam stembureau"], "geometry"]
        assert point.x == pytest.approx(float(s["X"]), abs=tolerance)
        assert point.y == pytest.approx(float(s["Y"]), abs=tolerance)


def _latlon_points_match(parsed: ParsedVenues, st: list[Station]) -> None:
    by_name = parsed.venues.set_index("naam")
    for s in st:
        x, y = TO_RD.transform(float(s["Longitude"]), float(s["Latitude"]))
        point = by_name.loc[s["Naam stembureau"], "geometry"]
        assert (point.x, point.y) == (pytest.approx(x, abs=1e-6), pytest.approx(y, abs=1e-6))


def _explained(word: str) -> Callable[[ParsedVenues, list[Station]], None]:
    def check(parsed: ParsedVenues, _st: list[Station]) -> None:
        flagged = parsed.report[parsed.report["status"] != GEACCEPTEERD]
        assert len(flagged)
        assert flagged["toelichting"].str.contains(word, regex=False).all()
    return check


def _note(word: str) -> Callable[[ParsedVenues, list[Station]], None]:
    def check(parsed: ParsedVenues, _st: list[Station]) -> None:
        assert any(word in note for note in parsed.notes), parsed.notes
    return check


def _both(*checks: Callable[[ParsedVenues, list[Station]], None]) -> Callable:
    def check(parsed: ParsedVenues, st: list[Station]) -> None:
        for each in checks:
            each(parsed, st)
    return check


@dataclass(frozen=True)
class Case:
    """One uploaded file and what the user must see."""

    id: str
    make: Maker
    statuses: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    check: Callable[[ParsedVenues, list[Station]], None] | None = None


def _title_rows(st: list[Station], _tmp: Path) -> tuple[str, bytes]:
    rows: list[list[object]] = [["Ontmoetingsplekken Aa en Hunze"], [None]]
    rows += [["Naam", "X", "Y"]] + [[s["Naam stembureau"], float(s["X"]), float(s["Y"])]
                                    for s in st]
    return "plekken.xlsx", _xlsx(rows)


def _title_rows_check(parsed: ParsedVenues, st: list[Station]) -> None:
    assert parsed.report["rij"].tolist() == list(range(4, 4 + len(st)))
    assert any("rij 3" in note for note in parsed.notes)
    _rd_points_match(parsed, st)


def _formulas_xlsx(st: list[Station], _tmp: Path) -> tuple[str, bytes]:
    rows: list[list[object]] = [["naam", "x", "y"]]
    rows.append(['=HYPERLINK("http://example.invalid/x","Dorpshuis")', float(st[13]["X"]),
                 float(st[13]["Y"])])
    rows.append([st[3]["Naam stembureau"], "=240939+1", float(st[3]["Y"])])
    return "formules.xlsx", _xlsx(rows)


def _formulas_check(parsed: ParsedVenues, _st: list[Station]) -> None:
    kept = parsed.venues.iloc[0]
    assert kept["naam"] == '=HYPERLINK("http://example.invalid/x","Dorpshuis")'
    first, second = parsed.report.to_dict("records")
    assert "formule" in first["toelichting"]
    assert "niet uitgerekend" in first["toelichting"]
    assert "'=240939+1' is een formule" in second["toelichting"]


def _script_names(st: list[Station], _tmp: Path) -> tuple[str, bytes]:
    names = ["<script>alert(1)</script>", "\x1b[31mRood\x1b[0m dorpshuis",
             "Dorpshuis \u202eesuohsproD", '<img src=x onerror="alert(1)">']
    rows = [["naam", "x", "y"]] + [[n, s["X"], s["Y"]] for n, s in zip(names, st[3:7], strict=True)]
    return "namen.csv", _csv(rows)


def _script_check(parsed: ParsedVenues, _st: list[Station]) -> None:
    assert parsed.venues["naam"].tolist() == [
        "<script>alert(1)</script>", "[31mRood [0m dorpshuis", "Dorpshuis esuohsproD",
        '<img src=x onerror="alert(1)">']


def _soort_column(st: list[Station], _tmp: Path) -> tuple[str, bytes]:
    soorten = ["Dorpshuis", "school", "bibliotheek", "clubhouse", "MFA", ""]
    rows = [["naam", "soort", "x", "y"]] + [
        [s["Naam stembureau"], soort, s["X"], s["Y"]]
        for soort, s in zip(soorten, st[3:9], strict=True)
    ]
    return "soorten.csv", _csv(rows)


def _soort_check(parsed: ParsedVenues, _st: list[Station]) -> None:
    venues = parsed.venues
    assert venues["soort"].tolist() == [
        "dorpshuis", "school", "overig", "sportkantine", "mfa", "dorpshuis"]
    assert venues["ontmoetingsplek"].tolist() == [True, False, True, True, True, True]
    assert venues["reden"].iloc[2] == "opgegeven door gebruiker (soort in bestand: 'bibliotheek')"
    assert venues["reden"].iloc[1] == "opgegeven door gebruiker; telt niet als ontmoetingsplek"


def _empty_rows(st: list[Station], _tmp: Path) -> tuple[str, bytes]:
    lines = ["naam;x;y"]
    for i, s in enumerate(st):
        lines.append(f"{s['Naam stembureau']};{_comma(s['X'])};{_comma(s['Y'])}")
        if i % 5 == 0:
            lines += ["", ";;", "  ;  ; "]
    return "met_lege_rijen.csv", ("\r\n".join(lines) + "\r\n").encode("utf-8")


def _empty_rows_check(parsed: ParsedVenues, st: list[Station]) -> None:
    _rd_points_match(parsed, st, tolerance=1e-6)
    assert any("lege rij" in note for note in parsed.notes)
    # Row numbers are the file's lines: station 13 (Schipborg) sits after 3 blocks of 3 lines.
    assert parsed.report.set_index("naam").loc["Dorpshuis Schipborg", "rij"] == 2 + 13 + 3 * 3


def _outside(st: list[Station], _tmp: Path) -> tuple[str, bytes]:
    rows = [["naam", "lat", "lon"], ["Parijs", "48.8566", "2.3522"],
            ["Berlijn", "52.5200", "13.4050"], ["Nul", "0", "0"],
            [st[13]["Naam stembureau"], st[13]["Latitude"], st[13]["Longitude"]]]
    return "buitenland.csv", _csv(rows)


def _long_name(st: list[Station], _tmp: Path) -> tuple[str, bytes]:
    return "lang.csv", _csv([["naam", "x", "y"], ["Dorpshuis " + "x" * 300, st[3]["X"],
                                                  st[3]["Y"]]])


def _thousands(st: list[Station], _tmp: Path) -> tuple[str, bytes]:
    def dutch(value: str) -> str:
        number = f"{float(value):,.3f}"
        return number.replace(",", " ").replace(".", ",").replace(" ", ".")
    rows = [["naam", "x", "y"]] + [[s["Naam stembureau"], dutch(s["X"]), dutch(s["Y"])]
                                   for s in st]
    return "duizendtallen.csv", _csv(rows, sep=";")


CASES = [
    Case("utf8-comma-rd", lambda st, _: ("plekken.csv", _csv(_rd(st))),
         {GEACCEPTEERD: 23}, check=_rd_points_match),
    Case("semicolon-decimal-comma-breedtegraad",
         lambda st, _: ("plekken.csv", _csv(
             [["Naam", "Breedtegraad", "Lengtegraad"]]
             + [[s["Naam stembureau"], _comma(s["Latitude"]), _comma(s["Longitude"])]
                for s in st], sep=";")),
         {GEACCEPTEERD: 23}, check=_latlon_points_match),
    Case("utf8-bom-english-headers",
         lambda st, _: ("places.csv", b"\xef\xbb\xbf" + _csv(
             [["Name", "Type", "Latitude", "Longitude"]]
             + [[s["Naam stembureau"], "village hall", s["Latitude"], s["Longitude"]]
                for s in st])),
         {GEACCEPTEERD: 23},
         check=lambda p, st: (_latlon_points_match(p, st),
                              (p.venues["soort"] == "dorpshuis").all()
                              or pytest.fail(str(p.venues["soort"].tolist())))),
    Case("windows-1252-with-accents",
         lambda st, _: ("plekken.csv", _csv(
             [["naam", "plaats", "x", "y"]]
             + [[s["Naam stembureau"].replace("Cafe", "Café").replace("Dorpshuis", "Doarpshûs"),
                 s["Plaats"], s["X"], s["Y"]] for s in st], sep=";", encoding="cp1252")),
         {GEACCEPTEERD: 23},
         check=_both(_note("Windows-1252"), lambda p, _: (
             {"Café Hofsteenge Rolde", "Doarpshûs Schipborg"} <= set(p.venues["naam"])
             or pytest.fail(str(p.venues["naam"].tolist()))))),
    Case("utf16-tab-separated-excel-unicode-text",
         lambda st, _: ("plekken.txt", _csv(_rd(st), sep="\t", encoding="utf-16")),
         {GEACCEPTEERD: 23}, check=_both(_rd_points_match, _note("UTF-16"), _note("tab"))),
    Case("excel-sep-line",
         lambda st, _: ("plekken.csv", b"sep=;\r\n" + _csv(_rd(st), sep=";")),
         {GEACCEPTEERD: 23},
         check=lambda p, _: p.report["rij"].iloc[0] == 3
         or pytest.fail(f"first row {p.report['rij'].iloc[0]}, expected 3 after sep=")),
    Case("rd-in-lat-lon-columns",
         lambda st, _: ("plekken.csv", _csv(
             [["naam", "lat", "lon"]] + [[s["Naam stembureau"], s["Y"], s["X"]] for s in st])),
         {GECORRIGEERD: 23}, check=_both(_rd_points_match, _explained("RD-coördinaten"))),
    Case("rd-in-lat-lon-columns-swapped",
         lambda st, _: ("plekken.csv", _csv(
             [["naam", "lat", "lon"]] + [[s["Naam stembureau"], s["X"], s["Y"]] for s in st])),
         {GECORRIGEERD: 23}, check=_both(_rd_points_match, _explained("omgekeerde volgorde"))),
    Case("swapped-lat-lon",
         lambda st, _: ("plekken.csv", _csv(
             [["naam", "latitude", "longitude"]]
             + [[s["Naam stembureau"], s["Longitude"], s["Latitude"]] for s in st])),
         {GECORRIGEERD: 23}, check=_both(_latlon_points_match, _explained("omgedraaid"))),
    Case("swapped-x-y",
         lambda st, _: ("plekken.csv", _csv(
             [["naam", "x", "y"]] + [[s["Naam stembureau"], s["Y"], s["X"]] for s in st])),
         {GECORRIGEERD: 23},
         check=_both(_rd_points_match, _explained("x en y stonden omgedraaid"))),
    Case("x-y-mixing-rd-and-degrees",
         lambda st, _: ("plekken.csv", _csv(
             [["naam", "x", "y"]]
             + [[s["Naam stembureau"], *((s["X"], s["Y"]) if i % 2 else
                                       (s["Longitude"], s["Latitude"]))]
                for i, s in enumerate(st)])),
         {GEACCEPTEERD: 23}),
    Case("dutch-thousand-separators", _thousands, {GEACCEPTEERD: 23},
         check=lambda p, st: _rd_points_match(p, st, tolerance=0.001)),
    Case("empty-rows-between", _empty_rows, {GEACCEPTEERD: 23}, check=_empty_rows_check),
    Case("duplicate-name-same-place",
         lambda st, _: ("plekken.csv", _csv([*_rd(st), _rd(st)[14]])),
         {GEACCEPTEERD: 23, AFGEWEZEN: 1},
         check=lambda p, _: p.report.iloc[-1]["toelichting"].startswith(
             "Dubbel: zelfde naam en plek als rij 15")
         or pytest.fail(p.report.iloc[-1]["toelichting"])),
    Case("duplicate-name-different-places",
         lambda st, _: ("plekken.csv", _csv([["naam", "x", "y"], ["Dorpshuis", st[3]["X"],
                                             st[3]["Y"]], ["Dorpshuis", st[4]["X"], st[4]["Y"]]])),
         {GEACCEPTEERD: 2}),
    Case("only-addresses-offline", lambda st, _: ("adressen.csv", _csv(_addresses(st))),
         {WACHT: 23},
         check=_both(_explained("PDOK Locatieserver"), _explained("De rij is bewaard"),
                     lambda p, _: p.venues.geometry.isna().all()
                     or pytest.fail("a place without coordinates got a point offline"),
                     lambda p, _: p.venues["adres"].iloc[13] == "Borgweg 15, 9469PE"
                     or pytest.fail(p.venues["adres"].iloc[13]))),
    Case("address-without-house-number",
         lambda st, _: ("adressen.csv", _csv(
             [["naam", "straat", "plaats"], [st[13]["Naam stembureau"], "Borgweg", "Schipborg"]])),
         {AFGEWEZEN: 1}, check=_explained("onvolledig")),
    Case("zero-coordinates-with-address",
         lambda st, _: ("plekken.csv", _csv(
             [["naam", "x", "y", "adres", "plaats"],
              [st[13]["Naam stembureau"], "0", "0", "Borgweg 15", "Schipborg"]])),
         {WACHT: 1}, check=_both(_explained("liggen niet in Nederland"),
                                 _explained("Het adres wordt gebruikt"))),
    Case("row-without-name",
         lambda st, _: ("plekken.csv", _csv([*_rd(st[:2]), ["", st[3]["X"], st[3]["Y"]]])),
         {GEACCEPTEERD: 2, AFGEWEZEN: 1}, check=_explained("De naam ontbreekt")),
    Case("row-without-coordinates-or-address",
         lambda st, _: ("plekken.csv", _csv([*_rd(st[:2]), ["Dorpshuis zonder plek", "", ""]])),
         {GEACCEPTEERD: 2, AFGEWEZEN: 1}, check=_explained("Geen coördinaten en geen adres")),
    Case("text-in-coordinate",
         lambda st, _: ("plekken.csv", _csv([["naam", "x", "y"],
                                             [st[3]["Naam stembureau"], "onbekend", st[3]["Y"]]])),
         {AFGEWEZEN: 1}, check=_explained("'onbekend' is geen getal")),
    Case("points-outside-the-netherlands", _outside, {GEACCEPTEERD: 1, AFGEWEZEN: 3},
         check=_explained("liggen niet in Nederland")),
    Case("script-tag-and-control-characters-in-names", _script_names, {GEACCEPTEERD: 4},
         check=_script_check),
    Case("formula-in-csv",
         lambda st, _: ("plekken.csv", _csv([["naam", "x", "y"],
                                             ["=1+1", st[3]["X"], st[3]["Y"]]])),
         {GEACCEPTEERD: 1},
         check=lambda p, _: (p.venues["naam"].tolist() == ["=1+1"]
                             and "formule" in p.report["toelichting"].iloc[0])
         or pytest.fail(f"{p.venues['naam'].tolist()} {p.report['toelichting'].tolist()}")),
    Case("formula-cells-in-xlsx", _formulas_xlsx, {GEACCEPTEERD: 1, AFGEWEZEN: 1},
         check=_formulas_check),
    Case("xlsm-with-vba-macro",
         lambda st, _: ("plekken.xlsm", _xlsx(
             [["Naam", "X", "Y"]] + [[s["Naam stembureau"], float(s["X"]), float(s["Y"])]
                                     for s in st], macro=True)),
         {GEACCEPTEERD: 23}, check=_both(_rd_points_match, _note("macro's"))),
    Case("xlsx-title-rows-above-header", _title_rows, {GEACCEPTEERD: 23}, check=_title_rows_check),
    Case("soort-column-in-dutch-and-english", _soort_column, {GEACCEPTEERD: 6}, check=_soort_check),
    Case("ontmoetingsplek-column-says-no",
         lambda st, _: ("plekken.csv", _csv([["naam", "ontmoetingsplek", "x", "y"],
                                             [st[13]["Naam stembureau"], "nee", st[13]["X"],
                                              st[13]["Y"]]])),
         {GEACCEPTEERD: 1},
         check=lambda p, _: (not p.venues["ontmoetingsplek"].iloc[0])
         or pytest.fail("'nee' in the ontmoetingsplek column still counts")),
    Case("name-of-300-characters", _long_name, {GECORRIGEERD: 1},
         check=lambda p, _: len(p.venues["naam"].iloc[0]) == 200
         or pytest.fail(f"name of {len(p.venues['naam'].iloc[0])} characters, expected 200")),
    Case("geojson-wgs84",
         lambda st, _: ("plekken.geojson", _geojson(_features(
             st, lambda s: [float(s["Longitude"]), float(s["Latitude"])]))),
         {GEACCEPTEERD: 23}, check=_latlon_points_match),
    Case("geojson-epsg-28992",
         lambda st, _: ("plekken.geojson", _geojson(_features(
             st, lambda s: [float(s["X"]), float(s["Y"])]), "urn:ogc:def:crs:EPSG::28992")),
         {GEACCEPTEERD: 23}, check=_rd_points_match),
    Case("geojson-rd-numbers-without-crs",
         lambda st, _: ("plekken.json", _geojson(_features(
             st, lambda s: [float(s["X"]), float(s["Y"])]))),
         {GECORRIGEERD: 23}, check=_both(_rd_points_match, _explained("RD New (EPSG:28992)"))),
    Case("geojson-swapped-lon-lat",
         lambda st, _: ("plekken.geojson", _geojson(_features(
             st, lambda s: [float(s["Latitude"]), float(s["Longitude"])]))),
         {GECORRIGEERD: 23}, check=_latlon_points_match),
    Case("geojson-polygons",
         lambda st, _: ("plekken.geojson", _geojson([
             {**f, "geometry": {"type": "Polygon", "coordinates": [[
                 [x - 1e-4, y - 1e-4], [x + 1e-4, y - 1e-4], [x + 1e-4, y + 1e-4],
                 [x - 1e-4, y + 1e-4], [x - 1e-4, y - 1e-4]]]}}
             for f in _features(st[:3], lambda s: [float(s["Longitude"]), float(s["Latitude"])])
             for x, y in [f["geometry"]["coordinates"]]])),
         {GEACCEPTEERD: 3}, check=_note("punt binnen de vorm")),
    Case("geopackage-rd", lambda st, tmp: ("plekken.gpkg", _gpkg(st, tmp, 28992)),
         {GEACCEPTEERD: 23}, check=_rd_points_match),
    Case("geopackage-web-mercator", lambda st, tmp: ("plekken.gpkg", _gpkg(st, tmp, 3857)),
         {GEACCEPTEERD: 23},
         check=_both(lambda p, st: _rd_points_match(p, st, tolerance=0.01), _note("omgerekend"))),
    # Files that cannot be used at all: one clear Dutch message, nothing kept.
    Case("old-excel-xls", lambda _st, _: ("plekken.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" * 64),
         error=r"oud Excel-bestand \(\.xls\)"),
    Case("zip-that-is-not-excel",
         lambda _st, _: ("plekken.zip", _zip({"plekken.shp": b"\x00\x00\x27\x0a"})),
         error=r"dit is geen tabel \(het lijkt een zip-archief\)"),
    Case("gpkg-extension-on-a-csv", lambda st, _: ("plekken.gpkg", _csv(_rd(st))),
         error="geen GeoPackage"),
    Case("json-that-is-not-geojson", lambda _st, _: ("plekken.json", b'[{"naam": "x"}]'),
         error="geen leesbaar GeoJSON-bestand"),
    Case("missing-name-column",
         lambda st, _: ("plekken.csv", _csv([["locatie_id", "x", "y"], ["1", st[3]["X"],
                                                                         st[3]["Y"]]])),
         error="geen kolom met de naam van de plek.*locatie_id, x, y"),
    Case("no-coordinate-or-address-columns",
         lambda _st, _: ("plekken.csv", _csv([["naam", "telefoon"], ["Dorpshuis", "0592"]])),
         error="geen coördinaten .* en geen adres"),
    Case("x-without-y", lambda _st, _: ("plekken.csv", _csv([["naam", "x"], ["Dorpshuis", "1"]])),
         error="kolom x .*zonder bijbehorende kolom y"),
    Case("header-semicolons-rows-commas",
         lambda st, _: ("plekken.csv", ("naam;x;y\r\n" + "".join(
             f'"{s["Naam stembureau"]}",{s["X"]},{s["Y"]}\r\n' for s in st)).encode()),
         error="kopregel is gescheiden met ';', maar de rijen met ','"),
    Case("row-with-an-extra-field",
         lambda st, _: ("plekken.csv", _csv(
             [*_rd(st[:3]), ["Dorpshuis", "240939,9", "566028", "9"]])),
         error="rij 5 heeft 4 velden, de kopregel maar 3"),
    Case("empty-file", lambda _st, _: ("plekken.csv", b""), error="is leeg"),
    Case("header-only", lambda _st, _: ("plekken.csv", b"naam;x;y\r\n\r\n"),
         error="bevat geen rijen"),
    Case("binary-garbage", lambda _st, _: ("plekken.csv", bytes(range(256)) * 40),
         error=r"dit is geen tabel \(het lijkt een binair bestand\)"),
    Case("nul-bytes-in-text", lambda _st, _: ("plekken.csv", b"naam,x,y\n\x00\x00PK\x00,1,2\n"),
         error="binaire tekens"),
    Case("hundred-thousand-rows",
         lambda _st, _: ("groot.csv", b"naam,x,y\n" + b"".join(
             b"Plek %d,240939.99,566028.99\n" % i for i in range(100_000))),
         error="100.000 rijen; het maximum is 50.000"),
]


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_venue_file(
    case: Case, stations: list[Station], tmp_path: Path, offline: dict[str, object]
) -> None:
    name, content = case.make(stations, tmp_path)
    if case.error is not None:
        with pytest.raises(SourceFormatError, match=case.error) as caught:
            parse_venue_file(content, name, **offline)
        assert caught.value.user_message.startswith("Eigen lijst: ")
        return
    parsed = parse_venue_file(content, name, **offline)
    report, venues = parsed.report, parsed.venues
    assert tuple(report.columns) == REPORT_COLUMNS
    assert report["status"].value_counts().to_dict() == case.statuses, report.to_string()
    assert tuple(venues.columns) == VENUE_COLUMNS
    assert venues.crs == CRS
    assert len(venues) == (report["status"] != AFGEWEZEN).sum()
    assert (venues["source"] == f"eigen lijst: {name}").all()
    assert venues["venue_id"].is_unique
    assert report["toelichting"].str.len().gt(0).all()
    if case.check is not None:
        case.check(parsed, stations)


def test_table_has_at_least_30_files() -> None:
    assert len(CASES) >= 30


def test_file_over_50_mb_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "groot.csv"
    with path.open("wb") as handle:
        handle.write(b"naam,x,y\n")
        handle.truncate(51 * 2**20)
    with pytest.raises(SourceFormatError, match=r"groot.csv is 51,0 MB; het maximum is 20 MB"):
        read_venue_file(path)


def test_bytes_over_the_cap_are_refused_without_parsing() -> None:
    with pytest.raises(SourceFormatError, match="het maximum is 20 MB"):
        parse_venue_file(b"\x00" * (20 * 2**20 + 1), "plekken.xlsx")


def test_zip_bomb_is_refused_before_parsing(
    stations: list[Station], monkeypatch: pytest.MonkeyPatch
) -> None:
    content = _xlsx([["naam", "x", "y"], [stations[3]["Naam stembureau"], 1.0, 2.0]])
    monkeypatch.setattr(tabular, "MAX_UNPACKED_BYTES", 2_000)
    with pytest.raises(SourceFormatError, match="pakt uit tot meer dan"):
        parse_venue_file(content, "plekken.xlsx")


def test_brussels_is_rejected_against_the_region(
    stations: list[Station], aa_en_hunze: gpd.GeoDataFrame, furs: Station,
    offline: dict[str, object],
) -> None:
    """The RD box still holds Brussels and Baarn; the region's own gemeenten do not."""
    rows = [["naam", "lat", "lon"], ["Grote Markt Brussel", "50.8467", "4.3525"],
            [furs["Naam stembureau"], furs["Latitude"], furs["Longitude"]],
            [stations[13]["Naam stembureau"], stations[13]["Latitude"], stations[13]["Longitude"]]]
    parsed = parse_venue_file(_csv(rows), "plekken.csv", gemeenten=aa_en_hunze, **offline)
    assert parsed.report["status"].tolist() == [AFGEWEZEN, AFGEWEZEN, GEACCEPTEERD]
    assert parsed.report["toelichting"].iloc[1].startswith("Ligt ")
    assert "km buiten de gemeenten van deze regio" in parsed.report["toelichting"].iloc[1]
    assert parsed.venues["gemeentecode"].tolist() == ["GM1680"]
    without_region = parse_venue_file(_csv(rows), "plekken.csv", **offline)
    assert (without_region.report["status"] == GEACCEPTEERD).all()


def test_a_point_just_outside_the_region_is_kept(
    aa_en_hunze: gpd.GeoDataFrame, offline: dict[str, object]
) -> None:
    boundary = aa_en_hunze.geometry.iloc[0].boundary
    edge = boundary.interpolate(0.3, normalized=True)
    centre = aa_en_hunze.geometry.iloc[0].centroid
    direction = np.array([edge.x - centre.x, edge.y - centre.y])
    outside = np.array([edge.x, edge.y]) + 2_000 * direction / np.linalg.norm(direction)
    rows = [["naam", "x", "y"], ["Kantine over de grens", f"{outside[0]:.1f}", f"{outside[1]:.1f}"]]
    parsed = parse_venue_file(_csv(rows), "grens.csv", gemeenten=aa_en_hunze, **offline)
    assert parsed.report["status"].tolist() == [GEACCEPTEERD]
    assert parsed.venues["gemeentecode"].isna().all()


def test_nothing_from_a_file_is_fetched(
    stations: list[Station], replay_server, offline: dict[str, object]
) -> None:
    """A hyperlink formula and a URL as a name are text: no request leaves the parser."""
    url = f"{replay_server.base_url}/tracker.png"
    replay_server.add("/tracker.png", b"GIF89a")
    content = _xlsx([["naam", "x", "y"],
                     [f'=HYPERLINK("{url}","klik")', float(stations[3]["X"]),
                      float(stations[3]["Y"])],
                     [url, float(stations[4]["X"]), float(stations[4]["Y"])]])
    parsed = parse_venue_file(content, "links.xlsx", **offline)
    assert len(parsed.venues) == 2
    assert replay_server.requests == []


def test_geojson_crs_link_is_not_fetched(
    stations: list[Station], replay_server, offline: dict[str, object]
) -> None:
    """GDAL would fetch the href of an old-style crs link: it is removed before reading."""
    url = f"{replay_server.base_url}/crs.proj4"
    replay_server.add("/crs.proj4", "+proj=longlat +datum=WGS84 +no_defs")
    payload = json.loads(_geojson(_features(
        stations, lambda s: [float(s["Longitude"]), float(s["Latitude"])])))
    payload["crs"] = {"type": "link", "properties": {"href": url, "type": "proj4"}}
    parsed = parse_venue_file(json.dumps(payload).encode(), "link.geojson", **offline)
    assert replay_server.requests == []
    assert (parsed.report["status"] == GEACCEPTEERD).all()
    _latlon_points_match(parsed, stations)
    assert any("niet opgehaald" in note for note in parsed.notes)


def test_report_rows_are_spreadsheet_rows_and_names_plain_text(
    stations: list[Station], offline: dict[str, object]
) -> None:
    content = _csv(_rd(stations))
    parsed = parse_venue_file(content, "plekken.csv", **offline)
    assert parsed.report["rij"].tolist() == list(range(2, 25))
    assert parsed.report["naam"].tolist() == [s["Naam stembureau"] for s in stations]
    assert parsed.venues["source_id"].iloc[0] == "rij 2"
    assert parsed.venues["reden"].eq("opgegeven door gebruiker").all()
    schipborg = parsed.report.set_index("naam").loc["Dorpshuis Schipborg", "toelichting"]
    assert schipborg == "Soort dorpshuis; telt als ontmoetingsplek."
