"""The HTTP API served by a wall on three simulated monitors, in the wall's own qasync loop.

lobby on HDMI-1 (groups execs), care on DP-1 (groups support, execs), pr on HDMI-2. Requests go
through a real socket with httpx, as ``kiosk ctl`` sends them.
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.app import Runtime
from kiosk.config import parse_layout
from kiosk.control.api import MAX_BODY
from kiosk.control.audit import AuditLog
from kiosk.control.commands import CommandError, Directory, validate
from kiosk.screens.commands import WallCommands, serve_commands
from kiosk.screens.message import MessageCard
from kiosk.screens.wall import Wall
from tests.qt_loop import in_qt_loop

T = TypeVar("T")
PAGES = "[{title: Pulse, duration: 1h}, {title: Brand pulse, duration: 1h}]"
SCREENS = f"""
screens:
  - {{name: lobby, match: {{connector: HDMI-1}}, groups: [execs], pages: {PAGES}}}
  - {{name: care, match: {{connector: "DP-*"}}, groups: [support, execs], pages: {PAGES}}}
  - {{name: pr, match: {{connector: HDMI-2}}, pages: {PAGES}}}
"""
OPS, VIEWER = "ops-0123456789abcdef", "view-0123456789abcdef"
TOKENS = f"""
control:
  listen: 0.0.0.0:8700
  tokens:
    ops: {{token: {OPS}, scopes: [view, operate]}}
    wallboard: {{token: {VIEWER}, scopes: [view]}}
"""
DIRECTORY = Directory.of(parse_layout(SCREENS).screens)


@pytest.fixture
def make_wall(qtbot: QtBot) -> Iterator[Callable[[str], Wall]]:
    walls: list[Wall] = []

    def make(text: str) -> Wall:
        layout = parse_layout(text)
        wall = Wall(layout, Runtime(layout).hub)
        wall.bind()
        walls.append(wall)
        return wall

    yield make
    for wall in walls:
        wall.close()


Scenario = Callable[[httpx.AsyncClient, WallCommands], Awaitable[T]]


def serve(qapp: QApplication, wall: Wall, audit: Path, scenario: Scenario[T]) -> T:
    """Run ``scenario`` with a client of the wall's API (on a free port of 127.0.0.1)."""

    async def main() -> T:
        commands, server = await serve_commands(
            wall,
            wall.layout.control.model_copy(update={"listen": "127.0.0.1:0"}),
            AuditLog(audit),
            port=0,
        )
        assert server is not None
        try:
            async with httpx.AsyncClient(base_url=server.url, timeout=5) as client:
                return await scenario(client, commands)
        finally:
            await server.stop()
            commands.close()

    return in_qt_loop(qapp, main)


def cards_shown(wall: Wall) -> set[str]:
    return {
        name
        for name, window in wall.screen_windows.items()
        if any(card.isVisible() for card in window.findChildren(MessageCard))
    }


