"""``type: leaderboard``: a ranked list with bars and rank changes (top hashtags, authors …)."""

from __future__ import annotations

import math

from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen

from kiosk.config.widgets import LeaderboardOptions
from kiosk.hub import Sample
from kiosk.values import RankEntry, Ranking
from kiosk.widgets.base import KioskWidget

ROW_MAX = 64  # px at 1080p: rows never grow taller than this, whatever the tile
ROW_MIN = 56  # px at 1080p (26 px labels): a smaller tile shows fewer rows, not smaller ones
LABEL = 0.46  # a row's label and value, per px of its height
CHANGE = 0.36  # its rank change


class LeaderboardWidget(KioskWidget):
    refresh_hz = 1.0
    options: LeaderboardOptions

    def take(self, sample: Sample) -> bool:
        if not isinstance(sample.value, Ranking):
            raise TypeError(f"expected a Ranking, got {type(sample.value).__name__}")
        # Counts move every second at a busy rate, but the board only changes when a shown
        # number, a bar (to a tenth of a percent) or a rank does: repaint then, not every second.
        rows = self._rows(sample.value)
        top_value = self._top(rows)
        bars = tuple(
            (
                entry.label,
                entry.detail,
                self.style_.lang.compact(entry.value),
                round(entry.value / top_value * 1000) if math.isfinite(entry.value) else 0,
                self.change(rank, entry)[0],
            )
            for rank, entry in enumerate(rows)
        )
        picture = (self.target_value(), bars)  # a new goal recolours the rows
        return self.shows_new(picture)

    def rows(self) -> list[RankEntry]:
        return self._rows(self.sample.value) if self.sample is not None else []

    def _rows(self, ranking: Ranking) -> list[RankEntry]:
        shown = [  # hashtags are terms; names (authors, places) are checked for words only
            e
            for e in ranking.entries
            if (
                self.allow_term(e.label, e.sentiment)
                if e.label.startswith("#")
                else self.allow_text(e.label)
            )
        ]
        return shown[: self.options.limit]

    def min_content_height(self) -> int:
        """A row: no smaller than ROW_MIN, nor than its label at the floor needs."""
        return max(self.style_.px(ROW_MIN), math.ceil(self.style_.floor_px / LABEL))

    def change(self, rank: int, entry: RankEntry) -> tuple[str, QColor]:
        """``▲ 2`` / ``▼ 1`` / ``NEW`` / ``–``, coloured; the rank is 0-based."""
        style = self.style_
        if entry.previous_rank is None:
            return "NEW", style.accent
        moved = entry.previous_rank - rank
        if moved > 0:
            return f"▲ {moved}", style.positive
        if moved < 0:
            return f"▼ {-moved}", style.negative
        return "–", style.muted

    def _top(self, rows: list[RankEntry]) -> float:
        """The value a full bar stands for: the largest, or the target when it is above."""
        target = self.target_value() if self._amounts() else None
        top = _top(rows)
        return max(top, target) if target is not None and target > 0 else top

    def status_colour(self, entry: RankEntry) -> QColor | None:
        """Positive or negative by whether the row meets the target; None without one."""
        meets = self.meets_target(entry.value) if self._amounts() else None
        if meets is None:
            return None
        return self.style_.positive if meets else self.style_.negative

    def _amounts(self) -> bool:
        ranking = self.sample.value if self.sample is not None else None
        return not isinstance(ranking, Ranking) or ranking.amounts

    def paint_content(self, painter: QPainter, rect: QRect) -> None:
        style = self.style_
        rows = self.rows()
        if not rows:
            painter.setPen(style.muted)
            painter.setFont(style.font(26))
            painter.drawText(
                rect, Qt.AlignmentFlag.AlignCenter, self.style_.lang._("Nothing ranked yet")
            )
            return
        # The top few, legible, rather than all of them small: rows stop at the floor.
        rows = rows[: max(1, rect.height() // self.min_content_height())]
        height = min(style.px(ROW_MAX), rect.height() // len(rows))
        top_value = self._top(rows)
        size = height / style.unit
        rank_w = max(style.px(size * 0.8), _widest([str(len(rows))], style.font(size * LABEL, 700)))
        value_w = change_w = 0
        if self._amounts():  # a schedule's order is the point, its values are times: none
            values = [style.lang.compact(entry.value) for entry in rows]
            widest = _widest(values, style.font(size * LABEL, 600)) + style.px(16)
            value_w = max(style.px(size * 1.8), widest)  # wider when the floor made type larger
        if self._amounts() and self.options.show_change:
            changes = [self.change(rank, entry)[0] for rank, entry in enumerate(rows)]
            widest = _widest(changes, style.font(size * CHANGE, 700)) + style.px(12)
            change_w = max(style.px(size * 1.3), widest)
            labels = _widest([e.label for e in rows], style.font(size * LABEL, 600))
            if rank_w + labels + style.px(28) + value_w + change_w > rect.width():
                change_w = 0  # a narrow tile: the names whole rather than the moves
        for index, entry in enumerate(rows):
            row = QRect(rect.left(), rect.top() + index * height, rect.width(), height)
            self._paint_row(painter, row, index, entry, top_value, (rank_w, value_w, change_w))

    def _paint_row(
        self,
        painter: QPainter,
        row: QRect,
        rank: int,
        entry: RankEntry,
        top_value: float,
        widths: tuple[int, int, int],
    ) -> None:
        style = self.style_
        rank_w, value_w, change_w = widths
        size = row.height() / style.unit
        middle = Qt.AlignmentFlag.AlignVCenter
        painter.setFont(style.font(size * LABEL, 700))
        painter.setPen(style.muted)
        painter.drawText(QRect(row.left(), row.top(), rank_w, row.height()), middle, str(rank + 1))
        label_left = row.left() + rank_w
        label_w = row.width() - rank_w - value_w - change_w
        share = entry.value / top_value if math.isfinite(entry.value) and value_w else 0.0
        bar = QRectF(
            label_left,
            row.top() + row.height() * 0.12,
            label_w * max(0.0, min(1.0, share)),
            row.height() * 0.76,
        )
        status = self.status_colour(entry)
        fill = QColor(status or style.accent)
        fill.setAlpha(60)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(bar, style.px(6), style.px(6))
        target = self.target_value() if value_w else None
        if target is not None and math.isfinite(target) and target >= 0:
            at = label_left + label_w * min(1.0, target / top_value)  # the goal across the bars
            painter.setPen(QPen(style.muted, style.px(3), Qt.PenStyle.DashLine))
            painter.drawLine(round(at), row.top(), round(at), row.bottom())
        painter.setPen(style.text)
        painter.setFont(style.font(size * LABEL, 600))
        label_rect = QRect(
            label_left + style.px(12), row.top(), label_w - style.px(16), row.height()
        )
        label = painter.fontMetrics().elidedText(  # "#AcmeSum…2026": which year, still
            entry.label, Qt.TextElideMode.ElideMiddle, label_rect.width()
        )
        painter.drawText(label_rect, middle | Qt.AlignmentFlag.AlignLeft, label)
        room = label_rect.width() - painter.fontMetrics().horizontalAdvance(label) - style.px(16)
        legible = style.legible(size * 0.34)
        if entry.detail and legible and room > style.px(120):  # who an author is, if room
            painter.setPen(style.muted)
            painter.setFont(style.font(size * 0.34, 400))
            detail = painter.fontMetrics().elidedText(
                entry.detail, Qt.TextElideMode.ElideRight, room
            )
            detail_rect = label_rect.adjusted(label_rect.width() - room, 0, 0, 0)
            painter.drawText(detail_rect, middle | Qt.AlignmentFlag.AlignLeft, detail)
            painter.setPen(style.text)
            painter.setFont(style.font(size * LABEL, 600))
        if value_w:
            painter.setPen(status or style.text)
            painter.drawText(
                QRect(label_left + label_w, row.top(), value_w, row.height()),
                middle | Qt.AlignmentFlag.AlignRight,
                self.style_.lang.compact(entry.value),
            )
        if change_w:
            text, colour = self.change(rank, entry)
            painter.setPen(colour)
            painter.setFont(style.font(size * CHANGE, 700))
            painter.drawText(
                QRect(row.right() - change_w, row.top(), change_w, row.height()),
                middle | Qt.AlignmentFlag.AlignRight,
                text,
            )


def _widest(texts: list[str], font: QFont) -> int:
    metrics = QFontMetrics(font)
    return max((metrics.horizontalAdvance(text) for text in texts), default=0)


def _top(rows: list[RankEntry]) -> float:
    """The value a full bar stands for: the largest finite one (1 when there is none)."""
    return max((e.value for e in rows if math.isfinite(e.value)), default=0.0) or 1.0
