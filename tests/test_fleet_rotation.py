"""A shared rotation inside the wall: takeovers over several boxes start at one moment.

Two walls in one process stand for two boxes of a fleet (tests/test_fleet_sync.py runs real
processes on a broker): the same layout, each its own hub fed the same data at different times.
"""

from __future__ import annotations

import time

from pytestqt.qtbot import QtBot

from kiosk.app import Runtime
from kiosk.config import parse_layout
from kiosk.fleet.sync import Step
from kiosk.hub import SourceState
from kiosk.screens.wall import FLEET_TAKEOVER_LEAD, Wall
from kiosk.values import Alert

LAYOUT = """
sources:
  social: {type: demo, rate: 5, seed: 1}
screens:
  - name: a
    match: {connector: HDMI-1}
    rotation: {transition: cut, sync: wall}
    pages:
      - {title: One, duration: 30s, widgets: [{type: kpi, at: [0, 0, 6, 4], data: social.rate}]}
      - {title: Two, duration: 30s, widgets: [{type: kpi, at: [0, 0, 6, 4], data: social.rate}]}
takeovers:
  - {name: Crisis, when: {stream: social.alerts, severity: critical}, hold: 1m,
     page: {title: Crisis room, widgets: [{type: alert_banner, at: [0, 0, 12, 1],
     data: social.alerts}]}}
"""


def test_a_takeover_starts_on_every_box_at_one_moment_after_its_data(qtbot: QtBot) -> None:
    layout = parse_layout(LAYOUT)
    boxes: list[Wall] = []
    shared: list[tuple[str, Step]] = []
    try:
        for _ in range(2):
            hub = Runtime(layout).hub  # streams declared, sources not started
            hub.set_status("social", SourceState.OK)
            wall = Wall(layout, hub)
            wall.share_rotation(lambda group, step: shared.append((group, step)))
            wall.bind()
            boxes.append(wall)
        made = time.time() - 0.2  # on the data node, a moment ago
        alert = Alert("spike:Acme", "critical", "Acme mentions 4.2× normal", made)
        started: dict[int, float] = {}

        def watch() -> None:
            for index, wall in enumerate(boxes):
                if wall.screen_windows["a"].takeover is not None:
                    started.setdefault(index, time.time())

        for index, wall in enumerate(boxes):  # the data reaches the boxes 0.3 s apart
            wall.hub.publish("social.alerts", (alert,), at=made)
            wall.check_takeovers()
            watch()
            assert index not in started  # not when this box's check ran
            qtbot.wait(300)
            watch()
        qtbot.waitUntil(lambda: (watch(), len(started) == 2)[1], timeout=5000)
        assert min(started.values()) >= made + FLEET_TAKEOVER_LEAD - 0.01
        assert abs(started[0] - started[1]) < 0.1, started
    finally:
        for wall in boxes:
            wall.close()


def test_a_box_joins_the_schedule_it_is_given_and_steps_for_staff(qtbot: QtBot) -> None:
    layout = parse_layout(LAYOUT)
    hub = Runtime(layout).hub
    wall = Wall(layout, hub)
    shared: list[tuple[str, Step]] = []
    try:
        wall.share_rotation(lambda group, step: shared.append((group, step)))
        wall.bind()
        window = wall.screen_windows["a"]
        # Another box started the group 65 s ago: step 2 now (30 s pages), page 2 % 2 = One.
        wall.follow_schedule("wall", Step(0, time.time() - 65.0, "other"))
        assert window.step == 2 and window.current_index == 0
        wall.step_group("wall", 1)  # staff: next, on every box STEP_LEAD from now
        ((group, step),) = shared
        assert (group, step.step) == ("wall", 3)
        assert window.current_index == 0  # not yet
        qtbot.waitUntil(lambda: window.current_index == 1, timeout=3000)
        assert window.step == 3
    finally:
        wall.close()
