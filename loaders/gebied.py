"""Areas a user can choose: Nederland, a province, one or more gemeenten, on the national store.

One parser serves the command line (``--gebied AREA``), the reports and the dashboard's URL,
so ``GM1680``, ``Aa en Hunze``, ``provincie Drenthe`` and ``NL`` mean the same everywhere.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from loaders.errors import UnknownRegionError
from loaders.regions import GEMEENTE_CODE, closest_names

NL_KEY = "NL"
PROVINCE_PREFIX = "provincie-"
SOURCE = "gebied"


@dataclass(frozen=True)
class Gebied:
    """A chosen area.

    Attributes
    ----------
    key
        Its URL form: ``"NL"``, ``"provincie-drenthe"``, ``"GM1680"`` or ``"GM1680,GM0308"``.
    label
        Dutch display name: ``"Nederland"``, ``"Provincie Drenthe"``, ``"Aa en Hunze"``.
    kind
        ``"land"``, ``"provincie"`` or ``"gemeente"`` (one or more gemeenten).
    codes
        The gemeente codes of the area, sorted.
    """

    key: str
    label: str
    kind: str
    codes: tuple[str, ...]

    @property
    def name(self) -> str:
        """The area's own name: ``Drenthe`` for the province, else the label."""
        return self.label.removeprefix("Provincie ") if self.kind == "provincie" else self.label

    @property
    def in_sentence(self) -> str:
        """The name inside a sentence: ``de provincie Drenthe``; a gemeente or the country as is.

        The label ``Provincie Drenthe`` names a choice in a list; in running Dutch text a
        province takes the article and a lower-case noun ("kernen in de provincie Drenthe").
        """
        if self.kind == "provincie":
            return f"de provincie {self.name}"
        return self.label

    @property
    def whole(self) -> str:
        """The whole area in a sentence: ``heel Nederland``, ``de hele provincie Drenthe``.

        Several gemeenten (``Aa en Hunze + Assen``) are ``alle gekozen gemeenten``.
        """
        if self.kind == "provincie":
            return f"de hele provincie {self.name}"
        if len(self.codes) > 1 and self.kind == "gemeente":
            return "alle gekozen gemeenten"
        return f"heel {self.label}"

    @property
    def menu_label(self) -> str:
        """The label in the sidebar's search list: a province by its own name first.

        Streamlit's selectbox sorts the options that match the typed text by a fuzzy score
        that favours a match near the start of the label. Typing "Drenthe" would put
        ``Midden-Drenthe`` before ``Provincie Drenthe`` (Enter takes the first), so a province
        is listed as ``Drenthe (provincie)``. A gemeente that is named exactly as typed
        (Groningen, Utrecht) stays first, with its province right after it.
        """
        if self.kind == "provincie":
            return f"{self.name} (provincie)"
        return self.label


def gebied_options(gemeenten: pd.DataFrame) -> list[Gebied]:
    """Nederland, then every province, then every gemeente by name.

    Parameters
    ----------
    gemeenten
        The stored ``gemeenten`` layer (``code``, ``naam``, optional ``provincie``).
    """
    table = _table(gemeenten)
    options = [Gebied(NL_KEY, "Nederland", "land", tuple(sorted(table["code"])))]
    if "provincie" in table:
        for name, part in sorted(table.dropna(subset=["provincie"]).groupby("provincie")):
            options.append(Gebied(PROVINCE_PREFIX + slug(str(name)), f"Provincie {name}",
                                  "provincie", tuple(sorted(part["code"]))))
    by_name = table.sort_values("naam", key=lambda s: s.map(_fold))
    options.extend(Gebied(row.code, str(row.naam), "gemeente", (row.code,))
                   for row in by_name.itertuples(index=False))
    return options


