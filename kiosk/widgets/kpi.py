"""``type: kpi``: the number as large as the tile allows, its change, and a sparkline."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen

from kiosk.config.widgets import KpiOptions
from kiosk.hub import Sample
from kiosk.values import Metric
from kiosk.widgets.base import TITLE_SIZE, KioskWidget
from kiosk.widgets.format import figure_text
from kiosk.widgets.render import line_pieces

VS_PREVIOUS = "  vs previous"
NUMBER_OVER_TITLE = 2  # the number stays at least this many times the caption's size


class KpiWidget(KioskWidget):
    refresh_hz = 1.0
    options: KpiOptions

    def take(self, sample: Sample) -> bool:
        metric = sample.value
        if not isinstance(metric, Metric):
            raise TypeError(f"expected a Metric, got {type(metric).__name__}")
        # A new value every second mostly rounds to the same figure: repaint when what the tile
        # shows changes (the number as shown, the change line, the colour, the sparkline).
        colour = self.value_colour(metric)
        return self.shows_new(
            (
                self.value_text(metric),
                self.change_text(metric),
                self.target_text(),
                colour.rgba() if colour is not None else None,
                metric.history,
            )
        )

    def value_colour(self, metric: Metric) -> QColor | None:
        """The thresholds' colour; else, with a target, whether the figure meets it."""
        colour = self.style_.threshold_colour(metric.value, self.options.thresholds)
        if colour is None:
            meets = self.meets_target(metric.value)
            if meets is not None:
                colour = self.style_.positive if meets else self.style_.negative
        return colour

    def target_text(self) -> str:
        target = self.target_value()
        if target is None:
            return ""
        return self.style_.lang._("target {value}", value=self._figure(target))

    def _figure(self, value: float, unit: str | None = None) -> str:
        options = self.options
        if unit is None:
            unit = options.unit or (self.current.unit if self.current is not None else "")
        return figure_text(
            value, unit, options.format, options.decimals, options.scale, self.style_.lang
        )

    @property
    def current(self) -> Metric | None:
        return self.sample.value if self.sample is not None else None

    def value_text(self, metric: Metric | None = None) -> str:
        metric = metric or self.current
        if metric is None:
            return ""
        return self._figure(metric.value, self.options.unit or metric.unit)

    def change_text(self, metric: Metric | None = None) -> tuple[str, QColor] | None:
        metric = metric or self.current
        if metric is None or metric.previous is None or not math.isfinite(metric.previous):
            return None
        if self.options.change == "percent" and (
            metric.change is None or not math.isfinite(metric.change)
        ):
            return None
        if self.options.change == "points":
            change = metric.value - (metric.previous or 0.0)
            scale = self.options.scale or (100.0 if self.options.format == "percent" else 1.0)
            shown = self.style_.lang.number(abs(change) * scale, self.options.decimals)
            amount = (
                self.style_.lang._("{amount} points", amount=shown)
                if self.public
                else self.style_.lang._("{amount} pts", amount=shown)
            )
        else:
            change = metric.change or 0.0
            amount = self.style_.lang.percent(abs(change))
        if abs(change) < 0.0005:
            return self.style_.lang._("= same as before"), self.style_.muted
        good = (change > 0) == self.options.higher_is_better
        arrow = "▲" if change > 0 else "▼"
        colour = self.style_.positive if good else self.style_.negative
        if self.public:  # visitors read "▲ 12 %  higher than before", not "vs previous"
            words = self.style_.lang
            if change > 0:
                return words._(
                    "{arrow} {amount}  higher than before", arrow=arrow, amount=amount
                ), colour
            return words._(
                "{arrow} {amount}  lower than before", arrow=arrow, amount=amount
            ), colour
        return self.style_.lang._(
            "{arrow} {amount}  vs previous", arrow=arrow, amount=amount
        ), colour

    def short_change_text(self) -> str:
        """The change without "vs previous", for a narrow tile."""
        change = self.change_text()
        if change is None:
            return ""
        text, _ = change
        arrow, _, rest = text.partition(" ")
        amount = rest.split("  ", 1)[0]
        return self.style_.lang._("{arrow} {amount}", arrow=arrow, amount=amount)

    def _line_height(self) -> int:
        return max(self.style_.px(40), math.ceil(self.style_.floor_px * 1.25))

    def _layout(self, rect: QRect, spark: bool, line: bool) -> tuple[QFont, QRect, bool, bool]:
        """The number's font and place, and which of sparkline and change line still come.

        The number is the tile's point: it stays at least twice the caption's size, dropping
        the sparkline, then the change line, where the tile is too small for all three.
        """
        style = self.style_
        wanted = NUMBER_OVER_TITLE * style.font(TITLE_SIZE).pixelSize()
        fitted, number_rect = QFont(), rect
        for spark_on, line_on in ((spark, line), (False, line), (False, False)):
            spark_height = round(rect.height() * 0.26) if spark_on else 0
            line_height = self._line_height() if line_on else 0
            number_rect = QRect(
                rect.left(), rect.top(), rect.width(), rect.height() - spark_height - line_height
            )
            fitted = _fit(self.value_text(), number_rect, style.font(10, 700), style.floor_px)
            if fitted.pixelSize() >= wanted:
                break
        return fitted, number_rect, spark_on, line_on

    def paint_content(self, painter: QPainter, rect: QRect) -> None:
        metric = self.current
        if metric is None:
            return
        style = self.style_
        has_spark = self.options.sparkline and len(metric.history) >= 2
        has_line = bool(self.change_text() or self.target_text())
        fitted, number_rect, has_spark, has_line = self._layout(rect, has_spark, has_line)
        spark_height = round(rect.height() * 0.26) if has_spark else 0
        change_height = self._line_height() if has_line else 0
        painter.setPen(self.value_colour(metric) or style.text)
        painter.setFont(fitted)
        painter.drawText(
            number_rect,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            self.value_text(),
        )
        change = self.change_text() if has_line else None
        line = QRect(rect.left(), number_rect.bottom(), rect.width(), change_height)
        middle = Qt.AlignmentFlag.AlignVCenter
        if change is not None:
            text, colour = change
            painter.setPen(colour)
            painter.setFont(style.font(TITLE_SIZE, 600))
            if painter.fontMetrics().horizontalAdvance(text) > line.width():
                text = self.short_change_text()  # a narrow tile: the arrow and amount
            painter.drawText(line, Qt.AlignmentFlag.AlignLeft | middle, text)
        if has_line and (target := self.target_text()):
            painter.setPen(style.muted)
            painter.setFont(style.font(TITLE_SIZE, 600))
            where = (
                Qt.AlignmentFlag.AlignRight if change is not None else Qt.AlignmentFlag.AlignLeft
            )
            painter.drawText(line, where | middle, target)
        if has_spark:
            spark = QRectF(
                rect.left(),
                rect.bottom() - spark_height + style.px(8),
                rect.width(),
                spark_height - style.px(8),
            )
            _sparkline(painter, spark, metric.history, style.accent, style.px(3))


