"""The mastodon and bluesky sources against hand-written answers shaped like the real APIs.

Mastodon: ``GET /api/v1/timelines/tag/:tag`` answers a list of Status entities, ``GET
/api/v2/search`` a Search entity. Bluesky: ``app.bsky.feed.searchPosts`` answers ``{cursor,
hitsTotal, posts: [app.bsky.feed.defs#postView]}``. No network: httpx.MockTransport.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest

from kiosk.config import LayoutError, parse_layout
from kiosk.hub import Hub, SourceState
from kiosk.sources import SOURCES
from kiosk.sources.bluesky import BlueskyOptions, BlueskySource
from kiosk.sources.html_text import html_to_text
from kiosk.sources.mastodon import MastodonSource
from kiosk.values import Kind, Mention
from tests.http_fakes import T0, Backend, FakeTime, make_source, ok, run

INSTANCE = "https://mastodon.example"
BRANDS = {
    "Acme": {"keywords": ["acme"], "hashtags": ["acme"], "exclude": ["acme anvil"]},
    "Globex": {"keywords": ["globex"], "phrases": ["globex app"]},
}


def status(
    status_id: str,
    content: str = "<p>Loving my <strong>Acme</strong> phone</p>",
    *,
    when: str = "2025-01-06T09:58:12.000Z",
    tags: tuple[str, ...] = (),
    **changes: Any,
) -> dict[str, Any]:
    """A Mastodon Status entity as /api/v1/timelines/tag returns it (abridged)."""
    document: dict[str, Any] = {
        "id": status_id,
        "created_at": when,
        "in_reply_to_id": None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": "public",
        "language": "en",
        "uri": f"https://social.example/users/ann/statuses/{status_id}",
        "url": f"https://social.example/@ann/{status_id}",
        "replies_count": 0,
        "reblogs_count": 2,
        "favourites_count": 5,
        "content": content,
        "reblog": None,
        "account": {
            "id": "109",
            "username": "ann",
            "acct": "ann@social.example",
            "display_name": "Ann  Example",
            "followers_count": 1234,
            "url": "https://social.example/@ann",
        },
        "media_attachments": [
            {
                "id": "22",
                "type": "image",
                "url": "https://files.example/media/22.png",
                "preview_url": "https://files.example/media/22_small.png",
                "remote_url": None,
                "description": "a phone",
            }
        ],
        "mentions": [],
        "tags": [{"name": tag, "url": f"{INSTANCE}/tags/{tag}"} for tag in tags],
        "emojis": [],
        "card": None,
        "poll": None,
    }
    document.update(changes)
    return document


def mastodon(
    backend: Backend,
    time: FakeTime,
    tmp_path: Path,
    hub: Hub | None = None,
    **options: Any,
) -> tuple[MastodonSource, Hub]:
    settings = {"type": "mastodon", "instance": INSTANCE, "brands": BRANDS, **options}
    return make_source(MastodonSource, "api", settings, backend, time, tmp_path, hub)


def mentions(hub: Hub) -> tuple[Mention, ...]:
    sample = hub.sample("api.mentions")
    return () if sample is None else tuple(sample.value)


# -- mastodon ----------------------------------------------------------------------------------


def test_a_status_becomes_a_mention() -> None:
    backend = Backend(ok([status("103", tags=("acme",))]))
    source, hub = mastodon(backend, time := FakeTime(), Path("/nonexistent"), cache=False)
    run(source)
    [mention] = mentions(hub)
    assert mention == Mention(
        id="https://social.example/users/ann/statuses/103",
        at=T0 - 108,  # 09:58:12
        brand="Acme",
        text="Loving my Acme phone",
        lang="en",
        platform="mastodon",
        author="Ann Example",
        handle="ann@social.example",
        followers=1234,
        sentiment=mention.sentiment,
        hashtags=("acme",),
        media=("https://files.example/media/22.png",),
        likes=5,  # favourites_count
        reposts=2,  # reblogs_count
        replies=0,
    )
    assert mention.sentiment > 0.25
    assert str(backend.requests[0].url) == f"{INSTANCE}/api/v1/timelines/tag/acme?limit=40"
    assert hub.status("api").state is SourceState.OK and time.sleeps == [60.0]


def test_html_is_read_as_text() -> None:
    content = (
        '<p>Hi <span class="h-card"><a href="https://x.example/@bob" class="u-url mention">'
        "@<span>bob</span></a></span> &amp; all!</p><p>Read "
        '<a href="https://news.example/acme/very/long/path"><span class="invisible">https://'
        '</span><span class="ellipsis">news.example/acme/very</span><span class="invisible">'
        '/long/path</span></a><br>ok &lt;3 <a href="#">#<span>Acme</span></a></p>'
        "<script>alert(1)</script><p></p>"
    )
    assert html_to_text(content) == "Hi @bob & all!\nRead news.example/acme/very…\nok <3 #Acme"
    assert html_to_text("plain <b>unclosed") == "plain unclosed"
    assert html_to_text("a</span></p>b") == "a\nb"  # stray end tags


def test_a_boost_a_local_account_and_a_sensitive_post() -> None:
    local = status("7", account={"acct": "zoe", "username": "zoe", "display_name": ""})
    boost = status("8", content="", reblog=status("6", content="<p>globex app rocks</p>"))
    hidden = status("9", sensitive=True, language=None, content="<p>Acme ist super</p>")
    source, hub = mastodon(Backend(ok([hidden, boost, local])), FakeTime(), Path("/x"), cache=False)
    run(source)
    found = {m.id.rsplit("/", 1)[1]: m for m in mentions(hub)}
    assert set(found) == {"6", "7", "9"}
    assert (found["7"].handle, found["7"].author) == ("zoe@mastodon.example", "zoe")
    assert found["6"].brand == "Globex"  # the boosted post itself
    assert found["9"].media == () and found["9"].lang in {"en", "nl", "und"}  # detected


def test_since_id_advances_and_survives_a_restart(tmp_path: Path) -> None:
    backend = Backend(
        ok([status("105"), status("99")]),
        ok([status("1000", content="<p>acme again</p>")]),
        ok([]),
    )
    source, hub = mastodon(backend, FakeTime(polls=3), tmp_path)
    run(source)
    urls = [str(r.url) for r in backend.requests]
    assert "since_id" not in urls[0]
    assert urls[1].endswith("since_id=105")
    assert urls[2].endswith("since_id=1000")  # compared as numbers: "1000" > "105"
    assert len(mentions(hub)) == 3

    later = FakeTime(polls=1, now=T0 + 3600)
    again = Backend(ok([status("1000", content="<p>acme again</p>"), status("1001")]))
    restarted, hub = mastodon(again, later, tmp_path)
    run(restarted)
    assert str(again.requests[0].url).endswith("since_id=1000")
    ids = [m.id.rsplit("/", 1)[1] for m in mentions(hub)]
    assert ids.count("1000") == 1 and ids[-1] == "1001"  # cached ones, and only the new one added


def test_a_post_in_two_timelines_is_taken_once() -> None:
    both = status("5", tags=("acme", "globex"), content="<p>#acme vs #globex</p>")
    backend = Backend(lambda r: ok([both]))
    brands = {"Acme": {"hashtags": ["acme"]}, "Globex": {"hashtags": ["globex"]}}
    source, hub = mastodon(backend, FakeTime(), Path("/x"), cache=False, brands=brands)
    run(source)
    assert [str(r.url).split("?")[0].rsplit("/", 1)[1] for r in backend.requests] == [
        "acme",
        "globex",
    ]
    assert [m.brand for m in mentions(hub)] == ["Acme", "Globex"]  # once per brand, one id
    assert len({m.id for m in mentions(hub)}) == 1


def test_brands_exclusions_and_drops_are_logged_once_per_poll(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="kiosk.analytics.queries")
    answer = [
        status("1", content="<p>The Acme anvil fell</p>"),
        status("2", content="<p>Nothing to see</p>"),
        status("3", content="<p>Globex, app of the year</p>"),
        status("4", content="<p>acme</p>", account=None),
    ]
    source, hub = mastodon(Backend(ok(answer)), FakeTime(), Path("/x"), cache=False)
    run(source)
    assert [(m.id[-1], m.brand) for m in mentions(hub)] == [("3", "Globex")]
    lines = [r.getMessage() for r in caplog.records if r.name == "kiosk.analytics.queries"]
    assert lines == ["source api: 2 posts matched no brand, 1 could not be read"]


def test_tracked_phrases_are_counted() -> None:
    answer = [
        status("1", content="<p>Acme phone died in the train</p>"),
        status("2", content="<p>in the train again, no acme</p>"),
        status("3", content="<p>in the train, nobody cares</p>"),  # no brand: not counted
    ]
    source, hub = mastodon(
        Backend(ok(answer)), FakeTime(), Path("/x"), cache=False, track=["in the train", "on time"]
    )
    run(source)
    sample = hub.sample("api.tracked")
    assert sample is not None
    assert [(e.label, e.value) for e in sample.value.entries] == [
        ("in the train", 2.0),
        ("on time", 0.0),
    ]


def test_a_429_waits_for_retry_after_and_keeps_the_posts(tmp_path: Path) -> None:
    busy = httpx.Response(429, headers={"Retry-After": "120"})
    time = FakeTime(polls=3)
    source, hub = mastodon(Backend(ok([status("1")]), busy, ok([])), time, tmp_path)
    run(source)
    assert time.sleeps == [60.0, 120.0, 60.0]
    assert len(mentions(hub)) == 1 and hub.status("api").state is SourceState.OK


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, text="<html>502 Bad Gateway</html>"),
        httpx.Response(200, json={"error": "This method requires an authenticated user"}),
        httpx.Response(200, content=b'[{"id": "1", "content": '),
    ],
)
def test_garbage_is_a_failed_poll_not_a_crash(tmp_path: Path, answer: httpx.Response) -> None:
    time = FakeTime(polls=3)
    source, hub = mastodon(Backend(ok([status("1")]), answer), time, tmp_path)
    run(source)
    status_now = hub.status("api")
    assert status_now.state is SourceState.STALE
    assert status_now.detail.startswith(("not JSON", "not a list of posts"))
    assert len(mentions(hub)) == 1  # the last good posts stay


@pytest.mark.parametrize(
    "broken",
    [
        {"id": "2"},
        "a string",
        None,
        {**status("2"), "created_at": "yesterday"},
        {**status("2"), "content": None},
        {**status("2"), "account": {"acct": 5}},
        {**status("2"), "account": {**status("2")["account"], "followers_count": "many"}},
        {**status("2"), "tags": ["acme"]},
    ],
)
def test_a_status_missing_fields_is_skipped_and_counted(broken: Any) -> None:
    source, hub = mastodon(Backend(ok([broken, status("1")])), FakeTime(), Path("/x"), cache=False)
    run(source)
    assert [m.id[-1] for m in mentions(hub)] == ["1"]
    assert hub.status("api").state is SourceState.OK


def test_search_sends_the_token_and_the_cache_never_holds_it(tmp_path: Path) -> None:
    found = {"accounts": [], "hashtags": [], "statuses": [status("7", content="<p>acme!</p>")]}
    backend = Backend(lambda r: ok(found if "search" in r.url.path else []))
    options: dict[str, Any] = {"tags": ["acme"], "search": True, "token": "s3cret-token"}
    source, hub = mastodon(backend, FakeTime(polls=2), tmp_path, **options)
    run(source)
    assert all(r.headers["Authorization"] == "Bearer s3cret-token" for r in backend.requests)
    searches = [r.url for r in backend.requests if r.url.path == "/api/v2/search"]
    assert [u.params["q"] for u in searches] == ["acme", "globex", '"globex app"'] * 2
    assert searches[0].params["type"] == "statuses" and "min_id" not in searches[0].params
    assert searches[3].params["min_id"] == "7"
    assert len(mentions(hub)) == 1
    cache = (tmp_path / "sources" / "api.json").read_text()
    assert "s3cret" not in cache and json.loads(cache)["extra"]["since"]["search:acme"] == "7"


def test_a_search_refused_without_a_token_says_so() -> None:
    backend = Backend(lambda r: httpx.Response(401) if "search" in r.url.path else ok([]))
    source, hub = mastodon(backend, FakeTime(), Path("/x"), cache=False, search=True)
    run(source)
    assert hub.status("api").detail == (
        "search needs a token (HTTP 401 from mastodon.example) (and 2 more)"
    )


# -- bluesky -----------------------------------------------------------------------------------


def post_view(
    rkey: str,
    text: str = "My new Acme phone is great #acme",
    *,
    created: str = "2025-01-06T09:50:00.000Z",
    indexed: str = "2025-01-06T09:50:01.123Z",
    **changes: Any,
) -> dict[str, Any]:
    """An app.bsky.feed.defs#postView as searchPosts returns it."""
    tag_at = text.find("#acme")
    facets = (
        []
        if tag_at < 0
        else [
            {
                "$type": "app.bsky.richtext.facet",
                "index": {"byteStart": tag_at, "byteEnd": tag_at + 5},
                "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "acme"}],
            }
        ]
    )
    document: dict[str, Any] = {
        "uri": f"at://did:plc:abc123/app.bsky.feed.post/{rkey}",
        "cid": f"bafyrei{rkey}",
        "author": {
            "did": "did:plc:abc123",
            "handle": "ann.bsky.social",
            "displayName": "Ann Example",
            "avatar": "https://cdn.bsky.app/img/avatar/plain/did:plc:abc123/x@jpeg",
            "labels": [],
            "createdAt": "2023-04-01T10:00:00.000Z",
        },
        "record": {
            "$type": "app.bsky.feed.post",
            "text": text,
            "createdAt": created,
            "langs": ["en"],
            "facets": facets,
        },
        "embed": {
            "$type": "app.bsky.embed.images#view",
            "images": [
                {
                    "thumb": "https://cdn.bsky.app/img/feed_thumbnail/plain/did:plc:abc123/b@jpeg",
                    "fullsize": "https://cdn.bsky.app/img/feed_fullsize/plain/did:plc:abc123/b@jpeg",
                    "alt": "",
                    "aspectRatio": {"height": 1000, "width": 750},
                }
            ],
        },
        "replyCount": 0,
        "repostCount": 1,
        "likeCount": 4,
        "quoteCount": 0,
        "indexedAt": indexed,
        "labels": [],
    }
    document.update(changes)
    return document


