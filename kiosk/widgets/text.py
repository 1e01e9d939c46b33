"""``type: text``: a title or an announcement, from the layout or from a text stream."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QPainter

from kiosk.config.widgets import TextOptions
from kiosk.hub import Sample
from kiosk.widgets.base import KioskWidget

SIZES = {"small": 28, "normal": 40, "large": 64, "huge": 110}  # px at 1080p
ALIGN = {
    "left": Qt.AlignmentFlag.AlignLeft,
    "center": Qt.AlignmentFlag.AlignHCenter,
    "right": Qt.AlignmentFlag.AlignRight,
}


class TextWidget(KioskWidget):
    refresh_hz = 0.5
    options: TextOptions

    def take(self, sample: Sample) -> None:
        if not isinstance(sample.value, str):
            raise TypeError(f"expected text, got {type(sample.value).__name__}")

    def shown_text(self) -> str:
        if self.sample is not None:
            return str(self.sample.value)
        return self.options.text

    def paint_content(self, painter: QPainter, rect: QRect) -> None:
        style = self.style_
        painter.setPen(QColor(self.options.colour) if self.options.colour else style.text)
        painter.setFont(style.font(SIZES[self.options.size], 600))
        flags = ALIGN[self.options.align] | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextWordWrap
        painter.drawText(rect, flags, self.shown_text())
