"""The composition root: how the app runs Python inside Qt's loop."""

from __future__ import annotations

import textwrap

from tests.child import run_python

# In a child process: run_in_qt tears the QApplication down at the end.
CHILD_ENV = {"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"}


def test_cycles_are_collected_by_a_timer_never_automatically_mid_paint() -> None:
    script = textwrap.dedent(
        """
        import asyncio, gc, weakref
        from kiosk.app import run_in_qt
        from kiosk.collector import settle_in

        class Node:
            pass

        async def main():
            automatic = gc.isenabled()
            # As a wall does once its screens show data; before, the timer waits (the start).
            settle_in(0)
            await asyncio.sleep(0.1)
            node = Node()
            node.me = node  # a cycle: only the cycle collector frees it
            dead = weakref.ref(node)
            del node
            kept = [[] for _ in range(5_000)]  # would trigger automatic collections
            after_allocating = dead() is None
            await asyncio.sleep(1.5)  # the collector's timer runs once a second
            del kept
            return automatic, after_allocating, dead() is None

        result = run_in_qt(main)
        print(result, gc.isenabled())
        """
    )
    done = run_python(script, env=CHILD_ENV, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    # Off inside the loop, the cycle survives allocation, the timer frees it, back on after.
    assert done.stdout.split("\n")[0] == "(False, False, True) True"


def test_a_chart_picture_still_drawn_at_the_end_finishes_before_qt_shuts_down() -> None:
    """PySide's QApplication.shutdown() deletes every QObject Python owns, the chart worker's
    carrier too: a picture that finished after it emitted on a deleted object from the worker
    thread, and its traceback went to the log (`kiosk shot` of the gallery, once in CI)."""
    script = textwrap.dedent(
        """
        import time
        from kiosk.app import run_in_qt
        from kiosk.widgets import plot_image
        from PySide6.QtCore import QObject

        owner, futures = QObject(), []

        def slow():
            time.sleep(0.3)
            return "drawn"

        async def main():
            futures.append(plot_image.worker().submit(slow))
            plot_image.deliver(futures[0], owner, lambda who, done: None)
            # ends at once: the picture is still being drawn when Qt is torn down

        run_in_qt(main)
        print(futures[0].result(timeout=0))
        """
    )
    done = run_python(script, env=CHILD_ENV, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "drawn"  # finished before run_in_qt returned
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
