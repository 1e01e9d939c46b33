"""Language detection: kiosk's detector against the libraries, accuracy and cost per post.

Run: .venv/bin/python benchmarks/bench_language.py [--part dev|test] [--libraries] [--errors]

Posts: ``eval/sentiment/<part>/*.jsonl`` (en, nl, fr, it) and ``eval/language/other.jsonl``
(German, Spanish, Portuguese and others, and posts with no words: emoji, @handles, links, which
should be "und"). A post whose text has no letters once handles, links and emoji are taken out
is expected "und" whatever its file says. ``--libraries`` also measures py3langid,
lingua-language-detector and langdetect when installed (they are not dependencies). Cost is CPU
time per post on one core, after a warm-up.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections.abc import Callable
from pathlib import Path

from machine import machine

from kiosk.analytics.language import UNDETERMINED, detect

EVAL = Path(__file__).resolve().parent.parent / "eval"
_NOT_WORDS = re.compile(r"@\w+|#|https?://\S+|www\.\S+")
_LETTER = re.compile(r"[^\W\d_]")


def posts(part: str) -> list[tuple[str, str]]:
    files = sorted((EVAL / "sentiment" / part).glob("*.jsonl"))
    files.append(EVAL / "language" / "other.jsonl")
    rows: list[tuple[str, str]] = []
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                words = _LETTER.search(_NOT_WORDS.sub(" ", row["text"]))
                rows.append((row["lang"] if words else UNDETERMINED, row["text"]))
    return rows


def libraries() -> dict[str, Callable[[str], str]]:
    found: dict[str, Callable[[str], str]] = {}
    try:
        from py3langid.langid import (  # type: ignore[import-untyped]
            MODEL_FILE,
            LanguageIdentifier,
        )

        identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        found["py3langid (97 languages)"] = lambda text: str(identifier.classify(text)[0])
    except ImportError:
        pass
    try:
        from lingua import LanguageDetectorBuilder

        lingua = LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode().build()

        def lingua_detect(text: str) -> str:
            found_language = lingua.detect_language_of(text)
            if found_language is None:
                return UNDETERMINED
            return str(found_language.iso_code_639_1.name.lower())

        found["lingua low-accuracy (75 languages)"] = lingua_detect
    except ImportError:
        pass
    try:
        import langdetect  # type: ignore[import-untyped]

        langdetect.DetectorFactory.seed = 0

        def langdetect_detect(text: str) -> str:
            try:
                return str(langdetect.detect(text))
            except langdetect.LangDetectException:
                return UNDETERMINED

        found["langdetect (55 languages)"] = langdetect_detect
    except ImportError:
        pass
    return found


def measure(
    name: str, detector: Callable[[str], str], rows: list[tuple[str, str]], errors: bool
) -> None:
    right = {"ours": 0, "other": 0, "und": 0}
    total = {"ours": 0, "other": 0, "und": 0}
    for expected, text in rows:
        group = "und" if expected == UNDETERMINED else "ours" if expected in _OURS else "other"
        got = detector(text)
        total[group] += 1
        right[group] += got == expected
        if errors and got != expected:
            print(f"    {name[:10]}: {expected} → {got}  {text}")
    texts = [text for _, text in rows]
    for text in texts:
        detector(text)
    rounds = 3
    began = time.process_time()
    for _ in range(rounds):
        for text in texts:
            detector(text)
    cost = 1e6 * (time.process_time() - began) / (rounds * len(texts))
    cells = "  ".join(f"{group} {right[group]}/{total[group]}" for group in total)
    overall = sum(right.values()) / sum(total.values())
    print(f"{name:<36} {overall:6.1%}  ({cells})  {cost:6.1f} µs a post")


_OURS = frozenset(("en", "nl", "fr", "it"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("dev", "test"), default="dev")
    parser.add_argument("--libraries", action="store_true")
    parser.add_argument("--errors", action="store_true")
    args = parser.parse_args()
    print(f"machine: {machine()}; part: {args.part}")
    rows = posts(args.part)
    measure("kiosk.analytics.language.detect", detect, rows, args.errors)
    if args.libraries:
        for name, detector in libraries().items():
            measure(name, detector, rows, args.errors)


if __name__ == "__main__":
    main()
