"""Aggregates derived from a mention stream: volume, rate, share of voice, sentiment, hashtags,
and every other stream an aggregator declares (:mod:`kiosk.analytics.aggregators`).

Counting happens per batch (cheap, bounded); the derived streams are published at most once a
second, so a 5,000-a-second stream costs the hub one update per second per aggregate. This
module only checks each post, hands it to the aggregators and says when they publish.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from typing import Any

from kiosk.analytics.aggregators import (
    FUTURE_TOLERANCE,
    RECENT_MINUTES,
    Context,
    Settings,
    aggregator_streams,
    build,
)
from kiosk.analytics.aggregators.alerts import Alerts
from kiosk.analytics.aggregators.hashtags import Hashtags
from kiosk.analytics.aggregators.sentiment import SENTIMENT_THRESHOLD, Sentiment
from kiosk.analytics.aggregators.volume import Volume
from kiosk.analytics.spikes import SpikeDetector
from kiosk.analytics.windows import MINUTE, MinuteCounters, MinuteCounts
from kiosk.config.alerts import AlertRules
from kiosk.config.ranking import RankBy
from kiosk.hub import Hub, SourceState
from kiosk.values import Kind, Mention

log = logging.getLogger(__name__)

__all__ = [
    "DERIVED_STREAMS",
    "FUTURE_TOLERANCE",
    "RECENT_MINUTES",
    "SENTIMENT_THRESHOLD",
    "MentionAnalytics",
    "attach_analytics",
]

DERIVED_STREAMS: dict[str, Kind] = aggregator_streams()
"""The streams every mention stream gets, published as ``<source>.<name>``."""
COUNTS_EVERY = 0.1  # seconds between publications of the cheap streams while posts arrive


class MentionAnalytics:
    """Counts a mention stream and publishes its derived streams into the hub.

    Args:
        hub: where ``<source>.mentions`` is read and the derived streams are published.
        source: the source name.
        brands: known brands, in the order charts should list them.
        ours: the brand whose share ``our_share`` follows (default: the first brand seen).
        clock: epoch clock; defaults to the hub's.
        publish_every: seconds between publications.
        alerts: the source's spike rules.
        settings: what the layout says that shapes every aggregate (``markets:``).
        rank_by: what orders the authors and hashtags (default: reach and posts).
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
        self.hub = hub
        self.source = source
        self.clock = clock or hub.clock
        self.publish_every = publish_every
        context = Context(
            settings or Settings(),
            brands or [],
            ours,
            alerts or AlertRules(),
            self.clock(),
            rank_by=rank_by,
        )
        self.aggregators = build(context)
        self._volume = context.need(Volume)
        self._context = context
        # Bound once: the hot path. Older posts than the 24 hours of volume reach only the
        # aggregators that keep more (a week's activity, 30 days of hours).
        counting = [part for part in self.aggregators if hasattr(part, "count")]
        self._before_window = tuple(
            part.count for part in counting if getattr(part, "before_window", False)
        )
        self._in_window = tuple(
            part.count for part in counting if not getattr(part, "before_window", False)
        )
        self._often = tuple(part for part in self.aggregators if getattr(part, "often", False))
        self._seldom = tuple(part for part in self.aggregators if part not in self._often)
        self.skipped = 0
        self._last_publish: float | None = None
        self._last_counts = -math.inf

    # The counts tests and tools read: each aggregator's own.
    @property
    def volume(self) -> MinuteCounts:
        return self._volume.counts

    @property
    def sentiment(self) -> MinuteCounts:
        return self._context.need(Sentiment).counts

    @property
    def hashtags(self) -> MinuteCounters:
        return self._context.need(Hashtags).counts

    @property
    def spikes(self) -> SpikeDetector:
        return self._context.need(Alerts).spikes

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
        at, weight = item.at, item.weight
        if not (isinstance(at, int | float) and math.isfinite(at) and at <= now + FUTURE_TOLERANCE):
            return False
        if not (isinstance(weight, int) and weight > 0):
            return False
        if not isinstance(item.hashtags, tuple | list):
            return False
        minute = int(at // MINUTE)
        for count in self._before_window:
            count(item, minute, weight)
        if not self._volume.admit(item, minute, weight):
            return False
        for count in self._in_window:
            count(item, minute, weight)
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
        self.publish_counts(now)
        publish = self._publisher(now)
        for part in self._seldom:
            part.publish(now, publish)

    def publish_counts(self, now: float) -> None:
        """The cheap streams (counts, shares, sentiment; ~0.3 ms), also between full publishes."""
        self._last_counts = now
        publish = self._publisher(now)
        for part in self._often:
            part.publish(now, publish)

    def _publisher(self, now: float) -> Callable[[str, Any], None]:
        hub, name = self.hub, self.source

        def publish(stream: str, value: Any) -> None:
            hub.publish(f"{name}.{stream}", value, at=now)

        return publish


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
