"""One rotation over several boxes: a shared schedule, not a shared tick. No Qt.

A group of screens that flips together (``sync: wall``, a span's panels) may have screens on
several boxes. Sending "flip now" would make the skew as large as the message's latency (tens
of ms on a busy broker, seconds on a reconnect). Instead the boxes share a *schedule*: step
``N`` (the page every screen of the group shows is ``N`` modulo its page count) starts at
wall-clock time ``T``, and step ``N + 1`` follows when step ``N``'s page duration (that of the
group's first screen in the layout) is over. Every box computes the same instants from the same
``(N, T)`` and the same layout, and flips by its own NTP-synced clock: the skew is the boxes'
clock offset plus a frame, whatever the network does, and a box cut off from the broker flips
on in step.

The schedule is published retained on ``kiosk/<site>/sync/<group>`` as JSON ``{"step", "at",
"by"}``: only when it changes (a staff "next", which takes effect :data:`STEP_LEAD` later on
every box, or the first box of a group to start), never per flip. A box that starts finds it
there and joins in step.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass

log = logging.getLogger(__name__)

STEP_LEAD = 0.5  # s: a staff step starts this much later, so every box has it in time

# The fleet command being applied (its id and the time it was sent), while a box applies it: a
# "next" sent to a group reaches every box of the group, and each computes the same new step
# from the same send time; the step says which command made it, so a box that hears of the
# step before the command does not step twice.
CAUSE: ContextVar[tuple[str, float] | None] = ContextVar("fleet_command", default=None)


def sync_topic(site: str, group: str) -> str:
    return f"kiosk/{site}/sync/{group}"


@dataclass(frozen=True, slots=True)
class Step:
    """Step ``step`` of a group's rotation starts at ``at`` (epoch seconds)."""

    step: int
    at: float
    by: str = ""
    cause: str = ""  # the fleet command that made it, if one did

    def payload(self) -> bytes:
        body = {"step": self.step, "at": self.at, "by": self.by, "cause": self.cause}
        return json.dumps(body, separators=(",", ":")).encode()

    @classmethod
    def from_payload(cls, payload: bytes) -> Step:
        """The step in ``payload``; ValueError (or KeyError, TypeError) when it is not one."""
        body = json.loads(payload)
        step, at = int(body["step"]), float(body["at"])
        if not math.isfinite(at):
            raise ValueError("a step's time is not a number")
        return cls(step, at, str(body.get("by", "")), str(body.get("cause", "")))

    def same_as(self, other: Step | None) -> bool:
        return other is not None and (self.step, self.at) == (other.step, other.at)


def current(step: Step, durations: Sequence[float], now: float) -> Step:
    """The step under way at ``now``, if ``step`` started at its time and each step ``n``
    lasts ``durations[n % len(durations)]`` (``step`` itself when it has not started yet)."""
    if not durations:
        return step
    if now < step.at:  # before it: the steps that led up to it (a command sent just before)
        number, start = step.step, step.at
        while start > now:
            number -= 1
            start -= durations[number % len(durations)]
        return Step(number, start, step.by)
    count, cycle = len(durations), sum(durations)
    whole = int((now - step.at) // cycle)  # whole rotations: no walk through days of steps
    number, start = step.step + whole * count, step.at + whole * cycle
    while start + durations[number % count] <= now:
        start += durations[number % count]
        number += 1
    return Step(number, start, step.by)


def following(step: Step, durations: Sequence[float]) -> Step:
    """The step after ``step``, at the moment ``step`` ends."""
    return Step(step.step + 1, step.at + durations[step.step % len(durations)], step.by)


MAX_AHEAD = 60.0  # s: a schedule that starts later than this is a clock or sender gone wrong
CAUSES_KEPT = 100


class SharedSchedule:
    """One box's side of the shared rotation: each group's schedule, which step it shows, and
    when the next flip is due. The wall owns the timers and the windows; this decides.

    Args:
        box: this box's name (in the steps it publishes).
        share: publishes a new schedule of a group to the other boxes.
        pacing: each group's page durations (its first screen's in the layout).
        clock: epoch seconds (the box's NTP-synced clock).
    """

    def __init__(
        self,
        box: str,
        share: Callable[[str, Step], None],
        pacing: dict[str, list[float]],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.box = box
        self.pacing = pacing
        self.clock = clock
        self._share = share
        self._schedule: dict[str, Step] = {}
        self._showing: dict[str, int] = {}
        self._causes: dict[str, None] = {}  # fleet commands whose step is taken, oldest first

    def schedules(self, groups: Iterable[str]) -> dict[str, Step]:
        return {group: self._schedule[group] for group in groups if group in self._schedule}

    def due(self, group: str) -> float:
        """When the group's next flip is due (epoch s); a group seen for the first time starts
        its schedule now, on the page it shows (the fleet hears of it if no box has one)."""
        now = self.clock()
        step = self._schedule.get(group)
        if step is None:
            step = self._schedule[group] = Step(0, now, self.box)
            self._showing[group] = 0
        if step.at > now:
            return step.at
        return following(current(step, self.pacing[group], now), self.pacing[group]).at

    def reached(self, group: str, early: float = 0.0) -> Step | None:
        """The step to show now, when it is not the one shown (``early``: a timer that fires
        this little before its moment has reached it)."""
        now = self.clock() + early
        step = self._schedule.get(group)
        if step is None or now < step.at:
            return None
        step = self._schedule[group] = current(step, self.pacing[group], now)
        if self._showing.get(group) == step.step:
            return None
        self._showing[group] = step.step
        return step

    def follow(self, group: str, step: Step) -> bool:
        """Take a schedule another box published; True when it changes this one's."""
        if step.at > self.clock() + MAX_AHEAD:
            log.warning("ignored a schedule for %s %.0f s ahead", group, step.at - self.clock())
            return False
        self._remember(step)
        if step.same_as(self._schedule.get(group)):
            return False
        self._schedule[group] = step
        return True

    def move(self, group: str, by: int) -> None:
        """Staff said next (``by`` 1) or previous (-1): every box moves, :data:`STEP_LEAD`
        after the command was sent (or now, for a command to this box alone)."""
        cause = CAUSE.get()
        if cause is not None and cause[0] in self._causes:
            return  # another box of the group made this command's step: it is ours too
        now = self.clock() if cause is None else cause[1]
        showing = current(self._schedule.get(group, Step(0, now)), self.pacing[group], now)
        moved = Step(showing.step + by, now + STEP_LEAD, self.box, cause[0] if cause else "")
        self._remember(moved)
        self._schedule[group] = moved
        self._share(group, moved)

    def _remember(self, step: Step) -> None:
        if step.cause:
            self._causes[step.cause] = None
            while len(self._causes) > CAUSES_KEPT:
                del self._causes[next(iter(self._causes))]
