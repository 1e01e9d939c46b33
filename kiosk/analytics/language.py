"""The language a post is written in: ISO 639-1 ("en", "de", "ja"…), or "und" when it has no words.

Two steps, for speed. First a naive Bayes vote of the post's words over four word-frequency
lists (``kiosk/data/language``: English, Dutch, French, Italian, the languages kiosk scores),
with word endings standing in for words no list knows: 4–7 µs. When that vote is clear and most
of the post's words are ones the lists know, it decides. Otherwise (a post in another language,
or too few known words to tell) py3langid decides among its 97 languages: 20–50 µs, too much
for every post at 20,000 a second, fine for the few the fast path is unsure of. Figures:
``benchmarks/bench_language.py``; the choice of library is argued in
``kiosk/data/language/README.md``.

@handles, links and #hashtags are not read (a handle is a name, not a language): a post of only
those and emoji is "und".
"""

from __future__ import annotations

import asyncio
import functools
import math
import re
import threading
from dataclasses import dataclass
from importlib import resources
from typing import Any

from kiosk.cores import spread

LANGUAGES = ("en", "nl", "fr", "it")
UNDETERMINED = "und"

MAX_CHARS = 400  # a post's beginning decides; a long text costs no more than a short one
MIN_EVIDENCE = 1.0  # nats the winner must lead by, below which the post is "und"
SURE_EVIDENCE = 3.0  # nats of lead above which the fast path decides alone …
SURE_KNOWN = 0.5  # … when at least this share of the post's words are in the word lists
MIN_CONFIDENCE = 0.5  # py3langid's probability below which a short, unclear post is "und"
COMMON_WORDS = 1500  # the words of each list that no foreign-word sign may be
SUFFIX_WEIGHT = 0.5  # an unknown word's ending says less than a known word
SUFFIX_LENGTH = 3

# Letters only: "l'app" is "l" + "app" and "don't" is "don" + "t", as in the word lists.
_WORD = re.compile(r"[^\W\d_]+")
_NOT_LANGUAGE = re.compile(r"[@#][\w.]+|https?://\S+|www\.\S+", re.IGNORECASE)

Scores = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class _Model:
    words: dict[str, Scores]  # log p(word | language) above the shared floor, 0 when absent
    suffixes: dict[str, Scores]  # the same for the last letters of words


def detect(text: str) -> str:
    """The language of ``text`` (ISO 639-1), or "und" when it has no words to tell by.

    Never raises: text without words (emoji, numbers, links, @handles) is "und".
    """
    if not isinstance(text, str):
        return UNDETERMINED
    text = text[:MAX_CHARS]
    if "@" in text or "#" in text or "://" in text or "www." in text:
        text = _NOT_LANGUAGE.sub(" ", text)
    words = _WORD.findall(text.lower())
    if not words:
        return UNDETERMINED
    scores = _vote(words)
    ranked = sorted(range(len(LANGUAGES)), key=scores.__getitem__, reverse=True)
    lead = scores[ranked[0]] - scores[ranked[1]]
    if lead >= SURE_EVIDENCE and (
        _foreign().isdisjoint(words) or _known(words, ranked[0]) >= SURE_KNOWN * len(words)
    ):
        return LANGUAGES[ranked[0]]
    identifier = _identifier_if_loaded() if _on_event_loop() else _identifier()
    if identifier is None:  # py3langid missing or still loading: the four languages only
        return LANGUAGES[ranked[0]] if lead >= MIN_EVIDENCE else UNDETERMINED
    lang, confidence = identifier.classify(text)
    if confidence < MIN_CONFIDENCE and lead < MIN_EVIDENCE:
        return UNDETERMINED
    if confidence < MIN_CONFIDENCE and lang not in LANGUAGES:
        return LANGUAGES[ranked[0]]  # unsure either way: the word lists had the better hint
    return str(lang)


def evidence(text: str) -> list[float]:
    """Per language, in the order of ``LANGUAGES``, how strongly ``text``'s words point to it."""
    return _vote(_WORD.findall(text[:MAX_CHARS].lower()))


def _vote(tokens: list[str]) -> list[float]:
    """The four languages' scores for ``tokens``."""
    model = _model()
    words, suffixes = model.words, model.suffixes
    en = nl = fr = it = 0.0
    for token in tokens:
        scores = words.get(token)
        if scores is None:
            scores = suffixes.get(token[-SUFFIX_LENGTH:]) if len(token) > SUFFIX_LENGTH else None
            if scores is None:
                continue
        en += scores[0]
        nl += scores[1]
        fr += scores[2]
        it += scores[3]
    return [en, nl, fr, it]


