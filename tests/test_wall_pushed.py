"""What staff pushed outlives a restart: messages, casts (a post's too, though its stream
restarted empty) and the emergency come back, as long as their time has not run out and their
screens still exist."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kiosk.app import Runtime
from kiosk.config import parse_layout
from kiosk.control.commands import validate
from kiosk.control.pushed import PushedStore
from kiosk.screens.cast_views import EmergencyCard, PostCard
from kiosk.screens.commands import WallCommands
from kiosk.screens.wall import Wall
from tests.test_wall_cast import LAYOUT, POST


@pytest.fixture
def start(qtbot: QtBot, tmp_path: Path) -> Iterator[Callable[..., WallCommands]]:
    started: list[tuple[Wall, WallCommands]] = []

    def start(text: str = LAYOUT) -> WallCommands:
        layout = parse_layout(text)
        wall = Wall(layout, Runtime(layout).hub)
        wall.bind()
        commands = WallCommands(wall, pushed=PushedStore(tmp_path / "pushed.json"))
        commands.restore()
        started.append((wall, commands))
        return commands

    yield start
    for wall, commands in started:
        commands.close()
        wall.close()


def send(commands: WallCommands, data: dict[str, object]) -> dict[str, object]:
    return commands.execute(validate(data, commands.directory()))


def stop(commands: WallCommands) -> None:
    """As the process ends: the windows go; the file stays as the last command left it."""
    commands.overrides._timer.stop()
    commands._timer.stop()
    commands.wall.close()


def test_messages_casts_and_the_emergency_come_back_after_a_restart(
    start: Callable[..., WallCommands],
) -> None:
    before = start()
    before.wall.hub.append("social.mentions", [POST])
    message = send(
        before,
        {"command": "message", "to": ["lobby"], "headline": "Launch at 14:00", "duration": "10m"},
    )
    page = send(
        before,
        {
            "command": "cast",
            "to": ["care"],
            "page": {"screen": "care", "title": "Care"},
            "duration": "5m",
        },
    )
    post = send(
        before, {"command": "cast", "to": ["lobby"], "post": {"id": "post-42"}, "duration": "5m"}
    )
    send(before, {"command": "emergency", "to": ["pr"], "headline": "Evacuate the building"})
    stop(before)

    after = start()  # a new hub: the demo's stream is empty, post-42 is not in it
    assert after.message_for("lobby") is not None
    assert after.message_for("lobby").id == message["id"]
    assert 500 < after.message_for("lobby").ends - time.monotonic() <= 600
    lobby, pr = (after.wall.screen_windows[n] for n in ("lobby", "pr"))
    assert isinstance(lobby.stack.currentWidget(), PostCard)
    assert after.overrides.cast_for("lobby").id == post["id"]
    assert after.overrides.cast_for("care").id == page["id"]
    assert after.overrides.in_emergency("pr")
    assert pr.findChildren(EmergencyCard)
    # New ids go on after the kept ones: an id names one thing.
    again = send(after, {"command": "message", "to": ["care"], "headline": "Hi", "duration": "1m"})
    assert again["id"] not in (message["id"], page["id"], post["id"])

    send(after, {"command": "end_emergency"})
    send(after, {"command": "end_message", "id": message["id"]})
    stop(after)
    third = start()
    assert not third.overrides.in_emergency("pr")
    assert third.message_for("lobby") is None
    assert third.overrides.cast_for("care") is not None


def test_what_ran_out_or_has_no_screen_now_is_left_out(
    start: Callable[..., WallCommands], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    before = start()
    send(before, {"command": "message", "to": ["pr"], "headline": "Soon over", "duration": "10m"})
    send(before, {"command": "emergency", "to": ["pr", "lobby"], "headline": "Evacuate"})
    send(
        before,
        {
            "command": "cast",
            "to": ["care"],
            "page": {"screen": "care", "title": "Care"},
            "duration": "5m",
        },
    )
    stop(before)
    path = tmp_path / "pushed.json"
    kept = json.loads(path.read_text())
    for item in kept["items"]:
        if "ends_at" in item:
            item["ends_at"] = time.time() - 5  # the wall was down longer than the cast
    path.write_text(json.dumps(kept))
    without_pr = LAYOUT.replace(
        "  - {name: pr, match: {connector: HDMI-2}, public: true, pages: ",
        "  - {name: press, match: {connector: HDMI-2}, public: true, pages: ",
    )
    with caplog.at_level(logging.WARNING):
        after = start(without_pr)
    assert after.overrides.cast_for("care") is None
    assert after.message_for("press") is None
    assert not after.overrides.in_emergency("lobby")  # the whole command is refused: pr is gone
    assert "not brought back after the restart" in caplog.text and "pr" in caplog.text


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        '{"version": 99, "items": []}',
        "[1, 2]",
        '{"version": 1, "items": [{"id": "x", "command": {"command": "message"}}]}',
    ],
)
def test_a_broken_file_brings_nothing_back_and_the_wall_runs(
    start: Callable[..., WallCommands], tmp_path: Path, content: str
) -> None:
    (tmp_path / "pushed.json").write_text(content)
    commands = start()
    assert commands.messages == {} and commands.overrides.casts == {}
    send(commands, {"command": "message", "headline": "Still works", "duration": "1m"})
    assert (
        json.loads((tmp_path / "pushed.json").read_text())["items"][0]["command"]["headline"]
        == "Still works"
    )
