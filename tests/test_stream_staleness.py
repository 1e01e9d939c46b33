"""One stream failing while its source's other streams work: its widget dims in time and says
why, and one waiting for it says what it waits on, instead of "updated 8 min ago" at full
brightness or "Waiting for es.per_hour…" without a reason."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from pytestqt.qtbot import QtBot

from kiosk.config import Theme
from kiosk.config.widgets import KpiOptions, TimeseriesOptions
from kiosk.hub import Hub, SourceState
from kiosk.sources.opensearch import OpenSearchSource
from kiosk.sources.prometheus import PrometheusSource
from kiosk.widgets.base import KioskWidget
from kiosk.widgets.registry import create_widget
from kiosk.widgets.theme import Style
from tests.http_fakes import FakeTime, make_source, ok, run

BROKEN = httpx.Response(
    400, json={"status": "error", "errorType": "bad_data", "error": "parse error at char 6"}
)


def widget(qtbot: QtBot, hub: Hub, options: KpiOptions | TimeseriesOptions) -> KioskWidget:
    style = Style.for_screen(Theme(), 1920, 1080)
    shown = create_widget(options, hub, style)
    qtbot.addWidget(shown)
    shown.resize(900, 400)
    shown.show()
    shown.refresh()
    return shown


def prometheus(request: httpx.Request) -> httpx.Response:
    """``up`` always answers; the range query answers once, then is refused."""
    if request.url.path.endswith("query_range"):
        prometheus.ranges += 1  # type: ignore[attr-defined]
        if prometheus.ranges > 1:  # type: ignore[attr-defined]
            return BROKEN
        t = float(request.url.params["end"])
        matrix = [{"metric": {"job": "api"}, "values": [[t - 60, "1"], [t, "2"]]}]
        return ok({"status": "success", "data": {"resultType": "matrix", "result": matrix}})
    vector = [{"metric": {}, "value": [0, "42"]}]
    return ok({"status": "success", "data": {"resultType": "vector", "result": vector}})


def test_a_failing_stream_dims_while_its_sources_other_streams_are_fine(
    qtbot: QtBot, tmp_path: Path
) -> None:
    prometheus.ranges = 0  # type: ignore[attr-defined]
    options = {
        "type": "prometheus",
        "url": "http://prom.example:9090",
        "streams": {
            "up": {"kind": "metric", "query": "sum(up)"},
            "traffic": {"kind": "series", "query": "rate(x[5m])", "range": "1h", "step": "1m"},
        },
    }
    time = FakeTime(polls=4)  # one good poll, then three minutes of refused range queries
    source, hub = make_source(PrometheusSource, "prom", options, prometheus, time, tmp_path)
    run(source)
    assert hub.status("prom").state is SourceState.OK  # the source as a whole works
    chart = widget(qtbot, hub, TimeseriesOptions(at=(0, 0, 8, 4), data="prom.traffic"))
    figure = widget(qtbot, hub, KpiOptions(at=(0, 0, 4, 2), data="prom.up"))
    assert not figure.is_stale and figure.freshness_text() == "updated 1s ago"  # CLDR: at least 1 s
    assert chart.is_stale and chart.veil.isVisible()
    assert chart.freshness_text().startswith("no data since ")
    assert "parse error at char 6" in chart.veil.message  # and why
    assert hub.stream_status("prom.traffic").state is SourceState.STALE


def test_a_stream_failing_for_stale_after_is_failed_and_recovers_by_itself(
    tmp_path: Path,
) -> None:
    prometheus.ranges = 0  # type: ignore[attr-defined]
    options = {
        "type": "prometheus",
        "url": "http://prom.example:9090",
        "stale_after": "2m",
        "streams": {
            "up": {"kind": "metric", "query": "sum(up)"},
            "traffic": {"kind": "series", "query": "rate(x[5m])", "range": "1h", "step": "1m"},
        },
    }
    time = FakeTime(polls=5)
    source, hub = make_source(PrometheusSource, "prom", options, prometheus, time, tmp_path)
    run(source)
    assert hub.stream_status("prom.traffic").state is SourceState.FAILED
    source.stream_ok("traffic")
    assert hub.stream_status("prom.traffic").state is SourceState.OK


def test_a_widget_waiting_for_a_stream_that_errors_says_why(qtbot: QtBot, tmp_path: Path) -> None:
    def search(request: httpx.Request) -> httpx.Response:
        if b"date_histogram" in request.content:
            error = {"type": "illegal_argument_exception", "reason": "field [ts] is not a date"}
            return httpx.Response(400, json={"error": {"root_cause": [error]}, "status": 400})
        return ok({"hits": {"total": {"value": 7}, "hits": []}})

    options = {
        "type": "opensearch",
        "url": "http://search.example:9200",
        "index": "mentions",
        "streams": {
            "count": {"kind": "metric"},
            "per_hour": {"kind": "series", "range": "6h", "interval": "1h", "time_field": "ts"},
        },
    }
    time = FakeTime(polls=2)
    source, hub = make_source(OpenSearchSource, "es", options, search, time, tmp_path)
    run(source)
    waiting = widget(qtbot, hub, TimeseriesOptions(at=(0, 0, 8, 4), data="es.per_hour"))
    assert waiting.placeholder_text() == (
        "Waiting for es.per_hour: illegal_argument_exception: field [ts] is not a date"
    )
    counted = widget(qtbot, hub, KpiOptions(at=(0, 0, 4, 2), data="es.count"))
    assert counted.sample is not None and not counted.is_stale


@pytest.mark.parametrize("state", [SourceState.STALE, SourceState.FAILED])
def test_a_failing_source_still_speaks_for_all_its_streams(
    qtbot: QtBot, state: SourceState
) -> None:
    hub = Hub()
    hub.declare("s.rate", KpiOptions.accepts[0])
    hub.set_stream_trouble("s.rate", SourceState.STALE, "its own trouble")
    hub.set_status("s", state, "cannot connect to api.example.com")
    shown = widget(qtbot, hub, KpiOptions(at=(0, 0, 4, 2), data="s.rate"))
    assert shown.placeholder_text().startswith("No data yet from s: cannot connect")
