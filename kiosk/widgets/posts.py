"""What the post widgets (ticker, post wall) share: which posts are new, and moderation."""

from __future__ import annotations

import collections
from collections.abc import Callable, Iterable

from kiosk.values import Mention

SEEN_MEMORY = 5000  # post ids remembered, so a post is never shown twice


class FreshPosts:
    """Filters a stream's recent posts down to the ones not seen before and allowed.

    Args:
        moderate: whether ``allow`` applies (a public screen, or ``moderate: true``).
    """

    def __init__(self, moderate: bool = False) -> None:
        self.moderate = moderate
        self.allow: Callable[[Mention], bool] = lambda mention: True
        """Moderation hook: with ``moderate`` on, only posts it allows get through."""
        self._seen: collections.OrderedDict[str, None] = collections.OrderedDict()

    def __call__(self, items: Iterable[object]) -> list[Mention]:
        fresh = []
        for item in items:
            if not isinstance(item, Mention) or item.id in self._seen:
                continue
            self._seen[item.id] = None
            if len(self._seen) > SEEN_MEMORY:
                self._seen.popitem(last=False)
            if not self.moderate or self.allow(item):
                fresh.append(item)
        return fresh
