"""Operating hours, waking for a crisis, and burn-in care."""

from __future__ import annotations

import datetime

import pytest
from pytestqt.qtbot import QtBot

from kiosk.app import Runtime
from kiosk.config import LayoutError, parse_layout
from kiosk.config.layout import Schedule
from kiosk.hub import SourceState
from kiosk.screens.schedule import is_on
from kiosk.screens.wall import Wall
from kiosk.values import Alert

AMS = datetime.timezone(datetime.timedelta(hours=1))  # Amsterdam in winter


def at(day: int, hour: int, minute: int = 0, tz: datetime.tzinfo = AMS) -> datetime.datetime:
    """A moment in the week of Monday 2026-11-23 (day 0) … Sunday 2026-11-29 (day 6)."""
    return datetime.datetime(2026, 11, 23 + day, hour, minute, tzinfo=tz)


OFFICE = Schedule(
    days=["mon", "tue", "wed", "thu", "fri"],
    hours=["07:30-19:00"],
    off=[datetime.date(2026, 11, 26)],
    timezone="Europe/Amsterdam",
)


@pytest.mark.parametrize(
    ("moment", "on"),
    [
        (at(0, 7, 29), False),
        (at(0, 7, 30), True),
        (at(0, 18, 59), True),
        (at(0, 19, 0), False),
        (at(3, 12), False),  # a holiday
        (at(5, 12), False),  # Saturday
        (at(0, 11, tz=datetime.UTC), True),  # 12:00 in Amsterdam
        (at(0, 18, 30, tz=datetime.UTC), False),  # 19:30 in Amsterdam
    ],
)
def test_office_hours(moment: datetime.datetime, on: bool) -> None:
    assert is_on(OFFICE, moment) is on


def test_overnight_hours_belong_to_the_day_they_start() -> None:
    night = Schedule(days=["fri"], hours=["22:00-06:00"], timezone="Europe/Amsterdam")
    assert is_on(night, at(4, 23))  # Friday night
    assert is_on(night, at(5, 5, 59))  # Saturday early: still Friday's night
    assert not is_on(night, at(5, 6))
    assert not is_on(night, at(3, 23))  # Thursday night is not on
    assert is_on(None, at(6, 3))  # no schedule: always on


def test_bad_hours_and_zones_are_layout_errors() -> None:
    with pytest.raises(LayoutError) as caught:
        parse_layout(
            "screens: [{name: a, match: {any: true}, pages: [{title: P}],"
            " schedule: {hours: ['7:30-19:00'], days: [monday], timezone: Mars/Olympus}}]\n"
        )
    paths = [issue.path for issue in caught.value.issues]
    assert paths == [
        "screens[0].schedule.hours[0]",
        "screens[0].schedule.days[0]",
        "screens[0].schedule.timezone",
    ]


LAYOUT = """
sources:
  social: {type: demo, rate: 5, seed: 1}
screens:
  - name: lobby
    match: {connector: HDMI-1}
    schedule: {days: [mon, tue, wed, thu, fri], hours: ["08:00-18:00"], timezone: Europe/Amsterdam}
    burn_in: {shift: 6, every: 50ms}
    pages:
      - {title: A, duration: 100ms, widgets: [{type: kpi, at: [0, 0, 4, 2], data: social.rate}]}
      - {title: B, duration: 100ms}
takeovers:
  - {name: Crisis, when: {stream: social.alerts}, screens: [lobby], page: {title: Crisis}}
"""


def test_out_of_hours_the_screen_goes_black_and_a_crisis_wakes_it(qtbot: QtBot) -> None:
    layout = parse_layout(LAYOUT)
    hub = Runtime(layout).hub
    hub.set_status("social", SourceState.OK)
    wall = Wall(layout, hub)
    try:
        wall.bind()
        lobby = wall.screen_windows["lobby"]
        wall.check_schedules(at(5, 12))  # Saturday
        assert not lobby.awake and not lobby.stack.isVisible()
        flips = lobby.flips
        qtbot.wait(350)
        assert lobby.flips == flips  # no rotation in the dark
        image = lobby.grab().toImage()
        assert {image.pixel(x, 500) & 0xFFFFFF for x in range(0, 1920, 40)} == {0}
        kpi = lobby.pages[0].widgets[0]
        assert not kpi.refreshing  # hidden: its timers stopped

        hub.publish("social.alerts", (Alert("spike:Acme", "critical", "Acme 5×", hub.clock()),))
        wall.check_takeovers()  # checks the schedule with the real clock; pin Saturday again
        wall.check_schedules(at(5, 12))
        assert lobby.awake and lobby.takeover is not None

        hub.publish("social.alerts", ())
        for rule in wall.takeovers:
            rule._last_fired = 0.0  # the hold is long over
        wall.check_takeovers()
        wall.check_schedules(at(5, 12))
        assert lobby.takeover is None and not lobby.awake
        wall.check_schedules(at(0, 9))  # Monday morning
        assert lobby.awake and lobby.stack.isVisible()
        qtbot.waitUntil(lambda: lobby.flips > flips, timeout=1000)  # rotating again
    finally:
        wall.close()


def test_burn_in_care_moves_the_picture_in_a_small_circle(qtbot: QtBot) -> None:
    layout = parse_layout(LAYOUT)
    wall = Wall(layout, Runtime(layout).hub)
    try:
        wall.bind()
        lobby = wall.screen_windows["lobby"]
        seen = set()
        for _ in range(8):
            step = lobby.shift_step
            qtbot.waitUntil(lambda step=step: lobby.shift_step > step, timeout=1000)
            seen.add(lobby.shift)
            margins = lobby.layout().contentsMargins()
            assert margins.left() - margins.right() == 2 * lobby.shift[0]
        assert len(seen) == 8 and all(abs(dx) <= 6 and abs(dy) <= 6 for dx, dy in seen)
    finally:
        wall.close()


def test_hours_follow_the_wall_clock_across_daylight_saving_changes() -> None:
    early = Schedule(hours=["07:00-19:00"], timezone="Europe/Amsterdam")
    # Sunday 29 March 2026: clocks go 02:00 → 03:00. 05:30 UTC is 07:30 local (CEST): on.
    assert is_on(early, datetime.datetime(2026, 3, 29, 5, 30, tzinfo=datetime.UTC))
    assert not is_on(early, datetime.datetime(2026, 3, 29, 4, 30, tzinfo=datetime.UTC))
    # The day before, 05:30 UTC was 06:30 local (CET): still off.
    assert not is_on(early, datetime.datetime(2026, 3, 28, 5, 30, tzinfo=datetime.UTC))
    # Sunday 25 October 2026: 03:00 → 02:00. 18:30 UTC is 19:30 local (CET): off;
    # 17:30 UTC is 18:30 local: on.
    assert not is_on(early, datetime.datetime(2026, 10, 25, 18, 30, tzinfo=datetime.UTC))
    assert is_on(early, datetime.datetime(2026, 10, 25, 17, 30, tzinfo=datetime.UTC))
    night = Schedule(hours=["22:00-06:00"], timezone="Europe/Amsterdam")
    # The long night of 24→25 October: 05:30 local on the 25th is 04:30 UTC: still on.
    assert is_on(night, datetime.datetime(2026, 10, 25, 4, 30, tzinfo=datetime.UTC))
    assert not is_on(night, datetime.datetime(2026, 10, 25, 5, 30, tzinfo=datetime.UTC))
