"""A wall left alone with backends that fail in every way: does it stay up, small, fluid, and
come back by itself? The fault soak behind "weeks unattended".

Starts ``tests/faultserver.py``, writes a layout with one source of every HTTP type pointed at
it plus the demo source at 1,000 mentions/s, widgets bound to every source's streams on three
offscreen 1920x1080 screens, and runs ``kiosk run --unattended LAYOUT`` as a subprocess, as on a
mini-PC, its log in a file. Every source then goes through every fault kind, a new one each
slot (45 s, shorter when the run is too short to cover all kinds): faulty for the first part of
the slot, healthy for the rest. The last stretch of the run is healthy for all.

It watches the process (a death is restarted after 3 s, like systemd's RestartSec, and
counted), its RSS and PSS, the wall's own loop lateness (``KIOSK_LATENESS_LOG``, a 100 ms timer
inside the wall), and every source's state and last good poll from the wall's control API
(``GET /v1/status``) and its log's state lines. A line every 5 minutes, a report at the end.

    .venv/bin/python benchmarks/fault_soak.py --minutes 60 [--keep DIR]
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.faultserver import FAULTS, FaultServer, fault_sources  # noqa: E402

KINDS = tuple(kind for kind in FAULTS if kind != "ok")
PREFIXES = {
    "json": "/json/",
    "prom": "/prom/",
    "es": "/es/",
    "news": "/rss/",
    "cal": "/ics/",
    "events": "/sse/",
    "masto": "/masto/",
}
# Production-like but brisk: a fault of a slot makes sources stale, then failed, and a healed
# backend is seen within max_backoff (or Retry-After).
POLLING = {"interval": "5s", "timeout": "2s", "backoff": "0.5s", "max_backoff": "5s",
           "stale_after": "10s"}  # fmt: skip
RESTART_SEC = 3.0
REPORT_EVERY = 300.0
FINAL_HEALTHY = 30.0  # seconds at the end with every backend healthy
FAULT_SHARE = 0.55  # of a slot, faulty; the rest healthy
STATE_LINE = re.compile(r"kiosk\.hub: source (\w+): (\w+)")


def layout(url: str, control_port: int) -> dict[str, Any]:
    """Sources of every type on the fault server, the demo at 1,000/s, three screens of widgets."""
    sources: dict[str, Any] = {
        "social": {"type": "demo", "brands": ["Acme", "Globex"], "ours": "Acme",
                   "rate": 1000, "rhythm": False, "seed": 7},
        **fault_sources(url, POLLING, idle="5s"),
    }  # fmt: skip
    screens = [
        ("metrics", [
            ("kpi", [0, 0, 3, 2], "social.rate"), ("kpi", [3, 0, 3, 2], "json.value"),
            ("kpi", [6, 0, 3, 2], "prom.up"), ("kpi", [9, 0, 3, 2], "es.count"),
            ("timeseries", [0, 2, 6, 3], "social.volume"),
            ("timeseries", [6, 2, 6, 3], "prom.traffic"),
            ("timeseries", [0, 5, 12, 2], "es.per_hour"),
            ("ticker", [0, 7, 12, 1], "social.mentions")]),
        ("news", [
            ("leaderboard", [0, 0, 6, 4], "cal.today"), ("text", [6, 0, 6, 2], "cal.next"),
            ("timeseries", [6, 2, 6, 2], "news.count"),
            ("post_wall", [0, 4, 12, 3], "news.headlines"),
            ("ticker", [0, 7, 12, 1], "news.headlines")]),
        ("live", [
            ("kpi", [0, 0, 3, 2], "events.value"), ("kpi", [3, 0, 3, 2], "masto.rate"),
            ("leaderboard", [6, 0, 6, 2], "masto.hashtags"),
            ("post_wall", [0, 2, 8, 5], "masto.mentions"),
            ("share_of_voice", [8, 2, 4, 5], "social.share"),
            ("ticker", [0, 7, 12, 1], "masto.mentions")]),
    ]  # fmt: skip
    return {
        "theme": {"name": "dark", "brands": {"Acme": "#56B4E9", "Globex": "#E69F00"}},
        "control": {"listen": f"127.0.0.1:{control_port}"},
        "sources": sources,
        "screens": [
            {
                "name": name,
                "match": {"index": index},
                "pages": [
                    {
                        "title": name,
                        "widgets": [
                            {"type": kind, "at": at, "data": data} for kind, at, data in widgets
                        ],
                    }
                ],
            }
            for index, (name, widgets) in enumerate(screens)
        ],
    }


def screens_config(path: Path) -> Path:
    """Three 1920x1080 monitors side by side, for Qt's offscreen platform."""
    screens = [
        {"name": f"HDMI-{i + 1}", "x": 1920 * i, "y": 0, "width": 1920, "height": 1080,
         "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}
        for i in range(3)
    ]  # fmt: skip
    path.write_text(json.dumps({"screens": screens}))
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Episode:
    """One fault on one source: when it was set and healed, and when the source was back."""

    kind: str
    start: float
    healed: float | None = None
    back: float | None = None  # state ok with a good poll after ``healed``


@dataclass
class Wall:
    """The ``kiosk run`` process, restarted like systemd would if it dies."""

    layout: Path
    env: dict[str, str]
    log_path: Path
    restarts: int = 0
    exits: list[int] = field(default_factory=list)
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "kiosk.cli", "run", "--unattended", str(self.layout)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=ROOT,
            )

    def watch(self) -> None:
        assert self.process is not None
        code = self.process.poll()
        if code is not None:
            self.exits.append(code)
            self.restarts += 1
            print(f"!! kiosk exited with {code}; restarting in {RESTART_SEC:g} s", flush=True)
            time.sleep(RESTART_SEC)
            self.start()

    def memory(self) -> tuple[float, float]:
        """RSS and PSS in MiB."""
        assert self.process is not None
        try:
            info = psutil.Process(self.process.pid).memory_full_info()
        except psutil.Error:
            return math.nan, math.nan
        return info.rss / 2**20, getattr(info, "pss", math.nan) / 2**20

    def stop(self) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


