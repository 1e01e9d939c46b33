"""Aggregates from a mention stream: exact counts, windows, publishing rate, bad input, bounds."""

from __future__ import annotations

import logging
import math
import random
from collections import Counter
from typing import Any

import numpy as np
import pytest

from kiosk.analytics import DERIVED_STREAMS, MentionAnalytics, attach_analytics
from kiosk.analytics.mentions import FUTURE_TOLERANCE, RECENT_MINUTES
from kiosk.analytics.windows import MinuteCounters, MinuteCounts
from kiosk.hub import Hub, SourceState
from kiosk.values import Breakdown, Kind, Mention, Metric, RankEntry, Ranking, TimeSeries

MINUTE0 = 29_833_333  # an arbitrary minute number (2026-09-21)
T0 = MINUTE0 * 60.0  # the start of that minute, epoch seconds


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def mention(
    at: float,
    brand: str = "Acme",
    sentiment: float = 0.0,
    hashtags: tuple[str, ...] = (),
    weight: int = 1,
    **fields: Any,
) -> Mention:
    """A hand-made post; everything the analytics do not look at has a plain default."""
    values: dict[str, Any] = {
        "id": f"m-{at}",
        "text": "text",
        "lang": "en",
        "platform": "x",
        "author": "Ann",
        "handle": "ann",
        "followers": 10,
    }
    values.update(fields)
    return Mention(
        at=at, brand=brand, sentiment=sentiment, hashtags=hashtags, weight=weight, **values
    )


def setup(now: float) -> tuple[Hub, FakeClock, MentionAnalytics]:
    clock = FakeClock(now)
    hub = Hub(clock=clock)
    hub.declare("s.mentions", Kind.MENTIONS)
    analytics = attach_analytics(hub, "s", brands=["Acme", "Globex"], ours="Acme")
    return hub, clock, analytics


def value(hub: Hub, name: str) -> Any:
    sample = hub.sample(f"s.{name}")
    assert sample is not None, f"s.{name} was not published"
    return sample.value


# -- wiring ----------------------------------------------------------------------------------


def test_every_derived_stream_is_declared_with_its_kind_and_empty_until_mentions_come() -> None:
    hub, _, _ = setup(T0)
    for name, kind in DERIVED_STREAMS.items():
        assert hub.kind(f"s.{name}") is kind
        assert hub.version(f"s.{name}") == 0


def test_the_first_batch_publishes_every_derived_stream_at_clock_time() -> None:
    hub, _, _ = setup(T0 + 30)
    hub.append("s.mentions", [mention(T0 + 1)])
    for name in DERIVED_STREAMS:
        sample = hub.sample(f"s.{name}")
        assert sample is not None and sample.version == 1 and sample.at == T0 + 30


def test_attach_needs_the_mention_stream_to_exist() -> None:
    hub = Hub(clock=FakeClock(T0))
    with pytest.raises(KeyError):
        attach_analytics(hub, "s")


# -- volume ----------------------------------------------------------------------------------


def test_volume_counts_weighted_mentions_per_brand_per_minute() -> None:
    hub, _, _ = setup(T0 + 185)  # three complete minutes, the fourth filling
    hub.append(
        "s.mentions",
        [
            mention(T0 + 1),
            mention(T0 + 59.999, weight=3),  # still minute 0
            mention(T0 + 60.0, "Globex"),  # exactly on the boundary: minute 1
            mention(T0 + 130, weight=2),
            mention(T0 + 181),
            mention(T0 + 184.5, "Globex", weight=7),
        ],
    )
    volume = value(hub, "volume")
    assert isinstance(volume, TimeSeries)
    assert volume.labels == ("Acme", "Globex")
    assert (volume.start, volume.step) == (T0, 60.0)
    assert volume.values.dtype == np.float64
    assert volume.values.tolist() == [[4.0, 0.0, 2.0, 1.0], [0.0, 1.0, 0.0, 7.0]]
    assert volume.times.tolist() == [T0, T0 + 60, T0 + 120, T0 + 180]


def test_volume_starts_at_the_first_minute_seen_and_ends_at_the_current_minute() -> None:
    hub, _, _ = setup(T0 + 10 * 60 + 5)
    hub.append("s.mentions", [mention(T0 + 7 * 60 + 30, "Globex")])
    volume = value(hub, "volume")
    assert volume.start == T0 + 7 * 60
    assert volume.values.tolist() == [[0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0]]


def test_an_unknown_brand_gets_its_own_series_after_the_known_ones() -> None:
    hub, _, _ = setup(T0 + 30)
    hub.append("s.mentions", [mention(T0 + 1, "Hooli", weight=2), mention(T0 + 2)])
    volume = value(hub, "volume")
    assert volume.labels == ("Acme", "Globex", "Hooli")
    assert volume.values.tolist() == [[1.0], [0.0], [2.0]]


def test_sentiment_volume_splits_each_minute_at_the_thresholds() -> None:
    hub, _, _ = setup(T0 + 90)
    hub.append(
        "s.mentions",
        [
            mention(T0 + 1, sentiment=0.25),  # positive: the threshold is included
            mention(T0 + 2, sentiment=0.2499),  # neutral
            mention(T0 + 3, sentiment=-0.2499),  # neutral
            mention(T0 + 4, sentiment=-0.25, weight=4),  # negative
            mention(T0 + 61, sentiment=1.0),
        ],
    )
    feeling = value(hub, "sentiment_volume")
    assert isinstance(feeling, TimeSeries)
    assert feeling.labels == ("positive", "neutral", "negative")
    assert (feeling.start, feeling.step) == (T0, 60.0)
    assert feeling.values.tolist() == [[1.0, 1.0], [2.0, 0.0], [4.0, 0.0]]


