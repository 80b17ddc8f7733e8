"""Tests for loaders.rivm: RIVM "Gezondheid per wijk en buurt" (table 50090NED).

Expected values are read from the shared data files with the ``csv`` module, independently of
the loader. ``tests/fixtures/rivm_50090NED_DataProperties.json`` is hand-written in the
DataProperties shape, with the keys seen in the real 50090NED data files.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pandas as pd
import pytest

from loaders import rivm
from loaders.errors import SourceFormatError, SourceUnavailable, UnknownRegionError
from loaders.schema import EENZAAMHEID_COLUMNS, LONELINESS_INDICATORS

FIXTURES = Path(__file__).parent / "fixtures"
ODATA_CSV = "rivm_50090NED_gezondheid_wijk_buurt_2016_2020.csv"
RENAMED_CSV = "rivm_eenzaamheid_wijk_buurt_2016_2020.csv"
RENAMED_2012_CSV = "rivm_eenzaamheid_wijk_buurt_2012.csv"
KEYS_50090 = {
    "eenzaam_pct": "Eenzaam_28",
    "ernstig_eenzaam_pct": "ErnstigZeerErnstigEenzaam_29",
    "emotioneel_eenzaam_pct": "EmotioneelEenzaam_30",
    "sociaal_eenzaam_pct": "SociaalEenzaam_31",
}
FEED = "/ODataFeed/OData"
API = "/ODataApi/OData"


def _fixture_rows(shared_data: Path, kind: str) -> list[dict]:
    path = shared_data / "fixtures" / f"rivm_50090NED_{kind}_GM1680_2020_18plus.json"
    return json.loads(path.read_text(encoding="utf-8"))["value"]


@pytest.fixture
def typed_rows(shared_data: Path) -> list[dict]:
    return _fixture_rows(shared_data, "TypedDataSet")


@pytest.fixture
def untyped_rows(shared_data: Path) -> list[dict]:
    return _fixture_rows(shared_data, "UntypedDataSet")


@pytest.fixture
def properties() -> list[dict]:
    text = (FIXTURES / "rivm_50090NED_DataProperties.json").read_text(encoding="utf-8")
    return json.loads(text)["value"]


def _csv_rows(path: Path, keep) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if keep(row)]


def _number(text: str) -> float:
    return float(text) if text.strip() else math.nan


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b)


def _envelope(rows: list[dict], **extra: str) -> dict:
    meta = f"{rivm.DATADERDEN_FEED}/50090NED/$metadata#Cbs.OData.WebAPI.TypedDataSet"
    return {"odata.metadata": meta, **extra, "value": rows}


# --------------------------------------------------------------------------- shared CSV files


def test_nl01_2020_18plus_from_real_csv(shared_data: Path) -> None:
    layer = rivm.read_loneliness_csv(shared_data / ODATA_CSV, gemeenten=["GM1680"])
    nl = layer[(layer["regiocode"] == "NL01") & (layer["jaar"] == 2020)
               & (layer["leeftijd"] == "18+")]
    assert len(nl) == 1
    row = nl.iloc[0]
    assert row["eenzaam_pct"] == 47.0
    assert (row["soort_regio"], row["gemeentenaam"]) == ("Land", "Nederland")
    assert row["indeling"] == "2020"


def test_gm1680_buurten_match_source_file(shared_data: Path) -> None:
    path = shared_data / ODATA_CSV
    layer = rivm.read_loneliness_csv(path, gemeenten=["GM1680"])
    assert tuple(layer.columns) == EENZAAMHEID_COLUMNS
    expected = _csv_rows(path, lambda r: r["WijkenEnBuurten"].startswith("BU1680"))
    assert len(expected) == 54 * 4  # 54 buurten × (2016, 2020) × (18+, 65+)
    ages = {"20300": "18+", "80200": "65+"}
    by_key = layer.set_index(["regiocode", "jaar", "leeftijd"])
    for source in expected:
        got = by_key.loc[(source["WijkenEnBuurten"], int(source["Perioden"][:4]),
                          ages[source["Leeftijd"]])]
        for column, key in KEYS_50090.items():
            assert _same(got[column], _number(source[key])), (source["WijkenEnBuurten"], key)
        assert got["soort_regio"] == "Buurt"
        assert got["gemeentenaam"] == "Aa en Hunze"
    assert set(layer["regiocode"].str[:2]) == {"NL", "GM", "WK", "BU"}
    assert len(layer) == (1 + 1 + 21 + 54) * 4
    assert layer[[c for c in layer.columns if c.endswith(("_ondergrens", "_bovengrens"))]]\
        .isna().all().all()


def test_both_csv_layouts_give_the_same_layer(shared_data: Path) -> None:
    odata = rivm.read_loneliness_csv(shared_data / ODATA_CSV, gemeenten=["GM1680", "GM0308"])
    renamed = rivm.read_loneliness_csv(shared_data / RENAMED_CSV, gemeenten=["GM1680", "GM0308"])
    pd.testing.assert_frame_equal(odata, renamed)
    assert set(odata.loc[odata["soort_regio"] == "Gemeente", "regiocode"]) == {"GM1680", "GM0308"}


def test_renamed_2012_file(shared_data: Path) -> None:
    path = shared_data / RENAMED_2012_CSV
    layer = rivm.read_loneliness_csv(path, gemeenten=["GM1680"])
    expected = _csv_rows(
        path, lambda r: r["regiocode"] == "GM1680" and r["leeftijdsgroep"] == "18+"
    )
    assert len(expected) == 1
    gm = layer[(layer["regiocode"] == "GM1680") & (layer["leeftijd"] == "18+")].iloc[0]
    assert gm["jaar"] == 2012
    assert gm["indeling"] == "2020"
    for column in ("eenzaam_pct", "ernstig_eenzaam_pct", "emotioneel_eenzaam_pct"):
        assert gm[column] == float(expected[0][column])
    assert layer["sociaal_eenzaam_pct"].isna().all()  # not measured in 2012


def test_read_without_filter_keeps_every_region(shared_data: Path) -> None:
    layer = rivm.read_loneliness_csv(shared_data / ODATA_CSV)
    assert len(layer) == 69364
    assert (layer["soort_regio"] == "Gemeente").sum() == 355 * 4


def test_read_csv_unknown_gemeente(shared_data: Path) -> None:
    with pytest.raises(UnknownRegionError, match="GM9999"):
        rivm.read_loneliness_csv(shared_data / RENAMED_CSV, gemeenten=["GM9999"])
    with pytest.raises(UnknownRegionError):
        rivm.read_loneliness_csv(shared_data / RENAMED_CSV, gemeenten=["Aa en Hunze"])


def test_read_csv_of_another_kind(tmp_path: Path) -> None:
    path = tmp_path / "iets.csv"
    path.write_text("naam,waarde\nDorpshuis,1\n", encoding="utf-8")
    with pytest.raises(SourceFormatError, match=r"iets\.csv"):
        rivm.read_loneliness_csv(path)


# --------------------------------------------------------------------------- parsing


def test_untyped_and_typed_give_identical_layers(
    shared_data: Path, typed_rows: list[dict], untyped_rows: list[dict]
) -> None:
    typed = rivm.parse_loneliness(typed_rows, table_id="50090NED")
    untyped = rivm.parse_loneliness(untyped_rows, table_id="50090NED", indicator_keys=KEYS_50090)
    pd.testing.assert_frame_equal(typed, untyped)
    from_csv = rivm.read_loneliness_csv(shared_data / ODATA_CSV, gemeenten=["GM1680"])
    slice_2020 = from_csv[(from_csv["jaar"] == 2020) & (from_csv["leeftijd"] == "18+")]
    pd.testing.assert_frame_equal(typed, slice_2020.reset_index(drop=True))


def test_padding_and_missing_marks(untyped_rows: list[dict]) -> None:
    layer = rivm.parse_loneliness(untyped_rows, table_id="50090NED").set_index("regiocode")
    source = {row["WijkenEnBuurten"].strip(): row for row in untyped_rows}
    assert source["BU16800709"]["Eenzaam_28"] == "       ."
    assert math.isnan(layer.loc["BU16800709", "eenzaam_pct"])
    assert source["GM1680"]["Eenzaam_28"] == "    42.4"
    assert layer.loc["GM1680", "eenzaam_pct"] == 42.4
    assert layer.loc["GM1680", "gemeentenaam"] == "Aa en Hunze"
    assert all(len(code) in (4, 6, 8, 10) and code == code.strip() for code in layer.index)


def test_sentinel_values_become_missing(typed_rows: list[dict]) -> None:
    rows = [dict(row) for row in typed_rows]
    rows[1]["Eenzaam_28"] = -99995
    rows[1]["SociaalEenzaam_31"] = "  -99997"
    layer = rivm.parse_loneliness(rows, table_id="50090NED").set_index("regiocode")
    assert rows[1]["WijkenEnBuurten"].strip() == "GM1680"
    assert math.isnan(layer.loc["GM1680", "eenzaam_pct"])
    assert math.isnan(layer.loc["GM1680", "sociaal_eenzaam_pct"])


def test_margins_become_bound_columns(typed_rows: list[dict]) -> None:
    """Bound rows here reuse real values of other rows: this checks the reshaping only."""
    nl, gm = typed_rows[0], typed_rows[1]
    lower = dict(gm, Marges="MOG0095", WijkenEnBuurten=nl["WijkenEnBuurten"])
    upper = dict(nl, Marges="MBG0095")
    layer = rivm.parse_loneliness([nl, lower, upper], table_id="50090NED")
    assert len(layer) == 1
    row = layer.iloc[0]
    for column, key in KEYS_50090.items():
        assert row[column] == nl[key]
        assert row[f"{column}_ondergrens"] == gm[key]
        assert row[f"{column}_bovengrens"] == nl[key]


def test_other_age_groups_and_margins_are_dropped(typed_rows: list[dict]) -> None:
    extra = [dict(typed_rows[0], Leeftijd="52030"), dict(typed_rows[0], Marges="MOG0090")]
    layer = rivm.parse_loneliness(typed_rows + extra, table_id="50090NED")
    assert len(layer) == len(typed_rows)


def test_keys_of_50120ned_are_recognised(typed_rows: list[dict]) -> None:
    renamed = {"Eenzaam_28": "Eenzaam_27", "ErnstigZeerErnstigEenzaam_29":
               "ErnstigZeerErnstigEenzaam_28", "EmotioneelEenzaam_30": "EmotioneelEenzaam_29",
               "SociaalEenzaam_31": "SociaalEenzaam_30"}
    rows = [{key: value for key, value in row.items()
             if key != "MatigVeelRegieOverEigenLeven_27"} for row in typed_rows]
    rows = [{renamed.get(k, k): v for k, v in row.items()} for row in rows]
    layer = rivm.parse_loneliness(rows, table_id="50120NED")
    assert layer["indeling"].unique().tolist() == ["2022"]
    assert layer.set_index("regiocode").loc["NL01", "eenzaam_pct"] == 47.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda rows: [*rows, rows[0]], "dubbel"),
        (lambda rows: [dict(r, Perioden="2020MM01") for r in rows], "2020MM01"),
        (lambda rows: [{k: v for k, v in r.items() if k != "Leeftijd"} for r in rows], "Leeftijd"),
        (lambda rows: [dict(rows[0], Eenzaam_28="n.v.t.")], "Eenzaam_28"),
        (lambda rows: [{k: v for k, v in r.items() if "Eenzaam" not in k} for r in rows],
         "eenzaamheid"),
    ],
)
def test_malformed_rows(typed_rows: list[dict], change, message: str) -> None:
    with pytest.raises(SourceFormatError, match=message):
        rivm.parse_loneliness(change(typed_rows), table_id="50090NED")


def test_unknown_table() -> None:
    with pytest.raises(SourceUnavailable, match="99999NED"):
        rivm.parse_loneliness([], table_id="99999NED")


def test_statline_csv_export_goes_through_same_parser(
    tmp_path: Path, untyped_rows: list[dict]
) -> None:
    columns = list(untyped_rows[0])
    lines = [";".join(f'"{c}"' for c in columns)]
    lines += [";".join(f'"{"" if row[c] is None else row[c]}"' for c in columns)
              for row in untyped_rows]
    path = tmp_path / "50090NED_UntypedDataSet_export.csv"
    path.write_text("\ufeff" + "\r\n".join(lines) + "\r\n", encoding="utf-8")
    from_file = rivm.read_loneliness_csv(path, gemeenten=["GM1680"])
    pd.testing.assert_frame_equal(
        from_file, rivm.parse_loneliness(untyped_rows, table_id="50090NED")
    )


# --------------------------------------------------------------------------- fetching


def _add_properties(server, properties: list[dict]) -> None:
    meta = f"{rivm.DATADERDEN_API}/50090NED/$metadata#Cbs.OData.WebAPI.DataProperties"
    server.add(f"{API}/50090NED/DataProperties", {"odata.metadata": meta, "value": properties})


def test_fetch_loneliness_follows_next_link(
    replay_server, properties: list[dict], typed_rows: list[dict]
) -> None:
    _add_properties(replay_server, properties)
    base = replay_server.base_url + FEED
    path = f"{FEED}/50090NED/TypedDataSet"
    replay_server.add(
        path,
        _envelope(typed_rows[:40], **{
            "odata.nextLink": f"{base}/50090NED/TypedDataSet?$format=json&$skiptoken=40"}),
        match=lambda q: "$skiptoken" not in q,
    )
    replay_server.add(path, _envelope(typed_rows[40:]), match=lambda q: q["$skiptoken"] == ["40"])

    layer = rivm.fetch_loneliness("50090NED", ["GM1680"], periods=[2020], base_url=base)

    pd.testing.assert_frame_equal(layer, rivm.parse_loneliness(typed_rows, table_id="50090NED"))
    assert layer.set_index("regiocode").loc["NL01", "eenzaam_pct"] == 47.0
    assert [r["path"] for r in replay_server.requests] == [
        f"{API}/50090NED/DataProperties", path, path]
    query = replay_server.requests[1]["query"]["$filter"][0]
    for part in ("startswith(WijkenEnBuurten,'BU1680')", "startswith(WijkenEnBuurten,'NL01')",
                 "Leeftijd eq '20300'", "Leeftijd eq '80200'", "Leeftijd eq '53115'",
                 "Marges eq 'MW00000'", "Marges eq 'MOG0095'", "Marges eq 'MBG0095'",
                 "Perioden eq '2020JJ00'"):
        assert part in query


def test_fetch_loneliness_missing_title(replay_server, properties: list[dict]) -> None:
    _add_properties(replay_server, [p for p in properties if p["Key"] != "SociaalEenzaam_31"])
    with pytest.raises(SourceFormatError, match="Sociaal eenzaam") as info:
        rivm.fetch_loneliness("50090NED", ["GM1680"], base_url=replay_server.base_url + FEED)
    assert "50090NED" in info.value.user_message
    assert len(replay_server.requests) == 1


def test_fetch_loneliness_finds_keys_by_prefix_when_titles_differ(
    replay_server, properties: list[dict], typed_rows: list[dict]
) -> None:
    retitled = [dict(p, Title=f"Percentage {p['Title']}") if p["Type"] == "Topic" else p
                for p in properties]
    _add_properties(replay_server, retitled)
    replay_server.add(f"{FEED}/50090NED/TypedDataSet", _envelope(typed_rows))
    layer = rivm.fetch_loneliness("50090NED", ["GM1680"], base_url=replay_server.base_url + FEED)
    assert layer.set_index("regiocode").loc["GM1680", "ernstig_eenzaam_pct"] == 7.9


def test_fetch_loneliness_http_500(replay_server, quick_session) -> None:
    replay_server.add(f"{API}/50090NED/DataProperties", "Service Unavailable", status=500)
    with pytest.raises(SourceUnavailable, match="HTTP 500"):
        rivm.fetch_loneliness("50090NED", ["GM1680"], session=quick_session,
                              base_url=replay_server.base_url + FEED)


def test_fetch_loneliness_non_json(replay_server, properties: list[dict]) -> None:
    _add_properties(replay_server, properties)
    replay_server.add(f"{FEED}/50090NED/TypedDataSet", "<html><body>Onderhoud</body></html>",
                      headers={"Content-Type": "text/html"})
    with pytest.raises(SourceFormatError, match="geen geldige JSON"):
        rivm.fetch_loneliness("50090NED", ["GM1680"], base_url=replay_server.base_url + FEED)


def test_fetch_loneliness_unknown_gemeente_in_table(
    replay_server, properties: list[dict], typed_rows: list[dict]
) -> None:
    _add_properties(replay_server, properties)
    replay_server.add(f"{FEED}/50090NED/TypedDataSet", _envelope(typed_rows[:1]))  # only NL01
    with pytest.raises(UnknownRegionError, match="GM9999"):
        rivm.fetch_loneliness("50090NED", ["GM9999"], base_url=replay_server.base_url + FEED)


@pytest.mark.parametrize(
    ("gemeenten", "periods", "error"),
    [(["1680"], None, UnknownRegionError), (["GM1680 "], None, UnknownRegionError),
     ([], None, UnknownRegionError), (["GM1680"], [2022], SourceUnavailable),
     (["GM1680"], ["twintig"], SourceUnavailable)],
)
def test_fetch_loneliness_checks_input_before_any_request(
    replay_server, gemeenten: list[str], periods, error: type
) -> None:
    with pytest.raises(error):
        rivm.fetch_loneliness("50090NED", gemeenten, periods=periods,
                              base_url=replay_server.base_url + FEED)
    assert replay_server.requests == []


def test_loneliness_filter_without_periods() -> None:
    text = rivm.loneliness_filter(["GM0308"])
    assert "Perioden" not in text
    assert text.startswith("((startswith(WijkenEnBuurten,'GM0308')")


# --------------------------------------------------------------------------- live


@pytest.mark.live
def test_live_50090ned_nl01_2020() -> None:
    layer = rivm.fetch_loneliness("50090NED", ["GM1680"], periods=[2020])
    nl = layer[(layer["regiocode"] == "NL01") & (layer["leeftijd"] == "18+")].iloc[0]
    assert nl["eenzaam_pct"] == 47.0
    assert set(layer["leeftijd"]) >= {"18+", "65+"}
    assert set(LONELINESS_INDICATORS) <= set(layer.columns)
