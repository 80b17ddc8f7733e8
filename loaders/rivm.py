"""RIVM "Gezondheid per wijk en buurt": loneliness per gemeente, wijk and buurt.

The figures are small-area model estimates from the GGD/RIVM/CBS Gezondheidsmonitor
Volwassenen en Ouderen, published as third-party tables on ``dataderden.cbs.nl`` (OData v3,
same protocol as CBS, see :mod:`loaders.odata`). Each table uses one area division (``indeling``)
for all its years. Rows are (region, period, age group, margin); this module turns them into one
row per region, year and age group, with the 95% bounds beside the point estimate.

The indicator titles used to find the keys ("Eenzaam", "(Zeer) ernstig eenzaam", ...) follow the
labels of the Gezondheidsmonitor; the live DataProperties titles were not checked. The keys
themselves (``Eenzaam_28`` ... for 50090NED, ``Eenzaam_27`` ... for 50120NED) were seen in data
files and public code, and are recognised by their prefix when a title does not match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import requests

from loaders import odata
from loaders.errors import SourceFormatError, SourceUnavailable, UnknownRegionError
from loaders.http import make_session
from loaders.schema import AGE_GROUPS, EENZAAMHEID_COLUMNS, LONELINESS_INDICATORS

DATADERDEN_API = "https://dataderden.cbs.nl/ODataApi/OData"
DATADERDEN_FEED = "https://dataderden.cbs.nl/ODataFeed/OData"
SOURCE = "RIVM (dataderden.cbs.nl)"

TABLES: dict[str, dict[str, Any]] = {
    "50090NED": {"indeling": "2020", "periods": (2012, 2016, 2020)},
    "50120NED": {"indeling": "2022", "periods": (2012, 2016, 2020, 2022)},
}
"""Known RIVM tables: the area division of all their rows and the survey years they hold."""

LONELINESS_TITLES: dict[str, list[str]] = {
    "eenzaam_pct": ["Eenzaam"],
    "ernstig_eenzaam_pct": [
        "(Zeer) ernstig eenzaam",
        "Ernstig/zeer ernstig eenzaam",
        "Ernstig / zeer ernstig eenzaam",
        "Ernstig eenzaam",
    ],
    "emotioneel_eenzaam_pct": ["Emotioneel eenzaam"],
    "sociaal_eenzaam_pct": ["Sociaal eenzaam"],
}
"""DataProperties titles of the loneliness indicators (layer column → candidate titles)."""

LONELINESS_KEY_PREFIXES = {
    "eenzaam_pct": "Eenzaam_",
    "ernstig_eenzaam_pct": "ErnstigZeerErnstigEenzaam_",
    "emotioneel_eenzaam_pct": "EmotioneelEenzaam_",
    "sociaal_eenzaam_pct": "SociaalEenzaam_",
}
"""Key prefixes of the indicators, for files without DataProperties."""

MARGES = {"MW00000": "", "MOG0095": "_ondergrens", "MBG0095": "_bovengrens"}
"""``Marges`` codes: point value, lower and upper bound of the 95% interval (column suffix)."""

POINT = "MW00000"
LAND_CODE = "NL01"
REGION_KINDS = {"NL": "Land", **odata.REGION_KINDS}
DIMENSIONS = ("WijkenEnBuurten", "Perioden", "Leeftijd", "Marges")
NAME_PREFIX = {"gemeentenaam": "Gemeentenaam_"}
EENZAAM_KEY_TABLE = {"Eenzaam_28": "50090NED", "Eenzaam_27": "50120NED"}
CONVENIENCE_INDELING = "2020"
CONVENIENCE_COLUMNS = ("jaar", "leeftijdsgroep", "regiocode", "gemeentenaam")
PERIOD = re.compile(r"^(\d{4})JJ00$")
LAYER_KEY = ["regiocode", "jaar", "leeftijd"]


def indicator_keys(
    properties: Sequence[Mapping[str, Any]], *, table_id: str = ""
) -> dict[str, str]:
    """Resolve the four loneliness indicators of a table from its DataProperties.

    Raises
    ------
    SourceFormatError
        When an indicator is found neither by title nor by key prefix.
    """
    return odata.resolve_keys(
        properties,
        LONELINESS_TITLES,
        table_id=table_id,
        key_prefixes=LONELINESS_KEY_PREFIXES,
        source=SOURCE,
    )


def loneliness_filter(gemeenten: Iterable[str], *, periods: Iterable[int] | None = None) -> str:
    """The OData ``$filter`` for the gemeenten (plus their wijken, buurten and NL01).

    All age groups of :data:`~loaders.schema.AGE_GROUPS` and all margins of :data:`MARGES` are
    asked for; a table without bounds simply returns no bound rows. ``periods`` limits the
    survey years.
    """
    regions = odata.odata_filter_for_gemeenten(gemeenten)
    parts = [
        f"({regions} or startswith(WijkenEnBuurten,'{LAND_CODE}'))",
        _any_of("Leeftijd", AGE_GROUPS),
        _any_of("Marges", MARGES),
    ]
    if periods is not None:
        parts.append(_any_of("Perioden", [f"{year}JJ00" for year in periods]))
    return " and ".join(parts)


def _any_of(column: str, codes: Iterable[str]) -> str:
    return "(" + " or ".join(f"{column} eq '{code}'" for code in codes) + ")"


def fetch_loneliness(
    table_id: str,
    gemeenten: Iterable[str],
    *,
    periods: Iterable[int | str] | None = None,
    session: requests.Session | None = None,
    base_url: str = DATADERDEN_FEED,
) -> pd.DataFrame:
    """Fetch the loneliness figures of the gemeenten, their wijken and buurten, and NL01.

    The DataProperties come from the ODataApi root that belongs to ``base_url`` (``ODataFeed``
    is replaced by ``ODataApi``, as the ``cbsodata`` client does); the rows come from
    ``base_url``, following ``odata.nextLink``.

    Parameters
    ----------
    table_id
        A key of :data:`TABLES`, e.g. ``"50090NED"``.
    gemeenten
        CBS gemeente codes in the table's area division, e.g. ``["GM1680"]``.
    periods
        Survey years to fetch (``2020`` or ``"2020"``); all years of the table when ``None``.
    session, base_url
        HTTP session and OData root.

    Returns
    -------
    pandas.DataFrame
        See :func:`parse_loneliness`.

    Raises
    ------
    UnknownRegionError
        For an invalid gemeente code, or one without rows in the table.
    SourceUnavailable
        For an unknown table or year, and on HTTP errors.
    SourceFormatError
        When the answer does not have the expected shape.
    """
    _table_info(table_id)
    codes = odata.validate_gemeenten(gemeenten, source=SOURCE)
    years = None if periods is None else _check_periods(table_id, periods)
    session = session or make_session()
    properties = odata.fetch_data_properties(
        table_id, session=session, base_url=_api_root(base_url), source=SOURCE
    )
    keys = indicator_keys(properties, table_id=table_id)
    rows = odata.fetch_rows(
        table_id,
        filter=loneliness_filter(codes, periods=years),
        session=session,
        base_url=base_url,
        source=SOURCE,
    )
    result = parse_loneliness(rows, table_id=table_id, indicator_keys=keys)
    absent = sorted(set(codes) - set(result["regiocode"]))
    if absent:
        raise UnknownRegionError(
            SOURCE, f"tabel {table_id} heeft geen cijfers voor {', '.join(absent)}."
        )
    return result


def parse_loneliness(
    rows: Iterable[Mapping[str, Any]] | pd.DataFrame,
    *,
    table_id: str,
    indicator_keys: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Turn RIVM rows into the ``eenzaamheid`` layer.

    Parameters
    ----------
    rows
        TypedDataSet rows (numbers, ``null``), UntypedDataSet rows (8-character padded strings,
        ``"       ."`` for missing) or a frame with the same key columns (a CSV export).
    table_id
        A key of :data:`TABLES`; gives the ``indeling``.
    indicator_keys
        Layer column → key, from :func:`indicator_keys`. When ``None`` the keys are recognised
        by their prefix (``Eenzaam_28`` → ``eenzaam_pct``); indicators not found stay empty.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`~loaders.schema.EENZAAMHEID_COLUMNS`: one row per (``regiocode``,
        ``jaar``, ``leeftijd``), sorted by those; ``*_ondergrens``/``*_bovengrens`` are NaN when
        the rows carry no ``MOG0095``/``MBG0095`` margins. Rows of other age groups or margins
        are dropped. ``soort_regio`` follows from the code (NL/GM/WK/BU).

    Raises
    ------
    SourceFormatError
        When key columns are missing, a value is not a number, a period is not a year
        (``2020JJ00``) or a region occurs twice for the same year, age group and margin.
    """
    indeling = _table_info(table_id)["indeling"]
    frame = odata.as_frame(rows, source=SOURCE)
    if frame.empty:
        return pd.DataFrame(columns=list(EENZAAMHEID_COLUMNS))
    keys = dict(indicator_keys or odata.keys_by_prefix(frame.columns, LONELINESS_KEY_PREFIXES))
    if not keys:
        raise SourceFormatError(SOURCE, f"tabel {table_id}: geen kolommen met eenzaamheidscijfers.")
    _require_columns(frame, [*DIMENSIONS[:3], *keys.values()], table_id)
    name_key = odata.keys_by_prefix(frame.columns, NAME_PREFIX).get("gemeentenaam")
    columns = [c for c in (*DIMENSIONS, name_key) if c in frame.columns] + list(keys.values())
    clean = odata.clean_frame(frame[columns], numeric=keys.values(), source=SOURCE)
    margin = clean.get("Marges", POINT)
    long = pd.DataFrame(
        {
            "regiocode": clean["WijkenEnBuurten"],
            "gemeentenaam": clean[name_key] if name_key else None,
            "jaar": _years(clean["Perioden"], table_id),
            "leeftijd": clean["Leeftijd"].map(AGE_GROUPS),
            "marge": margin,
            **{name: clean[key] for name, key in keys.items()},
        }
    )
    long = long[long["leeftijd"].notna() & long["marge"].isin(list(MARGES))]
    return _to_layer(long, indeling, table_id)


