"""Rotation without a blank frame, pinning, screens flipping in step, and crisis takeovers.

Runs on the three simulated monitors of tests/screens3.json (HDMI-1, HDMI-2, DP-1).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QEvent, QObject, QPoint, QRect
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from kiosk.app import Runtime
from kiosk.config import Layout, parse_layout
from kiosk.hub import Hub, SourceState
from kiosk.screens.ahead import AHEAD_S, BANDS
from kiosk.screens.page import PageView
from kiosk.screens.takeover import TakeoverRule
from kiosk.screens.wall import Wall
from kiosk.screens.window import LIFT_S, ScreenWindow
from kiosk.values import Alert, Mention, Metric
from kiosk.widgets.base import KioskWidget
from kiosk.widgets.ticker import TickerWidget


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def pages(*titles: str, duration: str = "30s") -> str:
    """Pages that fill their grid and differ visibly: the KPI swaps sides on every other page."""
    made = []
    for index, title in enumerate(titles):
        left, right = (0, 6) if index % 2 == 0 else (6, 0)
        kpi = f"{{type: kpi, at: [{left}, 0, 6, 8], data: social.rate, title: Mentions}}"
        text = f"{{type: text, at: [{right}, 0, 6, 8], text: {title}}}"
        made.append(f"{{title: {title}, duration: {duration}, widgets: [{kpi}, {text}]}}")
    return "[" + ", ".join(made) + "]"


def layout(screens: str, takeovers: str = "") -> Layout:
    return parse_layout(
        "sources:\n  social: {type: demo, rate: 5, seed: 1}\nscreens:\n" + screens + takeovers
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def walls(qtbot: QtBot) -> Iterator[list[Wall]]:
    made: list[Wall] = []
    yield made
    for wall in made:
        wall.close()


def start(walls: list[Wall], layout: Layout, clock: Clock) -> tuple[Wall, Hub]:
    hub = Runtime(layout, Hub(clock=clock)).hub  # streams declared, sources not started
    hub.set_status("social", SourceState.OK)
    hub.publish("social.rate", Metric(1234.0, 1000.0, label="per minute"))
    wall = Wall(layout, hub)
    walls.append(wall)
    wall.bind()
    return wall, hub


def mention(i: int) -> Mention:
    return Mention(
        f"m{i}", 1_700_000_000.0, "Acme", f"Post number {i}", "en", "x", f"A{i}", f"a{i}", 10, 0.5
    )


def distance(a: QImage, b: QImage) -> float:
    """Mean difference of sampled pixels, 0 (same) … 1 (black against white)."""
    total = 0
    count = 0
    for x in range(0, a.width(), 16):
        for y in range(0, a.height(), 16):
            p, q = a.pixel(x, y), b.pixel(x, y)
            total += sum(abs(((p >> s) & 255) - ((q >> s) & 255)) for s in (0, 8, 16))
            count += 3
    return total / count / 255


def background_share(image: QImage, window: ScreenWindow) -> float:
    """Share of sampled pixels that are the bare window background (1.0 = a blank frame)."""
    background = window.wall_style.background.rgb() & 0xFFFFFF
    samples = [
        image.pixel(x, y) & 0xFFFFFF
        for x in range(0, image.width(), 16)
        for y in range(0, image.height(), 16)
    ]
    return sum(1 for pixel in samples if pixel == background) / len(samples)


def test_the_next_page_is_fed_before_it_is_shown(qtbot: QtBot, walls: list[Wall]) -> None:
    wall, _ = start(
        walls,
        layout(f"  - {{name: a, match: {{connector: HDMI-1}}, pages: {pages('One', 'Two')}}}\n"),
        Clock(),
    )
    window = wall.screen_windows["a"]
    second = window.pages[1].widgets[0]
    assert second.sample is None  # hidden pages do not poll
    window.next_page()
    # No event processed yet: the page about to be painted already holds the data.
    assert window.stack.currentWidget() is window.pages[1]
    assert second.sample is not None and second.sample.value.value == 1234.0


def fading_window(
    qtbot: QtBot, walls: list[Wall], page_list: str, fade: str
) -> tuple[ScreenWindow, Hub]:
    """Screen ``a`` on HDMI-1 with ``page_list`` and fades of ``fade``, shown."""
    screens = (
        f"  - {{name: a, match: {{connector: HDMI-1}}, rotation: {{fade: {fade}}},"
        f" pages: {page_list}}}\n"
    )
    wall, hub = start(walls, layout(screens), Clock())
    window = wall.screen_windows["a"]
    qtbot.waitExposed(window)
    return window, hub


def test_a_fade_never_shows_a_blank_frame(qtbot: QtBot, walls: list[Wall]) -> None:
    window, _ = fading_window(qtbot, walls, pages("One", "Two"), "0.3s")
    before = window.grab().toImage()
    window.next_page()
    frames = [window.grab().toImage()]  # the frame right after the tick: the old page, opaque
    for _ in range(8):
        qtbot.wait(50)
        frames.append(window.grab().toImage())
    after = window.grab().toImage()
    assert distance(before, after) > 0.02
    # The frame after the tick is (nearly) the old page: the flip starts from what was shown,
    # then dissolves through frames that are neither page, and ends exactly on the new one.
    assert distance(frames[0], before) < distance(before, after) / 4
    assert any(
        min(distance(frame, before), distance(frame, after)) > distance(before, after) / 5
        for frame in frames
    )
    assert distance(frames[-1], after) == 0
    shares = [background_share(frame, window) for frame in [before, *frames, after]]
    assert max(shares) < 0.2, shares  # every frame is a page, never a bare background


def on_screen(window: ScreenWindow) -> QImage:
    """What the window's backing store holds: what the screen shows."""
    return window.backingStore().paintDevice().copy()  # type: ignore[union-attr]


