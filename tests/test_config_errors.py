"""Pydantic's errors read as layout errors: the right key path, a plain message, no union tags."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import LayoutError, LayoutIssue, parse_layout
from kiosk.config.widgets import WIDGET_OPTIONS
from kiosk.sources import SOURCES

W = "screens[0].pages[0].widgets[0]"


def page(*widgets: str, sources: str = "{social: {type: demo}}") -> str:
    """A one-screen, one-page layout holding ``widgets`` (flow mappings, one per line)."""
    lines = [f"sources: {sources}", "screens:", "  - {name: a, match: {any: true}, pages: [{"]
    lines.append("      title: P, widgets: [")
    lines += [f"        {widget}," for widget in widgets]
    lines.append("      ]}]}")
    return "\n".join(lines) + "\n"


def issues(text: str) -> list[tuple[int, str, str]]:
    with pytest.raises(LayoutError) as caught:
        parse_layout(text)
    return [(i.line, i.path, i.message) for i in caught.value.issues]


def test_a_widget_whose_field_is_named_like_its_type_gets_the_right_path() -> None:
    # The text widget's tag and one of its fields are both 'text': pydantic's loc reads
    # (..., 'text', 'at', 3) and the tag must not be taken for the field.
    assert issues(page("{type: text, at: [0, 0, 2], text: hi, colr: '#fff'}")) == [
        (5, f"{W}.at", "too few items: item [3] is missing"),
        (5, f"{W}.colr", "unknown key 'colr' (did you mean 'colour'?)"),
    ]


def test_an_item_of_a_placement_has_its_own_path() -> None:
    assert issues(page("{type: kpi, at: [0, x, 2, 2], data: social.rate}")) == [
        (5, f"{W}.at[1]", "Input should be a valid integer, unable to parse string as an "
         "integer (got 'x')"),
    ]  # fmt: skip


def test_an_unknown_key_lists_the_valid_keys_when_nothing_is_close() -> None:
    [(line, path, message)] = issues(
        page("{type: kpi, at: [0, 0, 2, 2], data: social.rate, zzz: 1}")
    )
    assert (line, path) == (5, f"{W}.zzz")
    expected = sorted(WIDGET_OPTIONS["kpi"].model_fields)
    assert message == f"unknown key 'zzz'; expected one of: {', '.join(expected)}"


def test_unknown_types_name_the_known_ones() -> None:
    text = page("{type: kip, at: [0, 0, 2, 2]}", "{at: [2, 0, 2, 2]}", sources="{s: {typ: demo}}")
    widget_types = ", ".join(sorted(WIDGET_OPTIONS))
    assert issues(text) == [
        (
            1,
            "sources.s",
            f"a source needs a type: one of {', '.join(sorted(SOURCES))} ('typ' is not 'type')",
        ),
        (5, f"{W}.type", "unknown widget type 'kip' (did you mean 'kpi'?)"),
        (6, "screens[0].pages[0].widgets[1]", f"a widget needs a type: one of {widget_types}"),
    ]


def test_a_widget_that_is_not_a_mapping_says_so() -> None:
    assert issues(page("5", "[kpi]")) == [
        (5, W, "expected a mapping (key: value) (got 5)"),
        (6, "screens[0].pages[0].widgets[1]", "expected a mapping (key: value)"),
    ]


def test_numbers_and_dates_where_text_belongs_say_to_quote_them() -> None:
    text = "screens: [{name: a, match: {any: true}, pages: [{title: 2024-05-01}]}]"
    assert issues(text) == [
        (
            1,
            "screens[0].pages[0].title",
            "expected text: YAML read this as a number, a date or true/false; quote it",
        )
    ]


def test_patterns_are_explained_in_words() -> None:
    text = (
        "theme: {brands: {Acme: blue}}\n"
        "screens: [{name: 'my screen', match: {any: true}, pages: [{title: P}]}]\n"
    )
    assert issues(text) == [
        (1, "theme.brands.Acme", "expected a colour such as #4f8cff (got 'blue')"),
        (2, "screens[0].name", "use letters, digits, - and _, starting with a letter "
         "(got 'my screen')"),
    ]  # fmt: skip


def test_empty_lists_that_need_items() -> None:
    assert issues("screens: []\n") == [(1, "screens", "needs at least 1 item")]


def test_a_long_value_is_shortened_in_the_message() -> None:
    [(_, _, message)] = issues("theme: {scale: '" + "9" * 200 + "x'}\n" + page().split("\n", 1)[1])
    assert len(message) < 160 and message.endswith("...)")


@pytest.mark.parametrize(
    "broken",
    sorted(Path(__file__).with_name("broken_layouts").glob("*.yaml")),
    ids=lambda path: path.stem,
)
def test_no_path_in_the_corpus_names_a_union_tag_or_a_validator(broken: Path) -> None:
    with pytest.raises(LayoutError) as caught:
        parse_layout(broken.read_text(), str(broken))
    for issue in caught.value.issues:
        parts = issue.path.replace("[", ".").split(".")
        assert not set(parts) & {"demo", "kpi", "timeseries", "ticker", "text"}, issue
        assert "function-" not in issue.path and "[key]" not in issue.path, issue


def test_issues_are_sorted_by_position_and_rendered_one_per_line() -> None:
    error = LayoutError(
        [
            LayoutIssue("f.yaml", 9, 3, "screens[0].name", "second"),
            LayoutIssue("f.yaml", 2, 7, "theme.name", "first"),
            LayoutIssue("f.yaml", 2, 7, "theme.name", "first"),  # found twice, reported once
        ]
    )
    assert error.render().splitlines() == [
        "f.yaml:2:7  theme.name  first",
        "f.yaml:9:3  screens[0].name  second",
        "2 errors in the layout; nothing was changed.",
    ]
    assert str(LayoutIssue("f.yaml", 1, 1, "", "empty")) == "f.yaml:1:1  (top)  empty"
