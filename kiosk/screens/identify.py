"""The identify page: what a monitor is, and the YAML that puts a layout screen on it.

Facilities staff see this on any TV the layout does not claim, so they can tell which HDMI port is
which from across the room and paste the rule into the layout.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from kiosk.screens.matching import Monitor, match_snippet
from kiosk.widgets.theme import Style


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


class IdentifyView(QWidget):
    def __init__(self, monitor: Monitor, style: Style) -> None:
        super().__init__()
        self.monitor = monitor
        self._style = style

    def paintEvent(self, event: QPaintEvent) -> None:
        style = self._style
        monitor = self.monitor
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        width = self.width()
        y = round(self.height() * 0.22)

        def line(text: str, size: float, colour: object, weight: int = 400) -> None:
            nonlocal y
            painter.setFont(style.font(size, weight))
            painter.setPen(colour)
            height = painter.fontMetrics().height()
            painter.drawText(QRect(0, y, width, height), Qt.AlignmentFlag.AlignHCenter, text)
            y += round(height * 1.25)

        line("Not assigned", 40, style.muted, 500)
        line(monitor.connector or f"Screen {monitor.index}", 150, style.text, 700)
        for text in identify_lines(monitor):
            line(text, 36, style.text)
        y += style.px(40)
        line("To show a layout screen here, give it:", 32, style.muted)
        line(match_snippet(monitor), 44, style.accent, 600)
        painter.end()