def status(port: int) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/status", timeout=5) as answer:
            result: dict[str, Any] = json.load(answer)
            return result
    except (OSError, ValueError):
        return None


def epoch(iso: str | None) -> float | None:
    return datetime.datetime.fromisoformat(iso).timestamp() if iso else None


def source_back(source: dict[str, Any], healed: float) -> bool:
    """State ok and a good poll after the heal (last_ok has whole seconds: the next second)."""
    last_ok = epoch(source.get("last_ok"))
    return source["state"] == "ok" and last_ok is not None and last_ok >= math.floor(healed) + 1


def worst_lateness(path: Path) -> float:
    """The worst loop lateness in ms the wall wrote to its lateness log."""
    if not path.exists():
        return math.nan
    found = re.findall(r"max_late_ms=([\d.]+)", path.read_text())
    return max(map(float, found), default=math.nan)


def stalls(path: Path) -> list[tuple[float, float]]:
    """The stalls of 250 ms or more the wall logged: (epoch second, ms)."""
    if not path.exists():
        return []
    found = re.findall(r"^(\S+) stall_ms=([\d.]+)$", path.read_text(), re.MULTILINE)
    return [(time.mktime(time.strptime(at, "%Y-%m-%dT%H:%M:%S")), float(ms)) for at, ms in found]


def state_lines(log_path: Path) -> dict[str, list[str]]:
    lines: dict[str, list[str]] = defaultdict(list)
    for match in STATE_LINE.finditer(log_path.read_text(errors="replace")):
        lines[match.group(1)].append(match.group(2))
    return lines


def wait_shown(wall: Wall, timeout: float = 120) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = wall.log_path.read_text(errors="replace")
        if found := re.search(r"every screen shows data ([\d.]+) s after start", text):
            return float(found.group(1))
        wall.watch()
        time.sleep(0.5)
    raise TimeoutError(f"no data on every screen within {timeout:g} s; see {wall.log_path}")


