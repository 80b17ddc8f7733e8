"""CBS table "Kerncijfers wijken en buurten": live through OData, or from a downloaded file.

The OData protocol itself (metadata, key-by-title, paging, missing-value codes) lives in
:mod:`loaders.odata`. The titles used for the kerncijfers were seen in public code that reads
these tables; they were not checked against the live API (no internet on the machine this was
written on). When a title is not found, :func:`loaders.odata.resolve_keys` falls back to the
stable part of the key (:data:`KERNCIJFERS_KEY_PREFIXES`), and raises
:class:`~loaders.errors.SourceFormatError` if that fails too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import requests

from loaders.errors import SourceFormatError, SourceUnavailable, UnknownRegionError
from loaders.http import make_session
from loaders.odata import (
    ODATA_API,
    REGION_KINDS,
    SOURCE,
    as_frame,
    clean_frame,
    fetch_data_properties,
    fetch_rows,
    keys_by_prefix,
    odata_filter_for_gemeenten,
    read_statline_csv,
    resolve_keys,
    validate_gemeenten,
)
from loaders.schema import BUURT_COLUMNS

__all__ = [
    "HUISHOUDENS_TITLES",
    "KERNCIJFERS_COLUMNS",
    "KERNCIJFERS_KEY_PREFIXES",
    "KERNCIJFERS_TABLES",
    "KERNCIJFERS_TITLES",
    "ODATA_API",
    "OPTIONAL_KEY_PREFIXES",
    "OPTIONAL_TITLES",
    "fetch_kerncijfers",
    "kerncijfers_keys",
    "parse_kerncijfers",
    "read_kerncijfers_file",
]

KERNCIJFERS_TABLES = {
    2020: "84799NED",
    2021: "85039NED",
    2022: "85318NED",
    2023: "85618NED",
    2024: "85984NED",
}
"""Table id of "Kerncijfers wijken en buurten" per year of the area division."""

KERNCIJFERS_TITLES: dict[str, list[str]] = {
    "code": ["Wijken en buurten"],
    "inwoners": ["Aantal inwoners"],
    "inwoners_65plus": ["Leeftijdsgroepen > 65 jaar of ouder", "65 jaar of ouder",
                        "Personen 65 jaar of ouder"],
    "eenpersoonshuishoudens": ["Huishoudens > Eenpersoonshuishoudens", "Eenpersoonshuishoudens"],
    "stedelijkheid": ["Mate van stedelijkheid", "Stedelijkheid"],
}
"""DataProperties titles of the kerncijfers columns we use (canonical name → candidate titles).

