"""Reading layout YAML: positions, duplicate keys, aliases and merges, hostile input, ${env:...}."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from kiosk.config import LayoutError, load_layout, parse_layout
from kiosk.config.loader import MAX_DEPTH, MAX_VALUES, Position, read_document

ONE_SCREEN = "screens: [{name: a, match: {any: true}, pages: [{title: P}]}]\n"


def issues(text: str) -> list[tuple[int, int, str, str]]:
    """Every issue as (line, column, path, message); the layout must be rejected."""
    with pytest.raises(LayoutError) as caught:
        parse_layout(text)
    return [(i.line, i.col, i.path, i.message) for i in caught.value.issues]


def test_every_key_and_value_has_its_line_and_column() -> None:
    document = read_document("theme:\n  name: dark\nscreens:\n  - name: a\n", "f.yaml")
    assert document.keys[("theme", "name")] == Position(2, 3)
    assert document.values[("theme", "name")] == Position(2, 9)
    assert document.keys[("screens", 0)] == Position(4, 5)
    assert document.keys[("screens", 0, "name")] == Position(4, 5)
    assert document.issues == []


def test_duplicate_keys_are_an_error_at_the_second_one() -> None:
    found = issues("theme: {name: dark}\n" + ONE_SCREEN + "theme: {name: light}\n")
    assert found == [(3, 1, "theme", "duplicate key 'theme' (first at line 1)")]


def test_keys_are_names_as_written_not_numbers() -> None:
    layout = parse_layout("theme: {brands: {1024: '#ffffff', true: '#000000'}}\n" + ONE_SCREEN)
    assert layout.theme.brands == {"1024": "#ffffff", "true": "#000000"}


def test_a_list_as_a_key_is_an_error_not_a_crash() -> None:
    assert issues("? [a, b]\n: 1\n" + ONE_SCREEN) == [
        (1, 1, "", "a key must be a plain name, not a list")
    ]


def test_aliases_and_merge_keys_work_and_written_keys_win() -> None:
    layout = parse_layout(
        "screens:\n"
        "  - name: a\n"
        "    match: &left {index: 0}\n"
        "    pages:\n"
        "      - &page {title: Pulse, duration: 45s}\n"
        "      - {<<: *page, title: Care}\n"
        "  - {name: b, match: {<<: *left, connector: HDMI-2}, pages: [*page]}\n"
    )
    first, second = layout.screens
    assert [(p.title, p.duration) for p in first.pages] == [("Pulse", 45), ("Care", 45)]
    assert (second.match.index, second.match.connector) == (0, "HDMI-2")


def test_merging_something_that_is_not_a_mapping_is_an_error() -> None:
    found = issues("screens: [{name: a, match: {<<: [1], any: true}, pages: [{title: P}]}]")
    assert found == [
        (1, 28, "screens[0].match", "<< merges a mapping (<<: *name) or a list of them")
    ]


SELF = "an alias (*name) refers to a mapping or list that contains it"


def test_an_alias_that_contains_itself_is_one_error() -> None:
    found = issues("screens: &loop [{name: a, match: {any: true}, pages: *loop}]\n")
    assert found == [(1, 10, "screens[0].pages", SELF)]


def test_a_mapping_that_merges_itself_is_one_error() -> None:
    assert issues("theme: &t {<<: *t}\n" + ONE_SCREEN) == [(1, 8, "theme", SELF)]


def test_nesting_deeper_than_any_layout_needs_is_an_error() -> None:
    found = issues("theme: " + "[" * 100 + "]" * 100 + "\n" + ONE_SCREEN)
    assert [(path, message) for _, _, path, message in found] == [
        ("theme", "expected a mapping (key: value)"),
        ("theme" + "[0]" * MAX_DEPTH, f"nested more than {MAX_DEPTH} levels deep"),
    ]


def test_an_alias_bomb_is_refused_quickly() -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 9)]
    started = time.perf_counter()
    document = read_document("\n".join(levels) + "\n", "bomb.yaml")
    assert time.perf_counter() - started < 5  # 10**9 values if expanded
    assert [issue.message for issue in document.issues] == [
        f"more than {MAX_VALUES} values: do aliases (*name) expand each other?"
    ]


def test_nesting_deeper_than_the_parser_allows_is_an_error() -> None:
    assert issues("screens: " + "[" * 5000 + "]" * 5000) == [
        (1, 1, "", f"YAML: nested too deeply (a layout needs fewer than {MAX_DEPTH} levels)")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: 1\n---\nb: 2\n", (2, 1, "", "YAML: but found another document")),
        ("screens:\n\t- a\n", (2, 1, "", "YAML: found character '\\t' that cannot start")),
        ("screens: [\x00]\n", (1, 11, "", "YAML: character '\\x00' is not allowed")),
        ("screens: [a\n", (2, 1, "", "YAML: expected ',' or ']', but got '<stream end>'")),
        ("- a\n- b\n", (1, 1, "", "the layout must be a mapping (theme:, sources:, screens:)")),
        ("# only a comment\n", (1, 1, "", "the layout is empty")),
        ("screens: !!binary aGk=\n", (1, 10, "screens", "YAML tag 'tag:yaml.org,2002:binary'")),
        ("!custom {}\n", (1, 1, "", "YAML tag '!custom' is not allowed in a layout")),
    ],
)
def test_unusable_yaml_is_one_issue_on_one_line(
    text: str, expected: tuple[int, int, str, str]
) -> None:
    found = issues(text)
    assert len(found) == 1, found
    line, col, path, message = found[0]
    assert (line, col, path) == expected[:3]
    assert message.startswith(expected[3]) and "\n" not in message


def test_a_file_that_is_not_utf8_is_one_issue(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("screens: [{name: caf\xe9}]".encode("latin-1"))
    with pytest.raises(LayoutError) as caught:
        load_layout(path)
    [issue] = caught.value.issues
    assert (issue.file, issue.line, issue.path) == (str(path), 1, "")
    assert issue.message.startswith("cannot read the file")


def test_environment_variables_fill_values_and_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_T_BRAND", "Hooli")
    monkeypatch.setenv("KIOSK_T_SCREEN", "lobby")
    layout = parse_layout(
        "theme: {brands: {'${env:KIOSK_T_BRAND}': '#112233'}}\n"
        "screens: [{name: '${env:KIOSK_T_SCREEN}-1', match: {any: true},"
        " pages: [{title: 'Hi ${env:KIOSK_T_BRAND}, ${env:KIOSK_T_BRAND}'}]}]\n"
    )
    assert layout.theme.brands == {"Hooli": "#112233"}
    assert layout.screens[0].name == "lobby-1"
    assert layout.screens[0].pages[0].title == "Hi Hooli, Hooli"


def test_a_missing_variable_is_reported_where_it_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KIOSK_T_UNSET", raising=False)
    found = issues(
        "screens:\n  - name: a\n    match: {any: true}\n"
        "    pages: [{title: 'x ${env:KIOSK_T_UNSET}'}]\n"
    )
    assert found == [
        (4, 21, "screens[0].pages[0].title", "environment variable KIOSK_T_UNSET is not set")
    ]


def test_environment_values_never_appear_in_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_T_TOKEN", "s3cr3t-token")
    with pytest.raises(LayoutError) as caught:
        parse_layout(
            "theme: {name: '${env:KIOSK_T_TOKEN}', scale: '${env:KIOSK_T_TOKEN}'}\n"
            "screens: [{name: 'x ${env:KIOSK_T_TOKEN}', match: {any: true}, pages: [{title: P,"
            " widgets: [{type: kpi, at: [0, 0, 1, 1], data: '${env:KIOSK_T_TOKEN}.rate'}]}]}]\n"
        )
    report = caught.value.render()
    assert len(caught.value.issues) == 4
    assert "s3cr3t" not in report
    assert report.count("${env:KIOSK_T_TOKEN}") == 4
