"""Hostile answers for every parse path, as Hypothesis strategies, and how to feed each parser.

Each payload is a valid shape with mutated values (NaN, ±inf, huge ints, wrong types, control
characters, long text) or a broken one (nesting 5,000 deep, a 5,000-digit number, cut short,
random bytes). Shared by tests/test_parsers_fuzz.py (a short run) and
benchmarks/fuzz_parsers.py (a long one).
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from hypothesis import strategies as st

from kiosk.sources import bluesky, mastodon, opensearch, prometheus
from kiosk.sources.file import parse_document
from kiosk.sources.http_json import BadValueError, StreamSpec, extract, parse_json
from kiosk.sources.ics import midnight, occurrences
from kiosk.sources.polling import FetchError, StreamError
from kiosk.sources.rss import parse_feed
from kiosk.sources.sse import event_document

NOW = 1_736_157_600.0  # 2025-01-06 10:00 UTC
ZONE = ZoneInfo("Europe/Paris")
HEADERS = httpx.Headers({"content-type": "application/json"})

# -- values ------------------------------------------------------------------------------------

odd_text = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"])
    | st.sampled_from("\x00\x01\x1b\r\n\u2028<>&\"'"),
    max_size=40,
) | st.builds(lambda c, n: c * n, st.sampled_from("a\x00é😀"), st.integers(1000, 60_000))
numbers = (
    st.floats(allow_nan=True, allow_infinity=True)
    | st.integers(-(10**30), 10**30)
    | st.sampled_from([0, -1, 1e308, -1e308, 5e-324, 2**63, 1e11, 1e20])
)
leaf = st.none() | st.booleans() | numbers | odd_text
anything = st.recursive(
    leaf,
    lambda c: st.lists(c, max_size=4) | st.dictionaries(odd_text, c, max_size=4),
    max_leaves=12,
)


def maybe(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a value of the right kind, sometimes anything at all."""
    return st.one_of(value, value, value, anything)


# -- the broken forms --------------------------------------------------------------------------

DEEP = 5000


@st.composite
def encoded(draw: st.DrawFn, document: st.SearchStrategy[Any]) -> bytes:
    """A document as JSON text (NaN and Infinity as Python writes them), perhaps broken."""
    how = draw(st.sampled_from(["as is", "as is", "as is", "digits", "deep", "cut", "bytes"]))
    if how == "bytes":
        return draw(st.binary(max_size=300))
    text = json.dumps(draw(document))
    if how == "digits":
        at = draw(st.integers(0, len(text)))
        text = text[:at] + "9" * 5000 + text[at:]
        spot = text.find("0")
        text = text if spot < 0 else text[:spot] + "1" * 5000 + text[spot + 1 :]
    elif how == "deep":
        at = draw(st.sampled_from([text.find("["), text.find("{"), 0]))
        text = text[: max(at, 0)] + "[" * DEEP + "1" + "]" * DEEP + text[max(at, 0) :]
    elif how == "cut":
        text = text[: draw(st.integers(0, len(text)))]
    return text.encode("utf-8", "surrogatepass")


# -- answers of each API -----------------------------------------------------------------------

pair = st.tuples(
    maybe(numbers), maybe(st.sampled_from(["1", "NaN", "+Inf", "-Inf", "1e999", "x"]) | odd_text)
).map(list)
labels = st.dictionaries(
    st.sampled_from(["__name__", "job", "path", "code"]) | odd_text, maybe(odd_text), max_size=3
)
prom_vector = st.fixed_dictionaries(
    {
        "status": maybe(st.just("success")),
        "data": st.fixed_dictionaries(
            {
                "resultType": maybe(st.sampled_from(["vector", "scalar", "matrix"])),
                "result": maybe(
                    st.lists(
                        st.fixed_dictionaries({"metric": maybe(labels), "value": maybe(pair)}),
                        max_size=4,
                    )
                ),
            }
        ),
    },
    optional={"warnings": anything, "errorType": anything, "error": anything},
)
prom_matrix = st.fixed_dictionaries(
    {
        "status": st.just("success"),
        "data": st.fixed_dictionaries(
            {
                "resultType": maybe(st.just("matrix")),
                "result": maybe(
                    st.lists(
                        st.fixed_dictionaries(
                            {
                                "metric": maybe(labels),
                                "values": maybe(st.lists(maybe(pair), max_size=6)),
                            }
                        ),
                        max_size=3,
                    )
                ),
            }
        ),
    }
)

