"""A chart's lines, areas and gridlines drawn by a worker thread, shown as one picture.

Stroking a day of minutes as three 8 px antialiased lines over a 4K chart costs the CPU 30-50
ms (areas another 15): in the UI thread that held every ticker on the wall each time a chart
moved or a page with one was shown (issue #14's stalls were all "Paint … TimeseriesWidget").
In software rendering the plot's data area is therefore one :class:`PlotImage` item: the UI
thread hands a :class:`PlotPicture` (numbers and colours only) to a single worker thread, which
draws it with QPainter onto a QImage (Qt supports painting on a QImage in any thread), and the
item shows the newest finished picture, a blit. Until the new one is finished the previous one
stays on screen (a chart's data moves once a minute); an item that has never had a picture
draws its first synchronously, so a page is never shown without its lines.

Lines are stroked in short pieces (kiosk.widgets.render.line_pieces). PySide keeps the GIL
during a QPainter call: a worker stroking through PySide held it for most of a picture (130 ms
at 4K), and the UI thread's Python (a ticker frame, a widget's paint) ran at half speed or
waited meanwhile (a 4K time axis painted in 130 ms instead of 5). So the worker strokes and
fills through :func:`_native_draw_path`, QPainter::drawPath called by ctypes, which lets the GIL
go for the call: the stroking runs on the second core while the UI thread runs Python. Where
the symbol is missing (another Qt build), the worker draws through PySide, as before.

The same chart on several screens at the same size is the same picture: drawn once, shared.

Axes, markers, the target and the previous period's line stay pyqtgraph items above the picture.
The ``gpu`` path keeps pyqtgraph's own items (a GPU strokes lines faster than a blit uploads).
"""

from __future__ import annotations

import ctypes
import logging
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, TypeVar, cast

import numpy as np
import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsObject, QStyleOptionGraphicsItem, QWidget

from kiosk.cores import spread
from kiosk.widgets.render import line_pieces

log = logging.getLogger(__name__)

T = TypeVar("T")
Owner = TypeVar("Owner")


@dataclass(frozen=True, eq=False)
class Trace:
    """One series: its points in data units, drawn as a line and, with ``fill_alpha``, an area
    down to zero in the same colour. Lower ``z`` is drawn first."""

    x: np.ndarray
    y: np.ndarray
    rgba: int  # QColor.rgba(): a plain int crosses threads safely
    width: float
    fill_alpha: int
    z: float

    def same(self, other: Trace) -> bool:
        return (
            (self.rgba, self.width, self.fill_alpha, self.z)
            == (other.rgba, other.width, other.fill_alpha, other.z)
            and np.array_equal(self.x, other.x)
            and np.array_equal(self.y, other.y)
        )


@dataclass(frozen=True, eq=False)
class PlotPicture:
    """Everything the worker needs to draw a plot area: no Qt object that lives in the UI."""

    width: int  # device pixels
    height: int
    dpr: float
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    grid: tuple[float, ...]  # values of the horizontal gridlines
    grid_rgba: int
    traces: tuple[Trace, ...]

    def same(self, other: PlotPicture | None) -> bool:
        if other is None:
            return False
        head = (self.width, self.height, self.dpr, self.x_range, self.y_range, self.grid)
        if head != (other.width, other.height, other.dpr, other.x_range, other.y_range, other.grid):
            return False
        if self.grid_rgba != other.grid_rgba or len(self.traces) != len(other.traces):
            return False
        return all(a.same(b) for a, b in zip(self.traces, other.traces, strict=True))


