"""How a cast post and the emergency look: drawing only, no state beyond what they show."""

from __future__ import annotations

import datetime

from PySide6.QtCore import QRect, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from kiosk.hub import Hub
from kiosk.values import Breakdown, Mention, Metric
from kiosk.widgets.format import compact
from kiosk.widgets.theme import Style

EMERGENCY_RED = QColor("#b3141b")  # white on it is 6.9:1, readable from the back of a room
FIGURES_MS = 5000  # the post card's figures: a rate per minute needs no faster refresh


class EmergencyCard(QWidget):
    """The emergency: the whole window red, the headline as large as fits, the body under it.

    The headline starts at 160 px at 1080p (caps some 115 px: readable at 15 m) and shrinks only
    if a long headline would not fit in three lines.
    """

    HEADLINE_PX = 160
    BODY_PX = 64

    def __init__(self, window: QWidget, style: Style) -> None:
        super().__init__(window)
        self._style = style
        self.headline = ""
        self.body = ""
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.hide()

    def show_emergency(self, headline: str, body: str) -> None:
        if (headline, body) != (self.headline, self.body):
            self.headline, self.body = headline, body
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        style = self._style
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), EMERGENCY_RED)
        pad = style.px(80)
        inner = self.rect().adjusted(pad, pad, -pad, -pad)
        painter.setPen(QColor("#ffffff"))
        wrap = Qt.TextFlag.TextWordWrap.value
        centre = Qt.AlignmentFlag.AlignHCenter.value
        painter.setFont(style.font(48, 800))
        label = painter.fontMetrics().height()
        painter.drawText(
            QRect(inner.left(), inner.top(), inner.width(), label), centre, "⚠  EMERGENCY"
        )
        body_height = 0
        if self.body:
            painter.setFont(style.font(self.BODY_PX, 500))
            body_height = min(
                painter.fontMetrics()
                .boundingRect(QRect(0, 0, inner.width(), 10_000), wrap, self.body)
                .height(),
                inner.height() // 3,
            )
        room = inner.adjusted(0, label + style.px(40), 0, -body_height - style.px(40))
        px = self.HEADLINE_PX
        while px > 48:
            painter.setFont(style.font(px, 800))
            needed = painter.fontMetrics().boundingRect(
                QRect(0, 0, room.width(), 10_000), wrap, self.headline
            )
            if needed.height() <= room.height():
                break
            px -= 8
        vcentre = Qt.AlignmentFlag.AlignVCenter.value
        painter.drawText(room, centre | vcentre | wrap, self.headline)
        if self.body:
            painter.setFont(style.font(self.BODY_PX, 500))
            top = Qt.AlignmentFlag.AlignTop.value
            body = QRect(inner.left(), inner.bottom() - body_height, inner.width(), body_height)
            painter.drawText(body, centre | top | wrap, self.body)
        painter.end()


