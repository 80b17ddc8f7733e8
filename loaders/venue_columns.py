"""Which column of a user's venue list holds which field: headers matched by their words.

Associations and gemeenten head their columns in many ways: ``Naam accommodatie``,
``Accommodatienaam``, ``Locatie``, ``Gebouw``, ``Straat + huisnummer``, ``Postcode en plaats``,
``X-coördinaat (RD)``, ``Breedtegraad``. :func:`match_columns` scores every header for every
field and assigns each field its best column, best scores first:

1. A header that is exactly one of the field's names (:data:`FIELDS`) scores highest, earlier
   names in the list higher than later ones.
2. Otherwise the header's words count (:data:`FIELD_WORDS`): a core word (``naam``, ``adres``,
   ``x``) scores high, a word that only suggests the field (``locatie``, ``gebouw``) low, so
   ``Locatie`` is the name only when no better name column exists, and ``Adres locatie`` is an
   address. Dutch compounds are split at a known ending (``accommodatienaam`` is a name,
   ``straatnaam`` a street, ``bezoekadres`` an address, ``emailadres`` nothing).
3. A header naming a street and a house number is the address; one naming postcode and place
   is the place (the geocoder reads both from one text); a header naming a person or contact
   details (``Naam contactpersoon``, ``E-mailadres``) is never matched by its words.

Each column serves at most one field. The mapping is returned as field → column name, so the
page can show it and the user can change it (:func:`describe_columns`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from loaders.venue_rules import fold

FIELDS: dict[str, tuple[str, ...]] = {
    "naam": ("naam", "name", "naam locatie", "locatienaam", "naam accommodatie",
             "accommodatienaam", "naam ontmoetingsplek", "naam stembureau", "naam stemlokaal",
             "naam gebouw", "venue", "accommodatie", "locatie", "gebouw"),
    "soort": ("soort", "type", "categorie", "category", "functie", "soort locatie",
              "type locatie", "soort accommodatie", "soort ontmoetingsplek", "kind"),
    "telt": ("ontmoetingsplek", "telt", "telt mee", "meeting place"),
    "adres": ("adres", "address", "straat en huisnummer", "street address", "bezoekadres"),
    "straat": ("straat", "straatnaam", "street"),
    "huisnummer": ("huisnummer", "huisnr", "huis nummer", "huis nr", "nummer", "nr",
                   "house number", "housenumber", "number"),
    "toevoeging": ("toevoeging", "huisletter", "huisnummertoevoeging"),
    "postcode": ("postcode", "postal code", "postalcode", "zip", "zip code", "zipcode"),
    "plaats": ("plaats", "woonplaats", "plaatsnaam", "city", "town", "place", "dorp", "kern"),
    "gemeentecode": ("gemeentecode", "cbs gemeentecode"),
    "x": ("x", "x rd", "rd x", "x coordinaat", "xcoord", "x coord", "rdx", "x coordinate"),
    "y": ("y", "y rd", "rd y", "y coordinaat", "ycoord", "y coord", "rdy", "y coordinate"),
    "lat": ("lat", "latitude", "breedtegraad", "breedte", "noorderbreedte", "wgs84 lat"),
    "lon": ("lon", "lng", "long", "longitude", "lengtegraad", "lengte", "oosterlengte",
            "wgs84 lon"),
}
"""Field → headers that name it exactly (lower case, accents removed, ``_-./()`` as spaces)."""

FIELD_WORDS: dict[str, dict[str, int]] = {
    "naam": {"naam": 60, "name": 60, "benaming": 60, "venue": 45, "accommodatie": 40,
             "accommodaties": 35, "gebouw": 35, "building": 35, "ontmoetingsplek": 35,
             "ontmoetingsplaats": 35, "ontmoetingsruimte": 35, "voorziening": 35,
             "dorpshuis": 30, "buurthuis": 30, "wijkcentrum": 30, "mfa": 30, "stembureau": 30,
             "stemlokaal": 30, "locatie": 30, "plek": 30, "pand": 30, "instelling": 30,
             "omschrijving": 25, "titel": 25, "title": 25, "organisatie": 20,
             "vereniging": 20},
    "soort": {"soort": 70, "type": 70, "categorie": 70, "category": 70, "functie": 65,
              "gebruiksdoel": 65, "typering": 65, "kind": 60, "aard": 60, "sort": 55},
    "telt": {"telt": 75, "meetellen": 75},
    "adres": {"adres": 65, "address": 65, "bezoekadres": 70, "vestigingsadres": 70,
              "locatieadres": 70, "straatadres": 70, "huisadres": 70, "postadres": 50},
    "straat": {"straat": 65, "street": 65, "straatnaam": 75, "streetname": 75,
               "openbareruimte": 70, "openbareruimtenaam": 75},
    "huisnummer": {"huisnummer": 75, "huisnr": 75, "housenumber": 75, "hnr": 70},
    "toevoeging": {"toevoeging": 80, "huisletter": 80, "huisnummertoevoeging": 85, "toev": 75},
    "postcode": {"postcode": 75, "zipcode": 75, "postalcode": 75, "zip": 65, "postal": 65,
                 "pc6": 65, "pc": 60},
    "plaats": {"plaats": 65, "woonplaats": 75, "plaatsnaam": 75, "vestigingsplaats": 75,
               "city": 65, "stad": 60, "town": 60, "woonkern": 60, "locality": 60, "dorp": 55,
               "kern": 55},
    "gemeentecode": {"gemeentecode": 85, "gmcode": 85},
    "x": {"x": 65, "xcoord": 70, "xcoordinaat": 70, "xcoordinate": 70, "easting": 70,
          "rdx": 70, "xrd": 70},
    "y": {"y": 65, "ycoord": 70, "ycoordinaat": 70, "ycoordinate": 70, "northing": 70,
          "rdy": 70, "yrd": 70},
    "lat": {"lat": 75, "latitude": 75, "breedtegraad": 75, "noorderbreedte": 75,
            "breedte": 60},
    "lon": {"lon": 75, "lng": 75, "longitude": 75, "lengtegraad": 75, "oosterlengte": 75,
            "long": 60, "lengte": 55},
}
"""Field → words of a header that suggest it, with their weight (an exact header scores 100)."""

FIELD_NAMES: dict[str, str] = {
    "naam": "naam",
    "soort": "soort",
    "telt": "telt mee (ja/nee)",
    "adres": "adres",
    "straat": "straat",
    "huisnummer": "huisnummer",
    "toevoeging": "toevoeging",
    "postcode": "postcode",
    "plaats": "plaats",
    "gemeentecode": "gemeentecode",
    "x": "x-coördinaat",
    "y": "y-coördinaat",
    "lat": "breedtegraad",
    "lon": "lengtegraad",
}
"""Every field in a few Dutch words, as the page and the command line name it."""

BLOCKING_WORDS = frozenset({
    "contact", "contactpersoon", "persoon", "voornaam", "achternaam", "beheerder", "eigenaar",
    "voorzitter", "secretaris", "penningmeester", "telefoon", "telefoonnummer", "tel", "mobiel",
    "email", "mail", "website", "url", "web", "internet", "opmerking", "opmerkingen", "iban",
    "kvk", "id", "fid", "objectid", "guid",
})
"""Words that make a header about something else (a person, contact details, an identifier)."""

_COMPOUND_ENDINGS: tuple[tuple[str, str, int], ...] = (
    ("naam", "naam", 55),
    ("name", "naam", 55),
    ("adres", "adres", 65),
)
"""``(ending, field, weight)``: a word ending so (``accommodatienaam``) suggests the field."""
_COMPOUND_PREFIXES: dict[str, str | None] = {
    "straat": "straat", "street": "straat", "plaats": "plaats", "woonplaats": "plaats",
    "kern": "plaats", "dorp": "plaats", "place": "plaats", "city": "plaats",
    "voor": None, "achter": None, "roep": None, "familie": None, "bij": None, "user": None,
    "gebruikers": None, "gemeente": None, "wijk": None, "buurt": None, "provincie": None,
    "bestands": None, "file": None, "e": None, "email": None, "mail": None, "web": None,
    "ip": None, "internet": None, "factuur": None,
}
"""Start of a compound word → the field it names instead (``straatnaam``), or ``None``."""

_PUNCTUATION = re.compile(r"[_\-./()\[\]:+&,;*#?'\"]+")
_AND = frozenset({"en", "and", "of", "or", "met", "van", "de", "het", "the", "in"})


def normalise_header(header: object) -> str:
    """A header compared as a key: lower case, no accents, punctuation as spaces.

    ``" X-coördinaat (RD)"`` → ``"x coordinaat rd"``.
    """
    return " ".join(_PUNCTUATION.sub(" ", fold(header)).split())


def header_scores(header: object) -> dict[str, float]:
    """How well ``header`` names each field (0 to 100); fields it does not name are left out."""
    text = normalise_header(header)
    scores: dict[str, float] = {}
    for field, names in FIELDS.items():
        if text in names:
            scores[field] = 100.0 - names.index(text) / 10
    if scores or not text:
        return scores
    words = [word for word in text.split() if word not in _AND]
    if BLOCKING_WORDS.intersection(words):
        return {}
    for word in words:
        for field, weight in _word_fields(word):
            scores[field] = max(scores.get(field, 0.0), float(weight))
    return _combined(scores, words)


def match_columns(columns: Iterable[object]) -> dict[str, str]:
    """Field → the column that names it best; each column serves at most one field.

    Parameters
    ----------
    columns
        The file's headers, in file order.

    Returns
    -------
    dict[str, str]
        Field of :data:`FIELDS` → header (as text, exactly as in the file); fields no header
        names are left out. Ties go to the earlier field of :data:`FIELDS`, then the earlier
        column.
    """
    headers = [str(column) for column in columns]
    order = list(FIELDS)
    candidates = sorted(
        (-score, order.index(field), position, field)
        for position, header in enumerate(headers)
        for field, score in header_scores(header).items()
    )
    found: dict[str, str] = {}
    used: set[int] = set()
    for _, _, position, field in candidates:
        if field not in found and position not in used:
            found[field] = headers[position]
            used.add(position)
    return {field: found[field] for field in order if field in found}


def describe_columns(columns: Mapping[str, str]) -> list[str]:
    """``["Kolom 'Naam accommodatie' gebruikt als naam", ...]`` in the order of :data:`FIELDS`."""
    return [f"Kolom '{columns[field]}' gebruikt als {FIELD_NAMES[field]}"
            for field in FIELDS if field in columns]


def _word_fields(word: str) -> list[tuple[str, int]]:
    """The fields one word suggests, with their weights."""
    found = [(field, words[word]) for field, words in FIELD_WORDS.items() if word in words]
    if found:
        return found
    for ending, field, weight in _COMPOUND_ENDINGS:
        prefix = word.removesuffix(ending)
        if prefix != word and prefix:
            other = _COMPOUND_PREFIXES.get(prefix, field)
            return [] if other is None else [(other, weight if other == field else 75)]
    return []


def _combined(scores: dict[str, float], words: list[str]) -> dict[str, float]:
    """Headers that name two fields in one column (``Straat en huisnummer``)."""
    if "straat" in scores and "huisnummer" in scores:
        scores["adres"] = 80.0
    if "postcode" in scores and "plaats" in scores:
        scores["plaats"] = 80.0
    if "gemeente" in words and "code" in words:
        scores["gemeentecode"] = 85.0
    if {"ja", "nee"} <= set(words) and "naam" in scores:
        scores["telt"] = 75.0
    return scores
