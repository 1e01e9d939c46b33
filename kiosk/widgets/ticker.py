"""``type: ticker``: recent posts scrolling smoothly from right to left.

Every item's position is a pure function of a monotonic double-precision clock: item i entered
the strip at ``entered_i`` and sits at ``x = width - (now - entered_i) × speed``. A late frame
draws the item where it should be by then (no stall, no jump back), new data only joins the queue
(it never moves what is on screen), and a day of uptime cannot accumulate rounding drift.
Each item is rendered once to a pixmap, so a frame is a few blits.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRect, QRectF, Qt, QTimer
from PySide6.QtGui import (
    QColor,
    QHideEvent,
    QPainter,
    QPaintEvent,
    QPixmap,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import QWidget

from kiosk.config.widgets import TickerOptions
from kiosk.hub import Sample, StreamView
from kiosk.values import Mention
from kiosk.widgets.base import KioskWidget
from kiosk.widgets.theme import Style

FRAME_MS = 16  # ~60 Hz; the platform's vsync paces the real flips
QUEUE_LENGTH = 24
MAX_TEXT = 140
GAP = 90  # px at 1080p between posts
LOOKAHEAD = 0.5  # seconds: admit items slightly early, off-screen to the right
PLATFORM_NAMES = {
    "x": "X",
    "instagram": "Instagram",
    "facebook": "Facebook",
    "tiktok": "TikTok",
    "reddit": "Reddit",
    "youtube": "YouTube",
    "bluesky": "Bluesky",
    "mastodon": "Mastodon",
    "news": "News",
}


@dataclass
class _Item:
    mention: Mention
    pixmap: QPixmap
    width: float  # logical pixels
    entered: float  # monotonic seconds when its left edge was at the right edge


class TickerWidget(KioskWidget):
    refresh_hz = 4.0
    options: TickerOptions

    def __init__(
        self,
        options: TickerOptions,
        stream: StreamView | None,
        style: Style,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(options, stream, style, parent)
        self.clock: Callable[[], float] = time.monotonic
        self.allow: Callable[[Mention], bool] = lambda mention: True
        """Moderation hook: with ``moderate: true`` only posts it allows are shown."""
        self.items: list[_Item] = []
        self.queue: collections.deque[Mention] = collections.deque(maxlen=QUEUE_LENGTH)
        self.frame_times: collections.deque[float] = collections.deque(maxlen=2000)
        self._started = False
        self._background: QPixmap | None = None
        self._seen: set[str] = set()
        self._seen_order: collections.deque[str] = collections.deque()
        # Opaque: a frame repaints the strip alone, not the page behind it (corners are painted
        # in the page colour by paint_panel).
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._frame = QTimer(self)
        self._frame.setTimerType(Qt.TimerType.PreciseTimer)
        self._frame.setInterval(FRAME_MS)
        self._frame.timeout.connect(self.update)

    @property
    def speed(self) -> float:
        """Logical pixels per second, scaled like type so the reading pace is the same on 4K."""
        return self.options.speed * self.style_.unit

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._frame.start()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._frame.stop()

    def take(self, sample: Sample) -> None:
        mentions = sample.value
        if not isinstance(mentions, tuple):
            raise TypeError(f"expected mentions, got {type(mentions).__name__}")
        fresh = [m for m in mentions if isinstance(m, Mention) and m.id not in self._seen]
        for mention in fresh:
            self._remember(mention.id)
            if not self.options.moderate or self.allow(mention):
                self.queue.append(mention)  # a full queue drops the oldest: show what is new

    def _remember(self, mention_id: str) -> None:
        self._seen.add(mention_id)
        self._seen_order.append(mention_id)
        if len(self._seen_order) > 5000:
            self._seen.discard(self._seen_order.popleft())

    def positions(self, now: float) -> list[tuple[_Item, float]]:
        """Where each item on the strip is at ``now`` (x of its left edge, logical pixels)."""
        width = self.content_rect().width()
        speed = self.speed
        return [(item, width - (now - item.entered) * speed) for item in self.items]

    def advance(self, now: float) -> None:
        """Drop items that left on the left; admit queued posts when there is room on the right."""
        self.items = [item for item, x in self.positions(now) if x + item.width > 0]
        while self.queue:
            if self.items:
                last = self.items[-1]
                next_entry = last.entered + (last.width + self.style_.px(GAP)) / self.speed
            elif not self._started:
                next_entry = now - self._fill_offset()
            else:
                next_entry = now
            if next_entry > now + LOOKAHEAD:
                break
            mention = self.queue.pop()  # newest first
            pixmap = self._draw_item(mention)
            width = pixmap.width() / pixmap.devicePixelRatio()
            entered = next_entry if not self._started else max(next_entry, now)
            self.items.append(_Item(mention, pixmap, width, entered))
            self._started = True

    def _fill_offset(self) -> float:
        # The first post starts on screen rather than at the far right: no empty strip on start.
        return self.content_rect().width() * 0.6 / self.speed

    def content_rect(self) -> QRect:
        if self.options.title:
            return super().content_rect()
        pad = self.style_.px(10)
        return self.rect().adjusted(0, pad, 0, -pad)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._background = None  # the panel is drawn again at the new size, once

    def paintEvent(self, event: QPaintEvent) -> None:
        """One frame: the cached panel, then a blit per visible post (60 times a second)."""
        if self.sample is None or self.width() <= 0:
            super().paintEvent(event)  # placeholder, drawn by the base
            return
        if self._background is None or self._background.size() != self.size():
            self._background = self.grab_background()
        now = self.clock()
        self.frame_times.append(now)
        self.advance(now)
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._background)
        rect = self.content_rect()
        painter.setClipRect(rect)
        left, top, width, height = rect.left(), rect.top(), rect.width(), rect.height()
        for item, x in self.positions(now):
            if x < width:
                y = top + (height - item.pixmap.height() / item.pixmap.devicePixelRatio()) / 2
                painter.drawPixmap(QPointF(left + x, y), item.pixmap)
        painter.end()

    def grab_background(self) -> QPixmap:
        """The panel as the base class paints it without content, rendered once per size."""
        ratio = self.devicePixelRatioF()
        pixmap = QPixmap(round(self.width() * ratio), round(self.height() * ratio))
        pixmap.setDevicePixelRatio(ratio)
        style = self.style_
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), style.background)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(style.panel)
        radius = style.px(14)
        painter.drawRoundedRect(self.rect(), radius, radius)
        painter.end()
        return pixmap

    def _draw_item(self, mention: Mention) -> QPixmap:
        style = self.style_
        height = max(1, self.content_rect().height())
        ratio = self.devicePixelRatioF()
        text = mention.text if len(mention.text) <= MAX_TEXT else mention.text[: MAX_TEXT - 1] + "…"
        who = mention.author
        meta = f"@{mention.handle} · {PLATFORM_NAMES.get(mention.platform, mention.platform)}"
        # Type follows the strip's height: a two-row ticker reads from twice as far.
        line = height / style.unit
        who_font, meta_font, text_font = (
            style.font(line * 0.34, 700),
            style.font(line * 0.27, 400),
            style.font(line * 0.36, 400),
        )
        probe = QPixmap(1, 1)
        measure = QPainter(probe)
        dot = round(height * 0.18)
        parts = []
        x = dot + style.px(16)
        for part, font in ((who, who_font), (meta, meta_font), (text, text_font)):
            measure.setFont(font)
            advance = measure.fontMetrics().horizontalAdvance(part)
            parts.append((part, font, x, advance))
            x += advance + style.px(18)
        measure.end()
        pixmap = QPixmap(round(x * ratio), round(height * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(style.sentiment_colour(mention.sentiment))
        painter.drawEllipse(QRectF(0, (height - dot) / 2, dot, dot))
        colours = (style.text, style.muted, style.text)
        for (part, font, left, advance), colour in zip(parts, colours, strict=True):
            painter.setFont(font)
            painter.setPen(QColor(colour))
            painter.drawText(
                QRectF(left, 0, advance + 2, height), Qt.AlignmentFlag.AlignVCenter, part
            )
        painter.end()
        return pixmap
