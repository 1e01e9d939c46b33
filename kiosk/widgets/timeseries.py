"""``type: timeseries``: a line per series in brand colours over the last ``window``, local time.

Direct labels in a legend row ("● Acme 1,204") read better across a room than a boxed legend.
Ranges are set by hand on each render rather than through pyqtgraph's auto-range.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsView, QWidget

from kiosk.config.widgets import TimeseriesOptions
from kiosk.hub import Sample, StreamView
from kiosk.i18n import ENGLISH, Lang
from kiosk.values import Alert, TimeSeries
from kiosk.widgets.base import KioskWidget
from kiosk.widgets.plot_image import PlotImage, Trace
from kiosk.widgets.render import line_pieces, smooth_lines
from kiosk.widgets.theme import Style

LEGEND_HEIGHT = 46
_Drawn = tuple[tuple[str, ...], float, float, float | None]  # series, start, end, target


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
        # pyqtgraph caches the view's background in a picture of the whole view (2-8 MB per
        # chart at 4K, one per chart on every page): a plain fill, cheaper to fill than to copy.
        self.plot.setCacheMode(QGraphicsView.CacheModeFlag.CacheNone)
        if style.gpu:  # the plot's viewport becomes a QOpenGLWidget: Qt's GL paint engine
            self.plot.useOpenGL(True)
            smooth_lines(self.plot.viewport())
        self.plot.hide()
        item = self.plot.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        item.setMouseEnabled(x=False, y=False)
        item.disableAutoRange()
        # The room's time (theme/screen timezone), as the page header's clock shows it.
        west = style.lang.west_of_utc()
        item.setAxisItems({"bottom": pg.DateAxisItem(orientation="bottom", utcOffset=west)})
        for name in ("bottom", "left"):
            axis = item.getAxis(name)
            axis.setTickFont(style.font(20, 400))
            axis.setTextPen(style.muted)
            axis.setPen(QPen(style.grid))
            axis.setStyle(tickTextOffset=style.px(8))
        tick_px = style.font(20).pixelSize()  # the floor may make it larger than 20
        item.getAxis("left").setWidth(style.px(72))
        item.getAxis("bottom").setHeight(max(style.px(40), round(tick_px * 1.25) + style.px(8)))
        # Gridlines are our own 1 px lines at the labelled values: pyqtgraph's grid is drawn by
        # the axis with alpha across the whole plot and cost ~13 ms per repaint here.
        # In software they are part of the picture of lines and areas drawn off the UI thread.
        self._grid_levels: tuple[float, ...] = ()
        self._ticks: list[tuple[float, str]] = []  # the value axis's, as last set
        self._plot_image = None if style.gpu else PlotImage(self.plot.getPlotItem().getViewBox())
        self._gridlines: pg.PlotCurveItem | None = None
        if self._plot_image is None:
            self._gridlines = pg.PlotCurveItem(pen=pg.mkPen(style.grid, width=1), antialias=False)
            self._gridlines.setZValue(-1000)  # under the stacked areas too
            self.plot.addItem(self._gridlines)
        self._curves: dict[str, _Series] = {}
        # What the chart draws, label -> points (after peaks), in either path; and how often.
        self.drawn_series: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.redraws = 0
        self._previous: pg.PlotCurveItem | None = None
        self.legend_previous = False
        self._drawn: (
            tuple[tuple[tuple[str, ...], float, float, float | None], np.ndarray] | None
        ) = None
        # Spike markers: alerts seen on the markers stream, remembered while in the window.
        self.markers: dict[str, tuple[float, str]] = {}  # key -> (since, title)
        self._markers_seen = 0
        self._marker_lines = pg.PlotCurveItem(
            pen=pg.mkPen(style.negative, width=style.px(3), style=Qt.PenStyle.DashLine),
            antialias=False,
        )
        self._marker_lines.setZValue(60)
        self.plot.addItem(self._marker_lines)
        self._marker_labels: list[pg.TextItem] = []
        # target: a dashed line across the window, in the colour of whether the chart meets it
        self._target_line = pg.PlotCurveItem(antialias=False)
        self._target_line.setZValue(55)
        self.plot.addItem(self._target_line)
        self.target_status: tuple[str, QColor] | None = None  # the legend's "target 500"
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
        legend_values = y[:, -1] if y.shape[1] else np.full(len(labels), math.nan)
        if self.options.stacked:
            y = np.cumsum(y, axis=0)  # each line sits on the ones before; the top is the total
        before = self._previous_total(series, complete, start, end)
        target = self.target_value()
        drawn = (tuple(labels), start, end, target)
        if self._drawn is not None and drawn == self._drawn[0] and y.shape == self._drawn[1].shape:
            if np.array_equal(y, self._drawn[1]):
                return False  # the complete buckets did not change: keep the picture
            if target is None and self._moves_under_a_pixel(y, self._drawn[1]):
                # Late posts of the last complete minute: no line moves by half a pixel, so
                # the chart (60-75 ms a screen on 4K) keeps its picture; the legend's figures
                # do not, and only its band is repainted. (With a target, whether the chart
                # meets it may change: drawn in full.)
                self._set_legend(labels, legend_values)
                self.update(self._legend_band())
                return False
        self._drawn = (drawn, y)
        self._set_legend(labels, legend_values)
        columns = max(MIN_COLUMNS, self.plot.width() // PX_PER_POINT)
        traces = []
        self.drawn_series = {}
        self.redraws += 1
        for index, (label, values) in enumerate(zip(labels, y, strict=True)):
            # Stacked areas are drawn top first, so each lower band paints over the one above.
            z = -index if self.options.stacked else index
            points = peaks(x, values, columns)
            self.drawn_series[label] = points
            if self._plot_image is not None:
                shade = self._shade()
                colour = self._colour(label).rgba()
                traces.append(Trace(*points, colour, self.style_.px(4), shade, z))
                continue
            curve = self._curve(label)
            curve.setZ(z)
            curve.setData(*points)
        for label in set(self._curves) - set(labels):
            self._curves.pop(label).remove()
        highest = float(y.max(initial=0.0))
        if before is not None:
            self._previous_line().setData(before[0], before[1])
            highest = max(highest, float(before[1].max(initial=0.0)))
        if target is not None:
            highest = max(highest, target)
        item = self.plot.getPlotItem()
        if item.getViewBox().viewRange()[0] != [start, end]:  # set again, pyqtgraph redid its
            item.setXRange(start, end, padding=0)  # view and both axes even to the same range
        self._set_scale(highest * 1.1)
        self._draw_target(target, y, start, end)
        self._draw_markers()
        if self._plot_image is not None:
            self._plot_image.show_picture(tuple(traces), self._grid_levels, self.style_.grid)
        self.plot.show()
        # pyqtgraph draws the axes' ticks itself, in the font given them above
        axis_font = self.plot.getPlotItem().getAxis("left").style["tickFont"]
        self.note_text("axes", axis_font.pixelSize())
        self._place_plot()
        return True

    def refresh(self) -> None:
        super().refresh()
        view = self.more_streams.get("markers")
        if view is None or view.version == self._markers_seen:
            return
        self._markers_seen = view.version
        sample = view.sample()
        alerts = sample.value if sample is not None and isinstance(sample.value, tuple) else ()
        before = dict(self.markers)
        for alert in alerts:
            if isinstance(alert, Alert):  # one marker per alert and start
                self.markers[f"{alert.key}@{alert.since:.0f}"] = (alert.since, alert.title)
        if self.markers != before:  # alerts are republished every second: redraw on news only
            self._safely(self._draw_markers)

    def _draw_markers(self) -> None:
        if self._drawn is None:
            return
        _, start, end, _ = self._drawn[0]
        self.markers = {  # forget what scrolled out of the window; keep at most a dozen
            key: mark
            for key, mark in sorted(self.markers.items(), key=lambda item: item[1][0])[-12:]
            if mark[0] >= start
        }
        for label in self._marker_labels:
            self.plot.removeItem(label)
        self._marker_labels = []
        self.note_text("markers", None)
        shown = [(since, title) for since, title in self.markers.values() if since <= end]
        top = self.plot.getPlotItem().getViewBox().viewRange()[1][1]
        xs = np.repeat(np.array([since for since, _ in shown], dtype=np.float64), 2)
        ys = np.tile(np.array([0.0, top], dtype=np.float64), len(shown))
        self._marker_lines.setData(xs, ys, connect="pairs")
        for since, title in shown:
            label = pg.TextItem(title, color=self.style_.negative, anchor=(0, 0))
            label.setFont(self.style_.font(20, 700))
            self.note_text("markers", label.textItem.font().pixelSize())
            label.setPos(since, top)
            label.setZValue(61)
            self.plot.addItem(label)
            self._marker_labels.append(label)

    def _draw_target(self, target: float | None, y: np.ndarray, start: float, end: float) -> None:
        """The target line, coloured by whether the highest line's latest complete value (the
        total, when stacked) meets it."""
        if target is None:
            self._target_line.setData([], [])
            self.target_status = None
            return
        latest = float(y[:, -1].max()) if y.size else math.nan
        meets = self.meets_target(latest)
        style = self.style_
        colour = style.muted if meets is None else style.positive if meets else style.negative
        pen = pg.mkPen(colour, width=style.px(3), style=Qt.PenStyle.DashLine)
        self._target_line.setPen(pen)
        self._target_line.setData(
            np.array([start, end], dtype=np.float64), np.array([target, target], dtype=np.float64)
        )
        words = style.lang
        self.target_status = (words._("target {value}", value=self._figure(target)), colour)

    def _previous_total(
        self, series: TimeSeries, complete: np.ndarray, start: float, end: float
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """The total over the window before, moved onto this window's time axis."""
        if not self.options.previous:
            return None
        times = series.times
        earlier = complete & (times >= start - self.options.window) & (times < start)
        if not earlier.any():
            return None
        total = np.nan_to_num(series.values[:, earlier], nan=0.0).sum(axis=0)
        return times[earlier] + self.options.window + series.step / 2, total

    def _previous_line(self) -> pg.PlotCurveItem:
        if self._previous is None:
            pen = pg.mkPen(self.style_.muted, width=self.style_.px(3), style=Qt.PenStyle.DashLine)
            self._previous = pg.PlotCurveItem(pen=pen, antialias=True)
            self._previous.setZValue(50)
            self.plot.addItem(self._previous)
            self.legend_previous = True
        return self._previous

    def _set_legend(self, labels: list[str], values: np.ndarray) -> None:
        self.legend = [
            (label, self._colour(label), float(value))
            for label, value in zip(labels, values, strict=True)
        ]

    def _legend_band(self) -> QRect:
        rect = self.content_rect()
        return QRect(rect.left(), rect.top(), rect.width(), self.style_.px(LEGEND_HEIGHT))

    def _moves_under_a_pixel(self, y: np.ndarray, before: np.ndarray) -> bool:
        """Whether drawing ``y`` instead of ``before`` would move no line by half a pixel at
        the value axis's current scale (a scale the new values would change is a move)."""
        view = self.plot.getPlotItem().getViewBox()
        low, high = (float(v) for v in view.viewRange()[1])
        height = float(view.height())
        if high <= low or height <= 0 or float(y.max(initial=0.0)) * 1.1 > high / 1.06:
            return False
        moved = float(np.abs(y - before).max(initial=0.0))
        return moved * height / (high - low) < 0.5

    def _set_scale(self, highest: float) -> None:
        top, steps = nice_scale(highest)
        levels = [top * k / steps for k in range(steps + 1)]
        item = self.plot.getPlotItem()
        labels = axis_labels(levels, self.style_.lang)
        axis = item.getAxis("left")
        ticks = list(zip(levels, labels, strict=True))
        if ticks != self._ticks:  # set again, the same scale redrew the axis at every new value
            self._ticks = ticks
            item.setYRange(0, top * 1.06, padding=0)  # room for the top label
            axis.setTicks([ticks, []])
        # pyqtgraph leaves out a label wider than the axis: "12,5 k" at the floor was missing
        metrics = QFontMetrics(axis.style["tickFont"])
        widest = max(metrics.horizontalAdvance(label) for label in labels)
        width = max(self.style_.px(72), widest + self.style_.px(8 + 10))
        if width != axis.width():
            axis.setWidth(width)
        self._grid_levels = tuple(levels[1:])
        if self._gridlines is not None:
            # One plain item for all gridlines, as pairs of points across the window.
            # (pyqtgraph's InfiniteLine asks its view box for its size while painting; during
            # teardown the view box is gone and the test run segfaulted on a clean clone.)
            start, end = item.getViewBox().viewRange()[0]
            xs = np.array([[start, end]] * (len(levels) - 1), dtype=np.float64).ravel()
            ys = np.repeat(np.asarray(levels[1:], dtype=np.float64), 2)
            self._gridlines.setData(xs, ys, connect="pairs")

    def _colour(self, label: str) -> QColor:
        return self.style_.brand_colour(label)

    def _shade(self) -> int:
        """The alpha of the areas under the lines (0: none)."""
        if not (self.options.fill or self.options.stacked):
            return 0
        return 150 if self.options.stacked else 38  # stacked bands must read as bands

    def _curve(self, label: str) -> _Series:
        curve = self._curves.get(label)
        if curve is None:
            curve = _Series(self.plot, self._colour(label), self.style_.px(4), self._shade())
            self._curves[label] = curve
        return curve

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._place_plot()

    def _place_plot(self) -> None:
        rect = self.content_rect()
        legend = self.style_.px(LEGEND_HEIGHT)
        self.plot.setGeometry(rect.adjusted(0, legend, 0, 0))

    def _figure(self, value: float) -> str:
        return self.style_.lang.compact(value)

    def paint_content(self, painter: QPainter, rect: QRect) -> None:
        style = self.style_
        x = rect.left()
        height = style.px(LEGEND_HEIGHT)
        chip = style.px(14)
        bold, plain = QFontMetrics(style.font(24, 600)), QFontMetrics(style.font(24, 400))
        for name, colour, last in self.legend:
            label = style.lang.term(name)
            value = self._figure(last)
            entry = chip + bold.horizontalAdvance(label) + plain.horizontalAdvance(value)
            if x + entry + style.px(20) > rect.right():
                return  # the legend's entries whole, as many as fit, not one cut in two
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
            painter.drawText(
                QRect(x, rect.top(), rect.right() - x, height), Qt.AlignmentFlag.AlignVCenter, value
            )
            x += painter.fontMetrics().horizontalAdvance(value) + style.px(36)
        if self.target_status is not None:
            text, colour = self.target_status
            if x + bold.horizontalAdvance(text) > rect.right():
                return
            painter.setPen(colour)
            painter.setFont(style.font(24, 600))
            painter.drawText(
                QRect(x, rect.top(), rect.right() - x, height), Qt.AlignmentFlag.AlignVCenter, text
            )
            x += painter.fontMetrics().horizontalAdvance(text) + style.px(36)
        caption = style.lang._("window before")
        if (
            self.legend_previous
            and x + style.px(46) + plain.horizontalAdvance(caption) <= rect.right()
        ):
            middle = rect.top() + height // 2
            painter.setPen(QPen(style.muted, style.px(3), Qt.PenStyle.DashLine))
            painter.drawLine(x, middle, x + style.px(36), middle)
            painter.setFont(style.font(24, 400))
            where = QRect(x + style.px(46), rect.top(), rect.right() - x, height)
            painter.drawText(where, Qt.AlignmentFlag.AlignVCenter, caption)


