"""Posts from JSON, OpenSearch and file sources (kind: mentions): the fields a layout names,
and the country and coordinates of a record passed through, so real-shaped data is placed
without the gazetteer (kiosk.sources.posts)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from kiosk.analytics import attach_analytics
from kiosk.hub import Hub
from kiosk.sources.http_json import HttpJsonOptions, HttpJsonSource
from kiosk.sources.opensearch import OpenSearchSource
from kiosk.sources.posts import country_code, geo_point
from kiosk.sources.sse import SseSource
from kiosk.values import Mention, Places, Ranking
from tests.http_fakes import Backend, FakeTime, make_source, run
from tests.test_sources_file import Polls, run_file, write

T0 = 1_736_157_600.0  # 2025-01-06 10:00:00 UTC


def test_a_geo_point_in_each_of_its_forms() -> None:
    for form in (
        {"lat": 52.37, "lon": 4.89},
        "52.37,4.89",
        [4.89, 52.37],
        "POINT (4.89 52.37)",
        {"type": "Point", "coordinates": [4.89, 52.37]},
    ):
        assert geo_point(form) == (52.37, 4.89), form
    for nothing in (None, "", "Amsterdam", [1], {"lat": 95, "lon": 0}, "u173zq", {"lat": "x"}):
        assert geo_point(nothing) is None, nothing


def test_a_country_by_code_or_name() -> None:
    assert [country_code(v) for v in ("NL", "nl", "Netherlands", " Germany ")] == [
        "NL",
        "NL",
        "NL",
        "DE",
    ]
    assert [country_code(v) for v in ("", "Narnia", None, 31, "XX")] == [""] * 5


POSTS = [
    {
        "post_id": "1",
        "created": "2025-01-06T09:58:00Z",
        "body": "Acme trains late again",
        "user": {"name": "Ana", "screen": "@ana", "fans": 1200},
        "tags": ["AcmeDown"],
        "geo": {"cc": "NL", "point": {"lat": 52.09, "lon": 5.12}, "town": "Utrecht"},
        "brand": "Acme",
    },
    {
        "post_id": "2",
        "created": 1736157420000,
        "body": "Acme is fine here",
        "geo": {"cc": "Belgium"},
        "brand": "Acme",
    },
    {"post_id": "3", "body": "no time: skipped"},
]
FIELDS = {
    "id": "post_id",
    "time": "created",
    "text": "body",
    "author": "user.name",
    "handle": "user.screen",
    "followers": "user.fans",
    "hashtags": "tags",
    "country": "geo.cc",
    "coordinates": "geo.point",
    "city": "geo.town",
}


def posts_of(hub: Hub, stream: str) -> list[Mention]:
    sample = hub.sample(stream)
    assert sample is not None, f"{stream} has no posts"
    return list(sample.value)


def test_http_json_posts_carry_their_country_and_coordinates(tmp_path: Path) -> None:
    later = {**POSTS[0], "post_id": "4", "created": "2025-01-06T09:59:00Z", "geo": {"cc": "DE"}}
    backend = Backend(
        httpx.Response(200, json={"items": POSTS}),
        httpx.Response(200, json={"items": [*POSTS, later]}),  # the same posts, and one new
    )
    settings = {
        "type": "http_json",
        "url": "https://api.example/posts",
        "streams": {"mentions": {"kind": "mentions", "path": "items", "fields": FIELDS}},
    }
    time = FakeTime(polls=2, now=T0)
    source, hub = make_source(HttpJsonSource, "api", settings, backend, time, tmp_path)
    analytics = attach_analytics(hub, "api", brands=["Acme"])
    run(source)
    posts = posts_of(hub, "api.mentions")
    assert [post.id for post in posts] == ["2", "1", "4"]  # each once, in time order
    ana = posts[1]
    assert (ana.country, ana.lat, ana.lon, ana.city) == ("NL", 52.09, 5.12, "Utrecht")
    assert (ana.author, ana.handle, ana.followers, ana.hashtags) == (
        "Ana",
        "@ana",
        1200,
        ("#AcmeDown",),
    )
    assert (posts[0].country, posts[0].lat, posts[0].city) == ("BE", None, "")
    analytics.publish()
    by_country = hub.sample("api.by_country")
    assert by_country is not None and isinstance(by_country.value, Ranking)
    assert {e.label for e in by_country.value.entries} == {"Netherlands", "Belgium", "Germany"}
    places = hub.sample("api.places")
    assert places is not None and isinstance(places.value, Places)
    assert [place.name for place in places.value.places] == ["Utrecht"]


def test_posts_with_no_text_or_time_are_that_streams_problem() -> None:
    with pytest.raises(ValidationError, match="fields: is for mentions"):
        HttpJsonOptions.model_validate(
            {"url": "https://x/y", "streams": {"n": {"kind": "metric", "path": "a", "fields": {}}}}
        )
    with pytest.raises(ValidationError, match="JMESPath"):
        HttpJsonOptions.model_validate(
            {
                "url": "https://x/y",
                "streams": {"m": {"kind": "mentions", "path": "a", "fields": {"text": "a[["}}},
            }
        )


def search_hits(request: httpx.Request) -> httpx.Response:
    hits = [
        {
            "_source": {
                "@timestamp": "2025-01-06T09:59:30Z",
                "message": "Globex outage in Lyon",
                "location": "45.76,4.84",
                "country_code": "FR",
                "brand": "Globex",
            }
        },
        {
            "_source": {
                "@timestamp": "2025-01-06T09:59:00Z",
                "message": "Globex outage",
                "location": {"lat": 48.85, "lon": 2.35},
                "brand": "Globex",
            }
        },
    ]
    return httpx.Response(200, json={"hits": {"hits": hits}})


def test_opensearch_posts_pass_a_geo_point_through(tmp_path: Path) -> None:
    backend = Backend(search_hits)
    settings: dict[str, Any] = {
        "type": "opensearch",
        "url": "https://search.internal:9200",
        "index": "mentions-*",
        "streams": {
            "mentions": {
                "kind": "mentions",
                "top": 50,
                "fields": {"text": "message", "coordinates": "location", "country": "country_code"},
            }
        },
    }
    source, hub = make_source(OpenSearchSource, "os", settings, backend, FakeTime(), tmp_path)
    run(source)
    posts = posts_of(hub, "os.mentions")
    assert [(p.text, p.lat, p.lon, p.country) for p in posts] == [
        ("Globex outage", 48.85, 2.35, ""),
        ("Globex outage in Lyon", 45.76, 4.84, "FR"),
    ]
    assert posts[0].city == "48.85, 2.35"  # a dot on the map needs a name
    body = json.loads(backend.requests[0].content)
    assert body["size"] == 50 and body["sort"] == [{"@timestamp": {"order": "desc"}}]


def test_a_json_file_of_posts_places_them(tmp_path: Path) -> None:
    path = tmp_path / "posts.json"
    write(path, json.dumps(POSTS), T0 - 100)
    polls = Polls(lambda: None)
    streams = {"mentions": {"kind": "mentions", "path": "@", "fields": FIELDS}}
    hub = run_file(path, streams, polls)
    posts = posts_of(hub, "data.mentions")
    assert [(p.id, p.country) for p in posts] == [("2", "BE"), ("1", "NL")]


def test_a_restarted_source_does_not_add_its_cached_posts_again(tmp_path: Path) -> None:
    settings = {
        "type": "http_json",
        "url": "https://api.example/posts",
        "streams": {"mentions": {"kind": "mentions", "path": "items", "fields": FIELDS}},
    }
    answer = httpx.Response(200, json={"items": POSTS})
    source, _ = make_source(HttpJsonSource, "api", settings, Backend(answer), FakeTime(), tmp_path)
    run(source)
    # The next run shows the cached posts at once; its first poll answers the same posts.
    again, hub = make_source(HttpJsonSource, "api", settings, Backend(answer), FakeTime(), tmp_path)
    run(again)
    assert [post.id for post in posts_of(hub, "api.mentions")] == ["2", "1"]


def test_an_event_stream_of_posts_adds_each_once(tmp_path: Path) -> None:
    from tests.test_sources_sse import data, events

    first = events(*data("post", POSTS[0], "1"), *data("post", POSTS[1], "2"), drop=True)
    second = events(*data("post", POSTS[1], "2"), "")  # resent after the reconnection
    settings = {
        "type": "sse",
        "url": "https://events.example.com/stream",
        "streams": {"mentions": {"kind": "mentions", "path": "@", "fields": FIELDS}},
    }
    source, hub = make_source(
        SseSource, "api", settings, Backend(first, second), FakeTime(polls=2), tmp_path
    )
    run(source)
    posts = posts_of(hub, "api.mentions")
    assert [(post.id, post.country) for post in posts] == [("1", "NL"), ("2", "BE")]
