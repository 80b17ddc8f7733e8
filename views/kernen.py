"""Tables about kernen and their nearest meeting place, for the Kernen and Kaart pages.

Pure pandas, no Streamlit. Starts from the reach table of :func:`ui.reach.load_reach`
(:data:`analysis.reach.REACH_COLUMNS` plus the buurt's loneliness figure). Distances without a
road network are straight-line estimates; every table keeps the ``methode`` column that says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from analysis.nearest import METHOD_STRAIGHT_LINE
from loaders.manifest import Manifest
from loaders.schema import LONELINESS_INDICATORS
from views.eenzaamheid import AGE_LABELS
from views.sources import detour_words, source_text
from views.status import attributions
from views.text import (
    NO_DISTANCE,
    SUPPRESSED,
    UNKNOWN,
    format_km,
    format_minutes,
    format_pct,
    format_threshold,
    format_timestamp,
)

NO_PLACE_FOUND = "geen gevonden"
"""Shown instead of a place's name when no meeting place could be reached."""
MAX_NAMED_GEMEENTEN = 3
"""A 65+ note names the gemeenten' shares up to this many gemeenten."""


def estimate_note(mode_label: str) -> str:
    """One short Dutch line: the distances for ``mode_label`` (``fietsen``) are estimates.

    Examples
    --------
    >>> estimate_note("fietsen")
    'Afstanden fietsen zijn schattingen: hemelsbreed, niet over de weg.'
    """
    return f"Afstanden {mode_label} zijn schattingen: hemelsbreed, niet over de weg."


def estimate_explanation(mode_label: str) -> str:
    """Why the distances for ``mode_label`` are estimates and how they are made, in plain Dutch."""
    return (
        f"Voor {mode_label} is voor dit gebied geen wegennet opgeslagen. Daarom meten we de "
        "afstand in een rechte lijn en tellen we er een vast deel bij, omdat wegen niet recht "
        f"lopen: de rechte afstand maal {detour_words(mode_label)}. Dat getal is gemeten op "
        "echte wegennetten. Over de weg kan het in een kern verder of dichterbij zijn. De "
        "beheerder kan een wegennet toevoegen; dan gaan de afstanden over de weg. Meer staat "
        "op de pagina Bronnen en methode."
    )


