"""views.text: Dutch numbers and dates; outside text stays text in Markdown, HTML and plotly."""

from __future__ import annotations

import html
import math
import re
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from loaders.schema import RD_BOUNDS
from ui.selection import THRESHOLDS_M
from views.overview import kernen_without
from views.text import (
    ECHO_LIMIT,
    WORD_JOINER,
    dutch_date,
    dutch_list,
    echo,
    format_count,
    format_delta,
    format_km,
    format_km_beside,
    format_metres,
    format_minutes,
    format_moment,
    format_pct,
    format_threshold,
    format_timestamp,
    plain_html,
    plain_markdown,
    plain_plotly,
    shorten,
)

TRAP = "http://127.0.0.1:9/val"
PAYLOADS = [
    f"[log hier in]({TRAP})",
    f"![beeld]({TRAP}/x.png)",
    f"<a href='{TRAP}'>klik</a>",
    f'<img src="{TRAP}/y.png" onerror="alert(1)">',
    "<script>alert(1)</script>",
    f"<{TRAP}>",
    "www.example.com en iemand@example.com",
    "# Kop\n\n- lijst\n1. genummerd\n\nOnderstreept\n===",
    ":red[rood] :material/home: $x^2$ ~~weg~~ **vet** _schuin_ `code`",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "&lt;b&gt; &amp; &#60;i&#62;",
    "%{x} %{customdata[0]}",
]
MARKDOWN_ACTIVE = set("\\`*_{}[]()#+-.!<>|~$:&=@%\"'^/")


def _unescape_markdown(text: str) -> str:
    """The characters a reader sees of ``text``: escapes undone, word joiners invisible."""
    return _decoded(text).replace(WORD_JOINER, "")


def _decoded(text: str) -> str:
    """``text`` with backslash escapes undone: what GitHub-flavoured Markdown searches for bare
    URLs and e-mail addresses (in Streamlit, after parsing)."""
    return re.sub(r"\\(.)", r"\1", text, flags=re.DOTALL)


def _bare_specials(text: str) -> list[str]:
    """Special characters in ``text`` that are not preceded by a backslash escape."""
    without_escapes = re.sub(r"\\.", "", text, flags=re.DOTALL)
    return [c for c in without_escapes if c in MARKDOWN_ACTIVE]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_plain_markdown_escapes_every_special_character(payload: str) -> None:
    escaped = plain_markdown(payload)
    assert _bare_specials(escaped) == []
    assert _unescape_markdown(escaped) == payload


def test_plain_markdown_breaks_links_images_and_autolinks() -> None:
    escaped = plain_markdown(f"[log in]({TRAP}) ![x]({TRAP}) www.evil.nl a@b.nl")
    assert "](" not in escaped
    assert "![" not in escaped
    assert "http://" not in escaped
    assert "www.evil" not in escaped
    assert "a@b" not in escaped
    assert escaped.startswith(f"\\[log in\\]\\(http{WORD_JOINER}\\:\\/\\/")


@pytest.mark.parametrize("payload", [
    f"zie {TRAP}/x", "HTTPS://evil.example/login", "www.example.com", "mail iemand@example.com",
    "(http://a.nl)", "<https://a.nl>",
])
def test_bare_urls_and_addresses_do_not_become_links(payload: str) -> None:
    decoded = _decoded(plain_markdown(payload)).lower()
    assert re.search(r"https?://|www\.|@[\w-]", decoded) is None, decoded
    assert _unescape_markdown(plain_markdown(payload)) == payload


def test_plain_markdown_leaves_ordinary_names_alone() -> None:
    assert plain_markdown("Dorpshuis De Spil") == "Dorpshuis De Spil"
    assert plain_markdown("Súdwest Fryslân") == "Súdwest Fryslân"


@pytest.mark.parametrize("missing", [None, float("nan"), np.nan, pd.NA, pd.NaT])
def test_missing_values_become_empty(missing: object) -> None:
    assert plain_markdown(missing) == ""
    assert plain_html(missing) == ""
    assert plain_plotly(missing) == ""
    assert shorten(missing) == ""


@pytest.mark.parametrize("payload", PAYLOADS)
def test_plain_html_has_no_tags_and_reads_back(payload: str) -> None:
    escaped = plain_html(payload)
    assert "<" not in escaped
    assert ">" not in escaped
    assert '"' not in escaped
    assert html.unescape(escaped) == payload


@pytest.mark.parametrize("payload", PAYLOADS)
def test_plain_plotly_has_no_tags_entities_or_template_fields(payload: str) -> None:
    escaped = plain_plotly(payload)
    assert "<" not in escaped
    assert ">" not in escaped
    assert "%{" not in escaped
    assert re.search(r"&(?!amp;|lt;|gt;|#37;)", escaped) is None
    assert html.unescape(escaped) == payload


def test_plotly_hover_and_title_hold_no_link_or_template() -> None:
    payload = f"<a href='{TRAP}'>klik</a> %{{y}} <img src={TRAP}>"
    figure = go.Figure(go.Bar(x=[1], y=[plain_plotly(payload)],
                              hovertext=[plain_plotly(payload)],
                              hovertemplate=plain_plotly(payload) + "<br>%{x}<extra></extra>"))
    figure.update_layout(title={"text": plain_plotly(payload)})
    as_json = figure.to_json()
    assert "<a" not in as_json
    assert "\\u003ca" not in as_json
    assert "<img" not in as_json
    assert "\\u003cimg" not in as_json
    template = figure.data[0].hovertemplate
    assert re.findall(r"%\{[^}]*\}", template) == ["%{x}"]


