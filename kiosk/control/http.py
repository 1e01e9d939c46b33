"""The HTTP/1.1 server under the wall's control API: h11 parses and frames, asyncio streams carry.

Why not aiohttp, which served the API before: the API is a dozen JSON routes and three static files,
while importing aiohttp's server (and the client it brings) added 14 MB of PSS on top of the rest of
the stack, and a 1080p wall went from 153 to 144-145 MB without it (issue #14's goal for the whole
wall is 130 MB). h11, already in the process for httpx, does the protocol: request parsing, header
limits, keep-alive, chunked bodies, framing of the answers. What is here is the loop around it, in
the wall's own event loop (qasync), so handlers run on the UI thread between two paints, as before.

A request gets one answer, always: a body over ``max_body`` is refused with 413 before it is
read, a malformed request with 400, a route that is not there with 404 (405 for the wrong
method), and an exception in a handler with 500; the connection is then closed where the
protocol cannot go on. A connection idle for ``idle_timeout`` seconds is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, unquote

import h11

log = logging.getLogger(__name__)

READ_CHUNK = 64 * 1024
MAX_HEAD = 16 * 1024  # a head still incomplete past this (plus one read) is answered 431


@dataclass
class Request:
    """One request, its body read whole (never more than the server's ``max_body``)."""

    method: str
    path: str  # percent-decoded, as routes are matched
    query: dict[str, str]  # the first value of each name
    headers: dict[str, str]  # names in lower case
    remote: str
    body: bytes = b""
    match_info: dict[str, str] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)  # for middlewares (who is calling)

    @property
    def content_length(self) -> int | None:
        raw = self.headers.get("content-length", "")
        return int(raw) if raw.isdigit() else None


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


def json_response(data: Any, status: int = 200) -> Response:
    return Response(status, json.dumps(data).encode(), "application/json; charset=utf-8")


Handler = Callable[[Request], Awaitable[Response]]
# Wraps every request's handler, found or not: (request, handler) -> response.
Middleware = Callable[[Request, Handler], Awaitable[Response]]
# Builds the body of an answer the server gives by itself: (status, what is wrong) -> response.
Problem = Callable[[int, str], Response]

_PART = re.compile(r"\{(\w+)\}")


class Router:
    """Routes by method and path; ``{name}`` matches one path segment, into ``match_info``."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        parts = _PART.split(pattern)  # literal, name, literal, name, ...
        regex = "".join(
            re.escape(part) if i % 2 == 0 else f"(?P<{part}>[^/]+)" for i, part in enumerate(parts)
        )
        self._routes.append((method, re.compile(f"{regex}$"), handler))

    def get(self, pattern: str, handler: Handler) -> None:
        self.add("GET", pattern, handler)

    def post(self, pattern: str, handler: Handler) -> None:
        self.add("POST", pattern, handler)

    def resolve(self, method: str, path: str) -> tuple[Handler, dict[str, str]] | int:
        """The handler and the path's named parts, or 404 / 405."""
        wanted = "GET" if method == "HEAD" else method
        allowed = False
        for route_method, regex, handler in self._routes:
            found = regex.match(path)
            if found is None:
                continue
            if route_method == wanted:
                return handler, found.groupdict()
            allowed = True
        return 405 if allowed else 404


