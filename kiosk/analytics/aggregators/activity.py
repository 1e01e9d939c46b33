"""When people post (``activity``): a week's mentions by weekday and hour, for the heatmap."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from kiosk.analytics.aggregators import Context, aggregator
from kiosk.analytics.windows import MINUTE, WeekActivity
from kiosk.values import Kind, Matrix, Mention

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
EVERY_MINUTES = 5


@aggregator
class Activity:
    streams: ClassVar[dict[str, Kind]] = {"activity": Kind.MATRIX}
    before_window: ClassVar[bool] = True  # a week back: older than the 24 h of volume

    def __init__(self, context: Context) -> None:
        self.week = WeekActivity()
        self._minute: int | None = None  # when the grid was last published
        self._total = 0.0  # and how much it held then

    def count(self, mention: Mention, minute: int, weight: int) -> None:
        self.week.add(mention.at, weight)

    def publish(self, now: float, publish: Callable[[str, Any], None]) -> None:
        # A week's grid moves slowly: every 5 minutes, or sooner when much was added (backfill).
        current = int(now // MINUTE)
        grown = self.week.total > 1.1 * self._total
        if self._minute is None or current - self._minute >= EVERY_MINUTES or grown:
            self._minute, self._total = current, self.week.total
            hours = tuple(f"{hour:02d}" for hour in range(24))
            publish("activity", Matrix(WEEKDAYS, hours, self.week.grid()))
