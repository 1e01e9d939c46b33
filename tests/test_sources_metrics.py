"""The prometheus, opensearch and ics sources without a network.

httpx.MockTransport answers with payloads written after each API's documented format; a fake
clock that moves only when the source sleeps keeps time.
"""

from __future__ import annotations

import base64
import json
import logging
import math
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import numpy as np
import pytest
from pydantic import ValidationError

from kiosk.config import parse_layout
from kiosk.hub import Hub, SourceState
from kiosk.sources import SOURCES
from kiosk.sources.ics import NOTHING_MORE, IcsOptions, IcsSource
from kiosk.sources.opensearch import OpenSearchOptions, OpenSearchSource
from kiosk.sources.prometheus import PrometheusOptions, PrometheusSource
from kiosk.values import Breakdown, Metric, RankEntry, Ranking, TimeSeries
from tests import http_fakes
from tests.http_fakes import Backend, make_source, run

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
T0 = 1_736_157_630.0  # 2025-01-06 10:00:30 UTC
SECRET = "s3cret-Pa55word"


def local(text: str) -> float:
    """Epoch seconds of a wall-clock time in Amsterdam."""
    return datetime.fromisoformat(text).replace(tzinfo=AMSTERDAM).timestamp()


class FakeTime(http_fakes.FakeTime):
    """The shared fake clock, starting at this module's T0 (30 s into a minute)."""

    def __init__(self, polls: int = 1, now: float = T0) -> None:
        super().__init__(polls, now)


def first_poll_then(
    time: FakeTime, first: Callable[[httpx.Request], httpx.Response], then: httpx.Response
) -> Callable[[httpx.Request], httpx.Response]:
    """Answers as ``first`` while the clock is at its start (several requests a poll), then
    ``then``."""
    start = time.now
    return lambda request: first(request) if time.now == start else then


def value(hub: Hub, stream: str) -> Any:
    sample = hub.sample(f"m.{stream}")
    assert sample is not None, f"{stream} has no value"
    return sample.value


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)
    yield caplog


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def everything_said(caplog: pytest.LogCaptureFixture, tmp_path: Path) -> str:
    cached = "".join(p.read_text() for p in tmp_path.rglob("*.json"))
    return caplog.text + "".join(r.getMessage() for r in caplog.records) + cached


# -- prometheus --------------------------------------------------------------------------------

PROM = "http://prometheus.internal:9090"


def prom_ok(result_type: str, result: Any, warnings: list[str] | None = None) -> httpx.Response:
    document: dict[str, Any] = {
        "status": "success",
        "data": {"resultType": result_type, "result": result},
    }
    if warnings:
        document["warnings"] = warnings
    return httpx.Response(200, json=document)


def prom_error(status: int, error_type: str, error: str) -> httpx.Response:
    return httpx.Response(status, json={"status": "error", "errorType": error_type, "error": error})


def vector(*samples: tuple[dict[str, str], str]) -> list[dict[str, Any]]:
    return [{"metric": labels, "value": [T0, number]} for labels, number in samples]


PROM_STREAMS = {
    "rps": {
        "kind": "metric",
        "query": "sum(rate(http_requests_total[5m]))",
        "previous": "sum(rate(http_requests_total[5m] offset 1d))",
        "unit": "/s",
    },
    "traffic": {
        "kind": "series",
        "query": "sum by (job) (rate(http_requests_total[5m]))",
        "range": "5m",
        "step": "1m",
        "label": "job",
    },
    "paths": {
        "kind": "ranking",
        "query": "sum by (path) (rate(http_requests_total[1h]))",
        "label": "path",
        "top": 2,
    },
    "codes": {"kind": "breakdown", "query": "sum by (code) (increase(x[1h]))", "label": "code"},
}

END = 1_736_157_600.0  # T0 floored to the minute: where the range query's axis ends


