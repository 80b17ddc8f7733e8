"""Source files parsed once per file version (loaders.parsed)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from loaders import parsed


@pytest.fixture(autouse=True)
def _empty() -> None:
    parsed.clear()


class CountingReader:
    """Reads a one-column CSV and counts how often it really parsed."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, path: Path, *, column: str = "waarde") -> pd.DataFrame:
        self.calls += 1
        return pd.read_csv(path).rename(columns={"waarde": column})


def _write(path: Path, values: list[int]) -> None:
    path.write_text("waarde\n" + "".join(f"{v}\n" for v in values), encoding="utf-8")


def test_a_file_is_parsed_once_and_every_caller_gets_its_own_copy(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    _write(path, [1, 2, 3])
    reader = CountingReader()
    first = parsed.read_once(reader, path)
    first.loc[0, "waarde"] = 99
    second = parsed.read_once(reader, path)
    assert reader.calls == 1
    assert second["waarde"].tolist() == [1, 2, 3]


def test_options_and_readers_are_part_of_the_key(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    _write(path, [1])
    reader, other = CountingReader(), CountingReader()
    assert list(parsed.read_once(reader, path, column="x").columns) == ["x"]
    assert list(parsed.read_once(reader, path, column="y").columns) == ["y"]
    parsed.read_once(other, path, column="x")
    assert (reader.calls, other.calls) == (2, 1)


def test_a_changed_file_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    _write(path, [1, 2])
    reader = CountingReader()
    parsed.read_once(reader, path)
    _write(path, [5, 6, 7])
    stamp = path.stat().st_mtime_ns + 1_000_000
    os.utime(path, ns=(stamp, stamp))
    assert parsed.read_once(reader, path)["waarde"].tolist() == [5, 6, 7]
    assert reader.calls == 2


def test_two_files_of_the_same_size_are_kept_apart(tmp_path: Path) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    _write(first, [1])
    _write(second, [2])
    reader = CountingReader()
    assert parsed.read_once(reader, first)["waarde"].tolist() == [1]
    assert parsed.read_once(reader, second)["waarde"].tolist() == [2]


def test_a_reader_that_fails_is_asked_again(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    _write(path, [1])
    calls = []

    def broken(file: Path) -> pd.DataFrame:
        calls.append(file)
        raise ValueError("kapot")

    for _ in range(2):
        with pytest.raises(ValueError, match="kapot"):
            parsed.read_once(broken, path)
    assert len(calls) == 2


def test_a_missing_file_raises_as_opening_it_would(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        parsed.read_once(CountingReader(), tmp_path / "weg.csv")


def test_at_most_kept_frames_are_kept_least_recently_used_first_out(tmp_path: Path) -> None:
    reader = CountingReader()
    paths = []
    for number in range(parsed.KEPT_FRAMES + 1):
        path = tmp_path / f"{number}.csv"
        _write(path, [number])
        paths.append(path)
    parsed.read_once(reader, paths[0])
    for path in paths[1:-1]:
        parsed.read_once(reader, path)
    parsed.read_once(reader, paths[0])
    parsed.read_once(reader, paths[-1])
    calls = reader.calls
    parsed.read_once(reader, paths[0])
    assert reader.calls == calls
    parsed.read_once(reader, paths[1])
    assert reader.calls == calls + 1


def test_two_names_of_one_file_are_two_entries(tmp_path: Path) -> None:
    """Readers take a year or an origin from the name, so a link is read under its own name."""
    path = tmp_path / "eenzaamheid_2016.csv"
    _write(path, [1])
    link = tmp_path / "eenzaamheid_2020.csv"
    link.symlink_to(path)
    names = []

    def named(file: Path) -> pd.DataFrame:
        names.append(Path(file).name)
        return pd.DataFrame({"bestand": [Path(file).name]})

    assert parsed.read_once(named, path)["bestand"].tolist() == ["eenzaamheid_2016.csv"]
    assert parsed.read_once(named, link)["bestand"].tolist() == ["eenzaamheid_2020.csv"]
    assert names == ["eenzaamheid_2016.csv", "eenzaamheid_2020.csv"]