def test_shorten_cuts_at_the_limit_with_an_ellipsis() -> None:
    value = "a" * 100_000
    assert shorten(value) == "a" * ECHO_LIMIT + "…"
    assert shorten("b" * ECHO_LIMIT) == "b" * ECHO_LIMIT
    assert shorten("b" * (ECHO_LIMIT + 1)) == "b" * ECHO_LIMIT + "…"
    assert shorten("x" * 10, 4) == "xxxx…"


def test_shorten_folds_whitespace_onto_one_line() -> None:
    assert shorten("  Aa\n\nen\tHunze ") == "Aa en Hunze"


def test_echo_is_cut_before_it_is_escaped() -> None:
    payload = f"[log in]({TRAP})" + "z" * 200
    shown = echo(payload)
    assert _unescape_markdown(shown) == shorten(payload)
    assert len(_unescape_markdown(shown)) == ECHO_LIMIT + 1
    assert _bare_specials(shown) == []


@pytest.mark.parametrize("missing", [None, math.nan, np.nan, pd.NA])
def test_missing_numbers_get_a_dutch_word(missing: object) -> None:
    assert format_km(missing) == "geen afstand"
    assert format_km(missing, missing="geen bereikbaar") == "geen bereikbaar"
    assert format_minutes(missing) == "geen afstand"
    assert format_count(missing) == "onbekend"
    assert format_pct(missing) == "onderdrukt"
    assert format_delta(39.5, missing) is None


def test_distances_have_one_decimal_and_a_decimal_comma() -> None:
    assert format_km(1234.0) == "1,2 km"
    assert format_km(np.float64(5092.06)) == "5,1 km"
    assert format_km(3000) == "3,0 km"
    assert format_km(4934.3, sign=True) == "+4,9 km"
    assert format_km(-4934.3, sign=True) == "-4,9 km"
    assert format_metres(750.0) == "750 m"
    assert format_metres(1500.0) == "1,5 km"
    assert format_minutes(0.3) == "< 1 min"
    assert format_minutes(13.6) == "14 min"


def test_thresholds_read_as_the_sidebar_offers_them() -> None:
    assert [format_threshold(m) for m in THRESHOLDS_M] == [
        "0,5 km", "1 km", "2 km", "3 km", "5 km", "10 km"]
    assert format_threshold(250) == "0,25 km"


def test_counts_percentages_and_points() -> None:
    assert format_count(362567.0) == "362.567"
    assert format_count(4575) == "4.575"
    assert format_count(-7000.0) == "-7.000"
    assert format_count(-0.3) == "0"
    assert format_pct(47.0) == "47,0 %"
    assert format_pct(np.float64(8.25)) == "8,2 %"
    assert format_delta(42.4, 39.5) == "+2,9 procentpunt"
    assert format_delta(39.5, 42.4) == "-2,9 procentpunt"


def test_dates_lists_and_times() -> None:
    assert dutch_date(date(2026, 11, 27)) == "27 november 2026"
    assert dutch_list([2012, 2016, 2020]) == "2012, 2016 en 2020"
    assert dutch_list(["Gieten"]) == "Gieten"
    assert dutch_list([]) == ""
    local = datetime(2026, 1, 2, 3, 4)  # noqa: DTZ001 - local time, as datetime.now() gives
    assert format_moment(local) == "02-01-2026 03:04"
    assert format_moment(datetime(2026, 1, 2, 3, 4, tzinfo=UTC)) == "02-01-2026 03:04 UTC"
    assert format_timestamp("2026-11-27T09:14:00+00:00") == "27-11-2026 09:14 UTC"
    assert format_timestamp("2026-11-27T09:14:00+01:00") == "27-11-2026 09:14"
    assert format_timestamp("") == ""


def test_rd_bounds_are_min_x_min_y_max_x_max_y() -> None:
    min_x, min_y, max_x, max_y = RD_BOUNDS
    assert (min_x, min_y, max_x, max_y) == (RD_BOUNDS.min_x, RD_BOUNDS.min_y,
                                            RD_BOUNDS.max_x, RD_BOUNDS.max_y)
    assert min_x < max_x
    assert min_y < max_y
    assert RD_BOUNDS.contains(233_000, 562_000)
    assert not RD_BOUNDS.contains(562_000, 233_000)


@pytest.mark.parametrize("threshold", [500, 1000, 2000, 5000])
def test_a_distance_beyond_the_limit_never_reads_as_the_limit(threshold: int) -> None:
    limit = format_km(threshold)
    for metres in np.linspace(threshold - 200, threshold + 200, 801):
        shown = format_km_beside(float(metres), threshold)
        if metres > threshold:
            assert shown != limit, (metres, shown)
        else:
            assert shown == format_km(float(metres))
    assert format_km_beside(threshold + 8.3, threshold) == f"meer dan {limit}"


def test_the_overview_list_says_more_than_the_limit() -> None:
    table = pd.DataFrame({"naam": ["Nijlande", "Gieten"], "gemeentenaam": ["Aa en Hunze"] * 2,
                          "inwoners": [55, 4575], "venue_naam": ["a", "b"],
                          "afstand_m": [2008.3, 3200.0]})
    listed = kernen_without(table, 2000)
    assert listed.set_index("Kern")["Afstand"].to_dict() == {
        "Gieten": "3,2 km", "Nijlande": "meer dan 2,0 km"}
