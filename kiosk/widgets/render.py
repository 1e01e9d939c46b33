"""How a screen draws its moving parts: through OpenGL (``render: gpu``) or by the CPU.

On ``gpu`` the ticker's strip, the charts' pyqtgraph viewport and the page fade are
:class:`QOpenGLWidget` surfaces painted with the same QPainter code as in software: Qt's OpenGL
paint engine turns it into GL calls, keeps each pixmap as a texture (a ticker item is uploaded
once, then every frame is a few textured quads) and the window is composed by GL. QRhiWidget was
not chosen: it takes no QPainter, so every widget would need a second renderer of its own
(shaders, vertex buffers, text), and pyqtgraph cannot draw into it.

``auto`` asks OpenGL once at start which renderer it has (in a child process, on an offscreen
surface, see kiosk.widgets.gl_probe). A software
rasteriser (Mesa's llvmpipe, softpipe, swrast) draws GL with the CPU and is slower than Qt's own
raster engine, so ``auto`` takes software there, and on a machine with no GL at all. ``gpu``
forces GL even on llvmpipe (how the tests run the GL path); with no GL at all it falls back to
software too, since a GL surface without a context draws nothing. Each decision is one log line.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QRectF, Qt
from PySide6.QtGui import QGuiApplication, QPainter, QPainterPath, QPixmap
from PySide6.QtOpenGLWidgets import QOpenGLWidget
from PySide6.QtWidgets import QGraphicsView, QWidget

import kiosk
from kiosk.config.layout import Render

log = logging.getLogger(__name__)

PROBE_SECONDS = 20.0  # a child that starts Python and Qt and asks: ~0.3 s; a hung driver: never
# Platforms whose windows can compose QOpenGLWidgets (Qt's RhiBasedRendering capability, which
# Python cannot ask for). The offscreen platform creates GL contexts when $DISPLAY is set, but
# its windows cannot show a QOpenGLWidget: "not supported on this platform", and pyqtgraph's
# viewport then raised on every paint.
GL_WIDGET_PLATFORMS = ("xcb", "wayland", "wayland-egl", "eglfs", "windows", "cocoa")
SOFTWARE_RASTERISERS = ("llvmpipe", "softpipe", "swrast", "software rasterizer", "lavapipe")


@dataclass(frozen=True)
class GlProbe:
    """What OpenGL answered at start: empty strings and ``problem`` set when it did not."""

    renderer: str = ""
    vendor: str = ""
    version: str = ""
    problem: str = ""

    @property
    def usable(self) -> bool:
        return not self.problem

    @property
    def software(self) -> bool:
        """True for a rasteriser that runs GL on the CPU."""
        name = self.renderer.lower()
        return any(marker in name for marker in SOFTWARE_RASTERISERS)

    def describe(self) -> str:
        if not self.usable:
            return self.problem
        return f"OpenGL {self.version} by {self.vendor}, renderer {self.renderer}"


@functools.cache
def probe_gl() -> GlProbe:
    """Ask OpenGL once per process which renderer the display has, in a child process on the
    same Qt platform and display (see kiosk.widgets.gl_probe). A QGuiApplication must exist."""
    if QGuiApplication.instance() is None:
        raise RuntimeError("probe_gl needs a QGuiApplication")
    platform = QGuiApplication.platformName()
    if platform not in GL_WIDGET_PLATFORMS:
        return GlProbe(problem=f"Qt's {platform} platform shows no OpenGL widgets")
    package_root = str(Path(kiosk.__file__).resolve().parents[1])
    path = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
    try:
        done = subprocess.run(
            [sys.executable, "-m", "kiosk.widgets.gl_probe"],
            env={**os.environ, "QT_QPA_PLATFORM": platform, "PYTHONPATH": path},
            capture_output=True,
            text=True,
            timeout=PROBE_SECONDS,
        )
    except subprocess.TimeoutExpired:
        return GlProbe(problem=f"OpenGL did not answer within {PROBE_SECONDS:.0f} s")
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        return GlProbe(problem=f"asking OpenGL failed (exit {done.returncode}: {last})")
    try:
        answer = json.loads(done.stdout.strip().splitlines()[-1])
        return GlProbe(**{key: str(value) for key, value in answer.items()})
    except (ValueError, IndexError, TypeError):
        return GlProbe(problem=f"OpenGL's answer was not understood: {done.stdout[-200:]!r}")


@dataclass(frozen=True)
class RenderChoice:
    gpu: bool
    why: str

    @property
    def name(self) -> str:
        return "gpu" if self.gpu else "software"


def choose(render: Render, probe: GlProbe) -> RenderChoice:
    """The path ``render`` takes given what OpenGL answered, and why, in words for the log."""
    found = probe.describe()
    if render == "software":
        return RenderChoice(False, "render: software in the layout")
    if not probe.usable:
        return RenderChoice(False, f"render: {render}, but {found}: drawing in software")
    if render == "gpu":
        return RenderChoice(True, f"render: gpu in the layout; {found}")
    if probe.software:
        return RenderChoice(
            False,
            f"render: auto, and {found} is a software rasteriser, slower than Qt's raster: "
            "drawing in software",
        )
    return RenderChoice(True, f"render: auto; {found}")


_logged: set[RenderChoice] = set()


def render_choice(render: Render) -> RenderChoice:
    """:func:`choose` with the process's probe (not run at all for ``software``), logged once
    per distinct decision: a wall of four screens on the same setting says it once."""
    probe = GlProbe(problem="not probed") if render == "software" else probe_gl()
    decided = choose(render, probe)
    if decided not in _logged:
        _logged.add(decided)
        level = logging.WARNING if render == "gpu" and not decided.gpu else logging.INFO
        log.log(level, "drawing with %s: %s", decided.name, decided.why)
    return decided


class GlSurface(QOpenGLWidget):
    """A child that covers its parent and draws it through OpenGL with the parent's own
    QPainter code (``paint(painter, rect)``): one drawing function, two paths.

    ``surface.update()`` repaints it whole (no partial update: on a GPU a full strip is a few
    textured quads, cheaper than keeping the old frame around).

    A ``translucent`` surface starts each frame transparent and is blended over what is under
    it, for an overlay with holes: Qt composes a QOpenGLWidget's texture without its (or its
    parent's) mask, so a mask cannot cut holes in it.
    """

    def __init__(
        self,
        parent: QWidget,
        paint: Callable[[QPainter, QRect], None],
        *,
        translucent: bool = False,
    ) -> None:
        super().__init__(parent)
        self._paint = paint
        self.translucent = translucent
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        if translucent:
            self.setAttribute(Qt.WidgetAttribute.WA_AlwaysStackOnTop)
        self.setGeometry(parent.rect())
        parent.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        parent = self.parentWidget()
        if event.type() == QEvent.Type.Resize and parent is not None and watched is parent:
            self.setGeometry(parent.rect())
        return False

    def paintGL(self) -> None:
        painter = QPainter(self)
        try:
            if self.translucent:
                painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
                painter.fillRect(self.rect(), Qt.GlobalColor.transparent)
                painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
            self._paint(painter, self.rect())
        finally:
            painter.end()


MULTISAMPLES = 4


def smooth_lines(surface: QWidget) -> None:
    """Antialias lines on a GL surface as software does, with 4× multisampling: without it Qt's
    GL paint engine draws a chart's lines with jagged edges (a quarter of a line's pixels
    differed from software's by more than 48/255)."""
    if isinstance(surface, QOpenGLWidget):
        surface_format = surface.format()
        surface_format.setSamples(MULTISAMPLES)
        surface.setFormat(surface_format)


