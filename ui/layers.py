"""Read stored layers once per data version, shared by every session of the server.

Every cache of the dashboard keys on :meth:`loaders.manifest.Manifest.data_key` of the layers
its value was made from: the key changes when one of those layers is written or restored (a
write always gives a layer a new file, so two refreshes within one second are told apart), and
not when another layer is. The frames are cached as resources (``st.cache_resource``): every
session gets the same object instead of its own unpickled copy, which at national size saves a
second per page run and hundreds of megabytes under load. So a layer must never be modified in
place: derive new frames (``assign``, filters, ``copy``) as the views do.

Every cache of the dashboard is bounded by entries and by :data:`CACHE_TTL`: after a refresh
the old version's frames are keyed by a data key nobody asks for again, and the time limit
lets them go within hours instead of staying until the server restarts.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from loaders.manifest import Manifest
from loaders.store import Store, StoreError
from views.text import plain_markdown

CACHE_TTL = "6h"
"""Longest time a cached layer or result stays in memory; an expired one is read again."""


@st.cache_resource(show_spinner="Gegevens laden…", max_entries=40, ttl=CACHE_TTL)
def _read_layer(
    root: str, region: str, layer: str, data_key: str,  # noqa: ARG001 - keys the cache
) -> pd.DataFrame:
    """Read one layer; ``data_key`` (of that layer) only keys the cache."""
    return Store(root).read_layer(region, layer)


def load_layer(root: str, manifest: Manifest, layer: str) -> pd.DataFrame | None:
    """A layer of the region in ``manifest``, or None when it is not stored or unreadable.

    An unreadable layer shows its Dutch error on the page instead of a traceback, as plain text
    (it names files and paths).

    Parameters
    ----------
    root
        The store folder.
    manifest
        The region's manifest.
    layer
        Layer name, e.g. ``"eenzaamheid"``.
    """
    if manifest.layer(layer) is None:
        return None
    try:
        return _read_layer(root, manifest.region, layer, manifest.data_key([layer]))
    except StoreError as exc:
        st.error(plain_markdown(str(exc)))
        return None