def search(*posts: dict[str, Any]) -> httpx.Response:
    return ok({"cursor": str(len(posts)), "hitsTotal": len(posts), "posts": list(posts)})


ANN_FOLLOWERS = 321


def profiles(*authors: tuple[str, int]) -> httpx.Response:
    """An app.bsky.actor.getProfiles answer: profileViewDetailed, abridged."""
    return ok(
        {
            "profiles": [
                {"did": did, "handle": f"{did[-6:]}.bsky.social", "followersCount": followers}
                for did, followers in authors
            ]
        }
    )


def bluesky(
    backend: Backend,
    time: FakeTime,
    tmp_path: Path,
    hub: Hub | None = None,
    profile_backend: Backend | None = None,
    **options: Any,
) -> tuple[BlueskySource, Hub]:
    """A bluesky source whose searches go to ``backend``, its profile lookups to
    ``profile_backend`` (by default one that knows Ann, the author of every post_view)."""
    settings = {"type": "bluesky", "brands": BRANDS, **options}
    looked_up = profile_backend or Backend(profiles(("did:plc:abc123", ANN_FOLLOWERS)))

    def route(request: httpx.Request) -> Any:
        is_profiles = request.url.path.endswith("/app.bsky.actor.getProfiles")
        return (looked_up if is_profiles else backend)(request)

    return make_source(BlueskySource, "api", settings, route, time, tmp_path, hub)


