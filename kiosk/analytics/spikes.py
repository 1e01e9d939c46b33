"""Spike detection: a brand's mentions per minute against its own recent normal.

The baseline is the median of recent minutes that were not part of a spike, so a long crisis
does not become the new normal and clear itself. A minute counts as spiking when it is all of:
unlikely under a Poisson count with the baseline as its mean (tail probability below
``alpha``: at low counts, where a small brand, a region or a tracked phrase lives, this is what
tells 1 → 9 a minute from noise), far above the baseline in robust units (MAD: real counts
vary more than Poisson), a clear multiple of it, and a few mentions more. An alert fires after
``confirm`` such minutes in a row and clears after ``settle`` calm ones. Minutes replayed from
history (a backfill, a cache at start) teach the baseline but raise nothing: a wall that starts
after a crisis does not take over its screens for it. No Qt, no clock: it is fed complete
minutes and says what fires. Figures: ``benchmarks/bench_spikes.py``.
"""

from __future__ import annotations

import math
import statistics
import time
from collections import deque
from dataclasses import dataclass, field

from kiosk.values import Alert

BASELINE_MINUTES = 30


@dataclass
class _Track:
    normal: deque[float] = field(default_factory=lambda: deque(maxlen=BASELINE_MINUTES))
    streak: int = 0
    calm: int = 0
    since: float | None = None
    peak_ratio: float = 0.0
    peak_at: float = 0.0  # the start of the minute it peaked


@dataclass
class SpikeDetector:
    """Per-label spike state.

    Args:
        sensitivity: robust z-score a minute must reach (higher: fewer alerts).
        min_ratio: and at least this multiple of the baseline.
        min_excess: and at least this many mentions above it.
        confirm: spiking minutes in a row before the alert fires.
        settle: calm minutes in a row before it clears.
    """

    sensitivity: float = 6.0
    min_ratio: float = 1.8
    min_excess: float = 4.0  # mentions a minute above normal, at the very least
    alpha: float = 1e-6  # Poisson tail probability a minute must be below
    critical_ratio: float = 4.0
    confirm: int = 1
    settle: int = 3
    tracks: dict[str, _Track] = field(default_factory=dict)

    def observe(self, label: str, minute_start: float, count: float, *, live: bool = True) -> None:
        """Feed one complete minute's count for ``label`` (in time order). ``live`` False: a
        minute from history, which teaches the baseline but fires nothing."""
        track = self.tracks.setdefault(label, _Track())
        baseline = self.baseline(label)
        if baseline is None:
            track.normal.append(count)
            return
        ratio = count / max(baseline, 1.0)
        if self._spiking(track, baseline, count):
            track.streak += 1
            track.calm = 0
            if track.since is None and not live:
                return  # a spike in the past: kept out of the normal, not alerted on
            if ratio > track.peak_ratio:
                track.peak_ratio, track.peak_at = ratio, minute_start
            if track.streak >= self.confirm and track.since is None:
                track.since = minute_start - 60 * (self.confirm - 1)
            return
        track.streak = 0
        if track.since is not None and ratio < self.min_ratio * 0.75:
            track.calm += 1
            if track.calm >= self.settle:
                track.since, track.peak_ratio, track.calm = None, 0.0, 0
        if track.since is None:
            track.normal.append(count)

    def seed(self, label: str, counts: list[float]) -> None:
        """A label seen for the first time had these counts before (zeros, mostly): its normal
        is known at once, so a platform or a mood new to the stream can alert."""
        if label not in self.tracks:
            self.tracks[label] = _Track()
            self.tracks[label].normal.extend(counts)

    def peek(self, label: str, minute_start: float, so_far: float) -> None:
        """Look at the minute still filling: if its count *so far* already spikes, the alert
        fires now instead of at the minute's end (a sharp crisis is seen up to a minute
        earlier). Nothing is learnt from a partial minute, so a quiet one changes nothing."""
        track = self.tracks.get(label)
        baseline = self.baseline(label)
        if track is None or baseline is None or track.since is not None or self.confirm > 1:
            return
        if self._spiking(track, baseline, so_far):
            track.since = minute_start
            ratio = so_far / max(baseline, 1.0)
            if ratio > track.peak_ratio:
                track.peak_ratio, track.peak_at = ratio, minute_start

    def baseline(self, label: str) -> float | None:
        """The median of the label's recent normal minutes; None until 10 are known."""
        track = self.tracks.get(label)
        if track is None or len(track.normal) < 10:
            return None
        return statistics.median(track.normal)

    def _spiking(self, track: _Track, baseline: float, count: float) -> bool:
        spread = statistics.median(abs(v - baseline) for v in track.normal) * 1.4826
        scale = max(spread, baseline**0.5, 1.0)  # Poisson noise at least
        excess = count - baseline
        return (
            excess / scale >= self.sensitivity
            and count >= self.min_ratio * baseline
            and excess >= self.min_excess
            and poisson_tail(count, max(baseline, 0.5)) < self.alpha
        )

    def alerts(self, latest: dict[str, float], drivers: tuple[str, ...] = ()) -> tuple[Alert, ...]:
        """The alerts firing now, most severe first; ``latest`` is each label's last minute."""
        firing = []
        for label, track in self.tracks.items():
            if track.since is None:
                continue
            baseline = self.baseline(label) or 1.0
            ratio = latest.get(label, 0.0) / max(baseline, 1.0)
            severity = "critical" if track.peak_ratio >= self.critical_ratio else "warning"
            if track.peak_ratio >= 1.1 * ratio:  # past its peak: say both, not just "now"
                peak = time.strftime("%H:%M", time.localtime(track.peak_at))
                title = (
                    f"{label} mentions peaked {track.peak_ratio:.1f}× normal at {peak}, "
                    f"now {ratio:.1f}×"
                )
            else:
                title = f"{label} mentions {ratio:.1f}× normal"
            firing.append(Alert(f"spike:{label}", severity, title, track.since, drivers))
        return tuple(sorted(firing, key=lambda a: (a.severity != "critical", a.since)))


def poisson_tail(count: float, mean: float) -> float:
    """P(X ≥ count) for X ~ Poisson(mean): how unlikely a minute this busy is by chance."""
    k = math.ceil(count)
    if k <= mean or k <= 0:
        return 1.0
    term = math.exp(k * math.log(mean) - mean - math.lgamma(k + 1))  # P(X = k)
    total, i = term, k
    while term > total * 1e-12 and i < k + 10_000:
        i += 1
        term *= mean / i
        total += term
    return min(1.0, total)
