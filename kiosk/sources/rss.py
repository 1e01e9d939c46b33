"""``type: rss``: headlines from RSS or Atom feeds, and how many arrive per hour.

Streams:
    headlines (mentions): each new entry once, as a post: the title as its text, the feed's
        title as its author, the site as its handle, platform ``news``. A ticker or a post wall
        shows them (and moderates them like any post).
    count (series): entries per hour over the last 24 hours; one series per keyword when
        ``keywords:`` is given, else one named after the source.

Entries are recognised across polls and feeds by their id, else their link. The feeds are
fetched by httpx (with the shared timeout, backoff and conditional requests) and only the bytes
are handed to feedparser, which must never fetch anything itself; it runs in a parse worker
(a 10 MB feed is seconds of pure Python). An entry that cannot be read is left out, not the feed,
and an entry counts as seen only once it has been published.
"""

from __future__ import annotations

import functools
import io
import logging
import time
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import numpy as np
from pydantic import Field, TypeAdapter

from kiosk.analytics.sentiment import enrich
from kiosk.lazy import lazy_import
from kiosk.sources.base import SourceOptions, register
from kiosk.sources.parsing import DATA_ERRORS, describe
from kiosk.sources.polling import FetchError, HttpAddress, HttpOptions, HttpSource, PollInterval
from kiosk.values import Kind, Mention, TimeSeries

if TYPE_CHECKING:
    import calendar

    import httpx
else:
    calendar = lazy_import("calendar")  # loaded by the first feed read
    httpx = lazy_import("httpx")

log = logging.getLogger(__name__)

HOURS = 24
MAX_SEEN = 5000  # entry ids remembered (with their times) for dedupe and the hourly counts
MAX_TEXT = 2000  # characters of an entry's title and summary kept: a headline, not an article
_SEEN_ON_DISK: TypeAdapter[list[tuple[str, float, str]]] = TypeAdapter(list[tuple[str, float, str]])


class RssOptions(HttpOptions):
    type: Literal["rss"] = "rss"
    feeds: list[HttpAddress] = Field(
        min_length=1, description="Feed addresses (RSS or Atom, http/https)."
    )
    keywords: list[str] = Field(
        default_factory=list,
        description="Keep only entries whose title or summary holds one of these (any case); "
        "each keyword gets its own count series. Empty: every entry.",
    )
    interval: PollInterval = Field(
        default=300.0, description="Time between polls while all is well."
    )


class Entry(NamedTuple):
    key: str  # its id, else its link
    title: str  # on one line
    summary: str  # the start of it, for the keywords
    site: str  # of its link, "" when it has none
    published: float | None  # epoch seconds, when the feed says


class Feed(NamedTuple):
    author: str  # the feed's title, else its site
    lang: str  # two letters, "" when the feed does not say
    entries: list[Entry]
    unreadable: int  # entries left out


def parse_feed(body: bytes, headers: httpx.Headers, url: str) -> Feed:
    """What the source needs of a feed; FetchError when it is not a feed at all.

    An entry that cannot be read (a control character in its link, a date out of range) is
    left out and counted.
    """
    import feedparser  # here, not at the top: a wall without a feed need not hold it

    try:
        # A BytesIO, not the bytes: feedparser takes bytes or str for a file name or an address.
        parsed = feedparser.parse(
            io.BytesIO(body),
            response_headers={
                "content-type": str(headers.get("content-type", "application/xml")),
                "content-location": url,  # resolves relative links
            },
        )
        if not parsed.entries and not parsed.get("version"):
            reason = parsed.get("bozo_exception") or "no feed in the answer"
            shown = describe(reason) if isinstance(reason, Exception) else reason
            raise FetchError(f"not a feed ({shown})")
        feed = parsed.get("feed", {})
        author = " ".join(str(feed.get("title") or site_of(url)).split())[:200]
        lang = str(feed.get("language") or "")[:2].lower()
    except DATA_ERRORS as error:
        raise FetchError(f"not a readable feed ({describe(error)})") from None
    entries, unreadable = [], 0
    for entry in parsed.entries:
        try:
            entries.append(_entry(entry))
        except DATA_ERRORS:
            unreadable += 1
        except httpx.InvalidURL:  # a link with a control character
            unreadable += 1
    return Feed(author, lang, entries, unreadable)


def _entry(entry: Any) -> Entry:
    title = " ".join(str(entry.get("title") or "")[:MAX_TEXT].split())
    link = str(entry.get("link") or "")
    key = str(entry.get("id") or link)
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    published = float(calendar.timegm(stamp)) if isinstance(stamp, time.struct_time) else None
    summary = str(entry.get("summary") or "")[:MAX_TEXT]
    return Entry(key, title, summary, site_of(link), published)


