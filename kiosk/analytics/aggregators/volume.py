"""Mentions per minute by brand (``volume``, the last 24 hours) and per hour (``volume_hourly``,
30 days): the counts that rate, share of voice and spike alerts are read from."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from kiosk.analytics.aggregators import Context, aggregator
from kiosk.analytics.windows import MINUTE, MinuteCounts
from kiosk.values import Kind, Mention, TimeSeries

HOURLY_HOURS = 30 * 24  # volume_hourly reaches back 30 days


@aggregator
class Volume:
    """The gate of every other count: a post older than the 24 hours kept here is counted
    only by the aggregators that reach further back (``before_window``)."""

    streams: ClassVar[dict[str, Kind]] = {"volume": Kind.SERIES}
    often: ClassVar[bool] = True

    def __init__(self, context: Context) -> None:
        self.counts = MinuteCounts(list(context.brands))

    def admit(self, mention: Mention, minute: int, weight: int) -> bool:
        """Count a post; False when its minute is older than the 24 hours kept."""
        counts = self.counts
        return counts.add(counts.label_index(str(mention.brand)), minute, weight)

    def seen_since(self, minute: int) -> bool:
        """Whether the data reaches back to ``minute``: a previous period from before the
        first post seen is not a period with nothing in it, and no change is said against it
        (right after a start every figure read "▲ … vs previous" against an empty history)."""
        first = self.counts.first_minute
        return first is not None and first <= minute

    def publish(self, now: float, publish: Callable[[str, Any], None]) -> None:
        current = int(now // MINUTE)
        publish("volume", series(self.counts, current))


@aggregator
class HourlyVolume:
    """Mentions per hour by brand, for windows of days: 30 days back, so it counts posts
    older than the 24 hours of :class:`Volume` too."""

    streams: ClassVar[dict[str, Kind]] = {"volume_hourly": Kind.SERIES}
    before_window: ClassVar[bool] = True

    def __init__(self, context: Context) -> None:
        self.counts = MinuteCounts(list(context.brands), capacity=HOURLY_HOURS)

    def count(self, mention: Mention, minute: int, weight: int) -> None:
        counts = self.counts
        counts.add(counts.label_index(str(mention.brand)), minute // 60, weight)

    def publish(self, now: float, publish: Callable[[str, Any], None]) -> None:
        publish("volume_hourly", series(self.counts, int(now // MINUTE) // 60, 60))


def series(counts: MinuteCounts, current: int, minutes: int = 1) -> TimeSeries:
    """``counts`` up to bucket ``current``; buckets are ``minutes`` long."""
    first = current - counts.capacity + 1
    if counts.first_minute is not None:
        first = max(first, counts.first_minute)
    values = counts.window(first, current)
    values.flags.writeable = False
    step = MINUTE * minutes
    return TimeSeries(tuple(counts.labels), first * step, step, values)
