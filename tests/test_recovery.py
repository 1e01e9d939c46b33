"""Back on screen with no one at the box: crash loops, a broken layout, the memory guard."""

from __future__ import annotations

import json
from pathlib import Path

from kiosk.recovery import CRASH_WINDOW, SAFE_SCREENS, StartLog, memory_limit_mb, safe_layout
from tests.test_cli import SCREENS_FILE, assert_clean_exit, kiosk

OFFSCREEN = f"offscreen:configfile={SCREENS_FILE}"


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def test_unclean_starts_count_until_a_clean_exit_or_a_stable_run(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "starts.json"
    for crashes in range(3):  # three starts that never ended cleanly
        assert StartLog(path, clock).start() == crashes
        clock.now += 20
    fourth = StartLog(path, clock)
    assert fourth.start() == 3
    fourth.ended_cleanly()  # a clean stop is crossed off; the crashes stay
    assert len(json.loads(path.read_text())) == 3
    fifth = StartLog(path, clock)
    assert fifth.start() == 3
    fifth.stable()  # up long enough: the old crashes no longer count
    assert StartLog(path, clock).start() == 1  # only the still-running fifth
    clock.now += CRASH_WINDOW + 1
    assert StartLog(path, clock).start() == 0  # old starts age out


def test_a_damaged_start_log_is_a_fresh_start(tmp_path: Path) -> None:
    path = tmp_path / "starts.json"
    path.write_text("{not json")
    assert StartLog(path).start() == 0
    assert len(json.loads(path.read_text())) == 1


def test_the_safe_layout_covers_every_monitor_and_says_why() -> None:
    layout = safe_layout("Something broke")
    assert len(layout.screens) == SAFE_SCREENS
    assert all(screen.match.any for screen in layout.screens)
    text = layout.screens[0].pages[0].widgets[1]
    assert "Something broke" in text.text and "journalctl" in text.text  # type: ignore[attr-defined]
    assert memory_limit_mb(500.0) == 500.0 and memory_limit_mb(0) is None


def test_a_broken_layout_unattended_shows_the_safe_page(tmp_path: Path) -> None:
    broken = tmp_path / "wall.yaml"
    broken.write_text(
        "screens:\n  - {name: a, match: {any: true}, pages: [{title: P, durration: 5s}]}\n"
    )
    attended = kiosk("run", "--seconds", "2", str(broken), QT_QPA_PLATFORM=OFFSCREEN)
    assert attended.returncode == 2 and "durration" in attended.stderr  # at a terminal: stop
    result = kiosk(
        "run",
        "--unattended",
        "--seconds",
        "3",
        str(broken),
        QT_QPA_PLATFORM=OFFSCREEN,
        KIOSK_CACHE_DIR=str(tmp_path / "cache"),
    )
    assert_clean_exit(result)
    assert "durration" in result.stderr  # the error is in the log…
    assert "screen safe-1 on HDMI-1" in result.stderr  # …and the safe page is on the wall
    assert json.loads((tmp_path / "cache" / "starts.json").read_text()) == []  # clean exit


def test_a_crash_loop_falls_back_to_the_safe_layout(tmp_path: Path) -> None:
    import time

    cache = tmp_path / "cache"
    cache.mkdir()
    crashed = [time.time() - 60, time.time() - 40, time.time() - 20]
    (cache / "starts.json").write_text(json.dumps(crashed))
    result = kiosk(
        "run",
        "--unattended",
        "--seconds",
        "3",
        QT_QPA_PLATFORM=OFFSCREEN,
        KIOSK_CACHE_DIR=str(cache),
    )
    assert_clean_exit(result)
    assert "3 unclean starts in a row: showing the safe layout" in result.stderr
    assert "screen safe-1 on HDMI-1" in result.stderr
    assert json.loads((cache / "starts.json").read_text()) == crashed  # only this run crossed off


def test_the_memory_guard_restarts_cleanly(tmp_path: Path) -> None:
    result = kiosk(
        "run", "--memory-limit", "50", "--seconds", "30", QT_QPA_PLATFORM=OFFSCREEN, timeout=60
    )
    assert result.returncode == 75, result.stderr[-2000:]
    assert "memory guard: RSS" in result.stderr and "restarting cleanly" in result.stderr
    for marker in ("Traceback", "Fatal Python error", "Segmentation fault"):
        assert marker not in result.stderr
