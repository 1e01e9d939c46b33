"""Spike alerts: false alerts per quiet day and detection delay per crisis, at three rates.

Run: .venv/bin/python benchmarks/bench_spikes.py [DAYS]
Simulates per-minute mention counts of five brands (shares 40/30/20/9/1 %) at 3, 20 and 500
mentions a second: a daily rhythm (quiet nights, busy evenings) and more variation than Poisson
(gamma-Poisson counts, as real streams have), fed minute by minute to the detector the wall
uses (kiosk.analytics.spikes). Prints false alerts per simulated quiet day (any brand; also
the smallest brand's, at 1 % of the traffic), and for simulated crises (one brand's mentions
ramping to 3× or 6× its normal over 5 minutes) the share caught and the minutes from the
crisis's start to the alert. Counts here are of complete minutes: the wall also looks at the
minute still filling, and fires up to a minute sooner.
"""

from __future__ import annotations

import math
import statistics
import sys

import numpy as np
from machine import machine

from kiosk.analytics.spikes import SpikeDetector

SHARES = {"Acme": 0.40, "Globex": 0.30, "Initech": 0.20, "Umbrella": 0.09, "Hooli": 0.01}
DISPERSION = 20.0  # gamma shape: smaller is more bursty than Poisson
RAMP = 5  # minutes from a crisis's start to its peak


def rhythm(minute: int) -> float:
    """The day's shape: 0.35 at 4 am, 1.65 at 4 pm."""
    return 1.0 + 0.65 * math.sin(2 * math.pi * ((minute / 60.0) - 10.0) / 24.0)


def counts(
    rng: np.random.Generator, rate: float, minute: int, boost: dict[str, float]
) -> dict[str, float]:
    found = {}
    for brand, share in SHARES.items():
        mean = rate * 60 * share * rhythm(minute) * boost.get(brand, 1.0)
        found[brand] = float(rng.poisson(rng.gamma(DISPERSION, mean / DISPERSION)))
    return found


def quiet_days(rate: float, days: int, seed: int) -> tuple[int, int, int]:
    """Alert onsets over ``days`` quiet days (after a warm-up hour): all brands, the smallest
    brand's, and the ones that turned critical (what takes a screen over)."""
    rng = np.random.default_rng(seed)
    detector = SpikeDetector()
    onsets = small = 0
    critical: set[tuple[str, float]] = set()
    for minute in range(60 + days * 1440):
        firing = {alert.key for alert in detector.alerts({})}
        for brand, count in counts(rng, rate, minute, {}).items():
            detector.observe(brand, minute * 60.0, count)
        for alert in detector.alerts({}):
            if minute < 60:
                continue
            if alert.key not in firing:
                onsets += 1
                small += alert.key == "spike:Hooli"
            if alert.severity == "critical":
                critical.add((alert.key, alert.since))
    return onsets, small, len(critical)


def crises(rate: float, peak: float, brand: str, runs: int, seed: int) -> list[float | None]:
    """Minutes from each crisis's start to its alert (None: missed within 30 minutes)."""
    rng = np.random.default_rng(seed)
    delays: list[float | None] = []
    for _ in range(runs):
        detector = SpikeDetector()
        start = int(rng.integers(120, 1380))
        for minute in range(start - 90, start):
            for label, count in counts(rng, rate, minute, {}).items():
                detector.observe(label, minute * 60.0, count)
        found = None
        for minute in range(start, start + 30):
            step = min(1.0, (minute - start + 1) / RAMP)
            boost = {brand: 1.0 + (peak - 1.0) * step}
            for label, count in counts(rng, rate, minute, boost).items():
                detector.observe(label, minute * 60.0, count)
            if any(alert.key == f"spike:{brand}" for alert in detector.alerts({})):
                found = float(minute - start + 1)
                break
        delays.append(found)
    return delays


def main() -> None:
    days = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    print(f"machine: {machine()}")
    print(f"command: {' '.join(sys.argv)}")
    for rate in (3.0, 20.0, 500.0):
        onsets, small, critical = quiet_days(rate, days, seed=int(rate))
        print(
            f"{rate:g} mentions/s: false alerts {onsets / days:.2f} per quiet day "
            f"({onsets} in {days} days; {small} of them for the 1 % brand; "
            f"{critical} critical, the kind that takes a screen over)"
        )
        for brand in ("Acme", "Hooli"):
            for peak in (3.0, 6.0):
                delays = crises(rate, peak, brand, runs=40, seed=int(rate * peak))
                caught = [d for d in delays if d is not None]
                median = f"{statistics.median(caught):.0f}" if caught else "-"
                worst = f"{max(caught):.0f}" if caught else "-"
                print(
                    f"   crisis of {brand} ({SHARES[brand]:.0%} of traffic) to {peak:g}×: caught "
                    f"{len(caught)}/{len(delays)}, minutes to alert median {median}, max {worst}"
                )


if __name__ == "__main__":
    main()
