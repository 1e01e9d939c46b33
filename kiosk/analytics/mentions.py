"""Aggregates derived from a mention stream: volume, rate, share of voice, sentiment, hashtags.

Counting happens per batch (cheap, bounded); the derived streams are published at most once a
second, so a 5,000-a-second stream costs the hub one update per second per aggregate.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from kiosk.analytics.aggregators import AGGREGATORS, Settings, aggregator_streams
from kiosk.analytics.spikes import BASELINE_MINUTES, SpikeDetector
from kiosk.analytics.windows import MINUTE, MinuteCounters, MinuteCounts, WeekActivity
from kiosk.config.alerts import AlertRules
from kiosk.config.ranking import RankBy
from kiosk.hub import Hub, SourceState
from kiosk.platforms import platform_name
from kiosk.values import (
    Alert,
    Breakdown,
    Kind,
    Matrix,
    Mention,
    Metric,
    Place,
    Places,
    RankEntry,
    Ranking,
    TimeSeries,
)

log = logging.getLogger(__name__)

CORE_STREAMS: dict[str, Kind] = {
    "volume": Kind.SERIES,
    "volume_hourly": Kind.SERIES,
    "sentiment_volume": Kind.SERIES,
    "rate": Kind.METRIC,
    "share": Kind.BREAKDOWN,
    "sentiment": Kind.BREAKDOWN,
    "net_sentiment": Kind.METRIC,
    "our_share": Kind.METRIC,
    "hashtags": Kind.RANKING,
    "authors": Kind.RANKING,
    "activity": Kind.MATRIX,
    "alerts": Kind.ALERTS,
    "places": Kind.PLACES,
}
"""The streams this class computes; the aggregators (:mod:`kiosk.analytics.aggregators`)
declare the others."""
DERIVED_STREAMS: dict[str, Kind] = {**CORE_STREAMS, **aggregator_streams()}
"""The streams every mention stream gets, published as ``<source>.<name>``."""

SENTIMENTS = ("positive", "neutral", "negative")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
SENTIMENT_THRESHOLD = 0.25
RECENT_MINUTES = 15  # the window of share, sentiment and hashtags
HOURLY_HOURS = 30 * 24  # volume_hourly reaches back 30 days
HISTORY_MINUTES = 60
COARSE_POSTS = 20  # a minute is judged by spikes only if made of at least this many posts' worth
TOP_HASHTAGS = 30  # enough for a word cloud; leaderboards show their own limit
TOP_PLACES = 200
TOP_AUTHORS = 20
MAX_TAG_FORMS = 20_000  # hashtags whose written form is remembered
COUNTS_EVERY = 0.1  # seconds between publications of the cheap streams while posts arrive
AUTHORS_EVERY = 10.0  # seconds between rankings of authors by reach
MAX_AUTHORS = 50_000  # names remembered for the ranking; pruned to those still counted
MAX_PLACES = 5000  # distinct place names remembered with coordinates
FUTURE_TOLERANCE = 120.0  # seconds; clocks of remote sources drift


class MentionAnalytics:
    """Counts a mention stream and publishes its derived streams into the hub.

    Args:
        hub: where ``<source>.mentions`` is read and the derived streams are published.
        source: the source name.
        brands: known brands, in the order charts should list them.
        ours: the brand whose share ``our_share`` follows (default: the first brand seen).
        clock: epoch clock; defaults to the hub's.
        publish_every: seconds between publications.
    """

    def __init__(
        self,
        hub: Hub,
        source: str,
        brands: Sequence[str] | None = None,
        clock: Callable[[], float] | None = None,
        publish_every: float = 1.0,
        ours: str | None = None,
        alerts: AlertRules | None = None,
        settings: Settings | None = None,
        rank_by: RankBy | None = None,
    ) -> None:
        self.ours = ours
        self.rank_by = rank_by
        settings = settings or Settings()
        self.aggregators = [kind(settings) for kind in AGGREGATORS]
        self._counters = tuple(part.count for part in self.aggregators)  # bound once: hot path
        self.hub = hub
        self.source = source
        self.clock = clock or hub.clock
        self.publish_every = publish_every
        self.volume = MinuteCounts(list(brands or []))
        # Hours, for windows of days (up to 30): the same ring buffer with hour-long buckets.
        self.volume_hourly = MinuteCounts(list(brands or []), capacity=HOURLY_HOURS)
        self.sentiment = MinuteCounts(list(SENTIMENTS), max_labels=len(SENTIMENTS) + 1)
        # Two windows, plus the minutes a post may be early by: an early post must not recycle
        # the slot of the oldest minute still being compared against.
        early = math.ceil(FUTURE_TOLERANCE / MINUTE)
        self.hashtags = MinuteCounters(capacity=2 * RECENT_MINUTES + 1 + early)
        self.hashtag_sentiment = MinuteCounters(capacity=RECENT_MINUTES + 1 + early)
        # With rank_by, what orders the hashtags: their posts' reach or engagement.
        self.hashtag_amounts = MinuteCounters(capacity=2 * RECENT_MINUTES + 1 + early)
        self.activity = WeekActivity()
        rules = alerts or AlertRules()
        self.spikes = SpikeDetector(sensitivity=rules.sensitivity)
        self._watch_brands = "brand" in rules.by
        # Other dimensions watched for spikes (alerts: by:): minute counts per value.
        self.dimension_volume = {
            dimension: MinuteCounts([], max_labels=16)
            for dimension in rules.by
            if dimension != "brand"
        }
        self._judged_from: int | None = None  # the first minute the detector judged
        # Minutes before this one are history (a backfill, a restored cache): they teach the
        # spike detector what is normal but raise no alert.
        self._live_from = int(self.clock() // MINUTE) - 1
        self.places = MinuteCounters(capacity=RECENT_MINUTES + 1 + early)
        # Reach per author (followers summed over their posts; with rank_by: engagement, the
        # likes, reposts and replies of their posts), and who they are, for the "who drives
        # the conversation" board.
        self.reach = MinuteCounters(capacity=2 * RECENT_MINUTES + 1 + early)
        # key -> name, handle, the platforms it posts on, followers (the most on any of them)
        self._authors: dict[str, tuple[str, str, tuple[str, ...], int]] = {}
        # A hashtag is counted by its letters whatever their case (#RailNord is #railnord), and
        # shown as people write it: the first form with capitals in it, else the first seen.
        self._tag_forms: dict[str, str] = {}
        self.place_sentiment = MinuteCounters(capacity=RECENT_MINUTES + 1 + early)
        # The same per brand ("Acme\x1f#acmedown"), so what drives a brand's spike is taken
        # from that brand's posts, not from the whole source ("Globex … driven by #AcmeDown").
        self.brand_tags = MinuteCounters(capacity=2 * RECENT_MINUTES + 1 + early)
        self.brand_reach = MinuteCounters(capacity=2 * RECENT_MINUTES + 1 + early)
        self.brand_places = MinuteCounters(capacity=2 * RECENT_MINUTES + 1 + early)
        self._coordinates: dict[str, tuple[float, float]] = {}
        self._fed_until: int | None = None
        # Heaviest post weight per minute: a minute made of a few heavily weighted posts (coarse
        # history) has no per-minute resolution and must not teach or trip the spike detector.
        self._heaviest: dict[int, int] = {}
        self._drivers: dict[str, tuple[str, ...]] = {}
        self.skipped = 0
        self._last_publish: float | None = None
        self._last_counts = -math.inf
        self._authors_at: float | None = None
        self._authors_empty = False  # the last authors ranking published had nobody in it
        self._activity_minute: int | None = None
        self._activity_total = 0.0

    def ingest(self, batch: Sequence[Any]) -> None:
        """Count a batch; items that are not sane mentions are skipped and counted, never raised."""
        now = self.clock()
        for item in batch:
            if not self._count(item, now):
                self.skipped += 1
        if self._last_publish is None or now - self._last_publish >= self.publish_every:
            self.publish(now)
        elif now - self._last_counts >= COUNTS_EVERY:
            self.publish_counts(now)  # a new post is in the counts within a tenth of a second

    def _count(self, item: Any, now: float) -> bool:
        if not isinstance(item, Mention):
            return False
        at, weight, score = item.at, item.weight, item.sentiment
        if not (isinstance(at, int | float) and math.isfinite(at) and at <= now + FUTURE_TOLERANCE):
            return False
        if not (isinstance(weight, int) and weight > 0):
            return False
        tags = item.hashtags
        if not isinstance(tags, tuple | list):
            return False
        self.activity.add(at, weight)  # a week back: before the 24 h volume buffer refuses it
        minute = int(at // MINUTE)
        if weight > 1 and weight > self._heaviest.get(minute, 1):
            self._heaviest[minute] = weight
        hourly = self.volume_hourly  # 30 days back: before the 24 h minute buffer refuses it
        hourly.add(hourly.label_index(str(item.brand)), minute // 60, weight)
        if not self.volume.add(self.volume.label_index(str(item.brand)), minute, weight):
            return False
        for count in self._counters:
            count(item, minute, weight)
        for dimension, counts in self.dimension_volume.items():
            counts.add(counts.label_index(_dimension_label(dimension, item)), minute, weight)
        if isinstance(score, int | float) and math.isfinite(score):
            label = 0 if score >= SENTIMENT_THRESHOLD else 2 if score <= -SENTIMENT_THRESHOLD else 1
            self.sentiment.add(label, minute, weight)
        self._count_place(item, minute, weight)
        self._count_author(item, minute, weight)
        feeling = (
            round(score * 1000) if isinstance(score, int | float) and math.isfinite(score) else 0
        )
        tag_amount = self._amount(item, self.rank_by) * weight if self.rank_by else 0
        for tag in tags[:8]:
            if isinstance(tag, str) and tag:
                form = "#" + tag.lstrip("#")
                key = form.casefold()
                shown = self._tag_forms.get(key)
                if shown is None or (shown.islower() and not form.islower()):
                    if len(self._tag_forms) >= MAX_TAG_FORMS:
                        self._tag_forms.clear()  # forms come back with the next posts
                    self._tag_forms[key] = form
                self.hashtags.add(key, minute, weight)
                if tag_amount:
                    self.hashtag_amounts.add(key, minute, tag_amount)
                self.brand_tags.add(f"{item.brand}\x1f{key}", minute, weight)
                # Counters hold integers: sentiment in thousandths (as for places).
                self.hashtag_sentiment.add(key, minute, feeling * weight)
        return True

    def tick(self) -> None:
        """Publish on time even when no post arrives: a quiet minute must count as 0.

        Only while the source is OK: a source that failed must let its widgets go stale.
        """
        now = self.clock()
        quiet = self._last_publish is None or now - self._last_publish >= self.publish_every
        if quiet and self.hub.status(self.source).state is SourceState.OK:
            self.publish(now)

    def publish(self, now: float | None = None) -> None:
        """Publish every derived stream as of ``now``."""
        now = self.clock() if now is None else now
        self._last_publish = now
        current = int(now // MINUTE)
        name = self.source
        self.publish_counts(now)
        self.hub.publish(
            f"{name}.volume_hourly", self._series(self.volume_hourly, current // 60, 60), at=now
        )
        recent = (current - RECENT_MINUTES + 1, current)
        before = (current - 2 * RECENT_MINUTES + 1, current - RECENT_MINUTES)
        self.hub.publish(f"{name}.hashtags", self._top_hashtags(recent, before), at=now)
        if (
            self._authors_at is None
            or now - self._authors_at >= AUTHORS_EVERY
            or now < self._authors_at
            or (self._authors_empty and self.reach.totals(*recent))
        ):
            # Reach moves slowly and costs ms to rank: every 10 s, but at once after an empty
            # ranking (a view's first publish came before its first posts: the board said
            # "Nothing ranked yet" for 10 s).
            self._authors_at = now
            authors = self._top_authors(recent, before)
            self._authors_empty = not authors.entries
            self.hub.publish(f"{name}.authors", authors, at=now)
        self.hub.publish(f"{name}.alerts", self._alerts(current), at=now)
        self.hub.publish(f"{name}.places", self._places(recent), at=now)

        def publish(stream: str, value: Any) -> None:
            self.hub.publish(f"{name}.{stream}", value, at=now)

        for part in self.aggregators:
            part.publish(current, publish)
        # A week's grid moves slowly: every 5 minutes, or sooner when much was added (backfill).
        grown = self.activity.total > 1.1 * self._activity_total
        if self._activity_minute is None or current - self._activity_minute >= 5 or grown:
            self._activity_minute, self._activity_total = current, self.activity.total
            grid = Matrix(WEEKDAYS, tuple(f"{h:02d}" for h in range(24)), self.activity.grid())
            self.hub.publish(f"{name}.activity", grid, at=now)

    def publish_counts(self, now: float) -> None:
        """The cheap streams (counts, shares, sentiment; ~0.3 ms), also between full publishes."""
        self._last_counts = now
        current = int(now // MINUTE)
        name = self.source
        self.hub.publish(f"{name}.volume", self._series(self.volume, current), at=now)
        self.hub.publish(f"{name}.sentiment_volume", self._series(self.sentiment, current), at=now)
        self.hub.publish(f"{name}.rate", self._rate(current), at=now)
        recent = (current - RECENT_MINUTES + 1, current)
        before = (current - 2 * RECENT_MINUTES + 1, current - RECENT_MINUTES)
        shares = self.volume.totals(*recent)
        self.hub.publish(
            f"{name}.share",
            Breakdown(tuple(zip(self.volume.labels, shares.tolist(), strict=True))),
            at=now,
        )
        feeling = self.sentiment.totals(*recent)
        self.hub.publish(
            f"{name}.sentiment",
            Breakdown(tuple(zip(SENTIMENTS, feeling.tolist(), strict=True))),
            at=now,
        )
        self.hub.publish(f"{name}.net_sentiment", self._net(current, recent, before), at=now)
        self.hub.publish(f"{name}.our_share", self._our_share(current, recent, before), at=now)

    def _series(self, counts: MinuteCounts, current: int, minutes: int = 1) -> TimeSeries:
        """``counts`` up to bucket ``current``; buckets are ``minutes`` long."""
        first = current - counts.capacity + 1
        if counts.first_minute is not None:
            first = max(first, counts.first_minute)
        values = counts.window(first, current)
        values.flags.writeable = False
        step = MINUTE * minutes
        return TimeSeries(tuple(counts.labels), first * step, step, values)

    def _seen_since(self, minute: int) -> bool:
        """Whether the data reaches back to ``minute``: a previous period from before the
        first post seen is not a period with nothing in it, and no change is said against it
        (right after a start every figure read "▲ … vs previous" against an empty history)."""
        first = self.volume.first_minute
        return first is not None and first <= minute

    def _rate(self, current: int) -> Metric:
        totals = self.volume.window(current - HISTORY_MINUTES, current - 1).sum(axis=0)
        return Metric(
            value=float(totals[-1]),
            previous=float(totals[-2]) if self._seen_since(current - 2) else None,
            history=tuple(totals.tolist()),
            unit="/min",
            label="mentions per minute",
        )

    def _net(self, current: int, recent: tuple[int, int], before: tuple[int, int]) -> Metric:
        def net(counts: np.ndarray) -> float:
            total = float(counts.sum())
            return 0.0 if total == 0 else float((counts[0] - counts[2]) / total * 100)

        # Complete minutes, like the rate's: a minute still filling wobbles every second.
        per_minute = self.sentiment.window(current - HISTORY_MINUTES, current - 1)
        history = tuple(net(per_minute[:, i]) for i in range(per_minute.shape[1]))
        return Metric(
            value=net(self.sentiment.totals(*recent)),
            previous=net(self.sentiment.totals(*before)) if self._seen_since(before[0]) else None,
            history=history,
            unit="",
            label="net sentiment (positive − negative, % of mentions)",
        )

    def _our_share(self, current: int, recent: tuple[int, int], before: tuple[int, int]) -> Metric:
        ours = self.ours or (self.volume.labels[0] if self.volume.labels else "")
        index = self.volume.labels.index(ours) if ours in self.volume.labels else None

        def share(counts: np.ndarray) -> float:
            total = float(counts.sum())
            return 0.0 if index is None or total == 0 else float(counts[index] / total * 100)

        per_minute = self.volume.window(current - HISTORY_MINUTES, current - 1)
        return Metric(
            value=share(self.volume.totals(*recent)),
            previous=share(self.volume.totals(*before)) if self._seen_since(before[0]) else None,
            history=tuple(share(per_minute[:, i]) for i in range(per_minute.shape[1])),
            unit="%",
            label=f"share of voice of {ours}",
        )

    @staticmethod
    def _amount(item: Mention, rank_by: RankBy | None) -> int:
        """What one post adds to its author's or hashtag's place in a ranking."""
        if rank_by == "engagement":
            return item.engagement
        followers = item.followers
        return followers if isinstance(followers, int) and followers > 0 else 0

    def _count_author(self, item: Mention, minute: int, weight: int) -> None:
        followers = item.followers
        if not (isinstance(followers, int) and item.handle):
            return
        # One author across platforms: the same handle on X, Instagram and TikTok is one
        # person reaching people three ways, not three rows of "who drives it".
        key = str(item.handle).lstrip("@").casefold()
        if followers > 0:  # what drives a spike is who reached people
            self.brand_reach.add(f"{item.brand}\x1f{key}", minute, followers * weight)
        amount = self._amount(item, "engagement" if self.rank_by == "engagement" else "reach")
        if amount > 0:
            self.reach.add(key, minute, amount * weight)
        elif followers <= 0:
            return
        if key not in self._authors and len(self._authors) >= MAX_AUTHORS:
            self._forget_authors()
        known = self._authors.get(key)
        platforms = known[2] if known is not None else ()
        if item.platform not in platforms:
            platforms = (*platforms, str(item.platform))
        most = max(followers, known[3]) if known is not None else followers
        self._authors[key] = (str(item.author), str(item.handle), platforms, most)

    def _forget_authors(self) -> None:
        """Keep the names of authors still counted (the windows forget the others)."""
        live = {key for counter in self.reach._slots for key in counter}
        self._authors = {key: who for key, who in self._authors.items() if key in live}

    def _top_authors(self, recent: tuple[int, int], before: tuple[int, int]) -> Ranking:
        """Who reached most people in the last 15 minutes: followers summed over their posts."""
        now_reach = self.reach.totals(*recent).most_common(TOP_AUTHORS)
        previous = [key for key, _ in self.reach.totals(*before).most_common(3 * TOP_AUTHORS)]
        rank_before = {key: rank for rank, key in enumerate(previous)}
        entries = []
        for key, reach in now_reach:
            author, handle, platforms, followers = self._authors.get(key, (key, "", (), 0))
            where = ", ".join(platform_name(platform) for platform in platforms[:3])
            detail = f"@{handle.lstrip('@')} · {where} · {_short(followers)} followers"
            entries.append(RankEntry(author, float(reach), rank_before.get(key), detail))
        return Ranking(tuple(entries))

    def _count_place(self, item: Mention, minute: int, weight: int) -> None:
        lat, lon, city = item.lat, item.lon, item.city
        if not (city and isinstance(lat, float | int) and isinstance(lon, float | int)):
            return
        if not (
            math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180
        ):
            return
        if city not in self._coordinates and len(self._coordinates) < MAX_PLACES:
            self._coordinates[city] = (float(lat), float(lon))  # a city's first position
        if city in self._coordinates:
            self.places.add(city, minute, weight)
            self.brand_places.add(f"{item.brand}\x1f{city}", minute, weight)
            score = item.sentiment if math.isfinite(item.sentiment) else 0.0
            # Counters hold integers: sentiment in thousandths.
            self.place_sentiment.add(city, minute, round(score * 1000) * weight)

    def _places(self, recent: tuple[int, int]) -> Places:
        counts = self.places.totals(*recent)
        feeling = self.place_sentiment.totals(*recent)
        return Places(
            tuple(
                Place(city, *self._coordinates[city], count, feeling.get(city, 0) / 1000 / count)
                for city, count in counts.most_common(TOP_PLACES)
                if count > 0
            )
        )

    def _alerts(self, current: int) -> tuple[Alert, ...]:
        self._feed_spikes()
        filling = self.volume.window(current, current)[:, 0]  # the minute still filling
        heaviest = self._heaviest.get(current, 1)
        if heaviest * COARSE_POSTS <= filling.sum():
            for counts in self._watched():
                so_fars = counts.window(current, current)[:, 0].tolist()
                for label, so_far in zip(counts.labels, so_fars, strict=True):
                    self.spikes.peek(label, current * MINUTE, so_far)
        if not any(track.since is not None for track in self.spikes.tracks.values()):
            return ()
        latest: dict[str, float] = {}
        for counts in self._watched():
            last = counts.window(current - 1, current - 1)[:, 0].tolist()
            latest.update(zip(counts.labels, last, strict=True))
        alerts = self.spikes.alerts(latest)
        brands = set(self.volume.labels) if self._watch_brands else set()
        # What drove an alert is what was rising when it fired; later the crisis hashtag is
        # no longer "rising", but it is still the reason.
        live = {alert.key for alert in alerts}
        self._drivers = {key: tags for key, tags in self._drivers.items() if key in live}
        for alert in alerts:
            if alert.key not in self._drivers:
                label = alert.key.removeprefix("spike:")
                # Drivers come from the alerting slice; only brands' slices are counted.
                self._drivers[alert.key] = (
                    self._rising_hashtags(label, int(alert.since // MINUTE), current)
                    if label in brands
                    else ()
                )
        return tuple(replace(alert, drivers=self._drivers[alert.key]) for alert in alerts)

    def _feed_spikes(self) -> None:
        """Give the detector every complete minute the data has reached, once, in order."""
        latest, first_seen = self.volume.latest_minute, self.volume.first_minute
        if latest is None or first_seen is None:
            return
        start = first_seen if self._fed_until is None else self._fed_until + 1
        start = max(start, latest - self.volume.capacity + 1)
        if start > latest - 1:
            return
        totals = self.volume.window(start, latest - 1).sum(axis=0)
        watched = [(counts.labels, counts.window(start, latest - 1)) for counts in self._watched()]
        if self._judged_from is not None:  # a value new since the last feed: zero until now
            known = max(self._judged_from, start - BASELINE_MINUTES)
            for counts in self._watched():
                before = counts.window(known, start - 1).tolist()
                for label, row in zip(counts.labels, before, strict=True):
                    self.spikes.seed(label, row)
        for offset in range(len(totals)):
            minute = start + offset
            heaviest = self._heaviest.pop(minute, 1)
            if heaviest > 1 and heaviest * COARSE_POSTS > totals[offset]:
                # Sampled history (posts standing for several): under COARSE_POSTS posts'
                # worth, its counts are too coarse to judge. Live minutes are judged whatever
                # their count: a small brand's 1 → 9 a minute is news.
                continue
            live = minute >= self._live_from
            if self._judged_from is None:
                self._judged_from = minute
            for labels, window in watched:
                for label, row in zip(labels, window, strict=True):
                    self.spikes.observe(label, minute * MINUTE, float(row[offset]), live=live)
        self._fed_until = latest - 1
        for minute in [m for m in self._heaviest if m < start]:
            del self._heaviest[minute]  # too old to be fed: the buffer moved on

    def _watched(self) -> list[MinuteCounts]:
        """The minute counts whose labels are watched for spikes (``alerts: by:``)."""
        brands = [self.volume] if self._watch_brands else []
        return brands + list(self.dimension_volume.values())

    def _rising_hashtags(self, brand: str, since: int, current: int) -> tuple[str, ...]:
        """What drives ``brand``'s spike that began in minute ``since``, from its own posts:
        up to three hashtags much more frequent since then than before, the author who reached
        most people since then, and the place whose posts rose most."""
        mine = f"{brand}\x1f"
        found = _rising(self.brand_tags, since, current, 10, prefix=mine)[:3]
        tags = [self._tag_forms.get(t, t) for t in found]
        authors = _rising(self.brand_reach, since, current, minimum=1, prefix=mine)[:1]
        names = [f"@{self._authors[key][1].lstrip('@')}" for key in authors if key in self._authors]
        places = _rising(self.brand_places, since, current, minimum=10, prefix=mine)[:1]
        return (*tags, *names, *places)

    def _top_hashtags(self, recent: tuple[int, int], before: tuple[int, int]) -> Ranking:
        ranked = self.hashtag_amounts if self.rank_by else self.hashtags
        now_amounts = ranked.totals(*recent).most_common(TOP_HASHTAGS)
        previous = [tag for tag, _ in ranked.totals(*before).most_common(3 * TOP_HASHTAGS)]
        rank_before = {tag: rank for rank, tag in enumerate(previous)}
        posts = self.hashtags.totals(*recent)  # the mean sentiment is per post
        feeling = self.hashtag_sentiment.totals(*recent)
        return Ranking(
            tuple(
                RankEntry(
                    self._tag_forms.get(tag, tag),
                    float(amount),
                    rank_before.get(tag),
                    sentiment=feeling.get(tag, 0) / 1000 / posts[tag] if posts.get(tag) else None,
                )
                for tag, amount in now_amounts
            )
        )


def attach_analytics(
    hub: Hub,
    source: str,
    brands: Sequence[str] | None = None,
    ours: str | None = None,
    alerts: AlertRules | None = None,
    settings: Settings | None = None,
    rank_by: RankBy | None = None,
) -> MentionAnalytics:
    """Declare ``source``'s derived streams and keep them up to date from ``<source>.mentions``."""
    for stream, kind in DERIVED_STREAMS.items():
        hub.declare(f"{source}.{stream}", kind)
    analytics = MentionAnalytics(
        hub, source, brands, ours=ours, alerts=alerts, settings=settings, rank_by=rank_by
    )
    hub.subscribe(f"{source}.mentions", lambda _name, batch: analytics.ingest(batch))
    return analytics


