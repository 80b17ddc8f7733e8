"""The shared HTTP session: User-Agent, retries with backoff, and Dutch errors."""

from __future__ import annotations

import pytest

from loaders.errors import SourceFormatError, SourceUnavailable
from loaders.http import USER_AGENT, make_session, request_json


def test_sends_user_agent_and_decodes_json(replay_server) -> None:
    replay_server.add("/ok", {"value": [1, 2]})
    assert request_json(make_session(), f"{replay_server.base_url}/ok", source="T") == {
        "value": [1, 2]
    }
    assert replay_server.requests[0]["headers"]["User-Agent"] == USER_AGENT


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_retries_transient_errors_then_succeeds(replay_server, status: int) -> None:
    replay_server.add("/x", "bezet", status=status, times=2, headers={"Retry-After": "0"})
    replay_server.add("/x", {"ok": True})
    session = make_session(retries=3, backoff=0.01)
    assert request_json(session, f"{replay_server.base_url}/x", source="T") == {"ok": True}
    assert len(replay_server.requests) == 3


def test_gives_up_after_retries_with_dutch_message(replay_server) -> None:
    replay_server.add("/x", "kapot", status=503)
    session = make_session(retries=2, backoff=0.01)
    with pytest.raises(SourceUnavailable) as caught:
        request_json(session, f"{replay_server.base_url}/x", source="CBS OData")
    assert "HTTP 503" in caught.value.user_message
    assert caught.value.user_message.startswith("CBS OData:")
    assert len(replay_server.requests) == 3


def test_client_error_is_not_retried(replay_server) -> None:
    replay_server.add("/x", "niet gevonden", status=404)
    with pytest.raises(SourceUnavailable, match="HTTP 404"):
        request_json(make_session(backoff=0.01), f"{replay_server.base_url}/x", source="T")
    assert len(replay_server.requests) == 1


def test_non_json_body_is_a_format_error(replay_server) -> None:
    replay_server.add("/x", "<html>onderhoud</html>", headers={"Content-Type": "text/html"})
    with pytest.raises(SourceFormatError, match="geen geldige JSON"):
        request_json(make_session(), f"{replay_server.base_url}/x", source="T")


def test_truncated_json_is_a_format_error(replay_server) -> None:
    replay_server.add("/x", b'{"value": [{"a": 1}, {"a"',
                      headers={"Content-Type": "application/json"})
    with pytest.raises(SourceFormatError):
        request_json(make_session(), f"{replay_server.base_url}/x", source="T")


def test_post_sends_form_data(replay_server) -> None:
    replay_server.add("/api/interpreter", {"elements": []})
    request_json(make_session(), f"{replay_server.base_url}/api/interpreter", source="Overpass",
                 data={"data": "[out:json];node(1);out;"})
    assert replay_server.requests[0]["method"] == "POST"
    assert b"data=" in replay_server.requests[0]["body"]


def test_blocked_network_is_a_dutch_connection_error() -> None:
    with pytest.raises(SourceUnavailable, match="geen verbinding"):
        request_json(make_session(retries=0), "http://192.0.2.1/x", source="PDOK",
                     timeout=(2, 2))
