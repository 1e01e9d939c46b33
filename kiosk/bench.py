"""``kiosk bench``: run a layout offscreen at a given mention rate and print what it costs.

Figures: CPU seconds per minute of wall time (whole process), peak memory (RSS and PSS), and the
ticker's frame-interval percentiles (on screens without a ticker, a 16 ms probe timer's: the UI
loop freezes their clocks, fades and commands as well). Printed with the machine and the
command, so figures in notes can be compared and reproduced. Nothing here asserts a time:
benchmarks report.
"""

from __future__ import annotations

import asyncio
import collections
import math
import os
import platform
import resource
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import psutil
from PySide6.QtCore import Qt, QTimer

from kiosk.analytics.moderation import Moderator
from kiosk.app import Runtime, when_data_is_on_screen
from kiosk.collector import freeze_built
from kiosk.config import Layout
from kiosk.config.layout import Render
from kiosk.screens.ahead import AHEAD_S
from kiosk.screens.wall import stagger_for
from kiosk.screens.window import ScreenWindow
from kiosk.stalls import LoopRecorder, StackSampler, StallLog
from kiosk.widgets import ticker as ticker_widget
from kiosk.widgets.frames import after_frame

PSS_EVERY_S = 0.25  # between PSS samples: a flip's frame drawn ahead lives about two seconds


class FrameIntervals:
    """Frame-to-frame intervals of tickers as a 0.1 ms histogram: fixed memory for any run.

    Only intervals while a ticker is on screen count: its page rotating away stops its frames
    (a ``nan`` in its frame times marks that), and the pause is not a slow frame.
    """

    BIN_MS = 0.1
    BINS = 20_000  # up to 2 s; longer intervals go in the last bin (and max_ms says how long)

    def __init__(self) -> None:
        self.histogram = np.zeros(self.BINS, dtype=np.int64)
        self.count = 0
        self.max_ms = 0.0
        self._last: dict[int, float] = {}
        self.long: list[tuple[float, float]] = []  # the last take()'s stalls, monotonic times

    def take(self, ticker: Any) -> None:
        times = np.asarray(list(ticker.frame_times), dtype=np.float64)
        ticker.frame_times.clear()
        if not len(times):
            return
        previous = self._last.get(id(ticker), math.nan)
        self._last[id(ticker)] = times[-1]
        intervals = np.diff(np.concatenate(([previous], times))) * 1000
        intervals = intervals[np.isfinite(intervals)]
        if not len(intervals):
            return
        bins = np.minimum((intervals / self.BIN_MS).astype(np.int64), self.BINS - 1)
        np.add.at(self.histogram, bins, 1)
        self.count += len(intervals)
        self.max_ms = max(self.max_ms, float(intervals.max()))
        ends = np.concatenate(([previous], times))
        self.long = [
            (float(ends[i]), float(ends[i + 1]))
            for i in np.flatnonzero(np.diff(ends) * 1000 >= STALL_MS)
            if math.isfinite(ends[i]) and math.isfinite(ends[i + 1])
        ]

    def percentile(self, q: float) -> float:
        rank = np.searchsorted(np.cumsum(self.histogram), q / 100 * self.count)
        return float(rank + 0.5) * self.BIN_MS


STALL_MS = 50.0  # a ticker interval this long is a stall the room sees: find out what ran
PROBE_MS = 16  # the probe's interval where no ticker is shown: a frame's


class LoopProbe:
    """A 16 ms timer whose firing times stand in for a ticker's frames on screens without one
    (a KPI wall, a map room): the same intervals, percentiles and stall attribution.

    Started only where no ticker exists, so a ticker wall's CPU figure carries no probe."""

    def __init__(self) -> None:
        self.frame_times: collections.deque[float] = collections.deque(maxlen=2000)
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(lambda: self.frame_times.append(time.monotonic()))

    def start(self) -> None:
        self._timer.start(PROBE_MS)

    def stop(self) -> None:
        self._timer.stop()


