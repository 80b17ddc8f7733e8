"""Tables that describe what is stored: regions, layers, sources and fetch times."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePath

import pandas as pd

from loaders.check import LayerCheck
from loaders.corrections import CORRECTIONS_LAYER
from loaders.manifest import LayerEntry, Manifest
from views.text import UNKNOWN, format_count, format_timestamp, plain_markdown

LAYER_TITLES = {
    "gemeenten": "Gemeentegrenzen",
    "buurten": "Buurten",
    "eenzaamheid": "Eenzaamheid (RIVM)",
    "kernen": "Kernen",
    "venues": "Ontmoetingsplekken",
    "venues_eigen": "Eigen lijst ontmoetingsplekken",
    "venue_merges": "Samengevoegde plekken",
    CORRECTIONS_LAYER: "Correcties op ontmoetingsplekken",
    "netwerk_walk": "Wegennet lopen",
    "netwerk_bike": "Wegennet fietsen",
    "netwerk_drive": "Wegennet auto",
    "gemeente_indeling": "Oude gemeentecodes",
    "bereik_walk": "Afstanden lopen",
    "bereik_bike": "Afstanden fietsen",
    "bereik_drive": "Afstanden auto",
}
DERIVED_LAYERS = frozenset({"gemeente_indeling", "bereik_walk", "bereik_bike", "bereik_drive"})
"""Layers computed from the others; the status line does not list them as sources."""
ACTIVE_CORRECTIONS = re.compile(r"^\s*(\d+) geldende")
"""The number of corrections in force, as ``loaders.corrections`` notes it on its layer."""


EMPTY_STORE_HELP = (
    "Er zijn nog geen gegevens opgeslagen. De beheerder van deze site haalt ze op; daarna "
    "ziet u hier de kernen, ontmoetingsplekken en eenzaamheidscijfers."
)
"""Dutch help shown by every page while the store is empty."""
OPERATOR_IMPORT_HELP = (
    "Voor de beheerder: importeer heel Nederland uit gedownloade bestanden met "
    "`python -m loaders import --from <map> --nl`, of haal gemeenten op bij de bronnen met "
    "`python -m loaders fetch --gemeente GM1680` (zie README)."
)
"""The commands behind :data:`EMPTY_STORE_HELP`, for the operator's part of 'Gegevens'."""

LICENCES = ("CC BY 4.0", "CC0", "ODbL")
MAX_LISTED_CODES = 3
"""Up to this many gemeente codes are listed by code; more are counted."""


def regions_table(manifests: list[Manifest]) -> pd.DataFrame:
    """One row per stored region: name, gemeenten, layers present and last update."""
    rows = [
        {
            "Regio": m.name,
            "Gemeenten": _codes(m.gemeenten),
            "Lagen": ", ".join(LAYER_TITLES.get(layer, layer) for layer in m.layers),
            "Bijgewerkt": format_timestamp(m.updated_at),
        }
        for m in manifests
    ]
    return pd.DataFrame(rows, columns=["Regio", "Gemeenten", "Lagen", "Bijgewerkt"])


def layers_table(manifest: Manifest) -> pd.DataFrame:
    """One row per layer of a region, with its source, table, year, rows, fetch time and licence.

    ``Rijen`` stays a number (missing when the store did not record it), for files as well as
    pages; a page shows it with :func:`rows_text`.
    """
    rows = []
    for layer, entry in manifest.layers.items():
        rows.append(
            {
                "Laag": LAYER_TITLES.get(layer, layer),
                "Rijen": entry.rows,
                "Bron": source_label(entry.source),
                "Tabel": entry.table_id,
                "Jaar": _spaced(entry.year),
                "Indeling": _spaced(entry.indeling),
                "Opgehaald": format_timestamp(entry.fetched_at),
                "Licentie": licence(entry),
                "Naamsvermelding": entry.attribution,
            }
        )
    columns = ["Laag", "Rijen", "Bron", "Tabel", "Jaar", "Indeling", "Opgehaald", "Licentie",
               "Naamsvermelding"]
    return pd.DataFrame(rows, columns=columns)


def source_label(source: str) -> str:
    """The sources of a layer with local paths cut to their file names; URLs stay whole.

    Examples
    --------
    >>> source_label("/data/a/kernen.csv; https://example.org/api")
    'kernen.csv; https://example.org/api'
    """
    parts = [p.strip() for p in str(source).split(";") if p.strip()]
    return "; ".join(p if "://" in p else PurePath(p).name for p in parts)


def licence(entry: LayerEntry) -> str:
    """The licence of a layer: the manifest's own entry, else the licences its attribution names."""
    if entry.licence:
        return entry.licence
    named = [name for name in LICENCES if name in entry.attribution]
    return ", ".join(named) or "niet vermeld"


