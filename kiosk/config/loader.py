"""YAML to plain data, remembering where every key and value came from.

The document is composed with PyYAML's safe loader (no object construction) and converted by
hand, so each key path gets its (line, column) and duplicate keys are caught instead of the last
one silently winning. ``${env:NAME}`` in strings is filled from the environment here, and only
here: the values never reach a schema dump or a log line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from kiosk.config.errors import LayoutIssue

Path_ = tuple[str | int, ...]
# Plain data only: no !!python/... or custom tags, which a layout has no use for.
_STANDARD_TAGS = tuple(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp", "merge")
)
_ENV = re.compile(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True, slots=True)
class Position:
    line: int
    col: int


@dataclass
class Document:
    """Plain data from a layout file, with a position for every key path in it."""

    filename: str
    data: Any
    keys: dict[Path_, Position] = field(default_factory=dict)
    values: dict[Path_, Position] = field(default_factory=dict)
    issues: list[LayoutIssue] = field(default_factory=list)

    def key_position(self, path: Path_) -> Position:
        """Where ``path`` is written (its key), or the nearest enclosing place that is."""
        for end in range(len(path), -1, -1):
            found = self.keys.get(path[:end]) or self.values.get(path[:end])
            if found is not None:
                return found
        return Position(1, 1)

    def value_position(self, path: Path_) -> Position:
        return self.values.get(path) or self.key_position(path)

    def issue(self, path: Path_, message: str, *, at_value: bool = False) -> LayoutIssue:
        where = self.value_position(path) if at_value else self.key_position(path)
        return LayoutIssue(self.filename, where.line, where.col, format_path(path), message)


def format_path(path: Path_) -> str:
    """``('screens', 0, 'pages')`` → ``screens[0].pages``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def read_document(text: str, filename: str) -> Document:
    """Parse ``text``; syntax errors and duplicate keys land in ``Document.issues``."""
    document = Document(filename, None)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = error.problem or str(error)
        context = f" ({error.context})" if error.context else ""
        document.issues.append(LayoutIssue(filename, line, col, "", f"YAML: {problem}{context}"))
        return document
    except yaml.YAMLError as error:
        document.issues.append(LayoutIssue(filename, 1, 1, "", f"YAML: {error}"))
        return document
    if node is None:
        document.issues.append(LayoutIssue(filename, 1, 1, "", "the layout is empty"))
        return document
    document.data = _convert(node, (), document)
    if not isinstance(document.data, Mapping):
        document.issues.append(
            LayoutIssue(
                filename, 1, 1, "", "the layout must be a mapping (theme:, sources:, screens:)"
            )
        )
    return document


def _mark(node: yaml.Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


def _convert(node: yaml.Node, path: Path_, document: Document) -> Any:
    document.values[path] = _mark(node)
    if node.tag not in _STANDARD_TAGS:
        document.issues.append(
            document.issue(path, f"YAML tag {node.tag!r} is not allowed in a layout", at_value=True)
        )
        return None
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _convert(key_node, path, document)
            if isinstance(key, list | dict):
                document.issues.append(document.issue(path, "a key must be a plain value"))
                continue
            key_path = (*path, key)
            if key in result:
                first = document.keys[key_path]
                document.keys[key_path] = _mark(key_node)
                document.issues.append(
                    document.issue(key_path, f"duplicate key {key!r} (first at line {first.line})")
                )
            document.keys[key_path] = _mark(key_node)
            result[key] = _convert(value_node, key_path, document)
        document.values[path] = _mark(node)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            document.keys[(*path, index)] = _mark(item)
            items.append(_convert(item, (*path, index), document))
        document.values[path] = _mark(node)
        return items
    value = yaml.SafeLoader(b"").construct_object(node)  # scalars only: safe tags
    if isinstance(value, str):
        value = _substitute_env(value, path, document)
    return value


def _substitute_env(text: str, path: Path_, document: Document) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            document.issues.append(
                document.issue(path, f"environment variable {name} is not set", at_value=True)
            )
            return ""
        return os.environ[name]

    return _ENV.sub(replace, text)
