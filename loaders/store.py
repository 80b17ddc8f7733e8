"""The local store ``kern_data/<region>/``: one (Geo)Parquet file per layer and a manifest.

Road networks are array layers (``netwerk_walk``/``netwerk_bike``/``netwerk_drive``): an edge
list stored as compressed ``.npz``, so a network is built once and not on every page load.

Writes are atomic at the level of a whole refresh: new layer files get fresh names, and only
when all of them are on disk is ``manifest.json`` replaced (``os.replace``), which is the
single switch from the old state to the new one. A refresh that fails or is killed half way
leaves the previous manifest, and every file it names, untouched.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from loaders.schema import CRS

MANIFEST = "manifest.json"
REGION_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
DATA_ENV = "ONTMOETINGSKAART_DATA"
NATIONAL = "nl"
"""The one dataset the product keeps: national layers in ``kern_data/nl/``. A gemeente, a
province or the country is a selection on it, never a separate import."""
NATIONAL_NAME = "Nederland"
_WRITE_LOCK = threading.Lock()
"""Serialises writes within one process: the Streamlit sessions of one server share it, and
without it two writers of one region lose each other's layers (both rewrite the manifest from
the same old one) or delete each other's new files (garbage collection)."""


class StoreError(Exception):
    """The store could not be read or written; the message is Dutch."""


@dataclass(frozen=True)
class LayerSource:
    """Where a layer came from: one entry per layer in ``manifest.json``."""

    source: str
    attribution: str
    table_id: str = ""
    year: str = ""
    indeling: str = ""
    licence: str = ""
    note: str = ""
    inputs: str = ""
    fetched_at: str = field(default_factory=lambda: now_iso())


def now_iso() -> str:
    """The current UTC time as an ISO 8601 string, to the second."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def default_root() -> Path:
    """The store folder: ``$ONTMOETINGSKAART_DATA`` or ``kern_data/`` next to the code."""
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "kern_data"


def region_id(name: str) -> str:
    """Turn a free-form region name (``"Aa en Hunze"``) into a folder name (``"aa-en-hunze"``)."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.strip().lower()).strip("-")
    if not REGION_ID.match(slug):
        raise StoreError(f"Ongeldige regionaam: {name!r}. Gebruik letters, cijfers en streepjes.")
    return slug


