"""Issue #14's screen on the mini-PC runtime: CPU and memory of the wall under sway.

kiosk bench and benchmarks/bench_browser.py measure the wall on Qt's offscreen platform and on
Xvfb. The mini-PC runs it under sway (``kiosk session``), where each screen's pixels are
Wayland shared-memory buffers (wl_shm) that Qt keeps apart from the X server's or the
offscreen platform's. This boots ``kiosk session`` headless as the unit runs it
(tests/runtime_harness.py: sway's headless backend, ``--renderer``, one output per screen) with
benchmarks/browser_screen.yaml's screens (rotation and fades; ``--one-page`` keeps the first
page only, as the browser comparison does), and prints, after a warm-up:

- the wall's and sway's CPU seconds per minute;
- the wall's PSS, median and peak of samples four times a second;
- the wl_shm buffers the wall has mapped: how many at most and at the end, and their PSS then.

    python benchmarks/bench_runtime_screen.py [--outputs 3] [--size 3840x2160] [--rate 500]
        [--seconds 60] [--warmup 15] [--one-page] [--renderer pixman|gles2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import psutil
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.machine import machine  # noqa: E402
from tests.runtime_harness import Box, Runtime, cpu_seconds, missing_tools  # noqa: E402

SCREEN = ROOT / "benchmarks" / "browser_screen.yaml"
SAMPLE_S = 0.25
BUFFERS_EVERY = 4  # samples between two counts of the wall's buffers


def layout(box: Box, outputs: int, rate: float, one_page: bool) -> Path:
    document = yaml.safe_load(SCREEN.read_text())
    screens = document["screens"][:outputs]
    if len(screens) < outputs:
        raise SystemExit(f"{SCREEN.name} has {len(screens)} screens, not {outputs}")
    for number, screen in enumerate(screens, start=1):
        screen["match"] = {"connector": f"HEADLESS-{number}"}
        if one_page:
            screen["pages"] = screen["pages"][:1]
    document["screens"] = screens
    document["sources"]["social"]["rate"] = rate
    path = box.folder / "screen.yaml"
    path.write_text(yaml.safe_dump(document))
    path.chmod(0o644)
    return path


def shm_buffers(wall: psutil.Process) -> tuple[int, float]:
    """The wl_shm buffers (memfd "wayland-shm") ``wall`` has mapped: how many, and their PSS."""
    buffers = [part for part in wall.memory_maps(grouped=False) if "wayland-shm" in part.path]
    return len(buffers), sum(part.pss for part in buffers) / 2**20


def measure(args: argparse.Namespace) -> str:
    box = Box.make()
    try:
        runtime = Runtime(
            box,
            layout(box, args.outputs, args.rate, args.one_page),
            outputs=args.outputs,
            size=args.size,
            renderer=args.renderer,
        )
        runtime.start()
        runtime.wait_log(r"every screen shows data", timeout=120)
        time.sleep(args.warmup)
        wall, sway = runtime.wall(), runtime.children("sway")
        wall_before, sway_before = cpu_seconds([wall]), cpu_seconds(sway)
        samples: list[float] = []
        most = (0, 0.0)  # the most wl_shm buffers seen at once, and their PSS then
        began = time.monotonic()
        while time.monotonic() - began < args.seconds:
            samples.append(wall.memory_full_info().pss / 2**20)
            if len(samples) % BUFFERS_EVERY == 1:  # the whole smaps: not at every sample
                most = max(most, shm_buffers(wall))
            time.sleep(SAMPLE_S)
        spent = time.monotonic() - began
        wall_cpu = (cpu_seconds([wall]) - wall_before) / spent * 60
        sway_cpu = (cpu_seconds(sway) - sway_before) / spent * 60
        buffers, buffers_mb = shm_buffers(wall)
        runtime.stop("session")
    finally:
        box.remove()
    return (
        f"{args.outputs}×{args.size}, {args.rate:g} mentions/s, sway ({args.renderer}): "
        f"wall {wall_cpu:.2f} CPU-s/min, sway {sway_cpu:.2f}; wall PSS median "
        f"{statistics.median(samples):.0f} MB, peak {max(samples):.0f} MB ({len(samples)} "
        f"samples); wl_shm buffers: at most {most[0]} ({most[1]:.0f} MB of the wall's PSS), "
        f"at the end {buffers} ({buffers_mb:.0f} MB)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outputs", type=int, default=3)
    parser.add_argument("--size", default="3840x2160")
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=15.0)
    parser.add_argument("--one-page", action="store_true", help="no rotation: the first page")
    parser.add_argument("--renderer", default="pixman", choices=["pixman", "gles2"])
    args = parser.parse_args()
    missing = missing_tools()
    if missing:
        print(f"needs {', '.join(missing)} (make setup installs them)")
        return 1
    print(f"machine: {machine()}")
    print(f"command: {' '.join(sys.argv)}")
    print(measure(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
