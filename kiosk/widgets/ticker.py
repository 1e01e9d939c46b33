"""``type: ticker``: recent posts scrolling smoothly from right to left.

Every item's position is a pure function of a monotonic double-precision clock: item i entered
the strip at ``entered_i`` and sits at ``x = width - (now - entered_i) × speed``. A late frame
draws the item where it should be by then (no stall, no jump back), new data only joins the queue
(it never moves what is on screen), and a day of uptime cannot accumulate rounding drift.
Each item is rendered once to a pixmap, so a frame is a few blits.

On a software-drawn screen at 60 fps the frames run without Python: the items sit side by side
on a long opaque band (:class:`_Tape`) that a QPropertyAnimation slides left, and Qt scrolls its
pixels and paints the columns it exposes, all in C++. Python runs when a post enters or
leaves (every few seconds) and, for the wall's frame-interval figure, once a frame in a short
burst now and then. The browser screen (one 1080p screen under Xvfb) went from 2.65 to 2.26
CPU-s/min (medians of four alternated runs; README's figures). A GL surface, or another frame
rate, steps the strip from Python on the wall's frame clock instead, as before.
"""

from __future__ import annotations

import collections
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QPoint, QPointF, QPropertyAnimation, QRect, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QHideEvent,
    QImage,
    QPainter,
    QPaintEvent,
    QPalette,
    QPixmap,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import QWidget

from kiosk.analytics.views import matcher
from kiosk.config.widgets import TickerOptions
from kiosk.hub import Sample, StreamView
from kiosk.values import Mention
from kiosk.widgets.base import KioskWidget
from kiosk.widgets.frames import AlignedTimer, wall_clock
from kiosk.widgets.platforms import draw_badge, platform_name
from kiosk.widgets.posts import FreshPosts
from kiosk.widgets.render import GlSurface
from kiosk.widgets.theme import Style

QUEUE_LENGTH = 24
MAX_TEXT = 140
DOT, BADGE = 0.18, 0.42  # a post's sentiment dot and platform badge, of the strip's height
GAP = 90  # px at 1080p between posts
LOOKAHEAD = 0.5  # seconds: admit items slightly early, off-screen to the right
# The post about to be admitted is drawn this long before, just after a frame (a job on the
# frame clock), not in the frame that admits it: a 4K item took up to 6 ms to draw, and the other
# screens' tickers step in the same frame after this one.
PREPARE_S = 0.1
TAPE_FPS = 60  # what Qt's animation timer runs at (16 ms): a ticker at this rate uses a tape
TAPE_SPAN_S = 600.0  # the tape's slide is planned this far ahead, then planned again
LEAVE_S = 5.0  # ... this long before its end
STEP_MIN_MS = 16.0  # a tape's steps come no closer than a frame (posts enter 0.5 s early)

# Record every frame's time in ``frame_times`` (for ``kiosk bench``). Off, a tape times its
# frames in bursts (below), for the wall's status and /metrics (ticker frame interval p99), and
# its other frames run no Python at all; the Python-stepped strip records every frame anyway.
time_frames = False
TIMED_S = 2.0  # a tape times its frames this long ...
TIMED_EVERY_S = 10.0  # ... in every this long: a fifth of its frames, a Python call each


@dataclass
class _Item:
    mention: Mention
    pixmap: QPixmap
    width: float  # logical pixels
    entered: float  # monotonic seconds when its left edge was at the right edge
    drawn_for: int  # the strip's height (logical pixels) its type was sized for


