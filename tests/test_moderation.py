"""Moderation: what a public screen (a lobby, a visitors' wall) may show."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from kiosk.analytics.moderation import Moderator
from kiosk.app import Runtime
from kiosk.config import Moderation, parse_layout
from kiosk.screens.window import ScreenWindow
from kiosk.values import Mention, RankEntry, Ranking
from tests.posts import mention


def post(text: str, lang: str = "en", **fields: object) -> Mention:
    return mention(text=text, lang=lang, **fields)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("What a fucking mess, Acme", "en"),
        ("Acme is SHIT", "en"),
        ("Wat een klootzak bij Acme", "xx"),  # unknown language: every list
        ("Acme, quelle merde", "fr"),
        ("Acme è una vera cazzo di delusione", "it"),
        ("So eine Scheisse, Acme", "de"),  # ß folded, case folded
        ("Acme stinks, fuck this", "nl"),  # English words count in every language
    ],
)
def test_bundled_lists_catch_swearing_in_each_language(text: str, lang: str) -> None:
    assert Moderator().reason(post(text, lang)) == "blocked word"


@pytest.mark.parametrize(
    "text",
    [
        "A classic assessment of Scunthorpe's analytics",  # no word inside a word
        "Passing the test at Acme was a pass",
        "Acme on Sussex street: cocktails and therapists",
    ],
)
def test_innocent_words_that_contain_bad_ones_pass(text: str) -> None:
    assert Moderator().allow(post(text))


def test_hashtags_are_read_split_at_capitals_and_layout_words_whole() -> None:
    moderator = Moderator(Moderation(block={"*": ["acmesucks"], "en": ["refund scam"]}))
    assert not moderator.allow(post("Hello", hashtags=("#AcmeFuckOff",)))
    assert not moderator.allow_text("#AcmeShit")
    assert not moderator.allow_text("#acmesucks", "it")  # blocked by the layout, any language
    assert not moderator.allow(post("This is a Refund  Scam!".replace("  ", " ")))
    assert moderator.allow_text("#analytics") and moderator.allow_text("#AcmeLive")


def test_accounts_links_media_sentiment_and_hidden_posts() -> None:
    moderator = Moderator(
        Moderation(
            deny_accounts=["@troll*"],
            allow_accounts=["@acme"],
            min_sentiment=-0.5,
            hide_links=True,
            hide_media=True,
            hidden=["p9"],
        )
    )
    assert moderator.reason(post("hi", handle="trolling_42")) == "denied account"
    assert moderator.reason(post("see https://x.co/abc")) == "link"
    assert moderator.reason(post("see www.example.com")) == "link"
    assert moderator.reason(post("photo", media=("https://img/1.jpg",))) == "media"
    assert moderator.reason(post("awful", sentiment=-0.9)) == "sentiment"
    assert moderator.reason(post("unknown", sentiment=float("nan"))) == "sentiment"
    assert moderator.reason(post("hidden", id="p9")) == "hidden by hand"
    # Our own account is trusted: a link to our own shop is fine.
    assert moderator.allow(post("Shop now https://acme.example", handle="acme"))
    moderator.hide("p1")  # the manual hook, for the control side
    assert moderator.reason(mention()) == "hidden by hand"


def test_without_bundled_lists_only_the_layouts_words_count() -> None:
    moderator = Moderator(Moderation(blocklists=False, block={"en": ["darn"]}))
    assert moderator.allow(post("shit happens"))
    assert not moderator.allow(post("darn it"))


def test_a_bad_moderation_setting_is_a_layout_error() -> None:
    from kiosk.config import LayoutError

    with pytest.raises(LayoutError) as caught:
        parse_layout(
            "screens: [{name: a, match: {any: true}, pages: [{title: P}]}]\n"
            "moderation: {min_sentiment: -2, hide_link: true}\n"
        )
    assert [issue.path for issue in caught.value.issues] == [
        "moderation.min_sentiment",
        "moderation.hide_link",
    ]


PUBLIC = """
sources:
  social: {type: demo, rate: 5, seed: 1}
moderation: {deny_accounts: ["@spam*"]}
screens:
  - name: lobby
    match: {any: true}
    public: true
    pages:
      - title: Lobby
        widgets:
          - {type: post_wall, at: [0, 0, 8, 8], data: social.mentions, every: 1ms}
          - {type: leaderboard, at: [8, 0, 4, 8], data: social.hashtags}
"""


def test_a_public_screen_never_shows_a_rejected_post_or_term(qtbot: QtBot) -> None:
    layout = parse_layout(PUBLIC)
    hub = Runtime(layout).hub  # streams declared, sources not started
    window = ScreenWindow(
        layout.screens[0], hub, layout.theme, (1920, 1080), Moderator(layout.moderation)
    )
    qtbot.addWidget(window)
    window.show()
    wall, board = window.pages[0].widgets
    bad = [
        post("Acme can go fuck itself", id="b1"),
        post("Buy followers now", id="b2", handle="spambot9"),
        post("Ce magasin Acme, quelle merde", lang="fr", id="b3"),
    ]
    good = post("Great service at Acme today", id="g1")
    hub.append("social.mentions", [*bad, good])
    hub.publish(
        "social.hashtags", Ranking((RankEntry("#AcmeSucksAss", 50.0), RankEntry("#Acme", 40.0)))
    )
    for widget in (wall, board):
        widget.refresh()
    shown = [mention.id for mention, _ in wall.cards] + [m.id for m in wall.waiting]
    assert shown == ["g1"]
    assert [entry.label for entry in board.rows()] == ["#Acme"]


def test_negative_hashtags_never_reach_a_public_word_cloud(qtbot: QtBot) -> None:
    """Negative by the posts that carry it (mean sentiment) or by its own words, in any of the
    four languages; the same cloud on a staff screen shows them all."""
    text = PUBLIC.replace(
        "{type: leaderboard, at: [8, 0, 4, 8], data: social.hashtags}",
        "{type: word_cloud, at: [8, 0, 4, 8], data: social.hashtags}",
    )
    tags = Ranking(
        (
            RankEntry("#AcmeSucks", 90.0, sentiment=0.1),  # its words
            RankEntry("#boycottacme", 80.0),
            RankEntry("#TreinVertraagd", 70.0),  # Dutch: train delayed
            RankEntry("#RailNord", 60.0, sentiment=-0.6),  # its posts are negative
            RankEntry("#sale", 50.0, sentiment=0.3),  # "dirty" in French, but a sale in English
            RankEntry("#badminton", 40.0),
            RankEntry("#Launch", 30.0, sentiment=0.7),
        )
    )
    shown = {}
    for public in (True, False):
        layout = parse_layout(text.replace("public: true", f"public: {str(public).lower()}"))
        hub = Runtime(layout).hub
        window = ScreenWindow(
            layout.screens[0], hub, layout.theme, (1920, 1080), Moderator(layout.moderation)
        )
        qtbot.addWidget(window)
        cloud = window.pages[0].widgets[1]
        hub.publish("social.hashtags", tags)
        cloud.refresh()
        shown[public] = [label for label, _, _ in cloud._entries]
    assert shown[True] == ["#sale", "#badminton", "#Launch"]
    assert shown[False] == [entry.label for entry in tags.entries]
