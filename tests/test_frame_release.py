"""ui.frame: a session is released as soon as its browser goes, so its memory comes back."""

from __future__ import annotations

from typing import ClassVar

import pytest
from streamlit.testing.v1 import AppTest

import ui.frame


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
    assert not first.exception and not second.exception
    assert FakeRuntime.marked == ["test session id"] * 2  # AppTest's id; the rerun adds none


def test_without_a_server_nothing_is_marked(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeRuntime.marked = []
    monkeypatch.setattr(FakeRuntime, "exists", classmethod(lambda cls: False))
    monkeypatch.setattr(ui.frame, "Runtime", FakeRuntime)
    app = AppTest.from_function(_script).run()
    assert not app.exception
    assert FakeRuntime.marked == []