class TickerWidget(KioskWidget):
    # New posts join the queue once a second: the strip shows one every few seconds, and the demo
    # hands over two batches a second at 100/s (kiosk.sources.demo), a polled source one every
    # few seconds; four times a second woke the wall for nothing most of the time.
    refresh_hz = 1.0
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
        self.fresh = FreshPosts(keep=QUEUE_LENGTH)
        self.fresh.match = matcher(self.options.where)
        self.items: list[_Item] = []
        self.queue: collections.deque[Mention] = collections.deque(maxlen=QUEUE_LENGTH)
        self.frame_times: collections.deque[float] = collections.deque(maxlen=2000)
        self._started = False
        self._due = -math.inf  # when advance() next has anything to do (see _next_change)
        self.strip = _Strip(self)
        self.strip.hide()  # until there is data: the base draws the placeholder
        self.tape = _Tape(self) if self.strip.surface is None and options.fps == TAPE_FPS else None
        if self.tape is None:
            self.visible_timer(1000 / options.fps, self._frame_tick)
        else:  # Qt moves the tape; Python only when a post enters or leaves
            self._step = AlignedTimer(0, self._frame_tick, self, single_shot=True)
        self._prepared: tuple[Mention, QPixmap] | None = None  # the next post, drawn ahead
        self._handed_on = False  # the page shown next took this strip over (continue_from)
        self._admits = -math.inf  # when the next queued post may enter (set by advance)
        self._prepare = AlignedTimer(0, self._prepare_next, self, single_shot=True)

    @property
    def speed(self) -> float:
        """Logical pixels per second, scaled like type so the reading pace is the same on 4K."""
        return self.options.speed * self.style_.unit

    def moderate_with(
        self, allow_post: Callable[[Any], bool], allow_text: Callable[[str], bool]
    ) -> None:
        super().moderate_with(allow_post, allow_text)
        self.fresh.moderate = True
        self.fresh.allow = allow_post

    def hide_posts(self, is_hidden: Callable[[Any], bool]) -> None:
        super().hide_posts(is_hidden)
        self.fresh.hidden = is_hidden

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.tape is not None and self._started:
            self._frame_tick()  # place the tape for now and set it moving

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        if self.tape is not None:
            self.tape.halt()
            self._step.stop()
        self.frame_times.append(math.nan)  # the benchmark must not count a hidden stretch
        if self._handed_on:
            self._let_go()

    def _let_go(self) -> None:
        """Drop the posts' pictures of a strip that went on on the page shown now: hidden, it
        would keep pictures of posts long gone from the screen (at 4K each is about 0.7 MB, and a
        wall has a hidden ticker per rotating screen). If its page comes back, it takes the
        strip over again (continue_from)."""
        self._handed_on = False
        self.items, self._prepared = [], None
        self.follow_tape(self.clock())  # no posts: the band's pictures go

    def live_part(self) -> QWidget:
        return self.strip

    def continue_from(self, other: KioskWidget) -> bool:
        """Take over the strip of the same ticker (same options: stream, place, speed) on the
        page being left, so the posts scroll on through the flip instead of starting over."""
        if (
            not isinstance(other, TickerWidget)
            or other is self
            or not other._started
            or self.options != other.options
            or self.fresh.moderate != other.fresh.moderate
        ):
            return False
        other._handed_on = True  # it lets its pictures go once its page is hidden
        self._handed_on = False
        self.items = list(other.items)
        self.note_text("items", other.text_parts.get("items"))  # its items, its type
        self.queue = collections.deque(other.queue, maxlen=QUEUE_LENGTH)
        self.fresh = other.fresh  # one memory of what was shown: no post twice across pages
        self._started = True
        self._due = -math.inf
        self.strip.shift = self.strip.painted_shift = other.strip.shift
        self.strip.show()
        self.strip.redraw()
        return True

    def withdraw(self, post_id: str) -> None:
        # Its place on the strip stays empty: the items after it keep their clock positions.
        self.items = [item for item in self.items if item.mention.id != post_id]
        self.queue = collections.deque(
            (mention for mention in self.queue if mention.id != post_id), maxlen=QUEUE_LENGTH
        )
        self._due = -math.inf
        self.strip.redraw()

    def take(self, sample: Sample) -> bool:
        mentions = sample.value
        if not isinstance(mentions, tuple):
            raise TypeError(f"expected mentions, got {type(mentions).__name__}")
        self.strip.show()
        self.queue.extend(self.fresh(mentions))  # a full queue drops the oldest: show what is new
        self._due = -math.inf
        if self.tape is not None and self.isVisible():
            self._step.start(0)
        if not self._started:  # fill the strip now, not on the next frame
            now = self.clock()
            self.advance(now)
            self.strip.shift = self.strip.painted_shift = round(now * self.speed)
        # New posts join the strip as it scrolls; the panel around it does not change. (Returning
        # None here repainted panel and strip four times a second.)
        return False

    def positions(self, now: float) -> list[tuple[_Item, float]]:
        """Where each item on the strip is at ``now`` (x of its left edge, logical pixels)."""
        width = self.content_rect().width()
        speed = self.speed
        return [(item, width - (now - item.entered) * speed) for item in self.items]

    def advance(self, now: float) -> bool:
        """Drop items that left on the left; admit queued posts when there is room on the right.

        Returns True when a post was admitted already inside the strip (only on start).
        """
        self.items = [item for item, x in self.positions(now) if x + item.width > 0]
        visible = False
        while self.queue:
            if self.items:
                next_entry = self._entry_after(self.items[-1])
            elif not self._started:
                next_entry = now - self._fill_offset()
            else:
                next_entry = now
            if next_entry > now + LOOKAHEAD:
                break
            mention = self.queue.pop()  # newest first
            prepared, self._prepared = self._prepared, None
            if prepared is not None and prepared[0] is mention:
                pixmap = prepared[1]
            else:
                pixmap = self._draw_item(mention)
            width = pixmap.width() / pixmap.devicePixelRatio()
            entered = next_entry if not self._started else max(next_entry, now)
            self.items.append(_Item(mention, pixmap, width, entered, self._line_height()))
            self._started = True
            visible = visible or entered < now
        self._admits = self._entry_after(self.items[-1]) - LOOKAHEAD if self.items else -math.inf
        self._due = self._next_change()
        return visible

    def _entry_after(self, item: _Item) -> float:
        """When a post may enter after ``item``: once its end and a gap have come in."""
        return item.entered + (item.width + self.style_.px(GAP)) / self.speed

    def _next_change(self) -> float:
        """When :meth:`advance` next changes anything: the first item has left on the left (items
        leave in the order they came, being spaced apart), or the next queued post may enter
        (``_admits``, set just before).
        A frame before then only scrolls: 60 times a second, that is most frames."""
        if not self.items:
            return -math.inf if self.queue else math.inf
        first = self.items[0]
        due = first.entered + (self.content_rect().width() + first.width) / self.speed
        return min(due, self._admits) if self.queue else due

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
        self.strip.setGeometry(self.content_rect())
        self._due = -math.inf  # items leave later on a wider strip
        self._prepared = None  # drawn for the old height
        self.veil.raise_()
        if event.size().height() != event.oldSize().height():
            self._redraw_items()

    def _redraw_items(self) -> None:
        """Draw the items again for the strip's new height: a page's ticker is fed before the
        page is laid out (PageView.prepare), and its first posts were drawn in 4 px type."""
        height = self._line_height()
        if not self.items or all(item.drawn_for == height for item in self.items):
            return
        redrawn: list[_Item] = []
        for item in self.items:
            pixmap = self._draw_item(item.mention)
            width = pixmap.width() / pixmap.devicePixelRatio()
            entered = item.entered
            if redrawn:  # no earlier than the last one's end, as advance() spaces them
                entered = max(entered, self._entry_after(redrawn[-1]))
            redrawn.append(_Item(item.mention, pixmap, width, entered, height))
        self.items = redrawn
        self._due = -math.inf
        self.strip.redraw()

    def paint_content(self, painter: QPainter, rect: QRect) -> None:
        """The strip child draws the posts; the panel around it is the base's."""

    def _frame_tick(self) -> None:
        """Move the strip to where the clock says it is: shift pixels, paint what is exposed.

        Items are drawn at integer pixels ``anchor - round(now × speed)``, so pixels drawn on an
        earlier frame and scrolled since line up exactly with pixels drawn now.
        """
        if self.sample is None and not self._started:  # nothing yet (a continued strip has)
            return
        now = self.clock()
        if (
            self.queue
            and now >= self._admits - PREPARE_S
            and not self._prepare.isActive()
            and not self._is_prepared()
        ):
            self._prepare.start()
        admitted = self.advance(now) if now >= self._due else False
        self.strip.shift = round(now * self.speed)
        if self.tape is not None:  # a step, not a frame: Qt moves the tape between steps
            self.follow_tape(now)
            self.strip.painted_shift = self.strip.shift
            if self.isVisible():
                self._step.start(round(self._next_step_ms(now)))
            return
        dx = self.strip.shift - self.strip.painted_shift
        width = self.strip.width()
        self.frame_times.append(now)
        if self.strip.surface is not None:  # GL: each frame is a few textured quads, redrawn
            if dx or admitted or self.is_stale:
                self.strip.redraw()
        elif admitted or self.is_stale or not 0 <= dx < width:
            self.strip.redraw()
        elif dx:
            self.strip.scroll(-dx, 0)
        self.strip.painted_shift = self.strip.shift

    def follow_tape(self, now: float) -> None:
        """Lay the tape out for ``now``; it slides by itself on the real clock while shown, and
        is placed by hand on a stand-in clock (tests step it frame by frame)."""
        if self.tape is not None:
            self.tape.follow(now, moving=self.clock is time.monotonic and self.isVisible())

    def _next_step_ms(self, now: float) -> float:
        """Milliseconds to the tape's next step: a post is due to leave or enter (or to be drawn
        ahead of entering), or the tape's planned slide is near its end."""
        at = min(self._due, self.tape.replan_at if self.tape is not None else math.inf)
        if self.queue and not self._prepare.isActive() and not self._is_prepared():
            at = min(at, self._admits - PREPARE_S)
        return max(STEP_MIN_MS, min((at - now) * 1000, TAPE_SPAN_S * 1000))

    def _is_prepared(self) -> bool:
        """Whether the next post to enter is drawn already."""
        return (
            self._prepared is not None and bool(self.queue) and self._prepared[0] is self.queue[-1]
        )

    def _prepare_next(self) -> None:
        if self.queue:
            self._prepared = (self.queue[-1], self._draw_item(self.queue[-1]))

    def _line_height(self) -> int:
        return max(1, self.content_rect().height())

    def _fonts(self, height: int) -> tuple[QFont, QFont, QFont]:
        """The author's, the handle's and the text's type: it follows the strip's height (a
        two-row ticker reads from twice as far)."""
        line = height / self.style_.unit
        style = self.style_
        return (
            style.font(line * 0.34, 700),
            style.font(line * 0.27, 400),
            style.font(line * 0.36, 400),
        )

    def band(self) -> int:
        """How tall a post is drawn on this strip (type, badge and dot, with room for
        antialiasing): the posts' pictures and the tape are this tall, centred on the strip,
        whose rows above and below are its fill and never move."""
        height = self._line_height()
        tallest = max(
            round(height * BADGE), *(QFontMetrics(f).height() for f in self._fonts(height))
        )
        return _centred(height, tallest)

    def _draw_item(self, mention: Mention) -> QPixmap:
        """The post as a picture as tall as what is drawn (type, badge and dot), not as the
        strip: its rows above and below would be the strip's fill, which the strip paints
        anyway (issue #14's screen at 4K: a post 84 rows of the strip's 182; every post on
        screen and the next one are pictures of up to 140 characters). The strip centres it."""
        style = self.style_
        height = self._line_height()
        ratio = self.devicePixelRatioF()
        text = mention.text if len(mention.text) <= MAX_TEXT else mention.text[: MAX_TEXT - 1] + "…"
        who = mention.author
        meta = f"@{mention.handle} · {platform_name(mention.platform)}"
        who_font, meta_font, text_font = self._fonts(height)
        probe = QPixmap(1, 1)
        measure = QPainter(probe)
        dot = round(height * DOT)
        badge = round(height * BADGE)
        parts = []
        tallest = 0
        x = dot + style.px(16) + badge + style.px(12)
        for part, font in ((who, who_font), (meta, meta_font), (text, text_font)):
            measure.setFont(font)
            metrics = measure.fontMetrics()
            advance = metrics.horizontalAdvance(part)
            parts.append((part, font, x, advance))
            x += advance + style.px(18)
            tallest = max(tallest, metrics.boundingRect(part).height())
        measure.end()
        # The band every post fits (the tape's height), or taller where a fallback font's
        # glyphs (emoji) reach further than the line; centred on the strip at whole pixels.
        band = max(self.band(), _centred(height, tallest))
        top = (height - band) // 2
        # Drawn on the panel's colour, which is what shows around the type anyway (the tape's
        # fill, the strip's), then kept at three bytes a pixel: a wall holds every post on its
        # strips and the next of each, 0.87-0.95 MB a post as ARGB32 at 4K on issue #14's
        # screen, 0.70-0.76 MB so. Drawing on an opaque ground and the conversion take 0.6-1 ms
        # more a post (0.7-0.8 -> 1.3-1.9 ms at 4K), drawn after a frame, every few seconds.
        # Each frame Qt converts the columns it uncovers back to four bytes: that conversion
        # was 0.7 % of a 1080p wall's CPU samples (perf, 30 s of issue #14's screen on Xvfb).
        image = QImage(round(x * ratio), round(band * ratio), QImage.Format.Format_RGB32)
        image.setDevicePixelRatio(ratio)
        image.fill(style.panel)
        painter = self.text_painter(image, "items")
        painter.translate(0, -top)  # drawn where it sits on the strip's full height
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(style.sentiment_colour(mention.sentiment))
        painter.drawEllipse(QRectF(0, (height - dot) / 2, dot, dot))
        square = QRectF(dot + style.px(16), (height - badge) / 2, badge, badge)
        draw_badge(painter, square, mention.platform, style)
        colours = (style.text, style.muted, style.text)
        for (part, font, left, advance), colour in zip(parts, colours, strict=True):
            painter.setFont(font)
            painter.setPen(QColor(colour))
            painter.drawText(
                QRectF(left, 0, advance + 2, height), Qt.AlignmentFlag.AlignVCenter, part
            )
        painter.end()
        return QPixmap.fromImage(
            image.convertToFormat(QImage.Format.Format_RGB888),
            Qt.ImageConversionFlag.NoFormatConversion,
        )


