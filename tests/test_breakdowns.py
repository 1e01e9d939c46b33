"""Mentions by country, market, platform and language; ``markets:`` and ``by:`` in a layout."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from kiosk.analytics import DERIVED_STREAMS, attach_analytics
from kiosk.analytics.aggregators import AGGREGATORS, Settings
from kiosk.analytics.mentions import RECENT_MINUTES
from kiosk.config import load_layout
from kiosk.config.errors import LayoutError
from kiosk.hub import Hub
from kiosk.values import Kind, RankEntry, Ranking
from tests.test_analytics import T0, FakeClock, mention
from tests.test_widgets import _style  # noqa: F401 (the shared Style, for widgets)

MARKETS = {"NL": "Benelux", "BE": "Benelux", "FR": "France", "US": "Americas"}


def setup(now: float, markets: dict[str, str] | None = None) -> tuple[Hub, FakeClock]:
    clock = FakeClock(now)
    hub = Hub(clock=clock)
    hub.declare("s.mentions", Kind.MENTIONS)
    attach_analytics(hub, "s", ["Acme"], settings=Settings(markets=markets or MARKETS))
    return hub, clock


def rows(hub: Hub, stream: str) -> list[tuple[str, float]]:
    sample = hub.sample(f"s.{stream}")
    assert sample is not None and isinstance(sample.value, Ranking)
    return [(entry.label, entry.value) for entry in sample.value.entries]


def test_every_dimension_is_a_declared_ranking_stream() -> None:
    for dimension in ("country", "market", "platform", "language"):
        assert DERIVED_STREAMS[f"by_{dimension}"] is Kind.RANKING


def test_mentions_are_counted_per_country_market_platform_and_language() -> None:
    hub, _ = setup(T0 + 30)
    posts = [
        mention(T0 + 1, country="NL", platform="mastodon", lang="nl", weight=3),
        mention(T0 + 2, country="BE", platform="bluesky", lang="fr"),
        mention(T0 + 3, country="FR", platform="bluesky", lang="fr", weight=2),
        mention(T0 + 4, country="", platform="bluesky", lang="en"),  # placed nowhere
        mention(T0 + 5, country="JP", platform="x", lang="ja"),  # in no market
    ]
    hub.append("s.mentions", posts)
    assert rows(hub, "by_country") == [
        ("Netherlands", 3.0),
        ("France", 2.0),
        ("Belgium", 1.0),
        ("Japan", 1.0),
    ]
    assert rows(hub, "by_market") == [("Benelux", 4.0), ("France", 2.0)]
    assert rows(hub, "by_platform") == [("Bluesky", 4.0), ("Mastodon", 3.0), ("X", 1.0)]
    assert rows(hub, "by_language") == [  # equal counts by name: rows never swap places
        ("Dutch", 3.0),
        ("French", 3.0),
        ("English", 1.0),
        ("Japanese", 1.0),
    ]


def test_a_breakdown_covers_the_last_15_minutes_and_ranks_against_the_15_before() -> None:
    hub, clock = setup(T0 + 30)
    old = [mention(T0 + 1, country="FR"), mention(T0 + 2, country="FR")]
    old.append(mention(T0 + 3, country="NL"))
    hub.append("s.mentions", old)
    clock.now = T0 + RECENT_MINUTES * 60 + 30  # the first minute has left the window
    hub.append("s.mentions", [mention(clock.now - 1, country="NL") for _ in range(3)])
    sample = hub.sample("s.by_country")
    assert sample is not None
    entries = sample.value.entries
    assert [(e.label, e.value) for e in entries] == [("Netherlands", 3.0)]
    assert entries[0].previous_rank == 1  # second behind France the quarter before


def test_the_markets_of_a_view_are_the_layouts() -> None:
    hub, _ = setup(T0 + 30, markets={"DE": "DACH", "AT": "DACH"})
    hub.append("s.mentions", [mention(T0 + 1, country="AT"), mention(T0 + 2, country="NL")])
    assert rows(hub, "by_market") == [("DACH", 1.0)]


def test_an_aggregator_declares_its_streams_once() -> None:
    names = [name for cls in AGGREGATORS for name in cls.streams]
    assert len(names) == len(set(names))
    assert set(names) <= set(DERIVED_STREAMS)


# -- the layout ------------------------------------------------------------------------------


def layout(tmp_path: Path, body: str) -> Any:
    path = tmp_path / "wall.yaml"
    path.write_text(
        textwrap.dedent(
            """
            sources:
              social: {type: demo, brands: [Acme, Globex]}
            """
        )
        + textwrap.dedent(body)
    )
    return load_layout(path)


def page(widgets: str) -> str:
    return (
        "screens:\n  - name: main\n    match: {any: true}\n    pages:\n"
        "      - title: P\n        widgets:\n" + textwrap.indent(textwrap.dedent(widgets), " " * 10)
    )


def test_markets_map_countries_and_by_reads_the_source_breakdown(tmp_path: Path) -> None:
    loaded = layout(
        tmp_path,
        "markets: {Benelux: [NL, be, LU], France: [FR]}\n"
        + page(
            """
            - {type: leaderboard, at: [0, 0, 6, 4], data: social, by: market}
            - {type: share_of_voice, at: [6, 0, 6, 4], data: social, by: country}
            - {type: leaderboard, at: [0, 4, 6, 4], data: social.by_platform}
            """
        ),
    )
    assert loaded.market_of_country == {
        "NL": "Benelux",
        "BE": "Benelux",
        "LU": "Benelux",
        "FR": "France",
    }
    widgets = loaded.screens[0].pages[0].widgets
    assert [w.stream for w in widgets] == [
        "social.by_market",
        "social.by_country",
        "social.by_platform",
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("markets: {EU: [NL, XX]}", "'XX' is no ISO 3166 country code"),
        ("markets: {EU: [Netherlands]}", "write the ISO 3166 code, NL"),
        ("markets: {EU: [NL], North: [NL]}", "NL is in both 'EU' and 'North'"),
    ],
)
def test_a_bad_market_is_a_clear_error(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(LayoutError) as error:
        layout(
            tmp_path,
            body + "\n" + page("- {type: leaderboard, at: [0, 0, 6, 4], data: social.hashtags}"),
        )
    assert message in str(error.value)


def test_by_with_a_stream_or_an_unknown_dimension_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(LayoutError) as error:
        layout(
            tmp_path,
            page(
                """
                - {type: leaderboard, at: [0, 0, 6, 4], data: social.hashtags, by: market}
                - {type: leaderboard, at: [6, 0, 6, 4], data: social, by: city}
                """
            ),
        )
    text = str(error.value)
    assert "with by: market, data names the source or view (e.g. data: social)" in text
    assert "'city' is not allowed; expected one of: country, language, market, platform" in text


def test_a_share_of_voice_of_a_ranking_shows_its_top_six_and_other(qtbot: QtBot) -> None:
    from kiosk.config.widgets import ShareOfVoiceOptions
    from tests.test_widgets import make

    hub = Hub(clock=lambda: T0)
    hub.declare("s.by_country", Kind.RANKING)
    widget = make(qtbot, hub, ShareOfVoiceOptions(at=(0, 0, 6, 4), data="s", by="country"))
    names = ["Italy", "Netherlands", "France", "Belgium", "Spain", "Germany", "Japan", "Peru"]
    hub.publish(
        "s.by_country",
        Ranking(tuple(RankEntry(name, 10.0 - i, None) for i, name in enumerate(names))),
    )
    widget.refresh()
    shares = widget.shares()
    assert [label for label, _ in shares] == [*names[:6], "Other"]
    assert shares[0][1] == pytest.approx(10 / sum(10.0 - i for i in range(8)))
    assert shares[-1][1] == pytest.approx((4 + 3) / sum(10.0 - i for i in range(8)))
