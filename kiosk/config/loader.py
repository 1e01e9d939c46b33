"""From layout text to a validated :class:`Layout`, or every error at once.

The document is composed with PyYAML's safe loader (no object construction) and converted by
hand, so each key path gets its (line, column) and duplicate keys are caught instead of the last
one silently winning. ``${env:NAME}`` in strings is filled from the environment here, and only
here; the values never reach a schema dump, and an error message that would quote one shows
``${env:NAME}`` instead.

Then two passes over the same data: pydantic checks types and keys, and cross-field checks
(stream names and kinds, placements, duplicate names) run on the raw data, so a typo in one
widget does not hide a bad stream in the next one.
"""

from __future__ import annotations

import dataclasses
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pydantic
import yaml

from kiosk.config.check import cross_check
from kiosk.config.errors import DataPath, LayoutError, LayoutIssue, format_path, translate
from kiosk.config.layout import Layout, layout_model
from kiosk.redaction import register_secret
from kiosk.sources import SOURCES

__all__ = [
    "Document",
    "Path_",
    "format_path",
    "load_layout",
    "parse_layout",
    "read_document",
    "read_layout_text",
]

Path_ = DataPath  # the name this module exported before DataPath moved to errors.py

# Plain data only: no !!python/... or custom tags, which a layout has no use for.
_STANDARD_TAGS = tuple(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp", "merge")
)
_MERGE_TAG = "tag:yaml.org,2002:merge"
_COLLECTION_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
_ENV = re.compile(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}")
_SCALARS = yaml.constructor.SafeConstructor()  # scalar constructors keep no state

MAX_BYTES = 512 * 1024
"""The largest layout file read. The demo wall's is 4 KiB, and a wall of 16 screens of 10 pages
about 250 KiB. PyYAML (pure Python, for its error marks) composes about 100 KiB a second and
takes some 300 MiB per MiB of small values, so a 50 MB file would take minutes and gigabytes;
at this size the worst measured (170,000 one-digit numbers) is 6 s and 170 MiB more."""
MAX_NUMBER_LENGTH = 100
"""Characters of a number: a float holds 17 significant digits, and Python refuses to turn more
than 4,300 into an int at all."""
MAX_DEPTH = 64
"""Deeper nesting than any layout needs (PyYAML itself gives up at a few hundred)."""
MAX_VALUES = 100_000
"""Values after alias expansion: bounds a "billion laughs" file to a fraction of a second."""
SHORTEST_REDACTED = 4
"""Shorter environment values are not redacted: replacing "1" in a message would garble it."""


@dataclass(frozen=True, slots=True)
class Position:
    line: int
    col: int


@dataclass
class Document:
    """Plain data from a layout file, with a position for every key path in it."""

    filename: str
    data: Any
    keys: dict[DataPath, Position] = field(default_factory=dict)
    values: dict[DataPath, Position] = field(default_factory=dict)
    issues: list[LayoutIssue] = field(default_factory=list)
    env_values: dict[str, str] = field(default_factory=dict)  # value → variable name
    converted: int = 0
    open_nodes: set[int] = field(default_factory=set)  # ids of the nodes being converted
    context: dict[str, Any] = field(default_factory=dict)  # for validators: base, allowed

    def key_position(self, path: DataPath) -> Position:
        """Where ``path`` is written (its key), or the nearest enclosing place that is."""
        for end in range(len(path), -1, -1):
            found = self.keys.get(path[:end]) or self.values.get(path[:end])
            if found is not None:
                return found
        return Position(1, 1)

    def value_position(self, path: DataPath) -> Position:
        return self.values.get(path) or self.key_position(path)

    def issue(self, path: DataPath, message: str, *, at_value: bool = False) -> LayoutIssue:
        """An issue at ``path`` (its key, or its value), with environment values hidden."""
        where = self.value_position(path) if at_value else self.key_position(path)
        shown_path, shown_message = self.redact(format_path(path)), self.redact(message)
        return LayoutIssue(self.filename, where.line, where.col, shown_path, shown_message)

    def redact(self, text: str) -> str:
        """``text`` with every environment value that went into the layout shown by name."""
        for value in sorted(self.env_values, key=len, reverse=True):
            if len(value) >= SHORTEST_REDACTED:
                text = text.replace(value, f"${{env:{self.env_values[value]}}}")
        return text

    def covers(self, issue: LayoutIssue) -> bool:
        """True when a loading issue already explains ``issue`` (same value or one inside it)."""
        for reported in self.issues:
            if reported.path and (
                issue.path == reported.path
                or issue.path.startswith((reported.path + ".", reported.path + "["))
            ):
                return True
        return False


