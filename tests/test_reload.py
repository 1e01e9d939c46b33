"""Hot reload: valid edits apply without touching unchanged screens; invalid ones are refused."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kiosk.app import Runtime
from kiosk.collector import Collector
from kiosk.config import load_layout
from kiosk.hub import Hub
from kiosk.reload import RESETTLE_S, LayoutReloader
from kiosk.screens.wall import Wall

LAYOUT = """
sources:
  social: {type: demo, rate: 5}
screens:
  - name: marketing
    match: {connector: HDMI-1}
    pages: [{title: Pulse, widgets: [{type: kpi, at: [0, 0, 4, 2], data: social.rate}]}]
  - name: care
    match: {connector: HDMI-2}
    pages: [{title: Care}]
"""


@pytest.fixture
def setup(qtbot: QtBot, tmp_path: Path) -> Iterator[tuple[Path, Wall, LayoutReloader, list[Hub]]]:
    path = tmp_path / "wall.yaml"
    path.write_text(LAYOUT)
    layout = load_layout(path)
    wall = Wall(layout, Runtime(layout).hub)
    wall.bind()
    hubs: list[Hub] = []

    def new_sources(edited: object) -> Hub:
        hubs.append(Runtime(edited).hub)  # type: ignore[arg-type]
        return hubs[-1]

    reloader = LayoutReloader(path, wall, layout, new_sources)
    yield path, wall, reloader, hubs
    wall.close()


def test_an_edit_rebuilds_only_the_screen_it_touches(qtbot: QtBot, setup: tuple) -> None:  # type: ignore[type-arg]
    path, wall, _, hubs = setup
    marketing, care = wall.screen_windows["marketing"], wall.screen_windows["care"]
    path.write_text(LAYOUT.replace("title: Care", "title: Customer care"))
    qtbot.waitUntil(lambda: wall.screen_windows["care"] is not care, timeout=3000)
    assert wall.screen_windows["marketing"] is marketing  # untouched: never blanked
    assert wall.screen_windows["care"].screen_config.pages[0].title == "Customer care"
    assert hubs == []  # sources unchanged: the same data keeps flowing


def test_a_broken_edit_keeps_the_running_layout_and_says_why(qtbot: QtBot, setup: tuple) -> None:  # type: ignore[type-arg]
    path, wall, _, _ = setup
    care = wall.screen_windows["care"]
    path.write_text(LAYOUT.replace("title: Care", "title: Care, duration: soon"))
    qtbot.waitUntil(lambda: care.notice.isVisible(), timeout=3000)
    assert "not applied" in care.notice.text() and "duration" in care.notice.text()
    assert wall.screen_windows["care"] is care
    path.write_text(LAYOUT.replace("title: Care", "title: Care again"))
    qtbot.waitUntil(lambda: wall.screen_windows["care"] is not care, timeout=3000)
    assert not wall.screen_windows["care"].notice.isVisible()


def test_new_sources_restart_the_data_side(qtbot: QtBot, setup: tuple) -> None:  # type: ignore[type-arg]
    path, wall, reloader, hubs = setup
    marketing = wall.screen_windows["marketing"]
    path.write_text(LAYOUT.replace("rate: 5", "rate: 50"))
    assert reloader.reload()
    assert len(hubs) == 1 and wall.hub is hubs[0]
    assert wall.screen_windows["marketing"] is not marketing  # widgets now read the new hub
    assert not reloader.reload()  # nothing changed since


def test_an_applied_edit_settles_the_garbage_collector_again_and_a_broken_one_does_not(
    qtbot: QtBot,
    setup: tuple,  # type: ignore[type-arg]
) -> None:
    """The old layout's screens were frozen with the start's objects (kiosk.collector): some
    seconds after an edit is applied the collector thaws, collects them and freezes again."""
    path, _, reloader, _ = setup
    enabled = gc.isenabled()
    collector = Collector(interval_ms=10_000)
    try:
        path.write_text("screens: [")  # broken: nothing applied, nothing to settle
        assert not reloader.reload_now().applied
        assert not collector._settle.isActive()
        path.write_text(LAYOUT.replace("title: Care", "title: Customer care"))
        assert reloader.reload_now().applied
        assert collector._settle.isActive()
        assert collector._settle.remainingTime() > (RESETTLE_S - 1) * 1000
    finally:
        collector.stop()
        if enabled:
            gc.enable()
