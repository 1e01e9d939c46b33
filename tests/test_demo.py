"""The demo stream: deterministic, at the asked rate, four languages, crisis bursts, backfill."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import pydantic
import pytest

from kiosk.hub import Hub, SourceState
from kiosk.sources import demo_corpus as corpus
from kiosk.sources.demo import (
    BATCH_POSTS,
    Crisis,
    DemoGenerator,
    DemoOptions,
    DemoSource,
    daily_factor,
)
from kiosk.values import Kind, Mention

T0 = 1_790_000_000.0  # a fixed epoch: 2026-09-21, far from any DST switch


def run(generator: DemoGenerator, start: float, seconds: int) -> list[Mention]:
    """Call ``between`` in 1 s steps, as the source does in (smaller) ticks."""
    posts: list[Mention] = []
    for second in range(seconds):
        posts.extend(generator.between(start + second, start + second + 1))
    return posts


def steady(**options: Any) -> DemoOptions:
    """No daily rhythm and no crises: a flat Poisson stream at ``rate``."""
    return DemoOptions(rhythm=False, crisis=False, **options)


def plateau_of(crisis: Crisis) -> float:
    """A moment in the middle of the crisis's full-intensity plateau."""
    return crisis.start + (180.0 + crisis.duration * 2 / 3) / 2


# -- determinism -----------------------------------------------------------------------------


def test_the_same_seed_and_calls_give_identical_posts_ids_texts_and_times() -> None:
    first = run(DemoGenerator(DemoOptions(seed=3), T0), T0, 20)
    again = run(DemoGenerator(DemoOptions(seed=3), T0), T0, 20)
    assert len(first) > 100
    assert first == again  # every field, ids included
    assert [m.id for m in first] == [m.id for m in again]
    assert [(m.at, m.text) for m in first] == [(m.at, m.text) for m in again]
    assert len({m.id for m in first}) == len(first)  # ids are unique
    assert all(m.id.startswith("demo-3-") for m in first)


def test_another_seed_gives_other_posts() -> None:
    first = run(DemoGenerator(DemoOptions(seed=3), T0), T0, 20)
    other = run(DemoGenerator(DemoOptions(seed=4), T0), T0, 20)
    assert [m.text for m in first] != [m.text for m in other]
    assert not {m.at for m in first} & {m.at for m in other}


def test_between_gives_sorted_posts_inside_the_half_open_interval() -> None:
    generator = DemoGenerator(steady(rate=200), T0)
    posts = generator.between(T0, T0 + 5)
    assert posts and all(T0 <= m.at < T0 + 5 for m in posts)
    assert [m.at for m in posts] == sorted(m.at for m in posts)
    assert generator.between(T0 + 5, T0 + 5) == []
    assert generator.between(T0 + 5, T0 + 4) == []


# -- rate, languages, content ----------------------------------------------------------------


def test_the_mean_rate_over_ten_minutes_is_within_ten_percent_of_rate() -> None:
    rate = 40.0
    posts = run(DemoGenerator(steady(rate=rate), T0), T0, 600)
    assert len(posts) / 600 == pytest.approx(rate, rel=0.1)
    assert {m.weight for m in posts} == {1}
    assert all(T0 <= m.at < T0 + 600 for m in posts)


def test_without_rhythm_the_base_rate_is_flat_and_with_it_follows_the_day() -> None:
    flat = DemoGenerator(steady(rate=30), T0)
    assert flat.base_rate(T0) == 30.0 and flat.base_rate(T0 + 12 * 3600) == 30.0
    shaped = DemoGenerator(DemoOptions(rate=30, crisis=False), T0)
    assert shaped.base_rate(T0) == pytest.approx(30 * daily_factor(T0))


def test_all_four_languages_appear_with_cities_of_that_language() -> None:
    posts = run(DemoGenerator(steady(rate=50), T0), T0, 60)
    assert set(Counter(m.lang for m in posts)) == {"en", "nl", "fr", "it"}
    city_lang = {city: lang for city, lang, _, _ in corpus.CITIES}
    assert all(city_lang[m.city] == m.lang for m in posts)


def test_only_the_asked_languages_appear() -> None:
    posts = run(DemoGenerator(steady(rate=50, languages=["nl", "it"]), T0), T0, 20)
    assert {m.lang for m in posts} == {"nl", "it"}


def test_posts_look_like_a_real_stream() -> None:
    posts = run(DemoGenerator(steady(rate=50), T0), T0, 120)
    assert len({m.platform for m in posts}) >= 8
    assert len({m.text for m in posts}) > 1000
    brands = Counter(m.brand for m in posts)
    assert set(brands) == {"Acme", "Globex", "Initech", "Umbrella"}
    assert brands.most_common(1)[0][0] == "Acme"  # ours leads the share of voice
    assert max(m.followers for m in posts) > 100_000 > min(m.followers for m in posts)
    assert all(m.lat is not None and -90 <= m.lat <= 90 for m in posts)
    assert all(-1 <= m.sentiment <= 1 for m in posts)
    assert all(len(m.hashtags) == 1 and not m.hashtags[0].startswith("#") for m in posts)
    assert all(m.brand in m.text for m in posts)