def test_a_search_hit_becomes_a_mention() -> None:
    backend = Backend(
        lambda r: search(post_view("3kx")) if "acme" in r.url.params["q"] else search()
    )
    source, hub = bluesky(backend, FakeTime(), Path("/x"), cache=False)
    run(source)
    [mention] = mentions(hub)
    assert mention == Mention(
        id="at://did:plc:abc123/app.bsky.feed.post/3kx",
        at=T0 - 600,
        brand="Acme",
        text="My new Acme phone is great #acme",
        lang="en",
        platform="bluesky",
        author="Ann Example",
        handle="ann.bsky.social",
        followers=ANN_FOLLOWERS,  # not in the postView: from getProfiles
        sentiment=mention.sentiment,
        hashtags=("acme",),
        media=("https://cdn.bsky.app/img/feed_fullsize/plain/did:plc:abc123/b@jpeg",),
        likes=4,  # likeCount
        reposts=1,  # repostCount
        replies=0,
    )
    first = backend.requests[0].url
    assert first.path == "/xrpc/app.bsky.feed.searchPosts"
    assert dict(first.params) == {"q": "acme OR #acme", "limit": "50", "sort": "latest"}
    assert backend.requests[1].url.params["q"] == 'globex OR "globex app"'


def test_the_search_is_checked_again_locally() -> None:
    loose = [
        post_view("1", "acmes everywhere"),  # the API stems; a whole word is wanted
        post_view("2", "Acme anvil sale"),  # excluded
        post_view("3", "the GLOBEX app is down"),
    ]
    source, hub = bluesky(Backend(search(*loose)), FakeTime(), Path("/x"), cache=False)
    run(source)
    assert [(m.id[-1], m.brand) for m in mentions(hub)] == [("3", "Globex")]


