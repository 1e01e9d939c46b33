"""``type: word_cloud``: terms sized by how often they are used, coloured by their sentiment.

A cloud that re-shuffles on every update is unreadable from across a room, so the layout is
stable: sizes come in a few steps (a term changes size only when it moves a whole step), and a
term keeps its place while it still fits there. Only new terms, and terms that grew into a
neighbour, look for a new place, on a spiral out from the middle.

The same cloud on several screens of a wall is laid out once: a layout is a pure function of
the tile, the type's sizes, the terms and where the terms stood before, and the wall keeps the
last few (:data:`SHARED`). A screen whose cloud stood elsewhere (one that was hidden while the
others moved on) lays out its own.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Hashable

import numpy as np
from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QResizeEvent

from kiosk.config.widgets import WordCloudOptions
from kiosk.hub import Sample
from kiosk.values import Ranking
from kiosk.widgets.base import KioskWidget

STEPS = 6  # size steps from the smallest term to the largest
SPIRAL_TURNS = 40
SPIRAL_POINTS = 900
_TURN = np.arange(SPIRAL_POINTS) / SPIRAL_POINTS
_ANGLE = _TURN * SPIRAL_TURNS * 2 * math.pi
_SPIRAL = (_TURN * np.cos(_ANGLE), _TURN * np.sin(_ANGLE))  # from the middle out, unit reach

# Places: ((text, step, (left, top, width, height)), ...) in rank order.
_Places = tuple[tuple[str, int, tuple[float, float, float, float]], ...]
SHARED_LAYOUTS = 32  # layouts the wall keeps: a few clouds, a few sizes each
SHARED: OrderedDict[Hashable, _Places] = OrderedDict()  # by what decides them (_layout)


class WordCloudWidget(KioskWidget):
    refresh_hz = 0.5  # a cloud that changes every second is noise, not news
    options: WordCloudOptions

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.terms: dict[str, _Term] = {}  # placed terms, by text
        self._entries: list[tuple[str, float, float | None]] = []

    def take(self, sample: Sample) -> bool:
        ranking = sample.value
        if not isinstance(ranking, Ranking):
            raise TypeError(f"expected a Ranking, got {type(ranking).__name__}")
        entries = [
            (entry.label, entry.value, entry.sentiment)
            for entry in ranking.entries
            if entry.label
            and math.isfinite(entry.value)
            and entry.value > 0
            and self.allow_term(entry.label, entry.sentiment)
        ][: self.options.limit]
        before = {text: (t.step, t.colour.rgb()) for text, t in self.terms.items()}
        self._entries = entries
        self._layout()
        return {text: (t.step, t.colour.rgb()) for text, t in self.terms.items()} != before

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.terms.clear()  # a new shape: lay out afresh
        self._layout()

    def _layout(self) -> None:
        area = QRectF(self.content_rect())
        if not self._entries or area.width() < 10 or area.height() < 10:
            self.terms.clear()
            return
        top = max(value for _, value, _ in self._entries)
        smallest = min(value for _, value, _ in self._entries)
        wanted = tuple((text, self._step(value, smallest, top)) for text, value, _ in self._entries)
        style = self.style_
        # All that decides the places: another screen's cloud with the same key shares them.
        key = (
            area.getRect(),
            style.family,
            tuple(style.font(self._font_size(step), 700).pixelSize() for step in range(STEPS)),
            style.px(10),
            wanted,
            frozenset((t.text, t.step, t.rect.getRect()) for t in self.terms.values()),
        )
        places = SHARED.get(key)
        if places is None:
            places = SHARED[key] = self._place(area, wanted)
            if len(SHARED) > SHARED_LAYOUTS:
                SHARED.popitem(last=False)
        else:
            SHARED.move_to_end(key)
        colours = {text: self._colour(sentiment) for text, _, sentiment in self._entries}
        self.terms = {
            text: _Term(text, step, colours[text], QRectF(*rect)) for text, step, rect in places
        }

    def _place(self, area: QRectF, wanted: tuple[tuple[str, int], ...]) -> _Places:
        """Where each term goes, biggest first, in rank order; the smallest drop out when
        there is no room left."""
        placed: list[QRectF] = []
        kept: dict[str, tuple[int, QRectF]] = {}
        homeless: list[tuple[str, int]] = []
        # First every term that can stay where it was, then the rest find room around them:
        # a newcomer never pushes an old term off its place.
        for text, step in wanted:  # biggest first
            old = self.terms.get(text)
            stays = old is not None and old.step == step and area.contains(old.rect)
            if old is not None and stays and not _hits(old.rect, placed):
                placed.append(old.rect)
                kept[text] = (step, old.rect)
                continue
            homeless.append((text, step))
        if homeless:
            room = _Room(area, placed)
            metrics: dict[int, QFontMetricsF] = {}  # one per size step
            for text, step in homeless:  # biggest first: they get the middle
                if step not in metrics:
                    metrics[step] = QFontMetricsF(self.style_.font(self._font_size(step), 700))
                spot = room.find(self._size(metrics[step], text))
                if spot is None:
                    continue  # no room left: the smallest terms drop out
                room.take(spot)
                kept[text] = (step, spot)
        places = []
        for text, _ in wanted:
            if text in kept:
                step, rect = kept[text]
                places.append((text, step, (rect.x(), rect.y(), rect.width(), rect.height())))
        return tuple(places)

    def _step(self, value: float, smallest: float, top: float) -> int:
        if top <= smallest:
            return STEPS - 1
        share = math.sqrt((value - smallest) / (top - smallest))  # area ∝ count reads fairly
        return min(STEPS - 1, int(share * STEPS))

    def _font_size(self, step: int) -> float:
        # From a readable minimum up to a size bounded by the tile's height.
        low = 22.0
        high = max(low + 10, min(96.0, self.content_rect().height() / self.style_.unit / 4))
        return low + (high - low) * step / (STEPS - 1)

    def _size(self, metrics: QFontMetricsF, text: str) -> tuple[float, float]:
        return metrics.horizontalAdvance(text) + self.style_.px(10), metrics.height() * 0.92

    def _colour(self, sentiment: float | None) -> QColor:
        if sentiment is None:
            return self.style_.text
        return self.style_.sentiment_colour(sentiment)

    def paint_content(self, painter: QPainter, rect: QRect) -> None:
        style = self.style_
        if not self.terms:
            painter.setPen(style.muted)
            painter.setFont(style.font(26))
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.style_.lang._("No terms yet"))
            return
        for term in self.terms.values():
            painter.setPen(term.colour)
            painter.setFont(style.font(self._font_size(term.step), 700))
            painter.drawText(term.rect, Qt.AlignmentFlag.AlignCenter, term.text)


class _Term:
    __slots__ = ("colour", "rect", "step", "text")

    def __init__(self, text: str, step: int, colour: QColor, rect: QRectF) -> None:
        self.text = text
        self.step = step
        self.colour = colour
        self.rect = rect


class _Room:
    """Where a term can still go: the tile as a grid of cells, each marked when a term covers it.

    A summed-area table of the marks answers "is any cell under this box taken?" with four
    look-ups, for all spiral points at once, whatever the number of terms placed. Testing every
    spiral point against every placed term instead took 4.3-4.4 ms for a fresh 40-term cloud
    on a quiet 2-core machine (a busy CI host's soak caught it in a 56 ms timer event); this
    takes 2.8-3.0 ms. A box marks every cell it touches and is refused any cell another touches, so
    no two terms overlap; they stand at most a cell further apart than they must.
    """

    CELLS = 384  # along the tile's longer side: 2.3 px a cell on a 1080p tile, 4.7 on a 4K one

    def __init__(self, area: QRectF, placed: list[QRectF]) -> None:
        self.area = area
        self.cell = max(1.0, max(area.width(), area.height()) / self.CELLS)
        self.rows = math.ceil(area.height() / self.cell)
        self.cols = math.ceil(area.width() / self.cell)
        # taken[r, c]: how many marks lie in cells above r and left of c (a summed-area table).
        self.taken = np.zeros((self.rows + 1, self.cols + 1), dtype=np.int32)
        # The spiral, an ellipse the tile's shape: clouds fill wide tiles sideways first.
        self.x = area.center().x() + area.width() / 2 * _SPIRAL[0]
        self.y = area.center().y() + area.height() / 2 * _SPIRAL[1]
        for rect in placed:
            self.take(rect)

    def find(self, size: tuple[float, float]) -> QRectF | None:
        """The first place on the spiral where a box of ``size`` fits in the tile, on free cells."""
        width, height = size
        area = self.area
        x = self.x - width / 2
        y = self.y - height / 2
        inside = (x >= area.left()) & (x + width <= area.right())
        inside &= (y >= area.top()) & (y + height <= area.bottom())
        at = np.flatnonzero(inside)  # in spiral order
        left = (x[at] - area.left()) / self.cell
        top = (y[at] - area.top()) / self.cell
        c0 = np.floor(left).astype(np.intp)
        r0 = np.floor(top).astype(np.intp)
        # A box flush with the tile's right or bottom edge can round one past the last cell.
        c1 = np.minimum(np.ceil(left + width / self.cell), self.cols).astype(np.intp)
        r1 = np.minimum(np.ceil(top + height / self.cell), self.rows).astype(np.intp)
        t = self.taken
        free = np.flatnonzero((t[r1, c1] - t[r0, c1] - t[r1, c0] + t[r0, c0]) == 0)
        if not free.size:
            return None
        first = at[free[0]]
        return QRectF(float(x[first]), float(y[first]), width, height)

    def take(self, rect: QRectF) -> None:
        """Mark the cells ``rect`` touches (the table updated in place, not summed again)."""
        area, cell = self.area, self.cell
        c0 = max(0, math.floor((rect.left() - area.left()) / cell))
        c1 = min(self.cols, math.ceil((rect.right() - area.left()) / cell))
        r0 = max(0, math.floor((rect.top() - area.top()) / cell))
        r1 = min(self.rows, math.ceil((rect.bottom() - area.top()) / cell))
        if r1 <= r0 or c1 <= c0:
            return
        # Marking rows r0..r1 × cols c0..c1 adds min(r - r0, r1 - r0)·min(c - c0, c1 - c0) to
        # every entry below and right of (r0, c0): an outer product.
        down = np.minimum(np.arange(1, self.rows - r0 + 1, dtype=np.int32), r1 - r0)
        across = np.minimum(np.arange(1, self.cols - c0 + 1, dtype=np.int32), c1 - c0)
        self.taken[r0 + 1 :, c0 + 1 :] += np.outer(down, across)


def _hits(candidate: QRectF, placed: list[QRectF]) -> bool:
    return any(candidate.intersects(other) for other in placed)
