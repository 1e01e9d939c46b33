"""The UI thread keeps to one core.

A wall's UI thread hands every ticker frame to the display server (the X server or the Wayland
compositor) and, on X, waits for its reply before it draws the next one: some sixty hand-overs a
second. Left to the scheduler, it and the server bounced between the cores of a 2-core machine:
issue #14's screen under Xvfb had 2,410 migrations of kiosk's threads in 20 s, two a frame, each
one on cold caches. Kept on one core, with the threads Qt reads the display's events and
replies in (they wake the UI thread for each): none, and kiosk's CPU fell by about a fifth, the
X server's by half (README, session 19).

Only the UI thread and Qt's display readers stay there. A thread inherits the cores of the
thread that starts it, so every other thread would share the UI thread's core; they run on
the other cores instead: kiosk's own workers move there when they start (:func:`spread`: the
chart worker, the language model, the parse workers and the thread that forks their
forkserver), and a sweep every few seconds (:func:`sweep`) moves the threads that libraries
start (executors, Qt's pools, D-Bus).

Only while the UI thread is quiet: a busy one (a 3x4K wall's process uses ~27 % of a core) must
be free to move when its core is taken, or its frames come late (:func:`judge`, every
:data:`WINDOW_S`).

``KIOSK_UI_CORE``: ``auto`` (the default: the core the UI thread is on when the wall starts,
when the process may run on two or more), ``off``, or a core's number.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

ENV = "KIOSK_UI_CORE"
SWEEP_MS = 2000  # how often threads started since are spread (kiosk.app)
# Qt's threads that read the display's events and replies and wake the UI thread for them
# (names as the kernel has them, 15 characters): xcb's and Wayland's.
READERS = ("QXcbEventQueue", "WaylandEventThr")
# A busy UI thread needs the scheduler's way out: when its core is taken (the display server
# woken onto it, a worker), it must move. Kept to one core for good, a 3x4K wall at 500/s (16
# CPU-s/min in all, 27 % of a core) had a ticker p99 of 21.6 ms offscreen and 31.5 ms
# on Xvfb, against 17.4-20.4 ms free; a 1080p wall (6-9 %) kept 16.9 ms. A start is busy
# (28-54 % in its first window): a wall moves freely for its first seconds, then keeps to its core.
WINDOW_S = 5.0  # the UI thread's load is judged over this long
BUSY = 0.18  # of a core: above, the UI thread moves freely ...
IDLE = 0.12  # ... and below, it keeps to its core again (moving costs it about a fifth more)


@dataclass
class UiCore:
    core: int  # the UI thread's core
    cores: frozenset[int]  # every core the process may use
    kept: frozenset[int]  # native ids of the threads that keep to ``core`` (while ``pinned``)
    since: tuple[float, float]  # the load window's start: monotonic seconds, UI thread CPU
    pinned: bool = True

    @property
    def others(self) -> frozenset[int]:
        """Where every other thread of the wall runs: every core but the UI thread's while it
        keeps to it (they would compete with it there), else every core."""
        return self.cores - {self.core} if self.pinned else self.cores


_ui: UiCore | None = None


def current() -> UiCore | None:
    return _ui


def _this_core() -> int | None:
    """The core the calling thread runs on now (field 39 of /proc/thread-self/stat)."""
    try:
        stat = Path("/proc/thread-self/stat").read_text()
        return int(stat.rsplit(")", 1)[1].split()[36])
    except (OSError, ValueError, IndexError):
        return None


def _named(cores: set[int]) -> str:
    return ",".join(str(core) for core in sorted(cores))


def choose(setting: str, cores: set[int]) -> int | None:
    """The core ``setting`` (``KIOSK_UI_CORE``) asks for among ``cores``, or None: off, one core
    only, or a setting that cannot be followed (said in the log, the wall runs on)."""
    value = setting.strip().lower() or "auto"
    if value == "off":
        return None
    if value == "auto":
        if len(cores) < 2:
            return None
        core = _this_core()
        return core if core in cores else max(cores)
    try:
        core = int(value)
    except ValueError:
        log.warning(
            "%s=%s: not auto, off or a core's number; the UI thread moves freely", ENV, setting
        )
        return None
    if core not in cores:
        log.warning(
            "%s=%s: this process may run on cores %s only; the UI thread moves freely",
            ENV,
            setting,
            _named(cores),
        )
        return None
    return core


def keep_ui_thread(setting: str | None = None) -> int | None:
    """Keep the calling thread, the UI thread, and Qt's display readers (:data:`READERS`) on one
    core. Call it once the QApplication exists and Qt's thread pools are made (kiosk.app): a
    pool sizes itself by the cores its maker may use, and one made on the kept core would have
    one thread. Returns the core, or None when nothing is kept (Linux only)."""
    global _ui
    if not hasattr(os, "sched_setaffinity"):
        return None
    cores = os.sched_getaffinity(0)
    core = choose(os.environ.get(ENV, "auto") if setting is None else setting, cores)
    if core is None:
        return None
    kept = {threading.get_native_id()}
    for thread in _threads():
        try:
            name = Path(f"/proc/self/task/{thread}/comm").read_text().strip()
        except OSError:  # ended meanwhile
            continue
        if name.startswith(READERS):
            kept.add(thread)
    try:
        os.sched_setaffinity(0, {core})
    except OSError as error:
        log.warning("the UI thread could not be kept on core %d: %s", core, error)
        return None
    _ui = ui = UiCore(
        core, frozenset(cores), frozenset(kept), (time.monotonic(), time.thread_time())
    )
    _pin(ui, True)  # Qt's readers too
    sweep()
    log.info(
        "the UI thread keeps to core %d of %s, with %d display reader(s) (%s=off lets it move)",
        core,
        _named(cores),
        len(kept) - 1,
        ENV,
    )
    return core


def spread() -> None:
    """Move the calling thread off the UI thread's core (to every core while the UI thread moves
    freely); a no-op in a kept thread or when nothing is kept. Worker threads call it first:
    they inherit the UI thread's core. A process forked from here keeps what it inherits."""
    ui = _ui
    if ui is None or threading.get_native_id() in ui.kept:
        return
    try:
        os.sched_setaffinity(0, ui.others)
    except OSError as error:  # a core taken away meanwhile: the sweep tries again
        log.debug("spreading a thread: %s", error)


