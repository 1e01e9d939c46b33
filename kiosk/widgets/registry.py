"""Widget types by their layout ``type:`` name, and how a page makes one."""

from __future__ import annotations

import importlib

from PySide6.QtWidgets import QWidget

from kiosk.analytics.moderation import Moderator
from kiosk.config.widgets import WidgetOptions
from kiosk.control.moderation_queue import ModerationQueue
from kiosk.hub import Hub
from kiosk.widgets.base import KioskWidget
from kiosk.widgets.theme import Style

WIDGETS: dict[str, str] = {
    "timeseries": "kiosk.widgets.timeseries:TimeseriesWidget",
    "kpi": "kiosk.widgets.kpi:KpiWidget",
    "ticker": "kiosk.widgets.ticker:TickerWidget",
    "text": "kiosk.widgets.text:TextWidget",
    "share_of_voice": "kiosk.widgets.share_of_voice:ShareOfVoiceWidget",
    "leaderboard": "kiosk.widgets.leaderboard:LeaderboardWidget",
    "alert_banner": "kiosk.widgets.alert_banner:AlertBannerWidget",
    "gauge": "kiosk.widgets.gauge:GaugeWidget",
    "geo_map": "kiosk.widgets.geo_map:GeoMapWidget",
    "heatmap": "kiosk.widgets.heatmap:HeatmapWidget",
    "image": "kiosk.widgets.image:ImageWidget",
    "post_wall": "kiosk.widgets.post_wall:PostWallWidget",
    "clock": "kiosk.widgets.clock:ClockWidget",
    "countdown": "kiosk.widgets.clock:CountdownWidget",
    "word_cloud": "kiosk.widgets.word_cloud:WordCloudWidget",
}
"""Each type's class as ``module:class``, imported when a page first shows the type: a wall
loads only the widgets its layout uses (issue #14's 1080p screen, six types of fifteen: PSS
0.7 MB less)."""


def widget_class(type_name: str) -> type[KioskWidget]:
    """The class of the widget ``type:`` ``type_name`` (imported on first use)."""
    module, _, name = WIDGETS[type_name].partition(":")
    found: type[KioskWidget] = getattr(importlib.import_module(module), name)
    return found


def create_widget(
    options: WidgetOptions,
    hub: Hub,
    style: Style,
    parent: QWidget | None = None,
    *,
    public: bool = False,
    moderator: Moderator | None = None,
    approvals: ModerationQueue | None = None,
) -> KioskWidget:
    """The widget for ``options``, bound to its stream (validated layouts only name real ones).

    On a ``public`` screen, or with ``moderate: true``, the widget shows only what ``moderator``
    (by default the bundled rules) allows; with ``approvals``, only the posts a person approved
    (when the layout's moderation.approval is on), and never a post staff hid, on any screen.
    """
    moderated = public or bool(getattr(options, "moderate", False))
    data = options.stream
    if moderated and approvals is not None and data:
        data = approvals.public_stream(data)  # the approved posts of a mention stream
    stream = hub.view(data) if data else None
    widget = widget_class(options.type)(options, stream, style, parent)
    widget.public = public  # plain words for visitors (no "vs previous", no "pts")
    for option in options.more_streams:
        named = getattr(options, option, None)
        if isinstance(named, str):
            widget.more_streams[option] = hub.view(named)
    if moderated and approvals is not None:
        widget.moderate_with(approvals.allow, approvals.allow_text)
    elif moderated:
        moderator = moderator or Moderator()
        widget.moderate_with(moderator.allow, moderator.allow_text)
    if approvals is not None:
        widget.hide_posts(approvals.is_hidden)
    return widget