def test_dedupe_by_uri_and_since_from_the_newest_post(tmp_path: Path) -> None:
    older = post_view("1", created="2025-01-06T09:00:00Z", indexed="2025-01-06T09:00:02Z")
    newer = post_view("2")
    backend = Backend(search(newer, older), search(newer, older))
    brands = {"Acme": BRANDS["Acme"]}
    source, hub = bluesky(backend, FakeTime(polls=2), tmp_path, brands=brands)
    run(source)
    assert [m.id[-1] for m in mentions(hub)] == ["1", "2"]  # oldest first, each once
    assert "since" not in backend.requests[0].url.params
    assert backend.requests[1].url.params["since"] == "2025-01-06T09:45:00Z"  # 09:50 less 5 min

    later = FakeTime(polls=1, now=T0 + 600)
    again = Backend(search(post_view("4", "acme"), newer))
    restarted, hub = bluesky(again, later, tmp_path, brands=brands)
    run(restarted)
    assert again.requests[0].url.params["since"] == "2025-01-06T09:45:00Z"
    assert [m.id[-1] for m in mentions(hub)] == ["1", "2", "4"]


def test_times_media_and_tags_from_other_shapes() -> None:
    future = post_view("1", created="2030-01-01T00:00:00Z")  # a wrong clock: indexing time
    quote = post_view(
        "2",
        "acme quote",
        embed={
            "$type": "app.bsky.embed.recordWithMedia#view",
            "media": {
                "$type": "app.bsky.embed.images#view",
                "images": [{"fullsize": "https://c/1"}],
            },
            "record": {"record": {}},
        },
    )
    quote["record"]["tags"] = ["launch"]
    quote["record"]["langs"] = ["nl"]
    video = post_view(
        "3",
        "acme video",
        embed={"$type": "app.bsky.embed.video#view", "playlist": "https://v/p.m3u8"},
    )
    source, hub = bluesky(
        Backend(search(future, quote, video)), FakeTime(), Path("/x"), cache=False
    )
    run(source)
    found = {m.id[-1]: m for m in mentions(hub)}
    assert found["1"].at == T0 - 600 + 1.123
    assert (found["2"].media, found["2"].hashtags, found["2"].lang) == (
        ("https://c/1",),
        ("launch",),
        "nl",
    )
    assert found["3"].media == ("https://v/p.m3u8",)


