"""Places for real posts: how many posts kiosk places, and how often it is right.

Run: .venv/bin/python benchmarks/bench_places.py
Reads eval/places/sample.jsonl (a profile location and a post's text, labelled with the country
and city a person would say, or none) and prints: the share of posts placed; of the posts a
person can place, the share kiosk placed (recall); of the posts kiosk placed, the share with the
right country and, where the label names a city, the right city (precision); then the time per
post and the index's build time and memory. The sample was written by kiosk's developers, who
also wrote the rules: expect less on posts written by others.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import psutil
from machine import machine

from kiosk.analytics.places import load_index, locate

SAMPLE = Path(__file__).resolve().parent.parent / "eval" / "places" / "sample.jsonl"


def main() -> None:
    rows = [json.loads(line) for line in SAMPLE.read_text("utf-8").splitlines() if line.strip()]
    process = psutil.Process()
    before = process.memory_info().rss
    started = time.process_time()
    load_index()
    built = time.process_time() - started
    grown = (process.memory_info().rss - before) / 2**20
    placed = right_country = placeable = placed_of_placeable = 0
    cities = right_city = 0
    wrong: list[str] = []
    started = time.process_time()
    places = [locate(row["text"], row["profile"]) for row in rows]
    per_post = (time.process_time() - started) / len(rows)
    for row, place in zip(rows, places, strict=True):
        if row["country"]:
            placeable += 1
            placed_of_placeable += place is not None
        if place is None:
            continue
        placed += 1
        if place.country == row["country"]:
            right_country += 1
        else:
            wrong.append(
                f"   {row['profile']!r} / {row['text']!r}: {place.city or '-'}, {place.country}"
            )
        if row["city"] and place.city:
            cities += 1
            named = locate("", f"{row['city']}, {row['country']}")  # "Antwerpen" is Antwerp
            if named is not None and (named.city, named.country) == (place.city, place.country):
                right_city += 1
            else:
                post = f"{row['profile']!r} / {row['text']!r}"
                wrong.append(f"   {post}: {place.city} ≠ {row['city']}")
    recall = placed_of_placeable / placeable
    country = right_country / max(1, placed)
    city = right_city / max(1, cities)
    print(f"machine: {machine()}")
    print(f"command: {' '.join(sys.argv)}")
    print(f"sample: {len(rows)} posts, {placeable} of which a person can place ({SAMPLE.name})")
    print(f"placed: {placed}/{len(rows)} = {placed / len(rows):.0%} of all posts")
    print(f"recall: {placed_of_placeable}/{placeable} = {recall:.0%} of placeable posts")
    print(f"precision, country: {right_country}/{placed} = {country:.0%}")
    print(f"precision, city (where both name one): {right_city}/{cities} = {city:.0%}")
    print(f"speed: {per_post * 1e6:.0f} µs a post; index built in {built:.2f} CPU-s")
    print(f"memory: +{grown:.0f} MB RSS while building (the index keeps about 27 MB)")
    if wrong:
        print("wrong:")
        print("\n".join(wrong))


if __name__ == "__main__":
    main()
