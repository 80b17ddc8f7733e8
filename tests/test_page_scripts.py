"""Page scripts run with Streamlit's 'magic': a bare string literal would be shown to users."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PAGES = sorted((Path(__file__).resolve().parent.parent / "pages").glob("*.py"))


@pytest.mark.parametrize("script", PAGES, ids=[p.name for p in PAGES])
def test_no_bare_string_after_the_module_docstring(script: Path) -> None:
    body = ast.parse(script.read_text(encoding="utf-8")).body
    assert isinstance(body[0], ast.Expr), "every page starts with its docstring"
    bare = [node.lineno for node in body[1:]
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)]
    assert not bare, f"{script.name}: a bare literal on line(s) {bare} would appear on the page"


def test_every_page_is_checked() -> None:
    assert {"overzicht.py", "kaart.py", "vergelijken.py"} <= {p.name for p in PAGES}
