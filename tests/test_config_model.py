"""The layout models: match specificity, registries read when validating, streams, schema."""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar, Literal

import jsonschema  # type: ignore[import-untyped]
import pytest
import yaml

from kiosk.config import (
    Layout,
    LayoutError,
    Match,
    available_streams,
    layout_model,
    layout_schema,
    parse_layout,
    streams_of,
)
from kiosk.config.layout import Page, Screen, Span, Takeover
from kiosk.config.widgets import WIDGET_OPTIONS, WidgetOptions
from kiosk.sources import SOURCES, Source, SourceOptions
from kiosk.sources.demo import DemoOptions
from kiosk.values import Kind

LAYOUTS = sorted(Path(__file__).resolve().parent.parent.joinpath("layouts").glob("*.yaml"))


class GaugeFeedOptions(SourceOptions):
    type: Literal["gauge_feed"] = "gauge_feed"
    names: list[str] = ["level"]


class GaugeFeed(Source):
    """A source that exists only in these tests: one metric per name, no mentions."""

    options_model = GaugeFeedOptions

    @classmethod
    def provides(cls, options: SourceOptions) -> dict[str, Kind]:
        assert isinstance(options, GaugeFeedOptions)
        return {name: Kind.METRIC for name in options.names}

    async def run(self) -> None:
        raise NotImplementedError("never run: only its options and streams are tested")


@pytest.fixture
def gauge_feed() -> Iterator[None]:
    SOURCES["gauge_feed"] = GaugeFeed
    yield
    del SOURCES["gauge_feed"]


def issues(text: str) -> list[tuple[int, str, str]]:
    with pytest.raises(LayoutError) as caught:
        parse_layout(text)
    return [(i.line, i.path, i.message) for i in caught.value.issues]


def test_specificity_orders_serial_connector_model_index_any() -> None:
    ordered = [
        Match(serial="ABC123"),
        Match(connector="HDMI-1"),
        Match(model="Bravia*"),
        Match(index=0),
        Match(any=True),
    ]
    scores = [match.specificity() for match in ordered]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == 5
    assert Match(manufacturer="SNY").specificity() == Match(model="X").specificity()
    assert Match(connector="DP-*", index=1).specificity() > Match(connector="DP-*").specificity()


def test_a_match_needs_a_criterion_and_any_false_is_none() -> None:
    text = "screens: [{name: a, match: {any: false}, pages: [{title: P}]}]"
    [(line, path, message)] = issues(text)
    assert (line, path) == (1, "screens[0].match")
    assert message.startswith("give at least one of connector, manufacturer, model, serial")


def test_a_source_registered_later_is_validated_and_its_streams_checked(gauge_feed: None) -> None:
    text = (
        "sources: {tank: {type: gauge_feed, names: [level, pressure]}}\n"
        "screens: [{name: a, match: {any: true}, pages: [{title: P, widgets: [\n"
        "  {type: kpi, at: [0, 0, 2, 2], data: tank.pressure},\n"
        "]}]}]\n"
    )
    layout = parse_layout(text)
    assert isinstance(layout, Layout) and layout_model() is not Layout
    assert isinstance(layout.sources["tank"], GaugeFeedOptions)
    assert available_streams(layout) == {"tank.level": Kind.METRIC, "tank.pressure": Kind.METRIC}
    broken = text.replace("tank.pressure", "tank.presure").replace("names:", "nmes:")
    assert issues(broken) == [
        (1, "sources.tank.nmes", "unknown key 'nmes' (did you mean 'names'?)"),
    ]  # the widget is not judged against a source whose options are broken
    assert issues(text.replace("tank.pressure", "tank.presure")) == [
        (3, "screens[0].pages[0].widgets[0].data",
         "source 'tank' has no stream 'presure' (did you mean 'tank.pressure'?)"),
    ]  # fmt: skip


def test_the_layout_model_is_rebuilt_only_when_a_registry_changes(gauge_feed: None) -> None:
    with_feed = layout_model()
    assert layout_model() is with_feed
    del SOURCES["gauge_feed"]
    try:
        without = layout_model()
        assert without is not with_feed and layout_model() is without
        assert "gauge_feed" not in SOURCES
    finally:
        SOURCES["gauge_feed"] = GaugeFeed
    assert layout_model() is with_feed


def test_available_streams_include_the_analytics_of_a_mention_source() -> None:
    layout = parse_layout(
        "sources: {social: {type: demo}}\n"
        "screens: [{name: a, match: {any: true}, pages: [{title: P}]}]\n"
    )
    streams = available_streams(layout)
    assert streams["social.mentions"] is Kind.MENTIONS
    assert streams["social.volume"] is Kind.SERIES
    assert streams["social.share"] is Kind.BREAKDOWN
    assert all(name.startswith("social.") for name in streams)


