"""Screenshot comparisons for key widgets: fixed size, bundled font, deterministic data.

A widget's picture is compared with ``tests/screenshots/<name>.png`` with a tolerance (anti-
aliasing and font rasterisation differ slightly between machines). On failure the actual image
and a diff are written to ``tests/_artifacts/``. To accept new pictures after an intended change:

    KIOSK_UPDATE_SCREENSHOTS=1 .venv/bin/python -m pytest tests/test_screenshots.py
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from kiosk.config import Theme
from kiosk.config.widgets import (
    KpiOptions,
    LeaderboardOptions,
    ShareOfVoiceOptions,
    TimeseriesOptions,
    WidgetOptions,
)
from kiosk.hub import Hub
from kiosk.values import Breakdown, Kind, Metric, RankEntry, Ranking, TimeSeries
from kiosk.widgets.registry import create_widget
from kiosk.widgets.theme import Style
from tests.pictures import rgb

EXPECTED = Path(__file__).with_name("screenshots")
ARTIFACTS = Path(__file__).with_name("_artifacts")
NOW = 1_790_000_000.0  # 2026-09-21 14:13:20 UTC
CHANNEL_TOLERANCE = 48  # a pixel differs when a channel moves more than this (0…255)
PIXEL_TOLERANCE = 0.01  # the picture differs when more than this share of pixels differ


@pytest.fixture(autouse=True)
def _utc() -> Iterator[None]:
    # Axis labels are local time: render in UTC so the pictures are the same everywhere.
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def _series() -> TimeSeries:
    minutes = np.arange(60, dtype=np.float64)
    acme = 400 + 120 * np.sin(minutes / 6) + np.where(minutes > 45, 900, 0)
    globex = 220 + 60 * np.cos(minutes / 9)
    return TimeSeries(("Acme", "Globex"), NOW - 3600, 60.0, np.vstack([acme, globex]))


CASES: dict[str, tuple[WidgetOptions, Kind, object, tuple[int, int]]] = {
    "kpi": (
        KpiOptions(at=(0, 0, 4, 2), data="s.v", title="Mentions per minute"),
        Kind.METRIC,
        Metric(1234, 1000, tuple(float(v) for v in range(40, 100, 3)), "/min"),
        (620, 250),
    ),
    "timeseries": (
        TimeseriesOptions(at=(0, 0, 8, 4), data="s.v", title="Mentions by brand", window=3600),
        Kind.SERIES,
        _series(),
        (1260, 520),
    ),
    "leaderboard": (
        LeaderboardOptions(at=(0, 0, 5, 3), data="s.v", title="Top hashtags", limit=4),
        Kind.RANKING,
        Ranking(
            (
                RankEntry("#AcmeDown", 2600, None),
                RankEntry("#Acme", 950, 0),
                RankEntry("#Globex", 400, 3),
                RankEntry("#deals", 120, 2),
            )
        ),
        (780, 400),
    ),
    "share_of_voice": (
        ShareOfVoiceOptions(at=(0, 0, 4, 4), data="s.v", title="Share of voice"),
        Kind.BREAKDOWN,
        Breakdown((("Acme", 48), ("Globex", 27), ("Initech", 15), ("Umbrella", 10))),
        (620, 420),
    ),
}


def render(qtbot: QtBot, name: str) -> QImage:
    options, kind, value, size = CASES[name]
    hub = Hub(clock=lambda: NOW)
    hub.declare("s.v", kind)
    hub.publish("s.v", value, at=NOW)
    # Every brand's colour is given: palette colours depend on which brands came first.
    theme = Theme(
        brands={"Acme": "#56B4E9", "Globex": "#E69F00", "Initech": "#2BC59A", "Umbrella": "#CC79A7"}
    )
    widget = create_widget(options, hub, Style.for_screen(theme, 1920, 1080))
    qtbot.addWidget(widget)
    widget.resize(*size)
    widget.show()
    widget.refresh()
    qtbot.waitExposed(widget)
    return widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)


def compare(actual: QImage, name: str, write: Callable[[str, QImage], None]) -> str | None:
    expected_path = EXPECTED / f"{name}.png"
    expected = QImage(str(expected_path)).convertToFormat(QImage.Format.Format_RGB32)
    if expected.size() != actual.size():
        got, want = actual.size(), expected.size()
        return f"size {got.width()}x{got.height()}, expected {want.width()}x{want.height()}"
    delta = np.abs(rgb(actual).astype(np.int16) - rgb(expected).astype(np.int16))
    differing = delta.max(axis=2) > CHANNEL_TOLERANCE
    share = float(differing.mean())
    if share <= PIXEL_TOLERANCE:
        return None
    diff = QImage(actual)
    for y, x in zip(*np.nonzero(differing), strict=True):
        diff.setPixel(int(x), int(y), 0xFFFF00FF)
    write(f"{name}.actual.png", actual)
    write(f"{name}.diff.png", diff)
    return f"{share:.2%} of pixels differ (tolerance {PIXEL_TOLERANCE:.0%}); see {ARTIFACTS}"


def _write(filename: str, image: QImage) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    image.save(str(ARTIFACTS / filename))


@pytest.mark.parametrize("name", sorted(CASES))
def test_widget_looks_as_approved(qtbot: QtBot, name: str) -> None:
    actual = render(qtbot, name)
    if os.environ.get("KIOSK_UPDATE_SCREENSHOTS") or not (EXPECTED / f"{name}.png").exists():
        EXPECTED.mkdir(exist_ok=True)
        actual.save(str(EXPECTED / f"{name}.png"))
        if not os.environ.get("KIOSK_UPDATE_SCREENSHOTS"):
            pytest.fail(f"no approved picture for {name}: wrote one, look at it and commit it")
        return
    problem = compare(actual, name, _write)
    assert problem is None, f"{name}: {problem}"


def test_the_comparison_catches_a_changed_picture(qtbot: QtBot) -> None:
    actual = render(qtbot, "kpi")
    changed = QImage(actual)
    for y in range(40, 200):
        for x in range(20, 300):
            changed.setPixel(x, y, 0xFFFF0000)
    written: list[str] = []
    assert compare(changed, "kpi", lambda filename, _: written.append(filename)) is not None
    assert written == ["kpi.actual.png", "kpi.diff.png"]
    assert compare(actual, "kpi", lambda filename, _: written.append(filename)) is None