def _known(tokens: list[str], language: int) -> int:
    """How many of ``tokens`` are in the word list of ``LANGUAGES[language]``.

    German and Spanish share many words with Dutch and Italian; a post of theirs still has many
    words the winner's list lacks, and goes to the library.
    """
    words = _model().words
    return sum(1 for token in tokens if (scores := words.get(token)) and scores[language] > 0)


@functools.cache
def common_words(lang: str, count: int) -> frozenset[str]:
    """The ``count`` most frequent words of ``lang`` (one of ``LANGUAGES``) in its word list."""
    table = _read(lang)
    return frozenset(sorted(table, key=table.__getitem__, reverse=True)[:count])


@functools.cache
def _foreign() -> frozenset[str]:
    """Frequent words of German, Spanish, Portuguese… that none of the four word lists holds.

    Brand and place names make a post's known-word share low; these tell a foreign post from
    one that merely names "Initech in San Francisco".
    """
    path = resources.files("kiosk").joinpath("data", "language", "foreign.tsv")
    words = {
        word
        for line in path.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
        for word in line.split("\t")[1].split()
    }
    ours: set[str] = set()
    for lang in LANGUAGES:  # a common word of ours is no sign ("con", "per" are Italian too)
        table = _read(lang)
        ours.update(sorted(table, key=table.__getitem__, reverse=True)[:COMMON_WORDS])
    return frozenset(words - ours)


_loading = threading.Lock()
_load_started = False


def _on_event_loop() -> bool:
    """Whether this thread runs an event loop: the wall's UI thread (qasync), where a post must
    never wait for py3langid's model (~70 MB, ~0.3 s to load, 0.7 s of a held loop when it was
    loaded there). There an unclear post gets the word lists' answer until the model is in,
    loaded in a thread, and most walls never need it: polled posts are read in parse workers,
    which share one copy loaded by their forkserver (:mod:`kiosk.analytics.worker_preload`),
    and the demo says its languages. Anywhere else (a parse worker, ``kiosk analyze``) the
    answer waits for the model.

    Asked of the thread, not set for the process: a switch the wall once set for its whole
    process made the answer depend on whether a wall had started there before (a test worker
    that ran a wall's tests read German as Dutch afterwards, and one that had not loaded the
    model on the loop of a source test: 0.56-1.1 s late)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def load_model() -> None:
    """Load the fallback model now, in this thread (the parse workers' forkserver does)."""
    _identifier()


def _identifier_if_loaded() -> Any:
    """The fallback model if it is loaded; else start loading it in a thread, and None."""
    global _load_started
    if _identifier.cache_info().currsize:
        return _identifier()
    with _loading:
        if not _load_started:
            _load_started = True
            threading.Thread(target=_load_anywhere, name="language-model", daemon=True).start()
    return None


def _load_anywhere() -> None:
    spread()  # a second of CPU, not on the UI thread's core (kiosk.cores)
    _identifier()


@functools.cache
def _identifier() -> Any:
    """py3langid's model over all its languages, loaded on first need (~0.3 s), or None."""
    try:
        from py3langid.langid import (  # type: ignore[import-untyped]
            MODEL_FILE,
            LanguageIdentifier,
        )
    except ImportError:
        return None
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@functools.cache
def _model() -> _Model:
    """Read the four word lists once and turn them into per-word and per-ending scores."""
    frequencies = [_read(lang) for lang in LANGUAGES]
    logs: list[dict[str, float]] = []
    for table in frequencies:
        total = sum(table.values())
        logs.append({word: math.log(value / total) for word, value in table.items()})
    floor = min(min(table.values()) for table in logs) - 1.0
    words: dict[str, Scores] = {}
    for word in set().union(*logs):
        en, nl, fr, it = (table.get(word, floor) - floor for table in logs)
        words[word] = (en, nl, fr, it)
    return _Model(words, _suffix_scores(frequencies))


def _suffix_scores(frequencies: list[dict[str, float]]) -> dict[str, Scores]:
    counts: list[dict[str, int]] = []
    for table in frequencies:
        ending: dict[str, int] = {}
        for word in table:
            if len(word) > SUFFIX_LENGTH:
                key = word[-SUFFIX_LENGTH:]
                ending[key] = ending.get(key, 0) + 1
        counts.append(ending)
    totals = [sum(ending.values()) for ending in counts]
    floor = math.log(0.5 / max(totals))
    suffixes: dict[str, Scores] = {}
    for key in set().union(*counts):
        en, nl, fr, it = (
            SUFFIX_WEIGHT * (math.log(ending[key] / total) - floor if key in ending else 0.0)
            for ending, total in zip(counts, totals, strict=True)
        )
        suffixes[key] = (en, nl, fr, it)
    return suffixes


def _read(lang: str) -> dict[str, float]:
    path = resources.files("kiosk").joinpath("data", "language", f"{lang}.tsv")
    table: dict[str, float] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            word, value = line.split("\t")
            table[word] = float(value)
    return table
