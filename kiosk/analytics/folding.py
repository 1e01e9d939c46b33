"""A series folded into one figure: ``total: 7d`` ("blog posts this week"), ``mean: 24h``.

The figure is the sum (or the mean per bucket) of the series' last buckets covering the
window, all its series together; the previous figure is the same over the window before, when
the series reaches back that far (a change against a period never seen would be invented); the
history is the window's buckets, for a sparkline.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from kiosk.values import Metric, TimeSeries

MAX_HISTORY = 240  # sparkline points; longer windows are summed into this many


def fold(series: TimeSeries, seconds: float, how: Literal["total", "mean"]) -> Metric:
    """``series`` over its last ``seconds`` as one :class:`~kiosk.values.Metric`."""
    if not (isinstance(series, TimeSeries) and series.step > 0 and math.isfinite(series.step)):
        raise TypeError(f"expected a TimeSeries, got {type(series).__name__}")
    buckets = max(1, round(seconds / series.step))
    values = np.asarray(series.values, dtype=np.float64).reshape(len(series.labels), -1)
    per_bucket = np.nansum(values, axis=0) if values.size else np.zeros(0)
    window = per_bucket[-buckets:]
    if window.size == 0:
        return Metric(value=math.nan, label=_label(how, seconds))
    before = per_bucket[-2 * buckets : -buckets] if per_bucket.size >= 2 * buckets else None

    def figure(part: np.ndarray) -> float:
        total = float(part.sum())
        return total / part.size if how == "mean" else total

    return Metric(
        value=figure(window),
        previous=figure(before) if before is not None else None,
        history=_history(window),
        label=_label(how, seconds),
    )


def _history(window: np.ndarray) -> tuple[float, ...]:
    if window.size <= MAX_HISTORY:
        return tuple(window.tolist())
    groups = np.array_split(window, MAX_HISTORY)
    return tuple(float(group.sum()) for group in groups)


def _label(how: str, seconds: float) -> str:
    for size, unit in ((86400.0, "d"), (3600.0, "h"), (60.0, "min")):
        if seconds >= size and seconds % size == 0:
            return f"{how} over {seconds / size:g} {unit}"
    return f"{how} over {seconds:g} s"
