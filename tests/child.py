"""Python code run in a fresh interpreter, for what must not touch the test process: a
QApplication torn down at the end, a thread pinned to a core, modules not yet imported."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_python(
    code: str, *args: str, env: Mapping[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``python -c code args…`` from the checkout's root; the caller checks the outcome."""
    return _run(["-c", code, *args], env, timeout)


def run_kiosk(
    *args: str, env: Mapping[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``python -m kiosk.cli args…`` from the checkout's root; the caller checks the outcome."""
    return _run(["-m", "kiosk.cli", *args], env, timeout)


def _run(
    argv: list[str], env: Mapping[str, str] | None, timeout: float
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env=env,
        check=False,
    )
