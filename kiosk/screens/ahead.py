"""A page flip drawn ahead of time, one part per turn of the event loop.

A fade goes from what the screen shows to the page about to be shown. At the flip, both were
whole-window renders in one go (on a 4K page with a day-long chart, KPI tiles and a heatmap:
170 ms, during which no ticker on the wall moved), and when the fade ended Qt painted the whole
new page live once more, in one go again.

- What the screen shows is not drawn again: the fade blends into the backing store's pixels
  (kiosk.screens.window._FadeOver).
- The next page is drawn ahead of its flip: it is fed :data:`AHEAD_S` before, one widget per
  turn of the event loop (charts start their pictures in their worker; a word cloud laid out
  afresh took 14-23 ms, and the whole page fed in one go held the soak's tickers for 60 ms),
  then, in the last :data:`DRAW_S`, each part (header, banner, every widget) is rendered into
  the frame in its own turn (:class:`NextFrame`), so the ticker frames run between steps. Parts
  not drawn when the flip comes are drawn then.
- When the fade has ended, the still frame is lifted part by part (:class:`~kiosk.screens.
  window._FadeOver` uncovers one part per frame), so the live page is painted one widget at a
  time rather than all in one paint.

With ``gpu`` the charts are GL surfaces that neither the backing store nor a widget render
holds: those screens draw both frames at the flip.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from itertools import pairwise

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap, QRegion
from PySide6.QtWidgets import QWidget

from kiosk.widgets.frames import AlignedTimer

log = logging.getLogger(__name__)

AHEAD_S = 1.0  # how long before its flip the next page is fed (its charts' pictures start)
# ... and in the last this long it is drawn. The frame is the wall's biggest buffer (33 MB at
# 4K) and lives until the fade after the flip has ended; drawn from AHEAD_S on, three 4K
# screens held one 44-45 % of the time, on the edge of the wall's median memory. Drawing takes
# 0.3-0.5 s of steps at 3x4K and 500/s; what is not drawn at the flip is drawn then (take).
DRAW_S = 0.6
STEP_MS = 4  # between two parts at least; the ticker's frames run in between
BANDS = 8  # the frame's background is filled in this many steps: in one, 12-14 ms at 4K


def on_screen(window: QWidget) -> QImage | None:
    """The pixels Qt last painted for ``window``: its backing store's image, when it holds a
    picture of the whole window (None before a first paint, or on a platform without one)."""
    store = window.backingStore()
    image = store.paintDevice() if store is not None else None
    ratio = window.devicePixelRatioF()
    if (
        isinstance(image, QImage)
        and image.width() >= round(window.width() * ratio)
        and image.height() >= round(window.height() * ratio)
    ):
        return image
    return None


def lay_out(page: QWidget) -> None:
    """Give a hidden page the geometry it will be shown at (its widgets' sizes decide their
    pictures): a stack sets the size of its current page only, and a page never shown has not
    even had its pending resizes delivered; rendering one pixel of it delivers them."""
    stack = page.parentWidget()
    if stack is not None and page.geometry() != stack.contentsRect():
        page.setGeometry(stack.contentsRect())
    page.render(QPixmap(1, 1), QPoint(), QRegion(0, 0, 1, 1))


class NextFrame:
    """Draws ``page`` as ``window`` will show it, one part per event-loop turn (the page laid
    out first: :func:`lay_out`), after feeding it one ``feed`` per turn.

    ``parts(page)`` names the page's parts in the order they are drawn; each is rendered at its
    place in the window. :meth:`take` hands the finished frame over, with where each part is
    (the fade uncovers them one by one afterwards), or None when it is not finished or no
    longer matches the window.
    """

    def __init__(
        self,
        window: QWidget,
        background: QColor,
        parts: Callable[[QWidget], list[QWidget]],
        live_part: Callable[[QWidget], QWidget | None] = lambda part: None,
    ) -> None:
        self._window = window
        self._background = background
        self._parts = parts
        self._live_part = live_part
        self._page: QWidget | None = None
        self._frame: QPixmap | None = None
        # Widgets to feed, bands of background to fill, parts to render: one per step.
        self._todo: list[Callable[[], object] | QRect | QWidget] = []
        self._done: list[QRect] = []
        self._size = QSize()
        self._draw_from = -math.inf  # monotonic seconds: no part is drawn before
        self.finished_at_flip = 0  # frames whose last parts were drawn at the flip (take)
        # A step runs just after a ticker frame (kiosk.widgets.frames), a few per frame at most.
        self._timer = AlignedTimer(STEP_MS, self._step, window, single_shot=True)

    @property
    def page(self) -> QWidget | None:
        return self._page

    def start(
        self,
        page: QWidget,
        feed: Sequence[Callable[[], object]] = (),
        draw_in: float = 0.0,
    ) -> None:
        """Draw ``page`` from the next steps on, after calling each of ``feed`` (a widget's
        refresh) in a step of its own; its parts not before ``draw_in`` seconds from now."""
        self.cancel()
        window = self._window
        self._page, self._frame, self._size = page, None, window.size()
        self._draw_from = time.monotonic() + draw_in
        edges = [window.height() * band // BANDS for band in range(BANDS + 1)]
        self._todo = [
            *feed,
            *(QRect(0, top, window.width(), bottom - top) for top, bottom in pairwise(edges)),
            *(part for part in self._parts(page) if part.isVisibleTo(page)),
        ]
        self._done = []
        self._timer.start(STEP_MS)  # not a wait left from the last frame (_step)

    def cancel(self) -> None:
        self._timer.stop()
        self._page = self._frame = None
        self._todo, self._done = [], []

    def _step(self) -> None:
        if self._page is None or not self._todo:
            return
        drawing = isinstance(self._todo[0], QRect | QWidget)
        wait = self._draw_from - time.monotonic()
        if drawing and wait > 0:  # fed: the parts are drawn in the last DRAW_S before the flip
            self._timer.start(max(STEP_MS, math.ceil(wait * 1000)))
            return
        part = self._todo.pop(0)
        if isinstance(part, QRect | QWidget):
            self._draw(part, self._new_frame())
        else:
            part()  # a widget fed before any part is drawn: its picture is the fed one
        if self._todo:
            self._timer.start(STEP_MS)

    def _new_frame(self) -> QPixmap:
        """The frame, made at the first part drawn. Not filled here: a new 4K picture's first
        fill is 33 MB of fresh pages, 12-14 ms in one go; its background is filled band by
        band, as steps like the parts."""
        if self._frame is None:
            ratio = self._window.devicePixelRatioF()
            size = self._size
            self._frame = QPixmap(round(size.width() * ratio), round(size.height() * ratio))
            self._frame.setDevicePixelRatio(ratio)
        return self._frame

    def _draw(self, part: QRect | QWidget, frame: QPixmap) -> None:
        painter = QPainter(frame)
        try:
            if isinstance(part, QRect):
                painter.fillRect(part, self._background)
            else:
                where = QRect(part.mapTo(self._window, QPoint(0, 0)), part.size())
                self._render(part, painter, where.topLeft())
                self._done.append(where)
        finally:
            painter.end()

    def _render(self, part: QWidget, painter: QPainter, at: QPoint) -> None:
        """Render ``part`` at ``at``; a part with a live area (a ticker's strip) without it.

        The live area runs on through the flip and is left out of the fade, so the frame needs
        none of it. And on a page with a chart, rendering a strip that had been shown before (a
        page the rotation comes back to) left it blank on screen after the flip, on xcb, though
        its paint ran over the whole strip: only the columns it scrolled in afterwards showed
        posts (every return to a page, never a first show; why inside Qt was not traced;
        tests/test_render.py reads the strip after each flip on Xvfb).
        """
        live = self._live_part(part)
        if live is None:
            part.render(painter, at)
            return
        part.render(painter, at, QRegion(), QWidget.RenderFlag.DrawWindowBackground)
        for child in part.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly):
            if child is not live and child.isVisibleTo(part):
                child.render(painter, at + child.pos())

    def take(self, page: QWidget) -> tuple[QPixmap, list[QRect]] | None:
        """The finished frame of ``page`` and its parts' places; None if there is none. A page
        fed but not all drawn yet has its parts left drawn now (at most what a flip without a
        frame would draw)."""
        left = [part for part in self._todo if isinstance(part, QRect | QWidget)]
        fed = len(left) == len(self._todo)
        if page is self._page and left and fed and self._size == self._window.size():
            self.finished_at_flip += 1
            log.debug("flip: %d parts of the next page drawn at the flip", len(left))
            for part in left:
                self._draw(part, self._new_frame())
            self._todo = []
        ready = (
            page is self._page
            and self._frame is not None
            and not self._todo
            and self._size == self._window.size()
        )
        frame, parts = self._frame, self._done
        self.cancel()
        if not ready or frame is None:
            return None
        return frame, parts
