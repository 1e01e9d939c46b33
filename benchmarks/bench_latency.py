"""Latency from a post arriving at a source to it being in the streams widgets read.

Runs the demo source at a given rate in real time with the analytics attached (no Qt: widgets
poll these streams) and measures, per post, from its arrival time (``Mention.at``, stamped by
the source when it has the post):

- to the ``mentions`` stream (what the ticker and post wall read), and
- to the first publication of the aggregates after it (``volume``, ``rate``, ``share`` …),
  which the analytics publish at most once a second, the rate at which charts refresh.

    python benchmarks/bench_latency.py [--rate 1000] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import Any

import numpy as np

from kiosk.analytics import attach_analytics
from kiosk.bench import machine_lines
from kiosk.hub import Hub
from kiosk.sources.demo import DemoOptions, DemoSource


async def measure(rate: float, seconds: float) -> tuple[list[float], list[float], list[float]]:
    hub = Hub()
    options = DemoOptions(type="demo", rate=rate, backfill=0, seed=3)
    source = DemoSource("social", options, hub)
    source.declare()
    to_stream: list[float] = []
    to_aggregates: list[float] = []
    handed: list[float] = []  # from the hand-over to the hub to the aggregates
    waiting: list[tuple[float, float]] = []  # (post time, hand-over) not yet in an aggregate

    def appended(_name: str, batch: Any) -> None:
        now = time.time()
        for mention in batch:
            to_stream.append(now - mention.at)
            waiting.append((mention.at, now))

    def published(_name: str, _values: Any) -> None:
        now = time.time()
        to_aggregates.extend(now - at for at, _ in waiting)
        handed.extend(now - at for _, at in waiting)
        waiting.clear()

    hub.subscribe("social.mentions", appended)  # first: the analytics subscribe after us
    attach_analytics(hub, "social", brands=options.brands, ours=options.ours)
    hub.subscribe("social.rate", published)
    task = asyncio.create_task(source.run())
    await asyncio.sleep(seconds)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return to_stream, to_aggregates, handed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    to_stream, to_aggregates, handed = asyncio.run(measure(args.rate, args.seconds))
    print("\n".join(machine_lines()))
    for label, values in (
        ("post time → mentions stream (the demo hands posts over 4 times a second)", to_stream),
        ("post time → published aggregates", to_aggregates),
        ("hand-over to the hub → published aggregates", handed),
    ):
        ms = np.asarray(values) * 1000
        p50, p95 = np.percentile(ms, [50, 95])
        print(
            f"{label}: p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {ms.max():.0f} ms ({len(ms)} posts)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
