"""Layout errors: collected, then reported together as ``file:line:col  key.path  message``.

Pydantic's errors are translated here too: its ``loc`` tuples carry union tags (``'timeseries'``)
and validator names that are not part of the layout, so they are mapped back onto the data by
walking the model and the data side by side.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import pydantic
from pydantic import BaseModel

from kiosk.config.layout import NAME_PATTERN
from kiosk.config.types import HEX_COLOUR, format_duration, is_duration
from kiosk.config.widgets import WIDGET_OPTIONS
from kiosk.sources import SOURCES

if TYPE_CHECKING:
    from kiosk.config.loader import Document

DataPath = tuple[Any, ...]
"""Keys and list indexes from the top of the layout down to one value."""


@dataclass(frozen=True, slots=True, order=True)
class LayoutIssue:
    """One thing wrong with a layout, and exactly where (1-based line and column)."""

    file: str
    line: int
    col: int
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}  {self.path or '(top)'}  {self.message}"


class LayoutError(Exception):
    """A layout that cannot be used; carries every issue found, not only the first."""

    def __init__(self, issues: Iterable[LayoutIssue]) -> None:
        self.issues = sorted(set(issues), key=lambda i: (i.file, i.line, i.col, i.path, i.message))
        super().__init__(self.render())

    def render(self) -> str:
        """The whole report: one line per issue, sorted by position, then a count."""
        count = len(self.issues)
        lines = [str(issue) for issue in self.issues]
        lines.append(
            f"{count} error{'s' if count != 1 else ''} in the layout; nothing was changed."
        )
        return "\n".join(lines)


def format_path(path: DataPath) -> str:
    """``('screens', 0, 'pages')`` → ``screens[0].pages``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'data'?)`` for a close match, else the valid choices, else nothing."""
    options = sorted(set(choices))
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if close:
        return f" (did you mean {close[0]!r}?)"
    if options and len(options) <= 30:
        return f"; expected one of: {', '.join(options)}"
    return ""


def translate(
    error: pydantic.ValidationError, document: Document, model: type[BaseModel]
) -> list[LayoutIssue]:
    """Pydantic's errors as layout issues, at the key or value each one is about."""
    issues = []
    for detail in error.errors(include_url=False):
        path, owner = data_path(detail["loc"], document.data, model)
        issues.append(_describe(detail, path, owner, document))
    return issues


def data_path(loc: tuple[int | str, ...], data: Any, model: Any) -> tuple[DataPath, Any]:
    """Map pydantic's ``loc`` onto the data: union tags and validator names are dropped.

    Returns the path and the model that owns its last key (for "did you mean" on unknown keys).
    """
    path: list[Any] = []
    annotation, current, owner = model, data, model
    for part in loc:
        annotation, members = _resolve(annotation)
        if members is not None and part in members and _tag_of(current) == part:
            annotation = members[part]  # pydantic's tag for the union member: not in the data
            continue
        if _is_model(annotation):
            fields = _field_names(annotation)
            if part in fields:
                owner = annotation
                path.append(part)
                annotation, current = fields[part], _child(current, part)
            elif _has(current, part):  # an unknown key: written, though not a field
                owner = annotation
                path.append(part)
                annotation, current = None, _child(current, part)
            continue  # otherwise a validator's name
        if _has(current, part):
            path.append(part)
            annotation, current = _item_annotation(annotation, part), _child(current, part)
        elif isinstance(current, dict) and isinstance(part, str) and annotation is None:
            path.append(part)  # a missing key below an unknown model: still name it
            current = None
        # anything else is a union member's label such as 'int' or 'function-after[...]'
    return tuple(path), owner