class Schedule:
    """Which fault each source has when: source ``i`` gets ``KINDS[(slot + i) % 11]`` for the
    first part of each slot, so every source meets every kind within 11 slots, not all at once
    with the same one."""

    def __init__(self, start: float, seconds: float) -> None:
        self.start = start
        self.slot = min(45.0, seconds / len(KINDS))
        self.slots = max(len(KINDS), int(seconds // self.slot))
        self.end = start + self.slots * self.slot

    def fault(self, index: int, now: float) -> str:
        if not self.start <= now < self.end:
            return "ok"
        slot, into = divmod(now - self.start, self.slot)
        if into >= self.slot * FAULT_SHARE:
            return "ok"
        return KINDS[(int(slot) + index) % len(KINDS)]


@dataclass
class Soak:
    server: FaultServer
    wall: Wall
    port: int
    lateness_path: Path
    episodes: dict[str, list[Episode]] = field(default_factory=lambda: defaultdict(list))
    current: dict[str, str] = field(default_factory=dict)
    memory: dict[str, tuple[float, float]] = field(default_factory=dict)
    peak_rss: float = 0.0
    faults_from: float = 0.0  # when the schedule starts
    last_status: dict[str, Any] | None = None

    def apply(self, schedule: Schedule, now: float) -> None:
        """Set or heal faults as the schedule says, noting each episode."""
        for index, (name, prefix) in enumerate(PREFIXES.items()):
            kind = schedule.fault(index, now)
            if kind == self.current.get(name, "ok"):
                continue
            self.server.fault(prefix, kind)
            if self.current.get(name, "ok") != "ok":
                self.episodes[name][-1].healed = now
            if kind != "ok":
                self.episodes[name].append(Episode(kind, now))
            self.current[name] = kind

    def observe(self) -> None:
        """Read the wall's status: which healed episodes are back."""
        found = status(self.port)
        if found is None:
            return
        self.last_status = found
        now = time.time()
        for name, episodes in self.episodes.items():
            last = episodes[-1] if episodes else None
            source = found["sources"].get(name)
            if (
                last
                and last.healed
                and last.back is None
                and source
                and source_back(source, last.healed)
            ):
                last.back = now

    def sample_memory(self, label: str | None = None) -> tuple[float, float]:
        rss, pss = self.wall.memory()
        if not math.isnan(rss):
            self.peak_rss = max(self.peak_rss, rss)
        if label is not None:
            self.memory[label] = (rss, pss)
        return rss, pss

    def progress_line(self, elapsed: float) -> str:
        rss, pss = self.sample_memory()
        done = [e for eps in self.episodes.values() for e in eps if e.healed]
        back = [e for e in done if e.back is not None]
        states = ""
        if self.last_status is not None:
            states = " ".join(f"{n}={s['state']}" for n, s in self.last_status["sources"].items())
        return (
            f"[{elapsed / 60:5.1f} min] RSS {rss:.0f} MiB, PSS {pss:.0f} MiB, restarts "
            f"{self.wall.restarts}, worst loop lateness {worst_lateness(self.lateness_path):.0f}"
            f" ms, faults healed {len(done)}, back {len(back)}; {states}"
        )


def run(soak: Soak, schedule: Schedule, started: float, seconds: float) -> None:
    next_report = started + REPORT_EVERY
    while (now := time.time()) < started + seconds:
        soak.wall.watch()
        soak.apply(schedule, now)
        soak.observe()
        if "10 min" not in soak.memory and now - started >= 600:
            soak.sample_memory("10 min")
        elif int(now) % 5 == 0:
            soak.sample_memory()
        if now >= next_report:
            print(soak.progress_line(now - started), flush=True)
            next_report += REPORT_EVERY
        time.sleep(1.0 - (time.time() % 1.0))


def report(soak: Soak, schedule: Schedule, log_path: Path, stop_code: int | None) -> list[str]:
    lines = [
        f"fault schedule: {schedule.slots} slots of {schedule.slot:.0f} s (faulty the first "
        f"{FAULT_SHARE:.0%}), then {FINAL_HEALTHY:g} s+ healthy; {len(KINDS)} kinds: "
        f"{', '.join(KINDS)}"
    ]
    memory = ", ".join(
        f"{label} RSS {rss:.0f} / PSS {pss:.0f} MiB" for label, (rss, pss) in soak.memory.items()
    )
    lines.append(f"memory: {memory}; peak RSS {soak.peak_rss:.0f} MiB (sampled every 5 s)")
    exits = f" (exit codes {soak.wall.exits})" if soak.wall.exits else ""
    lines.append(
        f"process restarts: {soak.wall.restarts}{exits}; exit code at SIGTERM: {stop_code}"
    )
    lines.append(
        f"longest UI freeze: {worst_lateness(soak.lateness_path):.0f} ms (worst lateness of a "
        f"100 ms timer in the wall; per minute in {soak.lateness_path})"
    )
    lines.extend(stall_lines(soak))
    logged = state_lines(log_path)
    final = soak.last_status["sources"] if soak.last_status else {}
    lines.append("source   kinds  back after heal (median / max)  not back  log lines  final")
    for name in ["social", *PREFIXES]:
        lines.append(source_line(name, soak.episodes.get(name, []), logged[name], final, soak))
    text = log_path.read_text(errors="replace")
    lines.append(
        f"wall log {log_path}: {text.count(' WARNING ')} warnings, {text.count(' ERROR ')} "
        f"errors, {text.count('Traceback')} tracebacks, "
        f"{text.count('Exception ignored')} 'Exception ignored'"
    )
    return lines


def stall_lines(soak: Soak, shown: int = 8) -> list[str]:
    """The worst stalls, each with the faults set around it (the log has whole seconds)."""
    found = sorted(stalls(soak.lateness_path), key=lambda stall: -stall[1])
    lines = [f"stalls of 250 ms or more: {len(found)}" + (", the worst:" if found else "")]
    for at, ms in found[:shown]:
        active = [
            f"{name} {e.kind}"
            for name, episodes in soak.episodes.items()
            for e in episodes
            if e.start - 1 <= at + 1 and (e.healed is None or e.healed + 1 >= at)
        ]
        when = time.strftime("%H:%M:%S", time.localtime(at))
        if at < soak.faults_from - 1:
            what = "before the first fault (start-up)"
        else:
            what = "faults then: " + (", ".join(active) or "none")
        lines.append(f"  {ms:6.0f} ms at {when}, {what}")
    return lines


def source_line(
    name: str, episodes: list[Episode], logged: list[str], final: dict[str, Any], soak: Soak
) -> str:
    healed = [e for e in episodes if e.healed is not None]
    gaps = sorted(e.back - e.healed for e in healed if e.back is not None and e.healed)
    missed = [e.kind for e in healed if e.back is None]
    kinds = len({e.kind for e in healed})
    spread = f"{gaps[len(gaps) // 2]:5.1f} / {gaps[-1]:5.1f} s" if gaps else "-"
    source: dict[str, Any] = final.get(name) or {"state": "unknown"}
    if not healed:  # the demo: never faulted, always ok
        recovered = source["state"] == "ok"
    else:
        recovered = source_back(source, healed[-1].healed or 0.0)
    state = source["state"]
    verdict = "RECOVERED" if recovered else "NOT RECOVERED"
    return (
        f"{name:8} {kinds:2}/{len(KINDS) if name != 'social' else 0:<2}  {spread:>26}    "
        f"{len(missed):3} {missed if missed else ''}  {len(logged):6}     {state}, {verdict}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--keep", type=Path, default=None, help="write layout and logs here")
    args = parser.parse_args()
    from kiosk.bench import machine_lines

    print(machine_lines()[0])
    print(f"command: python benchmarks/fault_soak.py --minutes {args.minutes:g}", flush=True)
    work = args.keep or Path(tempfile.mkdtemp(prefix="fault-soak-"))
    work.mkdir(parents=True, exist_ok=True)
    with FaultServer() as server:
        port = free_port()
        layout_path = work / "fault-soak.yaml"
        layout_path.write_text(json.dumps(layout(server.url, port), indent=1))
        lateness_path = work / "lateness.log"
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": f"offscreen:configfile={screens_config(work / 'screens.json')}",
            "KIOSK_LATENESS_LOG": str(lateness_path),
            "KIOSK_STATE_DIR": str(work / "state"),
            "XDG_CACHE_HOME": str(work / "cache"),  # the sources' disk cache, the audit log
            "XDG_STATE_HOME": str(work / "state"),  # the start log of --unattended
        }
        wall = Wall(layout_path, env, work / "kiosk.log")
        started = time.time()
        wall.start()
        try:  # an interrupt at any point stops the wall too: no wall left running
            shown = wait_shown(wall)
            print(f"wall up: every screen shows data {shown:.1f} s after start; files in {work}")
            soak = Soak(server, wall, port, lateness_path)
            soak.sample_memory("start")
            seconds = args.minutes * 60
            faulting = seconds - (time.time() - started) - FINAL_HEALTHY
            schedule = Schedule(time.time(), faulting)
            soak.faults_from = schedule.start
            run(soak, schedule, started, seconds)
            soak.observe()
            soak.sample_memory(f"{args.minutes:g} min")
            print(soak.progress_line(time.time() - started) + " (end)", flush=True)
        finally:
            code = wall.stop()
        print("\n".join(report(soak, schedule, wall.log_path, code)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
