"""How positive or negative a post is, from -1 to +1, in English, Dutch, French or Italian.

Lexicon and rules, in the manner of VADER: each word and emoji found in the language's lexicon
(``kiosk/data/sentiment``, sources and licences in its README) adds its valence; a negator in
the three words before flips it, a booster or dampener just before scales it, and a "but" makes
what comes before it count half and what comes after one and a half times. The sum is squashed
into -1..+1. Under ten microseconds a post, and it never raises: posts come from the open internet.

The pipeline's neutral band (``SENTIMENT_THRESHOLD`` in ``kiosk.analytics.mentions``, ±0.25) is
the one the figures in ``benchmarks/bench_sentiment.py`` are measured with.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from importlib import resources

from kiosk.analytics.language import LANGUAGES, UNDETERMINED, detect

MAX_CHARS = 2000  # a long text is judged by its beginning; the cost of a post stays bounded
NEGATION_SCOPE = 3  # words after a negator that it still flips
NEGATION_FACTOR = -0.6  # "not good" is mildly negative, not as negative as "bad"
BEFORE_CONTRAST, AFTER_CONTRAST = 0.5, 1.5
CAPS_FACTOR = 1.3  # "DEUX HEURES": shouting, when the rest of the post is not in capitals
EXCLAMATION_STEP, MAX_EXCLAMATIONS = 0.1, 3
SQUASH = 1.0  # score = total / sqrt(total² + SQUASH): one clear word is ±0.4…0.7
OPENING = 4  # praise within a post's first words, then a complaint: "Great, another delay"
SARCASM_NEGATIVE = 0.3  # a word this negative after opening praise makes the praise sarcastic
SARCASM_FACTOR = -0.6  # sarcastic praise counts against, a little less than it would for
QUESTION_FACTOR = 0.3  # praise in a question: "Is the amazing offer still on?" mostly asks
DURATION_WEIGHT = 0.3  # a complaint that says how long ("on hold for 50 minutes") weighs more

_EMOJI = r"[\U0001F300-\U0001FAFF\u2600-\u27BF\u2B50\u2B55]"
_EMOTICON = r"[:;=]-?[)(dD]|:'\(|<3"
_TOKEN = re.compile(rf"[^\W\d_]+|{_EMOJI}|{_EMOTICON}|[.!?;,]|[\"“”«»]")
_QUOTES = frozenset('"“”«»')
# How long something took or has lasted: "50 minutes", "3 weeks", "2h", "6 settimane".
_DURATION = re.compile(
    r"\d+\s*(?:min|mins|minutes?|minuten|minuti|h|hrs?|hours?|uur|heures?|ore|days?|dagen|"
    r"jours?|giorni|weeks?|weken|semaines?|settimane|months?|maanden|mois|mesi)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_]+")
_SHOUTED = re.compile(r"[A-ZÀ-Ý]{3,}")  # an all-capitals word (Latin letters suffice for ours)

# What a token does; one table lookup per token tells.
_VALENCE, _NEGATOR, _SCALER, _CONTRAST, _BOUNDARY, _EMOJI_VALENCE = range(6)

Phrase = tuple[tuple[str, ...], float, bool]  # words, valence, whether a service failure


@dataclass(frozen=True, slots=True)
class _Entry:
    kind: int
    value: float = 0.0  # the valence, or a scaler's factor
    own: float = 0.0  # a scaler's own valence, when it qualifies nothing ("Super accueil")
    phrases: tuple[Phrase, ...] = ()  # multi-word entries starting here, longest first
    cue: bool = False  # a service failure ("cancelled", "on hold"): opening praise was sarcasm


@dataclass(frozen=True, slots=True)
class _Lexicon:
    table: dict[str, _Entry]
    postnegators: frozenset[str] = frozenset()
    markers: tuple[str, ...] = ()  # "🙄", "/s", "yeah right": the praise in the post is sarcasm

    def marked(self, text: str) -> bool:
        lowered = text.lower()
        return any(marker in lowered for marker in self.markers)


def enrich(text: str, lang: str | None = None) -> tuple[str, float]:
    """The language and sentiment of a post from a source that gives neither.

    Args:
        text: the post.
        lang: the language when the source knows it ("en", "EN" or "en-GB"); detected when None
            or not one of ours.

    Returns:
        ``(lang, sentiment)``: lang is "en", "nl", "fr", "it" or "und"; sentiment is -1 … +1.
        A post in an undetermined language is scored on its emoji alone.
    """
    if not isinstance(text, str):
        return UNDETERMINED, 0.0
    if isinstance(lang, str):  # "EN", "en-GB", "it_IT" as sources spell it
        lang = lang.replace("_", "-").split("-")[0].lower()
    if lang not in LANGUAGES:
        lang = detect(text)
    return lang, score(text, lang)


def score(text: str, lang: str) -> float:
    """Sentiment of ``text`` read as language ``lang``: -1 (negative) … +1 (positive).

    An unknown ``lang`` scores emoji and emoticons only. Never raises.
    """
    if not isinstance(text, str) or not text:
        return 0.0
    text = text[:MAX_CHARS]
    lexicon = _lexicon(lang if lang in LANGUAGES else UNDETERMINED)
    table, postnegators = lexicon.table, lexicon.postnegators
    tokens = _TOKEN.findall(text.lower())
    shouted = _shouted(text)
    tally = _Tally()
    negated = 0  # words left in the current negation's scope
    scale = 1.0  # the pending booster or dampener
    quoted = False  # inside quotation marks: praise there is someone else's word ("instant")
    index, count = 0, len(tokens)
    while index < count:
        token = tokens[index]
        index += 1
        entry = table.get(token)
        if entry is None:
            if token in _QUOTES:
                quoted = not quoted
            negated -= negated > 0
            continue
        kind, valence, cue = entry.kind, entry.value, entry.cue
        if entry.phrases:
            matched = _match(entry.phrases, tokens, index - 1)
            if matched:
                if kind == _NEGATOR:  # "pas terrible" is already negated: it means "poor"
                    negated = 0
                kind, valence, cue = _VALENCE, matched[1], matched[2]
                index = index - 1 + len(matched[0])
        if kind == _VALENCE:
            following = tokens[index] if index < count else ""
            if negated or following in postnegators:
                valence *= NEGATION_FACTOR
            if token in shouted:
                valence *= CAPS_FACTOR
            if quoted and valence > 0:
                valence = -valence
            tally.add(valence * scale, index, cue)
            negated, scale = negated - (negated > 0), 1.0
            last = table.get(tokens[index - 1])
            if last is not None and last.kind == _NEGATOR:  # "werkt niet" goes on: "… goed"
                negated = NEGATION_SCOPE
        elif kind == _EMOJI_VALENCE:  # not negated: "not good 😡" stays 😡
            tally.add(valence, index, cue)
        elif kind == _NEGATOR:
            negated = NEGATION_SCOPE
        elif kind == _SCALER:
            scale = valence
            following_entry = table.get(tokens[index]) if index < count else None
            if entry.own and (following_entry is None or following_entry.kind != _VALENCE):
                tally.add(entry.own, index, False)
        elif kind == _BOUNDARY:
            negated, scale = 0, 1.0
            tally.end_clause(question=token == "?")
        else:  # _CONTRAST
            tally.contrast()
    total = tally.total(text, lexicon)
    total *= 1.0 + EXCLAMATION_STEP * min(text.count("!"), MAX_EXCLAMATIONS)
    return total / math.sqrt(total * total + SQUASH)


class _Tally:
    """Positive and negative weight of a post, by clause, before and after a contrast word."""

    __slots__ = (
        "clause",
        "contrasted",
        "failure",
        "first",
        "negative",
        "opened",
        "positive",
        "prior",
        "sour",
    )

    def __init__(self) -> None:
        self.positive = self.negative = 0.0
        self.prior = (0.0, 0.0)  # positive and negative before the contrast word
        self.clause = 0.0  # positive weight in the current clause, damped if it is a question
        self.contrasted = self.opened = False
        self.failure = False  # a service failure was named
        self.sour = False  # a clearly negative word: after opening praise, the praise was sarcasm
        self.first = 0.0  # the first valence, when it comes in the post's opening words

    def add(self, value: float, index: int, cue: bool) -> None:
        """Count one word's or emoji's weight; ``cue``: it names a service failure."""
        if not self.opened:
            self.opened = True
            self.first = value if index <= OPENING else 0.0
        if value > 0:
            self.positive += value
            self.clause += value
        else:
            self.negative += value
            self.sour = self.sour or value <= -SARCASM_NEGATIVE
        self.failure = self.failure or cue

    def end_clause(self, question: bool) -> None:
        if question:  # "Is the amazing offer still on?" asks; it does not praise
            self.positive -= self.clause * (1.0 - QUESTION_FACTOR)
        self.clause = 0.0

    def contrast(self) -> None:
        if not self.contrasted:
            self.prior, self.contrasted = (self.positive, self.negative), True
            self.positive = self.negative = self.clause = 0.0

    def total(self, text: str, lexicon: _Lexicon) -> float:
        """The post's weight: praise that opens a complaint ("Great, another delay") is sarcasm."""
        flip = 1.0
        if (self.positive > 0 or self.prior[0] > 0) and (
            (not self.contrasted and self.first > 0 and self.sour) or lexicon.marked(text)
        ):
            flip = SARCASM_FACTOR
        if self.failure and _DURATION.search(text):  # "on hold for 50 minutes", "6 weeks now"
            self.negative -= DURATION_WEIGHT
        if self.contrasted:
            before, after = self.prior[0] * flip + self.prior[1], self.positive * flip
            return BEFORE_CONTRAST * before + AFTER_CONTRAST * (after + self.negative)
        return self.positive * flip + self.negative