def draw(picture: PlotPicture) -> QImage:
    """The picture as a transparent QImage (any thread)."""
    image = QImage(
        max(1, picture.width), max(1, picture.height), QImage.Format.Format_ARGB32_Premultiplied
    )
    image.fill(Qt.GlobalColor.transparent)
    w, h = float(picture.width), float(picture.height)
    (x0, x1), (y0, y1) = picture.x_range, picture.y_range
    if x1 <= x0 or y1 <= y0 or w < 1 or h < 1:
        return _with_ratio(image, picture.dpr)

    def px(x: np.ndarray) -> np.ndarray:
        return (np.asarray(x, dtype=np.float64) - x0) * (w / (x1 - x0))

    def py(y: np.ndarray) -> np.ndarray:
        return h - (np.asarray(y, dtype=np.float64) - y0) * (h / (y1 - y0))

    painter = QPainter(image)
    try:
        if picture.grid:  # 1 px at any resolution, as pyqtgraph's cosmetic pens were
            painter.setPen(QPen(QColor.fromRgba(picture.grid_rgba), 1))
            for row in np.round(py(np.asarray(picture.grid))) - 0.5:
                painter.drawLine(QPointF(0.0, row), QPointF(w, row))
        ordered = sorted(picture.traces, key=lambda trace: trace.z)
        painter.setPen(Qt.PenStyle.NoPen)
        for trace in ordered:  # areas under every line, filled without antialiasing: the
            if trace.fill_alpha and len(trace.x):  # line covers their edge (5x faster)
                shade = QColor.fromRgba(trace.rgba)
                shade.setAlpha(trace.fill_alpha)
                painter.setBrush(shade)
                xs, ys = px(trace.x), py(trace.y)
                base = py(np.zeros(1))
                outline = pg.arrayToQPath(
                    np.concatenate((xs[:1], xs, xs[-1:])), np.concatenate((base, ys, base))
                )
                draw_path(painter, outline)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for trace in ordered:
            if len(trace.x) < 2:
                continue
            pen = QPen(QColor.fromRgba(trace.rgba), trace.width * picture.dpr)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            painter.setPen(pen)
            for piece in line_pieces(px(trace.x), py(trace.y)):
                draw_path(painter, piece)
    finally:
        painter.end()
    return _with_ratio(image, picture.dpr)


def _native_draw_path() -> Callable[[int, int], None] | None:
    """``QPainter::drawPath(const QPainterPath &)`` of the Qt that PySide loaded, as a ctypes
    function (``this``, then the path: the Itanium C++ ABI of a non-virtual member), which
    releases the GIL while it runs; None where it cannot be found."""
    try:
        qt_gui = ctypes.CDLL("libQt6Gui.so.6")  # the one already loaded, by its soname
        function = qt_gui["_ZN8QPainter8drawPathERK12QPainterPath"]
    except (OSError, AttributeError):
        log.info("charts: QPainter::drawPath not found for ctypes; drawing through PySide")
        return None
    function.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    function.restype = None
    return cast(Callable[[int, int], None], function)


_draw_path_unlocked = _native_draw_path()


def draw_path(painter: QPainter, path: QPainterPath) -> None:
    """``painter.drawPath(path)``, with the GIL let go where :func:`_native_draw_path` can."""
    if _draw_path_unlocked is None:
        painter.drawPath(path)
    else:  # both objects are alive in this frame for the whole call
        _draw_path_unlocked(shiboken6.getCppPointer(painter)[0], shiboken6.getCppPointer(path)[0])


def _with_ratio(image: QImage, dpr: float) -> QImage:
    image.setDevicePixelRatio(dpr)
    return image


class _Deliveries(QObject):
    """Carries finished pictures from the worker to the UI thread (a queued signal)."""

    finished = Signal(object, object, object)  # the owner's weak reference, its taker, the future


_worker: ThreadPoolExecutor | None = None
_deliveries: _Deliveries | None = None


def worker() -> ThreadPoolExecutor:
    """The one thread that draws pictures off the UI thread (charts, maps' land): one, so it
    keeps to the second core and leaves the first to the UI thread."""
    global _worker, _deliveries
    if _worker is None or _deliveries is None:
        # off the UI thread's core, which it would inherit (kiosk.cores)
        _worker = ThreadPoolExecutor(1, thread_name_prefix="kiosk-charts", initializer=spread)
        _deliveries = _Deliveries()  # lives in the UI thread: its slot runs there
        _deliveries.finished.connect(_deliver, Qt.ConnectionType.QueuedConnection)
    return _worker