def test_a_software_fade_blends_into_what_the_screen_shows(qtbot: QtBot, walls: list[Wall]) -> None:
    """No copy of the old page is made: the fade draws the new frame into the backing store's
    pixels, frame by frame, from the old page to the new one, never a blank frame."""
    window, _ = fading_window(qtbot, walls, pages("One", "Two"), "0.4s")
    qtbot.wait(100)  # painted: the backing store holds the first page
    before = on_screen(window)
    window.next_page()
    assert window._fade._old.isNull()  # no picture of the old page
    frames = []
    for _ in range(10):
        qtbot.wait(40)
        frames.append(on_screen(window))
    qtbot.wait(600)
    after = on_screen(window)
    assert distance(after, window.grab().toImage()) == 0  # the live page at the end
    span = distance(before, after)
    assert span > 0.02
    assert distance(frames[0], before) < span / 2  # starts from what was shown
    assert any(  # dissolves through frames that are neither page
        min(distance(frame, before), distance(frame, after)) > span / 5 for frame in frames
    )
    shares = [background_share(frame, window) for frame in [before, *frames, after]]
    assert max(shares) < 0.2, shares


def test_the_rotation_draws_the_next_page_ahead_and_lifts_it_part_by_part(
    qtbot: QtBot, walls: list[Wall]
) -> None:
    """A second before its flip the next page is fed and drawn one part per event-loop turn;
    the flip paints no widget, and after the fade the frame is lifted one part per frame, so
    no paint draws the whole page at once."""
    window, _ = fading_window(qtbot, walls, pages("One", "Two", duration="3s"), "0.2s")
    qtbot.wait(100)
    page = window.pages[1]
    qtbot.waitUntil(lambda: window._ahead.page is page, timeout=4000)  # 1 s before the flip
    qtbot.waitUntil(lambda: page.widgets[0].sample is not None)  # fed ahead
    assert page.geometry() == window.stack.currentWidget().geometry()  # laid out as shown
    qtbot.waitUntil(lambda: not window._ahead._todo, timeout=1000)  # every part drawn
    counter = _PaintCounter()
    app = QApplication.instance()
    assert app is not None
    qtbot.waitUntil(lambda: window.stack.currentWidget() is page, timeout=3000)
    app.installEventFilter(counter)
    painted: list[int] = []
    try:
        qtbot.waitUntil(lambda: bool(window._fade._stills), timeout=2000)
        assert counter.paints == 0  # the fade showed the frame drawn ahead
        stills = len(window._fade._stills)
        assert stills == len(page.parts())  # header and both widgets
        while window._fade._stills:
            painted.append(counter.paints)
            qtbot.wait(10)
        qtbot.wait(100)
    finally:
        app.removeEventFilter(counter)
    assert painted == sorted(painted) and counter.paints <= len(page.widgets)
    assert max(b - a for a, b in zip([0, *painted], [*painted, counter.paints], strict=True)) <= 1
    assert distance(on_screen(window), window.grab().toImage()) == 0


