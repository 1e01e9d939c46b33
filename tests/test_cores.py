"""The UI thread keeps to one core, every other thread runs on all (kiosk.cores).

The wall is booted for real on Xvfb (``kiosk run``) and its threads read from /proc: which
cores each may run on is what the kernel holds, not what kiosk believes it set.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from kiosk import cores
from tests.child import ROOT, run_python
from tests.xvfb import x_server

# Run alone, after the parallel part of `make test` (tests on the other worker would lend it their
# load): it pins the wall's threads to cores and reads where they ran.
pytestmark = pytest.mark.serial

CORES = os.sched_getaffinity(0)

needs_two_cores = pytest.mark.skipif(len(CORES) < 2, reason="one core: nothing to keep apart")


def _child(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh Python (pinning there leaves the test process alone)."""
    result = run_python(code, env=dict(os.environ, PYTHONPATH=str(ROOT), **env))
    assert result.returncode == 0, result.stderr
    return result


def test_auto_keeps_the_ui_thread_on_one_of_several_cores() -> None:
    assert cores.choose("auto", {0, 1}) in {0, 1}
    assert cores.choose("", {2, 3}) in {2, 3}
    assert cores.choose("auto", {0}) is None  # one core: nothing to choose
    assert cores.choose("off", {0, 1}) is None
    assert cores.choose(" 1 ", {0, 1}) == 1


@pytest.mark.parametrize("setting", ["7", "fast", "-1"])
def test_a_setting_that_cannot_be_followed_is_said_and_the_wall_runs_on(
    setting: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="kiosk.cores"):
        assert cores.choose(setting, {0, 1}) is None
    assert f"KIOSK_UI_CORE={setting}" in caplog.text
    assert "moves freely" in caplog.text


@needs_two_cores
def test_spread_and_sweep_free_every_thread_but_the_kept_ones() -> None:
    """In a child process: the calling thread kept, then threads it starts inherit its core
    until they spread (or the sweep spreads them)."""
    code = """
import json, os, threading
from kiosk import cores
core = cores.keep_ui_thread("auto")
seen = {}
def worker(name, spread):
    if spread:
        cores.spread()
    seen[name] = os.sched_getaffinity(0)
    done.wait()
done = threading.Event()
a = threading.Thread(target=worker, args=("spread", True)); a.start()
b = threading.Thread(target=worker, args=("inherited", False)); b.start()
while len(seen) < 2: pass
before = os.sched_getaffinity(b.native_id)
moved = cores.sweep()
after = os.sched_getaffinity(b.native_id)
cores.spread()  # a no-op in the kept thread
print(json.dumps({"core": core, "ui": sorted(os.sched_getaffinity(0)),
    "spread": sorted(seen["spread"]), "inherited": sorted(seen["inherited"]),
    "before": sorted(before), "after": sorted(after), "moved": moved}))
done.set()
"""
    result = _child(code)
    seen = json.loads(result.stdout)
    every, core = sorted(CORES), seen["core"]
    others = [c for c in every if c != core]
    assert seen["ui"] == [core]  # and spread() in the kept thread left it so
    assert seen["spread"] == others  # off the UI thread's core
    assert seen["inherited"] == seen["before"] == [core]  # inherited from its creator ...
    assert seen["after"] == others and seen["moved"] >= 1  # ... until the sweep


@needs_two_cores
def test_a_busy_ui_thread_moves_freely_and_keeps_to_its_core_again_when_quiet() -> None:
    code = """
import json, logging, os, threading
from kiosk import cores
logging.basicConfig(level=logging.INFO)
core = cores.keep_ui_thread("auto")
ui = cores.current()
start, cpu = ui.since
done = threading.Event()
worker = threading.Thread(target=done.wait); worker.start()
cores.sweep()
seen = [(sorted(os.sched_getaffinity(0)), sorted(os.sched_getaffinity(worker.native_id)))]
cores.judge(start + 2, cpu + 1.5)  # not a whole window yet
seen.append((sorted(os.sched_getaffinity(0)), ui.pinned))
cores.judge(start + 5, cpu + 1.0)  # 20 % of a core
cores.sweep()
seen.append((sorted(os.sched_getaffinity(0)), sorted(os.sched_getaffinity(worker.native_id))))
cores.judge(start + 10, cpu + 1.75)  # 15 %: between the two, as it was
seen.append((sorted(os.sched_getaffinity(0)), ui.pinned))
cores.judge(start + 15, cpu + 1.85)  # 2 %
cores.sweep()
seen.append((sorted(os.sched_getaffinity(0)), sorted(os.sched_getaffinity(worker.native_id))))
done.set()
print(json.dumps({"core": core, "seen": seen}))
"""
    result = _child(code)
    answer = json.loads(result.stdout)
    every, core = sorted(CORES), answer["core"]
    others = [c for c in every if c != core]
    quiet, early, busy, between, again = answer["seen"]
    assert quiet == [[core], others]
    assert early == [[core], True]
    assert busy == [every, every]  # the UI thread and the workers anywhere
    assert between == [every, False]
    assert again == [[core], others]
    assert "the UI thread is busy (20 % of a core)" in result.stderr
    assert f"the UI thread is quiet (2 % of a core): it keeps to core {core}" in result.stderr


