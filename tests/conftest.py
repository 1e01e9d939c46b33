"""Shared test set-up: Qt runs headless with three simulated monitors unless told otherwise.

The offscreen platform reads the monitors from ``screens3.json``: two 1080p landscape screens
(HDMI-1, HDMI-2) and one portrait screen (DP-1), so every test session exercises screen matching
and portrait rendering.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

SCREENS_FILE = Path(__file__).with_name("screens3.json")

# Must be set before the first Qt import anywhere in the test session. A plain "offscreen" (as a
# CI script might export) still gets the three monitors: the screen tests depend on them.
if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={SCREENS_FILE}"
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")

# Qt and pyqtgraph are imported the way `kiosk run` imports them (kiosk.qt_imports), so the suite
# draws through the same lazy pyqtgraph mirror as the wall.
from kiosk.qt_imports import load_qt  # noqa: E402

load_qt()


# Python's cycle collector must never run inside a Qt paint (see kiosk.app.run_in_qt): a test's
# top-level widgets and pyqtgraph's labels are Python-owned and sit in reference cycles, and
# freeing them mid-paint segfaulted the suite. As in the app, collection happens only at a safe
# point: here, after each test's teardown has closed its widgets.
def pytest_sessionstart(session: pytest.Session) -> None:
    gc.disable()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    yield
    gc.collect()


_exit_status = 0


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    global _exit_status
    _exit_status = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """End the process with pytest's exit status, without Python's final teardown.

    After every test had passed, the full suite segfaulted in the interpreter's teardown
    (gdb, 2026-12-05: PepException_GetArgs < storePythonOverrideErrorOrPrint < QWidget::event <
    hideChildren < ~QWidget < PySide::destroyQCoreApplication < Py_FinalizeEx): PySide deleted
    the widgets 1,300 tests left open, and a ticker's Python hideEvent ran in a half-finalized
    interpreter. Deleting them ourselves at the session's end segfaulted too (in
    shiboken6.delete). The wall does not end that way (`kiosk run` exits 0 on SIGTERM), so the
    suite skips that teardown; a failed test still exits non-zero. (Session 11 had halted the
    tapes and closed the frame clock here, guessing at the cause; it was not that.)
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(_exit_status)
