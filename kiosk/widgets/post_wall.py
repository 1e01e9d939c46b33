"""``type: post_wall``: recent posts as cards, newest on top, each new card sliding in.

A stream can bring hundreds of posts a second; a wall that changed that fast would be
unreadable. So a new card comes at most every ``every`` seconds: the newest post not shown yet,
an influential author's first. Cards are rendered once to pixmaps; the slide is computed from a
monotonic clock, and the frame timer runs only while a card is moving. A frame of the slide
scrolls the cards' pixels down and paints only the strip that comes into view, like the
ticker; repainting the whole wall 60 times a second was the wall's largest paint cost.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPaintEvent, QPixmap, QResizeEvent
from PySide6.QtWidgets import QWidget

from kiosk.analytics.views import matcher
from kiosk.config.widgets import PostWallOptions
from kiosk.hub import Sample, StreamView
from kiosk.values import Mention
from kiosk.widgets.base import KioskWidget
from kiosk.widgets.format import right_to_left
from kiosk.widgets.platforms import draw_badge, platform_name
from kiosk.widgets.posts import FreshPosts
from kiosk.widgets.theme import Style

SLIDE_SECONDS = 0.6
CARD_HEIGHT = 150  # px at 1080p
CARD_GAP = 14
WAITING = 50  # newest fresh posts kept as candidates for the next card


class PostWallWidget(KioskWidget):
    refresh_hz = 2.0
    options: PostWallOptions

    def __init__(
        self,
        options: PostWallOptions,
        stream: StreamView | None,
        style: Style,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(options, stream, style, parent)
        self.clock: Callable[[], float] = time.monotonic
        self.fresh = FreshPosts(keep=WAITING)
        self.fresh.match = matcher(self.options.where)
        self.cards: list[tuple[Mention, QPixmap]] = []  # newest first
        self.waiting: collections.deque[Mention] = collections.deque(maxlen=WAITING)
        self._last_card = -1e9
        self._slide_from = -1e9
        self._frame = self.visible_timer(16, self._animate, precise=True)
        self.deck = _Deck(self)
        self.deck.hide()  # until the first card: the base draws the placeholder

    def moderate_with(
        self, allow_post: Callable[[Any], bool], allow_text: Callable[[str], bool]
    ) -> None:
        super().moderate_with(allow_post, allow_text)
        self.fresh.moderate = True
        self.fresh.allow = allow_post

    def hide_posts(self, is_hidden: Callable[[Any], bool]) -> None:
        super().hide_posts(is_hidden)
        self.fresh.hidden = is_hidden

    def withdraw(self, post_id: str) -> None:
        kept = [(mention, card) for mention, card in self.cards if mention.id != post_id]
        self.waiting = collections.deque(
            (mention for mention in self.waiting if mention.id != post_id), maxlen=WAITING
        )
        if len(kept) != len(self.cards):
            self.cards = kept
            self.deck.update()

    def take(self, sample: Sample) -> bool:
        mentions = sample.value
        if not isinstance(mentions, tuple):
            raise TypeError(f"expected mentions, got {type(mentions).__name__}")
        self.waiting.extend(self.fresh(mentions))
        self.next_card()
        return False  # the deck repaints itself when a card comes; the panel stays as it is

    def next_card(self) -> bool:
        """Put the newest waiting post on top if the last card has been up for ``every``.

        An influential author's post goes first, but not twice in a row.
        """
        now = self.clock()
        if not self.waiting or now - self._last_card < self.options.every:
            return False
        chosen = self.waiting[-1]
        influential = [m for m in self.waiting if self._influential(m)]
        last_was_influential = bool(self.cards) and self._influential(self.cards[0][0])
        if influential and not last_was_influential:
            chosen = influential[-1]  # every other card at most, so they do not take the wall
        self.waiting.remove(chosen)
        self.cards.insert(0, (chosen, self._draw_card(chosen)))
        del self.cards[self._capacity() + 1 :]
        self._last_card = self._slide_from = now
        self.deck.show()
        self.deck.update()
        if self.isVisible():
            self._frame.start()
        return True

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.deck.setGeometry(self.content_rect())
        self.veil.raise_()
        if event.size().width() != event.oldSize().width() and self.cards:
            self.cards = [(mention, self._draw_card(mention)) for mention, _ in self.cards]

    def _influential(self, mention: Mention) -> bool:
        return mention.followers >= self.options.influencer_followers

    def slide(self, now: float) -> float:
        """How far the newest card has come in, 0 (just arrived) … 1 (in place); eased."""
        progress = min(1.0, max(0.0, (now - self._slide_from) / SLIDE_SECONDS))
        return 1 - (1 - progress) ** 3

    def refresh(self) -> None:
        super().refresh()
        self.next_card()  # the next post may be due although no new ones came

    def offset(self, now: float) -> int:
        """Where the cards are drawn at ``now``: the newest card's top, in whole pixels (the
        newest card starts a card above the wall and comes down into place)."""
        step = self.style_.px(CARD_HEIGHT + CARD_GAP)
        return round((self.slide(now) - 1) * step)

    def _animate(self) -> None:
        now = self.clock()
        deck = self.deck
        shift = self.offset(now)
        moved = shift - deck.painted
        if self.is_stale or not 0 <= moved < deck.height():
            deck.shift = shift
            deck.update()
        elif moved:
            deck.shift = shift
            deck.scroll(0, moved)  # the pixels move down; only the strip on top is painted
        deck.painted = shift
        if self.slide(now) >= 1.0:
            self._frame.stop()  # nothing moves between cards: no frames

    def _capacity(self) -> int:
        step = self.style_.px(CARD_HEIGHT + CARD_GAP)
        return max(1, self.content_rect().height() // step + 1)

    def paint_content(self, painter: QPainter, rect: QRect) -> None:
        """The cards are the deck's; before the first one, say there is none yet."""
        if not self.cards:
            painter.setPen(self.style_.muted)
            painter.setFont(self.style_.font(26))
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.style_.lang._("No posts yet"))

    def _draw_card(self, mention: Mention) -> QPixmap:
        style = self.style_
        width, height = max(1, self.content_rect().width()), style.px(CARD_HEIGHT)
        ratio = self.devicePixelRatioF()
        pixmap = QPixmap(round(width * ratio), round(height * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = self.text_painter(pixmap, "cards")
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        influential = self._influential(mention)
        card = QColor(style.panel).lighter(135 if style.dark else 97)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(card)
        painter.drawRoundedRect(QRectF(0, 0, width, height), style.px(10), style.px(10))
        painter.setBrush(style.sentiment_colour(mention.sentiment))
        painter.drawRoundedRect(QRectF(0, 0, style.px(8), height), style.px(4), style.px(4))
        pad = style.px(22)
        badge = style.px(34)
        draw_badge(painter, QRectF(pad, style.px(14), badge, badge), mention.platform, style)
        header = QRect(
            pad + badge + style.px(12), style.px(12), width - 2 * pad - badge, style.px(38)
        )
        platform = platform_name(mention.platform)
        when = style.lang.clock_time(mention.at)  # not "ago": the card is cached
        where = f"@{mention.handle} · {platform} · {when}"
        painter.setPen(style.muted)
        painter.setFont(style.font(22, 400))
        where_width = painter.fontMetrics().horizontalAdvance(where)
        painter.setFont(style.font(28, 700))
        who = mention.author + (
            f"  ★ {style.lang.compact(mention.followers)}" if influential else ""
        )
        if (
            painter.fontMetrics().horizontalAdvance(who) + style.px(24) + where_width
            > header.width()
        ):
            where = f"{platform} · {when}"  # narrow card: the handle goes first
            where_width = QFontMetrics(style.font(22, 400)).horizontalAdvance(where)
        who = painter.fontMetrics().elidedText(
            who, Qt.TextElideMode.ElideRight, max(0, header.width() - where_width - style.px(24))
        )
        painter.setPen(style.accent if influential else style.text)
        painter.drawText(header, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, who)
        painter.setPen(style.muted)
        painter.setFont(style.font(22, 400))
        painter.drawText(header, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, where)
        painter.setPen(style.text)
        painter.setFont(style.font(28, 400))
        body = QRect(pad, style.px(56), width - 2 * pad, height - style.px(64))
        text = painter.fontMetrics().elidedText(
            mention.text, Qt.TextElideMode.ElideRight, body.width() * 2 - style.px(40)
        )
        # Arabic or Hebrew posts read from the right: align them there (Qt shapes the text).
        side = Qt.AlignmentFlag.AlignRight if right_to_left(text) else Qt.AlignmentFlag.AlignLeft
        painter.drawText(body, Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignTop | side, text)
        painter.end()
        return pixmap


class _Deck(QWidget):
    """The cards, newest on top: opaque, so a slide frame scrolls pixels instead of repainting
    the wall."""

    def __init__(self, wall: PostWallWidget) -> None:
        super().__init__(wall)
        self.wall = wall
        self.shift = 0  # offset of the frame being shown
        self.painted = 0  # offset the pixels on screen were drawn at
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def paintEvent(self, event: QPaintEvent) -> None:
        wall = self.wall
        region = event.rect()
        if region == self.rect():  # all of it: draw where the clock says the cards are now
            self.shift = self.painted = wall.offset(wall.clock())
        painter = QPainter(self)
        painter.fillRect(region, wall.style_.panel)
        step = wall.style_.px(CARD_HEIGHT + CARD_GAP)
        for index, (_, pixmap) in enumerate(wall.cards):
            y = self.shift + index * step
            if y > region.bottom():
                break
            if y + step >= region.top():
                painter.drawPixmap(QPointF(0, y), pixmap)
        painter.end()
