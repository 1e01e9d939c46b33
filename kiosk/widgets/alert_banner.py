"""``type: alert_banner``: invisible while all is quiet; a loud bar when an alert fires.

It says what, how much, since when and what drives it ("Acme mentions 4.2× normal · since
14:02 · #AcmeDown"), in the severity's colour, as large as the bar allows. When the alert
clears, the bar goes away and the page shows through.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent

from kiosk.config.widgets import AlertBannerOptions
from kiosk.hub import Sample
from kiosk.values import Alert
from kiosk.widgets.base import KioskWidget
from kiosk.widgets.theme import WARNING


class AlertBannerWidget(KioskWidget):
    refresh_hz = 2.0
    options: AlertBannerOptions

    def take(self, sample: Sample) -> None:
        alerts = sample.value
        if not isinstance(alerts, tuple) or not all(isinstance(a, Alert) for a in alerts):
            raise TypeError(f"expected alerts, got {type(alerts).__name__}")

    @property
    def alerts(self) -> tuple[Alert, ...]:
        return self.sample.value if self.sample is not None else ()

    def text(self, alert: Alert) -> str:
        words = self.style_.lang
        parts = [alert.title, words._("since {time}", time=words.clock_time(alert.since))]
        if alert.drivers:
            parts.append(words._("driven by {names}", names=", ".join(alert.drivers)))
        return "⚠  " + "  ·  ".join(parts)

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self.alerts:  # quiet: nothing to see, only the page's colour
            painter = self.text_painter(self, "panel")  # no text: none to count
            painter.fillRect(event.rect(), self.style_.background)
            painter.end()
            return
        super().paintEvent(event)

    def paint_content(self, painter: QPainter, rect: QRect) -> None:
        style = self.style_
        alert = self.alerts[0]
        colour = style.negative if alert.severity == "critical" else QColor(WARNING)
        radius = style.px(14)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawRoundedRect(self.rect(), radius, radius)
        painter.setPen(QColor("#111111"))
        size = min(44.0, rect.height() / style.unit * 0.5)
        painter.setFont(style.font(size, 700))
        others = len(self.alerts) - 1
        more = "   " + style.lang.n_("+{count} more alert", "+{count} more alerts", others)
        more = more if others else ""
        text = painter.fontMetrics().elidedText(
            self.text(alert) + more, Qt.TextElideMode.ElideRight, rect.width()
        )
        painter.drawText(rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)