def read_loneliness_csv(
    path: Path | str,
    *,
    gemeenten: Iterable[str] | None = None,
    table_id: str | None = None,
) -> pd.DataFrame:
    """Read a RIVM loneliness CSV into the ``eenzaamheid`` layer.

    Two layouts are understood:

    * OData keys (``WijkenEnBuurten``, ``Perioden``, ``Leeftijd``, ``Marges``, ``Eenzaam_28``,
      ...), as in a StatLine export or ``rivm_50090NED_gezondheid_wijk_buurt_2016_2020.csv``;
      the table follows from the ``Eenzaam_*`` key unless ``table_id`` is given.
    * Renamed columns (``jaar``, ``leeftijdsgroep``, ``regiocode``, ``gemeentenaam``,
      ``eenzaam_pct``, ...), as in ``rivm_eenzaamheid_wijk_buurt_*.csv``; these are subsets of
      table 50090NED, so ``indeling`` is ``"2020"`` and there are no 95% bounds.

    Only the needed columns are read.

    Parameters
    ----------
    path
        The CSV file (``,`` or ``;`` separated).
    gemeenten
        Keep only these gemeenten (``GM1680``), their wijken and buurten, plus NL01.
    table_id
        Table of an OData-key file, when it cannot be told from the keys.

    Raises
    ------
    SourceFormatError
        When the file has neither layout or its values are malformed.
    UnknownRegionError
        For an invalid gemeente code, or when none of the gemeenten occur in the file.
    """
    path = Path(path)
    codes = None if gemeenten is None else odata.validate_gemeenten(gemeenten, source=SOURCE)
    frame = odata.read_statline_csv(path, usecols=_is_loneliness_column)
    if "WijkenEnBuurten" in frame.columns:
        frame = _only_gemeenten(frame, "WijkenEnBuurten", codes, path)
        table = table_id or _table_from_keys(frame.columns, path)
        return parse_loneliness(frame, table_id=table)
    if set(CONVENIENCE_COLUMNS) <= set(frame.columns):
        frame = _only_gemeenten(frame, "regiocode", codes, path)
        return _parse_convenience(frame, path)
    raise SourceFormatError(
        SOURCE,
        f"{path.name} is geen RIVM-eenzaamheidstabel: kolom WijkenEnBuurten of "
        f"{', '.join(CONVENIENCE_COLUMNS)} ontbreekt.",
    )


