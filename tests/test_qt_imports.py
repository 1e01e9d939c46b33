"""The wall's imports: PySide must not keep the source of every later module in memory, and
httpx's command-line client stays out. Each case runs in a fresh interpreter (imports are
process-wide)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping

import pytest

from tests.child import run_python

# After Qt is imported, import a module nobody imported yet and ask whether its source lines
# ended up in linecache (they do when PySide reads it to look for __feature__).
PROBE = """
import linecache, sys
{setup}
import xml.dom.minidom
print(any(name.endswith("minicompat.py") for name in linecache.cache))
"""


def _run(code: str, *args: str, env: Mapping[str, str] | None = None) -> str:
    done = run_python(code, *args, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.parametrize(
    ("setup", "kept"),
    [
        ("import PySide6.QtCore", "True"),  # what PySide does by itself: the check can fail
        ("from kiosk.qt_imports import load_qt; load_qt()", "False"),
    ],
)
def test_modules_imported_after_qt_leave_no_source_in_memory(setup: str, kept: str) -> None:
    assert _run(PROBE.format(setup=setup)) == kept


def test_qt_still_works_after_load_qt() -> None:
    code = (
        "from kiosk.qt_imports import load_qt; load_qt()\n"
        "from PySide6.QtCore import QObject, Signal\n"
        "class A(QObject):\n"
        "    changed = Signal(int)\n"
        "got = []\n"
        "a = A(); a.changed.connect(got.append); a.changed.emit(3); print(got)\n"
    )
    assert _run(code) == "[3]"


# pyqtgraph's Qt mirror: PySide's classes are reached through it, but not copied into it (which
# creates every one of them); a plain import of pyqtgraph copies them all, so the check can fail.
MIRROR = """
{setup}
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets
copied = len(vars(pg.Qt.QtWidgets)) > len(dir(QtWidgets)) / 2
print(pg.Qt.QtWidgets.QFileDialog is QtWidgets.QFileDialog, pg.Qt.QtCore.Qt is QtCore.Qt, copied)
"""


@pytest.mark.parametrize(
    ("setup", "copied"),
    [
        ("import PySide6.QtCore", "True"),
        ("from kiosk.qt_imports import load_qt; load_qt()", "False"),
    ],
)
def test_pyqtgraph_finds_qt_classes_without_copying_them_all(setup: str, copied: str) -> None:
    assert _run(MIRROR.format(setup=setup)) == f"True True {copied}"


def test_pyqtgraph_draws_through_the_lazy_mirror() -> None:
    code = (
        "import os; os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from kiosk.qt_imports import load_qt; load_qt()\n"
        "import pyqtgraph as pg\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "plot = pg.PlotWidget(background='w'); plot.resize(200, 150)\n"
        "plot.plot([0, 1, 2], [0, 2, 1], pen=pg.mkPen('r', width=6))\n"
        "image = plot.grab().toImage()\n"
        "reds = sum(image.pixelColor(x, y).name() == '#ff0000'\n"
        "           for x in range(0, 200, 2) for y in range(0, 150, 2))\n"
        "print('__getattr__' in vars(pg.Qt.QtWidgets), reds > 20)\n"
    )
    # The mirror in use is the lazy one: a failed attempt falls back to pyqtgraph's own (logged)
    assert _run(code) == "True True"


def test_httpx_leaves_its_command_line_client_out() -> None:
    code = (
        "import sys, kiosk, httpx\n"
        "print(hasattr(httpx, 'Client'), 'httpx._main' in sys.modules and "
        "sys.modules['httpx._main'] is not None, 'rich' in sys.modules)\n"
    )
    assert _run(code) == "True False False"


# Frames and fade pictures of a 4K wall, made and freed: does their memory go back?
BUFFERS = """
{setup}
from PySide6.QtGui import QImage

def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) // 1024

base = rss_mb()
for size in ((3840, 2160), (2560, 2000), (2400, 1800)):
    image = QImage(*size, QImage.Format.Format_ARGB32)
    image.fill(0)
    del image
print(rss_mb() - base)
"""


def test_big_buffers_go_back_to_the_system_when_freed() -> None:
    kept_by_default = int(_run(BUFFERS.format(setup="import PySide6.QtCore")))
    kept = int(_run(BUFFERS.format(setup="from kiosk.qt_imports import load_qt; load_qt()")))
    assert kept_by_default >= 10  # glibc's moving threshold kept a freed 17 MB picture
    assert kept <= 3


# Chart pictures of a 4K wall (1-4 MB each, drawn by a worker thread, freed when the next is
# shown): is each one a mapping of its own, given back when freed, even after others were freed?
PICTURES = """
{setup}
from PySide6.QtGui import QImage

