"""Listening queries: which brand(s) a post is about, and which tracked phrases it holds.

Each brand has a :class:`Query`: any of its ``keywords``, ``phrases`` or ``hashtags`` makes a
post a match, any of its ``exclude`` terms vetoes it, and ``languages`` (when given) limits it.
Text is compared folded: case, accents and compatibility forms do not count ("CAFÉ" = "cafe",
"ﬁne" = "fine"). A post is read as its words (runs of letters and digits; everything else
separates them), so:

- a keyword is a whole word: ``acme`` matches "ACME!", "#acme" and "@acme_nl" (underscores
  separate words, as moderation reads tags), not "acmeville";
- a phrase, or a keyword of several words, is those words in a row whatever stands between
  them: ``in the train`` matches "In the... train" and "in the\\ntrain", not "in the trains";
- a hashtag (with or without ``#``) matches the post's tags as the platform lists them, or a
  ``#tag`` in its text; ``#AcmeDown`` matches ``#acmedown``, not the plain word "acmedown".

A post may match several brands: a source then publishes it once per brand (the same id, so
a post wall shows it once, while each brand's volume counts it). Emoji-only terms cannot match
(they have no letters); the layout says so when one is given.

:class:`Matcher` compiles every query once; matching costs a fold and one word split per post,
then set look-ups and substring searches (figures in ``benchmarks/bench_queries.py``).
:class:`TrackedCounts` counts the tracked phrases (``track:``) over a sliding window, and
:class:`Listener` is what a social source does with what it fetched: dedupe, match, count.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    TypeAdapter,
    field_validator,
    model_validator,
)

from kiosk.config.alerts import AlertRules
from kiosk.config.ranking import RANK_BY_HELP, RankBy
from kiosk.config.types import LAYOUT_MODEL
from kiosk.values import Mention, RankEntry, Ranking

log = logging.getLogger(__name__)

_WORD = re.compile(r"[^\W_]+")
_TAG_IN_TEXT = re.compile(r"(?<![\w&/])#(\w+)")  # not "&#39;" nor a link's "/#anchor"
_ONE_TAG = re.compile(r"#?\w+")
_LANGUAGE = re.compile(r"[a-z]{2,3}")
# The combining marks of the Latin, Greek and Cyrillic scripts (what NFKD splits accents into);
# a regex strips them ~10× faster than a per-character loop over unicodedata.combining().
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")

TRACK_WINDOW = 86_400.0  # tracked phrases are counted over the last 24 hours
MAX_TRACKED_HITS = 20_000  # hits remembered (two windows' worth), oldest dropped first
MAX_SEEN = 5000  # post ids remembered for dedupe
_IDS_ON_DISK: TypeAdapter[list[str]] = TypeAdapter(list[str])
_HITS_ON_DISK: TypeAdapter[list[tuple[float, str]]] = TypeAdapter(list[tuple[float, str]])


def fold(text: str) -> str:
    """Lower case without accents or compatibility forms: what queries compare."""
    if text.isascii():
        return text.lower()
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text).casefold())


def words_of(text: str) -> list[str]:
    """The folded words of ``text`` (letters and digits; all else separates)."""
    return _WORD.findall(fold(text))


def base_language(lang: str | None) -> str:
    """ "en" for "EN", "en-GB" or "en_GB"; "" for None."""
    return (lang or "").replace("_", "-").split("-")[0].lower()


# -- the options -------------------------------------------------------------------------------


def _has_words(terms: list[str]) -> list[str]:
    for term in terms:
        if not words_of(term):
            raise ValueError(f"{term!r} has no letters or digits to match")
    return terms


TermList = Annotated[list[str], AfterValidator(_has_words)]


class Query(BaseModel):
    """What makes a post about one brand or topic."""

    model_config = LAYOUT_MODEL

    keywords: TermList = Field(
        default_factory=list,
        description="Any of these words, whole, case- and accent-insensitive ('acme' matches "
        "'ACME!' and '#acme', not 'acmeville').",
    )
    hashtags: list[str] = Field(
        default_factory=list,
        description="Any of these hashtags, with or without '#', case-insensitive.",
    )
    phrases: TermList = Field(
        default_factory=list,
        description="Any of these phrases: their words in a row, whatever punctuation between.",
    )
    exclude: TermList = Field(
        default_factory=list,
        description="Words or phrases that veto a match ('acme anvil' for a brand Acme that "
        "does not sell anvils).",
    )
    languages: list[str] = Field(
        default_factory=list,
        description="Only posts in these languages (ISO 639-1, e.g. en, nl); empty: all.",
    )

    @field_validator("hashtags")
    @classmethod
    def _one_word_each(cls, tags: list[str]) -> list[str]:
        for tag in tags:
            if not _ONE_TAG.fullmatch(tag):
                raise ValueError(f"{tag!r} is not a hashtag; expected e.g. acme or #acme")
        return tags

    @field_validator("languages")
    @classmethod
    def _language_codes(cls, languages: list[str]) -> list[str]:
        codes = [base_language(lang) for lang in languages]
        for given, code in zip(languages, codes, strict=True):
            if not _LANGUAGE.fullmatch(code):
                raise ValueError(f"{given!r} is not a language code; expected e.g. en or nl")
        return codes

    @model_validator(mode="after")
    def _something_to_match(self) -> Query:
        if not (self.keywords or self.hashtags or self.phrases):
            raise ValueError("give at least one of keywords, hashtags or phrases")
        return self

    def search_terms(self) -> list[str]:
        """Keywords, phrases (quoted when of several words) and #hashtags, for a search API."""
        terms = [f'"{t}"' if len(words_of(t)) > 1 else t for t in (*self.keywords, *self.phrases)]
        return terms + [f"#{tag.lstrip('#')}" for tag in self.hashtags]


