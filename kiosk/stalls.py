"""Where the event loop spent a stall: what ran between two late ticker frames.

The recorder notes, in a fixed-size ring, the start of every Qt event delivered in the process
(an event filter on the QApplication: paints per widget, timers, posted events) and the start
and length of every asyncio callback (tasks' steps, ``call_soon``/``call_later`` callbacks). A
stall is an interval between two ticker frames longer than a threshold; what it was spent on is
read from the ring afterwards: the record followed by the longest quiet stretch is what the loop
was busy with (the innermost thing that started last), and the stall's time is summed by label.
The loop's sleeps are records too (the event dispatcher's ``aboutToBlock`` and ``awake``): the
time it slept is not blamed on the paint before the sleep, and a sleep, which is the loop waiting
for the frame's timer, is the culprit only of an interval in which no work of 1 ms or more ran.
A :class:`StackSampler` adds the Python code: the UI thread's stack sampled every 4 ms names the
lines inside a long paint or callback (the event alone says "Paint TimeseriesWidget"; the
samples say which call in it).

Only for benchmarks: the filter costs a few microseconds per event.
"""

from __future__ import annotations

import asyncio
import bisect
import collections
import sys
import threading
import time
from array import array
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QAbstractEventDispatcher, QEvent, QObject
from PySide6.QtWidgets import QApplication, QWidget

ASLEEP = "loop asleep (nothing to run until a timer or event was due)"
NOTABLE_WORK = 0.001  # seconds: shorter work (a timer's tick) is no culprit beside a sleep
RING = 60_000  # records kept: a few seconds of a busy wall (stalls are explained each second)
SAMPLE_EVERY = 0.004  # seconds between samples of the UI thread's stack
SAMPLES = 5_000  # stack samples kept: the last 20 s


class Ring:
    """The last ``size`` records of (monotonic time, owner, kind), in memory fixed at the start.

    A record is a slot in three arrays (times as C doubles), not a tuple, a float and a label of
    its own: 60,000 of those, with 100,000 stack samples, were 5.6 MB of what a 3×4K bench
    measured (tracemalloc; 2.0 MB now), memory a wall run without the recorder never has.
    Labels are interned: each distinct one is kept once.
    """

    def __init__(self, size: int = RING) -> None:
        self._size = size
        self._times = array("d", bytes(8 * size))
        self._owners: list[str | None] = [None] * size
        self._kinds: list[Any] = [None] * size
        self._next = 0  # the slot the next record goes to
        self._count = 0

    def append(self, at: float, owner: str | None, kind: Any) -> None:
        slot = self._next
        self._times[slot], self._owners[slot], self._kinds[slot] = at, owner, kind
        self._next = slot + 1 if slot + 1 < self._size else 0
        if self._count < self._size:
            self._count += 1

    def __len__(self) -> int:
        return self._count

    def clear(self) -> None:
        self._owners = [None] * self._size
        self._kinds = [None] * self._size
        self._next = self._count = 0

    def between(self, start: float, end: float) -> list[tuple[float, str | None, Any]]:
        """The records from the one running at ``start`` (the last at or before it) to the last
        at or before ``end``, oldest first."""
        size, count, times = self._size, self._count, self._times
        oldest = (self._next - count) % size

        def time_of(n: int) -> float:  # of the n-th oldest record
            return times[(oldest + n) % size]

        order = range(count)
        first = max(0, bisect.bisect_right(order, start, key=time_of) - 1)
        last = bisect.bisect_right(order, end, lo=first, key=time_of)
        slots = [(oldest + n) % size for n in range(first, last)]
        return [(times[i], self._owners[i], self._kinds[i]) for i in slots]


class _Filter(QObject):
    def __init__(self, ring: Ring) -> None:
        super().__init__()
        self._ring = ring
        self._clock = time.monotonic

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Labels are made now: a reference to the object would keep a Python-owned one alive.
        self._ring.append(self._clock(), sys.intern(_owner(watched)), event.type())
        return False


@dataclass
class Stall:
    at: float  # monotonic time of the late frame
    ms: float  # the interval between the two frames
    culprit: str  # what ran for the longest stretch inside it
    culprit_ms: float
    by_label: list[tuple[str, float]] = field(default_factory=list)  # top labels by time
    code: list[tuple[str, int]] = field(default_factory=list)  # sampled Python places, counts

    def line(self) -> str:
        parts = ", ".join(f"{label} {ms:.0f} ms" for label, ms in self.by_label[:4])
        line = f"{self.ms:.0f} ms: {self.culprit} ({self.culprit_ms:.0f} ms); in all: {parts}"
        if self.code:
            line += "\n      code: " + "; ".join(f"{where} ×{n}" for where, n in self.code)
        return line


