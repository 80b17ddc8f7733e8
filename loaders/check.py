"""Check the stored layers against their manifest: present, readable, row count, checksum.

:func:`check_store` is what ``python -m loaders controleer`` prints and what the page
*Gegevens* shows: one Dutch verdict per layer, plus one line about the manifest itself when
``manifest.json`` is missing or damaged and the previous one is in use.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from loaders.manifest import LayerEntry
from loaders.store import NATIONAL, Store, entry_problem

OK = "ok"
NO_CHECKSUM = "ok, zonder controlegetal"
MISSING = "ontbreekt"
DAMAGED = "beschadigd"
ROWS = "ander aantal rijen"
UNREADABLE = "onleesbaar"
"""The verdicts of a layer; only :data:`OK` and :data:`NO_CHECKSUM` are good."""
GOOD = frozenset({OK, NO_CHECKSUM})
MANIFEST_LAYER = "manifest.json"
"""The ``layer`` of the verdict about the manifest itself."""
COLUMNS = ["Laag", "Toestand", "Rijen", "Toelichting"]


@dataclass(frozen=True)
class LayerCheck:
    """The verdict on one layer.

    Attributes
    ----------
    layer
        Layer name (or :data:`MANIFEST_LAYER`).
    status
        One of the verdicts (``ok``, ``ontbreekt``, ``beschadigd``, …).
    rows
        Rows in the manifest (None for the manifest line).
    detail
        What was found and what to do, in Dutch.
    """

    layer: str
    status: str
    rows: int | None
    detail: str

    @property
    def ok(self) -> bool:
        """True for a good layer."""
        return self.status in GOOD


def check_store(store: Store, region: str = NATIONAL, *, thorough: bool = True) -> list[LayerCheck]:
    """Check every layer of ``region`` against its manifest entry.

    Parameters
    ----------
    store, region
        The store and region to check.
    thorough
        Also compare each file with its recorded SHA-256 (reads every byte). Without it only
        presence, size and the row count in the file's footer are checked.

    Returns
    -------
    list of LayerCheck
        A manifest line first when ``manifest.json`` is missing or damaged, then one per
        layer in manifest order. Empty when nothing is stored.

    Raises
    ------
    StoreError
        When neither ``manifest.json`` nor its previous version can be read.
    """
    checks: list[LayerCheck] = []
    if region not in store.regions():
        return checks
    problem = store.manifest_problem(region)
    manifest = store.manifest(region)
    if problem is not None:
        checks.append(LayerCheck(MANIFEST_LAYER, DAMAGED, None, problem))
    for layer, entry in manifest.layers.items():
        checks.append(_check_layer(store, region, layer, entry, thorough=thorough))
    return checks


def check_table(checks: list[LayerCheck]) -> pd.DataFrame:
    """The checks as a Dutch table (columns :data:`COLUMNS`), for the page and the CLI."""
    rows = [
        {"Laag": c.layer, "Toestand": c.status, "Rijen": c.rows, "Toelichting": c.detail}
        for c in checks
    ]
    return pd.DataFrame(rows, columns=COLUMNS).astype({"Rijen": "Int64"})


def _check_layer(  # noqa: PLR0911 - one return per verdict
    store: Store, region: str, layer: str, entry: LayerEntry, *, thorough: bool
) -> LayerCheck:
    if not entry.file:
        return LayerCheck(layer, DAMAGED, None, "de regel in het manifest is onvolledig; "
                          f"herstel met python -m loaders herstel --laag {layer}")
    rows = entry.rows
    path = store.layer_path(region, entry)
    restore = f"herstel een eerdere versie met python -m loaders herstel --laag {layer}"
    if not path.is_file():
        return LayerCheck(layer, MISSING, rows, f"het bestand {path.name} ontbreekt; {restore}")
    problem = entry_problem(path, entry if thorough else replace(entry, sha256=""))
    if problem is not None:
        return LayerCheck(layer, DAMAGED, rows, f"{problem}; {restore}")
    try:
        found = _rows_in_file(path, arrays=entry.arrays)
    except (OSError, ValueError, KeyError, EOFError):
        return LayerCheck(layer, UNREADABLE, rows,
                          f"het bestand is onleesbaar (afgebroken of overschreven); {restore}")
    if rows is not None and found != rows:
        return LayerCheck(layer, ROWS, rows,
                          f"het bestand heeft {found} rijen, het manifest noemt er {rows}; "
                          f"{restore}")
    if not entry.sha256:
        return LayerCheck(layer, NO_CHECKSUM, rows,
                          "leesbaar; opgeslagen vóór er controlegetallen waren, dus niet op "
                          "beschadiging te controleren")
    detail = "bestand compleet" if thorough else "bestand aanwezig, aantal rijen klopt"
    return LayerCheck(layer, OK, rows, detail)


def _rows_in_file(path: Path, *, arrays: bool) -> int:
    """The number of rows the file holds (parquet footer; an edge list's ``u`` length)."""
    if arrays:
        with np.load(path, allow_pickle=False) as stored:
            return len(stored["u"]) if "u" in stored.files else 0
    return int(pq.ParquetFile(path).metadata.num_rows)
