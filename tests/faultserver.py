"""A real HTTP server on 127.0.0.1 that answers like every backend kiosk reads, or breaks on cue.

One server, one ephemeral port, a thread per connection (``http.server``). Each backend lives
under its own path prefix and answers well by default:

    /json/doc                           http_json: {"value": n}
    /prom/api/v1/query, …/query_range   prometheus: a vector, a matrix
    /es/<index>/_search                 opensearch: hits and a date histogram
    /rss/feed.xml                       rss: a feed with a new entry per request
    /ics/cal.ics                        ics: a calendar with one event
    /sse/events                         sse: an event {"value": n} every 50 ms, held open
    /masto/api/v1/timelines/tag/<tag>   mastodon: a post; …/streaming/hashtag: updates, held open

``server.fault(prefix, kind)`` makes every request under ``prefix`` (the longest prefix set
wins) fail in one of :data:`FAULTS`; ``server.fault(prefix, "ok")`` heals it. Used by
``tests/test_faults.py`` and ``benchmarks/fault_soak.py``.
"""

from __future__ import annotations

import itertools
import json
import os
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HUGE = 50 * 2**20  # bytes of the "huge" fault's body (or of its one event)
FAULTS = (
    "ok",
    "slow",  # the right answer, after SLOW seconds
    "http500",
    "429",  # Too Many Requests, Retry-After: RETRY_AFTER
    "truncated",  # Content-Length promises more than comes, then the connection closes
    "garbage",  # 200 with random bytes
    "wrong_json",  # 200 with JSON of the wrong shape
    "huge",  # 200 with a 50 MiB body (a 50 MiB event on a stream)
    "drop",  # the connection closes without an answer
    "trickle",  # the right answer, one byte every TRICKLE seconds
    "flap",  # every other request fails (HTTP 500)
    "cut",  # a stream breaks after a few events, as behind a proxy's timeout
)
SLOW = 3.0
TRICKLE = 0.05
RETRY_AFTER = 3
STREAM_EVERY = 0.05


class FaultServer:
    """The server and its faults; a context manager that starts and stops it."""

    def __init__(self) -> None:
        self.faults: dict[str, str] = {}
        self.requests: Counter[str] = Counter()  # per prefix with a fault set, and per path
        self.stopping = threading.Event()
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        owner = self

        class Handler(_Handler):
            server_state = owner

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def fault(self, prefix: str, kind: str) -> None:
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}")
        with self._lock:
            self.faults[prefix] = kind

    def fault_for(self, path: str, *, count: bool = True) -> tuple[str, str]:
        """The prefix and fault that apply to ``path``; ``count``: this is a new request."""
        with self._lock:
            prefixes = [p for p in self.faults if path.startswith(p)]
            prefix = max(prefixes, key=len, default="")
            kind = self.faults.get(prefix, "ok")
            if not count:
                return prefix, kind
            self.requests[prefix or path] += 1
            number = self.requests[prefix or path]
        if kind == "flap":
            kind = "http500" if number % 2 == 0 else "ok"
        return prefix, kind

    def next_number(self) -> int:
        return next(self._counter)


