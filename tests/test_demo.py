"""The demo stream: deterministic, at the asked rate, four languages, crisis bursts, backfill."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pydantic
import pytest

from kiosk.hub import Hub, SourceState
from kiosk.sources.demo import DemoGenerator, DemoOptions, DemoSource, daily_factor
from kiosk.values import Kind, Mention

T0 = 1_790_000_000.0


def run(generator: DemoGenerator, start: float, seconds: int) -> list[Mention]:
    posts: list[Mention] = []
    for second in range(seconds):
        posts.extend(generator.between(start + second, start + second + 1))
    return posts


def steady(**options: object) -> DemoOptions:
    return DemoOptions(rhythm=False, crisis=False, **options)  # type: ignore[arg-type]


def test_same_seed_same_posts_other_seed_other_posts() -> None:
    first = run(DemoGenerator(DemoOptions(seed=3), T0), T0, 20)
    again = run(DemoGenerator(DemoOptions(seed=3), T0), T0, 20)
    other = run(DemoGenerator(DemoOptions(seed=4), T0), T0, 20)
    assert first == again
    assert [m.text for m in first] != [m.text for m in other]


def test_the_rate_is_honoured() -> None:
    posts = run(DemoGenerator(steady(rate=40), T0), T0, 600)
    assert len(posts) / 600 == pytest.approx(40, rel=0.1)
    assert all(T0 <= m.at < T0 + 600 for m in posts)
    assert [m.at for m in posts] == sorted(m.at for m in posts)


def test_posts_look_like_a_real_stream() -> None:
    posts = run(DemoGenerator(steady(rate=50), T0), T0, 120)
    assert set(Counter(m.lang for m in posts)) == {"en", "nl", "fr", "it"}
    assert len({m.platform for m in posts}) >= 8
    assert len({m.text for m in posts}) > 1000  # templates × brands × cities × tags × emoji
    brands = Counter(m.brand for m in posts)
    assert brands.most_common(1)[0][0] == "Acme"  # ours leads the share of voice
    assert max(m.followers for m in posts) > 100_000 > min(m.followers for m in posts)
    assert all(m.lat is not None and -90 <= m.lat <= 90 for m in posts)
    assert {m.sentiment > 0.25 for m in posts} == {True, False}


def test_a_crisis_bursts_with_its_own_hashtag() -> None:
    options = DemoOptions(rhythm=False, rate=20)
    generator = DemoGenerator(options, T0)
    calm = DemoGenerator(options.model_copy(update={"crisis": False}), T0)
    crisis = generator.crises[0]
    plateau = crisis.start + crisis.duration / 2
    during = run(generator, plateau, 60)
    normal = run(calm, plateau, 60)
    tag = Counter(tag for m in during for tag in m.hashtags).most_common(1)[0][0]
    assert tag.startswith("Acme") and tag.endswith(("Down", "Cancelled", "Breach"))
    assert len(during) > 1.8 * len(normal)
    assert all(m.sentiment < -0.25 for m in during if tag in m.hashtags)
    assert calm.crises == []


def test_the_first_crisis_falls_inside_the_backfill() -> None:
    generator = DemoGenerator(DemoOptions(), origin=T0)
    assert T0 <= generator.crises[0].start <= T0 + 3600


def test_backfill_weights_keep_counts_right() -> None:
    generator = DemoGenerator(steady(rate=100), T0)
    posts = generator.between(T0, T0 + 300, weight=10)
    assert {m.weight for m in posts} == {10}
    assert len(posts) == pytest.approx(3000, rel=0.15)
    assert sum(m.weight for m in posts) == pytest.approx(30000, rel=0.15)


@pytest.mark.parametrize(
    "bad", [{"ours": "Hooli"}, {"rate": 0}, {"rate": 6000}, {"brands": []}, {"languages": ["de"]}]
)
def test_bad_options_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(pydantic.ValidationError):
        DemoOptions(**bad)  # type: ignore[arg-type]


def test_the_daily_rhythm_averages_one() -> None:
    day = [daily_factor(T0 + minute * 60) for minute in range(24 * 60)]
    assert sum(day) / len(day) == pytest.approx(1.0, abs=0.03)
    assert min(day) < 0.5 < 1.5 < max(day)


def test_the_source_backfills_then_streams_until_cancelled() -> None:
    hub = Hub(clock=time.time)
    source = DemoSource("social", steady(rate=20, backfill=300), hub)
    source.declare()
    weights: list[int] = []
    hub.subscribe("social.mentions", lambda _, batch: weights.extend(m.weight for m in batch))
    assert hub.kind("social.mentions") is Kind.MENTIONS

    async def main() -> None:
        task = asyncio.create_task(source.run())
        await asyncio.sleep(0.35)
        assert hub.status("social").state is SourceState.OK
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert sum(weights) == pytest.approx(20 * 300, rel=0.25)
    sample = hub.sample("social.mentions")
    assert sample is not None and sample.value[-1].at <= time.time()
