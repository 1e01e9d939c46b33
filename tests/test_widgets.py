"""Widgets: data, no data, extreme data, staleness, coalescing, and the ticker's motion."""

from __future__ import annotations

import dataclasses
import math
import sys
import time
from collections.abc import Callable
from datetime import UTC
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QAbstractAnimation, QCoreApplication, QEvent, QRectF, QSize
from PySide6.QtGui import QFontMetrics, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from kiosk.config import Theme
from kiosk.config.widgets import (
    WIDGET_OPTIONS,
    KpiOptions,
    LeaderboardOptions,
    ShareOfVoiceOptions,
    TextOptions,
    TickerOptions,
    TimeseriesOptions,
    WidgetOptions,
)
from kiosk.hub import Hub, SourceState
from kiosk.values import Breakdown, Kind, Mention, Metric, RankEntry, Ranking, TimeSeries
from kiosk.widgets import ticker as ticker_module
from kiosk.widgets.base import KioskWidget
from kiosk.widgets.frames import wall_clock
from kiosk.widgets.registry import WIDGETS, create_widget, widget_class
from kiosk.widgets.theme import BrandColours, Style
from kiosk.widgets.timeseries import TimeseriesWidget
from tests import pictures

NOW = 1_790_000_000.0
SIZE = {
    "timeseries": (1260, 520),
    "kpi": (620, 250),
    "ticker": (1900, 110),
    "text": (620, 250),
    "share_of_voice": (620, 520),
    "leaderboard": (780, 400),
    "clock": (900, 250),
    "countdown": (620, 250),
    "gauge": (460, 460),
    "post_wall": (900, 700),
    "word_cloud": (900, 560),
}


class FakeClock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def hub(clock: FakeClock) -> Hub:
    hub = Hub(clock=clock)
    for name, kind in {
        "s.volume": Kind.SERIES,
        "s.rate": Kind.METRIC,
        "s.mentions": Kind.MENTIONS,
        "s.note": Kind.TEXT,
        "s.share": Kind.BREAKDOWN,
        "s.tags": Kind.RANKING,
    }.items():
        hub.declare(name, kind)
    return hub


@pytest.fixture(autouse=True)
def _style(qapp: object) -> None:
    # Fonts need the QApplication, so the shared style is made once it exists.
    global STYLE
    STYLE = Style.for_screen(Theme(brands={"Acme": "#4f8cff"}), 1920, 1080)


STYLE: Style


def make(qtbot: QtBot, hub: Hub, options: WidgetOptions) -> KioskWidget:
    widget = create_widget(options, hub, STYLE)
    qtbot.addWidget(widget)
    widget.resize(*SIZE[options.type])
    widget.show()
    return widget


def ink(widget: KioskWidget) -> float:
    """Share of sampled pixels (every 4th, 20 px in from the edges) that differ from the panel
    colour."""
    drawn = pictures.ink(widget.grab().toImage(), STYLE.panel)[20:-20:4, 20:-20:4]
    return float(drawn.mean()) if drawn.size else 0.0


def series(points: int = 60, labels: tuple[str, ...] = ("Acme", "Globex")) -> TimeSeries:
    start = NOW - points * 60
    values = np.abs(np.sin(np.arange(points * len(labels)))).reshape(len(labels), points) * 500
    return TimeSeries(labels, start, 60.0, values)


def mention(i: int, text: str = "Great service today", sentiment: float = 0.6) -> Mention:
    """A post; its number is in the text, so posts are not folded as reposts of each other."""
    text = f"{text} ({i})"
    return Mention(f"m{i}", NOW, "Acme", text, "en", "x", f"Author {i}", f"a{i}", 10, sentiment)


OPTIONS: dict[str, WidgetOptions] = {
    "timeseries": TimeseriesOptions(at=(0, 0, 8, 4), data="s.volume", title="Mentions"),
    "kpi": KpiOptions(at=(0, 0, 4, 2), data="s.rate", title="Mentions per minute"),
    "ticker": TickerOptions(at=(0, 7, 12, 1), data="s.mentions"),
    "text": TextOptions(at=(0, 0, 4, 2), data="s.note"),
    "share_of_voice": ShareOfVoiceOptions(at=(0, 0, 4, 4), data="s.share", title="Share"),
    "leaderboard": LeaderboardOptions(at=(0, 0, 5, 3), data="s.tags", title="Top hashtags"),
}
PUBLISH: dict[str, Callable[[Hub], None]] = {
    "timeseries": lambda hub: hub.publish("s.volume", series()),
    "kpi": lambda hub: hub.publish("s.rate", Metric(1234, 1000, (1, 5, 3, 8), "/min")),
    "ticker": lambda hub: hub.append("s.mentions", [mention(i) for i in range(5)]),
    "text": lambda hub: hub.publish("s.note", "Press conference at 15:00"),
    "share_of_voice": lambda hub: hub.publish("s.share", Breakdown((("Acme", 60), ("Globex", 40)))),
    "leaderboard": lambda hub: hub.publish(
        "s.tags", Ranking((RankEntry("#a", 30, 1), RankEntry("#b", 20, 0), RankEntry("#c", 5)))
    ),
}


def test_every_layout_widget_type_has_a_qt_class() -> None:
    assert set(WIDGETS) == set(WIDGET_OPTIONS)
    for kind in WIDGETS:  # each "module:class" names a widget class
        assert issubclass(widget_class(kind), KioskWidget), kind


@pytest.mark.parametrize("kind", sorted(OPTIONS))
def test_widget_waits_visibly_then_draws_its_data(qtbot: QtBot, hub: Hub, kind: str) -> None:
    widget = make(qtbot, hub, OPTIONS[kind])
    assert widget.sample is None
    assert widget.placeholder_text() == f"Waiting for {OPTIONS[kind].data}…"
    empty = ink(widget)
    assert empty > 0.001  # the placeholder text is drawn, not a blank panel
    PUBLISH[kind](hub)
    widget.refresh()
    assert widget.sample is not None and widget.render_count == 1
    assert ink(widget) > empty


def test_a_text_widget_without_a_stream_shows_its_text(qtbot: QtBot, hub: Hub) -> None:
    widget = make(qtbot, hub, TextOptions(at=(0, 0, 4, 2), text="Welcome to the war room"))
    assert widget.shown_text() == "Welcome to the war room"
    assert ink(widget) > 0.01


def test_many_updates_between_refreshes_render_once(qtbot: QtBot, hub: Hub) -> None:
    widget = make(qtbot, hub, OPTIONS["kpi"])
    for value in range(5000):
        hub.publish("s.rate", Metric(value))
    widget.refresh()
    widget.refresh()
    assert widget.render_count == 1
    assert widget.sample is not None and widget.sample.value.value == 4999


def test_refresh_runs_only_while_visible(qtbot: QtBot, hub: Hub) -> None:
    widget = make(qtbot, hub, OPTIONS["kpi"])
    assert widget.refreshing
    widget.hide()
    assert not widget.refreshing


def test_stale_data_dims_the_widget_and_says_since_when(
    qtbot: QtBot, hub: Hub, clock: FakeClock
) -> None:
    widget = make(qtbot, hub, OPTIONS["kpi"].model_copy(update={"stale_after": 60.0}))
    PUBLISH["kpi"](hub)
    widget.refresh()
    fresh = widget.grab().toImage()
    assert widget.freshness_text() == "updated 1s ago"  # CLDR: at least 1 s
    clock.now += 61
    widget.refresh()
    assert widget.is_stale and widget.veil.isVisible()
    assert widget.freshness_text().startswith("no data since ")
    assert widget.grab().toImage() != fresh
    hub.publish("s.rate", Metric(5))
    widget.refresh()
    assert not widget.is_stale and not widget.veil.isVisible()


def test_a_failed_source_marks_its_widgets_stale(qtbot: QtBot, hub: Hub) -> None:
    widget = make(qtbot, hub, OPTIONS["kpi"])
    PUBLISH["kpi"](hub)
    widget.refresh()
    hub.set_status("s", SourceState.FAILED, "connection refused")
    widget.refresh()
    assert widget.is_stale


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("timeseries", series(points=10_000)),
        ("timeseries", TimeSeries(("Acme",), NOW, 60.0, np.zeros((1, 0)))),
        ("timeseries", TimeSeries(("Acme",), NOW - 600, 60.0, np.full((1, 10), np.nan))),
        ("kpi", Metric(123_456_789_012, 1, (math.nan, math.inf, 1e12))),
        ("kpi", Metric(math.nan, math.nan)),
        ("kpi", Metric(-0.0001, 0.0)),
        ("text", "مرحبا بالعالم — שלום עולם — 👋🌍 " * 20),
        ("share_of_voice", Breakdown(())),
        ("share_of_voice", Breakdown((("Acme", 0.0), ("Globex", math.nan), ("x" * 200, -5.0)))),
        ("share_of_voice", Breakdown(tuple((f"brand {i}", float(i)) for i in range(40)))),
        ("leaderboard", Ranking(())),
        ("leaderboard", Ranking(tuple(RankEntry("🔥" * 80, 1e12 - i, i) for i in range(30)))),
        ("leaderboard", Ranking((RankEntry("#nan", math.nan), RankEntry("#neg", -3.0)))),
    ],
)
def test_extreme_values_draw_without_errors(
    qtbot: QtBot, hub: Hub, kind: str, value: object
) -> None:
    widget = make(qtbot, hub, OPTIONS[kind])
    stream = OPTIONS[kind].data
    assert stream is not None
    hub.publish(stream, value)
    widget.refresh()
    assert widget.sample is not None and widget.sample.value is value
    widget.grab()
    widget.resize(0, 0)
    widget.grab()


def test_extreme_posts_scroll_without_errors(qtbot: QtBot, hub: Hub) -> None:
    widget = make(qtbot, hub, OPTIONS["ticker"])
    posts = [
        mention(1, "x" * 300),
        mention(2, "🔥🔥🔥 emoji only 🚆❌ " * 10),
        mention(3, "القطارات ملغاة اليوم في المحطة"),
        mention(4, "הרכבת בוטלה שוב"),
        mention(5, ""),
        mention(6, "nan sentiment", sentiment=math.nan),
    ]
    hub.append("s.mentions", posts)
    widget.refresh()
    widget.grab()
    assert len(widget.queue) + len(widget.items) == 6


