"""Whether a background map can be drawn: one quick, cached request for one tile.

The map draws on a tile-free style by default (it works in a closed network). A background
map is added only when the server reaches the tile service: :func:`background` asks for one
tile with a short timeout and remembers the answer for a while, so a page run never waits
long and a service that comes back is used again. An unreachable service means no tiles at
all, never a map of broken tiles.

The browser fetches the tiles itself; a server that reaches the service is taken as a sign that
the browsers of its users do too.
"""

from __future__ import annotations

import requests
import streamlit as st

from views.maps import BRT_BACKGROUND, Background

PROBE_TIMEOUT_S = 1.0
PROBE_TTL_S = 600
PROBE_TILE = {"z": 7, "x": 66, "y": 42}
"""One tile over the Netherlands, at a zoom level every tile service has."""


def background(choice: Background = BRT_BACKGROUND) -> Background | None:
    """``choice`` when one of its tiles can be fetched now, else None (the tile-free map)."""
    return choice if tile_reachable(choice.tiles) else None


@st.cache_data(ttl=PROBE_TTL_S, max_entries=8, show_spinner=False)
def tile_reachable(template: str) -> bool:
    """True when the tile service of URL ``template`` (``{z}/{x}/{y}``) answers with an image.

    Cached for :data:`PROBE_TTL_S` seconds per template.
    """
    return _probe(template.format(**PROBE_TILE))


def _probe(url: str) -> bool:
    """One GET of ``url`` within :data:`PROBE_TIMEOUT_S`; only an image answer counts."""
    try:
        with requests.get(url, timeout=PROBE_TIMEOUT_S, stream=True) as answer:
            return answer.ok and answer.headers.get("content-type", "").startswith("image/")
    except requests.RequestException:
        return False
