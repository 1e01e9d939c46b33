"""``type: text``: a title or an announcement, from the layout or from a text stream."""

from __future__ import annotations

from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QPainter,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextOption,
)

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
        colour = QColor(self.options.colour) if self.options.colour else style.text
        font = style.font(SIZES[self.options.size], 400 if self.options.markdown else 600)
        if self.options.markdown:
            self._paint_markdown(painter, rect, colour, font)
            return
        painter.setPen(colour)
        painter.setFont(font)
        flags = ALIGN[self.options.align] | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextWordWrap
        painter.drawText(rect, flags, self.shown_text())

    def _paint_markdown(self, painter: QPainter, rect: QRect, colour: QColor, font: QFont) -> None:
        document = QTextDocument()
        document.setDefaultFont(font)
        document.setDocumentMargin(0)
        document.setDefaultStyleSheet(f"body {{ color: {colour.name()}; }}")
        document.setMarkdown(self.shown_text())
        document.setTextWidth(rect.width())
        document.setDefaultTextOption(QTextOption(ALIGN[self.options.align]))
        cursor = QTextCursor(document)
        cursor.select(QTextCursor.SelectionType.Document)
        char = QTextCharFormat()
        char.setForeground(colour)
        cursor.mergeCharFormat(char)  # Markdown has no colour: the theme's text colour
        top = rect.top() + max(0.0, (rect.height() - document.size().height()) / 2)
        painter.save()
        painter.translate(rect.left(), top)
        document.drawContents(painter, QRectF(0, 0, rect.width(), rect.height()))
        painter.restore()