def test_the_frame_drawn_ahead_is_let_go_when_the_fade_ends_not_after_the_lift(
    qtbot: QtBot, walls: list[Wall]
) -> None:
    """The frame (33 MB at 4K) was held until the last still was lifted, 0.3 s after the fade.
    The fade's last frame puts the whole new frame on screen, so the stills need none: the
    frame is let go when they come, and what they show, on screen and in a grab, is the
    frame's."""
    window, _ = fading_window(qtbot, walls, pages("One", "Two", duration="3s"), "0.2s")
    page = window.pages[1]
    qtbot.waitUntil(lambda: window._ahead.page is page, timeout=4000)
    qtbot.waitUntil(lambda: not window._ahead._todo, timeout=1000)  # every part drawn
    assert window._ahead._frame is not None
    frame = window._ahead._frame.toImage()
    qtbot.waitUntil(lambda: bool(window._fade._stills), timeout=4000)
    fade = window._fade
    assert fade._new.isNull() and fade._old.isNull()
    assert all(still._frame is None for still in fade._stills)
    screen, grab = on_screen(window), window.grab().toImage()
    for still in fade._stills:
        where = still.geometry()
        assert distance(screen.copy(where), frame.copy(where)) == 0
        assert distance(grab.copy(where), frame.copy(where)) == 0
    while fade._stills:
        qtbot.wait(10)
    qtbot.wait(100)
    assert distance(on_screen(window), window.grab().toImage()) == 0


def test_the_page_drawn_ahead_is_fed_one_widget_per_step_before_any_part_is_drawn(
    qtbot: QtBot, walls: list[Wall]
) -> None:
    """Feeding a whole page in one go held the soak's tickers for 60 ms (a word cloud laid out
    afresh took 14-23 ms of it): each widget is fed in a step of its own, and every part is
    drawn after the last one is fed, from what it was fed."""
    window, _ = fading_window(qtbot, walls, pages("One", "Two"), "0.2s")
    page = window.pages[1]
    steps: list[tuple[str, int]] = []  # (what, steps left after it)
    ahead = window._ahead
    for widget in page.widgets:
        fed = widget.refresh

        def feed(widget: QWidget = widget, fed: Callable[[], None] = fed) -> None:
            fed()
            steps.append((type(widget).__name__, len(ahead._todo)))

        widget.refresh = feed  # type: ignore[method-assign]
    fed_by_data = [widget for widget in page.widgets if widget.stream is not None]
    assert fed_by_data and all(widget.sample is None for widget in fed_by_data)
    window.draw_ahead()
    assert all(widget.sample is None for widget in fed_by_data)  # not in the call itself
    qtbot.waitUntil(lambda: not ahead._todo, timeout=2000)
    assert [name for name, _ in steps] == [type(widget).__name__ for widget in page.widgets]
    left = [count for _, count in steps]
    assert left == sorted(left, reverse=True) and len(set(left)) == len(left)  # one per step
    assert left[-1] == BANDS + len(page.parts())  # all fed before the first band or part
    assert all(widget.sample is not None for widget in fed_by_data)