def _short(number: int) -> str:
    """12,300 → 12.3k; 1,900,000 → 1.9M (the analytics stay free of the widgets' helpers)."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if number >= size:
            return f"{number / size:.1f}".rstrip("0").rstrip(".") + suffix
    return str(number)


def _dimension_label(dimension: str, item: Mention) -> str:
    """How one value of ``dimension`` is named in its alert: "Bluesky mentions", "nl mentions",
    "negative mentions"."""
    if dimension == "platform":
        return platform_name(str(item.platform))
    if dimension == "language":
        return str(item.lang) or "unknown language"
    score = item.sentiment
    if not (isinstance(score, int | float) and math.isfinite(score)):
        return "neutral"
    if score >= SENTIMENT_THRESHOLD:
        return "positive"
    return "negative" if score <= -SENTIMENT_THRESHOLD else "neutral"


def _rising(
    counters: MinuteCounters, since: int, current: int, minimum: float, prefix: str = ""
) -> list[str]:
    """Terms at least twice as frequent per minute since ``since`` as in the minutes before
    (as many as the counters still hold, up to 20), busiest rise first; with ``prefix``, only
    the terms that start with it, given without it."""
    during_minutes = max(1, current - since + 1)
    reach_back = min(20, max(0, counters.capacity - during_minutes - 1))
    during = counters.totals(since, current)
    before = counters.totals(since - reach_back, since - 1) if reach_back else Counter()
    per_minute_before = max(1, reach_back)
    rising = [
        (
            count / during_minutes / (before.get(term, 0.0) / per_minute_before + 1.0),
            term[len(prefix) :],
        )
        for term, count in during.items()
        if count >= minimum and term.startswith(prefix)
    ]
    return [term for score, term in sorted(rising, reverse=True) if score >= 2]
