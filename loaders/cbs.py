"""CBS OData v3 (StatLine) client and the table "Kerncijfers wijken en buurten".

The client part (metadata, key-by-title, paging, missing-value codes) is shared with
:mod:`loaders.rivm`, whose tables live on the same platform (``dataderden.cbs.nl``).

Column keys of CBS tables change with every edition (``k_65JaarOfOuder_12`` in one year can be
``..._13`` in the next), so keys are always resolved from ``/DataProperties`` by their title.
The titles used for the kerncijfers were seen in public code that reads these tables; they were
not checked against the live API (no internet on the machine this was written on). When a title
is not found, :func:`resolve_keys` falls back to the stable part of the key (the text before the
last underscore), and raises :class:`~loaders.errors.SourceFormatError` if that fails too.
"""

from __future__ import annotations

import json
import math
import numbers
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import requests

from loaders.errors import SourceFormatError, SourceUnavailable, UnknownRegionError
from loaders.http import make_session, request_json
from loaders.regions import gemeente_codes
from loaders.schema import BUURT_COLUMNS

ODATA_API = "https://opendata.cbs.nl/ODataApi/OData"
ODATA_FEED = "https://opendata.cbs.nl/ODataFeed/OData"
SOURCE = "CBS OData"

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

MISSING_THRESHOLD = -99995
"""CBS codes for missing, secret or not-applicable values are numbers at or below this."""

MISSING_TEXT = frozenset({"", "."})
REGION_KINDS = {"GM": "Gemeente", "WK": "Wijk", "BU": "Buurt"}
ROW_LIMIT_HINT = re.compile(r"(more than|meer dan)\s+10[.,]?000|10[.,]?000\s+(records|rijen)", re.I)
"""How the ODataApi's row-limit error reads (the request URL itself holds ``$top=10000``)."""


# --------------------------------------------------------------------------- cleaning


