"""How positive or negative a post is, from -1 to +1, in English, Dutch, French or Italian.

Lexicon and rules, in the manner of VADER: each word and emoji found in the language's lexicon
(``kiosk/data/sentiment``, sources and licences in its README) adds its valence; a negator in
the three words before flips it, a booster or dampener just before scales it, and a "but" makes
what comes before it count half and what comes after one and a half times. The sum is squashed
into -1..+1. Under ten microseconds a post, and it never raises: posts come from the open internet.

Rules, not a trained model, on evidence: most negatives were missed for nameable reasons
(complaints stated as facts, sarcasm, questions, idiom) that rules carry across brands, and
there is no licensed labelled corpus to train on. So service failures that need no emotional
word ("cancelled", "on hold", "charged twice": ``service-<lang>.tsv``) count as negative, more
so when the post says how long; praise that opens a complaint, praise in quotation marks, and
🙄 or /s turn the praise against; praise in a question counts little.

A post in a language without a lexicon is ``UNSCORED`` (NaN), not neutral (:func:`enrich`).
The pipeline's neutral band (``SENTIMENT_THRESHOLD`` in ``kiosk.analytics.mentions``, ±0.25) is
the one the figures are measured with: the test part, ``benchmarks/eval_sentiment.py --part test``.
"""

from __future__ import annotations

import functools
import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources

from kiosk.analytics import model_sentiment
from kiosk.analytics.language import LANGUAGES, UNDETERMINED, detect
from kiosk.analytics.model_sentiment import ModelSpec

log = logging.getLogger(__name__)

MAX_CHARS = 2000  # a long text is judged by its beginning; the cost of a post stays bounded
NEGATION_SCOPE = 3  # words after a negator that it still flips
NEGATION_FACTOR = -0.6  # "not good" is mildly negative, not as negative as "bad"
BEFORE_CONTRAST, AFTER_CONTRAST = 0.5, 1.5
CAPS_FACTOR = 1.3  # "DEUX HEURES": shouting, when the rest of the post is not in capitals
EXCLAMATION_STEP, MAX_EXCLAMATIONS = 0.1, 3
SQUASH = 1.0  # score = total / sqrt(total² + SQUASH): one clear word is ±0.4…0.7
UNSCORED = math.nan  # the sentiment of a post in a language kiosk cannot score
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
    # Multi-word entries starting here, by their second word (one lookup rules most out:
    # "in", "di", "en" start many), longest first.
    phrases: Mapping[str, tuple[Phrase, ...]] = field(default_factory=dict)
    cue: bool = False  # a service failure ("cancelled", "on hold"): opening praise was sarcasm


@dataclass(frozen=True, slots=True)
class _Lexicon:
    table: dict[str, _Entry]
    postnegators: frozenset[str] = frozenset()
    # Sarcasm markers ("🙄", " /s"): the praise in a post holding one is sarcasm. Emoji are
    # noticed as the loop meets them; the others are searched in the text, once, at the end.
    marker_tokens: frozenset[str] = frozenset()
    marker_text: re.Pattern[str] | None = None


def enrich(text: str, lang: str | None = None) -> tuple[str, float]:
    """The language and sentiment of a post from a source that gives neither.

    Args:
        text: the post.
        lang: the language when the source knows it ("en", "EN" or "en-GB"); detected when None
            or not one of ours.

    Returns:
        ``(lang, sentiment)``: lang is an ISO 639-1 code or "und"; sentiment is -1 … +1, or
        ``UNSCORED`` (NaN) for a language kiosk has no lexicon for: such a post is neither
        positive nor negative, and the aggregates leave it out of net sentiment. A post in an
        undetermined language (emoji, @handles) is scored on its emoji alone.
    """
    if not isinstance(text, str):
        return UNDETERMINED, 0.0
    if isinstance(lang, str):  # "EN", "en-GB", "it_IT" as sources spell it
        lang = lang.replace("_", "-").split("-")[0].lower()
    if lang not in LANGUAGES:
        lang = detect(text)
    if _model is not None and (_model.languages is None or lang in _model.languages):
        scored = _score_with_model(_model, text)
        if scored is not None:
            return lang, scored
    if lang not in LANGUAGES and lang != UNDETERMINED:
        return lang, UNSCORED
    return lang, score(text, lang)


_model: ModelSpec | None = None
_model_failed = False


