"""Layout errors: collected, then reported together as ``file:line:col  key.path  message``."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class LayoutIssue:
    """One thing wrong with a layout, and exactly where."""

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
        count = len(self.issues)
        lines = [str(issue) for issue in self.issues]
        lines.append(
            f"{count} error{'s' if count != 1 else ''} in the layout; nothing was changed."
        )
        return "\n".join(lines)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'data'?)`` for a close match, else the valid choices, else nothing."""
    options = sorted(set(choices))
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if close:
        return f" (did you mean {close[0]!r}?)"
    if options and len(options) <= 12:
        return f"; expected one of: {', '.join(options)}"
    return ""
