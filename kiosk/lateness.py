"""How late the wall's event loop runs: a 100 ms timer, its worst lateness written once a minute.

Opt-in, for soak runs (``benchmarks/fault_soak.py``): with ``KIOSK_LATENESS_LOG=PATH`` set,
``kiosk run`` appends a line per minute to PATH::

    2025-01-06T10:00:00 max_late_ms=12.4 ticks=598

and, at once, a line for each stall of :data:`STALL` or more, so it can be matched with what
happened at that moment::

    2025-01-06T10:00:31 stall_ms=640.2

A timer that fires late is a frame the screens could not draw: everything (sources, analytics,
widgets) shares this one thread, so the worst lateness is the longest freeze anyone saw. It is
measured from inside the process because from outside a frozen loop and a busy one look alike.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from PySide6.QtCore import Qt, QTimer

log = logging.getLogger(__name__)

ENV = "KIOSK_LATENESS_LOG"
TICK_MS = 100
REPORT_EVERY = 60.0  # seconds
STALL = 0.25  # seconds late: a visible hitch in a ticker, worth its own line


class LatenessLog:
    """A precise 100 ms timer; each minute, its worst lateness appended to ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.worst = 0.0
        self.ticks = 0
        self._last = time.monotonic()
        self._since = self._last
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._tick)
        self.timer.start(TICK_MS)

    def _tick(self) -> None:
        now = time.monotonic()
        late = now - self._last - TICK_MS / 1000
        self.worst = max(self.worst, late)
        self._last = now
        if late >= STALL:
            self._write(f"stall_ms={late * 1000:.1f}")
        self.ticks += 1
        if now - self._since >= REPORT_EVERY:
            self.flush()

    def flush(self) -> None:
        """Write the worst lateness since the last line (also at stop: a partial minute)."""
        self._write(f"max_late_ms={self.worst * 1000:.1f} ticks={self.ticks}")
        self.worst, self.ticks, self._since = 0.0, 0, time.monotonic()

    def _write(self, figures: str) -> None:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
        try:
            with self.path.open("a", encoding="utf-8") as file:
                file.write(f"{stamp} {figures}\n")
        except OSError as error:  # a measurement must never stop the wall
            log.warning("lateness log %s: %s", self.path, error)

    def stop(self) -> None:
        self.timer.stop()
        self.flush()


def lateness_log_from_env() -> LatenessLog | None:
    """The lateness log asked for by ``KIOSK_LATENESS_LOG``, started; None when unset."""
    path = os.environ.get(ENV)
    return LatenessLog(Path(path)) if path else None
