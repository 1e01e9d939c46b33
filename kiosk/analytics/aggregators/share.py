"""Share of voice: each brand's part of the last 15 minutes' mentions (``share``), and the
share of our brand as a figure with its trend (``our_share``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from kiosk.analytics.aggregators import (
    HISTORY_MINUTES,
    Context,
    aggregator,
    percent_per_minute,
    windows,
)
from kiosk.analytics.aggregators.volume import Volume
from kiosk.analytics.windows import MINUTE
from kiosk.values import Breakdown, Kind, Metric


@aggregator
class Share:
    streams: ClassVar[dict[str, Kind]] = {"share": Kind.BREAKDOWN, "our_share": Kind.METRIC}
    often: ClassVar[bool] = True

    def __init__(self, context: Context) -> None:
        self.volume = context.need(Volume)
        self.ours = context.ours  # default: the first brand seen

    def publish(self, now: float, publish: Callable[[str, Any], None]) -> None:
        current = int(now // MINUTE)
        recent, before = windows(current)
        counts = self.volume.counts
        shares = counts.totals(*recent)
        publish("share", Breakdown(tuple(zip(counts.labels, shares.tolist(), strict=True))))
        publish("our_share", self._our_share(current, recent, before))

    def _our_share(self, current: int, recent: tuple[int, int], before: tuple[int, int]) -> Metric:
        counts = self.volume.counts
        ours = self.ours or (counts.labels[0] if counts.labels else "")
        index = counts.labels.index(ours) if ours in counts.labels else None

        def share(values: np.ndarray) -> float:
            total = float(values.sum())
            return 0.0 if index is None or total == 0 else float(values[index] / total * 100)

        per_minute = counts.window(current - HISTORY_MINUTES, current - 1)
        return Metric(
            value=share(counts.totals(*recent)),
            previous=share(counts.totals(*before)) if self.volume.seen_since(before[0]) else None,
            history=self._history(per_minute, index),
            unit="%",
            label=f"share of voice of {ours}",
        )

    @staticmethod
    def _history(per_minute: npt.NDArray[np.float64], index: int | None) -> tuple[float, ...]:
        if index is None:
            return (0.0,) * int(per_minute.shape[1])
        return percent_per_minute(per_minute[index], per_minute.sum(axis=0))
