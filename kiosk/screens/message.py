"""A staff message on a screen: a card across the bottom of the window, readable across a room.

The headline is 72 px at 1080p (caps about 52 px, some 33 mm on a 55-inch TV: the size signage
guides give for reading from 4 m); the body is 40 px. A warning or critical message fills the
card with its tone's colour, dark text on it as on the takeover banner; info and good messages
are a panel with a stripe of their colour. The card sits below a takeover's banner, never over
it, so staff news cannot hide a crisis.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from kiosk.widgets.theme import WARNING, Style

HEADLINE_PX = 72
BODY_PX = 40
BODY_LINES = 3


def tone_colour(style: Style, tone: str) -> QColor:
    return {
        "info": style.accent,
        "good": style.positive,
        "warning": QColor(WARNING),
        "critical": style.negative,
    }.get(tone, style.accent)


class MessageCard(QWidget):
    """One message laid over a window's lower part until it is deleted.

    Args:
        window: the window it covers part of; the card is its child and goes with it.
        style: sizes and colours for that window.
    """

    def __init__(self, window: QWidget, style: Style) -> None:
        super().__init__(window)
        self._style = style
        self.message_id = ""
        self.tone = "info"
        self.headline = ""
        self.body = ""
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.hide()

    def show_message(self, message_id: str, tone: str, headline: str, body: str) -> None:
        if (message_id, tone, headline, body) != (
            self.message_id,
            self.tone,
            self.headline,
            self.body,
        ):
            self.message_id, self.tone, self.headline, self.body = message_id, tone, headline, body
            self.update()

    def place(self, area: QRect) -> None:
        """Sit at the bottom of ``area`` (the window less a takeover banner), as tall as the
        text needs, at most all of ``area``."""
        style = self._style
        margin = style.px(32)
        pad = style.px(28)
        width = area.width() - 2 * margin
        text_width = width - 2 * pad - style.px(16)
        height = 2 * pad + self._headline_height(text_width)
        if self.body:
            height += style.px(12) + self._body_height(text_width)
        height = min(height, area.height() - 2 * margin)
        self.setGeometry(area.left() + margin, area.bottom() - margin - height, width, height)
        self.raise_()

    def _headline_height(self, width: int) -> int:
        metrics = QFontMetrics(self._style.font(HEADLINE_PX, 700))
        flags = Qt.TextFlag.TextWordWrap.value
        return min(
            metrics.boundingRect(QRect(0, 0, width, 10_000), flags, self.headline).height(),
            2 * metrics.lineSpacing(),
        )

    def _body_height(self, width: int) -> int:
        metrics = QFontMetrics(self._style.font(BODY_PX))
        flags = Qt.TextFlag.TextWordWrap.value
        return min(
            metrics.boundingRect(QRect(0, 0, width, 10_000), flags, self.body).height(),
            BODY_LINES * metrics.lineSpacing(),
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        style = self._style
        colour = tone_colour(style, self.tone)
        loud = self.tone in ("warning", "critical")
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        radius = style.px(16)
        painter.setBrush(colour if loud else style.panel)
        painter.drawRoundedRect(self.rect(), radius, radius)
        stripe = style.px(16)
        if not loud:
            painter.setBrush(colour)
            painter.drawRoundedRect(QRect(0, 0, stripe + radius, self.height()), radius, radius)
            painter.fillRect(QRect(stripe, 0, radius, self.height()), style.panel)
        pad = style.px(28)
        inner = self.rect().adjusted(pad + stripe, pad, -pad, -pad)
        ink = QColor("#111111") if loud else style.text  # dark on yellow and vermilion
        painter.setPen(ink)
        painter.setFont(style.font(HEADLINE_PX, 700))
        wrap = Qt.TextFlag.TextWordWrap.value
        top = Qt.AlignmentFlag.AlignLeft.value | Qt.AlignmentFlag.AlignTop.value
        height = self._headline_height(inner.width())
        painter.drawText(
            QRect(inner.left(), inner.top(), inner.width(), height), top | wrap, self.headline
        )
        if self.body:
            painter.setPen(ink if loud else style.muted)
            painter.setFont(style.font(BODY_PX))
            body = inner.adjusted(0, height + style.px(12), 0, 0)
            painter.drawText(body, top | wrap, self.body)
        painter.end()
