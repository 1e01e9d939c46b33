"""Who drives the conversation (``authors``): the authors who reached most people in the last
15 minutes, their followers summed over their posts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from kiosk.analytics.aggregators import TWO_WINDOWS, Context, aggregator, amount, windows
from kiosk.analytics.windows import MINUTE, MinuteCounters, rising
from kiosk.config.ranking import RankBy
from kiosk.platforms import platform_name
from kiosk.values import Kind, Mention, RankEntry, Ranking

TOP_AUTHORS = 20
MAX_AUTHORS = 20_000  # names remembered for the ranking; pruned to those still counted
# (the windows keep at most 300 a minute: the cap leaves room for as many new ones)
EVERY = 10.0  # seconds between rankings: reach moves slowly and costs ms to rank


@aggregator
class Authors:
    streams: ClassVar[dict[str, Kind]] = {"authors": Kind.RANKING}

    def __init__(self, context: Context) -> None:
        self.reach = MinuteCounters(capacity=TWO_WINDOWS)
        self.by_brand = MinuteCounters(capacity=TWO_WINDOWS)  # "Acme\x1fhandle": a spike's
        # key -> name, handle, the platforms it posts on, followers (the most on any of them)
        self.known: dict[str, tuple[str, str, tuple[str, ...], int]] = {}
        self._ranked_at: float | None = None
        self._ranked_nobody = False  # the last ranking published had nobody in it
        # Reach is followers summed over an author's posts; with rank_by: engagement, the
        # likes, reposts and replies of their posts.
        self.rank_by: RankBy = "engagement" if context.rank_by == "engagement" else "reach"

    def count(self, mention: Mention, minute: int, weight: int) -> None:
        followers = mention.followers
        if not (isinstance(followers, int) and mention.handle):
            return
        # One author across platforms: the same handle on X, Instagram and TikTok is one
        # person reaching people three ways, not three rows of "who drives it".
        key = str(mention.handle).lstrip("@").casefold()
        brand_key = f"{mention.brand}\x1f{key}"
        if followers > 0:  # what drives a spike is who reached people
            self.by_brand.add(brand_key, minute, followers * weight)
        reached = amount(mention, self.rank_by)
        if reached > 0:
            self.reach.add(key, minute, reached * weight)
        elif followers <= 0:
            return
        known = self.known.get(key)
        if known is None:
            # Only the names of those the windows keep: on a real stream most authors post once,
            # reach few, and are let go at the minute's next pruning (20,000 names, 5 MB).
            if not (self.reach.holds(key, minute) or self.by_brand.holds(brand_key, minute)):
                return
            if len(self.known) >= MAX_AUTHORS:
                self._forget()
        platforms = known[2] if known is not None else ()
        if mention.platform not in platforms:
            platforms = (*platforms, str(mention.platform))
        most = max(followers, known[3]) if known is not None else followers
        self.known[key] = (str(mention.author), str(mention.handle), platforms, most)

    def _forget(self) -> None:
        """Keep the names of authors still counted (the windows forget the others)."""
        live = self.reach.terms()
        self.known = {key: who for key, who in self.known.items() if key in live}

    def publish(self, now: float, publish: Callable[[str, Any], None]) -> None:
        recent, before = windows(int(now // MINUTE))
        ranked_at = self._ranked_at
        # Every 10 s, but at once after an empty ranking (a view's first publish came before
        # its first posts: the board said "Nothing ranked yet" for 10 s).
        waiting = not (self._ranked_nobody and self.reach.totals(*recent))
        if ranked_at is not None and 0 <= now - ranked_at < EVERY and waiting:
            return
        self._ranked_at = now
        now_reach = self.reach.totals(*recent).most_common(TOP_AUTHORS)
        previous = [key for key, _ in self.reach.totals(*before).most_common(3 * TOP_AUTHORS)]
        rank_before = {key: rank for rank, key in enumerate(previous)}
        entries = []
        for key, reach in now_reach:
            author, handle, platforms, followers = self.known.get(key, (key, "", (), 0))
            where = ", ".join(platform_name(platform) for platform in platforms[:3])
            detail = f"@{handle.lstrip('@')} · {where} · {_short(followers)} followers"
            entries.append(RankEntry(author, float(reach), rank_before.get(key), detail))
        self._ranked_nobody = not entries
        publish("authors", Ranking(tuple(entries)))

    def rising(self, brand: str, since: int, current: int) -> list[str]:
        """The one of ``brand``'s authors who reached most more people since ``since``."""
        found = rising(self.by_brand, since, current, minimum=1, prefix=f"{brand}\x1f")[:1]
        return [f"@{self.known[key][1].lstrip('@')}" for key in found if key in self.known]


def _short(number: int) -> str:
    """12,300 → 12.3k; 1,900,000 → 1.9M (the analytics stay free of the widgets' helpers)."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if number >= size:
            return f"{number / size:.1f}".rstrip("0").rstrip(".") + suffix
    return str(number)
