"""What the checks of a user's venue list found, row by row.

Every check adds a :class:`Finding` to a row: a Dutch message and the :class:`RowStatus` it
gives the row at least. A row's status is the worst of its findings (:meth:`RowFindings.status`);
a row without findings is ``geaccepteerd``. The report of :func:`loaders.venues.parse_venue_file`
shows the status and every message once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class RowStatus(StrEnum):
    """The status of a row of a user's list, from best to worst.

    The first four are set while the file is checked; ``dubbel`` is set afterwards for rows
    that are already stored in another list (:func:`loaders.venue_duplicates.mark_duplicates`).
    """

    GEACCEPTEERD = "geaccepteerd"
    """Used as given (a finding at this level is a remark, not a change)."""
    GECORRIGEERD = "gecorrigeerd"
    """Used after a correction (swapped coordinates, a shortened name, an inexact address)."""
    WACHT = "wacht op geocodering"
    """Kept without a place: its address is looked up again later."""
    AFGEWEZEN = "afgewezen"
    """Not used."""
    DUBBEL = "dubbel"
    """Already stored in another list or added by hand."""

    @property
    def rank(self) -> int:
        """Position from best (0) to worst; a row's status is the highest rank found."""
        return list(RowStatus).index(self)


@dataclass(frozen=True)
class Finding:
    """One thing a check found about a row.

    Attributes
    ----------
    status
        The status this finding gives the row at least.
    message
        What was found, in Dutch.
    """

    status: RowStatus
    message: str


@dataclass
class RowFindings:
    """The findings of every row of a file, by position (0 is the first row with data).

    Attributes
    ----------
    rows
        Per row, its findings in the order they were found.
    """

    rows: list[list[Finding]] = field(default_factory=list)

    @classmethod
    def for_rows(cls, size: int) -> RowFindings:
        """No findings yet for ``size`` rows."""
        return cls([[] for _ in range(size)])

    def add(self, row: int, status: RowStatus, message: str) -> None:
        """Record a finding for the row at position ``row``."""
        self.rows[row].append(Finding(status, message))

    def status(self, row: int) -> RowStatus:
        """The worst status of the row's findings; ``geaccepteerd`` when it has none."""
        return max((finding.status for finding in self.rows[row]),
                   key=lambda status: status.rank, default=RowStatus.GEACCEPTEERD)

    def rejected(self, row: int) -> bool:
        """Whether the row is ``afgewezen``."""
        return self.status(row) is RowStatus.AFGEWEZEN

    def messages(self, row: int) -> list[str]:
        """The row's messages in the order they were found."""
        return [finding.message for finding in self.rows[row]]