def load_layout(path: str | Path) -> Layout:
    """Read and validate a layout file.

    Raises:
        LayoutError: with every issue found (an unreadable file is one issue at line 1).
    """
    path = Path(path)
    return parse_layout(read_layout_text(path), str(path))


def read_layout_text(path: Path) -> str:
    """The text of a layout file, read only if it is a regular file of at most ``MAX_BYTES``.

    Raises:
        LayoutError: one issue at line 1 saying why the file cannot be read.
    """

    def refuse(reason: str) -> LayoutError:
        return LayoutError([LayoutIssue(str(path), 1, 1, "", f"cannot read the file: {reason}")])

    try:
        # Opened once, so what is checked is what is read; non-blocking, so a FIFO is refused
        # rather than waited on (it changes nothing for a regular file).
        with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as file:
            info = os.fstat(file.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise refuse("not a regular file (a layout is a YAML text file)")
            if info.st_size > MAX_BYTES:
                raise refuse(f"{info.st_size:,} bytes; a layout is at most {MAX_BYTES:,}")
            data = file.read(MAX_BYTES + 1)  # it may have grown since
    except OSError as error:
        raise refuse(error.strerror or str(error)) from None
    if len(data) > MAX_BYTES:
        raise refuse(f"more than {MAX_BYTES:,} bytes; a layout is at most {MAX_BYTES:,}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        before = data[: error.start]
        line, col = before.count(b"\n") + 1, error.start - (before.rfind(b"\n") + 1) + 1
        message = f"cannot read the file: not UTF-8 text (byte 0x{data[error.start]:02x} here)"
        raise LayoutError([LayoutIssue(str(path), line, col, "", message)]) from None


def parse_layout(text: str, filename: str = "<layout>") -> Layout:
    """Validate layout text.

    Args:
        text: the YAML layout.
        filename: shown in every issue; relative paths in the layout (images) resolve against
            its folder, or against the working directory for ``"<layout>"``.

    Raises:
        LayoutError: listing every issue found.
    """
    document = read_document(text, filename)
    if not isinstance(document.data, dict):
        raise LayoutError(_quote_hints(text, document.issues, filename))
    load_source_types(document.data)
    model = layout_model()
    base = Path(filename).resolve().parent if filename != "<layout>" else Path.cwd()
    document.context = {"base": base, "allowed": _allowed_folders(document.data, base)}
    layout: Layout | None = None
    later: list[LayoutIssue] = []
    try:
        layout = model.model_validate(document.data, context=document.context)
    except pydantic.ValidationError as error:
        later.extend(translate(error, document, model))
    later.extend(cross_check(document))
    issues = document.issues + [issue for issue in later if not document.covers(issue)]
    issues = _quote_hints(text, issues, filename)
    if issues or layout is None:
        raise LayoutError(issues)
    return layout


def load_source_types(data: dict[Any, Any]) -> None:
    """Import the source types a layout names, before its model is built: a wall loads those
    modules and no other: their option models and the union over them are most of it (issue
    #14's demo screen at 1080p on Xvfb, three alternating pairs: PSS 132.5/133.0/132.5 ->
    131.2/130.6/130.3 MB). A source that names no known type loads them all, so that its error
    lists every type and the nearest name."""
    sources = data.get("sources")
    if not isinstance(sources, dict):
        return
    named = [raw.get("type") if isinstance(raw, dict) else None for raw in sources.values()]
    if all(isinstance(name, str) and name in SOURCES for name in named):
        SOURCES.load(name for name in named if isinstance(name, str))
    else:
        SOURCES.load_all()


# Texts people write into a layout, where a "#" or "," of theirs is YAML's, not theirs.
_TEXT_KEYS = r"(?:title|headline|body|text|done|label|detail)"
# "title: Top #RailNord tags": " #" starts a comment; "#" followed by a letter is a hashtag.
_HASH_IN_TEXT = re.compile(rf"\b{_TEXT_KEYS}\s*:\s*([^\"'\s#][^\"'#\n]*?)\s(#[^\s#]\S*)")
_UNKNOWN_KEY = re.compile(r"^unknown key '([^']+)'")


def _quote_hints(text: str, issues: list[LayoutIssue], filename: str) -> list[LayoutIssue]:
    """Say "put the text in quotes" where a title's own # or , is what went wrong.

    A "#" after a space starts a YAML comment, so "title: Top #RailNord tags" is the title
    "Top" (and in {…} the closing brace is lost: a syntax error); a "," in {…} ends the value,
    so "title: Sales, Q4" makes "Q4" a key of its own. Both point at the line and say what to do.
    """
    lines = text.splitlines()
    hinted = []
    for issue in issues:
        line = lines[issue.line - 1] if 0 < issue.line <= len(lines) else ""
        unknown = _UNKNOWN_KEY.match(issue.message)
        if unknown and re.search(
            # "title: Sales, Q4}": the stray key has no value of its own (no ':' after it).
            rf"\b{_TEXT_KEYS}\s*:\s*[^\"',{{}}\n]*,\s*{re.escape(unknown.group(1))}\s*(?:[,}}\]]|$)",
            line,
        ):
            issue = dataclasses.replace(
                issue,
                message=f"{issue.message}: a ',' in a text ends it inside {{…}}; "
                "put the text in quotes",
            )
        hinted.append(issue)
    for number, line in enumerate(lines, 1):
        found = _HASH_IN_TEXT.search(line)
        if found is None:
            continue
        kept, comment = found.group(1).strip(), found.group(2)
        hinted.append(
            LayoutIssue(
                filename,
                number,
                found.start(2) + 1,
                "",
                f"'{comment}…' starts a YAML comment here, so the text stops at {kept!r}; "
                "put the text in quotes",
            )
        )
    return hinted


def _allowed_folders(data: dict[str, Any], base: Path) -> list[Path]:
    """The folders under ``files: allow:`` that can be named (the model checks the rest)."""
    files = data.get("files")
    allowed = files.get("allow") if isinstance(files, dict) else None
    folders = []
    for folder in allowed if isinstance(allowed, list) else []:
        try:
            folders.append((base / Path(folder).expanduser()).resolve())
        except (TypeError, ValueError, OSError, RuntimeError):
            continue  # not a path: the type pass says so
    return folders


def read_document(text: str, filename: str) -> Document:
    """Parse ``text``; syntax errors, duplicate keys and unset variables land in ``.issues``."""
    document = Document(filename, None)
    node = _compose(text, document)
    if node is None:
        if not document.issues:
            document.issues.append(LayoutIssue(filename, 1, 1, "", "the layout is empty"))
        return document
    document.data = _convert(node, (), document, depth=0)
    if not isinstance(document.data, dict) and not document.issues:
        message = "the layout must be a mapping (theme:, sources:, screens:)"
        document.issues.append(LayoutIssue(filename, 1, 1, "", message))
    return document


def _compose(text: str, document: Document) -> yaml.Node | None:
    def fail(line: int, col: int, message: str) -> None:
        message = " ".join(message.split())  # one line per issue, whatever PyYAML wrote
        document.issues.append(LayoutIssue(document.filename, line, col, "", f"YAML: {message}"))

    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        context = f" ({error.context})" if error.context else ""
        fail(line, col, f"{error.problem or error}{context}")
    except yaml.reader.ReaderError as error:
        before = text[: error.position]
        line, col = before.count("\n") + 1, error.position - (before.rfind("\n") + 1) + 1
        fail(line, col, f"character {chr(error.character)!r} is not allowed: {error.reason}")
    except yaml.YAMLError as error:
        fail(1, 1, str(error))
    except RecursionError:  # PyYAML composes recursively; thousands of [[[ exhaust the stack
        fail(1, 1, f"nested too deeply (a layout needs fewer than {MAX_DEPTH} levels)")
    return None


def _mark(node: yaml.Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


def _convert(node: yaml.Node, path: DataPath, document: Document, depth: int) -> Any:
    document.values[path] = _mark(node)
    document.converted += 1
    if document.converted >= MAX_VALUES:
        if document.converted == MAX_VALUES:
            message = f"more than {MAX_VALUES} values: do aliases (*name) expand each other?"
            document.issues.append(document.issue(path, message, at_value=True))
        return None
    if depth > MAX_DEPTH:
        message = f"nested more than {MAX_DEPTH} levels deep"
        document.issues.append(document.issue(path, message, at_value=True))
        return None
    if node.tag not in _STANDARD_TAGS:
        message = f"YAML tag {node.tag!r} is not allowed in a layout"
        document.issues.append(document.issue(path, message, at_value=True))
        return None
    if isinstance(node, yaml.MappingNode):
        return _convert_mapping(node, path, document, depth)
    if isinstance(node, yaml.SequenceNode):
        return _convert_sequence(node, path, document, depth)
    if node.tag == _MERGE_TAG:
        return node.value  # a "<<" that is not a mapping key: plain text
    value = _scalar(node, path, document)
    if isinstance(value, str):
        value = _substitute_env(value, path, document)
    return value


def _scalar(node: yaml.Node, path: DataPath, document: Document) -> Any:
    """The value of a scalar, or None with an issue when it cannot be one.

    PyYAML's constructors raise for text their patterns let through: ``2026-13-45`` (a date),
    ``!!bool maybe``, an int of thousands of digits; ``!!map`` on a scalar gives a generator.
    """
    if node.tag in _COLLECTION_TAGS:
        message = f"YAML tag {node.tag.rpartition(':')[2]!r} needs a mapping or a list, not text"
        document.issues.append(document.issue(path, message, at_value=True))
        return None
    if node.tag in _NUMBER_TAGS and len(node.value) > MAX_NUMBER_LENGTH:
        message = (
            f"a number of {len(node.value):,} characters: no layout value needs more than "
            f"{MAX_NUMBER_LENGTH} (quote it if it is text)"
        )
        document.issues.append(document.issue(path, message, at_value=True))
        return None
    try:
        return _SCALARS.yaml_constructors[node.tag](_SCALARS, node)
    except (ValueError, LookupError, TypeError, AttributeError, ArithmeticError):
        shown = node.value if len(node.value) <= 40 else node.value[:37] + "..."
        what = node.tag.rpartition(":")[2]
        message = f"{shown!r} is not a valid {what} (quote it if it is text)"
        document.issues.append(document.issue(path, message, at_value=True))
        return None


def _inside_itself(node: yaml.Node, path: DataPath, document: Document) -> bool:
    """True (and reported) when ``node`` is being converted already: an alias to an ancestor."""
    if id(node) not in document.open_nodes:
        return False
    message = "an alias (*name) refers to a mapping or list that contains it"
    document.issues.append(document.issue(path, message, at_value=True))
    return True


def _convert_sequence(
    node: yaml.SequenceNode, path: DataPath, document: Document, depth: int
) -> list[Any] | None:
    if _inside_itself(node, path, document):
        return None
    document.open_nodes.add(id(node))
    items = []
    for index, item in enumerate(node.value):
        document.keys[(*path, index)] = _mark(item)
        items.append(_convert(item, (*path, index), document, depth + 1))
    document.open_nodes.discard(id(node))
    return items


def _convert_mapping(
    node: yaml.MappingNode, path: DataPath, document: Document, depth: int
) -> dict[str, Any] | None:
    """Keys written in the mapping win over merged ones (``<<: *defaults``), as YAML says."""
    if _inside_itself(node, path, document):
        return None
    document.open_nodes.add(id(node))
    result: dict[str, Any] = {}
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE_TAG:
            result.update(_merged(value_node, path, document, depth + 1))
    written: set[str] = set()
    for key_node, value_node in node.value:
        key = None if key_node.tag == _MERGE_TAG else _key(key_node, path, document)
        if key is None:
            continue
        key_path = (*path, key)
        if key in written:
            first = document.keys[key_path]
            document.keys[key_path] = _mark(key_node)
            message = f"duplicate key {key!r} (first at line {first.line})"
            document.issues.append(document.issue(key_path, message))
        written.add(key)
        document.keys[key_path] = _mark(key_node)
        result[key] = _convert(value_node, key_path, document, depth + 1)
    document.values[path] = _mark(node)
    document.open_nodes.discard(id(node))
    return result


def _merged(node: yaml.Node, path: DataPath, document: Document, depth: int) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
    for source in reversed(sources):  # the first mapping listed wins
        if isinstance(source, yaml.MappingNode):
            merged.update(_convert_mapping(source, path, document, depth) or {})
        else:
            message = "<< merges a mapping (<<: *name) or a list of them"
            document.issues.append(document.issue(path, message, at_value=True))
    return merged


def _key(node: yaml.Node, path: DataPath, document: Document) -> str | None:
    """A key as written: ``1:`` and ``true:`` are the names "1" and "true", not numbers."""
    if not isinstance(node, yaml.ScalarNode):
        document.issues.append(document.issue(path, "a key must be a plain name, not a list"))
        return None
    if node.tag not in _STANDARD_TAGS:
        message = f"YAML tag {node.tag!r} is not allowed in a layout"
        document.issues.append(document.issue(path, message))
        return None
    return _substitute_env(str(node.value), path, document)


def _substitute_env(text: str, path: DataPath, document: Document) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        value = os.environ.get(name)
        if value is None:
            message = f"environment variable {name} is not set"
            document.issues.append(document.issue(path, message, at_value=True))
            return ""
        document.env_values[value] = name
        register_secret(value)  # kept out of every log line and status text from now on
        return value

    return _ENV.sub(replace, text)
