"""The running wall's state file: where it goes, what it says, and telling a live wall from a
file left behind by one that is gone."""

from __future__ import annotations

import datetime
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from kiosk.control.inventory import kernel_rows, render_text, report
from kiosk.control.wall_state import (
    IDENTIFY_SECONDS,
    SERVICE_STATE_DIR,
    StatePublisher,
    WallState,
    find_state,
    read_state,
    request_identify,
    state_dir,
    state_dirs,
)
from kiosk.hardware import edid as edid_module
from kiosk.hardware.drm import read_connectors
from tests.edid_blobs import fake_connector, fake_pnp_ids, make_edid


def test_the_state_dir_follows_the_documented_order(tmp_path: Path) -> None:
    everything = {
        "KIOSK_STATE_DIR": "/explicit",
        "RUNTIME_DIRECTORY": "/run/kiosk:/run/other",
        "XDG_RUNTIME_DIR": "/run/user/1000",
        "KIOSK_CACHE_DIR": str(tmp_path / "cache"),
    }
    assert state_dir(everything) == Path("/explicit")
    del everything["KIOSK_STATE_DIR"]
    assert state_dir(everything) == Path("/run/kiosk")
    del everything["RUNTIME_DIRECTORY"]
    assert state_dir(everything) == Path("/run/user/1000/kiosk")
    del everything["XDG_RUNTIME_DIR"]
    os.environ["KIOSK_CACHE_DIR"] = str(tmp_path / "cache")  # default_cache_dir reads os.environ
    try:
        assert state_dir(everything) == tmp_path / "cache"
    finally:
        del os.environ["KIOSK_CACHE_DIR"]


def test_a_technicians_shell_also_looks_where_the_service_writes() -> None:
    assert state_dirs({"XDG_RUNTIME_DIR": "/run/user/1000"}) == [
        Path("/run/user/1000/kiosk"),
        SERVICE_STATE_DIR,
    ]
    assert state_dirs({"KIOSK_STATE_DIR": "/x", "XDG_RUNTIME_DIR": "/y"}) == [Path("/x")]


def test_bindings_are_written_readable_by_all_and_only_when_they_change(tmp_path: Path) -> None:
    publisher = StatePublisher(Path("layouts/demo.yaml"), tmp_path)
    publisher.publish({"marketing": "HDMI-1"}, ["HDMI-2"], ["pr"])
    path = tmp_path / "state.json"
    state = read_state(path)
    assert state is not None and state.alive() and state.pid == os.getpid()
    assert state.screen_on(("HDMI-1",)) == "marketing"
    assert state.unassigned == ("HDMI-2",) and state.missing == ("pr",)
    assert state.layout is not None and state.layout.endswith("layouts/demo.yaml")
    assert path.stat().st_mode & 0o777 == 0o644
    written = path.stat().st_mtime_ns
    os.utime(path, ns=(0, 0))
    publisher.publish({"marketing": "HDMI-1"}, ["HDMI-2"], ["pr"])
    assert path.stat().st_mtime_ns == 0  # unchanged bindings: not rewritten
    publisher.publish({"marketing": "HDMI-2"}, ["HDMI-1"], ["pr"])
    assert path.stat().st_mtime_ns != 0 and written
    publisher.remove()
    assert not path.exists()


