"""One frame clock for the wall: every moving thing steps on it, other work runs just after it.

Each ticker had a 60 Hz timer of its own, at its own phase, and every other periodic thing (a
panel's refresh, the demo's batches, the analytics' second) ran whenever its own timer fired,
often just as a frame was due: that frame came late (p99 of the ticker interval 19-21 ms on
three 4K screens at 500 mentions/s, with 17 ms wanted). Now:

- :class:`FrameClock` runs one precise timer while anything moves; each frame it steps every
  frame timer (tickers, the post wall), in the order they started;
- right after that, the periodic jobs that are due run (panels' refreshes: their repaints follow
  at once, in the frame's slack), a few per frame and the most overdue first, so that a second's
  refreshes are spread over the second's frames instead of landing on one;
- asyncio work that can wait for a good moment (``await after_frame()``: the demo's batches,
  the analytics' tick) resumes after a frame, one such task per frame.

A ticker's tape (kiosk.widgets.ticker) moves without Python, on Qt's animation timer (16 ms),
so its frames are not the clock's. The clock learns that timer's beat from one frame of a
running animation (again every :data:`BEAT_RELEARN_S`: a stall re-bases it) and wakes for jobs
and ``after_frame`` just after a beat, one waiter and a few jobs a beat, as on its own frames.

While nothing moves the clock does not tick: jobs run at their own time and ``after_frame``
returns at once. The browser screen without its ticker (one 1080p screen at 100/s, offscreen,
40 s) cost 1.12 and 1.09 CPU-s/min with a QTimer per widget, 0.92 and 0.96 on this clock.

The timers are :class:`AlignedTimer`, with the part of QTimer's interface the widgets use; each
is a child of its widget, so a deleted widget's timers are dropped, never called.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QAbstractAnimation, QObject, Qt, QTimer

log = logging.getLogger(__name__)

FRAME_MS = 17  # 60 Hz, at QTimer's millisecond resolution (what each ticker's timer had)
FRAME_LIMIT_MS = 40  # a timer at least this fast steps on frames; slower ones are jobs
JOBS_PER_FRAME = 2  # periodic jobs run after one frame, at most (a 4K panel repaint: 2-5 ms)
LATE_S = 0.5  # a job this overdue runs even past that limit: none starves on a busy wall
BEAT_S = 0.016  # Qt's animation timer (QUnifiedTimer's default interval, a precise timer)
BEAT_AFTER_S = 0.001  # wake this long after a beat: the beat's moves and paints come first
BEAT_RELEARN_S = 2.0  # learn the beat again this often while animations run


class AlignedTimer(QObject):
    """A timer on the wall's :class:`FrameClock`: ``start``, ``stop``, ``isActive``,
    ``interval`` and ``setInterval`` as on QTimer (single-shot is fixed when it is made).

    A frame timer (interval under :data:`FRAME_LIMIT_MS`) is stepped on the clock's frames
    (a 30 fps one on every other frame); any other is a job run after a frame once due.
    """

    def __init__(
        self,
        interval_ms: float,
        slot: Callable[[], None],
        parent: QObject,
        *,
        clock: FrameClock | None = None,
        single_shot: bool = False,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._slot = slot
        self._interval = max(1, round(interval_ms))
        self._single = single_shot
        self._active = False
        self.due = 0.0  # monotonic seconds
        self.failed = False  # its slot raised (logged the first time)

    def __repr__(self) -> str:
        return f"timer of {getattr(self._slot, '__qualname__', self._slot)!r}"

    @property
    def clock(self) -> FrameClock:
        return self._clock or wall_clock()

    @property
    def frame(self) -> bool:
        return self._interval < FRAME_LIMIT_MS and not self._single

    def interval(self) -> int:
        return self._interval

    def setInterval(self, interval_ms: float) -> None:
        self._interval = max(1, round(interval_ms))

    def isActive(self) -> bool:
        return self._active

    def start(self, interval_ms: int | None = None) -> None:
        self.stop()
        if interval_ms is not None:
            self.setInterval(interval_ms)
        self._active = True
        # A frame timer steps on the next frame; a job once its interval has passed.
        self.due = time.monotonic() + (0 if self.frame else self._interval / 1000)
        self.clock.add(self)

    def stop(self) -> None:
        if self._active:
            self._active = False
            self.clock.remove(self)

    def fire(self, now: float) -> None:
        """Run the slot. A frame timer is next due one interval after this step (a 30 fps fade
        steps on every other frame); a job keeps its phase (one interval after its last due)."""
        if self._single:
            self.stop()
        elif self.frame:
            self.due = now + self._interval / 1000
        else:
            self.due = max(self.due + self._interval / 1000, now)
        self._slot()


class FrameClock:
    """Frames for every frame timer, jobs after them; see the module's docstring."""

    def __init__(self, frame_ms: int = FRAME_MS) -> None:
        self._frames: list[AlignedTimer] = []
        self._jobs: list[AlignedTimer] = []
        self._waiters: list[asyncio.Future[None]] = []
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        self._frame_ms = frame_ms
        self.frames = 0  # frames stepped so far
        self._motions: list[QAbstractAnimation] = []  # Qt animations running (tickers' tapes)
        self.beat: float | None = None  # when Qt's animation timer last beat, as seen
        self._listening: QAbstractAnimation | None = None

    @property
    def running(self) -> bool:
        """Whether frames are being stepped (something on the wall moves)."""
        return bool(self._frames)

    @property
    def animated(self) -> bool:
        """Whether a Qt animation of the wall runs (its frames beat without Python)."""
        self._motions = [motion for motion in self._motions if shiboken6.isValid(motion)]
        return bool(self._motions)

    def moving(self, motion: QAbstractAnimation, running: bool) -> None:
        """A Qt animation started or stopped: while any runs, work waits for just after a beat."""
        if motion in self._motions:
            self._motions.remove(motion)
        if running:
            self._motions.append(motion)
        self._schedule()

    def close(self) -> None:
        """Stop ticking and let go of every timer, waiter and animation (at the end of a
        process: nothing of the clock's is left to run while Qt and Python tear down)."""
        self._timer.stop()
        if self._listening is not None and shiboken6.isValid(self._listening):
            self._listening.valueChanged.disconnect(self._heard)  # type: ignore[attr-defined]
        self._listening = None
        self._release(len(self._waiters))
        self._frames.clear()
        self._jobs.clear()
        self._motions.clear()

    def _listen(self, now: float) -> None:
        """Take the time of the next frame of a running animation as the beat, unless the beat
        was heard within :data:`BEAT_RELEARN_S`."""
        if self.beat is not None and now - self.beat <= BEAT_RELEARN_S:
            return
        if self._listening is not None and shiboken6.isValid(self._listening):
            return
        self._listening = next(iter(self._motions), None)
        if self._listening is not None:
            self._listening.valueChanged.connect(self._heard)  # type: ignore[attr-defined]

    def _heard(self, _value: object) -> None:
        self.beat = time.monotonic()
        if self._listening is not None and shiboken6.isValid(self._listening):
            self._listening.valueChanged.disconnect(self._heard)  # type: ignore[attr-defined]
        self._listening = None

    def _after_beat(self, at: float) -> float:
        """The first moment at or after ``at`` that is just after a beat (a beat later while
        the beat is not known yet: one waiter a frame from the start)."""
        if self.beat is None:
            return at + BEAT_S
        beats = math.ceil((at - self.beat - BEAT_AFTER_S) / BEAT_S)
        return self.beat + beats * BEAT_S + BEAT_AFTER_S

    def add(self, timer: AlignedTimer) -> None:
        (self._frames if timer.frame else self._jobs).append(timer)
        self._schedule()

    def remove(self, timer: AlignedTimer) -> None:
        for timers in (self._frames, self._jobs):
            if timer in timers:
                timers.remove(timer)
        self._schedule()

    async def after_frame(self) -> None:
        """Return just after a frame (one waiting task per frame), or at once while nothing
        moves: for work that may come a few milliseconds later but not in a frame's way."""
        if not self.running and not self.animated:
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        if not self.running:
            self._schedule()
        await waiter

    def _schedule(self, *, ticked: bool = False) -> None:
        """Tick every frame while anything moves (on the animations' beat while they run); else
        wake when the next job is due (just after a beat while animations run)."""
        now = time.monotonic()
        animated = self.animated
        if animated:
            self._listen(now)
        if self._frames and animated and self.beat is not None:
            timer = self._timer
            if ticked:  # the next beat's frame, not this one's again (a timer may fire early)
                wake = self._after_beat(now + BEAT_S / 2)
            elif (
                timer.isActive() and timer.isSingleShot() and timer.remainingTime() <= BEAT_S * 1000
            ):
                return  # the coming beat's frame is set: a timer started now must not skip it
            else:
                wake = self._after_beat(now)
            timer.setSingleShot(True)
            timer.start(max(0, round((wake - now) * 1000)))
            return
        if self._frames:
            if not self._timer.isActive() or self._timer.isSingleShot():
                self._timer.setSingleShot(False)
                self._timer.start(self._frame_ms)
            return
        if not animated:
            self._release(len(self._waiters))  # no more frames to wait for
        wake = min((job.due for job in self._jobs), default=math.inf)
        if self._waiters:
            wake = now
        if wake == math.inf:
            self._timer.stop()
            return
        if animated:  # just after one of the animations' beats
            wake = self._after_beat(max(wake, now + BEAT_S / 2) if ticked else wake)
        wait_ms = (wake - now) * 1000
        self._timer.setSingleShot(True)
        self._timer.start(max(0, round(wait_ms)))

    def _tick(self) -> None:
        now = time.monotonic()
        if self._frames:
            self.frames += 1
            for timer in list(self._frames):  # every frame; a 30 fps one every other frame
                if timer.interval() <= self._frame_ms or now >= timer.due - self._frame_ms / 2000:
                    self._run(timer, now)
        self._release(1)
        beating = self._frames or self.animated
        self._run_jobs(now, limit=JOBS_PER_FRAME if beating else len(self._jobs))
        if not self._frames or self._timer.isSingleShot():
            self._schedule(ticked=True)

    def _run_jobs(self, now: float, limit: int) -> None:
        due = sorted((job for job in self._jobs if job.due <= now), key=lambda job: job.due)
        for count, job in enumerate(due):
            if count >= limit and job.due > now - LATE_S:
                break
            self._run(job, now)

    def _run(self, timer: AlignedTimer, now: float) -> None:
        if not shiboken6.isValid(timer):  # its widget was deleted without being hidden
            self.remove(timer)
            return
        try:
            timer.fire(now)
        except Exception:  # one widget's fault must not stop every other ticker on the wall
            if not timer.failed:  # logged once, not 60 times a second
                timer.failed = True
                log.exception("%s failed; the wall runs on without it", timer)

    def _release(self, count: int) -> None:
        while count > 0 and self._waiters:
            waiter = self._waiters.pop(0)
            if not waiter.done():
                waiter.set_result(None)
                count -= 1


_clock: FrameClock | None = None


def wall_clock() -> FrameClock:
    """The process's frame clock (one wall per process), made on first use."""
    global _clock
    if _clock is None:
        _clock = FrameClock()
    return _clock


async def after_frame() -> None:
    """:meth:`FrameClock.after_frame` of the wall's clock."""
    await wall_clock().after_frame()
