"""A person in the loop: public screens show only approved posts; hide takes one off every screen.

lobby (public, HDMI-1) and ops (not public, HDMI-2) both have a post wall on the same mention
stream; the API is served in the wall's own loop, as in test_control_api.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.app import Runtime
from kiosk.cli import main
from kiosk.config import parse_layout
from kiosk.control.client import EXIT_OK, EXIT_REFUSED, EXIT_UNAUTHORISED
from kiosk.control.commands import Decide
from kiosk.control.decisions import DecisionStore
from kiosk.control.moderation_queue import ModerationQueue
from kiosk.hub import Hub
from kiosk.screens.commands import WallCommands
from kiosk.screens.wall import Wall
from kiosk.values import Mention
from kiosk.widgets.post_wall import PostWallWidget
from kiosk.widgets.ticker import TickerWidget
from tests.posts import mention
from tests.test_control_api import OPS, TOKENS, VIEWER, serve

POST_WALL = "{type: post_wall, at: [0, 0, 12, 8], data: social.mentions, every: 1ms}"
LAYOUT = f"""
sources:
  social: {{type: demo, rate: 5, seed: 1}}
moderation: {{approval: required}}
screens:
  - name: lobby
    match: {{connector: HDMI-1}}
    public: true
    pages: [{{title: Lobby, widgets: [{POST_WALL}]}}]
  - name: ops
    match: {{connector: HDMI-2}}
    pages: [{{title: Ops, widgets: [{POST_WALL}]}}]
{TOKENS}
"""


def post(post_id: str, text: str) -> Mention:
    return mention(id=post_id, text=text)


POSTS = [
    post("good", "Great service at Acme today"),
    post("meh", "Acme queue was long but fine"),
    post("swear", "Acme can go fuck itself"),
]


@pytest.fixture
def make_wall(qtbot: QtBot, tmp_path: Path) -> Iterator[Callable[[str], Wall]]:
    walls: list[Wall] = []

    def make(text: str) -> Wall:
        layout = parse_layout(text)
        queue = ModerationQueue(DecisionStore(tmp_path / "moderation.jsonl"))
        wall = Wall(layout, Runtime(layout).hub, approvals=queue)
        wall.bind()
        walls.append(wall)
        return wall

    yield make
    for wall in walls:
        wall.close()


def post_wall(wall: Wall, screen: str) -> PostWallWidget:
    widget = wall.screen_windows[screen].pages[0].widgets[0]
    assert isinstance(widget, PostWallWidget)
    return widget


def shown(wall: Wall, screen: str) -> set[str]:
    widget = post_wall(wall, screen)
    widget.refresh()
    while widget.next_card():
        pass
    return {mention.id for mention, _ in widget.cards} | {m.id for m in widget.waiting}


def test_a_public_screen_shows_only_approved_posts(make_wall: Callable[[str], Wall]) -> None:
    wall = make_wall(LAYOUT)
    commands = WallCommands(wall)
    hub: Hub = wall.hub
    hub.append("social.mentions", POSTS)
    assert shown(wall, "lobby") == set()
    assert shown(wall, "ops") == {"good", "meh", "swear"}  # not public: as before
    commands.decide(Decide(command="approve", id="good"), "ops")
    commands.decide(Decide(command="reject", id="meh"), "ops")
    assert shown(wall, "lobby") == {"good"}
    hub.append("social.mentions", [post("later", "Acme later")])
    assert shown(wall, "lobby") == {"good"}
    commands.decide(Decide(command="hide", id="good"), "ops")
    assert shown(wall, "lobby") == set()
    assert shown(wall, "ops") == {"meh", "swear", "later"}
    commands.close()


def test_over_http_approve_reject_hide_and_their_errors(
    qapp: QApplication, make_wall: Callable[[str], Wall], tmp_path: Path
) -> None:
    wall = make_wall(LAYOUT)
    wall.hub.append("social.mentions", POSTS)
    ops = {"Authorization": f"Bearer {OPS}"}
    viewer = {"Authorization": f"Bearer {VIEWER}"}

    async def scenario(client: httpx.AsyncClient, commands: WallCommands) -> None:
        async def send(command: str, post_id: object, headers: dict[str, str]) -> httpx.Response:
            body = {"command": command, "id": post_id}
            return await client.post("/v1/commands", json=body, headers=headers)

        assert (await client.get("/v1/moderation")).status_code == 401
        queue = await client.get("/v1/moderation", headers=viewer)
        assert queue.status_code == 200, queue.text
        assert [entry["id"] for entry in queue.json()["pending"]] == ["meh", "good"]
        assert queue.json()["blocked"][0]["post"]["handle"] == "annsmith"
        assert (await send("approve", "good", viewer)).status_code == 403
        assert (await send("approve", "good", {})).status_code == 401

        answer = await send("approve", "good", ops)
        assert answer.status_code == 200, answer.text
        assert answer.json()["state"] == "approved"
        assert shown(wall, "lobby") == {"good"}
        assert (await send("reject", "meh", ops)).status_code == 200
        assert shown(wall, "lobby") == {"good"}

        missing = await send("approve", "nope", ops)
        assert missing.status_code == 404
        assert "'nope' is not in the moderation queue" in missing.json()["error"]
        again = await send("approve", "meh", ops)
        assert again.status_code == 409 and "rejected by ops" in again.json()["error"]
        blocked = await send("approve", "swear", ops)
        assert blocked.status_code == 409 and "blocked word" in blocked.json()["error"]
        empty = await send("hide", "", ops)
        assert empty.status_code == 422 and empty.json()["issues"][0]["path"] == ["id"]
        assert (await send("hide", 12, ops)).status_code == 422
        assert (await send("hide", "nowhere", ops)).status_code == 404

        assert "good" in shown(wall, "ops")
        assert (await send("hide", "good", ops)).status_code == 200
        assert shown(wall, "ops") == {"meh", "swear"}  # gone from a screen that is not public
        assert shown(wall, "lobby") == set()

    serve(qapp, wall, tmp_path / "audit.jsonl", scenario)
    lines = (tmp_path / "audit.jsonl").read_text().splitlines()
    audited = [(e["who"], e["command"], e["detail"]["id"]) for e in map(json.loads, lines)]
    assert audited == [
        ("ops", "approve", "good"),
        ("ops", "reject", "meh"),
        ("ops", "hide", "good"),
    ]


def test_a_hidden_post_stays_hidden_after_a_restart(
    make_wall: Callable[[str], Wall],
) -> None:
    wall = make_wall(LAYOUT.replace("approval: required", "approval: off"))
    commands = WallCommands(wall)
    wall.hub.append("social.mentions", POSTS[:2])
    assert shown(wall, "lobby") == {"good", "meh"}  # approval off: the rules alone
    commands.decide(Decide(command="hide", id="good"), "ops")
    commands.close()
    wall.close()

    restarted = make_wall(LAYOUT)  # same cache file, a new hub: the source delivers it again
    restarted.hub.append("social.mentions", POSTS[:2])
    assert "good" not in shown(restarted, "ops")
    assert restarted.approvals.snapshot()["pending_count"] == 1  # meh waits; good stays hidden


def test_kiosk_ctl_queue_approve_reject_hide(
    qapp: QApplication,
    make_wall: Callable[[str], Wall],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    wall = make_wall(LAYOUT)
    wall.hub.append("social.mentions", POSTS)

    async def scenario(client: httpx.AsyncClient, commands: WallCommands) -> list[int]:
        def ctl(token: str, *argv: str) -> int:
            return main(["ctl", "--url", str(client.base_url), "--token", token, *argv])

        # kiosk ctl blocks on its request: in a thread, while this loop serves it.
        return [
            await asyncio.to_thread(ctl, VIEWER, "queue"),
            await asyncio.to_thread(ctl, OPS, "approve", "good"),
            await asyncio.to_thread(ctl, OPS, "reject", "nope"),
            await asyncio.to_thread(ctl, VIEWER, "hide", "good"),
        ]

    codes = serve(qapp, wall, tmp_path / "audit.jsonl", scenario)
    out, err = capsys.readouterr()
    assert codes == [EXIT_OK, EXIT_OK, EXIT_REFUSED, EXIT_UNAUTHORISED]
    assert "approval: required; 2 waiting" in out
    assert "good  @annsmith (x, 2023-11-14T22:13:20+00:00): Great service at Acme today" in out
    assert "post good approved: @annsmith" in out
    assert "refused (404): post 'nope' is not in the moderation queue" in err
    assert "lacks the 'operate' scope for 'hide'" in err
    assert shown(wall, "lobby") == {"good"}


def test_a_ticker_shows_approved_posts_and_drops_hidden_ones(
    make_wall: Callable[[str], Wall],
) -> None:
    ticker = "{type: ticker, at: [0, 0, 12, 2], data: social.mentions}"
    wall = make_wall(LAYOUT.replace(POST_WALL, ticker))
    commands = WallCommands(wall)
    wall.hub.append("social.mentions", POSTS)

    def on_strip(screen: str) -> set[str]:
        widget = wall.screen_windows[screen].pages[0].widgets[0]
        assert isinstance(widget, TickerWidget)
        widget.refresh()
        return {m.id for m in widget.queue} | {item.mention.id for item in widget.items}

    assert on_strip("lobby") == set()
    commands.decide(Decide(command="approve", id="good"), "ops")
    assert on_strip("lobby") == {"good"}
    assert "good" in on_strip("ops")
    commands.decide(Decide(command="hide", id="good"), "ops")
    assert on_strip("lobby") == set()
    assert on_strip("ops") == {"meh", "swear"}
    commands.close()
