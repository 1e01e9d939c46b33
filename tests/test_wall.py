"""The wall on three simulated monitors (tests/screens3.json): binding, identify pages, pages.

The monitors are HDMI-1 and HDMI-2 (1920×1080) and DP-1 (1080×1920, portrait).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from kiosk.app import Runtime
from kiosk.config import parse_layout
from kiosk.control.commands import validate
from kiosk.control.wall_state import StatePublisher, find_state
from kiosk.hardware.drm import DrmConnector
from kiosk.hardware.edid import Edid
from kiosk.screens.cast_views import EmergencyCard
from kiosk.screens.commands import WallCommands
from kiosk.screens.identify import IdentifyCard, IdentifyView
from kiosk.screens.matching import Monitor
from kiosk.screens.monitors import with_edid
from kiosk.screens.wall import Wall
from kiosk.screens.window import ScreenWindow

PAGE = "[{title: Pulse, duration: 5s, widgets: [{type: kpi, at: [0, 0, 4, 2], data: social.rate}]}]"
LAYOUT = f"""
sources:
  social: {{type: demo, rate: 5, seed: 1}}
screens:
  - {{name: marketing, match: {{connector: HDMI-1}}, pages: {PAGE}}}
  - {{name: care, match: {{connector: "DP-*"}}, pages: {PAGE}}}
  - {{name: pr, match: {{connector: HDMI-7}}, pages: {PAGE}}}
