"""One frameless full-screen window per monitor: a layout screen's pages, or an identify page."""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from dataclasses import dataclass

from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, QSize, QSizeF, Qt, QTimer
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QImage,
    QPainter,
    QPaintEvent,
    QPalette,
    QPixmap,
    QRegion,
    QScreen,
)
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from kiosk.analytics.moderation import Moderator
from kiosk.config import Page, Screen, Theme
from kiosk.config.layout import Render, Span
from kiosk.control.moderation_queue import ModerationQueue
from kiosk.hub import Hub
from kiosk.screens.ahead import AHEAD_S, DRAW_S, NextFrame, lay_out, on_screen
from kiosk.screens.identify import IdentifyView
from kiosk.screens.matching import Monitor
from kiosk.screens.page import PageView
from kiosk.widgets.base import KioskWidget
from kiosk.widgets.frames import AlignedTimer
from kiosk.widgets.render import GlSurface, grab, render_choice
from kiosk.widgets.theme import Style

log = logging.getLogger(__name__)


class WallWindow(QWidget):
    """Whatever fills a monitor: no frame, no cursor, themed background."""

    def __init__(self, background: QColor) -> None:
        super().__init__()
        self.setWindowFlag(Qt.WindowType.FramelessWindowHint)
        self.setCursor(Qt.CursorShape.BlankCursor)
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, background)
        self.setPalette(palette)
        self.monitor: Monitor | None = None

    def show_on(self, monitor: Monitor, screen: QScreen | None, *, windowed: bool) -> None:
        """Put the window on ``screen`` and fill it; ``windowed`` keeps a normal window instead."""
        self.monitor = monitor
        if windowed or screen is None:
            self.resize(monitor.width, monitor.height)
            self.show()
            return
        self.setScreen(screen)
        self.setGeometry(screen.geometry())
        self.showFullScreen()


@dataclass(frozen=True)
class Tile:
    """This window is one panel of a span: which span, and its column and row in it."""

    span: Span
    column: int
    row: int

    def canvas(self, panel: tuple[int, int]) -> tuple[QRect, QSize]:
        """Where this panel's picture sits on the span's canvas, and the canvas size, in px.

        Between panels the canvas keeps ``bezel_mm`` of room (converted with ``panel_mm``):
        that strip falls on the bezels, so lines crossing a seam stay straight.
        """
        width, height = panel
        span = self.span
        gap_x = gap_y = 0
        if span.panel_mm is not None and span.bezel_mm > 0:
            gap_x = round(span.bezel_mm * width / span.panel_mm[0])
            gap_y = round(span.bezel_mm * height / span.panel_mm[1])
        size = QSize(
            span.columns * width + (span.columns - 1) * gap_x,
            span.rows * height + (span.rows - 1) * gap_y,
        )
        return QRect(
            self.column * (width + gap_x), self.row * (height + gap_y), width, height
        ), size


