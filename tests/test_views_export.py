"""CSV for Dutch Excel: ';', decimal comma, UTF-8 with BOM, missing values empty."""

from __future__ import annotations

import io
import math

import pandas as pd

from views.export import excel_csv


def test_excel_csv_bytes() -> None:
    frame = pd.DataFrame(
        {"Buurt": ["Annen", "Verspreide huizen Eexterveen"], "Eenzaam (%)": [41.9, math.nan],
         "Jaar": [2020, 2020]}
    )
    data = excel_csv(frame)
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").splitlines() == [
        "Buurt;Eenzaam (%);Jaar",
        "Annen;41,9;2020",
        "Verspreide huizen Eexterveen;;2020",
    ]


def test_excel_csv_round_trip_keeps_missing_as_missing() -> None:
    frame = pd.DataFrame({"Buurt": ["Gieten", "Eext"], "Eenzaam (%)": [43.8, math.nan]})
    back = pd.read_csv(io.BytesIO(excel_csv(frame)), sep=";", decimal=",", encoding="utf-8-sig")
    pd.testing.assert_frame_equal(back, frame, check_dtype=False)
    assert back["Eenzaam (%)"].isna().tolist() == [False, True]


def test_excel_csv_of_an_empty_table_has_the_header() -> None:
    data = excel_csv(pd.DataFrame(columns=["Buurtcode", "Eenzaam (%)"]))
    assert data.decode("utf-8-sig").strip() == "Buurtcode;Eenzaam (%)"