@dataclass
class BenchResult:
    seconds: float
    cpu_seconds: float
    rss_peak_mb: float
    pss_peak_mb: float
    rss_start_mb: float
    rss_end_mb: float
    frames: FrameIntervals = field(default_factory=lambda: FrameIntervals())
    mentions: int = 0
    rss_at_10min_mb: float | None = None
    flips: int = 0  # page flips by rotation during the run
    flip_ms: dict[str, list[float]] = field(default_factory=dict)  # tick → painted, by kind
    loop_stalls: StallLog | None = None  # the longest ticker intervals, explained
    start_stalls: StallLog | None = None  # during warm-up: the start's stalls
    drawing: list[str] = field(default_factory=list)  # each render path taken, and why
    pss_median_mb: float = 0.0
    # A tenth of the samples at or under it: the level between a rotation's flips, as long as
    # frames drawn ahead (33 MB at 4K) are alive less than 90 % of the time.
    pss_low_mb: float = 0.0
    pss_files_mb: float | None = None  # the median of mapped files' pages (read_memory)
    pss_samples: int = 0
    probed: bool = False  # no ticker on the screens: the intervals are a probe timer's

    @property
    def cpu_per_minute(self) -> float:
        return self.cpu_seconds / self.seconds * 60


def read_memory(process: psutil.Process, sums: Path | None = None) -> tuple[int, int, int | None]:
    """The process's RSS, PSS and the PSS of its mapped files' pages (libraries' code and data,
    fonts), in bytes; the last is None where the kernel does not say.

    One read of the kernel's sums (``smaps_rollup``, whose ``Pss_File`` Linux has given since
    5.9; ``sums`` names another file), else psutil's. Mapped files' pages move with the
    kernel's page cache: one session's 3x4K runs at 500/s read PSS 266-270 MB (mapped files
    68-71 MB) until the page cache was dropped once, and 251-258 MB (60-62 MB) after, with the
    cache dropped before a run or not; the same code, the same libraries."""
    try:
        path = sums or Path(f"/proc/{process.pid}/smaps_rollup")
        lines = path.read_text().splitlines()[1:]  # after the header line
    except OSError:
        lines = []
    kept = {}
    for line in lines:
        name, _, value = line.partition(":")
        if fields := value.split():
            kept[name] = int(fields[0]) * 1024  # kB
    if "Rss" in kept and "Pss" in kept:
        return kept["Rss"], kept["Pss"], kept.get("Pss_File")
    memory = process.memory_full_info()
    return memory.rss, getattr(memory, "pss", memory.rss), None


def _at_share(samples: collections.Counter[int], share: float) -> float | None:
    """The value (whole MB) that ``share`` of ``samples`` are at or under; None without any."""
    wanted, seen = samples.total() * share, 0
    for mb in sorted(samples):
        seen += samples[mb]
        if seen >= wanted:
            return float(mb)
    return None


class PssSampler:
    """The process's PSS and RSS, four times a second, from a thread of its own, in fixed
    memory (a soak runs for hours): the peaks, RSS after ten minutes, PSS by whole MB.

    Reading smaps walks the page tables: milliseconds at 4K, which the UI thread must not spend
    (sampled there, it was read every 10 s and missed the flips, when a 4K frame drawn ahead
    adds 32 MB for two seconds). The thread's own CPU time is kept apart, so that the run's
    CPU figure leaves it out.
    """

    def __init__(self, every: float = PSS_EVERY_S) -> None:
        self.every = every
        self.pss_mb: collections.Counter[int] = collections.Counter()  # samples per whole MB
        self.files_mb: collections.Counter[int] = collections.Counter()  # mapped files' pages
        self.pss_peak = self.rss_peak = 0  # bytes
        self.rss_at_10min: int | None = None
        self.cpu_seconds = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="PSS sampler", daemon=True)

    @property
    def samples(self) -> int:
        return self.pss_mb.total()

    def median_mb(self) -> float:
        """The median PSS, to the MB (0 before any sample)."""
        return self.percentile_mb(0.5)

    def percentile_mb(self, share: float) -> float:
        """The PSS that ``share`` of the samples are at or under, to the MB (0 before any)."""
        return _at_share(self.pss_mb, share) or 0.0

    def files_median_mb(self) -> float | None:
        """The median PSS of mapped files' pages, to the MB (None where the kernel does not say)."""
        return _at_share(self.files_mb, 0.5)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)

    def _run(self) -> None:
        process = psutil.Process()
        began, cpu_began = time.monotonic(), time.thread_time()
        while not self._stop.wait(self.every):
            rss, pss, files = read_memory(process)
            self.pss_mb[round(pss / 2**20)] += 1
            if files is not None:
                self.files_mb[round(files / 2**20)] += 1
            self.pss_peak, self.rss_peak = max(self.pss_peak, pss), max(self.rss_peak, rss)
            if self.rss_at_10min is None and time.monotonic() - began >= 600:
                self.rss_at_10min = rss
        self.cpu_seconds = time.thread_time() - cpu_began