class PostCard(QWidget):
    """One post, large: author, handle, platform and time over the text, and the figures of its
    source along the bottom (mention rate, net sentiment, the brand's share of voice)."""

    def __init__(self, post: Mention, source: str, hub: Hub, style: Style) -> None:
        super().__init__()
        self.post = post
        self.source = source
        self._hub = hub
        self._style = style
        self.figures: list[tuple[str, str]] = []
        self._tick = QTimer(self)
        self._tick.setInterval(FIGURES_MS)
        self._tick.timeout.connect(self._refresh_figures)
        self._refresh_figures()

    def showEvent(self, event: object) -> None:
        self._refresh_figures()
        self._tick.start()

    def hideEvent(self, event: object) -> None:
        self._tick.stop()

    def _refresh_figures(self) -> None:
        figures = post_figures(self._hub, self.source, self.post.brand)
        if figures != self.figures:
            self.figures = figures
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        style, post = self._style, self.post
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pad = style.px(56)
        radius = style.px(24)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(style.panel)
        painter.drawRoundedRect(self.rect(), radius, radius)
        inner = self.rect().adjusted(pad, pad, -pad, -pad)
        left_top = Qt.AlignmentFlag.AlignLeft.value | Qt.AlignmentFlag.AlignTop.value
        wrap = Qt.TextFlag.TextWordWrap.value
        painter.setPen(style.text)
        painter.setFont(style.font(56, 700))
        line = painter.fontMetrics().height()
        painter.drawText(
            QRect(inner.left(), inner.top(), inner.width(), line), left_top, post.author
        )
        top = inner.top() + line
        painter.setPen(style.muted)
        painter.setFont(style.font(36, 500))
        when = datetime.datetime.fromtimestamp(post.at).strftime("%H:%M, %d %b")
        handle = f"@{post.handle.lstrip('@')}" if post.handle else ""
        followers = f"{compact(post.followers)} followers" if post.followers else ""
        meta = " · ".join(part for part in (handle, post.platform, when, followers) if part)
        small = painter.fontMetrics().height()
        painter.drawText(QRect(inner.left(), top, inner.width(), small), left_top, meta)
        top += small + style.px(40)
        strip = style.px(150) if self.figures else 0
        text_area = QRect(inner.left(), top, inner.width(), inner.bottom() - top - strip)
        stripe = QRect(inner.left(), top, style.px(10), text_area.height())
        painter.fillRect(stripe, _sentiment_colour(style, post.sentiment))
        painter.setPen(style.text)
        text_area.adjust(style.px(40), 0, 0, 0)
        px = 72
        while px > 32:
            painter.setFont(style.font(px, 500))
            need = painter.fontMetrics().boundingRect(
                QRect(0, 0, text_area.width(), 10_000), wrap, post.text
            )
            if need.height() <= text_area.height():
                break
            px -= 4
        painter.drawText(text_area, left_top | wrap, post.text)
        if self.figures:
            self._draw_figures(
                painter, QRect(inner.left(), inner.bottom() - strip, inner.width(), strip)
            )
        painter.end()

    def _draw_figures(self, painter: QPainter, area: QRect) -> None:
        style = self._style
        width = area.width() // len(self.figures)
        left_top = Qt.AlignmentFlag.AlignLeft.value | Qt.AlignmentFlag.AlignTop.value
        elide = Qt.TextElideMode.ElideRight
        for i, (label, value) in enumerate(self.figures):
            # A gutter between figures; a long label is cut short, never run into the next.
            cell = QRect(area.left() + i * width, area.top(), width - style.px(32), area.height())
            painter.setPen(style.text)
            painter.setFont(style.font(64, 700))
            value_height = painter.fontMetrics().height()
            value = painter.fontMetrics().elidedText(value, elide, cell.width())
            painter.drawText(
                QRect(cell.left(), cell.top(), cell.width(), value_height), left_top, value
            )
            painter.setPen(style.muted)
            painter.setFont(style.font(30, 500))
            label = painter.fontMetrics().elidedText(label, elide, cell.width())
            painter.drawText(
                QRect(cell.left(), cell.top() + value_height, cell.width(), cell.height()),
                left_top,
                label,
            )


def post_figures(hub: Hub, source: str, brand: str) -> list[tuple[str, str]]:
    """(label, value) of the figures around a post, for those its source has now."""
    figures = []
    rate = _value(hub, f"{source}.rate")
    if isinstance(rate, Metric):
        figures.append((rate.label or "mentions / min", f"{compact(rate.value)}{rate.unit}"))
    net = _value(hub, f"{source}.net_sentiment")
    if isinstance(net, Metric):
        figures.append((net.label or "net sentiment", f"{compact(net.value)}{net.unit}"))
    share = _value(hub, f"{source}.share")
    if isinstance(share, Breakdown) and brand:
        total = sum(value for _, value in share.parts)
        mine = dict(share.parts).get(brand)
        if mine is not None and total > 0:
            figures.append((f"{brand} share of voice", f"{100 * mine / total:.0f}%"))
    return figures


def _value(hub: Hub, name: str) -> object:
    if name not in hub.names():
        return None
    sample = hub.sample(name)
    return sample.value if sample is not None else None


def _sentiment_colour(style: Style, sentiment: float) -> QColor:
    if sentiment <= -0.25:
        return style.negative
    return style.positive if sentiment >= 0.25 else style.muted
