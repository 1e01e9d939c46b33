"""``type: heatmap``: a labelled grid of cells shaded by value (e.g. weekday × hour activity).

The ramp runs from the panel colour to the accent through one hue, so it reads for colour-blind
viewers too, and the busiest cell stands out from across the room.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter

from kiosk.config.widgets import HeatmapOptions
from kiosk.hub import Sample
from kiosk.values import Matrix
from kiosk.widgets.base import KioskWidget


class HeatmapWidget(KioskWidget):
    refresh_hz = 0.5
    options: HeatmapOptions

    def take(self, sample: Sample) -> None:
        grid = sample.value
        if not isinstance(grid, Matrix):
            raise TypeError(f"expected a Matrix, got {type(grid).__name__}")
        if grid.values.shape != (len(grid.rows), len(grid.columns)):
            raise ValueError(
                f"values are {grid.values.shape}, labels say {len(grid.rows)}×{len(grid.columns)}"
            )

    def shade(self, level: float) -> QColor:
        """Panel colour at 0, the accent at 1, linearly in between."""
        low, high = self.style_.panel, self.style_.accent
        level = min(1.0, max(0.0, level))
        t = 0.08 + 0.92 * level  # the emptiest cell still shows as a cell

        def mix(a: int, b: int) -> int:
            return round(a + (b - a) * t)

        return QColor(
            mix(low.red(), high.red()), mix(low.green(), high.green()), mix(low.blue(), high.blue())
        )

    def paint_content(self, painter: QPainter, rect: QRect) -> None:
        if self.sample is None:
            return
        grid: Matrix = self.sample.value
        values = np.nan_to_num(grid.values, nan=0.0, posinf=0.0, neginf=0.0)
        rows, columns = values.shape
        if rows == 0 or columns == 0:
            return
        style = self.style_
        top_value = float(values.max()) or 1.0
        # Labels at the floor may not fit every row and column: every other one, not overlapping.
        row_labels = [style.lang.day_label(row) for row in grid.rows]
        font = style.font(max(16.0, min(22.0, (rect.height() / rows) / style.unit * 0.5)), 500)
        metrics = QFontMetrics(font)
        label_w = max(style.px(64), max(map(metrics.horizontalAdvance, row_labels)) + style.px(10))
        label_h = max(style.px(30), math.ceil(font.pixelSize() * 1.25))
        cell_w = (rect.width() - label_w) / columns
        cell_h = (rect.height() - label_h) / rows
        gap = max(1.0, min(cell_w, cell_h) * 0.08)
        painter.setFont(font)
        painter.setPen(Qt.PenStyle.NoPen)
        for r in range(rows):
            for c in range(columns):
                cell = QRectF(
                    rect.left() + label_w + c * cell_w,
                    rect.top() + r * cell_h,
                    cell_w - gap,
                    cell_h - gap,
                )
                painter.setBrush(self.shade(values[r, c] / top_value))
                painter.drawRoundedRect(cell, gap, gap)
                shown = self.style_.lang.compact(values[r, c]) if self.options.values else ""
                if shown and metrics.horizontalAdvance(shown) < cell_w - gap and cell_h > label_h:
                    painter.setPen(style.text)
                    painter.drawText(cell, Qt.AlignmentFlag.AlignCenter, shown)
                    painter.setPen(Qt.PenStyle.NoPen)
        painter.setPen(style.muted)
        every_row = max(1, math.ceil(font.pixelSize() * 1.1 / max(cell_h, 1.0)))
        for r in range(0, rows, every_row):
            label = row_labels[r]
            middle = rect.top() + (r + 0.5) * cell_h - gap / 2
            line = font.pixelSize() * 1.3
            box = QRectF(rect.left(), middle - line / 2, label_w - gap * 2, line)
            painter.drawText(
                box, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label
            )
        widest = max(map(metrics.horizontalAdvance, grid.columns), default=0) + style.px(12)
        every = max(1, math.ceil(max(style.px(48), widest) / max(cell_w, 1.0)))
        for c in range(0, columns, every):
            box = QRectF(
                rect.left() + label_w + c * cell_w, rect.bottom() - label_h, cell_w * every, label_h
            )
            painter.drawText(
                box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, grid.columns[c]
            )
