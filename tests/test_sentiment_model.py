"""sentiment: {model: …}: a user's ONNX classifier scores posts instead of the rules, in the
parse workers (where polled posts are read), in kiosk analyze, and is checked by kiosk check."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import math
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.analytics import sentiment
from kiosk.analytics.model_sentiment import ModelError, ModelScorer, ModelSpec
from kiosk.sources import parsing
from tests.sentiment_model import NEGATIVE, POSITIVE, build

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("model"))


@pytest.fixture
def using(model: Path) -> Iterator[ModelSpec]:
    spec = ModelSpec(model)
    sentiment.use_model(spec)
    yield spec
    sentiment.use_model(None)


def test_the_model_scores_words_the_rules_do_not_know(using: ModelSpec) -> None:
    assert sentiment.score(f"The service was {POSITIVE} today", "en") == 0.0  # rules: no idea
    _, positive = sentiment.enrich(f"The service was {POSITIVE} today", "en")
    assert positive > 0.25
    assert sentiment.enrich(f"{NEGATIVE.upper()}!", "en")[1] < -0.25
    # A language the rules cannot score is scored by a (multilingual) model, not left unscored.
    assert math.isfinite(sentiment.enrich(f"Der Service war {POSITIVE}", "de")[1])


def test_languages_limit_the_model_and_the_rules_score_the_rest(model: Path) -> None:
    sentiment.use_model(ModelSpec(model, languages=frozenset({"nl"})))
    try:
        assert sentiment.enrich(f"The service was {POSITIVE}", "en")[1] == 0.0  # rules
        assert sentiment.enrich(f"De service was {POSITIVE}", "nl")[1] > 0.25  # model
        assert math.isnan(sentiment.enrich("Das Essen ist heute wirklich gut", "de")[1])
    finally:
        sentiment.use_model(None)


def test_labels_decide_the_scale(tmp_path: Path) -> None:
    stars = ["1 star", "2 stars", "3 stars", "4 stars", "5 stars"]
    path = build(tmp_path / "stars", labels=stars)
    scorer = ModelScorer(ModelSpec(path))
    high, low = scorer.scores([POSITIVE, NEGATIVE])
    assert high > 0.5 and low < -0.5
    with pytest.raises(ModelError, match="name a positive and a negative class"):
        ModelScorer(ModelSpec(path, labels=("joy", "anger", "fear", "love", "calm")))
    unlabelled = build(tmp_path / "bare", labels=["a", "b", "c", "d"], config=False)
    with pytest.raises(ModelError, match=r"list them with sentiment\.labels"):
        ModelScorer(ModelSpec(unlabelled))


def test_int32_ids_and_a_tokenizer_that_pads_by_itself(tmp_path: Path) -> None:
    scorer = ModelScorer(ModelSpec(build(tmp_path, int32=True, pad_to=4)))
    high, low, middle = scorer.scores([f"{POSITIVE} {POSITIVE}", f"{NEGATIVE} {NEGATIVE}", "the"])
    assert high > 0.25 and low < -0.25 and abs(middle) < 0.25


def test_files_that_are_not_a_classifier_say_why(tmp_path: Path, model: Path) -> None:
    garbage = tmp_path / "model.onnx"
    garbage.write_bytes(b"not a model at all")
    with pytest.raises(ModelError, match="not a model onnxruntime can run"):
        ModelScorer(ModelSpec(garbage))
    with pytest.raises(ModelError, match=r"not a tokenizer\.json"):
        ModelScorer(ModelSpec(model, tokenizer=garbage))


def _scored_in_worker(text: str) -> float:
    return sentiment.enrich(text, "en")[1]


def test_parse_workers_score_with_the_model(model: Path) -> None:
    parsing.set_worker_setup(functools.partial(sentiment.use_model_or_say, ModelSpec(model)))
    try:
        score = asyncio.run(parsing.parse_off_loop(60.0, _scored_in_worker, f"so {POSITIVE}"))
    finally:
        parsing.set_worker_setup(None)
    assert score > 0.25
    # Workers started from now on are back on the rules.
    assert asyncio.run(parsing.parse_off_loop(60.0, _scored_in_worker, POSITIVE)) == 0.0


def test_a_model_that_fails_in_the_workers_is_reported_and_posts_still_parse(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = tmp_path / "model.onnx"
    broken.write_bytes(b"\x00" * 64)
    parsing.set_worker_setup(functools.partial(sentiment.use_model_or_say, ModelSpec(broken)))
    try:
        with caplog.at_level(logging.WARNING, logger="kiosk.sources.parsing"):
            score = asyncio.run(parsing.parse_off_loop(60.0, _scored_in_worker, "a great day"))
    finally:
        parsing.set_worker_setup(None)
    assert score > 0.25  # the rules
    assert "sentiment model not used, kiosk's rules score posts" in caplog.text
    assert "not a model onnxruntime can run" in caplog.text


def _layout(folder: Path, model_line: str) -> Path:
    path = folder / "wall.yaml"
    path.write_text(
        "sentiment:\n"
        f"  {model_line}\n"
        "screens:\n- name: main\n  match: {index: 0}\n  pages:\n  - title: Main\n"
        "    widgets:\n    - {type: clock, at: [0, 0, 4, 2]}\n"
    )
    return path


def _kiosk(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


def test_kiosk_analyze_and_check_use_the_layouts_model(tmp_path: Path, model: Path) -> None:
    layout = _layout(model.parent, "model: model.onnx")
    posts = "\n".join(
        json.dumps(post)
        for post in (
            {"id": "a", "text": f"the service is {POSITIVE}", "lang": "en"},
            {"id": "b", "text": f"the service is {NEGATIVE}", "lang": "en"},
            {"id": "c", "text": f"the service is {NEGATIVE}", "sentiment": "positive"},
        )
    )
    result = _kiosk("analyze", "--layout", str(layout), stdin=posts)
    assert result.returncode == 0, result.stderr
    out = {row["id"]: row for row in map(json.loads, result.stdout.splitlines())}
    assert out["a"]["sentiment"] == "positive"
    assert out["b"]["sentiment"] == "negative"
    assert (out["c"]["sentiment"], out["c"]["sentiment_source"]) == ("positive", "post")
    assert _kiosk("check", str(layout)).returncode == 0

    (tmp_path / "model.onnx").write_bytes(b"junk")
    broken = _layout(tmp_path, "model: model.onnx")
    for command in (["check", str(broken)], ["analyze", "--layout", str(broken)]):
        result = _kiosk(*command)
        assert result.returncode != 0
        assert "not a model onnxruntime can run" in result.stderr
        assert "Traceback" not in result.stderr
    missing = _layout(tmp_path, "model: nowhere.onnx")
    result = _kiosk("check", str(missing))
    assert result.returncode != 0 and "nowhere.onnx" in result.stderr
