"""The approval queue for public screens, without Qt: required, auto_after, off, a restart."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.analytics.moderation import Moderator
from kiosk.config import Moderation
from kiosk.config.layout import AutoApproval
from kiosk.control.commands import DecisionConflictError, UnknownPostError
from kiosk.control.decisions import DecisionStore
from kiosk.control.moderation_queue import ModerationQueue
from kiosk.hub import Hub
from kiosk.values import Kind, Mention
from tests.posts import mention

STREAM = "social.mentions"
APPROVED = "social.mentions:approved"


def post(post_id: str, text: str = "Great service at Acme", **fields: object) -> Mention:
    return mention(id=post_id, text=text, **fields)


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def shown(hub: Hub) -> list[str]:
    sample = hub.sample(APPROVED)
    return [mention.id for mention in sample.value] if sample is not None else []


def make(
    approval: object = "required",
    store: DecisionStore | None = None,
    clock: Clock | None = None,
    capacity: int = 500,
) -> tuple[ModerationQueue, Hub]:
    hub = Hub()
    hub.declare(STREAM, Kind.MENTIONS)
    queue = ModerationQueue(store, clock=clock or Clock(), capacity=capacity)
    queue.configure(Moderator(Moderation(block={"*": ["scam"]})), approval)
    queue.attach(hub)
    return queue, hub


def test_required_posts_wait_for_a_person() -> None:
    queue, hub = make("required")
    assert queue.public_stream(STREAM) == APPROVED
    hub.append(STREAM, [post("a"), post("b"), post("bad", "an Acme scam")])
    assert shown(hub) == []
    assert [entry["id"] for entry in queue.snapshot()["pending"]] == ["b", "a"]
    assert [entry["verdict"] for entry in queue.snapshot()["blocked"]] == ["blocked word"]
    queue.decide("b", "approved", "ops")
    queue.decide("a", "rejected", "ops")
    assert shown(hub) == ["b"]
    assert not queue.allow(post("a")) and queue.allow(post("b"))
    recent = queue.snapshot()["recent"]
    assert [(e["id"], e["state"], e["by"]) for e in recent] == [
        ("a", "rejected", "ops"),
        ("b", "approved", "ops"),
    ]
    with pytest.raises(DecisionConflictError, match="rejected by ops"):
        queue.decide("a", "approved", "ops")  # a rejection is final
    with pytest.raises(DecisionConflictError, match="blocked word"):
        queue.decide("bad", "approved", "ops")  # the layout's rules are not overridden
    with pytest.raises(UnknownPostError, match="'nope' is not in the moderation queue"):
        queue.decide("nope", "approved", "ops")


def test_posts_already_in_the_stream_are_queued_when_a_public_widget_starts() -> None:
    queue, hub = make("required")
    hub.append(STREAM, [post("early")])
    queue.public_stream(STREAM)
    assert queue.snapshot()["pending_count"] == 1


def test_auto_after_puts_posts_up_unless_rejected_in_time() -> None:
    clock = Clock()
    queue, hub = make(AutoApproval(auto_after=120.0), clock=clock)
    queue.public_stream(STREAM)
    hub.append(STREAM, [post("a"), post("b")])
    assert queue.snapshot()["pending"][0]["goes_up_at"]
    clock.now += 119
    assert queue.release_due() == 0 and shown(hub) == []
    queue.decide("b", "rejected", "ops")
    clock.now += 1
    assert queue.release_due() == 1
    assert shown(hub) == ["a"]
    assert queue.decided["a"].by == "auto_after"


def test_off_shows_the_stream_itself_and_only_hide_applies() -> None:
    queue, hub = make("off")
    assert queue.public_stream(STREAM) == STREAM
    hub.append(STREAM, [post("a")])
    with pytest.raises(DecisionConflictError, match="approval is off"):
        queue.decide("a", "approved", "ops")
    queue.decide("a", "hidden", "ops")  # found in the stream, though nothing queued it
    assert queue.is_hidden(post("a")) and not queue.allow(post("a"))
    assert queue.moderator.reason(post("a")) == "hidden by hand"
    with pytest.raises(UnknownPostError, match="no post 'zz'"):
        queue.decide("zz", "hidden", "ops")


def test_decisions_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "moderation.jsonl"
    queue, hub = make("required", DecisionStore(path))
    queue.public_stream(STREAM)
    hub.append(STREAM, [post("yes"), post("no"), post("gone")])
    queue.decide("yes", "approved", "ops")
    queue.decide("no", "rejected", "ops")
    queue.decide("gone", "hidden", "ops")

    again, hub = make("required", DecisionStore(path))  # a new process, a new hub
    assert again.is_hidden(post("gone"))
    assert again.moderator.reason(post("gone")) == "hidden by hand"
    again.public_stream(STREAM)
    hub.append(STREAM, [post("yes"), post("no"), post("gone"), post("new")])  # delivered again
    assert shown(hub) == ["yes"]
    assert [entry["id"] for entry in again.snapshot()["pending"]] == ["new"]
    assert [entry["id"] for entry in again.snapshot()["recent"]] == ["gone", "no", "yes"]


def test_a_damaged_decisions_file_costs_only_its_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "moderation.jsonl"
    queue, hub = make("required", DecisionStore(path))
    queue.public_stream(STREAM)
    hub.append(STREAM, [post("yes")])
    queue.decide("yes", "approved", "ops")
    with path.open("a") as file:
        file.write('{"id": "x", "state": "approved"}\nnot json\n')
    again, _ = make("required", DecisionStore(path))
    assert list(again.decided) == ["yes"]


def test_the_queue_and_the_file_are_bounded(tmp_path: Path) -> None:
    queue, hub = make("required", DecisionStore(tmp_path / "m.jsonl", limit=4), capacity=3)
    queue.public_stream(STREAM)
    hub.append(STREAM, [post(f"p{i}") for i in range(10)])
    assert [entry["id"] for entry in queue.snapshot()["pending"]] == ["p9", "p8", "p7"]
    hub.append(STREAM, [post(f"q{i}") for i in range(20)])
    for i in range(17, 20):
        queue.decide(f"q{i}", "approved", "ops")
    for i in range(20):
        queue.decide(f"q{i}", "hidden", "ops")
    assert len(queue.decided) == 4
    lines = (tmp_path / "m.jsonl").read_text().splitlines()
    assert len(lines) <= 8  # rewritten at twice the limit
    again, _ = make("required", DecisionStore(tmp_path / "m.jsonl", limit=4))
    assert list(again.decided) == ["q16", "q17", "q18", "q19"]


def test_a_rejected_posts_hashtags_stay_out_of_public_rankings() -> None:
    queue, hub = make("required")
    queue.public_stream(STREAM)
    hub.append(
        STREAM,
        [
            post("a", hashtags=("#AcmeFail", "#Acme")),
            post("b", hashtags=("#Acme",)),
        ],
    )
    queue.decide("a", "rejected", "ops")
    assert not queue.allow_text("#AcmeFail") and not queue.allow_text("#acmefail")
    assert not queue.allow_text("#Acme")  # until an approved post carries it too
    queue.decide("b", "approved", "ops")
    assert queue.allow_text("#Acme") and queue.allow_text("#Other")
