"""Mentions per minute (``rate``): the last complete minute, against the one before, with the
last hour as its history."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from kiosk.analytics.aggregators import HISTORY_MINUTES, Context, aggregator
from kiosk.analytics.aggregators.volume import Volume
from kiosk.analytics.windows import MINUTE
from kiosk.values import Kind, Metric


@aggregator
class Rate:
    streams: ClassVar[dict[str, Kind]] = {"rate": Kind.METRIC}
    often: ClassVar[bool] = True

    def __init__(self, context: Context) -> None:
        self.volume = context.need(Volume)

    def publish(self, now: float, publish: Callable[[str, Any], None]) -> None:
        current = int(now // MINUTE)
        totals = self.volume.counts.window(current - HISTORY_MINUTES, current - 1).sum(axis=0)
        rate = Metric(
            value=float(totals[-1]),
            previous=float(totals[-2]) if self.volume.seen_since(current - 2) else None,
            history=tuple(totals.tolist()),
            unit="/min",
            label="mentions per minute",
        )
        publish("rate", rate)
