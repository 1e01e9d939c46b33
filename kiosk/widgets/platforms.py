"""Where a post comes from, at a glance: a small badge in the platform's own colour.

Drawn (a rounded square and one or two letters), not shipped as logo files: the platforms'
logos are trademarks with their own terms, and a coloured badge reads from across a room.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter

from kiosk.platforms import PLATFORMS, platform_name
from kiosk.widgets.theme import Style

__all__ = ["PLATFORMS", "draw_badge", "platform_name"]


def draw_badge(painter: QPainter, rect: QRectF, code: str, style: Style) -> None:
    """The platform's badge in ``rect`` (a square); an unknown platform gets its initial."""
    _, letters, colour = PLATFORMS.get(code, (code, (code[:1] or "?").upper(), "#5A6472"))
    painter.save()
    painter.setPen(Qt.PenStyle.NoPen)
    fill = QColor(colour)
    if style.dark and fill.lightness() < 40:
        fill = QColor("#2A2F38")  # X's and TikTok's black would vanish on a dark panel
    painter.setBrush(fill)
    radius = rect.height() * 0.24
    painter.drawRoundedRect(rect, radius, radius)
    painter.setPen(QColor("#FFFFFF"))
    size = rect.height() / style.unit * (0.62 if len(letters) == 1 else 0.5)
    painter.setFont(style.font(size, 800))
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, letters)
    painter.restore()
