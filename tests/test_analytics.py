"""Aggregates from a mention stream: exact counts, windows, publishing rate, bad input, bounds."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kiosk.analytics import DERIVED_STREAMS, MentionAnalytics, attach_analytics
from kiosk.analytics.windows import MinuteCounters, MinuteCounts
from kiosk.hub import Hub
from kiosk.values import Breakdown, Kind, Mention, Metric, Ranking, TimeSeries

MINUTE0 = 29_833_333  # an arbitrary minute number
T0 = MINUTE0 * 60.0


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def post(
    at: float,
    brand: str = "Acme",
    sentiment: float = 0.0,
    tags: tuple[str, ...] = (),
    weight: int = 1,
) -> Mention:
    return Mention("id", at, brand, "text", "en", "x", "a", "a", 1, sentiment, tags, weight=weight)


def setup(now: float) -> tuple[Hub, Clock, MentionAnalytics]:
    clock = Clock(now)
    hub = Hub(clock=clock)
    hub.declare("s.mentions", Kind.MENTIONS)
    analytics = attach_analytics(hub, "s", brands=["Acme", "Globex"], ours="Acme")
    return hub, clock, analytics


def value(hub: Hub, name: str) -> object:
    sample = hub.sample(f"s.{name}")
    assert sample is not None
    return sample.value


def test_every_derived_stream_is_declared_with_its_kind() -> None:
    hub, _, _ = setup(T0)
    for name, kind in DERIVED_STREAMS.items():
        assert hub.kind(f"s.{name}") is kind


def test_volume_counts_weighted_mentions_per_brand_per_minute() -> None:
    hub, _, _ = setup(T0 + 185)  # three complete minutes, the fourth filling
    hub.append(
        "s.mentions",
        [
            post(T0 + 1),
            post(T0 + 59.999, weight=3),
            post(T0 + 60.0, "Globex"),
            post(T0 + 130, weight=2),
            post(T0 + 181),
        ],
    )
    volume = value(hub, "volume")
    assert isinstance(volume, TimeSeries)
    assert volume.labels == ("Acme", "Globex")
    assert (volume.start, volume.step) == (T0, 60.0)
    assert volume.values.tolist() == [[4, 0, 2, 1], [0, 1, 0, 0]]
    assert not volume.values.flags.writeable


def test_rate_compares_the_last_two_complete_minutes() -> None:
    hub, _, _ = setup(T0 + 185)
    hub.append("s.mentions", [post(T0 + 65), post(T0 + 130, weight=5), post(T0 + 181)])
    rate = value(hub, "rate")
    assert isinstance(rate, Metric)
    assert (rate.value, rate.previous) == (5, 1)
    assert len(rate.history) == 60 and rate.history[-3:] == (0, 1, 5)
    assert rate.change == pytest.approx(4.0)


def test_share_sentiment_and_net_sentiment_over_15_minutes() -> None:
    hub, _, _ = setup(T0 + 30 * 60)
    now_window = T0 + 20 * 60
    before_window = T0 + 5 * 60
    hub.append(
        "s.mentions",
        [
            post(before_window, sentiment=-0.9),
            post(now_window, sentiment=0.25),
            post(now_window, sentiment=0.9, weight=2),
            post(now_window, "Globex", sentiment=0.1),
            post(now_window, "Globex", sentiment=-0.25),
        ],
    )
    assert value(hub, "share") == Breakdown((("Acme", 3.0), ("Globex", 2.0)))
    assert value(hub, "sentiment") == Breakdown(
        (("positive", 3.0), ("neutral", 1.0), ("negative", 1.0))
    )
    net = value(hub, "net_sentiment")
    assert isinstance(net, Metric)
    assert net.value == pytest.approx((3 - 1) / 5 * 100)
    assert net.previous == pytest.approx(-100)
    ours = value(hub, "our_share")
    assert isinstance(ours, Metric) and ours.value == pytest.approx(60) and ours.unit == "%"


def test_hashtags_are_ranked_with_their_previous_rank() -> None:
    hub, _, _ = setup(T0 + 30 * 60)
    before, now = T0 + 5 * 60, T0 + 20 * 60
    hub.append(
        "s.mentions",
        [post(before, tags=("b",)), post(before, tags=("b",)), post(before, tags=("a",))]
        + [post(now, tags=("a",))] * 3
        + [post(now, tags=("#b", "new"))],
    )
    ranking = value(hub, "hashtags")
    assert isinstance(ranking, Ranking)
    rows = [(e.label, e.value, e.previous_rank) for e in ranking.entries]
    assert rows == [("#a", 3.0, 1), ("#b", 1.0, 0), ("#new", 1.0, None)]


def test_publishes_at_most_once_a_second() -> None:
    hub, clock, _ = setup(T0)
    hub.append("s.mentions", [post(T0 - 1)])
    assert hub.version("s.rate") == 1
    for _ in range(50):
        hub.append("s.mentions", [post(T0 - 1)])
    assert hub.version("s.rate") == 1
    clock.now += 1.0
    hub.append("s.mentions", [post(T0)])
    assert hub.version("s.rate") == 2


def test_bad_items_are_skipped_and_counted() -> None:
    hub, _, analytics = setup(T0 + 120)
    bad: list[object] = [
        {"brand": "Acme"},
        post(math.nan),
        post(T0, weight=0),
        post(T0 + 3600),  # an hour in the future
        post(T0, sentiment=math.nan),  # counted in volume, not in sentiment
        post(T0 + 60),
    ]
    hub.append("s.mentions", bad)
    assert analytics.skipped == 4
    volume = value(hub, "volume")
    assert isinstance(volume, TimeSeries)
    assert volume.values.sum() == 2
    assert analytics.sentiment.totals(MINUTE0, MINUTE0 + 2).sum() == 1


def test_memory_stays_bounded_over_two_days() -> None:
    counts = MinuteCounts(["Acme"], capacity=1440)
    tags = MinuteCounters(capacity=31, max_terms_per_minute=50)
    shape = counts._counts.shape
    for minute in range(MINUTE0, MINUTE0 + 2 * 1440):
        counts.add(counts.label_index(f"brand{minute % 40}"), minute, 1)
        for term in range(60):
            tags.add(f"t{minute}-{term}", minute, 1)
    assert counts._counts.shape == shape and len(counts.labels) == 16
    assert "other" in counts.labels
    assert len(tags._slots) == 31 and all(len(slot) <= 50 for slot in tags._slots)
    assert tags.dropped == 2 * 1440 * 10
    old = counts.window(MINUTE0, MINUTE0 + 10)
    assert not np.any(old)  # forgotten, not wrapped around into today


def test_minutes_older_than_the_buffer_are_refused() -> None:
    counts = MinuteCounts(["Acme"], capacity=10)
    assert counts.add(0, MINUTE0 + 100, 1)
    assert not counts.add(0, MINUTE0 + 90, 1)
    assert counts.add(0, MINUTE0 + 91, 1)