def test_published_series_values_are_read_only() -> None:
    hub, _, _ = setup(T0 + 30)
    hub.append("s.mentions", [mention(T0 + 1)])
    for name in ("volume", "sentiment_volume"):
        series = value(hub, name)
        assert not series.values.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            series.values[0, 0] = 99.0


def test_a_published_series_does_not_change_when_later_mentions_arrive() -> None:
    hub, clock, _ = setup(T0 + 30)
    hub.append("s.mentions", [mention(T0 + 1)])
    first = value(hub, "volume")
    clock.now += 1
    hub.append("s.mentions", [mention(T0 + 2, weight=5)])
    assert first.values.tolist() == [[1.0], [0.0]]
    assert value(hub, "volume").values.tolist() == [[6.0], [0.0]]


# -- rate ------------------------------------------------------------------------------------


def test_rate_is_the_last_complete_minute_against_the_one_before() -> None:
    hub, _, _ = setup(T0 + 185)  # current minute 3 (filling); last complete minute 2
    hub.append(
        "s.mentions",
        [
            mention(T0 + 65),
            mention(T0 + 100, "Globex", weight=2),
            mention(T0 + 130, weight=5),
            mention(T0 + 179.999, "Globex"),
            mention(T0 + 181, weight=100),  # the filling minute does not count yet
        ],
    )
    rate = value(hub, "rate")
    assert isinstance(rate, Metric)
    assert (rate.value, rate.previous) == (6.0, 3.0)
    assert rate.change == pytest.approx(1.0)
    assert len(rate.history) == 60 and rate.history[-3:] == (0.0, 3.0, 6.0)
    assert sum(rate.history) == 9.0
    assert rate.unit == "/min"


def test_rate_moves_on_when_the_minute_turns() -> None:
    hub, clock, _ = setup(T0 + 185)
    hub.append("s.mentions", [mention(T0 + 130, weight=5), mention(T0 + 181, weight=2)])
    clock.now = T0 + 240.0  # minute 3 is now complete
    hub.append("s.mentions", [mention(T0 + 240.0)])
    rate = value(hub, "rate")
    assert (rate.value, rate.previous) == (2.0, 5.0)
    assert rate.change == pytest.approx(-0.6)


def test_rate_without_a_previous_minute_has_no_change() -> None:
    hub, _, _ = setup(T0 + 65)
    hub.append("s.mentions", [mention(T0 + 10, weight=3)])
    rate = value(hub, "rate")
    assert (rate.value, rate.previous, rate.change) == (3.0, None, None)
    # Share and net sentiment compare with the 15 minutes before the last 15: not there yet.
    assert value(hub, "net_sentiment").previous is None
    assert value(hub, "our_share").previous is None


# -- share, sentiment, net sentiment, our share ----------------------------------------------


def test_share_sentiment_net_and_our_share_cover_the_last_15_minutes() -> None:
    hub, _, _ = setup(T0 + 30 * 60 + 10)  # current minute 30: recent 16…30, before 1…15
    recent, before = T0 + 20 * 60, T0 + 5 * 60
    hub.append(
        "s.mentions",
        [
            mention(T0 + 0 * 60, sentiment=0.9, weight=50),  # minute 0: in neither window
            mention(before, sentiment=-0.9),
            mention(before, "Globex", sentiment=-0.5, weight=3),
            mention(T0 + 15 * 60 + 59, sentiment=0.5),  # minute 15: the last of "before"
            mention(T0 + 16 * 60, sentiment=0.25),  # minute 16: the first of "recent"
            mention(recent, sentiment=0.9, weight=2),
            mention(recent, "Globex", sentiment=0.1),
            mention(recent, "Globex", sentiment=-0.25),
        ],
    )
    assert value(hub, "share") == Breakdown((("Acme", 3.0), ("Globex", 2.0)))
    assert value(hub, "sentiment") == Breakdown(
        (("positive", 3.0), ("neutral", 1.0), ("negative", 1.0))
    )

    net = value(hub, "net_sentiment")
    assert isinstance(net, Metric)
    assert net.value == pytest.approx((3 - 1) / 5 * 100)  # 40
    assert net.previous == pytest.approx((1 - 4) / 5 * 100)  # -60
    assert len(net.history) == 60
    # The history is complete minutes, up to minute 29.
    assert net.history[-10] == pytest.approx((2 - 1) / 4 * 100)  # minute 20: 2 pos, 1 neg, 1 neu
    assert net.history[-1] == 0.0  # an empty minute

    ours = value(hub, "our_share")
    assert isinstance(ours, Metric) and ours.unit == "%"
    assert ours.value == pytest.approx(60.0)
    assert ours.previous == pytest.approx(2 / 5 * 100)
    assert ours.history[-10] == pytest.approx(50.0)  # minute 20: 2 of 4
    assert ours.label == "share of voice of Acme"