def test_another_brand_as_ours_leads_the_share() -> None:
    posts = run(DemoGenerator(steady(rate=50, ours="Initech"), T0), T0, 60)
    assert Counter(m.brand for m in posts).most_common(1)[0][0] == "Initech"


# -- crises ----------------------------------------------------------------------------------


def test_crisis_intensity_ramps_holds_and_decays() -> None:
    crisis = Crisis(start=1000.0, duration=900.0, peak=2.0, theme=0)
    assert crisis.intensity(999.0) == 0.0
    assert crisis.intensity(1000.0 + 90) == pytest.approx(0.5)  # half-way up the 3-minute ramp
    assert crisis.intensity(1000.0 + 180) == 1.0
    assert crisis.intensity(1000.0 + 450) == 1.0
    assert crisis.intensity(1000.0 + 750) == pytest.approx(0.5)  # half-way down the last third
    assert crisis.intensity(1000.0 + 901) == 0.0


def test_during_a_crisis_plateau_its_hashtag_bursts_and_the_rate_rises() -> None:
    rate = 20.0
    options = DemoOptions(rhythm=False, rate=rate)
    generator = DemoGenerator(options, T0)
    calm = DemoGenerator(options.model_copy(update={"crisis": False}), T0)
    crisis = generator.crises[0]
    at = plateau_of(crisis)
    assert crisis.intensity(at) == 1.0 and crisis.intensity(at + 60) == 1.0  # all on the plateau
    tag = corpus.CRISES[crisis.theme]["tag"].format(brand="Acme")

    during = run(generator, at, 60)
    normal = run(calm, at, 60)

    tagged = [m for m in during if tag in m.hashtags]
    assert len(tagged) / 60 > 0.5 * rate  # clearly above zero: peak is at least 1× the rate
    assert len(tagged) / 60 == pytest.approx(rate * crisis.peak, rel=0.25)
    assert all(m.brand == "Acme" and m.sentiment <= -0.35 for m in tagged)
    assert all(f"#{tag}" in m.text for m in tagged)
    assert len(during) > 1.5 * len(normal)
    assert not [m for m in normal if tag in m.hashtags]


def test_before_the_first_crisis_there_is_no_crisis_hashtag() -> None:
    generator = DemoGenerator(DemoOptions(rhythm=False, rate=20), T0)
    crisis = generator.crises[0]
    tags = {c["tag"].format(brand="Acme") for c in corpus.CRISES}
    before = run(generator, crisis.start - 120, 60)
    assert before and not [m for m in before if set(m.hashtags) & tags]


def test_crises_are_scheduled_in_order_with_the_first_inside_the_backfill() -> None:
    generator = DemoGenerator(DemoOptions(), origin=T0)  # default backfill: one hour
    crises = generator.crises
    assert len(crises) == 200
    assert T0 + 3600 - 1500 <= crises[0].start <= T0 + 3600 - 600
    for earlier, later in itertools.pairwise(crises):
        assert later.start >= earlier.start + earlier.duration + 1200
    assert all(300 <= c.duration <= 900 and 1 <= c.peak <= 3 for c in crises)


def test_with_crisis_off_there_are_no_crises() -> None:
    generator = DemoGenerator(DemoOptions(crisis=False), T0)
    assert generator.crises == []


# -- backfill weighting ----------------------------------------------------------------------


def test_weighted_posts_are_fewer_and_their_weights_keep_the_count_right() -> None:
    rate, seconds = 100.0, 300.0
    weighted = DemoGenerator(steady(rate=rate), T0).between(T0, T0 + seconds, weight=10)
    plain = DemoGenerator(steady(rate=rate), T0).between(T0, T0 + seconds)
    assert {m.weight for m in weighted} == {10}
    assert len(weighted) == pytest.approx(rate * seconds / 10, rel=0.15)
    assert len(weighted) / len(plain) == pytest.approx(0.1, rel=0.15)
    assert sum(m.weight for m in weighted) == pytest.approx(rate * seconds, rel=0.15)


# -- options ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        {"ours": "Hooli"},
        {"rate": 0},
        {"rate": 6000},
        {"brands": []},
        {"brands": [f"b{n}" for n in range(9)]},
        {"languages": ["de"]},
        {"languages": []},
        {"backfill": "soon"},
        {"colour": "red"},
    ],
)
def test_bad_options_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(pydantic.ValidationError):
        DemoOptions(**bad)


def test_good_options_are_parsed() -> None:
    options = DemoOptions.model_validate(
        {"brands": ["A", "B"], "ours": "B", "rate": 1, "backfill": "1h30m"}
    )
    assert options.our_brand == "B" and options.backfill == 5400.0
    assert DemoOptions(brands=["A", "B"]).our_brand == "A"
    assert DemoOptions(backfill=0).backfill == 0
    assert DemoOptions(rate=5000).rate == 5000


def test_the_daily_factor_averages_one_over_a_day() -> None:
    day = [daily_factor(T0 + minute * 60) for minute in range(24 * 60)]
    assert sum(day) / len(day) == pytest.approx(1.0, abs=0.03)
    assert min(day) < 0.5 < 1.5 < max(day)  # quiet nights, busy peaks