class StackSampler:
    """What Python code the UI thread ran: its stack sampled every 4 ms by a thread.

    Each sample keeps the innermost frame of kiosk's own code and the innermost frame of all (a
    library: pyqtgraph, Qt through PySide, numpy…). Sampling needs the GIL: inside a long C++
    call that holds it, the samples land just after, on the Python line that made the call.
    Overhead: a few % of one core, the same in every run it is used in.
    """

    def __init__(self) -> None:
        self.samples: collections.deque[tuple[float, str]] = collections.deque(maxlen=SAMPLES)
        self._stop = threading.Event()
        self._main = threading.main_thread().ident
        self._thread = threading.Thread(target=self._run, name="stack-sampler", daemon=True)
        # The frames a sample touched, let go by the UI thread (:meth:`release`): a frame whose
        # function has returned owns its locals, and dropping the last reference here destroyed
        # a Qt object in this thread, which deadlocked with the UI thread (a hung bench in CI).
        self._held: list[object] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY):
            touched: list[object] = []
            frames = sys._current_frames()
            frame = frames.get(self._main or 0)
            if frame is not None:
                self.samples.append((time.monotonic(), sys.intern(_where(frame, touched))))
            with self._lock:
                self._held.append((frames, touched))
                del frames, frame, touched

    def release(self) -> None:
        """Let go of the sampled frames, from the UI thread (call it now and then)."""
        with self._lock:
            held, self._held = self._held, []
        del held

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(1.0)
        self.release()

    def places(self, start: float, end: float, at_most: int = 3) -> list[tuple[str, int]]:
        """The places sampled between ``start`` and ``end``, most often first."""
        samples = list(self.samples)  # one C-level copy: the sampler thread may append meanwhile
        doing = collections.Counter(where for at, where in samples if start <= at <= end)
        return doing.most_common(at_most)


def _where(frame: Any, touched: list[object]) -> str:
    """``kiosk/widgets/timeseries.py:_set_scale → pyqtgraph/…/AxisItem.py:paint``; every frame
    object walked goes into ``touched``."""
    innermost = _place(frame)
    ours = None
    while frame is not None:
        touched.append(frame)
        name = frame.f_code.co_filename
        if "/kiosk/" in name and not name.endswith(("bench.py", "stalls.py")):
            ours = _place(frame)
            break
        frame = frame.f_back
    if ours is None:
        return f"(event loop) → {innermost}"
    return ours if ours == innermost else f"{ours} → {innermost}"


def _place(frame: Any) -> str:
    name = frame.f_code.co_filename
    for marker in ("/kiosk/", "/site-packages/", "/python3."):
        if marker in name:
            name = name.split(marker, 1)[1]
            name = ("kiosk/" if marker == "/kiosk/" else "") + name
            break
    return f"{name}:{frame.f_code.co_name}"


class LoopRecorder:
    """Records what the loop runs; ``explain(t0, t1)`` says what filled an interval."""

    def __init__(self) -> None:
        self.ring = Ring()
        self._filter: _Filter | None = None
        self._original_run: Any = None
        self._dispatcher: QAbstractEventDispatcher | None = None

    def start(self) -> None:
        app = QApplication.instance()
        assert app is not None
        self._filter = _Filter(self.ring)
        app.installEventFilter(self._filter)
        ring, clock = self.ring, time.monotonic
        # While the loop sleeps, the last record does not run on: its time ends at the sleep.
        self._dispatcher = QAbstractEventDispatcher.instance(app.thread())
        if self._dispatcher is not None:
            self._dispatcher.aboutToBlock.connect(self._asleep)
            self._dispatcher.awake.connect(self._awake)
        original = asyncio.Handle._run
        self._original_run = original

        def timed_run(handle: asyncio.Handle) -> None:
            # A label, not the handle: the handle holds its arguments (batches of posts).
            ring.append(clock(), sys.intern(_describe_handle(handle)), None)
            original(handle)
            ring.append(clock(), None, None)  # the callback's end: the quiet after is not its

        asyncio.Handle._run = timed_run  # type: ignore[method-assign,assignment]

    def _asleep(self) -> None:
        self.ring.append(time.monotonic(), ASLEEP, None)

    def _awake(self) -> None:
        self.ring.append(time.monotonic(), None, None)

    def stop(self) -> None:
        app = QApplication.instance()
        if self._filter is not None and app is not None:
            app.removeEventFilter(self._filter)
        if self._dispatcher is not None:
            self._dispatcher.aboutToBlock.disconnect(self._asleep)
            self._dispatcher.awake.disconnect(self._awake)
            self._dispatcher = None
        if self._original_run is not None:
            asyncio.Handle._run = self._original_run  # type: ignore[method-assign]
        self._filter = None
        self._original_run = None
        # The record explains stalls of a run; it has no use after it.
        self.ring.clear()

    def explain(self, start: float, end: float, *, at_most: int = 4) -> Stall:
        """What ran between ``start`` and ``end``: each record owns the time to the next one."""
        records = self.ring.between(start, end)
        totals: dict[str, float] = collections.defaultdict(float)
        # The longest stretch of work, and of sleep: a sleep is the loop waiting for the frame's
        # timer, not what made the frame late, so it is the culprit only when no notable work ran.
        work = sleep = ("", 0.0)  # (label, seconds)
        for (t, obj, kind), following in zip(
            records, [*records[1:], (end, None, None)], strict=True
        ):
            span = min(following[0], end) - max(t, start)
            if span <= 0:
                continue
            label = describe(obj, kind)
            totals[label] += span
            if label == ASLEEP:
                sleep = max(sleep, (label, span), key=lambda stretch: stretch[1])
            else:
                work = max(work, (label, span), key=lambda stretch: stretch[1])
        culprit, culprit_s = work if work[1] >= NOTABLE_WORK or work[1] >= sleep[1] else sleep
        if not culprit:
            culprit = "nothing recorded (loop idle or outside Python and Qt events)"
        ranked = sorted(totals.items(), key=lambda item: -item[1])[:at_most]
        return Stall(
            at=end,
            ms=(end - start) * 1000,
            culprit=culprit,
            culprit_ms=culprit_s * 1000,
            by_label=[(label, seconds * 1000) for label, seconds in ranked],
        )


