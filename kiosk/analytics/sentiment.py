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

_EMOJI = r"[\U0001F300-\U0001FAFF\u2600-\u27BF\u2B50\u2B55]"
_EMOTICON = r"[:;=]-?[)(dD]|:'\(|<3"
_TOKEN = re.compile(rf"[^\W\d_]+|{_EMOJI}|{_EMOTICON}|[.!?;,]")
_WORD = re.compile(r"[^\W\d_]+")
_SHOUTED = re.compile(r"[A-ZÀ-Ý]{3,}")  # an all-capitals word (Latin letters suffice for ours)

# What a token does; one table lookup per token tells.
_VALENCE, _NEGATOR, _SCALER, _CONTRAST, _BOUNDARY, _EMOJI_VALENCE = range(6)

Phrase = tuple[tuple[str, ...], float]


@dataclass(frozen=True, slots=True)
class _Entry:
    kind: int
    value: float = 0.0  # the valence, or a scaler's factor
    own: float = 0.0  # a scaler's own valence, when it qualifies nothing ("Super accueil")
    phrases: tuple[Phrase, ...] = ()  # multi-word entries starting here, longest first


@dataclass(frozen=True, slots=True)
class _Lexicon:
    table: dict[str, _Entry]
    postnegators: frozenset[str] = frozenset()


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
    before = total = 0.0
    contrasted = False
    negated = 0  # words left in the current negation's scope
    scale = 1.0  # the pending booster or dampener
    index, count = 0, len(tokens)
    while index < count:
        token = tokens[index]
        index += 1
        entry = table.get(token)
        if entry is None:
            negated -= negated > 0
            continue
        kind, valence = entry.kind, entry.value
        if entry.phrases:
            matched = _match(entry.phrases, tokens, index - 1)
            if matched:
                if kind == _NEGATOR:  # "pas terrible" is already negated: it means "poor"
                    negated = 0
                kind, valence, index = _VALENCE, matched[1], index - 1 + len(matched[0])
        if kind == _VALENCE:
            following = tokens[index] if index < count else ""
            if negated or following in postnegators:
                valence *= NEGATION_FACTOR
            if token in shouted:
                valence *= CAPS_FACTOR
            total += valence * scale
            negated, scale = negated - (negated > 0), 1.0
            last = table.get(tokens[index - 1])
            if last is not None and last.kind == _NEGATOR:  # "werkt niet" goes on: "… goed"
                negated = NEGATION_SCOPE
        elif kind == _EMOJI_VALENCE:  # not negated: "not good 😡" stays 😡
            total += valence
        elif kind == _NEGATOR:
            negated = NEGATION_SCOPE
        elif kind == _SCALER:
            scale = valence
            following_entry = table.get(tokens[index]) if index < count else None
            if entry.own and (following_entry is None or following_entry.kind != _VALENCE):
                total += entry.own
        elif kind == _BOUNDARY:
            negated, scale = 0, 1.0
        elif not contrasted:  # _CONTRAST
            before, total, contrasted = total, 0.0, True
    if contrasted:
        total = BEFORE_CONTRAST * before + AFTER_CONTRAST * total
    total *= 1.0 + EXCLAMATION_STEP * min(text.count("!"), MAX_EXCLAMATIONS)
    return total / math.sqrt(total * total + SQUASH)


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
    for name in (f"{lang}.tsv", f"kiosk-{lang}.tsv"):
        for row in _rows(name):
            tokens = tuple(_WORD.findall(row[0].lower()))
            if tokens:
                valences[tokens] = float(row[1])
    if lang == "nl":
        valences = _with_dutch_inflections(valences)
    table: dict[str, _Entry] = {mark: _Entry(_BOUNDARY) for mark in ".!?;,"}
    table.update({key.lower(): _Entry(_EMOJI_VALENCE, value) for key, value in _emoji().items()})
    for tokens, valence in valences.items():
        if len(tokens) == 1 and valence:
            table[tokens[0]] = _Entry(_VALENCE, valence)
    postnegators: set[str] = set()
    roles = {"negator": _NEGATOR, "booster": _SCALER, "dampener": _SCALER, "contrast": _CONTRAST}
    for row in _rows("rules.tsv"):
        if row[0] == lang and row[1] == "postnegator":
            postnegators.add(row[2])
        elif row[0] == lang and row[1] in roles:
            factor = float(row[3]) if len(row) > 3 else 0.0
            own = table.get(row[2])
            table[row[2]] = _Entry(roles[row[1]], factor, own=own.value if own else 0.0)
    starts: dict[str, list[Phrase]] = {}
    for tokens, valence in valences.items():
        if len(tokens) > 1:
            starts.setdefault(tokens[0], []).append((tokens, valence))
    for first, phrases in starts.items():
        phrases.sort(key=lambda phrase: -len(phrase[0]))
        own = table.get(first, _Entry(_VALENCE))
        table[first] = _Entry(own.kind, own.value, own.own, tuple(phrases))
    return _Lexicon(table, frozenset(postnegators))


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
