"""Sentiment: mentions per minute by feeling (``sentiment_volume``), the last 15 minutes' split
(``sentiment``) and net sentiment as a figure with its trend (``net_sentiment``)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from kiosk.analytics.aggregators import (
    HISTORY_MINUTES,
    Context,
    aggregator,
    percent_per_minute,
    windows,
)
from kiosk.analytics.aggregators.volume import Volume, series
from kiosk.analytics.windows import MINUTE, MinuteCounts
from kiosk.values import Breakdown, Kind, Mention, Metric

SENTIMENTS = ("positive", "neutral", "negative")
SENTIMENT_THRESHOLD = 0.25


def feeling_index(score: float) -> int | None:
    """0 positive, 1 neutral, 2 negative; None for a post with no score."""
    if not (isinstance(score, int | float) and math.isfinite(score)):
        return None
    return 0 if score >= SENTIMENT_THRESHOLD else 2 if score <= -SENTIMENT_THRESHOLD else 1


@aggregator
class Sentiment:
    streams: ClassVar[dict[str, Kind]] = {
        "sentiment_volume": Kind.SERIES,
        "sentiment": Kind.BREAKDOWN,
        "net_sentiment": Kind.METRIC,
    }
    often: ClassVar[bool] = True

    def __init__(self, context: Context) -> None:
        self.volume = context.need(Volume)
        self.counts = MinuteCounts(list(SENTIMENTS), max_labels=len(SENTIMENTS) + 1)

    def count(self, mention: Mention, minute: int, weight: int) -> None:
        label = feeling_index(mention.sentiment)
        if label is not None:
            self.counts.add(label, minute, weight)

    def publish(self, now: float, publish: Callable[[str, Any], None]) -> None:
        current = int(now // MINUTE)
        recent, before = windows(current)
        publish("sentiment_volume", series(self.counts, current))
        feeling = self.counts.totals(*recent)
        publish("sentiment", Breakdown(tuple(zip(SENTIMENTS, feeling.tolist(), strict=True))))
        publish("net_sentiment", self._net(current, recent, before))

    def _net(self, current: int, recent: tuple[int, int], before: tuple[int, int]) -> Metric:
        def net(counts: np.ndarray) -> float:
            total = float(counts.sum())
            return 0.0 if total == 0 else float((counts[0] - counts[2]) / total * 100)

        # Complete minutes, like the rate's: a minute still filling wobbles every second.
        per_minute = self.counts.window(current - HISTORY_MINUTES, current - 1)
        history = percent_per_minute(per_minute[0] - per_minute[2], per_minute.sum(axis=0))
        seen = self.volume.seen_since(before[0])
        return Metric(
            value=net(self.counts.totals(*recent)),
            previous=net(self.counts.totals(*before)) if seen else None,
            history=history,
            unit="",
            label="net sentiment (positive − negative, % of mentions)",
        )
