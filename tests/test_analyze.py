"""``kiosk analyze`` and what it shows: language, sentiment (or unscored), brands, the verdict.

Also the two places an unscored post (NaN sentiment) travels: net sentiment leaves it out, and
a source's disk cache stores it.
"""

from __future__ import annotations

import io
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.analytics import attach_analytics
from kiosk.analytics.analyze import Analyzer, run
from kiosk.analytics.queries import Query
from kiosk.config.layout import Moderation
from kiosk.hub import Hub
from kiosk.sources.cache import decode_value, encode_value
from kiosk.values import Kind, Mention, Metric

ROOT = Path(__file__).resolve().parent.parent


def analyse(*lines: str, analyzer: Analyzer | None = None) -> list[dict[str, object]]:
    out = io.StringIO()
    run(lines, out, analyzer or Analyzer.of())
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_a_post_gets_language_sentiment_brands_and_verdict() -> None:
    analyzer = Analyzer.of(
        {"Telvio": Query(keywords=["telvio"]), "Railo": Query(keywords=["railo"])},
        Moderation(block={"*": ["darn"]}),
    )
    [complaint, blocked] = analyse(
        '{"id": "1", "text": "Thanks for nothing @Telvio, on hold for 50 minutes"}',
        '{"id": "2", "text": "Railo is darn late", "lang": "en-GB"}',
        analyzer=analyzer,
    )
    assert complaint == {
        "id": "1",
        "lang": "en",
        "lang_source": "kiosk",
        "sentiment": "negative",
        "score": complaint["score"],
        "sentiment_source": "kiosk",
        "brands": ["Telvio"],
        "public": True,
        "rule": None,
    }
    assert isinstance(complaint["score"], float) and complaint["score"] <= -0.25
    assert blocked["lang_source"] == "post" and blocked["brands"] == ["Railo"]
    assert (blocked["public"], blocked["rule"]) == (False, "blocked word")


def test_the_sources_own_sentiment_is_used_as_is() -> None:
    [number, word] = analyse(
        '{"id": "1", "text": "Acme is great", "sentiment": -0.5}',
        '{"id": "2", "text": "Acme is great", "sentiment": "neutral"}',
    )
    assert (number["sentiment"], number["score"], number["sentiment_source"]) == (
        "negative",
        -0.5,
        "post",
    )
    assert (word["sentiment"], word["score"]) == ("neutral", 0.0)


def test_other_languages_are_unscored_and_wordless_posts_undetermined() -> None:
    [german, handles] = analyse(
        '{"id": "1", "text": "Mein Zug nach Köln ist schon wieder ausgefallen, dritte Mal"}',
        '{"id": "2", "text": "@SkyJet @Railo ✈️"}',
    )
    assert (german["lang"], german["sentiment"], german["score"]) == ("de", "unscored", None)
    assert (handles["lang"], handles["sentiment"]) == ("und", "neutral")


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "a post is a JSON object, not list"),
        ('{"id": "x"}', "'text' must be a string"),
        ('{"text": "hi", "lang": 5}', "'lang' must be a string"),
        ('{"text": "hi", "id": true}', "'id' must be a string or an integer"),
        ('{"text": "hi", "hashtags": "acme"}', "'hashtags' must be a list of strings"),
        ('{"text": "hi", "sentiment": 7}', "'sentiment' must be a number from -1 to 1"),
        ('{"text": "hi", "sentiment": NaN}', "'sentiment' must be a number from -1 to 1"),
    ],
)
def test_a_bad_line_gets_an_error_line(line: str, error: str) -> None:
    [result] = analyse(line)
    assert result["line"] == 1 and error in str(result["error"])


def test_blank_lines_are_skipped_and_errors_counted() -> None:
    out = io.StringIO()
    assert run(["", '{"text": "ok"}', "  ", "{"], out, Analyzer.of()) == (2, 1)


def test_the_command_reads_a_file_and_a_layout_without_a_traceback(tmp_path: Path) -> None:
    posts = tmp_path / "posts.jsonl"
    posts.write_text(
        '{"id": "a", "text": "Acme cancelled my order and still no refund"}\n'
        "{broken\n"
        '{"id": "b", "text": "Globex staff were lovely 😍"}\n',
        encoding="utf-8",
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "kiosk.cli",
            "analyze",
            str(posts),
            "--layout",
            str(ROOT / "layouts" / "demo.yaml"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row.get("id") for row in rows] == ["a", None, "b"]
    assert rows[0]["sentiment"] == "negative" and rows[2]["sentiment"] == "positive"
    assert "error" in rows[1]


def test_a_missing_file_is_an_error_message(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "analyze", str(tmp_path / "none.jsonl")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "kiosk analyze:" in result.stderr


def mention(sentiment: float, at: float) -> Mention:
    return Mention(
        id=f"m{sentiment}",
        at=at,
        brand="Acme",
        text="t",
        lang="de",
        platform="x",
        author="a",
        handle="a",
        followers=1,
        sentiment=sentiment,
    )


def test_unscored_posts_do_not_move_net_sentiment() -> None:
    now = 1_790_000_000.0
    hub = Hub(clock=lambda: now)
    hub.declare("s.mentions", Kind.MENTIONS)
    attach_analytics(hub, "s", brands=["Acme"], ours="Acme")
    scored = [mention(0.8, now - 30), mention(-0.8, now - 20), mention(0.8, now - 10)]
    hub.append("s.mentions", [*scored, *[mention(math.nan, now - 5)] * 5])
    sample = hub.sample("s.net_sentiment")
    assert sample is not None and isinstance(sample.value, Metric)
    assert sample.value.value == pytest.approx((2 - 1) / 3 * 100)


def test_an_unscored_post_survives_the_disk_cache() -> None:
    raw = encode_value(Kind.MENTIONS, (mention(math.nan, 1.0), mention(0.5, 2.0)))
    text = json.dumps(raw, allow_nan=False)  # what the source cache writes
    restored = decode_value(Kind.MENTIONS, json.loads(text))
    assert math.isnan(restored[0].sentiment) and restored[1].sentiment == 0.5
