"""Reach and reactions (issue #11, 6): Bluesky authors' follower counts from getProfiles, the
likes, reposts and replies every platform gives, and rankings ordered by them."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import httpx
import pytest

from kiosk.analytics import attach_analytics
from kiosk.hub import Hub, SourceState
from kiosk.sources.bluesky_profiles import BATCH, KEEP_FOR, FollowerCounts
from kiosk.values import Kind, Mention, Ranking
from tests.http_fakes import T0, Backend, FakeTime, run
from tests.test_sources_social import bluesky, mentions, post_view, profiles, search

ACME = {"Acme": {"keywords": ["acme"]}}


def by(author: int, rkey: str) -> dict[str, Any]:
    """A post by author number ``author`` (each with its own DID and handle)."""
    view = post_view(rkey, f"acme post {rkey}")
    view["author"] = {**view["author"], "did": f"did:plc:a{author:05d}", "handle": f"a{author}.x"}
    return view


def answer_followers(request: httpx.Request) -> httpx.Response:
    """getProfiles as the AppView answers it: each DID asked for, 1000 + its number."""
    asked = request.url.params.get_list("actors")
    return profiles(*((did, 1000 + int(did[-5:])) for did in asked))


def test_authors_are_looked_up_25_a_call_and_kept(tmp_path: Path) -> None:
    looked_up = Backend(answer_followers)
    posts = [by(n, str(n)) for n in range(60)]
    time = FakeTime(polls=2)
    source, hub = bluesky(
        Backend(search(*posts)), time, tmp_path, profile_backend=looked_up, brands=ACME
    )
    run(source)
    calls = [r.url.params.get_list("actors") for r in looked_up.requests]
    assert [len(actors) for actors in calls] == [25, 25, 10]  # ≤ 25 a call, each author once
    assert len({did for actors in calls for did in actors}) == 60
    followers = {m.handle: m.followers for m in mentions(hub)}
    assert followers["a7.x"] == 1007 and followers["a59.x"] == 1059
    # The second poll brought the same posts (seen) and asked for nobody again.
    assert len(looked_up.requests) == 3


def test_a_count_is_asked_for_again_after_it_expires() -> None:
    now = [T0]
    counts = FollowerCounts(lambda: now[0])
    counts.learn(["did:plc:1", "did:plc:2"], {"did:plc:1": 10})
    assert (counts.get("did:plc:1"), counts.get("did:plc:2")) == (10, 0)  # 2: gone, 0
    assert counts.wanted(["did:plc:1", "did:plc:3", "did:plc:3"], batches=4) == [["did:plc:3"]]
    now[0] += KEEP_FOR + 1
    assert counts.get("did:plc:1") is None
    assert counts.wanted(["did:plc:1"], batches=4) == [["did:plc:1"]]


def test_the_cache_is_bounded_least_recently_used_first() -> None:
    counts = FollowerCounts(lambda: T0, max_authors=3)
    counts.learn(["a", "b", "c"], {"a": 1, "b": 2, "c": 3})
    counts.get("a")  # used: kept
    counts.learn(["d"], {"d": 4})
    assert len(counts) == 3 and counts.get("b") is None and counts.get("a") == 1


def test_calls_a_poll_are_limited(tmp_path: Path) -> None:
    looked_up = Backend(answer_followers)
    posts = [by(n, str(n)) for n in range(60)]
    source, hub = bluesky(
        Backend(search(*posts)),
        FakeTime(),
        tmp_path,
        profile_backend=looked_up,
        brands=ACME,
        profile_calls=1,
    )
    run(source)
    assert len(looked_up.requests) == 1
    posted = mentions(hub)
    assert len(posted) == 60  # every post, looked up or not
    assert sum(1 for m in posted if m.followers) == BATCH


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(500),
        httpx.ConnectError("down"),
        httpx.Response(200, text="<html>maintenance</html>"),
        httpx.Response(200, json={"profiles": "no"}),
    ],
)
def test_a_failed_lookup_loses_no_post_and_leaves_the_source_ok(
    failure: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    posts = [by(n, str(n)) for n in range(30)]
    source, hub = bluesky(
        Backend(search(*posts)),
        FakeTime(polls=3),
        tmp_path,
        profile_backend=Backend(failure),
        brands=ACME,
    )
    with caplog.at_level(logging.WARNING):
        run(source)
    assert len(mentions(hub)) == 30 and all(m.followers == 0 for m in mentions(hub))
    assert hub.status("api").state is SourceState.OK
    said = [r.message for r in caplog.records if "follower counts" in r.message]
    assert len(said) == 1  # once per change, not once a poll


def test_a_429_stops_lookups_until_retry_after(tmp_path: Path) -> None:
    busy = httpx.Response(429, headers={"Retry-After": "600"})
    looked_up = Backend(busy, answer_followers)
    searches = Backend(*(search(by(n, str(n))) for n in range(4)))
    source, _ = bluesky(
        searches, FakeTime(polls=4), tmp_path, profile_backend=looked_up, brands=ACME
    )
    run(source)
    # Polls at 0, 60, 120, 180 s: the first lookup was told to wait 600 s; none after it.
    assert len(looked_up.requests) == 1


def test_who_drives_it_ranks_bluesky_authors_by_their_followers(tmp_path: Path) -> None:
    posts = [by(1, "1"), by(2, "2"), by(2, "3")]
    source, hub = bluesky(
        Backend(search(*posts)), FakeTime(), tmp_path, profile_backend=Backend(answer_followers)
    )
    attach_analytics(hub, "api", ["Acme"])
    run(source)
    hub.append("api.mentions", [])  # publish now
    analytics_sample = hub.sample("api.authors")
    assert analytics_sample is not None and isinstance(analytics_sample.value, Ranking)
    entries = analytics_sample.value.entries
    assert [(e.value, e.detail.split(" · ")[0]) for e in entries] == [
        (2 * 1002, "@a2.x"),  # two posts, 1002 followers each
        (1001, "@a1.x"),
    ]


# -- ranking by engagement ----------------------------------------------------------------------


def post(n: int, handle: str, followers: int, tag: str, likes: int | None, **more: Any) -> Mention:
    return Mention(
        str(n), T0 - 60, "Acme", "t", "en", "mastodon", handle, handle, followers, 0.0, (tag,),
        likes=likes, **more,
    )  # fmt: skip


def ranked(rank_by: Any, posts: list[Mention], stream: str) -> list[tuple[str, float]]:
    hub = Hub(clock=lambda: T0)
    hub.declare("s.mentions", Kind.MENTIONS)
    attach_analytics(hub, "s", ["Acme"], rank_by=rank_by)
    hub.append("s.mentions", posts)
    sample = hub.sample(f"s.{stream}")
    assert sample is not None and isinstance(sample.value, Ranking)
    return [(entry.label, entry.value) for entry in sample.value.entries]


POSTS = [
    post(1, "star", 90_000, "#launch", likes=2),  # reaches many, moves few
    post(2, "fan", 40, "#acmedown", likes=300, reposts=120, replies=80),  # the other way round
    post(3, "fan", 40, "#acmedown", likes=None),  # a platform without counts: 0
    post(4, "nobody", 0, "#launch", likes=5),  # no followers known (a Bluesky author, say)
]


def test_rank_by_engagement_orders_authors_and_hashtags_by_reactions() -> None:
    assert ranked(None, POSTS, "authors") == [("star", 90_000), ("fan", 80)]
    assert ranked(None, POSTS, "hashtags") == [("#launch", 2), ("#acmedown", 2)]
    assert ranked("engagement", POSTS, "authors") == [("fan", 500), ("nobody", 5), ("star", 2)]
    assert ranked("engagement", POSTS, "hashtags") == [("#acmedown", 500), ("#launch", 7)]
    assert ranked("reach", POSTS, "hashtags") == [("#launch", 90_000), ("#acmedown", 80)]


def test_rank_by_is_a_layout_option_of_sources_and_views() -> None:
    from kiosk.app import Runtime
    from kiosk.config import LayoutError, parse_layout

    layout = parse_layout(
        "sources:\n  social: {type: demo, rank_by: engagement}\n"
        "views:\n  all: {from: [social], rank_by: reach}\n"
        "screens: [{name: a, match: {any: true}, pages: [{title: P}]}]\n"
    )
    runtime = Runtime(layout)
    assert [a.rank_by for a in runtime.analytics] == ["engagement"]
    assert runtime.views[0].analytics.rank_by == "reach"
    with pytest.raises(LayoutError) as caught:
        parse_layout(
            "sources:\n  social: {type: demo, rank_by: likes}\n"
            "screens: [{name: a, match: {any: true}, pages: [{title: P}]}]\n"
        )
    assert "sources.social.rank_by" in str(caught.value) and "engagement" in str(caught.value)


def test_who_drives_it_fills_at_once_after_an_empty_start() -> None:
    now = [T0]
    hub = Hub(clock=lambda: now[0])
    hub.declare("s.mentions", Kind.MENTIONS)
    hub.set_status("s", SourceState.OK)
    analytics = attach_analytics(hub, "s", ["Acme"])
    analytics.tick()  # a view's first publish comes before its first posts
    now[0] += 1.5
    hub.append("s.mentions", [post(1, "star", 90_000, "#launch", likes=2)])
    now[0] += 1.5
    analytics.tick()  # 3 s after the empty one, not 10
    sample = hub.sample("s.authors")
    assert sample is not None and isinstance(sample.value, Ranking)
    assert [entry.label for entry in sample.value.entries] == ["star"]


def test_counts_survive_a_restart_in_the_source_cache(tmp_path: Path) -> None:
    first = Backend(answer_followers)
    source, _ = bluesky(
        Backend(search(by(1, "1"))), FakeTime(), tmp_path, profile_backend=first, brands=ACME
    )
    run(source)
    again = Backend(answer_followers)
    later = FakeTime(now=T0 + 600)
    restarted, hub = bluesky(
        Backend(search(by(1, "2"))), later, tmp_path, profile_backend=again, brands=ACME
    )
    run(restarted)
    assert len(first.requests) == 1 and again.requests == []  # known from the cache
    assert [m.followers for m in mentions(hub) if m.id.endswith("/2")] == [1001]


def test_a_garbled_count_in_the_cache_is_left_out() -> None:
    counts = FollowerCounts(lambda: T0)
    counts.load({"did:plc:1": [5, T0], "did:plc:2": ["many", T0], "did:plc:3": [7], 4: [1, T0]})
    counts.load("not a dict")
    assert (counts.get("did:plc:1"), counts.get("did:plc:2"), len(counts)) == (5, None, 1)
