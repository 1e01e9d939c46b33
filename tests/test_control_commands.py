"""The command model alone (no Qt): validation once, targets by name, group or all."""

from __future__ import annotations

import datetime

import pytest

from kiosk.config import parse_layout
from kiosk.control.commands import CommandError, Directory, Message, validate

LAYOUT = """
screens:
  - {name: lobby, match: {index: 0}, groups: [execs], pages: [{title: Pulse}, {title: Brand}]}
  - {name: care, match: {index: 1}, groups: [support, execs], pages: [{title: Pulse}]}
  - {name: pr, match: {index: 2}, pages: [{title: Pulse}]}
spans:
  - {name: atrium, columns: 2, rows: 1, monitors: [{index: 3}, {index: 4}], groups: [support],
     pages: [{title: Pulse}]}
"""
layout = parse_layout(LAYOUT)
DIRECTORY = Directory.of([*layout.screens, *layout.spans])


@pytest.mark.parametrize(
    ("to", "screens"),
    [
        (["pr"], ("pr",)),
        (["execs"], ("lobby", "care")),
        (["support", "pr"], ("care", "pr", "atrium")),
        (["all"], ("lobby", "care", "pr", "atrium")),
        (["care", "execs"], ("lobby", "care")),  # each screen once, in layout order
    ],
)
def test_targets_by_name_group_or_all(to: list[str], screens: tuple[str, ...]) -> None:
    assert validate({"command": "next", "to": to}, DIRECTORY).screens == screens


def test_no_target_means_every_screen() -> None:
    assert len(validate({"command": "blank"}, DIRECTORY).screens) == 4


@pytest.mark.parametrize(
    ("data", "path", "words"),
    [
        ({"command": "next", "to": ["lobbby"]}, ("to", 0), "did you mean 'lobby'"),
        ({"command": "next", "to": []}, ("to",), "at least 1"),
        ({"command": "pin", "to": ["execs"], "page": "Brand"}, ("page",), "care has no page"),
        ({"command": "pin", "to": ["lobby"], "page": 2}, ("page",), "has 2 pages"),
        ({"command": "message", "headline": "x", "tone": "loud"}, ("tone",), "'info'"),
        ({"command": "message", "headline": "x", "duration": "soon"}, ("duration",), "duration"),
        ({"command": "message", "headline": "x", "duration": "2d"}, ("duration",), "less than"),
        ({"command": "message", "headline": "x", "colour": "red"}, ("colour",), "not permitted"),
        ({"command": "screenshot", "screen": "execs"}, ("screen",), "no screen 'execs'"),
        ({"command": "reboot"}, (), "does not match"),
        ({"headline": "x"}, (), "command"),
        ("blank", (), "dictionary"),
    ],
)
def test_a_bad_command_says_where_and_what(
    data: object, path: tuple[object, ...], words: str
) -> None:
    with pytest.raises(CommandError) as error:
        validate(data, DIRECTORY)
    assert error.value.issues[0].path == path
    assert words in error.value.issues[0].message


def test_a_message_ends_after_its_duration_or_at_its_time() -> None:
    now = datetime.datetime(2026, 12, 4, 12, 0, tzinfo=datetime.UTC)
    message = validate({"command": "message", "headline": "x", "duration": "5m"}, DIRECTORY)
    assert isinstance(message.command, Message) and message.command.seconds(now) == 300
    soon = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=10)).isoformat()
    until = validate({"command": "message", "headline": "x", "until": soon}, DIRECTORY)
    assert isinstance(until.command, Message)
    assert 590 < until.command.seconds(datetime.datetime.now(datetime.UTC)) <= 600
    for bad in ["2026-12-04T14:00:00", "2000-01-01T00:00:00+00:00"]:
        with pytest.raises(CommandError, match="until"):
            validate({"command": "message", "headline": "x", "until": bad}, DIRECTORY)
