"""The screen of issue #14 in Chromium (ECharts, ``--kiosk``) and in kiosk, on one Xvfb.

Runs both, alternating, ``--pairs`` times: each run gets ``--warmup`` seconds, then CPU (user +
system of the whole process tree: Chromium's browser, renderer, GPU and utility processes;
kiosk's one process) over ``--seconds``, and the tree's PSS (peak of samples every 5 s). Prints
every run, the medians and the ratio kiosk / browser. No assertion: figures.

    .venv/bin/python benchmarks/bench_browser.py [--seconds 60] [--warmup 15] [--pairs 3]

Needs ``chromium`` and ``Xvfb`` (Debian packages) and ECharts: benchmarks/browser/echarts.min.js
is fetched once with ``npm pack echarts@5`` if it is missing (it is not committed: 1 MB).
The kiosk side is benchmarks/browser_screen.yaml, first screen, first page, at ``--rate``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import psutil
import yaml

HERE = Path(__file__).resolve().parent
PAGE = HERE / "browser" / "screen.html"
ECHARTS = HERE / "browser" / "echarts.min.js"
LAYOUT = HERE / "browser_screen.yaml"


def fetch_echarts() -> None:
    if ECHARTS.exists():
        return
    if shutil.which("npm") is None:
        raise SystemExit(f"{ECHARTS} is missing and npm is not installed to fetch it")
    print("fetching ECharts 5 from the npm registry (npm pack echarts@5) ...", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(["npm", "pack", "echarts@5", "--silent"], cwd=folder, check=True)
        archive = next(Path(folder).glob("echarts-*.tgz"))
        with tarfile.open(archive) as tar:
            member = tar.extractfile("package/dist/echarts.min.js")
            if member is None:
                raise SystemExit(f"{archive.name} has no dist/echarts.min.js")
            ECHARTS.write_bytes(member.read())


def start_xvfb(size: str) -> tuple[subprocess.Popen[bytes], str]:
    read, write = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    if not number:
        raise SystemExit("Xvfb did not start")
    return xvfb, f":{number}"


def kiosk_layout(rate: float, folder: Path) -> Path:
    document = yaml.safe_load(LAYOUT.read_text())
    first = document["screens"][0]
    first["pages"] = first["pages"][:1]  # the browser page does not rotate
    first["match"] = {"any": True}
    document["screens"] = [first]
    document["sources"]["social"]["rate"] = rate
    path = folder / "kiosk_screen.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def tree(root: psutil.Process) -> list[psutil.Process]:
    try:
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def cpu_of(processes: list[psutil.Process]) -> dict[int, float]:
    seen = {}
    for process in processes:
        try:
            times = process.cpu_times()
            seen[process.pid] = times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return seen


def pss_of(processes: list[psutil.Process]) -> float:
    total = 0
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            total += process.memory_full_info().pss
    return total / 2**20


def measure(
    command: list[str], env: dict[str, str], warmup: float, seconds: float
) -> tuple[float, float]:
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    root = psutil.Process(process.pid)
    try:
        time.sleep(warmup)
        if process.poll() is not None:
            raise SystemExit(f"{command[0]} exited {process.returncode} during warm-up")
        before = cpu_of(tree(root))
        started = time.monotonic()
        pss = 0.0
        while time.monotonic() - started < seconds:
            time.sleep(min(5.0, seconds - (time.monotonic() - started)))
            pss = max(pss, pss_of(tree(root)))
        after = cpu_of(tree(root))
        wall = time.monotonic() - started
        used = sum(value - before.get(pid, 0.0) for pid, value in after.items())
        return used / wall * 60, pss
    finally:
        for child in reversed(tree(root)):
            with contextlib.suppress(psutil.NoSuchProcess):
                child.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=15.0)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--chromium", default="chromium")
    args = parser.parse_args()
    for program in (args.chromium, "Xvfb"):
        if shutil.which(program) is None:
            raise SystemExit(f"{program} is not installed (Debian: chromium, xvfb)")
    fetch_echarts()
    xvfb, display = start_xvfb(args.size)
    width, height = args.size.split("x")
    try:
        with tempfile.TemporaryDirectory() as folder:
            env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
            browser = [
                args.chromium,
                "--kiosk",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-breakpad",
                f"--user-data-dir={folder}/profile",
                f"--window-size={width},{height}",
                "--window-position=0,0",
                *(["--no-sandbox"] if os.geteuid() == 0 else []),
                f"{PAGE.as_uri()}?rate={args.rate:g}",
            ]
            kiosk = [
                sys.executable,
                "-m",
                "kiosk.cli",
                "run",
                str(kiosk_layout(args.rate, Path(folder))),
            ]
            runs: dict[str, list[tuple[float, float]]] = {"browser": [], "kiosk": []}
            for pair in range(args.pairs):
                for name, command in (("browser", browser), ("kiosk", kiosk)):
                    cpu, pss = measure(command, env, args.warmup, args.seconds)
                    runs[name].append((cpu, pss))
                    print(
                        f"pair {pair + 1} {name:8}: {cpu:6.2f} CPU-s/min, PSS {pss:5.0f} MB",
                        flush=True,
                    )
    finally:
        xvfb.terminate()
        xvfb.wait(10)
    medians = {
        name: (statistics.median(c for c, _ in values), statistics.median(p for _, p in values))
        for name, values in runs.items()
    }
    for name, (cpu, pss) in medians.items():
        print(f"median {name:8}: {cpu:6.2f} CPU-s/min, PSS {pss:5.0f} MB")
    cpu_ratio = medians["kiosk"][0] / medians["browser"][0]
    pss_ratio = medians["kiosk"][1] / medians["browser"][1]
    print(
        f"ratio kiosk / browser: CPU {cpu_ratio:.3f} (goal 0.125), "
        f"PSS {pss_ratio:.3f} (goal 0.25); "
        f"{args.pairs} pairs of {args.seconds:g} s after {args.warmup:g} s, {args.size}, "
        f"{args.rate:g} mentions/s, load average {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
