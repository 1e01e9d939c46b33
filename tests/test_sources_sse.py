"""The sse source: events into streams, resuming with Last-Event-ID after a drop."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kiosk.hub import Hub, SourceState
from kiosk.sources.sse import SseSource
from kiosk.values import Metric, Ranking
from tests.http_fakes import Backend, FakeTime, make_source, run
from tests.test_sources_http import value

URL = "https://events.example.com/stream"
STREAMS = {
    "visitors": {"kind": "metric", "path": "visitors", "event": "stats"},
    "top": {"kind": "ranking", "path": "pages", "label": "url", "value": "views"},
}


def events(*lines: str, drop: bool = False) -> httpx.Response:
    """An event stream; with ``drop`` the connection breaks after the last line."""

    async def body() -> AsyncIterator[bytes]:
        for line in lines:
            yield (line + "\n").encode()
        if drop:
            raise httpx.ReadError("connection reset")

    headers = {"content-type": "text/event-stream"}
    return httpx.Response(200, headers=headers, stream=_Stream(body))


class _Stream(httpx.AsyncByteStream):
    def __init__(self, make: Any) -> None:
        self.make = make

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self.make():
            yield chunk


def sse(backend: Backend, time: FakeTime, tmp_path: Path) -> tuple[SseSource, Hub]:
    options = {"type": "sse", "url": URL, "streams": STREAMS}
    return make_source(SseSource, "api", options, backend, time, tmp_path)


def data(event: str, payload: Any, event_id: str | None = None) -> list[str]:
    lines = [f"event: {event}"] if event else []
    if event_id:
        lines.append(f"id: {event_id}")
    return [*lines, f"data: {json.dumps(payload)}", ""]


def test_events_feed_their_streams_and_a_drop_resumes_from_the_last_id(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    first = events(
        ": keep-alive",
        *data("stats", {"visitors": 120}, "1"),
        *data("", {"pages": [{"url": "/a", "views": 5}, {"url": "/b", "views": 9}]}, "2"),
        *data("other", {"visitors": 999}, "3"),  # not a stats event: visitors stays 120
        "data: {not json",
        "",
        drop=True,
    )
    second = events(*data("stats", {"visitors": 130}, "4"), "retry: 5000", "")
    backend = Backend(first, second)
    time = FakeTime(polls=2)
    source, hub = sse(backend, time, tmp_path)
    run(source)
    assert [r.headers.get("Last-Event-ID") for r in backend.requests] == [None, "3"]
    visitors: Metric = value(hub, "api.visitors")
    assert visitors.value == 130.0
    top: Ranking = value(hub, "api.top")
    assert [e.label for e in top.entries] == ["/b", "/a"]
    # Dropped after events came (values current, a routine reconnect), then a clean end.
    assert time.states == [SourceState.OK, SourceState.OK]
    assert time.sleeps[1] == 5.0  # the server's retry: after a clean end
    messages = [r.getMessage() for r in caplog.records]
    assert sum("not JSON" in m for m in messages) == 1
    # The last id is kept on disk: a restart resumes there too.
    restarted, _ = sse(Backend(events("")), FakeTime(polls=1), tmp_path)
    restarted.restore()
    assert restarted.last_event_id == "4"


def test_a_dead_or_wrong_server_fails_without_raising(tmp_path: Path) -> None:
    backend = Backend(
        httpx.ConnectError("refused"),
        httpx.Response(200, text="<html>hi</html>", headers={"content-type": "text/html"}),
        httpx.Response(503),
    )
    time = FakeTime(polls=3)
    source, hub = sse(backend, time, tmp_path)
    run(source)
    assert len(backend.requests) == 3
    assert hub.status("api").state in (SourceState.STALE, SourceState.FAILED)
    assert hub.sample("api.visitors") is None
