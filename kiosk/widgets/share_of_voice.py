"""``type: share_of_voice``: parts of a whole in brand colours, as a donut or a 100 % bar.

The highlighted part (our brand) is written large in the middle of the donut: at four metres
the one number people look for is "how much of the conversation is ours".
"""

from __future__ import annotations

import math

from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QFontMetrics, QPainter, QPen

from kiosk.config.widgets import ShareOfVoiceOptions
from kiosk.hub import Sample
from kiosk.values import Breakdown, Ranking
from kiosk.widgets.base import KioskWidget

TOP_PARTS = 6  # a ranking shown as parts: its top entries, then "Other"


class ShareOfVoiceWidget(KioskWidget):
    refresh_hz = 1.0
    options: ShareOfVoiceOptions

    def take(self, sample: Sample) -> bool:
        if not isinstance(sample.value, Breakdown | Ranking):
            raise TypeError(f"expected a Breakdown or Ranking, got {type(sample.value).__name__}")
        # Shares move a little every second at a busy rate, but the tile only changes when a
        # figure it writes does (a tenth of a percent in the legend, whole percents in the ring
        # and the bar; an arc then moves by under a pixel at 4K): repaint then, not every second.
        lang = self.style_.lang
        return self.shows_new(
            tuple(
                (label, lang.percent(share), lang.percent(share, 0))
                for label, share in self._shares(sample.value)
            )
        )

    def shares(self) -> list[tuple[str, float]]:
        """Each part's share of the total, 0…1, in display order; empty when the total is 0.

        A ranking (``by: market``) is its top entries as parts, the rest as one "Other" part:
        a donut of 60 countries is read by nobody."""
        return self._shares(self.sample.value) if self.sample is not None else []

    def _shares(self, value: Breakdown | Ranking) -> list[tuple[str, float]]:
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
        # The legend's names whole ("Umbrella", not "Umbre…"): the ring (1.08 × size with its
        # gap) gets what they leave, down to a third of the tile, where long names are cut.
        room = (rect.width() - self._legend_width(rect, shares) - style.px(24)) / 1.08
        size = min(rect.height(), round(rect.width() * 0.42), max(round(room), rect.width() // 3))
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

    def _legend_row(self, height: int, rows: int) -> tuple[int, float]:
        """A legend row's height and type size (px at 1080p) for ``rows`` rows in ``height``."""
        style = self.style_
        row = min(style.px(52), height // max(1, rows))
        return row, min(26, row / style.unit * 0.6)

    def _legend_width(self, rect: QRect, shares: list[tuple[str, float]]) -> int:
        """What the legend needs across for its names and shares uncut."""
        style = self.style_
        row, font_size = self._legend_row(rect.height(), len(shares))
        metrics = QFontMetrics(style.font(font_size, 600))
        widest = max(
            metrics.horizontalAdvance(style.lang.term(label))
            + metrics.horizontalAdvance(style.lang.percent(share))
            for label, share in shares
        )
        return max(4, row // 3) + style.px(12) + widest + style.px(10)

    def _paint_legend(
        self, painter: QPainter, rect: QRect, shares: list[tuple[str, float]]
    ) -> None:
        style = self.style_
        rows = len(shares)
        height, font_size = self._legend_row(rect.height(), rows)
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
            painter.setFont(style.font(font_size, 600))
            percent = style.lang.percent(share)
            metrics = painter.fontMetrics()
            room = text_rect.width() - metrics.horizontalAdvance(percent) - style.px(10)
            name = metrics.elidedText(
                style.lang.term(label), Qt.TextElideMode.ElideMiddle, max(0, room)
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
        lines = self._legend_lines(rect.width(), shares)
        legend_height = len(lines) * self._legend_line_height() + style.px(12)
        if rect.height() - bar_height < legend_height:  # the legend whole, with a lower bar
            bar_height = max(rect.height() * 0.3, rect.height() - legend_height)
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
        top = round(bar.bottom()) + style.px(12)
        for index, line in enumerate(lines):
            y = top + index * self._legend_line_height()
            if y + self._legend_line_height() > rect.bottom() + style.px(8):
                break  # no room for this line: the legend stops at a whole entry
            self._paint_legend_line(painter, rect.left(), y, line)

    def _legend_line_height(self) -> int:
        return max(self.style_.px(38), math.ceil(self.style_.font(24).pixelSize() * 1.3))

    def _legend_lines(self, width: int, shares: list[tuple[str, float]]) -> list[list[str]]:
        """The bar's legend entries, whole, in as many lines as ``width`` needs."""
        style = self.style_
        metrics = QFontMetrics(style.font(24, 600))
        lines: list[list[str]] = [[]]
        x = 0
        for label, _ in shares:
            needs = style.px(14 + 8) + metrics.horizontalAdvance(style.lang.term(label))
            if lines[-1] and x + needs > width:
                lines.append([])
                x = 0
            lines[-1].append(label)
            x += needs + style.px(28)
        return lines

    def _paint_legend_line(self, painter: QPainter, x: int, top: int, labels: list[str]) -> None:
        style = self.style_
        painter.setFont(style.font(24, 600))
        chip = style.px(14)
        for label in labels:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(style.brand_colour(label))
            painter.drawRoundedRect(x, top + style.px(8), chip, chip, chip / 4, chip / 4)
            x += chip + style.px(8)
            painter.setPen(style.text)
            shown = style.lang.term(label)
            painter.drawText(x, top + style.px(8) + chip, shown)
            x += painter.fontMetrics().horizontalAdvance(shown) + style.px(28)
