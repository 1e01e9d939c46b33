"""Layout validation: a corpus of broken layouts, each error's line, key path and message."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from kiosk.config import LayoutError, layout_schema, load_layout, parse_layout
from kiosk.config.types import parse_duration
from kiosk.values import Kind

BROKEN = Path(__file__).with_name("broken_layouts")
LAYOUTS = sorted(Path(__file__).resolve().parent.parent.joinpath("layouts").glob("*.yaml"))
W = "screens[0].pages[0].widgets"

# file → every expected error as (line, key path, fragment of the message); nothing else allowed.
EXPECTED: dict[str, list[tuple[int, str, str]]] = {
    "syntax.yaml": [(4, "", "YAML: expected ',' or '}'")],
    "hash_in_title.yaml": [
        (5, "", "'#RailNord…' starts a YAML comment here, so the text stops at 'Top'; put the text")
    ],
    "comma_in_title.yaml": [
        (4, "screens[0].pages[0].Q4", "a ',' in a text ends it inside {…}; put the text in quotes")
    ],
    "duplicate_key.yaml": [(4, "screens[0].name", "duplicate key 'name' (first at line 2)")],
    "unknown_top_key.yaml": [
        (1, "screen", "unknown key 'screen' (did you mean 'screens'?)"),
        (1, "screens", "'screens' is required"),
    ],
    "typo_widget_key.yaml": [
        (9, f"{W}[0]", "a kpi widget needs data: a metric or series stream"),
        (9, f"{W}[0].dta", "unknown key 'dta' (did you mean 'data'?)"),
    ],
    "unknown_widget_type.yaml": [
        (9, f"{W}[0].type", "unknown widget type 'timeserie' (did you mean 'timeseries'?)")
    ],
    "unknown_source_type.yaml": [
        (2, "sources.social.type", "unknown source type 'demoo' (did you mean 'demo'?)")
    ],
    "bad_stream.yaml": [
        (9, f"{W}[0].data", "no stream 'rat' (did you mean 'social.rate'?)"),
        (10, f"{W}[1].data", "no source or view named 'socail' (did you mean 'social'?)"),
        (11, f"{W}[2].data", "write source.stream"),
    ],
    "takeover.yaml": [
        (7, "screens[0].rotation.pin", "no page titled 'Overvew' on this screen"),
        (11, "takeovers[0].when.stream", "a takeover fires on alerts or metric"),
        (12, "takeovers[0].screens[0]", "no screen named 'marketng' (did you mean 'marketing'?)"),
        (13, "takeovers[0].page.widgets[0].data", "source 'social' has no stream 'nope'"),
        (15, "takeovers[1].when", "is a figure: say when it fires with below: or above:"),
    ],
    "wrong_kind.yaml": [
        (
            9,
            f"{W}[0].data",
            "a timeseries shows series; social.share is breakdown — try social.volume",
        ),
        (10, f"{W}[1]", "a kpi widget needs data"),
    ],
    "outside_grid.yaml": [
        (10, f"{W}[0].at", "reaches outside the 6×4 grid"),
        (11, f"{W}[1].at", "width and height at least 1"),
    ],
    "overlap.yaml": [(10, f"{W}[1].at", "overlaps widgets[0] at [0, 0, 4, 2]")],
    "bad_duration.yaml": [
        (6, "screens[0].pages[0].duration", "'10 minutes' is not a duration; expected e.g. 45s"),
        (8, "screens[0].pages[1].duration", "'-5s' is not a duration"),
    ],
    "duplicate_screens.yaml": [(5, "screens[1].name", "duplicate screen name 'lobby'")],
    "missing_env.yaml": [
        (2, "sources.social.brands[0]", "environment variable KIOSK_TEST_SURELY_UNSET is not set")
    ],
    "empty.yaml": [(1, "", "the layout is empty")],
    "no_criterion.yaml": [(3, "screens[0].match", "give at least one of connector")],
    "bad_bluesky.yaml": [
        (5, "sources.sky.brands.Acme.hashtag", "unknown key 'hashtag' (did you mean 'hashtags'?)"),
        (6, "sources.sky.brands.Globex.phrases", "'🚆' has no letters or digits to match"),
    ],
    "bad_http_json.yaml": [
        (6, "sources.api.streams.visitors.kind", "'gauge' is not allowed; expected one of: "),
        (7, "sources.api.streams.pages.path", "not a JMESPath expression: Incomplete expression"),
        (8, "sources.api.streams.hourly", "time: is for series streams, not metric"),
    ],
    "several.yaml": [
        (1, "theme.name", "'darkk' is not allowed (did you mean 'dark'?)"),
        (1, "theme.scale", "expected a number from 0.5 to 3 (got 9)"),
        (3, "sources.social.rate", "expected a number from 1 to 5000 (got 0)"),
        (6, "screens[0].match.conector", "unknown key 'conector' (did you mean 'connector'?)"),
        (10, f"{W}[0].at", "reaches outside the 12×8 grid"),
        (11, "screens[1].match", "'match' is required"),
    ],
}


def test_the_corpus_and_the_expectations_name_the_same_files() -> None:
    assert {path.name for path in BROKEN.glob("*.yaml")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_layout_reports_every_error_exactly(name: str) -> None:
    with pytest.raises(LayoutError) as caught:
        load_layout(BROKEN / name)
    issues = caught.value.issues
    assert all(issue.file == str(BROKEN / name) for issue in issues)
    found = [(issue.line, issue.path) for issue in issues]
    assert found == [(line, path) for line, path, _ in EXPECTED[name]], caught.value.render()
    for issue, (_, _, fragment) in zip(issues, EXPECTED[name], strict=True):
        assert fragment in issue.message, str(issue)
        assert "timeseries'," not in issue.path and "demo" not in issue.path  # no union tags


def test_the_report_reads_file_line_col_path_message() -> None:
    with pytest.raises(LayoutError) as caught:
        load_layout(BROKEN / "overlap.yaml")
    first = caught.value.render().splitlines()[0]
    where = f"{BROKEN / 'overlap.yaml'}:10:29  {W}[1].at  "
    assert first == where + "overlaps widgets[0] at [0, 0, 4, 2] on this page"
    assert caught.value.render().splitlines()[-1] == "1 error in the layout; nothing was changed."


def test_an_unreadable_file_is_one_error_not_a_traceback(tmp_path: Path) -> None:
    with pytest.raises(LayoutError) as caught:
        load_layout(tmp_path / "missing.yaml")
    assert len(caught.value.issues) == 1
    assert "cannot read the file" in caught.value.issues[0].message


def test_environment_variables_are_substituted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_BRAND", "Hooli")
    layout = parse_layout(
        "sources: {s: {type: demo, brands: ['${env:KIOSK_BRAND}', Acme]}}\n"
        "screens: [{name: a, match: {any: true}, pages: [{title: 'Hello ${env:KIOSK_BRAND}'}]}]\n"
    )
    assert layout.sources["s"].brands == ["Hooli", "Acme"]
    assert layout.screens[0].pages[0].title == "Hello Hooli"


def test_a_valid_layout_gets_its_defaults() -> None:
    layout = parse_layout("screens: [{name: a, match: {index: 0}, pages: [{title: P}]}]")
    page = layout.screens[0].pages[0]
    assert (page.duration, page.grid.columns, page.grid.rows) == (30.0, 12, 8)
    assert layout.theme.name == "dark" and layout.sources == {}


@pytest.mark.parametrize(
    ("text", "seconds"), [("45s", 45), ("5m", 300), ("1h30m", 5400), ("250ms", 0.25), (12, 12)]
)
def test_durations(text: str | int, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


def test_derived_streams_are_known_to_the_checker() -> None:
    from kiosk.config import streams_of
    from kiosk.sources.demo import DemoOptions

    streams = streams_of("demo", DemoOptions())
    assert streams["mentions"] is Kind.MENTIONS
    assert streams["volume"] is Kind.SERIES and streams["rate"] is Kind.METRIC


def test_schema_validates_every_example_layout() -> None:
    schema = layout_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in LAYOUTS:
        assert not list(validator.iter_errors(yaml.safe_load(path.read_text()))), path
    assert "kiosk layout" in json.dumps(schema)


def test_schema_rejects_what_the_checker_rejects() -> None:
    validator = jsonschema.Draft202012Validator(layout_schema())
    data = yaml.safe_load((BROKEN / "unknown_widget_type.yaml").read_text())
    assert list(validator.iter_errors(data))


def test_custom_yaml_tags_are_refused_not_ignored() -> None:
    with pytest.raises(LayoutError) as caught:
        parse_layout("screens: !!python/object/apply:os.system ['true']\n")
    messages = [issue.message for issue in caught.value.issues]
    assert any(m.startswith("YAML tag 'tag:yaml.org,2002:python/object") for m in messages)