class ScreenWindow(WallWindow):
    """A layout screen: its pages in rotation, each page shown for its ``duration``.

    Every page is built when the window is; before a flip the next page is fed the latest data
    (:meth:`PageView.prepare`), so a flip shows a finished page, never a blank or half-drawn
    one. A fade paints the old page's last frame over the new page, fading out. A takeover
    page interrupts rotation and is removed again when its rule clears.

    What a window shows, most important first: a takeover, then a staff cast, then the rotation
    (an emergency and messages are laid over all of these by kiosk.screens.commands). Rotation
    runs on unseen under a cast, so a cast ends on the page the rotation has reached.
    """

    def __init__(
        self,
        screen: Screen,
        hub: Hub,
        theme: Theme,
        size: tuple[int, int],
        moderator: Moderator | None = None,
        tile: Tile | None = None,
        *,
        approvals: ModerationQueue | None = None,
        render: Render = "auto",
    ) -> None:
        self.tile = tile
        self.approvals = approvals  # the wall's queue: moderated post widgets show approved posts
        placed, canvas = tile.canvas(size) if tile is not None else (QRect(), QSize(*size))
        # A span's type is sized for the whole canvas: it is read as one picture.
        style = Style.for_screen(
            theme, canvas.width(), canvas.height(), locale=screen.locale, timezone=screen.timezone
        )
        # The wall's render, unless this screen has its own: GL or software for its moving parts.
        self.drawing = render_choice(screen.render or render)
        self.wall_style = dataclasses.replace(style, gpu=self.drawing.gpu)
        self.moderator = moderator or Moderator()
        super().__init__(self.wall_style.background)
        self.screen_config = screen
        self.hub = hub
        self.setWindowTitle(f"kiosk — {screen.name}")
        margin_x = round(size[0] * theme.safe_area) + self.wall_style.px(24)
        margin_y = round(size[1] * theme.safe_area) + self.wall_style.px(16)
        self._layout = QVBoxLayout(self)
        self._margins = (margin_x, margin_y)
        self._layout.setContentsMargins(margin_x, margin_y, margin_x, margin_y)
        self.stack = QStackedWidget()
        if tile is None:
            self._layout.addWidget(self.stack)
        else:  # the whole canvas, moved so this panel's part of it is on this monitor
            self.stack.setParent(self)
            inner = QRect(QPoint(0, 0), canvas).adjusted(margin_x, margin_y, -margin_x, -margin_y)
            self.stack.setGeometry(inner.translated(-placed.x(), -placed.y()))
        count = len(screen.pages)
        self.pages = [
            PageView(
                page,
                hub,
                self.wall_style,
                (i, count),
                public=screen.public,
                moderator=self.moderator,
                approvals=approvals,
            )
            for i, page in enumerate(screen.pages)
        ]
        for page in self.pages:
            self.stack.addWidget(page)
        self.flips = 0
        self.step: int | None = None  # the shared rotation's step shown (kiosk.fleet.sync)
        self.step_due = 0.0  # and when it was due
        self.takeover: tuple[str, PageView] | None = None
        self.cast: tuple[str, QWidget] | None = None  # a staff cast (kiosk ctl cast), by its id
        self._page = 0  # the rotation's page, kept while a takeover shows
        titles = [page.title for page in screen.pages]
        pin = screen.rotation.pin
        self.pinned: int | None = titles.index(pin) if pin in titles else None
        if self.pinned is not None:
            self._page = self.pinned
            self.stack.setCurrentIndex(self.pinned)
        self._fade = _FadeOver(self, gpu=self.wall_style.gpu)
        self.notice = QLabel(self)
        self.notice.setWordWrap(False)
        self.notice.setFont(self.wall_style.font(20, 500))
        self.notice.setStyleSheet(
            f"background: {self.wall_style.panel.name()}; color: {self.wall_style.negative.name()};"
            f" padding: {self.wall_style.px(8)}px {self.wall_style.px(14)}px;"
            f" border-radius: {self.wall_style.px(8)}px;"
        )
        self.notice.hide()
        self.phase = 0.0  # seconds added to the next rotation interval once (see stagger)
        # Flips and the drawing ahead run just after a ticker frame (kiosk.widgets.frames).
        self._rotation = AlignedTimer(0, self.next_page, self, single_shot=True)
        # The next page drawn ahead of its flip, part by part (kiosk.screens.ahead).
        self._ahead = NextFrame(
            self,
            self.wall_style.background,
            PageView.parts,  # type: ignore[arg-type]
            live_part=lambda part: part.live_part() if isinstance(part, KioskWidget) else None,
        )
        self._ahead_timer = AlignedTimer(0, self.draw_ahead, self, single_shot=True)
        self._arm_rotation()
        self.awake = True
        self.shift_step = 0
        self._burn_in = QTimer(self)
        self._burn_in.timeout.connect(self._shift)
        if screen.burn_in.shift > 0 and tile is None:  # panels of a span must stay aligned
            self._burn_in.start(round(screen.burn_in.every * 1000))

    @property
    def shift(self) -> tuple[int, int]:
        """Where burn-in care has moved the picture, in px: a slow circle of eight steps."""
        radius = self.screen_config.burn_in.shift
        angle = self.shift_step % 8 * math.pi / 4
        return round(radius * math.cos(angle)), round(radius * math.sin(angle))

    def _shift(self) -> None:
        self.shift_step += 1
        dx, dy = self.shift
        x, y = self._margins
        self._layout.setContentsMargins(x + dx, y + dy, x - dx, y - dy)

    def set_awake(self, awake: bool) -> None:
        """Out of hours the screen goes black: pages hidden (their timers stop), no rotation."""
        if awake == self.awake:
            return
        self.awake = awake
        log.info("screen %s %s", self.screen_config.name, "on" if awake else "off (out of hours)")
        if awake:
            current = self.stack.currentWidget()
            if isinstance(current, PageView):
                current.prepare()
            self.stack.show()
            self.setPalette(self._palette(self.wall_style.background))
            self._arm_rotation()
        else:
            self._rotation.stop()
            self.stack.hide()
            self.setPalette(self._palette(QColor("#000000")))

    def _palette(self, colour: QColor) -> QPalette:
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, colour)
        return palette

    @property
    def synced(self) -> bool:
        """True when a clock shared with other windows flips this one."""
        return self.sync_group is not None

    @property
    def sync_group(self) -> str | None:
        """The panels of a span flip together; so do all screens with ``sync: wall``."""
        if self.tile is not None:
            return f"span:{self.tile.span.name}"
        return "wall" if self.screen_config.rotation.sync == "wall" else None

    def show_notice(self, text: str) -> None:
        """Show ``text`` in a small bar at the bottom of the screen; empty text hides it."""
        self.notice.setText(text)
        self.notice.setVisible(bool(text))
        if text:
            self.notice.adjustSize()
            margin = self.wall_style.px(16)
            width = min(self.width() - 2 * margin, self.notice.sizeHint().width())
            self.notice.setGeometry(
                self.width() - width - margin,
                self.height() - self.notice.sizeHint().height() - margin,
                width,
                self.notice.sizeHint().height(),
            )
            self.notice.raise_()

    def current_widgets(self) -> list[KioskWidget]:
        """The widgets of the page on screen now (a takeover page included)."""
        page = self.stack.currentWidget()
        return list(page.widgets) if isinstance(page, PageView) else []

    @property
    def current_index(self) -> int:
        """The rotation's page (a takeover page, when showing, is not counted)."""
        return self._page

    @property
    def page_duration(self) -> float:
        return self.screen_config.pages[self._page].duration

    @property
    def flip_span(self) -> float:
        """How long a rotation's flip is at work: from the drawing ahead to the last part
        lifted after the fade. It holds the frame drawn ahead (a picture of the whole window:
        32 MB at 4K) until the fade ends, and the lift paints the live page a widget a frame."""
        return AHEAD_S + self.screen_config.rotation.fade + LIFT_S

    def next_page(self, step: int = 1) -> None:
        """Advance the rotation by ``step`` pages, -1 goes back (unless pinned or taken over)."""
        if self.pinned is None and len(self.pages) > 1:
            self._page = (self._page + step) % len(self.pages)
            if self.takeover is None and self.cast is None:
                self._show(self.pages[self._page])
        self._arm_rotation()

    def show_step(self, step: int, due: float) -> None:
        """Step ``step`` of a rotation shared with other screens (kiosk.fleet.sync), due at
        ``due`` (epoch s): page ``step`` modulo this screen's page count (unless pinned or
        taken over)."""
        self.step, self.step_due = step, due
        if self.pinned is None and self.pages:
            self._page = step % len(self.pages)
            if self.takeover is None and self.cast is None:
                self._show(self.pages[self._page])

    def pin(self, index: int | None) -> None:
        """Hold page ``index`` (None resumes rotation)."""
        self.pinned = index
        if index is not None:
            self._page = index
            if self.takeover is None and self.cast is None:
                self._show(self.pages[index])
        self._arm_rotation()

    def take_over(self, name: str, page: Page, banner: str) -> None:
        """Show ``page`` with ``banner`` instead of the rotation until :meth:`release`."""
        if self.takeover is not None:
            if self.takeover[0] == name:
                self.set_banner(banner)
                return
            self.release()
        view = PageView(
            page,
            self.hub,
            self.wall_style,
            (0, 1),
            banner=banner,
            public=self.screen_config.public,
            moderator=self.moderator,
            approvals=self.approvals,
        )
        self.stack.addWidget(view)
        view.setGeometry(self.stack.rect())  # laid out before it is fed: widgets draw to size
        self.takeover = (name, view)
        self._rotation.stop()
        self._show(view)

    def set_banner(self, text: str) -> None:
        if self.takeover is not None and self.takeover[1].banner is not None:
            self.takeover[1].banner.set_text(text)

    def release(self) -> None:
        """End a takeover: back to the rotation's page, and rotation goes on from there."""
        if self.takeover is None:
            return
        _, view = self.takeover
        self.takeover = None
        self._show(self.cast[1] if self.cast is not None else self.pages[self._page])
        self.stack.removeWidget(view)
        view.deleteLater()
        self._arm_rotation()

    def show_cast(self, cast_id: str, view: QWidget) -> None:
        """Show ``view`` instead of the rotation until :meth:`end_cast` (under a takeover)."""
        self.end_cast()
        self.stack.addWidget(view)
        view.setGeometry(self.stack.rect())  # laid out before it is fed, as a takeover page
        self.cast = (cast_id, view)
        if self.takeover is None:
            self._show(view)

    def end_cast(self) -> None:
        """Back to the page the rotation has reached (or the takeover, if one came)."""
        if self.cast is None:
            return
        _, view = self.cast
        self.cast = None
        if self.takeover is None:
            self._show(self.pages[self._page])
        self.stack.removeWidget(view)
        view.deleteLater()

    def _show(self, page: QWidget) -> None:
        if self.stack.currentWidget() is page:
            return
        before = self.stack.currentWidget()
        if isinstance(page, PageView):
            page.prepare()
            if isinstance(before, PageView):
                page.continue_from(before)
        rotation = self.screen_config.rotation
        fade = rotation.transition == "fade" and self.isVisible() and self.stack.isVisible()
        ahead = self._ahead.take(page)
        # GL screens cross-fade two pictures; software ones blend the new frame into what the
        # backing store holds (see _FadeOver): no copy of the old frame (33 MB at 4K).
        two_pictures = fade and (self.wall_style.gpu or on_screen(self) is None)
        old = self.picture() if two_pictures else None
        self._fade.clear()
        self.stack.setCurrentWidget(page)
        if fade:
            live = QRegion()
            for strip in page.live_areas() if isinstance(page, PageView) else []:
                live += QRect(strip.mapTo(self, QPoint(0, 0)), strip.size())
            if ahead is None or self._covered():
                ahead = self.picture(), []
            new, parts = ahead
            parts = [part for part in parts if not live.intersects(part)]  # tickers run on
            self._fade.start(old, new, self.rect(), live, rotation.fade, parts)
        self.flips += 1

    def _covered(self) -> bool:
        """Whether something other than the page shows over it (a message, a notice): a frame
        drawn ahead has only the page, so the flip draws the whole window instead."""
        return any(
            child.isVisible() and child is not self.stack and child is not self._fade
            for child in self.findChildren(
                QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly
            )
        )

    def draw_ahead(self) -> None:
        """Feed and draw the page the rotation shows next, before its flip (its charts start
        their pictures when fed, at the size laid out first)."""
        if self.takeover is not None or self.cast is not None or self.pinned is not None:
            return
        page = self.pages[(self._page + 1) % len(self.pages)]
        if page is self.stack.currentWidget():
            return
        lay_out(page)  # first: a chart draws its picture at the size it will be shown
        self._ahead.start(page, feed=page.feeds(), draw_in=AHEAD_S - DRAW_S)

    def picture(self) -> QPixmap:
        """What the window shows, as a picture (GL charts included)."""
        return grab(self)

    def _arm_rotation(self) -> None:
        self._rotation.stop()
        self._ahead_timer.stop()
        if self.synced or self.takeover is not None or self.pinned is not None:
            return  # the wall's clock, a takeover or a pin decides
        if not getattr(self, "awake", True):
            return  # out of hours
        if len(self.pages) > 1:
            delay, self.phase = self.page_duration + self.phase, 0.0
            self._rotation.start(round(delay * 1000))
            rotation = self.screen_config.rotation
            if rotation.transition == "fade" and not self.wall_style.gpu and delay > 2 * AHEAD_S:
                self._ahead_timer.start(round((delay - AHEAD_S) * 1000))

    def hold(self) -> None:
        """Stop this screen's rotation until the next flip arms it again (a benchmark flips it
        by hand and must not have the rotation flip it too)."""
        self._rotation.stop()
        self._ahead_timer.stop()

    def stagger(self, seconds: float) -> None:
        """Flip ``seconds`` later than the rotation would, this once: screens that rotate on
        their own then flip apart, and a wall never paints every new page in the same instant
        (three 4K pages at once held the ticker for half a second)."""
        self.phase = max(0.0, seconds)
        if self._rotation.isActive():
            self._arm_rotation()


