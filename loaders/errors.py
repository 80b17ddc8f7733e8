"""Exceptions raised by the loaders, each with a Dutch message for the user interface."""

from __future__ import annotations


class SourceError(Exception):
    """A source could not be read.

    Parameters
    ----------
    source
        Short name of the source, e.g. ``"CBS OData"`` or ``"PDOK"``.
    message
        What went wrong and what the user can do, in Dutch.
    """

    def __init__(self, source: str, message: str) -> None:
        self.source = source
        self.message = message
        super().__init__(f"{source}: {message}")

    @property
    def user_message(self) -> str:
        """The Dutch text shown in the dashboard and on the command line."""
        return f"{self.source}: {self.message}"


class SourceUnavailable(SourceError):  # noqa: N818 - public name used in 21 modules, ui and tests
    """The source did not answer (timeout, connection refused, HTTP 429/5xx after retries)."""


class SourceFormatError(SourceError):
    """The source answered, but not in the expected shape (bad JSON, missing column, ...)."""


class UnknownRegionError(SourceError):
    """A requested gemeente code does not exist in the source."""
