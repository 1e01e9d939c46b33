"""What staff pushed that is still in force (messages, casts, the emergency), kept on disk so
that a restart brings it back: the memory guard's planned restart, a crash, a power cut. An
evacuation notice must not vanish because the wall restarted under it.

One small JSON file (``pushed.json`` in the cache folder), rewritten atomically after every
command that changes it. On start, each item is validated again against the layout shown now,
as if sent anew: one whose screens are gone, or whose time ran out while the wall was down, is
left out and logged. No Qt here.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from kiosk.paths import default_cache_dir
from kiosk.sources.cache import write_atomically
from kiosk.values import Mention

log = logging.getLogger(__name__)

PUSHED_FILE = "pushed.json"
VERSION = 1
MENTION = TypeAdapter(Mention)


class PushedStore:
    """The file; ``path`` None keeps nothing (tests, and walls without a cache folder)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._warned = False

    @classmethod
    def in_cache_dir(cls) -> PushedStore:
        return cls(default_cache_dir() / PUSHED_FILE)

    def save(self, items: list[dict[str, Any]]) -> None:
        """Replace what is kept with ``items`` (JSON-ready dicts); a disk error is logged once
        and costs only the restore, never the command."""
        if self.path is None:
            return
        try:
            write_atomically(self.path, json.dumps({"version": VERSION, "items": items}))
            self._warned = False
        except (OSError, ValueError, TypeError) as error:
            if not self._warned:
                self._warned = True
                log.error("cannot keep what staff pushed in %s: %s", self.path, error)

    def load(self) -> list[dict[str, Any]]:
        """The items kept, or none (no file, or one that cannot be read: logged)."""
        if self.path is None:
            return []
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as error:
            log.warning("ignoring %s, which cannot be read: %s", self.path, error)
            return []
        if not isinstance(document, dict):
            document = {}
        items = document.get("items")
        if document.get("version") != VERSION or not isinstance(items, list):
            log.warning("ignoring %s: not a file this version of kiosk wrote", self.path)
            return []
        return [item for item in items if isinstance(item, dict)]


def post_as_json(post: Mention) -> Any:
    return MENTION.dump_python(post, mode="json")


def post_from_json(data: Any) -> Mention | None:
    try:
        return MENTION.validate_python(data)
    except ValidationError:
        return None
