"""Mentions by country, market, platform and language (``<source>.by_country`` …): the last
15 minutes' counts per value, busiest first, with each value's rank in the 15 minutes before.

A breakdown is a ranking, so a leaderboard shows it with rank changes and a share_of_voice as
parts of a whole (``by: market`` on either). Mentions with no country (most real posts name no
place) are in no country's row, and a country in no ``markets:`` entry in no market's row: the
rows count what is known, never a guess.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Callable
from typing import Any, ClassVar

from babel import Locale

from kiosk.analytics.aggregators import Settings, aggregator
from kiosk.analytics.windows import MINUTE, MinuteCounters
from kiosk.platforms import platform_name
from kiosk.values import Kind, Mention, RankEntry, Ranking

RECENT_MINUTES = 15  # as share of voice and hashtags
TOP = 60  # rows kept: more than any leaderboard shows, enough for 60 markets
EARLY = math.ceil(120.0 / MINUTE)  # minutes a post may be early by (remote clocks drift)
DIMENSIONS = ("country", "market", "platform", "language")
_SEPARATOR = "\x1f"


@aggregator
class DimensionBreakdown:
    """One counter keyed by (country, platform, language): one addition per mention, however
    many dimensions are asked for; each dimension is folded out of it when published."""

    streams: ClassVar[dict[str, Kind]] = {f"by_{name}": Kind.RANKING for name in DIMENSIONS}

    def __init__(self, settings: Settings) -> None:
        self.markets = {code.upper(): market for code, market in settings.markets.items()}
        self.counts = MinuteCounters(capacity=2 * RECENT_MINUTES + 1 + EARLY)

    def count(self, mention: Mention, minute: int, weight: int) -> None:
        key = f"{mention.country}{_SEPARATOR}{mention.platform}{_SEPARATOR}{mention.lang}"
        self.counts.add(key, minute, weight)

    def publish(self, current: int, publish: Callable[[str, Any], None]) -> None:
        recent = self.counts.totals(current - RECENT_MINUTES + 1, current)
        before = self.counts.totals(current - 2 * RECENT_MINUTES + 1, current - RECENT_MINUTES)
        for dimension in DIMENSIONS:
            publish(f"by_{dimension}", self.ranking(dimension, recent, before))

    def ranking(self, dimension: str, recent: Counter[str], before: Counter[str]) -> Ranking:
        """``dimension``'s values in the counts ``recent``, ranked, against ``before``."""
        now = _ranked(self._fold(dimension, recent))[:TOP]
        previous = _ranked(self._fold(dimension, before))[: 3 * TOP]
        rank_before = {label: rank for rank, (label, _) in enumerate(previous)}
        return Ranking(
            tuple(RankEntry(label, float(count), rank_before.get(label)) for label, count in now)
        )

    def _fold(self, dimension: str, counts: Counter[str]) -> Counter[str]:
        folded: Counter[str] = Counter()
        for key, count in counts.items():
            country, platform, language = key.split(_SEPARATOR)
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