def resolve_gebied(
    text: str, gemeenten: pd.DataFrame, *, kernen: pd.DataFrame | None = None
) -> Gebied:
    """The area named by ``text``: a URL key, gemeente code(s), name, province or ``NL``.

    Parameters
    ----------
    text
        ``NL``/``Nederland``, ``provincie NAME`` (or a bare province name), one or more
        gemeente codes separated by commas, or a gemeente name (case and accents ignored).
    gemeenten
        The stored ``gemeenten`` layer.
    kernen
        The stored ``kernen`` layer; when given, a kern name gets a pointer to its gemeente.

    Raises
    ------
    UnknownRegionError
        With a Dutch message naming the closest matches, for an unknown, ambiguous or empty
        area.
    """
    table = _table(gemeenten)
    names = dict(zip(table["code"], table["naam"], strict=True))
    wanted = " ".join(str(text).split())
    if not wanted:
        raise UnknownRegionError(SOURCE, "geen gebied opgegeven. Kies Nederland, een provincie "
                                 "of een gemeente.")
    options = gebied_options(table)
    folded = _fold(wanted)
    if folded in {"nl", "nederland"}:
        return options[0]
    provinces = {o.key: o for o in options if o.kind == "provincie"}
    province_key = PROVINCE_PREFIX + slug(re.sub(r"^provincie\s*[-: ]?\s*", "", folded))
    if province_key in provinces:
        return provinces[province_key]
    if folded.startswith("provincie"):
        raise UnknownRegionError(
            SOURCE, f"‘{wanted}’ is geen provincie. Kies uit: "
            + ", ".join(o.label.removeprefix("Provincie ") for o in provinces.values()) + ".",
        )
    parts = [p.strip().upper() for p in wanted.split(",") if p.strip()]
    if parts and all(GEMEENTE_CODE.match(p) for p in parts):
        unknown = [p for p in parts if p not in names]
        if unknown:
            raise UnknownRegionError(
                SOURCE, f"{', '.join(unknown)} is geen gemeente in de huidige indeling. "
                + _suggest(unknown[0], names),
            )
        codes = tuple(sorted(set(parts)))
        label = " + ".join(names[c] for c in codes)
        return Gebied(",".join(codes), label, "gemeente", codes)
    return _by_name(wanted, table, names, kernen)


def slug(name: str) -> str:
    """Lower-case ASCII with dashes (``"Fryslân"`` → ``"fryslan"``), for URL keys."""
    return re.sub(r"[^a-z0-9]+", "-", _fold(name)).strip("-")


def _by_name(
    wanted: str, table: pd.DataFrame, names: Mapping[str, str], kernen: pd.DataFrame | None
) -> Gebied:
    folded = _fold(wanted)
    plain = table["naam"].map(lambda n: _fold(re.sub(r"\s*\([^)]*\)", "", str(n))))
    exact = table[table["naam"].map(_fold) == folded]
    if exact.empty:
        exact = table[plain == folded]
    if len(exact) == 1:
        row = exact.iloc[0]
        return Gebied(row["code"], str(row["naam"]), "gemeente", (row["code"],))
    if len(exact) > 1:
        listed = " of ".join(f"{n} ({c})" for c, n in zip(exact["code"], exact["naam"],
                                                            strict=True))
        raise UnknownRegionError(SOURCE, f"‘{wanted}’ is niet eenduidig: bedoelt u {listed}?")
    if kernen is not None and len(kernen):
        hits = kernen[kernen["naam"].map(lambda n: _fold(str(n))) == folded]
        if len(hits):
            homes = sorted({f"{names.get(c, c)} ({c})" for c in hits["gemeentecode"].dropna()})
            raise UnknownRegionError(
                SOURCE, f"‘{wanted}’ is een kern, geen gemeente; hij ligt in "
                + " en ".join(homes) + ". Kies die gemeente.",
            )
    raise UnknownRegionError(SOURCE, f"‘{wanted}’ is geen gemeente of provincie. "
                             + _suggest(wanted, names))


def _suggest(wanted: str, names: Mapping[str, str]) -> str:
    if GEMEENTE_CODE.match(wanted.strip().upper()):
        return "Controleer de code (bijvoorbeeld GM1680 voor Aa en Hunze) of typ de naam."
    close = closest_names(wanted, names)
    if close:
        return "Bedoelt u " + " of ".join(close) + "?"
    return ("Gebruik een gemeentecode als GM1680, de naam van een gemeente, ‘provincie Drenthe’ "
            "of NL.")


def _table(gemeenten: pd.DataFrame) -> pd.DataFrame:
    columns = [c for c in ("code", "naam", "provincie") if c in gemeenten.columns]
    table = pd.DataFrame(gemeenten[columns]).drop_duplicates("code")
    return table.assign(naam=table["naam"].fillna(table["code"])).reset_index(drop=True)


def _fold(text: object) -> str:
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return " ".join(ascii_text.lower().replace("’", "'").split())
