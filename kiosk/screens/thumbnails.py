"""Small JPEGs of what each screen of this box shows, for the fleet view of the control page.

A wall box of a fleet publishes them retained on the broker every :data:`EVERY_MS` (the
control page of any box shows the whole site's); few kB each, so a site of a hundred screens
costs the broker a few kB/s.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt, QTimer

from kiosk.screens.wall import Wall

log = logging.getLogger(__name__)

EVERY_MS = 30_000
FIRST_MS = 3_000  # the first once the screens have drawn
WIDTH = 320  # px: a card on a phone or a laptop's fleet table
QUALITY = 60  # JPEG: a 320 px picture of a dashboard in 5-15 kB


def jpegs(wall: Wall, width: int = WIDTH, quality: int = QUALITY) -> dict[str, bytes]:
    """Every window of the wall that is on, as a JPEG ``width`` px wide, by window name."""
    shots = {}
    for name, window in wall.screen_windows.items():
        if not window.isVisible():
            continue
        image = window.grab().toImage()
        if width < image.width():
            image = image.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "JPEG", quality)  # type: ignore[call-overload]
        buffer.close()
        shots[name] = bytes(data.data())
    return shots


def publish_every(wall: Wall, publish: Callable[[str, bytes], None]) -> QTimer:
    """Publish every screen's thumbnail now and then, every :data:`EVERY_MS`."""
    timer = QTimer()

    def send() -> None:
        timer.setInterval(EVERY_MS)
        for name, jpeg in jpegs(wall).items():
            publish(name, jpeg)

    timer.timeout.connect(send)
    timer.start(FIRST_MS)
    return timer