class _QuietServer(ThreadingHTTPServer):
    """A client hanging up mid-answer is what half the faults are about: not worth a traceback
    (socketserver prints one per reset connection, which buried the soak's report)."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_state: FaultServer

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the tests read their own logs

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self._answer()

    def _answer(self) -> None:
        state = self.server_state
        path = self.path.split("?", 1)[0]
        _, kind = state.fault_for(path)
        streamed = path.startswith(("/sse/", "/masto/api/v1/streaming"))
        try:
            if kind == "drop":
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
            elif kind in ("http500", "429"):
                extra = {"Retry-After": str(RETRY_AFTER)} if kind == "429" else {}
                self._send(500 if kind == "http500" else 429, b"{}", "application/json", extra)
            elif streamed:
                self._stream(path, kind)
            else:
                body, content_type = good_answer(path, self.path, state.next_number())
                self._polled(kind, body, content_type)
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True

    def _polled(self, kind: str, body: bytes, content_type: str) -> None:
        if kind == "slow":
            time.sleep(SLOW)
        if kind == "garbage":
            body = os.urandom(4096)
        elif kind == "wrong_json":
            body, content_type = b'[1, "two", {"three": null}]', "application/json"
        if kind == "huge":
            self._send_head(200, content_type, HUGE)
            block = b"x" * 2**20
            for _ in range(HUGE // len(block)):
                if self.server_state.stopping.is_set():
                    break
                self.wfile.write(block)
            self.close_connection = True
        elif kind in ("truncated", "cut"):
            self._send_head(200, content_type, len(body) + 1000)
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
        elif kind == "trickle":
            self._send_head(200, content_type, len(body))
            for byte in body:
                if self.server_state.stopping.is_set():
                    break
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(TRICKLE)
        else:
            self._send(200, body, content_type)

    def _stream(self, path: str, kind: str) -> None:
        """An event stream (chunked), held open until the client leaves, the server stops or
        the fault changes; a break is a close without the last chunk, as a dropped line."""
        state = self.server_state
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.close_connection = True
        started_as = state.fault_for(path, count=False)
        if kind == "slow":
            time.sleep(SLOW)
        for sent, event in enumerate(_events(path, state)):
            if state.stopping.is_set() or state.fault_for(path, count=False) != started_as:
                return  # a fault set or healed: break the line, so the client meets it
            if kind == "garbage":
                event = os.urandom(512)
            elif kind == "wrong_json":
                event = b'data: [1, "two", {"three": null}]\n\n'
            elif kind == "huge":
                self._chunk(b"data: ")
                block = b"x" * 2**20
                for _ in range(HUGE // len(block)):
                    self._chunk(block)
                self._chunk(b"\n\n")
                kind = "ok"  # one huge event, then good ones again
            elif kind == "truncated":
                self._chunk(event[: len(event) // 2])
                return  # the connection closes mid-event
            elif kind == "cut" and sent == 3:
                return
            if kind == "trickle":
                for byte in event:
                    self._chunk(bytes([byte]))
                    time.sleep(TRICKLE)
            else:
                self._chunk(event)
            time.sleep(STREAM_EVERY)

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _send_head(
        self, status: int, content_type: str, length: int, extra: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(length))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()

    def _send(
        self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None
    ) -> None:
        self._send_head(status, content_type, len(body), extra)
        self.wfile.write(body)


# -- good answers ------------------------------------------------------------------------------


def _events(path: str, state: FaultServer) -> Iterator[bytes]:
    for number in itertools.count():
        if path.startswith("/sse/"):
            yield f"id: {number}\ndata: {json.dumps({'value': number})}\n\n".encode()
        elif number % 5 == 0:
            yield b":thump\n\n"
        else:
            post = json.dumps(status(state.next_number()))
            yield f"event: update\ndata: {post}\n\n".encode()


def status(number: int, now: float | None = None) -> dict[str, Any]:
    """A Mastodon post about Acme."""
    created = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(now or time.time()))
    return {
        "id": str(10_000_000 + number),
        "uri": f"https://masto.example/statuses/{number}",
        "created_at": created,
        "content": f"<p>Acme news number {number} #acme</p>",
        "language": "en",
        "tags": [{"name": "acme"}],
        "account": {"acct": f"user{number % 50}", "display_name": "User", "followers_count": 3},
    }


def good_answer(path: str, full_path: str, number: int) -> tuple[bytes, str]:
    """The body and content type a healthy backend gives for ``path``."""
    now = time.time()
    answers: dict[str, Callable[[], Any]] = {
        "/json/": lambda: {"value": number},
        "/prom/api/v1/query_range": lambda: _prom_matrix(now),
        "/prom/api/v1/query": lambda: {
            "status": "success",
            "data": {"resultType": "vector", "result": [{"metric": {}, "value": [now, "42"]}]},
        },
        "/es/": lambda: _search_answer(now, number),
        "/masto/api/v1/timelines/": lambda: [status(number, now)],
    }
    for prefix, answer in answers.items():
        if path.startswith(prefix):
            return json.dumps(answer()).encode(), "application/json"
    if path.startswith("/rss/"):
        return _feed(number, now), "application/rss+xml"
    if path.startswith("/ics/"):
        return _calendar(now), "text/calendar"
    return b'{"error": "not found"}', "application/json"


def _prom_matrix(now: float) -> dict[str, Any]:
    values = [[now - 60 * i, str(i)] for i in range(30, 0, -1)]
    return {
        "status": "success",
        "data": {"resultType": "matrix", "result": [{"metric": {"job": "api"}, "values": values}]},
    }


def _search_answer(now: float, number: int) -> dict[str, Any]:
    buckets = [
        {"key": int((now - 3600 * i) // 3600 * 3600 * 1000), "doc_count": i} for i in range(6)
    ]
    return {
        "took": 1,
        "timed_out": False,
        "_shards": {"total": 1, "successful": 1, "failed": 0},
        "hits": {"total": {"value": number, "relation": "eq"}, "hits": []},
        "aggregations": {"per": {"buckets": buckets}},
    }


def _feed(number: int, now: float) -> bytes:
    stamp = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(now))
    items = "".join(
        f"<item><title>Headline {n}</title><link>https://news.example/{n}</link>"
        f"<guid>https://news.example/{n}</guid><pubDate>{stamp}</pubDate></item>"
        for n in range(max(0, number - 3), number + 1)
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>'
        f"<link>https://news.example/</link>{items}</channel></rss>"
    ).encode()


def _calendar(now: float) -> bytes:
    start = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now + 3600))
    end = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now + 7200))
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//faults//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:one@faults\r\nDTSTAMP:{start}\r\nDTSTART:{start}\r\nDTEND:{end}\r\n"
        "SUMMARY:Stand-up\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def fault_sources(url: str, polling: dict[str, Any], idle: str) -> dict[str, dict[str, Any]]:
    """One layout source of each HTTP type, all reading from the fault server at ``url``.

    ``polling``: the options every source gets (interval, timeout, backoff…); ``idle``: how long
    a silent SSE stream may stay open. Used by tests/test_faults.py and benchmarks/fault_soak.py.
    """
    return {
        "json": {"type": "http_json", "url": f"{url}/json/doc", **polling, "streams": {
            "value": {"kind": "metric", "path": "value"}}},
        "prom": {"type": "prometheus", "url": f"{url}/prom", **polling, "streams": {
            "up": {"kind": "metric", "query": "sum(up)"},
            "traffic": {"kind": "series", "query": "rate(x[5m])", "range": "30m",
                        "step": "1m", "label": "job"}}},
        "es": {"type": "opensearch", "url": f"{url}/es", "index": "mentions", **polling,
               "streams": {"count": {"kind": "metric"},
                           "per_hour": {"kind": "series", "range": "6h", "interval": "1h"}}},
        "news": {"type": "rss", "feeds": [f"{url}/rss/feed.xml"], **polling},
        "cal": {"type": "ics", "url": f"{url}/ics/cal.ics", **polling},
        "events": {"type": "sse", "url": f"{url}/sse/events", "idle": idle, **polling,
                   "streams": {"value": {"kind": "metric", "path": "value"}}},
        "masto": {"type": "mastodon", "instance": f"{url}/masto", "tags": ["acme"],
                  "stream": True, "brands": {"Acme": {"keywords": ["acme"]}}, **polling},
    }  # fmt: skip