def test_cross_checks_report_every_problem_on_a_page() -> None:
    text = (
        "sources: {social: {type: demo}}\n"
        "screens:\n"
        "  - name: a\n"
        "    match: {any: true}\n"
        "    pages:\n"
        "      - title: P\n"
        "        grid: {columns: 0}\n"
        "        widgets:\n"
        "          - {type: clock, at: [0, 0, 4, 2], data: social.rate}\n"
        "          - {type: kpi, at: [0, 0, 4, 2], data: social.volume}\n"
        "          - {type: kpi, at: [2, 1, 4, 2], data: socal.rate}\n"
        "  - {name: b, match: {any: true}, pages: [{title: Q}]}\n"
    )
    w = "screens[0].pages[0].widgets"
    metrics = [f"social.{name}" for name, kind in streams_of("demo", DemoOptions()).items()
               if kind is Kind.METRIC]  # fmt: skip
    assert "social.rate" in metrics
    assert issues(text) == [
        (7, "screens[0].pages[0].grid.columns",
         "expected a whole number from 1 to 48 (got 0)"),
        (9, f"{w}[0].data", "a clock widget shows no stream; remove data:"),
        (10, f"{w}[1].at", "overlaps widgets[0] at [0, 0, 4, 2] on this page"),
        (10, f"{w}[1].data",
         "social.volume is a series: fold it into one figure with total: (e.g. total: 7d) or "
         f"mean: (e.g. mean: 24h), or show a metric — try {', '.join(metrics)}"),
        (11, f"{w}[2].at", "overlaps widgets[0] at [0, 0, 4, 2] on this page"),
        (11, f"{w}[2].at", "overlaps widgets[1] at [0, 0, 4, 2] on this page"),
        (11, f"{w}[2].data", "no source or view named 'socal' (did you mean 'social'?)"),
        (12, "screens[1].match", "same match as screens[0]: only one of them can get the monitor"),
    ]  # fmt: skip


def test_the_schema_is_valid_and_every_example_layout_passes_it() -> None:
    schema = layout_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    assert LAYOUTS
    for path in LAYOUTS:
        errors = [
            error.message for error in validator.iter_errors(yaml.safe_load(path.read_text()))
        ]
        assert errors == [], path
    assert schema["title"] == "kiosk layout"
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_the_schema_describes_the_format_for_an_editor() -> None:
    schema = layout_schema()
    definitions = schema["$defs"]
    duration = definitions["Page"]["properties"]["duration"]
    assert (duration["type"], duration["default"]) == ("string", "30s")
    assert "pattern" in duration and "description" in duration
    assert definitions["Grid"]["description"] and definitions["Match"]["minProperties"] == 1
    widgets = definitions["Page"]["properties"]["widgets"]["items"]
    assert set(widgets["discriminator"]["mapping"]) == set(WIDGET_OPTIONS)
    assert schema["properties"]["sources"]["propertyNames"]["pattern"]
    validator = jsonschema.Draft202012Validator(schema)
    assert list(validator.iter_errors({"screens": [{"name": "a", "match": {}, "pages": []}]}))


def test_the_schema_has_sources_registered_later_and_no_environment(
    gauge_feed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIOSK_T_SCHEMA_SECRET", "do-not-print-me")
    text = json.dumps(layout_schema())
    assert "GaugeFeedOptions" in text and "do-not-print-me" not in text


class BannerOptions(WidgetOptions):
    type: Literal["banner_test"] = "banner_test"
    words: str
    needs_data: ClassVar[bool] = False


def test_a_widget_type_registered_later_is_validated_on_every_kind_of_page(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pages, screens, spans and takeovers are rebuilt with the new type; each keeps the
    description the schema shows."""
    monkeypatch.setitem(WIDGET_OPTIONS, "banner_test", BannerOptions)
    widget = "{type: banner_test, at: [0, 0, 2, 2], words: Hello}"
    text = (
        "screens: [{name: a, match: {any: true}, pages: [{title: P, widgets: [W]}]}]\n"
        "sources: {acme: {type: demo}}\n"
        "takeovers: [{name: Crisis, when: {stream: acme.alerts, severity: critical},\n"
        "  page: {title: T, widgets: [W]}}]\n"
    )
    layout = parse_layout(text.replace("[W]", f"[{widget}]"))
    assert isinstance(layout.screens[0].pages[0].widgets[0], BannerOptions)
    assert isinstance(layout.takeovers[0].page.widgets[0], BannerOptions)
    definitions = layout_model().model_json_schema()["$defs"]
    for model in (Page, Screen, Span, Takeover):
        assert definitions[model.__name__]["description"] == inspect.cleandoc(model.__doc__ or "")
