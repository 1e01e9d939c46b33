"""Composition root: QApplication, the asyncio loop inside it (qasync), sources, analytics, wall.

Everything runs on one thread: sources are asyncio tasks in the Qt event loop, analytics run in
the hub's subscriber calls, widgets poll the hub on timers of the wall's frame clock
(kiosk.widgets.frames), which runs them just after a ticker frame.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import psutil
import qasync
from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QMessageLogContext,
    Qt,
    QThreadPool,
    QTimer,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from kiosk import cores
from kiosk.collector import Collector, freeze_built, settle_in
from kiosk.config import Layout
from kiosk.control.decisions import DecisionStore
from kiosk.control.moderation_queue import ModerationQueue
from kiosk.control.pushed import PushedStore
from kiosk.control.systemd import Notifier
from kiosk.control.wall_state import IDENTIFY_SIGNAL, StatePublisher
from kiosk.hub import Hub
from kiosk.lateness import lateness_log_from_env
from kiosk.recovery import STABLE_AFTER
from kiosk.reload import LayoutReloader
from kiosk.runtime import DataSide, Runtime, data_side
from kiosk.screens.paint_log import paint_log_from_env
from kiosk.screens.thumbnails import publish_every

__all__ = ["Runtime", "run_in_qt", "run_wall"]  # Runtime lives in kiosk.runtime (Qt-free)
from kiosk.screens.commands import serve_commands
from kiosk.screens.wall import Wall
from kiosk.widgets.fonts import load_bundled_fonts
from kiosk.widgets.frames import after_frame

if TYPE_CHECKING:
    from kiosk.fleet.remote import RemoteData
    from kiosk.screens.window import ScreenWindow

log = logging.getLogger(__name__)

T = TypeVar("T")

EXIT_RESTART = 75  # EX_TEMPFAIL: stopped on purpose to be started afresh (memory guard)
MEMORY_CHECK_MS = 10_000
SETTLE_ANYWAY_S = 60.0  # the garbage collector settles by then even if no screen shows data


_HARMLESS_QT_MESSAGES = (
    "This plugin does not support",  # offscreen platform limits
    # sway's first configure of a fullscreen window carries no size (xdg-shell allows 0: the
    # client picks); Qt warns and uses the output's size, which is what the wall wants.
    "Configure event with maximized or fullscreen state contains invalid",
    # Qt's text-input-v3 bookkeeping when a window without any text field loses focus.
    "virtual void QtWaylandClient::QWaylandTextInputv3::disableSurface",
)


def _qt_message(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    """Qt's own messages go to the log like ours, one line each, not raw to stderr."""
    if message.startswith(_HARMLESS_QT_MESSAGES):
        level = logging.DEBUG
    elif kind in (QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
        level = logging.ERROR
    elif kind == QtMsgType.QtWarningMsg:
        level = logging.WARNING
    else:
        level = logging.DEBUG
    logging.getLogger("qt").log(level, "%s", message)


def qt_application() -> QApplication:
    qInstallMessageHandler(_qt_message)
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
        app.setApplicationName("kiosk")
        # The Wayland app id: sway's rules and `swaymsg -t get_tree` know the wall by it.
        app.setDesktopFileName("kiosk")
        app.setQuitOnLastWindowClosed(False)  # a wall with every TV unplugged keeps running
    load_bundled_fonts()
    return app


def _full_pools() -> None:
    """Make Qt's two thread pools now, before the UI thread keeps to one core (kiosk.cores):
    each sizes itself by the cores its maker may use, once. Made on the kept core, the pool
    that splits large fills and smooth scales among threads had one thread, and a 3x4K wall's
    ticker p99 went from 18 to 30 ms, even after the UI thread had been let move again. A
    smooth scale of four 64K-pixel segments makes it (QGuiApplicationPrivate::qtGuiThreadPool)."""
    QThreadPool.globalInstance()
    QImage(512, 512, QImage.Format.Format_RGB32).scaled(
        256, 256, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation
    )


def run_in_qt(main: Callable[[], Awaitable[T]], *, one_core: bool = False) -> T:
    """Run ``main()`` inside a Qt event loop that is also the asyncio loop, then tear Qt down.

    Teardown is explicit (windows deleted, events flushed, the QApplication shut down before the
    interpreter exits): a crash at interpreter shutdown is still a crash on an unattended wall.
    ``one_core`` (a wall, its bench) keeps the UI thread on one core (kiosk.cores), when this
    call makes the QApplication.
    """
    made_here = QApplication.instance() is None
    app = qt_application()
    sweeper = None
    if one_core and made_here:
        _full_pools()
        if cores.keep_ui_thread() is not None:
            sweeper = QTimer()
            sweeper.timeout.connect(cores.sweep)
            sweeper.start(cores.SWEEP_MS)
    # Python's cycle collector must not run in a Qt paint (Qt segfaults when it frees a Qt
    # object there), nor walk the whole process every few minutes: see kiosk.collector.
    collector = Collector()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        with _python_signals_in_qt(), finalising_async_generators(loop):
            result: T = loop.run_until_complete(main())
            return result
    finally:
        if sweeper is not None:
            sweeper.stop()
            cores.release()
        loop.close()
        asyncio.set_event_loop(None)
        collector.stop()
        _shutdown_qt(app)
        gc.enable()


def _remote(data: DataSide) -> RemoteData | None:
    """``data`` when it is a data node's streams over MQTT, else None. Only a layout with
    ``data: mqtt:`` imports kiosk.fleet.remote (and paho, msgpack) (kiosk.runtime.data_side): a
    wall fed by its own sources does not carry them (issue #14's memory)."""
    fleet = sys.modules.get("kiosk.fleet.remote")
    return data if fleet is not None and isinstance(data, fleet.RemoteData) else None


def paced_data_side(layout: Layout) -> DataSide:
    """:func:`kiosk.runtime.data_side` whose timed work waits for the end of a ticker frame
    (``Hub.pace``: the wall's frame clock, kiosk.widgets.frames)."""
    side = data_side(layout)
    side.hub.pace = after_frame
    return side


async def run_wall(
    layout: Layout,
    *,
    path: Path | None = None,
    windowed: bool = False,
    seconds: float | None = None,
    memory_limit: float | None = None,
    on_stable: Callable[[], None] | None = None,
) -> int:
    """Show the wall until SIGINT/SIGTERM (or for ``seconds``); ``path`` is watched for edits.

    ``memory_limit`` (MB): above it the wall stops cleanly with :data:`EXIT_RESTART`, so the
    service manager starts a fresh one before a leak hurts. ``on_stable`` is called once the
    wall has run for :data:`kiosk.recovery.STABLE_AFTER` seconds.
    """
    runtime = paced_data_side(layout)  # sources here, or the data node's streams over MQTT
    state = StatePublisher(path)  # which TV shows what, for `kiosk screens` and `kiosk identify`
    approvals = ModerationQueue(DecisionStore.in_cache_dir())  # decisions outlive a restart
    wall = Wall(layout, runtime.hub, windowed=windowed, state=state, approvals=approvals)
    runtimes: list[DataSide] = [runtime]
    if (remote := _remote(runtime)) is not None:  # groups flip on a schedule shared over MQTT
        remote.rotation = wall
        wall.share_rotation(remote.share)
    stopping: set[asyncio.Task[None]] = set()  # strong refs until the old sources are down

    def new_sources(edited: Layout) -> Hub:
        fresh = paced_data_side(edited)
        fresh.start()
        old = runtimes.pop()
        runtimes.append(fresh)
        fresh_remote, old_remote = _remote(fresh), _remote(old)
        if fresh_remote is not None and old_remote is not None:
            fresh_remote.inbox.target = old_remote.inbox.target
        if fresh_remote is not None:
            fresh_remote.rotation = wall
            wall.share_rotation(fresh_remote.share)
            commands.fleet_data = fresh_remote
        task = asyncio.ensure_future(old.stop())
        stopping.add(task)
        task.add_done_callback(stopping.discard)
        return fresh.hub

    reloader = LayoutReloader(path, wall, layout, new_sources) if path is not None else None
    notifier = Notifier()
    heartbeat = _heartbeat(notifier)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: loop.call_soon_threadsafe(stop.set))
    # Set before the first bind writes the state file that tells `kiosk identify` our pid.
    signal.signal(
        IDENTIFY_SIGNAL,
        lambda *_: loop.call_soon_threadsafe(lambda: wall.identify(state.identify_seconds())),
    )
    runtime.start()
    assignment = wall.bind()
    freeze_built()  # the windows' pages and widgets, before Qt paints them
    notifier.ready(f"{len(assignment.bound)} of {len(layout.screens)} screens shown")
    shown = when_data_is_on_screen(lambda: wall.screen_windows.values())  # and settles then
    settle_in(SETTLE_ANYWAY_S)  # a wall whose sources are all down settles too
    lateness = lateness_log_from_env()  # KIOSK_LATENESS_LOG: soak runs measure freezes
    paints = paint_log_from_env()  # KIOSK_PAINT_LOG: fleet benchmarks time flips and values
    commands, api = await serve_commands(  # kiosk ctl; localhost by default
        wall,
        layout.control,
        reloader=reloader,
        layout_path=path,
        pushed=PushedStore.in_cache_dir(),  # messages, casts, an emergency outlive a restart
    )
    thumbnails: QTimer | None = None
    if remote is not None:  # commands sent to the fleet over MQTT
        remote.inbox.target = commands
        commands.fleet_data = remote

        def publish_thumbnail(name: str, jpeg: bytes) -> None:
            current = _remote(runtimes[-1])  # a reload may have replaced it
            if current is not None:
                current.publish_thumbnail(name, jpeg)

        # What this box's screens show, for the fleet view of every box's control page.
        thumbnails = publish_every(wall, publish_thumbnail)
    if seconds is not None:
        loop.call_later(seconds, stop.set)
    if on_stable is not None:
        loop.call_later(STABLE_AFTER, on_stable)
    exit_code = 0
    guard: QTimer | None = None
    if memory_limit is not None:
        process = psutil.Process()

        def check_memory() -> None:
            nonlocal exit_code
            rss = process.memory_info().rss / 2**20
            if rss > memory_limit:
                log.error(
                    "memory guard: RSS %.0f MB is above %.0f MB; restarting cleanly",
                    rss,
                    memory_limit,
                )
                exit_code = EXIT_RESTART
                stop.set()

        guard = QTimer()
        guard.timeout.connect(check_memory)
        guard.start(MEMORY_CHECK_MS)
        loop.call_later(2.0, check_memory)  # a start already too big is caught at once
        log.info("memory guard at %.0f MB", memory_limit)
    await stop.wait()
    shown.stop()
    if lateness is not None:
        lateness.stop()
    if paints is not None:
        paints.close()
    if thumbnails is not None:
        thumbnails.stop()
    if guard is not None:
        guard.stop()
    log.info("stopping")
    if heartbeat is not None:
        heartbeat.stop()
    notifier.stopping()
    if reloader is not None:
        reloader.deleteLater()
    if api is not None:
        await api.stop()
    commands.close()
    await runtimes[-1].stop()
    wall.close()
    state.remove()
    return exit_code