def test_figure_histories_are_each_minutes_own_percentage() -> None:
    """net_sentiment's and our_share's histories, computed for all 60 minutes at once, hold
    what each minute's counts give on their own, with empty minutes at 0."""
    hub, _, analytics = setup(T0 + 61 * 60 + 5)  # current minute 61: history is minutes 1…60
    rng = random.Random(4)
    posts = [
        mention(
            T0 + minute * 60 + rng.uniform(0, 59),
            rng.choice(["Acme", "Globex", "Initech"]),
            sentiment=rng.choice([0.9, 0.0, -0.9]),
            weight=rng.randint(1, 3),
        )
        for minute in range(1, 61)
        if minute % 7  # every seventh minute is empty
        for _ in range(rng.randint(1, 6))
    ]
    hub.append("s.mentions", posts)
    sentiment = analytics.sentiment.window(MINUTE0 + 1, MINUTE0 + 60)
    volume = analytics.volume.window(MINUTE0 + 1, MINUTE0 + 60)
    acme = analytics.volume.labels.index("Acme")

    def percent(part: float, total: float) -> float:
        return 0.0 if total == 0 else float(part / total * 100)

    net = value(hub, "net_sentiment").history
    ours = value(hub, "our_share").history
    assert net == tuple(
        percent(column[0] - column[2], float(column.sum())) for column in sentiment.T
    )
    assert ours == tuple(percent(column[acme], float(column.sum())) for column in volume.T)
    assert net[6] == ours[6] == 0.0  # minute 7
    assert all(type(figure) is float for figure in net + ours)


def test_our_share_follows_the_brand_named_ours() -> None:
    clock = FakeClock(T0 + 60)
    hub = Hub(clock=clock)
    hub.declare("s.mentions", Kind.MENTIONS)
    attach_analytics(hub, "s", brands=["Acme", "Globex"], ours="Globex")
    hub.append("s.mentions", [mention(T0 + 1, weight=3), mention(T0 + 2, "Globex")])
    assert value(hub, "our_share").value == pytest.approx(25.0)


def test_our_share_defaults_to_the_first_brand() -> None:
    clock = FakeClock(T0 + 60)
    hub = Hub(clock=clock)
    hub.declare("s.mentions", Kind.MENTIONS)
    attach_analytics(hub, "s", brands=["Globex", "Acme"])
    hub.append("s.mentions", [mention(T0 + 1, weight=3), mention(T0 + 2, "Globex")])
    assert value(hub, "our_share").value == pytest.approx(25.0)
    assert value(hub, "share") == Breakdown((("Globex", 1.0), ("Acme", 3.0)))


# -- hashtags --------------------------------------------------------------------------------


def test_hashtags_are_ranked_by_weighted_count_with_their_previous_rank() -> None:
    hub, _, _ = setup(T0 + 30 * 60)  # current minute 30
    before, recent = T0 + 5 * 60, T0 + 20 * 60
    hub.append(
        "s.mentions",
        [
            mention(before, hashtags=("b",), weight=2),
            mention(before, hashtags=("a",)),
            mention(before, hashtags=("gone",), weight=9),
            mention(T0, hashtags=("ancient",), weight=99),  # minute 0: older than both windows
        ]
        + [mention(recent, hashtags=("a",))] * 3
        + [
            mention(recent, hashtags=("#b", "new")),  # "#b" and "b" are the same tag
            mention(recent, hashtags=("c",), weight=2),
        ],
    )
    ranking = value(hub, "hashtags")
    assert isinstance(ranking, Ranking)
    assert ranking.entries == (
        RankEntry("#a", 3.0, 2, sentiment=0.0),
        RankEntry("#c", 2.0, None, sentiment=0.0),
        RankEntry("#b", 1.0, 1, sentiment=0.0),
        RankEntry("#new", 1.0, None, sentiment=0.0),
    )


def test_hashtags_keep_the_top_thirty_and_at_most_eight_tags_per_post() -> None:
    hub, _, _ = setup(T0 + 30)
    many = tuple(f"t{n}" for n in range(12))
    posts = [mention(T0 + 1, hashtags=many)]  # only t0…t7 count
    posts += [mention(T0 + 2, hashtags=(f"x{n}",), weight=40 - n) for n in range(35)]
    posts += [mention(T0 + 3, hashtags=("",))]  # an empty tag is ignored
    hub.append("s.mentions", posts)
    ranking = value(hub, "hashtags")
    assert [e.label for e in ranking.entries] == [f"#x{n}" for n in range(30)]
    assert [e.value for e in ranking.entries] == [float(40 - n) for n in range(30)]


def test_each_hashtag_carries_the_mean_sentiment_of_its_posts() -> None:
    hub, _, _ = setup(T0 + 30)
    hub.append(
        "s.mentions",
        [
            mention(T0 + 1, sentiment=-0.8, hashtags=("down",), weight=3),
            mention(T0 + 2, sentiment=0.4, hashtags=("down", "love")),
            mention(T0 + 3, sentiment=float("nan"), hashtags=("love",)),  # unknown counts as 0
        ],
    )
    ranking = value(hub, "hashtags")
    feeling = {e.label: e.sentiment for e in ranking.entries}
    assert feeling["#down"] == pytest.approx((-0.8 * 3 + 0.4) / 4)
    assert feeling["#love"] == pytest.approx(0.2)