@needs_two_cores
def test_qt_splits_large_pictures_among_as_many_threads_as_before() -> None:
    """Qt's pool for large fills and smooth scales sizes itself by its maker's cores, once: the
    wall makes it before its UI thread keeps to one core (made after, it had one thread and a
    3x4K wall's ticker p99 went from 18 to 30 ms)."""
    code = """
import os
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication
from kiosk import app, cores
application = QApplication([])
app._full_pools()
cores.keep_ui_thread("auto")
for _ in range(10):
    QImage(3840, 2160, QImage.Format.Format_RGB32).scaled(1920, 1080,
        Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation)
names = [open(f"/proc/self/task/{t}/comm").read().strip() for t in os.listdir("/proc/self/task")]
print(names.count("Thread (pooled)"), QThreadPool.globalInstance().maxThreadCount())
"""
    result = _child(code, QT_QPA_PLATFORM="offscreen")
    pooled, global_pool = map(int, result.stdout.split())
    assert pooled >= 2  # the scales ran in several threads (made on the kept core: one)
    assert global_pool == len(CORES)


@needs_two_cores
def test_parse_workers_and_their_forkserver_run_on_every_core() -> None:
    """The forkserver is forked by the thread that starts the workers; every worker is forked
    by the forkserver: one started from a thread on the UI thread's core would keep it."""
    code = """
import json, os, threading, time
import psutil
from kiosk import cores
from kiosk.sources import parsing
cores.keep_ui_thread("auto")
parsing.start_workers()
deadline = time.monotonic() + 60
me = psutil.Process()
while len(me.children(recursive=True)) < 3 and time.monotonic() < deadline:
    time.sleep(0.1)
time.sleep(0.5)
print(json.dumps({"ui": sorted(os.sched_getaffinity(0)), "children": [
    sorted(os.sched_getaffinity(child.pid)) for child in me.children(recursive=True)]}))
"""
    result = _child(code)
    seen = json.loads(result.stdout.splitlines()[-1])
    assert len(seen["ui"]) == 1
    assert len(seen["children"]) >= 3  # the forkserver and two idle workers
    others = sorted(CORES - set(seen["ui"]))
    assert all(allowed == others for allowed in seen["children"]), seen


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    if shutil.which("Xvfb") is None:
        pytest.skip("needs Xvfb (Debian: xvfb)")
    with x_server(1280, 720) as name:
        yield name


def _layout(folder: Path) -> Path:
    """A chart (its pictures come from the chart worker) and a ticker, on the demo stream."""
    document = {
        "sources": {"social": {"type": "demo", "rate": 50, "seed": 3}},
        "screens": [
            {
                "name": "wall",
                "match": {"any": True},
                "pages": [
                    {
                        "title": "Pulse",
                        "widgets": [
                            {"type": "timeseries", "data": "social.volume", "at": [0, 0, 12, 6]},
                            {"type": "ticker", "data": "social.mentions", "at": [0, 6, 12, 2]},
                        ],
                    }
                ],
            }
        ],
    }
    path = folder / "cores.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def _threads(pid: int) -> dict[int, tuple[str, set[int]]]:
    found = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
            found[int(task.name)] = (name, os.sched_getaffinity(int(task.name)))
        except (OSError, ValueError):
            continue
    return found


def _kept(pid: int, log: Path) -> dict[int, tuple[str, set[int]]]:
    """The wall's threads once its UI thread keeps to its core: a start is busy, so it may
    move freely for a while (judged every 5 s); read when it has kept to it a whole window."""
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        said = log.read_text().count("kiosk.cores")
        if len(_threads(pid)[pid][1]) == 1:
            time.sleep(cores.WINDOW_S + 1)  # a judgement since, and a sweep
            threads = _threads(pid)
            if len(threads[pid][1]) == 1 and log.read_text().count("kiosk.cores") == said:
                return threads
        time.sleep(0.5)
    return _threads(pid)


def _boot(display: str, folder: Path, **env: str) -> tuple[subprocess.Popen[str], Path]:
    log = folder / "wall.log"
    wall = subprocess.Popen(
        [sys.executable, "-m", "kiosk.cli", "run", str(_layout(folder)), "--seconds", "60"],
        env=dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="xcb", DISPLAY=display, **env),
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
        text=True,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 60
    while "every screen shows data" not in log.read_text():
        if wall.poll() is not None or time.monotonic() > deadline:
            wall.kill()
            pytest.fail(f"the wall did not show data:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)
    time.sleep(3)  # the chart worker has drawn; the sweep has run at least once
    return wall, log


@needs_two_cores
def test_a_wall_keeps_its_ui_thread_and_the_display_reader_on_one_core(
    display: str, tmp_path: Path
) -> None:
    wall, log = _boot(display, tmp_path)
    try:
        threads = _kept(wall.pid, log)
    finally:
        wall.terminate()
        wall.wait(30)
    _, ui = threads[wall.pid]  # the main thread's id is the process's
    assert len(ui) == 1, threads
    (core,) = ui
    kept = {name for name, allowed in threads.values() if allowed == ui}
    assert kept == {"python", "QXcbEventQueue"}, threads  # the UI thread, Qt's X reader
    others = {tid: t for tid, t in threads.items() if t[1] != ui}
    assert len(others) >= 1, threads  # the chart worker at least
    assert all(allowed == CORES - ui for _, allowed in others.values()), threads
    assert f"the UI thread keeps to core {core}" in log.read_text()


@needs_two_cores
def test_off_lets_the_ui_thread_move(display: str, tmp_path: Path) -> None:
    wall, log = _boot(display, tmp_path, KIOSK_UI_CORE="off")
    try:
        threads = _threads(wall.pid)
    finally:
        wall.terminate()
        wall.wait(30)
    assert all(allowed == CORES for _, allowed in threads.values()), threads
    assert "keeps to core" not in log.read_text()
