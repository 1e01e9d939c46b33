"""Which layout screen goes on which physical monitor.

Matching works on :class:`Monitor` values, not on ``QScreen`` objects, so the rules are testable
without a display and a monitor's identity survives its QScreen being destroyed on unplug.
No Qt in this module.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Monitor:
    """One connected monitor. ``index`` counts monitors left to right, then top to bottom."""

    index: int
    connector: str
    manufacturer: str = ""
    model: str = ""
    serial: str = ""
    x: int = 0
    y: int = 0
    width: int = 1920
    height: int = 1080
    device_pixel_ratio: float = 1.0
    refresh_rate: float = 60.0

    @property
    def orientation(self) -> str:
        return "portrait" if self.height > self.width else "landscape"

    @property
    def identity(self) -> tuple[str, str, str, str]:
        """What stays the same when the monitor is unplugged and plugged back."""
        return (self.connector, self.manufacturer, self.model, self.serial)

    def describe(self) -> dict[str, object]:
        data = asdict(self)
        data["orientation"] = self.orientation
        return data


# The kernel's connector type names (drm_connector_enum_list in drivers/gpu/drm/drm_connector.c):
# DRM, sysfs and Wayland compositors name a connector "<type>-<n>", e.g. HDMI-A-1.
KERNEL_CONNECTOR_TYPES = (
    "Unknown", "VGA", "DVI-I", "DVI-D", "DVI-A", "Composite", "SVIDEO", "LVDS", "Component",
    "DIN", "DP", "HDMI-A", "HDMI-B", "TV", "eDP", "Virtual", "DSI", "DPI", "Writeback", "SPI",
    "USB",
)  # fmt: skip
# X11's modesetting driver names HDMI-A "HDMI" (so HDMI-A-1 is HDMI-1 there) and keeps the
# kernel's name for the others: DP-1, eDP-1, DVI-D-1 and VGA-1 are the same in both.
X11_CONNECTOR_TYPES = {kind: {"HDMI-A": "HDMI"}.get(kind, kind) for kind in KERNEL_CONNECTOR_TYPES}
_KERNEL_TYPES = {x11: kernel for kernel, x11 in X11_CONNECTOR_TYPES.items()}


def connector_names(connector: str) -> tuple[str, ...]:
    """Every name this connector goes by: the one given first, then its kernel or X11 alias.

    ``HDMI-A-1`` (the kernel's name, and Wayland's) and ``HDMI-1`` (X11's) are one connector,
    so a layout written for either matches the same TV under both.
    """
    kind, _, number = connector.rpartition("-")
    if not number.isdigit():
        return (connector,)
    aliases = [table[kind] for table in (X11_CONNECTOR_TYPES, _KERNEL_TYPES) if kind in table]
    return (connector, *(f"{alias}-{number}" for alias in aliases if alias != kind))


class MatchRule(Protocol):
    """The layout's ``match:`` (``kiosk.config.Match``), as far as matching needs it."""

    connector: str | None
    manufacturer: str | None
    model: str | None
    serial: str | None
    index: int | None
    any: bool


class ScreenRule(Protocol):
    name: str

    @property
    def match(self) -> MatchRule: ...


def specificity(rule: MatchRule) -> int:
    """How precisely a rule names a monitor: a serial beats a connector beats a model, and so on.

    Specific rules pick their monitor first, so ``{any: true}`` never steals the monitor that
    another screen names by serial.
    """
    score = 0
    if rule.serial:
        score += 1000
    if rule.connector:
        score += 100
    if rule.model or rule.manufacturer:
        score += 10
    if rule.index is not None:
        score += 1
    return score


def matches(rule: MatchRule, monitor: Monitor) -> bool:
    """True when every criterion the rule gives holds (wildcards ``*`` and ``?`` allowed)."""
    text_criteria = (
        (rule.manufacturer, monitor.manufacturer),
        (rule.model, monitor.model),
        (rule.serial, monitor.serial),
    )
    for pattern, value in text_criteria:
        if pattern is not None and not fnmatch.fnmatchcase(value, pattern):
            return False
    if rule.connector is not None and not any(
        fnmatch.fnmatchcase(name, rule.connector) for name in connector_names(monitor.connector)
    ):
        return False
    if rule.index is not None and rule.index != monitor.index:
        return False
    return (
        rule.connector is not None
        or any(pattern is not None for pattern, _ in text_criteria)
        or rule.index is not None
        or rule.any
    )


def match_snippet(monitor: Monitor) -> str:
    """The most robust ``match:`` rule for this monitor, as a layout author would write it."""
    if monitor.serial:
        return f'match: {{serial: "{monitor.serial}"}}'
    if monitor.connector:
        return f"match: {{connector: {monitor.connector}}}"
    return f"match: {{index: {monitor.index}}}"


@dataclass(slots=True)
class Assignment:
    """The outcome of matching: which screen is on which monitor, and what is left over."""

    bound: dict[str, Monitor] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)  # layout screens with no monitor
    unmatched: list[Monitor] = field(default_factory=list)  # monitors no rule wants


def assign(screens: Sequence[ScreenRule], monitors: Sequence[Monitor]) -> Assignment:
    """Give each layout screen at most one monitor, most specific rules first.

    Ties keep layout order, so two ``{any: true}`` screens take monitors left to right.
    """
    result = Assignment()
    free = sorted(monitors, key=lambda m: m.index)
    ordered = sorted(screens, key=lambda s: -specificity(s.match))  # sorted() is stable
    for screen in ordered:
        chosen = next((m for m in free if matches(screen.match, m)), None)
        if chosen is None:
            result.missing.append(screen.name)
        else:
            result.bound[screen.name] = chosen
            free.remove(chosen)
    layout_order = {screen.name: i for i, screen in enumerate(screens)}
    result.missing.sort(key=layout_order.__getitem__)
    result.unmatched = free
    return result