def prometheus_answers(request: httpx.Request) -> httpx.Response:
    query = request.url.params["query"]
    if request.url.path.endswith("query_range"):
        values = [[END - 240, "1"], [END - 180, "NaN"], [END - 60, "+Inf"], [END, "4.5"]]
        return prom_ok(
            "matrix",
            [
                {"metric": {"job": "web"}, "values": values},
                {"metric": {"job": "api"}, "values": [[END - 120, "2"]]},
            ],
        )
    if query.startswith("sum by (path)"):
        return prom_ok(
            "vector",
            vector(({"path": "/a"}, "3"), ({"path": "/b"}, "9"), ({"path": "/c"}, "NaN"))
            + vector(({"path": "/d"}, "+Inf"), ({"path": "/e"}, "5")),
        )
    if query.startswith("sum by (code)"):
        return prom_ok("vector", vector(({"code": "500"}, "2"), ({"code": "200"}, "40")))
    if "offset 1d" in query:
        return prom_ok("vector", vector(({}, "100")))
    return prom_ok("vector", vector(({}, "120.5")))


def prometheus(
    backend: Backend, time: FakeTime, tmp_path: Path, **options: Any
) -> tuple[PrometheusSource, Hub]:
    settings = {"type": "prometheus", "url": PROM + "/", "streams": PROM_STREAMS, **options}
    return make_source(PrometheusSource, "m", settings, backend, time, tmp_path)


def test_prometheus_fills_a_stream_of_every_kind(tmp_path: Path) -> None:
    backend = Backend(prometheus_answers)
    source, hub = prometheus(backend, FakeTime(), tmp_path)
    run(source)
    assert value(hub, "rps") == Metric(120.5, 100.0, (120.5,), "/s")
    series: TimeSeries = value(hub, "traffic")
    assert series.labels == ("api", "web")
    assert (series.start, series.step) == (END - 360, 60.0)  # each point fills the step before it
    np.testing.assert_array_equal(series.values[1], [np.nan, 1, np.nan, np.nan, np.nan, 4.5])
    np.testing.assert_array_equal(series.values[0], [np.nan, np.nan, np.nan, 2, np.nan, np.nan])
    assert value(hub, "paths") == Ranking((RankEntry("/b", 9.0), RankEntry("/e", 5.0)))
    assert value(hub, "codes") == Breakdown((("200", 40.0), ("500", 2.0)))
    assert hub.status("m").state is SourceState.OK
    [ranged] = [r for r in backend.requests if r.url.path == "/api/v1/query_range"]
    params = ranged.url.params
    assert (params["start"], params["end"], params["step"]) == (
        f"{END - 300:.3f}",
        f"{END:.3f}",
        "60.000",
    )
    instant = {r.url.params["query"] for r in backend.requests if r.url.path == "/api/v1/query"}
    assert len(instant) == 4 and all(r.method == "GET" for r in backend.requests)


def test_prometheus_metric_takes_a_scalar_and_keeps_its_value_through_nan(
    tmp_path: Path, logs: pytest.LogCaptureFixture
) -> None:
    streams = {"up": {"kind": "metric", "query": "scalar(up)"}, **PROM_STREAMS}
    answers = [prom_ok("scalar", [T0, "7"]), prom_ok("scalar", [T0, "NaN"])]

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.params["query"] == "scalar(up)":
            return answers.pop(0) if len(answers) > 1 else answers[0]
        return prometheus_answers(request)

    source, hub = prometheus(Backend(answer), FakeTime(polls=3), tmp_path, streams=streams)
    run(source)
    sample = hub.sample("m.up")
    assert sample is not None and (sample.value, sample.at) == (Metric(7.0, None, (7.0,)), T0)
    assert warnings(logs) == ["source m: up keeps its last good value: the figure is nan"]
    assert value(hub, "rps").history == (120.5, 120.5, 120.5)  # the others go on


def test_a_failing_query_keeps_its_stream_is_logged_once_and_the_others_update(
    tmp_path: Path, logs: pytest.LogCaptureFixture
) -> None:
    polls = {"n": 0}

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.params["query"].startswith("sum by (path)"):
            polls["n"] += 1
            if 2 <= polls["n"] <= 4:
                return prom_error(400, "bad_data", '1:8: parse error: unexpected "}"')
        return prometheus_answers(request)

    source, hub = prometheus(Backend(answer), FakeTime(polls=5), tmp_path)
    published: list[float] = []
    hub.subscribe("m.paths", lambda _, batch: published.append(hub.clock()))
    run(source)
    assert published == [T0, T0 + 240]  # the first answer, kept through three errors
    assert value(hub, "rps").history == (120.5,) * 5
    assert warnings(logs) == [
        'source m: paths keeps its last good value: bad_data: 1:8: parse error: unexpected "}"'
    ]
    assert "source m: paths reads well again" in logs.text
    assert hub.status("m").state is SourceState.OK


