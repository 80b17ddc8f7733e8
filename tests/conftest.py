"""Shared test set-up: the network is blocked, responses are replayed from a local server.

Tests that need the real internet carry ``@pytest.mark.live`` and only run with ``--live``.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from streamlit.runtime.media_file_manager import MediaFileManager

from analysis.network import RoadGraph, graph_from_road_edges
from loaders.http import make_session
from loaders.roads import read_road_edges
from tests.e2e.helpers import SCREENSHOTS_ENV

if TYPE_CHECKING:
    from loaders.store import Store
    from views.factsheet import FactsheetData

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("ONTMOETINGSKAART_SHARED", REPO.parent / "shared" / "data"))
LOCAL_HOSTS = {"127.0.0.1", "::1", "localhost"}
SLOW_FIRST = ("e2e", "test_bench_smoke.py")
"""Modules that take a minute each (Chromium against a server, the benchmarks' smoke runs):
collected first, so that pytest-xdist starts them first and the short modules fill the end of
the run instead of one worker finishing a long module alone."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--live", action="store_true", help="run tests that call the real APIs")
    parser.addoption("--screenshots", action="store_true",
                     help="browser tests save screenshots in test-artifacts/ (slower)")


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--screenshots"):
        os.environ[SCREENSHOTS_ENV] = "1"  # read by the browser tests, in every xdist worker
    config.addinivalue_line("markers", "live: calls the real public APIs (needs --live)")
    config.addinivalue_line("markers", "e2e: starts streamlit and drives headless Chromium")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: not any(part in SLOW_FIRST for part in item.path.parts))
    if config.getoption("--live"):
        return
    skip_live = pytest.mark.skip(reason="live test: run with --live on a machine with internet")
    for item in items:
        if "live" in item.keywords:
            item.add_marker(skip_live)


