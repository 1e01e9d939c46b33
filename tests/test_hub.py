"""The hub: streams, versions, bounded mention history, subscribers, source state."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import pytest

from kiosk.hub import Hub, SourceState
from kiosk.values import Kind, Metric


def make_hub() -> Hub:
    hub = Hub(clock=lambda: 100.0)
    hub.declare("s.rate", Kind.METRIC)
    hub.declare("s.mentions", Kind.MENTIONS, capacity=3)
    return hub


def test_a_value_stream_keeps_its_last_value_time_and_version() -> None:
    hub = make_hub()
    assert hub.sample("s.rate") is None
    hub.publish("s.rate", Metric(1))
    hub.publish("s.rate", Metric(2), at=50.0)
    sample = hub.sample("s.rate")
    assert sample is not None
    assert (sample.value, sample.at, sample.version) == (Metric(2), 50.0, 2)


def test_a_mention_stream_keeps_only_the_newest_items() -> None:
    hub = make_hub()
    hub.append("s.mentions", [1, 2])
    hub.append("s.mentions", [3, 4])
    hub.append("s.mentions", [])  # nothing new: no new version
    sample = hub.sample("s.mentions")
    assert sample is not None
    assert sample.value == (2, 3, 4) and sample.version == 2 and sample.at == 100.0


def test_kinds_are_enforced() -> None:
    hub = make_hub()
    with pytest.raises(TypeError):
        hub.publish("s.mentions", (1,))
    with pytest.raises(TypeError):
        hub.append("s.rate", [Metric(1)])
    with pytest.raises(ValueError, match="is metric"):
        hub.declare("s.rate", Kind.SERIES)
    hub.declare("s.rate", Kind.METRIC)  # the same declaration again is fine
    with pytest.raises(KeyError, match=r"no stream named 's\.nope'"):
        hub.view("s.nope")


def test_subscribers_get_new_batches_and_can_leave() -> None:
    hub = make_hub()
    seen: list[tuple[str, Sequence[Any]]] = []
    leave = hub.subscribe("s.mentions", lambda name, batch: seen.append((name, list(batch))))
    hub.subscribe("s.rate", lambda name, batch: seen.append((name, list(batch))))
    hub.append("s.mentions", [1, 2])
    hub.publish("s.rate", Metric(7))
    leave()
    hub.append("s.mentions", [3])
    assert seen == [("s.mentions", [1, 2]), ("s.rate", [Metric(7)])]


def test_a_failing_subscriber_does_not_stop_the_others(caplog: pytest.LogCaptureFixture) -> None:
    hub = make_hub()
    got: list[int] = []

    def broken(name: str, batch: Sequence[Any]) -> None:
        raise RuntimeError("boom")

    hub.subscribe("s.mentions", broken)
    hub.subscribe("s.mentions", lambda name, batch: got.extend(batch))
    with caplog.at_level(logging.ERROR):
        hub.append("s.mentions", [1])
        hub.append("s.mentions", [2])
    assert got == [1, 2]
    assert len([r for r in caplog.records if "subscriber of s.mentions failed" in r.message]) == 1


def test_source_state_is_logged_once_per_change(caplog: pytest.LogCaptureFixture) -> None:
    hub = make_hub()
    assert hub.status("s").state is SourceState.STARTING
    with caplog.at_level(logging.INFO, logger="kiosk.hub"):
        for _ in range(3):
            hub.set_status("s", SourceState.FAILED, "timeout")
        hub.set_status("s", SourceState.OK)
    assert [r.getMessage() for r in caplog.records] == [
        "source s: failed (timeout)",
        "source s: ok",
    ]
    assert hub.status("s").since == 100.0


def test_a_view_reads_but_cannot_write() -> None:
    hub = make_hub()
    view = hub.view("s.rate")
    hub.publish("s.rate", Metric(3))
    sample = view.sample()
    assert view.version == 1 and sample is not None and sample.value == Metric(3)
    assert view.source == "s" and view.now() == 100.0
    assert not hasattr(view, "publish")


def test_snapshot_holds_every_stream_with_a_value() -> None:
    hub = make_hub()
    hub.publish("s.rate", Metric(1))
    assert set(hub.snapshot()) == {"s.rate"}
