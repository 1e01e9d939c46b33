"""Import Qt first, and keep PySide from reading the source of every module imported after it.

PySide6 replaces ``__import__`` to support ``from __feature__ import snake_case``; to learn which
modules "use PySide" it reads the source of every module imported after Qt with
``inspect.getsource``, which leaves each file's lines in ``linecache`` for the life of the
process. For the wall that is ~540 files, 7.5 MB of source, and 37 MB of RSS (measured: 167 MB
after the wall's imports, 130 MB with this). kiosk never selects a feature, so every module may
count as "uses PySide, no feature selected" (PySide's own default for those) without reading it.
Tracebacks still read source files when they are printed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import importlib.util
import linecache
import logging
import sys
import types
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

M_MMAP_THRESHOLD = -3  # glibc's malloc.h
BIG_BUFFER = 2**20  # bytes: a 4K chart picture (2-4 MB) and frame (33 MB) are above, a glyph below


def _uses_pyside(module: object) -> bool:
    return True


def return_big_buffers() -> bool:
    """Have glibc give every buffer of BIG_BUFFER or more back to the system when it is freed.

    glibc serves big allocations with mmap and unmaps them on free, but after the first such
    free it raises its threshold to that size, so the next frames and fade pictures of a 4K
    wall (33 MB each) come from the heap and stay in RSS after they are freed. A fixed threshold
    keeps them mapped and returned: 3×4K at 500/s measured 399 -> 313 MB RSS after warm-up,
    peak PSS 401 -> 319 MB. At 1 MB rather than 4 MB, the charts' pictures of a 4K wall (2-4 MB,
    drawn by the chart worker and freed when the next is shown) are returned too instead of
    piling up in the worker's arena: PSS median 297 -> 285 MB (two alternating 60 s pairs), ticker
    p99 and max unchanged. False where the C library is not glibc (nothing changed).
    """
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, BIG_BUFFER))


def load_qt() -> None:
    """Import PySide6 and turn off its source reading. Call before the wall's other imports."""
    if not return_big_buffers():
        log.debug("mallopt is not available: big buffers stay with the C library's defaults")
    import PySide6.QtCore  # noqa: F401  (installs PySide's import hook)

    try:
        from PySide6.support import feature  # type: ignore[attr-defined]
    except ImportError:  # a PySide6 without the feature switch: nothing to turn off
        return
    if hasattr(feature, "_mod_uses_pyside"):
        feature._mod_uses_pyside = _uses_pyside
        # what it read before this (PySide's and shiboken's own modules, enum.py: 0.45 MB)
        linecache.clearcache()
    else:
        log.debug("PySide6.support.feature has no _mod_uses_pyside; left as it is")
    load_pyqtgraph()


DEFERRED = "PySide6.QtOpenGL"  # imported by pyqtgraph on import, used only on the GL path
# pyqtgraph's __init__ star-imports every widget and item it has; a wall draws with a few (plot
# widgets, curves, text, axes, view boxes). These (pyqtgraph 0.14.0) are neither drawn with nor
# imported by what is: while pyqtgraph imports, each is a stand-in that gives its star import no
# names. Among them the image view, the ROI items and the colour-map widget (which imports the
# parameter tree, and it pydoc).
UNUSED = (
    "imageview",
    *(
        f"widgets.{name}"
        for name in (
            "BusyCursor", "CheckTable", "ColorButton", "ColorMapWidget", "ComboBox",
            "DataFilterWidget", "DataTreeWidget", "DiffTreeWidget", "FeedbackButton",
            "GradientWidget", "GraphicsLayoutWidget", "HistogramLUTWidget", "JoystickButton",
            "LayoutWidget", "ProgressDialog", "RawImageWidget", "ScatterPlotWidget", "SpinBox",
            "TableWidget", "TreeWidget", "ValueLabel", "VerticalLabel",
        )
    ),
    *(
        f"graphicsItems.{name}"
        for name in (
            "ArrowItem", "BoxplotItem", "ColorBarItem", "CurvePoint", "ErrorBarItem",
            "FillBetweenItem", "GradientEditorItem", "GradientLegend", "GraphItem", "GridItem",
            "HistogramLUTItem", "ImageItem", "IsocurveItem", "LinearRegionItem",
            "PColorMeshItem", "ROI", "ScaleBar", "TargetItem", "VTickGroup",
        )
    ),
)  # fmt: skip


class _Deferred(types.ModuleType):
    """A stand-in for a module, imported on the first read of one of its names.

    pyqtgraph keeps the stand-in (``QtOpenGL = importlib.import_module(...)``); after its import
    the stand-in leaves ``sys.modules``, so the first name read imports the real module there.
    """

    def __getattr__(self, name: str) -> object:
        if name.startswith("__"):  # import machinery asks for __path__, __file__ ...
            raise AttributeError(name)
        if sys.modules.get(self.__name__) is self:  # read while pyqtgraph imports
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), name)