def test_a_metric_of_many_series_or_none_is_that_streams_problem(
    tmp_path: Path, logs: pytest.LogCaptureFixture
) -> None:
    many = prom_ok("vector", vector(({"job": "a"}, "1"), ({"job": "b"}, "2")))
    streams = {"x": {"kind": "metric", "query": "up"}, "y": {"kind": "metric", "query": "absent"}}

    def answer(request: httpx.Request) -> httpx.Response:
        return many if request.url.params["query"] == "up" else prom_ok("vector", [])

    source, hub = prometheus(Backend(answer), FakeTime(), tmp_path, streams=streams)
    run(source)
    assert hub.status("m").state is SourceState.STALE
    assert hub.status("m").detail == "x: 2 series: wrap the query in sum()"
    assert hub.sample("m.x") is None and hub.sample("m.y") is None


def test_prometheus_warnings_are_logged_once_and_the_values_used(
    tmp_path: Path, logs: pytest.LogCaptureFixture
) -> None:
    warned = prom_ok("vector", vector(({}, "3")), ["PromQL info: metric might not be a counter"])
    streams = {"x": {"kind": "metric", "query": "rate(x[5m])"}}
    source, hub = prometheus(Backend(warned), FakeTime(polls=3), tmp_path, streams=streams)
    run(source)
    assert value(hub, "x").history == (3.0, 3.0, 3.0)
    assert warnings(logs) == [
        "source m: x: Prometheus warns: PromQL info: metric might not be a counter"
    ]


def test_a_previous_period_without_data_gives_no_arrow(tmp_path: Path) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if "offset 1d" in request.url.params["query"]:
            return prom_ok("vector", [])  # a metric younger than a day
        return prometheus_answers(request)

    source, hub = prometheus(Backend(answer), FakeTime(), tmp_path)
    run(source)
    assert value(hub, "rps") == Metric(120.5, None, (120.5,), "/s")


@pytest.mark.parametrize(
    ("answer", "detail"),
    [
        (httpx.Response(200, text="<html>login</html>"), "rps: the answer is not JSON"),
        (httpx.Response(200, json={"data": []}), "rps: the answer is not a Prometheus API answer"),
        (prom_ok("string", [T0, "x"]), "rps: a string result, expected a vector"),
        (prom_error(422, "execution", "query processing would load too many samples"),
         "rps: execution: query processing would load too many samples"),
        (httpx.Response(500), "HTTP 500 from prometheus.internal"),
    ],
)  # fmt: skip
def test_prometheus_garbage_keeps_the_last_values_and_never_escapes(
    tmp_path: Path, answer: httpx.Response, detail: str
) -> None:
    time = FakeTime(polls=3)
    backend = Backend(first_poll_then(time, prometheus_answers, answer))
    source, hub = prometheus(backend, time, tmp_path)
    run(source)
    assert hub.status("m").state is SourceState.STALE
    assert hub.status("m").detail == detail
    rps = hub.sample("m.rps")
    assert rps is not None and (rps.value.value, rps.at) == (120.5, T0)


def test_prometheus_honours_retry_after_when_every_query_is_refused(tmp_path: Path) -> None:
    busy = httpx.Response(503, headers={"Retry-After": "120"})
    time = FakeTime(polls=2)
    source, hub = prometheus(Backend(busy), time, tmp_path)
    run(source)
    assert time.sleeps == [120.0, 120.0]
    assert hub.status("m").detail == "HTTP 503 from prometheus.internal"


