"""Spam: get-rich and giveaway bait, follow-for-follow, and the same text posted again and again.

A post is spam when it shows two kinds of bait at once (a link, crypto or investment talk, a
prize or giveaway, "DM me" / WhatsApp / Telegram, a promise of earnings), or when it carries too
many hashtags or mentions, or asks for follows back. A single signal is not enough: fans share
links and brands run real giveaways.

The same text (folded, letters and digits only) from a second post is spam too when it carries
one kind of bait (a link, "DM me"…): a small bounded memory of recent texts, keyed by post id so
that checking one post again is not a repeat. Without bait a repeat is shown: fans say the same
thing ("Passé chez Acme et franchement aucun regret"), and the demo source repeats its corpus.
"""

from __future__ import annotations

import re
from collections import OrderedDict

from kiosk.analytics.moderation_rules import SPAM, Finding

_WORDS = {
    "crypto or investment": "crypto cripto bitcoin btc eth ethereum usdt nft nfts airdrop wallet"
    " forex winst guaranteed gegarandeerd verdubbel doublez raddoppia",
    "prize": "giveaway free gratis gratuit gratuite win winnen gagnez gagner vinci omaggio regalo"
    " cadeau concours concorso prize voucher iphone claim reclamez richiedi richiedili cadeaubon",
    "contact bait": "whatsapp telegram scrivimi click klik cliquez clicca ecrivez-moi"
    " contactez-moi",
}
_PREFIXES = {"crypto or investment": ("invest", "profit", "garanti")}
_PHRASES = {
    "crypto or investment": ("double your",),
    "contact bait": (
        "dm me", "dm moi", "een dm", "message me", "inbox me", "app me", "sign up", "log in",
        "link in bio", "my page", "mijn profiel", "mon profil", "mio profilo", "my link",
        "mijn link", "mon lien", "mio link", "check out my", "check mijn", "in dm",
    ),
}  # fmt: skip
_LINK = ("http://", "https://", "www.", "bit.ly", "tinyurl")
_EARNINGS = re.compile(
    r"\b(?:earn|made|verdien\w*|gagne\w*|guadagn\w*)\b[^.!?]{0,20}\d"
    r"|\d[\d.,]*\s?(?:[$€£]|euro|dollars?)?\s*(?:per|a|par|al|pro)\s+(?:day|week|dag|jour"
    r"|semaine|giorno|settimana|mese|maand|mois|month)\b"
)
_TOKEN = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
_SIGNAL_WORDS = {name: frozenset(words.split()) for name, words in _WORDS.items()}
_HASHTAG = re.compile(r"#\w+")
_MENTION = re.compile(r"(?<![\w@])@\w+")
_NOT_TEXT = re.compile(r"[\W_]+")
MAX_HASHTAGS = 7
MAX_MENTIONS = 5
MIN_REPEAT_LENGTH = 25  # "thank you!" and "love it" are said twice without being spam
MEMORY = 2_000


class SpamRule:
    """Finds spam, remembering the last :data:`MEMORY` texts it saw."""

    def __init__(self) -> None:
        self._seen: OrderedDict[str, str] = OrderedDict()

    def check(
        self, folded: str, post_id: str = "", hashtags: tuple[str, ...] = ()
    ) -> Finding | None:
        """A finding for spam in folded ``folded`` (post ``post_id``), or None."""
        repeated = self._repeated(folded, post_id)
        if folded.count("#") + len(hashtags) > MAX_HASHTAGS:
            tags = {tag.casefold() for tag in (*_HASHTAG.findall(folded), *hashtags)}
            if len(tags) > MAX_HASHTAGS:
                return Finding(SPAM, f"{len(tags)} hashtags")
        if folded.count("@") > MAX_MENTIONS and len(set(_MENTION.findall(folded))) > MAX_MENTIONS:
            return Finding(SPAM, "mentions of many accounts")
        words = set(_TOKEN.findall(folded))
        phrases = _ANY_PHRASE.search(folded) is not None
        if _follow_back(folded, words, phrases):
            return Finding(SPAM, "follow-for-follow")
        signals = _signals(folded, words, phrases)
        if len(signals) >= 2:
            return Finding(SPAM, " + ".join(signals))
        if repeated and signals:
            return Finding(SPAM, f"the same text posted again ({signals[0]})")
        return None

    def _repeated(self, folded: str, post_id: str) -> bool:
        key = _NOT_TEXT.sub("", folded)
        if len(key) < MIN_REPEAT_LENGTH:
            return False
        first = self._seen.get(key)
        if first is None:
            self._seen[key] = post_id
            if len(self._seen) > MEMORY:
                self._seen.popitem(last=False)
            return False
        return first != post_id


_FOLLOW_WORDS = frozenset({"f4f", "l4l", "like4like", "follow4follow", "followback", "sub4sub"})
_FOLLOW_PHRASES = (
    "follow back", "volg mij dan volg ik jou", "abonne-toi je m'abonne", "seguimi che ti seguo",
)  # fmt: skip
_DIGIT = re.compile(r"\d")


# Every bait phrase at once: most posts have none, and one pass tells (a pass per kind of bait
# took most of this rule's time).
_ANY_PHRASE = re.compile(
    "|".join(
        re.escape(phrase)
        for phrase in (
            *_FOLLOW_PHRASES,
            *(phrase for phrases in _PHRASES.values() for phrase in phrases),
            *(prefix for prefixes in _PREFIXES.values() for prefix in prefixes),
        )
    )
)


def _follow_back(folded: str, words: set[str], phrases: bool) -> bool:
    return not words.isdisjoint(_FOLLOW_WORDS) or (
        phrases and any(phrase in folded for phrase in _FOLLOW_PHRASES)
    )


def _signals(folded: str, words: set[str], phrases: bool) -> list[str]:
    """The kinds of bait in ``folded``; ``phrases``: whether any bait phrase is in it."""
    found = ["link"] if any(link in folded for link in _LINK) else []
    for name, bait in _SIGNAL_WORDS.items():
        if not words.isdisjoint(bait) or (
            phrases
            and any(
                re.search(rf"\b{re.escape(phrase)}", folded)
                for phrase in (*_PHRASES.get(name, ()), *_PREFIXES.get(name, ()))
                if phrase in folded
            )
        ):
            found.append(name)
    if _DIGIT.search(folded) and _EARNINGS.search(folded):
        found.append("earnings promise")
    return found
