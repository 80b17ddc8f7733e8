"""Geocode Dutch addresses with the PDOK Locatieserver (``/search/v3_1/free``).

One request per address: ``q=<address>&fq=type:adres&rows=1``. The answer is a Solr envelope,
``{"response": {"numFound": n, "docs": [{"weergavenaam": ..., "centroide_rd": "POINT(x y)",
"gemeentecode": "1680", "postcode": ..., "huisnummer": ...}]}}``; only the best match is used.
The addresses come from the BAG (public domain).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import requests

from loaders.errors import SourceFormatError
from loaders.http import make_session, request_json
from loaders.regions import GEMEENTE_DIGITS

SOURCE = "PDOK Locatieserver"
LOCATIESERVER_URL = "https://api.pdok.nl/bzk/locatieserver/search/v3_1/free"
TIMEOUT = (5.0, 20.0)
"""Connect and read timeout of one look-up, in seconds."""

_POINT = re.compile(
    r"^\s*POINT\s*\(\s*([-+]?\d+(?:\.\d+)?)\s+([-+]?\d+(?:\.\d+)?)\s*\)\s*$", re.IGNORECASE
)


@dataclass(frozen=True)
class Address:
    """The best match for an address.

    Attributes
    ----------
    x, y
        RD New coordinates of the address point (``centroide_rd``).
    weergavenaam
        The address as PDOK writes it, e.g. ``"Borgweg 15, 9469PE Schipborg"``.
    gemeentecode
        ``"GM1680"``; ``None`` when the answer has none.
    postcode, huisnummer
        As found, for checking the match against the question; ``None`` when absent.
    """

    x: float
    y: float
    weergavenaam: str
    gemeentecode: str | None
    postcode: str | None
    huisnummer: int | None


def geocode_address(
    query: str,
    *,
    session: requests.Session | None = None,
    base_url: str = LOCATIESERVER_URL,
    timeout: tuple[float, float] | float = TIMEOUT,
) -> Address | None:
    """Look up one address.

    Parameters
    ----------
    query
        Free text, e.g. ``"Borgweg 15, 9469PE Schipborg"``.
    session
        HTTP session; a new one from :func:`loaders.http.make_session` when ``None``.
    base_url
        The ``free`` endpoint.
    timeout
        Connect and read timeout in seconds.

    Returns
    -------
    Address or None
        The best match, or ``None`` when the Locatieserver found no address.

    Raises
    ------
    SourceUnavailable
        When the Locatieserver does not answer (offline, timeout, HTTP 429/5xx).
    SourceFormatError
        When the answer is not the expected JSON.
    """
    payload = request_json(
        session or make_session(),
        base_url,
        source=SOURCE,
        params={"q": query, "fq": "type:adres", "rows": 1},
        timeout=timeout,
    )
    return parse_locatieserver(payload)


def parse_locatieserver(payload: object) -> Address | None:
    """The best match of a Locatieserver answer; ``None`` when it has no documents.

    Raises
    ------
    SourceFormatError
        When the answer lacks ``response.docs`` or the first document lacks a readable
        ``centroide_rd``.
    """
    response = payload.get("response") if isinstance(payload, dict) else None
    docs = response.get("docs") if isinstance(response, dict) else None
    if not isinstance(docs, list):
        raise SourceFormatError(
            SOURCE, "het antwoord heeft niet de vorm {'response': {'docs': [...]}}."
        )
    if not docs:
        return None
    doc = docs[0]
    point = doc.get("centroide_rd") if isinstance(doc, dict) else None
    match = _POINT.match(point) if isinstance(point, str) else None
    if match is None:
        raise SourceFormatError(
            SOURCE, f"de gevonden plek heeft geen leesbare 'centroide_rd' ({point!r:.60})."
        )
    code = doc.get("gemeentecode")
    number = doc.get("huisnummer")
    return Address(
        x=float(match.group(1)),
        y=float(match.group(2)),
        weergavenaam=str(doc.get("weergavenaam") or ""),
        gemeentecode=_gemeentecode(code),
        postcode=str(doc["postcode"]) if doc.get("postcode") else None,
        huisnummer=number if isinstance(number, int) and not isinstance(number, bool) else None,
    )


def _gemeentecode(code: object) -> str | None:
    """``"1680"`` → ``"GM1680"``; anything else → ``None``."""
    text = str(code).strip() if isinstance(code, (str, int)) else ""
    if text.isdigit() and len(text) <= GEMEENTE_DIGITS:
        return f"GM{text.zfill(GEMEENTE_DIGITS)}"
    return None