@pytest.mark.parametrize(
    ("stream", "fragment"),
    [
        ({"kind": "ranking", "query": "up"}, "a ranking needs label:"),
        ({"kind": "metric", "query": "up", "step": "1m"}, "step: is for series streams"),
        ({"kind": "series", "query": "up", "range": "30d", "step": "1m"}, "more than 11,000"),
        ({"kind": "metric", "query": ""}, "at least 1 character"),
    ],
)
def test_prometheus_options_are_checked(stream: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        PrometheusOptions.model_validate({"url": PROM, "streams": {"s": stream}})


# -- opensearch --------------------------------------------------------------------------------

SEARCH = "https://search.internal:9200"
MINUTE_MS = 60_000


def search_ok(aggregations: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "took": 12,
        "timed_out": False,
        "_shards": {"total": 3, "successful": 3, "skipped": 0, "failed": 0},
        "hits": {"total": {"value": 1234, "relation": "eq"}, "max_score": None, "hits": []},
        **extra,
    }
    if aggregations is not None:
        answer["aggregations"] = aggregations
    return answer


def histogram(*counts: tuple[float, int]) -> dict[str, Any]:
    return {
        "buckets": [{"key_as_string": "x", "key": int(t * 1000), "doc_count": n} for t, n in counts]
    }


SEARCH_STREAMS = {
    "total": {"kind": "metric", "range": "1d", "query": {"term": {"lang": "en"}}},
    "latency": {"kind": "metric", "agg": "avg", "field": "took_ms", "unit": "ms"},
    "volume": {"kind": "series", "interval": "1m", "range": "3m", "split": "brand", "top": 2},
    "all": {"kind": "series", "interval": "1m", "range": "3m"},
    "tags": {"kind": "ranking", "field": "hashtags", "top": 2},
}
AXIS = END - 180  # T0 - 3m, floored to the minute


def search_answers(request: httpx.Request) -> httpx.Response:
    body = json.loads(request.content)
    aggs = body.get("aggs", {})
    if "figure" in aggs:
        return httpx.Response(200, json=search_ok({"figure": {"value": 41.5}}))
    if "terms" in aggs:
        buckets = [{"key": "launch", "doc_count": 30}, {"key": "sale", "doc_count": 12}]
        terms = {"doc_count_error_upper_bound": 0, "sum_other_doc_count": 7, "buckets": buckets}
        return httpx.Response(200, json=search_ok({"terms": terms}))
    if "split" in aggs:
        split = {
            "buckets": [
                {"key": "Acme", "doc_count": 9, "per": histogram((AXIS, 4), (AXIS + 120, 5))},
                {"key": "Globex", "doc_count": 2, "per": histogram((AXIS + 180, 2))},
            ]
        }
        return httpx.Response(200, json=search_ok({"split": split}))
    if "per" in aggs:  # a bucket left out: nothing in that minute
        return httpx.Response(200, json=search_ok({"per": histogram((AXIS, 1), (AXIS + 60, 3))}))
    return httpx.Response(200, json=search_ok())


def opensearch(
    backend: Backend, time: FakeTime, tmp_path: Path, **options: Any
) -> tuple[OpenSearchSource, Hub]:
    settings = {
        "type": "opensearch",
        "url": SEARCH,
        "index": "mentions-*",
        "streams": SEARCH_STREAMS,
        **options,
    }
    return make_source(OpenSearchSource, "m", settings, backend, time, tmp_path)


def test_opensearch_fills_a_stream_of_every_kind(tmp_path: Path) -> None:
    backend = Backend(search_answers)
    source, hub = opensearch(backend, FakeTime(), tmp_path)
    run(source)
    assert value(hub, "total") == Metric(1234.0, None, (1234.0,))
    assert value(hub, "latency") == Metric(41.5, None, (41.5,), "ms")
    volume: TimeSeries = value(hub, "volume")
    assert (volume.labels, volume.start, volume.step) == (("Acme", "Globex"), AXIS, 60.0)
    np.testing.assert_array_equal(volume.values, [[4, 0, 5, 0], [0, 0, 0, 2]])
    np.testing.assert_array_equal(value(hub, "all").values, [[1, 3, 0, 0]])
    assert value(hub, "tags") == Ranking((RankEntry("launch", 30.0), RankEntry("sale", 12.0)))
    assert {(r.method, r.url.path) for r in backend.requests} == {("POST", "/mentions-*/_search")}
    bodies = [json.loads(r.content) for r in backend.requests]
    [split] = [body for body in bodies if "split" in body.get("aggs", {})]
    assert split["size"] == 0
    assert split["aggs"]["split"]["terms"] == {"field": "brand", "size": 2}
    per = split["aggs"]["split"]["aggs"]["per"]["date_histogram"]
    assert (per["field"], per["fixed_interval"], per["min_doc_count"]) == (
        "@timestamp",
        "60000ms",
        0,
    )
    assert split["query"]["bool"]["filter"][1] == {
        "range": {"@timestamp": {"gte": int(AXIS * 1000), "format": "epoch_millis"}}
    }
    [count] = [body for body in bodies if "aggs" not in body]
    assert count["track_total_hits"] is True
    assert count["query"]["bool"]["filter"][0] == {"term": {"lang": "en"}}


def test_shard_failures_are_logged_once_and_the_partial_answer_used(
    tmp_path: Path, logs: pytest.LogCaptureFixture
) -> None:
    shards = {
        "total": 3,
        "successful": 2,
        "skipped": 0,
        "failed": 1,
        "failures": [
            {
                "shard": 1,
                "index": "mentions-2025.01.06",
                "node": "n1",
                "reason": {"type": "node_not_connected_exception", "reason": "[n2] not connected"},
            }
        ],
    }
    partial = httpx.Response(200, json=search_ok(_shards=shards))
    streams = {"total": SEARCH_STREAMS["total"]}
    source, hub = opensearch(Backend(partial), FakeTime(polls=3), tmp_path, streams=streams)
    run(source)
    assert value(hub, "total").history == (1234.0,) * 3
    assert warnings(logs) == [
        "source m: total shows a partial answer: 1 of 3 shards failed: [n2] not connected"
    ]
    assert hub.status("m").state is SourceState.OK


INDEX_MISSING = {
    "error": {
        "root_cause": [
            {
                "type": "index_not_found_exception",
                "reason": "no such index [mentions-*]",
                "index": "mentions-*",
            }
        ],
        "type": "index_not_found_exception",
        "reason": "no such index [mentions-*]",
    },
    "status": 404,
}


def test_an_error_object_fails_the_poll_and_the_last_values_stay(tmp_path: Path) -> None:
    time = FakeTime(polls=3)
    backend = Backend(
        first_poll_then(time, search_answers, httpx.Response(404, json=INDEX_MISSING))
    )
    source, hub = opensearch(backend, time, tmp_path)
    run(source)
    assert hub.status("m").state is SourceState.STALE
    assert hub.status("m").detail == (
        "total: index_not_found_exception: no such index [mentions-*]"
    )
    tags = hub.sample("m.tags")
    assert tags is not None and tags.at == T0 and len(tags.value.entries) == 2


def test_one_bad_search_keeps_its_stream_while_the_others_update(
    tmp_path: Path, logs: pytest.LogCaptureFixture
) -> None:
    bad_field = {
        "error": {
            "root_cause": [{"type": "illegal_argument_exception", "reason": "Text fields are not "
                            "optimised for operations that require per-document field data"}],
            "type": "search_phase_execution_exception",
            "reason": "all shards failed",
        },
        "status": 400,
    }  # fmt: skip
    time = FakeTime(polls=3)

    def answer(request: httpx.Request) -> httpx.Response:
        asked = json.loads(request.content).get("aggs", {})
        if "terms" in asked and time.now > T0:
            return httpx.Response(400, json=bad_field)
        if "split" in asked and time.now > T0:
            return httpx.Response(200, json=search_ok({"oops": {}}))  # no buckets where asked
        return search_answers(request)

    source, hub = opensearch(Backend(answer), time, tmp_path)
    run(source)
    assert hub.status("m").state is SourceState.OK
    assert value(hub, "total").history == (1234.0,) * 3
    for stream in ("tags", "volume"):
        sample = hub.sample(f"m.{stream}")
        assert sample is not None and sample.at == T0
    assert sorted(warnings(logs)) == [
        "source m: tags keeps its last good value: illegal_argument_exception: Text fields are "
        "not optimised for operations that require per-document field data",
        "source m: volume keeps its last good value: the answer has no aggregations.split",
    ]


def test_an_average_of_no_documents_keeps_the_last_figure(tmp_path: Path) -> None:
    empty = httpx.Response(200, json=search_ok({"figure": {"value": None}}))
    streams = {"latency": SEARCH_STREAMS["latency"]}
    source, hub = opensearch(Backend(empty), FakeTime(), tmp_path, streams=streams)
    run(source)
    assert hub.status("m").detail == ("latency: no avg of took_ms: no matching document has one")


def test_basic_auth_is_sent_and_the_password_is_never_written_or_logged(
    tmp_path: Path, logs: pytest.LogCaptureFixture
) -> None:
    time = FakeTime(polls=2)
    unauthorised = httpx.Response(401, json={"error": "unauthorized"})
    backend = Backend(first_poll_then(time, search_answers, unauthorised))
    source, _ = opensearch(backend, time, tmp_path, username="wall", password=SECRET)
    run(source)
    expected = base64.b64encode(f"wall:{SECRET}".encode()).decode()
    assert backend.requests[0].headers["Authorization"] == f"Basic {expected}"
    assert (tmp_path / "sources" / "m.json").exists()
    assert SECRET not in everything_said(logs, tmp_path)
    assert SECRET not in repr(source.options) and SECRET not in str(source.options)


def test_a_token_is_sent_as_bearer_and_not_written_or_logged(
    tmp_path: Path, logs: pytest.LogCaptureFixture
) -> None:
    time = FakeTime(polls=2)
    backend = Backend(first_poll_then(time, prometheus_answers, httpx.Response(500)))
    source, _ = prometheus(backend, time, tmp_path, token=SECRET)
    run(source)
    assert backend.requests[0].headers["Authorization"] == f"Bearer {SECRET}"
    assert (tmp_path / "sources" / "m.json").exists()
    assert SECRET not in everything_said(logs, tmp_path)


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"username": "wall"}, "basic auth needs both"),
        ({"username": "w", "password": "p", "token": "t"}, "not both"),
        ({"streams": {"s": {"kind": "ranking"}}}, "a ranking needs field:"),
        ({"streams": {"s": {"kind": "series"}}}, "a series needs range:"),
        ({"streams": {"s": {"kind": "metric", "agg": "sum"}}}, "needs field:"),
        ({"streams": {"s": {"kind": "metric", "split": "x"}}}, "split: is for series"),
        ({"url": "search.internal:9200"}, "expected an http"),
    ],
)
def test_opensearch_options_are_checked(options: dict[str, Any], fragment: str) -> None:
    settings = {"url": SEARCH, "index": "x", "streams": {"n": {"kind": "metric"}}, **options}
    with pytest.raises(ValidationError, match=fragment):
        OpenSearchOptions.model_validate(settings)