@pytest.mark.parametrize(
    "broken",
    [
        {"uri": "at://x"},
        [],
        {**post_view("9"), "record": {"text": 5}},
        {**post_view("9"), "author": {"displayName": "no handle"}},
        {**post_view("9"), "indexedAt": None, "record": {"text": "acme", "createdAt": "soon"}},
    ],
)
def test_a_post_missing_fields_is_skipped(broken: Any) -> None:
    source, hub = bluesky(
        Backend(search(broken, post_view("1"))), FakeTime(), Path("/x"), cache=False
    )
    run(source)
    assert [m.id[-1] for m in mentions(hub)] == ["1"]
    assert hub.status("api").state is SourceState.OK


def test_garbage_a_429_and_a_token(tmp_path: Path) -> None:
    busy = httpx.Response(429, headers={"Retry-After": "90"})
    backend = Backend(search(post_view("1")), httpx.Response(200, text="{]"), busy)
    time = FakeTime(polls=3)
    options: dict[str, Any] = {"token": "s3cret-token", "service": "https://bsky.social/"}
    source, hub = bluesky(backend, time, tmp_path, brands={"Acme": BRANDS["Acme"]}, **options)
    run(source)
    assert time.sleeps == [60.0, 2.0, 90.0]  # the interval, a backoff, then Retry-After
    status_now = hub.status("api")
    assert status_now.state is SourceState.STALE and status_now.detail.startswith("not JSON")
    assert str(backend.requests[0].url).startswith("https://bsky.social/xrpc/")
    assert all(r.headers["Authorization"] == "Bearer s3cret-token" for r in backend.requests)
    assert "s3cret" not in (tmp_path / "sources" / "api.json").read_text()
    assert len(mentions(hub)) == 1