# After a fade, its parts are lifted one per fade frame (30 a second): the browser screen's 10
# parts took 0.29-0.31 s (measured); 0.5 s leaves room for pages with more parts.
LIFT_S = 0.5


class _FadeOver(QWidget):
    """A dissolve from what the screen shows to the new page's frame, over the page.

    Opaque, so the live page under it is not repainted for every frame of the fade (a
    translucent overlay made Qt repaint every chart on the page 60 times a second while it
    faded). Areas that must keep moving, the new page's ticker strips, are left out of it and
    run live. Driven by a monotonic clock, so a late frame shows the right mix rather than a
    slower fade; it hides itself at the end and costs nothing between flips.

    In software there is no picture of the old page: the backing store under an opaque widget
    keeps what it last showed, so each frame draws the new frame over the last one with the
    opacity that takes the old page's share from a to a' (1 - a'/a). That saves a copy of the
    old frame (33 MB at 4K, 10 ms) and a second whole-screen blend per frame. A grab of the
    window during a fade reads what the screen shows.

    At the end the new frame is lifted part by part when the parts are known (a frame drawn
    ahead, kiosk.screens.ahead): each part becomes a :class:`_Still` and one still goes per
    frame, so the live page is painted one widget at a time, not all in one paint. The fade's
    last frame puts the whole new frame in the backing store, so the stills show what is there
    already and the frame (33 MB at 4K) is let go when the fade ends, not a lift (0.3 s) later.

    With ``gpu`` a GL surface draws the mix of two pictures, the old page's and the new one's:
    they become textures once per flip and each frame of the fade is two textured quads.
    """

    def __init__(self, parent: QWidget, *, gpu: bool = False) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._old = QPixmap()  # none: blended into what is on screen
        self._new = QPixmap()
        self._held = 1.0  # the old page's share in what the last frame left on screen
        self._whole = False  # a frame put the whole new frame in the backing store
        self._asked_whole = False  # the fade's time is up and a last frame was asked for
        self._started = 0.0
        self._length = 0.0
        self._parts: list[QRect] = []
        self._stills: list[_Still] = []
        # 30 frames a second, every other ticker frame, right after it: a dissolve needs no more.
        self._timer = AlignedTimer(33, self._tick, self)
        # Translucent: the live strips it leaves out show through its holes (see GlSurface).
        self.surface = GlSurface(self, self.paint, translucent=True) if gpu else None
        self.hide()

    @property
    def opacity(self) -> float:
        """How much of the old frame shows: 1 at the start, 0 at the end."""
        if self._length <= 0:
            return 0.0
        done = (time.monotonic() - self._started) / self._length
        return max(0.0, 1.0 - done)

    def start(
        self,
        old: QPixmap | None,
        new: QPixmap,
        where: QRect,
        live: QRegion,
        seconds: float,
        parts: list[QRect] | None = None,
    ) -> None:
        self.clear()
        self._old, self._new = old if old is not None else QPixmap(), new
        self._held = 1.0
        self._whole = self._asked_whole = False
        self._parts = list(parts or [])
        self._started = time.monotonic()
        self._length = seconds
        self.setGeometry(where)
        if live.isEmpty():
            self.clearMask()
        else:
            self.setMask(QRegion(self.rect()) - live.translated(-where.topLeft()))
        self.raise_()
        self.show()
        self._timer.start()

    def clear(self) -> None:
        """Stop at once: no fade, no stills."""
        self._timer.stop()
        self.hide()
        for still in self._stills:
            still.hide()
            still.deleteLater()
        self._stills, self._parts = [], []
        self._old = self._new = QPixmap()

    def _tick(self) -> None:
        if self.opacity > 0:
            if self.surface is not None:
                self.surface.update()
            else:
                self.update()
        elif self._parts and not self._whole and not self._asked_whole and self.surface is None:
            self._asked_whole = True  # the last frame, at the end's mix: the whole new frame
            self.update()
        elif self._parts:  # the fade is over: the parts become stills, lifted one per frame
            parent = self.parentWidget()
            # On screen already, or (no backing store picture, GL) painted from the frame.
            frame = None if self._whole else self._new
            self._stills = [_Still(parent, frame, part) for part in self._parts]
            for still in self._stills:
                still.stackUnder(self)
                still.show()
            self._parts, self._old = [], QPixmap()
            if self._whole:
                self._new = QPixmap()
            self.hide()
        elif self._stills:
            still = self._stills.pop(0)
            still.hide()
            still.deleteLater()
        else:
            self.clear()

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.surface is not None:
            return  # under the GL surface
        painter = QPainter(self)
        self.paint(painter, event.rect())
        painter.end()

    def paint(self, painter: QPainter, rect: QRect) -> None:
        if not self.mask().isEmpty():  # the live strips stay out of the fade
            painter.setClipRegion(self.mask())
        opacity = self.opacity
        if not self._old.isNull():  # two pictures (GL; a window never painted before)
            painter.drawPixmap(0, 0, self._new)
            if opacity > 0:
                painter.setOpacity(opacity)
                painter.drawPixmap(0, 0, self._old)
            return
        screen = on_screen(self.window())
        if screen is None:
            painter.drawPixmap(0, 0, self._new)
        elif _grab(painter, screen):  # what the screen shows now
            _copy_screen(self, painter, screen)
        elif opacity < self._held:  # blended into what the last frame left (class docstring)
            painter.setOpacity(1.0 - opacity / self._held)
            painter.drawPixmap(0, 0, self._new)
            self._held = opacity
            self._whole = opacity <= 0 and rect.contains(self.rect())  # not a part's repaint