def site_of(url: str) -> str:
    """The host of ``url`` without www., or "" for anything but an http(s) address."""
    try:
        host = httpx.URL(url).host if url.startswith(("http://", "https://")) else ""
    except httpx.InvalidURL:
        return ""
    return host.removeprefix("www.")


def hourly_counts(
    seen: dict[str, tuple[float, str]], labels: tuple[str, ...], now: float
) -> TimeSeries:
    """Entries per hour for each label, over the ``HOURS`` hours up to the current one."""
    start = (now // 3600 - (HOURS - 1)) * 3600
    values = np.zeros((len(labels), HOURS))
    rows = {label: row for row, label in enumerate(labels)}
    for at, brand in seen.values():
        slot = int((at - start) // 3600)
        row = rows.get(brand, 0)
        if 0 <= slot < HOURS:
            values[row, slot] += 1
    return TimeSeries(labels, start, 3600.0, values)


@register("rss")
class RssSource(HttpSource):
    """Polls every feed; new entries go to ``headlines``, their hourly count to ``count``."""

    options_model = RssOptions
    options: RssOptions

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seen: dict[str, tuple[float, str]] = {}  # entry id → (time, keyword), oldest first
        self.labels = tuple(self.options.keywords) or (self.name,)
        self.unreadable = 0  # entries left out at the last poll

    @classmethod
    def provides(cls, options: SourceOptions) -> dict[str, Kind]:
        return {"headlines": Kind.MENTIONS, "count": Kind.SERIES}

    async def poll(self) -> None:
        problems = []
        fresh: list[Mention] = []
        unreadable = 0
        for url in self.options.feeds:
            try:
                feed = await self.fetch(url, functools.partial(parse_feed, url=url))
            except FetchError as error:
                self.forget(url)  # a garbage answer must not be confirmed by a later 304
                problems.append(error)
                continue
            if feed is not None:
                fresh.extend(self._new_entries(feed, url, {m.id for m in fresh}))
                unreadable += feed.unreadable
        fresh.sort(key=lambda mention: mention.at)
        self.append("headlines", fresh)
        for mention in fresh:  # seen once published: a poll that fails before loses none
            self._remember(mention.id, mention.at, mention.brand or self.name)
        self._note_unreadable(unreadable)
        self.publish(
            "count", hourly_counts(self.seen, self.labels, self.hub.clock()), new=bool(fresh)
        )
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise FetchError(problems[0].detail + more, max_retry_after(problems))

    def _new_entries(self, feed: Feed, url: str, taken: set[str]) -> list[Mention]:
        """The entries not seen before (nor in ``taken``, this poll's), as posts."""
        now = self.hub.clock()
        fresh = []
        for entry in feed.entries:
            if not entry.title or not entry.key or entry.key in self.seen or entry.key in taken:
                continue
            brand = self._keyword(f"{entry.title} {entry.summary}")
            if brand is None:
                continue
            taken.add(entry.key)
            at = now if entry.published is None else min(entry.published, now)
            # Headlines carry no score: detect the language when the feed does not say, and
            # score the headline, so sentiment colours and moderation work on press hits too.
            lang, sentiment = enrich(entry.title, feed.lang or None)
            fresh.append(
                Mention(
                    id=entry.key,
                    at=at,
                    brand=brand if self.options.keywords else "",
                    text=entry.title,
                    lang=lang,
                    platform="news",
                    author=feed.author,
                    handle=entry.site or site_of(url),
                    followers=0,
                    sentiment=sentiment,
                )
            )
        return fresh

    def _note_unreadable(self, unreadable: int) -> None:
        """Entries left out: said when their number changes, not at every poll."""
        if unreadable and unreadable != self.unreadable:
            log.warning("source %s: %d feed entries unreadable; left out", self.name, unreadable)
        self.unreadable = unreadable

    def _keyword(self, text: str) -> str | None:
        """The first keyword in ``text``, the source's name without keywords, else None."""
        if not self.options.keywords:
            return self.name
        lowered = text.lower()
        return next((k for k in self.options.keywords if k.lower() in lowered), None)

    def _remember(self, key: str, at: float, brand: str) -> None:
        self.seen[key] = (at, brand)
        while len(self.seen) > MAX_SEEN:
            del self.seen[next(iter(self.seen))]

    def cache_extra(self) -> Any:
        return {"seen": [[key, at, brand] for key, (at, brand) in self.seen.items()]}

    def restore_extra(self, extra: Any) -> None:
        entries = _SEEN_ON_DISK.validate_python(extra["seen"])
        self.seen = {key: (at, brand) for key, at, brand in entries[-MAX_SEEN:]}


def max_retry_after(problems: list[FetchError]) -> float | None:
    waits = [p.retry_after for p in problems if p.retry_after is not None]
    return max(waits) if waits else None