def test_the_new_types_are_registered_and_elasticsearch_is_opensearch() -> None:
    assert {"prometheus", "opensearch", "elasticsearch", "ics"} <= set(SOURCES)
    assert SOURCES["elasticsearch"] is SOURCES["opensearch"]
    layout = parse_layout(
        "sources:\n"
        "  es: {type: elasticsearch, url: 'http://es:9200', index: logs,\n"
        "       streams: {n: {kind: metric}}}\n"
        "  prom: {type: prometheus, url: 'http://p:9090',\n"
        "         streams: {up: {kind: metric, query: up}}}\n"
        "  cal: {type: ics, url: 'webcal://cal.example/plan.ics', timezone: Europe/Amsterdam}\n"
        "screens: [{name: a, match: {any: true}, pages: [{title: P, widgets: [\n"
        "  {type: kpi, at: [0, 0, 2, 2], data: es.n},\n"
        "  {type: kpi, at: [2, 0, 2, 2], data: prom.up},\n"
        "  {type: text, at: [4, 0, 2, 2], data: cal.next},\n"
        "]}]}]\n"
    )
    assert layout.sources["es"].type == "elasticsearch"
    cal = layout.sources["cal"]
    assert isinstance(cal, IcsOptions) and cal.url == "https://cal.example/plan.ics"


