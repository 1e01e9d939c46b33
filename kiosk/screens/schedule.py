"""Operating hours: whether a screen should be on at a given moment, and display power.

No Qt in the decision (tests pass any datetime). :class:`DisplayPower` asks the compositor or
the X server to sleep or wake the displays (``swaymsg``/``xset`` DPMS) where that exists;
elsewhere the screen only goes black, which is what "off" means on a TV that ignores DPMS anyway.
"""

from __future__ import annotations

import datetime
import logging
import os
import shutil
import subprocess
import zoneinfo
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kiosk.config.layout import Schedule

log = logging.getLogger(__name__)

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def is_on(schedule: Schedule | None, moment: datetime.datetime) -> bool:
    """True when ``schedule`` has the screen on at ``moment`` (aware, any zone)."""
    if schedule is None:
        return True
    zone = zoneinfo.ZoneInfo(schedule.timezone) if schedule.timezone else None
    local = moment.astimezone(zone)  # None: the machine's local time
    now = local.hour * 60 + local.minute
    for span in schedule.hours:
        start, end = (_minutes(part) for part in span.split("-"))
        if start <= end:
            day = local.date()
            inside = start <= now < end
        else:  # overnight, e.g. 22:00-06:00: after midnight belongs to the day it began
            inside = now >= start or now < end
            day = local.date() if now >= start else local.date() - datetime.timedelta(days=1)
        if inside and _DAYS[day.weekday()] in schedule.days and day not in schedule.off:
            return True
    return False


class DisplayPower:
    """Sleeps and wakes the displays where the system allows, once per change, and says so in
    the log: under sway (the mini-PC runtime, ``SWAYSOCK``) with ``swaymsg output * dpms``, on
    X11 with ``xset dpms``; everywhere else it does nothing and says that once."""

    def __init__(self) -> None:
        self._command: list[str] | None = None
        swaymsg, xset = shutil.which("swaymsg"), shutil.which("xset")
        if os.environ.get("SWAYSOCK") and swaymsg:
            self._command = [swaymsg, "output * dpms {state}"]
        elif os.environ.get("DISPLAY") and xset:
            self._command = [xset, "dpms", "force", "{state}"]
        self._state: bool | None = None
        self._told = False
        self._runner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="display-power")

    def set(self, on: bool) -> None:
        if on == self._state or (self._state is None and on):
            self._state = on  # displays start awake: nothing to do
            return
        self._state = on
        if self._command is None:
            if not self._told:
                self._told = True
                log.info("display power: no DPMS control here; screens off hours go black only")
            return
        # Off the UI thread, one change after the other: the command may take its time (xset on
        # a busy X server, swaymsg on a compositor still starting) and the tickers must not wait.
        self._runner.submit(self._switch, list(self._command), on)

    def _switch(self, command: list[str], on: bool) -> None:
        state = "on" if on else "off"
        try:
            subprocess.run(
                [part.format(state=state) for part in command],
                check=True,
                timeout=5,
                capture_output=True,
            )
            log.info("display power %s", "on" if on else "off (DPMS)")
        except (OSError, subprocess.SubprocessError) as error:
            log.warning(
                "display power: %s failed (%s); screens off hours go black only",
                Path(command[0]).name,
                error,
            )
            self._command = None