def test_a_brand_may_bring_its_own_search_string() -> None:
    backend = Backend(search())
    queries = {"Acme": "acme lang:en"}
    source, _ = bluesky(backend, FakeTime(), Path("/x"), cache=False, queries=queries)
    run(source)
    assert [r.url.params["q"] for r in backend.requests] == [
        "acme lang:en",
        'globex OR "globex app"',
    ]


def test_a_corrupt_extra_leaves_the_cache_unused(tmp_path: Path) -> None:
    source, _ = bluesky(Backend(search(post_view("1"))), FakeTime(), tmp_path)
    run(source)
    cache = tmp_path / "sources" / "api.json"
    document = json.loads(cache.read_text())
    document["extra"]["newest"] = {"acme": "yesterday"}
    cache.write_text(json.dumps(document))
    restarted, hub = bluesky(Backend(httpx.ConnectError("down")), FakeTime(), tmp_path)
    run(restarted)
    assert mentions(hub) == ()


# -- in a layout -------------------------------------------------------------------------------


def layout_with(source: str) -> str:
    screens = "[{name: a, match: {any: true}, pages: [{title: P}]}]"
    return f"sources:\n  api: {source}\nscreens: {screens}\n"


def test_both_are_registered_and_give_the_analytics_streams(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kiosk.app import Runtime

    assert {"mastodon", "bluesky"} <= set(SOURCES)
    monkeypatch.setenv("KIOSK_TEST_TOKEN", "abc-token")
    layout = parse_layout(
        layout_with(
            "{type: bluesky, token: '${env:KIOSK_TEST_TOKEN}', our_brand: Globex, track: [on time],"
            " brands: {Acme: {keywords: [acme]}, Globex: {hashtags: ['#globex']}}}"
        )
    )
    options = layout.sources["api"]
    assert isinstance(options, BlueskyOptions) and options.token == "abc-token"
    runtime = Runtime(layout, Hub())
    [analytics] = runtime.analytics
    assert analytics.ours == "Globex" and analytics.volume.labels[:2] == ["Acme", "Globex"]
    assert runtime.hub.kind("api.share") is Kind.BREAKDOWN
    assert runtime.hub.kind("api.tracked") is Kind.RANKING


B = "type: bluesky, brands: {Acme: {keywords: [acme]}}"
M = "type: mastodon, instance: 'https://m.example', brands: {Acme: {hashtags: [acme]}}"


@pytest.mark.parametrize(
    ("source", "path", "fragment"),
    [
        ("{type: bluesky, brands: {}}", "brands", "at least 1"),
        ("{type: bluesky, brands: {Acme: {keyword: [a]}}}", "brands.Acme.keyword",
         "did you mean 'keywords'"),
        ("{type: bluesky, brands: {Acme: {}}}", "brands.Acme", "give at least one of"),
        (f"{{{B}, our_brand: Acme2}}", "", "our_brand: 'Acme2' is not one of brands"),
        (f"{{{B}, queries: {{Acme2: x}}}}", "", "queries: 'Acme2' is not one of brands"),
        (f"{{{B}, service: bsky.social}}", "service", "http:// or https://"),
        ("{type: mastodon, instance: m.example, tags: [a], brands: {A: {keywords: [a]}}}",
         "instance", "http:// or https://"),
        (f"{{{M}, tags: ['two words']}}", "tags", "is not a hashtag"),
        (f"{{{M}, limit: 80}}", "limit", "from 1 to 40"),
        ("{type: mastodon, instance: 'https://m', brands: {A: {keywords: [a]}}}", "",
         "nothing to read"),
    ],
)  # fmt: skip
def test_bad_options_are_reported_at_their_key(source: str, path: str, fragment: str) -> None:
    with pytest.raises(LayoutError) as caught:
        parse_layout(layout_with(source))
    [issue] = caught.value.issues
    assert issue.path == f"sources.api.{path}".rstrip(".") and fragment in issue.message, str(issue)


def test_a_restored_mention_keeps_its_brand_and_media(tmp_path: Path) -> None:
    source, _ = mastodon(Backend(ok([status("1")])), FakeTime(), tmp_path)
    run(source)
    restarted, hub = mastodon(Backend(httpx.ConnectError("down")), FakeTime(), tmp_path)
    run(restarted)
    [mention] = mentions(hub)
    assert (mention.brand, mention.media) == ("Acme", ("https://files.example/media/22.png",))


def test_mastodon_streams_after_catching_up_and_falls_back_to_polling_when_refused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.test_sources_sse import events

    caplog.set_level(logging.INFO)
    streamed = json.dumps(status("205", "<p>Acme store opened #acme</p>", tags=("acme",)))
    backend = Backend(
        ok([status("200", tags=("acme",))]),  # catch-up poll of #acme
        events(": thump", "event: update", f"data: {streamed}", "", drop=True),  # the stream
        ok([]),  # the next catch-up: nothing missed
        httpx.Response(401, json={"error": "This API requires an authenticated user"}),
        ok([]),  # polling only from now on
    )
    time = FakeTime(polls=3)
    source, hub = mastodon(backend, time, tmp_path, stream=True)
    run(source)
    paths = [(r.url.path, r.url.params.get("since_id")) for r in backend.requests]
    assert paths == [
        ("/api/v1/timelines/tag/acme", None),
        ("/api/v1/streaming/hashtag", None),
        ("/api/v1/timelines/tag/acme", "205"),  # the streamed post moved since_id on
        ("/api/v1/streaming/hashtag", None),
        ("/api/v1/timelines/tag/acme", "205"),
    ]
    assert [m.id.rsplit("/", 1)[-1] for m in hub.sample("api.mentions").value] == ["200", "205"]
    # The stream dropped after posts came (routine: catch up, stream again), then was refused.
    assert time.states == [SourceState.OK, SourceState.OK, SourceState.OK]
    assert time.sleeps[0] <= 2.0 and time.sleeps[1] == 60.0  # soon after a drop; then polls
    refused = [r.getMessage() for r in caplog.records if "offers no streaming" in r.getMessage()]
    assert len(refused) == 1 and not source.streaming
