"""Command → pixels, seen from outside: a message sent to the wall's API, until it is on screen.

Runs the real wall as a process (``kiosk run``) on three offscreen 1920x1080 screens with the
demo source at ``--rate`` mentions/s, sends ``--count`` messages to one screen through the HTTP
API, and for each polls that screen's screenshot (``GET /v1/screens/NAME/screenshot``) until the
message card's colour is in it. Prints p50/p95/max with the machine and command. What it times
is what a person at the control page waits for: the request, the wall applying it in its event
loop, the next paint, and one screenshot round trip (which the wall grabs in the same loop).

    python benchmarks/bench_command_latency.py [--rate 1000] [--count 50]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
SCREENS = ROOT / "tests" / "screens3.json"
CRITICAL = (0xFF, 0x6B, 0x3D)  # the message card's critical tone (kiosk/screens/message.py)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def layout(rate: float, port: int) -> str:
    page = (
        "    pages:\n"
        "      - title: Pulse\n"
        "        widgets:\n"
        "          - {type: timeseries, at: [0, 0, 12, 5], data: social.volume, title: Volume}\n"
        "          - {type: leaderboard, at: [0, 5, 6, 2], data: social.hashtags, title: Tags}\n"
        "          - {type: kpi, at: [6, 5, 6, 2], data: social.rate, title: Rate}\n"
        "          - {type: ticker, at: [0, 7, 12, 1], data: social.mentions}\n"
    )
    screens = "".join(f"  - name: tv{n}\n    match: {{index: {n}}}\n{page}" for n in range(3))
    return (
        f"control: {{listen: '127.0.0.1:{port}'}}\n"
        f"sources:\n  social: {{type: demo, brands: [Acme, Globex], rate: {rate:g}, seed: 5}}\n"
        f"screens:\n{screens}"
    )


def has_card(png: bytes) -> bool:
    from PySide6.QtGui import QImage

    image = QImage.fromData(png, "PNG").convertToFormat(QImage.Format.Format_RGB888)
    raw = bytes(image.constBits())  # type: ignore[call-overload]
    stride, width = image.bytesPerLine(), image.width()
    needle = bytes(CRITICAL)
    hits = 0
    for y in range(0, image.height(), 4):
        row = raw[y * stride : y * stride + width * 3]
        hits += row.count(needle)
        if hits > 20:
            return True
    return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--count", type=int, default=50)
    args = parser.parse_args()
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="kiosk-latency-"))
    path = folder / "wall.yaml"
    path.write_text(layout(args.rate, port))
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": f"offscreen:configfile={SCREENS}",
        "KIOSK_CACHE_DIR": str(folder / "cache"),
        "KIOSK_STATE_DIR": str(folder),
    }
    wall = subprocess.Popen(
        [sys.executable, "-m", "kiosk.cli", "run", str(path)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(folder / "wall.log").open("w"),
        cwd=ROOT,
    )
    took: list[float] = []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if client.get("/v1/status").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit(f"the wall did not answer; see {folder / 'wall.log'}")
                time.sleep(0.2)
            time.sleep(10)  # warm-up: first paints, the demo's backfill, a few flips of data
            shot = "/v1/screens/tv1/screenshot"
            for i in range(args.count):
                started = time.perf_counter()
                answer = client.post(
                    "/v1/commands",
                    json={"command": "message", "to": ["tv1"], "headline": f"Call {i}",
                          "tone": "critical"},
                )  # fmt: skip
                answer.raise_for_status()
                while not has_card(client.get(shot).content):
                    if time.perf_counter() - started > 10:
                        raise SystemExit(f"message {i} never showed")
                took.append((time.perf_counter() - started) * 1000)
                client.post(
                    "/v1/commands", json={"command": "end_message", "id": answer.json()["id"]}
                )
                while has_card(client.get(shot).content):
                    pass
    finally:
        wall.terminate()
        wall.wait(timeout=30)
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.machine(),
    )  # fmt: skip
    quantiles = statistics.quantiles(took, n=20)
    print(f"machine: {cpu}, {os.cpu_count()} cores; {platform.platform()}")
    print(f"command: {' '.join(sys.argv)}")
    print(
        json.dumps(
            {
                "commands": len(took),
                "rate": args.rate,
                "screens": 3,
                "p50_ms": round(statistics.median(took), 1),
                "p95_ms": round(quantiles[18], 1),
                "max_ms": round(max(took), 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
