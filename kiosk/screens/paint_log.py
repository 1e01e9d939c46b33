"""When pixels changed: the first paint of each flip and of each new value, with its time.

Opt-in, for the fleet benchmarks (``benchmarks/bench_fleet_skew.py``): with
``KIOSK_PAINT_LOG=PATH`` set, ``kiosk run`` appends a line per event to PATH::

    flip <screen> <step> <epoch s> <due s>    a page flip's first paint (step: the shared
                                              rotation's step, else the screen's flip count;
                                              due: when the shared schedule had it, else 0)
    data <screen> <stream> <data s> <epoch s>  a widget's first paint of a new value; data s is
                                              the value's timestamp (the data node's, over MQTT)

Measured where Qt hands the widget its paint event, so what it shows is what the process drew,
not when a timer asked for it; from inside, because three processes' screens cannot be filmed.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import IO

from PySide6.QtCore import QCoreApplication, QEvent, QObject

from kiosk.screens.page import PageView
from kiosk.screens.window import ScreenWindow
from kiosk.widgets.base import KioskWidget

ENV = "KIOSK_PAINT_LOG"


class PaintLog(QObject):
    """An application-wide event filter: it sees every paint event, and logs the first ones."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self._file: IO[str] = path.open("a", encoding="utf-8", buffering=1)
        self._flips: dict[int, int] = {}  # window id → flips logged
        self._versions: dict[int, int] = {}  # widget id → version logged
        app = QCoreApplication.instance()
        assert app is not None
        app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.Paint:
            return False
        now = time.time()
        if isinstance(watched, PageView):
            window = watched.window()
            if (
                isinstance(window, ScreenWindow)
                and window.stack.currentWidget() is watched
                and self._flips.get(id(window)) != window.flips
            ):
                self._flips[id(window)] = window.flips
                step = window.step if window.step is not None else window.flips
                due = window.step_due if window.step is not None else 0.0
                self._file.write(f"flip {window.screen_config.name} {step} {now:.6f} {due:.6f}\n")
        elif isinstance(watched, KioskWidget) and watched.sample is not None:
            sample, stream = watched.sample, watched.stream
            if stream is not None and self._versions.get(id(watched)) != sample.version:
                self._versions[id(watched)] = sample.version
                window = watched.window()
                screen = window.screen_config.name if isinstance(window, ScreenWindow) else "-"
                self._file.write(f"data {screen} {stream.name} {sample.at:.6f} {now:.6f}\n")
        return False

    def close(self) -> None:
        app = QCoreApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self._file.close()


def paint_log_from_env() -> PaintLog | None:
    """The paint log asked for by ``KIOSK_PAINT_LOG``; None when unset."""
    path = os.environ.get(ENV)
    return PaintLog(Path(path)) if path else None