def test_a_wall_that_cannot_write_its_state_keeps_running(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("")
    publisher = StatePublisher(None, blocked / "dir")  # a file where the directory should be
    publisher.publish({"a": "HDMI-1"}, [], [])
    publisher.publish({"a": "HDMI-2"}, [], [])
    assert len([r for r in caplog.records if "cannot write" in r.getMessage()]) == 1


def _dead_pid() -> tuple[int, float]:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    started = psutil.Process(child.pid).create_time()
    child.wait()
    return child.pid, started


def _state(pid: int, started: float, **fields: object) -> WallState:
    now = datetime.datetime.now(datetime.UTC)
    return WallState(pid=pid, started=started, updated=now, **fields)  # type: ignore[arg-type]


def test_a_file_left_by_a_wall_that_is_gone_is_told_apart(tmp_path: Path) -> None:
    pid, started = _dead_pid()
    assert not _state(pid, started).alive()
    mine = psutil.Process().create_time()
    assert _state(os.getpid(), mine).alive()
    assert not _state(os.getpid(), mine - 3600).alive()  # our pid, but an older process's file


def test_the_live_walls_file_is_preferred_to_one_left_behind(tmp_path: Path) -> None:
    old, live = tmp_path / "old", tmp_path / "live"
    pid, started = _dead_pid()
    old.mkdir()
    (old / "state.json").write_text(_state(pid, started).model_dump_json())
    StatePublisher(None, live).publish({"a": "DP-1"}, [], [])
    found = find_state([old, live, tmp_path / "none"])
    assert found is not None and found[0] == live / "state.json"
    only_old = find_state([old])
    assert only_old is not None and not only_old[1].alive()
    assert find_state([tmp_path / "none"]) is None


def test_a_damaged_state_file_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "state.json").write_text("{not json")
    assert read_state(tmp_path / "state.json") is None


def test_identify_asks_for_its_time_and_signals_the_wall(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    publisher = StatePublisher(None, tmp_path)
    publisher.publish({}, [], [])
    assert publisher.identify_seconds() == IDENTIFY_SECONDS  # nobody asked for a time
    found = find_state([tmp_path])
    assert found is not None
    sent: list[tuple[int, int]] = []
    monkeypatch.setattr(os, "kill", lambda pid, signum: sent.append((pid, signum)))
    request_identify(*found, 5)
    assert sent == [(os.getpid(), signal.SIGUSR1)]
    assert publisher.identify_seconds() == 5
    assert (tmp_path / "identify.json").stat().st_mode & 0o777 == 0o644  # the wall's user reads it
    (tmp_path / "identify.json").write_text(json.dumps({"seconds": "soon"}))
    assert publisher.identify_seconds() == IDENTIFY_SECONDS


def test_the_listing_says_what_each_tv_shows_by_kernel_or_x11_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(edid_module, "PNP_IDS", fake_pnp_ids(tmp_path))
    sysfs = tmp_path / "sysfs"
    fake_connector(sysfs, "card0-HDMI-A-1", edid=make_edid("SAM", name="QM55B", serial_text="S1"))
    fake_connector(sysfs, "card0-HDMI-A-2", edid=make_edid("SAM", name="QM55B", serial_number=42))
    fake_connector(sysfs, "card0-DP-1", edid=make_edid("GSM", name="55UH5"))
    fake_connector(sysfs, "card0-DP-2", status="disconnected", modes="")
    StatePublisher(Path("wall.yaml"), tmp_path).publish(
        {"marketing": "HDMI-1", "care": "DP-1"},
        ["HDMI-2"],
        ["pr"],  # as X11 names them
    )
    data = report("kernel", kernel_rows(read_connectors(sysfs)), find_state([tmp_path]), [])
    shows = {row["connector"]: row["shows"] for row in data["monitors"]}
    assert shows == {"DP-1": "care", "DP-2": None, "HDMI-A-1": "marketing", "HDMI-A-2": ""}
    assert data["wall"]["running"] and data["wall"]["missing"] == ["pr"]
    text = render_text(data)
    assert (
        "HDMI-A-1  connected  Samsung Electric Company QM55B  serial S1  preferred 3840x2160"
        in text
    )
    assert '    shows: marketing\n    match: {serial: "S1"}' in text
    assert 'match: {serial: "42"}' in text
    assert "    shows: its identify page" in text
    assert "DP-2  disconnected" in text
    assert "layout screens with no TV: pr" in text


def test_the_listing_says_when_the_wall_is_not_running(tmp_path: Path) -> None:
    data = report("kernel", [], None, [tmp_path])
    assert render_text(data).splitlines() == [
        f"wall: not running (no state file in {tmp_path})",
        "no display connectors in /sys/class/drm (no GPU driver loaded, or a VM or container "
        "without one)",
    ]
    pid, started = _dead_pid()
    gone = (tmp_path / "state.json", _state(pid, started))
    assert f"pid {pid} is gone" in render_text(report("kernel", [], gone, [tmp_path]))
