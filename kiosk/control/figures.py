"""What the wall measures of itself, for ``/metrics`` and the status (kiosk.control.metrics
writes it in Prometheus's format, importing prometheus_client only when asked)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class WallFigures:
    """What the wall measures of itself at one moment.

    Attributes:
        screens: every layout screen (a span's panels each) → on a monitor now.
        data_age: source → seconds since it last delivered or confirmed data (None: never).
        source_ok: source → its state is ok.
        frame_interval_p99: seconds between ticker frames, 99th percentile over the last minute
            (None: no ticker on screen in that minute).
        uptime: seconds since the process started.
        unclean_starts: starts in the supervisor's crash window that did not end cleanly (None:
            not started by ``kiosk session``).
    """

    screens: Mapping[str, bool]
    data_age: Mapping[str, float | None]
    source_ok: Mapping[str, bool]
    frame_interval_p99: float | None
    uptime: float
    unclean_starts: int | None
