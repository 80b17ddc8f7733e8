"""One shared HTTP session for all loaders: timeouts, retries with backoff and clear errors."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from loaders.errors import SourceFormatError, SourceUnavailable

USER_AGENT = (
    "Ontmoetingskaart/0.1 (dashboard bereikbaarheid ontmoetingsplekken; "
    "python-requests; contact via projectrepository)"
)
DEFAULT_TIMEOUT = (10.0, 120.0)
RETRY_STATUSES = (429, 500, 502, 503, 504)


def make_session(*, retries: int = 4, backoff: float = 1.0) -> requests.Session:
    """Return a session with a descriptive User-Agent and retries on 429 and 5xx.

    A failed connection (no DNS, refused, no network) is retried once, at once: backing off
    does not bring a blocked network back, and the user should hear quickly that the source
    cannot be reached. Busy servers (429, 5xx) and read errors get the full backoff.

    Parameters
    ----------
    retries
        Number of retries per request after the first attempt.
    backoff
        Backoff factor in seconds; waits grow as ``backoff * 2**n`` and honour ``Retry-After``.
    """
    session = requests.Session()
    retry = Retry(
        total=retries,
        connect=min(retries, 1),
        read=retries,
        status=retries,
        backoff_factor=backoff,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET", "POST"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    session.headers["Accept"] = "application/json"
    return session


def request_json(
    session: requests.Session,
    url: str,
    *,
    source: str,
    params: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
) -> object:
    """GET (or POST when ``data`` is given) ``url`` and return the decoded JSON body.

    The body may be any JSON value; callers check its shape before they use it. ``timeout`` is
    as in :mod:`requests`: seconds, or a (connect, read) pair.

    Raises
    ------
    SourceUnavailable
        On timeouts, connection errors and HTTP errors (after the session's retries).
    SourceFormatError
        When the body is not valid JSON.
    """
    try:
        if data is None:
            response = session.get(url, params=params, timeout=timeout)
        else:
            response = session.post(url, params=params, data=data, timeout=timeout)
    except (requests.Timeout, requests.ConnectionError) as exc:
        if isinstance(exc, requests.Timeout) or _timed_out(exc):
            raise SourceUnavailable(
                source, f"geen antwoord binnen de tijdslimiet ({url}). Probeer het later opnieuw."
            ) from exc
        raise SourceUnavailable(
            source,
            f"geen verbinding met {url}. Controleer de internetverbinding, of importeer "
            "gedownloade bestanden met 'python -m loaders import'.",
        ) from exc
    except requests.RequestException as exc:
        raise SourceUnavailable(source, f"verzoek mislukt: {exc}") from exc
    if response.status_code >= HTTPStatus.BAD_REQUEST:
        too_many = response.status_code == HTTPStatus.TOO_MANY_REQUESTS
        hint = "te veel verzoeken; wacht even" if too_many else "fout bij de bron"
        detail = response.text[:200].strip()
        raise SourceUnavailable(
            source, f"HTTP {response.status_code} ({hint}) voor {response.url}. {detail}".strip()
        )
    try:
        return response.json()
    except (json.JSONDecodeError, ValueError) as exc:
        raise SourceFormatError(
            source,
            f"het antwoord van {response.url} is geen geldige JSON "
            f"(begint met {response.text[:60]!r}).",
        ) from exc


def _timed_out(exc: requests.ConnectionError) -> bool:
    """Whether a connection error is really a read timeout.

    With a retrying adapter, urllib3 wraps a read timeout in ``MaxRetryError``, which requests
    turns into a ``ConnectionError`` rather than a ``Timeout``. (urllib3's
    ``NewConnectionError``, a refused connection, subclasses its timeout error for history.)
    """
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    if isinstance(reason, urllib3.exceptions.NewConnectionError):
        return False
    return isinstance(reason, urllib3.exceptions.TimeoutError)