def _shouted(text: str) -> frozenset[str]:
    """Words written in capitals, lower-cased, unless the whole post is (then nobody shouts)."""
    if text.isupper():
        return frozenset()
    return frozenset(word.lower() for word in _SHOUTED.findall(text))


def _match(phrases: tuple[Phrase, ...], tokens: list[str], at: int) -> Phrase | None:
    """The longest of ``phrases`` that ``tokens`` spell from ``at``."""
    for phrase in phrases:
        if tuple(tokens[at : at + len(phrase[0])]) == phrase[0]:
            return phrase
    return None


@functools.cache
def _lexicon(lang: str) -> _Lexicon:
    """One lookup table for a language: rule words, emoji, and the lexicon, kiosk's additions last.

    A word may both start phrases and have a role of its own ("not" in "not working").
    """
    valences: dict[tuple[str, ...], float] = {}
    cues: set[tuple[str, ...]] = set()
    for name in (f"{lang}.tsv", f"kiosk-{lang}.tsv", f"service-{lang}.tsv"):
        for row in _rows(name):
            tokens = tuple(_WORD.findall(row[0].lower()))
            if tokens:
                valences[tokens] = float(row[1])
                if name.startswith("service-"):
                    cues.add(tokens)
    if lang == "nl":
        valences = _with_dutch_inflections(valences)
    table: dict[str, _Entry] = {mark: _Entry(_BOUNDARY) for mark in ".!?;,"}
    table.update({key.lower(): _Entry(_EMOJI_VALENCE, value) for key, value in _emoji().items()})
    for tokens, valence in valences.items():
        if len(tokens) == 1 and valence:
            table[tokens[0]] = _Entry(_VALENCE, valence, cue=tokens in cues)
    postnegators: set[str] = set()
    markers: list[str] = []
    roles = {"negator": _NEGATOR, "booster": _SCALER, "dampener": _SCALER, "contrast": _CONTRAST}
    for row in _rows("rules.tsv"):
        if row[0] not in (lang, "*"):
            continue
        if row[1] == "postnegator":
            postnegators.add(row[2])
        elif row[1] == "sarcasm":
            markers.append(row[2].lower())
        elif row[1] in roles:
            factor = float(row[3]) if len(row) > 3 else 0.0
            own = table.get(row[2])
            table[row[2]] = _Entry(roles[row[1]], factor, own=own.value if own else 0.0)
    starts: dict[str, list[Phrase]] = {}
    for tokens, valence in valences.items():
        if len(tokens) > 1:
            starts.setdefault(tokens[0], []).append((tokens, valence, tokens in cues))
    for first, phrases in starts.items():
        phrases.sort(key=lambda phrase: -len(phrase[0]))
        own = table.get(first, _Entry(_VALENCE))
        table[first] = _Entry(own.kind, own.value, own.own, tuple(phrases), own.cue)
    return _Lexicon(table, frozenset(postnegators), tuple(markers))