# -- the source ------------------------------------------------------------------------------


def test_the_source_backfills_then_streams_until_cancelled() -> None:
    rate, backfill = 20.0, 300.0
    hub = Hub(clock=time.time)
    source = DemoSource("social", steady(rate=rate, backfill="5m"), hub)
    source.declare()
    assert hub.kind("social.mentions") is Kind.MENTIONS
    assert hub.status("social").state is SourceState.STARTING
    weights: list[int] = []
    batches: list[int] = []

    def count(_name: str, batch: Sequence[Any]) -> None:
        batches.append(len(batch))
        weights.extend(m.weight for m in batch)

    hub.subscribe("social.mentions", count)
    started = time.time()
    states: list[SourceState] = []

    def live() -> bool:  # the backfill is in and posts from after the start flow
        sample = hub.sample("social.mentions")
        return sample is not None and sample.value[-1].at >= started

    async def main() -> asyncio.Task[None]:
        task = asyncio.create_task(source.run())
        # Until live posts arrive (0.35 s was too short once on a loaded 2-core machine).
        deadline = time.time() + 10
        while not live() and time.time() < deadline:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)  # a few live ticks
        states.append(hub.status("social").state)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return task

    task = asyncio.run(main())
    ended = time.time()

    assert states == [SourceState.OK]
    assert task.cancelled()
    assert sum(weights) == pytest.approx(rate * backfill, rel=0.25)
    assert set(weights) == {1}  # 6,000 posts fit under the backfill limit: no weighting
    assert len(batches) >= 5 + 1  # five one-minute backfill batches, then live ticks
    sample = hub.sample("social.mentions")
    assert sample is not None and len(sample.value) == 500  # the stream keeps its newest 500
    assert all(started - backfill - 1 <= m.at <= ended for m in sample.value)
    assert sample.value[-1].at >= started  # live posts came after the backfill


def test_live_batches_wait_for_the_hubs_pace_and_stay_small_at_a_high_rate() -> None:
    """On a wall the hub's pace waits for the end of a ticker frame; a batch is handed over only
    after it, and at 500/s in batches of about BATCH_POSTS, not a second's 500."""
    hub = Hub(clock=time.time)
    source = DemoSource("social", steady(rate=500, backfill=0), hub)
    source.declare()
    batches: list[int] = []
    hub.subscribe("social.mentions", lambda _name, batch: batches.append(len(batch)))
    paced: list[int] = []  # how many batches had been handed over at each wait

    async def pace() -> None:
        paced.append(len(batches))
        await asyncio.sleep(0.01)  # the frame still to come
        assert len(batches) == paced[-1]  # nothing was handed over while waiting

    hub.pace = pace

    async def main() -> None:
        task = asyncio.create_task(source.run())
        await asyncio.sleep(1.0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert len(batches) >= 8
    assert len(paced) >= len(batches)  # every batch came after a wait
    assert max(batches) <= 3 * BATCH_POSTS  # a late tick may carry more, never 500 at once
    assert sum(batches) == pytest.approx(500, rel=0.35)


def test_a_long_backfill_is_fine_for_the_last_hour_and_coarse_before() -> None:
    now = 1_790_000_000.0
    hub = Hub(clock=lambda: now)
    source = DemoSource("social", steady(rate=50, backfill=6 * 3600), hub)
    source.declare()
    posts: list[Mention] = []
    hub.subscribe("social.mentions", lambda _, batch: posts.extend(batch))
    generator = DemoGenerator(source.options, origin=now - 6 * 3600)
    source._backfill(generator, "social.mentions", now - 6 * 3600, now)
    recent = [m for m in posts if m.at >= now - 3600]
    older = [m for m in posts if m.at < now - 3600]
    assert max(m.weight for m in recent) < min(m.weight for m in older)
    assert len(posts) <= 30_000
    assert sum(m.weight for m in recent) == pytest.approx(50 * 3600, rel=0.1)
    assert sum(m.weight for m in older) == pytest.approx(50 * 5 * 3600, rel=0.1)


def test_posts_carry_reactions_drawn_apart_from_everything_else() -> None:
    posts = run(DemoGenerator(steady(seed=3, rate=200), T0), T0, 30)
    likes = sorted(m.likes or 0 for m in posts)
    assert all(m.likes is not None and m.reposts is not None for m in posts)
    assert likes[-1] > 10 * max(1, likes[len(likes) // 2])  # a heavy tail: a few go viral
    assert all((m.reposts or 0) <= (m.likes or 0) for m in posts)
    # Reactions have their own generator: another one changes the reactions and nothing else
    # (the seeded texts, times and authors stay as they were before posts had reactions).
    other = DemoGenerator(steady(seed=3, rate=200), T0)
    other.reaction_rng = np.random.default_rng(999)
    again = run(other, T0, 30)
    assert [(m.at, m.text, m.handle) for m in again] == [(m.at, m.text, m.handle) for m in posts]
    assert [m.likes for m in again] != [m.likes for m in posts]
