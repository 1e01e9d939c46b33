"""What kiosk makes of a post, as ``kiosk analyze`` prints it: language, sentiment, brands, verdict.

The same steps a social source and a public screen take (language detection, sentiment, the
layout's brand queries, its moderation rules), run on posts given as JSON objects, so a person
can check them on their own posts and ``benchmarks/eval_sentiment.py`` measures this code path.

A post is an object with ``text`` (required) and optionally ``id``, ``lang``, ``author``,
``handle``, ``hashtags``, ``media`` and ``sentiment``. A ``sentiment`` given by the source (a
number from -1 to +1, or "positive" / "neutral" / "negative") is used as is, as
:class:`~kiosk.values.Mention` carries it. A bad line gives an ``error`` object, never an
exception: posts come from anywhere.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, TextIO

from kiosk.analytics.mentions import SENTIMENT_THRESHOLD
from kiosk.analytics.moderation import Moderator
from kiosk.analytics.queries import ListeningOptions, Matcher, Query, base_language
from kiosk.analytics.sentiment import enrich
from kiosk.config.layout import Moderation
from kiosk.values import Mention

UNSCORED = "unscored"
_LABEL_SCORES = {"positive": 1.0, "neutral": 0.0, "negative": -1.0}


class PostError(ValueError):
    """A line that is not a post kiosk can read."""


def label(score: float) -> str:
    """The pipeline's three classes (neutral band ±``SENTIMENT_THRESHOLD``), or "unscored"."""
    if not math.isfinite(score):
        return UNSCORED
    if score >= SENTIMENT_THRESHOLD:
        return "positive"
    return "negative" if score <= -SENTIMENT_THRESHOLD else "neutral"


@dataclass(frozen=True, slots=True)
class Analyzer:
    """Analyses posts with a layout's brand queries and moderation rules (both optional).

    Args:
        queries: brand → query; without any, every post is analysed and ``brands`` is empty.
        moderation: the public screens' rules; the defaults (bundled blocklists) when None.
    """

    matcher: Matcher | None
    moderator: Moderator

    @classmethod
    def of(
        cls, queries: Mapping[str, Query] | None = None, moderation: Moderation | None = None
    ) -> Analyzer:
        return cls(Matcher(queries) if queries else None, Moderator(moderation))

    def line(self, line: str, number: int) -> dict[str, Any] | None:
        """The output object for one input line; None for a blank line."""
        if not line.strip():
            return None
        try:
            data = json.loads(line)
        except ValueError as error:
            return {"line": number, "error": f"not JSON: {error}"}
        try:
            return self.post(data, number)
        except PostError as error:
            post_id = data.get("id") if isinstance(data, dict) else None
            return {"line": number, "id": post_id, "error": str(error)}

    def post(self, data: Any, number: int = 0) -> dict[str, Any]:
        """The output object for one post given as a decoded JSON object.

        Raises:
            PostError: ``data`` is not an object with a string ``text``, or a field's type is wrong.
        """
        mention, given = _mention(data, number)
        lang, score = enrich(mention.text, mention.lang or None)
        if given is not None:
            score = given
        mention = replace(mention, lang=lang, sentiment=score)
        brands = self.matcher.match(mention.text, mention.hashtags, lang) if self.matcher else []
        rule = self.moderator.reason(mention)
        return {
            "id": mention.id,
            "lang": lang,
            "lang_source": "post" if base_language(data.get("lang")) == lang else "kiosk",
            "sentiment": label(score),
            "score": round(score, 3) if math.isfinite(score) else None,
            "sentiment_source": "post" if given is not None else "kiosk",
            "brands": brands,
            "public": rule is None,
            "rule": rule,
        }


def _mention(data: Any, number: int) -> tuple[Mention, float | None]:
    """The post as a Mention (sentiment not yet known), and the sentiment the source gave."""
    if not isinstance(data, dict):
        raise PostError(f"a post is a JSON object, not {type(data).__name__}")
    text = data.get("text")
    if not isinstance(text, str):
        raise PostError("'text' must be a string")
    strings = {}
    for name in ("lang", "author", "handle"):
        value = data.get(name, "")
        if not isinstance(value, str):
            raise PostError(f"'{name}' must be a string")
        strings[name] = value
    post_id = data.get("id", f"line-{number}")
    if not isinstance(post_id, str | int) or isinstance(post_id, bool):
        raise PostError("'id' must be a string or an integer")
    tuples = {}
    for name in ("hashtags", "media"):
        value = data.get(name, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise PostError(f"'{name}' must be a list of strings")
        tuples[name] = tuple(value)
    mention = Mention(
        id=str(post_id),
        at=0.0,
        brand="",
        text=text,
        lang=strings["lang"],
        platform=str(data.get("platform", "")),
        author=strings["author"],
        handle=strings["handle"],
        followers=0,
        sentiment=0.0,
        hashtags=tuples["hashtags"],
        media=tuples["media"],
    )
    return mention, _given_sentiment(data.get("sentiment"))


def _given_sentiment(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, str) and value.lower() in _LABEL_SCORES:
        return _LABEL_SCORES[value.lower()]
    if isinstance(value, int | float) and not isinstance(value, bool) and -1 <= value <= 1:
        return float(value)
    raise PostError("'sentiment' must be a number from -1 to 1 or positive/neutral/negative")


def layout_queries(sources: Mapping[str, Any]) -> dict[str, Query]:
    """Every brand query of a layout's social sources, the first source's winning a name twice."""
    queries: dict[str, Query] = {}
    for options in sources.values():
        if isinstance(options, ListeningOptions):
            for brand, query in options.brands.items():
                queries.setdefault(brand, query)
    return queries


def run(lines: Iterable[str], out: TextIO, analyzer: Analyzer) -> tuple[int, int]:
    """Analyse each line, writing one JSON line per post; returns (posts, errors)."""
    posts = errors = 0
    for number, line in enumerate(lines, 1):
        result = analyzer.line(line, number)
        if result is None:
            continue
        posts += 1
        errors += "error" in result
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    return posts, errors
