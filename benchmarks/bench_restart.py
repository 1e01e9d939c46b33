"""Kill -9 during a run: how long until every screen shows data again.

Starts ``kiosk run`` on three simulated monitors, waits until it logs that every screen shows
data, kills it with SIGKILL, starts it again at once (as systemd does, after ``RestartSec``)
and times kill → "every screen shows data" in the new process. Prints the machine and command.

    python benchmarks/bench_restart.py [LAYOUT] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCREENS = ROOT / "tests" / "screens3.json"
SHOWN = re.compile(r"every screen shows data ([\d.]+) s after start")


def start(layout: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={SCREENS}"}
    return subprocess.Popen(
        # Not --unattended: three kills in a row would (rightly) bring up the safe page.
        [sys.executable, "-m", "kiosk.cli", "run", str(layout)],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=ROOT,
    )


def wait_shown(process: subprocess.Popen[str], timeout: float = 60) -> float:
    """Seconds after its start the process said every screen shows data."""
    assert process.stderr is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            raise RuntimeError("kiosk ended before showing data")
        if found := SHOWN.search(line):
            return float(found.group(1))
    raise TimeoutError("no data on screen within the timeout")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("layout", nargs="?", type=Path, default=ROOT / "layouts" / "demo.yaml")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from kiosk.bench import machine_lines

    print(machine_lines()[0])
    print(f"command: python benchmarks/bench_restart.py {args.layout} --rounds {args.rounds}")
    process = start(args.layout)
    first = wait_shown(process)
    print(f"first start: every screen shows data {first:.1f} s after start")
    gaps = []
    for _ in range(args.rounds):
        time.sleep(3)
        killed = time.monotonic()
        process.send_signal(signal.SIGKILL)
        process.wait()
        process = start(args.layout)
        wait_shown(process)
        gaps.append(time.monotonic() - killed)
        print(f"kill -9 → every screen shows data again: {gaps[-1]:.1f} s")
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    print(
        f"median {statistics.median(gaps):.1f} s over {len(gaps)} kills, plus the service "
        "manager's RestartSec (3 s in packaging/kiosk.service.in)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
