"""The page 'Eigen lijst' through AppTest: upload, report, accept, reach, merges, geocoding.

The store is the national store holding Aa en Hunze. The uploaded CSV is made from the real
Aa en Hunze polling stations (shared data fixture),
reshaped to ``naam;adres;plaats;x;y`` with decimal commas, plus a venue called
``<script>alert(1)</script>`` next to the kern Schoonloo and a row in Paris. Every test that
writes works on its own copy of the demo store. Every change to the places stores the reach
again (``bereik_<mode>``), so the stored reach always includes the own lists.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analysis.reach import kern_reach
from loaders import locatieserver
from loaders.store import Store
from loaders.venue_store import OWN_LAYER, own_lists, read_region_venues, venue_merges
from loaders.venues import MAX_FILE_BYTES, MAX_ROWS, STATUSES
from pipeline.reach import reach_inputs
from tests.conftest import SHARED_DATA
from tests.region_stores import REGION, demo_region_store
from tests.test_pages import _app, _run
from ui import venue_upload as vu
from views import eigen_lijst as el
from views.text import format_count, plain_markdown

PAGE = "pages/eigen-lijst.py"
STEMBUREAUS = SHARED_DATA / "fixtures" / "stembureaus_aa_en_hunze_2023.csv"
BORGWEG = Path(__file__).parent / "fixtures" / "locatieserver_free_borgweg_15_schipborg.json"
LOCATIESERVER = "/bzk/locatieserver/search/v3_1/free"
SCRIPT = "<script>alert(1)</script>"
PARIS = "Café de Paris"
KERN = "Schoonloo"
FILE = "dorpshuizen.csv"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


@pytest.fixture(scope="module")
def aa_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_region_store(tmp_path_factory, "aa-en-hunze")


@pytest.fixture
def root(aa_root: Path, tmp_path: Path) -> Path:
    """A private copy of the Aa en Hunze store, to write into."""
    shutil.copytree(aa_root / REGION, tmp_path / REGION)
    return tmp_path


def _stembureaus() -> list[dict[str, str]]:
    with STEMBUREAUS.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _comma(value: object) -> str:
    return str(value).replace(".", ",")


def _kern_point(root: Path) -> tuple[float, float]:
    kernen = Store(root).read_layer(REGION, "kernen")
    point = kernen.loc[kernen["naam"] == KERN, "geometry"].iloc[0]
    return point.x, point.y


def _venue_csv(root: Path) -> bytes:
    """The polling stations as an own list, the script venue 100 m from Schoonloo, Paris."""
    lines = ["naam;adres;plaats;x;y"]
    for row in _stembureaus():
        address = f"{row['Straatnaam']} {row['Huisnummer']}{row['Huisletter']}"
        lines.append(";".join([row["Naam stembureau"], address, row["Plaats"],
                               _comma(row["X"]), _comma(row["Y"])]))
    x, y = _kern_point(root)
    lines.append(f"{SCRIPT};;{KERN};{_comma(round(x + 60, 1))};{_comma(round(y + 80, 1))}")
    lines.append(f"{PARIS};;Parijs;2,3522;48,8566")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _open(monkeypatch: pytest.MonkeyPatch, root: Path) -> AppTest:
    return _run(_app(monkeypatch, root), PAGE)


def _upload(app: AppTest, content: bytes, name: str = FILE) -> AppTest:
    app.file_uploader[0].set_value((name, content, "text/csv"))
    return _rerun(app)


def _click(app: AppTest, label: str) -> AppTest:
    [button] = [b for b in app.button if b.label == label]
    button.click()
    return _rerun(app)


def _rerun(app: AppTest) -> AppTest:
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _metrics(app: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def _rendered_markdown(app: AppTest) -> list[str]:
    """Every text Streamlit renders as Markdown (titles, alerts, captions, markdown)."""
    elements = [*app.title, *app.subheader, *app.markdown, *app.caption, *app.info,
                *app.warning, *app.error, *app.success]
    return [str(e.value) for e in elements]


def _layer_files(root: Path) -> set[str]:
    return {p.name for p in (root / REGION).iterdir()}


def _assert_reach_is_current(root: Path) -> None:
    """Every stored reach layer was computed from the places as they are stored now."""
    manifest = Store(root).manifest(REGION)
    for mode in ("walk", "bike", "drive"):
        assert manifest.layers[f"bereik_{mode}"].inputs == reach_inputs(manifest, mode)


def _accepted(monkeypatch: pytest.MonkeyPatch, root: Path) -> AppTest:
    """The page after uploading the test list and clicking 'Lijst opslaan'."""
    app = _upload(_open(monkeypatch, root), _venue_csv(root))
    return _click(app, "Lijst opslaan")


def test_page_explains_columns_limits_and_file_types(monkeypatch, root: Path) -> None:
    app = _open(monkeypatch, root)
    assert app.title[0].value == "Eigen lijst met ontmoetingsplekken"
    columns = app.table[0].value.set_index("Gegeven")["Herkende kolomnamen"]
    for header in ("naam", "name", "soort", "type", "adres", "postcode", "huisnummer", "plaats",
                   "x", "y", "lat", "lon", "latitude", "longitude", "breedtegraad",
                   "lengtegraad"):
        assert any(header in names.split(", ") for names in columns), header
    limits = next(text for text in _rendered_markdown(app) if "MB" in text)
    assert f"{MAX_FILE_BYTES // 2**20} MB" in limits
    assert format_count(MAX_ROWS) + " rijen" in limits
    uploader = app.file_uploader[0]
    assert uploader.proto.max_upload_size_mb == vu.UPLOAD_LIMIT_MB > MAX_FILE_BYTES // 2**20
    assert uploader.allowed_type == [".csv", ".xlsx", ".xlsm", ".geojson", ".json", ".gpkg"]
    assert "Er is nog geen eigen lijst opgeslagen." in [c.value for c in app.caption]


def test_upload_shows_the_report_and_stores_nothing(monkeypatch, root: Path) -> None:
    before = (_layer_files(root), Store(root).manifest(REGION))
    app = _upload(_open(monkeypatch, root), _venue_csv(root))
    polling_stations = len(_stembureaus())
    metrics = _metrics(app)
    assert metrics == {"Geaccepteerd": str(polling_stations + 1), "Gecorrigeerd": "0",
                       "Wacht op geocodering": "0", "Afgewezen": "1", "Dubbel": "0"}
    report = app.dataframe[0].value.set_index("Naam")
    assert report.loc[SCRIPT, "Status"] == "geaccepteerd"
    assert report.loc[PARIS, "Status"] == "afgewezen"
    assert "niet in Nederland" in report.loc[PARIS, "Toelichting"]
    names = [row["Naam stembureau"] for row in _stembureaus()]
    assert report.loc["Dorpshuis Schipborg", "Rij"] == names.index("Dorpshuis Schipborg") + 2
    assert all(SCRIPT not in text for text in _rendered_markdown(app))
    preview = app.dataframe[1].value.set_index("Naam")
    assert PARIS not in preview.index
    assert preview.loc["Dorpshuis Schipborg", ["X (RD)", "Y (RD)"]].tolist() == [240940, 566029]
    [figure] = app.get("plotly_chart")
    traces = json.loads(figure.proto.spec)["data"]
    hover = " ".join(" ".join(trace.get("hovertext") or []) for trace in traces)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hover
    assert SCRIPT not in hover
    assert [b.label for b in app.button] == ["Opnieuw controleren met deze kolommen",
                                             "Lijst opslaan", "Niet opslaan"]
    assert (_layer_files(root), Store(root).manifest(REGION)) == before


def test_accepting_stores_the_list_and_shows_it(monkeypatch, root: Path) -> None:
    app = _accepted(monkeypatch, root)
    manifest = Store(root).manifest(REGION)
    polling_stations = len(_stembureaus())
    assert manifest.layers[OWN_LAYER].rows == polling_stations + 1
    [success] = app.success
    assert success.value == plain_markdown(
        f"Lijst {FILE} is opgeslagen: {polling_stations + 1} plekken. De kaart, de kernen en het "
        "scenario rekenen er nu mee.")
    assert [t.value for t in app.text] == [FILE, f"{polling_stations + 1} plekken"]
    assert not app.file_uploader[0].value
    assert not app.metric
    assert "Eigen lijst ontmoetingsplekken" in app.caption[0].value
    merges = app.data_editor[0].value
    assert len(merges) == polling_stations
    assert merges[el.MERGED].all()
    assert (merges["Naam in eigen lijst"] == merges["Naam in andere bron"]).all()
    assert (merges["Andere bron"] == "Stemlokaal TK2023").all()
    assert (merges["Eigen lijst"] == FILE).all()
    venues = read_region_venues(Store(root), REGION)
    stored_places = len(Store(root).read_layer(REGION, "venues"))
    assert len(venues) == stored_places + 1, "the polling stations merge; the script venue adds"
    assert SCRIPT in set(venues["naam"])
    _assert_reach_is_current(root)
    stored = Store(root).read_layer(REGION, "bereik_bike").set_index("naam")
    assert stored.loc[KERN, "venue_naam"] == SCRIPT


def test_not_storing_discards_the_file(monkeypatch, root: Path) -> None:
    before = _layer_files(root)
    app = _click(_upload(_open(monkeypatch, root), _venue_csv(root)), "Niet opslaan")
    assert app.info[0].value == plain_markdown("Het bestand is niet opgeslagen.")
    assert not app.file_uploader[0].value
    assert not app.metric
    assert _layer_files(root) == before


def test_the_stored_list_changes_the_nearest_place(monkeypatch, root: Path) -> None:
    store = Store(root)
    expected = kern_reach(store.read_layer(REGION, "kernen"), store.read_layer(REGION, "venues"),
                          mode="bike").set_index("naam")
    app = _run(_app(monkeypatch, root), "pages/kernen.py")
    table = app.dataframe[-1].value.set_index("Kern")
    assert table.loc[KERN, "Dichtstbijzijnde ontmoetingsplek"] == expected.loc[KERN, "venue_naam"]
    assert table.loc[KERN, "Afstand (km)"] > 1
    before = store.read_layer(REGION, "bereik_bike").set_index("naam")
    assert before.loc[KERN, "venue_naam"] == expected.loc[KERN, "venue_naam"]

    app.switch_page(PAGE)
    _upload(_rerun(app), _venue_csv(root))
    _click(app, "Lijst opslaan")
    app.switch_page("pages/kernen.py")
    table = _rerun(app).dataframe[-1].value.set_index("Kern")
    assert table.loc[KERN, "Dichtstbijzijnde ontmoetingsplek"] == SCRIPT
    assert table.loc[KERN, "Afstand (km)"] < 0.2
    after = store.read_layer(REGION, "bereik_bike").set_index("naam")
    assert after.loc[KERN, "venue_naam"] == SCRIPT, "the stored reach includes the own list"
    assert after.loc[KERN, "afstand_m"] == pytest.approx(table.loc[KERN, "Afstand (km)"] * 1000,
                                                         abs=1)

    kernen = store.read_layer(REGION, "kernen")
    [kern_id] = kernen.loc[kernen["naam"] == KERN, "kern_id"]
    app.switch_page("pages/kaart.py")
    _rerun(app).selectbox(key="kaart_kern").set_value(kern_id)
    _rerun(app)
    assert f"**{plain_markdown(SCRIPT)}** (overig)" in [m.value for m in app.markdown]
    assert all(SCRIPT not in text for text in _rendered_markdown(app))


def test_undo_and_redo_a_merge(monkeypatch, root: Path) -> None:
    app = _accepted(monkeypatch, root)
    store = Store(root)
    merged = read_region_venues(store, REGION)
    editor = app.data_editor[0]
    position = list(editor.value["Naam in eigen lijst"]).index("Dorpshuis Schipborg")
    pair_id = editor.value.index[position]

    app.session_state[editor.key] = {"edited_rows": {position: {el.MERGED: False}},
                                     "added_rows": [], "deleted_rows": []}
    _rerun(app)
    assert app.success[0].value == plain_markdown(
        "1 samenvoeging ongedaan gemaakt: die plekken tellen nu apart.")
    merges = venue_merges(store, REGION).set_index("pair_id")
    assert bool(merges.loc[pair_id, "ongedaan"])
    apart = read_region_venues(store, REGION)
    assert len(apart) == len(merged) + 1
    schipborg = apart[apart["naam"] == "Dorpshuis Schipborg"]
    assert set(schipborg["source"]) == {f"eigen lijst: {FILE}", "Stemlokaal TK2023"}
    _assert_reach_is_current(root)
    editor = app.data_editor[0]
    assert not editor.value.loc[pair_id, el.MERGED]

    position = list(editor.value.index).index(pair_id)
    app.session_state[editor.key] = {"edited_rows": {position: {el.MERGED: True}},
                                     "added_rows": [], "deleted_rows": []}
    _rerun(app)
    assert app.success[0].value == plain_markdown("1 samenvoeging hersteld.")
    again = read_region_venues(store, REGION)
    pd.testing.assert_frame_equal(again.drop(columns="geometry"), merged.drop(columns="geometry"))
    _assert_reach_is_current(root)


def test_removing_a_list(monkeypatch, root: Path) -> None:
    app = _click(_accepted(monkeypatch, root), "Verwijderen")
    assert app.success[0].value == plain_markdown(f"Lijst {FILE} is verwijderd.")
    assert own_lists(Store(root), REGION).empty
    assert not app.data_editor
    assert len(read_region_venues(Store(root), REGION)) == len(Store(root).read_layer(REGION,
                                                                                     "venues"))
    _assert_reach_is_current(root)
    stored = Store(root).read_layer(REGION, "bereik_bike")
    assert SCRIPT not in set(stored["venue_naam"])


def test_waiting_address_is_kept_offline_and_found_later(
    monkeypatch, root: Path, replay_server
) -> None:
    content = "naam;adres;postcode;plaats\nDorpshuis Schipborg;Borgweg 15;9469 PE;Schipborg\n"
    app = _upload(_open(monkeypatch, root), content.encode("utf-8"), "leden.csv")
    assert _metrics(app)["Wacht op geocodering"] == "1"
    assert any("1 rij wacht op geocodering" in w.value for w in app.warning)
    assert "De rij is bewaard" in app.dataframe[0].value["Toelichting"].iloc[0]
    _click(app, "Lijst opslaan")
    assert own_lists(Store(root), REGION)["wachtend"].tolist() == [1]
    assert [t.value for t in app.text] == ["leden.csv", "1 plek, waarvan 1 wacht op geocodering"]

    _click(app, "Adressen opnieuw opzoeken")
    [warning] = [w.value for w in app.warning if "niets verloren" in w.value]
    assert warning.startswith(plain_markdown("Er is geen adres gevonden"))
    assert "PDOK Locatieserver" in app.dataframe[0].value["Toelichting"].iloc[0]
    assert app.dataframe[0].value["Status"].tolist() == ["wacht op geocodering"]
    assert own_lists(Store(root), REGION)["wachtend"].tolist() == [1]

    replay_server.add(LOCATIESERVER, json.loads(BORGWEG.read_text("utf-8")))
    monkeypatch.setattr(locatieserver, "LOCATIESERVER_URL", replay_server.base_url + LOCATIESERVER)
    _click(app, "Adressen opnieuw opzoeken")
    assert app.success[0].value == plain_markdown("1 adres gevonden en opgeslagen.")
    [query] = replay_server.requests[0]["query"]["q"]
    assert query.startswith("Borgweg 15")
    assert query.endswith("Schipborg")
    own = Store(root).read_layer(REGION, OWN_LAYER)
    assert (own.geometry.x.iloc[0], own.geometry.y.iloc[0]) == (240939.996, 566028.991)
    assert own_lists(Store(root), REGION)["wachtend"].tolist() == [0]
    _assert_reach_is_current(root)
    assert app.data_editor[0].value["Naam in andere bron"].tolist() == ["Dorpshuis Schipborg"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"code;x;y\nDorpshuis;240939;566028\n", "geen kolom met de naam van de plek"),
        (b"naam;x;y\n" + b"a" * MAX_FILE_BYTES, f"het maximum is {MAX_FILE_BYTES // 2**20} MB"),
        (PNG, "dit is geen tabel (het lijkt een afbeelding)"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "dit is geen tabel (het lijkt een PDF)"),
    ],
    ids=["geen naamkolom", "te groot", "afbeelding", "pdf"],
)
def test_unusable_file_gives_a_dutch_error(monkeypatch, root: Path, content, expected) -> None:
    before = _layer_files(root)
    app = _upload(_open(monkeypatch, root), content, "**vet** lijst.csv")
    [error] = app.error
    assert plain_markdown(expected) in error.value
    assert plain_markdown("**vet** lijst.csv") in error.value
    assert "tekencodering" not in error.value
    assert not app.metric
    assert "Lijst opslaan" not in [b.label for b in app.button]
    assert _layer_files(root) == before


def test_helpers_of_the_page() -> None:
    assert set(el.FIELD_LABELS) == set(el.FIELDS)
    assert el.waiting(1, "rij", "rijen") == "1 rij wacht"
    assert el.waiting(3, "plek", "plekken") == "3 plekken wachten"
    assert el.list_counts(1, 0) == "1 plek"
    assert el.list_counts(12, 2) == "12 plekken, waarvan 2 wachten op geocodering"
    assert el.list_name("eigen lijst: leden.csv") == "leden.csv"
    report = pd.DataFrame({"rij": [2, 3], "naam": ["a", "b"], "status": ["afgewezen"] * 2,
                           "toelichting": ["", ""]})
    assert el.status_counts(report) == dict.fromkeys(STATUSES, 0) | {"afgewezen": 2}
    mixed = report.assign(status=["geaccepteerd", "afgewezen"])
    assert el.report_table(mixed)["Rij"].tolist() == [3, 2]
    shown = pd.DataFrame({el.MERGED: [True, False, True]}, index=["p1", "p2", "p3"])
    edited = pd.DataFrame({el.MERGED: [False, True, True]}, index=["p1", "p2", "p3"])
    assert el.merge_changes(shown, edited) == {"p1": True, "p2": False}


# --------------------------------------------------------------------------- columns, duplicates


def _schipborg() -> dict[str, str]:
    return next(row for row in _stembureaus() if row["Naam stembureau"] == "Dorpshuis Schipborg")


def _selectbox(app: AppTest, label: str):
    [box] = [b for b in app.selectbox if b.label == label]
    return box


def _column_lines(app: AppTest) -> str:
    return next(m.value for m in app.markdown if "gebruikt als" in m.value)


def test_page_shows_the_columns_it_chose_and_the_user_changes_them(
    monkeypatch, root: Path
) -> None:
    schipborg = _schipborg()
    content = ("Naam accommodatie;Gebouw;X-coördinaat;Y-coördinaat;Telefoon\n"
               f"Zaal achter de kerk;Dorpshuis Schipborg;{schipborg['X']};{schipborg['Y']};0592\n")
    app = _upload(_open(monkeypatch, root), content.encode("utf-8"), "verenigingen.csv")
    lines = _column_lines(app)
    for line in ("Kolom 'Naam accommodatie' gebruikt als naam.",
                 "Kolom 'X-coördinaat' gebruikt als x-coördinaat.",
                 "Kolom 'Y-coördinaat' gebruikt als y-coördinaat.",
                 "Niet gebruikt: 'Gebouw', 'Telefoon'."):
        assert plain_markdown(line) in lines, lines
    naam = _selectbox(app, "Naam")
    assert naam.value == "Naam accommodatie"
    assert naam.options == ["(geen)", "Naam accommodatie", "Gebouw", "X-coördinaat",
                            "Y-coördinaat", "Telefoon"]
    assert _selectbox(app, "Soort").value == "(geen)"
    assert app.dataframe[0].value["Naam"].tolist() == ["Zaal achter de kerk"]

    _selectbox(app, "Naam").set_value("Gebouw")
    _selectbox(app, "Telt mee (ja/nee)").set_value("(geen)")
    _click(app, "Opnieuw controleren met deze kolommen")
    assert plain_markdown("Kolom 'Gebouw' gebruikt als naam.") in _column_lines(app)
    assert _selectbox(app, "Naam").value == "Gebouw"
    report = app.dataframe[0].value
    assert report["Naam"].tolist() == ["Dorpshuis Schipborg"]
    assert report["Status"].tolist() == ["geaccepteerd"]
    assert "Soort dorpshuis" in report["Toelichting"].iloc[0]
    _click(app, "Lijst opslaan")
    assert Store(root).read_layer(REGION, OWN_LAYER)["naam"].tolist() == ["Dorpshuis Schipborg"]


def test_a_file_without_name_column_is_fixed_by_choosing_the_column(
    monkeypatch, root: Path
) -> None:
    content = b"Wat;X;Y\nDorpshuis Schipborg;240940;566029\n"
    app = _upload(_open(monkeypatch, root), content, "lijst.csv")
    [error] = app.error
    assert "geen kolom met de naam van de plek" in error.value
    assert not app.metric
    assert app.expander[-1].proto.expanded
    assert _selectbox(app, "Naam").value == "(geen)"
    assert _selectbox(app, "X-coördinaat").value == "X"
    _selectbox(app, "Naam").set_value("Wat")
    _click(app, "Opnieuw controleren met deze kolommen")
    assert not app.error
    assert _metrics(app)["Geaccepteerd"] == "1"
    assert app.dataframe[0].value["Naam"].tolist() == ["Dorpshuis Schipborg"]


def _newer_version(root: Path) -> bytes:
    """The test list without its last polling station, plus one new dorpshuis."""
    lines = _venue_csv(root).decode("utf-8").splitlines()
    x, y = _kern_point(root)
    new = f"Dorpshuis Nieuw;;{KERN};{_comma(round(x - 300, 1))};{_comma(round(y, 1))}"
    return ("\n".join([*lines[:-3], *lines[-2:], new]) + "\n").encode("utf-8")


def test_a_newer_version_of_a_stored_list_replaces_it(monkeypatch, root: Path) -> None:
    app = _accepted(monkeypatch, root)
    stored = len(_stembureaus()) + 1
    _upload(app, _newer_version(root))
    [choice] = app.radio
    assert choice.value == "vervang"
    assert choice.options == [
        plain_markdown(f"Vervang de opgeslagen lijst '{FILE}' ({stored} plekken) door dit bestand"),
        plain_markdown("Voeg toe als aparte lijst 'dorpshuizen (2).csv'; plekken die al in de "
                       "opgeslagen lijst staan, worden overgeslagen"),
    ]
    assert _metrics(app)["Dubbel"] == "0"
    assert _metrics(app)["Geaccepteerd"] == str(stored)
    _click(app, "Lijst opslaan")
    assert app.success[0].value == plain_markdown(
        f"Lijst {FILE} is opgeslagen: {stored} plekken. De vorige versie ({stored} plekken) is "
        "vervangen. De kaart, de kernen en het scenario rekenen er nu mee.")
    own = Store(root).read_layer(REGION, OWN_LAYER)
    assert len(own) == stored
    assert own["venue_id"].is_unique
    assert "Dorpshuis Nieuw" in set(own["naam"])
    assert _stembureaus()[-1]["Naam stembureau"] not in set(own["naam"])
    assert own_lists(Store(root), REGION)["source"].tolist() == [f"eigen lijst: {FILE}"]
    _assert_reach_is_current(root)


def test_a_newer_version_kept_apart_stores_only_the_new_places(monkeypatch, root: Path) -> None:
    app = _accepted(monkeypatch, root)
    stored = len(_stembureaus()) + 1
    _upload(app, _newer_version(root))
    app.radio[0].set_value("apart")
    _rerun(app)
    metrics = _metrics(app)
    assert metrics["Dubbel"] == str(stored - 1)
    assert metrics["Geaccepteerd"] == "1"
    report = app.dataframe[0].value.set_index("Naam")
    assert "Dorpshuis Schipborg" in report.index
    assert report.loc["Dorpshuis Schipborg", "Status"] == "dubbel"
    assert f"in lijst '{FILE}'" in report.loc["Dorpshuis Schipborg", "Toelichting"]
    _click(app, "Lijst opslaan")
    assert app.success[0].value == plain_markdown(
        f"Lijst dorpshuizen (2).csv is opgeslagen: 1 plek. {stored - 1} plekken stonden al in "
        "een andere lijst en zijn niet nog eens opgeslagen. De kaart, de kernen en het scenario "
        "rekenen er nu mee.")
    assert own_lists(Store(root), REGION).to_dict("records") == [
        {"source": "eigen lijst: dorpshuizen (2).csv", "plekken": 1, "wachtend": 0},
        {"source": f"eigen lijst: {FILE}", "plekken": stored, "wachtend": 0},
    ]


def test_the_same_places_in_a_second_list_are_reported_and_stored_once(
    monkeypatch, root: Path
) -> None:
    app = _accepted(monkeypatch, root)
    before = len(Store(root).read_layer(REGION, OWN_LAYER))
    schipborg = _schipborg()
    content = ("Naam locatie;Breedtegraad;Lengtegraad\n"
               f"dorpshuis schipborg;{schipborg['Latitude']}°N;{schipborg['Longitude']}°E\n")
    _upload(app, content.encode("utf-8"), "gemeente.csv")
    assert not app.radio
    assert _metrics(app)["Dubbel"] == "1"
    report = app.dataframe[0].value
    assert report["Status"].tolist() == ["dubbel"]
    assert report["Toelichting"].iloc[0].startswith(
        f"Dubbel: deze plek staat al in lijst '{FILE}' als 'Dorpshuis Schipborg'")
    assert any("Alle bruikbare plekken uit dit bestand staan al in een opgeslagen lijst" in w.value
               for w in app.warning)
    assert "Lijst opslaan" not in [b.label for b in app.button]
    assert len(Store(root).read_layer(REGION, OWN_LAYER)) == before
