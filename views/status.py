"""Tables that describe what is stored: regions, layers, sources and fetch times."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

LAYER_TITLES = {
    "gemeenten": "Gemeentegrenzen",
    "buurten": "Buurten",
    "eenzaamheid": "Eenzaamheid (RIVM)",
    "kernen": "Kernen",
    "venues": "Ontmoetingsplekken",
}


def format_timestamp(value: str) -> str:
    """An ISO timestamp as Dutch date and time (``27-11-2026 09:14 UTC``); raw text if unparsable."""
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
            "Gemeenten": ", ".join(m.get("gemeenten", [])),
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
                "Bron": entry.get("source", ""),
                "Tabel": entry.get("table_id", ""),
                "Jaar": entry.get("year", ""),
                "Indeling": entry.get("indeling", ""),
                "Opgehaald": format_timestamp(entry.get("fetched_at", "")),
                "Naamsvermelding": entry.get("attribution", ""),
            }
        )
    columns = ["Laag", "Rijen", "Bron", "Tabel", "Jaar", "Indeling", "Opgehaald", "Naamsvermelding"]
    return pd.DataFrame(rows, columns=columns)