def mapped():  # MB in anonymous mappings outside the heap (where mmap puts a buffer)
    total = 0
    for line in open("/proc/self/maps"):
        fields = line.split()
        start, end = (int(part, 16) for part in fields[0].split("-"))
        if len(fields) == 5 and "rw" in fields[1]:
            total += end - start
    return total / 2**20

answers = []
for width in (1100, 1300, 1500):  # 2.2, 2.6, 3.0 MB
    before = mapped()
    image = QImage(width, 500, QImage.Format.Format_ARGB32)
    image.fill(0)
    answers.append(round(mapped() - before - width * 500 * 4 / 2**20, 1) == 0)  # its own
    del image
    answers.append(mapped() == before)  # and given back
print(answers)
"""


def test_chart_sized_pictures_are_mapped_apart_and_given_back() -> None:
    # 3x4K at 500/s, 60 s, two alternating pairs: PSS median 298/296 MB with a 4 MB threshold,
    # 286/284 MB with 1 MB (kiosk.qt_imports.BIG_BUFFER).
    setup = "from kiosk.qt_imports import load_qt; load_qt()"
    old = "import kiosk.qt_imports as q; q.BIG_BUFFER = 4 * 2**20; q.load_qt()"
    assert _run(PICTURES.format(setup=setup)) == "[True, True, True, True, True, True]"
    assert _run(PICTURES.format(setup=old)) == "[False, True, False, True, False, True]"


# pyqtgraph imports PySide's OpenGL binding on import (6.7 MB of its library mapped); a wall
# drawn in software never reads it, so load_qt leaves it unloaded until pyqtgraph reads a name.
DEFERRED_GL = """
{setup}
import sys
import pyqtgraph as pg
from pyqtgraph.graphicsItems import PlotCurveItem
before = "PySide6.QtOpenGL" in sys.modules
buffer = PlotCurveItem.QtOpenGL.QOpenGLBuffer  # what pyqtgraph's GL curves read first
from PySide6 import QtOpenGL
print(before, buffer is QtOpenGL.QOpenGLBuffer, sys.modules["PySide6.QtOpenGL"] is QtOpenGL)
"""


@pytest.mark.parametrize(
    ("setup", "loaded"),
    [
        ("import PySide6.QtCore", "True"),
        ("from kiosk.qt_imports import load_qt; load_qt()", "False"),
    ],
)
def test_pyqtgraph_loads_the_opengl_binding_only_when_it_reads_it(setup: str, loaded: str) -> None:
    assert _run(DEFERRED_GL.format(setup=setup)) == f"{loaded} True True"


# pyqtgraph's namespace, name by name, as a plain import makes it and as the wall's import does
# (its unused widgets and items left out, kiosk.qt_imports.UNUSED): a name is the same object.
NAMES = """
import json, sys
{setup}
import pyqtgraph as pg
names = json.loads(sys.argv[1]) if len(sys.argv) > 1 else [n for n in vars(pg) if n[0] != "_"]
def ident(o):
    if isinstance(o, type(sys)):
        return "module " + o.__name__
    return f"{{getattr(o, '__module__', None)}}.{{getattr(o, '__qualname__', type(o).__name__)}}"
print(json.dumps({{name: ident(getattr(pg, name)) for name in names}}))
"""


def test_pyqtgraph_names_of_modules_left_out_are_there_when_read() -> None:
    plain = json.loads(_run(NAMES.format(setup="import PySide6.QtCore")))
    setup = "from kiosk.qt_imports import load_qt; load_qt()"
    lazy = json.loads(_run(NAMES.format(setup=setup), json.dumps(sorted(plain))))
    assert len(plain) > 150
    assert "ImageItem" in plain and "SpinBox" in plain  # from modules left out on import
    assert lazy == plain


# A wall of every widget type, drawn: which of the modules left out did it need after all?
GALLERY = """
import sys, tempfile
from kiosk.cli import main
from kiosk.qt_imports import UNUSED
with tempfile.TemporaryDirectory() as out:
    code = main(["shot", "layouts/gallery.yaml", "--out", out, "--seconds", "1", "--all-pages"])
print(code, sum(f"pyqtgraph.{name}" in sys.modules for name in UNUSED))
"""


def test_a_wall_of_every_widget_type_draws_without_the_modules_left_out() -> None:
    out = _run(GALLERY, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.splitlines()[-1] == "0 0"


def test_a_plain_import_of_pyqtgraph_has_every_module_left_out() -> None:
    """The check above can fail: pyqtgraph imported as it is has them all."""
    from kiosk.qt_imports import UNUSED

    code = (
        "import sys, PySide6.QtCore, pyqtgraph\n"
        "from kiosk.qt_imports import UNUSED\n"
        "print(sum(f'pyqtgraph.{name}' in sys.modules for name in UNUSED))\n"
    )
    assert _run(code) == str(len(UNUSED))