def stop_worker() -> None:
    """Let the picture being drawn finish, cancel the ones waiting, and let the worker go.

    Before Qt shuts down (kiosk.app): PySide's ``QApplication.shutdown()`` deletes every QObject
    Python owns, the carrier of finished pictures too, and a picture that finished after it
    emitted on a deleted object from the worker thread (a traceback in ``kiosk shot``'s log, in
    CI, once). A later :func:`worker` starts a new one."""
    global _worker, _deliveries
    if _worker is not None:
        _worker.shutdown(wait=True, cancel_futures=True)
    _worker = _deliveries = None


def deliver(future: Future[T], owner: Owner, take: Callable[[Owner, Future[T]], None]) -> None:
    """Once ``future`` is done, ``take(owner, future)`` runs in the UI thread, if ``owner`` (a
    QObject or QGraphicsItem) is still alive then."""
    worker()
    deliveries, ref = _deliveries, weakref.ref(owner)

    def done(finished: Future[T]) -> None:  # in the worker thread: a queued signal
        if deliveries is not None:
            deliveries.finished.emit(ref, take, finished)

    future.add_done_callback(done)


def _deliver(
    ref: weakref.ref[Any], take: Callable[[Any, Future[Any]], None], future: Future[Any]
) -> None:
    owner = ref()
    if owner is not None and shiboken6.isValid(owner):  # it may have gone meanwhile
        take(owner, future)


@dataclass(eq=False)
class _Shared:
    """A picture drawn (or being drawn) and the items that show it or wait for it."""

    picture: PlotPicture
    future: Future[QImage]
    users: set[int]


# Pictures in use: a chart shown on several screens (or on two pages of one) at the same size
# asks for the same picture, drawn once and shared (a QImage is shared until written, and
# nobody writes these). An entry goes when no item shows or waits for its picture any more.
_shared: list[_Shared] = []
drawn = 0  # pictures the worker was asked to draw (a test counts them)


def _post(item: PlotImage, picture: PlotPicture) -> Future[QImage]:
    global drawn
    entry = next((e for e in _shared if picture.same(e.picture)), None)
    if entry is None:
        entry = _Shared(picture, worker().submit(draw, picture), set())
        drawn += 1
        _shared.append(entry)
    entry.users.add(id(item))
    deliver(entry.future, item, PlotImage.take_image)
    return entry.future


def _release(user: int, keep: Future[QImage] | None = None) -> None:
    """``user`` shows the picture of ``keep`` now (or none): it no longer needs the others."""
    for entry in list(_shared):
        if entry.future is not keep:
            entry.users.discard(user)
            if not entry.users:
                _shared.remove(entry)


def _forget(future: Future[QImage]) -> None:
    """A picture that failed is not shared: the next ask draws it anew."""
    _shared[:] = [entry for entry in _shared if entry.future is not future]


@dataclass
class _Job:
    """A picture the worker is drawing for an item."""

    picture: PlotPicture
    future: Future[QImage]


