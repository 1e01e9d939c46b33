"""Reading monitors from Qt into plain :class:`~kiosk.screens.matching.Monitor` values."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from PySide6.QtGui import QGuiApplication, QScreen

from kiosk.hardware.drm import DrmConnector, read_connectors
from kiosk.screens.matching import Monitor, connector_names

# Platforms whose screens are made up (tests, `kiosk shot`): their names are not the kernel's.
_VIRTUAL_PLATFORMS = ("offscreen", "minimal", "vnc")


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


def with_edid(monitor: Monitor, connectors: Sequence[DrmConnector]) -> Monitor:
    """``monitor`` with the maker, model and serial Qt left empty read from the kernel's EDID.

    Qt under Wayland reports no serial (the protocol has none), so without this a ``serial:``
    rule that ``kiosk screens`` suggested would never match there. What Qt does report is kept.
    """
    names = connector_names(monitor.connector)
    drm = next((c for c in connectors if c.name in names and c.connected and c.edid), None)
    if drm is None:
        return monitor
    return dataclasses.replace(
        monitor,
        manufacturer=monitor.manufacturer or drm.manufacturer,
        model=monitor.model or drm.model,
        serial=monitor.serial or drm.serial,
    )


def current_screens() -> list[tuple[Monitor, QScreen]]:
    """Every connected screen with its :class:`Monitor`, indexed left to right, top to bottom.

    Qt's own screen order is not stable across platforms or hot-plugs; position is what a person
    standing in front of the wall sees, so ``index`` follows it.
    """
    screens = sorted(QGuiApplication.screens(), key=lambda s: (s.geometry().x(), s.geometry().y()))
    virtual = QGuiApplication.platformName() in _VIRTUAL_PLATFORMS
    connectors = [] if virtual else read_connectors()
    return [
        (with_edid(monitor_from_screen(screen, index), connectors), screen)
        for index, screen in enumerate(screens)
    ]
