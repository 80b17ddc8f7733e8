"""The local store ``kern_data/<region>/``: one (Geo)Parquet file per layer and a manifest.

Road networks are array layers (``netwerk_walk``/``netwerk_bike``/``netwerk_drive``): an edge
list stored as compressed ``.npz``, so a network is built once and not on every page load.

Writes are atomic at the level of a whole refresh: new layer files get fresh names, and only
when all of them are on disk is ``manifest.json`` replaced (``os.replace``), which is the
single switch from the old state to the new one. A refresh that fails or is killed half way
leaves the previous manifest, and every file it names, untouched.

Every write holds one lock for the region folder (:meth:`Store.writing`), across threads and
processes, so two writers never rewrite the manifest from the same old one or delete each
other's files. Replaced layer files are kept for :data:`KEEP_VERSIONS` versions (listed under
``history`` in the manifest, restorable with :meth:`Store.restore_layers`), and the previous
manifest is kept as ``manifest.json.prev``, which is read when ``manifest.json`` is damaged.
Every file a write names carries its size and SHA-256 in the manifest, so
:mod:`loaders.check` can tell a damaged file from a good one. The manifest is read and written
as a typed :class:`loaders.manifest.Manifest`.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import re
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from filelock import FileLock, Timeout

from loaders.manifest import LayerEntry, LayerSource, Manifest, now_iso
from loaders.schema import CRS

MANIFEST = "manifest.json"
PREVIOUS_MANIFEST = "manifest.json.prev"
"""The manifest before the last write; read when ``manifest.json`` is missing or damaged."""
LOCK_FILE = ".schrijfslot.lock"
"""The lock file of a region folder (never removed; holding it is what counts)."""
KEEP_VERSIONS = 3
"""Versions of each layer kept on disk: the current one and the two before it."""
LOCK_TIMEOUT_S = 300.0
"""How long a writer waits for another one before it gives up (changing nothing)."""
WAIT_MESSAGE = "bezig: een andere opslag loopt nog, even wachten…"
REGION_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
DATA_ENV = "ONTMOETINGSKAART_DATA"
NATIONAL = "nl"
"""The one dataset the product keeps: national layers in ``kern_data/nl/``. A gemeente, a
province or the country is a selection on it, never a separate import."""
NATIONAL_NAME = "Nederland"
_LOCKS: dict[str, FileLock] = {}
_LOCKS_GUARD = threading.Lock()
"""One :class:`filelock.FileLock` per lock file, shared by the threads of a process: it is
re-entrant per thread and excludes other threads and processes."""
_LOG = logging.getLogger(__name__)


class StoreError(Exception):
    """The store could not be read or written; the message is Dutch."""


class LayerDamagedError(StoreError):
    """A layer named in the manifest is missing on disk or cannot be read; the message is Dutch.

    Parameters
    ----------
    layer
        The layer name.
    message
        What is wrong and what to do, in Dutch.
    """

    def __init__(self, layer: str, message: str) -> None:
        self.layer = layer
        super().__init__(message)


Layers = dict[str, tuple[pd.DataFrame | dict[str, np.ndarray], LayerSource]]
"""What :meth:`Store.write_region` takes: layer name → (frame or arrays, source)."""


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


def disk_error_message(exc: OSError, folder: Path) -> str:
    """A Dutch message for a failed write in ``folder``: what happened and what to do.

    Examples
    --------
    >>> disk_error_message(OSError(28, "No space left on device"), Path("/data/nl"))[:40]
    'De schijf van de opslagmap /data/nl is v'
    """
    if isinstance(exc, PermissionError) or exc.errno in {errno.EACCES, errno.EPERM, errno.EROFS}:
        what = (f"Geen schrijfrechten in de opslagmap {folder}. Geef de gebruiker die "
                "Ontmoetingskaart draait schrijfrechten op die map, of wijs met "
                f"{DATA_ENV} een schrijfbare map aan.")
    elif exc.errno in {errno.ENOSPC, errno.EDQUOT}:
        what = (f"De schijf van de opslagmap {folder} is vol. Maak ruimte vrij (de opslag "
                "heeft minstens een paar honderd MB nodig) en probeer het opnieuw.")
    else:
        reason = exc.strerror or type(exc).__name__
        what = (f"Schrijven in de opslagmap {folder} is mislukt ({reason}). Controleer de map "
                "en de schijf en probeer het opnieuw.")
    return f"{what} Er is niets gewijzigd aan de opgeslagen gegevens."


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file as hex, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Store:
    """Read and write regions under one root folder.

    Parameters
    ----------
    root
        The store folder; defaults to :func:`default_root`.
    on_wait
        Called with :data:`WAIT_MESSAGE` when a write has to wait for another writer; by
        default the message is logged.
    lock_timeout
        Seconds a write waits for another writer before it fails (:data:`LOCK_TIMEOUT_S`).
    """

    def __init__(
        self,
        root: Path | str | None = None,
        *,
        on_wait: Callable[[str], None] | None = None,
        lock_timeout: float = LOCK_TIMEOUT_S,
    ) -> None:
        self.root = Path(root) if root is not None else default_root()
        self.on_wait = on_wait or _LOG.warning
        self.lock_timeout = lock_timeout

    def regions(self) -> list[str]:
        """The ids of all regions with a manifest (or a previous one), sorted."""
        if not self.root.is_dir():
            return []
        return sorted(
            p.name for p in self.root.iterdir()
            if p.is_dir() and ((p / MANIFEST).is_file() or (p / PREVIOUS_MANIFEST).is_file())
        )

    def manifest(self, region: str) -> Manifest:
        """The manifest of ``region``: its name, gemeenten and the entry of every layer.

        When ``manifest.json`` is missing or damaged and ``manifest.json.prev`` is good, the
        previous manifest is returned; :meth:`manifest_problem` says so.
        """
        folder = self._region_dir(region)
        try:
            return self._read_manifest(folder / MANIFEST)
        except FileNotFoundError as exc:
            previous = self._previous_manifest(folder)
            if previous is not None:
                return previous
            if region == NATIONAL:
                raise StoreError(
                    f"{NATIONAL_NAME} is nog niet opgeslagen in {self.root}. Importeer eerst de "
                    "gegevens: python -m loaders import --from MAP --nl"
                ) from exc
            raise StoreError(f"Regio {region!r} is niet opgeslagen.") from exc
        except (OSError, ValueError) as exc:
            previous = self._previous_manifest(folder)
            if previous is not None:
                return previous
            raise StoreError(
                f"Het manifest van regio {region!r} is onleesbaar en er is geen eerdere versie "
                "om op terug te vallen. Importeer de gegevens opnieuw (python -m loaders import "
                "--from MAP --nl --vervang-alles)."
            ) from exc

    def manifest_problem(self, region: str) -> str | None:
        """A Dutch sentence when ``manifest.json`` is missing or damaged, else None."""
        folder = self._region_dir(region)
        try:
            self._read_manifest(folder / MANIFEST)
        except FileNotFoundError:
            if self._previous_manifest(folder) is None:
                return None
            return ("manifest.json ontbreekt; de vorige versie (manifest.json.prev) wordt "
                    "gebruikt. Een nieuwe import of herstel schrijft weer een manifest.")
        except (OSError, ValueError):
            fallback = ("de vorige goede versie (manifest.json.prev) wordt gebruikt"
                        if self._previous_manifest(folder) is not None
                        else "er is geen eerdere versie; importeer de gegevens opnieuw")
            return f"manifest.json is beschadigd (geen geldig manifest); {fallback}."
        return None

    def has_layer(self, region: str, layer: str) -> bool:
        """Whether ``region`` has ``layer`` in its manifest."""
        try:
            return layer in self.manifest(region).layers
        except StoreError:
            return False

    def layer_path(self, region: str, entry: LayerEntry) -> Path:
        """The file of a manifest entry (a current layer or one of its earlier versions)."""
        return self._region_dir(region) / Path(entry.file).name

    def read_layer(
        self, region: str, layer: str, *, columns: list[str] | None = None
    ) -> pd.DataFrame:
        """Read one layer; a GeoDataFrame in EPSG:28992 when the layer has geometry.

        With ``columns`` only those columns are read, as a plain DataFrame.

        Raises
        ------
        LayerDamagedError
            When the layer's file is missing or cannot be read (a Dutch message naming the
            layer and how to restore it).
        """
        entry = self.manifest(region).layer(layer)
        if entry is None:
            raise StoreError(f"Regio {region!r} heeft geen laag {layer!r}.")
        if not entry.file:
            raise LayerDamagedError(
                layer, _damaged(layer, "de regel in het manifest is onvolledig")
            )
        if entry.arrays:
            raise StoreError(f"Laag {layer!r} is een netwerk; lees hem met read_arrays.")
        path = self.layer_path(region, entry)
        try:
            if columns is not None:
                return pd.read_parquet(path, columns=columns)
            if entry.geometry:
                return gpd.read_parquet(path)
            return pd.read_parquet(path)
        except FileNotFoundError as exc:
            raise LayerDamagedError(layer, _damaged(layer, "het bestand ontbreekt")) from exc
        except PermissionError as exc:
            raise StoreError(f"Laag {layer!r} kan niet gelezen worden: geen leesrechten in de "
                             f"opslagmap {path.parent}.") from exc
        except (OSError, ValueError) as exc:
            raise LayerDamagedError(
                layer, _damaged(layer, "het bestand is onleesbaar (afgebroken of overschreven)")
            ) from exc

    def read_arrays(self, region: str, layer: str) -> dict[str, np.ndarray]:
        """Read an array layer (e.g. a road network ``netwerk_bike``) as a dict of arrays.

        Raises
        ------
        LayerDamagedError
            When the layer's file is missing or cannot be read.
        """
        entry = self.manifest(region).layer(layer)
        if entry is None or not entry.arrays:
            raise StoreError(f"Regio {region!r} heeft geen netwerklaag {layer!r}.")
        path = self.layer_path(region, entry)
        try:
            with np.load(path, allow_pickle=False) as stored:
                return {key: stored[key] for key in stored.files}
        except FileNotFoundError as exc:
            raise LayerDamagedError(layer, _damaged(layer, "het bestand ontbreekt")) from exc
        except PermissionError as exc:
            raise StoreError(f"Laag {layer!r} kan niet gelezen worden: geen leesrechten in de "
                             f"opslagmap {path.parent}.") from exc
        except (OSError, ValueError, EOFError) as exc:
            raise LayerDamagedError(
                layer, _damaged(layer, "het bestand is onleesbaar (afgebroken of overschreven)")
            ) from exc

    @contextmanager
    def writing(self, region: str) -> Iterator[None]:
        """Hold the write lock of ``region`` (re-entrant within a thread).

        Wrap a read-modify-write in it, so that no other thread or process writes between
        the read and the write. A writer that has to wait calls ``on_wait`` once.

        Raises
        ------
        StoreError
            When another writer holds the lock longer than ``lock_timeout`` seconds, or the
            lock file cannot be created (Dutch message; nothing was changed).
        """
        folder = self._region_dir(region)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            lock = _lock_for(folder / LOCK_FILE)
            try:
                lock.acquire(blocking=False)
            except Timeout:
                self.on_wait(WAIT_MESSAGE)
                lock.acquire(timeout=self.lock_timeout)
        except Timeout as exc:
            raise StoreError(
                f"Een andere opslag in {folder} loopt al langer dan {self.lock_timeout:.0f} s. "
                "Er is niets gewijzigd; probeer het later opnieuw (loopt er nog een import?)."
            ) from exc
        except OSError as exc:
            raise StoreError(disk_error_message(exc, folder)) from exc
        try:
            yield
        finally:
            lock.release()

    def write_region(
        self,
        region: str,
        layers: Layers,
        *,
        name: str | None = None,
        gemeenten: list[str] | None = None,
    ) -> Manifest:
        """Write (or replace) layers of ``region`` in one atomic step.

        Layers not named in ``layers`` keep their stored data and manifest entry. A replaced
        layer's entry moves to the manifest's ``history`` (its file stays on disk for
        :data:`KEEP_VERSIONS` versions).

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
        Manifest
            The new manifest.

        Raises
        ------
        StoreError
            For a bad region id or CRS, a write that waited too long for another one, or a
            disk fault (no permission, disk full): a Dutch message, and the store unchanged.
        """
        if not REGION_ID.match(region):
            raise StoreError(f"Ongeldige regio-id: {region!r}.")
        for layer, (frame, _source) in layers.items():
            if isinstance(frame, gpd.GeoDataFrame) and (
                frame.crs is None or frame.crs.to_string() != CRS
            ):
                raise StoreError(f"Laag {layer!r} moet in {CRS} zijn, niet in {frame.crs}.")
        with self.writing(region):
            old = self._manifest_or_empty(region)
            folder = self._region_dir(region)
            written: list[Path] = []
            try:
                entries: dict[str, LayerEntry] = {}
                for layer, (frame, source) in layers.items():
                    entries[layer] = self._write_layer_file(folder, layer, frame, source)
                    written.append(folder / entries[layer].file)
                manifest = _next_manifest(old, entries, region=region, name=name,
                                          gemeenten=gemeenten)
                self._switch_manifest(folder, manifest)
            except OSError as exc:
                for path in written:
                    path.unlink(missing_ok=True)
                raise StoreError(disk_error_message(exc, folder)) from exc
            self._collect_garbage(folder, manifest)
            return manifest

    def layer_versions(self, region: str, layer: str) -> list[LayerEntry]:
        """The stored versions of ``layer``: index 0 is the current one, 1 the one before, ….

        Raises
        ------
        StoreError
            When the layer has never been stored.
        """
        versions = self.manifest(region).versions(layer)
        if not versions:
            raise StoreError(f"Laag {layer!r} is niet opgeslagen; er is niets te herstellen.")
        return versions

    def restore_layers(self, region: str, choice: dict[str, int]) -> Manifest:
        """Make an earlier version of each layer in ``choice`` (layer → version) current again.

        The current version moves into the history, so a restore can itself be undone. The
        file of the chosen version is checked against its recorded checksum first.

        Returns
        -------
        Manifest
            The new manifest.

        Raises
        ------
        StoreError
            When a version does not exist or its file is missing or damaged (nothing is
            changed then), or on a disk fault.
        """
        with self.writing(region):
            old = self.manifest(region)
            folder = self._region_dir(region)
            layers, history = dict(old.layers), dict(old.history)
            gemeenten = old.gemeenten
            for layer, version in choice.items():
                versions = old.versions(layer)
                if not 0 < version < len(versions):
                    raise StoreError(
                        f"Laag {layer!r} heeft geen versie {version}; kies uit 1 t/m "
                        f"{len(versions) - 1}." if len(versions) > 1 else
                        f"Laag {layer!r} heeft geen eerdere versie om te herstellen."
                    )
                chosen = versions[version]
                problem = entry_problem(self.layer_path(region, chosen), chosen)
                if problem is not None:
                    raise StoreError(f"Versie {version} van laag {layer!r} is niet te "
                                     f"herstellen: {problem}.")
                replaced = replace(versions[0], replaced_at=now_iso())
                rest = [v for i, v in enumerate(versions[1:], start=1) if i != version]
                layers[layer] = replace(chosen, replaced_at="", restored_at=now_iso())
                history[layer] = (replaced, *rest)[: KEEP_VERSIONS - 1]
                if layer == "gemeenten":
                    codes = pd.read_parquet(self.layer_path(region, chosen), columns=["code"])
                    gemeenten = tuple(sorted(codes["code"].dropna().unique().tolist()))
            manifest = replace(old, gemeenten=gemeenten, updated_at=now_iso(), layers=layers,
                               history=history)
            try:
                self._switch_manifest(folder, manifest)
            except OSError as exc:
                raise StoreError(disk_error_message(exc, folder)) from exc
            self._collect_garbage(folder, manifest)
            return manifest

    def _manifest_or_empty(self, region: str) -> Manifest:
        try:
            return self.manifest(region)
        except StoreError:
            return Manifest.empty(region)

    def _previous_manifest(self, folder: Path) -> Manifest | None:
        try:
            return self._read_manifest(folder / PREVIOUS_MANIFEST)
        except (OSError, ValueError):
            return None

    @staticmethod
    def _read_manifest(path: Path) -> Manifest:
        return Manifest.from_json(path.read_text(encoding="utf-8"))

    def _switch_manifest(self, folder: Path, manifest: Manifest) -> None:
        """Keep the current manifest as ``.prev`` (when it is good), then replace it."""
        current = folder / MANIFEST
        try:
            text = current.read_text(encoding="utf-8")
            Manifest.from_json(text)
        except (OSError, ValueError):
            text = None
        if text is not None:
            _atomic_write_text(folder / PREVIOUS_MANIFEST, text)
        _atomic_write_text(current, manifest.to_json())

    def _region_dir(self, region: str) -> Path:
        if not REGION_ID.match(region):
            raise StoreError(f"Ongeldige regio-id: {region!r}.")
        return self.root / region

    @staticmethod
    def _write_layer_file(
        folder: Path, layer: str, data: pd.DataFrame | dict[str, np.ndarray], source: LayerSource
    ) -> LayerEntry:
        is_arrays = isinstance(data, dict)
        is_geo = isinstance(data, gpd.GeoDataFrame)
        filename = f"{layer}-{uuid.uuid4().hex[:12]}.{'npz' if is_arrays else 'parquet'}"
        tmp = folder / f".{filename}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp"
        try:
            with tmp.open("wb") as handle:
                if isinstance(data, dict):
                    np.savez_compressed(handle, **data)
                else:
                    data.to_parquet(handle, index=False)
                handle.flush()
                os.fsync(handle.fileno())
            checksum = file_sha256(tmp)
            size = tmp.stat().st_size
            tmp.replace(folder / filename)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        rows = len(data["u"]) if is_arrays and "u" in data else len(data)
        return LayerEntry.stored(source, file=filename, rows=int(rows), geometry=is_geo,
                                 arrays=is_arrays, size=int(size), sha256=checksum)

    @staticmethod
    def _collect_garbage(folder: Path, manifest: Manifest) -> None:
        """Remove files no version names.

        Those are replaced versions beyond the history and temp files of writers that were
        killed (only called under the write lock).
        """
        keep = {MANIFEST, PREVIOUS_MANIFEST, LOCK_FILE} | manifest.named_files()
        try:
            previous = Manifest.from_json((folder / PREVIOUS_MANIFEST).read_text(encoding="utf-8"))
            keep |= previous.named_files()
        except (OSError, ValueError):
            pass
        try:
            for path in folder.iterdir():
                if path.is_file() and path.name not in keep:
                    path.unlink(missing_ok=True)
        except OSError as exc:
            _LOG.warning("opruimen van %s mislukt: %s", folder, exc)


def entry_problem(path: Path, entry: LayerEntry) -> str | None:
    """What is wrong with the file of a manifest entry, in Dutch, or None when it matches.

    Checks that the file exists and, when the entry records them, its size and SHA-256.
    """
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return "het bestand ontbreekt"
    except OSError as exc:
        return f"het bestand is niet te lezen ({exc.strerror or type(exc).__name__})"
    if entry.bytes is not None and entry.bytes != size:
        return "het bestand is afgebroken of overschreven (andere grootte)"
    if entry.sha256:
        try:
            if file_sha256(path) != entry.sha256:
                return "het bestand is beschadigd (controlegetal klopt niet)"
        except OSError as exc:
            return f"het bestand is niet te lezen ({exc.strerror or type(exc).__name__})"
    return None


def _damaged(layer: str, what: str) -> str:
    return (f"Laag {layer!r} is beschadigd: {what}. De andere lagen werken gewoon. Herstel een "
            f"eerdere versie met python -m loaders herstel --laag {layer}, of haal de gegevens "
            "opnieuw op.")


def _next_manifest(
    old: Manifest,
    entries: dict[str, LayerEntry],
    *,
    region: str,
    name: str | None,
    gemeenten: list[str] | None,
) -> Manifest:
    """The manifest after a write: new entries current, the replaced ones first in history."""
    layers, history = dict(old.layers), dict(old.history)
    replaced_at = now_iso()
    for layer, entry in entries.items():
        previous = layers.get(layer)
        if previous is not None and previous.file:
            older = (replace(previous, replaced_at=replaced_at), *history.get(layer, ()))
            history[layer] = older[: KEEP_VERSIONS - 1]
        layers[layer] = entry
    return Manifest(
        region=region,
        name=name or old.name or region,
        gemeenten=tuple(gemeenten) if gemeenten is not None else old.gemeenten,
        updated_at=replaced_at,
        layers=layers,
        history=history,
        extra=old.extra,
    )


def _lock_for(path: Path) -> FileLock:
    key = str(path.resolve())
    with _LOCKS_GUARD:
        lock = _LOCKS.get(key)
        if lock is None:
            lock = _LOCKS[key] = FileLock(key)
        return lock


def _atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and ``os.replace``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}-",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
