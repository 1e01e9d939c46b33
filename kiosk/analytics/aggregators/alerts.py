"""Spike alerts (``alerts``): each brand (and each platform, language, sentiment, country,
market or tracked phrase the rules watch) judged minute by minute against its own normal, with
what drove the spike taken from the alerting brand's own posts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, ClassVar

from kiosk.analytics.aggregators import Context, aggregator
from kiosk.analytics.aggregators.authors import Authors
from kiosk.analytics.aggregators.dimensions import country_name
from kiosk.analytics.aggregators.hashtags import Hashtags
from kiosk.analytics.aggregators.places import CityPlaces
from kiosk.analytics.aggregators.sentiment import SENTIMENTS, feeling_index
from kiosk.analytics.aggregators.volume import Volume
from kiosk.analytics.spikes import BASELINE_MINUTES, SpikeDetector
from kiosk.analytics.windows import MINUTE, MinuteCounts
from kiosk.platforms import platform_name
from kiosk.values import Alert, Kind, Mention

COARSE_POSTS = 20  # a minute is judged by spikes only if made of at least this many posts' worth
# Values watched per dimension before the rest count as "other": a few platforms and languages,
# but a global room's countries and a source's tracked phrases are many.
MAX_VALUES = {"country": 64, "market": 64, "tracked": 64}


@aggregator
class Alerts:
    streams: ClassVar[dict[str, Kind]] = {"alerts": Kind.ALERTS}

    def __init__(self, context: Context) -> None:
        rules = context.alerts
        self.volume = context.need(Volume)
        self.hashtags = context.need(Hashtags)
        self.authors = context.need(Authors)
        self.places = context.need(CityPlaces)
        self.spikes = SpikeDetector(sensitivity=rules.sensitivity)
        self._watch_brands = "brand" in rules.by
        # Other dimensions watched for spikes (alerts: by:): minute counts per value.
        self.dimension_volume = {
            dimension: MinuteCounts([], max_labels=MAX_VALUES.get(dimension, 16))
            for dimension in rules.by
            if dimension != "brand"
        }
        self._markets = {code.upper(): name for code, name in context.settings.markets.items()}
        # Counts per (dimension, value, minute) since the last publish: a dict addition per post
        # and dimension, put into the minute counts (numpy) once a second, not per post.
        self._pending: dict[tuple[MinuteCounts, str, int], int] = {}
        self._judged_from: int | None = None  # the first minute the detector judged
        # Minutes before this one are history (a backfill, a restored cache): they teach the
        # spike detector what is normal but raise no alert.
        self._live_from = int(context.started // MINUTE) - 1
        self._fed_until: int | None = None
        # Heaviest post weight per minute: a minute made of a few heavily weighted posts (coarse
        # history) has no per-minute resolution and must not teach or trip the spike detector.
        self._heaviest: dict[int, int] = {}
        self._drivers: dict[str, tuple[str, ...]] = {}

    def count(self, mention: Mention, minute: int, weight: int) -> None:
        if weight > 1 and weight > self._heaviest.get(minute, 1):
            self._heaviest[minute] = weight
        if self.dimension_volume:
            pending = self._pending
            for dimension, counts in self.dimension_volume.items():
                for label in self._labels(dimension, mention):
                    key = (counts, label, minute)
                    pending[key] = pending.get(key, 0) + weight

    def _flush(self) -> None:
        """Put the counts gathered since the last publish into the minute counts."""
        pending, self._pending = self._pending, {}
        for (counts, label, minute), weight in sorted(pending.items(), key=lambda i: i[0][2]):
            counts.add(counts.label_index(label), minute, weight)

    def _labels(self, dimension: str, mention: Mention) -> tuple[str, ...]:
        """The values of ``dimension`` one post counts for: one, or none when it does not say
        (no country, a country in no market, no tracked phrase), or several phrases."""
        if dimension == "tracked":
            return mention.tracked
        if dimension in ("country", "market"):
            code = mention.country.upper()
            if not code:
                return ()
            if dimension == "country":
                return (country_name(code),)
            market = self._markets.get(code)
            return (market,) if market else ()
        return (_dimension_label(dimension, mention),)

    def publish(self, now: float, publish: Callable[[str, Any], None]) -> None:
        publish("alerts", self._alerts(int(now // MINUTE)))

    def _alerts(self, current: int) -> tuple[Alert, ...]:
        self._flush()
        self._feed_spikes()
        filling = self.volume.counts.window(current, current)[:, 0]  # the minute still filling
        # A minute holding backfill (posts standing for several) is history: never peeked.
        if self._heaviest.get(current, 1) == 1 and filling.sum() >= COARSE_POSTS:
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
        brands = set(self.volume.counts.labels) if self._watch_brands else set()
        # What drove an alert is what was rising when it fired; later the crisis hashtag is
        # no longer "rising", but it is still the reason.
        live = {alert.key for alert in alerts}
        self._drivers = {key: tags for key, tags in self._drivers.items() if key in live}
        for alert in alerts:
            if alert.key not in self._drivers:
                label = alert.key.removeprefix("spike:")
                # Drivers come from the alerting slice; only brands' slices are counted.
                self._drivers[alert.key] = (
                    self._drivers_of(label, int(alert.since // MINUTE), current)
                    if label in brands
                    else ()
                )
        return tuple(replace(alert, drivers=self._drivers[alert.key]) for alert in alerts)

    def _feed_spikes(self) -> None:
        """Give the detector every complete minute the data has reached, once, in order."""
        volume = self.volume.counts
        latest, first_seen = volume.latest_minute, volume.first_minute
        if latest is None or first_seen is None:
            return
        start = first_seen if self._fed_until is None else self._fed_until + 1
        start = max(start, latest - volume.capacity + 1)
        if start > latest - 1:
            return
        totals = volume.window(start, latest - 1).sum(axis=0)
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
            # History teaches but raises nothing: minutes before analytics started, and any
            # minute holding backfill, however late the backfill ran (a demo under load
            # reached past the minute analytics started in, and its weighted minutes alerted).
            live = minute >= self._live_from and heaviest == 1
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
        brands = [self.volume.counts] if self._watch_brands else []
        return brands + list(self.dimension_volume.values())

    def _drivers_of(self, brand: str, since: int, current: int) -> tuple[str, ...]:
        """What drives ``brand``'s spike that began in minute ``since``, from its own posts:
        up to three hashtags much more frequent since then than before, the author who reached
        most people since then, and the place whose posts rose most."""
        return (
            *self.hashtags.rising(brand, since, current),
            *self.authors.rising(brand, since, current),
            *self.places.rising(brand, since, current),
        )


def _dimension_label(dimension: str, item: Mention) -> str:
    """How one value of ``dimension`` is named in its alert: "Bluesky mentions", "nl mentions",
    "negative mentions" (countries, markets and phrases: :meth:`Alerts._labels`)."""
    if dimension == "platform":
        return platform_name(str(item.platform))
    if dimension == "language":
        return str(item.lang) or "unknown language"
    feeling = feeling_index(item.sentiment)
    return "neutral" if feeling is None else SENTIMENTS[feeling]
