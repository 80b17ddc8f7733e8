"""Tests for loaders.odata and loaders.cbs: cleaning, key-by-title, paging, the kerncijfers.

Rows replayed here are real: the RIVM 50090NED fixtures (same OData v3 platform as CBS) and
kerncijfers values from ``cbs_gemeenten_2020_kerncijfers.geojson`` and the PDOK Baarn 2024
fixture. ``tests/fixtures/cbs_kerncijfers_DataProperties.json`` is hand-written in the
DataProperties shape; its keys follow the pattern seen in public code for the 2017–2020
tables (the number of ``MateVanStedelijkheid_116`` is illustrative: keys are resolved by title).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from loaders import cbs, odata
from loaders.errors import SourceFormatError, SourceUnavailable, UnknownRegionError

FIXTURES = Path(__file__).parent / "fixtures"
FEED = "/ODataFeed/OData"
API = "/ODataApi/OData"
STEDELIJKHEID = "stedelijkheid_1_zeer_sterk_stedelijk_5_niet_stedelijk"


@pytest.fixture
def typed_rows(shared_data: Path) -> list[dict]:
    path = shared_data / "fixtures" / "rivm_50090NED_TypedDataSet_GM1680_2020_18plus.json"
    return json.loads(path.read_text(encoding="utf-8"))["value"]


@pytest.fixture
def untyped_rows(shared_data: Path) -> list[dict]:
    path = shared_data / "fixtures" / "rivm_50090NED_UntypedDataSet_GM1680_2020_18plus.json"
    return json.loads(path.read_text(encoding="utf-8"))["value"]


@pytest.fixture
def properties() -> list[dict]:
    text = (FIXTURES / "cbs_kerncijfers_DataProperties.json").read_text(encoding="utf-8")
    return json.loads(text)["value"]


def _envelope(rows: list[dict], **extra: str) -> dict:
    return {"odata.metadata": "https://opendata.cbs.nl/ODataFeed/OData/x/$metadata", **extra,
            "value": rows}


# --------------------------------------------------------------------------- cleaning


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("    42.4", 42.4),
        ("     7.9", 7.9),
        ("       .", None),
        (".", None),
        ("", None),
        ("      ", None),
        (None, None),
        (float("nan"), None),
        (-99995, None),
        (-99997.0, None),
        (-99999, None),
        ("-99999999", None),
        ("GM1680    ", "GM1680"),
        ("Aa en Hunze                             ", "Aa en Hunze"),
        (25445, 25445),
        (0, 0),
        (-5.5, -5.5),
    ],
)
def test_clean_value(raw: object, expected: object) -> None:
    assert odata.clean_value(raw) == expected


def test_clean_frame_untyped_equals_typed(typed_rows: list[dict], untyped_rows: list[dict]) -> None:
    numeric = ["Eenzaam_28", "ErnstigZeerErnstigEenzaam_29", "SociaalEenzaam_31"]
    columns = ["WijkenEnBuurten", "Leeftijd", "Gemeentenaam_1", *numeric]
    untyped = odata.clean_frame(pd.DataFrame(untyped_rows)[columns], numeric=numeric)
    typed = odata.clean_frame(pd.DataFrame(typed_rows)[columns], numeric=numeric)
    pd.testing.assert_frame_equal(untyped, typed, check_dtype=False)
    first = untyped.iloc[0]
    assert first["WijkenEnBuurten"] == "NL01"
    assert first["Leeftijd"] == "20300"  # a code, never turned into a number
    assert first["Gemeentenaam_1"] == "Nederland"
    assert first["Eenzaam_28"] == 47.0
    # BU16800709 is "       ." in the UntypedDataSet, null in the TypedDataSet.
    row = untyped[untyped["WijkenEnBuurten"] == "BU16800709"].iloc[0]
    assert math.isnan(row["Eenzaam_28"])


def test_clean_frame_masks_sentinels_in_numeric_columns() -> None:
    frame = pd.DataFrame({"code": ["BU03080401 "], "pct": [-99997], "text": ["  -99995"]})
    cleaned = odata.clean_frame(frame, numeric=["text"])
    assert math.isnan(cleaned.loc[0, "pct"])
    assert math.isnan(cleaned.loc[0, "text"])
    assert cleaned.loc[0, "code"] == "BU03080401"


def test_clean_frame_rejects_text_in_numeric_column() -> None:
    frame = pd.DataFrame({"Eenzaam_28": ["    42.4", "  veel"]})
    with pytest.raises(SourceFormatError, match="Eenzaam_28"):
        odata.clean_frame(frame, numeric=["Eenzaam_28"])


# --------------------------------------------------------------------------- metadata


def test_fetch_data_properties(replay_server, properties: list[dict]) -> None:
    replay_server.add(f"{API}/84799NED/DataProperties", _envelope(properties))
    result = odata.fetch_data_properties("84799NED", base_url=replay_server.base_url + API)
    assert result == properties
    assert replay_server.requests[0]["query"]["$format"] == ["json"]


def test_fetch_data_properties_rejects_missing_value(replay_server, quick_session) -> None:
    replay_server.add(f"{API}/84799NED/DataProperties", {"odata.metadata": "x"})
    with pytest.raises(SourceFormatError, match="84799NED"):
        odata.fetch_data_properties(
            "84799NED", session=quick_session, base_url=replay_server.base_url + API
        )


def test_resolve_keys_by_title(properties: list[dict]) -> None:
    keys = odata.resolve_keys(
        properties,
        {"inwoners": "  AANTAL   inwoners ", "oud": ["Ouderen", "65 jaar of ouder"],
         "dichtheid": "Omgevingsadressen"},
        table_id="84799NED",
    )
    assert keys == {
        "inwoners": "AantalInwoners_5",
        "oud": "k_65JaarOfOuder_12",
        "dichtheid": "Omgevingsadressendichtheid_117",
    }


def test_resolve_keys_prefers_exact_title_over_prefix() -> None:
    props = [
        {"Key": "EenzaamheidTotaal_1", "Title": "Eenzaamheid totaal", "Type": "Topic"},
        {"Key": "Eenzaam_28", "Title": "Eenzaam", "Type": "Topic"},
    ]
    assert odata.resolve_keys(props, {"e": "Eenzaam"}) == {"e": "Eenzaam_28"}


def test_resolve_keys_skips_topic_groups(properties: list[dict]) -> None:
    keys = odata.resolve_keys(properties, {"sted": ["Stedelijkheid", "Mate van stedelijkheid"]})
    assert keys == {"sted": "MateVanStedelijkheid_116"}


def test_resolve_keys_missing_title_names_table_and_title(properties: list[dict]) -> None:
    with pytest.raises(SourceFormatError) as info:
        odata.resolve_keys(properties, {"x": "Aantal bewoners"}, table_id="84799NED")
    assert "84799NED" in info.value.user_message
    assert "Aantal bewoners" in info.value.user_message


def test_resolve_keys_falls_back_to_key_prefix(properties: list[dict]) -> None:
    renamed = [dict(p, Title="Personen, 65 jaar en ouder") if p["Key"].startswith("k_65") else p
               for p in properties]
    keys = odata.resolve_keys(
        renamed, {"oud": "65 jaar of ouder"}, key_prefixes={"oud": "k_65JaarOfOuder_"}
    )
    assert keys == {"oud": "k_65JaarOfOuder_12"}


def test_keys_by_prefix_needs_digits_after_underscore() -> None:
    columns = ["EmotioneelEenzaam_30", "Eenzaam_28", "Eenzaam_extra", "WijkenEnBuurten"]
    found = odata.keys_by_prefix(columns, {"e": "Eenzaam_", "code": "WijkenEnBuurten", "x": "X_"})
    assert found == {"e": "Eenzaam_28", "code": "WijkenEnBuurten"}


# --------------------------------------------------------------------------- paging


@pytest.mark.parametrize("page_size", [10000, 30])
def test_fetch_rows_follows_next_link(
    replay_server, typed_rows: list[dict], page_size: int
) -> None:
    base = replay_server.base_url + FEED
    path = f"{FEED}/50090NED/TypedDataSet"
    pages = [typed_rows[:30], typed_rows[30:60], typed_rows[60:]]
    for number, page in enumerate(pages):
        token = str(number * 30)
        extra = {}
        if number < len(pages) - 1:
            extra["odata.nextLink"] = f"{base}/50090NED/TypedDataSet?$skiptoken={(number + 1) * 30}"
        replay_server.add(
            path,
            _envelope(page, **extra),
            match=(lambda q, t=token: q.get("$skiptoken", ["0"])[0] == t),
        )
    rows = odata.fetch_rows(
        "50090NED", base_url=base, filter="startswith(WijkenEnBuurten,'BU')", page_size=page_size
    )
    assert rows == typed_rows  # with page_size 30 the server ignores $top: no second window
    assert len(replay_server.requests) == 3
    first, second = replay_server.requests[0]["query"], replay_server.requests[1]["query"]
    assert first["$filter"] == ["startswith(WijkenEnBuurten,'BU')"]
    assert first["$top"] == [str(page_size)]
    assert first["$skip"] == ["0"]
    assert second["$skiptoken"] == ["30"]
    assert second["$format"] == ["json"]


def test_fetch_rows_pages_with_top_and_skip(replay_server, typed_rows: list[dict]) -> None:
    path = f"{API}/50090NED/TypedDataSet"
    for skip in (0, 30, 60):
        replay_server.add(
            path,
            _envelope(typed_rows[skip:skip + 30]),
            match=(lambda q, s=skip: q["$skip"] == [str(s)] and q["$top"] == ["30"]),
        )
    rows = odata.fetch_rows(
        "50090NED", base_url=replay_server.base_url + API, page_size=30,
        select=["WijkenEnBuurten", "Eenzaam_28"],
    )
    assert rows == typed_rows
    assert [r["query"]["$skip"] for r in replay_server.requests] == [["0"], ["30"], ["60"]]
    assert replay_server.requests[0]["query"]["$select"] == ["WijkenEnBuurten,Eenzaam_28"]


def test_fetch_rows_stops_when_skip_is_ignored(replay_server, typed_rows: list[dict]) -> None:
    replay_server.add(f"{API}/50090NED/TypedDataSet", _envelope(typed_rows[:30]))
    with pytest.raises(SourceFormatError, match=r"\$skip"):
        odata.fetch_rows("50090NED", base_url=replay_server.base_url + API, page_size=30)


# --------------------------------------------------------------------------- errors


def test_fetch_rows_row_limit_error_says_filter_per_gemeente(replay_server, quick_session) -> None:
    body = {"odata.error": {"code": "", "message": {
        "lang": "en-US", "value": "Query returns more than 10000 records."}}}
    replay_server.add(f"{API}/84799NED/TypedDataSet", body, status=500)
    with pytest.raises(SourceUnavailable, match="per gemeente") as info:
        odata.fetch_rows("84799NED", session=quick_session, base_url=replay_server.base_url + API)
    assert "84799NED" in info.value.user_message


def test_fetch_rows_http_500(replay_server, quick_session) -> None:
    replay_server.add(f"{FEED}/84799NED/TypedDataSet", "Internal Server Error", status=500)
    with pytest.raises(SourceUnavailable, match="HTTP 500"):
        odata.fetch_rows("84799NED", session=quick_session, base_url=replay_server.base_url + FEED)


def test_fetch_rows_non_json_body(replay_server) -> None:
    replay_server.add(
        f"{FEED}/84799NED/TypedDataSet",
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"/>',
        headers={"Content-Type": "application/atom+xml"},
    )
    with pytest.raises(SourceFormatError, match="geen geldige JSON"):
        odata.fetch_rows("84799NED", base_url=replay_server.base_url + FEED)


@pytest.mark.parametrize("payload", [[{"ID": 1}], {"value": {"ID": 1}}, {"value": ["GM1680"]}])
def test_fetch_rows_rejects_other_shapes(replay_server, payload: object) -> None:
    replay_server.add(f"{FEED}/84799NED/TypedDataSet", payload)
    with pytest.raises(SourceFormatError, match="84799NED"):
        odata.fetch_rows("84799NED", base_url=replay_server.base_url + FEED)


# --------------------------------------------------------------------------- region filter


def test_odata_filter_for_gemeenten() -> None:
    assert odata.odata_filter_for_gemeenten(["GM1680"]) == (
        "(startswith(WijkenEnBuurten,'GM1680') or startswith(WijkenEnBuurten,'WK1680') or "
        "startswith(WijkenEnBuurten,'BU1680'))"
    )
    two = odata.odata_filter_for_gemeenten(["GM1680", "GM0308"], column="Key")
    assert two.count("startswith(Key,") == 6
    assert "'BU0308'" in two


@pytest.mark.parametrize("codes", [["1680"], ["GM168"], ["gm1680"], ["GM16800"], ["BU16800000"],
                                   ["GM1680", "GM1680') or (1 eq 1"], []])
def test_odata_filter_rejects_invalid_codes(codes: list[str]) -> None:
    with pytest.raises(UnknownRegionError):
        odata.odata_filter_for_gemeenten(codes)


# --------------------------------------------------------------------------- kerncijfers


@pytest.fixture
def aa_en_hunze_2020(shared_data: Path) -> dict:
    """GM1680 from the CBS Wijk- en Buurtkaart 2020 (real values; shares in whole percent)."""
    data = json.loads((shared_data / "cbs_gemeenten_2020_kerncijfers.geojson").read_text("utf-8"))
    return next(f["properties"] for f in data["features"]
                if f["properties"]["gm_code"] == "GM1680")


def _kerncijfers_rows(gm: dict) -> list[dict]:
    """TypedDataSet rows as 84799NED gives them: counts, padded codes, null for missing.

    The 2020 map gives the 65+ and one-person shares; the table gives counts, so the counts
    here are derived from the real shares and totals (and the shares must come back).
    """
    inwoners = int(gm["aantal_inwoners"])
    huishoudens = int(gm["aantal_huishoudens"])
    gemeente = {
        "ID": 0, "WijkenEnBuurten": "GM1680    ", "Gemeentenaam_1": "Aa en Hunze" + " " * 29,
        "SoortRegio_2": "Gemeente  ", "Codering_3": "GM1680    ",
        "AantalInwoners_5": inwoners,
        "k_65JaarOfOuder_12": round(inwoners * gm["personen_65_jaar_en_ouder_pct"] / 100),
        "HuishoudensTotaal_28": huishoudens,
        "Eenpersoonshuishoudens_29": round(huishoudens * gm["eenpersoonshuishoudens_pct"] / 100),
        "MateVanStedelijkheid_116": int(gm[STEDELIJKHEID]),
        "Omgevingsadressendichtheid_117": int(gm["omgevingsadressendichtheid_per_km2"]),
    }
    buurt = dict.fromkeys(gemeente) | {
        "ID": 75, "WijkenEnBuurten": "BU16800709", "Gemeentenaam_1": gemeente["Gemeentenaam_1"],
        "SoortRegio_2": "Buurt     ", "Codering_3": "BU16800709",
    }
    return [gemeente, buurt]


def test_fetch_kerncijfers_2020(replay_server, properties, aa_en_hunze_2020) -> None:
    table = f"{API}/84799NED"
    replay_server.add(f"{table}/DataProperties", _envelope(properties))
    replay_server.add(f"{table}/TypedDataSet", _envelope(_kerncijfers_rows(aa_en_hunze_2020)))
    replay_server.add(f"{table}/WijkenEnBuurten", _envelope([
        {"Key": "GM1680    ", "Title": "Aa en Hunze", "Description": None},
        {"Key": "BU16800709", "Title": "Verspreide huizen Spijkerboor", "Description": None},
    ]))
    result = cbs.fetch_kerncijfers(2020, ["GM1680"], base_url=replay_server.base_url + API)

    assert list(result.columns) == list(cbs.KERNCIJFERS_COLUMNS)
    gm = result.set_index("code").loc["GM1680"]
    assert gm["naam"] == aa_en_hunze_2020["gm_naam"]
    assert gm["soort"] == "Gemeente"
    assert gm["gemeentecode"] == "GM1680"
    assert gm["inwoners"] == aa_en_hunze_2020["aantal_inwoners"]
    assert gm["pct_65plus"] == pytest.approx(aa_en_hunze_2020["personen_65_jaar_en_ouder_pct"],
                                             abs=0.01)
    assert gm["eenpersoonshuishoudens_pct"] == pytest.approx(
        aa_en_hunze_2020["eenpersoonshuishoudens_pct"], abs=0.01)
    assert gm["stedelijkheid"] == 5
    assert gm["indeling"] == "2020"
    bu = result.set_index("code").loc["BU16800709"]
    assert bu["soort"] == "Buurt"
    assert bu["gemeentecode"] == "GM1680"
    assert pd.isna(bu["inwoners"])
    assert pd.isna(bu["pct_65plus"])
    assert pd.isna(bu["stedelijkheid"])

    data_query = replay_server.requests[1]["query"]
    assert "startswith(WijkenEnBuurten,'BU1680')" in data_query["$filter"][0]
    assert set(data_query["$select"][0].split(",")) == {
        "WijkenEnBuurten", "AantalInwoners_5", "k_65JaarOfOuder_12", "HuishoudensTotaal_28",
        "Eenpersoonshuishoudens_29", "MateVanStedelijkheid_116", "Omgevingsadressendichtheid_117"}
    assert "startswith(Key,'GM1680')" in replay_server.requests[2]["query"]["$filter"][0]
    assert gm["adresdichtheid"] == aa_en_hunze_2020["omgevingsadressendichtheid_per_km2"]
    assert pd.isna(gm["pct_0_15"])


def test_kerncijfers_age_groups_give_shares_where_the_edition_has_them(
    properties, aa_en_hunze_2020
) -> None:
    # The real 84799NED keys of the two youngest age groups, under "Leeftijdsgroepen" (ID 6).
    extra = [
        {"ID": 901, "ParentID": 6, "Type": "Topic", "Key": "k_0Tot15Jaar_8",
         "Title": "0 tot 15 jaar", "Unit": "aantal"},
        {"ID": 902, "ParentID": 6, "Type": "Topic", "Key": "k_15Tot25Jaar_9",
         "Title": "15 tot 25 jaar", "Unit": "aantal"},
    ]
    keys = cbs.kerncijfers_keys([*properties, *extra], table_id="84799NED")
    assert keys["inwoners_0_15"] == "k_0Tot15Jaar_8"
    assert keys["inwoners_15_25"] == "k_15Tot25Jaar_9"
    rows = _kerncijfers_rows(aa_en_hunze_2020)
    inwoners = rows[0]["AantalInwoners_5"]
    rows[0] |= {"k_0Tot15Jaar_8": round(inwoners * aa_en_hunze_2020["personen_0_tot_15_jaar_pct"]
                                        / 100),
                "k_15Tot25Jaar_9": round(inwoners
                                         * aa_en_hunze_2020["personen_15_tot_25_jaar_pct"] / 100)}
    result = cbs.parse_kerncijfers(rows, keys, year=2020).set_index("code")
    assert result.loc["GM1680", "pct_0_15"] == pytest.approx(
        aa_en_hunze_2020["personen_0_tot_15_jaar_pct"], abs=0.01)
    assert result.loc["GM1680", "pct_15_25"] == pytest.approx(
        aa_en_hunze_2020["personen_15_tot_25_jaar_pct"], abs=0.01)


def test_fetch_kerncijfers_unknown_gemeente(replay_server, properties) -> None:
    table = f"{API}/84799NED"
    replay_server.add(f"{table}/DataProperties", _envelope(properties))
    replay_server.add(f"{table}/TypedDataSet", _envelope([]))
    replay_server.add(f"{table}/WijkenEnBuurten", _envelope([]))
    with pytest.raises(UnknownRegionError, match="GM9999"):
        cbs.fetch_kerncijfers(2020, ["GM9999"], base_url=replay_server.base_url + API)


def test_fetch_kerncijfers_checks_year_and_codes_before_any_request(replay_server) -> None:
    with pytest.raises(SourceUnavailable, match="2019"):
        cbs.fetch_kerncijfers(2019, ["GM1680"], base_url=replay_server.base_url + API)
    with pytest.raises(UnknownRegionError):
        cbs.fetch_kerncijfers(2020, ["Aa en Hunze"], base_url=replay_server.base_url + API)
    assert replay_server.requests == []


def test_kerncijfers_keys_missing_title(properties: list[dict]) -> None:
    without = [p for p in properties if p["Key"] != "AantalInwoners_5"]
    with pytest.raises(SourceFormatError, match="Aantal inwoners"):
        cbs.kerncijfers_keys(without, table_id="84799NED")


def test_kerncijfers_keys_read_units(properties: list[dict]) -> None:
    assert cbs.kerncijfers_keys(properties) == {
        "code": "WijkenEnBuurten", "inwoners": "AantalInwoners_5",
        "inwoners_65plus": "k_65JaarOfOuder_12", "eenpersoonshuishoudens":
        "Eenpersoonshuishoudens_29", "stedelijkheid": "MateVanStedelijkheid_116",
        "huishoudens": "HuishoudensTotaal_28", "adresdichtheid": "Omgevingsadressendichtheid_117"}
    shares = [dict(p, Unit="%") if p["Key"].startswith(("k_65", "Eenpersoons")) else p
              for p in properties if p["Key"] != "HuishoudensTotaal_28"]
    keys = cbs.kerncijfers_keys(shares)
    assert keys["pct_65plus"] == "k_65JaarOfOuder_12"
    assert keys["eenpersoonshuishoudens_pct"] == "Eenpersoonshuishoudens_29"
    assert "huishoudens" not in keys
    assert "inwoners_65plus" not in keys


def test_parse_kerncijfers_with_shares_and_sentinels(shared_data: Path) -> None:
    path = shared_data / "fixtures" / "pdok_wijkenbuurten_2024_buurten_baarn.geojson"
    features = [f["properties"] for f in json.loads(path.read_text("utf-8"))["features"]]
    rows = [
        {"WijkenEnBuurten": f"{p['buurtcode']:<10}", "AantalInwoners_5": p["aantal_inwoners"],
         "k_65JaarOfOuder_12": p["percentage_personen_65_jaar_en_ouder"],
         "Eenpersoonshuishoudens_29": p["percentage_eenpersoonshuishoudens"],
         "MateVanStedelijkheid_116": p["stedelijkheid_adressen_per_km2"]}
        for p in features
    ]
    keys = {"code": "WijkenEnBuurten", "inwoners": "AantalInwoners_5",
            "pct_65plus": "k_65JaarOfOuder_12",
            "eenpersoonshuishoudens_pct": "Eenpersoonshuishoudens_29",
            "stedelijkheid": "MateVanStedelijkheid_116"}
    names = {p["buurtcode"]: p["buurtnaam"] for p in features}
    result = cbs.parse_kerncijfers(rows, keys, year=2024, names=names).set_index("code")
    assert len(result) == len(features)
    centrum = result.loc["BU03080000"]
    assert (centrum["naam"], centrum["inwoners"], centrum["pct_65plus"]) == ("Centrum", 1825, 26)
    assert centrum["eenpersoonshuishoudens_pct"] == 58
    assert centrum["stedelijkheid"] == 2
    assert pd.isna(centrum["inwoners_65plus"])
    # Amerpoort Sherpa: -99997 in the PDOK data for the one-person share.
    assert pd.isna(result.loc["BU03080401", "eenpersoonshuishoudens_pct"])
    assert result["indeling"].unique().tolist() == ["2024"]


def test_parse_kerncijfers_missing_column() -> None:
    keys = {"code": "WijkenEnBuurten", "inwoners": "AantalInwoners_5",
            "pct_65plus": "k_65JaarOfOuder_12", "eenpersoonshuishoudens_pct": "E_29",
            "stedelijkheid": "MateVanStedelijkheid_116"}
    rows = [{"WijkenEnBuurten": "GM1680    ", "AantalInwoners_5": 25445}]
    with pytest.raises(SourceFormatError, match="k_65JaarOfOuder_12"):
        cbs.parse_kerncijfers(rows, keys, year=2020)


# --------------------------------------------------------------------------- files


def test_read_statline_csv_semicolon_bom_quoted(tmp_path: Path, untyped_rows: list[dict]) -> None:
    columns = ["ID", "Leeftijd", "WijkenEnBuurten", "Perioden", "Eenzaam_28"]
    lines = [";".join(f'"{c}"' for c in columns)]
    lines += [";".join(f'"{row[c]}"' for c in columns) for row in untyped_rows]
    path = tmp_path / "50090NED_UntypedDataSet.csv"
    path.write_text("\ufeff" + "\r\n".join(lines) + "\r\n", encoding="utf-8")

    frame = odata.read_statline_csv(path)
    assert list(frame.columns) == columns
    assert frame["Eenzaam_28"].tolist() == [row["Eenzaam_28"] for row in untyped_rows]
    cleaned = odata.clean_frame(frame, numeric=["Eenzaam_28"])
    assert cleaned.loc[0, "WijkenEnBuurten"] == "NL01"
    assert cleaned.loc[0, "Eenzaam_28"] == 47.0
    only = odata.read_statline_csv(path, usecols=lambda c: c in {"WijkenEnBuurten", "Eenzaam_28"})
    assert list(only.columns) == ["WijkenEnBuurten", "Eenzaam_28"]


def test_read_statline_json_export(shared_data: Path, untyped_rows: list[dict]) -> None:
    path = shared_data / "fixtures" / "rivm_50090NED_UntypedDataSet_GM1680_2020_18plus.json"
    frame = odata.read_statline_csv(path)
    assert len(frame) == len(untyped_rows) == 77
    assert frame.loc[0, "Eenzaam_28"] == "    47.0"


@pytest.mark.parametrize("content", ['{"value": 5}', '{"value": [', ""])
def test_read_statline_rejects_bad_files(tmp_path: Path, content: str) -> None:
    path = tmp_path / "export.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SourceFormatError, match=r"export\.json"):
        odata.read_statline_csv(path)


# --------------------------------------------------------------------------- live


@pytest.mark.live
def test_live_kerncijfers_2020_aa_en_hunze(aa_en_hunze_2020: dict) -> None:
    result = cbs.fetch_kerncijfers(2020, ["GM1680"])
    gm = result.set_index("code").loc["GM1680"]
    assert gm["inwoners"] == aa_en_hunze_2020["aantal_inwoners"]
    assert gm["pct_65plus"] == pytest.approx(aa_en_hunze_2020["personen_65_jaar_en_ouder_pct"],
                                             abs=0.5)
    assert (result["soort"] == "Buurt").sum() > 40


REPEATED_TITLES = [
    {"ID": 0, "ParentID": None, "Type": "Dimension", "Key": "WijkenEnBuurten",
     "Title": "Wijken en buurten"},
    {"ID": 1, "ParentID": None, "Type": "TopicGroup", "Key": "", "Title": "Bevolking"},
    {"ID": 2, "ParentID": 1, "Type": "TopicGroup", "Key": "", "Title": "Leeftijdsgroepen"},
    {"ID": 3, "ParentID": 2, "Type": "Topic", "Key": "Totaal_7", "Title": "Totaal"},
    {"ID": 4, "ParentID": 2, "Type": "Topic", "Key": "k_65JaarOfOuder_12",
     "Title": "65 jaar of ouder"},
    {"ID": 5, "ParentID": 1, "Type": "TopicGroup", "Key": "", "Title": "Particuliere huishoudens"},
    {"ID": 6, "ParentID": 5, "Type": "Topic", "Key": "HuishoudensTotaal_28", "Title": "Totaal"},
    {"ID": 7, "ParentID": None, "Type": "TopicGroup", "Key": "", "Title": "Zorg"},
    {"ID": 8, "ParentID": 7, "Type": "Topic", "Key": "k_65JaarOfOuder_90",
     "Title": "65 jaar of ouder"},
]
"""DataProperties in the real shape (ID/ParentID/TopicGroup) that repeat two titles under
different groups, as real kerncijfers editions do with 'Totaal'."""


def test_a_repeated_title_is_an_error_not_a_silent_first_pick() -> None:
    with pytest.raises(SourceFormatError) as info:
        odata.resolve_keys(REPEATED_TITLES, {"huishoudens": "Totaal"}, table_id="85984NED")
    message = info.value.user_message
    assert "2 kolommen met titel 'totaal'" in message
    assert "bevolking > leeftijdsgroepen" in message
    assert "particuliere huishoudens" in message


def test_a_group_picks_the_intended_column() -> None:
    keys = odata.resolve_keys(
        REPEATED_TITLES,
        {"huishoudens": "Particuliere huishoudens > Totaal",
         "oud": "Leeftijdsgroepen > 65 jaar of ouder",
         "code": "Wijken en buurten"},
    )
    assert keys == {"huishoudens": "HuishoudensTotaal_28", "oud": "k_65JaarOfOuder_12",
                    "code": "WijkenEnBuurten"}


def test_a_group_that_holds_no_such_title_falls_back_to_the_key_prefix() -> None:
    keys = odata.resolve_keys(REPEATED_TITLES, {"huishoudens": "Onderwijs > Totaal"},
                            key_prefixes={"huishoudens": "HuishoudensTotaal_"})
    assert keys == {"huishoudens": "HuishoudensTotaal_28"}


def test_kerncijfers_titles_name_their_group(properties: list[dict]) -> None:
    """The real layout: the group-qualified title is found, not just the bare one."""
    renamed = [dict(p, Title="65 jaar of ouder") if p["Key"] == "k_45Tot65Jaar_11" else p
               for p in properties]
    with pytest.raises(SourceFormatError, match="niet eenduidig"):
        odata.resolve_keys(renamed, {"oud": "65 jaar of ouder"})
    keys = cbs.kerncijfers_keys(properties, table_id="84799NED")
    assert keys["inwoners_65plus"] == "k_65JaarOfOuder_12"
    assert keys["huishoudens"] == "HuishoudensTotaal_28"
