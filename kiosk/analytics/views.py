"""Listening views: the posts of several sources as one stream, narrowed by ``where``, with
every derived stream a mention source has (``views:`` in a layout).

A view subscribes to its sources' ``mentions`` and appends the posts it keeps to
``<view>.mentions``; :func:`~kiosk.analytics.mentions.attach_analytics` computes the rest from
there, as for a source. The same post seen twice (by two sources, or twice by one) is counted
once: by its id and brand, and by its author and words (a post cross-posted to Mastodon and
Bluesky has two ids and one text). A view's state is its best source's: one working source
keeps it fresh.
"""

from __future__ import annotations

import collections
import re
from collections.abc import Callable, Sequence
from typing import Any

from kiosk.analytics.aggregators import Settings
from kiosk.analytics.mentions import SENTIMENT_THRESHOLD, MentionAnalytics, attach_analytics
from kiosk.config.views import View, Where
from kiosk.hub import Hub, SourceState
from kiosk.values import Kind, Mention

SEEN = 50_000  # posts remembered for deduplication (at 500/s, the last 100 s)
_NOISE = re.compile(r"https?://\S+|www\.\S+|[^\w#@]+")
_BEST_FIRST = (SourceState.OK, SourceState.STALE, SourceState.STARTING, SourceState.FAILED)


def feeling(sentiment: float) -> str:
    """The three classes of the pipeline's neutral band; an unscored post is none of them."""
    if sentiment >= SENTIMENT_THRESHOLD:
        return "positive"
    if sentiment <= -SENTIMENT_THRESHOLD:
        return "negative"
    return "neutral" if sentiment == sentiment else "unscored"  # NaN: unscored


def matcher(where: Where | None) -> Callable[[Mention], bool]:
    """A test for ``where`` (every condition given holds); None lets every post through."""
    if where is None:
        return lambda mention: True
    tests: list[Callable[[Mention], bool]] = []
    if where.brand:
        brands = {brand.casefold() for brand in where.brand}
        tests.append(lambda m: m.brand.casefold() in brands)
    if where.sentiment:
        feelings = set(where.sentiment)
        tests.append(lambda m: feeling(m.sentiment) in feelings)
    if where.platform:
        platforms = {platform.casefold() for platform in where.platform}
        tests.append(lambda m: m.platform.casefold() in platforms)
    if where.language:
        languages = {language.casefold().split("-")[0] for language in where.language}
        tests.append(lambda m: m.lang.casefold() in languages)
    if where.hashtag:
        tags = {tag.lstrip("#").casefold() for tag in where.hashtag}
        tests.append(lambda m: any(t.lstrip("#").casefold() in tags for t in m.hashtags))
    if where.city:
        cities = {city.casefold() for city in where.city}
        tests.append(lambda m: m.city.casefold() in cities)
    if where.country:
        countries = {country.upper() for country in where.country}
        tests.append(lambda m: m.country.upper() in countries)
    if where.market:
        # A market is the set of its countries (markets: of the layout); a post with no
        # country is in no market.
        in_markets = where.countries_of_markets()
        tests.append(lambda m: m.country.upper() in in_markets)
    if where.min_followers is not None:
        least = where.min_followers
        tests.append(lambda m: m.followers >= least)
    if not tests:
        return lambda mention: True
    if len(tests) == 1:  # most views filter on one thing: no loop around it
        return tests[0]

    def every(mention: Mention) -> bool:
        for test in tests:  # noqa: SIM110  (a loop, not all() over a generator: runs per post)
            if not test(mention):
                return False
        return True

    return every


class ListeningView:
    """One view, running: fed by its sources' posts, publishing ``<name>.*``."""

    def __init__(
        self,
        hub: Hub,
        name: str,
        view: View,
        brands: Sequence[str] | None,
        ours: str | None,
        settings: Settings | None = None,
    ):
        self.hub, self.name, self.sources = hub, name, tuple(view.sources)
        self.keep = matcher(view.where)
        self._seen: collections.OrderedDict[Any, None] = collections.OrderedDict()
        hub.declare(f"{name}.mentions", Kind.MENTIONS)
        self.analytics: MentionAnalytics = attach_analytics(
            hub,
            name,
            brands=view.brands or brands,
            ours=view.our_brand or ours,
            settings=settings,
            rank_by=view.rank_by,
        )
        for source in self.sources:
            hub.subscribe(f"{source}.mentions", self._take)

    def _take(self, _stream: str, batch: Sequence[Any]) -> None:
        kept = []
        seen = self._seen
        for post in batch:
            if not isinstance(post, Mention) or not self.keep(post):
                continue
            keys = ((post.id, post.brand), (post.author.casefold(), _words(post.text), post.brand))
            if keys[0] in seen or keys[1] in seen:
                continue
            for key in keys:
                seen[key] = None
            kept.append(post)
        while len(seen) > 2 * SEEN:
            seen.popitem(last=False)
        if kept:
            self.hub.append(f"{self.name}.mentions", kept)
        self.sync_status()

    def sync_status(self) -> None:
        """The view is as well as its best source; confirmed when any of them is."""
        statuses = [self.hub.status(source) for source in self.sources]
        best = min(statuses, key=lambda status: _BEST_FIRST.index(status.state))
        self.hub.set_status(self.name, best.state, best.detail)
        confirmed = [c for s in self.sources if (c := self.hub.confirmed(s)) is not None]
        if confirmed:
            self.hub.confirm(self.name, max(confirmed))

    def tick(self) -> None:
        self.analytics.tick()
        self.sync_status()


def _words(text: str) -> str:
    return " ".join(_NOISE.sub(" ", text.casefold()).split())[:280]
