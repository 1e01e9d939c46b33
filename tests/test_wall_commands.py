"""Staff commands applied to a wall on three simulated monitors (tests/screens3.json).

lobby on HDMI-1 (groups execs), care on DP-1 (portrait; groups support, execs), pr on HDMI-2.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from kiosk.app import Runtime
from kiosk.config import Page, parse_layout
from kiosk.control.commands import CommandError, validate
from kiosk.screens.commands import WallCommands
from kiosk.screens.message import MessageCard
from kiosk.screens.wall import Wall

PAGES = "[{title: Pulse, duration: 1h}, {title: Brand pulse, duration: 1h}, {title: Care}]"
LAYOUT = f"""
screens:
  - {{name: lobby, match: {{connector: HDMI-1}}, groups: [execs], pages: {PAGES}}}
  - {{name: care, match: {{connector: "DP-*"}}, groups: [support, execs], pages: {PAGES}}}
  - {{name: pr, match: {{connector: HDMI-2}}, pages: {PAGES}}}
"""


@pytest.fixture
def commands(qtbot: QtBot) -> Iterator[WallCommands]:
    layout = parse_layout(LAYOUT)
    wall = Wall(layout, Runtime(layout).hub)
    wall.bind()
    commands = WallCommands(wall)
    yield commands
    commands.close()
    wall.close()


def run(commands: WallCommands, data: dict[str, object]) -> dict[str, object]:
    return commands.execute(validate(data, commands.directory()))


def cards_shown(commands: WallCommands) -> set[str]:
    return {
        name
        for name, window in commands.wall.screen_windows.items()
        if any(card.isVisible() for card in window.findChildren(MessageCard))
    }


def test_a_message_to_a_group_shows_on_exactly_its_screens_then_ends(
    qtbot: QtBot, commands: WallCommands
) -> None:
    result = run(
        commands,
        {
            "command": "message",
            "to": ["execs"],
            "headline": "Press release at 14:00",
            "body": "Hold questions for the CEO",
            "tone": "warning",
            "duration": 1.0,
        },
    )
    assert result["screens"] == ["lobby", "care"]
    assert cards_shown(commands) == {"lobby", "care"}
    window = commands.wall.screen_windows["lobby"]
    card = window.findChildren(MessageCard)[0]
    image = window.grab().toImage()
    centre = card.geometry().center()
    assert image.pixelColor(centre.x(), card.geometry().top() + 4).name() == "#f2c14e"
    qtbot.waitUntil(lambda: not cards_shown(commands), timeout=3000)
    assert commands.messages == {}


def test_a_message_can_be_ended_early_and_the_next_one_shows(commands: WallCommands) -> None:
    first = run(commands, {"command": "message", "headline": "Lunch", "duration": "5m"})
    second = run(
        commands, {"command": "message", "to": ["pr"], "headline": "Fire drill", "tone": "critical"}
    )
    assert cards_shown(commands) == {"lobby", "care", "pr"}
    pr_card = commands.wall.screen_windows["pr"].findChildren(MessageCard)[0]
    assert pr_card.headline == "Fire drill"  # the more severe one wins
    assert run(commands, {"command": "end_message", "id": second["id"]})["ended"] is True
    assert pr_card.headline == "Lunch"
    run(commands, {"command": "end_message", "id": first["id"]})
    assert cards_shown(commands) == set()


def test_a_message_never_covers_a_takeover_banner(commands: WallCommands) -> None:
    window = commands.wall.screen_windows["lobby"]
    window.take_over("Crisis", Page(title="Crisis"), "Crisis · negative spike")
    run(
        commands, {"command": "message", "to": ["lobby"], "headline": "x " * 60, "body": "y " * 300}
    )
    assert window.takeover is not None and window.takeover[1].banner is not None
    banner = window.takeover[1].banner
    banner_rect = QRect(banner.mapTo(window, banner.rect().topLeft()), banner.size())
    card = window.findChildren(MessageCard)[0]
    assert card.isVisible() and not card.geometry().intersects(banner_rect)


def test_pin_next_previous_unpin(commands: WallCommands) -> None:
    lobby = commands.wall.screen_windows["lobby"]
    run(commands, {"command": "pin", "to": ["lobby"], "page": "Brand pulse"})
    assert (lobby.pinned, lobby.current_index) == (1, 1)
    run(commands, {"command": "next", "to": ["lobby"]})
    assert (lobby.pinned, lobby.current_index) == (2, 2)
    run(commands, {"command": "unpin", "to": ["lobby"]})
    run(commands, {"command": "previous", "to": ["lobby"]})
    assert (lobby.pinned, lobby.current_index) == (None, 1)
    assert commands.wall.screen_windows["pr"].current_index == 0


def test_next_on_a_screen_in_step_moves_every_screen_of_its_step(qtbot: QtBot) -> None:
    """Screens with rotation sync: wall flip together; staff saying next to one of them must
    not leave it a page apart from the others for good."""
    synced = "rotation: {sync: wall}, pages: "
    layout = parse_layout(
        LAYOUT.replace("groups: [execs], pages: ", "groups: [execs], " + synced).replace(
            'match: {connector: "DP-*"}, groups: [support, execs], pages: ',
            'match: {connector: "DP-*"}, groups: [support, execs], ' + synced,
        )
    )
    wall = Wall(layout, Runtime(layout).hub)
    wall.bind()
    commands = WallCommands(wall)
    try:
        lobby, care, pr = (wall.screen_windows[name] for name in ("lobby", "care", "pr"))
        run(commands, {"command": "next", "to": ["lobby"]})
        assert (lobby.current_index, care.current_index, pr.current_index) == (1, 1, 0)
        run(commands, {"command": "previous", "to": ["execs"]})  # both: one step, not two
        assert (lobby.current_index, care.current_index) == (0, 0)
        run(commands, {"command": "pin", "to": ["care"], "page": "Care"})
        run(commands, {"command": "next", "to": ["lobby"]})  # a pinned screen keeps its pin
        assert (lobby.current_index, care.current_index) == (1, 2)
    finally:
        commands.close()
        wall.close()


def test_blank_outlasts_the_schedule_check_and_wake_undoes_it(commands: WallCommands) -> None:
    run(commands, {"command": "message", "headline": "Hello"})
    run(commands, {"command": "blank", "to": ["care"]})
    commands.wall.check_schedules()
    care = commands.wall.screen_windows["care"]
    assert not care.awake and commands.wall.screen_windows["lobby"].awake
    assert cards_shown(commands) == {"lobby", "pr"}
    run(commands, {"command": "wake", "to": ["all"]})
    assert care.awake and cards_shown(commands) == {"lobby", "care", "pr"}


def test_identify_only_the_targets(commands: WallCommands) -> None:
    run(commands, {"command": "identify", "to": ["care"], "seconds": 5})
    assert [card.heading for card in commands.wall.identify_cards] == ["Shows care"]


def test_an_unknown_target_changes_nothing(commands: WallCommands) -> None:
    with pytest.raises(CommandError) as error:
        run(commands, {"command": "message", "to": ["execs", "exec"], "headline": "x"})
    assert [issue.path for issue in error.value.issues] == [("to", 1)]
    assert "did you mean 'execs'" in str(error.value)
    assert commands.messages == {} and cards_shown(commands) == set()


def test_screenshot_and_status(commands: WallCommands) -> None:
    from kiosk.control.commands import Screenshot

    png = commands.screenshot(Screenshot(command="screenshot", screen="care"))
    image = QImage.fromData(png)
    assert (image.width(), image.height()) == (1080, 1920)
    run(commands, {"command": "pin", "to": ["pr"], "page": 2})
    status = commands.status()
    assert status["screens"]["pr"]["page"] == "Care"
    assert status["screens"]["pr"]["pinned"] is True
    assert status["process"]["rss_mb"] > 0


def test_status_gives_each_screen_its_ticker_frame_interval_p99(qtbot: QtBot) -> None:
    from tests.test_widgets import mention

    layout = parse_layout(
        "sources:\n  social: {type: demo, brands: [Acme], rate: 20, seed: 1}\n"
        "screens:\n"
        "  - {name: lobby, match: {connector: HDMI-1}, pages: [{title: P, widgets: "
        "[{type: ticker, at: [0, 7, 12, 1], data: social.mentions}]}]}\n"
        "  - {name: pr, match: {connector: HDMI-2}, pages: [{title: Q}]}\n"
    )
    runtime = Runtime(layout)
    wall = Wall(layout, runtime.hub)
    wall.bind()
    commands = WallCommands(wall)
    try:
        runtime.hub.append("social.mentions", [mention(i) for i in range(5)])
        ticker = next(iter(wall.screen_windows["lobby"].current_widgets()))
        qtbot.waitUntil(lambda: len(ticker.frame_times) >= 60, timeout=10_000)  # type: ignore[attr-defined]
        status = commands.status()["screens"]
        assert 10 < status["lobby"]["frame_interval_p99_ms"] < 2000  # frames at ~60 fps
        assert status["pr"]["frame_interval_p99_ms"] is None  # no ticker there
    finally:
        commands.close()
        wall.close()