@pytest.fixture(autouse=True)
def block_network(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse every connection that does not go to this machine (as osmnx's tests do)."""
    if "live" in request.keywords:
        return
    real_connect = socket.socket.connect

    def guarded_connect(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else str(address)
        if self.family == socket.AF_UNIX or host in LOCAL_HOSTS:
            return real_connect(self, address)
        raise ConnectionRefusedError(f"network blocked in tests: {address!r}")

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


@cache
def osm_graph(path: Path, mode: str) -> RoadGraph:
    """The routable graph of an OSM file, read once per (file, mode) for the whole session."""
    return graph_from_road_edges(read_road_edges(path, mode), source=Path(path).name)


@dataclass(frozen=True)
class Deferred:
    """A download button's file: its name, media type and the callable that makes it."""

    file_name: str
    mime: str
    build: Callable[[], object]


@pytest.fixture
def deferred(monkeypatch: pytest.MonkeyPatch) -> dict[str, Deferred]:
    """File name → :class:`Deferred` of every deferred download button of the runs so far.

    Pages make large files only when a button is clicked; a test 'clicks' one by calling its
    ``build``.
    """
    seen: dict[str, Deferred] = {}
    original = MediaFileManager.add_deferred

    def spy(self: MediaFileManager, data_callable: Callable[[], object], mimetype: str | None,
            coordinates: str, file_name: str | None = None, **kwargs: object) -> str:
        seen[file_name or ""] = Deferred(file_name or "", mimetype or "", data_callable)
        return original(self, data_callable, mimetype, coordinates, file_name=file_name,
                        **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", spy)
    return seen


@pytest.fixture
def quick_session() -> Iterator[requests.Session]:
    """A session without retries, so replayed HTTP errors come back at once."""
    session = make_session(retries=0, backoff=0)
    yield session
    session.close()


@pytest.fixture
def shared_data() -> Path:
    """The folder with the real public data files (``../shared/data``); fails when absent."""
    if not (SHARED_DATA / "PROVENANCE.md").is_file():
        pytest.fail(f"shared data folder not found at {SHARED_DATA}; set ONTMOETINGSKAART_SHARED")
    return SHARED_DATA


@pytest.fixture
def no_browser(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine without Chrome/Chromium, and no browser left warm by an earlier test."""
    from rendering import images

    monkeypatch.setattr(images, "find_browser", lambda: None)
    monkeypatch.setattr(images, "_WARM", images._WarmBrowser())


# The factsheet tests (test_factsheet, test_kern_factsheet) share the next three fixtures; a
# module's own fixture of the same name wins over these.


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The national store holding Aa en Hunze (read only)."""
    from loaders.store import Store
    from tests.region_stores import demo_region_store

    return Store(demo_region_store(tmp_path_factory, "aa-en-hunze"))


@pytest.fixture(scope="module")
def data(store: Store) -> FactsheetData:
    """The factsheet input of Aa en Hunze: cycling distances, RIVM figures of 2020."""
    from reports.factsheets import load_factsheet_data
    from tests.region_stores import REGION

    return load_factsheet_data(store, REGION, mode="bike", jaar=2020)


@pytest.fixture(scope="module")
def browser() -> Iterator[None]:
    """Chrome/Chromium for static images (the test fails without one), shut after the module."""
    from rendering import images

    if images.find_browser() is None:
        pytest.fail("no Chrome/Chromium found: install Debian's chromium (scripts/test.sh does)")
    yield
    images.shutdown()


@dataclass
class Route:
    """One canned answer of the replay server."""

    path: str
    body: bytes
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    match: Callable[[dict[str, list[str]]], bool] | None = None
    times: int | None = None


@dataclass
class ReplayServer:
    """A local HTTP server that answers with recorded responses, in registration order."""

    base_url: str
    routes: list[Route] = field(default_factory=list)
    requests: list[dict[str, object]] = field(default_factory=list)

    def add(
        self,
        path: str,
        body: object,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        match: Callable[[dict[str, list[str]]], bool] | None = None,
        times: int | None = None,
    ) -> None:
        """Answer requests for ``path`` (and, if given, whose query ``match``es) with ``body``.

        ``body`` may be bytes, str, or a JSON-serialisable object. ``times`` limits how often
        the route answers, so that a 503 followed by a 200 can be replayed.
        """
        if isinstance(body, bytes):
            raw = body
        elif isinstance(body, str):
            raw = body.encode("utf-8")
        else:
            raw = json.dumps(body).encode("utf-8")
        hdrs = {"Content-Type": "application/json"} if not isinstance(body, (bytes, str)) else {}
        hdrs.update(headers or {})
        self.routes.append(Route(path, raw, status, hdrs, match, times))

    def lookup(self, path: str, query: dict[str, list[str]]) -> Route | None:
        for route in self.routes:
            if route.path != path or (route.times is not None and route.times <= 0):
                continue
            if route.match is not None and not route.match(query):
                continue
            if route.times is not None:
                route.times -= 1
            return route
        return None


@pytest.fixture
def replay_server() -> Iterator[ReplayServer]:
    """Start a :class:`ReplayServer` on 127.0.0.1; requests are recorded in ``.requests``."""
    server_state: dict[str, ReplayServer] = {}

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            state = server_state["s"]
            parts = urlsplit(self.path)
            query = parse_qs(parts.query, keep_blank_values=True)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            state.requests.append(
                {"method": self.command, "path": parts.path, "query": query, "body": body,
                 "headers": dict(self.headers)}
            )
            route = state.lookup(parts.path, query)
            if route is None:
                self.send_response(404)
                self.end_headers()
                self.wfile.write(b"no route")
                return
            self.send_response(route.status)
            for key, value in route.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            self.wfile.write(route.body)

        do_GET = _answer  # noqa: N815 - the method name http.server dispatches to
        do_POST = _answer  # noqa: N815 - the method name http.server dispatches to

        def log_message(self, _format: str, *_args: object) -> None:
            """Log nothing: a replayed request is not news."""
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server_state["s"] = ReplayServer(base_url=f"http://127.0.0.1:{httpd.server_address[1]}")
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield server_state["s"]
    finally:
        httpd.shutdown()
        httpd.server_close()