def test_a_hashtag_ranking_counts_only_the_first_eight_tags_of_a_post() -> None:
    _, _, analytics = setup(T0 + 30)
    analytics.ingest([mention(T0 + 1, hashtags=tuple(f"t{n}" for n in range(12)))])
    assert set(analytics.hashtags.totals(MINUTE0, MINUTE0)) == {f"#t{n}" for n in range(8)}


# -- publishing rate -------------------------------------------------------------------------


def test_counts_follow_within_a_tenth_of_a_second_and_the_rest_once_a_second() -> None:
    hub, clock, _ = setup(T0 + 30)
    hub.append("s.mentions", [mention(T0 + 1)])
    assert hub.version("s.rate") == 1 and hub.version("s.hashtags") == 1
    for n in range(20):
        clock.now = T0 + 30 + n * 0.04  # still within the same second
        hub.append("s.mentions", [mention(T0 + 2)])
    clock.now = T0 + 30.999
    hub.append("s.mentions", [mention(T0 + 3)])
    # Counts: at most every 0.1 s (30.12, 30.24 … 30.72, 30.999), so each post is in them
    # within a tenth of a second; rankings, alerts and places: once a second.
    assert hub.version("s.rate") == 8 and hub.version("s.volume") == 8
    assert value(hub, "volume").values.tolist() == [[22.0], [0.0]]
    assert hub.version("s.hashtags") == 1 and hub.version("s.alerts") == 1

    clock.now = T0 + 31.0
    hub.append("s.mentions", [mention(T0 + 4)])
    assert hub.version("s.hashtags") == 2 and hub.version("s.alerts") == 2
    assert value(hub, "volume").values.tolist() == [[23.0], [0.0]]  # counted all along
    assert hub.sample("s.rate").at == T0 + 31.0  # type: ignore[union-attr]
    assert hub.version("s.authors") == 1  # ranked every 10 s: reach moves slowly


def test_publish_every_is_honoured_and_publish_can_be_forced() -> None:
    clock = FakeClock(T0 + 30)
    hub = Hub(clock=clock)
    for name, kind in DERIVED_STREAMS.items():
        hub.declare(f"s.{name}", kind)
    analytics = MentionAnalytics(hub, "s", ["Acme"], clock=clock, publish_every=5.0)
    analytics.ingest([mention(T0 + 1)])
    clock.now += 4.9
    analytics.ingest([mention(T0 + 2)])
    assert hub.version("s.hashtags") == 1  # the full set waits for publish_every
    assert hub.version("s.rate") == 2  # the counts do not
    analytics.publish()
    assert hub.version("s.hashtags") == 2 and hub.sample("s.rate").at == T0 + 34.9  # type: ignore[union-attr]
    clock.now += 5.0
    analytics.ingest([mention(T0 + 3)])
    assert hub.version("s.hashtags") == 3


# -- bad input -------------------------------------------------------------------------------


