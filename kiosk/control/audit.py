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
from typing import Any

log = logging.getLogger(__name__)

AUDIT_FILE = "audit.jsonl"


class AuditLog:
    """Appends one line per applied command to ``path`` (None: the log only)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    @classmethod
    def in_cache_dir(cls) -> AuditLog:
        from kiosk.sources.cache import default_cache_dir

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
