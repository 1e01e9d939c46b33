"""``type: timeseries``: a line per series in brand colours over the last ``window``, local time.

Direct labels in a legend row ("● Acme 1,204") read better across a room than a boxed legend.
Ranges are set by hand on each render rather than through pyqtgraph's auto-range.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QWidget

from kiosk.config.widgets import TimeseriesOptions
from kiosk.hub import Sample, StreamView
from kiosk.values import TimeSeries
from kiosk.widgets.base import KioskWidget
from kiosk.widgets.format import compact
from kiosk.widgets.theme import Style

LEGEND_HEIGHT = 46


class TimeseriesWidget(KioskWidget):
    refresh_hz = 1.0
    options: TimeseriesOptions

    def __init__(
        self,
        options: TimeseriesOptions,
        stream: StreamView | None,
        style: Style,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(options, stream, style, parent)
        self.legend: list[tuple[str, QColor, float]] = []
        self.plot = pg.PlotWidget(parent=self, background=style.panel)
        self.plot.hide()
        item = self.plot.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        item.setMouseEnabled(x=False, y=False)
        item.disableAutoRange()
        item.setAxisItems({"bottom": pg.DateAxisItem(orientation="bottom")})  # local time
        for name in ("bottom", "left"):
            axis = item.getAxis(name)
            axis.setTickFont(style.font(20, 400))
            axis.setTextPen(style.muted)
            axis.setPen(QPen(style.grid))
            axis.setStyle(tickTextOffset=style.px(8))
        item.getAxis("left").setWidth(style.px(72))
        item.getAxis("bottom").setHeight(style.px(40))
        item.showGrid(x=False, y=True, alpha=0.25)
        self._curves: dict[str, pg.PlotDataItem] = {}
        self._drawn: tuple[tuple[tuple[str, ...], float, float], np.ndarray] | None = None
        self.veil.raise_()

    def take(self, sample: Sample) -> bool:
        series = sample.value
        if not isinstance(series, TimeSeries):
            raise TypeError(f"expected a TimeSeries, got {type(series).__name__}")
        times = series.times
        # Only complete buckets: a bucket still filling would look like a sudden drop.
        complete = times + series.step <= sample.at + 1e-6
        end = float(times[complete][-1] + series.step) if complete.any() else sample.at
        start = end - self.options.window  # bucket-aligned: the axis moves once per bucket
        shown = complete & (times >= start)
        labels = [label for label in self.options.series or series.labels if label in series.labels]
        rows = [series.labels.index(label) for label in labels]
        x = times[shown] + series.step / 2
        y = np.nan_to_num(series.values[rows][:, shown], nan=0.0)
        drawn = (tuple(labels), start, end)
        if (
            self._drawn is not None
            and drawn == self._drawn[0]
            and np.array_equal(y, self._drawn[1])
        ):
            return False  # the complete buckets did not change: keep the picture
        self._drawn = (drawn, y)
        self.legend = []
        for label, values in zip(labels, y, strict=True):
            self._curve(label).setData(x, values)
            last = float(values[-1]) if len(values) else math.nan
            self.legend.append((label, self._colour(label), last))
        for label in set(self._curves) - set(labels):
            self.plot.removeItem(self._curves.pop(label))
        item = self.plot.getPlotItem()
        item.setXRange(start, end, padding=0)
        item.setYRange(0, _nice_ceiling(float(y.max(initial=0.0)) * 1.1), padding=0)
        self.plot.show()
        self._place_plot()
        return True

    def _colour(self, label: str) -> QColor:
        return self.style_.brand_colour(label)

    def _curve(self, label: str) -> pg.PlotDataItem:
        curve = self._curves.get(label)
        if curve is None:
            colour = self._colour(label)
            fill = QColor(colour)
            fill.setAlpha(38 if self.options.fill else 0)
            curve = self.plot.plot(
                pen=pg.mkPen(colour, width=self.style_.px(4)),
                fillLevel=0 if self.options.fill else None,
                brush=fill if self.options.fill else None,
                antialias=True,
            )
            self._curves[label] = curve
        return curve

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._place_plot()

    def _place_plot(self) -> None:
        rect = self.content_rect()
        legend = self.style_.px(LEGEND_HEIGHT)
        self.plot.setGeometry(rect.adjusted(0, legend, 0, 0))

    def paint_content(self, painter: QPainter, rect: QRect) -> None:
        style = self.style_
        x = rect.left()
        height = style.px(LEGEND_HEIGHT)
        chip = style.px(14)
        for label, colour, last in self.legend:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            painter.drawRoundedRect(
                x, rect.top() + (height - chip) // 2, chip, chip, chip / 4, chip / 4
            )
            x += chip + style.px(10)
            painter.setPen(style.text)
            painter.setFont(style.font(24, 600))
            painter.drawText(
                QRect(x, rect.top(), rect.right() - x, height), Qt.AlignmentFlag.AlignVCenter, label
            )
            x += painter.fontMetrics().horizontalAdvance(label) + style.px(10)
            painter.setPen(style.muted)
            painter.setFont(style.font(24, 400))
            value = compact(last)
            painter.drawText(
                QRect(x, rect.top(), rect.right() - x, height), Qt.AlignmentFlag.AlignVCenter, value
            )
            x += painter.fontMetrics().horizontalAdvance(value) + style.px(36)
            if x > rect.right():
                break


def _nice_ceiling(value: float) -> float:
    """The next round number (1, 1.25, 1.5, 2 … 8 × 10ⁿ) at or above ``value``."""
    if not math.isfinite(value) or value <= 0:
        return 1.0
    exponent = 10 ** math.floor(math.log10(value))
    for step in (1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if value <= step * exponent:
            return float(step * exponent)
    return float(10 * exponent)
