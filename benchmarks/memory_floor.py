"""Where one 1080p screen's memory goes: the PSS of the stack kiosk stands on, step by step.

Each step is a fresh process on one Xvfb (1920x1080) that imports a little more and shows one
1920x1080 window (a label), measured after ``--settle`` seconds; the last step is ``kiosk run``
of issue #14's screen (benchmarks/browser_screen.yaml, first page, ``--rate`` mentions/s),
measured as benchmarks/bench_browser.py does (peak of samples every 5 s over ``--seconds``,
after ``--warmup``). Prints each step's PSS (anonymous and file-backed) and what it added. No
assertion: figures, for weighing a memory goal against what the required stack costs alone.

    .venv/bin/python benchmarks/memory_floor.py [--settle 8] [--warmup 15] [--seconds 20]
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

# (what the step adds, the modules it imports on top of the steps before)
STEPS: list[tuple[str, list[str]]] = [
    ("Python + PySide6 (QtWidgets), one window", []),
    ("+ numpy and pyqtgraph (as kiosk imports it: kiosk.qt_imports)", ["numpy", "pyqtgraph"]),
    # httpx is required too, but imported only by a wall with an HTTP source (kiosk.lazy)
    ("+ the rest of the required stack a demo wall imports: qasync, pyyaml", ["qasync", "yaml"]),
    (
        "+ kiosk's other libraries: pydantic, h11 (control API), babel",
        ["pydantic", "h11", "babel.dates", "babel.numbers"],
    ),
    ("+ kiosk's layout model (every source's options)", ["kiosk.config.layout"]),
    ("+ the rest of kiosk's modules (kiosk run imports)", ["kiosk.cli", "kiosk.app"]),
]


def rollup() -> dict[str, float]:
    """This process's PSS, anonymous and file-backed PSS, in MB."""
    fields = {}
    with open("/proc/self/smaps_rollup") as smaps:
        for line in smaps:
            name, _, rest = line.partition(":")
            if name in ("Pss", "Pss_Anon", "Pss_File", "Pss_Shmem"):
                fields[name] = int(rest.split()[0]) / 1024
    return fields


def step(index: int, settle: float) -> None:
    """In a child: import the modules of steps 0..index, show a window, print the PSS."""
    import PySide6.QtWidgets  # noqa: F401

    if index > 0:
        from kiosk.qt_imports import load_qt

        load_qt()  # as kiosk does: PySide first, pyqtgraph with the lazy mirror
    for _, modules in STEPS[: index + 1]:
        for module in modules:
            importlib.import_module(module)
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication([])
    window = QLabel("kiosk")
    window.resize(1920, 1080)
    window.show()

    def report() -> None:
        fields = rollup()
        print(
            f"{fields['Pss']:.1f} {fields.get('Pss_Anon', 0):.1f} {fields.get('Pss_File', 0):.1f} "
            f"{len(sys.modules)}",
            flush=True,
        )
        app.quit()

    QTimer.singleShot(round(settle * 1000), report)
    app.exec()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--settle", type=float, default=8.0)
    parser.add_argument("--warmup", type=float, default=15.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--step", type=int, help=argparse.SUPPRESS)  # a child's step
    args = parser.parse_args()
    if args.step is not None:
        step(args.step, args.settle)
        return
    if shutil.which("Xvfb") is None:
        raise SystemExit("Xvfb is not installed (Debian: xvfb)")
    sys.path.insert(0, str(HERE))
    import bench_browser
    from machine import machine

    print(machine())
    xvfb, display = bench_browser.start_xvfb("1920x1080")
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
    rows: list[tuple[str, float, float, float, int | None]] = []
    try:
        for index, (what, _) in enumerate(STEPS):
            out = subprocess.run(
                [sys.executable, __file__, "--step", str(index), "--settle", str(args.settle)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            rows.append((what, float(out[0]), float(out[1]), float(out[2]), int(out[3])))
        with tempfile.TemporaryDirectory() as folder:
            layout = bench_browser.kiosk_layout(args.rate, Path(folder))
            command = [sys.executable, "-m", "kiosk.cli", "run", str(layout)]
            _, pss = bench_browser.measure(command, env, args.warmup, args.seconds)
        rows.append((f"kiosk run: issue #14's screen at {args.rate:g}/s", pss, 0.0, 0.0, None))
    finally:
        xvfb.terminate()
        xvfb.wait(10)
    print(f"{'step':70} {'PSS MB':>7} {'added':>6} {'anon':>6} {'file':>6} {'modules':>7}")
    before = 0.0
    for what, pss, anon, file, modules in rows:
        parts = (
            f"{anon:6.1f} {file:6.1f} {modules:7d}"
            if modules is not None
            else f"{'':>6} {'':>6} {'':>7}"
        )
        print(f"{what:70} {pss:7.1f} {pss - before:+6.1f} {parts}")
        before = pss
    print(
        "(kiosk run: peak of samples, as benchmarks/bench_browser.py; the steps: after "
        f"{args.settle:g} s; one Xvfb at 1920x1080)"
    )


if __name__ == "__main__":
    main()
