"""Reading monitors from Qt into plain :class:`~kiosk.screens.matching.Monitor` values."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication, QScreen

from kiosk.screens.matching import Monitor


def monitor_from_screen(screen: QScreen, index: int) -> Monitor:
    geometry = screen.geometry()
    return Monitor(
        index=index,
        connector=screen.name(),
        manufacturer=screen.manufacturer(),
        model=screen.model(),
        serial=screen.serialNumber(),
        x=geometry.x(),
        y=geometry.y(),
        width=geometry.width(),
        height=geometry.height(),
        device_pixel_ratio=screen.devicePixelRatio(),
        refresh_rate=screen.refreshRate(),
    )


def current_screens() -> list[tuple[Monitor, QScreen]]:
    """Every connected screen with its :class:`Monitor`, indexed left to right, top to bottom.

    Qt's own screen order is not stable across platforms or hot-plugs; position is what a person
    standing in front of the wall sees, so ``index`` follows it.
    """
    screens = sorted(QGuiApplication.screens(), key=lambda s: (s.geometry().x(), s.geometry().y()))
    return [(monitor_from_screen(screen, index), screen) for index, screen in enumerate(screens)]
