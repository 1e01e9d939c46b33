"""How late the event loop runs while a big or hostile answer is parsed: on the loop, in a
thread, or in a worker process (kiosk.sources.parsing).

A task sleeps 10 ms in a loop and records how late each wake-up is; meanwhile one payload is
parsed. The worst lateness is what a wall would show as a frozen frame.

    .venv/bin/python benchmarks/parse_lateness.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from kiosk.sources.http_json import parse_json
from kiosk.sources.ics import midnight, occurrences
from kiosk.sources.parsing import parse_off_loop
from kiosk.sources.polling import FetchError
from kiosk.sources.rss import parse_feed

TICK = 0.010
ZONE = ZoneInfo("UTC")


def rss_payload() -> bytes:
    item = (
        "<item><title>Headline {0} about things</title><link>https://example.com/{0}</link>"
        "<guid>g{0}</guid><description>Summary of item {0}, with &amp; entities.</description>"
        "<pubDate>Mon, 06 Jan 2025 10:00:00 GMT</pubDate></item>"
    )
    items = "".join(item.format(i) for i in range(40_000))
    head = '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
    return f"{head}{items}</channel></rss>".encode()


def ics_payload() -> bytes:
    event = (
        "BEGIN:VEVENT\r\nUID:u{0}\r\nDTSTART:20250106T100000Z\r\nDTEND:20250106T110000Z\r\n"
        "SUMMARY:event number {0} with a title\r\nLOCATION:Room\r\nEND:VEVENT\r\n"
    )
    events = "".join(event.format(i) for i in range(60_000))
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n{events}END:VCALENDAR\r\n".encode()


def json_payload() -> bytes:
    rows = [{"id": str(i), "text": f"<p>hello {i}</p>", "n": i, "f": i / 2} for i in range(100_000)]
    return json.dumps({"items": rows}).encode()


def parsers() -> dict[str, tuple[Callable[..., Any], tuple[Any, ...]]]:
    day = midnight(__import__("datetime").date(2025, 1, 6), ZONE)
    headers = httpx.Headers({"content-type": "application/rss+xml"})
    return {
        "rss 9.6 MB (feedparser)": (
            functools.partial(parse_feed, url="https://example.com/feed"),
            (rss_payload(), headers),
        ),
        "ics 8.6 MB (icalendar)": (
            functools.partial(
                occurrences, start=day, end=day + timedelta(days=2).total_seconds(), zone=ZONE
            ),
            (ics_payload(),),
        ),
        "json 8.1 MB (json.loads)": (parse_json, (json_payload(),)),
    }


async def measure(
    mode: str, func: Callable[..., Any], args: tuple[Any, ...]
) -> tuple[float, float]:
    lateness: list[float] = []
    done = False

    async def ticker() -> None:
        while not done:
            before = time.perf_counter()
            await asyncio.sleep(TICK)
            lateness.append(time.perf_counter() - before - TICK)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0.05)
    started = time.perf_counter()
    try:
        if mode == "loop":
            func(*args)
        elif mode == "thread":
            await asyncio.to_thread(func, *args)
        else:
            await parse_off_loop(60.0, func, *args)
    except FetchError:
        pass
    took = time.perf_counter() - started
    done = True
    await task
    return took, max(lateness)


async def main(repeat: int) -> None:
    await parse_off_loop(10.0, parse_json, b"{}")  # the forkserver and a worker, started
    print(f"{'payload':28} {'mode':8} {'parse s':>8} {'worst lateness ms':>18}")
    for name, (func, args) in parsers().items():
        for mode in ("loop", "thread", "process"):
            runs = [await measure(mode, func, args) for _ in range(repeat)]
            took = statistics.median(r[0] for r in runs)
            worst = max(r[1] for r in runs) * 1000
            print(f"{name:28} {mode:8} {took:8.2f} {worst:18.0f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    asyncio.run(main(parser.parse_args().repeat))