def _resolve(annotation: Any) -> tuple[Any, dict[Any, Any] | None]:
    """Strip Annotated and Optional; for a tagged union, also give its members by tag."""
    tagged = False
    while typing.get_origin(annotation) is typing.Annotated:
        args = typing.get_args(annotation)
        tagged = tagged or any(getattr(meta, "discriminator", None) for meta in args[1:])
        annotation = args[0]
    if typing.get_origin(annotation) in (typing.Union, type(int | None)):
        members = [m for m in typing.get_args(annotation) if m is not type(None)]
        if len(members) == 1:
            annotation = members[0]
        elif all(_is_model(m) and _literal_tag(m) for m in members):
            return annotation, {_literal_tag(m): m for m in members}
        else:
            return None, None  # an untagged union: follow the data alone
    if tagged and _is_model(annotation) and _literal_tag(annotation):
        return annotation, {_literal_tag(annotation): annotation}
    return annotation, None


def _literal_tag(model: Any) -> str:
    """The value of the model's ``type: Literal[...]`` field, or "" when it has none."""
    field = model.model_fields.get("type")
    if field is None:
        return ""
    if isinstance(field.default, str):
        return field.default
    values = typing.get_args(field.annotation)
    literal = typing.get_origin(field.annotation) is typing.Literal and len(values) == 1
    return str(values[0]) if literal else ""


def _tag_of(value: Any) -> Any:
    return value.get("type") if isinstance(value, dict) else None


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _field_names(model: type[BaseModel]) -> dict[str, Any]:
    """Field annotations by the key the layout writes (the alias, when there is one)."""
    names: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        annotation: Any = field.annotation
        if field.discriminator:  # Field(discriminator=...) on the field itself
            annotation = typing.Annotated[annotation, pydantic.Field(discriminator="type")]
        names[field.alias or name] = annotation
    return names


def _item_annotation(annotation: Any, part: Any) -> Any:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is list and args:
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    if origin is tuple and args:
        if len(args) == 2 and args[1] is Ellipsis:
            return args[0]
        return args[part] if isinstance(part, int) and 0 <= part < len(args) else None
    return None


def _has(container: Any, part: Any) -> bool:
    if isinstance(container, dict):
        return isinstance(part, str | int) and part in container
    return isinstance(container, list) and isinstance(part, int) and 0 <= part < len(container)


def _child(container: Any, part: Any) -> Any:
    return container[part] if _has(container, part) else None


def _child_keys(data: Any, path: DataPath) -> list[str]:
    for part in path:
        data = _child(data, part)
    return [str(key) for key in data] if isinstance(data, dict) else []


def _describe(detail: Any, path: DataPath, owner: Any, document: Document) -> LayoutIssue:
    kind = detail["type"]
    context = detail.get("ctx", {})
    if kind == "extra_forbidden":
        key = str(path[-1]) if path else ""
        valid = _field_names(owner) if _is_model(owner) else {}
        return document.issue(path, f"unknown key {key!r}{did_you_mean(key, valid)}")
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return _describe_tag(kind, context, path, document)
    if kind == "missing":
        too_short = bool(detail["loc"]) and isinstance(detail["loc"][-1], int)
        return document.issue(path, _missing_message(detail["loc"], path), at_value=too_short)
    if kind in _OUT_OF_RANGE and (expected := _expected_range(owner, path)):
        written = _child_keys_value(document.data, path)
        shown = written if isinstance(written, str) else _short_repr(written)
        return document.issue(path, f"expected {expected} (got {shown})", at_value=True)
    return document.issue(path, _value_message(detail, kind, context), at_value=True)


_OUT_OF_RANGE = {
    "finite_number",
    "greater_than",
    "greater_than_equal",
    "less_than",
    "less_than_equal",
}


def _expected_range(owner: Any, path: DataPath) -> str:
    """``a duration from 1s to 24h``, ``a number from 0 to 100``: what the field declares.

    Empty when the field is not found or declares no range (the plain message is used then).
    """
    names = [part for part in path if isinstance(part, str)]
    if not _is_model(owner) or not names:
        return ""
    field = next((f for n, f in owner.model_fields.items() if (f.alias or n) == names[-1]), None)
    if field is None:
        return ""
    bounds = _bounds([*field.metadata, *_nested_metadata(field.annotation)])
    if bounds is None:
        return ""
    low, high = bounds
    if is_duration(field.annotation, field.metadata):
        return f"a duration from {format_duration(low)} to {format_duration(high)}"
    whole = int in (field.annotation, *typing.get_args(field.annotation))
    return f"{'a whole number' if whole else 'a number'} from {low:g} to {high:g}"