def test_malformed_items_are_skipped_counted_and_never_raise(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hub, _, analytics = setup(T0 + 120)
    bad: list[object] = [
        {"brand": "Acme", "at": T0},  # not a Mention
        "just text",
        None,
        mention(math.nan),
        mention(math.inf),
        mention(T0, weight=0),
        mention(T0, weight=-3),
        mention(T0 + 120 + 3600),  # an hour in the future
        mention(T0 + 120 + FUTURE_TOLERANCE + 0.001),  # just beyond the tolerance
    ]
    good = [
        mention(T0, sentiment=math.nan),  # counted in volume, not in sentiment
        mention(T0 + 60),
        mention(T0 + 120 + FUTURE_TOLERANCE),  # clock drift: still accepted
    ]
    with caplog.at_level(logging.ERROR):
        hub.append("s.mentions", bad + good)
    assert not caplog.records  # nothing raised inside the subscriber
    assert analytics.skipped == len(bad)
    volume = value(hub, "volume")
    assert volume.values.sum() == 2.0  # the drifting one is in a minute still to come
    assert analytics.volume.totals(MINUTE0, MINUTE0 + 4).tolist() == [3.0, 0.0]
    assert analytics.sentiment.totals(MINUTE0, MINUTE0 + 4).sum() == 2.0


def test_ingest_itself_never_raises_on_malformed_items() -> None:
    clock = FakeClock(T0 + 60)
    hub = Hub(clock=clock)
    for name, kind in DERIVED_STREAMS.items():
        hub.declare(f"s.{name}", kind)
    analytics = MentionAnalytics(hub, "s", ["Acme"], clock=clock)
    analytics.ingest([{}, 42, mention(math.nan), mention(T0, weight=0), mention(T0 + 3600 + 60)])
    assert analytics.skipped == 5
    assert hub.version("s.volume") == 1  # a batch of only bad items still publishes
    assert value(hub, "volume").values.sum() == 0.0


def test_a_mention_with_hashtags_none_is_skipped_not_raised() -> None:
    clock = FakeClock(T0 + 60)
    hub = Hub(clock=clock)
    for name, kind in DERIVED_STREAMS.items():
        hub.declare(f"s.{name}", kind)
    analytics = MentionAnalytics(hub, "s", ["Acme"], clock=clock)
    broken = mention(T0 + 1, hashtags=None)  # type: ignore[arg-type]  # e.g. from JSON null
    analytics.ingest([broken, mention(T0 + 2, hashtags=("ok",))])
    assert analytics.skipped == 1
    assert analytics.volume.totals(MINUTE0, MINUTE0).tolist() == [1.0]
    assert analytics.hashtags.totals(MINUTE0, MINUTE0) == {"#ok": 1}
    assert hub.version("s.volume") == 1


def test_a_post_slightly_in_the_future_does_not_erase_the_previous_period() -> None:
    now = T0 + 30 * 60 + 50  # current minute 30; "before" is minutes 1…15
    hub, _, _ = setup(now)
    hub.append(
        "s.mentions",
        [
            mention(T0 + 1 * 60, hashtags=("a",)),  # minute 1: the oldest "before" minute
            mention(T0 + 20 * 60, hashtags=("a",)),
            mention(now + 100, hashtags=("z",)),  # minute 32, within the tolerance
        ],
    )
    assert FUTURE_TOLERANCE >= 100 and RECENT_MINUTES == 15
    ranking = value(hub, "hashtags")
    assert ranking.entries == (RankEntry("#a", 1.0, 0, sentiment=0.0),)


# -- bounded memory --------------------------------------------------------------------------


def test_two_days_minute_by_minute_keep_every_buffer_the_same_size() -> None:
    hub, clock, analytics = setup(T0)
    volume_shape = analytics.volume._counts.shape
    sentiment_shape = analytics.sentiment._counts.shape
    slots_shape = analytics.volume._minute_in_slot.shape
    tag_slots = analytics.hashtags.capacity
    assert volume_shape == (16, 1440) and sentiment_shape == (4, 1440)
    days = 2 * 1440
    for minute in range(days):
        clock.now = T0 + minute * 60 + 30
        hub.append(
            "s.mentions",
            [
                mention(clock.now, "Acme" if minute % 2 else "Globex", 0.5, (f"t{minute}",)),
                mention(clock.now + 1, hashtags=("daily",)),
            ],
        )
    assert analytics.volume._counts.shape == volume_shape
    assert analytics.sentiment._counts.shape == sentiment_shape
    assert analytics.volume._minute_in_slot.shape == slots_shape
    assert tag_slots >= 2 * RECENT_MINUTES + 1  # enough for "recent" and "before"
    assert len(analytics.hashtags._slots) == tag_slots
    assert len(analytics.hashtags._minute_in_slot) == tag_slots
    assert sum(len(counter) for counter in analytics.hashtags._slots) == 2 * tag_slots
    assert analytics.skipped == 0

    current = MINUTE0 + days - 1
    volume = value(hub, "volume")
    assert volume.values.shape == (2, 1440)
    assert volume.start == (current - 1439) * 60.0
    assert volume.values.sum() == 2 * 1440.0  # only the last day
    assert not analytics.volume.window(MINUTE0, MINUTE0 + 1439).any()  # the first day is gone
    ranking = value(hub, "hashtags")
    assert ranking.entries[0] == RankEntry("#daily", 15.0, 0, sentiment=0.0)
    assert len(ranking.entries) == 16  # the daily tag and the 15 tags of the last 15 minutes


def test_minute_counts_are_bounded_in_labels_and_time() -> None:
    counts = MinuteCounts(["Acme"], capacity=1440)
    shape = counts._counts.shape
    for minute in range(MINUTE0, MINUTE0 + 2 * 1440):
        assert counts.add(counts.label_index(f"brand{minute % 40}"), minute, 1)
    assert counts._counts.shape == shape
    assert len(counts.labels) == 16 and counts.labels[-1] == "other"
    assert counts.label_index("brand-new") == 15  # beyond 15 labels everything is "other"
    assert not counts.window(MINUTE0, MINUTE0 + 1439).any()  # forgotten, not wrapped around
    assert counts.window(MINUTE0 + 1440, MINUTE0 + 2879).sum() == 1440.0


def test_minute_counts_refuse_minutes_older_than_the_buffer() -> None:
    counts = MinuteCounts(["Acme"], capacity=10)
    assert counts.add(0, MINUTE0 + 100, 1)
    assert not counts.add(0, MINUTE0 + 90, 1)
    assert counts.add(0, MINUTE0 + 91, 2)
    assert counts.window(MINUTE0 + 90, MINUTE0 + 100).tolist() == [
        [0.0, 2.0, 0, 0, 0, 0, 0, 0, 0, 0, 1.0]
    ]


def test_minute_counters_keep_capacity_slots_and_their_largest_terms() -> None:
    tags = MinuteCounters(capacity=31, keep=50)
    for minute in range(MINUTE0, MINUTE0 + 2 * 1440):
        for term in range(120):
            tags.add(f"t{minute}-{term}", minute, 1)
        tags.add("t-late", minute, 7)  # a big term after the long tail still counts, in full
    assert len(tags._slots) == 31 and len(tags._minute_in_slot) == 31
    last = MINUTE0 + 2 * 1440 - 1
    current = tags._slots[last % 31]
    assert all(len(slot) <= 50 for slot in tags._slots if slot is not current)  # minutes over
    assert len(current) < 100  # the minute being counted: twice as many, at most
    totals = tags.totals(last - 100, last)
    assert totals["t-late"] == 31 * 7
    assert len(totals) <= 30 * 50 + 100  # only the horizon is kept
    tags.add("late", last - 31, 1)  # older than the horizon: dropped silently
    assert "late" not in tags.totals(last - 40, last)


def test_minute_counters_rank_a_long_tail_as_exact_counts_do() -> None:
    """Most posts by authors seen once, a few that reach many: the largest sums over 15
    minutes are the exact ones, though each minute kept only its 300 largest."""
    rng = np.random.default_rng(3)
    reach = MinuteCounters(capacity=31)
    exact: Counter[str] = Counter()
    regulars = [f"regular{i}" for i in range(200)]
    for minute in range(MINUTE0, MINUTE0 + 15):
        for post in range(6000):  # 100 posts a second
            regular = rng.random() < 0.1
            who = regulars[int(rng.integers(200))] if regular else f"once{minute}-{post}"
            followers = int(rng.pareto(1.2) * 300) + 1
            reach.add(who, minute, followers)
            exact[who] += followers
    kept = reach.totals(MINUTE0, MINUTE0 + 14)
    assert [who for who, _ in kept.most_common(20)] == [who for who, _ in exact.most_common(20)]
    assert sum(len(slot) for slot in reach._slots) <= 15 * 600
    assert reach.pruned > 0


def test_counters_that_follow_keep_the_terms_their_leader_keeps() -> None:
    """A tag's summed sentiment (negative too) keeps the tags the post counts keep, not its own
    largest: otherwise the most disliked tags would lose their sentiment."""
    counts = MinuteCounters(capacity=31, keep=10)
    feeling = MinuteCounters(capacity=31, keep=10, follows=counts)
    for minute in (MINUTE0, MINUTE0 + 1):
        for i in range(40):
            tag = f"#t{i}"
            counts.add(tag, minute, 100 if i < 5 else 1)
            feeling.add(tag, minute, -900 if i < 5 else 900)
    first = MINUTE0 % 31
    assert set(feeling._slots[first]) == set(counts._slots[first])
    assert len(counts._slots[first]) == 10
    assert all(feeling._slots[first][f"#t{i}"] == -900 for i in range(5))


def test_minute_counters_hold_one_string_per_term_for_every_minute() -> None:
    """Each post brings its own copy of a handle or tag; the minutes share one."""
    authors = MinuteCounters(capacity=31)
    for minute in range(MINUTE0, MINUTE0 + 30):
        authors.add("".join(["@ana", "_rossi"]), minute, 1)  # a new string object each time
    keys = [next(iter(slot)) for slot in authors._slots if slot]
    assert len(keys) == 30 and all(key is keys[0] for key in keys)
    assert authors.totals(MINUTE0, MINUTE0 + 29) == {"@ana_rossi": 30}


def test_a_quiet_source_still_publishes_zero_minutes_but_a_failed_one_does_not() -> None:
    hub, clock, analytics = setup(T0 + 30)
    hub.append("s.mentions", [mention(T0 + 1)])
    hub.set_status("s", SourceState.OK)
    clock.now = T0 + 150  # two minutes later, nothing arrived
    analytics.tick()
    rate = value(hub, "rate")
    assert isinstance(rate, Metric) and (rate.value, rate.previous) == (0, 1)
    version = hub.version("s.rate")
    hub.set_status("s", SourceState.FAILED, "timeout")
    clock.now += 5
    analytics.tick()
    assert hub.version("s.rate") == version  # no fresh sample: its widgets go stale


def test_week_activity_is_a_weekday_by_hour_mean(monkeypatch: pytest.MonkeyPatch) -> None:
    import time as clock_module

    from kiosk.analytics.windows import WeekActivity

    monkeypatch.setenv("TZ", "UTC")
    clock_module.tzset()
    monday_9 = 1_789_376_400.0  # Monday 2026-09-14 09:00 UTC
    week = WeekActivity(days=7)
    week.add(monday_9 + 60, 3)
    week.add(monday_9 + 7 * 86400 + 120, 5)  # the next Monday, same hour: mean of the two
    week.add(monday_9 + 86400 + 3600, 2)  # Tuesday 10:00
    grid = week.grid()
    assert grid.shape == (7, 24)
    assert grid[0, 9] == 5.0  # the first Monday fell out of the 7-day ring
    assert grid[1, 10] == 2.0
    assert grid.sum() == 7.0
    monkeypatch.delenv("TZ")
    clock_module.tzset()


def test_activity_is_published_as_a_matrix() -> None:
    from kiosk.values import Matrix

    hub, _, _ = setup(T0 + 30)
    hub.append("s.mentions", [mention(T0 + 1, weight=4)])
    grid = value(hub, "activity")
    assert isinstance(grid, Matrix)
    assert grid.rows[0] == "Mon" and len(grid.columns) == 24
    assert grid.values.sum() == 4.0


def test_hourly_volume_reaches_back_thirty_days() -> None:
    now = T0 + 40 * 86400 + 1800  # 40 days on, half past the hour
    hub, _, _ = setup(now)
    hub.append(
        "s.mentions",
        [
            mention(now - 35 * 86400),  # beyond 30 days: gone
            mention(now - 10 * 86400, weight=4),  # ten days ago: older than the minute buffer
            mention(now - 3600, "Globex", weight=2),
            mention(now - 60),
        ],
    )
    hourly = value(hub, "volume_hourly")
    assert hourly.step == 3600.0 and hourly.labels == ("Acme", "Globex")
    assert hourly.values.shape[1] <= 30 * 24
    assert hourly.values.sum() == 7.0  # 4 + 2 + 1; the 35-day-old post is outside
    assert hourly.values[0, -1] == 1.0 and hourly.values[1, -2] == 2.0
    assert value(hub, "volume").values.sum() == 3.0  # minutes: only the last 24 h


def test_top_authors_by_reach_with_who_they_are() -> None:
    hub, _, _ = setup(T0 + 30)
    hub.append(
        "s.mentions",
        [
            mention(T0 + 1, author="Tara", handle="techwithtara", followers=1_900_000),
            mention(T0 + 2, author="Ann", handle="ann", followers=300, weight=2),
            mention(T0 + 3, author="Ann", handle="ann", followers=300),
            mention(T0 + 4, author="Nobody", handle="", followers=0),  # no reach: not ranked
        ],
    )
    ranking = value(hub, "authors")
    assert [(e.label, e.value) for e in ranking.entries] == [("Tara", 1_900_000.0), ("Ann", 900.0)]
    assert ranking.entries[0].detail == "@techwithtara · X · 1.9M followers"


def test_a_spike_says_which_tag_author_and_place_drive_it() -> None:
    hub, clock, _ = setup(T0)
    for minute in range(30):
        clock.now = T0 + minute * 60 + 59
        burst = minute >= 27
        posts = [
            mention(
                clock.now - i * 0.2,
                hashtags=("AcmeDown",) if burst else (f"t{i % 7}",),
                author="Loud" if burst and i % 10 == 0 else f"A{i}",
                handle="loud" if burst and i % 10 == 0 else f"a{i}",
                followers=100_000 if burst and i % 10 == 0 else 50,
                city="Utrecht" if burst else ("Paris", "Rome")[i % 2],
                lat=52.09 if burst else 48.86,
                lon=5.12 if burst else 2.35,
                id=f"p{minute}-{i}",
            )
            for i in range(200 if burst else 30)
        ]
        hub.append("s.mentions", posts)
    [alert] = value(hub, "alerts")
    assert alert.key == "spike:Acme"
    assert alert.drivers == ("#AcmeDown", "@loud", "Utrecht")


def test_a_hashtag_is_one_whatever_its_case_and_shown_as_people_write_it() -> None:
    hub, _, analytics = setup(T0 + 30)
    hub.append(
        "s.mentions",
        [
            mention(T0 + 1, hashtags=("#railnord",)),
            mention(T0 + 2, hashtags=("RailNord",)),
            mention(T0 + 3, hashtags=("#RAILNORD",)),
            mention(T0 + 4, hashtags=("#other",)),
        ],
    )
    analytics.publish()
    entries = value(hub, "hashtags").entries
    assert [(e.label, e.value) for e in entries] == [("#RailNord", 3.0), ("#other", 1.0)]


def test_who_drives_it_lists_an_author_once_across_platforms() -> None:
    hub, _, analytics = setup(T0 + 30)
    hub.append(
        "s.mentions",
        [
            mention(T0 + 1, platform="x", handle="techwithtara", author="Tara", followers=1000),
            mention(
                T0 + 2, platform="instagram", handle="@TechWithTara", author="Tara", followers=900
            ),
            mention(T0 + 3, platform="x", handle="bob", author="Bob", followers=1500),
        ],
    )
    analytics.publish()
    entries = value(hub, "authors").entries
    assert [(e.label, e.value) for e in entries] == [("Tara", 1900.0), ("Bob", 1500.0)]
    assert entries[0].detail == "@TechWithTara · X, Instagram · 1k followers"


def test_authors_no_longer_counted_are_forgotten_at_the_cap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kiosk.analytics.aggregators import TWO_WINDOWS, Context, Settings, authors
    from kiosk.config.alerts import AlertRules
    from tests.posts import mention

    monkeypatch.setattr(authors, "MAX_AUTHORS", 2)
    part = authors.Authors(Context(Settings(), [], None, AlertRules(), 0.0))
    for handle in ("@ann", "@bob"):
        part.count(mention(handle=handle, followers=10), 100, 1)
    part.count(mention(handle="@cy", followers=10), 100 + TWO_WINDOWS, 1)  # minute 100 is gone
    assert set(part.known) == {"cy"}
    part.count(mention(handle="@dee", followers=10), 101 + TWO_WINDOWS, 1)
    part.count(mention(handle="@eve", followers=10), 101 + TWO_WINDOWS, 1)  # at the cap again
    assert set(part.known) == {"cy", "dee", "eve"}  # those still counted are kept


def test_a_stream_of_new_authors_forgets_names_seldom(monkeypatch: pytest.MonkeyPatch) -> None:
    """A forget walks every name the windows still hold, and keeps those. With the windows
    holding more authors than the cap (155,000 against 50,000, once), every new author started
    one: 6,000 walks of 155,000 names a minute, the UI thread stalled for good."""
    from kiosk.analytics.aggregators import Context, Settings, authors
    from kiosk.config.alerts import AlertRules
    from tests.posts import mention

    forgets = 0
    forget = authors.Authors._forget

    def counted(self: authors.Authors) -> None:
        nonlocal forgets
        forgets += 1
        assert forgets <= 10, "a forget on every new author"  # fail at once, not after hours
        forget(self)

    monkeypatch.setattr(authors.Authors, "_forget", counted)
    part = authors.Authors(Context(Settings(), [], None, AlertRules(), 0.0))
    new = 0
    for minute in range(100, 140):  # 40 minutes, 100 new authors a second
        for _ in range(6000):
            new += 1
            post = mention(author="x", handle=f"a{new}", followers=100 + new % 997)
            part.count(post, minute, 1)
    assert 0 < forgets <= 10  # the cap is reached, and a forget leaves room for many more
    assert len(part.known) <= authors.MAX_AUTHORS


def test_authors_seen_once_who_reach_few_leave_no_name_behind() -> None:
    """A real stream's long tail: most authors post once to a few followers. Their names are
    not kept (they leave the windows at the next pruning), those who rank are, with details."""
    from kiosk.analytics.aggregators import Context, Settings, authors
    from kiosk.config.alerts import AlertRules
    from tests.posts import mention

    part = authors.Authors(Context(Settings(), [], None, AlertRules(), 0.0))
    rng = np.random.default_rng(5)
    for minute in range(100, 115):
        for post in range(3000):
            loud = post % 500 == 0
            handle = f"loud{post // 500}" if loud else f"a{minute}-{post}"
            followers = 2_000_000 if loud else int(rng.pareto(1.2) * 300) + 1  # heavy-tailed
            post_by = mention(author=handle.title(), handle=handle, followers=followers)
            part.count(post_by, minute, 1)
    assert len(part.known) < 15 * 3000 / 2  # was every author: 45,000 names (now 17,000)
    ranked = part.reach.totals(100, 114).most_common(6)
    assert [key for key, _ in ranked] == [f"loud{i}" for i in range(6)]
    assert all(part.known[key][3] == 2_000_000 for key, _ in ranked)


def _summed(slots: list, minute_in_slot: list, first: int, last: int) -> Counter:
    """What a window's totals are: every minute's counter in it added up, afresh."""
    total: Counter = Counter()
    for minute in range(max(first, last - len(slots) + 1), last + 1):
        if minute_in_slot[minute % len(slots)] == minute:
            total.update(slots[minute % len(slots)])
    return total


def test_window_totals_kept_between_publications_equal_a_fresh_sum_with_late_posts() -> None:
    """Sums of the minutes that are over are kept between publications; posts that come late
    (a polled source's, minutes old), a minute's pruning and a ring slot taken over by a new
    minute must leave every window's totals what summing its minutes afresh gives."""
    from kiosk.analytics.aggregators import Context, Settings
    from kiosk.analytics.aggregators.dimensions import DimensionBreakdown
    from kiosk.config.alerts import AlertRules

    rng = random.Random(14)
    pruned = MinuteCounters(capacity=31, keep=6)  # a busy minute's tail is let go
    counts = MinuteCounters(capacity=31, keep=100)  # never pruned within a minute
    feeling = MinuteCounters(capacity=31, keep=100, follows=counts)
    dimensions = DimensionBreakdown(Context(Settings(), [], None, AlertRules(), 0.0))
    latest = 1000
    for step in range(6000):
        if rng.random() < 0.01:
            latest += rng.choice((1, 1, 1, 2, 40))  # a new minute, now and then a gap
        late = rng.random() < 0.2
        minute = latest - (rng.choice((rng.randrange(1, 16), rng.randrange(16, 45))) if late else 0)
        term = f"#t{rng.randrange(20)}"
        for counter in (pruned, counts):
            counter.add(term, minute, 1)
        feeling.add(term, minute, rng.uniform(-1, 1))
        post = mention(at=minute * 60.0 + 1, country=rng.choice(["NL", "FR", "IT"]))
        dimensions.count(post, minute, 1)
        if step % 25 == 0:  # a publication: the windows an aggregate asks for
            for first, last in (
                (latest - 14, latest),
                (latest - 29, latest - 15),
                (latest - 4, latest + 1),
                (latest - 40, latest - 8),  # as wide as the ring: a slot taken over shows
            ):
                for counter in (pruned, counts):
                    assert counter.totals(first, last) == _summed(
                        counter._slots, counter._minute_in_slot, first, last
                    )
                kept = feeling.totals(first, last)
                fresh = _summed(feeling._slots, feeling._minute_in_slot, first, last)
                assert kept.keys() == fresh.keys()
                assert all(kept[key] == pytest.approx(fresh[key], abs=1e-9) for key in kept)
                assert dimensions.totals(first, last) == _summed(
                    dimensions._slots, dimensions._minute_in_slot, first, last
                )
    assert pruned.pruned > 0  # the pruning path was taken


def test_pruning_the_running_minute_keeps_the_sums_of_the_minutes_that_are_over() -> None:
    """A busy minute is pruned while it runs (every few hundred new authors): the sums of the
    minutes before it stay kept, or every publication would sum its windows afresh again."""
    counts = MinuteCounters(capacity=31, keep=2)
    for minute in (1, 2, 3):
        counts.add("#a", minute, 1)
    assert counts.totals(1, 3) == Counter({"#a": 3})
    for term in ("#b", "#c", "#d", "#e"):  # four terms in minute 3: twice keep, pruned
        counts.add(term, 3, 1)
    assert counts.pruned > 0
    assert counts._closed._sums  # minutes 1-2 still summed
    assert counts.totals(1, 3) == _summed(counts._slots, counts._minute_in_slot, 1, 3)
