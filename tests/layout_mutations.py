"""Hostile layout files for fuzzing the loader: the shipped layouts, mutated.

Shared by ``tests/test_config_fuzz.py`` (a short, deterministic run in the suite) and
``benchmarks/fuzz_layout.py`` (a long run that counts and keeps what escapes). A mutated layout
is bytes, as a file on disk is: values replaced (numbers of every awkward kind, text, nothing),
keys deleted, duplicated or nested, subtrees swapped, the bytes truncated or sprinkled with
garbage. The loader must answer each with a Layout or a LayoutError, and nothing else.
"""

from __future__ import annotations

import copy
import re
import shutil
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from kiosk.config import Layout, LayoutError, load_layout

ROOT = Path(__file__).resolve().parents[1]
SEED_FILES = [*sorted((ROOT / "layouts").glob("*.yaml")), ROOT / "benchmarks" / "soak.yaml"]
SEEDS: list[Any] = [yaml.safe_load(path.read_text(encoding="utf-8")) for path in SEED_FILES]

# Written into the YAML text as they are, so that the loader's own reading of them is tested.
RAW_NUMBERS = [
    ".nan", ".NaN", ".inf", "-.inf", "nan", "inf", "1e400", "3.5e400", "-1e400", "1e-9", "1e309",
    "-1", "0", "-0.0", "0.0000001", "1e15", "1e16", "2147483648", "18446744073709551616",
    "9" * 4300, "9" * 4301, "1" * 10_000, "0x" + "f" * 60, "0o777", "0b101", "1_000_000",
    "190:20:30", "2026-13-45", "2026-02-30", "9999-12-31T23:59:59", "~", "-", "25h", "1e-9s",
    "1" * 200 + "s", "0ms", "-5m", "1d23h59m59s999ms", "1h" * 50,
]  # fmt: skip
SPECIAL_TEXT = [
    "", " ", "\t", "${env:NOPE_NOT_SET}", "${env:HOME}", "../../etc/passwd", "/etc/passwd",
    "~/x.csv", "a\x00b", "((((((((((((((((((((((((((((((", "x" * 5000, "&anchor", "*alias",
    "!!python/object:os.system", "{", "[", "'", '"', "#", "é", "\u202e", "\U0001f600",
]  # fmt: skip
TAGS = ["!!int", "!!float", "!!bool", "!!timestamp", "!!map", "!!seq", "!!str", "!!null",
        "!!binary", "!!set", "!!omap", "!custom", "!!python/name:os.system"]  # fmt: skip

_NUMBER = re.compile(rb"(?<![\w.])\d+(?:\.\d+)?(?:ms|s|m|h|d)?(?![\w.])")

scalars = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(SPECIAL_TEXT),
    st.text(max_size=30),
    st.booleans(),
    st.none(),
    st.just([]),
    st.just({}),
)


def _places(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value in ``data`` (the root is ``()``)."""
    found = [path]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _places(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _places(value, (*path, index))
    return found


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def _set(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    _get(data, path[:-1])[path[-1]] = value
    return data


@st.composite
def mutated_data(draw: st.DrawFn) -> Any:
    """A shipped layout with one to four structural mutations."""
    data = copy.deepcopy(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        places = _places(data)
        path = draw(st.sampled_from(places))
        action = draw(st.sampled_from(["replace", "delete", "nest", "swap", "rename"]))
        if action == "replace" or not path:
            data = _set(data, path, draw(scalars))
        elif action == "delete":
            parent = _get(data, path[:-1])
            del parent[path[-1]]
        elif action == "nest":
            value = _get(data, path)
            data = _set(data, path, draw(st.sampled_from([[value], {"x": value}, [[[value]]]])))
        elif action == "swap":
            other = draw(st.sampled_from(places))
            if other[: len(path)] != path and path[: len(other)] != other:
                data = _set(data, path, copy.deepcopy(_get(data, other)))
        else:
            parent = _get(data, path[:-1])
            if isinstance(parent, dict):
                parent[draw(st.text(max_size=12))] = parent.pop(path[-1])
    return data


@st.composite
def layout_files(draw: st.DrawFn) -> bytes:
    """The bytes of a mutated layout file."""
    text = yaml.safe_dump(draw(mutated_data()), sort_keys=False, allow_unicode=True)
    raw = text.encode("utf-8")
    for _ in range(draw(st.integers(0, 3))):
        raw = draw(_text_mutation(raw))
    return raw


@st.composite
def _text_mutation(draw: st.DrawFn, raw: bytes) -> bytes:
    action = draw(st.sampled_from(["number", "tag", "duplicate", "truncate", "bytes", "alias"]))
    if action == "number":  # a written number, unquoted, as YAML would read it
        spots = list(_NUMBER.finditer(raw))
        if spots:
            spot = draw(st.sampled_from(spots))
            number = draw(st.sampled_from(RAW_NUMBERS)).encode()
            return raw[: spot.start()] + number + raw[spot.end() :]
        return raw
    lines = raw.split(b"\n")
    at = draw(st.integers(0, max(0, len(lines) - 1)))
    if action == "tag":  # an explicit tag in front of a value
        line, tag = lines[at], draw(st.sampled_from(TAGS)).encode()
        colon = line.find(b": ")
        if colon >= 0:
            lines[at] = line[: colon + 2] + tag + b" " + line[colon + 2 :]
        elif line.endswith(b":"):  # before a block, or with nothing at all
            lines[at] = line + b" " + tag
        return b"\n".join(lines)
    if action == "duplicate":  # a key written twice, or a whole block twice
        count = draw(st.integers(1, 5))
        return b"\n".join(lines[: at + count] + lines[at : at + count] + lines[at + count :])
    if action == "truncate":
        return raw[: draw(st.integers(0, len(raw)))]
    if action == "alias":  # an anchor on one value, an alias to it elsewhere
        other = draw(st.integers(0, max(0, len(lines) - 1)))
        for index, mark in ((at, b"&a "), (other, b"*a")):
            line = lines[index]
            colon = line.find(b": ")
            if colon >= 0:
                rest = line[colon + 2 :] if mark.startswith(b"&") else b""
                lines[index] = line[: colon + 2] + mark + rest
        return b"\n".join(lines)
    start = draw(st.integers(0, len(raw)))
    garbage = draw(st.binary(min_size=1, max_size=64))
    return raw[:start] + garbage + raw[start + draw(st.integers(0, 8)) :]


def prepare_folder(folder: Path) -> Path:
    """A layout folder with the files the shipped layouts refer to; the layout file's path."""
    for path in (ROOT / "layouts").rglob("*"):
        if path.is_file() and path.suffix != ".yaml":
            target = folder / path.relative_to(ROOT / "layouts")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    return folder / "layout.yaml"


def load_bytes(raw: bytes, layout_file: Path) -> Layout | LayoutError:
    """``load_layout`` on ``raw`` written to ``layout_file``: a Layout or the LayoutError.

    Anything else it raises is an escape, and propagates.
    """
    layout_file.write_bytes(raw)
    try:
        return load_layout(layout_file)
    except LayoutError as error:
        return error
