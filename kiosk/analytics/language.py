"""Which of the wall's languages a post is written in: English, Dutch, French or Italian.

A naive Bayes vote of the post's words over four word-frequency lists (``kiosk/data/language``),
with word endings standing in for words no list knows. Hand-made on purpose: the libraries that
do this well cost 20–70 µs a post, more than the pipeline can spend; this costs 4–7 µs, for
99.6 % on the labelled sample (figures in ``kiosk/data/language/README.md``). A post in another
Latin-script language (German, Spanish) is still given the nearest of the four.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from importlib import resources

LANGUAGES = ("en", "nl", "fr", "it")
UNDETERMINED = "und"

MAX_CHARS = 400  # a post's beginning decides; a long text costs no more than a short one
MIN_EVIDENCE = 1.0  # nats the winner must lead by, below which the post is "und"
SUFFIX_WEIGHT = 0.5  # an unknown word's ending says less than a known word
SUFFIX_LENGTH = 3

# Letters only: "l'app" is "l" + "app" and "don't" is "don" + "t", as in the word lists.
_WORD = re.compile(r"[^\W\d_]+")

Scores = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class _Model:
    words: dict[str, Scores]  # log p(word | language) above the shared floor, 0 when absent
    suffixes: dict[str, Scores]  # the same for the last letters of words


def detect(text: str) -> str:
    """The language of ``text``: "en", "nl", "fr" or "it", or "und" when the words do not tell.

    Never raises: text without words (emoji, numbers, links) and text in another script are "und".
    """
    if not isinstance(text, str):
        return UNDETERMINED
    scores = evidence(text)
    ranked = sorted(range(len(LANGUAGES)), key=scores.__getitem__, reverse=True)
    best, second = scores[ranked[0]], scores[ranked[1]]
    if best - second < MIN_EVIDENCE:
        return UNDETERMINED
    return LANGUAGES[ranked[0]]


def evidence(text: str) -> list[float]:
    """Per language, in the order of ``LANGUAGES``, how strongly ``text``'s words point to it."""
    model = _model()
    words, suffixes = model.words, model.suffixes
    en = nl = fr = it = 0.0
    for token in _WORD.findall(text[:MAX_CHARS].lower()):
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
