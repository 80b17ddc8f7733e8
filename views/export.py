"""Export bytes: tables as files that open correctly in Dutch spreadsheet programs."""

from __future__ import annotations

import pandas as pd

BOM = "\ufeff"


def excel_csv(frame: pd.DataFrame) -> bytes:
    """``frame`` as CSV for Dutch Excel: ``;`` separator, decimal comma, UTF-8 with BOM.

    Missing values become empty cells. Floats keep one decimal, as RIVM publishes them.

    Examples
    --------
    >>> excel_csv(pd.DataFrame({"Buurt": ["Annen"], "Eenzaam (%)": [38.7]}))
    b'\\xef\\xbb\\xbfBuurt;Eenzaam (%)\\r\\nAnnen;38,7\\r\\n'
    """
    text = frame.to_csv(
        sep=";", decimal=",", index=False, float_format="%.1f", lineterminator="\r\n"
    )
    return (BOM + text).encode("utf-8")
