"""Errors raised by the analysis: English messages, with the facts as attributes.

Every error is an :class:`AnalysisError`, a :class:`ValueError`, so callers that catch
``ValueError`` keep working. The analysis never writes Dutch: :func:`views.messages.dutch_message`
turns an error into the sentence a page or the command line shows, from its attributes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

OptionKind = Literal["travel mode", "indicator", "age group"]
"""The kinds of option :class:`UnknownOptionError` reports."""
RowsKind = Literal["reach", "estimate"]
"""What :class:`MismatchedRowsError` found not matching the kernen."""


class AnalysisError(ValueError):
    """Input the analysis cannot work with (the base of every error in this module)."""


class UnknownOptionError(AnalysisError):
    """A travel mode, indicator or age group the analysis does not know.

    Parameters
    ----------
    kind
        Which option: ``"travel mode"``, ``"indicator"`` or ``"age group"``.
    value
        The value given.
    known
        The values that are known, in the order to list them.
    """

    def __init__(self, kind: OptionKind, value: object, known: Iterable[str]) -> None:
        self.kind: OptionKind = kind
        self.value = value
        self.known = tuple(known)
        super().__init__(f"unknown {kind} {value!r}; choose from {', '.join(self.known)}")


class InvalidNetworkError(AnalysisError):
    """Arrays that do not describe a road graph (shapes, matrix format, node ids, lengths).

    Parameters
    ----------
    problem
        What is wrong, in English (for the log; users get a general sentence).
    """

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(f"invalid road network: {problem}")


class ProjectionError(AnalysisError):
    """A frame that is not in EPSG:28992, so distances would come out in degrees.

    Parameters
    ----------
    what
        Which frame: ``"kernen"`` or ``"venues"``.
    crs
        The frame's coordinate reference system as text.
    """

    def __init__(self, what: Literal["kernen", "venues"], crs: str) -> None:
        self.what: Literal["kernen", "venues"] = what
        self.crs = crs
        super().__init__(f"{what} must be in EPSG:28992, not in {crs}")


class MismatchedRowsError(AnalysisError):
    """A reach (or estimate) that does not hold the same kernen in the same order.

    Parameters
    ----------
    what
        ``"reach"``: a reach frame against the kernen; ``"estimate"``: the straight-line
        estimate against the network reach.
    rows, expected
        The number of rows given and the number of kernen they should match.
    """

    def __init__(self, what: RowsKind, *, rows: int, expected: int) -> None:
        self.what: RowsKind = what
        self.rows = rows
        self.expected = expected
        super().__init__(
            f"the {what} does not hold the same kernen in the same order "
            f"({rows} rows for {expected} kernen)"
        )


class InvalidSiteError(AnalysisError):
    """A new place whose coordinates are not finite numbers.

    Parameters
    ----------
    x, y
        The coordinates given.
    """

    def __init__(self, x: float, y: float) -> None:
        self.x = x
        self.y = y
        super().__init__(f"the new place has no valid coordinates ({x}, {y})")


class UnknownVenueError(AnalysisError):
    """Meeting place ids that are not among the places.

    Parameters
    ----------
    venue_ids
        The unknown ids (sorted for the message).
    """

    def __init__(self, venue_ids: Iterable[str]) -> None:
        self.venue_ids = tuple(sorted(venue_ids))
        super().__init__(f"no meeting place with id {', '.join(self.venue_ids)}")


class SiteCountError(AnalysisError):
    """A number of new places to suggest outside 1 up to the number of candidates.

    Parameters
    ----------
    requested
        The number asked for.
    available
        The number of candidate sites.
    """

    def __init__(self, *, requested: int, available: int) -> None:
        self.requested = requested
        self.available = available
        super().__init__(f"choose 1 to {available} new places, not {requested}")


class MissingColumnError(AnalysisError):
    """A column the analysis needs is missing from the reach.

    Parameters
    ----------
    column
        The missing column.
    """

    def __init__(self, column: str) -> None:
        self.column = column
        super().__init__(f"the reach has no column {column!r}")


class NoVenuesError(AnalysisError):
    """No meeting place to search for (none given, or none that counts)."""

    def __init__(self) -> None:
        super().__init__("no meeting places to search for")


class InvalidPointsError(AnalysisError):
    """Points that are not an ``(n, 2)`` array of finite x and y.

    Parameters
    ----------
    what
        Which points, in English (``"origins"``, ``"venues"``, ``"points"``).
    problem
        What is wrong, in English.
    """

    def __init__(self, what: str, problem: str) -> None:
        self.what = what
        self.problem = problem
        super().__init__(f"{what}: {problem}")
