"""Listening queries: whole words, accents, phrases, hashtags, exclusions, languages, tracking."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from kiosk.analytics.queries import (
    Listener,
    ListeningOptions,
    Matcher,
    Query,
    TrackedCounts,
    fold,
)
from kiosk.values import Mention

ACME = Query(keywords=["Acme", "café crème"], hashtags=["#AcmeDown"], exclude=["acme anvil"])
RAIL = Query(phrases=["delayed again"], keywords=["NS"], languages=["nl", "en-GB"])
MATCHER = Matcher({"Acme": ACME, "Rail": RAIL}, track=["in the train", "at the station"])


@pytest.mark.parametrize(
    ("text", "brands"),
    [
        ("I love ACME!", ["Acme"]),
        ("acme.", ["Acme"]),
        ("(acme)", ["Acme"]),
        ("#acme rocks", ["Acme"]),
        ("acmeville is nice", []),
        ("the acmes", []),
        ("subacme", []),
        ("@acme_support", ["Acme"]),  # underscores separate, as moderation reads tags
        ("acme2", []),
    ],
)
def test_keywords_match_whole_words_only(text: str, brands: list[str]) -> None:
    assert MATCHER.match(text) == brands


@pytest.mark.parametrize(
    "text", ["CAFÉ CRÈME please", "cafe creme", "Café\u00a0crème", "Cafe\u0301 cre\u0300me"]
)
def test_case_accents_and_composition_do_not_count(text: str) -> None:
    assert MATCHER.match(text) == ["Acme"]


def test_accents_in_the_query_match_plain_text_and_back() -> None:
    matcher = Matcher({"Zoë": Query(keywords=["Zoë", "Straße"])})
    assert matcher.match("zoe says hi") == ["Zoë"]
    assert matcher.match("STRASSE") == ["Zoë"]
    assert matcher.match("ｚｏｅ") == ["Zoë"]  # full-width forms fold too


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Delayed again!", True),
        ("delayed... again", True),
        ("delayed,\nagain", True),
        ("DELAYED — AGAIN", True),
        ("delayed once again", False),
        ("undelayed again", False),
        ("delayed againe", False),
    ],
)
def test_phrases_match_their_words_in_a_row_across_punctuation(text: str, found: bool) -> None:
    assert MATCHER.match(text, lang="en") == (["Rail"] if found else [])


def test_hashtags_match_with_or_without_hash_from_the_text_or_the_platform() -> None:
    assert MATCHER.match("so #AcmeDown today") == ["Acme"]
    assert MATCHER.match("so #acmedown today") == ["Acme"]
    assert MATCHER.match("plain text", hashtags=["acmedown"]) == ["Acme"]
    assert MATCHER.match("plain text", hashtags=["#ACMEDOWN"]) == ["Acme"]
    assert MATCHER.match("acmedown without a hash") == []  # a hashtag query wants a hashtag
    assert MATCHER.match("see https://x.example/page#acmedown") == []  # a link's anchor
    assert MATCHER.match("&#acmedown;") == []


def test_an_exclusion_vetoes_only_its_own_brand() -> None:
    assert MATCHER.match("Acme anvil fell on me") == []
    assert MATCHER.match("ACME, anvil!") == []  # exclusions are phrases like any other
    assert MATCHER.match("acme anvils") == ["Acme"]  # not the excluded phrase
    both = Matcher(
        {"A": Query(keywords=["acme"], exclude=["anvil"]), "B": Query(keywords=["anvil"])}
    )
    assert both.match("acme anvil") == ["B"]


def test_languages_limit_a_brand() -> None:
    assert MATCHER.match("NS delayed again", lang="nl") == ["Rail"]
    assert MATCHER.match("NS delayed again", lang="en-GB") == ["Rail"]
    assert MATCHER.match("NS delayed again", lang="EN") == ["Rail"]
    assert MATCHER.match("NS delayed again", lang="fr") == []
    assert MATCHER.match("NS delayed again", lang=None) == []  # unknown: not one of them
    assert MATCHER.match("acme", lang="fr") == ["Acme"]  # no languages: all


def test_several_brands_in_layout_order() -> None:
    assert MATCHER.match("NS and Acme", lang="nl") == ["Acme", "Rail"]
    assert MATCHER.brands == ("Acme", "Rail")


def test_tracked_phrases_as_the_layout_spells_them() -> None:
    assert MATCHER.tracked("Sitting IN the train, then at the station.") == [
        "in the train",
        "at the station",
    ]
    assert MATCHER.tracked("in the training room") == []
    assert Matcher({"A": ACME}).tracked("in the train") == []


def test_fold() -> None:
    assert fold("ÉCOLE Ça") == "ecole ca"
    assert fold("ﬁne") == "fine"
    assert fold("plain") == "plain"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "give at least one of keywords, hashtags or phrases"),
        ({"keywords": ["🚆"]}, "'🚆' has no letters or digits to match"),
        ({"hashtags": ["two words"]}, "is not a hashtag"),
        ({"keywords": ["a"], "languages": ["english"]}, "is not a language code"),
        ({"keywords": ["a"], "keyword": ["b"]}, "Extra inputs are not permitted"),
    ],
)
def test_bad_queries_say_what_is_wrong(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Query.model_validate(options)


def test_our_brand_must_be_a_brand() -> None:
    with pytest.raises(ValidationError, match="our_brand: 'Acmee' is not one of brands"):
        ListeningOptions.model_validate(
            {"brands": {"Acme": {"keywords": ["a"]}}, "our_brand": "Acmee"}
        )


def test_search_terms_quote_phrases_and_mark_hashtags() -> None:
    query = Query(keywords=["acme", "Acme Corp"], phrases=["in the train"], hashtags=["AcmeDown"])
    assert query.search_terms() == ["acme", '"Acme Corp"', '"in the train"', "#AcmeDown"]


def test_tracked_counts_rank_the_last_window_against_the_one_before() -> None:
    counts = TrackedCounts(["a", "b", "c"], window=100.0)
    counts.add(10.0, ["a", "a", "b"])  # the window before
    counts.add(150.0, ["b", "b", "a"])
    ranking = counts.ranking(now=200.0)
    assert [(e.label, e.value, e.previous_rank) for e in ranking.entries] == [
        ("b", 2.0, 1),
        ("a", 1.0, 0),
        ("c", 0.0, None),
    ]
    restored = TrackedCounts(["a", "b", "c"], window=100.0)
    restored.load(counts.dump())
    assert restored.ranking(200.0) == ranking
    assert counts.ranking(now=1000.0).entries[0].value == 0.0  # old hits fall out


def post(text: str, post_id: str = "p1", tags: tuple[str, ...] = ()) -> Mention:
    return Mention(post_id, 0.0, "", text, "en", "x", "A", "a", 0, 0.0, hashtags=tags)


def test_a_listener_dedupes_assigns_and_counts_what_it_drops() -> None:
    options = ListeningOptions.model_validate(
        {
            "brands": {"Acme": {"keywords": ["acme"]}, "Globex": {"hashtags": ["globex"]}},
            "track": ["in the train"],
        }
    )
    listener = Listener(options, "s")
    assert listener.is_new("p1") and not listener.is_new("p1")
    both = listener.take(post("acme in the train", tags=("Globex",)))
    assert [m.brand for m in both] == ["Acme", "Globex"] and {m.id for m in both} == {"p1"}
    assert all(m.tracked == ("in the train",) for m in both)  # alerts by: [tracked] count them
    assert listener.take(post("nothing here", "p2")) == []
    assert (listener.dropped, listener.skipped) == (1, 0)
    assert listener.tracked.ranking(0.0).entries[0].value == 1.0
    listener.report()
    assert listener.dropped == 0
    again = Listener(options, "s")
    again.load(listener.dump())
    assert not again.is_new("p1")
    with pytest.raises(ValueError):
        again.load({"seen": [1, 2], "tracked": []})


def test_a_post_but_changed_is_what_dataclasses_replace_makes() -> None:
    import dataclasses

    original = post("acme in the train", tags=("Globex",))
    changes = {"brand": "Acme", "tracked": ("in the train",), "country": "NL", "likes": 3}
    assert original.but(**changes) == dataclasses.replace(original, **changes)
    assert original.but() == original and original.but() is not original
    with pytest.raises(TypeError, match="no field 'colour'"):
        original.but(colour="red")