bucket = st.fixed_dictionaries(
    {"key": maybe(numbers), "doc_count": maybe(numbers)},
    optional={
        "key_as_string": maybe(odd_text),
        "figure": maybe(st.fixed_dictionaries({"value": maybe(numbers)})),
        "per": anything,
    },
)
buckets = st.fixed_dictionaries({"buckets": maybe(st.lists(maybe(bucket), max_size=5))})
search_answer = st.fixed_dictionaries(
    {
        "hits": maybe(
            st.fixed_dictionaries(
                {"total": maybe(st.fixed_dictionaries({"value": maybe(numbers)}) | numbers)}
            )
        )
    },
    optional={
        "aggregations": maybe(
            st.fixed_dictionaries(
                {},
                optional={
                    "per": buckets,
                    "terms": buckets,
                    "figure": st.fixed_dictionaries({"value": maybe(numbers)}),
                    "split": st.fixed_dictionaries(
                        {
                            "buckets": st.lists(
                                st.fixed_dictionaries({"key": maybe(odd_text), "per": buckets}),
                                max_size=3,
                            )
                        }
                    ),
                },
            )
        ),
        "_shards": anything,
        "timed_out": anything,
        "error": anything,
    },
)

iso_time = maybe(
    st.sampled_from(
        [
            "2025-01-06T09:58:12.000Z",
            "9999-12-31T23:59:59+14:00",
            "0001-01-01T00:00:00-12:00",
            "2025-13-01",
            "",
        ]
    )
)
status = st.fixed_dictionaries(
    {
        "id": maybe(st.integers(0, 10**20).map(str)),
        "uri": maybe(st.just("https://m.example/@a/1") | odd_text),
        "content": maybe(
            st.just("<p>Acme <b>rocks</b></p>")
            | odd_text.map(lambda t: f"<p>{t}<a class='ellipsis'>")
            | st.just("<" * 3000)
        ),
        "created_at": iso_time,
        "account": maybe(
            st.fixed_dictionaries(
                {
                    "acct": maybe(odd_text),
                    "display_name": maybe(odd_text),
                    "followers_count": maybe(numbers),
                }
            )
        ),
    },
    optional={
        "tags": anything,
        "media_attachments": anything,
        "reblog": anything,
        "language": anything,
        "sensitive": anything,
    },
)
statuses = maybe(st.lists(maybe(status), max_size=4)) | st.fixed_dictionaries(
    {"statuses": maybe(st.lists(status, max_size=3))}
)
post_view = st.fixed_dictionaries(
    {
        "uri": maybe(st.just("at://did:plc:x/app.bsky.feed.post/1")),
        "record": maybe(
            st.fixed_dictionaries(
                {"text": maybe(odd_text), "createdAt": iso_time},
                optional={"langs": anything, "facets": anything, "tags": anything},
            )
        ),
        "author": maybe(
            st.fixed_dictionaries(
                {"handle": maybe(odd_text)},
                optional={"displayName": anything, "followersCount": maybe(numbers)},
            )
        ),
    },
    optional={"indexedAt": iso_time, "embed": anything},
)
search_posts = st.fixed_dictionaries({"posts": maybe(st.lists(maybe(post_view), max_size=4))})

stats = st.fixed_dictionaries(
    {
        "stats": maybe(
            st.fixed_dictionaries({"visitors": maybe(numbers), "yesterday": maybe(numbers)})
        ),
        "banner": maybe(odd_text),
        "pages": maybe(
            st.lists(
                st.fixed_dictionaries({"url": maybe(odd_text), "views": maybe(numbers)}), max_size=4
            )
        ),
        "traffic": maybe(st.dictionaries(odd_text, maybe(numbers), max_size=3)),
        "history": maybe(
            st.lists(
                st.fixed_dictionaries({"ts": maybe(numbers | iso_time), "visits": maybe(numbers)}),
                max_size=5,
            )
        ),
    }
)
SPECS = [
    StreamSpec(kind="metric", path="stats.visitors", previous="stats.yesterday"),
    StreamSpec(kind="text", path="banner"),
    StreamSpec(kind="ranking", path="pages", label="url", value="views"),
    StreamSpec(kind="breakdown", path="traffic"),
    StreamSpec(kind="series", path="history", time="ts", values={"Visits": "visits"}),
    StreamSpec(kind="ranking", path="[0].*", top=3),
]


