"""Language detection and sentiment for posts that arrive without either (real sources)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from kiosk.analytics.language import LANGUAGES, detect
from kiosk.analytics.mentions import SENTIMENT_THRESHOLD
from kiosk.analytics.sentiment import enrich, score

SAMPLE = Path(__file__).parent / "data" / "sentiment"

# Measured with benchmarks/bench_sentiment.py: en 90.0 %, nl 89.9 %, fr 94.2 %, it 94.2 % for
# sentiment, 99–100 % for language. The floors sit well below, to catch real regressions only.
SENTIMENT_FLOOR = 0.78
LANGUAGE_FLOOR = 0.95


def label(value: float) -> str:
    if value >= SENTIMENT_THRESHOLD:
        return "positive"
    return "negative" if value <= -SENTIMENT_THRESHOLD else "neutral"


def sample(lang: str) -> list[tuple[str, str]]:
    lines = (SAMPLE / f"{lang}.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return [(row[0], row[1]) for row in (line.split("\t", 1) for line in lines if line)]


@pytest.mark.parametrize(
    ("lang", "good", "not_good"),
    [
        ("en", "The service was good", "The service was not good"),
        ("nl", "De service was goed", "De service was niet goed"),
        ("fr", "Le service était bon", "Le service n'était pas bon"),
        ("it", "Il servizio era buono", "Il servizio non era buono"),
    ],
)
def test_negation_flips_the_sentiment(lang: str, good: str, not_good: str) -> None:
    assert score(good, lang) >= SENTIMENT_THRESHOLD
    assert score(not_good, lang) < 0


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "not bad at all"),
        ("nl", "helemaal niet slecht"),
        ("fr", "franchement pas mal"),
        ("it", "niente male"),
    ],
)
def test_a_negated_negative_is_not_negative(lang: str, text: str) -> None:
    assert score(text, lang) > 0


@pytest.mark.parametrize(
    ("lang", "werkt_niet"),
    [
        ("nl", "De app werkt niet goed"),
        ("fr", "L'appli ne marche pas bien"),
        ("fr", "J'aime pas du tout la nouvelle appli"),
    ],
)
def test_a_negator_after_the_verb_counts(lang: str, werkt_niet: str) -> None:
    assert score(werkt_niet, lang) < 0


@pytest.mark.parametrize("lang", [*LANGUAGES, "und"])
def test_emoji_carry_sentiment_in_any_language(lang: str) -> None:
    assert score("😡", lang) <= -SENTIMENT_THRESHOLD
    assert score("😍😍", lang) >= SENTIMENT_THRESHOLD
    assert score("Order 4411 😡", lang) < 0
    assert score("ordine arrivato 🥰", lang) > 0
    assert score("thanks :)", lang) > 0


def test_an_emoji_is_not_negated_by_the_words_before_it() -> None:
    assert score("not even a reply 😡", "en") < 0


@pytest.mark.parametrize(
    ("lang", "booster", "plain"),
    [
        ("en", "very good", "good"),
        ("nl", "heel goed", "goed"),
        ("fr", "très bon", "bon"),
        ("it", "molto buono", "buono"),
    ],
)
def test_intensifiers_strengthen(lang: str, booster: str, plain: str) -> None:
    assert score(booster, lang) > score(plain, lang) > 0


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "The food was good but the service was terrible"),
        ("nl", "Het eten was goed maar de service was vreselijk"),
        ("fr", "Le repas était bon mais le service était horrible"),
        ("it", "Il cibo era buono ma il servizio era pessimo"),
    ],
)
def test_what_follows_but_weighs_more(lang: str, text: str) -> None:
    assert score(text, lang) < 0


def test_shouting_strengthens() -> None:
    assert score("the app is TERRIBLE", "en") < score("the app is terrible", "en") < 0


@pytest.mark.parametrize(
    ("lang", "positive", "negative"),
    [
        (
            "en",
            "Great support, they fixed it in five minutes, thank you!",
            "Worst service ever, the app crashes every day",
        ),
        (
            "nl",
            "Super vriendelijk geholpen, echt een aanrader",
            "Slechtste klantenservice ooit, waardeloos",
        ),
        (
            "fr",
            "Service client génial, merci pour votre aide",
            "Service nul, livraison en retard, c'est honteux",
        ),
        (
            "it",
            "Servizio eccellente, personale gentilissimo",
            "Esperienza pessima, assistenza inutile",
        ),
    ],
)
def test_each_language_scores_obvious_posts(lang: str, positive: str, negative: str) -> None:
    assert score(positive, lang) >= SENTIMENT_THRESHOLD
    assert score(negative, lang) <= -SENTIMENT_THRESHOLD
    assert label(score("The shop opens at nine", "en")) == "neutral"


HOSTILE: list[Any] = [
    "",
    " ",
    "!!!???...",
    "\x00\x01\x1b[31m",
    "\ud800 lone surrogate",
    "🙂" * 5000,
    "👩‍👩‍👧‍👦🏳️‍🌈🇳🇱",
    "هذه الخدمة سيئة جدا",
    "השירות היה מצוין",
    "これはペンです",
    "http://example.com/a:/b?c=:(",
    "NOT GOOD",
    "a" * 100_000,
    "good " * 200_000,
    "not " * 1000 + "good",
    "but " * 1000,
    None,
    42,
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_text_never_raises(text: Any) -> None:
    for lang in (*LANGUAGES, "und", "de", ""):
        value = score(text, lang)
        assert math.isfinite(value) and -1.0 <= value <= 1.0
    assert isinstance(detect(text), str)
    lang, value = enrich(text)
    assert isinstance(lang, str)
    assert -1.0 <= value <= 1.0 if lang in (*LANGUAGES, "und") else math.isnan(value)


@pytest.mark.parametrize(
    "text", ["😡😡", "12345 678", "", "#️⃣ 👍", "@acme_nl @telvio", "https://t.co/x 🔥 #acme"]
)
def test_text_without_words_is_undetermined(text: str) -> None:
    """Emoji, numbers, @handles, links and hashtags say nothing of a language."""
    assert detect(text) == "und"


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("ar", "هذه الخدمة سيئة جدا"),
        ("ja", "これはペンです"),
        ("de", "Mein Zug nach Köln ist schon wieder ausgefallen, dritte Mal diese Woche"),
        ("es", "Me cobraron dos veces la misma compra y nadie responde"),
    ],
)
def test_other_languages_are_named_and_unscored(lang: str, text: str) -> None:
    assert detect(text) == lang
    assert enrich(text)[0] == lang and math.isnan(enrich(text)[1])


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "I have been waiting for my parcel since Monday and nobody answers the phone"),
        ("nl", "Ik wacht al sinds maandag op mijn pakket en niemand neemt de telefoon op"),
        ("fr", "J'attends mon colis depuis lundi et personne ne répond au téléphone"),
        ("it", "Aspetto il mio pacco da lunedì e nessuno risponde al telefono"),
        ("en", "Thanks, that was quick!"),
        ("nl", "Bedankt, dat ging snel!"),
        ("fr", "Merci, c'était rapide !"),
        ("it", "Grazie, è stato velocissimo!"),
    ],
)
def test_clear_sentences_are_detected(lang: str, text: str) -> None:
    assert detect(text) == lang


def test_enrich_detects_or_trusts_the_given_language() -> None:
    assert enrich("Het eten was heerlijk en de bediening vriendelijk")[0] == "nl"
    lang, value = enrich("Servizio pessimo, mai più")
    assert lang == "it" and value <= -SENTIMENT_THRESHOLD
    assert enrich("Servizio pessimo", "it") == ("it", score("Servizio pessimo", "it"))
    assert enrich("Le service est nul", "FR")[0] == "fr"
    assert enrich("The service is great", "en-GB")[0] == "en"
    assert enrich("Das Essen ist heute wirklich gut", "de")[0] == "de"  # detected, not ours
    assert enrich("😍")[0] == "und" and enrich("😍")[1] > 0


@pytest.mark.parametrize("lang", LANGUAGES)
def test_accuracy_on_the_labelled_sample(lang: str) -> None:
    posts = sample(lang)
    assert len(posts) >= 100
    right = sum(label(score(text, lang)) == expected for expected, text in posts)
    detected = sum(detect(text) == lang for _, text in posts)
    assert right / len(posts) >= SENTIMENT_FLOOR, f"{lang}: {right}/{len(posts)}"
    assert detected / len(posts) >= LANGUAGE_FLOOR, f"{lang}: {detected}/{len(posts)}"
    assert {expected for expected, _ in posts} == {"positive", "neutral", "negative"}
