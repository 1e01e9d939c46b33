"""Listening views (several sources as one, narrowed by where:) and where: on post widgets."""

from __future__ import annotations

import dataclasses
import math
import time

import pytest
from pytestqt.qtbot import QtBot

from kiosk.analytics.views import matcher
from kiosk.app import Runtime
from kiosk.config import LayoutError, parse_layout
from kiosk.config.views import Where
from kiosk.hub import SourceState
from kiosk.screens.window import ScreenWindow
from kiosk.values import Breakdown, Mention
from tests.posts import mention

TWO_SOURCES = """
sources:
  masto: {type: demo, brands: [Acme, Globex], ours: Acme, rate: 5, seed: 1}
  sky: {type: demo, brands: [Acme, Globex], ours: Acme, rate: 5, seed: 2}
views:
  acme_all: {from: [masto, sky], where: {brand: Acme}}
  complaints: {from: [masto, sky], where: {sentiment: negative, platform: [mastodon, bluesky]}}
screens:
  - name: care
    match: {any: true}
    pages:
      - title: Care
        widgets:
          - type: post_wall
            at: [0, 0, 6, 8]
            data: masto.mentions
            every: 1ms
            where: {brand: Acme, sentiment: negative}
          - {type: kpi, at: [6, 0, 6, 2], data: acme_all.rate}
          - {type: leaderboard, at: [6, 2, 6, 6], data: complaints.hashtags}
"""


def post(post_id: str, **fields: object) -> Mention:
    return mention(id=post_id, at=time.time(), **fields)


def test_a_view_counts_each_post_once_and_only_the_ones_it_names() -> None:
    runtime = Runtime(parse_layout(TWO_SOURCES))
    hub = runtime.hub
    shared = post("p1", brand="Acme", platform="mastodon", text="Acme app down again")
    hub.append("masto.mentions", [shared, post("p2", brand="Globex", text="Globex is fine")])
    # The same post from the other source, and the same words cross-posted under another id.
    hub.append(
        "sky.mentions", [shared, dataclasses.replace(shared, id="at://x/1", platform="bluesky")]
    )
    hub.append("sky.mentions", [post("p3", brand="Acme", sentiment=-0.8, platform="bluesky")])
    ids = [m.id for m in hub.sample("acme_all.mentions").value]
    assert ids == ["p1", "p3"]
    complaints = [m.id for m in hub.sample("complaints.mentions").value]
    assert complaints == ["p3"]
    runtime.views[0].analytics.publish()
    share = hub.sample("acme_all.share").value
    assert isinstance(share, Breakdown) and dict(share.parts)["Acme"] == 2


def test_a_view_is_as_well_as_its_best_source() -> None:
    runtime = Runtime(parse_layout(TWO_SOURCES))
    hub = runtime.hub
    hub.set_status("masto", SourceState.FAILED, "HTTP 503")
    hub.set_status("sky", SourceState.OK)
    runtime.views[0].sync_status()
    assert hub.status("acme_all").state is SourceState.OK
    hub.set_status("sky", SourceState.STALE, "no answer")
    runtime.views[0].sync_status()
    assert hub.status("acme_all").state is SourceState.STALE


def test_where_conditions() -> None:
    base = post(
        "p",
        brand="Acme",
        sentiment=-0.6,
        platform="mastodon",
        lang="nl",
        hashtags=("#AcmeDown",),
        followers=50,
    )
    assert matcher(Where(brand=["acme"], sentiment=["negative"], language=["nl-NL"]))(base)
    assert matcher(Where(hashtag=["acmedown"]))(base)
    assert not matcher(Where(min_followers=100))(base)
    assert not matcher(Where(sentiment=["neutral", "positive"]))(base)
    assert not matcher(Where(sentiment=["neutral"]))(dataclasses.replace(base, sentiment=math.nan))
    assert matcher(None)(base)


def test_a_post_wall_shows_only_the_posts_its_where_names(qtbot: QtBot) -> None:
    layout = parse_layout(TWO_SOURCES)
    hub = Runtime(layout).hub
    window = ScreenWindow(layout.screens[0], hub, layout.theme, (1920, 1080))
    qtbot.addWidget(window)
    wall = window.pages[0].widgets[0]
    hub.append(
        "masto.mentions",
        [
            post("a", brand="Acme", sentiment=-0.7, text="Acme lost my parcel"),
            post("b", brand="Globex", sentiment=-0.7, text="Globex lost my parcel"),
            post("c", brand="Acme", sentiment=0.7, text="Acme is great"),
        ],
    )
    wall.refresh()
    shown = [m.id for m, _ in wall.cards] + [m.id for m in wall.waiting]
    assert shown == ["a"]


