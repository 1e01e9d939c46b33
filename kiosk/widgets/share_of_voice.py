"""``type: share_of_voice``: parts of a whole in brand colours, as a donut or a 100 % bar.

The highlighted part (our brand) is written large in the middle of the donut: at four metres
the one number people look for is "how much of the conversation is ours".
"""

from __future__ import annotations

import math

from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QPainter, QPen

from kiosk.config.widgets import ShareOfVoiceOptions
from kiosk.hub import Sample
from kiosk.values import Breakdown, Ranking
from kiosk.widgets.base import KioskWidget

TOP_PARTS = 6  # a ranking shown as parts: its top entries, then "Other"


class ShareOfVoiceWidget(KioskWidget):
    refresh_hz = 1.0
    options: ShareOfVoiceOptions

    def take(self, sample: Sample) -> None:
        if not isinstance(sample.value, Breakdown | Ranking):
            raise TypeError(f"expected a Breakdown or Ranking, got {type(sample.value).__name__}")

    def shares(self) -> list[tuple[str, float]]:
        """Each part's share of the total, 0…1, in display order; empty when the total is 0.

        A ranking (``by: market``) is its top entries as parts, the rest as one "Other" part:
        a donut of 60 countries is read by nobody."""
        if self.sample is None:
            return []
        value = self.sample.value
        if isinstance(value, Ranking):
            top = tuple((entry.label, entry.value) for entry in value.entries[:TOP_PARTS])
            rest = sum(entry.value for entry in value.entries[TOP_PARTS:])
            value = Breakdown((*top, (self.style_.lang._("Other"), rest)) if rest > 0 else top)
        parts = [(label, v if math.isfinite(v) and v > 0 else 0.0) for label, v in value.parts]
        total = sum(v for _, v in parts)
        return [(label, v / total) for label, v in parts] if total > 0 else []

    def paint_content(self, painter: QPainter, rect: QRect) -> None:
        shares = self.shares()
        if not shares:
            painter.setPen(self.style_.muted)
            painter.setFont(self.style_.font(26))
            painter.drawText(
                rect, Qt.AlignmentFlag.AlignCenter, self.style_.lang._("No mentions yet")
            )
            return
        if self.options.shape == "bar":
            self._paint_bar(painter, rect, shares)
        else:
            self._paint_donut(painter, rect, shares)

    def _paint_donut(self, painter: QPainter, rect: QRect, shares: list[tuple[str, float]]) -> None:
        style = self.style_
        size = min(rect.height(), round(rect.width() * 0.42))  # the legend needs the rest
        ring = QRectF(rect.left(), rect.top() + (rect.height() - size) / 2, size, size)
        thickness = size * 0.16
        ring = ring.adjusted(thickness / 2, thickness / 2, -thickness / 2, -thickness / 2)
        angle = 90 * 16.0
        for label, share in shares:
            span = -share * 360 * 16
            pen = QPen(style.brand_colour(label), thickness)
            pen.setCapStyle(Qt.PenCapStyle.FlatCap)
            painter.setPen(pen)
            painter.drawArc(ring, round(angle), round(span))
            angle += span
        highlight = self.options.highlight or shares[0][0]
        highlighted = dict(shares).get(highlight)
        if highlighted is not None:
            painter.setPen(style.text)
            painter.setFont(style.font(size / style.unit * 0.2, 700))
            painter.drawText(ring, Qt.AlignmentFlag.AlignCenter, style.lang.percent(highlighted, 0))
        legend = QRect(round(ring.right() + thickness + style.px(24)), rect.top(), 0, rect.height())
        legend.setRight(rect.right())
        self._paint_legend(painter, legend, shares)

    def _paint_legend(
        self, painter: QPainter, rect: QRect, shares: list[tuple[str, float]]
    ) -> None:
        style = self.style_
        rows = len(shares)
        height = min(style.px(52), rect.height() // max(1, rows))
        top = rect.top() + (rect.height() - height * rows) // 2
        chip = max(4, height // 3)
        for index, (label, share) in enumerate(shares):
            y = top + index * height
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(style.brand_colour(label))
            painter.drawRoundedRect(
                rect.left(), y + (height - chip) // 2, chip, chip, chip / 4, chip / 4
            )
            text_rect = QRect(
                rect.left() + chip + style.px(12), y, rect.width() - chip - style.px(12), height
            )
            font_size = min(26, height / style.unit * 0.6)
            painter.setFont(style.font(font_size, 600))
            percent = style.lang.percent(share)
            metrics = painter.fontMetrics()
            room = text_rect.width() - metrics.horizontalAdvance(percent) - style.px(10)
            name = metrics.elidedText(
                style.lang.term(label), Qt.TextElideMode.ElideRight, max(0, room)
            )
            painter.setPen(style.text)
            painter.drawText(
                text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name
            )
            painter.setPen(style.muted)
            painter.drawText(
                text_rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, percent
            )

    def _paint_bar(self, painter: QPainter, rect: QRect, shares: list[tuple[str, float]]) -> None:
        style = self.style_
        bar_height = min(rect.height() * 0.45, style.px(90))
        bar = QRectF(rect.left(), rect.top(), rect.width(), bar_height)
        x = bar.left()
        painter.setFont(style.font(min(30, bar_height / style.unit * 0.4), 700))
        for label, share in shares:
            width = share * bar.width()
            part = QRectF(x, bar.top(), width, bar.height())
            painter.fillRect(part, style.brand_colour(label))
            text = style.lang.percent(share, 0)
            if painter.fontMetrics().horizontalAdvance(text) + style.px(12) < width:
                painter.setPen(style.background)
                painter.drawText(part, Qt.AlignmentFlag.AlignCenter, text)
            x += width
        legend = QRect(rect.left(), round(bar.bottom()) + style.px(12), rect.width(), 0)
        legend.setBottom(rect.bottom())
        self._paint_legend_row(painter, legend, shares)

    def _paint_legend_row(
        self, painter: QPainter, rect: QRect, shares: list[tuple[str, float]]
    ) -> None:
        style = self.style_
        painter.setFont(style.font(24, 600))
        x = rect.left()
        chip = style.px(14)
        for label, _ in shares:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(style.brand_colour(label))
            painter.drawRoundedRect(x, rect.top() + style.px(8), chip, chip, chip / 4, chip / 4)
            x += chip + style.px(8)
            painter.setPen(style.text)
            shown = style.lang.term(label)
            painter.drawText(x, rect.top() + style.px(8) + chip, shown)
            x += painter.fontMetrics().horizontalAdvance(shown) + style.px(28)
            if x > rect.right():
                break
