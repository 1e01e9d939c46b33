"""One wall over several boxes: three real ``kiosk run`` processes flip on one schedule."""

from __future__ import annotations

import time
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from kiosk.config import load_layout
from kiosk.fleet.commands import Inbox, command_topic, envelope
from kiosk.fleet.remote import own_screens
from kiosk.fleet.sync import CAUSE, STEP_LEAD, SharedSchedule, Step, current, following
from tests import fleet_walls
from tests.mqtt_broker import MOSQUITTO, Broker
from tests.test_fleet import FakeWall

# Run alone, after the parallel part of `make test` (tests on the other worker would lend it their
# load): three wall processes must flip within 0.4 s of each other.
pytestmark = pytest.mark.serial

DURATIONS = [2.0, 3.0, 5.0]  # one rotation: 10 s


def test_the_step_under_way_follows_from_one_shared_origin() -> None:
    origin = Step(4, 1000.0)  # step 4 shows page 4 % 3 = 1, for 3 s
    assert current(origin, DURATIONS, 1002.9) == Step(4, 1000.0)
    assert current(origin, DURATIONS, 1003.0) == Step(5, 1003.0)
    assert current(origin, DURATIONS, 1000.0 + 10 * 1000 + 4.0) == Step(3005, 11_003.0)
    assert following(Step(5, 1003.0), DURATIONS) == Step(6, 1008.0)
    # A moment before the origin: the steps that led up to it.
    assert current(origin, DURATIONS, 999.0) == Step(3, 998.0)


def test_a_step_survives_the_wire_and_bad_ones_are_refused() -> None:
    step = Step(7, 1234.5, "wall-a", "cmd1")
    assert Step.from_payload(step.payload()) == step
    for bad in (b"{}", b'{"step": 1, "at": "NaN"}', b"nope"):
        with pytest.raises((ValueError, KeyError)):
            Step.from_payload(bad)


def test_each_box_shows_only_its_own_screens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = fleet_walls.write_layout(tmp_path, "127.0.0.1:1883", ["wall-a", "wall-b"])
    monkeypatch.setenv("KIOSK_BOX", "wall-b")
    monkeypatch.setenv("KIOSK_CONTROL_PORT", "8700")
    assert own_screens(load_layout(path)) == ["side-wall-b", "videowall"]


@pytest.mark.skipif(not Path(MOSQUITTO).exists(), reason="needs mosquitto")
def test_three_wall_processes_flip_in_the_same_frame(tmp_path: Path) -> None:
    boxes = ["wall-a", "wall-b", "wall-c"]
    broker = Broker(tmp_path).start()
    layout = fleet_walls.write_layout(tmp_path, broker.address, boxes, page=1.5)
    node = fleet_walls.serve(layout, tmp_path)
    walls = []
    sender = paho.Client(CallbackAPIVersion.VERSION2, client_id="test-sync-sender")
    sender.connect("127.0.0.1", broker.port)
    sender.loop_start()
    try:
        for box in boxes:  # each starts on its own, later than the one before
            walls.append(fleet_walls.run_wall(layout, box, tmp_path, 32))
            time.sleep(2.0)
        time.sleep(12)
        # Staff say "next" to the span: the command reaches all three boxes, which step once.
        command_id, payload = envelope({"command": "next", "to": ["videowall"]})
        sent = time.time()
        sender.publish(command_topic("hq", command_id), payload, qos=1, retain=True)
        for wall in walls:
            wall.wait(60)
    finally:
        sender.loop_stop()
        for process in (*walls, node):
            if process.poll() is None:
                process.kill()
                process.wait(10)
        broker.stop()
    paints = fleet_walls.Paints.read(tmp_path, boxes)
    settled = max(min(at for at in flips.values()) for flips in paints.flips.values()) + 3.0
    skews = paints.skews(since=settled)
    assert len([key for key in skews if key[0] == "videowall"]) >= 8, paints.flips
    assert len([key for key in skews if key[0] == "side"]) >= 8, paints.flips
    assert max(skews.values()) < 0.4, sorted(skews.items())
    for box, flips in paints.flips.items():
        steps = sorted(step for (group, step), at in flips.items()
                       if group == "videowall" and at >= settled)  # fmt: skip
        # Every step once, in order: the "next" moved the span one page, not three.
        assert steps == list(range(steps[0], steps[0] + len(steps))), (box, steps)
        # ... at the moment the command set: its send time and the lead, on every box.
        after = [at - sent for (group, _), at in flips.items() if group == "videowall"]
        assert any(STEP_LEAD - 0.1 < late < STEP_LEAD + 0.3 for late in after), (box, after)


def test_a_command_to_one_box_screen_is_applied_there_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One layout for every box: a screen named in a command is one box's, not every box's."""
    monkeypatch.setenv("KIOSK_CONTROL_PORT", "8700")
    path = fleet_walls.write_layout(tmp_path, "127.0.0.1:1883", ["wall-a", "wall-b"])
    executed: dict[str, list[str]] = {}
    acks: dict[str, list[str]] = {}
    for box in ("wall-a", "wall-b"):
        monkeypatch.setenv("KIOSK_BOX", box)
        layout = load_layout(path)
        inbox = Inbox(box, lambda _id, _ack, box=box: acks.setdefault(box, []).append(_id),
                      own_screens(layout))  # fmt: skip
        inbox.target = FakeWall(layout)  # type: ignore[assignment]
        for to in (["side-wall-a"], ["all"]):
            _, payload = envelope({"command": "identify", "to": to})
            inbox.received(payload)
        executed[box] = [
            ",".join(v.screens)
            for v in inbox.target.executed  # type: ignore[union-attr]
        ]
    assert executed["wall-a"] == ["side-wall-a", "side-wall-a,side-wall-b"]
    assert executed["wall-b"] == ["side-wall-a,side-wall-b"]  # "all" only: not asked, no answer
    assert len(acks["wall-b"]) == 1


def test_a_next_sent_to_a_group_moves_it_once_whichever_box_hears_what_first() -> None:
    now = [1000.0]
    published: list[Step] = []
    pacing = {"wall": [10.0, 10.0]}
    boxes = [SharedSchedule(b, lambda _g, s: published.append(s), pacing, lambda: now[0])
             for b in ("wall-a", "wall-b")]  # fmt: skip
    for box in boxes:
        box.follow("wall", Step(0, 995.0, "wall-a"))  # step 0 since 995 s
    token = CAUSE.set(("cmd1", 1001.0))  # "next", sent at 1001 s
    try:
        now[0] = 1001.1
        boxes[0].move("wall", 1)  # wall-a applies the command first: step 1 at 1001.5
        assert published == [Step(1, 1001.5, "wall-a", "cmd1")]
        now[0] = 1001.3
        boxes[1].follow("wall", published[0])  # wall-b hears of the step first...
        boxes[1].move("wall", 1)  # ... then gets the command: nothing more to send
        assert len(published) == 1
        # Had wall-b got the command first, it would have made the very same step.
        fresh = SharedSchedule("wall-c", lambda _g, s: published.append(s), pacing, lambda: 1001.2)
        fresh.follow("wall", Step(0, 995.0, "wall-a"))
        fresh.move("wall", 1)
        assert published[-1].same_as(published[0])
    finally:
        CAUSE.reset(token)
    now[0] = 1001.6
    reached = [box.reached("wall") for box in boxes]
    assert [(s.step, s.at) for s in reached if s is not None] == [(1, 1001.5)] * 2
    assert boxes[0].due("wall") == 1011.5  # a whole page after the step, on both boxes
    assert not boxes[0].follow("wall", Step(9, now[0] + 3600))  # an hour ahead: a bad clock
