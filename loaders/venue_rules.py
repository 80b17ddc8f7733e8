"""The project's own rules for deciding whether a building is a meeting place (ontmoetingsplek).

A venue counts when people of a village can meet there without buying anything or being a
pupil, patient or client: a dorpshuis, an MFA, a buurthuis or wijkcentrum, or a sports club's
canteen. Sports halls, churches, cafés and party halls count only when the building's BAG
gebruiksdoel includes ``bijeenkomstfunctie`` (a registered assembly function). Schools, care
homes, town halls and mobile polling stations never count: they are open to a limited group or
only for a short time.

The rules are tried in order on the venue name, lower-cased and with accents removed (so the
Frisian ``Doarpshûs`` and ``Mienskipshûs`` match as ``doarpshus`` and ``mienskipshus``); the
first rule whose pattern matches decides the soort. Meeting-place rules come first, so
"Dorpshuis De Kerkhof" is a dorpshuis; ``kerkgebouw`` comes last because ``kerk`` also occurs in
place names such as Ouderkerk. When no name rule matches, a building with gebruiksdoel
``bijeenkomstfunctie`` still counts, as soort ``bijeenkomstgebouw``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

import pandas as pd

BIJEENKOMST = "bijeenkomstfunctie"
"""The BAG gebruiksdoel that marks a building registered for assembly."""

MEETING_SOORTEN = frozenset({"dorpshuis", "mfa", "buurthuis", "sportkantine"})
"""Soorten that count as a meeting place by their name alone."""


@dataclass(frozen=True)
class VenueRule:
    """One classification rule.

    Attributes
    ----------
    soort
        Machine name of the venue type, e.g. ``"dorpshuis"``.
    label
        Dutch label shown in the dashboard.
    pattern
        Regular expression searched in the lower-cased, accent-free name; empty for the rules
        that do not look at the name.
    counts
        Whether a venue of this soort counts as a meeting place by its name alone.
    uitleg
        Dutch one-line explanation shown beside the rule.
    counts_if_bijeenkomst
        Whether a venue that does not count by name counts after all when the building's
        gebruiksdoel includes ``bijeenkomstfunctie``.
    """

    soort: str
    label: str
    pattern: str
    counts: bool
    uitleg: str
    counts_if_bijeenkomst: bool = False


VENUE_RULES: tuple[VenueRule, ...] = (
    VenueRule(
        "mobiel",
        "Mobiel stembureau",
        r"\bmobiel|\bstembus\b|stembureaubus|drive[- ]?(in|thru|through)\b",
        counts=False,
        uitleg="Een mobiel stembureau staat er maar even; het is geen vaste plek.",
    ),
    VenueRule(
        "dorpshuis",
        "Dorpshuis",
        r"doa?rps(huis|huus|hus|hoes)|dorpscentrum|dorpszaal|dorpsruimte"
        r"|gemeenschapp?s?(huis|centrum)|mienskips(hus|gebou)",
        counts=True,
        uitleg="Het dorpshuis (ook doarpshûs, mienskipshûs, gemeenschapshuis) is de "
        "ontmoetingsplek van het dorp.",
    ),
    VenueRule(
        "mfa",
        "Multifunctionele accommodatie",
        r"multifunctione|(?<!\w)mf[acg](?!\w)|(?<!\w)m\.f\.[ac]\.|kultu+rh(u|uu|ui)s"
        r"|spilcentrum",
        counts=True,
        uitleg="Een MFA, MFC of kulturhus combineert dorpshuis en andere voorzieningen onder één "
        "dak.",
    ),
    VenueRule(
        "buurthuis",
        "Buurthuis / wijkcentrum",
        r"buurt(huis|huus|centrum|gebouw|kamer|accommodatie|punt|plein|vereniging)"
        r"|wijk(centrum|gebouw|huis|accommodatie|voorziening|punt|steunpunt|vereniging)"
        r"|huis van de (wijk|buurt)|huiskamer van|gemeenschapsruimte"
        r"|ontmoetings(centrum|ruimte|plek|plaats|huis)|verenigings(gebouw|huis|zaal)"
        r"|dienstencentrum|jongerencentrum|tref(punt|centrum)|patronaat"
        r"|(?<!islamitisch )cultureel[- ]centrum",
        counts=True,
        uitleg="Buurthuizen, wijkcentra, ontmoetingscentra, (sociaal-)culturele centra en "
        "verenigingsgebouwen zijn open voor iedereen uit de buurt.",
    ),
    VenueRule(
        "sportkantine",
        "Sportkantine / clubhuis",
        r"kantine|club(huis|gebouw|house)|sportpark|(?<!\w)[sv]\.?v\.?(?!\w)|(?<!\w)rkvv(?!\w)"
        r"|voetbalver|tennis(park|club|ver)|korfbalver|hockeyclub|kaatsver",
        counts=True,
        uitleg="De kantine of het clubhuis van een sportvereniging is in veel dorpen dé "
        "ontmoetingsplek.",
    ),
    VenueRule(
        "sporthal",
        "Sporthal / gymzaal",
        r"sport(hal|zaal|centrum|complex|accommodatie)|gym(zaal|lokaal)|gymnastieklokaal"
        r"|turnhal|zwembad|tennishal|ijsbaan|(?<!\w)manege",
        counts=False,
        uitleg="Een sporthal telt alleen als het gebouw ook een bijeenkomstfunctie heeft "
        "(kantine of foyer).",
        counts_if_bijeenkomst=True,
    ),
    VenueRule(
        "school",
        "School",
        r"school|scholen|(?<!\w)(o|c|pc|pcb|rk|k|ic|ob)?bs(?!\w)|(?<!\w)[ock]\.b\.s\."
        r"|(?<!\w)ikc(?!\w)|kindcentrum|college|lyceum|gymnasium|academie|(?<!\w)roc(?!\w)"
        r"|onderwijs|peuterspeelzaal|kinderopvang",
        counts=False,
        uitleg="Een school is alleen open voor leerlingen en ouders; telt niet.",
    ),
    VenueRule(
        "zorg",
        "Zorginstelling",
        r"zorg|verpleeg|ziekenhuis|gezondheidscentrum|medisch|huisarts|(?<!\w)wzc(?!\w)"
        r"|serviceflat|bejaarden|senioren(centrum|complex|flat)|hospice|revalidatie",
        counts=False,
        uitleg="Een zorginstelling is er voor bewoners en cliënten; telt niet.",
    ),
    VenueRule(
        "gemeentehuis",
        "Gemeentehuis",
        r"gemeentehuis|raadhuis|stadhuis|gemeentekantoor|stadskantoor|stadsdeelkantoor"
        r"|raadszaal|provinciehuis",
        counts=False,
        uitleg="Het gemeentehuis is een kantoor, geen ontmoetingsplek; telt niet.",
    ),
    VenueRule(
        "horeca",
        "Horeca / zaal",
        r"(?<!\w)cafe|eetcafe|hotel|restaurant|herberg|brasserie|taverne|zalencentrum"
        r"|partycentrum|feestzaal|(?<!\w)zaal(?!\w)",
        counts=False,
        uitleg="Een café of zaal telt alleen met gebruiksdoel bijeenkomstfunctie.",
        counts_if_bijeenkomst=True,
    ),
    VenueRule(
        "kerkgebouw",
        "Kerkgebouw",
        r"kerk|kapel|parochie|moskee|synagoge|klooster|abdij|pastorie|gereformeerd|hervormd"
        r"|islamitisch",
        counts=False,
        uitleg="Een kerkgebouw telt alleen met gebruiksdoel bijeenkomstfunctie (zaal voor "
        "activiteiten).",
        counts_if_bijeenkomst=True,
    ),
)
"""Name rules in the order they are tried; the first match wins."""

BIJEENKOMST_RULE = VenueRule(
    "bijeenkomstgebouw",
    "Bijeenkomstgebouw (BAG)",
    "",
    counts=True,
    uitleg="Naam zegt niets, maar het gebouw heeft in de BAG gebruiksdoel bijeenkomstfunctie; "
    "telt.",
)
"""Applied when no name rule matched and the gebruiksdoel includes ``bijeenkomstfunctie``."""

OVERIG_RULE = VenueRule(
    "overig",
    "Overig",
    "",
    counts=False,
    uitleg="Naam en gebruiksdoel wijzen niet op een ontmoetingsplek; telt niet.",
)
"""Applied when nothing else matched."""

_COMPILED = tuple((rule, re.compile(rule.pattern)) for rule in VENUE_RULES)


def fold(text: object) -> str:
    """Lower-case ``text`` and strip accents (``"Doarpshûs"`` → ``"doarpshus"``).

    Parameters
    ----------
    text
        Any value; missing values become the empty string.
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    decomposed = unicodedata.normalize("NFKD", str(text))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def has_bijeenkomst(gebruiksdoel: object) -> bool:
    """Whether a BAG gebruiksdoel text (possibly comma-separated) includes bijeenkomstfunctie."""
    return BIJEENKOMST in fold(gebruiksdoel)


