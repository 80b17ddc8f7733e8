from __future__ import annotations

import inspect

import pytest

from analysis import errors
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
from loaders.errors import SourceUnavailable
from rendering.images import NoBrowserError
from views.messages import dutch_message, error_message

GENERAL = dutch_message(AnalysisError("something"))

EXAMPLES: list[tuple[AnalysisError, str]] = [
    (UnknownOptionError("travel mode", "boat", ["walk", "bike", "drive"]),
     "Onbekende vervoerswijze 'boat'; kies uit lopen, fietsen, auto."),
    (UnknownOptionError("indicator", "blij_pct", ["eenzaam_pct"]),
     "Onbekende indicator 'blij_pct'; kies uit eenzaam_pct."),
    (UnknownOptionError("age group", "12+", ["18+", "65+"]),
     "Onbekende leeftijdsgroep '12+'; kies uit 18+, 65+."),
    (InvalidNetworkError("edge lengths must be finite and not negative"),
     ("Het opgeslagen wegennetwerk is niet bruikbaar. Laat de beheerder het netwerk opnieuw "
      "importeren.")),
    (ProjectionError("venues", "EPSG:4326"),
     ("De ontmoetingsplekken staan niet in RD-coördinaten (EPSG:28992) maar in EPSG:4326; "
      "afstanden zouden dan niet kloppen.")),
    (MismatchedRowsError("reach", rows=3, expected=4),
     ("De bereikbaarheid hoort niet bij deze kernen (andere rijen of volgorde). Laad de pagina "
      "opnieuw.")),
    (MismatchedRowsError("estimate", rows=3, expected=4),
     ("De hemelsbrede schatting hoort niet bij dezelfde kernen als de afstanden over het "
      "wegennet.")),
    (InvalidSiteError(float("nan"), 0.0), "De nieuwe plek heeft geen geldige coördinaten."),
    (UnknownVenueError(["v9"]), "Er is geen ontmoetingsplek met id v9."),
    (UnknownVenueError(["v9", "v8"]), "Er zijn geen ontmoetingsplekken met id v8, v9."),
    (SiteCountError(requested=5, available=3), "Kies 1 tot 3 nieuwe plekken, niet 5."),
    (SiteCountError(requested=2, available=1),
     "Er is één kandidaat: kies 1 nieuwe plek, niet 2."),
    (SiteCountError(requested=1, available=0), "Er zijn geen kandidaten voor een nieuwe plek."),
    (MissingColumnError("inwoners_65plus"),
     "De kolom 'inwoners_65plus' ontbreekt in de bereikbaarheid."),
    (NoVenuesError(),
     ("Er is geen ontmoetingsplek om naar te zoeken: in dit gebied telt geen enkele plek als "
      "ontmoetingsplek.")),
    (InvalidPointsError("origins", "coordinates hold NaN or infinity"),
     "Een kern of plek heeft geen geldige coördinaten; de afstanden kunnen niet worden berekend."),
]


@pytest.mark.parametrize(("error", "dutch"), EXAMPLES, ids=lambda v: type(v).__name__)
def test_each_error_has_a_dutch_sentence(error: AnalysisError, dutch: str) -> None:
    assert dutch_message(error) == dutch
    assert error_message(error) == dutch
    assert isinstance(error, ValueError), "callers catching ValueError keep working"


def test_every_error_type_has_its_own_sentence() -> None:
    types = {cls for _, cls in inspect.getmembers(errors, inspect.isclass)
             if issubclass(cls, AnalysisError) and cls is not AnalysisError}
    assert types == {type(error) for error, _ in EXAMPLES}
    for error, _ in EXAMPLES:
        assert dutch_message(error) != GENERAL


def test_english_message_keeps_the_facts() -> None:
    error = SiteCountError(requested=5, available=3)
    assert str(error) == "choose 1 to 3 new places, not 5"
    assert (error.requested, error.available) == (5, 3)


def test_other_errors_keep_their_own_dutch_text() -> None:
    source = SourceUnavailable("PDOK", "geen antwoord.")
    assert error_message(source) == "PDOK: geen antwoord."
    assert error_message(NoBrowserError()).startswith("Opslaan als afbeelding kan nu niet")
    assert error_message(ValueError("Geef een adres.")) == "Geef een adres."
