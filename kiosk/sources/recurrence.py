"""Repeating calendar events, bounded before they are expanded.

recurring-ical-events expands a rule into every occurrence between two times, and dateutil
walks a rule from its DTSTART: one ``RRULE:FREQ=SECONDLY`` event cost 172,802 occurrences and
81 s for the two days the ics source shows, and a FREQ=MINUTELY;INTERVAL=15 event from 2015,
350,000 steps before the first one shown. So before anything is expanded, each repeating event
is (1) moved forward, when that changes none of its occurrences, to shortly before the window,
and (2) counted lazily in the window with a cap; an event repeating more than
:data:`MAX_REPEATS` times, or whose rule cannot be counted cheaply, is left out, and said so.
With both, FREQ=SECONDLY costs milliseconds (tests/test_sources_ics_bounds.py).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from kiosk.lazy import lazy_import
from kiosk.sources.parsing import DATA_ERRORS, DeadlineExceeded, deadline

if TYPE_CHECKING:
    from dateutil import rrule  # type: ignore[import-untyped]
else:
    rrule = lazy_import("dateutil.rrule")

MAX_REPEATS = 500  # of one event in the window (two days): more than one each 6 minutes
MAX_TOTAL = 3000  # of all repeating events in the window: each costs ~0.5 ms to expand
MAX_STEPS = 20_000  # occurrences of one rule looked at while counting (~40 ms)
_SCAN_ERRORS: tuple[type[Exception], ...] = (DeadlineExceeded, *DATA_ERRORS)
SCAN_SECONDS = 0.5  # per event, in a parse worker: a rule that never matches runs for seconds
ZONES = timedelta(hours=14)  # counted around the window: the event's zone is not the wall's

# A rule without COUNT of these frequencies gives the same occurrences from DTSTART moved by
# whole periods (dateutil steps by wall-clock fields, and every BY* part is a property of the
# period, not of how many came before). MONTHLY and YEARLY need no skipping: a century of
# months is 1,200 steps.
_PERIODS = {
    "SECONDLY": timedelta(seconds=1),
    "MINUTELY": timedelta(minutes=1),
    "HOURLY": timedelta(hours=1),
    "DAILY": timedelta(days=1),
    "WEEKLY": timedelta(weeks=1),
}


def bound_repeats(calendar: Any, start: datetime, end: datetime) -> list[str]:
    """Make ``calendar``'s repeating events cheap to expand between ``start`` and ``end``.

    Events that repeat too often in the window, or cannot be counted, are removed (with their
    moved occurrences, which share their UID). Returns one note per removed event.
    """
    notes: list[str] = []
    total = 0
    low, high = _wall(start) - ZONES, _wall(end) + ZONES
    for event in [c for c in calendar.subcomponents if c.name == "VEVENT"]:
        if "RRULE" not in event and "RDATE" not in event:
            continue
        try:
            with deadline(SCAN_SECONDS):
                _skip_ahead(event, low)
                count = _count(event, low, high)
        except _SCAN_ERRORS:
            count = None
        total += count or 0
        if count is not None and count <= MAX_REPEATS and total <= MAX_TOTAL:
            continue
        total -= count or 0
        summary = " ".join(str(event.get("SUMMARY", "")).split())[:60] or "(no title)"
        if count is None:
            notes.append(f"event {summary!r}: its repeat rule cannot be read cheaply; left out")
        elif count > MAX_REPEATS:
            notes.append(f"event {summary!r} repeats over {MAX_REPEATS} times in 2 days; left out")
        else:
            notes.append(f"event {summary!r}: over {MAX_TOTAL} repeating events; left out")
        uid = event.get("UID")
        calendar.subcomponents[:] = [
            c
            for c in calendar.subcomponents
            if c is not event and (uid is None or c.name != "VEVENT" or c.get("UID") != uid)
        ]
    return notes


def _wall(moment: date | datetime) -> datetime:
    """A date or time as a naive wall-clock time (near enough, with :data:`ZONES`)."""
    if not isinstance(moment, datetime):
        return datetime.combine(moment, time())
    return moment.replace(tzinfo=None)


def _rules(event: Any) -> list[Any]:
    rules = event.get("RRULE")
    if rules is None:
        return []
    return rules if isinstance(rules, list) else [rules]


def _skip_ahead(event: Any, before: datetime) -> None:
    """Move a long-running rule's DTSTART (and DTEND) to shortly before ``before``.

    Its DTSTART stays an occurrence (RFC 5545 counts it even when the rule would not): moved,
    it ends a period before ``before``, so it is never one that is shown.
    """
    rules = _rules(event)
    if len(rules) != 1 or "COUNT" in rules[0] or "RDATE" in event:
        return
    freq, interval = rules[0].get("FREQ", [None])[0], rules[0].get("INTERVAL", [1])[0]
    if freq not in _PERIODS or not isinstance(interval, int) or interval < 1:
        return
    period = _PERIODS[freq] * interval
    begins = event["DTSTART"].dt
    if not isinstance(begins, datetime) and period % timedelta(days=1):
        return  # a date moved by part of a day is no longer a date
    length = abs(event["DTEND"].dt - begins) if "DTEND" in event else timedelta()
    gap = before - length - period - _wall(begins)
    if gap <= period:
        return
    shift = period * (gap // period)
    event["DTSTART"].dt = begins + shift
    if "DTEND" in event:
        event["DTEND"].dt = event["DTEND"].dt + shift


def _count(event: Any, low: datetime, high: datetime) -> int | None:
    """Occurrences from ``low`` to ``high`` (capped past MAX_REPEATS), None if too costly."""
    first = _wall(event["DTSTART"].dt)
    count = 0
    for moment in _extra_dates(event):
        count += bool(low <= moment <= high)
    for rule in _rules(event):
        steps = rrule.rrulestr(rule.to_ical().decode(), dtstart=first, ignoretz=True)
        for step, moment in enumerate(itertools.islice(steps, MAX_STEPS + 1)):
            if moment > high:
                break
            if step == MAX_STEPS:
                return None
            count += bool(moment >= low)
            if count > MAX_REPEATS:
                return count
    return count


def _extra_dates(event: Any) -> Iterator[datetime]:
    """The event's RDATEs, as wall-clock times; too many of them are too costly too."""
    found = event.get("RDATE")
    if found is None:
        return
    lists = found if isinstance(found, list) else [found]
    moments = (period.dt for rdates in lists for period in rdates.dts)
    for step, moment in enumerate(moments):
        if step >= MAX_STEPS:
            raise OverflowError("too many RDATEs")
        yield _wall(moment[0] if isinstance(moment, tuple) else moment)