@st.composite
def rss_feed(draw: st.DrawFn) -> bytes:
    def field(name: str, value: st.SearchStrategy[str]) -> str:
        return f"<{name}>{draw(value)}</{name}>"

    text = st.just("Acme launches") | odd_text
    links = (
        st.sampled_from(
            [
                "https://example.com/a",
                "https://exa\x01mple.com/b",
                "http://[::1",
                "javascript:x",
                "",
            ]
        )
        | odd_text
    )
    dates = (
        st.sampled_from(
            [
                "Mon, 06 Jan 2025 10:00:00 GMT",
                "Mon, 06 Jan 99999 10:00:00 GMT",
                "2025-01-06T10:00:00Z",
                "garbage",
            ]
        )
        | odd_text
    )
    items = "".join(
        "<item>"
        + field("title", text)
        + field("link", links)
        + field("guid", text)
        + field("pubDate", dates)
        + field("description", text)
        + "</item>"
        for _ in range(draw(st.integers(0, 4)))
    )
    head = draw(
        st.sampled_from(
            [
                '<?xml version="1.0"?><rss version="2.0"><channel>',
                '<feed xmlns="http://www.w3.org/2005/Atom">',
                "<rss><channel>",
                "",
            ]
        )
    )
    body = f"{head}<title>{draw(text)}</title>{items}</channel></rss>"
    how = draw(st.sampled_from(["as is", "as is", "deep", "cut", "bytes"]))
    if how == "deep":
        body = head + "<x>" * DEEP + body
    elif how == "cut":
        body = body[: draw(st.integers(0, len(body)))]
    elif how == "bytes":
        return draw(st.binary(max_size=300))
    return body.encode("utf-8", "surrogatepass")


@st.composite
def ics_feed(draw: st.DrawFn) -> bytes:
    freqs = st.sampled_from(
        ["SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY", "SOMETIMES"]
    )
    parts = st.lists(
        st.sampled_from(
            [
                "INTERVAL=1",
                "INTERVAL=15",
                "INTERVAL=0",
                "INTERVAL=-3",
                "COUNT=1000000000",
                "COUNT=3",
                "UNTIL=20250107T000000Z",
                "UNTIL=20250107",
                "BYMONTH=2",
                "BYMONTHDAY=30",
                "BYDAY=MO,WE",
                "BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23",
                "BYSETPOS=-1",
                "BYMINUTE=0,15,30,45",
                "BYSECOND=0,30",
                "BYWEEKNO=53",
                "BYYEARDAY=366",
            ]
        ),
        max_size=4,
        unique=True,
    )
    starts = st.sampled_from(
        [
            "DTSTART:20250106T000000Z",
            "DTSTART:19000101T000000Z",
            "DTSTART;VALUE=DATE:20250106",
            "DTSTART;TZID=Europe/Paris:20250106T100000",
            "DTSTART;TZID=Nowhere/City:20250106T100000",
            "DTSTART:99991231T235959Z",
            "DTSTART:00010101T000000",
            "DTSTART:2025",
            "",
        ]
    )
    ends = st.sampled_from(
        ["", "DTEND:20250106T010000Z", "DURATION:PT1H", "DURATION:-P9999999D", "DTEND:00010101"]
    )
    events = []
    for index in range(draw(st.integers(0, 3))):
        lines = [f"UID:e{index}", draw(starts), draw(ends), f"SUMMARY:{draw(odd_text)[:80]}"]
        if draw(st.booleans()):
            lines.append("RRULE:" + ";".join([f"FREQ={draw(freqs)}", *draw(parts)]))
        if draw(st.booleans()):
            lines.append(
                draw(
                    st.sampled_from(
                        [
                            "RDATE:20250106T120000Z",
                            "EXDATE:20250106T000000Z",
                            "RECURRENCE-ID:20250106T000000Z",
                            "STATUS:CANCELLED",
                        ]
                    )
                )
            )
        events.append(
            "BEGIN:VEVENT\r\n" + "\r\n".join(x for x in lines if x) + "\r\nEND:VEVENT\r\n"
        )
    body = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + "".join(events) + "END:VCALENDAR\r\n"
    how = draw(st.sampled_from(["as is", "as is", "as is", "deep", "cut", "bytes"]))
    if how == "deep":
        body = "BEGIN:VCALENDAR\r\n" + "BEGIN:X\r\n" * DEEP + "END:X\r\n" * DEEP + body
    elif how == "cut":
        body = body[: draw(st.integers(0, len(body)))]
    elif how == "bytes":
        return draw(st.binary(max_size=300))
    return body.encode("utf-8", "surrogatepass")


