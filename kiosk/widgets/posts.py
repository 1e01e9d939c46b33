"""What the post widgets (ticker, post wall) share: which posts are new, moderation, and a
post's text in whole lines."""

from __future__ import annotations

import collections
import re
from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics, QTextLayout

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


def whole_lines(text: str, font: QFont, width: int, most: int) -> tuple[list[str], bool]:
    """``text`` broken into at most ``most`` lines of ``width`` px at word boundaries (Qt's
    line breaking, so any script), and whether it was cut: then the last line ends in "…"
    after a whole word, never in the middle of a line or a word (unless one word is wider).
    """
    flat = " ".join(text.split())
    layout = QTextLayout(flat, font)
    layout.beginLayout()
    spans: list[tuple[int, int]] = []
    while (line := layout.createLine()).isValid():
        line.setLineWidth(width)
        spans.append((line.textStart(), line.textLength()))
    layout.endLayout()
    lines = [flat[start : start + length].strip() for start, length in spans]
    if len(lines) <= most:
        return lines, False
    if most <= 0:
        return [], True
    metrics = QFontMetrics(font)
    last = ""
    for word in flat[spans[most - 1][0] :].split():
        if metrics.horizontalAdvance(f"{last} {word}…".strip()) > width:
            break
        last = f"{last} {word}".strip()
    if not last:  # one word wider than the card: cut it after all
        last = metrics.elidedText(lines[most - 1], Qt.TextElideMode.ElideRight, width)[:-1]
    return [*lines[: most - 1], last.rstrip(",;:.-–—") + "…"], True