def kern_table(
    reach: pd.DataFrame,
    *,
    gemeente_namen: Mapping[str, str],
    buurten: pd.DataFrame | None = None,
    gemeenten: pd.DataFrame | None = None,
    venues: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The reach table with the gemeente's name, the second place's name and the 65+ share.

    The share of 65-plussers is filled in where known.

    Parameters
    ----------
    reach
        One row per kern (the ``table`` of :class:`ui.reach.ReachView`).
    gemeente_namen
        Gemeente code → name.
    buurten, gemeenten
        The stored layers (``pct_65plus`` per area); either may be None.
    venues
        The places the reach was computed against (``venue_id``, ``naam``), to name each
        kern's second place; without them a ``tweede_venue_naam`` column of ``reach`` is kept.

    Returns
    -------
    pandas.DataFrame
        ``reach`` plus ``gemeentenaam``, ``tweede_venue_naam`` (None where unknown),
        ``pct_65plus`` (the buurt's share, else the gemeente's, NaN when neither is known) and
        ``pct_65plus_niveau`` (``"buurt"``/``"gemeente"``/None). No kern-level 65+ count
        exists in the sources.
    """
    buurt = reach["buurtcode"].map(_share_65plus(buurten))
    gemeente = reach["gemeentecode"].map(_share_65plus(gemeenten))
    names = dict(gemeente_namen)
    if venues is not None:
        second = venue_names(venues, list(reach["tweede_venue_id"]))
    else:
        second = list(_column(reach, "tweede_venue_naam").astype(object))
    return reach.assign(
        gemeentenaam=[names.get(code, code) for code in reach["gemeentecode"]],
        tweede_venue_naam=[name if isinstance(name, str) else None for name in second],
        pct_65plus=buurt.where(buurt.notna(), gemeente),
        pct_65plus_niveau=np.select(
            [buurt.notna().to_numpy(), gemeente.notna().to_numpy()], ["buurt", "gemeente"],
            np.array(None),
        ),
    )


def filter_kernen(
    table: pd.DataFrame, *, without_m: float | None = None, search: str = ""
) -> pd.DataFrame:
    """Kernen without a meeting place within ``without_m`` m and/or whose name holds ``search``.

    A kern without any distance counts as 'without'. The search ignores case and treats the
    text literally (no patterns).
    """
    keep = pd.Series(data=True, index=table.index)
    if without_m is not None:
        keep &= ~table["afstand_m"].le(without_m)
    text = search.strip()
    if text:
        keep &= table["naam"].fillna("").str.contains(text, case=False, regex=False)
    return table[keep]


def loneliness_header(indicator: str, *, jaar: int | None, leeftijd: str | None) -> str:
    """The header of a loneliness column with its age group and year.

    Examples
    --------
    >>> loneliness_header("eenzaam_pct", jaar=2020, leeftijd="18+")
    'Eenzaam 18+ 2020 (%)'
    """
    words = [LONELINESS_INDICATORS[indicator], leeftijd or "", "" if jaar is None else str(jaar)]
    return " ".join(word for word in words if word) + " (%)"


def display_table(
    table: pd.DataFrame, *, indicator: str, mode_label: str, jaar: int | None = None,
    leeftijd: str | None = None,
) -> pd.DataFrame:
    """The kernen with Dutch headers for the screen, farthest from a meeting place first.

    The distance follows the kern's name, so a phone shows it without scrolling sideways.

    Distances stay numbers (km) so the table sorts correctly; :func:`styled_kernen` adds the
    decimal commas, and missing numbers are shown as :data:`views.text.UNKNOWN` by
    ``st.dataframe``. Text
    columns never hold None. The 65+ columns are left out when no kern has a buurt figure: the
    gemeente's share is then named once by :func:`share_65plus_note`.
    """
    ordered = table.sort_values("afstand_m", ascending=False, na_position="first")
    label = LONELINESS_INDICATORS[indicator]
    per_kern = _column(ordered, "pct_65plus_niveau").eq("buurt").any()
    columns = {
        "Kern": ordered["naam"],
        "Afstand (km)": ordered["afstand_m"] / 1000.0,
        "Gemeente": ordered["gemeentenaam"],
        "Inwoners": pd.to_numeric(ordered["inwoners"], errors="coerce").astype(float),
        **({"65+ (%)": ordered["pct_65plus"],
            "65+ van": _text(ordered["pct_65plus_niveau"])} if per_kern else {}),
        "Dichtstbijzijnde ontmoetingsplek": _text(ordered["venue_naam"], NO_PLACE_FOUND),
        "Soort": _text(ordered["venue_soort"]),
        f"Minuten {mode_label}": ordered["minuten"],
        "Op één na dichtstbijzijnde": _text(_column(ordered, "tweede_venue_naam")),
        "Afstand tweede (km)": ordered["tweede_afstand_m"] / 1000.0,
        loneliness_header(indicator, jaar=jaar, leeftijd=leeftijd):
            _column(ordered, "eenzaamheid_pct"),
        f"{label}: cijfer van": _text(figure_origin(ordered)),
        "Methode": _text(ordered["methode"]),
    }
    return pd.DataFrame(columns).reset_index(drop=True)


def share_65plus_note(table: pd.DataFrame) -> str | None:
    """One Dutch sentence naming the gemeente's share of 65-plussers, if only that is known.

    That is when no kern has a buurt figure; None when :func:`display_table` shows a column.

    Examples
    --------
    >>> share_65plus_note(pd.DataFrame({"gemeentenaam": ["Aa en Hunze"] * 2,
    ...                                 "pct_65plus": [28.04, 28.04],
    ...                                 "pct_65plus_niveau": ["gemeente"] * 2}))
    'Aandeel 65-plussers: Aa en Hunze 28,0 % (alleen per gemeente bekend, niet per kern).'
    """
    level = _column(table, "pct_65plus_niveau")
    if level.eq("buurt").any():
        return None
    known = table.loc[level.eq("gemeente").to_numpy()]
    shares = known.drop_duplicates("gemeentenaam").sort_values("gemeentenaam")
    if shares.empty:
        return "Het aandeel 65-plussers is voor deze kernen niet bekend."
    if len(shares) > MAX_NAMED_GEMEENTEN:
        return ("Het aandeel 65-plussers is alleen per gemeente bekend, niet per kern; zie de "
                "pagina Gemeenten vergelijken.")
    named = ", ".join(f"{name} {format_pct(share)}" for name, share in
                      zip(shares["gemeentenaam"], shares["pct_65plus"], strict=True))
    return f"Aandeel 65-plussers: {named} (alleen per gemeente bekend, niet per kern)."


def styled_kernen(display: pd.DataFrame) -> Styler:
    """A :func:`display_table` with decimal commas, whole minutes and dotted thousands."""
    percentages = [c for c in display.columns if c.endswith("(%)")]
    distances = [c for c in display.columns if c.startswith("Afstand")]
    minutes = [c for c in display.columns if c.startswith("Minuten")]
    return (
        display.style.format(precision=1, decimal=",", na_rep=SUPPRESSED, subset=percentages)
        .format(precision=1, decimal=",", na_rep=NO_DISTANCE, subset=distances)
        .format(precision=0, na_rep=NO_DISTANCE, subset=minutes)
        .format(precision=0, thousands=".", na_rep=UNKNOWN, subset=["Inwoners"])
    )


def export_table(
    table: pd.DataFrame,
    *,
    indicator: str,
    jaar: int | None,
    leeftijd: str | None,
    mode_label: str,
    threshold_m: float,
) -> pd.DataFrame:
    """The kernen for download: codes, both nearest places, distances, loneliness, method.

    ``Bron ontmoetingsplek`` is the ``venue_bron`` column where the table has it
    (:func:`views.corrections.place_sources`). Missing values stay empty; ``Methode`` says per
    row whether the distance is a network distance or a straight-line estimate. Source columns
    are added by :func:`with_sources`.
    """
    label = LONELINESS_INDICATORS[indicator]
    within = table["afstand_m"].le(threshold_m)
    return pd.DataFrame(
        {
            "Kerncode": table["kern_id"],
            "Kern": table["naam"],
            "Gemeentecode": table["gemeentecode"],
            "Gemeente": table["gemeentenaam"],
            "Buurtcode": table["buurtcode"],
            "Inwoners": pd.to_numeric(table["inwoners"], errors="coerce").astype("Int64"),
            "65+ (%)": table["pct_65plus"],
            "65+ van": table["pct_65plus_niveau"],
            "Dichtstbijzijnde ontmoetingsplek": table["venue_naam"],
            "Soort": table["venue_soort"],
            "Bron ontmoetingsplek": _column(table, "venue_bron"),
            "Afstand (km)": table["afstand_m"] / 1000.0,
            f"Minuten {mode_label}": table["minuten"],
            "Op één na dichtstbijzijnde ontmoetingsplek": _column(table, "tweede_venue_naam"),
            "Afstand tweede (km)": table["tweede_afstand_m"] / 1000.0,
            f"Binnen {format_threshold(threshold_m)}": np.where(within, "ja", "nee"),
            "Methode": table["methode"],
            f"{label} (%)": _column(table, "eenzaamheid_pct"),
            f"{label} van": figure_origin(table),
            f"{label} laagste buurt (%)": _column(table, "eenzaamheid_min"),
            f"{label} hoogste buurt (%)": _column(table, "eenzaamheid_max"),
            f"{label}: herkomst": _column(table, "eenzaamheid_toelichting"),
            "Eenzaamheid jaar": jaar,
            "Eenzaamheid leeftijdsgroep": leeftijd,
            f"Eenzamen {leeftijd or ''} (schatting)".replace("  ", " "): _column(
                table, "eenzamen_schatting"),
            "Schatting eenzamen: basis": _column(table, "eenzamen_basis"),
        }
    ).reset_index(drop=True)


def figure_origin(table: pd.DataFrame) -> pd.Series:
    """Where each kern's loneliness figure comes from, in short.

    ``3 buurten``, ``buurt``, ``wijk``, ``gemeente``; missing when there is no figure.
    """
    level = _column(table, "eenzaamheid_niveau")
    count = pd.to_numeric(_column(table, "eenzaamheid_buurten"), errors="coerce").fillna(0)
    several = level.eq("buurten") & count.gt(1)
    text = level.where(~level.eq("buurten"), "buurt").astype(object)
    text[several] = count[several].astype(int).astype(str) + " buurten"
    return text.where(level.notna(), None)


def with_sources(frame: pd.DataFrame, manifest: Manifest) -> pd.DataFrame:
    """``frame`` plus the columns ``Bron`` (every source once) and ``Opgehaald`` (fetch dates).

    Repeated on every row, so the file still names its source when rows are copied elsewhere,
    and a CSV stays one plain table.
    """
    return frame.assign(Bron=source_text(attributions(manifest)),
                        Opgehaald=fetched_range(manifest))


def fetched_range(manifest: Manifest) -> str:
    """When the region's layers were fetched: one date, or ``first t/m last``."""
    times = sorted(e.fetched_at for e in manifest.layers.values() if e.fetched_at)
    if not times:
        return ""
    first, last = format_timestamp(times[0]), format_timestamp(times[-1])
    return first if first == last else f"{first} t/m {last}"


def method_rows(
    *, mode_label: str, threshold_m: float, indicator: str, jaar: int | None,
    leeftijd: str | None, estimate: bool, exported_at: str,
) -> pd.DataFrame:
    """Rows for the 'Bron' sheet of an export: what the figures are and how they were made."""
    method = (f"{METHOD_STRAIGHT_LINE}: hemelsbreed × {detour_words(mode_label)}"
              if estimate else "over het wegennet (OpenStreetMap)")
    rows = [
        ("Vervoerswijze", mode_label),
        ("Afstandsgrens", format_threshold(threshold_m)),
        ("Afstanden", method),
        ("Eenzaamheid", (f"{LONELINESS_INDICATORS[indicator]}, {jaar}, "
                         f"{AGE_LABELS.get(leeftijd or '', leeftijd)} (modelschatting RIVM)")),
        ("Geëxporteerd", exported_at),
    ]
    return pd.DataFrame(rows, columns=["Onderdeel", "Waarde"])


def mode_rows(rows: Mapping[str, pd.Series]) -> pd.DataFrame:
    """Per travel mode (Dutch label → the kern's reach row): place, distance, minutes, method."""
    return pd.DataFrame(
        [
            {
                "Vervoerswijze": label.capitalize(),
                "Dichtstbijzijnde ontmoetingsplek": (
                    row["venue_naam"] if pd.notna(row["venue_naam"]) else NO_DISTANCE
                ),
                "Afstand": format_km(row["afstand_m"]),
                "Reistijd": format_minutes(row["minuten"]),
                "Methode": row["methode"],
            }
            for label, row in rows.items()
        ]
    )


def kern_buurt_rows(links: pd.DataFrame, kern_id: str, values: pd.Series) -> pd.DataFrame:
    """The buurten a kern's people live in, for its detail: figure, weight and whether used.

    Parameters
    ----------
    links
        :func:`analysis.kern_buurten.link_buurten` output.
    kern_id
        The kern.
    values
        The chosen figure per region code.

    Returns
    -------
    pandas.DataFrame
        Columns ``Buurt``, ``Cijfer`` (``38,7 %`` or ``onderdrukt``), ``Weegt mee`` (the
        buurt's share of the kern's figure, ``0 %`` when not used) and ``Toelichting``;
        heaviest first.
    """
    own = links[links["kern_id"] == kern_id]
    value = own["buurtcode"].map(values)
    used = own["grens_ongewijzigd"] & value.notna()
    weight = own["gewicht"].where(used, 0.0)
    share = weight / weight.sum() if weight.sum() > 0 else weight
    note = np.select(
        [~own["grens_ongewijzigd"].to_numpy(), value.isna().to_numpy()],
        ["niet gebruikt: buurtgrens veranderd", "niet gebruikt: geen cijfer"],
        "",
    )
    point = np.where(own["kernpunt"], "kern ligt in deze buurt", "")
    rows = pd.DataFrame({
        "Buurt": (own["buurtnaam"] + " (" + own["buurtcode"] + ")").fillna(own["buurtcode"]),
        "Cijfer": value.map(format_pct),
        "Weegt mee": (share * 100).map(lambda p: f"{p:.0f} %"),
        "Toelichting": ["; ".join(t for t in pair if t) for pair in zip(point, note, strict=True)],
        "_order": share,
    })
    return rows.sort_values("_order", ascending=False).drop(columns="_order").reset_index(
        drop=True)


def gemeente_summary(
    summary: pd.DataFrame, *, threshold_m: float, gemeente_namen: Mapping[str, str]
) -> pd.DataFrame:
    """Per gemeente, with Dutch headers: kernen and inwoners within ``threshold_m``.

    ``summary`` is :func:`analysis.reach.reach_summary` for ``[threshold_m]``.
    """
    key = f"{threshold_m:g}"
    within = format_threshold(threshold_m)
    return pd.DataFrame(
        {
            "Gemeente": summary["gemeentecode"].map(dict(gemeente_namen))
            .fillna(summary["gemeentecode"]),
            "Kernen": summary["kernen"],
            f"Kernen binnen {within}": summary[f"kernen_binnen_{key}"],
            f"Kernen zonder plek binnen {within}": summary["kernen"]
            - summary[f"kernen_binnen_{key}"],
            f"Aandeel binnen {within} (%)": summary[f"aandeel_kernen_binnen_{key}"] * 100.0,
            "Inwoners (bekend)": summary["inwoners"],
            f"Inwoners binnen {within}": summary[f"inwoners_binnen_{key}"],
        }
    )


def totals(summary: pd.DataFrame, threshold_m: float) -> dict[str, float]:
    """Kernen and known inwoners in all, and within ``threshold_m``, over all gemeenten."""
    key = f"{threshold_m:g}"
    return {
        "kernen": float(summary["kernen"].sum()),
        "kernen_binnen": float(summary[f"kernen_binnen_{key}"].sum()),
        "inwoners": float(summary["inwoners"].sum(min_count=1)),
        "inwoners_binnen": float(summary[f"inwoners_binnen_{key}"].sum(min_count=1)),
    }


def kern_choices(table: pd.DataFrame) -> dict[str, str]:
    """Kern id → ``Naam (Gemeente)``, sorted by name; names occurring twice get their id too."""
    ordered = table.sort_values(["naam", "gemeentenaam"])
    twice = ordered.duplicated(["naam", "gemeentenaam"], keep=False)
    return {
        kern_id: f"{naam} ({gemeente})" + (f" – {kern_id}" if dup else "")
        for kern_id, naam, gemeente, dup in zip(
            ordered["kern_id"], ordered["naam"], ordered["gemeentenaam"], twice, strict=True
        )
    }


def venue_names(venues: pd.DataFrame, ids: Sequence[str | None]) -> list[str | None]:
    """The names of the venues with ``ids`` (None stays None)."""
    names = dict(zip(venues["venue_id"], venues["naam"], strict=True))
    return [names.get(i) if i is not None else None for i in ids]


def _share_65plus(areas: pd.DataFrame | None) -> pd.Series:
    if areas is None or "pct_65plus" not in areas:
        return pd.Series(dtype=float)
    return areas.drop_duplicates("code").set_index("code")["pct_65plus"].astype(float)


def _text(values: pd.Series, missing: str = "") -> pd.Series:
    """``values`` as text for the screen, ``missing`` where there is none."""
    return values.astype(object).where(values.notna(), missing)


def _column(table: pd.DataFrame, column: str) -> pd.Series:
    """``table[column]``, or an all-missing column when the region has no loneliness figures."""
    if column in table:
        return table[column]
    return pd.Series(np.nan, index=table.index)


def gemeente_names(gemeenten: pd.DataFrame | None, fallback: Mapping[str, str]) -> dict[str, str]:
    """Gemeente code → name: from the ``gemeenten`` layer, else from ``fallback``."""
    names = dict(fallback)
    if gemeenten is not None and len(gemeenten):
        names |= dict(zip(gemeenten["code"], gemeenten["naam"], strict=True))
    return names