class PlotImage(QGraphicsObject):
    """The data area of a pyqtgraph plot as a picture drawn off the UI thread (module doc).

    A child of the plot's view box, under its other items, covering the view box exactly.
    """

    def __init__(self, view_box: pg.ViewBox) -> None:
        super().__init__()
        self.setParentItem(view_box)
        self.setZValue(-1)  # under the view box's child group: markers and targets on top
        self._box = view_box
        self._wanted: PlotPicture | None = None  # the newest asked for
        self._job: _Job | None = None  # being drawn by the worker
        self._shown: PlotPicture | None = None  # what self._image shows
        self._image: QImage | None = None
        self._failed: PlotPicture | None = None  # a picture that could not be drawn: not again
        self.drawn_in_ui = 0  # pictures drawn in the UI thread (none ready at a paint)
        self.waited = 0  # paints that waited for the worker's picture (none shown yet)
        view_box.sigResized.connect(self._resized)
        weakref.finalize(self, _release, id(self))

    # -- what the widget asks ---------------------------------------------------------------

    def show_picture(
        self,
        traces: tuple[Trace, ...],
        grid: tuple[float, ...],
        grid_colour: QColor,
    ) -> None:
        """Draw these traces and gridlines at the view box's current ranges and size."""
        (x0, x1), (y0, y1) = self._box.viewRange()
        width, height, dpr = self._device_size()
        wanted = PlotPicture(
            width,
            height,
            dpr,
            (float(x0), float(x1)),
            (float(y0), float(y1)),
            tuple(float(v) for v in grid),
            grid_colour.rgba(),
            traces,
        )
        self._ask(wanted)

    @property
    def busy(self) -> bool:
        return self._job is not None

    # -- the worker -------------------------------------------------------------------------

    def _ask(self, wanted: PlotPicture) -> None:
        self._wanted = wanted
        if wanted.same(self._shown) or wanted.width < 2 or wanted.height < 2:
            return  # the same picture, or a plot not laid out yet (its resize asks again)
        if self._image is not None:
            self.update()  # the old picture stays until the new one comes
        if self._job is None:
            self._start(wanted)

    def _start(self, picture: PlotPicture) -> None:
        self._job = _Job(picture, _post(self, picture))

    def take_image(self, future: Future[QImage]) -> None:
        job = self._job
        if job is None or future is not job.future:
            return  # already taken by a paint
        self._job = None
        self._accept(job)
        wanted = self._wanted
        if wanted is not None and not wanted.same(self._shown) and not wanted.same(self._failed):
            self._start(wanted)

    def _accept(self, job: _Job) -> None:
        try:
            image = job.future.result()
        except Exception:
            log.exception("a chart's picture could not be drawn")
            self._failed = job.picture  # asked again only when the data or size change
            _forget(job.future)
            return
        wanted = self._wanted
        if wanted is not None and (wanted.width, wanted.height) != (
            job.picture.width,
            job.picture.height,
        ):
            return  # drawn for a size the plot no longer has
        self._image, self._shown = image, job.picture
        _release(id(self), keep=job.future)
        self.update()

    def _resized(self) -> None:
        self.prepareGeometryChange()
        if self._wanted is not None:
            width, height, dpr = self._device_size()
            self._ask(replace(self._wanted, width=width, height=height, dpr=dpr))

    def _device_size(self) -> tuple[int, int, float]:
        rect = self._box.rect()
        views = self.scene().views() if self.scene() is not None else []
        dpr = float(views[0].devicePixelRatioF()) if views else 1.0
        return round(rect.width() * dpr), round(rect.height() * dpr), dpr

    # -- QGraphicsItem ----------------------------------------------------------------------

    def boundingRect(self) -> QRectF:
        return QRectF(self._box.rect())

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        if self._wanted is None or self._wanted.same(self._failed):
            return  # nothing to show, or nothing that can be drawn (logged once)
        if self._image is None:
            # No picture yet (a first paint): the one being drawn is waited for if it has this
            # size, else one is drawn here; a page never shows without its lines (nor with
            # lines of a size it had before it was laid out).
            width, height, dpr = self._device_size()
            job = self._job
            if job is not None and (job.picture.width, job.picture.height) == (width, height):
                job.future.exception()  # waits
                self._job = None
                self._accept(job)
                self.waited += 1
            if self._image is None:
                wanted = replace(self._wanted, width=width, height=height, dpr=dpr)
                self._wanted = wanted
                if wanted.same(self._failed):
                    return  # the worker could not draw it either (logged)
                try:
                    self._image, self._shown = draw(wanted), wanted
                except Exception:
                    log.exception("a chart's picture could not be drawn")
                    self._failed = wanted
                    return
                self.drawn_in_ui += 1
                _release(id(self))
        painter.drawImage(self._box.rect(), self._image)
