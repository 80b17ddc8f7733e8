"""The fetch/import form on the Gegevens page: offline fetch keeps data, folder import works and
replaces only the gemeenten it names in the national store, with the reach stored again.

The form is an operator action (:mod:`ui.admin`): these tests switch it on; the switch itself
is tested in ``tests/test_admin_switch.py``."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from loaders.store import DATA_ENV, NATIONAL, Store
from tests.conftest import SHARED_DATA
from tests.test_pages import _store_with_kernen_only
from ui.admin import ADMIN_ENV, FOLDERS_ENV
from views.text import plain_markdown

REPO = Path(__file__).resolve().parent.parent


def _gegevens(monkeypatch, root: Path) -> AppTest:
    monkeypatch.setenv(DATA_ENV, str(root))
    monkeypatch.setenv(ADMIN_ENV, "1")
    monkeypatch.setenv(FOLDERS_ENV, str(SHARED_DATA))
    monkeypatch.chdir(REPO)
    app = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=120)
    app.run()
    app.switch_page("pages/gegevens.py")
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _submit(app: AppTest, *, codes: str, bron: str, folder: str = "") -> AppTest:
    app.text_input(key="ophalen_codes").set_value(codes)
    app.radio(key="ophalen_bron").set_value(bron)
    if folder:
        app.selectbox(key="ophalen_map").set_value(folder)
    app.button[0].click()
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_offline_fetch_reports_every_source_and_keeps_the_stored_data(
    monkeypatch, tmp_path: Path
) -> None:
    _store_with_kernen_only(tmp_path)
    before = Store(tmp_path).manifest(NATIONAL)
    app = _gegevens(monkeypatch, tmp_path)
    assert app.text_input(key="ophalen_codes").value == "GM1680"
    assert [t.label for t in app.text_input] == ["Gemeentecodes"], "no free path field"
    assert app.selectbox(key="ophalen_map").options == [str(SHARED_DATA.resolve())]
    app = _submit(app, codes="GM1680", bron="Live bij CBS, RIVM, PDOK en OpenStreetMap")
    shown = " ".join(e.value for e in app.error)
    assert "geen verbinding" in shown
    assert "vorige gegevens blijven in gebruik" in shown
    assert Store(tmp_path).manifest(NATIONAL) == before


def test_folder_import_from_the_form_adds_only_the_named_gemeenten(
    monkeypatch, tmp_path: Path
) -> None:
    app = _gegevens(monkeypatch, tmp_path)
    app = _submit(app, codes="GM0308", bron="Gedownloade bestanden in een map",
                  folder=str(SHARED_DATA.resolve()))
    assert plain_markdown("buurten: 21 rijen opgeslagen") in app.success[0].value
    store = Store(tmp_path)
    assert store.regions() == [NATIONAL]
    manifest = store.manifest(NATIONAL)
    assert list(manifest.gemeenten) == ["GM0308"]
    reach = store.read_layer(NATIONAL, "bereik_bike")
    assert len(reach) == len(store.read_layer(NATIONAL, "kernen")) > 0
    assert set(reach["gemeentecode"]) == {"GM0308"}

    app = _submit(app, codes="GM1680", bron="Gedownloade bestanden in een map",
                  folder=str(SHARED_DATA.resolve()))
    manifest = Store(tmp_path).manifest(NATIONAL)
    assert sorted(manifest.gemeenten) == ["GM0308", "GM1680"]
    buurten = Store(tmp_path).read_layer(NATIONAL, "buurten")
    assert set(buurten["gemeentecode"]) == {"GM0308", "GM1680"}, "Baarn is kept"
    reach = Store(tmp_path).read_layer(NATIONAL, "bereik_bike")
    assert set(reach["gemeentecode"]) == {"GM0308", "GM1680"}


def test_bad_code_in_the_form_is_a_dutch_error(monkeypatch, tmp_path: Path) -> None:
    app = _gegevens(monkeypatch, tmp_path)
    app = _submit(app, codes="Baarn", bron="Live bij CBS, RIVM, PDOK en OpenStreetMap")
    assert "geen gemeentecode" in app.error[0].value
    assert Store(tmp_path).regions() == []
