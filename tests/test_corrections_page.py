"""Corrections from the dashboard through AppTest: the buttons in a kern's detail on the Kaart
page, the page 'Correcties', and the Export page's kernen file, on a writable copy of the
national store holding Aa en Hunze."""

from __future__ import annotations

import io
import shutil
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from loaders import clock
from loaders.corrections import BRON, add_place, corrections, set_counts
from loaders.store import Store
from loaders.venue_rules import VENUE_RULES
from pipeline.reach import reach_inputs, reach_layer, refresh_reach
from tests.region_stores import REGION, demo_region_store
from tests.test_corrections import EEXT_CAFE, GIETEN, GIETEN_SCHOOL
from tests.test_pages import _app, _run
from ui import corrections as uc
from ui.corrections import ADRES_KEY, NAAM_KEY, PUNT_KEY
from views.text import format_km

KAART = "pages/kaart.py"
CORRECTIES = "pages/correcties.py"
EXPORT = "pages/export.py"
SUBMIT = "FormSubmitter:correctie_toevoegen-Plek toevoegen"
DAY = date(2025, 5, 12)


@pytest.fixture
def root(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    """A writable copy of the national store holding Aa en Hunze (reach stored)."""
    source = demo_region_store(tmp_path_factory, "aa-en-hunze")
    shutil.copytree(source / REGION, tmp_path / REGION)
    return tmp_path


def _gieten(app):
    """The Kaart page with Gieten's detail open."""
    app = _run(app, KAART)
    app.selectbox(key="kaart_kern").set_value(GIETEN).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _buttons(app) -> dict[str, str]:
    return {b.key: b.label for b in app.button if b.key and b.key.startswith("correctie_plek_")}


def _nearest_text(app) -> str:
    return next(m.value for m in app.markdown if m.value.startswith("**"))


def _stored_reach(root: Path) -> pd.Series:
    store = Store(root)
    manifest = store.manifest(REGION)
    entry = manifest.layers[reach_layer("bike")]
    assert entry.inputs == reach_inputs(manifest, "bike"), "the stored reach is up to date"
    return store.read_layer(REGION, reach_layer("bike")).set_index("kern_id").loc[GIETEN]


def test_kern_without_place_lists_nearby_places_and_one_click_makes_one_count(
    monkeypatch, root
) -> None:
    app = _gieten(_app(monkeypatch, root))
    [expander] = [e for e in app.expander if "Gieten" in e.label]
    assert expander.label == "Plekken in en bij Gieten controleren"
    assert any("ligt geen plek die meetelt" in i.value for i in app.info)
    before = format_km(_stored_reach(root)["afstand_m"])
    assert app.metric[0].value == before
    school = next(m.value for m in app.markdown if m.value.startswith("**Openbare basisschool"))
    assert " km hemelsbreed · telt niet mee" in school, "the list's distance is a straight line"
    buttons = _buttons(app)
    assert buttons == {
        "correctie_plek_stemlokaal:TK2023:26965": "Telt als ontmoetingsplek",  # gemeentehuis
        "correctie_plek_stemlokaal:TK2023:26973": "Telt als ontmoetingsplek",  # zorgcentrum
        f"correctie_plek_{GIETEN_SCHOOL}": "Telt als ontmoetingsplek",
    }
    app.button(key=f"correctie_plek_{GIETEN_SCHOOL}").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert "Openbare basisschool Gieten’ telt nu als ontmoetingsplek" in app.success[0].value
    assert app.metric[0].value == format_km(_stored_reach(root)["afstand_m"]) != before
    assert "Openbare basisschool Gieten" in _nearest_text(app)
    assert _buttons(app)[f"correctie_plek_{GIETEN_SCHOOL}"] == "Ongedaan maken"
    assert not any("ligt geen plek die meetelt" in i.value for i in app.info)
    [row] = corrections(Store(root), REGION).itertuples(index=False)
    assert (row.venue_id, row.bron, row.datum) == (GIETEN_SCHOOL, BRON, clock.today().isoformat())
    assert _stored_reach(root)["venue_id"] == GIETEN_SCHOOL
    # and back again
    app.button(key=f"correctie_plek_{GIETEN_SCHOOL}").click().run()
    assert "ongedaan gemaakt" in app.success[0].value
    assert app.metric[0].value == before
    assert corrections(Store(root), REGION).empty
    assert _stored_reach(root)["venue_id"] == EEXT_CAFE


def test_corrected_place_offers_undo_and_a_counting_place_telt_niet(monkeypatch, root) -> None:
    store = Store(root)
    set_counts(store, REGION, GIETEN_SCHOOL, counts=True, datum=DAY)
    refresh_reach(store)
    app = _gieten(_app(monkeypatch, root))
    assert _buttons(app)[f"correctie_plek_{GIETEN_SCHOOL}"] == "Ongedaan maken"
    assert not any("ligt geen plek die meetelt" in i.value for i in app.info)
    eext = _run(_app(monkeypatch, root), KAART)
    kernen = store.read_layer(REGION, "kernen")
    [eext_id] = kernen.loc[kernen["naam"] == "Eext", "kern_id"]
    eext.selectbox(key="kaart_kern").set_value(eext_id).run()
    assert _buttons(eext)[f"correctie_plek_{EEXT_CAFE}"] == "Telt niet"
    eext.button(key=f"correctie_plek_{EEXT_CAFE}").click().run()
    assert not eext.exception, [e.value for e in eext.exception]
    assert "telt nu niet meer mee" in eext.success[0].value
    assert _buttons(eext)[f"correctie_plek_{EEXT_CAFE}"] == "Ongedaan maken"
    reach = Store(root).read_layer(REGION, reach_layer("bike"))
    assert EEXT_CAFE not in set(reach["venue_id"]) | set(reach["tweede_venue_id"])


def test_add_place_by_coordinates_and_refuse_a_duplicate(monkeypatch, root) -> None:
    app = _gieten(_app(monkeypatch, root))
    app.text_input(key=NAAM_KEY).input("Dorpshuis Gieten")
    app.text_input(key=PUNT_KEY).input("247472 558102")
    app.button(key=SUBMIT).click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert "‘Dorpshuis Gieten’ is toegevoegd" in app.success[0].value
    assert app.text_input(key=NAAM_KEY).value == ""
    assert "Dorpshuis Gieten" in _nearest_text(app)
    assert app.metric[0].value == "0,2 km"
    assert _stored_reach(root)["venue_naam"] == "Dorpshuis Gieten"
    app.text_input(key=NAAM_KEY).input("dorpshuis gieten")
    app.text_input(key=PUNT_KEY).input("53,00200 6,76515")  # about 30 m away: same name
    app.button(key=SUBMIT).click().run()
    assert "staat al op de kaart" in app.error[0].value
    assert len(corrections(Store(root), REGION)) == 1


def test_add_place_by_address_offline_says_so_and_stores_nothing(monkeypatch, root) -> None:
    app = _gieten(_app(monkeypatch, root))
    app.text_input(key=NAAM_KEY).input("Dorpshuis Gieten")
    app.text_input(key=ADRES_KEY).input("Brink 1, Gieten")
    app.button(key=SUBMIT).click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert "Zonder internet kan het niet" in app.error[0].value
    assert corrections(Store(root), REGION).empty
    app.button(key=SUBMIT).click().run()  # no name, no place
    assert app.error


def test_correcties_page_lists_undoes_and_explains(monkeypatch, root) -> None:
    store = Store(root)
    set_counts(store, REGION, GIETEN_SCHOOL, counts=True, datum=DAY)
    add_place(store, REGION, naam="Het Trefpunt", soort="buurthuis", x=247472.0, y=558102.0,
              datum=DAY)
    refresh_reach(store)
    app = _run(_app(monkeypatch, root), CORRECTIES)
    assert app.title[0].value == "Correcties"
    rows = [m.value for m in app.markdown if m.value.startswith("**Telt") or
            m.value.startswith("**Plek")]
    assert rows == [
        ("**Telt als ontmoetingsplek**: Openbare basisschool Gieten (School)  \n"
        "Kern Gieten, gemeente Aa en Hunze · bron: eigen invoer, 12-05-2025"),
        ("**Plek toegevoegd**: Het Trefpunt (Buurthuis \\/ wijkcentrum)  \n"
        "Kern Gieten, gemeente Aa en Hunze · bron: eigen invoer, 12-05-2025"),
    ]
    rules = next(m.value for m in app.markdown if "**Telt altijd**" in m.value)
    assert all(rule.label in rules for rule in VENUE_RULES)
    sources = app.dataframe[-1].value
    own = sources[sources["Bron"] == BRON].iloc[0]
    assert (own["Gemeente"], own["Plekken"], own["Tellen mee"]) == ("Aa en Hunze", 1, 1)
    stemlokaal = sources[sources["Bron"] == "Stemlokaal TK2023"].iloc[0]
    counted_before = stemlokaal["Tellen mee"]
    [first] = [b for b in app.button if b.label == "Ongedaan maken"][:1]
    first.click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert "ongedaan gemaakt" in app.success[0].value
    assert [e.label for e in app.expander] == ["Ongedaan gemaakt (1)"]
    assert app.dataframe[0].value["Plek"].tolist() == ["Openbare basisschool Gieten"]
    after = app.dataframe[-1].value
    assert after.loc[after["Bron"] == "Stemlokaal TK2023", "Tellen mee"].iloc[0] == (
        counted_before - 1)
    assert len(corrections(Store(root), REGION)) == 1


def test_export_names_the_added_place_and_its_provenance(monkeypatch, root, deferred) -> None:
    store = Store(root)
    add_place(store, REGION, naam="Dorpshuis Gieten", x=247472.0, y=558102.0, datum=DAY)
    set_counts(store, REGION, EEXT_CAFE, counts=False, datum=DAY)
    refresh_reach(store)
    _run(_app(monkeypatch, root), EXPORT)
    data = deferred["kernen_nl_fietsen_2000m.csv"].build()
    table = pd.read_csv(io.BytesIO(data), sep=";", decimal=",", encoding="utf-8-sig")
    gieten = table.set_index("Kern").loc["Gieten"]
    assert gieten["Dichtstbijzijnde ontmoetingsplek"] == "Dorpshuis Gieten"
    assert gieten["Bron ontmoetingsplek"] == "eigen invoer, 12-05-2025"
    assert "Eigen invoer" in gieten["Bron"]
    assert "Cafe/Restaurant Eext" not in set(table["Dichtstbijzijnde ontmoetingsplek"])


def test_a_clicked_map_point_gives_its_coordinates(monkeypatch) -> None:
    clicked = SimpleNamespace(selection=SimpleNamespace(points=[
        {"curve_number": 3, "point_index": 0, "lat": 53.002, "lon": 6.76515}]))
    monkeypatch.setattr(uc.st, "session_state", {"kaart_figuur": clicked, "leeg": None})
    assert uc._clicked_point("kaart_figuur") == (6.76515, 53.002)
    assert uc._clicked_point("leeg") is None
    assert uc._clicked_point("ontbreekt") is None