``inwoners_65plus`` and ``eenpersoonshuishoudens`` are counts in the tables of 2019 and later
(unit ``aantal``) but were shares in older editions; :func:`kerncijfers_keys` reads the unit
and renames them to ``pct_65plus`` / ``eenpersoonshuishoudens_pct`` when the unit is ``%``.
"""

OPTIONAL_TITLES: dict[str, list[str]] = {
    "inwoners_0_15": ["Leeftijdsgroepen > 0 tot 15 jaar", "0 tot 15 jaar"],
    "inwoners_15_25": ["Leeftijdsgroepen > 15 tot 25 jaar", "15 tot 25 jaar"],
    "adresdichtheid": ["Omgevingsadressendichtheid"],
}
"""Kerncijfers columns used where the edition has them: the age groups that give the share of
adults (counts since 2019, shares before) and the omgevingsadressendichtheid that weighs buurten
without inhabitants. An edition without them still loads; the columns stay missing."""

OPTIONAL_KEY_PREFIXES = {
    "inwoners_0_15": "k_0Tot15Jaar_",
    "inwoners_15_25": "k_15Tot25Jaar_",
    "adresdichtheid": "Omgevingsadressendichtheid_",
}

HUISHOUDENS_TITLES = {
    "huishoudens": ["Huishoudens > Huishoudens totaal", "Huishoudens totaal",
                    "Particuliere huishoudens"],
}
"""Title of the household total, needed when one-person households come as a count."""

KERNCIJFERS_KEY_PREFIXES = {
    "code": "WijkenEnBuurten",
    "inwoners": "AantalInwoners_",
    "inwoners_65plus": "k_65JaarOfOuder_",
    "eenpersoonshuishoudens": "Eenpersoonshuishoudens_",
    "stedelijkheid": "MateVanStedelijkheid_",
    "huishoudens": "HuishoudensTotaal_",
}
"""Stable key prefixes (before the numeric suffix), seen in public code for 2017–2021 tables."""

KERNCIJFERS_COLUMNS = tuple(c for c in BUURT_COLUMNS if c != "geometry")
"""Columns returned by :func:`parse_kerncijfers`: the buurten layer without geometry."""

_OPTIONAL_COLUMNS = ("inwoners_0_15", "inwoners_15_25", "pct_0_15", "pct_15_25",
                     "adresdichtheid")


def kerncijfers_keys(
    properties: Sequence[Mapping[str, Any]], *, table_id: str = ""
) -> dict[str, str]:
    """Resolve the kerncijfers columns of one table edition, taking units into account.

    Returns canonical name → key for ``code``, ``inwoners``, ``stedelijkheid``, then either
    ``inwoners_65plus`` (a count) or ``pct_65plus`` (unit ``%``), and either
    ``eenpersoonshuishoudens`` plus ``huishoudens`` (counts) or ``eenpersoonshuishoudens_pct``.

    Raises
    ------
    SourceFormatError
        When a needed column is missing from the DataProperties.
    """
    keys = resolve_keys(
        properties, KERNCIJFERS_TITLES, table_id=table_id, key_prefixes=KERNCIJFERS_KEY_PREFIXES
    )
    units = {str(p.get("Key", "")).strip(): str(p.get("Unit") or "") for p in properties}
    for count_name, share_name in (
        ("inwoners_65plus", "pct_65plus"),
        ("eenpersoonshuishoudens", "eenpersoonshuishoudens_pct"),
    ):
        if "%" in units.get(keys[count_name], ""):
            keys[share_name] = keys.pop(count_name)
    if "eenpersoonshuishoudens" in keys:
        keys.update(
            resolve_keys(
                properties, HUISHOUDENS_TITLES, table_id=table_id,
                key_prefixes=KERNCIJFERS_KEY_PREFIXES,
            )
        )
    for name, titles in OPTIONAL_TITLES.items():
        try:
            found = resolve_keys(properties, {name: titles}, table_id=table_id,
                                 key_prefixes=OPTIONAL_KEY_PREFIXES)
        except SourceFormatError:
            continue
        key = found[name]
        share = "%" in units.get(key, "")
        keys[name.replace("inwoners_", "pct_") if share else name] = key
    return keys


def fetch_kerncijfers(
    year: int,
    gemeenten: Iterable[str],
    *,
    session: requests.Session | None = None,
    base_url: str = ODATA_API,
) -> pd.DataFrame:
    """Fetch the kerncijfers of the given gemeenten, their wijken and buurten for one year.

    Three requests: the DataProperties (to find this edition's keys), the TypedDataSet rows
    filtered on the gemeenten, and the ``WijkenEnBuurten`` dimension for the region names.

    Parameters
    ----------
    year
        Year of the area division; a key of :data:`KERNCIJFERS_TABLES`.
    gemeenten
        CBS gemeente codes, e.g. ``["GM1680"]``.
    session, base_url
        HTTP session and OData root.

    Returns
    -------
    pandas.DataFrame
        See :func:`parse_kerncijfers`.

    Raises
    ------
    SourceUnavailable
        For a year without a known table, and on HTTP errors.
    UnknownRegionError
        For an invalid gemeente code, or one without a row in the table.
    """
    table_id = KERNCIJFERS_TABLES.get(year)
    if table_id is None:
        known = ", ".join(str(y) for y in KERNCIJFERS_TABLES)
        raise SourceUnavailable(
            SOURCE, f"geen tabel Kerncijfers wijken en buurten bekend voor {year} (wel: {known})."
        )
    codes = validate_gemeenten(gemeenten)
    session = session or make_session()
    properties = fetch_data_properties(table_id, session=session, base_url=base_url)
    keys = kerncijfers_keys(properties, table_id=table_id)
    rows = fetch_rows(
        table_id,
        filter=odata_filter_for_gemeenten(codes, column=keys["code"]),
        select=sorted(set(keys.values())),
        session=session,
        base_url=base_url,
    )
    regions = fetch_rows(
        table_id,
        dataset=keys["code"],
        filter=odata_filter_for_gemeenten(codes, column="Key"),
        select=["Key", "Title"],
        session=session,
        base_url=base_url,
    )
    names = {str(r.get("Key", "")).strip(): str(r.get("Title") or "").strip() for r in regions}
    result = parse_kerncijfers(rows, keys, year=year, names=names)
    absent = sorted(set(codes) - set(result["code"]))
    if absent:
        raise UnknownRegionError(
            SOURCE, f"tabel {table_id} heeft geen kerncijfers voor {', '.join(absent)}."
        )
    return result


def parse_kerncijfers(
    rows: Iterable[Mapping[str, Any]] | pd.DataFrame,
    keys: Mapping[str, str],
    *,
    year: int | str,
    names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Turn kerncijfers rows into the attribute columns of the buurten layer.

    Parameters
    ----------
    rows
        TypedDataSet or UntypedDataSet rows, or a frame from :func:`read_statline_csv`.
    keys
        Canonical name → column key, as returned by :func:`kerncijfers_keys`.
    year
        Year of the area division, stored as ``indeling``.
    names
        Region code → name (the ``WijkenEnBuurten`` dimension); ``naam`` is missing without it.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`KERNCIJFERS_COLUMNS`, one row per gemeente, wijk and buurt (other rows,
        such as ``NL00``, are dropped). ``soort`` follows from the code prefix. ``pct_65plus``
        is the table's share, or else 100 × 65-plussers / inwoners. ``eenpersoonshuishoudens_pct``
        is the table's share, or else 100 × one-person households / all households
        ("Huishoudens totaal"). ``inwoners_65plus`` stays missing when the table only gives a
        share. Counts are ``Int64``, ``stedelijkheid`` is ``Int64`` 1–5; CBS missing codes
        become missing values.

    Raises
    ------
    SourceFormatError
        When a needed key is not among the columns of ``rows``.
    """
    frame = as_frame(rows)
    needed = _kerncijfers_needed(keys)
    needed += [n for n in _OPTIONAL_COLUMNS if n in keys and keys[n] in frame.columns]
    if frame.empty:
        return pd.DataFrame(columns=list(KERNCIJFERS_COLUMNS))
    missing = [keys[n] for n in needed if keys[n] not in frame.columns]
    if missing:
        raise SourceFormatError(
            SOURCE, f"kerncijfers zonder kolom(men) {', '.join(missing)}."
        )
    numeric_keys = [keys[n] for n in needed if n != "code"]
    frame = clean_frame(frame[[keys[n] for n in needed]], numeric=numeric_keys)
    data = frame.rename(columns={keys[n]: n for n in needed})
    data["code"] = data["code"].astype(object)
    data = data[data["code"].str[:2].isin(list(REGION_KINDS))]
    return _kerncijfers_output(data, year, names or {})


def _kerncijfers_needed(keys: Mapping[str, str]) -> list[str]:
    needed = ["code", "inwoners", "stedelijkheid"]
    needed += ["pct_65plus"] if "pct_65plus" in keys else ["inwoners_65plus"]
    if "eenpersoonshuishoudens_pct" in keys:
        needed.append("eenpersoonshuishoudens_pct")
    else:
        needed += ["eenpersoonshuishoudens", "huishoudens"]
    absent = [n for n in needed if n not in keys]
    if absent:
        raise SourceFormatError(SOURCE, f"sleutels ontbreken voor {', '.join(absent)}.")
    return needed


def _share(part: pd.Series, total: pd.Series) -> pd.Series:
    return (100.0 * part / total.where(total > 0)).astype("float64")


def _kerncijfers_output(
    data: pd.DataFrame, year: int | str, names: Mapping[str, str]
) -> pd.DataFrame:
    out = pd.DataFrame(index=data.index)
    out["code"] = data["code"]
    out["naam"] = data["code"].map(names.get).astype(object)
    out["gemeentecode"] = "GM" + data["code"].str[2:6]
    out["soort"] = data["code"].str[:2].map(REGION_KINDS)
    out["inwoners"] = data["inwoners"].round().astype("Int64")
    if "pct_65plus" in data:
        out["inwoners_65plus"] = pd.array([pd.NA] * len(data), dtype="Int64")
        out["pct_65plus"] = data["pct_65plus"]
    else:
        out["inwoners_65plus"] = data["inwoners_65plus"].round().astype("Int64")
        out["pct_65plus"] = _share(data["inwoners_65plus"], data["inwoners"])
    if "eenpersoonshuishoudens_pct" in data:
        out["eenpersoonshuishoudens_pct"] = data["eenpersoonshuishoudens_pct"]
    else:
        out["eenpersoonshuishoudens_pct"] = _share(
            data["eenpersoonshuishoudens"], data["huishoudens"]
        )
    klasse = data["stedelijkheid"].where(data["stedelijkheid"].between(1, 5))
    out["stedelijkheid"] = klasse.round().astype("Int64")
    for band in ("0_15", "15_25"):
        if f"inwoners_{band}" in data:
            data[f"pct_{band}"] = _share(data[f"inwoners_{band}"], data["inwoners"])
    for optional in ("adresdichtheid", "pct_0_15", "pct_15_25"):
        out[optional] = data[optional] if optional in data else float("nan")
    out["indeling"] = str(year)
    return out[list(KERNCIJFERS_COLUMNS)].reset_index(drop=True)


def read_kerncijfers_file(path: Path | str, *, year: int | str) -> pd.DataFrame:
    """Read a downloaded Kerncijfers wijken en buurten export (StatLine CSV or OData JSON).

    A file carries no DataProperties, so columns are found by their stable key prefix
    (:data:`KERNCIJFERS_KEY_PREFIXES`) and 65-plussers and one-person households are taken as
    counts, as in the editions of 2019 and later.

    Raises
    ------
    SourceFormatError
        When the file lacks a needed column.
    """
    path = Path(path)
    frame = read_statline_csv(path)
    keys = keys_by_prefix(frame.columns, KERNCIJFERS_KEY_PREFIXES)
    try:
        return parse_kerncijfers(frame, keys, year=year)
    except SourceFormatError as exc:
        raise SourceFormatError("bestand", f"{path.name}: {exc.message}") from exc