class ListeningOptions(BaseModel):
    """The options every social source shares: the brands it listens for, and tracked phrases."""

    model_config = LAYOUT_MODEL

    brands: dict[str, Query] = Field(
        min_length=1,
        description="Brand name → what makes a post about it; a post matching none is dropped.",
    )
    our_brand: str | None = Field(
        default=None, description="The brand our_share follows; defaults to the first."
    )
    track: TermList = Field(
        default_factory=list,
        description="Phrases counted in the brands' posts (e.g. 'in the train'), published as "
        "the ranking stream 'tracked' (last 24 hours).",
    )
    alerts: AlertRules = Field(
        default_factory=AlertRules, description="How readily spikes alert, and for what."
    )
    rank_by: RankBy | None = Field(default=None, description=RANK_BY_HELP)

    @model_validator(mode="after")
    def _ours_is_a_brand(self) -> ListeningOptions:
        if self.our_brand is not None and self.our_brand not in self.brands:
            raise ValueError(
                f"our_brand: {self.our_brand!r} is not one of brands {list(self.brands)}"
            )
        return self


# -- matching ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Terms:
    """Words found by set look-up, phrases by substring search in the space-joined words."""

    words: frozenset[str]
    phrases: tuple[str, ...]  # " w1 w2 ": spaces on both sides keep them whole

    @classmethod
    def of(cls, terms: Iterable[str]) -> _Terms:
        words, phrases = set(), set()
        for term in terms:
            split = words_of(term)
            if len(split) == 1:
                words.add(split[0])
            elif split:
                phrases.add(f" {' '.join(split)} ")
        return cls(frozenset(words), tuple(sorted(phrases)))

    def found(self, words: set[str], joined: str) -> bool:
        return not self.words.isdisjoint(words) or any(p in joined for p in self.phrases)


@dataclass(frozen=True, slots=True)
class _Brand:
    name: str
    include: _Terms
    tags: frozenset[str]
    exclude: _Terms
    languages: frozenset[str]


class Matcher:
    """Decides which brands a post is about; built once from the layout's queries.

    Args:
        queries: brand → query, in the order brands should be listed.
        track: phrases whose occurrences :meth:`tracked` reports.
    """

    def __init__(self, queries: Mapping[str, Query], track: Sequence[str] = ()) -> None:
        self._brands = tuple(
            _Brand(
                name,
                _Terms.of((*query.keywords, *query.phrases)),
                frozenset(fold(tag).lstrip("#") for tag in query.hashtags),
                _Terms.of(query.exclude),
                frozenset(query.languages),
            )
            for name, query in queries.items()
        )
        self._track = tuple(
            (phrase, f" {' '.join(words)} ") for phrase in track if (words := words_of(phrase))
        )

    @property
    def brands(self) -> tuple[str, ...]:
        return tuple(brand.name for brand in self._brands)

    def match(self, text: str, hashtags: Iterable[str] = (), lang: str | None = None) -> list[str]:
        """The brands ``text`` is about, in layout order; empty when none.

        Args:
            text: the post, as plain text.
            hashtags: its tags as the platform lists them (with or without '#').
            lang: its language ("en", "en-GB", …); a brand limited to languages rejects a post
                whose language is unknown.
        """
        folded = fold(text)
        tokens = _WORD.findall(folded)
        words = set(tokens)
        joined = f" {' '.join(tokens)} "
        language = base_language(lang)
        tags: set[str] | None = None
        found = []
        for brand in self._brands:
            if brand.languages and language not in brand.languages:
                continue
            hit = brand.include.found(words, joined)
            if not hit and brand.tags:
                if tags is None:
                    tags = _tags(hashtags, folded)
                hit = not brand.tags.isdisjoint(tags)
            if hit and not brand.exclude.found(words, joined):
                found.append(brand.name)
        return found

    def assign(self, post: Mention, tracked: tuple[str, ...] = ()) -> list[Mention]:
        """``post`` once per brand it is about (its ``brand`` set, and ``tracked``, the track:
        phrases it holds, when there are some); empty when none."""
        brands = self.match(post.text, post.hashtags, post.lang)
        if tracked:
            return [post.but(brand=brand, tracked=tracked) for brand in brands]
        return [post.but(brand=brand) for brand in brands]

    def tracked(self, text: str) -> list[str]:
        """The tracked phrases in ``text``, as the layout spells them, in layout order."""
        if not self._track:
            return []
        joined = f" {' '.join(words_of(text))} "
        return [phrase for phrase, folded in self._track if folded in joined]


