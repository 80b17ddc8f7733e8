"""One row per gemeente: kernen and inhabitants without a meeting place, loneliness, stedelijkheid.

Used by the page 'Gemeenten vergelijken' and ``python -m reports gemeenten``. Inhabitants are
those of kernen with a known number; the 65+ figure is an estimate (the gemeente's 65+ share
applied to the inhabitants of kernen without a place) and says so in its header. The
loneliness figure is the RIVM model estimate of the gemeente itself; a gemeente formed after the
division of the figures has none of its own, and the note names the gemeenten it was formed of.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from loaders.gebied import slug
from views.kernen import loneliness_header
from views.text import format_threshold

NAME_COLUMN = "Gemeente"
MAX_NAMED_GEMEENTEN = 3
"""A download of at most this many chosen gemeenten is named after them, a larger one
``selectie``."""
SIZE_BANDS = (0, 20_000, 50_000, 100_000, np.inf)
"""Size bands of 'vergelijkbare gemeenten' (inhabitants): < 20.000, 20.000–50.000,
50.000–100.000 and 100.000 or more."""
SIZE_LABELS = ("minder dan 20.000", "20.000 tot 50.000", "50.000 tot 100.000", "100.000 of meer")


def size_band(inwoners: pd.Series) -> pd.Series:
    """The size band label of each gemeente (missing where the population is unknown)."""
    numbers = pd.to_numeric(inwoners, errors="coerce")
    return pd.cut(numbers, bins=list(SIZE_BANDS), labels=list(SIZE_LABELS), right=False)


def download_stem(names: Sequence[str], *, area: str, whole: bool) -> str:
    """What the file name of a download calls the gemeenten in the table.

    Parameters
    ----------
    names
        The names of the gemeenten in the table.
    area
        The chosen area in a form fit for file names (``provincie-drenthe``).
    whole
        Whether the table holds every gemeente of ``area``: then the file is named after it.

    Examples
    --------
    >>> download_stem(["Assen", "Aa en Hunze"], area="provincie-drenthe", whole=False)
    'aa-en-hunze_assen'
    """
    if whole:
        return area
    if 0 < len(names) <= MAX_NAMED_GEMEENTEN:
        return "_".join(sorted(slug(name) for name in names))
    return "selectie"


def similar_gemeenten(gemeenten: pd.DataFrame, code: str) -> list[str]:
    """The gemeenten with the same stedelijkheid class and size band as ``code`` (itself too).

    Parameters
    ----------
    gemeenten
        The ``gemeenten`` layer (``code``, ``inwoners``, ``stedelijkheid``).

    Raises
    ------
    KeyError
        When ``code`` is not in ``gemeenten``.
    """
    table = gemeenten.assign(band=size_band(gemeenten["inwoners"])).set_index("code")
    own = table.loc[code]
    same = (table["stedelijkheid"] == own["stedelijkheid"]) & (table["band"] == own["band"])
    return sorted(table.index[same.fillna(value=False).to_numpy(dtype=bool)])


def gemeente_table(
    kernen: pd.DataFrame,
    gemeenten: pd.DataFrame,
    eenzaamheid: pd.DataFrame | None,
    *,
    codes: Sequence[str],
    threshold_m: float,
    jaar: int | None,
    leeftijd: str | None,
    indicator: str,
) -> pd.DataFrame:
    """The comparison table for the gemeenten ``codes``, with Dutch headers, sorted by name.

    The columns the comparison is about come first, so that they are in view on a laptop: the
    name, the loneliness figure (its age group and year in the header) and the stedelijkheid;
    then kernen and inhabitants without a meeting place, sizes, province, code and notes.

    Parameters
    ----------
    kernen
        Reach per kern (``gemeentecode``, ``inwoners``, ``afstand_m``), for at least ``codes``.
    gemeenten
        The ``gemeenten`` layer (``code``, ``naam``, ``provincie``, ``inwoners``,
        ``pct_65plus``, ``stedelijkheid``).
    eenzaamheid
        The ``eenzaamheid`` layer, or None.
    codes
        The gemeenten to compare.
    threshold_m, jaar, leeftijd, indicator
        Distance threshold and which loneliness figure.
    """
    within = format_threshold(threshold_m)
    area = gemeenten.drop_duplicates("code").set_index("code").reindex(list(codes))
    frame = kernen[kernen["gemeentecode"].isin(codes)].assign(
        inwoners=lambda f: pd.to_numeric(f["inwoners"], errors="coerce"),
        zonder=lambda f: ~f["afstand_m"].le(threshold_m),
    )
    grouped = frame.groupby("gemeentecode")
    count = grouped.size().reindex(area.index, fill_value=0)
    without = grouped["zonder"].sum().reindex(area.index, fill_value=0)
    people = grouped["inwoners"].sum(min_count=1).reindex(area.index)
    people_without = (
        frame[frame["zonder"]].groupby("gemeentecode")["inwoners"].sum(min_count=1)
        .reindex(area.index)
    )
    people_without = people_without.where(people.isna() | people_without.notna(), 0.0)
    share_65 = pd.to_numeric(area["pct_65plus"], errors="coerce") / 100.0
    value, note = _loneliness(eenzaamheid, list(area.index), jaar, leeftijd, indicator)
    table = pd.DataFrame(
        {
            NAME_COLUMN: area["naam"],
            loneliness_header(indicator, jaar=jaar, leeftijd=leeftijd): value,
            "Stedelijkheid (1 = zeer sterk, 5 = niet)": area["stedelijkheid"].astype("Int64"),
            "Kernen": count.astype("Int64"),
            f"Kernen zonder plek binnen {within}": without.astype("Int64"),
            f"Aandeel kernen zonder plek binnen {within} (%)": _share(without, count),
            f"Inwoners zonder plek binnen {within}": people_without.round().astype("Int64"),
            f"Aandeel inwoners zonder plek binnen {within} (%)": _share(people_without, people),
            f"65+ zonder plek binnen {within} (schatting)": (people_without * share_65)
            .round().astype("Int64"),
            "Inwoners van kernen (bekend)": people.round().astype("Int64"),
            "Inwoners gemeente (CBS)": pd.to_numeric(area["inwoners"], errors="coerce")
            .astype("Int64"),
            "Provincie": area.get("provincie"),
            "Gemeentecode": area.index,
            "Toelichting eenzaamheid": note,
        }
    )
    return table.sort_values(NAME_COLUMN, key=lambda s: s.str.lower()).reset_index(drop=True)


def _share(part: pd.Series, whole: pd.Series) -> pd.Series:
    """``part / whole`` in percent, missing where ``whole`` is 0 or unknown."""
    whole = pd.to_numeric(whole, errors="coerce").replace(0, np.nan)
    return (pd.to_numeric(part, errors="coerce") / whole * 100.0).round(1)


def _loneliness(
    eenzaamheid: pd.DataFrame | None,
    codes: list[str],
    jaar: int | None,
    leeftijd: str | None,
    indicator: str,
) -> tuple[pd.Series, pd.Series]:
    """Per gemeente its own RIVM figure, and a note where it has none of its own."""
    value = pd.Series(np.nan, index=codes, dtype="float64")
    note = pd.Series("", index=codes, dtype="object")
    if eenzaamheid is None or jaar is None or leeftijd is None:
        return value, pd.Series("geen eenzaamheidscijfers opgeslagen", index=codes, dtype="object")
    rows = eenzaamheid[
        (eenzaamheid["soort_regio"] == "Gemeente") & (eenzaamheid["jaar"] == jaar)
        & (eenzaamheid["leeftijd"] == leeftijd)
    ]
    own = rows.set_index("regiocode")[indicator]
    value = pd.Series(codes, index=codes).map(own).astype("float64")
    indeling = str(rows["indeling"].iloc[0]) if len(rows) else ""
    note[:] = f"modelschatting RIVM (indeling {indeling})"
    if "gemeentecode" in rows.columns:
        for code in value.index[value.isna()]:
            old = rows[rows["gemeentecode"] == code]
            if len(old):
                names = ", ".join(sorted(old["gemeentenaam"].astype(str)))
                note[code] = (f"gemeente bestond nog niet in indeling {indeling}; cijfers van "
                              f"{names} staan op de pagina Eenzaamheid")
            else:
                note[code] = "geen cijfer gepubliceerd"
    return value, note
