"""systemd notify protocol: a fake notify socket stands in for systemd."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.control.systemd import Notifier

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[tuple[str, socket.socket]]:
    path = str(tmp_path / "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(5)
    yield path, sock
    sock.close()


def received(sock: socket.socket) -> list[str]:
    messages = []
    sock.setblocking(False)
    while True:
        try:
            messages.append(sock.recv(4096).decode())
        except BlockingIOError:
            return messages


def read_until_stopping(sock: socket.socket, messages: list[str]) -> None:
    while True:
        try:
            message = sock.recv(4096).decode()
        except OSError:
            return
        messages.append(message)
        if message == "STOPPING=1":
            return


def test_a_full_socket_never_blocks_the_caller(notify_socket: tuple[str, socket.socket]) -> None:
    path, _ = notify_socket  # nobody reads: the queue fills up
    notifier = Notifier({"NOTIFY_SOCKET": path})
    results = [notifier.heartbeat() for _ in range(500)]
    assert results[0] and not results[-1]  # refused once full, returned at once


def test_messages_reach_the_socket(notify_socket: tuple[str, socket.socket]) -> None:
    path, sock = notify_socket
    notifier = Notifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "30000000"})
    assert notifier.enabled and notifier.watchdog_seconds == 30.0
    assert notifier.ready("3 of 3 screens shown")
    assert notifier.heartbeat() and notifier.stopping()
    assert received(sock) == ["READY=1\nSTATUS=3 of 3 screens shown", "WATCHDOG=1", "STOPPING=1"]


def test_without_systemd_nothing_is_sent() -> None:
    notifier = Notifier({})
    assert not notifier.enabled and notifier.watchdog_seconds is None
    assert not notifier.ready()


def test_abstract_addresses_and_a_dead_socket(caplog: pytest.LogCaptureFixture) -> None:
    assert Notifier({"NOTIFY_SOCKET": "@kiosk-test"}).address == "\0kiosk-test"
    dead = Notifier({"NOTIFY_SOCKET": "/nonexistent/notify"})
    assert not dead.heartbeat() and not dead.heartbeat()
    assert len([r for r in caplog.records if "cannot notify systemd" in r.message]) == 1


def test_the_running_wall_reports_ready_heartbeats_and_stopping(
    notify_socket: tuple[str, socket.socket],
) -> None:
    path, sock = notify_socket
    messages: list[str] = []
    sock.settimeout(60)  # the wall takes a few seconds to start
    reader = threading.Thread(target=read_until_stopping, args=(sock, messages), daemon=True)
    reader.start()
    env = {**os.environ, "NOTIFY_SOCKET": path, "WATCHDOG_USEC": "400000"}
    command = [sys.executable, "-m", "kiosk.cli", "run", "--seconds", "2.5"]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=120, env=env, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    reader.join(timeout=5)
    assert any(m.startswith("READY=1\nSTATUS=") for m in messages)
    assert messages.count("WATCHDOG=1") >= 5  # every 200 ms from the UI loop for ~2.5 s
    assert messages[-1] == "STOPPING=1"
