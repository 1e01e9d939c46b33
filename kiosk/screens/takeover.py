"""Crisis takeover rules: when a trigger holds, chosen screens leave their rotation for a page.

A rule reads one stream: an alerts stream fires while an alert at or above its severity is
firing; a metric stream fires while the figure is past ``below`` or ``above``. Once fired, the
rule stays active for ``hold`` after the trigger clears, so a figure hovering at the bound does
not flip the wall back and forth. A rule whose source is failing keeps its last decision: a
dead backend neither starts nor ends a crisis. No Qt here: the wall polls :meth:`update`.
"""

from __future__ import annotations

import logging
import math

from kiosk.config import Takeover
from kiosk.hub import Hub, SourceState
from kiosk.values import Alert, Metric
from kiosk.widgets.format import compact

log = logging.getLogger(__name__)

_SEVERITY = {"warning": 1, "critical": 2}


class TakeoverRule:
    """One ``takeovers:`` entry, evaluated against the hub."""

    def __init__(self, config: Takeover, hub: Hub) -> None:
        self.config = config
        self.hub = hub
        self.active = False
        self.banner = ""
        self._last_fired: float | None = None
        self._source = config.when.stream.partition(".")[0]

    @property
    def name(self) -> str:
        return self.config.name

    def targets(self, screen: str) -> bool:
        return not self.config.screens or screen in self.config.screens

    def update(self, now: float) -> bool:
        """Re-evaluate; returns True when ``active`` or the banner text changed."""
        before = (self.active, self.banner)
        if self.hub.status(self._source).state is SourceState.FAILED:
            return False  # no data is no news: keep the decision until the source is back
        sample = self.hub.sample(self.config.when.stream)
        reason = self._firing(sample.value) if sample is not None else None
        if reason is not None:
            self._last_fired = now
            self.banner = f"{self.config.title or self.name} · {reason}"
        held = self._last_fired is not None and now - self._last_fired < self.config.hold
        self.active = held
        if self.active != before[0]:
            log.warning(
                "takeover %s %s: %s",
                self.name,
                "starts" if self.active else "ends",
                self.banner if self.active else f"clear for {self.config.hold:g} s",
            )
        return (self.active, self.banner) != before

    def _firing(self, value: object) -> str | None:
        when = self.config.when
        if isinstance(value, Metric):
            figure = value.value
            if not math.isfinite(figure):
                return None
            label = value.label or when.stream
            shown = f"{compact(figure)}{value.unit}"
            if self.config.title and (
                (when.below is not None and figure < when.below)
                or (when.above is not None and figure > when.above)
            ):
                return shown  # the title says what it is; the stream's name is for the layout
            if when.below is not None and figure < when.below:
                return f"{label} {shown} (below {compact(when.below)}{value.unit})"
            if when.above is not None and figure > when.above:
                return f"{label} {shown} (above {compact(when.above)}{value.unit})"
            return None
        if isinstance(value, tuple):
            least = _SEVERITY.get(when.severity or "warning", 1)
            alerts = [
                alert
                for alert in value
                if isinstance(alert, Alert) and _SEVERITY.get(alert.severity, 0) >= least
            ]
            if not alerts:
                return None
            alert = alerts[0]
            drivers = f" · driven by {', '.join(alert.drivers[:3])}" if alert.drivers else ""
            more = f" · +{len(alerts) - 1} more" if len(alerts) > 1 else ""
            return f"{alert.title}{drivers}{more}"
        return None
