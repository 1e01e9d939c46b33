"""Layout files made to hurt: each is one clear, positioned error, quickly, in bounded memory."""

from __future__ import annotations

import os
import time
import tracemalloc
from pathlib import Path

import pytest

from kiosk.config import LayoutError, load_layout, parse_layout
from kiosk.config.loader import MAX_BYTES

# Run alone, after the parallel part of `make test` (tests on the other worker would lend it their
# load): a hostile layout is refused within a time bound.
pytestmark = pytest.mark.serial


def refused(path: Path) -> list[tuple[int, int, str, str]]:
    with pytest.raises(LayoutError) as caught:
        load_layout(path)
    return [(i.line, i.col, i.path, i.message) for i in caught.value.issues]


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as file:  # 50 MB of valid YAML: minutes and gigabytes to parse
        file.write(b"screens:\n")
        file.write(b"  - {name: a, match: {any: true}, pages: [{title: P}]}\n" * 900_000)
    tracemalloc.start()
    began = time.perf_counter()
    found = refused(path)
    elapsed = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    size = path.stat().st_size
    assert found == [
        (1, 1, "", f"cannot read the file: {size:,} bytes; a layout is at most {MAX_BYTES:,}")
    ]
    assert elapsed < 0.5 and peak < 2 * 2**20


def test_a_file_at_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    text = "screens: [{name: a, match: {any: true}, pages: [{title: P}]}]\n"
    path.write_text(text + "#" * (MAX_BYTES - len(text) - 1) + "\n")
    assert load_layout(path).screens[0].name == "a"


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda folder: folder, "Is a directory"),
        (lambda folder: Path("/dev/zero"), "not a regular file"),
        (lambda folder: (os.mkfifo(folder / "f.yaml"), folder / "f.yaml")[1], "not a regular file"),
        (lambda folder: folder / "missing.yaml", "No such file or directory"),
    ],
    ids=["directory", "device", "fifo", "missing"],
)
def test_what_is_not_a_layout_file_is_one_error_at_once(
    tmp_path: Path, make: object, reason: str
) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    began = time.perf_counter()
    [(line, col, key, message)] = refused(path)
    assert (line, col, key) == (1, 1, "") and reason in message
    assert time.perf_counter() - began < 1  # a FIFO with no writer is not waited on


def test_invalid_utf8_is_placed_where_the_bad_byte_is(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"theme: {name: dark}\nscreens: [{name: caf\xe9}]\n")
    assert refused(path) == [(2, 21, "", "cannot read the file: not UTF-8 text (byte 0xe9 here)")]


def test_binary_garbage_is_an_error_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "garbage.yaml"
    path.write_bytes(bytes(range(256)) * 64)
    [(_, _, _, message)] = refused(path)
    assert message.startswith("cannot read the file: not UTF-8")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-13-45", "'2026-13-45' is not a valid timestamp (quote it if it is text)"),
        ("!!bool maybe", "'maybe' is not a valid bool (quote it if it is text)"),
        ("!!int", "'' is not a valid int (quote it if it is text)"),
        ("!!float x", "'x' is not a valid float (quote it if it is text)"),
        ("!!timestamp soon", "'soon' is not a valid timestamp (quote it if it is text)"),
        ("!!map x", "YAML tag 'map' needs a mapping or a list, not text"),
    ],
)
def test_values_pyyaml_would_raise_on_are_positioned_errors(value: str, message: str) -> None:
    text = f"screens: [{{name: a, match: {{any: true}}, pages: [{{title: P}}]}}]\nx: {value}\n"
    with pytest.raises(LayoutError) as caught:
        parse_layout(text)
    assert (2, 4, "x", message) in [(i.line, i.col, i.path, i.message) for i in caught.value.issues]


def test_a_deeply_nested_jmespath_is_an_error_not_a_recursion_error() -> None:
    path = "(" * 5000 + "a" + ")" * 5000
    text = (
        f'sources: {{api: {{type: http_json, url: "http://x.invalid", '
        f'streams: {{a: {{kind: metric, path: "{path}"}}}}}}}}\n'
        "screens: [{name: a, match: {any: true}, pages: [{title: P}]}]\n"
    )
    with pytest.raises(LayoutError) as caught:
        parse_layout(text)
    [issue] = caught.value.issues
    assert issue.path == "sources.api.streams.a.path"
    assert issue.message.startswith("not a JMESPath expression: nested too deeply")
