"""``type: word_cloud``: terms sized by how often they are used, coloured by their sentiment.

A cloud that re-shuffles on every update is unreadable from across a room, so the layout is
stable: sizes come in a few steps (a term changes size only when it moves a whole step), and a
term keeps its place while it still fits there. Only new terms, and terms that grew into a
neighbour, look for a new place, on a spiral out from the middle.
"""

from __future__ import annotations

import math

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
        placed: list[QRectF] = []
        kept: dict[str, _Term] = {}
        homeless: list[tuple[str, int, QColor]] = []
        # First every term that can stay where it was, then the rest find room around them:
        # a newcomer never pushes an old term off its place.
        for text, value, sentiment in self._entries:  # biggest first
            step = self._step(value, smallest, top)
            colour = self._colour(sentiment)
            old = self.terms.get(text)
            stays = old is not None and old.step == step and area.contains(old.rect)
            if old is not None and stays and not _hits(old.rect, placed):
                placed.append(old.rect)
                kept[text] = _Term(text, step, colour, old.rect)
                continue
            homeless.append((text, step, colour))
        for text, step, colour in homeless:  # biggest first: they get the middle
            spot = self._find_spot(self._size(text, step), area, placed)
            if spot is None:
                continue  # no room left: the smallest terms drop out
            placed.append(spot)
            kept[text] = _Term(text, step, colour, spot)
        order = {text: rank for rank, (text, _, _) in enumerate(self._entries)}
        kept = dict(sorted(kept.items(), key=lambda item: order[item[0]]))
        self.terms = kept

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

    def _size(self, text: str, step: int) -> QRectF:
        metrics = QFontMetricsF(self.style_.font(self._font_size(step), 700))
        pad = self.style_.px(10)
        return QRectF(0, 0, metrics.horizontalAdvance(text) + pad, metrics.height() * 0.92)

    def _colour(self, sentiment: float | None) -> QColor:
        if sentiment is None:
            return self.style_.text
        return self.style_.sentiment_colour(sentiment)

    def _find_spot(self, box: QRectF, area: QRectF, placed: list[QRectF]) -> QRectF | None:
        """The first place on the spiral where ``box`` fits inside ``area`` and hits nothing.

        All spiral points are tried at once with numpy: trying them one by one as QRectF took
        up to 4 ms a term, and a first layout of a 40-term cloud froze the wall for 350 ms.
        """
        centre = area.center()
        # An ellipse the tile's shape: clouds fill wide tiles sideways first.
        x = centre.x() + area.width() / 2 * _SPIRAL[0] - box.width() / 2
        y = centre.y() + area.height() / 2 * _SPIRAL[1] - box.height() / 2
        right, bottom = x + box.width(), y + box.height()
        fits = (x >= area.left()) & (right <= area.right())
        fits &= (y >= area.top()) & (bottom <= area.bottom())
        if placed:
            others = np.array(
                [(r.left(), r.top(), r.right(), r.bottom()) for r in placed], dtype=np.float64
            )
            hits = (
                (x[:, None] < others[:, 2])
                & (others[:, 0] < right[:, None])
                & (y[:, None] < others[:, 3])
                & (others[:, 1] < bottom[:, None])
            )
            fits &= ~hits.any(axis=1)
        first = int(np.argmax(fits))
        if not fits[first]:
            return None
        return QRectF(float(x[first]), float(y[first]), box.width(), box.height())

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


def _hits(candidate: QRectF, placed: list[QRectF]) -> bool:
    return any(candidate.intersects(other) for other in placed)
