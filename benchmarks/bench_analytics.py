"""Throughput of the data side on one core: demo generation and analytics ingestion.

Run: .venv/bin/python benchmarks/bench_analytics.py [MENTIONS]
Prints mentions per CPU-second for each stage, with the machine and the command.
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace

from machine import machine

from kiosk.analytics import attach_analytics
from kiosk.analytics.aggregators import Settings
from kiosk.analytics.language import load_model
from kiosk.analytics.queries import Matcher, Query
from kiosk.analytics.sentiment import enrich
from kiosk.analytics.views import ListeningView
from kiosk.config.alerts import AlertRules
from kiosk.config.views import View
from kiosk.hub import Hub
from kiosk.sources.demo import DemoGenerator, DemoOptions
from kiosk.values import Kind, Mention


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    start = 1_790_000_000.0
    rate = 5000.0
    generator = DemoGenerator(DemoOptions(rate=rate, rhythm=False), origin=start)
    began = time.process_time()
    batches: list[list[Mention]] = []
    total = 0
    t = start
    while total < count:  # 100 ms batches, as the running source publishes them
        batch = generator.between(t, t + 0.1)
        batches.append(batch)
        total += len(batch)
        t += 0.1
    generated = time.process_time() - began

    # The clock follows the stream, so the derived streams are published once per simulated
    # second, as they are live: the figure includes publishing, not only counting.
    now = [start]
    hub = Hub(clock=lambda: now[0])
    hub.declare("s.mentions", Kind.MENTIONS)
    analytics = attach_analytics(hub, "s", brands=generator.brands, ours=generator.ours)
    began = time.process_time()
    for index, batch in enumerate(batches):
        now[0] = start + 0.1 * (index + 1)
        hub.append("s.mentions", batch)
    ingested = time.process_time() - began
    publishes = hub.version("s.volume")

    # The whole listening pipeline, as a social source runs it on each post it fetched:
    # brand queries, language detection and sentiment, then the hub and every aggregate.
    matcher = Matcher(
        {brand: Query(keywords=[brand], hashtags=[brand]) for brand in generator.brands},
        track=["in the train", "at the station"],
    )
    raw = [[replace(m, brand="", lang="", sentiment=0.0) for m in batch] for batch in batches]
    # py3langid's model is loaded before the first post, as in the parse workers (their
    # forkserver loads it once): its one-off load is not a cost per post.
    load_model()
    now[0] = start
    hub = Hub(clock=lambda: now[0])
    hub.declare("s.mentions", Kind.MENTIONS)
    attach_analytics(hub, "s", brands=generator.brands, ours=generator.ours)
    kept = 0
    began = time.process_time()
    for index, batch in enumerate(raw):
        now[0] = start + 0.1 * (index + 1)
        posts = []
        for post in batch:
            lang, sentiment = enrich(post.text)
            for matched in matcher.assign(post.but(lang=lang, sentiment=sentiment)):
                posts.append(matched)
            matcher.tracked(post.text)
        kept += len(posts)
        hub.append("s.mentions", posts)
    pipeline = time.process_time() - began

    # The same with dimensions and filters in use, as a global room runs it: markets, alerts
    # by brand, sentiment, country, market and tracked phrase, and two listening views with
    # where: filters (negative posts about our brand; posts from one market), each with every
    # derived stream of its own.
    markets = {"Benelux": ["NL", "BE", "LU"], "Southern Europe": ["IT", "ES", "PT", "FR"]}
    settings = Settings(markets={c: name for name, codes in markets.items() for c in codes})
    rules = AlertRules(by=["brand", "sentiment", "country", "market", "tracked"])
    now[0] = start
    hub = Hub(clock=lambda: now[0])
    hub.declare("s.mentions", Kind.MENTIONS)
    attach_analytics(
        hub, "s", brands=generator.brands, ours=generator.ours, alerts=rules, settings=settings
    )
    views = [
        View.model_validate(
            {"from": ["s"], "where": {"brand": generator.ours, "sentiment": "negative"}}
        ),
        View.model_validate({"from": ["s"], "where": {"market": "Benelux"}}),
    ]
    in_views = [0] * len(views)
    for n, view in enumerate(views):
        view.where.with_markets(settings.markets)
        ListeningView(hub, f"v{n}", view, generator.brands, generator.ours, settings)

        def counted(_stream: str, batch: list[Mention], n: int = n) -> None:
            in_views[n] += len(batch)

        hub.subscribe(f"v{n}.mentions", counted)
    kept_views = 0
    began = time.process_time()
    for index, batch in enumerate(raw):
        now[0] = start + 0.1 * (index + 1)
        posts = []
        for post in batch:
            lang, sentiment = enrich(post.text)
            tracked = tuple(matcher.tracked(post.text))
            for matched in matcher.assign(post.but(lang=lang, sentiment=sentiment), tracked):
                posts.append(matched)
        kept_views += len(posts)
        hub.append("s.mentions", posts)
    dimensioned = time.process_time() - began

    print(f"machine: {machine()}")
    print(f"command: {' '.join(sys.argv)}")
    print(f"demo generation: {total / generated:,.0f} mentions per CPU-second ({total:,} mentions)")
    print(
        f"analytics (hub + all aggregates, {publishes} publications): "
        f"{total / ingested:,.0f} mentions per CPU-second ({analytics.skipped} skipped)"
    )
    print(
        f"listening pipeline (queries + language + sentiment + hub + all aggregates): "
        f"{total / pipeline:,.0f} posts per CPU-second ({kept:,} of {total:,} matched a brand)"
    )
    print(
        "the same with dimensions and filters (markets, alerts by brand, sentiment, country, "
        "market and tracked phrase, two where: views with all their aggregates): "
        f"{total / dimensioned:,.0f} posts per CPU-second "
        f"(the views kept {' and '.join(f'{n:,}' for n in in_views)} posts)"
    )


if __name__ == "__main__":
    main()