def with_rate(layout: Layout, rate: float | None) -> Layout:
    """The layout with every demo source at a steady ``rate`` mentions per second.

    The daily rhythm is switched off, so the rate measured is the rate asked for at any hour.
    """
    if rate is None:
        return layout
    steady = {"rate": rate, "rhythm": False}
    sources = {
        name: options.model_copy(update=steady) if options.type == "demo" else options
        for name, options in layout.sources.items()
    }
    return layout.model_copy(update={"sources": sources})


def with_render(layout: Layout, render: Render | None) -> Layout:
    """The layout drawn with ``render`` on every screen (a screen's own setting included)."""
    if render is None:
        return layout
    screens = [screen.model_copy(update={"render": render}) for screen in layout.screens]
    spans = [span.model_copy(update={"render": render}) for span in layout.spans]
    return layout.model_copy(update={"render": render, "screens": screens, "spans": spans})


def first_screens(layout: Layout, count: int | None) -> Layout:
    if count is None:
        return layout
    return layout.model_copy(update={"screens": layout.screens[:count]})


async def run_bench(
    layout: Layout,
    *,
    seconds: float,
    warmup: float,
    size: tuple[int, int],
    attribute: bool = True,
) -> BenchResult:
    """Run ``layout`` for ``warmup`` + ``seconds``. With ``attribute``, each stall is also put
    down to the Qt events (paints per widget, timers) and asyncio callbacks that filled it and
    to the Python code sampled in it, from the start on (a record of the loop and a stack
    sampler: a few % of CPU more)."""
    process = psutil.Process()
    recorder = LoopRecorder() if attribute else None
    if recorder is not None:
        recorder.start()
    sampler = StackSampler() if attribute else None
    if sampler is not None:
        sampler.start()
    loop_stalls = StallLog(recorder, sampler=sampler) if recorder is not None else None
    start_stalls = StallLog(recorder, sampler=sampler) if recorder is not None else None
    memory = PssSampler()  # started with the measured run, stopped in any case
    timed_before, ticker_widget.time_frames = ticker_widget.time_frames, True  # every frame
    runtime = Runtime(layout)
    runtime.hub.pace = after_frame  # as the wall does (kiosk.app)
    runtime.start()
    windows: list[ScreenWindow] = []
    for config in layout.screens:
        window = ScreenWindow(
            config,
            runtime.hub,
            layout.theme,
            size,
            Moderator(layout.moderation),
            render=layout.render,
        )
        window.resize(*size)
        window.show()
        if not window.synced:  # as the wall does: screens rotating on their own flip apart
            window.stagger(stagger_for(window, len(windows)))
        windows.append(window)
    freeze_built()  # as the wall does: the windows' pages and widgets, before any paint
    tickers: list[Any] = [  # whatever keeps ``frame_times``
        w
        for window in windows
        for page in window.pages
        for w in page.widgets
        if hasattr(w, "frame_times")
    ]
    probe = LoopProbe() if not tickers else None
    if probe is not None:
        probe.start()
        tickers = [probe]
    shown = when_data_is_on_screen(lambda: windows)  # the collector settles then, as a wall's
    try:
        warm = FrameIntervals()
        warm_until = time.monotonic() + warmup
        while (left := warm_until - time.monotonic()) > 0:
            await asyncio.sleep(min(1.0, left))
            for ticker in tickers:
                warm.take(ticker)
                if start_stalls is not None:
                    start_stalls.add(warm.long)
        frames = FrameIntervals()
        frames._last = warm._last  # the first interval after warm-up counts too
        counted = _mention_counter(runtime)
        rss_start = process.memory_info().rss
        cpu_start = _cpu(process)
        wall_start = time.monotonic()
        memory.start()
        while (elapsed := time.monotonic() - wall_start) < seconds:
            await asyncio.sleep(min(1.0, seconds - elapsed))
            for ticker in tickers:  # drained every second: an hour of frames in fixed memory
                frames.take(ticker)
                if loop_stalls is not None:
                    loop_stalls.add(frames.long)
        memory.stop()
        elapsed = time.monotonic() - wall_start
        cpu = _cpu(process) - cpu_start - memory.cpu_seconds
        for ticker in tickers:
            frames.take(ticker)
            if loop_stalls is not None:
                loop_stalls.add(frames.long)
        rss_end = process.memory_info().rss
        flips = sum(window.flips for window in windows)
        flip_ms = await _time_flips(windows)
        return BenchResult(
            seconds=elapsed,
            cpu_seconds=cpu,
            rss_peak_mb=memory.rss_peak / 2**20,
            pss_peak_mb=memory.pss_peak / 2**20,
            pss_median_mb=memory.median_mb(),
            pss_low_mb=memory.percentile_mb(0.1),
            pss_files_mb=memory.files_median_mb(),
            pss_samples=memory.samples,
            rss_start_mb=rss_start / 2**20,
            rss_end_mb=rss_end / 2**20,
            rss_at_10min_mb=None if memory.rss_at_10min is None else memory.rss_at_10min / 2**20,
            frames=frames,
            mentions=counted(),
            flips=flips,
            flip_ms=flip_ms,
            loop_stalls=loop_stalls,
            start_stalls=start_stalls,
            drawing=sorted({f"{w.drawing.name} ({w.drawing.why})" for w in windows}),
            probed=probe is not None,
        )
    finally:
        shown.stop()
        if probe is not None:
            probe.stop()
        if recorder is not None:
            recorder.stop()
        if sampler is not None:
            sampler.stop()
        memory.stop()
        await runtime.stop()
        for window in windows:
            window.close()
            window.deleteLater()
        ticker_widget.time_frames = timed_before  # tapes made later time bursts again