def classify_name(naam: object, gebruiksdoel: object = None) -> tuple[str, bool, str]:
    """Classify a venue by its name and, where known, its BAG gebruiksdoel.

    Parameters
    ----------
    naam
        The venue's name as written in the source.
    gebruiksdoel
        The building's BAG gebruiksdoel, e.g. ``"woonfunctie, bijeenkomstfunctie"``; ``None``
        when unknown.

    Returns
    -------
    tuple[str, bool, str]
        ``(soort, counts, reden)``: the soort, whether it counts as a meeting place, and a Dutch
        sentence explaining why.
    """
    folded = fold(naam)
    bijeenkomst = has_bijeenkomst(gebruiksdoel)
    for rule, regex in _COMPILED:
        match = regex.search(folded)
        if match is not None:
            return rule.soort, *_name_verdict(
                rule, match.group(0), bijeenkomst=bijeenkomst, gebruiksdoel=gebruiksdoel
            )
    if bijeenkomst:
        reden = "gebruiksdoel bijeenkomstfunctie: telt als ontmoetingsplek."
        return BIJEENKOMST_RULE.soort, True, f"Geen naamregel van toepassing, maar {reden}"
    if fold(gebruiksdoel).strip():
        reden = "gebruiksdoel is geen bijeenkomstfunctie: telt niet."
    else:
        reden = "gebruiksdoel onbekend: telt niet."
    return OVERIG_RULE.soort, False, f"Geen naamregel van toepassing en {reden}"