# -- ics ---------------------------------------------------------------------------------------

CALENDAR = """\
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Example Corp//Content Plan//EN
BEGIN:VTIMEZONE
TZID:Europe/Amsterdam
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
UID:weekly-planning@example.com
DTSTAMP:20250301T120000Z
DTSTART;TZID=Europe/Amsterdam:20250309T100000
DTEND;TZID=Europe/Amsterdam:20250309T103000
RRULE:FREQ=WEEKLY;BYDAY=SU
SUMMARY:Weekly planning
LOCATION:Studio 2
END:VEVENT
BEGIN:VEVENT
UID:launch@example.com
DTSTAMP:20250301T120000Z
DTSTART:20250330T120000Z
DURATION:PT1H
SUMMARY:Product launch\\, post
END:VEVENT
BEGIN:VEVENT
UID:night@example.com
DTSTAMP:20250301T120000Z
DTSTART;TZID=Europe/Amsterdam:20250330T013000
DTEND;TZID=Europe/Amsterdam:20250330T033000
SUMMARY:Night shift handover
END:VEVENT
BEGIN:VEVENT
UID:summer@example.com
DTSTAMP:20250301T120000Z
DTSTART;VALUE=DATE:20250330
DTEND;VALUE=DATE:20250331
SUMMARY:Summer time campaign
LOCATION:All channels
END:VEVENT
BEGIN:VEVENT
UID:cancelled@example.com
DTSTAMP:20250301T120000Z
STATUS:CANCELLED
DTSTART;TZID=Europe/Amsterdam:20250330T160000
DTEND;TZID=Europe/Amsterdam:20250330T170000
SUMMARY:Cancelled webinar
END:VEVENT
BEGIN:VEVENT
UID:tomorrow@example.com
DTSTAMP:20250301T120000Z
DTSTART;TZID=Europe/Amsterdam:20250331T000000
DTEND;TZID=Europe/Amsterdam:20250331T010000
SUMMARY:Monday newsletter
END:VEVENT
END:VCALENDAR
""".replace("\n", "\r\n")