def test_a_message_sent_over_http_shows_on_its_screens_and_ends(
    qapp: QApplication, make_wall: Callable[[str], Wall], tmp_path: Path
) -> None:
    wall = make_wall(SCREENS)

    async def scenario(client: httpx.AsyncClient, commands: WallCommands) -> None:
        answer = await client.post(
            "/v1/commands",
            json={
                "command": "message",
                "to": ["support", "pr"],
                "headline": "Queue: 40",
                "tone": "critical",
                "duration": "1s",
            },
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["screens"] == ["care", "pr"]
        assert cards_shown(wall) == {"care", "pr"}
        window = wall.screen_windows["pr"]
        card = window.findChildren(MessageCard)[0]
        image = window.grab().toImage()
        point = card.geometry().center()
        assert image.pixelColor(point.x(), card.geometry().top() + 4).name() == "#ff6b3d"
        status = (await client.get("/v1/status")).json()
        assert status["screens"]["pr"]["message"]["headline"] == "Queue: 40"
        assert status["screens"]["lobby"]["message"] is None
        shot = await client.get("/v1/screens/care/screenshot")
        assert shot.headers["content-type"] == "image/png"
        assert QImage.fromData(shot.content).size().toTuple() == (1080, 1920)
        deadline = time.monotonic() + 3
        while cards_shown(wall) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert cards_shown(wall) == set()
        spec = (await client.get("/openapi.json")).json()
        assert "message" in json.dumps(spec["components"]["schemas"]["Command"])

    serve(qapp, wall, tmp_path / "audit.jsonl", scenario)
    audit = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert [(a["who"], a["command"], a["screens"]) for a in audit] == [
        ("local", "message", ["care", "pr"])
    ]


def test_tokens_and_scopes(
    qapp: QApplication, make_wall: Callable[[str], Wall], tmp_path: Path
) -> None:
    wall = make_wall(SCREENS + TOKENS)
    pin = {"command": "pin", "to": ["lobby"], "page": "Brand pulse"}

    async def scenario(client: httpx.AsyncClient, commands: WallCommands) -> dict[str, Any]:
        def bearer(token: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {token}"}

        answers = {
            "none": await client.post("/v1/commands", json=pin),
            "bad": await client.post("/v1/commands", json=pin, headers=bearer(OPS + "x")),
            "viewer_pins": await client.post("/v1/commands", json=pin, headers=bearer(VIEWER)),
            "viewer_status": await client.get("/v1/status", headers=bearer(VIEWER)),
            "huge": await client.post(
                "/v1/commands", content=b"{" + b" " * MAX_BODY + b"}", headers=bearer(OPS)
            ),
            "typo": await client.post(
                "/v1/commands", json={**pin, "page": "Brand puls"}, headers=bearer(OPS)
            ),
            "not_json": await client.post("/v1/commands", content=b"{", headers=bearer(OPS)),
            "nowhere": await client.get("/v2/nothing", headers=bearer(OPS)),
            "ops_pins": await client.post("/v1/commands", json=pin, headers=bearer(OPS)),
        }
        return {name: (a.status_code, a.json()) for name, a in answers.items()}

    got = serve(qapp, wall, tmp_path / "audit.jsonl", scenario)
    assert {name: status for name, (status, _) in got.items()} == {
        "none": 401,
        "bad": 401,
        "viewer_pins": 403,
        "viewer_status": 200,
        "huge": 413,
        "typo": 422,
        "not_json": 400,
        "nowhere": 404,
        "ops_pins": 200,
    }
    assert got["typo"][1]["issues"][0]["path"] == ["page"]
    assert "Brand pulse" in got["typo"][1]["issues"][0]["message"]
    assert "operate" in got["viewer_pins"][1]["error"]
    assert wall.screen_windows["lobby"].pinned == 1
    audit = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert [(a["who"], a["command"]) for a in audit] == [("ops", "pin")]


def hostile_requests(rng: random.Random, count: int) -> list[tuple[dict[str, str], bytes]]:
    """Malformed or unauthorised requests: bad tokens, a viewer operating, random JSON, wrong
    types, unknown targets and pages, bodies over the limit."""
    good = {"Authorization": f"Bearer {OPS}"}
    viewer = {"Authorization": f"Bearer {VIEWER}"}
    commands = [
        "message",
        "pin",
        "next",
        "previous",
        "unpin",
        "blank",
        "wake",
        "identify",
        "end_message",
        "screenshot",
        "status",
        "emergency",
        "",
        None,
        7,
    ]
    junk: list[Any] = [None, True, -1, 1e308, "", "x" * 300, [], {}, ["lobby"], {"a": 1}, "5m"]
    requests = []
    for _ in range(count):
        kind = rng.randrange(6)
        body: dict[str, Any] = {"command": rng.choice(commands)}
        for key in rng.sample(
            [
                "to",
                "headline",
                "page",
                "tone",
                "duration",
                "id",
                "screen",
                "seconds",
                "body",
                "until",
                "extra",
            ],
            rng.randrange(4),
        ):
            body[key] = rng.choice(junk)
        headers = good
        if kind == 0:  # a real command, bad or missing token
            headers = rng.choice(
                [
                    {},
                    {"Authorization": "Bearer " + OPS[:-1]},
                    {"Authorization": OPS},
                    {"Authorization": "Basic b3BzOm9wcw=="},
                ]
            )
            body = {"command": "blank", "to": ["all"]}
        elif kind == 1:  # a real command from a view-only token
            headers = viewer
            body = {"command": "message", "headline": "hi"}
        elif kind == 2:  # unknown targets and pages
            body = {
                "command": rng.choice(["pin", "blank", "message"]),
                "headline": "x",
                "page": rng.choice(["Nope", 99]),
                "to": [rng.choice(["lobbyy", "ALL", "#1"])],
            }
        elif kind == 3:  # over the limit
            raw = b'{"command": "message", "headline": "' + b"a" * (MAX_BODY + 1) + b'"}'
            requests.append((headers, raw))
            continue
        elif kind == 4:  # not JSON, or not an object
            raw = rng.choice(
                [
                    b"",
                    b"{",
                    b"\xff\xfe",
                    b"[1,2]",
                    b"null",
                    b'"blank"',
                    bytes(rng.randrange(256) for _ in range(40)),
                ]
            )
            requests.append((headers, raw))
            continue
        try:  # random fields can make a valid command (blank: to defaults to all): spoil it
            validate(body, DIRECTORY)
            body["extra"] = 1
        except CommandError:
            pass
        requests.append((headers, json.dumps(body).encode()))
    return requests


def wall_state(wall: Wall, commands: WallCommands) -> object:
    return (
        sorted(commands.messages),
        sorted(wall.blanked),
        [(n, w.pinned, w.current_index, w.awake) for n, w in wall.screen_windows.items()],
        len(wall.identify_cards),
        cards_shown(wall),
    )


def test_a_thousand_hostile_requests_change_nothing(
    qapp: QApplication, make_wall: Callable[[str], Wall], tmp_path: Path
) -> None:
    # Without the wrong-token limit: every kind of bad request must reach its own check.
    wall = make_wall(SCREENS + TOKENS + "  failed_tokens_per_minute: 0\n")
    requests = hostile_requests(random.Random(7), 1000)

    async def scenario(client: httpx.AsyncClient, commands: WallCommands) -> dict[int, int]:
        before = wall_state(wall, commands)
        statuses: dict[int, int] = {}
        for headers, raw in requests:
            answer = await client.post("/v1/commands", content=raw, headers=headers)
            statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
            assert answer.headers["content-type"].startswith("application/json")
        assert wall_state(wall, commands) == before
        ok = await client.get("/v1/status", headers={"Authorization": f"Bearer {VIEWER}"})
        assert ok.status_code == 200  # still serving
        return statuses

    started = time.perf_counter()
    statuses = serve(qapp, wall, tmp_path / "audit.jsonl", scenario)
    took = time.perf_counter() - started
    print(
        f"\n{len(requests)} hostile requests in {took:.1f} s: {dict(sorted(statuses.items()))}; "
        f"0 state changes, 0 crashes"
    )
    assert sum(statuses.values()) == len(requests)
    assert all(400 <= status < 500 for status in statuses)
    assert not (tmp_path / "audit.jsonl").exists()


def test_an_address_that_keeps_guessing_tokens_is_refused_for_a_minute(
    qapp: QApplication, make_wall: Callable[[str], Wall], tmp_path: Path
) -> None:
    wall = make_wall(SCREENS + TOKENS + "  failed_tokens_per_minute: 5\n")
    status = {"command": "status"}

    async def scenario(client: httpx.AsyncClient, commands: WallCommands) -> list[Any]:
        good = {"Authorization": f"Bearer {VIEWER}"}
        before = (await client.post("/v1/commands", json=status, headers=good)).status_code
        guesses = [
            (await client.post("/v1/commands", json=status, headers={"Authorization": h}))
            for h in [f"Bearer guess-{n:016d}" for n in range(5)] + ["", "Basic abc"]
        ]
        after = await client.post("/v1/commands", json=status, headers=good)
        page = await client.get("/")  # the page holds no data: still served
        return [before, [g.status_code for g in guesses], after, page.status_code]

    before, guesses, after, page = serve(qapp, wall, tmp_path / "audit.jsonl", scenario)
    assert before == 200
    assert guesses == [401] * 5 + [429, 429]
    assert after.status_code == 429  # the right token too: a guess that hits costs the same
    assert 1 <= int(after.headers["Retry-After"]) <= 60
    assert "too many wrong tokens" in after.json()["error"]
    assert page == 200


def test_command_to_pixels_latency(
    qapp: QApplication, make_wall: Callable[[str], Wall], tmp_path: Path
) -> None:
    wall = make_wall(SCREENS)
    tones = {"warning": "#f2c14e", "critical": "#ff6b3d"}

    async def scenario(client: httpx.AsyncClient, commands: WallCommands) -> list[float]:
        window = wall.screen_windows["lobby"]
        took = []
        for i in range(50):
            tone = "warning" if i % 2 else "critical"
            started = time.perf_counter()
            answer = await client.post(
                "/v1/commands",
                json={"command": "message", "to": ["lobby"], "headline": f"n{i}", "tone": tone},
            )
            while True:  # until the grab of the window shows the card in its tone
                card = next(c for c in window.findChildren(MessageCard) if c.isVisible())
                image = window.grab().toImage()
                geometry = card.geometry()
                if (
                    image.pixelColor(geometry.center().x(), geometry.top() + 4).name()
                    == tones[tone]
                ):
                    break
                await asyncio.sleep(0)
            took.append((time.perf_counter() - started) * 1000)
            await client.post(
                "/v1/commands", json={"command": "end_message", "id": answer.json()["id"]}
            )
        return took

    took = serve(qapp, wall, tmp_path / "audit.jsonl", scenario)
    quantiles = statistics.quantiles(took, n=20)
    print(
        f"\ncommand → pixels over {len(took)} messages: p50 {statistics.median(took):.1f} ms, "
        f"p95 {quantiles[18]:.1f} ms (HTTP round trip + 1920×1080 grab)"
    )


def test_the_control_page_thumbnails_and_the_log(
    qapp: QApplication, make_wall: Callable[[str], Wall], tmp_path: Path
) -> None:
    """What the web page reads: itself without a token, screens, small screenshots, the log."""
    wall = make_wall(SCREENS + TOKENS)
    ops = {"Authorization": f"Bearer {OPS}"}

    async def scenario(client: httpx.AsyncClient, commands: WallCommands) -> None:
        page = await client.get("/")
        assert page.status_code == 200 and "<title>Wall control</title>" in page.text
        assert "script-src 'self'" in page.headers["Content-Security-Policy"]
        script = await client.get("/web/app.js")
        assert script.status_code == 200 and "javascript" in script.headers["content-type"]
        for escape in ("/web/../api.py", "/web/%2e%2e/api.py", "/web/..%2fapi.py"):
            assert (await client.get(escape)).status_code in (401, 403, 404), escape
        assert (await client.get("/v1/screens")).status_code == 401  # data needs a token
        screens = (await client.get("/v1/screens", headers=ops)).json()["screens"]
        assert screens[1] == {
            "name": "care",
            "groups": ["execs", "support"],
            "pages": ["Pulse", "Brand pulse"],
        }
        small = await client.get("/v1/screens/care/screenshot?width=270", headers=ops)
        assert QImage.fromData(small.content).size().toTuple() == (270, 480)
        wide = await client.get("/v1/screens/care/screenshot?width=5000", headers=ops)
        assert QImage.fromData(wide.content).size().toTuple() == (1080, 1920)  # never enlarged
        bad = await client.get("/v1/screens/care/screenshot?width=tiny", headers=ops)
        assert bad.status_code == 422 and bad.json()["issues"][0]["path"] == ["width"]
        assert (await client.get("/v1/audit", headers=ops)).json() == {"entries": []}
        for i in range(3):
            body = {"command": "message", "to": ["pr"], "headline": f"n{i}"}
            assert (await client.post("/v1/commands", json=body, headers=ops)).status_code == 200
        entries = (await client.get("/v1/audit?limit=2", headers=ops)).json()["entries"]
        assert [(e["who"], e["detail"]["headline"]) for e in entries] == [
            ("ops", "n2"),
            ("ops", "n1"),
        ]
        for limit in ("0", "501", "x"):
            refused = await client.get(f"/v1/audit?limit={limit}", headers=ops)
            assert refused.status_code == 422 and refused.json()["issues"][0]["path"] == ["limit"]

    serve(qapp, wall, tmp_path / "audit.jsonl", scenario)


def test_the_audit_log_reads_only_its_end(tmp_path: Path) -> None:
    audit = AuditLog(tmp_path / "audit.jsonl")
    for i in range(3000):  # some 400 KB: several blocks from the end
        audit.record("ops", {"command": "message", "headline": f"n{i}"}, ["pr"])
    with (tmp_path / "audit.jsonl").open("a") as file:
        file.write('{"torn": \n')
    assert [e["detail"]["headline"] for e in audit.last(3)] == ["n2999", "n2998", "n2997"]
    assert len(audit.last(500)) == 500
    assert AuditLog(tmp_path / "none.jsonl").last(5) == []
