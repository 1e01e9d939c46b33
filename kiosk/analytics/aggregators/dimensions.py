"""Mentions by country, market, platform and language (``<source>.by_country`` …): the last
15 minutes' counts per value, busiest first, with each value's rank in the 15 minutes before.

A breakdown is a ranking, so a leaderboard shows it with rank changes and a share_of_voice as
parts of a whole (``by: market`` on either). Mentions with no country (most real posts name no
place) are in no country's row, and a country in no ``markets:`` entry in no market's row: the
rows count what is known, never a guess.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable
from typing import Any, ClassVar

from babel import Locale

from kiosk.analytics.aggregators import TWO_WINDOWS, Context, aggregator, windows
from kiosk.analytics.windows import MINUTE, ClosedSums
from kiosk.platforms import platform_name
from kiosk.values import Kind, Mention, RankEntry, Ranking

TOP = 60  # rows kept: more than any leaderboard shows, enough for 60 markets
DIMENSIONS = ("country", "market", "platform", "language")
_Key = tuple[str, str, str]  # country, platform, language


@aggregator
class DimensionBreakdown:
    """One counter keyed by (country, platform, language): one addition per mention, however
    many dimensions are asked for; each dimension is folded out of it when published."""

    streams: ClassVar[dict[str, Kind]] = {f"by_{name}": Kind.RANKING for name in DIMENSIONS}

    def __init__(self, context: Context) -> None:
        markets = context.settings.markets
        self.markets = {code.upper(): market for code, market in markets.items()}
        self.capacity = TWO_WINDOWS
        self._slots: list[dict[_Key, int]] = [{} for _ in range(self.capacity)]
        self._minute_in_slot = [-1] * self.capacity
        self._minute = -1  # the minute of _bucket: most posts fall in the same one
        self._bucket: dict[_Key, int] = {}
        self._latest = -1  # the newest minute counted: those before it are over
        self._closed: ClosedSums[_Key] = ClosedSums()

    def count(self, mention: Mention, minute: int, weight: int) -> None:
        # The hot path (every post): a tuple and a dict update; ~0.3 µs.
        if minute != self._minute and not self._switch(minute):
            return
        key = (mention.country, mention.platform, mention.lang)
        bucket = self._bucket
        bucket[key] = bucket.get(key, 0) + weight
        if minute < self._latest:  # a late post, into a minute the kept sums hold
            self._closed.late(key, minute, weight)

    def _switch(self, minute: int) -> bool:
        """Make ``minute``'s counts the current bucket; False when it is older than kept."""
        slot = minute % self.capacity
        if self._minute_in_slot[slot] != minute:
            if self._minute_in_slot[slot] > minute:
                return False
            self._slots[slot] = {}
            self._minute_in_slot[slot] = minute
            self._closed.clear()  # the minute the slot held is gone
        if minute > self._latest:
            self._latest = minute
            self._closed.clear()
        self._minute, self._bucket = minute, self._slots[slot]
        return True

    def totals(self, first: int, last: int) -> Counter[_Key]:
        """Counts per (country, platform, language) over minutes ``first`` … ``last``."""
        return self._closed.totals(self._slots, self._minute_in_slot, first, last, self._latest)

    def publish(self, now: float, publish: Callable[[str, Any], None]) -> None:
        recent_minutes, before_minutes = windows(int(now // MINUTE))
        recent, before = self.totals(*recent_minutes), self.totals(*before_minutes)
        for dimension in DIMENSIONS:
            publish(f"by_{dimension}", self.ranking(dimension, recent, before))

    def ranking(self, dimension: str, recent: Counter[_Key], before: Counter[_Key]) -> Ranking:
        """``dimension``'s values in the counts ``recent``, ranked, against ``before``."""
        now = _ranked(self._fold(dimension, recent))[:TOP]
        previous = _ranked(self._fold(dimension, before))[: 3 * TOP]
        rank_before = {label: rank for rank, (label, _) in enumerate(previous)}
        return Ranking(
            tuple(RankEntry(label, float(count), rank_before.get(label)) for label, count in now)
        )

    def _fold(self, dimension: str, counts: Counter[_Key]) -> Counter[str]:
        folded: Counter[str] = Counter()
        for (country, platform, language), count in counts.items():
            label = self.label(dimension, country, platform, language)
            if label and count > 0:
                folded[label] += count
        return folded

    def label(self, dimension: str, country: str, platform: str, language: str) -> str:
        """How a row is named; empty when the mention has no value for ``dimension``."""
        if dimension == "country":
            return country_name(country) if country else ""
        if dimension == "market":
            return self.markets.get(country.upper(), "")
        if dimension == "platform":
            return platform_name(platform) if platform else ""
        return language_name(language) if language else ""


def _ranked(counts: Counter[str]) -> list[tuple[str, int]]:
    """Busiest first; equals by name, so rows do not swap places from one second to the next."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


@functools.cache
def country_name(code: str) -> str:
    """``NL`` → ``Netherlands`` (CLDR's English names); an unknown code as it is."""
    return str(_english().territories.get(code.upper(), code.upper()))


@functools.cache
def language_name(code: str) -> str:
    """``nl`` → ``Dutch``; an unknown code as it is."""
    return str(_english().languages.get(code.casefold(), code))


@functools.cache
def _english() -> Locale:
    return Locale("en")
