"""The operator's switch: who may write shared data from the web.

Reading and exploring are open to everyone. Writing data that every visitor sees — fetching or
refreshing gemeenten, importing downloaded files, building road networks — is an operator
action, offered on the page only when the operator switches it on:

- ``ONTMOETINGSKAART_BEHEER=1`` in the server's environment: on for every visitor (for a
  server that only the operator can reach);
- or ``beheer_wachtwoord`` in Streamlit's secrets (``.streamlit/secrets.toml``): a visitor
  who types that password on the page gets the actions for that browser session.

Folder imports read only the folders the operator configured (``ONTMOETINGSKAART_DATAMAPPEN``,
separated by ``os.pathsep``; default ``../shared/data`` next to the repository), never a path
typed on the page.

Own lists (page *Eigen lijst*) and corrections on the map are edits of content by the
associations that use the map; they are not behind this switch.
"""

from __future__ import annotations

import hmac
import os
from pathlib import Path

import streamlit as st

ADMIN_ENV = "ONTMOETINGSKAART_BEHEER"
FOLDERS_ENV = "ONTMOETINGSKAART_DATAMAPPEN"
PASSWORD_SECRET = "beheer_wachtwoord"  # noqa: S105 - the name of the secret, not its value
DEFAULT_FOLDER = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
"""``../shared/data`` next to the repository: the folder ``scripts/start.sh`` imports from."""
SWITCHED_ON = frozenset({"1", "ja", "aan", "true", "yes", "on"})

UNLOCKED_KEY = "_beheer_ontgrendeld"
PASSWORD_KEY = "beheer_wachtwoord_invoer"  # noqa: S105 - a session-state key
WRONG_KEY = "_beheer_wachtwoord_fout"

CLOSED_TEXT = (
    "Gegevens ophalen en verversen doet de beheerder van deze kaart, voor iedereen tegelijk. "
    "De beheerder doet dat op de server, of zet het voor deze pagina aan; hoe, staat in de "
    "handleiding bij de kaart (README, onderdeel *Beheer*). Kloppen er gegevens niet of zijn "
    "ze verouderd, meld het dan bij de beheerder."
)
PASSWORD_TEXT = "Bent u de beheerder? Vul dan het wachtwoord in."  # noqa: S105 - a prompt


def switched_on() -> bool:
    """Whether the operator switched the actions on for every visitor (environment)."""
    return os.environ.get(ADMIN_ENV, "").strip().lower() in SWITCHED_ON


def password() -> str | None:
    """The operator's password from Streamlit's secrets; ``None`` when none is set."""
    if not st.secrets.load_if_toml_exists():
        return None
    value = st.secrets.get(PASSWORD_SECRET)
    return str(value) if value else None


def allowed() -> bool:
    """Whether this session may run the operator's actions."""
    if switched_on():
        return True
    return password() is not None and st.session_state.get(UNLOCKED_KEY) is True


def gate() -> bool:
    """True when this session may run the operator's actions.

    Otherwise the page says, in Dutch, that the beheerder does this and how, offers the
    password field when a password is set, and this returns False.
    """
    if allowed():
        return True
    st.info(CLOSED_TEXT, icon=":material/admin_panel_settings:")
    if password() is None:
        return False
    with st.form("beheer_inloggen"):
        st.text_input("Wachtwoord van de beheerder", type="password", key=PASSWORD_KEY,
                      help=PASSWORD_TEXT)
        st.form_submit_button("Ontgrendelen", icon=":material/lock_open:", on_click=_unlock)
    if st.session_state.pop(WRONG_KEY, False):
        st.error("Dat wachtwoord klopt niet.")
    return False


def _unlock() -> None:
    """Form callback: compare the typed password in constant time."""
    typed = str(st.session_state.get(PASSWORD_KEY, ""))
    expected = password()
    if expected is not None and hmac.compare_digest(typed.encode(), expected.encode()):
        st.session_state[UNLOCKED_KEY] = True
    else:
        st.session_state[WRONG_KEY] = True


def data_folders() -> tuple[Path, ...]:
    """The folders a folder import may read: the operator's list, existing folders only."""
    configured = os.environ.get(FOLDERS_ENV)
    names = configured.split(os.pathsep) if configured else [str(DEFAULT_FOLDER)]
    folders = []
    for name in names:
        folder = Path(name.strip()).expanduser().resolve()
        if name.strip() and folder.is_dir() and folder not in folders:
            folders.append(folder)
    return tuple(folders)


def allowed_folder(choice: str) -> Path | None:
    """The configured data folder ``choice`` names, or ``None`` for any other path."""
    if not choice:
        return None
    wanted = Path(choice).expanduser().resolve()
    return next((folder for folder in data_folders() if folder == wanted), None)
