"""CPU the wall spends with its HTTP API listening but idle, against the same wall without it.

Runs ``kiosk run LAYOUT --seconds N`` twice on the offscreen platform (three simulated monitors,
tests/screens3.json): once as written, once with ``control: {enabled: false}``; prints each
run's user+system CPU seconds per minute, read from the child's rusage. No assertion: a figure.

    .venv/bin/python benchmarks/control_idle_cpu.py LAYOUT [--seconds 60] [--rounds 1]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def cpu_per_minute(layout: Path, seconds: float) -> float:
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={ROOT / 'tests/screens3.json'}")
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk.cli", "run", str(layout), "--seconds", str(seconds)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    if process.returncode != 0:
        raise SystemExit(f"kiosk run exited {process.returncode}")
    return (usage.ru_utime + usage.ru_stime) / wall * 60


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("layout", type=Path)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    document = yaml.safe_load(args.layout.read_text())
    document["control"] = {**document.get("control", {}), "enabled": False}
    document["control"].pop("tokens", None)
    document["control"].pop("listen", None)
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", dir=args.layout.parent) as off:
        yaml.safe_dump(document, off)
        off.flush()
        for round_ in range(args.rounds):
            with_api = cpu_per_minute(args.layout, args.seconds)
            without = cpu_per_minute(Path(off.name), args.seconds)
            print(
                f"round {round_ + 1}: with the API idle {with_api:.3f} CPU-s/min, "
                f"without it {without:.3f} CPU-s/min ({args.seconds:g} s runs, process "
                "start included)"
            )


if __name__ == "__main__":
    main()