ICS_URL = "https://calendar.example.com/content-plan.ics"
MORNING = local("2025-03-30T09:25:00")  # the day clocks go forward: 23 hours long


def ics_ok(text: str = CALENDAR, **headers: str) -> httpx.Response:
    return httpx.Response(200, text=text, headers={"Content-Type": "text/calendar", **headers})


def ics(
    backend: Backend, time: FakeTime, tmp_path: Path, hub: Hub | None = None, **options: Any
) -> tuple[IcsSource, Hub]:
    settings = {"type": "ics", "url": ICS_URL, "timezone": "Europe/Amsterdam", **options}
    return make_source(IcsSource, "m", settings, backend, time, tmp_path, hub)


def test_today_lists_the_days_events_in_time_order_across_a_dst_change(tmp_path: Path) -> None:
    source, hub = ics(Backend(ics_ok()), FakeTime(now=MORNING), tmp_path)
    run(source)
    assert value(hub, "today") == Ranking(
        (
            RankEntry("Summer time campaign", local("2025-03-30T00:00"), None,
                      "all day · All channels"),
            RankEntry("Night shift handover", local("2025-03-30T01:30"), None, "01:30–03:30"),
            RankEntry("Weekly planning", local("2025-03-30T10:00"), None, "10:00–10:30 · Studio 2"),
            RankEntry("Product launch, post", local("2025-03-30T14:00"), None, "14:00–15:00"),
        ),
        amounts=False,  # start times order the day; a leaderboard does not print them as "1.7B"
    )  # fmt: skip
    # the weekly event keeps its wall-clock time across the change: 08:00 UTC, not 09:00
    assert local("2025-03-30T10:00") == datetime.fromisoformat("2025-03-30T08:00Z").timestamp()
    assert value(hub, "next") == "Next: 10:00 Weekly planning (in 35 min)"
    assert hub.status("m").state is SourceState.OK


def test_next_is_redrawn_every_minute_without_fetching_again(tmp_path: Path) -> None:
    time = FakeTime(polls=4, now=MORNING + 20)
    backend = Backend(ics_ok())
    source, hub = ics(backend, time, tmp_path)
    seen: list[str] = []
    hub.subscribe("m.next", lambda _, batch: seen.extend(batch))
    run(source)
    assert time.sleeps == [40.0, 60.0, 60.0, 60.0]  # to each whole minute
    assert seen == [
        "Next: 10:00 Weekly planning (in 35 min)",
        "Next: 10:00 Weekly planning (in 34 min)",
        "Next: 10:00 Weekly planning (in 33 min)",
        "Next: 10:00 Weekly planning (in 32 min)",
    ]
    assert len(backend.requests) == 1
    assert hub.confirmed("m") == MORNING + 180


def test_next_moves_on_and_the_evening_has_nothing_more(tmp_path: Path) -> None:
    time = FakeTime(polls=1, now=local("2025-03-30T12:10"))
    source, hub = ics(Backend(ics_ok()), time, tmp_path)
    run(source)
    assert value(hub, "next") == "Next: 14:00 Product launch, post (in 1 h 50 min)"
    evening, _ = ics(Backend(ics_ok()), FakeTime(now=local("2025-03-30T21:00")), tmp_path)
    run(evening)
    assert value(evening.hub, "next") == NOTHING_MORE
    assert len(value(evening.hub, "today").entries) == 4  # the day's events, past ones too