def test_wrong_kind_of_value_keeps_the_last_good_picture(
    qtbot: QtBot, hub: Hub, caplog: pytest.LogCaptureFixture
) -> None:
    widget = make(qtbot, hub, OPTIONS["kpi"])
    PUBLISH["kpi"](hub)
    widget.refresh()
    good = widget.sample
    hub.publish("s.rate", "not a metric")
    widget.refresh()
    hub.publish("s.rate", {"also": "wrong"})
    widget.refresh()
    assert widget.sample is good
    assert len([r for r in caplog.records if "kept its last picture" in r.getMessage()]) == 1


def _shared(pixmap: QPixmap) -> bool:
    """Whether another QPixmap shares ``pixmap``'s pixels (PySide has no ``isDetached``):
    painting on a shared pixmap copies it first, and a copy has a new serial number, the
    upper half of its cache key. Leaves ``pixmap`` unshared."""
    serial = pixmap.cacheKey() >> 32
    QPainter(pixmap).end()
    return pixmap.cacheKey() >> 32 != serial


class TestTicker:
    def make(self, qtbot: QtBot, hub: Hub) -> tuple[object, FakeClock]:
        widget = make(qtbot, hub, OPTIONS["ticker"])
        mono = FakeClock(1000.0)
        widget.clock = mono  # type: ignore[attr-defined]
        return widget, mono

    def test_positions_follow_the_clock_exactly(self, qtbot: QtBot, hub: Hub) -> None:
        widget, mono = self.make(qtbot, hub)
        hub.append("s.mentions", [mention(i) for i in range(3)])
        widget.refresh()
        widget.advance(mono.now)
        before = [x for _, x in widget.positions(mono.now)]
        mono.now += 0.5
        after = [x for _, x in widget.positions(mono.now)]
        assert after == pytest.approx([x - 0.5 * widget.speed for x in before])

    def test_new_data_never_moves_what_is_on_screen(self, qtbot: QtBot, hub: Hub) -> None:
        widget, mono = self.make(qtbot, hub)
        hub.append("s.mentions", [mention(1)])
        widget.refresh()
        widget.advance(mono.now)
        before = [(item.mention.id, x) for item, x in widget.positions(mono.now)]
        hub.append("s.mentions", [mention(i) for i in range(2, 40)])
        widget.refresh()
        widget.advance(mono.now)
        assert [(item.mention.id, x) for item, x in widget.positions(mono.now)][:1] == before

    def test_the_newest_posts_are_shown_and_none_twice(self, qtbot: QtBot, hub: Hub) -> None:
        widget, mono = self.make(qtbot, hub)
        hub.append("s.mentions", [mention(i) for i in range(100)])
        widget.refresh()
        hub.append("s.mentions", [mention(i) for i in range(90, 101)])  # 90–99 again, 100 new
        widget.refresh()
        shown: list[str] = []
        for _ in range(400):
            widget.advance(mono.now)
            shown.extend(item.mention.id for item in widget.items if item.mention.id not in shown)
            mono.now += 0.25
        assert shown[0] == "m99"  # the newest on arrival fills the strip at once
        assert "m100" in shown[1:4]  # a newer post goes next, ahead of the older queue
        assert len(shown) == len(set(shown))
        assert "m0" not in shown  # backlog beyond the queue is skipped, not shown late

    def test_moderation_hook_filters_posts(self, qtbot: QtBot, hub: Hub) -> None:
        widget = make(qtbot, hub, OPTIONS["ticker"].model_copy(update={"moderate": True}))
        hub.append("s.mentions", [mention(1, "fine"), mention(2, "bloody shit trains")])
        widget.refresh()
        queued = [m.id for m in widget.queue] + [i.mention.id for i in widget.items]  # type: ignore[attr-defined]
        assert queued == ["m1"]

    def test_the_tape_slides_by_itself_where_the_clock_puts_it(
        self, qtbot: QtBot, hub: Hub, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """At 60 fps in software no Python runs in a frame: Qt's animation slides the tape.
        The benchmark asks for each frame's time; the tape is where the strip's clock puts it."""
        monkeypatch.setattr(ticker_module, "time_frames", True)
        widget = make(qtbot, hub, OPTIONS["ticker"])
        hub.append("s.mentions", [mention(1)])
        widget.refresh()
        qtbot.waitUntil(lambda: len(widget.frame_times) >= 5, timeout=2000)  # type: ignore[attr-defined]
        tape = widget.tape  # type: ignore[attr-defined]
        assert tape.motion.state() == QAbstractAnimation.State.Running
        intervals = np.diff(list(widget.frame_times))  # type: ignore[attr-defined]
        assert np.median(intervals) < 0.05  # frames, not the steps a post entering makes
        travel = widget.speed * 0.05  # type: ignore[attr-defined]  # three frames' worth
        expected = tape.origin - time.monotonic() * widget.speed  # type: ignore[attr-defined]
        assert abs(tape.x() - expected) <= travel
        widget.hide()
        assert tape.motion.state() == QAbstractAnimation.State.Stopped  # a hidden page: no frames

    def test_without_the_benchmark_a_tape_times_its_frames_in_bursts(
        self, qtbot: QtBot, hub: Hub, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The wall's status and /metrics give each screen's ticker frame interval p99: a tape
        times a burst of its frames now and then (a Python call each), not every frame."""
        monkeypatch.setattr(ticker_module, "TIMED_S", 0.3)
        monkeypatch.setattr(ticker_module, "TIMED_EVERY_S", 0.9)
        widget = make(qtbot, hub, OPTIONS["ticker"])
        hub.append("s.mentions", [mention(1)])
        widget.refresh()
        stamps = widget.frame_times  # type: ignore[attr-defined]
        qtbot.waitUntil(lambda: sum(1 for t in stamps if math.isnan(t)) >= 2, timeout=4000)
        bursts: list[list[float]] = [[]]
        for stamp in stamps:
            if math.isnan(stamp):
                bursts.append([])
            else:
                bursts[-1].append(stamp)
        timed = [burst for burst in bursts if burst]
        assert len(timed) >= 2
        assert all(burst[-1] - burst[0] < 0.45 for burst in timed)  # 0.3 s of frames each
        assert all(np.median(np.diff(burst)) < 0.03 for burst in timed if len(burst) > 3)
        gap = timed[1][0] - timed[0][-1]
        assert 0.45 < gap < 1.0  # then 0.6 s untimed

    def test_a_ticker_fed_while_hidden_slides_once_shown(self, qtbot: QtBot, hub: Hub) -> None:
        """A page is fed before it shows (drawn ahead, or rotated back to): its tape slides from
        when it shows, and stops when it hides, for the wall's frame clock too."""
        widget = create_widget(OPTIONS["ticker"], hub, STYLE)
        qtbot.addWidget(widget)
        widget.resize(*SIZE["ticker"])
        hub.append("s.mentions", [mention(i) for i in range(3)])
        widget.refresh()
        tape = widget.tape  # type: ignore[attr-defined]
        assert tape.motion.state() == QAbstractAnimation.State.Stopped
        widget.show()
        qtbot.waitUntil(lambda: tape.motion.state() == QAbstractAnimation.State.Running)
        assert wall_clock().animated
        assert tape.pictures  # the posts it was fed, on the tape
        widget.hide()
        assert tape.motion.state() == QAbstractAnimation.State.Stopped
        assert tape.motion not in wall_clock()._motions

    @pytest.mark.parametrize("span", [ticker_module.TAPE_SPAN_S, 1.5])
    def test_the_tape_shows_what_the_python_stepped_strip_paints(
        self, qtbot: QtBot, hub: Hub, monkeypatch: pytest.MonkeyPatch, span: float
    ) -> None:
        """The same posts at the same pixels: the tape's picture (Qt painting a band and a picture
        per post) against the strip's own paint of the items at the same clock; also after the
        tape was planned again (a short span here), a post withdrawn and the strip resized."""
        monkeypatch.setattr(ticker_module, "TAPE_SPAN_S", span)
        monkeypatch.setattr(ticker_module, "LEAVE_S", min(ticker_module.LEAVE_S, span / 3))
        widget, mono = self.make(qtbot, hub)
        hub.append("s.mentions", [mention(i, "Trains cancelled at the station") for i in range(6)])
        widget.refresh()
        origins = set()
        for _ in range(200):  # posts leave and enter on the way
            mono.now += 1 / 30
            widget._frame_tick()  # type: ignore[attr-defined]
            origins.add(widget.tape.origin)  # type: ignore[attr-defined]
        assert (len(origins) > 1) == (span < 6)  # planned again, or not, within 6.7 s
        strip = widget.strip  # type: ignore[attr-defined]
        assert len(widget.tape.pictures) == len(widget.items) >= 2  # type: ignore[attr-defined]
        self._same_picture(strip)
        widget.withdraw(widget.items[-1].mention.id)  # type: ignore[attr-defined]
        assert len(widget.tape.pictures) == len(widget.items)  # type: ignore[attr-defined]
        widget.resize(widget.width() - 200, widget.height() + 30)
        mono.now += 1 / 30
        widget._frame_tick()  # type: ignore[attr-defined]
        self._same_picture(strip)

    def test_the_tape_is_as_tall_as_the_posts_and_the_strips_fill_stays(
        self, qtbot: QtBot, hub: Hub
    ) -> None:
        """A frame moves only the rows with type in them: the tape is the posts' band, centred
        on the strip (whose rows above and below are its fill and never move)."""
        widget, mono = self.make(qtbot, hub)
        hub.append("s.mentions", [mention(i, "Trains cancelled at the station") for i in range(4)])
        widget.refresh()
        mono.now += 1 / 30
        widget._frame_tick()  # type: ignore[attr-defined]
        tape, strip = widget.tape, widget.strip  # type: ignore[attr-defined]
        assert tape.height() == widget.band() < 0.7 * strip.height()  # type: ignore[attr-defined]
        assert tape.y() == (strip.height() - tape.height()) // 2
        assert tape.pictures and all(
            tape.rect().contains(picture.geometry()) for _, picture in tape.pictures.values()
        )

    def test_a_post_that_left_the_tape_leaves_no_copy_behind(self, qtbot: QtBot, hub: Hub) -> None:
        """Once a post has left and its picture is gone, nothing holds its pixmap: a QLabel
        showed it through a QIcon, which kept a copy in QPixmapCache (10 MB of posts long
        gone, on every wall with a ticker)."""
        widget, mono = self.make(qtbot, hub)
        hub.append("s.mentions", [mention(i, "Trains cancelled at the station") for i in range(6)])
        widget.refresh()
        mono.now += 1 / 30
        widget._frame_tick()  # type: ignore[attr-defined]
        first = widget.items[0]  # type: ignore[attr-defined]
        widget.strip.grab()  # type: ignore[attr-defined]  # painted, as on screen
        while first in widget.items:  # type: ignore[attr-defined]
            mono.now += 1 / 30
            widget._frame_tick()  # type: ignore[attr-defined]
        widget.strip.grab()  # type: ignore[attr-defined]
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        assert not _shared(first.pixmap)
        assert _shared(widget.items[-1].pixmap)  # type: ignore[attr-defined]  # on the tape

    @staticmethod
    def _same_picture(strip: QWidget) -> None:
        shown = strip.grab().toImage()
        painted = QImage(strip.size() * strip.devicePixelRatioF(), QImage.Format.Format_RGB32)
        painted.setDevicePixelRatio(strip.devicePixelRatioF())
        painter = QPainter(painted)
        strip.paint(painter, strip.rect())
        painter.end()
        assert shown.convertToFormat(QImage.Format.Format_RGB32) == painted

    def test_the_next_post_is_drawn_after_a_frame_not_in_the_one_admitting_it(
        self, qtbot: QtBot, hub: Hub
    ) -> None:
        """A 4K post takes milliseconds to draw: the frame that admits it only places it; it
        was drawn just before, as a job on the frame clock, the same as it would be in the
        frame."""
        widget, mono = self.make(qtbot, hub)
        hub.append("s.mentions", [mention(i) for i in range(6)])
        widget.refresh()  # the strip starts filled: those are drawn at once
        drawn_in: list[str] = []
        draw = widget._draw_item  # type: ignore[attr-defined]

        def traced(post: Mention) -> QPixmap:
            drawn_in.append(sys._getframe(1).f_code.co_name)
            return draw(post)

        widget._draw_item = traced  # type: ignore[attr-defined]
        seen = {item.mention.id for item in widget.items}  # type: ignore[attr-defined]
        first = len(seen)
        for _ in range(1200):  # twenty seconds of frames, the frame clock's jobs after each
            mono.now += 1 / 60
            widget._frame_tick()  # type: ignore[attr-defined]
            if widget._prepare.isActive():  # type: ignore[attr-defined]
                qtbot.waitUntil(lambda: not widget._prepare.isActive(), timeout=1000)  # type: ignore[attr-defined]
            seen |= {item.mention.id for item in widget.items}  # type: ignore[attr-defined]
            if len(seen) >= first + 2:
                break
        assert len(seen) >= first + 2
        assert drawn_in and set(drawn_in) == {"_prepare_next"}
        last = widget.items[-1]  # type: ignore[attr-defined]
        fresh = draw(last.mention)
        assert fresh.toImage() == last.pixmap.toImage()

    def test_frames_only_scroll_until_a_post_leaves_or_enters(self, qtbot: QtBot, hub: Hub) -> None:
        """A frame does the strip's bookkeeping only when it is due, yet the posts on it are
        those a ticker doing it every frame has, at the same places, frame after frame."""
        lazy, mono = self.make(qtbot, hub)
        eager, _ = self.make(qtbot, hub)
        eager.clock = mono  # type: ignore[attr-defined]
        calls = 0
        advance = lazy.advance  # type: ignore[attr-defined]

        def counted(now: float) -> bool:
            nonlocal calls
            calls += 1
            return bool(advance(now))

        lazy.advance = counted  # type: ignore[attr-defined]
        frames = 0
        for batch in range(4):  # posts keep coming while the strip scrolls
            hub.append("s.mentions", [mention(10 * batch + i) for i in range(3)])
            for widget in (lazy, eager):
                widget.refresh()
            for _ in range(300):
                mono.now += 1 / 60
                frames += 1
                lazy._frame_tick()  # type: ignore[attr-defined]
                eager.advance(mono.now)  # type: ignore[attr-defined]
                assert [(i.mention.id, i.entered) for i in lazy.items] == [  # type: ignore[attr-defined]
                    (i.mention.id, i.entered)
                    for i in eager.items  # type: ignore[attr-defined]
                ]
        assert len({item.mention.id for item in eager.items}) >= 2  # type: ignore[attr-defined]
        assert calls < frames / 10, f"{calls} advances in {frames} frames"

    def test_scrolled_pixels_match_freshly_painted_ones(self, qtbot: QtBot, hub: Hub) -> None:
        widget, mono = self.make(qtbot, hub)
        hub.append("s.mentions", [mention(i, "Trains cancelled at the station") for i in range(3)])
        widget.refresh()
        for _ in range(30):  # scroll frame by frame
            mono.now += 1 / 60
            widget._frame_tick()
            widget.strip.repaint()
        scrolled = widget.strip.grab().toImage()
        widget.strip.update()  # the same frame, painted whole
        widget.strip.repaint()
        assert widget.strip.grab().toImage() == scrolled


def test_a_brand_has_one_colour_on_every_screen() -> None:
    four_k = Style.for_screen(Theme(), 3840, 2160)
    portrait = Style.for_screen(Theme(name="light"), 1080, 1920)
    for brand in ("Initech", "Umbrella", "Hooli"):
        assert (
            four_k.brand_colour(brand) == portrait.brand_colour(brand) == STYLE.brand_colour(brand)
        )
    assert STYLE.brand_colour("Acme").name() == "#4f8cff"
    fresh = BrandColours()  # the shared one may have handed out its palette in earlier tests
    assert len({fresh.colour(b, {}).name() for b in ("Initech", "Umbrella", "Hooli")}) == 3
    assert fresh.colour("Acme", {"Acme": "#4f8cff"}).name() == "#4f8cff"


def test_type_scales_with_the_screen() -> None:
    assert Style.for_screen(Theme(), 3840, 2160).px(40) == 80
    assert Style.for_screen(Theme(), 1080, 1920).px(40) == 40
    assert Style.for_screen(Theme(scale=1.5), 1920, 1080).px(40) == 60


@pytest.mark.parametrize(
    ("highest", "scale"),
    [(0, (1.0, 4)), (7, (8.0, 4)), (1100, (1250.0, 5)), (2900, (3000.0, 3)), (math.nan, (1.0, 4))],
)
def test_the_value_axis_ends_on_a_round_number(highest: float, scale: tuple[float, int]) -> None:
    from kiosk.widgets.timeseries import nice_scale

    assert nice_scale(highest) == scale


def test_share_of_voice_is_shares_of_the_total(qtbot: QtBot, hub: Hub) -> None:
    widget = make(qtbot, hub, OPTIONS["share_of_voice"])
    hub.publish("s.share", Breakdown((("Acme", 30), ("Globex", 10), ("Bad", math.nan))))
    widget.refresh()
    assert widget.shares() == [("Acme", 0.75), ("Globex", 0.25), ("Bad", 0.0)]
    bar = make(qtbot, hub, OPTIONS["share_of_voice"].model_copy(update={"shape": "bar"}))
    bar.refresh()
    assert ink(bar) > 0.05


def test_leaderboard_shows_rank_moves(qtbot: QtBot, hub: Hub) -> None:
    widget = make(qtbot, hub, OPTIONS["leaderboard"].model_copy(update={"limit": 2}))
    PUBLISH["leaderboard"](hub)
    widget.refresh()
    rows = widget.rows()
    assert [e.label for e in rows] == ["#a", "#b"]
    assert [widget.change(i, e)[0] for i, e in enumerate(rows)] == ["▲ 1", "▼ 1"]
    assert widget.change(2, RankEntry("#c", 5))[0] == "NEW"
    assert widget.change(2, RankEntry("#c", 5, 2))[0] == "–"


def test_a_schedule_ranking_shows_no_values_bars_or_moves(qtbot: QtBot, hub: Hub) -> None:
    """A calendar's events are ordered by start time; printed as values they read "1.8B"."""
    widget = make(qtbot, hub, OPTIONS["leaderboard"])
    events = (RankEntry("Launch", 1.79e9, None, "14:00"), RankEntry("Review", 1.8e9, None, "16:00"))

    def right_edge_ink(amounts: bool) -> int:
        hub.publish("s.tags", Ranking(events, amounts=amounts))
        widget.refresh()
        image = widget.grab().toImage()
        panel = STYLE.panel.rgb() & 0xFFFFFF
        width, height = image.width(), image.height()
        return sum(
            (image.pixel(x, y) & 0xFFFFFF) != panel
            for x in range(int(width * 0.8), width - 4, 2)
            for y in range(int(height * 0.3), height - 4, 2)
        )

    assert right_edge_ink(True) > 0  # "1.8B" and "NEW" where values are amounts
    assert right_edge_ink(False) == 0


def test_world_clock_shows_each_zone(qtbot: QtBot, hub: Hub) -> None:
    from kiosk.config.widgets import ClockOptions

    options = ClockOptions(
        at=(0, 0, 6, 2), zones=["Europe/Paris", "America/New_York"], labels=["Paris"]
    )
    widget = make(qtbot, hub, options)
    widget.clock = lambda: 1_790_000_000.0  # 2026-09-21 14:13:20 UTC
    assert widget.lines() == [("16:13", "Paris"), ("10:13", "New York")]
    assert ink(widget) > 0.01


def test_countdown_counts_down_then_says_done(qtbot: QtBot, hub: Hub) -> None:
    from datetime import datetime

    from kiosk.config.widgets import CountdownOptions

    until = datetime(2026, 9, 21, 16, 0, tzinfo=UTC)
    widget = make(qtbot, hub, CountdownOptions(at=(0, 0, 4, 2), until=until, done="Kick-off!"))
    widget.clock = lambda: until.timestamp() - 3723
    assert widget.lines()[0][0] == "01:02:03"
    widget.clock = lambda: until.timestamp() - 2 * 86400 - 60
    assert widget.lines()[0][0] == "2 days 00:01"
    widget.clock = lambda: until.timestamp() + 1
    assert widget.lines()[0][0] == "Kick-off!"


def test_a_countdown_is_in_the_rooms_time_zone_and_names_it(qtbot: QtBot, hub: Hub) -> None:
    """The mini-PC often runs on UTC: "20:00" in a Paris room's layout is 20:00 in Paris."""
    from datetime import datetime

    from kiosk.config.widgets import CountdownOptions

    options = CountdownOptions(
        at=(0, 0, 4, 2), until=datetime(2026, 12, 1, 20, 0), timezone="Europe/Paris"
    )
    widget = make(qtbot, hub, options)
    kick_off = datetime(2026, 12, 1, 19, 0, tzinfo=UTC).timestamp()  # 20:00 CET
    widget.clock = lambda: kick_off - 3600
    assert widget.lines() == [("01:00:00", "Dec 1 20:00 CET")]  # CLDR English day and month


def test_an_unknown_time_zone_is_a_layout_error() -> None:
    from kiosk.config import LayoutError, parse_layout

    with pytest.raises(LayoutError, match="'Europe/Pariss' is not a time zone"):
        parse_layout(
            "screens: [{name: a, match: {any: true}, pages: [{title: P, widgets: "
            "[{type: clock, at: [0, 0, 2, 2], zones: [Europe/Pariss]}]}]}]"
        )


def test_thresholds_colour_a_figure_by_its_band() -> None:
    from kiosk.config.widgets import KpiOptions as Options

    steps = Options(
        at=(0, 0, 2, 2),
        data="s.rate",
        thresholds=[{"above": 95, "colour": "good"}, {"above": 0, "colour": "bad"}],
    ).thresholds
    assert [s.above for s in steps] == [0, 95]  # sorted, whatever the order written
    assert STYLE.threshold_colour(-1, steps) is None
    assert STYLE.threshold_colour(50, steps) == STYLE.negative
    assert STYLE.threshold_colour(96.5, steps) == STYLE.positive
    custom = Options(at=(0, 0, 2, 2), thresholds=[{"above": 1, "colour": "#123456"}]).thresholds
    assert STYLE.threshold_colour(2, custom).name() == "#123456"


def test_gauge_places_the_value_between_min_and_max(qtbot: QtBot, hub: Hub) -> None:
    from kiosk.config.widgets import GaugeOptions

    options = GaugeOptions(
        at=(0, 0, 3, 3),
        data="s.rate",
        title="Answered within 1 h",
        min=50,
        max=100,
        unit="%",
        thresholds=[{"above": 50, "colour": "bad"}, {"above": 95, "colour": "good"}],
    )
    widget = make(qtbot, hub, options)
    assert [widget.fraction(v) for v in (40, 75, 100, 120, math.nan)] == [0, 0.5, 1, 1, 0]
    empty = ink(widget)
    hub.publish("s.rate", Metric(96.0))
    widget.refresh()
    assert ink(widget) > empty


def test_a_gauge_needs_max_above_min() -> None:
    from kiosk.config.widgets import GaugeOptions

    with pytest.raises(ValueError, match="max"):
        GaugeOptions(at=(0, 0, 1, 1), data="s.rate", min=5, max=5)


class TestPostWall:
    def make(self, qtbot: QtBot, hub: Hub) -> tuple[object, FakeClock]:
        from kiosk.config.widgets import PostWallOptions

        hub.declare("s.posts", Kind.MENTIONS)
        options = PostWallOptions(at=(0, 0, 6, 6), data="s.posts", every=4.0)
        widget = create_widget(options, hub, STYLE)
        qtbot.addWidget(widget)
        widget.resize(900, 700)
        widget.show()
        mono = FakeClock(500.0)
        widget.clock = mono  # type: ignore[attr-defined]
        return widget, mono

    def test_a_new_card_at_most_every_few_seconds(self, qtbot: QtBot, hub: Hub) -> None:
        widget, mono = self.make(qtbot, hub)
        hub.append("s.posts", [mention(i) for i in range(10)])
        widget.refresh()
        assert [m.id for m, _ in widget.cards] == ["m9"]
        hub.append("s.posts", [mention(10)])
        widget.refresh()
        assert len(widget.cards) == 1  # too soon
        mono.now += 4.0
        widget.refresh()
        assert [m.id for m, _ in widget.cards] == ["m10", "m9"]

    def test_influencers_go_first_but_not_twice_in_a_row(self, qtbot: QtBot, hub: Hub) -> None:
        widget, mono = self.make(qtbot, hub)
        star = Mention("star", NOW, "Acme", "Big news", "en", "x", "Star", "star", 2_000_000, 0.5)
        star2 = Mention("star2", NOW, "Acme", "More", "en", "x", "Star", "star", 2_000_000, 0.5)
        hub.append("s.posts", [star, star2, mention(1), mention(2)])
        widget.refresh()
        mono.now += 4
        widget.refresh()
        mono.now += 4
        widget.refresh()
        assert [m.id for m, _ in widget.cards] == ["star", "m2", "star2"]

    def test_the_slide_is_a_function_of_time_and_stops(self, qtbot: QtBot, hub: Hub) -> None:
        widget, mono = self.make(qtbot, hub)
        hub.append("s.posts", [mention(1)])
        widget.refresh()
        assert widget.slide(mono.now) == 0.0
        assert 0 < widget.slide(mono.now + 0.2) < widget.slide(mono.now + 0.4) < 1
        assert widget.slide(mono.now + 5) == 1.0
        mono.now += 5
        assert ink(widget) > 0.01

    def test_a_slide_scrolled_frame_by_frame_ends_as_a_full_repaint(
        self, qtbot: QtBot, hub: Hub
    ) -> None:
        """Frames of the slide move pixels and paint only the strip that comes into view; what
        is on screen after the slide must be exactly what a full repaint draws."""
        widget, mono = self.make(qtbot, hub)
        qtbot.waitExposed(widget)
        hub.append("s.posts", [mention(i) for i in range(3)])
        for _ in range(3):
            widget.refresh()
            for _ in range(40):  # the slide, 25 ms of clock per frame
                mono.now += 0.025
                qtbot.wait(5)
            mono.now += 4
            hub.append("s.posts", [mention(int(mono.now))])
        assert len(widget.cards) >= 2
        qtbot.wait(20)
        screen = widget.screen()
        on_screen = screen.grabWindow(widget.winId()).toImage()
        fresh = widget.grab().toImage()
        formats = QImage.Format.Format_RGB32
        assert on_screen.convertToFormat(formats) == fresh.convertToFormat(formats)


def test_extreme_posts_make_cards_without_errors(qtbot: QtBot, hub: Hub) -> None:
    from kiosk.config.widgets import PostWallOptions

    hub.declare("s.posts", Kind.MENTIONS)
    widget = create_widget(
        PostWallOptions(at=(0, 0, 6, 6), data="s.posts", every=0.001), hub, STYLE
    )
    qtbot.addWidget(widget)
    widget.resize(900, 700)
    widget.show()
    posts = ["x" * 300, "🔥🚆❌ " * 40, "القطارات ملغاة اليوم في المحطة", "הרכבת בוטלה שוב", ""]
    for index, text in enumerate(posts):
        hub.append("s.posts", [mention(index, text, sentiment=math.nan if index else 0.9)])
        widget.refresh()
        widget._last_card -= 1  # type: ignore[attr-defined]
    assert len(widget.cards) == 5  # type: ignore[attr-defined]
    widget.grab()
    widget.resize(0, 0)
    widget.grab()


def test_heatmap_shades_cells_and_refuses_mislabelled_grids(
    qtbot: QtBot, hub: Hub, caplog: pytest.LogCaptureFixture
) -> None:
    from kiosk.config.widgets import HeatmapOptions
    from kiosk.values import Matrix

    hub.declare("s.grid", Kind.MATRIX)
    widget = create_widget(HeatmapOptions(at=(0, 0, 6, 3), data="s.grid"), hub, STYLE)
    qtbot.addWidget(widget)
    widget.resize(900, 400)
    widget.show()
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    hours = tuple(f"{h:02d}" for h in range(24))
    values = np.arange(7 * 24, dtype=np.float64).reshape(7, 24)
    values[0, 0] = np.nan
    hub.publish("s.grid", Matrix(days, hours, values))
    widget.refresh()
    assert ink(widget) > 0.2
    assert widget.shade(0).name() != widget.shade(1).name() == STYLE.accent.name()
    good = widget.sample
    hub.publish("s.grid", Matrix(days, hours[:3], values))
    widget.refresh()
    assert widget.sample is good  # 7×24 values under 7×3 labels: refused, last picture kept


def test_alert_banner_is_invisible_when_quiet_and_loud_when_firing(qtbot: QtBot, hub: Hub) -> None:
    from kiosk.config.widgets import AlertBannerOptions
    from kiosk.values import Alert

    hub.declare("s.alerts", Kind.ALERTS)
    widget = create_widget(AlertBannerOptions(at=(0, 6, 12, 1), data="s.alerts"), hub, STYLE)
    qtbot.addWidget(widget)
    widget.resize(1800, 110)
    widget.show()
    hub.publish("s.alerts", ())
    widget.refresh()
    quiet = widget.grab().toImage()
    colours = {quiet.pixel(x, y) for x in range(0, 1800, 25) for y in range(0, 110, 10)}
    assert len(colours) == 1  # no panel, no text: the page shows through
    alert = Alert("spike:Acme", "critical", "Acme mentions 4.2× normal", NOW, ("#AcmeDown",))
    hub.publish("s.alerts", (alert,))
    widget.refresh()
    assert widget.text(alert).endswith("driven by #AcmeDown")
    assert ink(widget) > 0.5  # the whole bar in the severity's colour


def test_image_fits_its_cell(qtbot: QtBot, hub: Hub, tmp_path: Path) -> None:
    from kiosk.config.widgets import ImageOptions

    logo = Path(__file__).resolve().parent.parent / "layouts" / "assets" / "logo.svg"
    png = tmp_path / "photo.png"
    picture = QImage(400, 100, QImage.Format.Format_RGB32)
    picture.fill(0xFF3366CC)
    assert picture.save(str(png))
    for path in (logo, png):
        widget = create_widget(ImageOptions(at=(0, 0, 2, 2), path=path), hub, STYLE)
        qtbot.addWidget(widget)
        widget.resize(300, 300)
        widget.show()
        assert ink(widget) > 0.05, path.name
    contain = ImageOptions(at=(0, 0, 2, 2), path=png)
    widget = create_widget(contain, hub, STYLE)
    qtbot.addWidget(widget)
    assert widget._fit(400, 100, QSize(200, 200)).height() == 50  # type: ignore[attr-defined]
    cover = create_widget(contain.model_copy(update={"fit": "cover"}), hub, STYLE)
    qtbot.addWidget(cover)
    assert cover._fit(400, 100, QSize(200, 200)).width() == 800  # type: ignore[attr-defined]


def test_a_missing_image_file_is_a_layout_error() -> None:
    # Kept apart from the widget test on purpose: a caught exception's traceback keeps the
    # test's widgets alive past qtbot's teardown, and the next pyqtgraph test then segfaulted
    # (reproduced 3/3 with the two tests in one function; 0 crashes when split).
    from kiosk.config import LayoutError, parse_layout

    with pytest.raises(LayoutError, match="no image file at"):
        parse_layout(
            "screens: [{name: a, match: {any: true}, pages: [{title: P, widgets: "
            "[{type: image, at: [0, 0, 2, 2], path: nowhere.png}]}]}]"
        )


def test_markdown_text_is_drawn(qtbot: QtBot, hub: Hub) -> None:
    options = TextOptions(at=(0, 0, 4, 2), text="**Big** news\n\n- one\n- two", markdown=True)
    widget = make(qtbot, hub, options)
    assert ink(widget) > 0.01


def test_stacked_series_and_the_window_before(qtbot: QtBot, hub: Hub) -> None:
    values = np.array([[1.0] * 120, [2.0] * 120])
    values[:, :60] *= 3  # the hour before was three times busier
    series_ = TimeSeries(("positive", "negative"), NOW - 120 * 60, 60.0, values)
    options = TimeseriesOptions(
        at=(0, 0, 8, 4), data="s.volume", window=3600, stacked=True, previous=True
    )
    widget = make(qtbot, hub, options)
    hub.publish("s.volume", series_, at=NOW)
    widget.refresh()
    lines = {label: y for label, (_, y) in widget.drawn_series.items()}  # type: ignore[attr-defined]
    assert set(lines["positive"]) == {1.0} and set(lines["negative"]) == {3.0}  # 1, then 1 + 2
    x, before = widget._previous.getData()  # type: ignore[attr-defined]
    assert set(before) == {9.0} and x[0] >= NOW - 3600  # shifted onto this window
    assert [value for _, _, value in widget.legend] == [1.0, 2.0]  # legend: own values


def test_geo_map_projects_places_and_draws_dots(qtbot: QtBot, hub: Hub) -> None:
    from kiosk.config.widgets import GeoMapOptions
    from kiosk.values import Place, Places
    from kiosk.widgets.geo_map import world_outlines

    assert len(world_outlines()) > 170  # the bundled Natural Earth outlines load
    hub.declare("s.places", Kind.PLACES)
    widget = create_widget(GeoMapOptions(at=(0, 0, 6, 4), data="s.places"), hub, STYLE)
    qtbot.addWidget(widget)
    widget.resize(1000, 560)
    widget.show()
    frame = widget.frame(widget.content_rect())
    centre = widget.project(13.0, 0.0, frame)  # 0° E, 13° N is the middle of the world view
    assert abs(centre.x() - frame.center().x()) < 1 and abs(centre.y() - frame.center().y()) < 1
    empty = widget.grab().toImage()
    hub.publish(
        "s.places",
        Places((Place("Paris", 48.86, 2.35, 120, -0.6), Place("Bad", math.nan, 0.0, 1, 0.0))),
    )
    widget.refresh()
    assert widget.grab().toImage() != empty


def test_places_are_aggregated_with_mean_sentiment() -> None:
    from kiosk.analytics import attach_analytics
    from kiosk.values import Places

    hub = Hub(clock=lambda: NOW)
    hub.declare("s.mentions", Kind.MENTIONS)
    attach_analytics(hub, "s")
    posts = [
        Mention("1", NOW - 5, "Acme", "t", "en", "x", "a", "a", 1, 0.5, (), "Paris", 48.8, 2.3),
        Mention("2", NOW - 4, "Acme", "t", "en", "x", "a", "a", 1, -0.1, (), "Paris", 48.9, 2.4),
        Mention("3", NOW - 3, "Acme", "t", "en", "x", "a", "a", 1, 0.0, (), "Nowhere", None, None),
    ]
    hub.append("s.mentions", posts)
    sample = hub.sample("s.places")
    assert sample is not None and isinstance(sample.value, Places)
    (paris,) = sample.value.places
    assert (paris.name, paris.lat, paris.lon, paris.count) == ("Paris", 48.8, 2.3, 2)
    assert paris.sentiment == pytest.approx(0.2)


def test_word_cloud_sizes_by_count_colours_by_feeling_and_stays_put(qtbot: QtBot, hub: Hub) -> None:
    from kiosk.config.widgets import WordCloudOptions

    widget = make(qtbot, hub, WordCloudOptions(at=(0, 0, 6, 4), data="s.tags"))

    def publish(counts: dict[str, float]) -> None:
        feeling = {"#AcmeDown": -0.9, "#love": 0.8}
        entries = tuple(
            RankEntry(tag, value, sentiment=feeling.get(tag, 0.0))
            for tag, value in sorted(counts.items(), key=lambda item: -item[1])
        )
        hub.publish("s.tags", Ranking(entries))
        widget.refresh()

    counts = {f"#tag{n}": float(40 - n) for n in range(20)} | {"#AcmeDown": 300.0, "#love": 35.0}
    publish(counts)
    terms = widget.terms  # type: ignore[attr-defined]
    assert len(terms) >= 15
    big, small = terms["#AcmeDown"], terms["#tag19"]
    assert big.step > small.step and big.rect.height() > small.rect.height()
    assert big.colour == STYLE.negative and terms["#love"].colour == STYLE.positive
    area = QRectF(widget.content_rect())
    placed = list(terms.values())
    assert all(area.contains(t.rect) for t in placed)
    assert not any(a.rect.intersects(b.rect) for i, a in enumerate(placed) for b in placed[i + 1 :])
    where = {text: QRectF(t.rect) for text, t in terms.items()}
    # A minute later the counts moved a little and a new tag came in: nothing old jumps.
    publish({tag: value + 1 for tag, value in counts.items()} | {"#brandnew": 30.0})
    moved = [text for text, t in widget.terms.items() if text in where and t.rect != where[text]]  # type: ignore[attr-defined]
    assert moved == []
    assert "#brandnew" in widget.terms  # type: ignore[attr-defined]


def test_the_same_cloud_on_two_screens_is_laid_out_once_and_as_each_would_alone(
    qtbot: QtBot, hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue #14: work once per wall. Two clouds of one stream at one size share each layout;
    # a third at another size, or one that was hidden while the others moved on, lays out its
    # own; and every shared layout is the one the widget makes with nothing shared.
    import random

    from kiosk.config.widgets import WordCloudOptions
    from kiosk.widgets import word_cloud

    options = WordCloudOptions(at=(0, 0, 6, 4), data="s.tags")
    first, second, wider, hidden = (make(qtbot, hub, options) for _ in range(4))
    wider.resize(1200, 560)
    made = []
    place = word_cloud.WordCloudWidget._place

    def counting(widget: KioskWidget, *args: object) -> object:
        made.append(widget)
        return place(widget, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(word_cloud.WordCloudWidget, "_place", counting)
    word_cloud.SHARED.clear()

    def alone(widget: KioskWidget) -> dict[str, tuple[int, tuple[float, ...]]]:
        """What ``widget`` lays out from its last terms with nothing shared."""
        twin = make(qtbot, hub, options)
        twin.resize(widget.size())
        twin.terms = dict(widget.before)  # type: ignore[attr-defined]
        twin._entries = widget._entries  # type: ignore[attr-defined]
        saved = dict(word_cloud.SHARED)
        word_cloud.SHARED.clear()
        twin._layout()  # type: ignore[attr-defined]
        word_cloud.SHARED.clear()
        word_cloud.SHARED.update(saved)
        return {t: (term.step, term.rect.getRect()) for t, term in twin.terms.items()}  # type: ignore[attr-defined]

    rng = random.Random(7)
    tags = [f"#tag{n}" for n in range(40)]
    for minute in range(12):
        counts = {tag: rng.uniform(1, 300) for tag in rng.sample(tags, 30)}
        entries = tuple(
            RankEntry(tag, value) for tag, value in sorted(counts.items(), key=lambda i: -i[1])
        )
        hub.publish("s.tags", Ranking(entries))
        shown = [first, second, wider] + ([hidden] if minute < 4 or minute > 8 else [])
        made.clear()
        for widget in shown:
            widget.before = dict(widget.terms)  # type: ignore[attr-defined]
            widget.refresh()
        assert first.terms.keys() == second.terms.keys()  # type: ignore[attr-defined]
        assert first in made and second not in made and wider in made
        if minute == 9:
            assert hidden in made  # it stood where the others stood four minutes ago
        for widget in shown:
            got = {t: (term.step, term.rect.getRect()) for t, term in widget.terms.items()}  # type: ignore[attr-defined]
            assert got == alone(widget)


def test_a_cloud_term_goes_to_the_first_free_spot_and_never_onto_another() -> None:
    # The cloud's free-room test (a grid of cells), against the exact test of every spiral
    # point against every placed box: never a spot the exact test refuses, and never later
    # than the first spot that is free with two cells to spare.
    import random

    from kiosk.widgets import word_cloud

    rng = random.Random(14)
    area = QRectF(12, 30, 1777, 1003)
    room = word_cloud._Room(area, [])
    placed = np.empty((0, 4))  # left, top, right, bottom

    def free(width: float, height: float, margin: float) -> np.ndarray:
        x, y = room.x - width / 2, room.y - height / 2
        inside = (x >= area.left()) & (x + width <= area.right())
        inside &= (y >= area.top()) & (y + height <= area.bottom())
        left, top = x[:, None] - margin, y[:, None] - margin
        right, bottom = left + width + 2 * margin, top + height + 2 * margin
        hits = (left < placed[:, 2]) & (placed[:, 0] < right)
        hits &= (top < placed[:, 3]) & (placed[:, 1] < bottom)
        return np.flatnonzero(inside & ~hits.any(axis=1))

    found = 0
    for _ in range(300):
        width, height = rng.uniform(20, 400), rng.uniform(16, 120)
        spot = room.find((width, height))
        exact, spare = free(width, height, 0), free(width, height, 2 * room.cell)
        if spot is None:
            assert not spare.size
            continue
        at = int(np.argmin(np.hypot(room.x - width / 2 - spot.x(), room.y - height / 2 - spot.y())))
        assert at in exact  # inside the tile, on no other box
        assert not spare.size or at <= spare[0]
        room.take(spot)
        placed = np.vstack([placed, (spot.left(), spot.top(), spot.right(), spot.bottom())])
        found += 1
    assert 40 <= found < 300  # the tile filled up along the way


def test_a_quiet_source_that_confirms_its_data_does_not_dim(
    qtbot: QtBot, hub: Hub, clock: FakeClock
) -> None:
    widget = make(qtbot, hub, KpiOptions(at=(0, 0, 4, 2), data="s.rate", stale_after=60))
    hub.set_status("s", SourceState.OK)
    hub.publish("s.rate", Metric(5.0))
    clock.now += 120  # no new value for two minutes…
    hub.confirm("s")  # …but the source just polled and found nothing new
    widget.refresh()
    assert not widget.is_stale
    clock.now += 61
    widget.refresh()
    assert widget.is_stale  # and without a confirmation it does dim


def test_spike_markers_mark_where_each_alert_began(qtbot: QtBot, hub: Hub) -> None:
    from kiosk.values import Alert

    hub.declare("s.alerts", Kind.ALERTS)
    options = TimeseriesOptions(at=(0, 0, 8, 4), data="s.volume", window=3600, markers="s.alerts")
    widget = make(qtbot, hub, options)
    hub.publish("s.volume", series(120), at=NOW)
    began = NOW - 600
    hub.publish("s.alerts", (Alert("spike:Acme", "critical", "Acme mentions 4.2× normal", began),))
    widget.refresh()
    hub.publish("s.alerts", ())  # cleared: the marker stays while it is in the window
    widget.refresh()
    x, y = widget._marker_lines.getData()  # type: ignore[attr-defined]
    assert list(x) == [began, began] and y[0] == 0 and y[1] > 0
    labels = [label.toPlainText() for label in widget._marker_labels]  # type: ignore[attr-defined]
    assert labels == ["Acme mentions 4.2× normal"]


def test_a_markers_option_must_name_an_alerts_stream() -> None:
    from kiosk.config import LayoutError, parse_layout

    with pytest.raises(LayoutError) as caught:
        parse_layout(
            "sources: {social: {type: demo}}\nscreens: [{name: a, match: {any: true}, pages: "
            "[{title: P, widgets: [{type: timeseries, at: [0, 0, 6, 4], data: social.volume,"
            " markers: social.share}]}]}]\n"
        )
    assert [issue.message for issue in caught.value.issues] == [
        "timeseries's markers shows alerts; social.share is breakdown — try social.alerts"
    ]


def test_geo_map_zooms_to_a_country(qtbot: QtBot, hub: Hub) -> None:
    from kiosk.config.widgets import GeoMapOptions
    from kiosk.values import Place, Places

    options = GeoMapOptions(at=(0, 0, 6, 4), data="s.places", country="Netherlands")
    west, south, east, north = options.bounds
    assert 2 < west < 4 and 49.5 < south < 51 and 7 < east < 8.5 and 53.5 < north < 54.5
    assert GeoMapOptions(at=(0, 0, 6, 4), data="s.places", country="NLD").bounds == options.bounds
    hub.declare("s.places", Kind.PLACES)
    widget = create_widget(options, hub, STYLE)
    qtbot.addWidget(widget)
    widget.resize(800, 800)
    widget.show()
    frame = widget.frame(widget.content_rect())
    assert frame.height() > frame.width()  # the Netherlands is taller than wide, once squashed
    amsterdam = widget.project(52.37, 4.90, frame)
    assert frame.contains(amsterdam)
    hub.publish("s.places", Places((Place("Amsterdam", 52.37, 4.90, 50, 0.5),)))
    widget.refresh()
    widget.grab().save("/tmp/geo_map_country.png")


def test_a_maps_land_is_drawn_off_the_ui_thread_once_for_the_wall(
    qtbot: QtBot, hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The soak's longest stall was a map drawing its land in a paint (57-67 ms): the land and
    the countries' outlines are asked for as soon as the map has its size, made by the worker,
    and shared by maps that show the same region at the same size."""
    import threading

    from kiosk.config.widgets import GeoMapOptions
    from kiosk.values import Place, Places
    from kiosk.widgets import geo_map

    drawn_in: list[str] = []
    draw = geo_map.draw_land

    def spy(wanted: geo_map.Land) -> QImage:
        drawn_in.append(threading.current_thread().name)
        return draw(wanted)

    monkeypatch.setattr(geo_map, "draw_land", spy)
    hub.declare("s.places", Kind.PLACES)
    options = GeoMapOptions(at=(0, 0, 6, 4), data="s.places", title="Map")
    maps = [create_widget(options, hub, STYLE) for _ in range(2)]
    for widget in maps:
        qtbot.addWidget(widget)
        widget.resize(900, 500)
        widget.show()  # its resize is delivered now, its first paint in a later turn
    jobs = [widget._land_job for widget in maps]  # type: ignore[attr-defined]
    assert jobs[0] is not None and jobs[0] is jobs[1]  # asked at the resize, one for both
    qtbot.waitUntil(lambda: all(widget._land is not None for widget in maps))  # type: ignore[attr-defined]
    assert len(drawn_in) == 1 and drawn_in[0].startswith("kiosk-charts")
    assert len(maps[1]._shapes) > 170  # type: ignore[attr-defined]  # every country's outline
    hub.publish("s.places", Places((Place("Paris", 48.86, 2.35, 120, -0.6),)))
    maps[0].refresh()
    picture = maps[0].grab().toImage()
    land = STYLE.grid.rgb() & 0xFFFFFF
    siberia = maps[0].project(62.0, 95.0, maps[0].frame(maps[0].content_rect()))
    assert picture.pixel(round(siberia.x()), round(siberia.y())) & 0xFFFFFF == land
    assert len(drawn_in) == 1  # the paint used the worker's picture


def test_a_land_that_cannot_be_drawn_is_said_once_and_the_map_still_shows(
    qtbot: QtBot, hub: Hub, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from kiosk.config.widgets import GeoMapOptions
    from kiosk.values import Place, Places
    from kiosk.widgets import geo_map

    def broken(wanted: geo_map.Land) -> geo_map.Drawn:
        raise ValueError("no outlines")

    monkeypatch.setattr(geo_map, "draw_land", broken)
    hub.declare("s.places", Kind.PLACES)
    widget = create_widget(GeoMapOptions(at=(0, 0, 6, 4), data="s.places"), hub, STYLE)
    qtbot.addWidget(widget)
    widget.resize(700, 400)
    widget.show()
    hub.publish("s.places", Places((Place("Paris", 48.86, 2.35, 120, -0.6),)))
    widget.refresh()
    for _ in range(3):  # three paints: one message, and the dots without land
        picture = widget.grab().toImage()
    said = [r for r in caplog.records if "land could not be drawn" in r.getMessage()]
    assert len(said) == 1
    paris = widget.project(48.86, 2.35, widget.frame(widget.content_rect()))
    assert (
        picture.pixel(round(paris.x()), round(paris.y())) & 0xFFFFFF != STYLE.panel.rgb() & 0xFFFFFF
    )


def test_outlines_projected_at_once_are_the_outlines_projected_point_by_point(qapp: object) -> None:
    from PySide6.QtCore import QPointF, QRectF
    from PySide6.QtGui import QColor, QPainterPath, QPolygonF

    from kiosk.widgets.geo_map import ring_path, world_outlines

    bounds, frame = (-180.0, -60.0, 180.0, 85.0), QRectF(10.5, 20.25, 1200.0, 480.0)

    def point(lon: float, lat: float) -> QPointF:
        west, south, east, north = bounds
        x = frame.left() + (lon - west) / (east - west) * frame.width()
        return QPointF(x, frame.top() + (north - lat) / (north - south) * frame.height())

    one_by_one = QPainterPath()
    for ring in world_outlines():
        one_by_one.addPolygon(QPolygonF([point(lon, lat) for lon, lat in ring]))
        one_by_one.closeSubpath()
    pictures = []
    for path in (one_by_one, ring_path(world_outlines(), bounds, frame)):
        image = QImage(1220, 520, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(0)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillPath(path, QColor("#334455"))
        painter.setPen(QColor("#101010"))
        painter.drawPath(path)
        painter.end()
        pictures.append(image)
    assert pictures[0] == pictures[1]


def test_an_unknown_country_is_a_layout_error() -> None:
    from kiosk.config import LayoutError, parse_layout

    with pytest.raises(LayoutError) as caught:
        parse_layout(
            "sources: {social: {type: demo}}\nscreens: [{name: a, match: {any: true}, pages: "
            "[{title: P, widgets: [{type: geo_map, at: [0, 0, 6, 4], data: social.places,"
            " country: Netherland}]}]}]\n"
        )
    assert "unknown country 'Netherland' (did you mean 'netherlands'?)" in str(caught.value)


def test_right_to_left_posts_are_aligned_right() -> None:
    from kiosk.widgets.format import right_to_left

    assert right_to_left("الخدمة في متجر Acme رائعة")
    assert right_to_left("😡 השירות של Acme")  # emoji are neutral: the first letter decides
    assert not right_to_left("Acme השירות")
    assert not right_to_left("🔥🔥") and not right_to_left("")


def test_an_rtl_card_puts_its_text_on_the_right(qtbot: QtBot, hub: Hub) -> None:
    from kiosk.config.widgets import PostWallOptions

    widget = make(qtbot, hub, PostWallOptions(at=(0, 0, 6, 6), data="s.mentions"))
    ltr = mention(1, "Great service today")
    rtl = mention(2, "השירות של Acme היה איטי מאוד")

    def ink_columns(pixmap: QPixmap) -> list[int]:
        image = pixmap.toImage()
        body_y = range(STYLE.px(60), STYLE.px(100))
        card = image.pixel(image.width() // 2, 4)
        columns = range(STYLE.px(16), image.width(), 3)  # after the sentiment bar
        return [x for x in columns if any(image.pixel(x, y) != card for y in body_y)]

    left = ink_columns(widget._draw_card(ltr))  # type: ignore[attr-defined]
    right = ink_columns(widget._draw_card(rtl))  # type: ignore[attr-defined]
    width = widget.content_rect().width()
    assert min(left) < width * 0.1 and max(left) < width * 0.6
    assert max(right) > width * 0.9 and min(right) > width * 0.3


def test_reposts_and_copies_are_shown_once() -> None:
    from kiosk.widgets.posts import FreshPosts, fingerprint

    assert fingerprint("RT @ann: Trains CANCELLED again!! https://t.co/x") == fingerprint(
        "trains cancelled again"
    )
    assert fingerprint("#AcmeDown again") != fingerprint("AcmeDown again")
    fresh = FreshPosts(keep=10)
    posts = [
        dataclasses.replace(mention(1), text="Trains cancelled again!"),
        dataclasses.replace(mention(2), text="RT @ann: trains cancelled again"),
        dataclasses.replace(mention(3), text="Trains cancelled again, says @bob"),  # its own post
    ]
    assert [m.id for m in fresh(posts)] == ["m1", "m3"]


def test_only_the_newest_posts_of_a_batch_are_looked_at() -> None:
    from kiosk.widgets.posts import FreshPosts

    fresh = FreshPosts(keep=3)
    batch = [dataclasses.replace(mention(i), text=f"post number {i}") for i in range(500)]
    assert [m.id for m in fresh(batch)] == ["m497", "m498", "m499"]
    later = [*batch[1:], dataclasses.replace(mention(500), text="post number 500")]
    assert [m.id for m in fresh(later)] == ["m500"]  # the two before it were seen already


def test_a_widget_never_waits_silently_for_a_failing_source(qtbot: QtBot, hub: Hub) -> None:
    widget = make(qtbot, hub, KpiOptions(at=(0, 0, 4, 2), data="s.rate"))
    assert widget.placeholder_text() == "Waiting for s.rate…"
    hub.set_status("s", SourceState.STALE, "cannot connect to api.example.com")
    widget.refresh()
    assert widget.placeholder_text().startswith(
        "No data yet from s: cannot connect to api.example.com (since "
    )
    before = widget.grab().toImage()
    hub.set_status("s", SourceState.FAILED, "HTTP 401 from api.example.com")
    widget.refresh()
    assert "HTTP 401" in widget.placeholder_text() and widget.grab().toImage() != before


def test_posts_carry_their_platforms_badge(qtbot: QtBot, hub: Hub) -> None:
    widget = make(qtbot, hub, OPTIONS["ticker"])
    post = dataclasses.replace(mention(1), platform="instagram")
    image = widget._draw_item(post).toImage()  # type: ignore[attr-defined]
    colours = {
        image.pixel(x, y) & 0xFFFFFF
        for x in range(image.width() // 3)
        for y in range(image.height())
    }
    assert 0xD62976 in colours  # Instagram's pink, in the badge before the author


def test_a_posts_picture_is_three_bytes_a_pixel_on_the_panels_colour(
    qtbot: QtBot, hub: Hub
) -> None:
    """A ticker keeps every post on its strip and the next one as pictures (0.7-0.9 MB each
    at 4K): they are kept without an alpha channel, drawn on the colour the tape shows around
    them, so no edge of a post shows against the band."""
    widget = make(qtbot, hub, OPTIONS["ticker"])
    image = widget._draw_item(mention(1)).toImage()  # type: ignore[attr-defined]
    assert image.format() == QImage.Format.Format_RGB888
    panel = widget.style_.panel.rgb() & 0xFFFFFF
    corners = [(0, 0), (image.width() - 1, 0), (0, image.height() - 1)]
    assert all(image.pixel(x, y) & 0xFFFFFF == panel for x, y in corners)


@pytest.mark.parametrize(
    ("name", "stream", "same", "different"),
    [
        (
            "leaderboard",
            "s.tags",
            (
                Ranking((RankEntry("#a", 1000.0, 0), RankEntry("#b", 500.0, 1))),
                Ranking((RankEntry("#a", 1000.2, 0), RankEntry("#b", 500.1, 1))),
            ),
            Ranking((RankEntry("#b", 1500.0, 1), RankEntry("#a", 1000.0, 0))),
        ),
        (
            "kpi",
            "s.rate",
            (Metric(1234.2, 1000.0), Metric(1234.4, 1000.0)),
            Metric(1240.0, 1000.0),
        ),
        (  # 60.01 % and 60.04 % both read "60.0 %" in the legend and "60 %" in the ring
            "share_of_voice",
            "s.share",
            (
                Breakdown((("Acme", 6001.0), ("Globex", 3999.0))),
                Breakdown((("Acme", 6004.0), ("Globex", 3996.0))),
            ),
            Breakdown((("Acme", 6010.0), ("Globex", 3990.0))),
        ),
    ],
)
def test_a_value_that_looks_the_same_is_not_repainted(
    qtbot: QtBot, hub: Hub, name: str, stream: str, same: tuple[object, object], different: object
) -> None:
    """A busy stream brings a new value every second; the widget repaints only when what it
    shows (figures as rounded, bars, ranks) changes."""
    from PySide6.QtCore import QEvent, QObject

    class Paints(QObject):
        count = 0

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if watched is widget and event.type() == QEvent.Type.Paint:
                Paints.count += 1
            return False

    widget = make(qtbot, hub, OPTIONS[name])
    qtbot.waitExposed(widget)
    hub.publish(stream, same[0])
    widget.refresh()
    qtbot.wait(20)
    paints = Paints()
    widget.installEventFilter(paints)
    hub.publish(stream, same[1])
    widget.refresh()
    qtbot.wait(20)
    assert Paints.count == 0
    hub.publish(stream, different)
    widget.refresh()
    qtbot.wait(20)
    assert Paints.count > 0


@pytest.mark.parametrize("highest", [12, 2.3, 0.4, 9, 1234, 12_500, 130_000, 2.4e6])
def test_axis_labels_are_distinct_and_not_rounded_into_unequal_steps(highest: float) -> None:
    from kiosk.widgets.timeseries import axis_labels, nice_scale

    top, steps = nice_scale(highest)
    levels = [top * k / steps for k in range(steps + 1)]
    labels = axis_labels(levels)
    assert len(set(labels)) == len(labels), labels
    if top < 1000:  # plain numbers: each label reads back as its level
        assert [float(label.replace(",", "")) for label in labels] == pytest.approx(levels)


def test_a_day_of_minutes_is_drawn_by_its_peaks_not_as_a_comb(qtbot: QtBot, hub: Hub) -> None:
    options = OPTIONS["timeseries"].model_copy(update={"window": 86_400.0})
    widget = make(qtbot, hub, options)
    widget.resize(850, 400)
    day = series(points=1440, labels=("Acme",))
    day.values[0, 700] = 5000.0  # a crisis minute
    hub.publish("s.volume", day)
    widget.refresh()
    x, y = widget.drawn_series["Acme"]  # type: ignore[attr-defined]
    assert len(x) <= widget.plot.width() // 3 + 1 < 1440
    assert y.max() == 5000.0  # the spike is still there at full height


def test_a_ratio_shows_as_a_percentage_against_its_target(qtbot: QtBot, hub: Hub) -> None:
    """Care hub: "answered within 1 h" is 0.861 in the JSON; the room reads 86.1 % and sees
    at once that it misses the SLA of 90 %, which the same JSON gives as a stream."""
    hub.declare("s.sla", Kind.METRIC)
    options = KpiOptions(
        at=(0, 0, 4, 2), data="s.rate", format="percent", decimals=1, target="s.sla"
    )
    widget = make(qtbot, hub, options)
    hub.publish("s.rate", Metric(0.861))
    hub.publish("s.sla", Metric(0.9))
    widget.refresh()
    assert widget.value_text() == "86.1%"  # CLDR English: no space
    assert widget.target_text() == "target 90.0%"
    assert widget.value_colour(widget.current) == STYLE.negative
    hub.publish("s.rate", Metric(0.93))
    widget.refresh()
    assert widget.value_colour(widget.current) == STYLE.positive
    lower = make(qtbot, hub, options.model_copy(update={"target": 0.95, "higher_is_better": False}))
    lower.refresh()
    assert lower.value_colour(lower.current) == STYLE.positive  # 93 % of complaints ≤ 95 %


def test_a_gauge_marks_its_target_and_formats_its_figure(qtbot: QtBot, hub: Hub) -> None:
    from kiosk.config.widgets import GaugeOptions

    options = GaugeOptions(
        at=(0, 0, 4, 3), data="s.rate", min=0, max=1, format="percent", target=0.9
    )
    widget = make(qtbot, hub, options)
    hub.publish("s.rate", Metric(0.861))
    widget.refresh()
    assert widget.value_text(0.861) == "86%"
    assert widget.meets_target(0.861) is False
    with_mark = widget.grab().toImage()
    plain = make(qtbot, hub, options.model_copy(update={"target": None}))
    plain.refresh()
    assert with_mark != plain.grab().toImage()  # the target's mark is drawn


def test_geo_map_shades_the_countries_the_places_are_in(qtbot: QtBot, hub: Hub) -> None:
    from kiosk.config.widgets import GeoMapOptions
    from kiosk.geo import country_index
    from kiosk.values import Place, Places

    hub.declare("s.places", Kind.PLACES)
    options = GeoMapOptions(at=(0, 0, 6, 4), data="s.places", mode="countries", legend=False)
    widget = create_widget(options, hub, STYLE)
    qtbot.addWidget(widget)
    widget.resize(1200, 640)
    widget.show()
    qtbot.waitUntil(country_index().done, timeout=10_000)  # built off the UI thread
    places = (
        Place("Lyon", 45.76, 4.84, 70, 0.0),  # France: 70 + 30, the busiest
        Place("Paris", 48.86, 2.35, 30, 0.0),
        Place("Chicago", 41.88, -87.63, 6, 0.0),  # the United States: a few
        Place("Brasília", -15.79, -47.88, 0, 0.0),  # no mentions: Brazil stays bare land
        Place("At sea", 0.0, -30.0, 50, 0.0),  # in no country
    )
    hub.publish("s.places", Places(places))
    widget.refresh()
    image = widget.grab().toImage()
    frame = widget.frame(widget.content_rect())

    def colour_at(lat: float, lon: float) -> int:
        at = widget.project(lat, lon, frame)
        return image.pixel(round(at.x()), round(at.y())) & 0xFFFFFF

    france, usa = colour_at(46.5, 2.5), colour_at(39.0, -100.0)
    assert france == widget.shade(4).rgb() & 0xFFFFFF  # the busiest country: the fullest shade
    assert usa not in (france, colour_at(-10.0, -52.0))  # shaded, lighter than France
    brazil, ocean = colour_at(-10.0, -52.0), colour_at(0.0, -30.0)
    assert brazil == STYLE.grid.rgb() & 0xFFFFFF  # no mentions: bare land
    assert ocean == STYLE.panel.rgb() & 0xFFFFFF  # a place at sea shades nothing


def test_country_shades_halve_from_the_busiest_at_round_numbers() -> None:
    from kiosk.geo import country_totals, shades
    from kiosk.values import Place, Places

    totals = country_totals(
        Places(
            (
                Place("Amsterdam", 52.37, 4.90, 900, 0.0),
                Place("Rotterdam", 51.92, 4.48, 100, 0.0),
                Place("Singapore", 1.29, 103.85, 300, 0.0),  # only in the 1:50m outlines
                Place("Brest, on the coast", 48.39, -4.49, 40, 0.0),
                Place("Oslo", 59.91, 10.75, 2, 0.0),
                Place("Bad", math.nan, 0.0, 5, 0.0),
            )
        )
    )
    assert totals == {"NL": 1000, "SG": 300, "FR": 40, "NO": 2}
    steps, least = shades(totals)
    assert least == (1, 50, 100, 250, 500)  # 1000/2, /4, /8 = 125 → 100, /16 = 62.5 → 50
    assert steps == {"NL": 4, "SG": 3, "FR": 0, "NO": 0}
    assert shades({}) == ({}, ())


def test_a_card_shows_the_posts_reactions_in_its_header(qtbot: QtBot, hub: Hub) -> None:
    from kiosk.config.widgets import PostWallOptions
    from kiosk.widgets.post_wall import reactions_text

    widget = make(qtbot, hub, PostWallOptions(at=(0, 0, 6, 6), data="s.mentions"))
    quiet = mention(1, "Great service today")
    loved = dataclasses.replace(quiet, likes=1234, reposts=40, replies=0)
    assert reactions_text(loved, STYLE.lang.compact) == "♥ 1,234  ⇄ 40"  # no "↩ 0"
    assert reactions_text(quiet, STYLE.lang.compact) == ""  # a platform that gives none

    def header_ink(pixmap: QPixmap) -> int:
        image = pixmap.toImage()
        card = image.pixel(image.width() // 2, 4)
        return sum(
            image.pixel(x, y) != card
            for x in range(image.width() // 3, image.width(), 2)
            for y in range(STYLE.px(14), STYLE.px(48), 2)
        )

    plain = header_ink(widget._draw_card(quiet))  # type: ignore[attr-defined]
    with_reactions = header_ink(widget._draw_card(loved))  # type: ignore[attr-defined]
    assert with_reactions > plain * 1.2  # more written on the right of the header


def test_geo_map_legend_goes_where_it_hides_the_fewest_mentions(qtbot: QtBot, hub: Hub) -> None:
    from kiosk.config.widgets import GeoMapOptions
    from kiosk.geo import country_index
    from kiosk.values import Place, Places

    hub.declare("s.places", Kind.PLACES)
    widget = create_widget(GeoMapOptions(at=(0, 0, 6, 4), data="s.places", mode="both"), hub, STYLE)
    qtbot.addWidget(widget)
    widget.resize(1200, 640)
    widget.show()
    qtbot.waitUntil(country_index().done, timeout=10_000)
    frame = widget.frame(widget.content_rect())
    box = QRectF(0, 0, frame.width() * 0.45, frame.height() * 0.3)  # below 15° S, 100° wide

    def corner_for(*places: Place) -> tuple[bool, bool]:
        hub.publish("s.places", Places(places))
        widget.refresh()
        widget.grab()  # paints: the outlines the legend is placed against are drawn
        chosen = widget._least_covering(box, frame)  # type: ignore[attr-defined]
        return chosen.left() < frame.center().x(), chosen.top() > frame.center().y()

    assert corner_for(Place("Sydney", -33.87, 151.21, 50, 0.0)) == (True, True)  # bottom left
    southern = (Place("São Paulo", -23.55, -46.63, 50, 0.0), Place("Perth", -31.95, 115.86, 9, 0))
    assert corner_for(*southern) == (True, False)  # top left: not over Brazil nor Australia


def test_geo_map_shades_a_ranking_of_countries(qtbot: QtBot, hub: Hub) -> None:
    from kiosk.config import parse_layout
    from kiosk.config.widgets import GeoMapOptions

    # Any figure per country: social.by_country, or a source's sales per market.
    layout = parse_layout(
        "sources: {social: {type: demo}}\nscreens: [{name: a, match: {any: true}, pages: "
        "[{title: P, widgets: [{type: geo_map, at: [0, 0, 6, 4], data: social.by_country}]}]}]\n"
    )
    assert layout.screens[0].pages[0].widgets[0].data == "social.by_country"
    hub.declare("s.by_country", Kind.RANKING)
    options = GeoMapOptions(at=(0, 0, 6, 4), data="s.by_country", region="europe")
    widget = create_widget(options, hub, STYLE)
    qtbot.addWidget(widget)
    widget.resize(1200, 640)
    widget.show()
    ranking = Ranking(
        (
            RankEntry("Netherlands", 1000.0),  # as by_country names them
            RankEntry("FR", 300.0),  # codes too
            RankEntry("DEU", 40.0),
            RankEntry("Benelux", 5000.0),  # a market, not a country: no shade
            RankEntry("Atlantis", 9.0),
        )
    )
    hub.publish("s.by_country", ranking)
    widget.refresh()
    image = widget.grab().toImage()
    frame = widget.frame(widget.content_rect())

    def colour_at(lat: float, lon: float) -> int:
        at = widget.project(lat, lon, frame)
        return image.pixel(round(at.x()), round(at.y())) & 0xFFFFFF

    netherlands, france, germany = colour_at(52.2, 5.6), colour_at(46.5, 2.5), colour_at(51, 10)
    assert netherlands == widget.shade(4).rgb() & 0xFFFFFF  # the top of the ranking
    assert len({netherlands, france, germany}) == 3  # three shades, by their figures
    assert colour_at(40.0, -3.7) == STYLE.grid.rgb() & 0xFFFFFF  # Spain: not in it, bare land


def test_a_narrow_card_header_gives_up_the_platform_name_before_the_author(
    qtbot: QtBot, hub: Hub
) -> None:
    from kiosk.config.widgets import PostWallOptions

    widget = make(qtbot, hub, PostWallOptions(at=(0, 0, 6, 6), data="s.mentions"))
    post = dataclasses.replace(
        mention(1), author="Marguerite Delacroix-Fontaine", platform="bluesky", likes=47, reposts=18
    )
    who, where = widget.header_texts(post, 2000)  # type: ignore[attr-defined]
    assert who == post.author and where.startswith("♥ 47  ⇄ 18 · @a1 · Bluesky · ")
    # Room for the whole name beside the time alone, not beside "Bluesky · time".
    when = STYLE.lang.clock_time(post.at)
    name = QFontMetrics(STYLE.font(28, 700)).horizontalAdvance(post.author)
    room = name + QFontMetrics(STYLE.font(22)).horizontalAdvance(f" · {when}") + STYLE.px(24) + 4
    who, where = widget.header_texts(post, room)  # type: ignore[attr-defined]
    assert who == post.author  # whole: the badge says Bluesky, so the word goes
    assert "Bluesky" not in where and where.endswith(STYLE.lang.clock_time(post.at))


def test_late_posts_that_move_no_line_by_a_pixel_leave_the_chart_alone(
    qtbot: QtBot, hub: Hub, clock: FakeClock
) -> None:
    """A polled source brings posts of minutes already complete; the chart (60-75 ms a screen
    on 4K) is drawn again only when a line would move, while its legend's figures follow."""
    widget = make(qtbot, hub, OPTIONS["timeseries"])
    assert isinstance(widget, TimeseriesWidget)
    data = series()
    hub.publish("s.volume", data)
    widget.refresh()
    first = widget.redraws

    def publish_with(extra: float) -> None:
        values = data.values.copy()
        values[0, -1] += extra  # the last complete minute of Acme
        hub.publish("s.volume", TimeSeries(data.labels, data.start, data.step, values))
        widget.refresh()

    last = float(data.values[0, -1])
    publish_with(0.2)  # a fraction of a pixel at a scale of hundreds
    assert widget.redraws == first
    assert widget.legend[0][2] == pytest.approx(last + 0.2)  # the figure still follows
    publish_with(300.0)  # a move anyone sees
    assert widget.redraws == first + 1
