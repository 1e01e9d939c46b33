"""Rendering internals for speed: chunked chart lines; stalls put down to what the loop ran."""

from __future__ import annotations

import asyncio
import time

import numpy as np
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from kiosk.bench import FrameIntervals
from kiosk.config import Theme
from kiosk.config.widgets import TimeseriesOptions
from kiosk.hub import Hub
from kiosk.stalls import LoopRecorder, StallLog
from kiosk.values import Kind, TimeSeries
from kiosk.widgets.registry import create_widget
from kiosk.widgets.theme import Style

NOW = 1_750_000_000.0


def test_a_day_of_minutes_is_drawn_in_at_most_two_points_per_pixel(qtbot: QtBot) -> None:
    hub = Hub(clock=lambda: NOW)
    hub.declare("s.volume", Kind.SERIES)
    style = Style.for_screen(Theme(brands={"Acme": "#4f8cff"}), 1920, 1080)
    widget = create_widget(
        TimeseriesOptions(at=(0, 0, 8, 4), data="s.volume", window=86400, fill=True), hub, style
    )
    qtbot.addWidget(widget)
    widget.resize(850, 400)
    widget.show()
    values = np.abs(np.sin(np.arange(1440) / 30))[None, :] * 500
    values[0, 700] = 5000.0
    hub.publish("s.volume", TimeSeries(("Acme",), NOW - 1440 * 60, 60.0, values), at=NOW)
    widget.refresh()
    line = widget._curves["Acme"].line  # type: ignore[attr-defined]
    x, y = line.getData()
    assert len(x) <= 850 and y.max() == 5000.0  # the spike survives
    assert len(line._pieces or []) == 0  # not painted yet
    assert widget.grab().toImage().width() == 850
    assert line._pieces and len(line._pieces) >= len(x) // line.CHUNK  # stroked in pieces


class _Slow(QWidget):
    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.User:
            time.sleep(0.12)  # a slow handler, as a slow paint is
            return True
        return super().event(event)


def test_a_stall_is_blamed_on_what_ran_in_it(qtbot: QtBot) -> None:
    recorder = LoopRecorder()
    recorder.start()
    try:
        slow = _Slow()
        qtbot.addWidget(slow)
        start = time.monotonic()
        QApplication.sendEvent(slow, QEvent(QEvent.Type.User))
        loop = asyncio.new_event_loop()
        try:
            handle = asyncio.Handle(lambda: time.sleep(0.08), (), loop)
            handle._run()
        finally:
            loop.close()
        end = time.monotonic()
        stall = recorder.explain(start, end)
        assert "_Slow" in stall.culprit and stall.culprit_ms >= 100
        labels = dict(stall.by_label)
        assert any("callback" in label and ms >= 70 for label, ms in labels.items())

        class Ticker:  # frame times as a ticker records them
            frame_times = [start - 0.016, start, end]

        frames = FrameIntervals()
        frames.take(Ticker())
        log = StallLog(recorder)
        log.add(frames.long)
        log.add(frames.long)  # another screen's ticker saw the same stall
        assert log.count == 1 and "_Slow" in log.stalls[0].culprit
        assert "_Slow" in "\n".join(log.lines("after warm-up"))
    finally:
        recorder.stop()
    assert asyncio.Handle._run is not None and not recorder.ring
