"""User pages speak plain Dutch: no commands, package names or method jargon, no None in tables.

Every page except 'Bronnen en methode' (where the method is explained) runs through AppTest on
the demo store; every text it shows (markdown, captions, notices, labels, help texts, the
estimate's explanation) is searched for the developer words of issue 12. The operator's part of
'Gegevens' only appears for the beheerder and is not drawn here.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from google.protobuf.message import Message
from streamlit.testing.v1 import AppTest

from loaders.store import NATIONAL, Store
from tests.test_pages import _app, _run
from views.text import UNKNOWN

REPO = Path(__file__).resolve().parent.parent
DEVELOPER_WORDS = (
    "python -m", "apt-get", "pip install", "BROWSER_PATH", "omrijfactor",
    "maximal covering", "small-area", "small area", "venue_correcties", "venues_eigen",
    "kaleido", "osmnx", "Select all",
)
USER_PAGES = sorted(p.name for p in (REPO / "pages").glob("*.py") if p.name != "bronnen.py")
DATA_ELEMENTS = frozenset({"plotly_chart", "arrow_data_frame", "arrow_table"})
"""Elements whose proto carries data, not text (the tables are checked on their own)."""
TABLE_PAGES = ("kernen.py", "overzicht.py", "vergelijken.py", "eenzaamheid.py", "scenario.py",
               "kaart.py")


@pytest.fixture(scope="module")
def aa_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.region_stores import demo_region_store

    return demo_region_store(tmp_path_factory, "aa-en-hunze")


def _strings(proto: Message) -> Iterator[str]:
    """Every string field of ``proto``, nested messages included."""
    for field, value in proto.ListFields():
        values = value if field.is_repeated else [value]
        for item in values:
            if isinstance(item, str):
                yield item
            elif isinstance(item, Message):
                yield from _strings(item)


def _texts(node: object) -> Iterator[str]:
    """Every text of an AppTest element tree, outside data elements."""
    for child in getattr(node, "children", {}).values():
        yield from _texts(child)
    proto = getattr(node, "proto", None)
    if isinstance(proto, Message) and getattr(node, "type", "") not in DATA_ELEMENTS:
        yield from _strings(proto)


def _page(monkeypatch, root: Path, page: str) -> AppTest:
    """``page`` with the states that show most: a chosen kern, a closed place."""
    app = _run(_app(monkeypatch, root, gebied="GM1680"), f"pages/{page}")
    reach = Store(root).read_layer(NATIONAL, "bereik_bike")
    first = reach[reach["gemeentecode"].eq("GM1680")].sort_values("naam").iloc[0]
    if page == "kaart.py":
        app.selectbox(key="kaart_kern").set_value(first["kern_id"]).run()
    if page == "scenario.py":
        app.multiselect(key="scenario_dicht").set_value([first["venue_id"]]).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


@pytest.mark.parametrize("page", USER_PAGES)
def test_user_pages_show_no_developer_words(monkeypatch, aa_root, page) -> None:
    app = _page(monkeypatch, aa_root, page)
    found = {(word, text[:120]) for text in _texts(app._tree) for word in DEVELOPER_WORDS
             if word.casefold() in text.casefold()}
    assert not found, sorted(found)


@pytest.mark.parametrize("page", TABLE_PAGES)
def test_tables_show_no_none_or_nan(monkeypatch, aa_root, page) -> None:
    app = _page(monkeypatch, aa_root, page)
    assert app.dataframe, "the page shows at least one table"
    for table in app.dataframe:
        frame = table.value.data if hasattr(table.value, "data") else table.value
        for column in frame.columns:
            values = frame[column]
            if pd.api.types.is_numeric_dtype(values):
                if values.isna().any():
                    assert table.proto.placeholder, f"{column}: missing numbers show as None"
                continue
            shown = values.astype(str)
            assert not values.isna().any(), f"{page}: {column} holds None"
            assert not shown.isin(["None", "nan", "NaN", "<NA>"]).any(), column
        assert not any(isinstance(c, float) and math.isnan(c) for c in frame.columns)


def test_kernen_table_names_its_loneliness_year_and_the_gemeente_65_plus_once(
    monkeypatch, aa_root
) -> None:
    app = _page(monkeypatch, aa_root, "kernen.py")
    frame = app.dataframe[-1].value
    frame = frame.data if hasattr(frame, "data") else frame
    assert "Eenzaam 18+ 2020 (%)" in frame.columns
    assert "Op één na dichtstbijzijnde" in frame.columns
    if "65+ van" not in frame.columns:
        assert any("plussers" in c.value and "Aa en Hunze" in c.value for c in app.caption)
    assert app.dataframe[-1].proto.placeholder == UNKNOWN
