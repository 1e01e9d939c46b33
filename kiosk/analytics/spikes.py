"""Spike detection: a brand's mentions per minute against its own recent normal.

The baseline is the median of recent minutes that were not part of a spike, so a long crisis
does not become the new normal and clear itself. A minute counts as spiking when it is both far
above the baseline in robust units (MAD) and a clear multiple of it; an alert fires after
``confirm`` such minutes in a row and clears after ``settle`` calm ones. No Qt, no clock: it is
fed complete minutes and says what fires.
"""

from __future__ import annotations

import statistics
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
    min_excess: float = 20.0  # mentions a minute: a quiet brand's 3 → 9 is noise, not a crisis
    critical_ratio: float = 4.0
    confirm: int = 1
    settle: int = 3
    tracks: dict[str, _Track] = field(default_factory=dict)

    def observe(self, label: str, minute_start: float, count: float) -> None:
        """Feed one complete minute's count for ``label`` (in time order)."""
        track = self.tracks.setdefault(label, _Track())
        baseline = self.baseline(label)
        if baseline is None:
            track.normal.append(count)
            return
        ratio = count / max(baseline, 1.0)
        if self._spiking(track, baseline, count):
            track.streak += 1
            track.calm = 0
            track.peak_ratio = max(track.peak_ratio, ratio)
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
            track.peak_ratio = max(track.peak_ratio, so_far / max(baseline, 1.0))

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
            title = f"{label} mentions {ratio:.1f}× normal"
            firing.append(Alert(f"spike:{label}", severity, title, track.since, drivers))
        return tuple(sorted(firing, key=lambda a: (a.severity != "critical", a.since)))
