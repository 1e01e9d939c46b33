"""The control API's HTTP server (kiosk.control.http) at the protocol's edges, over real sockets.

What the API's own tests (test_control_api.py, through httpx) cannot send: malformed requests,
oversized heads, chunked bodies over the limit, a client that stalls or never ends its request.
Each gets an answer or a closed connection, and the server goes on serving the others.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

from kiosk.control.http import Handler, Request, Response, Router, Server, json_response

T = TypeVar("T")


def problem(status: int, error: str) -> Response:
    return json_response({"error": error}, status)


async def echo(request: Request) -> Response:
    return json_response(
        {
            "path": request.path,
            "query": request.query,
            "body": request.body.decode(),
            "match": request.match_info,
            "remote": request.remote,
        }
    )


async def boom(request: Request) -> Response:
    raise RuntimeError("a bug in a handler")


async def passthrough(request: Request, handler: Handler) -> Response:
    return await handler(request)


def run(scenario: Callable[[Server, str], Awaitable[T]], *, idle_timeout: float = 5.0) -> T:
    async def main() -> T:
        routes = Router()
        routes.post("/echo", echo)
        routes.get("/things/{name}/detail", echo)
        routes.get("/boom", boom)
        server = Server(routes, passthrough, problem, max_body=1000, idle_timeout=idle_timeout)
        await server.start("127.0.0.1", 0, ssl_context=None)
        try:
            assert server.address is not None
            return await scenario(server, f"http://127.0.0.1:{server.address[1]}")
        finally:
            await server.stop()

    return asyncio.run(main())


async def raw(server: Server, data: bytes, *, read_for: float = 2.0) -> bytes:
    """What the server answers to ``data`` sent as is, until it closes or ``read_for`` ends."""
    assert server.address is not None
    reader, writer = await asyncio.open_connection(*server.address)
    writer.write(data)
    await writer.drain()
    got = b""
    try:
        while chunk := await asyncio.wait_for(reader.read(65536), read_for):
            got += chunk
    except TimeoutError:
        pass
    writer.close()
    return got


def status_and_json(answer: bytes) -> tuple[int, Any]:
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


def test_routes_queries_bodies_and_the_answers_the_server_gives_itself() -> None:
    async def scenario(server: Server, url: str) -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=url, timeout=5) as client:
            return {
                "echo": (await client.post("/echo?a=1&a=2&b=", content=b"hi")).json(),
                "match": (await client.get("/things/caf%C3%A9/detail")).json()["match"],
                "head": await client.head("/things/x/detail"),
                "missing": await client.get("/nothing"),
                "method": await client.get("/echo"),
                "big": await client.post("/echo", content=b"x" * 1001),
                "boom": await client.get("/boom"),
                "after": (await client.post("/echo", content=b"still")).json()["body"],
            }

    got = run(scenario)
    assert got["echo"]["query"] == {"a": "1", "b": ""}  # the first value of a name
    assert got["echo"]["body"] == "hi" and got["echo"]["remote"] == "127.0.0.1"
    assert got["match"] == {"name": "café"}
    assert got["head"].status_code == 200 and got["head"].content == b""
    assert int(got["head"].headers["content-length"]) > 0  # what GET would send
    for name, status in (("missing", 404), ("method", 405), ("big", 413), ("boom", 500)):
        answer = got[name]
        assert answer.status_code == status, name
        assert answer.headers["content-type"].startswith("application/json")
        assert answer.json()["error"]
    assert got["after"] == "still"  # a failed handler cost one request, not the server


def test_malformed_oversized_and_chunked_requests_are_answered_and_closed() -> None:
    async def scenario(server: Server, url: str) -> dict[str, bytes]:
        chunked_over = (
            b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            + b"".join(b"100\r\n" + b"y" * 256 + b"\r\n" for _ in range(5))
            + b"0\r\n\r\n"
        )
        chunked_ok = (
            b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
        )
        return {
            "garbage": await raw(server, b"GARBAGE\r\n\r\n"),
            "no_host": await raw(server, b"GET /things/a/detail HTTP/1.1\r\n\r\n"),
            "head_too_big": await raw(
                server, b"GET / HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 100_000 + b"\r\n\r\n"
            ),
            "length_over": await raw(
                server, b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n"
            ),
            "chunked_over": await raw(server, chunked_over),
            "chunked_ok": await raw(server, chunked_ok, read_for=0.5),
            "expect": await raw(
                server,
                b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                b"Expect: 100-continue\r\n\r\nok",
                read_for=0.5,
            ),
        }

    got = run(scenario)
    assert status_and_json(got["garbage"])[0] == 400
    assert status_and_json(got["no_host"])[0] == 400
    assert status_and_json(got["head_too_big"])[0] == 431
    assert status_and_json(got["length_over"])[0] == 413  # answered before the body came
    assert status_and_json(got["chunked_over"])[0] == 413
    status, body = status_and_json(got["chunked_ok"])
    assert (status, body["body"]) == (200, "abcde")
    interim, _, final = got["expect"].partition(b"\r\n\r\n")
    assert interim.startswith(b"HTTP/1.1 100 ")  # as curl waits for before sending a body
    status, body = status_and_json(final)
    assert (status, body["body"]) == (200, "ok")


def test_a_stalled_client_neither_blocks_others_nor_stays_forever() -> None:
    async def scenario(server: Server, url: str) -> tuple[bytes, int, bytes]:
        assert server.address is not None
        reader, writer = await asyncio.open_connection(*server.address)
        writer.write(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
        await writer.drain()  # and never the rest
        async with httpx.AsyncClient(base_url=url, timeout=5) as client:
            other = (await client.post("/echo", content=b"meanwhile")).status_code
        idle_reader, idle_writer = await asyncio.open_connection(*server.address)
        closed = await asyncio.wait_for(reader.read(), 5)  # the idle timeout ends it
        idle_closed = await asyncio.wait_for(idle_reader.read(), 5)
        writer.close()
        idle_writer.close()
        return closed, other, idle_closed

    stalled, other, idle = run(scenario, idle_timeout=0.5)
    assert other == 200
    assert stalled == b"" and idle == b""


def test_stop_closes_connections_kept_alive() -> None:
    async def scenario(server: Server, url: str) -> tuple[bytes, bool]:
        assert server.address is not None
        reader, writer = await asyncio.open_connection(*server.address)
        writer.write(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()
        first = await reader.readuntil(b'"remote": "127.0.0.1"}')
        await asyncio.wait_for(server.stop(), 5)
        rest = await asyncio.wait_for(reader.read(), 5)  # closed by the server, not hung
        writer.close()
        return first, rest == b""

    first, closed = run(scenario)
    assert first.startswith(b"HTTP/1.1 200 OK\r\n")
    assert closed
