"""Who changed what on the wall, and when: one JSON line per applied command.

Goes to the log (the journal) and to ``audit.jsonl`` in the cache dir, which outlives the
journal's rotation on a small box. Only commands that change the wall are written; status and
screenshots are not.
"""

from __future__ import annotations

import datetime
import json
import logging
from pathlib import Path
from typing import Any, cast

from kiosk.paths import default_cache_dir

log = logging.getLogger(__name__)

AUDIT_FILE = "audit.jsonl"
TAIL_BLOCK = 64 * 1024  # read from the end in blocks: the file grows for the box's lifetime


class AuditLog:
    """Appends one line per applied command to ``path`` (None: the log only)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    @classmethod
    def in_cache_dir(cls) -> AuditLog:
        return cls(default_cache_dir() / AUDIT_FILE)

    def record(self, who: str, command: dict[str, Any], screens: list[str]) -> dict[str, Any]:
        entry = {
            "at": datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds"),
            "who": who,
            "command": command.get("command"),
            "screens": screens,
            "detail": command,
        }
        log.info("audit: %s sent %s to %s", who, command.get("command"), ", ".join(screens) or "-")
        if self.path is not None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a", encoding="utf-8") as file:
                    file.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")
            except OSError as error:  # a full disk must not stop a message reaching the wall
                log.error("audit: cannot write %s: %s", self.path, error)
        return entry

    def last(self, limit: int) -> list[dict[str, Any]]:
        """The newest ``limit`` entries, newest first (for the web page's log).

        Only the end of the file is read, however long it has grown; a torn or foreign line is
        skipped, not fatal.
        """
        if self.path is None or limit <= 0:
            return []
        try:
            with self.path.open("rb") as file:
                end = file.seek(0, 2)
                start, chunk = end, b""
                while start > 0 and chunk.count(b"\n") <= limit:
                    start = max(0, start - TAIL_BLOCK)
                    file.seek(start)
                    chunk = file.read(end - start)
        except OSError:  # no command yet (no file), or unreadable: an empty log
            return []
        lines = chunk.splitlines()
        if start > 0:
            lines = lines[1:]  # the first line may be cut in the middle
        entries: list[dict[str, Any]] = []
        for line in reversed(lines):
            try:
                entry = json.loads(line)
            except (UnicodeDecodeError, json.JSONDecodeError):
                continue
            if isinstance(entry, dict):
                entries.append(cast(dict[str, Any], entry))
            if len(entries) == limit:
                break
        return entries
