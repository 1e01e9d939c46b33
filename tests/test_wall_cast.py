"""Casts and the emergency on a wall of three simulated monitors (tests/screens3.json).

lobby on HDMI-1 (groups execs), care on DP-1 (portrait; groups support, execs), pr on HDMI-2.
Order on one screen: emergency > takeover > cast > rotation; messages over all but an emergency.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kiosk.app import Runtime
from kiosk.config import Page, parse_layout
from kiosk.control.commands import CommandError, Decide, validate
from kiosk.screens.cast_views import EmergencyCard, PostCard
from kiosk.screens.commands import WallCommands
from kiosk.screens.message import MessageCard
from kiosk.screens.page import PageView
from kiosk.screens.wall import Wall
from kiosk.values import Breakdown, Mention, Metric

PAGES = "[{title: Pulse, duration: 1h}, {title: Brand pulse, duration: 1h}, {title: Care}]"
LAYOUT = f"""
sources:
  social: {{type: demo, rate: 5, seed: 1}}
screens:
  - {{name: lobby, match: {{connector: HDMI-1}}, groups: [execs], pages: {PAGES}}}
  - {{name: care, match: {{connector: "DP-*"}}, groups: [support, execs], pages: {PAGES}}}
  - {{name: pr, match: {{connector: HDMI-2}}, public: true, pages: {PAGES}}}
