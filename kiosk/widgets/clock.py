"""``type: clock`` (local time, or a world clock over several zones) and ``type: countdown``."""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFontMetrics, QPainter
from PySide6.QtWidgets import QWidget

from kiosk.config.widgets import ClockOptions, CountdownOptions, WidgetOptions
from kiosk.hub import StreamView
from kiosk.widgets.base import KioskWidget
from kiosk.widgets.theme import Style


class _Ticking(KioskWidget):
    """A widget that shows the time: repaints when its text changes, checked twice a second."""

    def __init__(
        self,
        options: WidgetOptions,
        stream: StreamView | None,
        style: Style,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(options, stream, style, parent)
        self.clock = time.time
        self._shown: list[tuple[str, str]] = []
        self.visible_timer(500, self._maybe_repaint)

    def lines(self) -> list[tuple[str, str]]:
        """(big text, caption) per face."""
        raise NotImplementedError

    def _maybe_repaint(self) -> None:
        if self.lines() != self._shown:
            self.update()

    def paint_content(self, painter: QPainter, rect: QRect) -> None:
        style = self.style_
        faces = self._shown = self.lines()
        width = rect.width() // max(1, len(faces))
        size = min(rect.height() * 0.5, width * 0.3) / style.unit
        # The widest face fits its width ("11 days 09:28" was cut at both ends).
        metrics = QFontMetrics(style.font(size, 700))
        widest = max((metrics.horizontalAdvance(big) for big, _ in faces), default=0)
        if widest > width * 0.94:
            size *= width * 0.94 / widest
        for index, (big, caption) in enumerate(faces):
            face = QRect(rect.left() + index * width, rect.top(), width, rect.height())
            painter.setPen(style.text)
            painter.setFont(style.font(size, 700))
            top = face.adjusted(0, 0, 0, -round(face.height() * 0.25))
            painter.drawText(top, Qt.AlignmentFlag.AlignCenter, big)
            painter.setPen(style.muted)
            painter.setFont(style.font(max(16.0, size * 0.28), 500))
            bottom = face.adjusted(0, round(face.height() * 0.72), 0, 0)
            painter.drawText(
                bottom, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, caption
            )


class ClockWidget(_Ticking):
    options: ClockOptions

    def lines(self) -> list[tuple[str, str]]:
        fmt = "%H:%M:%S" if self.options.seconds else "%H:%M"
        now = self.clock()
        if not self.options.zones:
            local = self.style_.lang.local(now)
            return [(local.strftime(fmt), self.style_.lang.date(now))]
        faces = []
        for index, zone in enumerate(self.options.zones):
            there = datetime.fromtimestamp(now, ZoneInfo(zone))
            labels = self.options.labels
            caption = (
                labels[index] if index < len(labels) else zone.rsplit("/", 1)[-1].replace("_", " ")
            )
            faces.append((there.strftime(fmt), caption))
        return faces


class CountdownWidget(_Ticking):
    options: CountdownOptions

    def lines(self) -> list[tuple[str, str]]:
        until = self.options.until
        zone = ZoneInfo(self.options.timezone) if self.options.timezone else None
        if until.tzinfo is None:  # the room's time: its zone, else the machine's
            until = until.replace(tzinfo=zone) if zone else until.astimezone()
        left = until.timestamp() - self.clock()
        # The zone is named: a mini-PC left on UTC must not look like the room's time.
        moment = until.astimezone(zone)
        caption = f"{self.style_.lang.day_month(moment)} {moment.strftime('%H:%M %Z')}"
        if left <= 0:
            return [(self.options.done or self.style_.lang._("Now"), caption)]
        days, rest = divmod(int(left), 86400)
        hours, rest = divmod(rest, 3600)
        minutes, seconds = divmod(rest, 60)
        big = (
            self.style_.lang.n_("{count} day", "{count} days", days) + f" {hours:02d}:{minutes:02d}"
            if days
            else f"{hours:02d}:{minutes:02d}:{seconds:02d}"
        )
        return [(big, caption)]