def _nested_metadata(annotation: Any) -> list[Any]:
    """Metadata of every ``Annotated`` inside ``annotation`` (optional and tuple items too)."""
    found: list[Any] = []
    if typing.get_origin(annotation) is typing.Annotated:
        found.extend(typing.get_args(annotation)[1:])
    for arg in typing.get_args(annotation):
        if not isinstance(arg, pydantic.fields.FieldInfo):
            found.extend(_nested_metadata(arg))
        else:
            found.extend(arg.metadata)
    return found


def _bounds(metadata: list[Any]) -> tuple[float, float] | None:
    low = high = None
    for meta in metadata:
        low = next((getattr(meta, k) for k in ("ge", "gt") if hasattr(meta, k)), low)
        high = next((getattr(meta, k) for k in ("le", "lt") if hasattr(meta, k)), high)
    return None if low is None or high is None else (float(low), float(high))


def _child_keys_value(data: Any, path: DataPath) -> Any:
    for part in path:
        data = _child(data, part)
    return data


def _short_repr(value: Any) -> str:
    try:
        shown = repr(value)
    except ValueError:  # an int beyond Python's 4,300-digit limit for str()
        return "a number too long to show"
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _missing_message(loc: tuple[int | str, ...], path: DataPath) -> str:
    if loc and isinstance(loc[-1], int):  # a list or tuple that ends too early
        return f"too few items: item [{loc[-1]}] is missing"
    return f"{path[-1]!r} is required" if path else "a value is required"


def _describe_tag(kind: str, context: Any, path: DataPath, document: Document) -> LayoutIssue:
    what = "source" if path[:1] == ("sources",) else "widget"
    known = list(SOURCES if what == "source" else WIDGET_OPTIONS)
    if kind == "union_tag_not_found":
        message = f"a {what} needs a type: one of {', '.join(sorted(known))}"
        written = _child_keys(document.data, path)
        typo = difflib.get_close_matches("type", written, n=1, cutoff=0.6)
        return document.issue(path, message + (f" ({typo[0]!r} is not 'type')" if typo else ""))
    tag = str(context.get("tag"))
    message = f"unknown {what} type {tag!r}{did_you_mean(tag, known)}"
    return document.issue((*path, "type"), message, at_value=True)


_FRIENDLY = {
    "dict_type": "expected a mapping (key: value)",
    "model_type": "expected a mapping (key: value)",
    "model_attributes_type": "expected a mapping (key: value)",
    "list_type": "expected a list",
    "tuple_type": "expected a list",
}


def _value_message(detail: Any, kind: str, context: Any) -> str:
    message = _FRIENDLY.get(kind) or str(detail["msg"]).removeprefix("Value error, ")
    given = detail.get("input")
    if kind == "literal_error":
        choices = [
            c.strip(" '") for c in str(context.get("expected", "")).replace(" or ", ",").split(",")
        ]
        return f"{given!r} is not allowed{did_you_mean(str(given), choices)}"
    if kind == "too_short" and isinstance(context.get("min_length"), int):
        count = context["min_length"]
        return f"needs at least {count} item{'s' if count != 1 else ''}"
    if kind == "string_type" and isinstance(given, int | float | bool | date):
        return "expected text: YAML read this as a number, a date or true/false; quote it"
    if kind == "string_pattern_mismatch":
        message = {
            HEX_COLOUR: "expected a colour such as #4f8cff",
            NAME_PATTERN: "use letters, digits, - and _, starting with a letter",
        }.get(context.get("pattern"), message)
    if isinstance(given, int | float | str) and not isinstance(given, bool):
        shown = _short_repr(given)
        if shown not in message:
            message = f"{message} (got {shown})"
    return message
