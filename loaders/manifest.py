"""The store's manifest (``manifest.json``) as typed, immutable values.

A :class:`Manifest` lists the current :class:`LayerEntry` of every stored layer and the entries
of their earlier versions (``history``). :class:`loaders.store.Store` reads and writes it; every
other module reads its fields instead of indexing a dict, and every cache keys on
:meth:`Manifest.data_key`, so "which data is this" has one answer.

The JSON on disk is unchanged: :meth:`Manifest.from_dict` reads every manifest written so far
(also those without ``history``, ``bytes`` or ``sha256``), and :meth:`Manifest.to_dict` writes
the same keys back, including keys this version does not know (kept in ``extra``). The
instances are frozen and their mappings must be treated as read-only: derive a new manifest
with :func:`dataclasses.replace` instead.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

HISTORY = "history"
"""Manifest key: per layer the entries of its earlier versions, newest first."""
DATA_KEY_LENGTH = 16
"""Hex digits of the digest in :meth:`Manifest.data_key`."""


def now_iso() -> str:
    """The current UTC time as an ISO 8601 string, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@dataclass(frozen=True, kw_only=True)
class LayerSource:
    """Where a layer came from: what a loader hands the store with each layer it writes.

    The store adds what it knows of the written file and keeps both as a :class:`LayerEntry`.
    Every field is named when it is given (nine strings in a row are easily swapped).
    """

    source: str
    attribution: str
    table_id: str = ""
    year: str = ""
    indeling: str = ""
    licence: str = ""
    note: str = ""
    inputs: str = ""
    fetched_at: str = field(default_factory=now_iso)


class NotAManifestError(ValueError):
    """Valid JSON that is not a manifest (no ``layers`` mapping or no ``region``)."""


