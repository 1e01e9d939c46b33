"""``type: gauge``: one figure on a 240° dial between ``min`` and ``max``, coloured by thresholds.

For SLA-style figures (answered within 1 h, % resolved in 24 h, NPS): the threshold bands are
drawn thin around the dial so the distance to "good" is visible, the value arc thick in the
colour of the band it is in.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from kiosk.config.widgets import GaugeOptions
from kiosk.hub import Sample
from kiosk.values import Metric
from kiosk.widgets.base import KioskWidget
from kiosk.widgets.format import figure, figure_text

START, SWEEP = 210.0, -240.0  # degrees: from lower left, clockwise to lower right


class GaugeWidget(KioskWidget):
    refresh_hz = 1.0
    options: GaugeOptions

    def take(self, sample: Sample) -> None:
        if not isinstance(sample.value, Metric):
            raise TypeError(f"expected a Metric, got {type(sample.value).__name__}")

    def fraction(self, value: float) -> float:
        """Where ``value`` sits on the dial, clamped to 0…1 (NaN → 0)."""
        span = self.options.max - self.options.min
        if not math.isfinite(value):
            return 0.0
        return max(0.0, min(1.0, (value - self.options.min) / span))

    def paint_content(self, painter: QPainter, rect: QRect) -> None:
        if self.sample is None:
            return
        style = self.style_
        value = self.sample.value.value
        label_height = style.px(30)
        # The 240° dial reaches R above its centre and R/2 below; labels go under its ends.
        radius = min(rect.width() / 2, (rect.height() - label_height) / 1.5) * 0.9
        width = radius * 0.2
        centre_x, centre_y = (
            rect.center().x(),
            rect.top() + radius + (rect.height() - label_height - 1.5 * radius) / 2,
        )
        track = radius - width / 2
        dial = QRectF(centre_x - track, centre_y - track, 2 * track, 2 * track)
        self._arc(painter, dial, 0.0, 1.0, style.grid, width)
        ring = radius + width * 0.35
        bands = QRectF(centre_x - ring, centre_y - ring, 2 * ring, 2 * ring)
        for start, end, band_colour in self._bands():
            self._arc(painter, bands, start, end, band_colour, width * 0.22)
        colour = style.threshold_colour(value, self.options.thresholds)
        meets = self.meets_target(value)
        if colour is None and meets is not None:
            colour = style.positive if meets else style.negative
        self._arc(painter, dial, 0.0, self.fraction(value), colour or style.accent, width)
        target = self.target_value()
        if target is not None:  # a mark across the dial where the goal is
            angle = math.radians(START + SWEEP * self.fraction(target))
            inner_r, outer_r = radius - width * 1.15, radius + width * 0.6
            painter.setPen(QPen(style.text, max(2.0, width * 0.18)))
            painter.drawLine(
                QPointF(centre_x + inner_r * math.cos(angle), centre_y - inner_r * math.sin(angle)),
                QPointF(centre_x + outer_r * math.cos(angle), centre_y - outer_r * math.sin(angle)),
            )
        painter.setPen(colour or style.text)
        painter.setFont(style.font(radius / style.unit * 0.5, 700))
        inner = QRectF(centre_x - track, centre_y - track * 0.8, 2 * track, track * 1.4)
        painter.drawText(inner, Qt.AlignmentFlag.AlignCenter, self.value_text(value))
        painter.setPen(style.muted)
        painter.setFont(style.font(20, 500))
        end_x, end_y = radius * math.cos(math.radians(30)), centre_y + radius * 0.5
        low = QRectF(centre_x - end_x - radius, end_y, radius, label_height)
        options = self.options
        ends = [
            figure(end, options.format, 0, options.scale, style.lang)
            for end in (options.min, options.max)
        ]
        painter.drawText(low, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop, ends[0])
        high = QRectF(centre_x + end_x, end_y, radius, label_height)
        painter.drawText(high, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, ends[1])

    def value_text(self, value: float) -> str:
        options = self.options
        unit = options.unit or (self.sample.value.unit if self.sample is not None else "")
        return figure_text(
            value, unit, options.format, options.decimals, options.scale, self.style_.lang
        )

    def _bands(self) -> list[tuple[float, float, QColor]]:
        steps = self.options.thresholds
        bands = []
        for index, step in enumerate(steps):
            upper = steps[index + 1].above if index + 1 < len(steps) else self.options.max
            colour = self.style_.threshold_colour(step.above, [step])
            if colour is not None:
                bands.append((self.fraction(step.above), self.fraction(upper), colour))
        return bands

    @staticmethod
    def _arc(
        painter: QPainter, rect: QRectF, start: float, end: float, colour: QColor, width: float
    ) -> None:
        if end <= start:
            return
        pen = QPen(colour, width)
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawArc(
            rect, round((START + SWEEP * start) * 16), round(SWEEP * (end - start) * 16)
        )