def use_model(spec: ModelSpec | None) -> None:
    """Score posts with the user's model (``sentiment: {model: …}``) in this process from now
    on; None goes back to the rules. The model is loaded here, so a bad one fails now.

    Raises:
        ModelError: the model cannot be loaded (the rules stay in use).
    """
    global _model, _model_failed
    if spec is not None:
        model_sentiment.scorer(spec)
    _model, _model_failed = spec, False


def use_model_or_say(spec: ModelSpec) -> None:
    """:func:`use_model`, with an error that says what happens instead (for parse workers)."""
    try:
        use_model(spec)
    except model_sentiment.ModelError as error:
        raise RuntimeError(
            f"sentiment model not used, kiosk's rules score posts: {error}"
        ) from None


def _score_with_model(spec: ModelSpec, text: str) -> float | None:
    """The model's score, or None (then the rules score): a model that fails on a post fails
    on that post only, and is reported once."""
    global _model_failed
    try:
        value = model_sentiment.scorer(spec).scores([text])[0]
    except Exception as error:  # a user's model on text from the internet: anything can fail
        if not _model_failed:
            _model_failed = True
            log.warning(
                "sentiment model %s failed on a post (%s); the rules scored it", spec.model, error
            )
        return None
    return value if math.isfinite(value) else None


def score(text: str, lang: str) -> float:
    """Sentiment of ``text`` read as language ``lang``: -1 (negative) … +1 (positive).

    An unknown ``lang`` scores emoji and emoticons only. Never raises.

    Positive and negative weight are summed apart, before and after a contrast word, so that
    sarcasm can turn the praise around at the end: praise in the post's opening words followed
    by a clearly negative word ("Great, another delay"), praise in quotation marks, or a marker
    (🙄, /s). Praise in a question counts little ("Is the amazing offer still on?"). The loop is
    one function, with locals, because it runs for every post (see the module docstring).
    """
    if not isinstance(text, str) or not text:
        return 0.0
    text = text[:MAX_CHARS]
    lexicon = _lexicon(lang if lang in LANGUAGES else UNDETERMINED)
    table, postnegators = lexicon.table, lexicon.postnegators
    tokens = _TOKEN.findall(text.lower())
    shouted = _shouted(text)
    positive = negative = clause = first = 0.0  # clause: praise since the last punctuation
    prior: tuple[float, float] | None = None  # positive and negative before a contrast word
    opened = failure = sour = quoted = marked = False
    negated = 0  # words left in the current negation's scope
    scale = 1.0  # the pending booster or dampener
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
        kind, value, cue = entry.kind, entry.value, entry.cue
        if entry.phrases and index < count and tokens[index] in entry.phrases:
            matched = _match(entry.phrases, tokens, index - 1)
            if matched:
                if kind == _NEGATOR:  # "pas terrible" is already negated: it means "poor"
                    negated = 0
                kind, value, cue = _VALENCE, matched[1], matched[2]
                index = index - 1 + len(matched[0])
        if kind == _VALENCE:
            following = tokens[index] if index < count else ""
            if negated or following in postnegators:
                value *= NEGATION_FACTOR
            if token in shouted:
                value *= CAPS_FACTOR
            if quoted and value > 0:
                value = -value
            value *= scale
            negated, scale = negated - (negated > 0), 1.0
            last = table.get(tokens[index - 1])
            if last is not None and last.kind == _NEGATOR:  # "werkt niet" goes on: "… goed"
                negated = NEGATION_SCOPE
        elif kind == _EMOJI_VALENCE:  # not negated: "not good 😡" stays 😡
            marked = marked or token in lexicon.marker_tokens
        elif kind == _NEGATOR:
            negated = NEGATION_SCOPE
            continue
        elif kind == _SCALER:
            scale = value
            following_entry = table.get(tokens[index]) if index < count else None
            if not entry.own or (following_entry is not None and following_entry.kind == _VALENCE):
                continue
            value, cue = entry.own, False
        elif kind == _BOUNDARY:
            negated, scale = 0, 1.0
            if token == "?":  # "Is the amazing offer still on?" asks; it does not praise
                positive -= clause * (1.0 - QUESTION_FACTOR)
            clause = 0.0
            continue
        else:  # _CONTRAST
            if prior is None:
                prior, positive, negative, clause = (positive, negative), 0.0, 0.0, 0.0
            continue
        if not opened:
            opened, first = True, value if index <= OPENING else 0.0
        if value > 0:
            positive += value
            clause += value
        else:
            negative += value
            sour = sour or value <= -SARCASM_NEGATIVE
        failure = failure or cue
    praised = positive > 0 or (prior is not None and prior[0] > 0)
    if praised and not marked and lexicon.marker_text is not None:
        marked = lexicon.marker_text.search(text) is not None
    if praised and ((prior is None and first > 0 and sour) or marked):
        positive *= SARCASM_FACTOR
        prior = (prior[0] * SARCASM_FACTOR, prior[1]) if prior is not None else None
    if failure and _DURATION.search(text):  # "on hold for 50 minutes", "6 weeks now"
        negative -= DURATION_WEIGHT
    total = positive + negative
    if prior is not None:
        total = BEFORE_CONTRAST * (prior[0] + prior[1]) + AFTER_CONTRAST * total
    total *= 1.0 + EXCLAMATION_STEP * min(text.count("!"), MAX_EXCLAMATIONS)
    return total / math.sqrt(total * total + SQUASH)