def attributions(manifest: Manifest) -> list[str]:
    """The attribution lines of the layers in use, sorted, each source named once.

    A layer's attribution may list several sources separated by ``;``; a source already named
    by another line (``Bron:`` and case aside) is left out of the later one. Computed layers
    and layers not in use (:func:`in_use`) add nothing.

    Examples
    --------
    >>> attributions(Manifest.from_dict({"region": "nl", "layers": {
    ...     "a": {"attribution": "Bron: CBS; Stemlokaal (CC0)"},
    ...     "b": {"attribution": "Stemlokaal (CC0); OSM"}}}))
    ['Bron: CBS; Stemlokaal (CC0)', 'OSM']
    """
    entries = sorted(manifest.layers.items(), key=lambda item: (item[1].attribution, item[0]))
    seen: set[str] = set()
    lines = []
    for layer, entry in entries:
        if layer in DERIVED_LAYERS or not in_use(layer, entry):
            continue
        parts = _sources(entry.attribution)
        new = [part for part in parts if _source_key(part) not in seen]
        seen.update(_source_key(part) for part in new)
        if new:
            lines.append("; ".join(new))
    return sorted(lines)


def in_use(layer: str, entry: LayerEntry) -> bool:
    """Whether a stored layer holds anything that is used.

    That is rows, and for the corrections layer at least one correction in force (undone ones
    stay stored).
    """
    if entry.rows == 0:
        return False
    if layer == CORRECTIONS_LAYER:
        active = ACTIVE_CORRECTIONS.match(entry.note)
        return active is not None and int(active.group(1)) > 0
    return True


def _sources(attribution: str) -> list[str]:
    """The sources an attribution names, split at ``;`` outside parentheses.

    Examples
    --------
    >>> _sources("Stemlokaal (Open State, gemeenten; CC0); © OSM (ODbL)")
    ['Stemlokaal (Open State, gemeenten; CC0)', '© OSM (ODbL)']
    """
    parts, depth, start = [], 0, 0
    for at, char in enumerate(attribution):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == ";" and depth <= 0:
            parts.append(attribution[start:at])
            start = at + 1
    parts.append(attribution[start:])
    return [part.strip() for part in parts if part.strip()]


def _source_key(part: str) -> str:
    """A source as compared for repeats: without ``Bron:``, case and surrounding space."""
    return re.sub(r"^bron:\s*", "", part.strip(), flags=re.IGNORECASE).casefold()


def status_line(manifest: Manifest) -> str:
    """One Dutch line: the region, each layer with its years, and when it was fetched.

    Only layers in use with a Dutch title are named (no internal layer names).

    Examples
    --------
    ``Aa en Hunze (GM1680) · Buurten 2016 · Eenzaamheid (RIVM) 2012, 2016, 2020 ·
    opgehaald 27-11-2026 09:20 UTC``
    """
    layers = manifest.layers
    name = plain_markdown(manifest.name)
    parts = [f"{name} ({_codes(manifest.gemeenten)})"]
    for layer, entry in layers.items():
        if layer in DERIVED_LAYERS or layer not in LAYER_TITLES or not in_use(layer, entry):
            continue
        parts.append(f"{LAYER_TITLES[layer]} {_spaced(entry.year)}".strip())
    fetched = sorted(e.fetched_at for layer, e in layers.items()
                     if e.fetched_at and layer not in DERIVED_LAYERS)
    if fetched:
        when = format_timestamp(fetched[0])
        if format_timestamp(fetched[-1]) != when:
            when = f"{when} t/m {format_timestamp(fetched[-1])}"
        parts.append(f"opgehaald {when}")
    return "Gegevens: " + " · ".join(parts)


def _codes(codes: Sequence[str]) -> str:
    """A few gemeente codes listed, many counted (``342 gemeenten``)."""
    return ", ".join(codes) if len(codes) <= MAX_LISTED_CODES else f"{len(codes)} gemeenten"


def _spaced(listed: str) -> str:
    """A manifest's comma-separated field with a space after each comma (``2012, 2016``)."""
    return re.sub(r"\s*,\s*", ", ", listed)


def rows_text(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` (from :func:`layers_table`) with its row counts as Dutch text: ``12.149``."""
    return table.assign(Rijen=[UNKNOWN if pd.isna(n) else format_count(int(n))
                               for n in table["Rijen"]])


def check_summary(checks: list[LayerCheck]) -> tuple[bool, str]:
    """Whether every checked part is good, and one Dutch sentence saying so.

    Examples
    --------
    >>> check_summary([LayerCheck("kernen", "ok", 3, "bestand compleet")])
    (True, 'Alle 1 lagen zijn in orde.')
    """
    bad = [check.layer for check in checks if not check.ok]
    if not bad:
        return True, f"Alle {len(checks)} lagen zijn in orde."
    return False, (f"{len(bad)} van {len(checks)} onderdelen hebben een probleem: "
                   f"{', '.join(LAYER_TITLES.get(layer, layer) for layer in bad)}. De andere "
                   "lagen werken gewoon; herstel een eerdere versie met "
                   "`python -m loaders herstel --laag LAAG`.")
