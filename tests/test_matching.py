"""Matching layout screens to monitors: specificity, wildcards, missing and extra monitors."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from kiosk.screens.matching import (
    Monitor,
    assign,
    connector_names,
    match_snippet,
    matches,
    specificity,
)


@dataclass
class Rule:
    connector: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    serial: str | None = None
    index: int | None = None
    any: bool = False


@dataclass
class Screen:
    name: str
    match: Rule


WALL = [
    Monitor(0, "HDMI-1", "Samsung", "QM55B", "S1", x=0),
    Monitor(1, "HDMI-2", "Samsung", "QM55B", "S2", x=1920),
    Monitor(2, "DP-1", "LG", "55UH5", "L9", x=3840, width=1080, height=1920),
]


def test_each_criterion_matches_only_its_monitor() -> None:
    assert [m.connector for m in WALL if matches(Rule(connector="HDMI-2"), m)] == ["HDMI-2"]
    assert [m.connector for m in WALL if matches(Rule(serial="L9"), m)] == ["DP-1"]
    assert [m.connector for m in WALL if matches(Rule(model="QM55*"), m)] == ["HDMI-1", "HDMI-2"]
    assert [m.connector for m in WALL if matches(Rule(index=1), m)] == ["HDMI-2"]
    assert len([m for m in WALL if matches(Rule(any=True), m)]) == 3


def test_all_given_criteria_must_hold() -> None:
    assert not matches(Rule(connector="HDMI-1", serial="S2"), WALL[0])
    assert matches(Rule(connector="HDMI-*", manufacturer="Samsung"), WALL[1])


def test_a_rule_with_no_criterion_matches_nothing() -> None:
    assert not any(matches(Rule(), m) for m in WALL)


def test_specific_rules_pick_first_whatever_the_layout_order() -> None:
    screens = [
        Screen("lobby", Rule(any=True)),
        Screen("exec", Rule(serial="S1")),
        Screen("care", Rule(connector="DP-1")),
    ]
    result = assign(screens, WALL)
    assert {name: m.connector for name, m in result.bound.items()} == {
        "exec": "HDMI-1",
        "care": "DP-1",
        "lobby": "HDMI-2",
    }
    assert result.missing == [] and result.unmatched == []
    assert (
        specificity(Rule(serial="x"))
        > specificity(Rule(connector="x"))
        > specificity(Rule(model="x"))
        > specificity(Rule(index=0))
        > specificity(Rule(any=True))
    )


def test_missing_and_extra_monitors_are_reported() -> None:
    screens = [
        Screen("marketing", Rule(connector="HDMI-1")),
        Screen("pr", Rule(connector="HDMI-9")),
    ]
    result = assign(screens, WALL)
    assert list(result.bound) == ["marketing"]
    assert result.missing == ["pr"]
    assert [m.connector for m in result.unmatched] == ["HDMI-2", "DP-1"]


def test_a_monitor_is_never_given_to_two_screens() -> None:
    screens = [Screen("a", Rule(connector="HDMI-1")), Screen("b", Rule(connector="HDMI-1"))]
    result = assign(screens, WALL)
    assert list(result.bound) == ["a"] and result.missing == ["b"]


def test_portrait_is_read_from_the_geometry() -> None:
    assert [m.orientation for m in WALL] == ["landscape", "landscape", "portrait"]


@pytest.mark.parametrize(
    ("rule", "qt_name"),
    [
        ("HDMI-A-1", "HDMI-1"),  # a layout in the kernel's names, the wall under X11
        ("HDMI-1", "HDMI-A-1"),  # a layout written under X11, the wall under Wayland
        ("HDMI-A-2", "HDMI-A-2"),
        ("HDMI-A-12", "HDMI-12"),
        ("HDMI*", "HDMI-1"),
        ("HDMI*", "HDMI-A-1"),
        ("HDMI-?", "HDMI-A-3"),
        ("DP-1", "DP-1"),
        ("eDP-1", "eDP-1"),
        ("DVI-D-1", "DVI-D-1"),
        ("VGA-1", "VGA-1"),
    ],
)
def test_kernel_and_x11_connector_names_match_the_same_monitor(rule: str, qt_name: str) -> None:
    assert matches(Rule(connector=rule), Monitor(0, qt_name))


@pytest.mark.parametrize(
    ("rule", "qt_name"),
    [
        ("HDMI-A-1", "HDMI-2"),
        ("HDMI-1", "HDMI-A-2"),
        ("HDMI-1", "HDMI-B-1"),  # HDMI type B is its own connector, in X11 too
        ("HDMI-A-1", "DP-1"),
        ("DP-1", "DP-1-1"),  # an X11 MST branch is not its root port
    ],
)
def test_connector_aliases_do_not_match_other_connectors(rule: str, qt_name: str) -> None:
    assert not matches(Rule(connector=rule), Monitor(0, qt_name))


def test_only_hdmi_type_a_has_a_second_name() -> None:
    assert connector_names("HDMI-A-1") == ("HDMI-A-1", "HDMI-1")
    assert connector_names("HDMI-1") == ("HDMI-1", "HDMI-A-1")
    for same in ("DP-1", "eDP-1", "DVI-D-1", "VGA-1", "HDMI-B-1", "window:lobby", ""):
        assert connector_names(same) == (same,)


def test_the_suggested_rule_prefers_serial_then_connector_then_index() -> None:
    assert match_snippet(WALL[0]) == 'match: {serial: "S1"}'
    assert match_snippet(Monitor(3, "HDMI-A-1")) == "match: {connector: HDMI-A-1}"
    assert match_snippet(Monitor(3, "")) == "match: {index: 3}"
