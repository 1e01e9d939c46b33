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

import logging

log = logging.getLogger(__name__)


def _uses_pyside(module: object) -> bool:
    return True


def load_qt() -> None:
    """Import PySide6 and turn off its source reading. Call before the wall's other imports."""
    import PySide6.QtCore  # noqa: F401  (installs PySide's import hook)

    try:
        from PySide6.support import feature  # type: ignore[attr-defined]
    except ImportError:  # a PySide6 without the feature switch: nothing to turn off
        return
    if hasattr(feature, "_mod_uses_pyside"):
        feature._mod_uses_pyside = _uses_pyside
    else:
        log.debug("PySide6.support.feature has no _mod_uses_pyside; left as it is")