_CAMEL = re.compile(r"[A-ZÀ-Ý]?[a-zß-ÿ]+|[A-ZÀ-Ý]+(?![a-zß-ÿ])")
MIN_AFFIX = 4  # letters a negative word needs to count at either end of a run-together tag
NEGATIVE_WORD = -0.3  # valence at or below which a word makes a run-together tag negative
COMMON_WORDS = 5000  # the most frequent words of a language, which another's negatives may not be


@functools.lru_cache(maxsize=4096)  # a cloud asks about the same terms at every refresh
def negative_term(term: str, threshold: float = 0.25) -> bool:
    """Whether a hashtag or term says something negative itself, in any of the four languages.

    For public word clouds: "#AcmeSucks", "#boycottacme", "#TreinVertraagd", "#acmefail" are
    negative whatever the posts carrying them say. Words written together are found by their
    capitals, else by a negative word of four letters or more at the start or end of the tag
    ("#badminton" stays, "#outageacme" does not).
    """
    if not isinstance(term, str):
        return False
    text = term.lstrip("#@")
    words = _CAMEL.findall(text)
    if len(words) > 1:
        spaced = " ".join(words)
        if any(score(spaced, lang) <= -threshold for lang in LANGUAGES):
            return True
    folded = text.lower()
    negatives = _negative_words()
    for size in range(MIN_AFFIX, len(folded) + 1):
        if folded[:size] in negatives or folded[-size:] in negatives:
            return True
    return False


@functools.cache
def _negative_words() -> frozenset[str]:
    """Single words with a clearly negative valence in one of the four languages, unless they
    are common words of another language that are not negative there ("sale" is dirty in
    French, and a sale in English)."""
    from kiosk.analytics.language import common_words

    negative = {
        lang: {
            word
            for word, entry in _lexicon(lang).table.items()
            if entry.kind == _VALENCE and entry.value <= NEGATIVE_WORD and len(word) >= MIN_AFFIX
        }
        for lang in LANGUAGES
    }
    found: set[str] = set()
    for lang, words in negative.items():
        for other in LANGUAGES:
            if other != lang:
                words = words - (common_words(other, COMMON_WORDS) - negative[other])
        found |= words
    return frozenset(found)


def _shouted(text: str) -> frozenset[str]:
    """Words written in capitals, lower-cased, unless the whole post is (then nobody shouts)."""
    if text.isupper():
        return frozenset()
    return frozenset(word.lower() for word in _SHOUTED.findall(text))


def _match(phrases: Mapping[str, tuple[Phrase, ...]], tokens: list[str], at: int) -> Phrase | None:
    """The longest of ``phrases`` that ``tokens`` spell from ``at``."""
    if at + 1 >= len(tokens):
        return None
    for phrase in phrases.get(tokens[at + 1], ()):
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
        by_second: dict[str, list[Phrase]] = {}
        for phrase in phrases:
            by_second.setdefault(phrase[0][1], []).append(phrase)
        own = table.get(first, _Entry(_VALENCE))
        grouped = {second: tuple(group) for second, group in by_second.items()}
        table[first] = _Entry(own.kind, own.value, own.own, grouped, own.cue)
    marker_tokens = frozenset(marker for marker in markers if _TOKEN.fullmatch(marker))
    strings = [re.escape(marker) for marker in markers if marker not in marker_tokens]
    marker_text = re.compile("|".join(strings), re.IGNORECASE) if strings else None
    return _Lexicon(table, frozenset(postnegators), marker_tokens, marker_text)


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