def _is_loneliness_column(name: str) -> bool:
    return (
        name in DIMENSIONS
        or name in CONVENIENCE_COLUMNS
        or name in LONELINESS_INDICATORS
        or bool(odata.keys_by_prefix([name], {**LONELINESS_KEY_PREFIXES, **NAME_PREFIX}))
    )


def _only_gemeenten(
    frame: pd.DataFrame, column: str, codes: list[str] | None, path: Path
) -> pd.DataFrame:
    if codes is None:
        return frame
    code = frame[column].str.strip()
    digits = [c[2:] for c in codes]
    inside = code.str[:2].isin(list(odata.REGION_KINDS)) & code.str[2:6].isin(digits)
    if not inside.any():
        raise UnknownRegionError(SOURCE, f"{path.name} bevat geen cijfers voor {', '.join(codes)}.")
    return frame[inside | (code == LAND_CODE)]


def _table_from_keys(columns: Iterable[str], path: Path) -> str:
    for column in columns:
        if column in EENZAAM_KEY_TABLE:
            return EENZAAM_KEY_TABLE[column]
    raise SourceFormatError(
        SOURCE, f"{path.name}: niet te zien uit welke RIVM-tabel dit komt; geef table_id op."
    )


def _parse_convenience(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    indicators = [c for c in LONELINESS_INDICATORS if c in frame.columns]
    if not indicators:
        raise SourceFormatError(SOURCE, f"{path.name}: geen kolommen met eenzaamheidscijfers.")
    clean = odata.clean_frame(frame, numeric=["jaar", *indicators], source=SOURCE)
    labels = clean["leeftijdsgroep"]
    unknown = sorted(set(labels.dropna()) - set(AGE_GROUPS.values()))
    if unknown or clean["jaar"].isna().any():
        raise SourceFormatError(
            SOURCE, f"{path.name}: onbekende leeftijdsgroep {unknown} of lege jaartallen."
        )
    long = pd.DataFrame(
        {
            "regiocode": clean["regiocode"],
            "gemeentenaam": clean["gemeentenaam"],
            "jaar": clean["jaar"].astype("int64"),
            "leeftijd": labels,
            "marge": POINT,
            **{name: clean[name] for name in indicators},
        }
    )
    return _to_layer(long, CONVENIENCE_INDELING, path.name)


def _to_layer(long: pd.DataFrame, indeling: str, origin: str) -> pd.DataFrame:
    doubles = long.duplicated([*LAYER_KEY, "marge"])
    if doubles.any():
        first = long[doubles].iloc[0]
        raise SourceFormatError(
            SOURCE,
            f"{origin}: regio {first['regiocode']} komt dubbel voor "
            f"({first['jaar']}, {first['leeftijd']}, {first['marge']}).",
        )
    present = [name for name in LONELINESS_INDICATORS if name in long.columns]
    # The keys are unique (checked above): pivot, not pivot_table, which would aggregate.
    wide = long.pivot(index=LAYER_KEY, columns="marge", values=present)  # noqa: PD010
    values = pd.DataFrame(index=wide.index)
    for name in LONELINESS_INDICATORS:
        for marge, suffix in MARGES.items():
            column = (name, marge)
            values[name + suffix] = wide[column] if column in wide.columns else np.nan
    names = long.drop_duplicates(LAYER_KEY).set_index(LAYER_KEY)["gemeentenaam"]
    result = values.join(names).reset_index()
    result["soort_regio"] = result["regiocode"].str[:2].map(REGION_KINDS)
    result["indeling"] = indeling
    result["jaar"] = result["jaar"].astype("int64")
    result = result.sort_values(LAYER_KEY, ignore_index=True)
    return result[list(EENZAAMHEID_COLUMNS)]


def _require_columns(frame: pd.DataFrame, columns: Iterable[str], table_id: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SourceFormatError(
            SOURCE, f"tabel {table_id}: kolom(men) {', '.join(missing)} ontbreken."
        )


def _years(periods: pd.Series, table_id: str) -> pd.Series:
    found = periods.astype(object).str.extract(PERIOD, expand=False)
    if found.isna().any():
        bad = periods[found.isna()].iloc[0]
        raise SourceFormatError(
            SOURCE, f"tabel {table_id}: periode {bad!r} is geen jaar (verwacht bijv. 2020JJ00)."
        )
    return found.astype("int64")


def _table_info(table_id: str) -> dict[str, Any]:
    if table_id not in TABLES:
        raise SourceUnavailable(
            SOURCE, f"onbekende RIVM-tabel {table_id!r}; bekend zijn {', '.join(TABLES)}."
        )
    return TABLES[table_id]


def _check_periods(table_id: str, periods: Iterable[int | str]) -> list[int]:
    available = TABLES[table_id]["periods"]
    years = []
    for period in periods:
        text = str(period).strip()[:4]
        if not text.isdigit() or int(text) not in available:
            raise SourceUnavailable(
                SOURCE,
                f"tabel {table_id} heeft geen cijfers voor {period!r}; "
                f"wel voor {', '.join(str(y) for y in available)}.",
            )
        years.append(int(text))
    return years


def _api_root(base_url: str) -> str:
    return base_url.replace("/ODataFeed/", "/ODataApi/")