@pytest.mark.parametrize(
    ("views", "message"),
    [
        ("{v: {from: [nope]}}", "reads 'nope', which is no source"),
        ("{v: {from: [metrics]}}", "which has no posts"),
        ("{masto: {from: [masto]}}", "has the name of a source"),
        ("{v: {from: [masto], where: {sentiment: angry}}}", "views.v.where.sentiment"),
    ],
)
def test_bad_views_are_layout_errors(views: str, message: str) -> None:
    text = (
        "sources:\n  masto: {type: demo, rate: 5}\n"
        "  metrics: {type: http_json, url: 'http://localhost:9/x',"
        " streams: {up: {path: a, kind: metric}}}\n"
        f"views: {views}\n"
        "screens: [{name: a, match: {any: true}, pages: [{title: P}]}]\n"
    )
    with pytest.raises(LayoutError) as caught:
        parse_layout(text)
    assert message in str(caught.value)


def test_a_widget_bound_to_a_view_stream_that_does_not_exist_is_an_error() -> None:
    text = TWO_SOURCES.replace("data: acme_all.rate", "data: acme_al.rate")
    with pytest.raises(LayoutError, match="acme_all"):
        parse_layout(text)


MARKETS = """
markets: {Benelux: [NL, BE, LU], DACH: [DE, AT, CH]}
sources:
  masto: {type: demo, brands: [Acme, Globex], ours: Acme, rate: 5, seed: 1}
views:
  benelux: {from: [masto], where: {market: benelux}}
  germany: {from: [masto], where: {country: de}}
screens:
  - name: markets
    match: {any: true}
    pages:
      - title: Markets
        widgets:
          - type: post_wall
            at: [0, 0, 6, 8]
            data: masto.mentions
            every: 1ms
            where: {market: [DACH], sentiment: negative}
          - {type: kpi, at: [6, 0, 6, 2], data: benelux.rate}
"""


def test_where_country_and_market() -> None:
    dutch = post("p", country="NL")
    where = Where(market=["Benelux"])
    assert not matcher(where)(dutch)  # outside a layout, no market has countries
    where.with_markets({"NL": "Benelux", "BE": "Benelux", "DE": "DACH"})
    assert matcher(where)(dutch)
    assert not matcher(where)(post("q", country="DE"))
    assert not matcher(where)(post("r", country=""))  # a post with no place is in no market
    assert matcher(Where(country=["nl", "BE"]))(dutch)
    assert not matcher(Where(country=["BE"]))(dutch)
    assert not matcher(Where(country=["NL"]))(post("s", country=""))


def test_views_and_post_walls_keep_the_posts_of_their_markets(qtbot: QtBot) -> None:
    layout = parse_layout(MARKETS)
    runtime = Runtime(layout)
    hub = runtime.hub
    posts = [
        post("nl", brand="Acme", country="NL", sentiment=-0.7, text="Acme down in Utrecht"),
        post("be", brand="Acme", country="BE", text="Acme in Gent"),
        post("de", brand="Acme", country="DE", sentiment=-0.7, text="Acme kaputt in Köln"),
        post("at", brand="Globex", country="AT", sentiment=0.7, text="Globex in Wien"),
        post("none", brand="Acme", sentiment=-0.7, text="Acme down, somewhere"),
    ]
    window = ScreenWindow(layout.screens[0], hub, layout.theme, (1920, 1080))
    qtbot.addWidget(window)
    wall = window.pages[0].widgets[0]
    hub.append("masto.mentions", posts)
    assert [m.id for m in hub.sample("benelux.mentions").value] == ["nl", "be"]
    assert [m.id for m in hub.sample("germany.mentions").value] == ["de"]
    runtime.views[0].analytics.publish()
    by_country = hub.sample("benelux.by_country").value
    assert {entry.label for entry in by_country.entries} == {"Netherlands", "Belgium"}
    wall.refresh()
    assert [m.id for m, _ in wall.cards] + [m.id for m in wall.waiting] == ["de"]


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("{market: Benelx}", "no market named 'Benelx' (did you mean 'Benelux'?)"),
        ("{market: [DACH, Nordics]}", "views.v.where.market[1]"),
        ("{country: Nederland}", "is no ISO 3166 country code"),
    ],
)
def test_bad_market_and_country_filters_are_layout_errors(where: str, message: str) -> None:
    text = (
        "markets: {Benelux: [NL, BE], DACH: [DE]}\n"
        "sources:\n  masto: {type: demo, rate: 5}\n"
        f"views: {{v: {{from: [masto], where: {where}}}}}\n"
        "screens: [{name: a, match: {any: true}, pages: [{title: P}]}]\n"
    )
    with pytest.raises(LayoutError) as caught:
        parse_layout(text)
    assert message in str(caught.value)
