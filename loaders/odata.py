"""CBS OData v3 (StatLine) client, shared by :mod:`loaders.cbs` and :mod:`loaders.rivm`.

CBS tables and the third-party tables on ``dataderden.cbs.nl`` (RIVM) speak the same protocol:
column metadata (``/DataProperties``), keys found by their title, paged data sets, missing-value
codes, region filters on padded codes, and the StatLine CSV/JSON downloads of the same tables.

Column keys of CBS tables change with every edition (``k_65JaarOfOuder_12`` in one year can be
``..._13`` in the next), so keys are always resolved from ``/DataProperties`` by their title
(:func:`resolve_keys`), falling back to the stable part of the key (the text before the last
underscore, :func:`keys_by_prefix`).
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

from loaders.errors import SourceFormatError, SourceUnavailable
from loaders.http import make_session, request_json
from loaders.regions import gemeente_codes

ODATA_API = "https://opendata.cbs.nl/ODataApi/OData"
ODATA_FEED = "https://opendata.cbs.nl/ODataFeed/OData"
SOURCE = "CBS OData"

MISSING_THRESHOLD = -99995
"""CBS codes for missing, secret or not-applicable values are numbers at or below this."""

MISSING_TEXT = frozenset({"", "."})
REGION_KINDS = {"GM": "Gemeente", "WK": "Wijk", "BU": "Buurt"}
ROW_LIMIT_HINT = re.compile(
    r"(more than|meer dan)\s+10[.,]?000|10[.,]?000\s+(records|rijen)", re.IGNORECASE
)
"""How the ODataApi's row-limit error reads (the request URL itself holds ``$top=10000``)."""


# --------------------------------------------------------------------------- cleaning


def clean_value(value: object) -> object:
    """Clean one CBS cell: strip padding and turn missing codes into ``None``.

    Parameters
    ----------
    value
        A cell from a TypedDataSet (number or ``None``), an UntypedDataSet (padded string such
        as ``"    42.4"`` or ``"       ."``) or a CSV export.

    Returns
    -------
    object
        ``None`` for missing values (``None``, NaN, ``"."``, blank strings, numbers at or below
        -99995); a float for numeric strings; a number unchanged; other strings stripped.
    """
    if isinstance(value, str):
        text = value.strip()
        if text in MISSING_TEXT:
            return None
        try:
            value = float(text)
        except ValueError:
            return text
    if value is None or isinstance(value, bool) or not isinstance(value, numbers.Real):
        return value
    return None if math.isnan(value) or value <= MISSING_THRESHOLD else value


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
    """``series`` with text stripped and blanks and ``"."`` missing; other values kept.

    A text column (pandas' string dtype, as read from a CSV) is stripped in one vectorised
    call; a mixed column (as parsed from JSON) value by value.
    """
    if isinstance(series.dtype, pd.StringDtype):
        stripped = series.str.strip()
    else:
        stripped = series.map(lambda v: v.strip() if isinstance(v, str) else v)
    return stripped.mask(stripped.isin(MISSING_TEXT))


def _to_numbers(series: pd.Series, column: str, source: str) -> pd.Series:
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        numbers = series.astype("float64")
    else:
        text = _strip_text(series if isinstance(series.dtype, pd.StringDtype)
                           else series.astype(object))
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
    filter: str | None = None,  # noqa: A002 - the OData option is called $filter
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
        next_url = payload.get("odata.nextLink") if isinstance(payload, dict) else None
        next_params = None if next_url is None or "$format" in next_url else {"$format": "json"}
    return rows


def _get(
    session: requests.Session,
    url: str,
    params: dict[str, Any] | None,
    table_id: str,
    source: str,
) -> object:
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


def _values(payload: object, table_id: str, source: str) -> list[dict[str, Any]]:
    if not isinstance(payload, dict) or not isinstance(payload.get("value"), list):
        raise SourceFormatError(
            source,
            f"{table_id}: het antwoord is geen OData-lijst (een object met een lijst 'value').",
        )
    rows: list[dict[str, Any]] = payload["value"]
    if not all(isinstance(row, dict) for row in rows):
        raise SourceFormatError(source, f"tabel {table_id}: 'value' bevat iets anders dan rijen.")
    return rows


def _normalise_title(title: object) -> str:
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
        with path.open(encoding="utf-8-sig") as handle:
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
