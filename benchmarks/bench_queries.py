"""Posts per second through the listening queries, on one core.

Run: .venv/bin/python benchmarks/bench_queries.py
Prints the machine and the command, then posts matched per CPU-second by ``Matcher.match`` for
four brands (keywords, a phrase, hashtags, exclusions, one brand limited to two languages), and
for ``match`` + ``tracked`` together. The posts are the demo's templates in four languages
(a third of them with accents), with one of the four brands, another brand, or none, and a
hashtag; half carry their tags as the platform lists them. Target: 50,000 posts/s.
"""

from __future__ import annotations

import itertools
import random
import sys
import time
from collections.abc import Callable

from machine import machine

from kiosk.analytics.queries import Matcher, Query
from kiosk.sources.demo_corpus import EMOJI, TEMPLATES, TOPICAL_TAGS

POSTS = 50_000
ROUNDS = 5
BRANDS = {
    "Acme": Query(
        keywords=["Acme", "Acme Corp"], hashtags=["AcmeDown", "acme"], exclude=["acme anvil"]
    ),
    "Globex": Query(keywords=["Globex"], phrases=["globex app"], hashtags=["globex"]),
    "Initech": Query(keywords=["Initech", "TPS report"], exclude=["job offer", "hiring"]),
    "Café Noir": Query(
        keywords=["Café Noir"], phrases=["café noir"], hashtags=["cafenoir"], languages=["fr", "nl"]
    ),
}
TRACK = ["in the train", "at the station", "customer service", "dans le train"]


def posts(count: int, seed: int = 1) -> list[tuple[str, list[str], str]]:
    """(text, platform tags, lang) like the demo's, for the four brands and some others."""
    rng = random.Random(seed)
    names = [*BRANDS, "Hooli", "Umbrella", "Vandelay"]
    templates = [
        (lang, text, tone)
        for lang, tones in TEMPLATES.items()
        for tone, texts in tones.items()
        for text in texts
    ]
    made = []
    for _ in range(count):
        lang, template, tone = rng.choice(templates)
        tag = rng.choice(TOPICAL_TAGS)
        text = template.format(
            brand=rng.choice(names), city="Zürich", tag=tag, emoji=rng.choice(EMOJI[tone])
        )
        if rng.random() < 0.3:
            text += " — très déçu, encore en retard à la gare"
        made.append((text, [tag] if rng.random() < 0.5 else [], lang))
    return made


def rate(
    task: Callable[[str, list[str], str], object], sample: list[tuple[str, list[str], str]]
) -> float:
    """Best of ``ROUNDS`` runs, in posts per CPU-second."""
    best = float("inf")
    for _ in range(ROUNDS):
        began = time.process_time()
        for text, tags, lang in sample:
            task(text, tags, lang)
        best = min(best, time.process_time() - began)
    return len(sample) / best


def main() -> None:
    matcher = Matcher(BRANDS, TRACK)
    sample = posts(POSTS)
    matched = sum(bool(matcher.match(*post)) for post in sample)

    def both(text: str, tags: list[str], lang: str) -> None:
        if matcher.match(text, tags, lang):
            matcher.tracked(text)

    print(f"machine: {machine()}")
    print(f"command: {' '.join([sys.executable, *sys.argv])}")
    print(f"posts: {len(sample):,}, {matched / len(sample):.0%} match a brand, 4 brands")
    print(f"match:           {rate(matcher.match, sample):>9,.0f} posts/s (target 50,000)")
    print(f"match + tracked: {rate(both, sample):>9,.0f} posts/s")
    ascii_only = [post for post in itertools.islice(sample, 20_000) if post[0].isascii()]
    print(f"match, ASCII posts only ({len(ascii_only):,}): {rate(matcher.match, ascii_only):,.0f}")


if __name__ == "__main__":
    main()