def _tags(hashtags: Iterable[str], folded_text: str) -> set[str]:
    tags = {fold(tag).lstrip("#") for tag in hashtags if isinstance(tag, str)}
    if "#" in folded_text:
        tags.update(_TAG_IN_TEXT.findall(folded_text))
    return tags


# -- tracked phrases ---------------------------------------------------------------------------


class TrackedCounts:
    """How often each tracked phrase occurred over the last ``window`` seconds, as a ranking.

    Ranks are compared with the window before, so a leaderboard shows what climbs.
    """

    def __init__(self, phrases: Sequence[str], window: float = TRACK_WINDOW) -> None:
        self.phrases = tuple(phrases)
        self.window = window
        self.hits: deque[tuple[float, str]] = deque(maxlen=MAX_TRACKED_HITS)

    def add(self, at: float, phrases: Iterable[str]) -> None:
        self.hits.extend((at, phrase) for phrase in phrases)

    def ranking(self, now: float) -> Ranking:
        while self.hits and self.hits[0][0] < now - 2 * self.window:
            self.hits.popleft()
        recent: Counter[str] = Counter({phrase: 0 for phrase in self.phrases})
        before: Counter[str] = Counter()
        for at, phrase in self.hits:
            if phrase in recent:
                (recent if at >= now - self.window else before)[phrase] += 1
        rank_before = {phrase: rank for rank, (phrase, _) in enumerate(before.most_common())}
        return Ranking(
            tuple(
                RankEntry(phrase, float(count), rank_before.get(phrase))
                for phrase, count in recent.most_common()
            )
        )

    def dump(self) -> list[list[Any]]:
        return [[at, phrase] for at, phrase in self.hits]

    def load(self, data: Any) -> None:
        """Take back what :meth:`dump` gave; raise ValueError if it is malformed."""
        self.hits.clear()
        self.hits.extend(_HITS_ON_DISK.validate_python(data))


# -- a source's posts --------------------------------------------------------------------------


class Listener:
    """What a social source does with the posts it fetched: dedupe, brands, tracked phrases.

    Posts are recognised by id across polls (also those no brand matched, so they are not judged
    again); the ids, the tracked hits and nothing else go into the source's cache.

    Args:
        options: the source's brands, our_brand and track.
        name: the source's name, for its log lines.
    """

    def __init__(self, options: ListeningOptions, name: str) -> None:
        self.name = name
        self.matcher = Matcher(options.brands, options.track)
        self.tracked = TrackedCounts(options.track)
        self.seen: dict[str, None] = {}  # post ids, oldest first
        self.dropped = 0  # posts that matched no brand, since the last report
        self.skipped = 0  # posts that could not be read, since the last report

    def is_new(self, post_id: str) -> bool:
        """False for a post already taken; True (and remembered) otherwise."""
        if post_id in self.seen:
            return False
        self.seen[post_id] = None
        while len(self.seen) > MAX_SEEN:
            del self.seen[next(iter(self.seen))]
        return True

    def take(self, post: Mention) -> list[Mention]:
        """``post`` once per brand it is about; counts it as dropped when none."""
        # The phrases go on the post too: spikes of a phrase (alerts: by: [tracked]).
        phrases = self.matcher.tracked(post.text)
        mentions = self.matcher.assign(post, tuple(phrases))
        if not mentions:
            self.dropped += 1
            return []
        self.tracked.add(post.at, phrases)
        return mentions

    def report(self) -> None:
        """One debug line per poll, only when something was left out."""
        if self.dropped or self.skipped:
            log.debug(
                "source %s: %d posts matched no brand, %d could not be read",
                self.name,
                self.dropped,
                self.skipped,
            )
        self.dropped = self.skipped = 0

    def dump(self) -> dict[str, Any]:
        return {"seen": list(self.seen), "tracked": self.tracked.dump()}

    def load(self, extra: Any) -> None:
        """Take back what :meth:`dump` gave; raise ValueError if it is malformed."""
        seen = _IDS_ON_DISK.validate_python(extra["seen"])
        self.seen = dict.fromkeys(seen[-MAX_SEEN:])
        self.tracked.load(extra["tracked"])
