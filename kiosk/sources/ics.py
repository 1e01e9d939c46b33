"""``type: ics``: today's events from an iCalendar feed (the publishing or content calendar).

Streams:
    today (ranking): today's events in time order, all-day ones first. Each entry's label is the
        event's summary, its detail "14:00–15:00 · Studio 2" (or "all day"), its value the start
        in epoch seconds.
    next (text): "Next: 14:00 Product launch post (in 35 min)", or "Nothing more today".

"Today" is the calendar day in ``timezone`` (default: the machine's), so a day of 23 or 25 hours
at a daylight-saving change is still one day. icalendar parses the feed (fetched by httpx, with
the shared timeout, backoff and conditional requests); recurring-ical-events expands repeating
events (RRULE, RDATE, EXDATE, moved occurrences) into today's and tomorrow's occurrences, which
are also kept on disk. The streams are recomputed every minute from those, between polls, after
a failed poll and after a restart with the network down, since "in 35 min" goes stale by itself.
A feed that is not a calendar fails the poll: the last good events stay.
"""

from __future__ import annotations

import functools
import logging
import math
from datetime import date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import Field, TypeAdapter, field_validator

from kiosk.config.types import TimeZone
from kiosk.sources.base import SourceOptions, register
from kiosk.sources.parsing import DATA_ERRORS, DeadlineExceeded, deadline, describe
from kiosk.sources.polling import FetchError, HttpOptions, HttpSource, PollInterval
from kiosk.sources.recurrence import bound_repeats
from kiosk.values import Kind, RankEntry, Ranking

log = logging.getLogger(__name__)

MAX_EVENTS = 200  # of a day: a calendar with more is not a publishing plan
NOTHING_MORE = "Nothing more today"

Occurrence = tuple[float, float, bool, str, str]
"""(start, end, all day, summary, location); times in epoch seconds, end exclusive."""
_OCCURRENCES: TypeAdapter[list[Occurrence]] = TypeAdapter(list[Occurrence])


class IcsOptions(HttpOptions):
    type: Literal["ics"] = "ics"
    url: str = Field(description="The calendar feed (http, https or webcal).")
    timezone: TimeZone | None = Field(
        default=None, description="IANA zone whose day and clock to show (default: the machine's)."
    )
    interval: PollInterval = Field(
        default=300.0, description="Time between polls while all is well."
    )

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        if url.startswith("webcal://"):  # what calendar apps publish: HTTPS in disguise
            return "https://" + url.removeprefix("webcal://")
        if not url.startswith(("http://", "https://")):
            raise ValueError("expected an http://, https:// or webcal:// address")
        return url


# -- calendar time -----------------------------------------------------------------------------


def local_time(at: float, zone: ZoneInfo | None) -> datetime:
    """``at`` as an aware time in ``zone`` (None: the machine's zone)."""
    return datetime.fromtimestamp(at, zone) if zone else datetime.fromtimestamp(at).astimezone()


def midnight(day: date, zone: ZoneInfo | None) -> float:
    """The epoch seconds at which ``day`` begins in ``zone`` (None: the machine's zone)."""
    return datetime(day.year, day.month, day.day, tzinfo=zone).timestamp()


def _epoch(moment: date | datetime, zone: ZoneInfo | None) -> float:
    if isinstance(moment, datetime):
        if moment.tzinfo is None:  # a "floating" time: the wall's own clock
            moment = moment.replace(tzinfo=zone)
        return moment.timestamp()
    return midnight(moment, zone)


EXPAND_SECONDS = 2.0  # a real feed's two days expand in milliseconds (tests/test_parse_budget.py)


def occurrences(
    body: bytes, start: float, end: float, zone: ZoneInfo | None
) -> tuple[list[Occurrence], list[str]]:
    """The events of a feed that overlap ``start`` … ``end``, in time order, and notes on the
    events left out (one that repeats too often, one that cannot be read).

    Raises:
        FetchError: the feed is not a calendar.
    """
    import icalendar  # here, not at the top: a wall without a calendar need not hold it (2 MB)
    import recurring_ical_events

    found, notes = [], []
    try:
        calendar = icalendar.Calendar.from_ical(body)
        if calendar.name != "VCALENDAR":
            raise ValueError(f"a {calendar.name}, not a VCALENDAR")
        span = (local_time(start, zone), local_time(end, zone))
        notes = bound_repeats(calendar, *span)
        # bound_repeats leaves out each rule that repeats too often; a rule it could not judge
        # can still make dateutil search without end (found by fuzzing: a parse that never
        # returned). In a parse worker the whole parse is also killed at the source's timeout.
        with deadline(EXPAND_SECONDS):
            events = recurring_ical_events.of(calendar, skip_bad_series=True).between(*span)
    except DeadlineExceeded:
        raise FetchError(
            f"the calendar's repeating events take over {EXPAND_SECONDS:g} s to expand"
        ) from None
    except DATA_ERRORS as error:
        raise FetchError(f"not a readable calendar ({describe(error)})") from None
    unreadable = 0
    for event in events:
        try:
            if not _cancelled(event):
                found.append(_occurrence(event, zone))
        except DATA_ERRORS:  # one odd event (a date out of range, a broken field) is skipped
            unreadable += 1
    if unreadable:
        notes.append(f"{unreadable} unreadable events left out")
    shown = sorted(o for o in found if o[0] < end and (o[1] > start or o[0] >= start))
    return shown, notes


def _cancelled(event: Any) -> bool:
    return str(event.get("STATUS", "")).upper() == "CANCELLED"


