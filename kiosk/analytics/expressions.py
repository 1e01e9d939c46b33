"""``metrics:`` running: each formula re-evaluated when a metric it reads changes, published as
``metrics.<name>`` (see :mod:`kiosk.config.metrics` for what a formula may say).

A formula has no value until every metric it reads has one. When it cannot be computed (a
division by zero: nothing answered yet), its stream carries NaN, which figures show as "–",
and says why on the widget; it recovers by itself with the next good value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from kiosk.config.metrics import METRICS, FormulaError, MetricFormula
from kiosk.hub import Hub, SourceState
from kiosk.values import Kind, Metric


class FormulaMetric:
    """One ``metrics:`` entry, running."""

    def __init__(self, hub: Hub, name: str, definition: MetricFormula) -> None:
        self.hub, self.stream = hub, f"{METRICS}.{name}"
        self.definition, self.formula = definition, definition.formula
        hub.declare(self.stream, Kind.METRIC)
        for stream in self.formula.streams:
            hub.subscribe(stream, self._changed)

    def _changed(self, _stream: str, _values: Sequence[Any]) -> None:
        self.update()

    def update(self) -> None:
        """Evaluate with the latest values; publish nothing until every input has one."""
        inputs: dict[str, Metric] = {}
        for stream in self.formula.streams:
            sample = self.hub.sample(stream)
            if sample is None or not isinstance(sample.value, Metric):
                return
            inputs[stream] = sample.value
        now = self.hub.clock()
        self.hub.set_status(METRICS, SourceState.OK)
        self.hub.confirm(METRICS, now)
        try:
            value = self.formula.evaluate({s: m.value for s, m in inputs.items()})
        except (ArithmeticError, FormulaError, TypeError, ValueError) as error:
            self.hub.set_stream_trouble(self.stream, SourceState.FAILED, self._why(error, inputs))
            self.hub.publish(self.stream, self._metric(math.nan), at=now)
            return
        self.hub.clear_stream_trouble(self.stream)
        previous = self._quietly({s: m.previous for s, m in inputs.items()})
        self.hub.publish(self.stream, self._metric(value, previous, self._history(inputs)), at=now)

    def _metric(
        self, value: float, previous: float | None = None, history: tuple[float, ...] = ()
    ) -> Metric:
        label = self.definition.label or self.formula.text
        return Metric(value, previous, history, self.definition.unit, label)

    def _history(self, inputs: dict[str, Metric]) -> tuple[float, ...]:
        """Point by point, when every input's history has the same length (the same minutes)."""
        lengths = {len(metric.history) for metric in inputs.values()}
        if len(lengths) != 1 or lengths == {0}:
            return ()
        points = []
        for i in range(lengths.pop()):
            point = self._quietly({s: m.history[i] for s, m in inputs.items()})
            points.append(math.nan if point is None else point)
        return tuple(points)

    def _quietly(self, values: dict[str, float | None]) -> float | None:
        if any(value is None or not math.isfinite(value) for value in values.values()):
            return None
        try:
            return self.formula.evaluate({s: float(v) for s, v in values.items() if v is not None})
        except (ArithmeticError, FormulaError, TypeError, ValueError):
            return None

    def _why(self, error: Exception, inputs: dict[str, Metric]) -> str:
        if isinstance(error, ZeroDivisionError):
            zeros = [stream for stream, metric in inputs.items() if metric.value == 0]
            named = f" ({', '.join(zeros)} is 0)" if zeros else ""
            return f"no data: division by zero{named}"
        return f"no data: {error}"


def attach_metrics(hub: Hub, metrics: dict[str, MetricFormula]) -> list[FormulaMetric]:
    """Run the layout's ``metrics:`` (after the streams they read are declared)."""
    return [FormulaMetric(hub, name, definition) for name, definition in metrics.items()]
