"""Source files parsed once per file version while the process runs.

A national file (all gemeenten, all buurten, every polling station) takes seconds to parse,
and refreshing one gemeente after another from the same import folder parsed all of them
again each time. :func:`read_once` keeps the parsed frame of each file version: the key is
the path as given (readers take a year or an origin from the file's name, so two links to one
file are two entries) with the file's device, inode, size and modification and change times
(so a changed or replaced file is read again), plus the reader and its options. The key is
taken before the file is read, so a file that changes during the read is read again next
time. A reader that raises is not remembered: a broken file is read, and reported, every
time; a file that cannot even be looked up is handed to the reader as it is.

Each caller gets its own copy, so changing a returned frame never changes what is kept. The
number of kept frames is bounded (:data:`KEPT_FRAMES`, least recently used first out).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import TypeVar, cast

import pandas as pd

__all__ = ["KEPT_FRAMES", "FileVersion", "clear", "file_version", "read_once", "remember"]

KEPT_FRAMES = 32
"""How many parsed frames are kept at most (a national import folder holds about twenty)."""

FileVersion = tuple[str, int, int, int, int, int]
"""A file's absolute path, device, inode, size, and modification and change times (ns)."""

FrameT = TypeVar("FrameT", bound=pd.DataFrame)

_kept: OrderedDict[Hashable, pd.DataFrame] = OrderedDict()
_lock = threading.Lock()


def file_version(path: str | Path) -> FileVersion:
    """What identifies the content of ``path`` as given (see :data:`FileVersion`).

    Raises
    ------
    OSError
        When the file cannot be found or looked up.
    """
    status = Path(path).stat()
    return (str(Path(path).absolute()), status.st_dev, status.st_ino, status.st_size,
            status.st_mtime_ns, status.st_ctime_ns)


def remember(
    what: Hashable, paths: Sequence[str | Path], compute: Callable[[], FrameT],
    **options: Hashable,
) -> FrameT:
    """The result of ``compute`` for these versions of ``paths``, computed at most once.

    Parameters
    ----------
    what
        What ``compute`` does (a name or the function itself; with ``options``, it must
        say everything the result depends on besides the files).
    paths
        The files the result is derived from.
    compute
        Builds the frame from the files.
    **options
        The options ``compute`` uses, part of the key.

    Returns
    -------
    pandas.DataFrame
        A copy of the kept frame (or of the fresh one).
    """
    try:
        versions = tuple(file_version(p) for p in paths)
    except OSError:
        return compute()
    key = (what, versions, tuple(sorted(options.items())))
    with _lock:
        kept = _kept.get(key)
        if kept is not None:
            _kept.move_to_end(key)
    if kept is None:
        kept = compute()
        with _lock:
            _kept[key] = kept
            _kept.move_to_end(key)
            while len(_kept) > KEPT_FRAMES:
                _kept.popitem(last=False)
    return cast("FrameT", kept.copy())


def read_once(reader: Callable[..., FrameT], path: str | Path, **options: Hashable) -> FrameT:
    """``reader(path, **options)``, parsed at most once per version of the file."""
    return remember(reader, [path], lambda: reader(path, **options), **options)


def clear() -> None:
    """Forget every kept frame."""
    with _lock:
        _kept.clear()