def describe(owner: str | None, kind: Any) -> str:
    """A short, stable label: ``Paint KpiWidget in GridCanvas``, ``task DemoSource.run``."""
    if owner is None:
        return "between callbacks (Qt internals)"
    if kind is None:  # an asyncio callback, or the loop asleep
        return owner
    return f"{getattr(kind, 'name', kind)} {owner}"


def _owner(obj: QObject) -> str:
    """The object's class, with the nearest kiosk widget or named owner above it."""
    label = obj.objectName() or type(obj).__name__
    try:
        parent = obj.parent()
    except RuntimeError:  # being destroyed
        return label
    depth = 0
    while parent is not None and depth < 12:
        module = type(parent).__module__
        if module.startswith("kiosk.widgets") or (
            module.startswith("kiosk.screens") and isinstance(parent, QWidget)
        ):
            return f"{label} in {type(parent).__name__}"
        parent = parent.parent()
        depth += 1
    return label


def _describe_handle(handle: asyncio.Handle) -> str:
    callback = getattr(handle, "_callback", None)
    owner = getattr(callback, "__self__", None)
    if isinstance(owner, asyncio.Task):
        coro = owner.get_coro()
        return f"task {getattr(coro, '__qualname__', type(coro).__name__)}"
    name = getattr(callback, "__qualname__", None) or type(callback).__name__
    return f"callback {name}"


class StallLog:
    """The longest stalls of a run explained by a :class:`LoopRecorder`, and their culprits."""

    def __init__(
        self, recorder: LoopRecorder, kept: int = 5, sampler: StackSampler | None = None
    ) -> None:
        self.recorder = recorder
        self.sampler = sampler
        self.kept = kept
        self.stalls: list[Stall] = []
        self.count = 0
        self.max_ms = 0.0
        self.culprits: dict[str, tuple[int, float]] = {}  # label -> (stalls, ms)
        self._seen: list[tuple[float, float]] = []

    def add(self, intervals: list[tuple[float, float]]) -> None:
        """Explain each (start, end) monotonic interval once (screens' tickers share stalls).
        Called from the UI thread, it also lets go of the sampler's frames there."""
        if self.sampler is not None:
            self.sampler.release()
        for start, end in intervals:
            if any(a <= start + 0.005 and end - 0.005 <= b for a, b in self._seen[-64:]):
                continue
            self._seen.append((start, end))
            stall = self.recorder.explain(start, end)
            if self.sampler is not None:
                stall.code = self.sampler.places(start, end)
            self.count += 1
            self.max_ms = max(self.max_ms, stall.ms)
            count, ms = self.culprits.get(stall.culprit, (0, 0.0))
            self.culprits[stall.culprit] = (count + 1, ms + stall.culprit_ms)
            self.stalls = sorted([*self.stalls, stall], key=lambda s: -s.ms)[: self.kept]

    def lines(self, when: str) -> list[str]:
        if not self.count:
            return [f"stalls {when} (frame intervals ≥ 50 ms): none"]
        lines = [
            f"stalls {when} (frame intervals ≥ 50 ms), by Qt event and asyncio callback, with"
            f" the Python code sampled in them: {self.count}; longest:"
        ]
        lines.extend(f"  {stall.line()}" for stall in self.stalls)
        ranked = sorted(self.culprits.items(), key=lambda item: -item[1][1])[: self.kept]
        lines.append(
            "  culprits over all: "
            + "; ".join(f"{label} ×{count} ({ms:.0f} ms)" for label, (count, ms) in ranked)
        )
        return lines