@dataclass(frozen=True, kw_only=True)
class LayerEntry(LayerSource):
    """One stored version of a layer: its file, what it holds and where the data came from.

    The fields are the keys of a layer in ``manifest.json``: the :class:`LayerSource` the
    loader gave, then what the store recorded. Read from an older store, a missing source,
    attribution or time stays empty; ``rows``, ``bytes`` and ``sha256`` are None or empty
    when the writer did not record them; ``replaced_at`` is set on earlier versions,
    ``restored_at`` on a restored one.
    """

    source: str = ""
    attribution: str = ""
    fetched_at: str = ""
    file: str
    rows: int | None = None
    geometry: bool = False
    arrays: bool = False
    bytes: int | None = None
    sha256: str = ""
    replaced_at: str = ""
    restored_at: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Keys of the JSON entry that this version does not know, written back unchanged."""

    @classmethod
    def stored(
        cls, source: LayerSource, *, file: str, rows: int, geometry: bool, arrays: bool,
        size: int, sha256: str,
    ) -> LayerEntry:
        """The entry of ``source`` written to ``file``, with what the store recorded of it.

        Only the fields of :class:`LayerSource` are taken from ``source``, also when it is an
        entry itself (a layer written again from a stored version).
        """
        own = {f.name: getattr(source, f.name) for f in fields(LayerSource)}
        return cls(**own, file=file, rows=rows, geometry=geometry, arrays=arrays, bytes=size,
                   sha256=sha256)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LayerEntry:
        """An entry from its JSON mapping; missing keys get their defaults.

        Examples
        --------
        >>> LayerEntry.from_dict({"file": "kernen-1.parquet", "rows": 47, "year": 2020}).year
        '2020'
        """
        known = {f.name for f in fields(cls)} - {"extra"}
        values: dict[str, Any] = {}
        for name in known & data.keys():
            value = data[name]
            if name in {"rows", "bytes"}:
                values[name] = _int_or_none(value)
            elif name in {"geometry", "arrays"}:
                values[name] = bool(value)
            else:
                values[name] = "" if value is None else str(value)
        extra = {key: value for key, value in data.items() if key not in known}
        return cls(**{"file": "", **values}, extra=extra)

    def to_dict(self) -> dict[str, Any]:
        """The JSON mapping: every recorded field, in the order the store has always written.

        ``rows``, ``bytes``, ``sha256``, ``replaced_at`` and ``restored_at`` are left out when
        not recorded, so an entry of an older store is written back as it was read.
        """
        data: dict[str, Any] = {
            "source": self.source, "attribution": self.attribution, "table_id": self.table_id,
            "year": self.year, "indeling": self.indeling, "licence": self.licence,
            "note": self.note, "inputs": self.inputs, "fetched_at": self.fetched_at,
            "file": self.file,
        }
        if self.rows is not None:
            data["rows"] = self.rows
        data |= {"geometry": self.geometry, "arrays": self.arrays}
        if self.bytes is not None:
            data["bytes"] = self.bytes
        optional = {"sha256": self.sha256, "replaced_at": self.replaced_at,
                    "restored_at": self.restored_at}
        data |= {key: value for key, value in optional.items() if value}
        return {**data, **self.extra}


@dataclass(frozen=True)
class Manifest:
    """What a store region holds: its layers' current entries and their earlier versions.

    Parameters
    ----------
    region
        The region id (folder name); the national store is ``nl``.
    name
        Display name (``Nederland``).
    gemeenten
        CBS codes of the gemeenten in the current division.
    updated_at
        ISO time of the last write.
    layers
        Layer name → its current entry, in the order they were first stored.
    history
        Layer name → its earlier entries, newest first.
    extra
        Top-level keys this version does not know, written back unchanged.
    """

    region: str
    name: str = ""
    gemeenten: tuple[str, ...] = ()
    updated_at: str = ""
    layers: Mapping[str, LayerEntry] = field(default_factory=dict)
    history: Mapping[str, tuple[LayerEntry, ...]] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def empty(cls, region: str) -> Manifest:
        """The manifest of a region that has nothing stored yet."""
        return cls(region=region, name=region)

    @classmethod
    def from_dict(cls, data: object) -> Manifest:
        """A manifest from parsed JSON.

        Raises
        ------
        NotAManifestError
            When ``data`` is not a mapping with a ``layers`` mapping and a ``region`` string.
        """
        if not isinstance(data, Mapping) or not isinstance(data.get("layers"), Mapping):
            raise NotAManifestError("no 'layers' mapping")
        region = data.get("region")
        if not isinstance(region, str):
            raise NotAManifestError("no 'region'")
        # An entry that is not a mapping stays, without a file, so readers report it damaged.
        layers = {name: LayerEntry.from_dict(entry if isinstance(entry, Mapping) else {})
                  for name, entry in data["layers"].items()}
        stored_history = data.get(HISTORY)
        history = {
            name: tuple(LayerEntry.from_dict(e) for e in older if isinstance(e, Mapping))
            for name, older in (stored_history if isinstance(stored_history, Mapping) else {})
            .items() if isinstance(older, list)
        }
        known = {"region", "name", "gemeenten", "updated_at", "layers", HISTORY}
        return cls(
            region=region,
            name=str(data.get("name") or region),
            gemeenten=tuple(str(code) for code in data.get("gemeenten") or ()),
            updated_at=str(data.get("updated_at") or ""),
            layers=layers,
            history=history,
            extra={key: value for key, value in data.items() if key not in known},
        )

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        """A manifest from the text of ``manifest.json``.

        Raises
        ------
        ValueError
            When the text is not JSON, or :class:`NotAManifestError` when it is JSON but not
            a manifest (English; callers word it in Dutch).
        """
        return cls.from_dict(json.loads(text))

    def to_dict(self) -> dict[str, Any]:
        """The JSON mapping written to ``manifest.json``."""
        data: dict[str, Any] = {"region": self.region, "name": self.name,
                                "gemeenten": list(self.gemeenten)}
        if self.updated_at:
            data["updated_at"] = self.updated_at
        data["layers"] = {name: entry.to_dict() for name, entry in self.layers.items()}
        if self.history:
            data[HISTORY] = {name: [entry.to_dict() for entry in older]
                             for name, older in self.history.items()}
        return {**data, **self.extra}

    def to_json(self) -> str:
        """The text of ``manifest.json`` (indented, UTF-8 characters kept)."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def layer(self, name: str) -> LayerEntry | None:
        """The current entry of layer ``name``, None when it is not stored."""
        return self.layers.get(name)

    def file(self, name: str) -> str:
        """The file of layer ``name``, ``""`` when it is not stored."""
        entry = self.layers.get(name)
        return entry.file if entry is not None else ""

    def versions(self, name: str) -> list[LayerEntry]:
        """The stored versions of layer ``name``: the current one first, then the older ones."""
        current = self.layers.get(name)
        return ([current] if current is not None else []) + list(self.history.get(name, ()))

    def named_files(self) -> set[str]:
        """The file names the manifest refers to: current layers and their kept versions."""
        entries = [*self.layers.values(), *(e for older in self.history.values() for e in older)]
        return {entry.file.rsplit("/", 1)[-1] for entry in entries if entry.file}

    def data_key(self, layers: Iterable[str] | None = None) -> str:
        """A short stable string naming the data of ``layers`` (all current layers by default).

        Every write gives a layer a new file name, so the key changes exactly when one of
        these layers is written, restored or removed, and not when another layer is. Caches
        key on it (``st.cache_data``/``st.cache_resource`` arguments).

        Examples
        --------
        >>> m = Manifest("nl", layers={"kernen": LayerEntry(file="kernen-a.parquet")})
        >>> m.data_key(["kernen"]) == m.data_key(["kernen", "kernen"]), m.data_key()[:3]
        (True, 'nl-')
        >>> m.data_key(["kernen"]) != m.data_key(["kernen", "venues"])
        True
        """
        names = sorted(self.layers if layers is None else set(layers))
        text = "\n".join(f"{name}={self.file(name)}" for name in names)
        digest = hashlib.sha256(text.encode()).hexdigest()[:DATA_KEY_LENGTH]
        return f"{self.region}-{digest}"


def _int_or_none(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return int(value)
    except (ValueError, OverflowError):
        return None
