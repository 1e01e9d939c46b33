"""From layout text to a validated :class:`Layout`, or every error at once.

Two passes over the same document: pydantic checks types and keys, then cross-field checks
(stream names and kinds, placements, duplicate names) run on the raw data, so a typo in one
widget does not hide a bad stream in the next one.
"""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any

import pydantic
from pydantic import BaseModel

from kiosk.config.check import cross_check
from kiosk.config.errors import LayoutError, LayoutIssue, did_you_mean
from kiosk.config.layout import Layout
from kiosk.config.loader import Document, Path_, read_document
from kiosk.config.widgets import WIDGET_OPTIONS
from kiosk.sources import SOURCES


def load_layout(path: str | Path) -> Layout:
    """Read and validate a layout file.

    Raises:
        LayoutError: with every issue found (an unreadable file is one issue at line 1).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        issue = LayoutIssue(str(path), 1, 1, "", f"cannot read the file: {reason}")
        raise LayoutError([issue]) from None
    return parse_layout(text, str(path))


def parse_layout(text: str, filename: str = "<layout>") -> Layout:
    """Validate layout text; raises :class:`LayoutError` listing every issue."""
    document = read_document(text, filename)
    issues = list(document.issues)
    if not isinstance(document.data, dict):
        raise LayoutError(issues)
    layout: Layout | None = None
    try:
        base = Path(filename).resolve().parent if filename != "<layout>" else Path.cwd()
        layout = Layout.model_validate(document.data, context={"base": base})
    except pydantic.ValidationError as error:
        issues.extend(_translate(error, document))
    issues.extend(cross_check(document))
    if issues or layout is None:
        raise LayoutError(issues)
    return layout


def _translate(error: pydantic.ValidationError, document: Document) -> list[LayoutIssue]:
    issues = []
    for detail in error.errors(include_url=False):
        path = _data_path(detail["loc"], document.data)
        issues.append(_describe(detail, path, document))
    return issues


def _data_path(loc: tuple[int | str, ...], data: Any) -> Path_:
    """Map pydantic's ``loc`` onto the data, dropping union tags and validator names."""
    path: list[str | int] = []
    current = data
    for part in loc:
        if _has(current, part):
            current = current[part]
        elif isinstance(current, dict) and isinstance(part, str) and _is_field_name(part):
            current = None  # a missing or unknown key: named, though not in the data
        else:
            continue  # a union tag or a validator name
        path.append(part)
    return tuple(path)


def _has(container: Any, part: int | str) -> bool:
    if isinstance(container, dict):
        return part in container
    return isinstance(container, list) and isinstance(part, int) and 0 <= part < len(container)


def _is_field_name(part: str) -> bool:
    # Union tags are widget/source type names; function-validator names contain brackets.
    return part not in WIDGET_OPTIONS and part not in SOURCES and "[" not in part


def _describe(detail: Any, path: Path_, document: Document) -> LayoutIssue:
    kind = detail["type"]
    context = detail.get("ctx", {})
    what = "source" if path[:1] == ("sources",) else "widget"
    if kind == "extra_forbidden":
        key = str(path[-1])
        return document.issue(
            path, f"unknown key {key!r}{did_you_mean(key, _fields_at(path, document.data))}"
        )
    if kind == "union_tag_invalid":
        tag = str(context.get("tag"))
        known = SOURCES if what == "source" else WIDGET_OPTIONS
        return document.issue(
            (*path, "type"), f"unknown {what} type {tag!r}{did_you_mean(tag, known)}", at_value=True
        )
    if kind == "union_tag_not_found":
        names = ", ".join(sorted(SOURCES if what == "source" else WIDGET_OPTIONS))
        return document.issue(path, f"a {what} needs a type: one of {names}")
    if kind == "missing":
        return document.issue(path, f"{path[-1]!r} is required")
    message = str(detail["msg"]).removeprefix("Value error, ")
    if kind == "literal_error":
        given = detail.get("input")
        choices = [
            c.strip(" '") for c in str(context.get("expected", "")).replace(" or ", ",").split(",")
        ]
        message = f"{given!r} is not allowed{did_you_mean(str(given), choices)}"
    given = detail.get("input")
    if (
        isinstance(given, int | float | str)
        and not isinstance(given, bool)
        and kind != "literal_error"
    ):
        message = f"{message} (got {given!r})"
    return document.issue(path, message, at_value=True)


def _fields_at(path: Path_, data: Any) -> list[str]:
    """The keys the model accepts where ``path`` (an unknown key) was written."""
    model: Any = Layout
    current = data
    for part in path[:-1]:
        current = current[part] if _has(current, part) else None
        model = _descend(model, part, current)
        if model is None:
            return []
    return (
        list(model.model_fields) if isinstance(model, type) and issubclass(model, BaseModel) else []
    )


def _descend(model: Any, part: str | int, value: Any) -> Any:
    if typing.get_origin(model) in (list, dict):
        return _unwrap(typing.get_args(model)[-1], value)
    if isinstance(model, type) and issubclass(model, BaseModel):
        field = model.model_fields.get(str(part))
        return _unwrap(field.annotation, value) if field else None
    return None


def _unwrap(annotation: Any, value: Any) -> Any:
    """Through list/dict/Optional/Annotated/union down to the model that ``value`` belongs to."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0], value)
    if origin in (list, dict):
        return annotation  # the next path part (index or key) is resolved by _descend
    if origin in (typing.Union, type(int | None)):
        members = [m for m in typing.get_args(annotation) if m is not type(None)]
        tag = value.get("type") if isinstance(value, dict) else None
        for member in members:
            fields = getattr(member, "model_fields", {})
            if "type" in fields and fields["type"].default == tag:
                return member
        return members[0] if len(members) == 1 else None
    return annotation
