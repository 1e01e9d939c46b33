"""Python's cycle collector for the wall: run from the UI thread's loop, never in a paint, and
kept from stalling the screens.

Python's automatic collection can run in the middle of a Qt paint; if it frees a Python-owned Qt
object there (a torn-down widget, a pyqtgraph label), Qt segfaults inside QPainter (seen in the
test suite, and reproduced every time by collecting in a paint). pyqtgraph's
``GarbageCollector`` turns automatic collection off and collects from a timer instead, and the
wall used it. But it forces a full collection every eleventh gen-1 collection (a couple of
minutes on a busy wall), and a full collection walks every object the process has: 45 ms on the
browser screen (118,000 objects), 77 ms on the crisis room (235,000), long enough to hold every
ticker and fade on the wall (``kiosk bench``'s probe found them on walls without a ticker).

:class:`Collector` collects from a timer the same way, and

- runs a full collection only when the oldest generation has grown by a quarter since the last
  one, after CPython's own rule (which counts the objects that entered it; this counts what
  stayed, since reference counting frees the rest: garbage in cycles stays, so it can make at
  most a fifth of that generation). The young generations, collected as before, catch the
  short-lived cycles;
- when it is made, before any screen shows, it collects everything and freezes what is left
  (``gc.freeze``): the imports' modules, classes and functions, never walked again;
- :func:`freeze_built`, once the windows are built and before Qt paints them, collects and
  freezes again: the layout's pages and widgets (5-18 ms on the soak wall), while nothing
  moves on screen, and no later walk meets them;
- until the first settle, for :data:`QUIET_START_S` at most, the timer collects nothing: its
  first young collection walked the sources' backfill (21-47 ms on the soak wall, 1.6-1.9 s
  after the start, sometimes with the tickers moving);
- :meth:`Collector.settle`, once every screen shows data, freezes what was made since (the
  sources' backfill, the first pictures) without walking it. So later full collections walk
  only what was made after (the start's objects live as long as the process). A full
  collection there, with the tickers running, took 16-65 ms in CI's soak (120,000-170,000
  objects) and found nothing to free on the soak, browser, demo, gallery, crisis-room and
  global-room walls. Cyclic garbage made since the last collection stays frozen: none on
  care-hub's and crisis-room's walls as measured after this change (care-hub had 87 objects
  before :func:`freeze_built` collected the layout's), 542 on a wall whose two sources could
  not connect for the 60 s it waits for data there (kilobytes, once). A layout reload settles
  again after unfreezing, with a full collection, so the old layout's objects are collected.
"""

from __future__ import annotations

import gc
import logging
import time

from PySide6.QtCore import QObject, QTimer

from kiosk.widgets.frames import AlignedTimer

log = logging.getLogger(__name__)

CHECK_MS = 1000  # how often the timer looks at the generations' counts
QUIET_START_S = 10.0  # no collection before the first settle for this long (the module's doc)
GROWTH = 0.25  # full collection once the oldest generation grew by this share (after CPython)

_active: Collector | None = None


class Collector:
    """Collects from a timer in the thread it is made in (the UI thread); see the module."""

    def __init__(self, interval_ms: int = CHECK_MS, quiet_start_s: float = QUIET_START_S) -> None:
        global _active
        self.threshold = gc.get_threshold()
        self._full_due = False  # a gen-1 collection called for a full one: at the next check
        self._settled = False  # whether a settle froze the start's layout and data
        self._quiet_until = time.monotonic() + quiet_start_s
        gc.disable()
        self.built()  # the imports: kept for the life of the process, never walked again
        self._oldest = 0  # objects in the oldest generation after the last full collection
        self._owner = QObject()  # the timer's parent: an AlignedTimer is a child of something
        self.timer = AlignedTimer(interval_ms, self.check, self._owner)
        self.timer.start()
        self._settle = QTimer()
        self._settle.setSingleShot(True)
        self._settle.timeout.connect(self.settle)
        _active = self

    def built(self) -> None:
        """Collect and freeze everything now: call it only before the screens show (no ticker
        moves yet), as the walk takes tens of milliseconds."""
        gc.collect()
        gc.freeze()

    def check(self) -> None:
        if not self._settled and time.monotonic() < self._quiet_until:
            return  # the start: what it makes is frozen at the settle, unwalked
        if self._full_due:
            self._full()
            return
        young, middle, _ = gc.get_count()
        if young <= self.threshold[0]:
            return
        if middle <= self.threshold[1]:
            gc.collect(0)
            return
        gc.collect(1)  # its survivors are now in the oldest generation
        oldest = len(gc.get_objects(generation=2))
        self._full_due = oldest - self._oldest > self._oldest * GROWTH

    def _full(self) -> None:
        gc.collect(2)
        self._full_due = False
        self._oldest = len(gc.get_objects(generation=2))

    def settle(self) -> None:
        """Freeze what was made since the last freeze: it is not walked again. The first time
        without a walk (the module's docstring); after an earlier settle, everything is
        thawed and collected first: what it froze may be garbage now (an old layout's)."""
        started = time.perf_counter()
        walked = self._settled
        if walked:
            gc.unfreeze()
            self._full()
        gc.freeze()
        self._settled = True
        self._oldest = 0
        # Not gc.get_freeze_count(): it walks the frozen objects' list, 10-17 ms on the soak
        # wall (170,000 objects scattered in memory), as long as the walk this saves.
        log.info(
            "garbage collector settled in %.1f ms: %s",
            (time.perf_counter() - started) * 1000,
            "collected and frozen" if walked else "the start frozen, not walked",
        )

    def settle_in(self, seconds: float) -> None:
        """:meth:`settle` in ``seconds`` (again later if asked again before)."""
        self._settle.start(round(seconds * 1000))

    def stop(self) -> None:
        """Stop collecting, frozen objects thawed; automatic collection stays off until the
        caller turns it on (after Qt's teardown: it must not run in a last paint)."""
        global _active
        self.timer.stop()
        self._settle.stop()
        gc.unfreeze()
        if _active is self:
            _active = None


def settle_in(seconds: float) -> None:
    """Settle the running wall's collector in ``seconds``; nothing outside a wall (tests, CLI)."""
    if _active is not None:
        _active.settle_in(seconds)


def freeze_built() -> None:
    """The wall's windows are built and not painted yet: collect and freeze what the layout made
    (:meth:`Collector.built`); nothing outside a wall."""
    if _active is not None:
        _active.built()
