"""What may appear on a public screen: blocklists, accounts, sentiment, links, hidden posts.

A post is rejected when any rule rejects it, in this order: hidden by hand, denied account,
trusted account (accepted, skipping the automatic rules below), a blocked word or phrase, a link
or media when those are hidden, sentiment below the floor. Blocked words apply from the post's
own language, English (used in every language online), and the layout's ``"*"`` list; a post
in an unknown language is checked against every list. Words match whole, case- and
accent-insensitively, so "Scheiße" and "SCHEISSE" are both caught, "class" does not match "ass".
Hashtags are also read split at capitals, digits and underscores ("#AcmeSucks"); a tag run
together in lower case ("#acmesucks") is only caught when the layout blocks it as a whole
(matching inside words would block "#analytics" and "#therapist").

No Qt here; widgets call :meth:`Moderator.allow` on each post they are about to show.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import logging
import math
import re
import unicodedata
from collections.abc import Iterable
from importlib import resources

from kiosk.config.layout import Moderation
from kiosk.values import Mention

log = logging.getLogger(__name__)

BUNDLED_LANGUAGES = ("en", "nl", "fr", "it", "de", "es")
_LINK = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)


def fold(text: str) -> str:
    """Lower case without accents: what blocklist matching compares."""
    text = unicodedata.normalize("NFKD", text.casefold().replace("ß", "ss"))
    return "".join(char for char in text if not unicodedata.combining(char))


@functools.cache
def bundled_blocklist(lang: str) -> tuple[str, ...]:
    """The LDNOOBW list for ``lang`` shipped in kiosk/data/moderation (CC BY 4.0)."""
    try:
        path = resources.files("kiosk") / "data" / "moderation" / f"{lang}.json"
        raw = path.read_text("utf-8")
        words = json.loads(raw)
    except (OSError, ValueError) as error:
        log.error("blocklist %s could not be read (%s): public screens use the others", lang, error)
        return ()
    return tuple(word for word in words if isinstance(word, str) and word.strip())


def _pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    folded = sorted({fold(word).strip() for word in words if word.strip()}, key=len, reverse=True)
    if not folded:
        return None
    # Whole words: not preceded or followed by a letter or digit (a hashtag's # is fine).
    alternatives = "|".join(re.escape(word) for word in folded)
    return re.compile(rf"(?<![^\W_])(?:{alternatives})(?![^\W_])")


class Moderator:
    """Decides which posts and terms may be shown, from the layout's ``moderation:``."""

    def __init__(self, config: Moderation | None = None) -> None:
        self.config = config or Moderation()
        self.hidden: set[str] = set(self.config.hidden)
        lists: dict[str, list[str]] = {}
        if self.config.blocklists:
            for lang in BUNDLED_LANGUAGES:
                lists.setdefault(lang, []).extend(bundled_blocklist(lang))
        for lang, words in self.config.block.items():
            lists.setdefault(lang.lower(), []).extend(words)
        everywhere = lists.pop("*", [])
        self._patterns: dict[str, re.Pattern[str] | None] = {
            lang: _pattern([*words, *everywhere]) for lang, words in lists.items()
        }
        self._everywhere = _pattern(everywhere)
        self._any = _pattern([word for words in lists.values() for word in words] + everywhere)

    def hide(self, post_id: str) -> None:
        """The manual "hide this post" hook (for the control side): never shown from now on."""
        self.hidden.add(post_id)

    def allow(self, mention: Mention) -> bool:
        return self.reason(mention) is None

    def reason(self, mention: Mention) -> str | None:
        """Why ``mention`` may not be shown, or None when it may."""
        config = self.config
        if mention.id in self.hidden:
            return "hidden by hand"
        accounts = (mention.handle.lstrip("@").casefold(), mention.author.casefold())
        if _matches(accounts, config.deny_accounts):
            return "denied account"
        if _matches(accounts, config.allow_accounts):
            return None
        if not self.allow_text(mention.text, mention.lang) or not all(
            self.allow_text(tag, mention.lang) for tag in mention.hashtags
        ):
            return "blocked word"
        if config.hide_links and _LINK.search(mention.text):
            return "link"
        if config.hide_media and mention.media:
            return "media"
        floor = config.min_sentiment
        if floor is not None and not (
            math.isfinite(mention.sentiment) and mention.sentiment >= floor
        ):
            return "sentiment"
        return None

    def allow_text(self, text: str, lang: str | None = None) -> bool:
        """Whether ``text`` (a post, a hashtag, a term) is free of blocked words."""
        # Hashtags run words together: "#AcmeSucksBalls" is also read as "Acme Sucks Balls".
        spread = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=\d)|_", " ", text)
        folded = fold(text if spread == text else f"{text} {spread}")
        key = (lang or "").lower()
        if key in self._patterns:
            checks = [self._patterns[key], self._patterns.get("en"), self._everywhere]
        else:
            checks = [self._any]  # unknown language: every list
        return not any(pattern is not None and pattern.search(folded) for pattern in checks)


def _matches(accounts: Iterable[str], patterns: Iterable[str]) -> bool:
    wanted = [pattern.lstrip("@").casefold() for pattern in patterns]
    return any(fnmatch.fnmatchcase(account, pattern) for account in accounts for pattern in wanted)
