"""The Kernen download (CSV and XLSX), shared by the Kernen page and ``python -m reports kernen``.

Both write exactly these bytes for the same selection, so a researcher's script and the page
give the same file.
"""

from __future__ import annotations

import pandas as pd

from loaders.manifest import Manifest
from views import kernen as vk
from views.export import excel_csv, xlsx_bytes
from views.status import layers_table


def kernen_stem(area_stem: str, mode_label: str, threshold_m: float) -> str:
    """The file name (without extension): ``kernen_gm1680_fietsen_2000m``."""
    return f"kernen_{area_stem}_{mode_label}_{threshold_m:g}m"


def kernen_file(
    kind: str,
    table: pd.DataFrame,
    *,
    manifest: Manifest,
    indicator: str,
    jaar: int | None,
    leeftijd: str | None,
    mode_label: str,
    threshold_m: float,
    estimate: bool,
    exported_at: str,
) -> bytes:
    """The kernen of ``table`` (:func:`views.kernen.kern_table`) as ``"csv"`` or ``"xlsx"``.

    The CSV has ';' and decimal commas for Excel and names the sources on every row; the XLSX
    has the sources and the method on the sheets 'Bron' and 'Methode'.

    Raises
    ------
    ValueError
        For another ``kind``.
    """
    export = vk.export_table(table, indicator=indicator, jaar=jaar, leeftijd=leeftijd,
                             mode_label=mode_label, threshold_m=threshold_m)
    if kind == "csv":
        return excel_csv(vk.with_sources(export, manifest))
    if kind != "xlsx":
        raise ValueError(f"unknown kind {kind!r}: expected 'csv' or 'xlsx'")
    method = vk.method_rows(mode_label=mode_label, threshold_m=threshold_m, indicator=indicator,
                            jaar=jaar, leeftijd=leeftijd, estimate=estimate,
                            exported_at=exported_at)
    return xlsx_bytes({"Kernen": export, "Bron": layers_table(manifest), "Methode": method})
