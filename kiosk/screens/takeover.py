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
from collections.abc import Callable

from kiosk.config import Takeover
from kiosk.hub import Hub, SourceState
from kiosk.i18n import ENGLISH, Lang
from kiosk.values import Alert, Metric

log = logging.getLogger(__name__)

_SEVERITY = {"warning": 1, "critical": 2}


class TakeoverRule:
    """One ``takeovers:`` entry, evaluated against the hub."""

    def __init__(self, config: Takeover, hub: Hub) -> None:
        self.config = config
        self.hub = hub
        self.active = False
        self.banner = ""  # in English, for the log; screens show banner_for(their language)
        self._reason: Callable[[Lang], str] | None = None
        self._last_fired: float | None = None
        # When the latest change happened by the data's own clock (the node's timestamps over
        # MQTT): every box of a fleet computes the same moment from the same samples.
        self.changed_at = 0.0
        self._fired_at = 0.0
        self._source = config.when.stream.partition(".")[0]

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def title(self) -> str:
        """The ``title:`` staff gave, else the name with spaces (``Escalated to execs``)."""
        return self.config.title or self.name.replace("_", " ")

    def banner_for(self, words: Lang) -> str:
        """The banner in a screen's language: the title and why it fired."""
        if self._reason is None:
            return self.title
        return f"{self.title} · {self._reason(words)}"

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
            self._fired_at = sample.at if sample is not None else now
            self._reason = reason
            self.banner = f"{self.title} · {reason(ENGLISH)}"
        held = self._last_fired is not None and now - self._last_fired < self.config.hold
        self.active = held
        if self.active != before[0]:
            log.warning(
                "takeover %s %s: %s",
                self.name,
                "starts" if self.active else "ends",
                self.banner if self.active else f"clear for {self.config.hold:g} s",
            )
        changed = (self.active, self.banner) != before
        if changed:
            self.changed_at = self._fired_at if self.active else self._fired_at + self.config.hold
        return changed

    def _firing(self, value: object) -> Callable[[Lang], str] | None:
        when = self.config.when
        if isinstance(value, Metric):
            figure = value.value
            if not math.isfinite(figure):
                return None
            label, unit, below, above = (
                value.label or when.stream,
                value.unit,
                when.below,
                when.above,
            )
            past_below = below is not None and figure < below
            if not past_below and not (above is not None and figure > above):
                return None
            if self.config.title:  # the title says what it is; the stream's name is for the layout
                return lambda w: w.compact(figure) + unit
            if below is not None and past_below:
                return lambda w: w._(
                    "{label} {value} (below {bound})",
                    label=label,
                    value=w.compact(figure) + unit,
                    bound=w.compact(below) + unit,
                )
            assert above is not None
            return lambda w: w._(
                "{label} {value} (above {bound})",
                label=label,
                value=w.compact(figure) + unit,
                bound=w.compact(above) + unit,
            )
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
            names, others = ", ".join(alert.drivers[:3]), len(alerts) - 1

            def text(w: Lang) -> str:
                parts = [alert.title]
                if names:
                    parts.append(w._("driven by {names}", names=names))
                if others:
                    parts.append(w.n_("+{count} more alert", "+{count} more alerts", others))
                return " · ".join(parts)

            return text
        return None
