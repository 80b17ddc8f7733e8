"""Memory that comes back: sessions are released when their browser goes (ui.frame), and every
Streamlit cache is bounded by entries and time."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import ClassVar

import pytest
from streamlit.testing.v1 import AppTest

import ui.frame

REPO = Path(__file__).resolve().parent.parent
CACHES = {"cache_data", "cache_resource"}


class FakeRuntime:
    """Records which sessions were marked as not resumable."""

    marked: ClassVar[list[str]] = []

    @classmethod
    def exists(cls) -> bool:
        return True

    @classmethod
    def instance(cls) -> type[FakeRuntime]:
        return cls

    @classmethod
    def mark_session_nonresumable(cls, session_id: str) -> None:
        cls.marked.append(session_id)


def _script() -> None:
    from ui.frame import release_on_disconnect

    release_on_disconnect()


def test_each_session_is_marked_once(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeRuntime.marked = []
    monkeypatch.setattr(ui.frame, "Runtime", FakeRuntime)
    first = AppTest.from_function(_script).run()
    first.run()
    second = AppTest.from_function(_script).run()
    assert not first.exception
    assert not second.exception
    assert FakeRuntime.marked == ["test session id"] * 2  # AppTest's id; the rerun adds none


def test_without_a_server_nothing_is_marked(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeRuntime.marked = []
    monkeypatch.setattr(FakeRuntime, "exists", staticmethod(lambda: False))
    monkeypatch.setattr(ui.frame, "Runtime", FakeRuntime)
    app = AppTest.from_function(_script).run()
    assert not app.exception
    assert FakeRuntime.marked == []


def _cache_decorators() -> list[tuple[str, ast.Call | ast.Attribute]]:
    """Every ``st.cache_data``/``st.cache_resource`` decorator of the dashboard's code."""
    found = []
    for folder in ("pages", "ui", "views", "dashboard.py"):
        paths = [REPO / folder] if folder.endswith(".py") else sorted((REPO / folder).glob("*.py"))
        for path in paths:
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                for decorator in node.decorator_list:
                    target = decorator.func if isinstance(decorator, ast.Call) else decorator
                    if isinstance(target, ast.Attribute) and target.attr in CACHES:
                        found.append((f"{path.name}:{node.name}", decorator))
    return found


def test_every_cache_is_bounded_by_entries_and_time() -> None:
    decorators = _cache_decorators()
    assert len(decorators) >= 8, "the search finds the dashboard's caches"
    for name, decorator in decorators:
        assert isinstance(decorator, ast.Call), f"{name}: bare decorator, unbounded"
        keywords = {keyword.arg for keyword in decorator.keywords}
        assert {"max_entries", "ttl"} <= keywords, f"{name}: {sorted(keywords)}"
