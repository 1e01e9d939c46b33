"""The mini-PC runtime, measured: start → data on every TV, hot-plug, CPU of sway + the wall.

Boots ``kiosk session`` headless as the systemd unit runs it (tests/runtime_harness.py: sway's
headless backend, pixman renderer, three 1080p outputs) and prints, with the machine:

- service start → every TV painted with data (the wall's own "every screen shows data" line),
  median of ``--rounds`` starts, first with an empty cache, then warm;
- hot-plug: ``swaymsg create_output`` → the new output shows its layout screen (screenshots);
- CPU seconds per minute of sway + the wall together for three 1080p outputs at ``--rate``
  mentions/s, and the same layout under X11 (Xvfb split into three RandR monitors, Xvfb + the
  wall) for comparison.

    python benchmarks/bench_runtime.py [--rounds 5] [--seconds 60] [--rate 100]
        [--renderer pixman|gles2]   # gles2 needs a GPU render node (/dev/dri/renderD*)
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.machine import machine  # noqa: E402
from tests.runtime_harness import (  # noqa: E402
    Box,
    Runtime,
    colour_at,
    cpu_seconds,
    marked_layout,
    near,
)

DEMO = ROOT / "layouts" / "demo.yaml"
BLUE = (50, 90, 230)


def demo_layout(box: Box, rate: float) -> Path:
    text = re.sub(r"rate: \d+", f"rate: {rate:g}", DEMO.read_text(), count=1)
    path = box.folder / "demo.yaml"
    path.write_text(text)
    path.chmod(0o644)
    return path


def start_to_data(rounds: int, rate: float, renderer: str) -> list[float]:
    box = Box.make()
    times = []
    try:
        layout = demo_layout(box, rate)
        for _ in range(rounds):
            runtime = Runtime(box, layout, outputs=3, size="1920x1080", renderer=renderer)
            runtime.start()
            runtime.wait_log(r"every screen shows data", timeout=60)
            times.append(time.monotonic() - runtime.started)
            runtime.stop("session")
    finally:
        box.remove()
    return times


def hot_plug(rounds: int, renderer: str) -> list[float]:
    box = Box.make()
    times = []
    try:
        screens = {f"tv{n}": (f"HEADLESS-{n}", BLUE) for n in range(2, 3 + rounds)}
        layout = marked_layout(box, {"first": ("HEADLESS-1", (200, 40, 40)), **screens})
        runtime = Runtime(box, layout, outputs=1, size="1920x1080", renderer=renderer)
        runtime.start()
        runtime.wait_log(r"every screen shows data", timeout=60)
        for n in range(2, 2 + rounds):
            began = time.monotonic()
            runtime.swaymsg("create_output")
            while not near(colour_at(runtime.screenshot(f"HEADLESS-{n}"), 0.5, 0.22), BLUE):
                if time.monotonic() - began > 30:
                    raise AssertionError(f"HEADLESS-{n} never showed its screen")
                time.sleep(0.02)
            times.append(time.monotonic() - began)
        runtime.stop("session")
    finally:
        box.remove()
    return times


def sway_cpu(seconds: float, rate: float, renderer: str) -> float:
    box = Box.make()
    try:
        runtime = Runtime(box, demo_layout(box, rate), outputs=3, size="1920x1080",
                          renderer=renderer)  # fmt: skip
        runtime.start()
        runtime.wait_log(r"every screen shows data", timeout=60)
        time.sleep(15)  # warm-up: fonts, first paints, the demo's backfill
        measured = [*runtime.children("sway"), runtime.wall()]
        before = cpu_seconds(measured)
        time.sleep(seconds)
        used = cpu_seconds(measured) - before
        runtime.stop("session")
    finally:
        box.remove()
    return used / seconds * 60


def x11_cpu(seconds: float, rate: float) -> float:
    box = Box.make()
    display = ":97"
    xvfb = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", "5760x1080x24", "-noreset", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(1.0)
        env = {**os.environ, "DISPLAY": display}
        for n in range(3):
            subprocess.run(
                ["xrandr", "--setmonitor", f"TV{n + 1}", f"1920/508x1080/286+{1920 * n}+0",
                 "none"],
                env=env, check=True, capture_output=True,
            )  # fmt: skip
        wall = subprocess.Popen(
            [sys.executable, "-m", "kiosk.cli", "run", str(demo_layout(box, rate))],
            env={**env, "QT_QPA_PLATFORM": "xcb", "KIOSK_CACHE_DIR": str(box.cache)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(20)
        measured = [psutil.Process(xvfb.pid), psutil.Process(wall.pid)]
        before = cpu_seconds(measured)
        time.sleep(seconds)
        used = cpu_seconds(measured) - before
        wall.terminate()
        wall.wait(timeout=20)
    finally:
        xvfb.terminate()
        xvfb.wait()
        box.remove()
    return used / seconds * 60


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--renderer", default="pixman", choices=["pixman", "gles2"])
    parser.add_argument("--skip-x11", action="store_true")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"command: {' '.join(sys.argv)}")
    starts = start_to_data(args.rounds, args.rate, args.renderer)
    print(
        "service start → every TV shows data: first (empty cache) "
        f"{starts[0]:.2f} s; median of {len(starts)} {statistics.median(starts):.2f} s "
        f"({', '.join(f'{t:.2f}' for t in starts)})"
    )
    plugs = hot_plug(args.rounds, args.renderer)
    print(
        f"hot-plug → screen shown on the new output: median {statistics.median(plugs):.2f} s, "
        f"max {max(plugs):.2f} s over {len(plugs)} outputs"
    )
    sway = sway_cpu(args.seconds, args.rate, args.renderer)
    print(
        f"CPU, sway ({args.renderer}) + wall, 3×1080p, demo layout at {args.rate:g}/s: "
        f"{sway:.2f} CPU-s/min"
    )
    if not args.skip_x11:
        x11 = x11_cpu(args.seconds, args.rate)
        print(f"CPU, Xvfb + wall (xcb), same layout and rate: {x11:.2f} CPU-s/min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