def when_data_is_on_screen(windows: Callable[[], Iterable[ScreenWindow]]) -> QTimer:
    """Log once how long after the process started every screen showed data (what a restart
    costs the people looking at the wall; with cached sources it is the start-up time), and
    settle the garbage collector then (kiosk.collector). ``kiosk bench`` does the same."""
    started = psutil.Process().create_time()
    timer = QTimer()

    def check() -> None:
        waiting = [
            widget
            for window in windows()
            for widget in window.current_widgets()
            if widget.stream is not None and widget.sample is None
        ]
        if not waiting:
            timer.stop()
            log.info("every screen shows data %.1f s after start", time.time() - started)
            settle_in(0)  # the start's objects, walked by no later collection

    timer.timeout.connect(check)
    timer.start(100)
    return timer


def _heartbeat(notifier: Notifier) -> QTimer | None:
    """Tell systemd's watchdog the UI is alive, from the UI's own event loop, twice a period."""
    if not notifier.enabled or notifier.watchdog_seconds is None:
        return None
    timer = QTimer()
    timer.setInterval(max(100, round(notifier.watchdog_seconds * 1000 / 2)))
    timer.timeout.connect(notifier.heartbeat)
    timer.start()
    notifier.heartbeat()
    return timer


@contextlib.contextmanager
def finalising_async_generators(loop: asyncio.AbstractEventLoop) -> Iterator[None]:
    """Close abandoned async generators in ``loop``, as asyncio's own loops do.

    qasync's run_forever does not install asyncio's async-generator hooks (qasync 0.28.0), so
    an async generator left unfinished (httpcore's body iterators, when a body too large is
    refused) was closed by the garbage collector, outside any task: each printed "Exception
    ignored … GeneratorExit / cancel scope" tracebacks, 12–28 per refused body. Here the
    collector hands it to the loop, which closes it in a task of its own.
    """

    def finalise(generator: Any) -> None:
        if not loop.is_closed():
            loop.call_soon_threadsafe(loop.create_task, generator.aclose())

    previous = sys.get_asyncgen_hooks()
    sys.set_asyncgen_hooks(firstiter=previous.firstiter, finalizer=finalise)
    try:
        yield
    finally:
        sys.set_asyncgen_hooks(*previous)


@contextlib.contextmanager
def _python_signals_in_qt() -> Iterator[None]:
    # Python runs signal handlers only when it gets control; while Qt sits in its C++ event loop
    # that can be never. A no-op timer hands control back to Python a few times a second.
    timer = QTimer()
    timer.timeout.connect(lambda: None)
    timer.start(200)
    try:
        yield
    finally:
        timer.stop()
        for signum in (signal.SIGINT, signal.SIGTERM, IDENTIFY_SIGNAL):
            signal.signal(signum, signal.SIG_DFL)


def _shutdown_qt(app: QCoreApplication) -> None:
    for widget in QApplication.topLevelWidgets():
        widget.close()
        widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    app.processEvents()
    gc.collect()
    charts = sys.modules.get("kiosk.widgets.plot_image")  # imported by a wall with charts only
    if charts is not None:
        charts.stop_worker()  # no picture may finish after the shutdown deleted its carrier
    # Destroy the QApplication now, while Python objects are alive, not during interpreter exit.
    app.shutdown()