def _with_dutch_inflections(valences: dict[tuple[str, ...], float]) -> dict[tuple[str, ...], float]:
    """Add the inflected and compared forms Dutch adjectives take: slecht → slechte, slechtste.

    Spelling is guessed (traag → trage, snel → snelle); a wrong guess is a non-word: harmless.
    """
    forms: dict[tuple[str, ...], float] = {}
    for tokens, valence in valences.items():
        if len(tokens) != 1 or len(tokens[0]) < 3:
            continue
        word = tokens[0]
        stems = {word}
        if len(word) > 3 and word[-2] == word[-3] and word[-2] in "aeou":
            stems.add(word[:-2] + word[-1])  # traag → trag-e
        if word[-1] not in "aeiouy" and word[-2] in "aeiou" and word[-3] not in "aeiou":
            stems.add(word + word[-1])  # snel → snell-e
        for stem in stems:
            for ending in ("e", "er", "ere"):
                forms.setdefault((stem + ending,), valence)
        for ending in ("st", "ste"):
            forms.setdefault((word + ending,), max(-1.0, min(1.0, valence * 1.2)))
    return {**forms, **valences}


@functools.cache
def _emoji() -> dict[str, float]:
    return {row[0]: float(row[1]) for row in _rows("emoji.tsv")}


def _rows(name: str) -> list[list[str]]:
    """A data file's rows, split at tabs; comment lines start with #; a missing file is empty."""
    path = resources.files("kiosk").joinpath("data", "sentiment", name)
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line and not line.startswith("#")]