def _grab(painter: QPainter, screen: QImage) -> bool:
    """Whether ``painter`` paints a grab's picture of the window, not ``screen`` (the backing
    store's image)."""
    engine = painter.paintEngine()
    device = engine.paintDevice() if engine is not None else None
    return not (isinstance(device, QImage) and device.cacheKey() == screen.cacheKey())


def _copy_screen(widget: QWidget, painter: QPainter, screen: QImage) -> None:
    """Paint what ``screen`` shows where ``widget`` is (into a grab's picture)."""
    ratio = screen.devicePixelRatio()
    at = QPointF(widget.mapTo(widget.window(), QPoint(0, 0))) * ratio
    painter.drawImage(QRectF(widget.rect()), screen, QRectF(at, QSizeF(widget.size()) * ratio))


class _Still(QWidget):
    """A part of the new page's frame, over the live part until its turn to be painted.

    Without a frame, the backing store holds the part already (the fade's last frame put it
    there) and, opaque, the still paints nothing over it; a grab of the window copies it from
    there, as it would from the screen."""

    def __init__(self, parent: QWidget | None, frame: QPixmap | None, where: QRect) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._frame = frame
        self.setGeometry(where)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        if self._frame is not None:
            ratio = self._frame.devicePixelRatio()
            source = QRectF(
                self.x() * ratio, self.y() * ratio, self.width() * ratio, self.height() * ratio
            )
            painter.drawPixmap(QRectF(self.rect()), self._frame, source)
        else:
            screen = on_screen(self.window())
            if screen is not None and _grab(painter, screen):
                _copy_screen(self, painter, screen)
        painter.end()


class IdentifyWindow(WallWindow):
    """Shown on a monitor no layout screen claims: says what it is and how to target it."""

    def __init__(self, monitor: Monitor, theme: Theme, *, blank: bool = False) -> None:
        style = Style.for_screen(theme, monitor.width, monitor.height)
        super().__init__(QColor("black") if blank else style.background)
        self.wall_style = style  # an emergency card over it is drawn in it
        self.blank = blank  # unclaimed: black — the monitor shows nothing
        self.setWindowTitle(f"kiosk — unassigned {monitor.connector or monitor.index}")
        if not blank:
            layout = QVBoxLayout(self)
            layout.setContentsMargins(0, 0, 0, 0)
            layout.addWidget(IdentifyView(monitor, style))


def screen_for(monitor: Monitor) -> QScreen | None:
    """The live QScreen that is ``monitor`` now (by identity), if it is still connected."""
    for screen in QGuiApplication.screens():
        if (screen.name(), screen.manufacturer(), screen.model(), screen.serialNumber()) == (
            monitor.identity
        ):
            return screen
    return None
