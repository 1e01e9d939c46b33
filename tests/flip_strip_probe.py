"""Run a wall on a real X server and say, after each page flip, how many colours its ticker's
strip shows: ``python tests/flip_strip_probe.py LAYOUT SECONDS``.

Run by tests/test_render.py on Xvfb (xcb): the strip went blank after every return to a page
there, not on the offscreen platform the test session uses. Prints one line per flip, 1.5 s
after it (the fade and the lifting of its parts are over by then): ``flip N: K colours``.
"""

from __future__ import annotations

import sys

from kiosk.qt_imports import load_qt

load_qt()

from PySide6.QtCore import QPoint, QRect, QTimer  # noqa: E402

from kiosk.cli import main  # noqa: E402
from kiosk.screens.window import ScreenWindow  # noqa: E402
from kiosk.widgets.ticker import TickerWidget  # noqa: E402

SETTLED_MS = 1500


def watch_flips() -> None:
    show = ScreenWindow._show
    flips = [0]

    def counted(window: ScreenWindow, page: object) -> None:
        show(window, page)  # type: ignore[arg-type]
        flips[0] += 1
        number = flips[0]

        def look() -> None:
            tickers = [w for w in window.stack.currentWidget().findChildren(TickerWidget)]
            strip = tickers[0].strip
            where = QRect(strip.mapTo(window, QPoint(0, 0)), strip.size())
            image = window.backingStore().paintDevice()
            row = where.center().y()
            colours = {image.pixel(x, row) for x in range(where.left(), where.right(), 5)}  # type: ignore[union-attr]
            print(f"flip {number}: {len(colours)} colours", flush=True)

        QTimer.singleShot(SETTLED_MS, look)

    ScreenWindow._show = counted  # type: ignore[method-assign]


if __name__ == "__main__":
    watch_flips()
    sys.exit(main(["run", "--seconds", sys.argv[2], sys.argv[1]]))
