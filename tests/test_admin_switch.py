"""The operator's switch (issue 11, item 2): the Gegevens page offers fetching, refreshing and
folder imports only when the operator switched them on, by environment or by a password in
Streamlit's secrets; folder imports read only the configured data folders."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from loaders.store import DATA_ENV, NATIONAL, Store
from tests.test_pages import _store_with_kernen_only
from ui import admin

REPO = Path(__file__).resolve().parent.parent
FORM_FIELD = "Gemeentecodes"


def _gegevens(
    monkeypatch: pytest.MonkeyPatch, root: Path, *, switch: str | None = None,
    secret: str | None = None, folders: list[Path] | None = None,
) -> AppTest:
    monkeypatch.setenv(DATA_ENV, str(root))
    if switch is None:
        monkeypatch.delenv(admin.ADMIN_ENV, raising=False)
    else:
        monkeypatch.setenv(admin.ADMIN_ENV, switch)
    if folders is not None:
        monkeypatch.setenv(admin.FOLDERS_ENV, ":".join(str(f) for f in folders))
    monkeypatch.chdir(REPO)
    app = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=120)
    if secret is not None:
        app.secrets[admin.PASSWORD_SECRET] = secret
    app.run()
    app.switch_page("pages/gegevens.py")
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _labels(app: AppTest) -> list[str]:
    return [field.label for field in app.text_input]


@pytest.mark.parametrize("switch", [None, "0", "nee"])
def test_without_the_switch_the_page_says_who_refreshes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, switch: str | None
) -> None:
    _store_with_kernen_only(tmp_path)
    app = _gegevens(monkeypatch, tmp_path, switch=switch)
    assert FORM_FIELD not in _labels(app)
    assert "Ophalen" not in [button.label for button in app.button]
    assert not [box for box in app.selectbox if box.key == "ophalen_map"]
    [notice] = [info.value for info in app.info if "beheerder" in info.value]
    assert "README" in notice
    assert "*Beheer*" in notice
    assert "Wachtwoord van de beheerder" not in _labels(app), "no password is set"
    assert app.dataframe, "reading stays open"


@pytest.mark.parametrize("switch", ["1", "ja", "aan"])
def test_the_environment_switch_opens_the_form(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, switch: str
) -> None:
    app = _gegevens(monkeypatch, tmp_path, switch=switch)
    assert _labels(app) == [FORM_FIELD]
    assert not [info for info in app.info if "beheerder van deze kaart" in info.value]


def test_the_password_in_secrets_opens_the_form_for_this_session(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    app = _gegevens(monkeypatch, tmp_path, secret="geheim-wachtwoord")  # noqa: S106 - a test password
    assert _labels(app) == ["Wachtwoord van de beheerder"]
    password = app.text_input(key=admin.PASSWORD_KEY)
    assert password.proto.type == password.proto.PASSWORD

    password.set_value("geheim")
    app.button[0].click()
    app.run()
    assert [error.value for error in app.error] == ["Dat wachtwoord klopt niet."]
    assert FORM_FIELD not in _labels(app)

    app.text_input(key=admin.PASSWORD_KEY).set_value("geheim-wachtwoord")
    app.button[0].click()
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert _labels(app) == [FORM_FIELD]
    app.run()
    assert _labels(app) == [FORM_FIELD], "stays open for this session"


def test_folder_choice_offers_only_the_configured_folders(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    first, second = tmp_path / "data-a", tmp_path / "data-b"
    first.mkdir()
    second.mkdir()
    store = tmp_path / "store"
    app = _gegevens(monkeypatch, store, switch="1",
                    folders=[first, tmp_path / "bestaat-niet", second, first])
    assert app.selectbox(key="ophalen_map").options == [str(first), str(second)]


def test_a_path_outside_the_configured_folders_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv(admin.FOLDERS_ENV, str(data))
    assert admin.allowed_folder(str(data)) == data.resolve()
    assert admin.allowed_folder(f"{data}/../data") == data.resolve()
    for outside in ("/etc", str(tmp_path), f"{data}/..", str(data / "sub"), "", "~"):
        assert admin.allowed_folder(outside) is None, outside


def test_a_folder_no_longer_configured_reads_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The folder is checked again when the form is sent: one the operator no longer
    configures is refused in Dutch and the store is left as it was."""
    data = tmp_path / "data"
    data.mkdir()
    _store_with_kernen_only(tmp_path / "store")
    before = Store(tmp_path / "store").manifest(NATIONAL)
    app = _gegevens(monkeypatch, tmp_path / "store", switch="1", folders=[data])
    monkeypatch.setattr(admin, "data_folders", lambda: ())
    app.text_input(key="ophalen_codes").set_value("GM1680")
    app.radio(key="ophalen_bron").set_value("Gedownloade bestanden in een map")
    app.button[0].click()
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert "Kies een van de ingestelde gegevensmappen" in app.error[0].value
    assert Store(tmp_path / "store").manifest(NATIONAL) == before


def test_default_data_folder_is_shared_data_next_to_the_repository(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(admin.FOLDERS_ENV, raising=False)
    assert REPO.parent / "shared" / "data" == admin.DEFAULT_FOLDER
    # The folder may be reached through a symbolic link (a CI checkout): compared resolved.
    assert admin.data_folders() == ((admin.DEFAULT_FOLDER.resolve(),)
                                    if admin.DEFAULT_FOLDER.is_dir() else ())
