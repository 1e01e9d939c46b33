"""Video-wall spanning: one page across several monitors as one canvas, with bezel room.

On the simulated monitors of tests/screens3.json: HDMI-1 and HDMI-2 are 1920×1080 side by side.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint
from pytestqt.qtbot import QtBot

from kiosk.app import Runtime
from kiosk.config import LayoutError, parse_layout
from kiosk.screens.wall import Wall
from kiosk.values import Alert

SPAN = """
sources:
  social: {type: demo, rate: 5, seed: 1}
spans:
  - name: videowall
    columns: 2
    rows: 1
    monitors: [{connector: HDMI-1}, {connector: HDMI-2}]
    bezel_mm: 20
    panel_mm: [1210, 680]
    rotation: {transition: cut}
    pages:
      - title: Across
        duration: 300ms
        widgets:
          - {type: timeseries, at: [0, 0, 12, 6], data: social.volume, title: Volume}
          - {type: ticker, at: [0, 6, 12, 2], data: social.mentions}
      - {title: Second, duration: 300ms}
screens:
  - {name: side, match: {connector: DP-1}, pages: [{title: Side}]}
takeovers:
  - {name: Crisis, when: {stream: social.alerts}, screens: [videowall], page: {title: Crisis}}
"""


@pytest.fixture
def wall(qtbot: QtBot) -> Iterator[Wall]:
    layout = parse_layout(SPAN)
    wall = Wall(layout, Runtime(layout).hub)
    wall.bind()
    yield wall
    wall.close()


def test_each_panel_shows_its_part_of_one_canvas(wall: Wall) -> None:
    left, right = wall.screen_windows["videowall#1"], wall.screen_windows["videowall#2"]
    assert left.windowHandle().screen().name() == "HDMI-1"
    assert right.windowHandle().screen().name() == "HDMI-2"
    gap = round(20 * 1920 / 1210)  # 20 mm of bezel at 1920 px per 1210 mm: 32 px
    assert right.stack.x() - left.stack.x() == -(1920 + gap)
    assert left.stack.width() == right.stack.width() == 2 * 1920 + gap - 2 * left._margins[0]
    # The chart spans both panels: the same canvas point is 1920 + gap px further left on the
    # right panel, so a line crossing the seam continues where the bezel ends.
    for window in (left, right):
        window.stack.currentWidget().layout().activate()
    chart_left = left.pages[0].widgets[0]
    chart_right = right.pages[0].widgets[0]
    assert chart_left.geometry() == chart_right.geometry()  # the same place on the canvas
    here = chart_left.mapTo(left, QPoint(2000, 10))
    there = chart_right.mapTo(right, QPoint(2000, 10))
    assert here.x() - there.x() == 1920 + gap and here.y() == there.y()
    assert wall.screen_windows["side"].tile is None  # an ordinary screen beside it


def test_panels_flip_together_and_take_over_together(qtbot: QtBot, wall: Wall) -> None:
    left, right = wall.screen_windows["videowall#1"], wall.screen_windows["videowall#2"]
    for _ in range(3):
        flips = left.flips
        qtbot.waitUntil(lambda flips=flips: left.flips > flips, timeout=2000)
        assert right.flips == left.flips and right.current_index == left.current_index
    wall.hub.set_status("social", wall.hub.status("social").state)
    wall.hub.publish("social.alerts", (Alert("spike:Acme", "critical", "Acme 5×", 0.0),))
    wall.check_takeovers()
    assert left.takeover is not None and right.takeover is not None
    assert wall.screen_windows["side"].takeover is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("monitors: [{connector: HDMI-1}, {connector: HDMI-2}]", "needs 4 monitors, got 2"),
        ("panel_mm: [1210, 680]", "give panel_mm"),
        ("name: videowall", "'side' is already the name of a screen or span"),
    ],
)
def test_span_mistakes_are_layout_errors(change: str, message: str) -> None:
    broken = SPAN
    if change.startswith("monitors"):
        broken = broken.replace("rows: 1", "rows: 2")
    elif change.startswith("panel_mm"):
        broken = broken.replace(f"    {change}\n", "")
    else:
        broken = broken.replace(change, "name: side")
    with pytest.raises(LayoutError) as caught:
        parse_layout(broken)
    assert message in str(caught.value)
