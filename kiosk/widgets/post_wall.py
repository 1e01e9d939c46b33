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
from kiosk.widgets.posts import FreshPosts, whole_lines
from kiosk.widgets.theme import Style

SLIDE_SECONDS = 0.6
CARD_HEIGHT = 150  # px at 1080p: a full wall's cards (header and two lines), floor allowing
CARD_GAP = 14
BODY_SIZES = (28, 32, 36, 42, 48)  # px at 1080p: a tall card's text grows while it fits whole
HEADER_TOP, HEADER_BELOW, CARD_BOTTOM = 12, 6, 14  # px at 1080p
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
        self._frame = self.visible_timer(16, self._animate)
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
        self._fit_cards()
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
        if event.size().width() != event.oldSize().width():
            self.cards = [(mention, self._draw_card(mention)) for mention, _ in self.cards]
        self._fit_cards()

    # -- card sizes: a few cards share the wall's height, a full wall has them at their least

    def card_height(self) -> int:
        """The cards' height now: with one or two posts up they fill the wall between them
        (larger text, more lines) instead of leaving half of it empty."""
        least = self._card_least()
        shown = min(len(self.cards), self._capacity())
        if shown == 0:
            return least
        gap = self.style_.px(CARD_GAP)
        return max(least, (self.content_rect().height() - gap * (shown - 1)) // shown)

    def card_step(self) -> int:
        return self.card_height() + self.style_.px(CARD_GAP)

    def _card_least(self) -> int:
        """A card's least height: CARD_HEIGHT, or a header and two lines at the floor."""
        style = self.style_
        lines = 2 * QFontMetrics(style.font(BODY_SIZES[0])).lineSpacing()
        return max(style.px(CARD_HEIGHT), self._header_height() + lines + style.px(CARD_BOTTOM))

    def _header_height(self) -> int:
        """Top of a card to the top of its text."""
        style = self.style_
        row = max(style.px(38), QFontMetrics(style.font(28, 700)).height())
        return style.px(HEADER_TOP) + row + style.px(HEADER_BELOW)

    def _fit_cards(self) -> None:
        """Redraw the cards when their height changed (a card came or went, the wall resized)."""
        height = self.card_height()
        if any(card.height() / card.devicePixelRatio() != height for _, card in self.cards):
            self.cards = [(mention, self._draw_card(mention)) for mention, _ in self.cards]
            self.deck.update()

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
        return round((self.slide(now) - 1) * self.card_step())

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
        step = self._card_least() + self.style_.px(CARD_GAP)
        return max(1, self.content_rect().height() // step + 1)

    def paint_content(self, painter: QPainter, rect: QRect) -> None:
        """The cards are the deck's; before the first one, say there is none yet."""
        if not self.cards:
            painter.setPen(self.style_.muted)
            painter.setFont(self.style_.font(26))
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.style_.lang._("No posts yet"))

    def _draw_card(self, mention: Mention) -> QPixmap:
        style = self.style_
        width, height = max(1, self.content_rect().width()), self.card_height()
        ratio = self.devicePixelRatioF()
        pixmap = QPixmap(round(width * ratio), round(height * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = self.text_painter(pixmap, "cards")
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        card = QColor(style.panel).lighter(135 if style.dark else 97)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(card)
        painter.drawRoundedRect(QRectF(0, 0, width, height), style.px(10), style.px(10))
        painter.setBrush(style.sentiment_colour(mention.sentiment))
        painter.drawRoundedRect(QRectF(0, 0, style.px(8), height), style.px(4), style.px(4))
        pad = style.px(22)
        self._draw_header(painter, mention, QRect(pad, 0, width - 2 * pad, self._header_height()))
        body = QRect(pad, self._header_height(), width - 2 * pad, 0)
        body.setBottom(height - style.px(CARD_BOTTOM))
        self._draw_body(painter, mention.text, body)
        painter.end()
        return pixmap

    def _draw_header(self, painter: QPainter, mention: Mention, rect: QRect) -> None:
        """Badge, author (★ reach when influential) left; handle, platform, time right. Names
        too long are cut in the middle by width: "@acme_sup…_nl" keeps what tells it apart."""
        style = self.style_
        badge = style.px(34)
        top = style.px(HEADER_TOP)
        row = rect.height() - top - style.px(HEADER_BELOW)
        draw_badge(
            painter,
            QRectF(rect.left(), top + (row - badge) / 2, badge, badge),
            mention.platform,
            style,
        )
        header = QRect(
            rect.left() + badge + style.px(12), top, rect.width() - badge - style.px(12), row
        )
        influential = self._influential(mention)
        who, where = self.header_texts(mention, header.width())
        middle = Qt.AlignmentFlag.AlignVCenter
        painter.setPen(style.accent if influential else style.text)
        painter.setFont(style.font(28, 700))
        painter.drawText(header, Qt.AlignmentFlag.AlignLeft | middle, who)
        painter.setPen(style.muted)
        painter.setFont(style.font(22, 400))
        painter.drawText(header, Qt.AlignmentFlag.AlignRight | middle, where)

    def header_texts(self, mention: Mention, width: int) -> tuple[str, str]:
        """The author, and the line on the right (reactions, handle, platform, time), as far as
        they fit in ``width`` pixels beside each other."""
        style = self.style_
        influential = self._influential(mention)
        platform = platform_name(mention.platform)
        when = style.lang.clock_time(mention.at)  # not "ago": the card is cached
        who_font, where_font = QFontMetrics(style.font(28, 700)), QFontMetrics(style.font(22))
        star = f"  ★ {style.lang.compact(mention.followers)}" if influential else ""
        tail = f" · {platform} · {when}"
        gap = style.px(24)
        # The author first, then the handle as far as it goes (at least its first letters).
        # The platform's name goes before the author's is cut: the badge already says it.
        named = mention.author + star
        if who_font.horizontalAdvance(named) > width - where_font.horizontalAdvance(tail) - gap:
            tail = f" · {when}"
        who_room = width - where_font.horizontalAdvance(tail) - gap
        who = who_font.elidedText(named, Qt.TextElideMode.ElideMiddle, who_room)
        handle_room = width - who_font.horizontalAdvance(who) - gap
        handle_room -= where_font.horizontalAdvance(tail)
        # Then the reactions, whole or not at all ("♥ 47 ⇄ 18"); the handle takes what is left.
        said = reactions_text(mention, style.lang.compact)
        if said and where_font.horizontalAdvance(f"{said} · ") <= handle_room:
            handle_room -= where_font.horizontalAdvance(f"{said} · ")
        else:
            said = ""
        handle = f"@{mention.handle}"
        if where_font.horizontalAdvance(handle) > handle_room:
            handle = where_font.elidedText(handle, Qt.TextElideMode.ElideMiddle, handle_room)
            if len(handle) < 5:  # "@…" tells nothing: the handle goes
                handle = ""
        where = f"{handle}{tail}" if handle else tail.removeprefix(" · ")
        where = f"{said} · {where}" if said else where
        return who, where

    def _draw_body(self, painter: QPainter, text: str, rect: QRect) -> None:
        """The post in whole lines: in a tall card the largest size at which it fits whole;
        else the least size, as many lines as fit, the last ending in "…"."""
        style = self.style_
        font, lines = style.font(BODY_SIZES[0]), list[str]()
        tall = self.card_height() > self._card_least()  # a full wall's cards: one size
        for size in reversed(BODY_SIZES if tall else BODY_SIZES[:1]):
            font = style.font(size)
            most = max(1, rect.height() // QFontMetrics(font).lineSpacing())
            lines, cut = whole_lines(text, font, rect.width(), most)
            if not cut:
                break
        # Arabic or Hebrew posts read from the right: align them there (Qt shapes the text).
        side = Qt.AlignmentFlag.AlignRight if right_to_left(text) else Qt.AlignmentFlag.AlignLeft
        painter.setPen(style.text)
        painter.setFont(font)
        spacing = QFontMetrics(font).lineSpacing()
        for index, line in enumerate(lines):
            row = QRect(rect.left(), rect.top() + index * spacing, rect.width(), spacing)
            painter.drawText(row, side | Qt.AlignmentFlag.AlignVCenter, line)


def reactions_text(mention: Mention, compact: Callable[[float], str]) -> str:
    """ "♥ 1.2K  ⇄ 40  ↩ 12": the post's likes, reposts and replies that are above zero."""
    marks = (("♥", mention.likes), ("⇄", mention.reposts), ("↩", mention.replies))
    return "  ".join(f"{mark} {compact(number)}" for mark, number in marks if number)


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
        step = wall.card_step()
        for index, (_, pixmap) in enumerate(wall.cards):
            y = self.shift + index * step
            if y > region.bottom():
                break
            if y + step >= region.top():
                painter.drawPixmap(QPointF(0, y), pixmap)
        painter.end()