@st.composite
def csv_file(draw: st.DrawFn) -> bytes:
    rows = draw(st.lists(st.lists(odd_text | numbers.map(str), min_size=1, max_size=4), max_size=6))
    sep = draw(st.sampled_from([",", ";", "\t"]))
    text = "time,Acme,Globex\n" + "\n".join(sep.join(r) for r in rows)
    if draw(st.booleans()):
        text += "\n" + "9" * 5000
    return text.encode("utf-8", "surrogatepass")


# -- how each parser is fed --------------------------------------------------------------------


def _http_json(body: bytes) -> None:
    document = parse_json(body)
    for spec in SPECS:
        with contextlib.suppress(BadValueError):
            extract(spec, document, None)


def _file(body: bytes, file_format: str) -> None:
    document = parse_document(body, file_format)
    for spec in SPECS:
        with contextlib.suppress(BadValueError):
            extract(spec, document, None)


def _sse(body: bytes) -> None:
    document = event_document(body.decode("utf-8", "replace"))
    for spec in SPECS:
        with_bad = (BadValueError,)
        with contextlib.suppress(with_bad):
            extract(spec, document, None)


def _prom_instant(body: bytes) -> None:
    data, _ = prometheus.read_envelope(body)
    for call in (
        prometheus.single_figure,
        lambda d: prometheus.ranking(prometheus.totals(d, "path"), 5, None),
    ):
        with contextlib.suppress(prometheus.QueryError):
            call(data)


def _prom_range(body: bytes) -> None:
    data, _ = prometheus.read_envelope(body)
    spec = prometheus.PromStream(kind="series", query="up", range=3600, step=60, label="job")
    prometheus.series(data, spec, "up", NOW - 3600, NOW)


def _opensearch(body: bytes) -> None:
    answer = opensearch.read_answer(body)
    opensearch.partial_reason(answer)
    specs = [
        opensearch.SearchStream(kind="metric"),
        opensearch.SearchStream(kind="metric", agg="avg", field="took"),
        opensearch.SearchStream(kind="ranking", field="tag"),
        opensearch.SearchStream(kind="series", range=3600, interval=300),
        opensearch.SearchStream(
            kind="series", range=3600, interval=300, split="lang", agg="sum", field="n"
        ),
    ]
    for spec in specs:
        try:
            if spec.kind == "metric":
                opensearch.metric(answer, spec, None)
            elif spec.kind == "ranking":
                opensearch.ranking(answer, spec, None)
            else:
                opensearch.series(answer, spec, "s", NOW - 3600, NOW)
        except opensearch.QueryError:
            pass


def _ics(body: bytes) -> None:
    day = date(2025, 1, 6)
    occurrences(body, midnight(day, ZONE), midnight(day + timedelta(days=2), ZONE), ZONE)


def _mastodon(body: bytes) -> None:
    for item in mastodon._statuses(body, HEADERS):
        mastodon.to_mention(item, "m.example", NOW)


def _bluesky(body: bytes) -> None:
    for item in bluesky._posts(body, HEADERS):
        bluesky.to_mention(item, NOW)


@dataclass(frozen=True)
class Parser:
    payloads: st.SearchStrategy[bytes]
    feed: Callable[[bytes], None]
    declared: tuple[type[BaseException], ...] = (FetchError, StreamError, BadValueError)


PARSERS: dict[str, Parser] = {
    "http_json": Parser(encoded(stats | anything), _http_json),
    "rss": Parser(
        rss_feed(),
        lambda body: parse_feed(
            body, httpx.Headers({"content-type": "application/rss+xml"}), "https://example.com/feed"
        ),
    ),
    "file_csv": Parser(
        csv_file() | st.binary(max_size=200), functools.partial(_file, file_format="csv")
    ),
    "file_json": Parser(encoded(stats | anything), functools.partial(_file, file_format="json")),
    "sse": Parser(encoded(stats | anything), _sse),
    "prometheus_instant": Parser(encoded(prom_vector), _prom_instant),
    "prometheus_range": Parser(encoded(prom_matrix), _prom_range),
    "opensearch": Parser(encoded(search_answer), _opensearch),
    "ics": Parser(ics_feed(), _ics),
    "mastodon": Parser(encoded(statuses), _mastodon),
    "bluesky": Parser(encoded(search_posts), _bluesky),
}
