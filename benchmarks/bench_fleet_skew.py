"""One wall over several boxes: flip skew and update → pixels, measured (prints; asserts nothing).

Starts Debian's mosquitto, ``kiosk serve`` (demo source) and ``--walls`` ``kiosk run``
processes (offscreen, one after the other), one layout for all (tests/fleet_walls.py): a span
with one panel on each box and a ``sync: wall`` screen on each, pages of ``--page`` seconds.
Every wall logs its first paints (``KIOSK_PAINT_LOG``). Prints:

- flip skew: for each step every box showed, the latest first paint minus the earliest, over
  the first ``--flips`` steps of each group once all walls run: p50, p95, max; and how late
  each box painted after the moment the shared schedule set (timer, flip and paint together);
- update → pixels: a widget's first paint of a value minus the data node's timestamp of it (same
  machine clock): p50, p95 (the node's coalescing and the widget's refresh rate included).

    PYTHONPATH=. python benchmarks/bench_fleet_skew.py [--walls 3] [--flips 100] [--page 1]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.machine import machine  # noqa: E402
from tests import fleet_walls  # noqa: E402
from tests.mqtt_broker import Broker  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--walls", type=int, default=3)
    parser.add_argument("--flips", type=int, default=100)
    parser.add_argument("--page", type=float, default=1.0, help="page duration, s")
    args = parser.parse_args()
    boxes = [f"wall-{chr(ord('a') + i)}" for i in range(args.walls)]
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        broker = Broker(folder).start()
        layout = fleet_walls.write_layout(folder, broker.address, boxes, page=args.page)
        node = fleet_walls.serve(layout, folder)
        stagger, settle = 1.5, 5.0
        seconds = stagger * args.walls + settle + args.flips * args.page + 10
        walls = []
        try:
            for box in boxes:
                walls.append(fleet_walls.run_wall(layout, box, folder, seconds))
                time.sleep(stagger)
            for wall in walls:
                wall.wait(seconds + 60)
        finally:
            for process in (*walls, node):
                if process.poll() is None:
                    process.kill()
                    process.wait(10)
            broker.stop()
        paints = fleet_walls.Paints.read(folder, boxes)
    started = max(min(flips.values()) for flips in paints.flips.values()) + settle
    skews = paints.skews(since=started)
    print(f"machine: {machine()}")
    print(f"{args.walls} wall processes, pages of {args.page:g} s, one broker, one data node")
    for group in sorted({group for group, _ in skews}):
        steps = sorted(step for g, step in skews if g == group)[: args.flips]
        values = [skews[(group, step)] * 1000 for step in steps]
        print(
            f"flip skew, {group} ({len(values)} flips): p50 {statistics.median(values):.1f} ms, "
            f"p95 {pct(values, 0.95):.1f} ms, max {max(values):.1f} ms"
        )
        late = [paints.late[(box, group, step)] * 1000 for box in boxes for step in steps
                if (box, group, step) in paints.late]  # fmt: skip
        print(
            f"  each box, from the scheduled moment to its first paint: p50 "
            f"{statistics.median(late):.1f} ms, p95 {pct(late, 0.95):.1f} ms, "
            f"max {max(late):.1f} ms"
        )
    latencies = [value * 1000 for value in paints.latencies]
    print(
        f"update on the node → pixels on a wall ({len(latencies)} paints): "
        f"p50 {statistics.median(latencies):.0f} ms, p95 {pct(latencies, 0.95):.0f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
