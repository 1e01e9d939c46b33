"""The identify page: what a monitor is, and the YAML that puts a layout screen on it.

Facilities staff see this on any TV the layout does not claim, so they can tell which HDMI port is
which from across the room and paste the rule into the layout. ``kiosk identify`` lays the same
card over every TV of a running wall for a minute (:class:`IdentifyCard`).
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from kiosk.screens.matching import Monitor, match_snippet
from kiosk.widgets.theme import Style

NOT_ASSIGNED = "Not assigned"


def identify_lines(monitor: Monitor) -> list[str]:
    maker = " ".join(part for part in (monitor.manufacturer, monitor.model) if part)
    lines = [
        f"{monitor.width} × {monitor.height}  ·  {monitor.refresh_rate:g} Hz  ·  "
        f"scale {monitor.device_pixel_ratio:g}  ·  {monitor.orientation}",
        f"screen index {monitor.index} (counted left to right)",
    ]
    if maker:
        lines.insert(0, maker)
    if monitor.serial:
        lines.append(f"serial {monitor.serial}")
    return lines


def paint_identify(
    painter: QPainter, size: QSize, monitor: Monitor, style: Style, heading: str
) -> None:
    """The identify card: ``heading``, the connector name huge, what the monitor is, its rule."""
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    width = size.width()
    y = round(size.height() * 0.22)

    def line(text: str, points: float, colour: object, weight: int = 400) -> None:
        nonlocal y
        painter.setFont(style.font(points, weight))
        painter.setPen(colour)
        height = painter.fontMetrics().height()
        painter.drawText(QRect(0, y, width, height), Qt.AlignmentFlag.AlignHCenter, text)
        y += round(height * 1.25)

    line(heading, 40, style.muted, 500)
    line(monitor.connector or f"Screen {monitor.index}", 150, style.text, 700)
    for text in identify_lines(monitor):
        line(text, 36, style.text)
    y += style.px(40)
    line("To show a layout screen here, give it:", 32, style.muted)
    line(match_snippet(monitor), 44, style.accent, 600)


class IdentifyView(QWidget):
    """The page of a monitor that no layout screen claims."""

    def __init__(self, monitor: Monitor, style: Style) -> None:
        super().__init__()
        self.monitor = monitor
        self._style = style

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        paint_identify(painter, self.size(), self.monitor, self._style, NOT_ASSIGNED)
        painter.end()


class IdentifyCard(QWidget):
    """The identify card laid over a whole window, whatever it shows, until it is deleted.

    Opaque: it reads from across the room over any page, and the page under it is not repainted
    for it.

    Args:
        window: the window to cover; the card is its child and goes with it.
        monitor: the monitor the window is on.
        style: sizes and colours for that monitor.
        screen: the layout screen the window shows, or None for a monitor nobody claims.
    """

    def __init__(self, window: QWidget, monitor: Monitor, style: Style, screen: str | None) -> None:
        super().__init__(window)
        self.monitor = monitor
        self.heading = f"Shows {screen}" if screen else NOT_ASSIGNED
        self._style = style
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setGeometry(window.rect())
        self.raise_()
        self.show()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self._style.background)
        paint_identify(painter, self.size(), self.monitor, self._style, self.heading)
        painter.end()
