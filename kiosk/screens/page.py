"""One page of a screen: a slim header and the layout's widgets placed on its grid."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QRect, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from kiosk.analytics.moderation import Moderator
from kiosk.config import Page
from kiosk.control.moderation_queue import ModerationQueue
from kiosk.hub import Hub
from kiosk.widgets.registry import create_widget
from kiosk.widgets.theme import Style

log = logging.getLogger(__name__)

HEADER_HEIGHT = 64  # px at 1080p


class PageHeader(QWidget):
    """Page title on the left, page position and the local time on the right.

    The time is there because a wall is looked at by people who have lost track of it, and it
    proves at a glance that the screen is alive (a frozen clock means a frozen wall).
    """

    def __init__(self, title: str, position: tuple[int, int], style: Style) -> None:
        super().__init__()
        self._title = title
        self._position = position
        self._style = style
        self.setFixedHeight(style.px(HEADER_HEIGHT))
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._tick_clock)
        self._shown_time = ""

    def _tick_clock(self) -> None:
        if (
            self._style.lang.clock_time(time.time()) != self._shown_time
        ):  # repaint once a minute, not every tick
            self.update()

    def showEvent(self, event: object) -> None:
        self._tick.start()

    def hideEvent(self, event: object) -> None:
        self._tick.stop()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        style = self._style
        rect = self.rect()
        painter.setPen(style.text)
        painter.setFont(style.font(34, 600))
        painter.drawText(
            rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self._title
        )
        painter.setFont(style.font(30, 500))
        clock = self._shown_time = style.lang.clock_time(time.time())
        painter.drawText(rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, clock)
        index, count = self._position
        if count > 1:
            self._draw_dots(painter, rect, index, count)
        painter.end()

    def _draw_dots(self, painter: QPainter, rect: QRect, index: int, count: int) -> None:
        style = self._style
        radius = style.px(6)
        spacing = style.px(22)
        clock_width = painter.fontMetrics().horizontalAdvance("00:00") + style.px(40)
        x = rect.right() - clock_width - spacing * count
        y = rect.center().y()
        painter.setPen(Qt.PenStyle.NoPen)
        for dot in range(count):
            painter.setBrush(style.text if dot == index else style.muted)
            painter.drawEllipse(x + dot * spacing, y - radius, 2 * radius, 2 * radius)


class GridCanvas(QWidget):
    """Places widgets on a columns × rows grid by arithmetic, so empty cells keep their size."""

    def __init__(self, columns: int, rows: int, gap: int) -> None:
        super().__init__()
        self._columns = columns
        self._rows = rows
        self._gap = gap
        self._cells: list[tuple[QWidget, tuple[int, int, int, int]]] = []

    def place(self, widget: QWidget, at: tuple[int, int, int, int]) -> None:
        widget.setParent(self)
        self._cells.append((widget, at))
        self._layout_cell(widget, at)

    def resizeEvent(self, event: QResizeEvent) -> None:
        for widget, at in self._cells:
            self._layout_cell(widget, at)

    def _layout_cell(self, widget: QWidget, at: tuple[int, int, int, int]) -> None:
        column, row, width, height = at
        gap = self._gap
        cell_w = (self.width() - gap * (self._columns - 1)) / self._columns
        cell_h = (self.height() - gap * (self._rows - 1)) / self._rows
        left = round(column * (cell_w + gap))
        top = round(row * (cell_h + gap))
        right = round((column + width) * (cell_w + gap) - gap)
        bottom = round((row + height) * (cell_h + gap) - gap)
        widget.setGeometry(left, top, max(0, right - left), max(0, bottom - top))


class PageView(QWidget):
    """A page as the layout describes it; widgets refresh only while the page is shown."""

    def __init__(
        self,
        page: Page,
        hub: Hub,
        style: Style,
        position: tuple[int, int],
        *,
        banner: str | None = None,
        public: bool = False,
        moderator: Moderator | None = None,
        approvals: ModerationQueue | None = None,
    ) -> None:
        super().__init__()
        self.page = page
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(style.px(page.grid.gap))
        self.banner: Banner | None = None
        if banner is not None:
            self.banner = Banner(banner, style)
            layout.addWidget(self.banner)
        self.header = PageHeader(page.title, position, style)
        layout.addWidget(self.header)
        self.canvas = GridCanvas(page.grid.columns, page.grid.rows, style.px(page.grid.gap))
        layout.addWidget(self.canvas, 1)
        self.widgets = []
        for options in page.widgets:
            widget = create_widget(
                options, hub, style, public=public, moderator=moderator, approvals=approvals
            )
            self.canvas.place(widget, options.at)
            self.widgets.append(widget)

    def continue_from(self, before: PageView) -> None:
        """Widgets that run on both pages (a ticker at the same place, same stream and speed)
        carry on from the page being left: one strip across the flip, not a restart.

        Only between pages with the same grid and no banner, where the same cell is the same
        place on the screen (a page not shown yet is not laid out, so its geometry can't tell).
        """
        if self.page.grid != before.page.grid or self.banner or before.banner:
            return
        for widget in self.widgets:
            for other in before.widgets:
                if widget.continue_from(other):
                    break

    def live_areas(self) -> list[QWidget]:
        """What keeps moving while this page fades in: its tickers' strips."""
        parts = (widget.live_part() for widget in self.widgets)
        return [part for part in parts if part is not None and part.isVisible()]

    def prepare(self) -> None:
        """Feed every widget the latest data before the page is shown, so it never shows a
        placeholder or an old picture for a frame (the flip shows a finished page)."""
        for feed in self.feeds():
            feed()

    def feeds(self) -> list[Callable[[], None]]:
        """:meth:`prepare` in steps, one per widget: a page drawn ahead takes one per turn of
        the event loop (kiosk.screens.ahead)."""
        return [widget.refresh for widget in self.widgets]

    def parts(self) -> list[QWidget]:
        """What the page is made of, as drawn one at a time (kiosk.screens.ahead)."""
        banner: list[QWidget] = [self.banner] if self.banner is not None else []
        return [*banner, self.header, *self.widgets]


class Banner(QWidget):
    """A takeover's banner: one loud line across the top of the page, readable across a room."""

    def __init__(self, text: str, style: Style) -> None:
        super().__init__()
        self._style = style
        self.text = text
        self.setFixedHeight(style.px(72))

    def set_text(self, text: str) -> None:
        if text != self.text:
            self.text = text
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        style = self._style
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(style.negative)
        radius = style.px(12)
        painter.drawRoundedRect(self.rect(), radius, radius)
        painter.setPen(QColor("#111111"))  # dark on vermilion, as the alert banner
        painter.setFont(style.font(34, 700))
        inner = self.rect().adjusted(style.px(24), 0, -style.px(24), 0)
        text = painter.fontMetrics().elidedText(
            "⚠  " + self.text, Qt.TextElideMode.ElideRight, inner.width()
        )
        painter.drawText(inner, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
        painter.end()