LINE_PIECE = 16  # points per piece of a wide antialiased line (see line_pieces)


def line_pieces(xs: np.ndarray, ys: np.ndarray) -> list[QPainterPath]:
    """A line as paths of :data:`LINE_PIECE` points, each overlapping the next by one point.

    Qt's raster engine strokes one long wide antialiased path as one self-intersecting polygon:
    a 4-8 px line through a busy day of minutes took 0.1-1.2 s as one path and 10-40 ms in
    pieces; a 240-point sparkline 2.7 -> 1.0 ms. The joins are drawn by both pieces, so the
    picture is the same; and a worker thread drawing the pieces lets the UI thread run between
    them. Every chart line and sparkline is stroked this way.
    """
    xs, ys = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
    return [
        pg.arrayToQPath(xs[i : i + LINE_PIECE + 1], ys[i : i + LINE_PIECE + 1])
        for i in range(0, max(1, len(xs) - 1), LINE_PIECE)
    ]


def grab(widget: QWidget) -> QPixmap:
    """``widget.grab()`` with the charts of GL viewports drawn in.

    QWidget.grab reads a QOpenGLWidget through its paintGL, but a QGraphicsView (pyqtgraph)
    paints its GL viewport from its own paintEvent, so the grab showed an empty plot: a fade on
    a gpu screen dissolved the charts to black. Such views are drawn in from their scenes.
    """
    picture = widget.grab()
    views = [
        view
        for view in widget.findChildren(QGraphicsView)
        if isinstance(view.viewport(), QOpenGLWidget) and view.isVisibleTo(widget)
    ]
    if not views:
        return picture
    painter = QPainter(picture)
    for view in views:
        viewport = view.viewport()
        where = QRectF(QRect(viewport.mapTo(widget, QPoint(0, 0)), viewport.size()))
        painter.fillRect(where, view.backgroundBrush())
        scene = view.scene()
        if scene is not None:
            scene.render(painter, where, view.mapToScene(viewport.rect()).boundingRect())
    painter.end()
    return picture
