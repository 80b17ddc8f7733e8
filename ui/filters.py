"""Range sliders that filter buurten on their loneliness values."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from loaders.schema import LONELINESS_INDICATORS
from views.eenzaamheid import indicator_columns, value_bounds


def range_filters(
    values: pd.DataFrame, indicator: str, *, key: str
) -> dict[str, tuple[float, float]]:
    """A slider for ``indicator`` and, folded away, one for each other indicator.

    Parameters
    ----------
    values
        The buurt values the bounds are taken from (the whole region, so the bounds stay put
        when the gemeente choice changes).
    indicator
        The indicator chosen in the sidebar.
    key
        Prefix of the widget keys; include what changes the bounds (region, year, age group).

    Returns
    -------
    dict
        Column → (low, high) for the sliders that were moved away from their full range.
    """
    first, *others = indicator_columns(indicator)
    ranges = _slider(values[first], first, key)
    with st.expander("Ook filteren op de andere indicatoren"):
        for column in others:
            ranges |= _slider(values[column], column, key)
    return ranges


def _slider(column_values: pd.Series, column: str, key: str) -> dict[str, tuple[float, float]]:
    label = LONELINESS_INDICATORS[column]
    if column_values.isna().all():
        st.caption(f"{label}: geen cijfers voor deze keuze.")
        return {}
    low, high = value_bounds(column_values)
    chosen = st.slider(
        f"{label} (%)", low, high, (low, high), step=1.0, format="%.0f %%", key=f"{key}_{column}",
        help="Buurten zonder cijfer (onderdrukt) vallen buiten het filter zodra je het verschuift.",
    )
    return {column: chosen} if tuple(chosen) != (low, high) else {}
