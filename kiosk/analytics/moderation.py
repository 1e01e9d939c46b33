"""What may appear on a public screen: words, abuse, personal data, spam, accounts, links, media.

A post is rejected when any rule rejects it, in this order: hidden by hand, denied account,
trusted account (accepted, skipping the automatic rules below), a blocked word, an insult or
threat aimed at people, personal data, spam, a link or media when those are hidden, sentiment
below the floor. Each rejection has a machine-stable code and a reason a person reads
(:meth:`Moderator.verdict`), e.g. ``("blocked word", "disguised swear word 'f*ck'")`` or
``("personal data", "phone number")``.

Blocked words come from the post's own language, English (used in every language online), and
the layout's ``"*"`` list; a post in an unknown language is checked against every list. Words
match whole, case- and accent-insensitively and through disguises (``sh1t``, ``f*ck``,
``f.u.c.k``, ``fuuuck``, look-alike letters), with their inflections and, in Dutch and German,
in compounds; "class" does not match "ass", nor "Scunthorpe" "cunt" (see
:mod:`kiosk.analytics.moderation_rules.profanity`). Hashtags are also read split at capitals,
digits and underscores ("#AcmeSucks"); a tag run together in lower case ("#acmesucks") is only
caught when the layout blocks it as a whole (matching inside words would block "#analytics").

No Qt here; widgets call :meth:`Moderator.allow` on each post they are about to show.
"""

from __future__ import annotations

import fnmatch
import functools
import logging
import math
import re
from collections.abc import Iterable

from kiosk.analytics.moderation_rules import Finding
from kiosk.analytics.moderation_rules.abuse import AbuseRule
from kiosk.analytics.moderation_rules.lexicon import (
    Lexicon,
    bundled_blocklist,
    bundled_lexicon,
)
from kiosk.analytics.moderation_rules.personal_data import PersonalDataRule
from kiosk.analytics.moderation_rules.profanity import WordRule
from kiosk.analytics.moderation_rules.spam import SpamRule
from kiosk.analytics.normalise import fold
from kiosk.config.layout import Moderation
from kiosk.values import Mention

__all__ = ["BUNDLED_LANGUAGES", "Finding", "Moderator", "bundled_blocklist", "fold"]

log = logging.getLogger(__name__)

BUNDLED_LANGUAGES = ("en", "nl", "fr", "it", "de", "es")
_LINK = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_TEXTS_REMEMBERED = 20_000


class Moderator:
    """Decides which posts and terms may be shown, from the layout's ``moderation:``."""

    def __init__(self, config: Moderation | None = None) -> None:
        self.config = config or Moderation()
        self.hidden: set[str] = set(self.config.hidden)
        self._words = _word_rule(
            self.config.blocklists,
            tuple((lang, tuple(words)) for lang, words in sorted(self.config.block.items())),
        )
        self._abuse = AbuseRule(BUNDLED_LANGUAGES)
        self._personal_data = PersonalDataRule()
        self._spam = SpamRule()
        self._texts: dict[tuple[str, str | None], Finding | None] = {}

    def hide(self, post_id: str) -> None:
        """The manual "hide this post" hook (for the control side): never shown from now on."""
        self.hidden.add(post_id)

    def allow(self, mention: Mention) -> bool:
        """Whether ``mention`` may be shown on a public screen."""
        return self.verdict(mention) is None

    def reason(self, mention: Mention) -> str | None:
        """Why ``mention`` may not be shown as a machine-stable code, or None when it may.

        The codes: "hidden by hand", "denied account", "blocked word", "abuse",
        "personal data", "spam", "link", "media", "sentiment".
        """
        found = self.verdict(mention)
        return found.code if found else None

    def verdict(self, mention: Mention) -> Finding | None:
        """Why ``mention`` may not be shown, as (code, reason a person reads), or None."""
        config = self.config
        if mention.id in self.hidden:
            return Finding("hidden by hand", "hidden by hand")
        accounts = (mention.handle.lstrip("@").casefold(), mention.author.casefold())
        if _matches(accounts, config.deny_accounts):
            return Finding("denied account", f"account @{mention.handle} is denied")
        if _matches(accounts, config.allow_accounts):
            return None
        found = self.text_verdict(mention.text, mention.lang) or next(
            filter(None, (self._words.check(tag, mention.lang) for tag in mention.hashtags)), None
        )
        if found:
            return found
        folded = fold(mention.text)
        found = self._spam.check(folded, mention.id, mention.hashtags)
        if found:
            return found
        if config.hide_links and _LINK.search(mention.text):
            return Finding("link", "contains a link")
        if config.hide_media and mention.media:
            return Finding("media", "has images or video")
        floor = config.min_sentiment
        if floor is not None and not (
            math.isfinite(mention.sentiment) and mention.sentiment >= floor
        ):
            return Finding("sentiment", f"sentiment {mention.sentiment:.2f} below {floor:.2f}")
        return None

    def text_verdict(self, text: str, lang: str | None = None) -> Finding | None:
        """What the text rules (words, abuse, personal data) have against ``text``, or None."""
        # Widgets ask again about the posts they show at every refresh: remember the answers.
        key = (text, lang)
        try:
            return self._texts[key]
        except KeyError:
            pass
        if len(self._texts) >= _TEXTS_REMEMBERED:
            self._texts.clear()
        found = self._texts[key] = self._text_verdict(text, lang)
        return found

    def _text_verdict(self, text: str, lang: str | None) -> Finding | None:
        folded = fold(text)
        found = self._words.check(text, lang, folded)
        if found:
            return found
        found = self._abuse.check(folded, lang)
        if found:
            return found
        return self._personal_data.check(text, lang)

    def allow_text(self, text: str, lang: str | None = None) -> bool:
        """Whether ``text`` (a post, a hashtag, a term) is free of blocked words."""
        return self._words.check(text, lang) is None


@functools.lru_cache(maxsize=8)
def _word_rule(blocklists: bool, block: tuple[tuple[str, tuple[str, ...]], ...]) -> WordRule:
    """One word rule per word configuration, shared: its cache of seen words stays warm when a
    layout is reloaded."""
    lexicons: dict[str, Lexicon] = {}
    if blocklists:
        lexicons = {lang: bundled_lexicon(lang) for lang in BUNDLED_LANGUAGES}
    layout = {lang.lower(): words for lang, words in block}
    everywhere = Lexicon("*").extended(layout.pop("*", ()))
    for lang, words in layout.items():
        lexicons[lang] = lexicons.get(lang, Lexicon(lang)).extended(words)
    return WordRule(lexicons, everywhere if everywhere.words or everywhere.phrases else None)


def _matches(accounts: Iterable[str], patterns: list[str]) -> bool:
    if not patterns:
        return False
    wanted = [pattern.lstrip("@").casefold() for pattern in patterns]
    return any(fnmatch.fnmatchcase(account, pattern) for account in accounts for pattern in wanted)
