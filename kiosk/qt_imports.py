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
import logging

log = logging.getLogger(__name__)

M_MMAP_THRESHOLD = -3  # glibc's malloc.h
BIG_BUFFER = 4 * 2**20  # bytes: a 4K window's frame (33 MB) is far above, a glyph far below


def _uses_pyside(module: object) -> bool:
    return True


def return_big_buffers() -> bool:
    """Have glibc give every buffer of BIG_BUFFER or more back to the system when it is freed.

    glibc serves big allocations with mmap and unmaps them on free, but after the first such
    free it raises its threshold to that size, so the next frames and fade pictures of a 4K
    wall (33 MB each) come from the heap and stay in RSS after they are freed. A fixed threshold
    keeps them mapped and returned: 3×4K at 500/s measured 399 -> 313 MB RSS after warm-up,
    peak PSS 401 -> 319 MB. False where the C library is not glibc (nothing changed).
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
    else:
        log.debug("PySide6.support.feature has no _mod_uses_pyside; left as it is")