class Store:
    """Read and write regions under one root folder.

    Parameters
    ----------
    root
        The store folder; defaults to :func:`default_root`.
    """

    def __init__(self, root: Path | str | None = None) -> None:
        self.root = Path(root) if root is not None else default_root()

    def regions(self) -> list[str]:
        """The ids of all regions with a readable manifest, sorted."""
        if not self.root.is_dir():
            return []
        return sorted(
            p.name for p in self.root.iterdir() if p.is_dir() and (p / MANIFEST).is_file()
        )

    def manifest(self, region: str) -> dict[str, Any]:
        """The manifest of ``region`` as a dict (``region``, ``name``, ``gemeenten``, ``layers``)."""
        path = self._region_dir(region) / MANIFEST
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            if region == NATIONAL:
                raise StoreError(
                    f"{NATIONAL_NAME} is nog niet opgeslagen in {self.root}. Importeer eerst de "
                    "gegevens: python -m loaders import --from MAP --nl"
                ) from exc
            raise StoreError(f"Regio {region!r} is niet opgeslagen.") from exc
        except (OSError, json.JSONDecodeError) as exc:
            raise StoreError(f"Het manifest van regio {region!r} is onleesbaar: {exc}") from exc

    def has_layer(self, region: str, layer: str) -> bool:
        """Whether ``region`` has ``layer`` in its manifest."""
        try:
            return layer in self.manifest(region)["layers"]
        except StoreError:
            return False

    def read_layer(self, region: str, layer: str) -> pd.DataFrame:
        """Read one layer; a GeoDataFrame in EPSG:28992 when the layer has geometry."""
        entry = self.manifest(region)["layers"].get(layer)
        if entry is None:
            raise StoreError(f"Regio {region!r} heeft geen laag {layer!r}.")
        path = self._region_dir(region) / entry["file"]
        if entry.get("arrays", False):
            raise StoreError(f"Laag {layer!r} is een netwerk; lees hem met read_arrays.")
        try:
            if entry.get("geometry", False):
                return gpd.read_parquet(path)
            return pd.read_parquet(path)
        except (OSError, ValueError) as exc:
            raise StoreError(f"Laag {layer!r} van regio {region!r} is onleesbaar: {exc}") from exc

    def read_arrays(self, region: str, layer: str) -> dict[str, np.ndarray]:
        """Read an array layer (e.g. a road network ``netwerk_bike``) as a dict of arrays."""
        entry = self.manifest(region)["layers"].get(layer)
        if entry is None or not entry.get("arrays", False):
            raise StoreError(f"Regio {region!r} heeft geen netwerklaag {layer!r}.")
        path = self._region_dir(region) / entry["file"]
        try:
            with np.load(path, allow_pickle=False) as stored:
                return {key: stored[key] for key in stored.files}
        except (OSError, ValueError) as exc:
            raise StoreError(f"Laag {layer!r} van regio {region!r} is onleesbaar: {exc}") from exc

    def write_region(
        self,
        region: str,
        layers: dict[str, tuple[pd.DataFrame | dict[str, np.ndarray], LayerSource]],
        *,
        name: str | None = None,
        gemeenten: list[str] | None = None,
    ) -> dict[str, Any]:
        """Write (or replace) layers of ``region`` in one atomic step.

        Layers not named in ``layers`` keep their stored data and manifest entry.

        Parameters
        ----------
        region
            Region id (folder name), see :func:`region_id`.
        layers
            Layer name → (frame, source). GeoDataFrames must be in EPSG:28992. A dict of
            numpy arrays (a road network edge list) is stored as compressed ``.npz``.
        name, gemeenten
            Display name and CBS gemeente codes of the region; kept from the old manifest
            when not given.

        Returns
        -------
        dict
            The new manifest.
        """
        if not REGION_ID.match(region):
            raise StoreError(f"Ongeldige regio-id: {region!r}.")
        with _WRITE_LOCK:
            return self._write_region(region, layers, name=name, gemeenten=gemeenten)

    def _write_region(
        self,
        region: str,
        layers: dict[str, tuple[pd.DataFrame | dict[str, np.ndarray], LayerSource]],
        *,
        name: str | None,
        gemeenten: list[str] | None,
    ) -> dict[str, Any]:
        folder = self._region_dir(region)
        folder.mkdir(parents=True, exist_ok=True)
        try:
            old = self.manifest(region)
        except StoreError:
            old = {"region": region, "name": region, "gemeenten": [], "layers": {}}
        new_layers = dict(old.get("layers", {}))
        for layer, (frame, source) in layers.items():
            new_layers[layer] = self._write_layer_file(folder, layer, frame, source)
        manifest = {
            "region": region,
            "name": name or old.get("name", region),
            "gemeenten": gemeenten if gemeenten is not None else old.get("gemeenten", []),
            "updated_at": now_iso(),
            "layers": new_layers,
        }
        _atomic_write_text(folder / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False))
        self._collect_garbage(folder, manifest)
        return manifest

    def _region_dir(self, region: str) -> Path:
        if not REGION_ID.match(region):
            raise StoreError(f"Ongeldige regio-id: {region!r}.")
        return self.root / region

    @staticmethod
    def _write_layer_file(
        folder: Path, layer: str, data: pd.DataFrame | dict[str, np.ndarray], source: LayerSource
    ) -> dict[str, Any]:
        is_arrays = isinstance(data, dict)
        is_geo = isinstance(data, gpd.GeoDataFrame)
        if is_geo and (data.crs is None or data.crs.to_string() != CRS):
            raise StoreError(f"Laag {layer!r} moet in {CRS} zijn, niet in {data.crs}.")
        filename = f"{layer}-{uuid.uuid4().hex[:12]}.{'npz' if is_arrays else 'parquet'}"
        tmp = folder / f".{filename}.tmp"
        try:
            with open(tmp, "wb") as handle:
                if is_arrays:
                    np.savez_compressed(handle, **data)
                else:
                    data.to_parquet(handle, index=False)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, folder / filename)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        rows = len(data["u"]) if is_arrays and "u" in data else len(data)
        entry = asdict(source)
        entry.update(file=filename, rows=int(rows), geometry=is_geo, arrays=is_arrays)
        return entry

    @staticmethod
    def _collect_garbage(folder: Path, manifest: dict[str, Any]) -> None:
        keep = {entry["file"] for entry in manifest["layers"].values()} | {MANIFEST}
        for path in folder.iterdir():
            if path.is_file() and path.name not in keep:
                path.unlink(missing_ok=True)


def _atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and ``os.replace``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