async def _time_flips(windows: list[ScreenWindow], rounds: int = 2) -> dict[str, list[float]]:
    """Time each page flip from its tick until the new page is painted (switching, the frame
    of the fade, a synchronous repaint): as the rotation does it, with the next page drawn
    ahead (kiosk.screens.ahead), and unprepared, as a pin, a takeover or a command flips."""
    times: dict[str, list[float]] = {"drawn ahead": [], "unprepared": []}
    for window in windows:  # no flip by the rotation in the middle of a measured one
        window.hold()
    for window in windows:
        if len(window.pages) < 2:
            continue
        for turn in range(rounds * len(window.pages)):
            kind = "drawn ahead" if turn % 2 == 0 else "unprepared"
            if kind == "drawn ahead":
                window.draw_ahead()
                await asyncio.sleep(AHEAD_S)
            start = time.perf_counter()
            window.next_page()
            window.repaint()
            times[kind].append((time.perf_counter() - start) * 1000)
            window.hold()
            await asyncio.sleep(window.screen_config.rotation.fade + 0.5)
    return times


def _mention_counter(runtime: Runtime) -> Callable[[], int]:
    count = [0]
    for name in runtime.hub.names():
        if name.endswith(".mentions"):
            runtime.hub.subscribe(
                name, lambda _n, batch: count.__setitem__(0, count[0] + len(batch))
            )
    return lambda: count[0]


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def machine_lines() -> list[str]:
    from pyqtgraph import __version__ as pyqtgraph_version
    from PySide6 import __version__ as pyside_version

    cpu = platform.processor() or "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory_gb = psutil.virtual_memory().total / 2**30
    return [
        f"machine: {cpu}, {os.cpu_count()} cores, {memory_gb:.0f} GiB, {platform.platform()}",
        f"python {platform.python_version()}{' -OO' if sys.flags.optimize >= 2 else ''}, "
        f"PySide6 {pyside_version}, "
        f"pyqtgraph {pyqtgraph_version}, "
        f"Qt platform {os.environ.get('QT_QPA_PLATFORM', 'default')}",
        f"command: {' '.join([Path(sys.argv[0]).name, *sys.argv[1:]])}",
    ]


