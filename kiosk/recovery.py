"""Getting back on screen without anyone at the box: crash loops, a broken layout, memory.

With ``kiosk run --unattended`` (what the systemd unit runs):

- every start is written down and crossed out again on a clean exit; a run that does not reach
  a clean exit (a crash, a kill, a frozen UI restarted by the watchdog) stays on the list. With
  :data:`CRASHES_FOR_SAFE_MODE` such starts within :data:`CRASH_WINDOW` seconds, the next start
  shows the safe layout instead of the configured one;
- a layout that does not load shows the safe layout too, with the first errors on screen, and
  the file stays watched: the fixed layout is applied the moment it is saved;
- a run that has been up for :data:`STABLE_AFTER` seconds clears the list.

The safe layout needs nothing but Qt: a clock, and a text saying what happened and where to
look. No Qt here; the app builds the wall from :func:`safe_layout`.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

from kiosk.config import Layout
from kiosk.paths import default_cache_dir
from kiosk.sources.cache import write_atomically

log = logging.getLogger(__name__)

CRASH_WINDOW = 300.0
CRASHES_FOR_SAFE_MODE = 3
STABLE_AFTER = 120.0
SAFE_SCREENS = 8  # one safe screen per monitor, for walls of up to this many


class StartLog:
    """Starts that have not (yet) ended cleanly, kept in a small JSON file."""

    def __init__(self, path: Path | None = None, clock: object = time.time) -> None:
        self.path = path or default_cache_dir() / "starts.json"
        self._clock = clock
        self._mine: float | None = None

    def _now(self) -> float:
        return float(self._clock())  # type: ignore[operator]

    def _read(self) -> list[float]:
        try:
            starts = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as error:
            log.warning("start log %s unreadable (%s): starting afresh", self.path, error)
            return []
        if not isinstance(starts, list):
            return []
        return [float(s) for s in starts if isinstance(s, int | float)]

    def _write(self, starts: list[float]) -> None:
        try:
            write_atomically(self.path, json.dumps(starts))
        except OSError as error:
            log.warning("start log %s not written (%s)", self.path, error)

    def start(self) -> int:
        """Record this start; returns how many earlier starts in the window did not end
        cleanly (crashes)."""
        now = self._now()
        recent = [s for s in self._read() if now - s < CRASH_WINDOW]
        self._mine = now
        self._write([*recent, now])
        return len(recent)

    def ended_cleanly(self) -> None:
        """Cross this run off: it was not a crash."""
        if self._mine is None:
            return
        self._write([s for s in self._read() if s != self._mine])
        self._mine = None

    def stable(self) -> None:
        """Up long enough: earlier crashes no longer count towards safe mode."""
        if self._mine is not None:
            self._write([self._mine])


def safe_layout(reason: str) -> Layout:
    """A wall that cannot fail: every monitor shows the time and ``reason``."""
    from kiosk.config.layout import layout_model

    text = (
        "## This wall is in safe mode\n\n"
        f"{reason}\n\n"
        "The details are in the system log: `journalctl -u kiosk`."
    )
    page = {
        "title": "kiosk — safe mode",
        "widgets": [
            {"type": "clock", "at": [0, 0, 12, 3]},
            {"type": "text", "at": [0, 3, 12, 5], "markdown": True, "text": text},
        ],
    }
    screens = [
        {"name": f"safe-{n + 1}", "match": {"any": True}, "pages": [page]}
        for n in range(SAFE_SCREENS)
    ]
    return layout_model().model_validate({"screens": screens})


def memory_limit_mb(explicit: float | None) -> float | None:
    """The memory guard's limit: ``explicit``, else 85 % of the cgroup's memory.max (what
    systemd's MemoryMax sets), else none."""
    if explicit is not None:
        return explicit if explicit > 0 else None
    try:  # cgroup v2: "0::/system.slice/kiosk.service"
        group = Path("/proc/self/cgroup").read_text().strip().split("::", 1)[-1]
        raw = Path("/sys/fs/cgroup", group.lstrip("/"), "memory.max").read_text().strip()
    except OSError:
        return None
    if raw == "max" or not raw.isdigit():
        return None
    return int(raw) / 2**20 * 0.85