def _occurrence(event: Any, zone: ZoneInfo | None) -> Occurrence:
    begins = event["DTSTART"].dt
    all_day = not isinstance(begins, datetime)
    if "DTEND" in event:
        ends = event["DTEND"].dt
    elif "DURATION" in event:
        ends = begins + event["DURATION"].dt
    else:  # RFC 5545: a date lasts the day, a time is an instant
        ends = begins + timedelta(days=1) if all_day else begins
    summary = " ".join(str(event.get("SUMMARY", "")).split()) or "(no title)"
    location = " ".join(str(event.get("LOCATION", "")).split())
    start = _epoch(begins, zone)
    return start, max(start, _epoch(ends, zone)), all_day, summary, location


# -- what the wall shows -----------------------------------------------------------------------


def today(events: list[Occurrence], now: float, zone: ZoneInfo | None) -> Ranking:
    """Today's events in time order, all-day ones first."""
    day = local_time(now, zone).date()
    start, end = midnight(day, zone), midnight(day + timedelta(days=1), zone)
    shown = [e for e in events if e[0] < end and (e[1] > start or e[0] >= start)]
    shown.sort(key=lambda e: (not e[2], e[0], e[3]))
    return Ranking(tuple(_entry(e, zone) for e in shown[:MAX_EVENTS]), amounts=False)


def _entry(event: Occurrence, zone: ZoneInfo | None) -> RankEntry:
    start, end, all_day, summary, location = event
    if all_day:
        when = "all day"
    else:
        begins = local_time(start, zone).strftime("%H:%M")
        when = begins if end == start else f"{begins}–{local_time(end, zone).strftime('%H:%M')}"
    return RankEntry(summary, start, None, f"{when} · {location}" if location else when)


def next_up(events: list[Occurrence], now: float, zone: ZoneInfo | None) -> str:
    """The next timed event that starts today, and how soon; or :data:`NOTHING_MORE`."""
    day = local_time(now, zone).date()
    end = midnight(day + timedelta(days=1), zone)
    coming = [e for e in events if not e[2] and now <= e[0] < end]
    if not coming:
        return NOTHING_MORE
    start, _, _, summary, _ = min(coming)
    return f"Next: {local_time(start, zone).strftime('%H:%M')} {summary} ({_soon(start - now)})"


def _soon(seconds: float) -> str:
    minutes = math.ceil(seconds / 60 - 1e-9)
    if minutes <= 0:
        return "now"
    if minutes < 60:
        return f"in {minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"in {hours} h {minutes} min" if minutes else f"in {hours} h"


def _read_feed(
    body: bytes, headers: Any, start: float, end: float, zone: ZoneInfo | None
) -> tuple[list[Occurrence], list[str]]:
    """:func:`occurrences` as the source's parse (run in a worker process)."""
    return occurrences(body, start, end, zone)


# -- the source --------------------------------------------------------------------------------


@register("ics")
class IcsSource(HttpSource):
    """Polls the feed every ``interval`` and redraws its streams every minute."""

    options_model = IcsOptions
    options: IcsOptions

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = ZoneInfo(self.options.timezone) if self.options.timezone else None
        self.events: list[Occurrence] | None = None  # today's and tomorrow's, once read
        self.expanded_on: date | None = None  # the day ``events`` start on
        self.fetch_due = -math.inf
        self.notes: list[str] = []  # on the feed's events left out, logged when they change

    @classmethod
    def provides(cls, options: SourceOptions) -> dict[str, Kind]:
        return {"today": Kind.RANKING, "next": Kind.TEXT}

    async def poll(self) -> None:
        now = self.hub.clock()
        zone, day = self.zone, local_time(now, self.zone).date()
        start, end = midnight(day, zone), midnight(day + timedelta(days=2), zone)
        if day != self.expanded_on:  # a new day to expand: an unchanged feed must come again
            self.forget(self.options.url)
        read = functools.partial(_read_feed, start=start, end=end, zone=zone)
        fetched = await self.fetch(self.options.url, read)
        if fetched is not None:  # else a 304: the events read today still hold
            (self.events, notes), self.expanded_on = fetched, day
            if notes != self.notes:
                self.notes = notes
                for note in notes[:5]:
                    log.warning("source %s: %s", self.name, note)
        self.show(now, new=True)

    async def poll_once(self) -> float:
        """Polls when due, and redraws the streams on each minute from the last good events."""
        now = self.hub.clock()
        if now >= self.fetch_due:
            self.fetch_due = now + await super().poll_once()
        elif self.failures == 0 and self.events is not None:
            self.hub.confirm(self.name, now)  # redrawn from a good feed: current
        self.show(now, new=False)
        until_next_minute = 60.0 - now % 60.0
        return max(0.0, min(until_next_minute, self.fetch_due - now))

    def show(self, now: float, *, new: bool) -> None:
        """Publish what changed; ``new=False`` keeps a minute's redraw out of the disk cache."""
        if self.events is None:
            return  # nothing read yet: leave the streams empty rather than claim a free day
        for stream, value in (
            ("today", today(self.events, now, self.zone)),
            ("next", next_up(self.events, now, self.zone)),
        ):
            if value != self.last_good(stream):
                self.publish(stream, value, now, new=new)

    def cache_extra(self) -> Any:
        if self.events is None or self.expanded_on is None:
            return None
        return {"day": self.expanded_on.isoformat(), "events": [list(e) for e in self.events]}

    def restore_extra(self, extra: Any) -> None:
        if extra is not None:
            day, events = date.fromisoformat(extra["day"]), extra["events"]
            self.events, self.expanded_on = _OCCURRENCES.validate_python(events), day