def test_the_frame_drawn_ahead_fills_its_background_a_band_per_step(
    qtbot: QtBot, walls: list[Wall]
) -> None:
    """A new 4K picture's first fill is 33 MB of fresh pages (12-14 ms in one go, a late ticker
    frame at every flip): the frame's background is filled in BANDS steps before the parts, and
    the finished frame is the one a fill in one go and the parts would give."""
    window, _ = fading_window(qtbot, walls, pages("One", "Two"), "0.2s")
    page = window.pages[1]
    ahead = window._ahead
    ahead.start(page)
    bands = [step for step in ahead._todo if isinstance(step, QRect)]
    assert len(bands) == BANDS and ahead._todo[BANDS:] == page.parts()
    assert sum(band.height() for band in bands) == window.height()
    assert all(band.width() == window.width() for band in bands)
    assert max(band.height() for band in bands) <= -(-window.height() // BANDS)
    qtbot.waitUntil(lambda: not ahead._todo, timeout=2000)
    taken = ahead.take(page)
    assert taken is not None
    assert_whole_frame(window, page, *taken)


def assert_whole_frame(
    window: ScreenWindow, page: QWidget, frame: QPixmap, places: list[QRect]
) -> None:
    """``frame`` is what a fill in one go and every part of ``page`` at ``places`` give."""
    assert isinstance(page, PageView)
    expected = QPixmap(frame.size())
    expected.setDevicePixelRatio(frame.devicePixelRatio())
    expected.fill(window.wall_style.background)
    painter = QPainter(expected)
    for part, where in zip(page.parts(), places, strict=True):
        part.render(painter, where.topLeft())
    painter.end()
    assert distance(frame.toImage(), expected.toImage()) == 0


def test_the_frame_is_drawn_in_the_last_moments_before_the_flip_and_finished_at_it(
    qtbot: QtBot, walls: list[Wall]
) -> None:
    """The frame drawn ahead is a 4K wall's biggest buffer (33 MB) and lives until the fade
    after the flip ends: the page is fed AHEAD_S before its flip, as before, but its parts are
    drawn only in the last DRAW_S, and what is not drawn when the flip comes is drawn then."""
    window, _ = fading_window(qtbot, walls, pages("One", "Two"), "0.2s")
    page = window.pages[1]
    ahead = window._ahead
    ahead.start(page, feed=page.feeds(), draw_in=0.4)
    qtbot.waitUntil(lambda: all(isinstance(step, QRect | QWidget) for step in ahead._todo))
    assert ahead._frame is None and len(ahead._todo) == BANDS + len(page.parts())
    qtbot.wait(200)
    assert ahead._frame is None  # fed, not drawn: nothing held yet
    qtbot.waitUntil(lambda: not ahead._todo, timeout=2000)  # drawn once its time came
    assert ahead.finished_at_flip == 0
    ahead.start(page, feed=page.feeds(), draw_in=60.0)  # the flip comes before the time
    qtbot.waitUntil(lambda: all(isinstance(step, QRect | QWidget) for step in ahead._todo))
    qtbot.wait(100)  # waiting for its time
    taken = ahead.take(page)
    assert taken is not None and ahead.finished_at_flip == 1
    assert_whole_frame(window, page, *taken)
    # The next page's first step comes at once again, not after the wait the last one was in.
    fed: list[float] = []
    ahead.start(page, feed=[lambda: fed.append(time.monotonic())], draw_in=0.0)
    started = time.monotonic()
    qtbot.waitUntil(lambda: bool(fed), timeout=2000)
    assert fed[0] - started < 0.2


class _PaintCounter(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.paints = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and isinstance(watched, KioskWidget):
            self.paints += 1
        return False


def test_a_fade_does_not_repaint_the_live_page_under_it(qtbot: QtBot, walls: list[Wall]) -> None:
    """The fade cross-fades two still frames: the widgets of the page are painted for the two
    frames and once when it ends, not once per fade frame (a translucent overlay made Qt
    repaint them ~24 times per fade)."""
    window, _ = fading_window(qtbot, walls, pages("One", "Two"), "0.4s")
    qtbot.wait(50)
    counter = _PaintCounter()
    app = QApplication.instance()
    assert app is not None
    app.installEventFilter(counter)
    try:
        window.next_page()
        qtbot.wait(600)  # the whole fade and its end
    finally:
        app.removeEventFilter(counter)
    widgets = len(window.pages[0].widgets) + len(window.pages[1].widgets)
    assert 0 < counter.paints <= 2 * widgets, counter.paints


def test_a_ticker_on_both_pages_scrolls_on_through_the_flip(
    qtbot: QtBot, walls: list[Wall]
) -> None:
    ticker = "{type: ticker, at: [0, 7, 12, 1], data: social.mentions}"
    made = []
    for title in ("One", "Two"):
        text = f"{{type: text, at: [0, 0, 12, 7], text: {title}}}"
        made.append(f"{{title: {title}, duration: 30s, widgets: [{text}, {ticker}]}}")
    window, hub = fading_window(qtbot, walls, f"[{', '.join(made)}]", "0.4s")
    hub.append("social.mentions", [mention(i) for i in range(30)])
    old, new = window.pages[0].widgets[1], window.pages[1].widgets[1]
    assert isinstance(old, TickerWidget) and isinstance(new, TickerWidget)
    qtbot.waitUntil(lambda: len(old.items) >= 2, timeout=2000)
    shown = [(i.mention.id, i.entered) for i in old.items]
    window.next_page()
    # The same posts at the same places: the strip goes on, it does not start over.
    assert [(i.mention.id, i.entered) for i in new.items][: len(shown)] == shown
    # The strip is left out of the fade, so it keeps moving while the page fades in.
    strip = QRect(new.strip.mapTo(window, QPoint(0, 0)), new.strip.size())
    assert window._fade.isVisible() and not window._fade.mask().intersects(strip)
    # The hidden page's ticker keeps no pictures of the posts that went on without it ...
    assert not old.isVisible() and old.items == [] and old._prepared is None
    assert old.tape is not None and old.tape.pictures == {}
    # ... and takes the strip over again when its page comes back.
    qtbot.wait(500)
    shown = [(i.mention.id, i.entered) for i in new.items]
    window.next_page()
    assert old.isVisible() and [(i.mention.id, i.entered) for i in old.items][: len(shown)] == shown
    assert shown and old.tape.pictures and new.items == []


def test_cut_flips_at_once_and_a_pin_holds(qtbot: QtBot, walls: list[Wall]) -> None:
    screens = (
        f"  - {{name: a, match: {{connector: HDMI-1}}, rotation: {{transition: cut, pin: Two}},"
        f" pages: {pages('One', 'Two', 'Three', duration='0.2s')}}}\n"
    )
    wall, _ = start(walls, layout(screens), Clock())
    window = wall.screen_windows["a"]
    assert window.current_index == 1
    qtbot.wait(600)
    assert window.current_index == 1 and window.flips == 0  # pinned: no rotation
    window.pin(None)
    qtbot.waitUntil(lambda: window.current_index == 2, timeout=1000)
    assert window.stack.currentWidget() is window.pages[2]  # cut: no fade overlay pending


def test_synced_screens_flip_together_on_the_first_ones_clock(
    qtbot: QtBot, walls: list[Wall]
) -> None:
    screens = (
        f"  - {{name: a, match: {{connector: HDMI-1}}, rotation: {{sync: wall, transition: cut}},"
        f" pages: {pages('A1', 'A2', duration='0.3s')}}}\n"
        f"  - {{name: b, match: {{connector: HDMI-2}}, rotation: {{sync: wall, transition: cut}},"
        f" pages: {pages('B1', 'B2', 'B3', duration='5s')}}}\n"
        f"  - {{name: c, match: {{connector: DP-1}}, rotation: {{transition: cut}},"
        f" pages: {pages('C1', 'C2', duration='5s')}}}\n"
    )
    wall, _ = start(walls, layout(screens), Clock())
    a, b, c = (wall.screen_windows[name] for name in "abc")
    flips: list[tuple[int, int]] = []
    for _ in range(3):
        qtbot.waitUntil(lambda: a.flips > len(flips), timeout=2000)
        flips.append((a.current_index, b.current_index))
        assert a.flips == b.flips  # same slot call: never one without the other
    assert flips == [(1, 1), (0, 2), (1, 0)]
    assert c.flips == 0  # not synced: its own 5 s clock


def test_takeover_on_alert_with_banner_then_back_to_rotation(
    qtbot: QtBot, walls: list[Wall], clock: Clock
) -> None:
    screens = (
        f"  - {{name: a, match: {{connector: HDMI-1}}, rotation: {{transition: cut}},"
        f" pages: {pages('One', 'Two')}}}\n"
        f"  - {{name: b, match: {{connector: HDMI-2}}, pages: {pages('Other')}}}\n"
    )
    takeovers = (
        "takeovers:\n"
        "  - {name: Crisis, when: {stream: social.alerts, severity: critical}, screens: [a],"
        " hold: 1m, page: {title: Crisis room, widgets: [{type: alert_banner, at: [0, 0, 12, 1],"
        " data: social.alerts}]}}\n"
    )
    wall, hub = start(walls, layout(screens, takeovers), clock)
    a, b = wall.screen_windows["a"], wall.screen_windows["b"]
    a.next_page()
    warning = Alert("spike:Acme", "warning", "Acme mentions 2.1× normal", clock.now)
    hub.publish("social.alerts", (warning,))
    wall.check_takeovers()
    assert a.takeover is None  # below the rule's severity
    critical = Alert(
        "spike:Acme", "critical", "Acme mentions 4.2× normal", clock.now, ("#AcmeDown",)
    )
    hub.publish("social.alerts", (critical,))
    wall.check_takeovers()
    assert a.takeover is not None and b.takeover is None
    shown = a.stack.currentWidget()
    assert shown is a.takeover[1] and shown.banner is not None
    assert shown.banner.text == "Crisis · Acme mentions 4.2× normal · driven by #AcmeDown"
    a.next_page()  # the rotation's clock does not move a takeover
    assert a.stack.currentWidget() is shown
    hub.publish("social.alerts", ())
    clock.now += 30
    wall.check_takeovers()
    assert a.takeover is not None  # held: a crisis does not flap off and on
    clock.now += 31
    wall.check_takeovers()
    assert a.takeover is None
    assert a.stack.currentWidget() is a.pages[a.current_index]
    assert a.current_index == 0  # the rotation's own clock kept going underneath


def rule(hub: Hub, when: str, hold: str = "10s") -> TakeoverRule:
    config = layout(
        f"  - {{name: a, match: {{any: true}}, pages: {pages('One')}}}\n",
        f"takeovers:\n  - {{name: Mood, when: {when}, hold: {hold}, page: {{title: Mood}}}}\n",
    ).takeovers[0]
    return TakeoverRule(config, hub)


def test_a_figure_past_its_bound_fires_and_a_dead_source_decides_nothing(clock: Clock) -> None:
    hub = Runtime(
        layout(f"  - {{name: a, match: {{any: true}}, pages: {pages('One')}}}\n"), Hub(clock=clock)
    ).hub
    hub.set_status("social", SourceState.OK)
    mood = rule(hub, "{stream: social.net_sentiment, below: -20}")
    hub.publish("social.net_sentiment", Metric(-5.0, label="Net sentiment"))
    assert not mood.update(clock.now) and not mood.active
    hub.publish("social.net_sentiment", Metric(-24.0, label="Net sentiment"))
    assert mood.update(clock.now) and mood.active
    assert mood.banner == "Mood · Net sentiment -24 (below -20)"
    hub.set_status("social", SourceState.FAILED, "timeout")
    clock.now += 60
    assert not mood.update(clock.now) and mood.active  # a dead backend does not end a crisis
    hub.set_status("social", SourceState.OK)
    hub.publish("social.net_sentiment", Metric(10.0))
    assert mood.update(clock.now) and not mood.active  # back, calm, and past the hold


def test_a_takeover_with_a_title_says_it_in_words(clock: Clock) -> None:
    """A lobby saw "Escalated_to_execs · esc.execs_level 1 (above 0)"."""
    hub = Runtime(
        layout(f"  - {{name: a, match: {{any: true}}, pages: {pages('One')}}}\n"), Hub(clock=clock)
    ).hub
    hub.set_status("social", SourceState.OK)
    config = layout(
        f"  - {{name: a, match: {{any: true}}, pages: {pages('One')}}}\n",
        "takeovers:\n  - {name: Escalated_to_execs, title: Escalated to the executive team,"
        " when: {stream: social.net_sentiment, below: -20}, page: {title: Execs}}\n",
    ).takeovers[0]
    escalated = TakeoverRule(config, hub)
    hub.publish("social.net_sentiment", Metric(-24.0, label="social.net_sentiment"))
    assert escalated.update(clock.now)
    assert escalated.banner == "Escalated to the executive team · -24"


def test_alert_severity_and_hold() -> None:
    clock = Clock()
    hub = Runtime(
        layout(f"  - {{name: a, match: {{any: true}}, pages: {pages('One')}}}\n"), Hub(clock=clock)
    ).hub
    any_alert = rule(hub, "{stream: social.alerts}", hold="10s")
    hub.publish("social.alerts", (Alert("spike:Acme", "warning", "Acme 2×", clock.now),))
    assert any_alert.update(clock.now) and any_alert.banner == "Mood · Acme 2×"
    hub.publish("social.alerts", ())
    clock.now += 9
    assert not any_alert.update(clock.now) and any_alert.active
    clock.now += 2
    assert any_alert.update(clock.now) and not any_alert.active


def test_screens_rotating_on_their_own_flip_further_apart_than_a_flip_lasts(
    qtbot: QtBot, walls: list[Wall]
) -> None:
    """A flip holds a picture of the whole window (32 MB at 4K) from its drawing ahead to its
    last part lifted: screens 1.3 s apart held two or three at once (3x4K peaked 60-95 MB above
    its level between flips). Each flips at least a flip's span after the one before."""
    rotating = pages("P", "Q", duration="10s")
    screens = "".join(
        f"  - {{name: {name}, match: {{connector: {connector}}}, pages: {rotating}}}\n"
        for name, connector in (("a", "HDMI-1"), ("b", "HDMI-2"), ("c", "DP-1"))
    )
    wall, _ = start(walls, layout(screens), Clock())
    windows = [wall.screen_windows[name] for name in "abc"]
    span = windows[0].flip_span
    assert span == pytest.approx(AHEAD_S + 0.4 + LIFT_S)  # the default fade
    flips = sorted(window._rotation.due for window in windows)
    gaps = [later - earlier for earlier, later in itertools.pairwise(flips)]
    gaps.append(flips[0] + 10.0 - flips[-1])  # round the page's period
    assert min(gaps) >= span - 0.05
