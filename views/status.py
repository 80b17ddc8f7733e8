"""Tables that describe what is stored: regions, layers, sources and fetch times."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import PurePath
from typing import Any

import pandas as pd

from loaders.check import LayerCheck
from views.text import plain_markdown

LAYER_TITLES = {
    "gemeenten": "Gemeentegrenzen",
    "buurten": "Buurten",
    "eenzaamheid": "Eenzaamheid (RIVM)",
    "kernen": "Kernen",
    "venues": "Ontmoetingsplekken",
    "venues_eigen": "Eigen lijst ontmoetingsplekken",
    "venue_merges": "Samengevoegde plekken",
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


EMPTY_STORE_HELP = (
    "Er zijn nog geen gegevens opgeslagen. Importeer heel Nederland uit gedownloade bestanden "
    "met\n\n`python -m loaders import --from <map> --nl`\n\n"
    "of haal gemeenten op bij de bronnen met `python -m loaders fetch --gemeente GM1680`."
)
"""Dutch help shown by every page while the store is empty."""

LICENCES = ("CC BY 4.0", "CC0", "ODbL")


def format_timestamp(value: str) -> str:
    """An ISO timestamp as Dutch date and time (``27-11-2026 09:14 UTC``), else the raw text."""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return str(value)
    suffix = " UTC" if moment.utcoffset() is not None and not moment.utcoffset() else ""
    return moment.strftime("%d-%m-%Y %H:%M") + suffix


def regions_table(manifests: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per stored region: name, gemeenten, layers present and last update."""
    rows = [
        {
            "Regio": m.get("name", m["region"]),
            "Id": m["region"],
            "Gemeenten": _codes(m.get("gemeenten", [])),
            "Lagen": ", ".join(LAYER_TITLES.get(layer, layer) for layer in m.get("layers", {})),
            "Bijgewerkt": format_timestamp(m.get("updated_at", "")),
        }
        for m in manifests
    ]
    return pd.DataFrame(rows, columns=["Regio", "Id", "Gemeenten", "Lagen", "Bijgewerkt"])


def layers_table(manifest: dict[str, Any]) -> pd.DataFrame:
    """One row per layer of a region, with its source, table, year, rows, fetch time and licence."""
    rows = []
    for layer, entry in manifest.get("layers", {}).items():
        rows.append(
            {
                "Laag": LAYER_TITLES.get(layer, layer),
                "Rijen": int(entry.get("rows", 0)),
                "Bron": source_label(entry.get("source", "")),
                "Tabel": entry.get("table_id", ""),
                "Jaar": _years(entry),
                "Indeling": entry.get("indeling", ""),
                "Opgehaald": format_timestamp(entry.get("fetched_at", "")),
                "Licentie": licence(entry),
                "Naamsvermelding": entry.get("attribution", ""),
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


def licence(entry: dict[str, Any]) -> str:
    """The licence of a layer: the manifest's own entry, else the licences its attribution names."""
    if entry.get("licence"):
        return str(entry["licence"])
    named = [name for name in LICENCES if name in entry.get("attribution", "")]
    return ", ".join(named) or "niet vermeld"


def attributions(manifest: dict[str, Any]) -> list[str]:
    """The distinct attribution lines of a region's layers, sorted."""
    lines = {entry.get("attribution", "") for entry in manifest.get("layers", {}).values()}
    return sorted(lines - {""})


def status_line(manifest: dict[str, Any]) -> str:
    """One Dutch line: the region, each layer with its table and year, and when it was fetched.

    Examples
    --------
    ``Aa en Hunze (GM1680) · Buurten 2016 · Eenzaamheid (RIVM) 50090NED 2012, 2016, 2020 ·
    opgehaald 27-11-2026 09:20 UTC``
    """
    layers = manifest.get("layers", {})
    name = plain_markdown(manifest.get("name", manifest["region"]))
    parts = [f"{name} ({_codes(manifest.get('gemeenten', []))})"]
    for layer, entry in layers.items():
        if layer in DERIVED_LAYERS:
            continue
        details = " ".join(x for x in (entry.get("table_id", ""), _years(entry)) if x)
        parts.append(f"{LAYER_TITLES.get(layer, layer)} {details}".strip())
    fetched = sorted(e["fetched_at"] for layer, e in layers.items()
                     if e.get("fetched_at") and layer not in DERIVED_LAYERS)
    if fetched:
        when = format_timestamp(fetched[0])
        if format_timestamp(fetched[-1]) != when:
            when = f"{when} t/m {format_timestamp(fetched[-1])}"
        parts.append(f"opgehaald {when}")
    return "Gegevens: " + " · ".join(parts)


def _codes(codes: list[str]) -> str:
    """A few gemeente codes listed, many counted (``342 gemeenten``)."""
    return ", ".join(codes) if len(codes) <= 3 else f"{len(codes)} gemeenten"


def _years(entry: dict[str, Any]) -> str:
    """The manifest's year field with a space after each comma (``2012, 2016, 2020``)."""
    return re.sub(r"\s*,\s*", ", ", str(entry.get("year", "")))


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
