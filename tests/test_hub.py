"""The hub: streams, versions, bounded mention history, subscribers, source state."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from kiosk.hub import DEFAULT_MENTION_CAPACITY, Hub, Sample, SourceState, Status
from kiosk.values import Kind, Metric


class FakeClock:
    """Epoch seconds that only move when a test moves them."""

    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def make_hub(clock: FakeClock | None = None) -> Hub:
    hub = Hub(clock=clock or FakeClock(100.0))
    hub.declare("s.rate", Kind.METRIC)
    hub.declare("s.mentions", Kind.MENTIONS, capacity=3)
    return hub


# -- declare / publish / sample / versions ---------------------------------------------------


def test_a_declared_stream_has_no_sample_and_version_zero() -> None:
    hub = make_hub()
    assert hub.sample("s.rate") is None
    assert hub.sample("s.mentions") is None
    assert hub.version("s.rate") == 0
    assert hub.version("s.mentions") == 0
    assert hub.snapshot() == {}


def test_publish_replaces_the_value_and_counts_one_version_per_call() -> None:
    clock = FakeClock(100.0)
    hub = make_hub(clock)
    hub.publish("s.rate", Metric(1))
    assert hub.sample("s.rate") == Sample(Metric(1), 100.0, 1)
    clock.now = 105.5
    hub.publish("s.rate", Metric(2))
    assert hub.sample("s.rate") == Sample(Metric(2), 105.5, 2)
    hub.publish("s.rate", Metric(2))  # the same value again is still a change: a new version
    assert hub.version("s.rate") == 3


def test_publish_with_an_explicit_time_keeps_that_time_not_the_clock() -> None:
    hub = make_hub(FakeClock(100.0))
    hub.publish("s.rate", Metric(3), at=42.0)
    sample = hub.sample("s.rate")
    assert sample is not None
    assert (sample.value, sample.at, sample.version) == (Metric(3), 42.0, 1)


def test_append_counts_one_version_per_non_empty_batch() -> None:
    clock = FakeClock(100.0)
    hub = make_hub(clock)
    hub.append("s.mentions", [1])
    clock.now = 101.0
    hub.append("s.mentions", [2, 3])
    hub.append("s.mentions", [])  # nothing new: no new version, time unchanged
    sample = hub.sample("s.mentions")
    assert sample == Sample((1, 2, 3), 101.0, 2)


def test_append_accepts_any_iterable_and_an_explicit_time() -> None:
    hub = make_hub()

    def items() -> Iterator[int]:
        yield from (7, 8)

    hub.append("s.mentions", items(), at=12.5)
    hub.append("s.mentions", iter(()))  # an empty generator is no change either
    assert hub.sample("s.mentions") == Sample((7, 8), 12.5, 1)


def test_a_mention_stream_keeps_only_the_capacity_newest_items() -> None:
    hub = make_hub()  # capacity 3
    hub.append("s.mentions", [1, 2])
    hub.append("s.mentions", [3, 4])
    sample = hub.sample("s.mentions")
    assert sample is not None and sample.value == (2, 3, 4)
    hub.append("s.mentions", [10, 11, 12, 13, 14])  # one batch bigger than the capacity
    sample = hub.sample("s.mentions")
    assert sample is not None and sample.value == (12, 13, 14) and sample.version == 3


def test_a_mention_stream_defaults_to_the_default_capacity() -> None:
    hub = Hub(clock=FakeClock())
    hub.declare("x.mentions", Kind.MENTIONS)
    hub.append("x.mentions", range(DEFAULT_MENTION_CAPACITY + 25))
    sample = hub.sample("x.mentions")
    assert sample is not None
    assert len(sample.value) == DEFAULT_MENTION_CAPACITY
    assert sample.value[0] == 25 and sample.value[-1] == DEFAULT_MENTION_CAPACITY + 24


def test_a_mention_sample_is_an_immutable_tuple_newest_last() -> None:
    hub = make_hub()
    hub.append("s.mentions", ["a", "b"])
    first = hub.sample("s.mentions")
    assert first is not None and isinstance(first.value, tuple)
    hub.append("s.mentions", ["c"])
    second = hub.sample("s.mentions")
    assert second is not None
    assert first.value == ("a", "b")  # an earlier sample does not change under the reader
    assert second.value == ("a", "b", "c")


def test_snapshot_holds_every_stream_with_a_value_and_only_those() -> None:
    hub = make_hub()
    hub.declare("t.text", Kind.TEXT)
    hub.publish("s.rate", Metric(1))
    hub.append("s.mentions", [5])
    snapshot = hub.snapshot()
    assert set(snapshot) == {"s.rate", "s.mentions"}
    assert snapshot["s.mentions"].value == (5,)
    assert hub.names() == ["s.mentions", "s.rate", "t.text"]


# -- kinds -----------------------------------------------------------------------------------


def test_publish_on_a_mention_stream_raises_type_error_and_changes_nothing() -> None:
    hub = make_hub()
    with pytest.raises(TypeError, match="use append"):
        hub.publish("s.mentions", (1,))
    assert hub.version("s.mentions") == 0


def test_append_on_a_value_stream_raises_type_error_and_changes_nothing() -> None:
    hub = make_hub()
    with pytest.raises(TypeError, match="use publish"):
        hub.append("s.rate", [Metric(1)])
    assert hub.version("s.rate") == 0


def test_redeclaring_with_the_same_kind_is_a_no_op_that_keeps_the_data() -> None:
    hub = make_hub()
    hub.publish("s.rate", Metric(9))
    hub.declare("s.rate", Kind.METRIC)
    assert hub.version("s.rate") == 1
    assert hub.kind("s.rate") is Kind.METRIC


@pytest.mark.parametrize(("name", "other"), [("s.rate", Kind.SERIES), ("s.mentions", Kind.METRIC)])
def test_redeclaring_with_another_kind_raises(name: str, other: Kind) -> None:
    hub = make_hub()
    with pytest.raises(ValueError, match="not"):
        hub.declare(name, other)
    assert hub.kind(name) is not other


def test_an_unknown_stream_raises_key_error_with_its_name() -> None:
    hub = make_hub()
    with pytest.raises(KeyError, match=r"no stream named 's\.nope'"):
        hub.view("s.nope")
    with pytest.raises(KeyError):
        hub.version("s.nope")
    with pytest.raises(KeyError):
        hub.sample("s.nope")
    with pytest.raises(KeyError):
        hub.publish("s.nope", 1)
    with pytest.raises(KeyError):
        hub.subscribe("s.nope", lambda name, batch: None)


def test_a_view_reads_version_sample_source_and_clock_but_cannot_write() -> None:
    clock = FakeClock(100.0)
    hub = make_hub(clock)
    view = hub.view("s.rate")
    assert view.version == 0 and view.sample() is None
    hub.publish("s.rate", Metric(3))
    sample = view.sample()
    assert view.version == 1 and sample is not None and sample.value == Metric(3)
    assert view.name == "s.rate" and view.source == "s"
    clock.now = 123.0
    assert view.now() == 123.0
    assert view.status().state is SourceState.STARTING
    assert not hasattr(view, "publish") and not hasattr(view, "append")


# -- subscribers -----------------------------------------------------------------------------


def test_a_mention_subscriber_gets_each_new_batch_as_appended() -> None:
    hub = make_hub()
    seen: list[tuple[str, Sequence[Any]]] = []
    hub.subscribe("s.mentions", lambda name, batch: seen.append((name, batch)))
    hub.append("s.mentions", [1, 2])
    hub.append("s.mentions", [])  # no change: no call
    hub.append("s.mentions", (3, 4, 5, 6))  # the whole batch, even beyond the capacity
    assert [(name, list(batch)) for name, batch in seen] == [
        ("s.mentions", [1, 2]),
        ("s.mentions", [3, 4, 5, 6]),
    ]


def test_a_value_subscriber_gets_a_one_element_sequence_with_the_new_value() -> None:
    hub = make_hub()
    seen: list[tuple[str, Sequence[Any]]] = []
    hub.subscribe("s.rate", lambda name, batch: seen.append((name, batch)))
    hub.publish("s.rate", Metric(7))
    hub.publish("s.rate", Metric(8))
    assert len(seen) == 2
    assert seen[0][0] == "s.rate" and len(seen[0][1]) == 1 and seen[0][1][0] == Metric(7)
    assert list(seen[1][1]) == [Metric(8)]


def test_unsubscribe_stops_only_that_subscriber() -> None:
    hub = make_hub()
    first: list[int] = []
    second: list[int] = []
    leave = hub.subscribe("s.mentions", lambda name, batch: first.extend(batch))
    hub.subscribe("s.mentions", lambda name, batch: second.extend(batch))
    hub.append("s.mentions", [1])
    leave()
    hub.append("s.mentions", [2])
    assert first == [1]
    assert second == [1, 2]


def test_a_subscriber_may_unsubscribe_itself_while_being_called() -> None:
    hub = make_hub()
    calls: list[int] = []
    after: list[int] = []
    leave_box: list[Any] = []

    def once(name: str, batch: Sequence[Any]) -> None:
        calls.extend(batch)
        leave_box[0]()

    leave_box.append(hub.subscribe("s.mentions", once))
    hub.subscribe("s.mentions", lambda name, batch: after.extend(batch))
    hub.append("s.mentions", [1])
    hub.append("s.mentions", [2])
    assert calls == [1]
    assert after == [1, 2]  # the one after it was still called on the first batch


def test_a_raising_subscriber_does_not_stop_later_subscribers_and_is_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hub = make_hub()
    got: list[int] = []

    def broken(name: str, batch: Sequence[Any]) -> None:
        raise RuntimeError("boom")

    hub.subscribe("s.mentions", broken)
    hub.subscribe("s.mentions", lambda name, batch: got.extend(batch))
    with caplog.at_level(logging.ERROR, logger="kiosk.hub"):
        hub.append("s.mentions", [1])
        hub.append("s.mentions", [2])
        hub.append("s.mentions", [3])
    assert got == [1, 2, 3]
    failures = [r for r in caplog.records if "subscriber of s.mentions failed" in r.getMessage()]
    assert len(failures) == 1
    assert failures[0].levelno == logging.ERROR
    assert failures[0].exc_info is not None and isinstance(failures[0].exc_info[1], RuntimeError)
    assert hub.version("s.mentions") == 3  # the stream itself moved on


def test_each_broken_subscriber_is_logged_once_on_its_own(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hub = make_hub()

    def broken_one(name: str, batch: Sequence[Any]) -> None:
        raise ValueError("one")

    def broken_two(name: str, batch: Sequence[Any]) -> None:
        raise KeyError("two")

    hub.subscribe("s.rate", broken_one)
    hub.subscribe("s.rate", broken_two)
    with caplog.at_level(logging.ERROR, logger="kiosk.hub"):
        for n in range(4):
            hub.publish("s.rate", Metric(n))
    failures = [r for r in caplog.records if "subscriber of s.rate failed" in r.getMessage()]
    assert [type(r.exc_info[1]) for r in failures if r.exc_info] == [ValueError, KeyError]
    assert hub.sample("s.rate") == Sample(Metric(3), 100.0, 4)


# -- source state ----------------------------------------------------------------------------


def test_declaring_a_stream_marks_its_source_as_starting_at_declare_time() -> None:
    clock = FakeClock(50.0)
    hub = Hub(clock=clock)
    hub.declare("feed.mentions", Kind.MENTIONS)
    clock.now = 60.0
    hub.declare("feed.text", Kind.TEXT)  # a second stream of the same source: no reset
    assert hub.status("feed") == Status(SourceState.STARTING, 50.0)


def test_an_unknown_source_reads_as_starting_now() -> None:
    hub = Hub(clock=FakeClock(77.0))
    assert hub.status("ghost") == Status(SourceState.STARTING, 77.0)


def test_set_status_logs_once_per_change_of_state_not_per_call(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock(100.0)
    hub = make_hub(clock)
    with caplog.at_level(logging.DEBUG, logger="kiosk.hub"):
        for _ in range(3):
            hub.set_status("s", SourceState.OK)
            clock.now += 1
        for _ in range(3):
            hub.set_status("s", SourceState.FAILED, "timeout")
            clock.now += 1
        hub.set_status("s", SourceState.STALE)
        hub.set_status("s", SourceState.OK)
    records = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "kiosk.hub"]
    assert records == [
        (logging.INFO, "source s: ok"),
        (logging.WARNING, "source s: failed (timeout)"),
        (logging.WARNING, "source s: stale"),
        (logging.INFO, "source s: ok"),
    ]


def test_status_since_is_the_time_of_the_change_not_of_the_last_call() -> None:
    clock = FakeClock(100.0)
    hub = make_hub(clock)
    hub.set_status("s", SourceState.FAILED, "timeout")
    clock.now = 130.0
    hub.set_status("s", SourceState.FAILED, "timeout")
    assert hub.status("s") == Status(SourceState.FAILED, 100.0, "timeout")
    clock.now = 140.0
    hub.set_status("s", SourceState.OK)
    assert hub.status("s") == Status(SourceState.OK, 140.0, "")