def _fit(text: str, rect: QRect, font: QFont, floor: int = 8) -> QFont:
    """The largest pixel size at which ``text`` fits ``rect``, but not below ``floor``."""
    fitted = QFont(font)
    size = max(floor, min(int(rect.height() * 0.8), 400))
    fitted.setPixelSize(size)
    width = QFontMetrics(fitted).horizontalAdvance(text) or 1
    if width > rect.width():
        size = max(floor, int(size * rect.width() / width))
        fitted.setPixelSize(size)
    return fitted


def _sparkline(
    painter: QPainter, rect: QRectF, history: tuple[float, ...], colour: QColor, width: int
) -> None:
    """The history as a line over a faint area: the area filled without antialiasing (the line
    covers its edge: 0.9 -> 0.3 ms), the line stroked in pieces (line_pieces)."""
    values = np.nan_to_num(np.asarray(history, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    low, high = float(values.min()), float(values.max())
    span = (high - low) or 1.0
    xs = np.linspace(rect.left(), rect.right(), len(values))
    ys = rect.bottom() - (values - low) / span * rect.height()
    area = pg.arrayToQPath(
        np.concatenate((xs, [rect.right(), rect.left()])),
        np.concatenate((ys, [rect.bottom(), rect.bottom()])),
    )
    fill = QColor(colour)
    fill.setAlpha(45)
    antialiased = painter.testRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(fill)
    painter.drawPath(area)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, antialiased)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(
        QPen(
            colour, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin
        )
    )
    for piece in line_pieces(xs, ys):
        painter.drawPath(piece)
