"""Validation of CBS gemeente codes, shared by every loader and entry point that takes a region."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping

from loaders.errors import UnknownRegionError

GEMEENTE_DIGITS = 4
"""Digits of a CBS gemeente number (``1680`` in ``GM1680``)."""
GEMEENTE_CODE = re.compile(rf"^GM\d{{{GEMEENTE_DIGITS}}}$")
"""A stripped CBS gemeente code: ``GM`` and four digits."""


def gemeente_codes(
    codes: str | Iterable[str], *, source: str, lenient: bool = False
) -> list[str]:
    """Check gemeente codes and return them once each, in the order given.

    Parameters
    ----------
    codes
        One code or several.
    source
        Source name used in error messages (``"invoer"`` for user input).
    lenient
        Also accept padding, lower case and bare numbers (``" gm1680"``, ``"1680"``) and
        normalise them to ``GM1680``. Without it a code must already have that form.

    Returns
    -------
    list of str
        The codes, duplicates dropped.

    Raises
    ------
    UnknownRegionError
        For a code of another form, or when no code is given.
    """
    if isinstance(codes, str):
        codes = [codes]
    result: list[str] = []
    for raw in codes:
        code = _normalise(raw) if lenient else raw
        if not isinstance(code, str) or not GEMEENTE_CODE.match(code):
            raise UnknownRegionError(
                source,
                f"{raw!r} is geen gemeentecode; gebruik de vorm GM1680 (GM en vier cijfers).",
            )
        if code not in result:
            result.append(code)
    if not result:
        raise UnknownRegionError(source, "geef minstens één gemeentecode op (bijv. GM1680).")
    return result


def _normalise(raw: object) -> str:
    code = str(raw).strip().upper()
    return f"GM{int(code):04d}" if code.isdigit() else code


def closest_names(wanted: str, names: Mapping[str, str], *, limit: int = 3) -> list[str]:
    """The gemeenten whose name or code looks most like ``wanted`` (``"Name (GM0000)"``)."""
    by_key = {name.lower(): f"{name} ({code})" for code, name in names.items() if name}
    by_key |= {code.lower(): f"{name} ({code})" for code, name in names.items()}
    keys = difflib.get_close_matches(wanted.strip().lower(), list(by_key), n=limit, cutoff=0.5)
    found: list[str] = []
    for key in keys:
        if by_key[key] not in found:
            found.append(by_key[key])
    return found


def suggestion_text(wanted: str, names: Mapping[str, str]) -> str:
    """A Dutch sentence naming the closest gemeenten to ``wanted``, or a hint when none.

    A code is never matched to other codes by spelling (GM1689 is not 'close' to GM1896):
    for a code the hint is to check it or type the name.
    """
    if GEMEENTE_CODE.match(_normalise(wanted)):
        return "Controleer de code (bijvoorbeeld GM1680 voor Aa en Hunze) of typ de naam."
    close = closest_names(wanted, names)
    if close:
        return "Bedoelt u " + " of ".join(close) + "?"
    return "Gebruik een gemeentecode als GM1680 of de naam van een gemeente."
