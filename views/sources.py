"""Source lines and dates for exported files, figures and factsheets; the detour factor in words.

Every export names where its figures come from (the attribution of each layer in the region's
manifest) and when it was made. The RIVM line gets the survey years shown, as in the dashboard.
Every text that names the detour factor of the straight-line estimate takes it from
:func:`detour_words`, and the page Bronnen en methode shows its measured spread
(:func:`detour_table`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import pandas as pd

from analysis import detour_factors
from analysis.nearest import DETOUR_FACTORS
from loaders.corrections import CORRECTIONS_LAYER
from loaders.manifest import Manifest
from loaders.roads import MODE_CHOICES, MODE_WORDS, TRAVEL_MODES
from views.eenzaamheid import rivm_source
from views.text import dutch_list, format_decimal, format_threshold

PREFIX = "Bron: "
LEADING_PREFIX = re.compile(r"^(?:Bron:\s*)+", re.IGNORECASE)
"""One or more ``Bron:`` at the start of a source part (a line composed twice has two)."""


def split_attribution(line: str) -> list[str]:
    """The parts of an attribution line, split on ``;`` outside parentheses, ``Bron:`` removed.

    Examples
    --------
    >>> split_attribution("Stemlokaal (gemeenten; CC0); © OpenStreetMap-bijdragers (ODbL)")
    ['Stemlokaal (gemeenten; CC0)', '© OpenStreetMap-bijdragers (ODbL)']
    """
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in line:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == ";" and depth <= 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [LEADING_PREFIX.sub("", p.strip()) for p in parts if p.strip()]


def layer_sources(
    manifest: Manifest,
    layers: Sequence[str] | None = None,
    *,
    rivm_years: Iterable[int] = (),
) -> list[str]:
    """The distinct source parts of ``layers`` (all layers when None), in manifest order.

    Parameters
    ----------
    manifest
        A region's manifest (:meth:`loaders.store.Store.manifest`).
    layers
        Layer names whose attribution to include; names the manifest lacks are skipped.
        ``venues`` brings the user's own lists (``venues_eigen``) and corrections
        (``venue_correcties``) along, since the dashboard always shows the effective venues.
    rivm_years
        Survey years shown; when given, the ``eenzaamheid`` attribution names them
        (:func:`views.eenzaamheid.rivm_source`).
    """
    entries = manifest.layers
    wanted = None if layers is None else set(layers)
    if wanted is not None and "venues" in wanted:
        wanted.update(("venues_eigen", CORRECTIONS_LAYER))
    names = [n for n in entries if wanted is None or n in wanted]
    years = sorted(set(rivm_years))
    parts: list[str] = []
    for name in names:
        line = entries[name].attribution
        if name == "eenzaamheid" and years:
            line = rivm_source(years)
        parts.extend(p for p in split_attribution(line) if p not in parts)
    return parts


def source_line(parts: Iterable[str]) -> str:
    """One ``Bron: a; b; c`` line from source parts (or whole attribution lines)."""
    text = source_text(parts)
    return PREFIX + text if text else ""


def source_text(parts: Iterable[str]) -> str:
    """Source parts (or whole attribution lines) as ``a; b; c``: each once, no ``Bron:``.

    For a line that names its sources after a label of its own (``Kernen: CBS; GeoNames``),
    so that it does not read ``Kernen: Bron: …``.

    Examples
    --------
    >>> source_text(["Bron: CBS (CC BY 4.0); GeoNames", "Bron: CBS (CC BY 4.0)"])
    'CBS (CC BY 4.0); GeoNames'
    """
    flat: list[str] = []
    for part in parts:
        flat.extend(p for p in split_attribution(part) if p not in flat)
    return "; ".join(flat)


def detour_words(mode: str | None = None) -> str:
    """The detour factor of a travel mode in Dutch, or of all three.

    Parameters
    ----------
    mode
        ``"bike"``, ``"fietsen"``, ``"fiets"``, …; ``None`` (or an unknown word) names all three.

    Examples
    --------
    >>> detour_words("bike") == format_decimal(DETOUR_FACTORS["bike"], ".2f")
    True
    """
    known = MODE_CHOICES.get(str(mode).lower()) if mode is not None else None
    if known is not None:
        return format_decimal(DETOUR_FACTORS[known], ".2f")
    words = [f"{format_decimal(factor, '.2f')} ({MODE_WORDS[m]})"
             for m, factor in DETOUR_FACTORS.items()]
    return ", ".join(words[:-1]) + " of " + words[-1]


def _band_label(low: float, high: float) -> str:
    """``0,1–1 km``, ``5 km en verder``."""
    if high == float("inf"):
        return f"{format_threshold(low)} en verder"
    return f"{format_decimal(low / 1000)}–{format_threshold(high)}"


def detour_table() -> pd.DataFrame:
    """Per travel mode and band of straight-line distance: the measured detour factor.

    Columns ``Vervoerswijze``, ``Hemelsbreed``, ``Mediaan``, ``P10–P90`` (the middle 80 % of
    the pairs), ``Paren`` and ``Gemeten op`` (the network), from :mod:`analysis.detour_factors`.
    """
    rows = [
        {
            "Vervoerswijze": MODE_WORDS[mode],
            "Hemelsbreed": _band_label(low, high),
            "Mediaan": format_decimal(median, ".2f"),
            "P10–P90": f"{format_decimal(p10, '.2f')}–{format_decimal(p90, '.2f')}",
            "Paren": n,
            "Gemeten op": detour_factors.SOURCES[mode],
        }
        for mode, bands in detour_factors.BANDS.items()
        for low, high, n, median, p10, p90 in bands
    ]
    return pd.DataFrame(rows)


def network_words(manifest: Manifest) -> str:
    """What the stored road networks mean for the distances shown now, in Dutch.

    Examples
    --------
    >>> network_words(Manifest.from_dict({"region": "nl", "layers": {}}))[:40]
    'Nu is er geen wegennet opgeslagen: alle '
    """
    stored = [mode for mode in TRAVEL_MODES if f"netwerk_{mode}" in manifest.layers]
    if not stored:
        return ("Nu is er geen wegennet opgeslagen: alle afstanden zijn hemelsbrede schattingen "
                "(zie *Zonder wegennet* hieronder).")
    words = dutch_list([MODE_WORDS[mode] for mode in stored])
    text = (f"Nu is er een wegennet opgeslagen voor {words}; kernen en plekken buiten dat "
            "netwerk krijgen de gemarkeerde schatting.")
    missing = [MODE_WORDS[mode] for mode in TRAVEL_MODES if mode not in stored]
    if missing:
        text += f" Voor {dutch_list(missing)} zijn alle afstanden hemelsbrede schattingen."
    return text
