"""One frameless full-screen window per monitor: a layout screen's pages, or an identify page."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QGuiApplication, QPalette, QScreen
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from kiosk.config import Screen, Theme
from kiosk.hub import Hub
from kiosk.screens.identify import IdentifyView
from kiosk.screens.matching import Monitor
from kiosk.screens.page import PageView
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


class ScreenWindow(WallWindow):
    """A layout screen: its pages in rotation, each page shown for its ``duration``."""

    def __init__(self, screen: Screen, hub: Hub, theme: Theme, size: tuple[int, int]) -> None:
        self.wall_style = Style.for_screen(theme, *size)
        super().__init__(self.wall_style.background)
        self.screen_config = screen
        self.setWindowTitle(f"kiosk — {screen.name}")
        margin_x = round(size[0] * theme.safe_area) + self.wall_style.px(24)
        margin_y = round(size[1] * theme.safe_area) + self.wall_style.px(16)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(margin_x, margin_y, margin_x, margin_y)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack)
        count = len(screen.pages)
        self.pages = [
            PageView(page, hub, self.wall_style, (i, count)) for i, page in enumerate(screen.pages)
        ]
        for page in self.pages:
            self.stack.addWidget(page)
        self.notice = QLabel(self)
        self.notice.setWordWrap(False)
        self.notice.setFont(self.wall_style.font(20, 500))
        self.notice.setStyleSheet(
            f"background: {self.wall_style.panel.name()}; color: {self.wall_style.negative.name()};"
            f" padding: {self.wall_style.px(8)}px {self.wall_style.px(14)}px;"
            f" border-radius: {self.wall_style.px(8)}px;"
        )
        self.notice.hide()
        self._rotation = QTimer(self)
        self._rotation.setSingleShot(True)
        self._rotation.timeout.connect(self.next_page)
        self._arm_rotation()

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

    @property
    def current_index(self) -> int:
        return self.stack.currentIndex()

    def next_page(self) -> None:
        self.stack.setCurrentIndex((self.stack.currentIndex() + 1) % len(self.pages))
        self._arm_rotation()

    def _arm_rotation(self) -> None:
        if len(self.pages) > 1:
            duration = self.screen_config.pages[self.stack.currentIndex()].duration
            self._rotation.start(round(duration * 1000))


class IdentifyWindow(WallWindow):
    """Shown on a monitor no layout screen claims: says what it is and how to target it."""

    def __init__(self, monitor: Monitor, theme: Theme) -> None:
        style = Style.for_screen(theme, monitor.width, monitor.height)
        super().__init__(style.background)
        self.setWindowTitle(f"kiosk — unassigned {monitor.connector or monitor.index}")
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