def load_pyqtgraph() -> None:
    """Import pyqtgraph with a Qt mirror that looks names up in PySide as they are used.

    pyqtgraph keeps its own modules ``pyqtgraph.Qt.QtCore``, ``QtGui`` and ``QtWidgets`` and, on
    import, copies into them every name that ``dir()`` lists in PySide's. Reading a name makes
    PySide create that class or enum, which it otherwise does on first use: all ~720 of them
    (pyqtgraph's import measured 36.0 MB of PSS that way, 27.9 MB with this). Here
    each mirror is a module whose missing names are read from PySide's (PEP 562
    ``__getattr__``), and PySide's modules list no names while pyqtgraph imports, so it copies
    none. What pyqtgraph sets on its mirrors itself stays there.

    pyqtgraph also imports PySide's OpenGL binding (``PySide6.QtOpenGL``) on import, for GL
    curves and viewports; that binding's import maps up to 6.7 MB of its 8.9 MB library
    (measured on Xvfb, one window), whether anything draws through GL or not. While pyqtgraph
    imports, that name is a :class:`_Deferred` module that imports the binding the first time
    pyqtgraph reads one of its names (the GL path); a wall in software never does.

    And its widgets and items that a wall neither draws with nor needs for those it does
    (:data:`UNUSED`) are not imported: while pyqtgraph imports, each is a :class:`_Deferred`
    module whose star import gives no names. Once pyqtgraph is in, the stand-ins leave
    ``sys.modules`` (an import of one of those modules imports it, as always), and a name that
    pyqtgraph would have had from them (``pg.ImageItem``) is read from them on first use
    (:func:`_names_left_out`). 75 of pyqtgraph's 145 modules are not loaded: a process with the
    wall's imports and a QApplication measured 90.8-91.2 -> 88.3 MB of PSS (three alternated
    runs), and a 3x4K wall's PSS median 2-3 MB less.
    """
    if "pyqtgraph" in sys.modules:
        return
    from PySide6 import QtCore, QtGui, QtWidgets

    spec = importlib.util.find_spec("pyqtgraph")
    if spec is None or not spec.submodule_search_locations:
        return
    folder = Path(spec.submodule_search_locations[0], "Qt")
    listings: dict[types.ModuleType, Callable[[], list[str]] | None] = {}
    try:
        for qt in (QtCore, QtGui, QtWidgets):
            name = qt.__name__.rpartition(".")[2]
            mirror = types.ModuleType(f"pyqtgraph.Qt.{name}")
            mirror.__path__ = [str(folder / name)]
            mirror.__getattr__ = functools.partial(getattr, qt)  # type: ignore[method-assign]
            sys.modules[mirror.__name__] = mirror
            listings[qt] = vars(qt).get("__dir__")
            qt.__dir__ = list  # type: ignore[method-assign]  # dir() -> []
        if DEFERRED not in sys.modules:
            sys.modules[DEFERRED] = _Deferred(DEFERRED)
        for name in UNUSED:
            stand_in = _Deferred(f"pyqtgraph.{name}")
            vars(stand_in)["__all__"] = []  # its star import gives nothing, imports nothing
            sys.modules.setdefault(stand_in.__name__, stand_in)
        import pyqtgraph

        pyqtgraph.__getattr__ = functools.partial(_names_left_out, pyqtgraph)
    except Exception:  # pyqtgraph changed how it mirrors Qt: import it below, as it is
        log.warning("pyqtgraph's Qt mirror could not be made lazy", exc_info=True)
        for loaded in [name for name in sys.modules if name.partition(".")[0] == "pyqtgraph"]:
            del sys.modules[loaded]
    finally:
        if isinstance(sys.modules.get(DEFERRED), _Deferred):  # later imports load the binding
            del sys.modules[DEFERRED]
        for name in UNUSED:  # a later import loads the real module (a kept one reads it)
            if isinstance(sys.modules.get(f"pyqtgraph.{name}"), _Deferred):
                del sys.modules[f"pyqtgraph.{name}"]
        for qt, listing in listings.items():
            if listing is None:
                del qt.__dir__
            else:
                qt.__dir__ = listing  # type: ignore[method-assign]
    if "pyqtgraph" not in sys.modules:
        import pyqtgraph


def _names_left_out(package: types.ModuleType, name: str) -> object:
    """A name ``package`` (pyqtgraph) lacks: what its star imports of :data:`UNUSED` would have
    given it. The first such read imports them all and gives ``package`` their names; a name it
    has already is kept (none of theirs replaced one of its own in a plain import: the test
    compares every name)."""
    if name.startswith("__"):
        raise AttributeError(name)
    names = vars(package)
    names.pop("__getattr__", None)  # once: after this, a missing name is missing
    for unused in UNUSED:
        module = importlib.import_module(f"{package.__name__}.{unused}")
        public = getattr(module, "__all__", None)
        if public is None:
            public = [each for each in vars(module) if not each.startswith("_")]
        for each in public:
            names.setdefault(each, getattr(module, each))
    if name not in names:
        raise AttributeError(f"module {package.__name__!r} has no attribute {name!r}")
    return names[name]