def clean_value(value: Any) -> Any:
    """Clean one CBS cell: strip padding and turn missing codes into ``None``.

    Parameters
    ----------
    value
        A cell from a TypedDataSet (number or ``None``), an UntypedDataSet (padded string such
        as ``"    42.4"`` or ``"       ."``) or a CSV export.

    Returns
    -------
    Any
        ``None`` for missing values (``None``, NaN, ``"."``, blank strings, numbers at or below
        -99995); a float for numeric strings; a number unchanged; other strings stripped.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Real):
        return None if math.isnan(value) or value <= MISSING_THRESHOLD else value
    if isinstance(value, str):
        text = value.strip()
        if text in MISSING_TEXT:
            return None
        try:
            number = float(text)
        except ValueError:
            return text
        return None if math.isnan(number) or number <= MISSING_THRESHOLD else number
    return value


def clean_frame(
    frame: pd.DataFrame, *, numeric: Iterable[str] = (), source: str = SOURCE
) -> pd.DataFrame:
    """Return a copy of ``frame`` with padding stripped and CBS missing codes made missing.

    Parameters
    ----------
    frame
        Rows from a CBS table, typed or untyped.
    numeric
        Columns that hold numbers: they become float64 with NaN for ``"."``, blanks and values
        at or below -99995. All other text columns are stripped, with blanks and ``"."`` as
        missing; they are never converted to numbers (``Leeftijd`` ``"20300"`` stays text).
    source
        Source name used in error messages.

    Raises
    ------
    SourceFormatError
        When a numeric column holds text that is not a number.
    """
    numeric = set(numeric)
    result = frame.copy()
    for column in result.columns:
        series = result[column]
        if column in numeric:
            result[column] = _to_numbers(series, column, source)
        elif pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            result[column] = series.mask(series <= MISSING_THRESHOLD)
        else:
            result[column] = _strip_text(series)
    return result


def _strip_text(series: pd.Series) -> pd.Series:
    stripped = series.map(lambda v: v.strip() if isinstance(v, str) else v)
    return stripped.mask(stripped.isin(MISSING_TEXT))


def _to_numbers(series: pd.Series, column: str, source: str) -> pd.Series:
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        numbers = series.astype("float64")
    else:
        text = _strip_text(series.astype(object))
        numbers = pd.to_numeric(text, errors="coerce").astype("float64")
        bad = text.notna() & numbers.isna()
        if bad.any():
            example = text[bad].iloc[0]
            raise SourceFormatError(
                source, f"kolom {column!r} hoort getallen te bevatten, maar bevat {example!r}."
            )
    return numbers.mask(numbers <= MISSING_THRESHOLD)


# --------------------------------------------------------------------------- OData client


def fetch_data_properties(
    table_id: str,
    *,
    session: requests.Session | None = None,
    base_url: str = ODATA_API,
    source: str = SOURCE,
) -> list[dict[str, Any]]:
    """Fetch the column metadata (``Key``, ``Title``, ``Unit``, ...) of a table.

    Parameters
    ----------
    table_id
        CBS table id, e.g. ``"84799NED"``.
    session, base_url
        HTTP session (a retrying one is made when ``None``) and OData root.
    source
        Source name used in error messages.

    Returns
    -------
    list of dict
        The ``value`` list of ``{base_url}/{table_id}/DataProperties``.
    """
    session = session or make_session()
    url = f"{base_url}/{table_id}/DataProperties"
    payload = request_json(session, url, source=source, params={"$format": "json"})
    return _values(payload, table_id, source)


def resolve_keys(
    properties: Sequence[Mapping[str, Any]],
    wanted: Mapping[str, str | Sequence[str]],
    *,
    table_id: str = "",
    key_prefixes: Mapping[str, str] | None = None,
    source: str = SOURCE,
) -> dict[str, str]:
    """Map canonical column names to this table's column keys by their titles.

    Titles are compared without regard to case and runs of whitespace. For each name the
    candidate titles are tried in order as an exact match first, then as a prefix of the
    title; when none match, ``key_prefixes[name]`` is tried against the keys (``"Eenzaam_"``
    matches ``"Eenzaam_28"`` but not ``"EmotioneelEenzaam_30"``).

    A candidate may name the group the column sits in, as ``"Leeftijdsgroepen > 65 jaar of
    ouder"``: the column must then lie under a TopicGroup (``ParentID`` chain) with each named
    title. Real tables repeat titles such as "Totaal" under several groups, so a title that
    matches more than one column is an error, never a silent first pick.

    Parameters
    ----------
    properties
        The DataProperties of the table (see :func:`fetch_data_properties`).
    wanted
        Canonical name → title or list of candidate titles.
    table_id
        Table id, named in error messages.
    key_prefixes
        Optional canonical name → key prefix, as a fallback for changed titles.
    source
        Source name used in error messages.

    Raises
    ------
    SourceFormatError
        When a wanted column is found neither by title nor by key prefix, or when a title
        (within its group, if named) matches several columns.
    """
    columns = _column_properties(properties, table_id, source)
    prefixes = key_prefixes or {}
    keys: dict[str, str] = {}
    for name, titles in wanted.items():
        candidates = [titles] if isinstance(titles, str) else list(titles)
        key = _match_title(columns, candidates, table_id=table_id, source=source)
        if key is None and name in prefixes:
            key = next(iter(keys_by_prefix([c.key for c in columns], {name: prefixes[name]})
                            .values()), None)
        if key is None:
            raise SourceFormatError(
                source,
                f"tabel {table_id or '?'} heeft geen kolom met titel "
                f"{' / '.join(repr(t) for t in candidates)}. Mogelijk is de tabel gewijzigd.",
            )
        keys[name] = key
    return keys


def keys_by_prefix(columns: Iterable[str], prefixes: Mapping[str, str]) -> dict[str, str]:
    """Find column keys by their stable prefix, for files without DataProperties.

    A prefix ending in ``_`` matches a key that continues with digits only; any other prefix
    must equal the key. Names without a matching column are left out of the result.

    Parameters
    ----------
    columns
        Column keys of a table or file, e.g. ``["Eenzaam_28", "SociaalEenzaam_31"]``.
    prefixes
        Canonical name → key prefix, e.g. ``{"eenzaam_pct": "Eenzaam_"}``.
    """
    columns = [str(c).strip() for c in columns]
    found = {}
    for name, prefix in prefixes.items():
        for column in columns:
            rest = column[len(prefix):]
            if column == prefix or (
                prefix.endswith("_") and column.startswith(prefix) and rest.isdigit()
            ):
                found[name] = column
                break
    return found


def fetch_rows(
    table_id: str,
    *,
    dataset: str = "TypedDataSet",
    filter: str | None = None,
    select: Sequence[str] | None = None,
    session: requests.Session | None = None,
    base_url: str = ODATA_FEED,
    page_size: int = 10000,
    source: str = SOURCE,
) -> list[dict[str, Any]]:
    """Fetch all rows of a table's data set (or dimension) with paging.

    Each window of ``page_size`` rows is requested with ``$top``/``$skip``; inside a window
    every ``odata.nextLink`` is followed (ODataFeed pages that way). Requests stop after a
    window shorter than ``page_size``, or longer (a server that ignores ``$top`` and pages
    through ``odata.nextLink`` has then sent everything).

    Parameters
    ----------
    table_id
        CBS table id.
    dataset
        ``"TypedDataSet"``, ``"UntypedDataSet"`` or a dimension such as ``"WijkenEnBuurten"``.
    filter, select
        OData ``$filter`` expression and column keys for ``$select``.
    session, base_url
        HTTP session and OData root (``ODataFeed`` by default: ``ODataApi`` refuses results
        of more than 10,000 rows).
    page_size
        Rows per window.
    source
        Source name used in error messages.

    Raises
    ------
    SourceUnavailable
        On HTTP errors; for the ODataApi 10,000-row limit with a hint to filter per gemeente.
    SourceFormatError
        When a page is not ``{"value": [...]}`` or the server ignores ``$skip``.
    """
    session = session or make_session()
    url = f"{base_url}/{table_id}/{dataset}"
    params: dict[str, Any] = {"$format": "json", "$top": page_size}
    if filter:
        params["$filter"] = filter
    if select:
        params["$select"] = ",".join(select)
    rows: list[dict[str, Any]] = []
    skip = 0
    previous_first: dict[str, Any] | None = None
    while True:
        window = _fetch_window(session, url, {**params, "$skip": skip}, table_id, source)
        if window and previous_first is not None and window[0] == previous_first:
            raise SourceFormatError(
                source, f"de server negeert $skip voor tabel {table_id}; gebruik ODataFeed."
            )
        rows.extend(window)
        if len(window) != page_size:
            return rows
        previous_first = window[0]
        skip += page_size


def _fetch_window(
    session: requests.Session, url: str, params: dict[str, Any], table_id: str, source: str
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    next_url: str | None = url
    next_params: dict[str, Any] | None = params
    while next_url:
        payload = _get(session, next_url, next_params, table_id, source)
        rows.extend(_values(payload, table_id, source))
        next_url = payload.get("odata.nextLink")
        next_params = None if next_url is None or "$format" in next_url else {"$format": "json"}
    return rows


def _get(
    session: requests.Session,
    url: str,
    params: dict[str, Any] | None,
    table_id: str,
    source: str,
) -> Any:
    try:
        return request_json(session, url, source=source, params=params)
    except SourceUnavailable as exc:
        if ROW_LIMIT_HINT.search(exc.message):
            raise SourceUnavailable(
                source,
                f"tabel {table_id}: de vraag levert meer dan 10.000 rijen op en de ODataApi "
                "weigert dat. Kies minder gemeenten (filter per gemeente) of gebruik ODataFeed.",
            ) from exc
        raise


def _values(payload: Any, table_id: str, source: str) -> list[dict[str, Any]]:
    if not isinstance(payload, dict) or not isinstance(payload.get("value"), list):
        raise SourceFormatError(
            source,
            f"{table_id}: het antwoord is geen OData-lijst (een object met een lijst 'value').",
        )
    rows = payload["value"]
    if not all(isinstance(row, dict) for row in rows):
        raise SourceFormatError(source, f"tabel {table_id}: 'value' bevat iets anders dan rijen.")
    return rows


def _normalise_title(title: Any) -> str:
    return " ".join(str(title).split()).casefold()


GROUP_SEPARATOR = ">"
"""Separates group titles from the column title in a wanted title (``"Groep > Titel"``)."""


@dataclass(frozen=True)
class _Column:
    """A data column of DataProperties: its key, normalised title and enclosing group titles."""

    key: str
    title: str
    groups: tuple[str, ...]


def _column_properties(
    properties: Sequence[Mapping[str, Any]], table_id: str, source: str
) -> list[_Column]:
    if not isinstance(properties, Sequence) or not all(
        isinstance(p, Mapping) for p in properties
    ):
        raise SourceFormatError(source, f"de DataProperties van tabel {table_id} zijn onleesbaar.")
    by_id = {p.get("ID"): p for p in properties if p.get("ID") is not None}
    columns = []
    for prop in properties:
        if not prop.get("Key") or prop.get("Type") == "TopicGroup":
            continue
        groups: list[str] = []
        parent = by_id.get(prop.get("ParentID"))
        while parent is not None and len(groups) < len(by_id):
            groups.append(_normalise_title(parent.get("Title", "")))
            parent = by_id.get(parent.get("ParentID"))
        columns.append(_Column(str(prop["Key"]).strip(), _normalise_title(prop.get("Title", "")),
                               tuple(reversed(groups))))
    return columns


def _match_title(
    columns: list[_Column], candidates: list[str], *, table_id: str, source: str
) -> str | None:
    """The key of the one column a candidate title names (exact before prefix), else None."""
    wanted = [_split_title(t) for t in candidates]
    for same in (str.__eq__, str.startswith):
        for groups, title in wanted:
            hits = [c for c in columns if same(c.title, title) and set(groups) <= set(c.groups)]
            if len(hits) > 1:
                places = "; ".join(" > ".join(c.groups) or "(geen groep)" for c in hits)
                raise SourceFormatError(
                    source,
                    f"tabel {table_id or '?'} heeft {len(hits)} kolommen met titel {title!r} "
                    f"(in: {places}); de kolom is niet eenduidig. Mogelijk is de tabel gewijzigd.",
                )
            if hits:
                return hits[0].key
    return None


def _split_title(text: str) -> tuple[tuple[str, ...], str]:
    """``"Groep > Titel"`` → ``(("groep",), "titel")``, normalised."""
    *groups, title = (part for part in str(text).split(GROUP_SEPARATOR))
    return tuple(_normalise_title(g) for g in groups), _normalise_title(title)


# --------------------------------------------------------------------------- regions


def validate_gemeenten(codes: Iterable[str], *, source: str = SOURCE) -> list[str]:
    """Check that every code has the exact form ``GM1680``; return them once each.

    Strict on purpose: the codes go into OData filters. See
    :func:`loaders.regions.gemeente_codes`.

    Raises
    ------
    UnknownRegionError
        For a code of another form, or when no code is given.
    """
    return gemeente_codes(codes, source=source)


def odata_filter_for_gemeenten(codes: Iterable[str], column: str = "WijkenEnBuurten") -> str:
    """An OData ``$filter`` for the gemeente, its wijken and its buurten, for each code.

    For ``["GM1680"]`` this is ``(startswith(WijkenEnBuurten,'GM1680') or
    startswith(WijkenEnBuurten,'WK1680') or startswith(WijkenEnBuurten,'BU1680'))``;
    ``startswith`` works on the padded codes CBS stores.

    Raises
    ------
    UnknownRegionError
        For a code that is not of the form ``GM1680``.
    """
    parts = [
        f"startswith({column},'{prefix}{code[2:]}')"
        for code in validate_gemeenten(codes)
        for prefix in REGION_KINDS
    ]
    return "(" + " or ".join(parts) + ")"


# --------------------------------------------------------------------------- kerncijfers


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
    out["naam"] = data["code"].map(lambda c: names.get(c)).astype(object)
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


# --------------------------------------------------------------------------- files


def read_statline_csv(
    path: Path | str, *, usecols: Callable[[str], bool] | None = None
) -> pd.DataFrame:
    """Read a downloaded StatLine table (CSV or JSON) into raw rows for the ``parse_*`` functions.

    CSV: ``;`` or ``,`` separated (whichever the header uses), quoted or not, with or without
    a UTF-8 byte-order mark, decimal point. Every cell is read as text, so ``"."`` and padded
    values reach :func:`clean_frame` untouched. JSON: the OData shape ``{"value": [...]}``.

    Parameters
    ----------
    path
        The downloaded file.
    usecols
        Only read the columns whose (stripped) name this returns true for (CSV only); the
        parser reports wanted columns that the file lacks.

    Raises
    ------
    SourceFormatError
        When the file cannot be read or has neither shape.
    """
    path = Path(path)
    try:
        with open(path, encoding="utf-8-sig") as handle:
            head = handle.read(65536)
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceFormatError(
            "bestand", f"{path.name} is niet leesbaar als UTF-8: {exc}"
        ) from exc
    if head.lstrip().startswith("{"):
        return _read_statline_json(path)
    header = head.splitlines()[0] if head.strip() else ""
    if not header:
        raise SourceFormatError("bestand", f"{path.name} is leeg.")
    sep = ";" if header.count(";") > header.count(",") else ","
    try:
        frame = pd.read_csv(
            path,
            sep=sep,
            dtype=str,
            keep_default_na=False,
            encoding="utf-8-sig",
            usecols=(lambda c: usecols(c.strip())) if usecols is not None else None,
        )
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise SourceFormatError("bestand", f"{path.name} is geen leesbare CSV: {exc}") from exc
    return frame.rename(columns=lambda c: c.strip())


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


def _read_statline_json(path: Path) -> pd.DataFrame:
    try:
        payload = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        raise SourceFormatError("bestand", f"{path.name} is geen geldige JSON: {exc}") from exc
    return pd.DataFrame.from_records(_values(payload, path.name, "bestand"))


def as_frame(
    rows: Iterable[Mapping[str, Any]] | pd.DataFrame, *, source: str = SOURCE
) -> pd.DataFrame:
    """Rows as a DataFrame: OData row dicts are converted, a frame is returned as is.

    Raises
    ------
    SourceFormatError
        When ``rows`` is not a list of objects whose values are numbers, text or null.
    """
    if isinstance(rows, pd.DataFrame):
        return rows
    if isinstance(rows, (str, bytes, Mapping)) or not isinstance(rows, Iterable):
        raise SourceFormatError(source, "de gegevens zijn geen lijst met rijen.")
    records = list(rows)
    for number, row in enumerate(records, start=1):
        if not isinstance(row, Mapping) or not all(
            isinstance(key, str) and (value is None or isinstance(value, (str, numbers.Real)))
            for key, value in row.items()
        ):
            raise SourceFormatError(
                source, f"rij {number} is geen OData-rij met alleen getallen en tekst."
            )
    return pd.DataFrame.from_records(records)
