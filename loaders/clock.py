"""The date and time as Dutch users read them: in Europe/Amsterdam, whatever the server's zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

__all__ = ["DUTCH_TIME", "now", "today"]

DUTCH_TIME = ZoneInfo("Europe/Amsterdam")
"""The zone of every date and time shown to users (CET/CEST); servers often run in UTC."""


def now() -> datetime:
    """The current moment in :data:`DUTCH_TIME`, timezone-aware, to the microsecond.

    Examples
    --------
    >>> now().tzinfo is DUTCH_TIME
    True
    """
    return datetime.now(DUTCH_TIME)


def today() -> date:
    """Today's date in the Netherlands (after 23:00 UTC in winter it is already tomorrow there).

    Examples
    --------
    >>> today() == now().date()
    True
    """
    return now().date()
