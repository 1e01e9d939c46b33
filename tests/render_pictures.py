"""Draw a layout's first two screens on a real X server and save what the X server shows:
``python tests/render_pictures.py LAYOUT OUT WIDTHxHEIGHT``.

Run by tests/test_render.py in its own process on Xvfb (the test session itself is offscreen,
and a process has one Qt platform), with the same screen twice, one drawing through OpenGL and
one in software. Both windows stand side by side on one X screen, fed by the same hub, with the
tickers' clocks stopped at the same instant, so the two pictures show the same thing at the same
moment. Pictures are read back from the X server (``grabWindow``): what was composed on screen,
not what a widget would draw into a QPixmap.

Writes ``1.png``, ``2.png`` (the first page), ``1-fade.png``, ``2-fade.png`` (half-way through
a fade to the second page from a plain red frame, held there) and ``facts.json``: how each
window draws, the GL surfaces in each (kind, parent, whether their context is valid, where) and
OpenGL's renderer.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QGuiApplication, QPixmap
from PySide6.QtOpenGLWidgets import QOpenGLWidget

from kiosk.analytics.moderation import Moderator
from kiosk.app import Runtime, run_in_qt
from kiosk.config import load_layout
from kiosk.screens.window import ScreenWindow
from kiosk.widgets.render import probe_gl

SETTLE = 0.6  # seconds for both windows to paint and the X server to show it
HALF_WAY = 0.5
FADED_FROM = "#ff0000"


async def draw(layout_path: Path, out: Path, size: tuple[int, int]) -> None:
    layout = load_layout(layout_path)
    runtime = Runtime(layout)
    runtime.start()
    windows = []
    stopped = time.monotonic()
    for index, config in enumerate(layout.screens[:2]):
        window = ScreenWindow(
            config,
            runtime.hub,
            layout.theme,
            size,
            Moderator(layout.moderation),
            render=layout.render,
        )
        window.pin(0)  # the test decides when the page flips
        for page in window.pages:
            for widget in page.widgets:
                if hasattr(widget, "clock"):
                    widget.clock = lambda: stopped  # both tickers stand at the same place
        window.setGeometry(index * size[0], 0, *size)
        window.show()
        windows.append(window)
    await asyncio.sleep(3.0)  # sources fill the hub
    await runtime.stop()  # from here on both windows show the same last values
    for window in windows:
        window.pages[0].prepare()
    await asyncio.sleep(SETTLE)
    grab(windows, out, "")
    for window in windows:
        window.pin(1)  # the flip, with its fade
        fade = window._fade
        fade._length = 1e6  # hold the fade half-way
        fade._started = time.monotonic() - HALF_WAY * 1e6
        # From a plain colour, so the mix shows wherever the fade draws, and the live ticker
        # strip, which the fade must leave out, would show it too if it did not.
        fade._old = QPixmap(window.size())
        fade._old.fill(QColor(FADED_FROM))
    await asyncio.sleep(SETTLE)
    grab(windows, out, "-fade")
    facts = {
        "renderer": probe_gl().renderer,
        "drawing": [window.drawing.name for window in windows],
        "gl_surfaces": [
            [
                {
                    "kind": type(surface).__name__,
                    "parent": type(surface.parentWidget()).__name__,
                    "valid": surface.isValid(),
                    "rect": _rect(surface, window),
                }
                for surface in window.findChildren(QOpenGLWidget)
                if surface.isVisibleTo(window)
            ]
            for window in windows
        ],
    }
    (out / "facts.json").write_text(json.dumps(facts, indent=1))
    for window in windows:
        window.close()
        window.deleteLater()


def _rect(surface: QOpenGLWidget, window: ScreenWindow) -> list[int]:
    corner = surface.mapTo(window, QPoint(0, 0))
    return [corner.x(), corner.y(), surface.width(), surface.height()]


def grab(windows: list[ScreenWindow], out: Path, suffix: str) -> None:
    screen = QGuiApplication.primaryScreen()
    for number, window in enumerate(windows, 1):
        geometry = window.geometry()
        picture = screen.grabWindow(
            0, geometry.x(), geometry.y(), geometry.width(), geometry.height()
        )
        path = out / f"{number}{suffix}.png"
        if not picture.save(str(path)):
            raise OSError(f"could not write {path}")


def main() -> None:
    layout, out, size = sys.argv[1:4]
    width, height = (int(side) for side in size.split("x"))
    Path(out).mkdir(parents=True, exist_ok=True)
    run_in_qt(lambda: draw(Path(layout), Path(out), (width, height)))


if __name__ == "__main__":
    main()
