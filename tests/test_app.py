"""The composition root: how the app runs Python inside Qt's loop."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_cycles_are_collected_by_a_timer_never_automatically_mid_paint() -> None:
    # In a child process: run_in_qt tears the QApplication down at the end.
    script = textwrap.dedent(
        """
        import asyncio, gc, weakref
        from kiosk.app import run_in_qt

        class Node:
            pass

        async def main():
            automatic = gc.isenabled()
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
    env = {"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    # Off inside the loop, the cycle survives allocation, the timer frees it, back on after.
    assert done.stdout.split("\n")[0] == "(False, False, True) True"
