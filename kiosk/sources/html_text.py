"""A post's HTML as the text it shows: paragraphs and line breaks become lines; the parts of
links Mastodon hides are left out. Its own module so that only a wall reading Mastodon loads
the standard library's HTML parser (html.parser with html.entities: 0.43 MB that tracemalloc
counts on import, measured on top of asyncio, numpy and the typing modules)."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

MAX_HTML = 50_000  # characters of a post's HTML read: instances allow 500 to 5,000 of text
_BLOCKS = frozenset({"p", "div", "li", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6"})
_VOID = frozenset({"br", "img", "hr", "wbr", "input", "meta", "link", "source"})
_UNREAD = frozenset({"script", "style", "template"})


class _Text(HTMLParser):
    """Collects the visible text of a post's HTML; blocks and line breaks become new lines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.open: list[tuple[str, bool, bool]] = []  # (tag, hidden, ellipsis)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" or tag in _BLOCKS:
            self.parts.append("\n")
        if tag in _VOID:
            return
        classes = " ".join(value or "" for name, value in attrs if name == "class").split()
        hidden = tag in _UNREAD or "invisible" in classes or bool(self.open and self.open[-1][1])
        self.open.append((tag, hidden, "ellipsis" in classes))

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n")
        if not any(open_tag == tag for open_tag, _, _ in self.open):
            return  # a stray end tag
        while self.open:
            open_tag, hidden, ellipsis = self.open.pop()
            if ellipsis and not hidden:
                self.parts.append("…")  # Mastodon shortens long links; its CSS adds the dots
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if not (self.open and self.open[-1][1]):
            self.parts.append(data)


def html_to_text(content: Any) -> str:
    """The plain text of a post's HTML ``content``; TypeError if it is not text."""
    if not isinstance(content, str):
        raise TypeError("content is not text")
    reader = _Text()
    reader.feed(content[:MAX_HTML])
    reader.close()
    lines = (" ".join(line.split()) for line in "".join(reader.parts).split("\n"))
    return "\n".join(line for line in lines if line)