def report(result: BenchResult, *, rate: float | None, screens: int, size: tuple[int, int]) -> str:
    lines = machine_lines()
    lines.append(
        f"run: {result.seconds:.1f} s, {screens} screen(s) at {size[0]}x{size[1]}, "
        f"demo rate {rate if rate is not None else 'as in layout'}/s, "
        f"{result.mentions} mentions ({result.mentions / result.seconds:.0f}/s)"
    )
    lines.extend(f"render: {drawing}" for drawing in result.drawing)
    lines.append(f"cpu: {result.cpu_per_minute:.2f} CPU-seconds per minute")
    files = (
        ""
        if result.pss_files_mb is None
        else f", mapped files' pages {result.pss_files_mb:.0f} MB of it (they move with the "
        "page cache)"
    )
    lines.append(
        f"memory: peak RSS {result.rss_peak_mb:.0f} MB, PSS peak {result.pss_peak_mb:.0f} MB and "
        f"median {result.pss_median_mb:.0f} MB, a tenth of the time at or under "
        f"{result.pss_low_mb:.0f} MB{files} ({result.pss_samples} samples, "
        f"{1 / PSS_EVERY_S:.0f} a second off the UI thread) "
        f"(RSS {result.rss_start_mb:.0f} MB at start, {result.rss_end_mb:.0f} MB at end; "
        f"process max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)"
    )
    if result.rss_at_10min_mb is not None:
        growth = (result.rss_end_mb / result.rss_at_10min_mb - 1) * 100
        lines.append(
            f"memory over time: RSS {result.rss_start_mb:.0f} MB at start, "
            f"{result.rss_at_10min_mb:.0f} MB after 10 min, {result.rss_end_mb:.0f} MB at end "
            f"({growth:+.1f} % since 10 min)"
        )
    frames = result.frames
    if frames.count:
        p50, p95, p99 = (frames.percentile(q) for q in (50, 95, 99))
        what, over = (
            (f"no ticker on the screens: a {PROBE_MS} ms probe timer's interval", "intervals")
            if result.probed
            else ("ticker frame interval", "frames (while a ticker was shown)")
        )
        lines.append(
            f"{what}: p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms, "
            f"max {frames.max_ms:.1f} ms over {frames.count} {over}"
        )
        if result.loop_stalls is not None:
            lines.extend(result.loop_stalls.lines("after warm-up"))
    else:
        lines.append("ticker frame interval: no frames were timed")
    if result.start_stalls is not None:
        lines.extend(result.start_stalls.lines("in warm-up (the start)"))
    lines.append(f"page flips by rotation during the run: {result.flips}")
    for kind, flips in result.flip_ms.items():
        if flips:
            p50 = float(np.percentile(flips, 50))
            lines.append(
                f"page flip {kind}, tick to new page painted: p50 {p50:.0f} ms, max"
                f" {max(flips):.0f} ms over {len(flips)} flips (measured after the run)"
            )
    return "\n".join(lines)
