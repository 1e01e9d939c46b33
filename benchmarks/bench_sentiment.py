"""Accuracy and throughput of language detection and sentiment scoring on the labelled sample.

Run: .venv/bin/python benchmarks/bench_sentiment.py [--errors]
Prints, per language, 3-class sentiment accuracy (neutral band ±SENTIMENT_THRESHOLD, the
pipeline's), language-detection accuracy on the same posts, and detect+score posts per
CPU-second on one core, with the machine and the command. ``--errors`` lists the misses.

Every figure printed here is on posts the rules were checked or tuned against, so none of them
is held out and all are optimistic: ``tests/data/sentiment/<lang>.tsv`` is the sample the lexicon
additions were checked against; ``holdout-<lang>.tsv`` (24 posts a language, named so for
history) was looked at while tuning too; the demo's labelled templates were looked at once. The
figure to quote is ``benchmarks/eval_sentiment.py --part test`` on ``eval/sentiment/test``,
written first and never tuned on.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

from machine import machine

from kiosk.analytics.language import LANGUAGES, detect
from kiosk.analytics.mentions import SENTIMENT_THRESHOLD
from kiosk.analytics.sentiment import enrich, score
from kiosk.sources.demo_corpus import TEMPLATES

SAMPLE = Path(__file__).resolve().parent.parent / "tests" / "data" / "sentiment"


def label(value: float) -> str:
    if value >= SENTIMENT_THRESHOLD:
        return "positive"
    return "negative" if value <= -SENTIMENT_THRESHOLD else "neutral"


def read(name: str) -> list[tuple[str, str]]:
    lines = (SAMPLE / f"{name}.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return [(row[0], row[1]) for row in (line.split("\t", 1) for line in lines if line)]


def main() -> None:
    show_errors = "--errors" in sys.argv
    print(f"machine: {machine()}")
    print(f"command: {' '.join(sys.argv)}")
    print(f"neutral band: |score| < {SENTIMENT_THRESHOLD}")
    everything: list[str] = []
    for lang in LANGUAGES:
        posts = read(lang)
        everything += [text for _, text in posts]
        confusion: Counter[tuple[str, str]] = Counter()
        detected = 0
        for expected, text in posts:
            got = label(score(text, lang))
            confusion[expected, got] += 1
            detected += detect(text) == lang
            if show_errors and got != expected:
                print(f"  {lang} {expected:>8} → {got:<8} {score(text, lang):+.2f}  {text}")
        right = sum(count for (expected, got), count in confusion.items() if expected == got)
        per_class = "  ".join(
            f"{name[:3]} {confusion[name, name]}/{sum(confusion[name, g] for g in _CLASSES)}"
            for name in _CLASSES
        )
        held_out = read(f"holdout-{lang}")
        held_right = sum(label(score(text, lang)) == expected for expected, text in held_out)
        demo = [
            (expected, template.format(brand="Acme", tag="acme", city="Lyon", emoji=""))
            for expected, templates in TEMPLATES[lang].items()
            for template in templates
        ]
        demo_right = sum(label(score(text, lang)) == expected for expected, text in demo)
        print(
            f"{lang}: sentiment {right / len(posts):6.1%} ({per_class})   "
            f"language {detected / len(posts):6.1%}   ({len(posts)} posts)\n"
            f"    small set (tuned on, not held out): sentiment "
            f"{held_right / len(held_out):6.1%} ({len(held_out)} posts)   "
            f"demo templates, emoji left out: {demo_right}/{len(demo)}"
        )
    for text in everything:  # load the tables before timing
        enrich(text)
    rounds = 20
    began = time.process_time()
    for _ in range(rounds):
        for text in everything:
            enrich(text)
    spent = time.process_time() - began
    posts_per_second = rounds * len(everything) / spent
    print(
        f"throughput, enrich = detect + score: {posts_per_second:,.0f} posts per CPU-second "
        f"({1e6 / posts_per_second:.1f} µs a post, {rounds * len(everything):,} posts)"
    )
    began = time.process_time()
    for _ in range(rounds):
        for text in everything:
            detect(text)
    spent = time.process_time() - began
    print(f"  of which detect: {1e6 * spent / (rounds * len(everything)):.1f} µs a post")


_CLASSES = ("positive", "neutral", "negative")

if __name__ == "__main__":
    main()