def sweep() -> int:
    """Spread every thread but the kept ones; returns how many were moved. Runs in the UI
    thread (a timer, kiosk.app), which is also when its load is judged (:func:`judge`)."""
    ui = _ui
    if ui is None:
        return 0
    judge(time.monotonic(), time.thread_time())
    moved = 0
    for thread in _threads():
        if thread in ui.kept:
            continue
        try:
            if os.sched_getaffinity(thread) != ui.others:
                os.sched_setaffinity(thread, ui.others)
                moved += 1
        except OSError:  # ended meanwhile
            continue
    return moved


def judge(now: float, cpu: float) -> None:
    """Over each :data:`WINDOW_S`, the UI thread's share of a core (``cpu``: its CPU seconds):
    above :data:`BUSY` it moves between cores freely, below :data:`IDLE` it keeps to its core
    again."""
    ui = _ui
    if ui is None:
        return
    started, used = ui.since
    if now - started < WINDOW_S:
        return
    share = (cpu - used) / (now - started)
    ui.since = (now, cpu)
    if ui.pinned and share > BUSY:
        _pin(ui, False)
        log.info(
            "the UI thread is busy (%.0f %% of a core): it moves between cores freely", share * 100
        )
    elif not ui.pinned and share < IDLE:
        _pin(ui, True)
        log.info(
            "the UI thread is quiet (%.0f %% of a core): it keeps to core %d", share * 100, ui.core
        )


def _pin(ui: UiCore, pinned: bool) -> None:
    ui.pinned = pinned
    for thread in ui.kept:
        try:
            os.sched_setaffinity(thread, {ui.core} if pinned else ui.cores)
        except OSError:
            continue


def _threads() -> list[int]:
    try:
        return [int(name) for name in os.listdir("/proc/self/task")]
    except OSError:
        return []


def release() -> None:
    """Forget the kept core (the UI thread runs anywhere again): for tests and teardown."""
    global _ui
    ui, _ui = _ui, None
    if ui is not None:
        _pin(ui, False)