def test_the_long_autumn_day_keeps_its_late_evening_and_leaves_tomorrow_out(
    tmp_path: Path,
) -> None:
    late = CALENDAR.replace("20250330T013000", "20251026T233000").replace(
        "20250330T033000", "20251026T235500"
    )
    source, hub = ics(Backend(ics_ok(late)), FakeTime(now=local("2025-10-26T22:00")), tmp_path)
    run(source)
    entries = value(hub, "today").entries
    assert [(e.label, e.detail) for e in entries] == [
        ("Weekly planning", "10:00–10:30 · Studio 2"),
        ("Night shift handover", "23:30–23:55"),
    ]  # 25 hours from midnight: a day of +24 h would have cut it short
    assert value(hub, "next") == "Next: 23:30 Night shift handover (in 1 h 30 min)"


def test_a_malformed_calendar_fails_the_poll_and_the_last_events_stay(
    tmp_path: Path, logs: pytest.LogCaptureFixture
) -> None:
    answers = [
        ics_ok(),
        ics_ok("<html><body>Sign in to continue</body></html>"),
        ics_ok(CALENDAR[:200]),
    ]
    time = FakeTime(polls=3, now=MORNING)
    source, hub = ics(Backend(*answers), time, tmp_path, interval="1s", backoff="1s")
    run(source)
    assert time.sleeps == [1.0, 1.0, 2.0]
    assert len(source.transport.handler.requests) == 3
    assert hub.status("m").state is SourceState.STALE
    assert hub.status("m").detail.startswith("not a readable calendar (")
    assert len(value(hub, "today").entries) == 4
    assert value(hub, "next").startswith("Next: 10:00 Weekly planning (in 35 min)")
    assert not [r for r in logs.records if r.exc_info]


def test_a_restart_with_the_feed_down_redraws_from_the_cached_events(tmp_path: Path) -> None:
    first, _ = ics(Backend(ics_ok()), FakeTime(now=MORNING), tmp_path)
    run(first)
    later = FakeTime(now=MORNING + 30 * 60)  # 09:55
    source, hub = ics(Backend(httpx.Response(502)), later, tmp_path)
    run(source)
    assert hub.status("m").state is SourceState.STALE
    assert value(hub, "next") == "Next: 10:00 Weekly planning (in 5 min)"
    assert len(value(hub, "today").entries) == 4


def test_nothing_read_yet_means_no_values_rather_than_a_free_day(tmp_path: Path) -> None:
    source, hub = ics(Backend(httpx.Response(404)), FakeTime(polls=3, now=MORNING), tmp_path)
    run(source)
    assert hub.sample("m.next") is None and hub.sample("m.today") is None


def test_a_304_keeps_the_events_and_a_new_day_fetches_in_full(tmp_path: Path) -> None:
    backend = Backend(ics_ok(ETag='"v1"'), httpx.Response(304), ics_ok(ETag='"v1"'))
    time = FakeTime(polls=3, now=local("2025-03-30T23:59"))
    source, hub = ics(backend, time, tmp_path, interval="30s")
    run(source)
    assert time.sleeps == [30.0, 30.0, 30.0]
    assert backend.requests[1].headers["If-None-Match"] == '"v1"'
    assert "if-none-match" not in backend.requests[2].headers  # 00:00: a new day to expand
    assert [e.label for e in value(hub, "today").entries] == ["Monday newsletter"]


def test_floating_times_are_read_in_the_wall_zone() -> None:
    floating = CALENDAR.replace(";TZID=Europe/Amsterdam:20250330T013000", ":20250330T043000")
    floating = floating.replace(";TZID=Europe/Amsterdam:20250330T033000", ":20250330T050000")
    hub = Hub(clock=lambda: MORNING)
    source = IcsSource(
        "m",
        IcsOptions(url=ICS_URL, timezone="America/New_York", cache=False),
        hub,
        transport=httpx.MockTransport(Backend(ics_ok(floating))),
        sleep=FakeTime(now=MORNING).sleep,
    )
    source.declare()
    run(source)
    entries = value(hub, "today").entries
    handover = next(e for e in entries if e.label == "Night shift handover")
    assert handover.detail == "04:30–05:00"  # New York's wall clock, as written
    assert math.isclose(
        handover.value,
        datetime(2025, 3, 30, 4, 30, tzinfo=ZoneInfo("America/New_York")).timestamp(),
    )