def _centred(height: int, tallest: int) -> int:
    """A band of ``tallest`` rows and two more above and below (antialiasing) on a strip of
    ``height``, with as many rows left above it as below, so it sits at whole pixels."""
    return height - 2 * (max(0, height - tallest - 4) // 2)


class _Strip(QWidget):
    """The moving part of a ticker: opaque, so a frame scrolls its pixels and paints only the
    newly exposed columns, instead of repainting the whole strip 60 times a second.

    On ``render: gpu`` a GL surface covers it and draws the same picture through OpenGL: each
    item's pixmap becomes a texture once, and a frame redraws the strip from those.
    """

    def __init__(self, ticker: TickerWidget) -> None:
        super().__init__(ticker)
        self.ticker = ticker
        self.shift = 0  # round(now × speed) of the frame being shown
        self.painted_shift = 0
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.surface = GlSurface(self, self.paint) if ticker.style_.gpu else None

    def redraw(self) -> None:
        """Repaint the whole strip, on whichever surface draws it (a tape: lay it out again)."""
        if self.surface is not None:
            self.surface.update()
        elif self.ticker.tape is not None:  # pictures for new or redrawn posts, none for gone ones
            self.ticker.follow_tape(self.ticker.clock())
        else:
            super().update()

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.surface is not None:
            return  # under the GL surface: nothing of this widget's own shows
        painter = QPainter(self)
        self.paint(painter, event.rect())
        painter.end()

    def paint(self, painter: QPainter, region: QRect) -> None:
        ticker = self.ticker
        painter.fillRect(region, ticker.style_.panel)
        width, height, speed = self.width(), self.height(), ticker.speed
        for item in ticker.items:
            x = round(width + item.entered * speed) - self.shift
            if x <= region.right() and x + item.width >= region.left():
                y = (height - item.pixmap.height() / item.pixmap.devicePixelRatio()) / 2
                painter.drawPixmap(QPointF(x, y), item.pixmap)


class _Tape(QWidget):
    """The posts side by side on a long opaque band inside the strip, slid left by a
    QPropertyAnimation: each frame Qt moves it, scrolls its pixels and paints the columns that
    come in (the band's fill and the posts' pixmaps, each a child's background: see
    :func:`_picture`), with no Python in the frame.

    A post's place on the band is fixed when it enters: ``round(width + entered × speed)`` less
    the band's ``origin``, and the band sits at ``origin - now × speed``; so a post is where the
    strip's clock puts it, as on the Python-stepped strip. The slide is planned
    :data:`TAPE_SPAN_S` ahead, then planned again from the new time (the band re-based).
    """

    def __init__(self, ticker: TickerWidget) -> None:
        super().__init__(ticker.strip)
        self.ticker = ticker
        self.setAutoFillBackground(True)  # opaque: Qt scrolls it instead of repainting under it
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, QColor(ticker.style_.panel))
        self.setPalette(palette)
        self.pictures: dict[int, tuple[_Item, QWidget]] = {}  # by id() of the item shown
        self.origin = 0
        # the strip's width, height, speed and the band's height it was planned for
        self.planned: tuple[int, int, float, int] = (0, 0, 0.0, 0)
        self.replan_at = -math.inf  # when the slide must be planned again
        self.motion = QPropertyAnimation(self, b"pos", self)
        self.timing = False  # whether each frame's time goes into the ticker's frame_times
        self._bursts = AlignedTimer(0, self._next_burst, self, single_shot=True)

    def _timed(self, _value: object) -> None:
        self.ticker.frame_times.append(time.monotonic())

    def _time(self, on: bool) -> None:
        if on == self.timing:
            return
        if on:
            self.motion.valueChanged.connect(self._timed)
        else:
            self.motion.valueChanged.disconnect(self._timed)
            self.ticker.frame_times.append(math.nan)  # no interval spans the untimed stretch
        self.timing = on

    def _next_burst(self) -> None:
        """Start or end a burst of timed frames (every frame for ``kiosk bench``)."""
        self._time(time_frames or not self.timing)
        if not time_frames:
            self._bursts.start(round((TIMED_S if self.timing else TIMED_EVERY_S - TIMED_S) * 1000))

    def halt(self) -> None:
        self.motion.stop()
        wall_clock().moving(self.motion, False)
        self._bursts.stop()
        self._time(False)
        self.replan_at = -math.inf  # shown again: from where the clock is then

    def follow(self, now: float, *, moving: bool) -> None:
        """Lay the posts on the band as the ticker has them now, and keep it sliding."""
        ticker, strip = self.ticker, self.ticker.strip
        width, height, speed = strip.width(), strip.height(), ticker.speed
        band = max(
            [ticker.band()]
            + [
                round(item.pixmap.height() / item.pixmap.devicePixelRatio())
                for item in ticker.items
            ]
        )
        planned = (width, height, speed, min(band, height))
        stopped = self.motion.state() != QPropertyAnimation.State.Running
        if now >= self.replan_at or self.planned != planned or (moving and stopped):
            self._plan(now, planned, moving=moving)
        if not moving:  # driven by hand (a stand-in clock): where the clock says, exactly
            if self.motion.state() != QPropertyAnimation.State.Stopped:
                self.halt()
            self.move(self.origin - round(now * speed), self.y())
        current = {id(item): item for item in ticker.items}
        for key in [key for key in self.pictures if key not in current]:
            picture = self.pictures.pop(key)[1]
            picture.hide()
            picture.deleteLater()
        for key, item in current.items():
            if key not in self.pictures:
                picture = _picture(self, item.pixmap)
                self.pictures[key] = (item, picture)
                self._place(item, picture)
                picture.show()

    def _plan(self, now: float, planned: tuple[int, int, float, int], *, moving: bool) -> None:
        """Lay the band out for ``planned`` (the strip's width, height, speed, the band's
        height): as tall as the posts, centred on the strip, so a frame moves and shows only
        the rows with type in them (issue #14's screen: 45 of the strip's 91 at 1080p, 84 of
        182 at 4K; the strip's fill does not move)."""
        width, height, speed, band = planned
        items = self.ticker.items
        # Room on the left for every post still on the strip, and to the right for the span.
        pad = width + math.ceil(sum(item.width for item in items))
        self.origin = round(now * speed) - pad
        self.planned = planned
        span = math.ceil(speed * (TAPE_SPAN_S + LOOKAHEAD + LEAVE_S))
        top = (height - band) // 2
        self.setGeometry(self.origin - round(now * speed), top, pad + 2 * width + span, band)
        for item, picture in self.pictures.values():
            self._place(item, picture)
        self.motion.stop()
        wall_clock().moving(self.motion, moving)  # while it moves, work waits for after a frame
        if moving:
            self.motion.setStartValue(QPoint(self.origin - round(now * speed), top))
            self.motion.setEndValue(QPoint(self.origin - round((now + TAPE_SPAN_S) * speed), top))
            self.motion.setDuration(round(TAPE_SPAN_S * 1000))
            self.motion.start()
            if not self._bursts.isActive():
                self._next_burst()
        self.replan_at = now + TAPE_SPAN_S - LEAVE_S

    def _place(self, item: _Item, picture: QWidget) -> None:
        width, _, speed, band = self.planned
        logical = item.pixmap.height() / item.pixmap.devicePixelRatio()
        # Not a pixel past the picture: a background repeats (at a fractional device pixel
        # ratio, a sliver of the post's first column would show after its end).
        picture.setGeometry(
            round(width + item.entered * speed) - self.origin,
            (band - round(logical)) // 2,
            math.floor(item.width),
            math.floor(logical),
        )


def _picture(tape: _Tape, pixmap: QPixmap) -> QWidget:
    """A post on the tape: a child whose background is the post's pixmap, which Qt paints
    without Python (a widget with no paint event of its own), as it did a QLabel's.

    Not a QLabel: Qt 6's QLabel shows a pixmap through a QIcon, which files a copy of every
    pixmap it paints in QPixmapCache. The posts that had left the tape stayed there until
    10 MB of them filled it: issue #14's screen grew by about that much in its first quarter
    hour (``tests/test_widgets.py`` checks that no copy of a post that left is held)."""
    picture = QWidget(tape)
    picture.setAutoFillBackground(True)
    palette = picture.palette()
    palette.setBrush(QPalette.ColorRole.Window, QBrush(pixmap))
    picture.setPalette(palette)
    return picture
