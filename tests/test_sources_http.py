"""HTTP sources without a network: httpx.MockTransport answers, a fake clock and sleep keep time.

Covers the shared polling base (backoff, Retry-After, timeouts, state changes, conditional
requests, the on-disk cache) through ``http_json``, and the ``rss`` source's dedupe and counts.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import math
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from kiosk.config import LayoutError, parse_layout
from kiosk.hub import Hub, SourceState
from kiosk.sources import SOURCES
from kiosk.sources.http_json import HttpJsonOptions, HttpJsonSource
from kiosk.sources.polling import backoff_delay, parse_retry_after
from kiosk.sources.rss import RssSource
from kiosk.values import Breakdown, Metric, Ranking, TimeSeries
from tests.http_fakes import T0, Answer, Backend, FakeTime, Stop, make_source, ok, run

URL = "https://api.example.com/stats.json"
DOCUMENT = {
    "stats": {"visitors": 120, "yesterday": 100},
    "banner": "All systems go",
    "pages": [
        {"url": "/a", "views": 5, "title": "A"},
        {"url": "/b", "views": 9, "title": "B"},
        {"url": "/c", "views": 7, "title": "C"},
    ],
    "traffic": {"search": 12, "social": 30},
    "history": [
        {"ts": "2025-01-06T08:00:00Z", "visits": 3, "signups": 1},
        {"ts": "2025-01-06T09:00:00Z", "visits": 4, "signups": None},
        {"ts": "2025-01-06T11:00:00Z", "visits": 6, "signups": 2},
    ],
}

STREAMS = {
    "visitors": {"kind": "metric", "path": "stats.visitors", "previous": "stats.yesterday"},
    "banner": {"kind": "text", "path": "banner"},
    "top": {"kind": "ranking", "path": "pages", "label": "url", "value": "views", "top": 2},
    "traffic": {"kind": "breakdown", "path": "traffic"},
    "hourly": {
        "kind": "series",
        "path": "history",
        "time": "ts",
        "values": {"Visits": "visits", "Signups": "signups"},
    },
}


def http_json(
    backend: Backend,
    time: FakeTime,
    tmp_path: Path,
    hub: Hub | None = None,
    jitter: float | Callable[[], float] = 1.0,
    **options: Any,
) -> tuple[HttpJsonSource, Hub]:
    settings = {"type": "http_json", "url": URL, "streams": STREAMS, **options}
    return make_source(HttpJsonSource, "api", settings, backend, time, tmp_path, hub, jitter)


def value(hub: Hub, stream: str) -> Any:
    sample = hub.sample(stream)
    assert sample is not None, f"{stream} has no value"
    return sample.value


@pytest.fixture
def hub_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)
    yield caplog


def state_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "kiosk.hub"]


# -- parsing -----------------------------------------------------------------------------------


def test_a_document_fills_a_stream_of_every_kind(tmp_path: Path) -> None:
    time = FakeTime(polls=1)
    source, hub = http_json(Backend(ok(DOCUMENT)), time, tmp_path)
    run(source)
    assert value(hub, "api.visitors") == Metric(120.0, 100.0, (120.0,))
    assert value(hub, "api.banner") == "All systems go"
    assert isinstance(value(hub, "api.top"), Ranking)
    assert [(e.label, e.value) for e in value(hub, "api.top").entries] == [("/b", 9.0), ("/c", 7.0)]
    assert value(hub, "api.traffic") == Breakdown((("search", 12.0), ("social", 30.0)))
    series: TimeSeries = value(hub, "api.hourly")
    assert series.labels == ("Visits", "Signups")
    assert (series.start, series.step) == (T0 - 7200, 3600.0)  # 08:00, hourly: the smallest gap
    np.testing.assert_array_equal(series.values[0], [3, 4, np.nan, 6])
    np.testing.assert_array_equal(series.values[1], [1, np.nan, np.nan, 2])
    assert hub.status("api").state is SourceState.OK
    assert time.sleeps == [60.0]
    banner = hub.sample("api.banner")
    assert banner is not None and banner.at == T0


def test_a_ranking_remembers_ranks_and_a_metric_its_history(tmp_path: Path) -> None:
    later = {**DOCUMENT, "stats": {"visitors": 130}}
    later["pages"] = [
        {"url": "/c", "views": 20},
        {"url": "/b", "views": 9},
        {"url": "/z", "views": 1},
    ]
    source, hub = http_json(Backend(ok(DOCUMENT), ok(later)), FakeTime(polls=2), tmp_path)
    run(source)
    assert value(hub, "api.visitors") == Metric(130.0, None, (120.0, 130.0))
    entries = value(hub, "api.top").entries
    assert [(e.label, e.previous_rank) for e in entries] == [("/c", 1), ("/b", 0)]


def test_ranking_details_and_numbers_sent_as_text(tmp_path: Path) -> None:
    document = {"rows": [{"name": "x", "n": "4.5", "who": "Ann"}, {"name": 7, "n": 2, "who": 3}]}
    streams = {
        "r": {"kind": "ranking", "path": "rows", "label": "name", "value": "n", "detail": "who"}
    }
    source, hub = http_json(Backend(ok(document)), FakeTime(), tmp_path, streams=streams)
    run(source)
    entries = value(hub, "api.r").entries
    assert [(e.label, e.value, e.detail) for e in entries] == [("x", 4.5, "Ann"), ("7", 2.0, "3")]


# -- failures and backoff ----------------------------------------------------------------------


def test_backoff_doubles_up_to_its_cap_and_jitter_stays_below_it() -> None:
    assert [backoff_delay(n, 2.0, 20.0, 1.0) for n in range(1, 7)] == [2, 4, 8, 16, 20, 20]
    rng = random.Random(5)
    for failures in range(1, 200):
        assert 0.0 <= backoff_delay(failures, 2.0, 300.0, rng.random()) <= 300.0


def test_errors_are_retried_with_growing_jittered_waits_then_it_recovers(tmp_path: Path) -> None:
    error = httpx.Response(500, text="oops")
    backend = Backend(error, error, error, error, ok(DOCUMENT))
    time = FakeTime(polls=5)
    rng = random.Random(3)
    source, hub = http_json(backend, time, tmp_path, jitter=rng.random, backoff="2s")
    run(source)
    waits, final = time.sleeps[:4], time.sleeps[4]
    for failures, wait in enumerate(waits, start=1):
        assert 0.0 <= wait <= 2.0 * 2 ** (failures - 1)
    assert len(set(waits)) == 4  # random, not fixed
    assert final == 60.0  # back to the interval
    assert hub.status("api").state is SourceState.OK
    assert value(hub, "api.banner") == "All systems go"


def test_without_jitter_the_waits_double(tmp_path: Path) -> None:
    time = FakeTime(polls=6)
    source, _ = http_json(Backend(httpx.Response(502)), time, tmp_path, max_backoff="10s")
    run(source)
    assert time.sleeps == [2.0, 4.0, 8.0, 10.0, 10.0, 10.0]


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_in_seconds_is_honoured(tmp_path: Path, status: int) -> None:
    busy = httpx.Response(status, headers={"Retry-After": "30"})
    time = FakeTime(polls=2)
    source, hub = http_json(Backend(busy, ok(DOCUMENT)), time, tmp_path, jitter=0.0)
    run(source)
    assert time.sleeps == [30.0, 60.0]
    assert hub.status("api").state is SourceState.OK


def test_retry_after_as_an_http_date_is_honoured(tmp_path: Path) -> None:
    when = email.utils.formatdate(T0 + 120, usegmt=True)
    time = FakeTime(polls=1)
    backend = Backend(httpx.Response(429, headers={"Retry-After": when}))
    source, hub = http_json(backend, time, tmp_path, jitter=0.0)
    run(source)
    assert time.sleeps == [120.0]
    assert hub.status("api").detail == "HTTP 429 from api.example.com"


def test_retry_after_parsing() -> None:
    assert parse_retry_after("5", T0) == 5.0
    assert parse_retry_after("Mon, 06 Jan 2025 10:00:10 GMT", T0) == 10.0
    assert parse_retry_after("Mon, 06 Jan 2025 09:00:00 GMT", T0) == 0.0  # in the past
    assert parse_retry_after("999999", T0) == 3600.0  # not believed beyond an hour
    assert parse_retry_after("soon", T0) is None
    assert parse_retry_after(None, T0) is None


def test_a_backend_that_times_out_is_stale(tmp_path: Path) -> None:
    backend = Backend(ok(DOCUMENT), httpx.ReadTimeout("slow"))
    source, hub = http_json(backend, FakeTime(polls=2), tmp_path, timeout="5s")
    run(source)
    status = hub.status("api")
    assert (status.state, status.detail) == (
        SourceState.STALE,
        "no answer from api.example.com within 5s",
    )
    assert value(hub, "api.banner") == "All systems go"  # the last good value stays


def test_a_slow_answer_is_cut_off_by_the_whole_request_timeout(tmp_path: Path) -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)  # cancelled after 0.05 s
        return ok(DOCUMENT)

    source, hub = http_json(Backend(slow), FakeTime(polls=1), tmp_path, timeout="50ms")
    run(source)
    assert hub.status("api").detail == "no answer from api.example.com within 0.05s"


@pytest.mark.parametrize(
    ("answer", "detail"),
    [
        (httpx.ConnectError("refused"), "cannot connect to api.example.com"),
        (httpx.RemoteProtocolError("eof"), "api.example.com: RemoteProtocolError"),
        (httpx.Response(200, content=b"[" + b"1," * 5000 + b"1]"), "sent more than 1,000 bytes"),
    ],
)
def test_network_errors_and_huge_answers_are_failures(
    tmp_path: Path, answer: Answer, detail: str
) -> None:
    source, hub = http_json(Backend(answer), FakeTime(), tmp_path, max_bytes=1000)
    run(source)
    assert hub.status("api").state is SourceState.STALE
    assert hub.status("api").detail.endswith(detail)


def test_garbage_keeps_the_last_good_values_and_nothing_escapes(
    tmp_path: Path, hub_log: pytest.LogCaptureFixture
) -> None:
    html = httpx.Response(200, text="<html>Bad gateway</html>")
    source, hub = http_json(Backend(ok(DOCUMENT), html, html), FakeTime(polls=3), tmp_path)
    run(source)
    first = hub.sample("api.visitors")
    assert first is not None and (first.value.value, first.at) == (120.0, T0)
    assert hub.status("api").state is SourceState.STALE
    assert hub.status("api").detail.startswith("not JSON")
    lines = state_lines(hub_log)
    assert len(lines) == 2 and lines[1].startswith("source api: stale (not JSON")


def test_a_value_of_the_wrong_kind_keeps_its_stream_and_is_logged_once(
    tmp_path: Path, hub_log: pytest.LogCaptureFixture
) -> None:
    broken = {**DOCUMENT, "stats": {"visitors": "n/a"}, "banner": "Degraded"}
    backend = Backend(ok(DOCUMENT), ok(broken), ok(broken), ok(DOCUMENT))
    time = FakeTime(polls=4)
    source, hub = http_json(backend, time, tmp_path)
    hub_log.clear()
    with pytest.raises(Stop):
        asyncio.run(_until(source, time, polls=3))
    visitors = hub.sample("api.visitors")
    assert visitors is not None and (visitors.value.value, visitors.at) == (120.0, T0)
    assert value(hub, "api.banner") == "Degraded"  # the other streams still update
    assert hub.status("api").state is SourceState.OK
    warnings = [r.getMessage() for r in hub_log.records if r.levelno == logging.WARNING]
    assert warnings == [
        "source api: visitors keeps its last good value: stats.visitors: expected a number, "
        'got "n/a"'
    ]


async def _until(source: HttpJsonSource, time: FakeTime, polls: int) -> None:
    """Run until ``polls`` polls are done (the fake sleep stops the run)."""
    time.polls = polls
    await source.run()


def test_when_no_stream_fits_the_poll_fails(tmp_path: Path) -> None:
    source, hub = http_json(Backend(ok([1, 2, 3])), FakeTime(), tmp_path)
    run(source)
    status = hub.status("api")
    assert status.state is SourceState.STALE
    assert status.detail.startswith("no stream could be read (visitors: stats.visitors")


def test_a_bug_in_a_poll_is_logged_once_and_does_not_end_the_source(
    tmp_path: Path, hub_log: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, hub = http_json(Backend(ok(DOCUMENT)), FakeTime(polls=3), tmp_path)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise ZeroDivisionError

    monkeypatch.setattr(source.mapping, "apply", broken)
    run(source)
    assert hub.status("api").detail == "internal error (ZeroDivisionError)"
    tracebacks = [r for r in hub_log.records if r.exc_info]
    assert len(tracebacks) == 1


def test_state_changes_ok_stale_failed_ok_are_each_logged_once(
    tmp_path: Path, hub_log: pytest.LogCaptureFixture
) -> None:
    down = httpx.Response(500)
    backend = Backend(ok(DOCUMENT), *[down] * 8, ok(DOCUMENT), ok(DOCUMENT))
    time = FakeTime(polls=11)
    source, _ = http_json(backend, time, tmp_path, stale_after="3m", backoff="10s")
    run(source)
    states = time.states
    assert len(states) == 11
    changes = [s for i, s in enumerate(states) if i == 0 or states[i - 1] is not s]
    assert changes == [SourceState.OK, SourceState.STALE, SourceState.FAILED, SourceState.OK]
    assert state_lines(hub_log) == [
        "source api: ok",
        "source api: stale (HTTP 500 from api.example.com)",
        "source api: failed (HTTP 500 from api.example.com)",
        "source api: ok",
    ]
    debug = [r for r in hub_log.records if r.name == "kiosk.sources.polling"]
    assert all(r.levelno == logging.DEBUG for r in debug)  # one line per failure, only in debug


# -- conditional requests and headers ----------------------------------------------------------


def test_an_etag_is_sent_back_and_a_304_keeps_the_data(tmp_path: Path) -> None:
    first = ok(DOCUMENT, ETag='"v1"', **{"Last-Modified": "Mon, 06 Jan 2025 09:00:00 GMT"})
    backend = Backend(first, httpx.Response(304))
    time = FakeTime(polls=2)
    source, hub = http_json(backend, time, tmp_path)
    run(source)
    assert "if-none-match" not in backend.requests[0].headers
    assert backend.requests[1].headers["If-None-Match"] == '"v1"'
    assert backend.requests[1].headers["If-Modified-Since"] == "Mon, 06 Jan 2025 09:00:00 GMT"
    sample = hub.sample("api.banner")
    assert sample is not None and (sample.value, sample.at) == ("All systems go", T0 + 60)
    assert hub.status("api").state is SourceState.OK
    assert time.sleeps == [60.0, 60.0]


def test_a_garbage_answer_is_not_confirmed_by_a_later_304(tmp_path: Path) -> None:
    garbage = httpx.Response(200, text="<html>", headers={"ETag": '"bad"'})
    backend = Backend(garbage, ok(DOCUMENT))
    source, _ = http_json(backend, FakeTime(polls=2), tmp_path)
    run(source)
    assert "if-none-match" not in backend.requests[1].headers


def test_headers_and_token_are_sent(tmp_path: Path) -> None:
    backend = Backend(ok(DOCUMENT))
    source, _ = http_json(
        backend, FakeTime(), tmp_path, headers={"X-Team": "wall"}, token="s3cret-token"
    )
    run(source)
    sent = backend.requests[0].headers
    assert (sent["X-Team"], sent["Authorization"]) == ("wall", "Bearer s3cret-token")
    assert sent["User-Agent"].startswith("kiosk/")


# -- the cache ---------------------------------------------------------------------------------


def test_a_restart_with_the_backend_down_shows_the_cached_values_at_once(tmp_path: Path) -> None:
    source, _ = http_json(Backend(ok(DOCUMENT)), FakeTime(), tmp_path, token="s3cret-token")
    run(source)
    cache = tmp_path / "sources" / "api.json"
    assert cache.is_file() and not list(cache.parent.glob("*.tmp"))  # replaced, not left over
    assert "s3cret" not in cache.read_text()

    later = FakeTime(polls=1, now=T0 + 86_400)
    hub = Hub(clock=later.clock)
    dead = Backend(httpx.ConnectError("down"))
    restarted, _ = http_json(dead, later, tmp_path, hub=hub, token="s3cret-token")
    requests_before_paint: list[int] = []
    hub.subscribe(
        "api.visitors", lambda name, batch: requests_before_paint.append(len(dead.requests))
    )
    run(restarted)
    assert requests_before_paint == [0]  # published at start, before the first request
    sample = hub.sample("api.visitors")
    assert sample is not None and sample.value == Metric(120.0, 100.0, (120.0,))
    assert sample.at == T0  # its original time, a day old: the wall shows how old it is
    series = value(hub, "api.hourly")
    assert math.isnan(series.values[0, 2]) and series.values[0, 3] == 6
    assert hub.status("api").state is SourceState.STALE


def test_a_corrupt_cache_is_logged_and_ignored(
    tmp_path: Path, hub_log: pytest.LogCaptureFixture
) -> None:
    cache = tmp_path / "sources" / "api.json"
    cache.parent.mkdir(parents=True)
    for garbage in ("{not json", '{"version": 1, "identity": 5, "streams": []}', "[1]", "\xff"):
        cache.write_text(garbage, encoding="latin-1")
        hub_log.clear()
        source, hub = http_json(Backend(httpx.ConnectError("down")), FakeTime(), tmp_path)
        run(source)
        assert hub.sample("api.visitors") is None
        assert any("cache" in r.getMessage() for r in hub_log.records if r.levelno >= logging.INFO)
    source, hub = http_json(Backend(ok(DOCUMENT)), FakeTime(), tmp_path)
    run(source)  # a good poll replaces the corrupt file
    assert json.loads(cache.read_text())["streams"]["banner"]["value"] == "All systems go"


def test_a_cache_with_a_bad_value_is_ignored_as_a_whole(tmp_path: Path) -> None:
    source, _ = http_json(Backend(ok(DOCUMENT)), FakeTime(), tmp_path)
    run(source)
    cache = tmp_path / "sources" / "api.json"
    document = json.loads(cache.read_text())
    document["streams"]["visitors"]["value"]["value"] = "lots"
    cache.write_text(json.dumps(document))
    source, hub = http_json(Backend(httpx.ConnectError("down")), FakeTime(), tmp_path)
    run(source)
    assert hub.sample("api.banner") is None  # not half of it either


def test_a_cache_written_for_other_streams_is_not_used(tmp_path: Path) -> None:
    source, _ = http_json(Backend(ok(DOCUMENT)), FakeTime(), tmp_path)
    run(source)
    other = {"banner": {"kind": "text", "path": "stats.visitors"}}
    source, hub = http_json(Backend(httpx.ConnectError("x")), FakeTime(), tmp_path, streams=other)
    run(source)
    assert hub.sample("api.banner") is None
    # Polling settings do not shape the values: changing them keeps the cache.
    source, hub = http_json(Backend(httpx.ConnectError("x")), FakeTime(), tmp_path, interval="5m")
    run(source)
    assert value(hub, "api.banner") == "All systems go"


def test_cache_false_writes_nothing(tmp_path: Path) -> None:
    source, _ = http_json(Backend(ok(DOCUMENT)), FakeTime(), tmp_path, cache=False)
    run(source)
    assert not (tmp_path / "sources").exists()


def test_the_cache_dir_follows_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kiosk.paths import default_cache_dir

    monkeypatch.setenv("KIOSK_CACHE_DIR", str(tmp_path / "k"))
    assert default_cache_dir() == tmp_path / "k"
    monkeypatch.delenv("KIOSK_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert default_cache_dir() == tmp_path / "x" / "kiosk"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "kiosk"


# -- options in a layout -----------------------------------------------------------------------


def layout_with(source: str) -> str:
    screens = "[{name: a, match: {any: true}, pages: [{title: P}]}]"
    return f"sources:\n  api: {source}\nscreens: {screens}\n"


def test_the_new_types_are_registered() -> None:
    assert {"http_json", "rss", "file"} <= set(SOURCES)


def test_a_layout_with_an_http_json_source_validates_and_names_its_streams(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KIOSK_TEST_TOKEN", "abcdef-token")
    text = layout_with(
        "{type: http_json, url: 'https://x.example/s.json', token: '${env:KIOSK_TEST_TOKEN}', "
        "interval: 30s, streams: {n: {kind: metric, path: a.b}}}"
    )
    layout = parse_layout(text)
    options = layout.sources["api"]
    assert isinstance(options, HttpJsonOptions)
    assert (options.token, options.interval) == ("abcdef-token", 30.0)


J = "type: http_json, url: 'https://x'"
TEXT = "{n: {kind: text, path: a}}"


@pytest.mark.parametrize(
    ("source", "path", "fragment"),
    [
        (f"{{type: http_json, url: 'ftp://x', streams: {TEXT}}}", "url", "http:// or https://"),
        (f"{{{J}, streams: {{}}}}", "streams", "at least 1"),
        (f"{{{J}, streams: {{n: {{kind: text, path: a, top: 3}}}}}}", "streams.n",
         "top: is for ranking streams, not text"),
        (f"{{{J}, streams: {{n: {{kind: series, path: a}}}}}}", "streams.n",
         "a series needs time:"),
        (f"{{{J}, streams: {{'a b': {{kind: text, path: a}}}}}}", "streams", "stream name 'a b'"),
        (f"{{{J}, intervl: 5s, streams: {TEXT}}}", "intervl", "did you mean 'interval'"),
        ("{type: rss, feeds: []}", "feeds", "at least 1"),
        ("{type: rss, feeds: ['example.com/feed']}", "feeds[0]", "http:// or https://"),
    ],
)  # fmt: skip
def test_bad_options_are_reported_at_their_key(source: str, path: str, fragment: str) -> None:
    with pytest.raises(LayoutError) as caught:
        parse_layout(layout_with(source))
    [issue] = caught.value.issues
    assert issue.path == f"sources.api.{path}" and fragment in issue.message, str(issue)


# -- rss ---------------------------------------------------------------------------------------


def ids(hub: Hub) -> list[str]:
    return [m.id.removeprefix("https://www.example.com/") for m in value(hub, "news.headlines")]


def feed(*items: tuple[str, str, str | None], title: str = "Example News") -> httpx.Response:
    """An RSS 2.0 document; items are (guid, title, pubDate or None)."""
    body = "".join(
        f"<item><guid>https://www.example.com/{guid}</guid><title>{text}</title><link>https://www.example.com/{guid}</link>"
        + (f"<pubDate>{date}</pubDate>" if date else "")
        + "</item>"
        for guid, text, date in items
    )
    channel = f"<title>{title}</title><language>en-gb</language>{body}"
    xml = f'<?xml version="1.0"?><rss version="2.0"><channel>{channel}</channel></rss>'
    return httpx.Response(200, text=xml, headers={"Content-Type": "application/rss+xml"})


def hour(h: float) -> str:
    """An RFC 822 date ``h`` hours before T0 (10:00 UTC)."""
    return email.utils.formatdate(T0 - h * 3600, usegmt=True)


def rss(
    backends: dict[str, Backend], time: FakeTime, tmp_path: Path, **options: Any
) -> tuple[RssSource, Hub]:
    def route(request: httpx.Request) -> Any:
        return backends[str(request.url)](request)

    settings = {"type": "rss", "feeds": list(backends), **options}
    return make_source(RssSource, "news", settings, route, time, tmp_path)


def test_rss_headlines_are_new_entries_once_and_counted_per_hour(tmp_path: Path) -> None:
    first = feed(
        ("a", "Acme opens a store", hour(0.5)), ("b", "Globex &amp; Acme merge", hour(2.2))
    )
    second = feed(
        ("c", "Quiet day", None),
        ("a", "Acme opens a store", hour(0.5)),
        ("b", "Globex &amp; Acme merge", hour(2.2)),
        ("old", "Last week", hour(24 * 7)),
    )
    one = Backend(first, second)
    other = Backend(feed(("a", "Acme opens a store", hour(0.5)), title="Mirror"))
    time = FakeTime(polls=2)
    source, hub = rss(
        {"https://one.example/rss": one, "https://two.example/rss": other}, time, tmp_path
    )
    run(source)
    headlines = value(hub, "news.headlines")
    assert ids(hub) == ["b", "a", "old", "c"]  # each once, in time order per poll
    b = headlines[0]
    assert (b.text, b.author, b.handle, b.platform, b.lang) == (
        "Globex & Acme merge",
        "Example News",
        "example.com",
        "news",
        "en",
    )
    assert b.at == T0 - 2.2 * 3600
    assert headlines[-1].at == T0 + 300  # no date: when it was first seen
    counts: TimeSeries = value(hub, "news.count")
    assert counts.labels == ("news",) and counts.values.shape == (1, 24)
    assert counts.start == T0 + 300 - (T0 + 300) % 3600 - 23 * 3600
    # b at 07:48, a at 09:30, c at 10:05 (the current hour); 'old' is outside the day
    assert counts.values[0, [-4, -2, -1]].tolist() == [1, 1, 1]
    assert counts.values.sum() == 3
    assert len(one.requests) == 2 and len(other.requests) == 2  # feedparser fetched nothing


def test_rss_keywords_filter_and_get_a_series_each(tmp_path: Path) -> None:
    items = feed(
        ("a", "Acme opens", hour(1)), ("b", "Globex closes", hour(1)), ("c", "Rain", hour(1))
    )
    source, hub = rss(
        {"https://one.example/rss": Backend(items)},
        FakeTime(),
        tmp_path,
        keywords=["globex", "ACME"],
    )
    run(source)
    assert ids(hub) == ["a", "b"]  # 'Rain' mentions neither
    assert [m.brand for m in value(hub, "news.headlines")] == ["ACME", "globex"]
    counts = value(hub, "news.count")
    assert counts.labels == ("globex", "ACME")
    assert counts.values[:, -2].tolist() == [1.0, 1.0]


def test_rss_dedupe_survives_a_restart(tmp_path: Path) -> None:
    items = feed(("a", "Acme opens", hour(1)), ("b", "Globex closes", hour(3)))
    source, _ = rss({"https://one.example/rss": Backend(items)}, FakeTime(), tmp_path)
    run(source)
    later = FakeTime(polls=1, now=T0 + 600)
    source, hub = rss({"https://one.example/rss": Backend(items)}, later, tmp_path)
    run(source)
    assert ids(hub) == ["b", "a"]  # cached, not doubled
    assert value(hub, "news.count").values.sum() == 2


def test_rss_garbage_and_a_dead_feed_keep_the_headlines(tmp_path: Path) -> None:
    good = feed(("a", "Acme opens", hour(1)))
    broken = Backend(good, httpx.Response(200, text="<html><body>maintenance"))
    time = FakeTime(polls=2)
    source, hub = rss(
        {
            "https://one.example/rss": broken,
            "https://two.example/rss": Backend(
                good, httpx.Response(503, headers={"Retry-After": "90"})
            ),
        },
        time,
        tmp_path,
    )
    run(source)
    assert ids(hub) == ["a"]
    status = hub.status("news")
    assert status.state is SourceState.STALE
    assert status.detail.startswith("not a feed") and status.detail.endswith("(and 1 more)")
    assert time.sleeps[-1] == 90.0  # the longest Retry-After of the feeds


def test_rss_headlines_get_a_language_and_a_sentiment(tmp_path: Path) -> None:
    items = feed(
        ("a", "Acme recalls faulty heaters after fires, customers furious", hour(1)),
        ("b", "Acme wins award for excellent customer service", hour(1)),
        ("c", "Acme rappelle ses radiateurs défectueux, les clients sont furieux", hour(1)),
    ).text.replace("<language>en-gb</language>", "")  # the feed does not say its language
    backend = Backend(httpx.Response(200, text=items))
    source, hub = rss({"https://one.example/rss": backend}, FakeTime(), tmp_path)
    run(source)
    scored = {m.id.rsplit("/", 1)[-1]: (m.lang, m.sentiment) for m in value(hub, "news.headlines")}
    assert scored["a"][0] == "en" and scored["a"][1] < -0.25
    assert scored["b"][0] == "en" and scored["b"][1] > 0.25
    assert scored["c"][0] == "fr" and scored["c"][1] < -0.25