class Server:
    """Serves ``router`` on one address, through ``middleware``.

    Args:
        router: the routes.
        middleware: called for every request with the handler found (or one that answers 404
            or 405): authentication goes there.
        problem: builds the answers the server gives by itself (400, 404, 405, 413, 500).
        max_body: the longest body read; longer ones are answered 413 unread.
        idle_timeout: seconds a connection may wait between requests, or within one.
    """

    def __init__(
        self,
        router: Router,
        middleware: Middleware,
        problem: Problem,
        *,
        max_body: int,
        idle_timeout: float = 60.0,
    ) -> None:
        self.router = router
        self.middleware = middleware
        self.problem = problem
        self.max_body = max_body
        self.idle_timeout = idle_timeout
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()

    @property
    def address(self) -> tuple[str, int] | None:
        """The address listened on (the real port when 0 was asked for), or None."""
        if self._server is None or not self._server.sockets:
            return None
        host, port = self._server.sockets[0].getsockname()[:2]
        return str(host), int(port)

    async def start(
        self, host: str, port: int, *, ssl_context: ssl.SSLContext | None, backlog: int = 32
    ) -> None:
        """Listen. Raises OSError when the address cannot be bound."""
        self._server = await asyncio.start_server(
            self._serve, host, port, ssl=ssl_context, backlog=backlog, limit=READ_CHUNK
        )

    async def stop(self) -> None:
        """Stop listening and close every open connection."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for task in list(self._connections):
            task.cancel()
        if self._connections:
            await asyncio.wait(list(self._connections), timeout=5)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), timeout=5)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            await self._connection(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError, TimeoutError):
            pass  # the other end went away or stalled: nothing to answer
        except asyncio.CancelledError:
            pass  # stopping
        except Exception:  # a bug must cost one connection, not the wall
            log.exception("control API: a connection failed")
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), timeout=1)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD)
        peer = writer.get_extra_info("peername")
        remote = str(peer[0]) if isinstance(peer, tuple) and peer else "?"
        while True:
            try:
                event = await self._next(conn, reader)
            except h11.RemoteProtocolError as error:
                status = error.error_status_hint
                await self._answer_alone(conn, writer, status, str(error) or _phrase(status))
                return
            if isinstance(event, h11.ConnectionClosed):
                return
            assert isinstance(event, h11.Request)
            request = _request(event, remote)
            length = request.content_length
            if length is not None and length > self.max_body:
                await self._answer_alone(conn, writer, 413, f"body over {self.max_body} bytes")
                return
            if conn.they_are_waiting_for_100_continue:  # curl, for a body over 1 KiB
                writer.write(conn.send(h11.InformationalResponse(status_code=100, headers=[])))
            try:
                request.body = await self._body(conn, reader)
            except h11.RemoteProtocolError as error:
                await self._answer_alone(conn, writer, 400, str(error) or "bad request")
                return
            except _TooLargeError:
                await self._answer_alone(conn, writer, 413, f"body over {self.max_body} bytes")
                return
            response = await self._respond(request)
            await self._send(conn, writer, response, head_only=request.method == "HEAD")
            if conn.our_state is h11.MUST_CLOSE or conn.their_state is h11.MUST_CLOSE:
                return
            conn.start_next_cycle()

    async def _next(self, conn: h11.Connection, reader: asyncio.StreamReader) -> Any:
        """The next h11 event, reading as needed (ConnectionClosed at the end of the stream)."""
        while True:
            event = conn.next_event()
            if event is not h11.NEED_DATA:
                return event
            data = await asyncio.wait_for(reader.read(READ_CHUNK), self.idle_timeout)
            conn.receive_data(data)  # b"": the peer closed

    async def _body(self, conn: h11.Connection, reader: asyncio.StreamReader) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            event = await self._next(conn, reader)
            if isinstance(event, h11.Data):
                size += len(event.data)
                if size > self.max_body:
                    raise _TooLargeError
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                return b"".join(chunks)
            elif isinstance(event, h11.ConnectionClosed):
                raise ConnectionResetError("closed within a request body")

    async def _respond(self, request: Request) -> Response:
        found = self.router.resolve(request.method, request.path)
        handler: Handler
        if isinstance(found, int):
            status = found

            async def missing(request: Request) -> Response:
                return self.problem(status, _phrase(status))

            handler = missing
        else:
            handler, request.match_info = found
        try:
            return await self.middleware(request, handler)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("control API: %s %s failed", request.method, request.path)
            return self.problem(500, "internal error; see the wall's log")

    async def _answer_alone(
        self, conn: h11.Connection, writer: asyncio.StreamWriter, status: int, text: str
    ) -> None:
        """An answer the server gives without a handler, then the connection closes."""
        if conn.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
            return
        response = self.problem(status, text)
        response.headers["Connection"] = "close"
        await self._send(conn, writer, response, head_only=False)

    async def _send(
        self,
        conn: h11.Connection,
        writer: asyncio.StreamWriter,
        response: Response,
        *,
        head_only: bool,
    ) -> None:
        headers = [
            ("Content-Type", response.content_type),
            ("Content-Length", str(len(response.body))),
            *response.headers.items(),
        ]
        reason = _phrase(response.status).encode()
        data = conn.send(h11.Response(status_code=response.status, headers=headers, reason=reason))
        if response.body and not head_only:
            data += conn.send(h11.Data(data=response.body))
        data += conn.send(h11.EndOfMessage())
        writer.write(data)
        await asyncio.wait_for(writer.drain(), self.idle_timeout)


class _TooLargeError(Exception):
    pass


def _phrase(status: int) -> str:
    """The status line's words ("Not Found"), also the error text of an answer the server
    gives by itself."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _request(event: h11.Request, remote: str) -> Request:
    target = event.target.decode("ascii", "replace")
    raw_path, _, raw_query = target.partition("?")
    query: dict[str, str] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        query.setdefault(name, value)
    headers: dict[str, str] = {}
    for raw_name, raw_value in event.headers:
        key = raw_name.decode("latin-1")  # h11 gives names in lower case
        text = raw_value.decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    return Request(
        method=event.method.decode("ascii", "replace"),
        path=unquote(raw_path),
        query=query,
        headers=headers,
        remote=remote,
    )
