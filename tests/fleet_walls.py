"""Several ``kiosk run`` wall processes (offscreen) and a ``kiosk serve`` node on one broker,
every wall showing its part of one span and one ``sync: wall`` screen, with a paint log each.

Used by tests/test_fleet_sync.py and benchmarks/bench_fleet_skew.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from tests.mqtt_broker import free_port

ROOT = Path(__file__).resolve().parent.parent


def write_layout(folder: Path, broker: str, boxes: list[str], *, page: float = 2.0) -> Path:
    """One layout for every box: a span with a panel on each box, and on each box a screen of
    its own flipping with ``sync: wall``; pages of ``page`` seconds, cut (no fade)."""
    panels = "\n".join(f"      - {{box: {box}, index: 0}}" for box in boxes)
    screens = "\n".join(
        textwrap.dedent(
            f"""\
              - name: side-{box}
                match: {{box: {box}, index: 1}}
                rotation: {{transition: cut, sync: wall}}
                pages:
                  - {{title: One, duration: {page}s, widgets: [{{type: kpi, at: [0, 0, 6, 4],
                      data: social.rate, title: Rate}}]}}
                  - {{title: Two, duration: {page}s, widgets: [{{type: kpi, at: [0, 0, 6, 4],
                      data: social.rate, title: Rate}}]}}
            """
        )
        for box in boxes
    )
    text = (
        textwrap.dedent(
            f"""\
            sources:
              social: {{type: demo, brands: [Acme, Globex], ours: Acme, rate: 40, seed: 3}}
            data:
              mqtt: {{broker: "{broker}", site: hq, box: "${{env:KIOSK_BOX}}", keepalive: 4s,
                      publish_interval: 100ms}}
            spans:
              - name: videowall
                columns: {len(boxes)}
                rows: 1
                rotation: {{transition: cut}}
                monitors:
            """
        )
        + panels
        + "\n"
        + textwrap.dedent(
            f"""\
                pages:
                  - {{title: A, duration: {page}s, widgets: [{{type: kpi, at: [0, 0, 6, 4],
                      data: social.rate, title: Rate}}]}}
                  - {{title: B, duration: {page}s, widgets: [{{type: kpi, at: [0, 0, 6, 4],
                      data: social.net_sentiment, title: Sentiment}}]}}
                  - {{title: C, duration: {page}s, widgets: [{{type: kpi, at: [0, 0, 6, 4],
                      data: social.our_share, title: Share}}]}}
            control: {{listen: "127.0.0.1:${{env:KIOSK_CONTROL_PORT}}"}}
            screens:
            """
        )
        + screens
    )
    path = folder / "fleet-wall.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def env(box: str, folder: Path, log: Path | None = None, port: int = 0) -> dict[str, str]:
    """A box's environment: its name, its control API's port, its own cache and state."""
    extra = {"KIOSK_PAINT_LOG": str(log)} if log is not None else {}
    return {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen",
            "KIOSK_BOX": box, "KIOSK_CONTROL_PORT": str(port or free_port()),
            "KIOSK_CACHE_DIR": str(folder / box / "cache"),
            "KIOSK_STATE_DIR": str(folder / box / "state"), **extra}  # fmt: skip


def serve(layout: Path, folder: Path) -> subprocess.Popen[bytes]:
    with (folder / "node.err").open("ab") as errors:
        return subprocess.Popen(
            [sys.executable, "-m", "kiosk.cli", "serve", str(layout)],
            env=env("node", folder),
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )


def run_wall(
    layout: Path, box: str, folder: Path, seconds: float, *, port: int = 0
) -> subprocess.Popen[bytes]:
    with (folder / f"{box}.err").open("ab") as errors:
        return subprocess.Popen(
            [sys.executable, "-m", "kiosk.cli", "run", "--windowed", "--seconds",
             str(seconds), str(layout)],
            env=env(box, folder, folder / f"{box}.paint", port),
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )  # fmt: skip


@dataclass
class Paints:
    """What the paint logs of every wall say."""

    # (screen, step) → paint time of that flip, per box
    flips: dict[str, dict[tuple[str, int], float]] = field(default_factory=dict)
    # update → pixels: paint time minus the data node's timestamp, every box
    latencies: list[float] = field(default_factory=list)
    # a shared flip's first paint minus the moment the schedule had it, every box
    late: dict[tuple[str, str, int], float] = field(default_factory=dict)

    @classmethod
    def read(cls, folder: Path, boxes: list[str]) -> Paints:
        paints = cls()
        for box in boxes:
            flips: dict[tuple[str, int], float] = {}
            path = folder / f"{box}.paint"
            lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
            for line in lines:
                kind, *rest = line.split()
                if kind == "flip":
                    screen, step, at, due = rest
                    key = (screen.split("-", 1)[0].split("#", 1)[0], int(step))
                    if key not in flips and float(due) > 0:
                        paints.late[(box, *key)] = float(at) - float(due)
                    flips.setdefault(key, float(at))
                elif kind == "data":
                    _screen, _stream, made, painted = rest
                    paints.latencies.append(float(painted) - float(made))
            paints.flips[box] = flips
        return paints

    def skews(self, since: float = 0.0) -> dict[tuple[str, int], float]:
        """Per (group, step) every box showed after ``since``: latest paint minus earliest."""
        together: dict[tuple[str, int], list[float]] = defaultdict(list)
        for flips in self.flips.values():
            for key, at in flips.items():
                if at >= since:
                    together[key].append(at)
        count = len(self.flips)
        return {key: max(ats) - min(ats) for key, ats in together.items() if len(ats) == count}
