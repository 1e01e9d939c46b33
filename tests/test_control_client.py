"""``kiosk ctl``: arguments to commands, and clear errors with exit codes, never a traceback."""

from __future__ import annotations

import socket

import pytest

from kiosk.cli import _parser, main
from kiosk.control.client import (
    EXIT_UNREACHABLE,
    command_body,
    render_status,
)


def body(*argv: str) -> dict[str, object]:
    return command_body(_parser().parse_args(["ctl", *argv]))


def test_arguments_make_commands() -> None:
    assert body(
        "message",
        "--to",
        "execs,care",
        "--to",
        "pr",
        "Press at 14:00",
        "--tone",
        "warning",
        "--for",
        "5m",
    ) == {
        "command": "message",
        "to": ["execs", "care", "pr"],
        "headline": "Press at 14:00",
        "tone": "warning",
        "duration": "5m",
    }
    assert body("message", "--end", "m3") == {"command": "end_message", "id": "m3"}
    assert body("pin", "--to", "lobby", "Brand pulse") == {
        "command": "pin",
        "to": ["lobby"],
        "page": "Brand pulse",
    }
    assert body("pin", "--to", "lobby", "2")["page"] == 2
    assert body("blank") == {"command": "blank"}  # the API's default target: all
    assert body("screenshot", "--screen", "lobby") == {"command": "screenshot", "screen": "lobby"}


def test_a_wall_that_is_not_running_is_one_line_and_exit_1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = main(["ctl", "--url", f"http://127.0.0.1:{port}", "status"])
    err = capsys.readouterr().err
    assert code == EXIT_UNREACHABLE
    assert "cannot reach the wall" in err and "Traceback" not in err


def test_status_reads_at_a_glance() -> None:
    text = render_status(
        {
            "screens": {
                "lobby": {
                    "monitor": "HDMI-1",
                    "page": "Pulse",
                    "pinned": True,
                    "awake": True,
                    "message": {"id": "m1", "headline": "Hi", "tone": "info", "ends_in_s": 30.0},
                    "widgets": [{"stream": "s.rate", "age_s": 2.5}],
                }
            },
            "not_shown": ["pr"],
            "sources": {"s": {"state": "ok", "last_ok": "2026-12-04T10:00:00+00:00"}},
            "process": {"pid": 1, "uptime_s": 10, "rss_mb": 150.0},
        }
    )
    assert "lobby" in text and "[pinned]" in text and "message m1 'Hi'" in text
    assert "not on any monitor: pr" in text and "150 MB" in text


def test_cast_emergency_and_reload_arguments() -> None:
    assert body("cast", "--to", "lobby", "--for", "5m", "--page", "care:Care: today") == {
        "command": "cast",
        "to": ["lobby"],
        "duration": "5m",
        "page": {"screen": "care", "title": "Care: today"},
    }
    assert body("cast", "--for", "90s", "--widget", '{"type": "kpi", "data": "s.rate"}') == {
        "command": "cast",
        "duration": "90s",
        "widget": {"type": "kpi", "data": "s.rate"},
    }
    assert body("cast", "--for", "1m", "--post", "p1", "--source", "social")["post"] == {
        "id": "p1",
        "source": "social",
    }
    with pytest.raises(SystemExit):  # a cast needs its duration
        body("cast", "--post", "p1")
    assert body("emergency", "Evacuate", "--body", "Stairs") == {
        "command": "emergency",
        "headline": "Evacuate",
        "body": "Stairs",
    }
    assert body("emergency", "--end") == {"command": "end_emergency"}
    assert body("reload") == {"command": "reload"}
