"""Validation of CBS gemeente codes, shared by every loader and entry point that takes a region."""

from __future__ import annotations

import re
from collections.abc import Iterable

from loaders.errors import UnknownRegionError

GEMEENTE_CODE = re.compile(r"^GM\d{4}$")
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
