"""The identify page: what a monitor is, and the YAML that puts a layout screen on it.

Facilities staff see this on any TV the layout does not claim, so they can tell which HDMI port is
which from across the room and paste the rule into the layout. ``kiosk identify`` lays the same
card over every TV of a running wall for a minute (:class:`IdentifyCard`).
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from kiosk.i18n import ENGLISH, N_, Lang
from kiosk.screens.matching import Monitor, match_snippet
from kiosk.widgets.theme import Style

NOT_ASSIGNED = N_("Not assigned")  # translated where drawn


def identify_lines(monitor: Monitor, words: Lang = ENGLISH) -> list[str]:
    maker = " ".join(part for part in (monitor.manufacturer, monitor.model) if part)
    scale = words._("scale {ratio}", ratio=words.number(monitor.device_pixel_ratio, 0))
    if monitor.device_pixel_ratio % 1:
        scale = words._("scale {ratio}", ratio=words.number(monitor.device_pixel_ratio, 2))
    lines = [
        f"{monitor.width} × {monitor.height}  ·  {monitor.refresh_rate:g} Hz  ·  "
        f"{scale}  ·  {words.term(monitor.orientation)}",
        words._("screen index {index} (counted left to right)", index=monitor.index),
    ]
    if maker:
        lines.insert(0, maker)
    if monitor.serial:
        lines.append(words._("serial {serial}", serial=monitor.serial))
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

    words = style.lang
    line(heading, 40, style.muted, 500)
    line(monitor.connector or words._("Screen {index}", index=monitor.index), 150, style.text, 700)
    for text in identify_lines(monitor, words):
        line(text, 36, style.text)
    y += style.px(40)
    line(words._("To show a layout screen here, give it:"), 32, style.muted)
    line(match_snippet(monitor), 44, style.accent, 600)


class IdentifyView(QWidget):
    """The page of a monitor that no layout screen claims."""

    def __init__(self, monitor: Monitor, style: Style) -> None:
        super().__init__()
        self.monitor = monitor
        self._style = style

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        heading = self._style.lang._(NOT_ASSIGNED)
        paint_identify(painter, self.size(), self.monitor, self._style, heading)
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
        words = style.lang
        self.heading = words._("Shows {screen}", screen=screen) if screen else words._(NOT_ASSIGNED)
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