"""
POST = Mention(
    "post-42",
    time.time() - 120,
    "Acme",
    "Acme's new app lost my order twice this morning and support hasn't answered in two hours. "
    "Not what I expect from a brand I've used for ten years.",
    "en",
    "x",
    "Dana Whitfield",
    "danaw",
    48_200,
    -0.7,
)
SHOTS = os.environ.get("KIOSK_SHOTS")  # a folder: write the cast and emergency screenshots


@pytest.fixture
def commands(qtbot: QtBot) -> Iterator[WallCommands]:
    layout = parse_layout(LAYOUT)
    wall = Wall(layout, Runtime(layout).hub)
    wall.bind()
    commands = WallCommands(wall)
    yield commands
    commands.close()
    wall.close()


def run(commands: WallCommands, data: dict[str, object]) -> dict[str, object]:
    return commands.execute(validate(data, commands.directory()))


def shot(qtbot: QtBot, commands: WallCommands, screen: str, name: str) -> None:
    if SHOTS:
        qtbot.wait(600)  # the flip's fade (0.4 s) over
        window = commands.wall.screen_windows[screen]
        window.grab().save(str(Path(SHOTS) / f"{name}.png"))


def test_a_cast_page_shows_then_ends_by_itself_on_the_rotations_page(
    qtbot: QtBot, commands: WallCommands
) -> None:
    lobby = commands.wall.screen_windows["lobby"]
    result = run(
        commands,
        {
            "command": "cast",
            "to": ["lobby"],
            "page": {"screen": "care", "title": "Care"},
            "duration": 1.5,
        },
    )
    shown = lobby.stack.currentWidget()
    assert isinstance(shown, PageView) and shown.page.title == "Care"
    assert lobby.cast is not None and lobby.cast[0] == result["id"]
    assert commands.status()["screens"]["lobby"]["cast"]["what"] == "page"
    lobby.next_page()  # rotation runs on, unseen, under the cast
    assert lobby.stack.currentWidget() is shown
    assert commands.wall.screen_windows["pr"].cast is None
    qtbot.waitUntil(lambda: lobby.cast is None, timeout=3000)
    assert lobby.stack.currentWidget() is lobby.pages[1] and lobby.current_index == 1


def test_a_takeover_outranks_a_cast_which_comes_back_when_it_clears(
    commands: WallCommands,
) -> None:
    lobby = commands.wall.screen_windows["lobby"]
    spec = {"type": "kpi", "data": "social.rate", "title": "Mentions a minute"}
    run(commands, {"command": "cast", "to": ["lobby"], "widget": spec, "duration": "5m"})
    assert lobby.cast is not None
    cast_view = lobby.cast[1]
    assert lobby.stack.currentWidget() is cast_view
    lobby.take_over("Crisis", Page(title="Crisis"), "Crisis · negative spike")
    assert lobby.takeover is not None and lobby.stack.currentWidget() is lobby.takeover[1]
    commands.overrides.refresh()  # the cast's check does not push it over the takeover
    assert lobby.stack.currentWidget() is lobby.takeover[1]
    lobby.release()
    assert lobby.stack.currentWidget() is cast_view


def test_a_cast_starting_under_a_takeover_waits_under_it(commands: WallCommands) -> None:
    lobby = commands.wall.screen_windows["lobby"]
    lobby.take_over("Crisis", Page(title="Crisis"), "Crisis · negative spike")
    run(
        commands,
        {
            "command": "cast",
            "to": ["lobby"],
            "page": {"screen": "lobby", "title": "Care"},
            "duration": 60,
        },
    )
    assert lobby.takeover is not None and lobby.stack.currentWidget() is lobby.takeover[1]


def test_a_cast_widget_is_checked_like_a_layout_widget(commands: WallCommands) -> None:
    with pytest.raises(CommandError) as refused:
        run(
            commands,
            {
                "command": "cast",
                "widget": {"type": "timeseries", "data": "social.nope", "colour": "red"},
                "duration": 60,
            },
        )
    paths = {tuple(issue.path) for issue in refused.value.issues}
    assert ("widget", "colour") in paths
    with pytest.raises(CommandError) as refused:
        run(
            commands,
            {
                "command": "cast",
                "widget": {"type": "timeseries", "data": "social.nope"},
                "duration": 60,
            },
        )
    assert [tuple(i.path) for i in refused.value.issues] == [("widget", "data")]
    with pytest.raises(CommandError) as refused:  # a series on a kpi needs total: or mean:
        run(
            commands,
            {"command": "cast", "widget": {"type": "kpi", "data": "social.volume"}, "duration": 9},
        )
    assert "social.volume is a series: add total: or mean:" in str(refused.value.issues)
    kpi = {"type": "kpi", "data": "social.volume_hourly", "total": "7d"}
    run(commands, {"command": "cast", "widget": kpi, "duration": 9})
    with pytest.raises(CommandError):  # a duration is required, and bounded
        run(commands, {"command": "cast", "widget": {"type": "clock"}})
    with pytest.raises(CommandError):
        run(commands, {"command": "cast", "widget": {"type": "clock"}, "duration": "5h"})


def test_an_image_cast_cannot_read_outside_the_layout_folder(
    commands: WallCommands, tmp_path: Path
) -> None:
    commands.layout_path = tmp_path / "wall.yaml"
    outside = tmp_path.parent / "secret.png"
    with pytest.raises(CommandError) as refused:
        run(
            commands,
            {"command": "cast", "widget": {"type": "image", "path": str(outside)}, "duration": 60},
        )
    assert "outside the layout's folder" in str(refused.value)
    with pytest.raises(CommandError):
        run(
            commands,
            {"command": "cast", "widget": {"type": "image", "path": "../x.png"}, "duration": 60},
        )


def test_a_post_is_cast_as_a_large_card_with_its_figures(
    qtbot: QtBot, commands: WallCommands
) -> None:
    hub = commands.wall.hub
    hub.append("social.mentions", [POST])
    hub.publish("social.rate", Metric(184.0, 120.0, label="Acme mentions / min"))
    hub.publish("social.net_sentiment", Metric(-23.0, -5.0, unit="%", label="net sentiment"))
    hub.publish("social.share", Breakdown((("Acme", 61.0), ("Globex", 39.0))))
    run(
        commands,
        {"command": "cast", "to": ["lobby", "care"], "post": {"id": "post-42"}, "duration": 60},
    )
    lobby = commands.wall.screen_windows["lobby"]
    card = lobby.stack.currentWidget()
    assert isinstance(card, PostCard) and card.post is POST
    assert [label for label, _ in card.figures] == [
        "Acme mentions / min",
        "net sentiment",
        "Acme share of voice",
    ]
    shot(qtbot, commands, "lobby", "cast-post")
    shot(qtbot, commands, "care", "cast-post-portrait")
    with pytest.raises(CommandError, match="no post 'gone'"):
        run(commands, {"command": "cast", "post": {"id": "gone"}, "duration": 60})


def test_a_post_moderation_hides_is_not_cast_to_a_public_screen(commands: WallCommands) -> None:
    commands.wall.moderator.hide("post-42")
    commands.wall.hub.append("social.mentions", [POST])
    with pytest.raises(CommandError, match="public screens pr"):
        run(commands, {"command": "cast", "to": ["pr"], "post": {"id": "post-42"}, "duration": 60})
    run(commands, {"command": "cast", "to": ["lobby"], "post": {"id": "post-42"}, "duration": 60})


def test_a_post_waiting_for_approval_is_not_cast_to_a_public_screen(qtbot: QtBot) -> None:
    wall_of_posts = "{type: post_wall, at: [0, 0, 12, 8], data: social.mentions}"
    text = LAYOUT.replace(
        "public: true, pages: " + PAGES,
        f"public: true, pages: [{{title: Posts, widgets: [{wall_of_posts}]}}]",
    )
    layout = parse_layout(text + "moderation: {approval: required}\n")
    wall = Wall(layout, Runtime(layout).hub)
    wall.bind()
    commands = WallCommands(wall)
    try:
        wall.hub.append("social.mentions", [POST])
        cast = {"command": "cast", "to": ["pr"], "post": {"id": "post-42"}, "duration": 60}
        with pytest.raises(CommandError, match="approve it first"):
            run(commands, cast)
        assert wall.screen_windows["pr"].cast is None
        commands.decide(Decide(command="approve", id="post-42"), "ops")
        run(commands, cast)
        assert wall.screen_windows["pr"].cast is not None
    finally:
        commands.close()
        wall.close()


def test_an_emergency_is_over_everything_until_ended(qtbot: QtBot, commands: WallCommands) -> None:
    lobby = commands.wall.screen_windows["lobby"]
    run(commands, {"command": "blank", "to": ["pr"]})
    lobby.take_over("Crisis", Page(title="Crisis"), "Crisis · negative spike")
    run(commands, {"command": "message", "headline": "Lunch at noon", "duration": "5m"})
    run(commands, {"command": "cast", "page": {"screen": "lobby", "title": "Care"}, "duration": 60})
    run(
        commands,
        {
            "command": "emergency",
            "headline": "Evacuate the building now",
            "body": "Use the stairs, not the lifts. Meet at the car park on Quay Street.",
        },
    )
    for name, window in commands.wall.screen_windows.items():
        card = window.findChildren(EmergencyCard)[0]
        assert card.isVisible() and card.geometry() == window.rect(), name
        assert window.awake, name  # a blanked screen shows it too
        assert not any(c.isVisible() for c in window.findChildren(MessageCard)), name
        image = window.grab().toImage()
        assert image.pixelColor(window.width() // 2, 8).name() == "#b3141b"
    assert commands.status()["screens"]["lobby"]["emergency"] is True
    shot(qtbot, commands, "lobby", "emergency")
    shot(qtbot, commands, "care", "emergency-portrait")
    assert run(commands, {"command": "end_emergency"})["ended"] is True
    assert not commands.wall.screen_windows["lobby"].findChildren(EmergencyCard)[0].isVisible()
    assert not commands.wall.screen_windows["pr"].awake  # still blanked
    assert any(c.isVisible() for c in lobby.findChildren(MessageCard))


def test_hiding_a_cast_post_ends_its_cast(commands: WallCommands) -> None:
    commands.wall.hub.append("social.mentions", [POST])
    run(commands, {"command": "cast", "to": ["lobby"], "post": {"id": "post-42"}, "duration": 60})
    lobby = commands.wall.screen_windows["lobby"]
    assert isinstance(lobby.stack.currentWidget(), PostCard)
    commands.overrides.withdraw("post-42", public_only=True)  # rejected: lobby is not public
    assert lobby.cast is not None
    commands.decide(Decide(command="hide", id="post-42"), "ops")  # hidden: off every screen
    assert lobby.cast is None and lobby.stack.currentWidget() is lobby.pages[0]
