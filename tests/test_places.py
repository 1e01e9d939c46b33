"""Places for real posts: the author's profile location and place names in the text give a
place with a confidence; words that merely look like places do not (kiosk.analytics.places)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.analytics import places
from kiosk.analytics.places import locate
from kiosk.sources import bluesky, mastodon
from kiosk.sources.parsing import parse_off_loop
from tests.test_sources_social import post_view, status

NOW = 1_736_200_000.0


@pytest.fixture(autouse=True, scope="module")
def index() -> None:
    places.load_index()  # as the parse workers' forkserver does


@pytest.mark.parametrize(
    ("profile", "country", "city"),
    [
        ("Amsterdam, NL", "NL", "Amsterdam"),
        ("Milano 🇮🇹", "IT", "Milan"),
        ("Den Haag", "NL", "The Hague"),
        ("Bruxelles", "BE", "Brussels"),
        ("she/her · living in Lyon", "FR", "Lyon"),
        ("Nice, France", "FR", "Nice"),  # a word-like name, with its country
        ("Nederland", "NL", ""),
        ("🇧🇪", "BE", ""),
        ("UK", "GB", ""),
    ],
)
def test_profile_locations(profile: str, country: str, city: str) -> None:
    place = locate("", profile)
    assert place is not None
    assert (place.country, place.city) == (country, city)
    assert place.lat is not None and place.confidence >= 0.5


@pytest.mark.parametrize(
    ("text", "country", "city"),
    [
        ("Treno in ritardo a Milano, come sempre", "IT", "Milan"),
        ("Bloqué à Lille depuis ce matin", "FR", "Lille"),
        ("Vertraging bij Utrecht Centraal", "NL", "Utrecht"),
        ("Im Zug nach München", "DE", "Munich"),
        ("#Rotterdam storing bij de NS", "NL", "Rotterdam"),
        ("Shoutout to the team in Porto", "PT", "Porto"),  # not Bordeaux, one of whose names it is
    ],
)
def test_place_names_in_the_text(text: str, country: str, city: str) -> None:
    place = locate(text)
    assert place is not None and (place.country, place.city) == (country, city)


@pytest.mark.parametrize(
    ("text", "profile"),
    [
        ("Nice service today", ""),
        ("In the end it worked out", ""),
        ("Come on, fix the app", ""),
        ("Per favore rispondete", ""),
        ("", "Reading books and drinking coffee"),
        ("", "Split personality"),
        ("", "Earth"),
        ("", "he/him"),
    ],
)
def test_words_that_look_like_places_are_not_places(text: str, profile: str) -> None:
    assert locate(text, profile) is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300), st.text(max_size=150))
def test_any_text_is_safe(text: str, profile: str) -> None:
    place = locate(text, profile)
    assert place is None or 0.0 < place.confidence <= 1.0


def test_mastodon_and_bluesky_posts_carry_the_place() -> None:
    account = {
        **status("1")["account"],
        "fields": [
            {"name": "Website", "value": "<a href='https://x.example'>x.example</a>"},
            {"name": "Locatie", "value": "<p>Utrecht 🇳🇱</p>"},
        ],
    }
    placed = mastodon.to_mention(status("1", account=account), "m.example", NOW)
    assert placed is not None and placed.city == "Utrecht" and placed.lat is not None
    unplaced = mastodon.to_mention(status("2"), "m.example", NOW)
    assert unplaced is not None and (unplaced.city, unplaced.lat) == ("", None)
    post = bluesky.to_mention(post_view("3", "Stuck in Birmingham New Street again"), NOW)
    assert post is not None and post.city == "Birmingham"


def _in_worker() -> bool:
    return bool(places._gazetteer.cache_info().currsize)


def test_workers_find_the_index_built_by_their_forkserver() -> None:
    assert asyncio.run(parse_off_loop(60.0, _in_worker))


def test_a_process_that_did_not_ask_for_the_index_never_builds_it() -> None:
    """The wall's process: posts from streaming connections are not placed, rather than a
    second of the event loop and ~30 MB spent on building the index there."""
    script = textwrap.dedent(
        """
        from kiosk.analytics import places
        print(places.locate("Stuck in Birmingham again"), places._gazetteer.cache_info().currsize)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["None", "0"]