# Round tops of the value axis and how many equal steps divide each into round numbers.
_NICE = ((1, 5), (1.25, 5), (1.5, 3), (2, 4), (2.5, 5), (3, 3), (4, 4), (5, 5), (6, 3), (8, 4))


def peaks(x: np.ndarray, y: np.ndarray, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """At most ``columns`` points: each the highest of the buckets it stands for, at their
    middle. A day of minutes (1,440) drawn point by point into 850 pixels is a comb of spikes;
    drawn by peaks, it is a line whose every crisis still shows at its full height."""
    count = len(x)
    if columns < 1 or count <= columns:
        return x, y
    edges = np.linspace(0, count, columns + 1).astype(np.int64)[:-1]  # ascending
    # each bucket's first point, once (np.unique would import numpy.ma for this: 1.3 MB)
    starts = edges[np.concatenate(([True], edges[1:] != edges[:-1]))]
    high = np.maximum.reduceat(y, starts)
    ends = np.append(starts[1:], count) - 1
    return (x[starts] + x[ends]) / 2, high


def axis_labels(levels: list[float], words: Lang = ENGLISH) -> list[str]:
    """Labels for gridline values, with as many decimals as they need and no more: 0, 2.5, 5,
    7.5 (not "0, 2, 5, 8", whose rounding made two steps look unequal, or "0, 0, 1, 2, 2");
    in the room's way, all short when the top is (5K, 10K, not 5.000, 10K)."""
    for decimals in range(4):
        if all(abs(round(v, decimals) - v) < 1e-9 * max(1.0, abs(v)) for v in levels):
            break
    alike = max(levels, default=0.0) >= 1e4
    labels = [words.compact(v, decimals, short=alike) for v in levels]
    if len(set(labels)) < len(labels):  # compact's k / M suffixes round: say more
        labels = [words.number(v, decimals) for v in levels]
    return labels


MIN_COLUMNS = 60  # points a chart keeps however narrow it is drawn
PX_PER_POINT = 3  # a point every 3 px: smooth at 4 m, and every spike still there


def nice_scale(value: float) -> tuple[float, int]:
    """The round top at or above ``value`` and the number of gridline steps up to it."""
    if not math.isfinite(value) or value <= 0:
        return 1.0, 4
    exponent = 10 ** math.floor(math.log10(value))
    for top, steps in _NICE:
        if value <= top * exponent * (1 + 1e-9):
            return float(top * exponent), steps
    return float(10 * exponent), 5


class _Series:
    """One series as two pyqtgraph items: a shaded area and the line on top.

    Qt's raster engine strokes wide antialiased paths slowly (measured here: ~12 ms for a 4 px,
    120-point curve across 1860 px; a chart redraw froze the wall's tickers for 200 ms once a
    minute). So the area, whose edge the line covers anyway, is filled without antialiasing
    (about 5× faster). pyqtgraph's faster segmented line mode is NOT used: with PySide6 6.11.3
    it segfaulted inside QPainter.drawLines on pyqtgraph's segment buffer (seen in a full test
    run on a clean Debian 12 box).
    """

    def __init__(self, plot: pg.PlotWidget, colour: QColor, width: int, fill_alpha: int) -> None:
        self._plot = plot
        self.area: pg.PlotCurveItem | None = None
        if fill_alpha:
            shade = QColor(colour)
            shade.setAlpha(fill_alpha)
            self.area = pg.PlotCurveItem(
                pen=pg.mkPen(None), fillLevel=0, brush=shade, antialias=False
            )
            plot.addItem(self.area)
        pen = pg.mkPen(colour, width=width)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        self.line = _ChunkedLine(pen=pen, antialias=True)
        self.line.setSegmentedLineMode("off")  # see the class docstring
        plot.addItem(self.line)

    def setData(self, x: np.ndarray, y: np.ndarray) -> None:
        if self.area is not None:
            self.area.setData(x, y)
        self.line.setData(x, y)

    def setZ(self, z: float) -> None:
        if self.area is not None:
            self.area.setZValue(z - 100)  # areas under every line
        self.line.setZValue(z)

    def remove(self) -> None:
        for item in (self.area, self.line):
            if item is not None:
                self._plot.removeItem(item)


class _ChunkedLine(pg.PlotCurveItem):  # type: ignore[misc]
    """pyqtgraph's curve, stroked in pieces (kiosk.widgets.render.line_pieces) on the gpu path,
    where pyqtgraph draws the chart."""

    def __init__(self, **options: object) -> None:
        super().__init__(**options)
        self._pieces: list[QPainterPath] | None = None

    def updateData(self, *args: object, **kwargs: object) -> None:
        self._pieces = None
        super().updateData(*args, **kwargs)

    def paint(self, painter: QPainter, option: object, widget: object) -> None:
        x, y = self.xData, self.yData
        if x is None or y is None or not len(x):
            return
        if self._pieces is None:
            self._pieces = line_pieces(x, y)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, bool(self.opts["antialias"]))
        painter.setPen(self.opts["pen"])
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for piece in self._pieces:
            painter.drawPath(piece)
