"""One rule for numbers in a layout: finite, and within the range the option declares."""

from __future__ import annotations

import typing
from typing import Any

import pytest
from pydantic import BaseModel

from kiosk.config import LayoutError, layout_model, parse_layout
from kiosk.config.types import is_duration

PAGE = "screens[0].pages[0]"


def layout(duration: str = "30s", widget: str = "", source: str = "") -> str:
    return (
        f"sources: {{social: {{type: demo{source}}}}}\n"
        "screens:\n"
        "  - name: a\n"
        "    match: {any: true}\n"
        "    pages:\n"
        f"      - title: P\n"
        f"        duration: {duration}\n"
        f"        widgets: [{widget}]\n"
    )


def issues(text: str) -> list[tuple[int, int, str, str]]:
    with pytest.raises(LayoutError) as caught:
        parse_layout(text)
    return [(i.line, i.col, i.path, i.message) for i in caught.value.issues]


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("nan", "nan"),
        (".nan", "nan"),
        (".inf", "inf"),
        ("3.5e400", "3.5e400"),
        ("1e-9", "1e-9"),
        ("25h", "25h"),
        ("50ms", "50ms"),
    ],
)
def test_a_page_duration_out_of_range_says_the_range(written: str, shown: str) -> None:
    assert issues(layout(duration=written)) == [
        (7, 19, f"{PAGE}.duration", f"expected a duration from 0.1s to 1d (got {shown})")
    ]


@pytest.mark.parametrize(
    ("widget", "path", "message"),
    [
        (
            "{type: timeseries, at: [0, 0, 4, 2], data: social.volume, window: .inf}",
            "window",
            "expected a duration from 1m to 400d (got inf)",
        ),
        (
            "{type: gauge, at: [0, 0, 4, 2], data: social.rate, max: 1e309}",
            "max",
            "expected a number from -1e+15 to 1e+15 (got 1e309)",
        ),
        (
            "{type: gauge, at: [0, 0, 4, 2], data: social.rate, min: .nan}",
            "min",
            "expected a number from -1e+15 to 1e+15 (got nan)",
        ),
        (
            "{type: kpi, at: [0, 0, 4, 2], data: social.rate, thresholds: [{above: -.inf, "
            "colour: bad}]}",
            "thresholds[0].above",
            "expected a number from -1e+15 to 1e+15 (got -inf)",
        ),
        (
            "{type: post_wall, at: [0, 0, 4, 2], data: social.mentions, "
            "influencer_followers: 100000000000}",
            "influencer_followers",
            "expected a whole number from 0 to 1e+10 (got 100000000000)",
        ),
    ],
)
def test_widget_numbers_out_of_range_say_the_range(widget: str, path: str, message: str) -> None:
    [(line, _, found_path, found_message)] = issues(layout(widget=widget))
    assert (line, found_path, found_message) == (8, f"{PAGE}.widgets[0].{path}", message)


def test_a_negative_seed_is_refused_before_the_generator_would_crash_on_it() -> None:
    [(_, _, path, message)] = issues(layout(source=", seed: -1"))
    assert (path, message) == (
        "sources.social.seed",
        "expected a whole number from 0 to 4.29497e+09 (got -1)",
    )


def test_a_number_of_ten_thousand_digits_is_a_positioned_error_not_a_traceback() -> None:
    [(line, col, path, message)] = issues(layout(source=", seed: " + "9" * 10_000))
    assert (line, col, path) == (1, 38, "sources.social.seed")
    assert message.startswith("a number of 10,000 characters: no layout value needs more than")


def test_a_long_duration_text_is_refused_at_once() -> None:
    # The duration pattern backtracks on long runs of digits: 200 kB of them took minutes.
    [(_, _, path, message)] = issues(layout(duration="1" * 200_000 + "x"))
    assert path == f"{PAGE}.duration" and message.startswith("too long for a duration")


def _numbers(model: type[BaseModel], seen: set[type]) -> list[tuple[str, Any, list[Any]]]:
    """(model.field, annotation, metadata) for every int or float a layout can write."""
    found: list[tuple[str, Any, list[Any]]] = []
    if model in seen:
        return found
    seen.add(model)
    for name, field in model.model_fields.items():
        for leaf, metadata in _leaves(field.annotation, list(field.metadata)):
            where = f"{model.__name__}.{name}"
            if isinstance(leaf, type) and issubclass(leaf, BaseModel):
                found += _numbers(leaf, seen)
            elif leaf in (int, float):
                found.append((where, field.annotation, metadata))
    return found


def _leaves(annotation: Any, metadata: list[Any]) -> list[tuple[Any, list[Any]]]:
    if typing.get_origin(annotation) is typing.Annotated:
        inner, *more = typing.get_args(annotation)
        return _leaves(inner, metadata + more)
    arguments = [a for a in typing.get_args(annotation) if a is not Ellipsis]
    if not arguments:
        return [(annotation, metadata)]
    if typing.get_origin(annotation) is typing.Literal:
        return []
    # a union member or an item inherits the field's own constraints only if it is the number
    return [leaf for argument in arguments for leaf in _leaves(argument, metadata)]


def _bound(metadata: list[Any], names: tuple[str, ...]) -> float | None:
    for meta in [*metadata, *(m for info in metadata for m in getattr(info, "metadata", ()))]:
        for name in names:
            value = getattr(meta, name, None)
            if value is not None:
                return float(value)
    return None


def test_every_number_option_declares_a_finite_range() -> None:
    numbers = _numbers(layout_model(), set())
    assert len(numbers) > 50  # the walk reaches sources, widgets, spans and takeovers
    unbounded = [
        where
        for where, _, metadata in numbers
        if _bound(metadata, ("ge", "gt")) is None or _bound(metadata, ("le", "lt")) is None
    ]
    assert unbounded == [], "give these Field(ge=…, le=…), see kiosk/config/types.py"


def test_every_duration_is_at_least_a_millisecond_and_at_most_400_days() -> None:
    durations = [
        (where, _bound(metadata, ("ge", "gt")), _bound(metadata, ("le", "lt")))
        for where, annotation, metadata in _numbers(layout_model(), set())
        if is_duration(annotation, metadata)
    ]
    assert len(durations) > 20
    assert [d for d in durations if (d[1] or 0) < 0.001 or (d[2] or 1e99) > 400 * 86400] == []


def test_every_model_a_layout_fills_refuses_nan_and_infinity() -> None:
    seen: set[type] = set()
    _numbers(layout_model(), seen)
    lenient = [m.__name__ for m in seen if m.model_config.get("allow_inf_nan", True)]
    assert lenient == []