def _name_verdict(
    rule: VenueRule, matched: str, *, bijeenkomst: bool, gebruiksdoel: object
) -> tuple[bool, str]:
    """Whether a name-matched venue counts, with the Dutch reason."""
    prefix = f"Naam bevat '{matched}' ({rule.label})"
    if rule.counts:
        return True, f"{prefix}: telt als ontmoetingsplek."
    if not rule.counts_if_bijeenkomst:
        return False, f"{prefix}: telt niet als ontmoetingsplek."
    if bijeenkomst:
        return True, f"{prefix} en gebouw heeft gebruiksdoel bijeenkomstfunctie: telt."
    if fold(gebruiksdoel).strip():
        return False, f"{prefix}, maar gebruiksdoel is geen bijeenkomstfunctie: telt niet."
    return False, f"{prefix}, gebruiksdoel onbekend: telt niet."


def rules_table() -> pd.DataFrame:
    """All rules in the order they are applied, with Dutch column names, for display.

    Returns
    -------
    pandas.DataFrame
        Columns ``Volgorde``, ``Soort``, ``Omschrijving``, ``Naampatroon``,
        ``Telt als ontmoetingsplek`` and ``Uitleg``.
    """
    rows = []
    for order, rule in enumerate((*VENUE_RULES, BIJEENKOMST_RULE, OVERIG_RULE), start=1):
        if rule.counts:
            telt = "ja"
        elif rule.counts_if_bijeenkomst:
            telt = "alleen met gebruiksdoel bijeenkomstfunctie"
        else:
            telt = "nee"
        rows.append(
            {
                "Volgorde": order,
                "Soort": rule.soort,
                "Omschrijving": rule.label,
                "Naampatroon": rule.pattern or "(geen: gebruiksdoel of restgroep)",
                "Telt als ontmoetingsplek": telt,
                "Uitleg": rule.uitleg,
            }
        )
    return pd.DataFrame(rows)
