"""What the post widgets (ticker, post wall) share: which posts are new, and moderation."""

from __future__ import annotations

import collections
import re
from collections.abc import Callable, Sequence

from kiosk.values import Mention

SEEN_MEMORY = 5000  # post ids remembered, so a post is never shown twice
TEXT_MEMORY = 500  # texts remembered, so a repost of something just shown is folded into it


class FreshPosts:
    """Filters a stream's recent posts down to the ones not seen before and allowed.

    Args:
        keep: how many of the newest posts in a batch to look at: a widget that shows a few
            posts a second keeps only so many, and need not check the hundreds it would drop
            (a mention stream's value holds its last 500 posts; at 500/s that was most of the
            ticker's time).
        moderate: whether ``allow`` applies (a public screen, or ``moderate: true``).
    """

    def __init__(self, keep: int, moderate: bool = False) -> None:
        self.keep = keep
        self.moderate = moderate
        self.allow: Callable[[Mention], bool] = lambda mention: True
        """Moderation hook: with ``moderate`` on, only posts it allows get through."""
        self.hidden: Callable[[Mention], bool] = lambda mention: False
        """Posts staff hid: never through, moderated or not."""
        self.match: Callable[[Mention], bool] = lambda mention: True
        """The widget's ``where:``: only the posts it names (a brand, a mood, a platform)."""
        self._seen: collections.OrderedDict[str, None] = collections.OrderedDict()
        self._texts: collections.OrderedDict[str, None] = collections.OrderedDict()

    def __call__(self, items: Sequence[object]) -> list[Mention]:
        """The posts among the newest ``keep`` of ``items`` (oldest first) not seen before."""
        fresh = []
        for item in items[-self.keep :]:
            if not isinstance(item, Mention) or item.id in self._seen or self.hidden(item):
                continue
            if not self.match(item):
                continue
            self._seen[item.id] = None
            if len(self._seen) > SEEN_MEMORY:
                self._seen.popitem(last=False)
            # Reposts and copy-paste campaigns: the same words shown once, not fifty times.
            text = fingerprint(item.text)
            if text in self._texts:
                continue
            if not self.moderate or self.allow(item):
                self._texts[text] = None
                if len(self._texts) > TEXT_MEMORY:
                    self._texts.popitem(last=False)
                fresh.append(item)
        return fresh


_NOISE = re.compile(r"^(?:rt\s+)?(?:@\w+:?\s*)*|https?://\S+|www\.\S+|[^\w#]+")


def fingerprint(text: str) -> str:
    """What makes two posts the same words: case, links, "RT @x:", punctuation left out."""
    return " ".join(_NOISE.sub(" ", text.casefold()).split())
