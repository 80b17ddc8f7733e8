"""Dutch sentences for the typed errors of the analysis, for the pages and the command line.

The analysis raises English errors that carry their facts as attributes
(:mod:`analysis.errors`); this module is the one place that says them in Dutch. It is pure (no
Streamlit), like the rest of :mod:`views`, so the pages (through :mod:`ui`) and the command
line of :mod:`reports` show the same sentence.
"""

from __future__ import annotations

from analysis.errors import (
    AnalysisError,
    InvalidNetworkError,
    InvalidPointsError,
    InvalidSiteError,
    MismatchedRowsError,
    MissingColumnError,
    NoVenuesError,
    ProjectionError,
    SiteCountError,
    UnknownOptionError,
    UnknownVenueError,
)
from loaders.roads import MODE_WORDS

OPTION_WORDS = {"travel mode": "vervoerswijze", "indicator": "indicator",
                "age group": "leeftijdsgroep"}
"""The Dutch noun for each kind of :class:`~analysis.errors.UnknownOptionError`."""
FRAME_WORDS = {"kernen": "kernen", "venues": "ontmoetingsplekken"}
"""The Dutch noun for each frame a :class:`~analysis.errors.ProjectionError` names."""
FIXED_SENTENCES: dict[type[AnalysisError], str] = {
    InvalidNetworkError: ("Het opgeslagen wegennetwerk is niet bruikbaar. Laat de beheerder het "
                          "netwerk opnieuw importeren."),
    InvalidSiteError: "De nieuwe plek heeft geen geldige coördinaten.",
    NoVenuesError: ("Er is geen ontmoetingsplek om naar te zoeken: in dit gebied telt geen "
                    "enkele plek als ontmoetingsplek."),
    InvalidPointsError: ("Een kern of plek heeft geen geldige coördinaten; de afstanden kunnen "
                         "niet worden berekend."),
}
"""The sentence of each error whose facts do not change what the user is told."""


def dutch_message(error: AnalysisError) -> str:
    """The plain Dutch sentence for an error of the analysis.

    Parameters
    ----------
    error
        Any :class:`~analysis.errors.AnalysisError`; a subclass without its own sentence gets
        a general one.

    Returns
    -------
    str
        One or two sentences, ending with a full stop, without Markdown.

    Examples
    --------
    >>> dutch_message(SiteCountError(requested=5, available=3))
    'Kies 1 tot 3 nieuwe plekken, niet 5.'
    >>> dutch_message(UnknownOptionError("travel mode", "boat", ["walk", "bike", "drive"]))
    "Onbekende vervoerswijze 'boat'; kies uit lopen, fietsen, auto."
    """
    fixed = FIXED_SENTENCES.get(type(error))
    if fixed is not None:
        return fixed
    match error:
        case UnknownOptionError():
            sentence = _unknown_option(error)
        case ProjectionError():
            sentence = (f"De {FRAME_WORDS[error.what]} staan niet in RD-coördinaten "
                        f"(EPSG:28992) maar in {error.crs}; afstanden zouden dan niet kloppen.")
        case MismatchedRowsError(what="estimate"):
            sentence = ("De hemelsbrede schatting hoort niet bij dezelfde kernen als de "
                        "afstanden over het wegennet.")
        case MismatchedRowsError():
            sentence = ("De bereikbaarheid hoort niet bij deze kernen (andere rijen of "
                        "volgorde). Laad de pagina opnieuw.")
        case UnknownVenueError():
            sentence = _unknown_venues(error.venue_ids)
        case SiteCountError():
            sentence = _site_count(error.requested, error.available)
        case MissingColumnError():
            sentence = f"De kolom '{error.column}' ontbreekt in de bereikbaarheid."
        case _:
            sentence = "De berekening kan met deze gegevens niet worden gemaakt."
    return sentence


def error_message(error: BaseException) -> str:
    """The Dutch text to show for any error a page or the command line catches.

    An :class:`~analysis.errors.AnalysisError` gets :func:`dutch_message`; an error with a
    ``user_message`` (the loaders' source errors, the image export's errors) gets that; any
    other error its own text, which the loaders and the store already write in Dutch.

    Parameters
    ----------
    error
        The caught exception.

    Returns
    -------
    str
        Plain text, without Markdown.
    """
    if isinstance(error, AnalysisError):
        return dutch_message(error)
    message = getattr(error, "user_message", None)
    return message if isinstance(message, str) else str(error)


def _unknown_option(error: UnknownOptionError) -> str:
    known = [MODE_WORDS.get(value, value) for value in error.known] \
        if error.kind == "travel mode" else list(error.known)
    return f"Onbekende {OPTION_WORDS[error.kind]} {error.value!r}; kies uit {', '.join(known)}."


def _unknown_venues(venue_ids: tuple[str, ...]) -> str:
    if len(venue_ids) == 1:
        return f"Er is geen ontmoetingsplek met id {venue_ids[0]}."
    return f"Er zijn geen ontmoetingsplekken met id {', '.join(venue_ids)}."


def _site_count(requested: int, available: int) -> str:
    if available == 0:
        return "Er zijn geen kandidaten voor een nieuwe plek."
    if available == 1:
        return f"Er is één kandidaat: kies 1 nieuwe plek, niet {requested}."
    return f"Kies 1 tot {available} nieuwe plekken, niet {requested}."
