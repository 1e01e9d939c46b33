"""What every widget on the wall has: a panel, a caption, freshness, staleness, a safe refresh.

A widget polls its stream's version on a timer that runs only while it is visible, and renders
only when the version changed: thousands of updates a second become one repaint per refresh,
and hidden pages cost nothing. Nothing a widget does may raise out of a slot or a paint: a bad
value is logged once and the last good picture stays.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any, ClassVar

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import (
    QColor,
    QFontInfo,
    QFontMetrics,
    QHideEvent,
    QPaintDevice,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import QWidget

from kiosk.analytics.folding import fold
from kiosk.analytics.mentions import SENTIMENT_THRESHOLD
from kiosk.analytics.sentiment import negative_term
from kiosk.config.widgets import WidgetOptions
from kiosk.hub import Sample, SourceState, StreamView
from kiosk.values import TimeSeries
from kiosk.widgets.frames import AlignedTimer
from kiosk.widgets.legibility import title_row_px
from kiosk.widgets.theme import Style

log = logging.getLogger(__name__)

TITLE_HEIGHT = 50  # px at 1080p
TITLE_SIZE = 28  # the caption's type, px at 1080p
PADDING = 22


_phases = itertools.count()


def _stagger(interval_ms: int) -> int:
    """When a widget's periodic refresh first runs after it is shown: spread over the interval.

    Qt aligns coarse timers, and a page's widgets start theirs together, so every widget on
    every screen refreshed in the same instant and repainted in one burst (19 ms of work at
    once at 500 mentions/s: a ticker frame came late). Successive widgets get phases a golden
    ratio apart, which keep any number of them evenly spread; the timers keep their phase (and
    run just after a frame: kiosk.widgets.frames).
    """
    return round((next(_phases) * 0.6180339887) % 1.0 * interval_ms)


class KioskWidget(QWidget):
    """Base class of all widgets. Subclasses implement :meth:`take` and :meth:`paint_content`."""

    refresh_hz: ClassVar[float] = 1.0

    def __init__(
        self,
        options: WidgetOptions,
        stream: StreamView | None,
        style: Style,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.options = options
        self.stream = stream
        self.style_ = style
        self.public = False  # on a public screen: say things without the trade's jargon
        self.sample: Sample | None = None
        self.moderated = False
        self._placeholder = ""
        self.more_streams: dict[str, StreamView] = {}  # e.g. a chart's markers, by option
        self.allow_post: Callable[[Any], bool] = lambda post: True
        self.allow_text: Callable[[str], bool] = lambda text: True
        self.is_hidden: Callable[[Any], bool] = lambda post: False
        self.render_count = 0
        # The smallest font size (px) each part drew its text in at its last paint: the panel,
        # the age in the caption, a ticker's items… (see TextMeter, smallest_text_px).
        self.text_parts: dict[str, int] = {}
        self._seen_version = 0
        self._failed_once = False
        self._stale = False
        self._picture: object = None
        self._title_fit: tuple[tuple[str, int, int], list[str]] | None = None
        # Opaque: the widget paints its own corners in the page's colour, so Qt need not
        # repaint the page behind it whenever the widget changes.
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._visible_timers: list[AlignedTimer] = []
        self._refresh = self.visible_timer(1000 / self.refresh_hz, self.refresh)
        # Starts the refresh timer at this widget's own phase.
        self._kick = AlignedTimer(0, self._start_refreshing, self, single_shot=True)
        self.veil = _StaleVeil(self)
        self.veil.hide()
        self.freshness = _Freshness(self)
        self.freshness.hide()  # placed and shown by resizeEvent when it fits

    # -- moderation ------------------------------------------------------------------------

    def moderate_with(
        self, allow_post: Callable[[Any], bool], allow_text: Callable[[str], bool]
    ) -> None:
        """Turn moderation on (a public screen, or ``moderate: true``): widgets that show posts
        or terms keep what these reject off the screen. Widgets without posts ignore it."""
        self.allow_post = allow_post
        self.allow_text = allow_text
        self.moderated = True

    def allow_term(self, label: str, sentiment: float | None = None) -> bool:
        """A term of a ranking or cloud on this screen: on a moderated one (a lobby), free of
        blocked words and not negative, neither by the mean sentiment of the posts that carry
        it nor by its own words ("#AcmeSucks", "#boycottacme")."""
        if not self.allow_text(label):
            return False
        if not self.moderated:
            return True
        if sentiment is not None and math.isfinite(sentiment) and sentiment <= -SENTIMENT_THRESHOLD:
            return False
        return not negative_term(label)

    def target_value(self) -> float | None:
        """The widget's ``target:`` now: its number, or the value of its metric stream (None
        when it has none, or the stream has no value yet)."""
        target = getattr(self.options, "target", None)
        if isinstance(target, int | float) and not isinstance(target, bool):
            return float(target)
        view = self.more_streams.get("target")
        sample = view.sample() if view is not None else None
        value = getattr(sample.value, "value", None) if sample is not None else None
        return float(value) if isinstance(value, int | float) and math.isfinite(value) else None

    def meets_target(self, value: float) -> bool | None:
        """Whether ``value`` meets the target (higher_is_better says which side), or None."""
        target = self.target_value()
        if target is None or not math.isfinite(value):
            return None
        better = getattr(self.options, "higher_is_better", True)
        return value >= target if better else value <= target

    def hide_posts(self, is_hidden: Callable[[Any], bool]) -> None:
        """Posts staff hid (``kiosk ctl hide``) stay off this widget, public screen or not."""
        self.is_hidden = is_hidden

    def withdraw(self, post_id: str) -> None:
        """Take a post off the screen now (it was hidden or rejected); widgets without
        posts have nothing to take off."""

    # -- page flips ------------------------------------------------------------------------

    def live_part(self) -> QWidget | None:
        """The part that keeps moving while the page fades in (a ticker's strip), if any."""
        return None

    def continue_from(self, other: KioskWidget) -> bool:
        """Carry on where ``other``, the same widget on the page being left, left off.

        Returns whether it did; most widgets have nothing to carry (they show the latest value).
        """
        return False

    # -- polling ---------------------------------------------------------------------------

    @property
    def refreshing(self) -> bool:
        return self._refresh.isActive() or self._kick.isActive()

    @property
    def is_stale(self) -> bool:
        return self._stale

    def visible_timer(self, interval_ms: float, slot: Callable[[], None]) -> AlignedTimer:
        """A timer that runs only while the widget is shown: hidden pages cost nothing. It is
        on the wall's frame clock (kiosk.widgets.frames): one under 40 ms steps on the wall's
        frames, a slower one runs just after a frame, out of the tickers' way."""
        timer = AlignedTimer(interval_ms, slot, self)
        self._visible_timers.append(timer)
        return timer

    def showEvent(self, event: QShowEvent) -> None:
        for timer in self._visible_timers:
            if timer is self._refresh:  # staggered: see _stagger
                self._kick.start(_stagger(timer.interval()))
            else:
                timer.start()
        self.refresh()

    def hideEvent(self, event: QHideEvent) -> None:
        self._kick.stop()
        for timer in self._visible_timers:
            timer.stop()

    def _start_refreshing(self) -> None:
        self._refresh.start()
        self.refresh()

    def refresh(self) -> None:
        """Take a changed value; repaint only what visibly changed (a TV wall idles a lot)."""
        if self.stream is None:
            return
        version = self.stream.version
        if version != self._seen_version:
            self._seen_version = version
            sample = self.stream.sample()
            if sample is not None:
                self._accept(sample)
        self._update_staleness()
        if self.sample is None and self.placeholder_text() != self._placeholder:
            self._placeholder = self.placeholder_text()  # the source's state changed: say so
            self.update()
        self.freshness.set_text(self.freshness_text(), stale=self._stale)

    def _accept(self, sample: Sample) -> None:
        converted = self._safely(self.convert, sample.value)
        if converted is _FAILED:
            return
        if converted is not sample.value:
            sample = replace(sample, value=converted)
        if self.sample is not None and _same(self.sample.value, sample.value):
            self.sample = sample  # newer, same picture: only the age changes
            return
        result = self._safely(self.take, sample)
        if result is _FAILED:
            return
        first = self.sample is None
        self.sample = sample
        self.render_count += 1
        if result is not False or first:
            self.update()

    def convert(self, value: Any) -> Any:
        """The stream's value as the widget shows it: a series folded into one figure when the
        options say ``total:`` or ``mean:`` (kpi, gauge), else the value itself."""
        total, mean = getattr(self.options, "total", None), getattr(self.options, "mean", None)
        if isinstance(value, TimeSeries) and isinstance(total, float):
            return fold(value, total, "total")
        if isinstance(value, TimeSeries) and isinstance(mean, float):
            return fold(value, mean, "mean")
        return value

    def take(self, sample: Sample) -> bool | None:
        """Take a new value and prepare what paint needs; raise on bad data.

        Returns False when nothing visible changed (no repaint), anything else otherwise.
        """
        return None

    def shows_new(self, picture: object) -> bool:
        """Whether ``picture``, what the widget would draw as comparable values (figures as
        rounded on screen, bars, dots), differs from the last one; for :meth:`take` to return,
        so a value that looks the same is not repainted."""
        changed = picture != self._picture
        self._picture = picture
        return changed

    # -- painting --------------------------------------------------------------------------

    def min_content_height(self) -> int:
        """The least height (px) the content is legible in: one row of a leaderboard…"""
        return 0

    def shows_title(self) -> bool:
        """Whether the caption is drawn: a tile too low for both keeps its content legible
        (``kiosk check`` warns of such a cell)."""
        if not self.options.title:
            return False
        pad = self.style_.px(PADDING)
        below = self.height() - self._title_height(1) - pad // 2 - pad
        return below >= self.min_content_height()

    def title_height(self) -> int:
        """The caption's height: taller when the floor makes its type larger, and by a line
        when it takes two (:meth:`title_lines`)."""
        return self._title_height(len(self.title_lines()))

    def _title_height(self, lines: int) -> int:
        row = title_row_px(self.style_.px(TITLE_HEIGHT), self.style_.floor_px)
        return row + (lines - 1) * math.ceil(self.style_.font(TITLE_SIZE).pixelSize() * 1.2)

    def title_lines(self) -> list[str]:
        """The caption as drawn: on one line; on two where one would cut it ("Beantwoord binnen
        1 uur (do…") and the tile keeps 40 % of its height for the content; else cut at the end.

        Kept for the tile's size: a paint asks for it three times, and measuring the words
        each time took 27–52 µs of a 0.9–1.6 ms panel paint, on every panel every second."""
        key = (self.options.title or "", self.width(), self.height())
        if self._title_fit is None or self._title_fit[0] != key:
            self._title_fit = (key, self._fit_title(key[0]))
        return list(self._title_fit[1])

    def _fit_title(self, title: str) -> list[str]:
        room = self.width() - 2 * self.style_.px(PADDING)
        metrics = QFontMetrics(self.style_.font(TITLE_SIZE, 600))
        if metrics.horizontalAdvance(title) <= room:
            return [title]
        words = title.split()
        first = 1
        while (
            first < len(words) and metrics.horizontalAdvance(" ".join(words[: first + 1])) <= room
        ):
            first += 1
        tall = self.height() - self._title_height(2) - 2 * self.style_.px(PADDING)
        if first == len(words) or tall < self.height() * 0.4:
            return [metrics.elidedText(title, Qt.TextElideMode.ElideRight, room)]
        rest = " ".join(words[first:])
        return [
            metrics.elidedText(" ".join(words[:first]), Qt.TextElideMode.ElideRight, room),
            metrics.elidedText(rest, Qt.TextElideMode.ElideRight, room),
        ]

    def content_rect(self) -> QRect:
        pad = self.style_.px(PADDING)
        top = self.title_height() + pad // 2 if self.shows_title() else pad
        return self.rect().adjusted(pad, top, -pad, -pad)

    @property
    def smallest_text_px(self) -> int | None:
        """The smallest font size (px) of any text the widget drew in its last paint, its
        parts' included; None when it drew no text."""
        return min(self.text_parts.values(), default=None)

    def note_text(self, part: str, size_px: int | None) -> None:
        """Record the smallest text ``part`` drew in its last paint (None: it drew none)."""
        if size_px is None:
            self.text_parts.pop(part, None)
        else:
            self.text_parts[part] = size_px

    def text_painter(self, device: QPaintDevice, part: str) -> TextMeter:
        """A painter on ``device`` (the widget, a child, a cached pixmap) whose text counts
        as ``part`` of this widget's in :attr:`smallest_text_px`."""
        return TextMeter(device, self, part)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = self.text_painter(self, "panel")
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        style = self.style_
        if self.testAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent):
            painter.fillRect(self.rect(), style.background)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(style.panel)
        radius = style.px(14)
        painter.drawRoundedRect(self.rect(), radius, radius)
        if self.shows_title():
            self._paint_title(painter)
        if self.sample is None and self.stream is not None:
            self._paint_placeholder(painter)
        else:
            self._safely(self.paint_content, painter, self.content_rect())
        painter.end()

    def paint_content(self, painter: QPainter, rect: QRect) -> None:
        """Draw the current value into ``rect`` (widgets that use child widgets may not need to)."""

    def placeholder_text(self) -> str:
        if self.stream is None:
            return self.style_.lang._("Waiting for …")
        name, status = self.stream.name, self.stream.status()
        words = self.style_.lang
        # Never a "waiting" that waits forever: say why nothing has come yet.
        if status.state in (SourceState.STALE, SourceState.FAILED):
            if self.stream.source_status().state in (SourceState.STALE, SourceState.FAILED):
                return words._(
                    "No data yet from {source}: {detail} (since {time})",
                    source=self.stream.source,
                    detail=status.detail,
                    time=words.clock_time(status.since),
                )
            # only this stream fails
            return words._("Waiting for {name}: {detail}", name=name, detail=_short(status.detail))
        return words._("Waiting for {name}…", name=name)

    def trouble_text(self) -> str:
        """Why the stream has no fresh data, when its source or the stream itself fails."""
        if self.stream is None:
            return ""
        status = self.stream.status()
        if status.state in (SourceState.STALE, SourceState.FAILED):
            return _short(status.detail)
        return ""

    def _paint_title(self, painter: QPainter) -> None:
        style = self.style_
        pad = style.px(PADDING)
        rect = QRect(pad, pad // 2, self.width() - 2 * pad, self.title_height())
        painter.setPen(style.text)
        painter.setFont(style.font(TITLE_SIZE, 600))
        flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(rect, flags, "\n".join(self.title_lines()))

    def _paint_placeholder(self, painter: QPainter) -> None:
        painter.setPen(self.style_.muted)
        painter.setFont(self.style_.font(26, 400))
        painter.drawText(
            self.content_rect(),
            Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
            self.placeholder_text(),
        )

    # -- freshness -------------------------------------------------------------------------

    def freshness_text(self) -> str:
        if self.sample is None or self.stream is None:
            return ""
        if self._stale:
            words = self.style_.lang
            return words._("no data since {time}", time=words.clock_time(self.sample.at))
        return self.style_.lang._(
            "updated {ago}", ago=self.style_.lang.ago(self.stream.now() - self.sample.at)
        )

    def _update_staleness(self) -> None:
        assert self.stream is not None
        stale = False
        if self.sample is not None:
            confirmed = self.stream.confirmed() or 0.0  # a quiet source that checked is fresh
            too_old = self.stream.now() - max(self.sample.at, confirmed) > self.options.stale_after
            failed = self.stream.status().state is SourceState.FAILED
            stale = too_old or failed
        if stale != self._stale:
            self._stale = stale
            self.veil.setVisible(stale)
            if not stale:
                self.note_text("veil", None)
        if stale:
            reason = self.trouble_text()
            message = self.freshness_text() + (f"\n{reason}" if reason else "")
            if message != self.veil.message:
                self.veil.message = message
                self.veil.update()
            self.veil.setGeometry(self.rect())
            self.veil.raise_()

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.veil.setGeometry(self.rect())
        self._place_freshness()

    def _place_freshness(self) -> None:
        """The age goes right of the caption when both fit; the caption wins in narrow tiles."""
        style = self.style_
        pad = style.px(PADDING)
        metrics = QFontMetrics(style.font(20, 400))
        widest = style.lang._("updated {ago}", ago=style.lang.ago(59 * 60))
        width = metrics.horizontalAdvance(widest) + style.px(4)
        title = QFontMetrics(style.font(TITLE_SIZE, 600)).horizontalAdvance(
            self.options.title or ""
        )
        fits = title + pad + width <= self.width() - 2 * pad
        self.freshness.setVisible(self.shows_title() and self.stream is not None and fits)
        if not self.freshness.isVisibleTo(self):
            self.note_text("freshness", None)
        self.freshness.setGeometry(
            self.width() - pad - width,
            pad // 2 + style.px(6),
            width,
            self.title_height() - style.px(12),
        )

    # -- safety ----------------------------------------------------------------------------

    def _safely(self, method: Any, *args: Any) -> Any:
        try:
            return method(*args)
        except Exception:
            if not self._failed_once:  # once per widget: a bad value repeats every refresh
                self._failed_once = True
                log.exception(
                    "%s widget (%s) kept its last picture", self.options.type, self.options.data
                )
            return _FAILED


_FAILED = object()
SHORT_REASON = 90  # characters of a failure's detail shown on a widget


def _short(detail: str) -> str:
    return detail if len(detail) <= SHORT_REASON else detail[: SHORT_REASON - 1] + "…"


def _same(old: Any, new: Any) -> bool:
    """Equal values draw the same picture; arrays (time series) are left to the widget."""
    if old is new:
        return True
    if type(old) is not type(new) or isinstance(old, TimeSeries):
        return False
    try:
        return bool(old == new)
    except Exception:
        return False


class TextMeter(QPainter):
    """A painter that notes the smallest font it draws text in, for its widget's record.

    Every part of a widget that draws text paints through one (:meth:`KioskWidget.text_painter`),
    so the widget can tell the smallest text it put on screen, whichever way the size came
    about (fitted to a rectangle, scaled from a row's height), and a test can hold every
    layout to the legibility floor.
    """

    def __init__(self, device: QPaintDevice, owner: KioskWidget, part: str) -> None:
        super().__init__(device)
        self._owner = owner
        self._part = part
        self._smallest: int | None = None

    # One signature for Qt's nine overloads: the text is the one str among the arguments.
    def drawText(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        if any(isinstance(arg, str) and arg.strip() for arg in (*args, *kwargs.values())):
            font = self.font()
            size = font.pixelSize()  # what Style.font sets; a font set in points: as matched
            if size <= 0:
                size = QFontInfo(font).pixelSize()
            self._smallest = size if self._smallest is None else min(self._smallest, size)
        super().drawText(*args, **kwargs)

    def end(self) -> bool:
        self._owner.note_text(self._part, self._smallest)
        return super().end()


class _Freshness(QWidget):
    """ "updated 12 s ago" in the caption row; opaque, so a tick repaints only this corner."""

    def __init__(self, owner: KioskWidget) -> None:
        super().__init__(owner)
        self._owner = owner
        self.text = ""
        self._stale = False
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def set_text(self, text: str, *, stale: bool) -> None:
        if (text, stale) != (self.text, self._stale):
            self.text, self._stale = text, stale
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        style = self._owner.style_
        painter = self._owner.text_painter(self, "freshness")
        painter.fillRect(self.rect(), style.panel)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.setPen(style.negative if self._stale else style.muted)
        painter.setFont(style.font(20, 400))
        flags = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(self.rect(), flags, self.text)
        painter.end()


class _StaleVeil(QWidget):
    """Dims a widget whose data is too old, on top of everything including child plots."""

    def __init__(self, owner: KioskWidget) -> None:
        super().__init__(owner)
        self._owner = owner
        self.message = ""
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)

    def paintEvent(self, event: QPaintEvent) -> None:
        style = self._owner.style_
        painter = self._owner.text_painter(self, "veil")
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        veil = QColor(style.background)
        veil.setAlphaF(0.62)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(veil)
        radius = style.px(14)
        painter.drawRoundedRect(self.rect(), radius, radius)
        painter.setPen(style.text)
        painter.setFont(style.font(26, 600))
        painter.drawText(
            self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.message
        )
        painter.end()
