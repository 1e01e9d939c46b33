"""Sentiment and language detection measured on the evaluation set, with confidence intervals.

Run: .venv/bin/python benchmarks/eval_sentiment.py --part dev|test [--given-lang] [--errors]

Each post of ``eval/sentiment/<part>/<lang>.jsonl`` goes through ``kiosk analyze``'s code path
(:class:`kiosk.analytics.analyze.Analyzer`), its language detected unless ``--given-lang``.
Prints per language: 3-class accuracy, macro-F1, recall of each class, the share of positives
labelled negative, the confusion matrix, and language-detection accuracy. Proportions carry a
95 % Wilson interval; macro-F1 a 95 % percentile bootstrap (2,000 resamples, fixed seed).

``dev`` is what rules were tuned on; ``test`` was written first and only measured, never tuned
on: quote only ``test`` figures (eval/README.md).
"""

from __future__ import annotations

import argparse
import json
import math
import random
from collections import Counter
from pathlib import Path

from machine import machine

from kiosk.analytics.analyze import UNSCORED, Analyzer

EVAL = Path(__file__).resolve().parent.parent / "eval" / "sentiment"
LANGUAGES = ("en", "nl", "fr", "it")
CLASSES = ("positive", "neutral", "negative")
PREDICTED = (*CLASSES, UNSCORED)
Z = 1.959964  # two-sided 95 %
BOOTSTRAP_ROUNDS = 2000


def wilson(hits: int, total: int) -> tuple[float, float]:
    """95 % Wilson score interval of hits/total."""
    if total == 0:
        return (0.0, 1.0)
    p = hits / total
    centre = (p + Z * Z / (2 * total)) / (1 + Z * Z / total)
    half = Z * math.sqrt(p * (1 - p) / total + Z * Z / (4 * total * total)) / (1 + Z * Z / total)
    return (max(0.0, centre - half), min(1.0, centre + half))


def macro_f1(pairs: list[tuple[str, str]]) -> float:
    scores = []
    for name in CLASSES:
        tp = sum(1 for gold, got in pairs if gold == name and got == name)
        fp = sum(1 for gold, got in pairs if gold != name and got == name)
        fn = sum(1 for gold, got in pairs if gold == name and got != name)
        scores.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return sum(scores) / len(scores)


def bootstrap_f1(pairs: list[tuple[str, str]], seed: int = 7) -> tuple[float, float]:
    rng = random.Random(seed)
    values = sorted(
        macro_f1([pairs[rng.randrange(len(pairs))] for _ in pairs]) for _ in range(BOOTSTRAP_ROUNDS)
    )
    return values[int(0.025 * BOOTSTRAP_ROUNDS)], values[int(0.975 * BOOTSTRAP_ROUNDS) - 1]


def share(hits: int, total: int) -> str:
    low, high = wilson(hits, total)
    value = hits / total if total else 0.0
    return f"{value:6.1%} [{low:.1%}–{high:.1%}] ({hits}/{total})"


def evaluate(part: str, given_lang: bool, errors: bool) -> dict[str, dict[str, float]]:
    analyzer = Analyzer.of()
    summary: dict[str, dict[str, float]] = {}
    for lang in LANGUAGES:
        rows = [
            json.loads(line)
            for line in (EVAL / part / f"{lang}.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        pairs: list[tuple[str, str]] = []
        detected = 0
        for row in rows:
            post = {"id": row["id"], "text": row["text"]}
            if given_lang:
                post["lang"] = row["lang"]
            result = analyzer.post(post)
            pairs.append((row["label"], result["sentiment"]))
            detected += result["lang"] == lang
            if errors and result["sentiment"] != row["label"]:
                print(
                    f"  {row['id']} {row['kind']:<9} {row['label']:>8} → {result['sentiment']:<8}"
                    f" {result['score'] if result['score'] is not None else 'NaN':>6} "
                    f"[{result['lang']}] {row['text']}"
                )
        confusion = Counter(pairs)
        right = sum(confusion[name, name] for name in CLASSES)
        f1 = macro_f1(pairs)
        low, high = bootstrap_f1(pairs)
        golds = Counter(gold for gold, _ in pairs)
        print(f"{lang} ({len(rows)} posts)")
        print(f"  accuracy        {share(right, len(rows))}")
        print(f"  macro-F1        {f1:6.3f} [{low:.3f}–{high:.3f}]")
        for name in CLASSES:
            print(f"  recall {name:<8} {share(confusion[name, name], golds[name])}")
        print(f"  positive→neg    {share(confusion['positive', 'negative'], golds['positive'])}")
        print(f"  language        {share(detected, len(rows))}")
        header = " ".join(f"{name:>9}" for name in PREDICTED)
        print(f"  confusion (rows: label, columns: kiosk)  {header}")
        for name in CLASSES:
            cells = " ".join(f"{confusion[name, got]:>9}" for got in PREDICTED)
            print(f"  {name:>40}  {cells}")
        summary[lang] = {
            "accuracy": right / len(rows),
            "macro_f1": f1,
            "negative_recall": confusion["negative", "negative"] / golds["negative"],
            "positive_as_negative": confusion["positive", "negative"] / golds["positive"],
            "language": detected / len(rows),
        }
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("dev", "test"), required=True)
    parser.add_argument("--given-lang", action="store_true", help="pass each post's language")
    parser.add_argument("--errors", action="store_true", help="list the misses")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"part: {args.part}  language: {'given' if args.given_lang else 'detected'}")
    evaluate(args.part, args.given_lang, args.errors)


if __name__ == "__main__":
    main()