"""


@pytest.fixture
def wall(qtbot: QtBot) -> Iterator[Wall]:
    layout = parse_layout(LAYOUT)
    wall = Wall(layout, Runtime(layout).hub)  # streams declared, sources not started
    yield wall
    wall.close()


def screen_name(window: ScreenWindow) -> str:
    handle = window.windowHandle()
    assert handle is not None
    return handle.screen().name()


def test_each_layout_screen_goes_full_screen_on_its_monitor(wall: Wall) -> None:
    wall.bind()
    marketing, care = wall.screen_windows["marketing"], wall.screen_windows["care"]
    assert screen_name(marketing) == "HDMI-1"
    assert screen_name(care) == "DP-1"
    assert marketing.isFullScreen() and care.isFullScreen()
    assert care.geometry().width() == 1080 and care.geometry().height() == 1920


@pytest.mark.parametrize("mode", ["black", "ignore"])
def test_unclaimed_monitors_can_stay_black_or_be_left_alone(qtbot: QtBot, mode: str) -> None:
    """A war room on a laptop: its own screen must not be taken over by an identify page."""
    layout = parse_layout(LAYOUT + f"unclaimed: {mode}\n")
    wall = Wall(layout, Runtime(layout).hub)
    try:
        wall.bind()
        if mode == "ignore":
            assert wall.identify_windows == []
        else:
            (window,) = wall.identify_windows
            assert window.findChild(IdentifyView) is None
            image = window.grab().toImage()
            assert {image.pixel(x, y) for x in range(0, 1920, 97) for y in range(0, 1080, 97)} == {
                0xFF000000
            }
        assert set(wall.screen_windows) == {"marketing", "care"}  # the wall itself as before
    finally:
        wall.close()


@pytest.mark.parametrize("mode", ["identify", "black"])
def test_an_emergency_for_the_whole_wall_covers_unclaimed_monitors_too(
    qtbot: QtBot, mode: str
) -> None:
    """Evacuation: the monitor no screen claims (an identify page, or kept black) shows the
    emergency like every other TV; one for some screens only leaves it alone."""
    layout = parse_layout(LAYOUT + f"unclaimed: {mode}\n")
    wall = Wall(layout, Runtime(layout).hub)
    commands = WallCommands(wall)
    try:
        wall.bind()
        (unclaimed,) = wall.identify_windows

        def card_shown() -> bool:
            return any(card.isVisible() for card in unclaimed.findChildren(EmergencyCard))

        send = {"command": "emergency", "headline": "Evacuate the building now"}
        commands.execute(validate({**send, "to": ["care"]}, commands.directory()))
        assert not card_shown()
        commands.execute(validate(send, commands.directory()))  # no "to": every screen
        assert card_shown()
        image = unclaimed.grab().toImage()
        assert image.pixelColor(unclaimed.width() // 2, 8).name() == "#b3141b"
        commands.execute(validate({"command": "end_emergency"}, commands.directory()))
        assert not card_shown()
    finally:
        commands.close()
        wall.close()


def test_a_monitor_nobody_claims_shows_its_identify_page(wall: Wall) -> None:
    wall.bind()
    assert len(wall.identify_windows) == 1
    window = wall.identify_windows[0]
    assert window.monitor is not None and window.monitor.connector == "HDMI-2"
    view = window.findChild(IdentifyView)
    assert view is not None
    image = window.grab().toImage()
    background = image.pixel(0, 0)
    assert any(
        image.pixel(x, y) != background for x in range(0, 1920, 9) for y in range(200, 700, 9)
    )


@pytest.mark.parametrize("unclaimed", ["black", "ignore"])
def test_unclaimed_monitors_can_be_kept_black_or_left_alone(qtbot: QtBot, unclaimed: str) -> None:
    layout = parse_layout(f"unclaimed: {unclaimed}\n{LAYOUT}")
    wall = Wall(layout, Runtime(layout).hub)
    try:
        wall.bind()
        if unclaimed == "ignore":  # the monitor stays the desktop's (a laptop's own screen)
            assert not wall.identify_windows
            return
        (window,) = wall.identify_windows
        assert window.findChild(IdentifyView) is None
        image = window.grab().toImage()
        assert {image.pixel(x, y) for x in range(0, 1920, 97) for y in range(0, 1080, 97)} == {
            0xFF000000
        }
        wall.apply(parse_layout(LAYOUT))  # back to identify pages on a reload
        (window,) = wall.identify_windows
        assert window.findChild(IdentifyView) is not None
    finally:
        wall.close()


def test_a_missing_monitor_is_logged_once(wall: Wall, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        wall.bind()
        wall.bind()
    missing = [r for r in caplog.records if "screen pr" in r.getMessage()]
    assert len(missing) == 1
    assert "pr" not in wall.screen_windows


def test_rebinding_keeps_windows_that_did_not_move(wall: Wall) -> None:
    wall.bind()
    first = wall.screen_windows["marketing"]
    wall.bind()
    assert wall.screen_windows["marketing"] is first


def test_windowed_mode_gives_every_screen_a_window(qtbot: QtBot) -> None:
    layout = parse_layout(LAYOUT)
    wall = Wall(layout, Runtime(layout).hub, windowed=True)
    try:
        wall.bind()
        assert set(wall.screen_windows) == {"marketing", "care", "pr"}
        assert not wall.identify_windows
        assert not any(w.isFullScreen() for w in wall.screen_windows.values())
    finally:
        wall.close()


def test_pages_rotate_on_their_duration(qtbot: QtBot) -> None:
    layout = parse_layout(
        LAYOUT.replace(PAGE, "[{title: A, duration: 200ms}, {title: B, duration: 200ms}]", 1)
    )
    window = ScreenWindow(layout.screens[0], Runtime(layout).hub, layout.theme, (1920, 1080))
    qtbot.addWidget(window)
    window.show()
    assert window.current_index == 0
    qtbot.waitUntil(lambda: window.current_index == 1, timeout=2000)
    qtbot.waitUntil(lambda: window.current_index == 0, timeout=2000)


def test_rebinding_keeps_identify_pages_that_did_not_move(wall: Wall) -> None:
    wall.bind()
    first = list(wall.identify_windows)
    wall.bind()
    assert wall.identify_windows == first


def test_hot_plug_rebinds_by_identity_within_a_second(
    qtbot: QtBot, wall: Wall, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kiosk.screens.wall as wall_module
    from kiosk.screens.monitors import current_screens

    app = QGuiApplication.instance()
    assert isinstance(app, QGuiApplication)
    wall.bind()
    care = wall.screen_windows["care"]
    plugged = current_screens()
    hdmi1 = next(screen for monitor, screen in plugged if monitor.connector == "HDMI-1")

    # HDMI-1's cable is pulled: Qt reports the screen gone, and the survivors re-index.
    monkeypatch.setattr(
        wall_module,
        "current_screens",
        lambda: [
            (dataclasses.replace(monitor, index=i), screen)
            for i, (monitor, screen) in enumerate(
                (m, s) for m, s in plugged if m.connector != "HDMI-1"
            )
        ],
    )
    for _ in range(3):  # a re-seated cable fires bursts of events: one re-bind
        app.screenRemoved.emit(hdmi1)
    qtbot.waitUntil(lambda: "marketing" not in wall.screen_windows, timeout=1000)
    assert wall.screen_windows["care"] is care  # untouched, still on DP-1
    assert screen_name(care) == "DP-1"
    assert all(  # nobody took HDMI-1's content onto another TV
        w.monitor is not None and w.monitor.connector != "HDMI-1" for w in wall.windows
    )

    # Plugged back: marketing returns to HDMI-1 by its connector, not to whatever is free.
    monkeypatch.setattr(wall_module, "current_screens", current_screens)
    app.screenAdded.emit(hdmi1)
    qtbot.waitUntil(lambda: "marketing" in wall.screen_windows, timeout=1000)
    assert screen_name(wall.screen_windows["marketing"]) == "HDMI-1"
    assert wall.screen_windows["care"] is care


def test_identify_lays_a_card_over_every_window_then_removes_it(qtbot: QtBot, wall: Wall) -> None:
    wall.bind()
    assert len(wall.windows) == 3  # marketing, care, and HDMI-2's identify page
    wall.identify(0.3)
    cards = {
        window.monitor.connector: window.findChild(IdentifyCard)
        for window in wall.windows
        if window.monitor is not None
    }
    assert set(cards) == {"HDMI-1", "HDMI-2", "DP-1"}
    for connector, card in cards.items():
        assert card is not None and card.isVisible(), connector
        assert card.parentWidget() is not None
        assert card.geometry() == card.parentWidget().rect()  # covers the whole window
    assert cards["HDMI-1"].heading == "Shows marketing"  # type: ignore[union-attr]
    assert cards["DP-1"].heading == "Shows care"  # type: ignore[union-attr]
    assert cards["HDMI-2"].heading == "Not assigned"  # type: ignore[union-attr]
    marketing = wall.screen_windows["marketing"]
    image = marketing.grab().toImage()
    background = image.pixel(0, 0)
    assert any(  # the connector name, drawn big in the upper third, over the page
        image.pixel(x, y) != background for x in range(0, 1920, 9) for y in range(200, 500, 9)
    )
    qtbot.waitUntil(lambda: not any(w.findChild(IdentifyCard) for w in wall.windows), timeout=3000)
    assert not wall.identify_cards


def test_identify_again_restarts_the_time_with_one_card_per_window(
    qtbot: QtBot, wall: Wall
) -> None:
    wall.bind()
    wall.identify(60)
    wall.identify(0.2)
    assert len(wall.identify_cards) == 3
    qtbot.waitUntil(lambda: not wall.identify_cards, timeout=3000)


def test_a_window_closed_while_identifying_does_not_break_the_end_of_it(
    qtbot: QtBot, wall: Wall
) -> None:
    from PySide6.QtCore import QCoreApplication, QEvent

    wall.bind()
    wall.identify(0.3)
    wall._drop_screen("marketing")  # its TV unplugged: the window and its card are deleted
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    qtbot.waitUntil(lambda: not wall.identify_cards, timeout=3000)  # and no error on the way
    qtbot.waitUntil(lambda: not any(w.findChild(IdentifyCard) for w in wall.windows))


def test_the_wall_publishes_which_connector_shows_which_screen(wall: Wall, tmp_path: Path) -> None:
    wall.state = StatePublisher(None, tmp_path)
    wall.bind()
    found = find_state([tmp_path])
    assert found is not None
    state = found[1]
    assert {(b.connector, b.screen) for b in state.screens} == {
        ("HDMI-1", "marketing"),
        ("DP-1", "care"),
    }
    assert state.unassigned == ("HDMI-2",) and state.missing == ("pr",)


def test_qts_missing_serial_is_read_from_the_kernels_edid() -> None:
    edid = Edid("SAM", 0x7102, 0, serial_text="H4ZN9", name="QM55B")
    kernel = [
        DrmConnector("card0", "HDMI-A-2", True, True, edid=Edid("GSM", 1, 9, name="other")),
        DrmConnector("card0", "HDMI-A-1", True, True, "3840x2160", edid),
    ]
    wayland = Monitor(0, "HDMI-A-1", "Samsung Electric Company", "QM55B")  # no serial on Wayland
    assert with_edid(wayland, kernel).serial == "H4ZN9"
    x11 = Monitor(0, "HDMI-1", "", "", "")  # the same connector by X11's name
    filled = with_edid(x11, kernel)
    assert (filled.manufacturer, filled.model, filled.serial) == (
        edid.manufacturer,  # "SAM", or its name where /usr/share/hwdata/pnp.ids is installed
        "QM55B",
        "H4ZN9",
    )
    assert with_edid(Monitor(0, "HDMI-1", "Qt's", "own", "values"), kernel).serial == "values"
    assert with_edid(Monitor(0, "DP-1"), kernel) == Monitor(0, "DP-1")
