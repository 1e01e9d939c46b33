"""Widget types by their layout ``type:`` name, and how a page makes one."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from kiosk.analytics.moderation import Moderator
from kiosk.config.widgets import WidgetOptions
from kiosk.control.moderation_queue import ModerationQueue
from kiosk.hub import Hub
from kiosk.widgets.alert_banner import AlertBannerWidget
from kiosk.widgets.base import KioskWidget
from kiosk.widgets.clock import ClockWidget, CountdownWidget
from kiosk.widgets.gauge import GaugeWidget
from kiosk.widgets.geo_map import GeoMapWidget
from kiosk.widgets.heatmap import HeatmapWidget
from kiosk.widgets.image import ImageWidget
from kiosk.widgets.kpi import KpiWidget
from kiosk.widgets.leaderboard import LeaderboardWidget
from kiosk.widgets.post_wall import PostWallWidget
from kiosk.widgets.share_of_voice import ShareOfVoiceWidget
from kiosk.widgets.text import TextWidget
from kiosk.widgets.theme import Style
from kiosk.widgets.ticker import TickerWidget
from kiosk.widgets.timeseries import TimeseriesWidget
from kiosk.widgets.word_cloud import WordCloudWidget

WIDGETS: dict[str, type[KioskWidget]] = {
    "timeseries": TimeseriesWidget,
    "kpi": KpiWidget,
    "ticker": TickerWidget,
    "text": TextWidget,
    "share_of_voice": ShareOfVoiceWidget,
    "leaderboard": LeaderboardWidget,
    "alert_banner": AlertBannerWidget,
    "gauge": GaugeWidget,
    "geo_map": GeoMapWidget,
    "heatmap": HeatmapWidget,
    "image": ImageWidget,
    "post_wall": PostWallWidget,
    "clock": ClockWidget,
    "countdown": CountdownWidget,
    "word_cloud": WordCloudWidget,
}


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
    widget = WIDGETS[options.type](options, stream, style, parent)
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
