"""Trending hashtags (``hashtags``): the last 15 minutes' busiest, with their rank in the 15
minutes before and the mean sentiment of the posts that carry them."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, ClassVar

from kiosk.analytics.aggregators import TWO_WINDOWS, Context, aggregator, amount, windows
from kiosk.analytics.windows import MINUTE, MinuteCounters, rising
from kiosk.values import Kind, Mention, RankEntry, Ranking

TOP_HASHTAGS = 30  # enough for a word cloud; leaderboards show their own limit
MAX_TAG_FORMS = 20_000  # hashtags whose written form is remembered
TAGS_PER_POST = 8  # a post stuffed with tags counts for its first few


@aggregator
class Hashtags:
    """A hashtag is counted by its letters whatever their case (#RailNord is #railnord), and
    shown as people write it: the first form with capitals in it, else the first seen."""

    streams: ClassVar[dict[str, Kind]] = {"hashtags": Kind.RANKING}

    def __init__(self, context: Context) -> None:
        self.counts = MinuteCounters(capacity=TWO_WINDOWS)
        # Sentiment in thousandths, for the tags the counts keep.
        self.feeling = MinuteCounters(capacity=TWO_WINDOWS, follows=self.counts)
        # The same per brand ("Acme\x1f#acmedown"), so what drives a brand's spike is taken
        # from that brand's posts, not from the whole source ("Globex … driven by #AcmeDown").
        self.by_brand = MinuteCounters(capacity=TWO_WINDOWS)
        self.forms: dict[str, str] = {}
        # With rank_by, what orders the hashtags: their posts' reach or engagement.
        self.rank_by = context.rank_by
        self.amounts = MinuteCounters(capacity=TWO_WINDOWS)

    def count(self, mention: Mention, minute: int, weight: int) -> None:
        score = mention.sentiment
        # Counters hold integers: sentiment in thousandths (as for places).
        feeling = (
            round(score * 1000) if isinstance(score, int | float) and math.isfinite(score) else 0
        )
        forms = self.forms
        tag_amount = amount(mention, self.rank_by) * weight if self.rank_by else 0
        for tag in mention.hashtags[:TAGS_PER_POST]:
            if isinstance(tag, str) and tag:
                form = "#" + tag.lstrip("#")
                key = form.casefold()
                shown = forms.get(key)
                if shown is None or (shown.islower() and not form.islower()):
                    if len(forms) >= MAX_TAG_FORMS:
                        forms.clear()  # forms come back with the next posts
                    forms[key] = form
                self.counts.add(key, minute, weight)
                if tag_amount:
                    self.amounts.add(key, minute, tag_amount)
                self.by_brand.add(f"{mention.brand}\x1f{key}", minute, weight)
                self.feeling.add(key, minute, feeling * weight)

    def publish(self, now: float, publish: Callable[[str, Any], None]) -> None:
        recent, before = windows(int(now // MINUTE))
        ranked = self.amounts if self.rank_by else self.counts
        now_amounts = ranked.totals(*recent).most_common(TOP_HASHTAGS)
        previous = [tag for tag, _ in ranked.totals(*before).most_common(3 * TOP_HASHTAGS)]
        rank_before = {tag: rank for rank, tag in enumerate(previous)}
        posts = self.counts.totals(*recent)  # the mean sentiment is per post
        feeling = self.feeling.totals(*recent)
        ranking = Ranking(
            tuple(
                RankEntry(
                    self.forms.get(tag, tag),
                    float(value),
                    rank_before.get(tag),
                    sentiment=feeling.get(tag, 0) / 1000 / posts[tag] if posts.get(tag) else None,
                )
                for tag, value in now_amounts
            )
        )
        publish("hashtags", ranking)

    def rising(self, brand: str, since: int, current: int) -> list[str]:
        """Up to three of ``brand``'s hashtags much more frequent since minute ``since``."""
        found = rising(self.by_brand, since, current, 10, prefix=f"{brand}\x1f")[:3]
        return [self.forms.get(tag, tag) for tag in found]
