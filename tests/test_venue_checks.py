"""Tests for the seams of a user's list: the injected geocoder and the row findings.

The geocoders here are plain functions: no request leaves the process (the network is blocked
for every test of this module, so a stray call to the live Locatieserver fails loudly).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import requests

from loaders.errors import SourceUnavailable
from loaders.locatieserver import Address
from loaders.venue_checks import (
    LocatieserverGeocoder,
    addresses,
    clean_fields,
    geocode_rows,
)
from loaders.venue_columns import FIELDS
from loaders.venue_coordinates import place_rows
from loaders.venue_findings import Finding, RowFindings, RowStatus
from loaders.venues import STATUSES, parse_venue_file

SCHIPBORG = Address(x=240939.996, y=566028.991, weergavenaam="Borgweg 15, 9469PE Schipborg",
                    gemeentecode="GM1680", postcode="9469PE", huisnummer=15)
LIST = (b"naam,straat,huisnummer,postcode,plaats\n"
        b"Dorpshuis Schipborg,Borgweg,15,9469 PE,Schipborg\n"
        b"Dorpshuis ernaast,Borgweg,17,9469PE,Schipborg\n"
        b"Dorpshuis nergens,Nergensstraat,1,,Nergenshuizen\n")


class FakeGeocoder:
    """Answers from a dict; remembers every query."""

    def __init__(self, answers: dict[str, Address | None]) -> None:
        self.answers = answers
        self.queries: list[str] = []

    def __call__(self, query: str) -> Address | None:
        self.queries.append(query)
        return self.answers.get(query)


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a test of the injected geocoder went to the network")

    monkeypatch.setattr(requests.Session, "send", refuse)


def test_an_injected_geocoder_places_the_address_rows() -> None:
    geocoder = FakeGeocoder({
        "Borgweg 15, 9469 PE, Schipborg": SCHIPBORG,
        "Borgweg 17, 9469PE, Schipborg": SCHIPBORG,
        "Nergensstraat 1, Nergenshuizen": None,
    })
    parsed = parse_venue_file(LIST, "adressen.csv", geocoder=geocoder)
    assert geocoder.queries == ["Borgweg 15, 9469 PE, Schipborg", "Borgweg 17, 9469PE, Schipborg",
                                "Nergensstraat 1, Nergenshuizen"]
    assert parsed.report["status"].tolist() == ["geaccepteerd", "gecorrigeerd", "afgewezen"]
    first, second, third = parsed.report["toelichting"]
    assert first.startswith("Plek opgezocht bij de PDOK Locatieserver: Borgweg 15, 9469PE")
    assert "niet precies gevonden" in second
    assert third.startswith("Adres 'Nergensstraat 1, Nergenshuizen' niet gevonden")
    assert len(parsed.venues) == 2
    assert parsed.venues["gemeentecode"].tolist() == ["GM1680", "GM1680"]
    assert (parsed.venues.geometry.x.tolist(), parsed.venues.geometry.y.tolist()) == (
        [SCHIPBORG.x] * 2, [SCHIPBORG.y] * 2)


def test_a_failing_geocoder_is_asked_once_and_the_rows_wait() -> None:
    calls: list[str] = []

    def offline(query: str) -> Address | None:
        calls.append(query)
        raise SourceUnavailable("PDOK Locatieserver", "geen verbinding.")

    parsed = parse_venue_file(LIST, "adressen.csv", geocoder=offline)
    assert len(calls) == 1
    assert parsed.report["status"].tolist() == ["wacht op geocodering"] * 3
    assert parsed.report["toelichting"].str.contains("De rij is bewaard").all()
    assert "Adressen opzoeken lukte niet: PDOK Locatieserver: geen verbinding." in parsed.notes
    assert len(parsed.venues) == 3
    assert parsed.venues.geometry.isna().all()


def test_no_geocoder_is_asked_when_geocoding_is_off() -> None:
    geocoder = FakeGeocoder({})
    parsed = parse_venue_file(LIST, "adressen.csv", geocode=False, geocoder=geocoder)
    assert geocoder.queries == []
    assert parsed.report["status"].tolist() == ["wacht op geocodering"] * 3
    assert parsed.report["toelichting"].str.startswith("Adressen opzoeken is uitgezet.").all()


def test_a_point_outside_the_netherlands_is_rejected() -> None:
    paris = Address(x=-300000.0, y=-100000.0, weergavenaam="Paris", gemeentecode=None,
                    postcode=None, huisnummer=None)
    parsed = parse_venue_file(b"naam,adres,plaats\nHal,Rue 1,Paris\n", "a.csv",
                              geocoder=FakeGeocoder({"Rue 1, Paris": paris}))
    assert parsed.report["status"].tolist() == ["afgewezen"]
    assert "een punt buiten Nederland" in parsed.report["toelichting"].iloc[0]


def test_geocode_rows_fills_the_placement_it_is_given() -> None:
    fields = pd.DataFrame({name: ["", ""] for name in FIELDS}, index=[2, 3])
    fields["naam"] = ["Dorpshuis Schipborg", "Zonder adres"]
    fields["adres"] = ["Borgweg 15", ""]
    fields["plaats"] = ["Schipborg", ""]
    findings = RowFindings.for_rows(2)
    text = clean_fields(fields, findings)
    placement = place_rows(text, findings)
    notes: list[str] = []
    geocode_rows(text, addresses(text), placement, findings, notes,
                 geocoder=FakeGeocoder({"Borgweg 15, Schipborg": SCHIPBORG}))
    assert placement.placed().tolist() == [True, False]
    assert (placement.x[0], placement.y[0], placement.gemeentecode[0]) == (
        SCHIPBORG.x, SCHIPBORG.y, "GM1680")
    assert [findings.status(row) for row in range(2)] == [RowStatus.GEACCEPTEERD,
                                                          RowStatus.AFGEWEZEN]
    assert findings.messages(1) == ["Geen coördinaten en geen adres."]
    assert notes == []


def test_the_live_geocoder_makes_its_session_at_the_first_look_up() -> None:
    geocoder = LocatieserverGeocoder(base_url="http://127.0.0.1:9/free")
    assert geocoder.session is None


# --------------------------------------------------------------------------- findings


def test_row_statuses_run_from_best_to_worst_as_the_report_writes_them() -> None:
    assert [status.value for status in RowStatus] == list(STATUSES)
    assert [status.rank for status in RowStatus] == list(range(len(STATUSES)))
    assert RowStatus.WACHT == "wacht op geocodering"


def test_a_row_gets_the_worst_status_of_its_findings() -> None:
    findings = RowFindings.for_rows(3)
    findings.add(0, RowStatus.GECORRIGEERD, "x en y stonden omgedraaid; verwisseld.")
    findings.add(0, RowStatus.GEACCEPTEERD, "Plek opgezocht.")
    findings.add(1, RowStatus.WACHT, "Later opnieuw.")
    findings.add(1, RowStatus.AFGEWEZEN, "De naam ontbreekt.")
    findings.add(1, RowStatus.GECORRIGEERD, "Naam ingekort.")
    assert [findings.status(row) for row in range(3)] == [
        RowStatus.GECORRIGEERD, RowStatus.AFGEWEZEN, RowStatus.GEACCEPTEERD]
    assert [findings.rejected(row) for row in range(3)] == [False, True, False]
    assert findings.messages(0) == ["x en y stonden omgedraaid; verwisseld.", "Plek opgezocht."]
    assert findings.rows[2] == []
    assert findings.rows[1][0] == Finding(RowStatus.WACHT, "Later opnieuw.")


def test_the_report_holds_plain_status_text() -> None:
    content = (b"naam,x,y\nDorpshuis,240940,566029\nOmgedraaid,566029,240940\n"
               b",240940,566029\n")
    report = parse_venue_file(content, "plekken.csv", geocode=False).report
    assert report["status"].tolist() == ["geaccepteerd", "gecorrigeerd", "afgewezen"]
    assert {type(status) for status in report["status"]} == {str}
    assert report["rij"].to_numpy().dtype == np.int64


def test_a_row_without_place_next_to_a_row_with_a_bad_pair_is_explained() -> None:
    """Regression: the reason a pair could not be placed lived in a hidden text column, where
    pandas 3 turned "no reason" into NaN and the report failed with a TypeError."""
    content = b"naam,x,y,adres\nA,240940,566029,\nB,,,\nC,1,2,\n"
    report = parse_venue_file(content, "plekken.csv", geocode=False).report
    assert report["status"].tolist() == ["geaccepteerd", "afgewezen", "afgewezen"]
    assert report["toelichting"].iloc[1] == "Geen coördinaten en geen adres."
    assert report["toelichting"].iloc[2].startswith("Coördinaten 1, 2 liggen niet in Nederland")
