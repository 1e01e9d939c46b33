"""Decisions on posts for public screens, and the file that keeps them across restarts.

One JSON line per decision in ``moderation.jsonl`` in the cache dir, with the post, so the list of
recent decisions reads the same after a restart, and a post a source delivers again keeps its
decision. Appending is one short write; the file is rewritten (atomically) to its newest
:data:`MAX_DECISIONS` only when it has grown to twice that.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from kiosk.paths import default_cache_dir
from kiosk.sources.cache import decode_value, write_atomically
from kiosk.values import Kind, Mention

log = logging.getLogger(__name__)

MAX_DECISIONS = 5000  # remembered in memory and on disk: a day of a busy lobby's approvals
DECISIONS_FILE = "moderation.jsonl"

State = Literal["pending", "approved", "rejected", "hidden"]


@dataclass
class Entry:
    """One post the queue knows: waiting, or decided (by whom, when)."""

    post: Mention
    state: State
    queued_at: float  # epoch seconds
    verdict: str = "passed"  # the automatic rules' verdict: passed, or why they blocked it
    decided_at: float | None = None
    by: str | None = None  # a token's name, or "auto_after"
    streams: set[str] = field(default_factory=set)  # the mention streams that carried it
    published: set[str] = field(default_factory=set)  # the approved streams it was put on

    def as_json(self, goes_up_at: float | None = None) -> dict[str, Any]:
        post = self.post
        data: dict[str, Any] = {
            "id": post.id,
            "state": self.state,
            "verdict": self.verdict,
            "queued_at": _iso(self.queued_at),
            "post": {
                "author": post.author,
                "handle": post.handle,
                "platform": post.platform,
                "text": post.text,
                "at": _iso(post.at),
                "lang": post.lang,
                "hashtags": list(post.hashtags),
                "media": len(post.media),
            },
        }
        if self.decided_at is not None:
            data |= {"decided_at": _iso(self.decided_at), "by": self.by}
        if goes_up_at is not None and self.state == "pending":
            data["goes_up_at"] = _iso(goes_up_at)
        return data


class DecisionStore:
    """Decisions on disk, one JSON line each, the newest :data:`MAX_DECISIONS` kept.

    Appending is one short write per decision; the file is rewritten (atomically) only when it
    has grown to twice the limit.
    """

    def __init__(self, path: Path | None, limit: int = MAX_DECISIONS) -> None:
        self.path = path
        self.limit = limit
        self._lines = 0

    @classmethod
    def in_cache_dir(cls) -> DecisionStore:
        return cls(default_cache_dir() / DECISIONS_FILE)

    def load(self) -> list[Entry]:
        """The last decision on each post, oldest first; unreadable lines are skipped."""
        if self.path is None:
            return []
        try:
            lines = self.path.read_text("utf-8").splitlines()
        except FileNotFoundError:
            return []
        except (OSError, UnicodeDecodeError) as error:
            log.error("moderation: cannot read %s (%s): no earlier decisions", self.path, error)
            return []
        self._lines = len(lines)
        entries: dict[str, Entry] = {}
        bad = 0
        for line in lines:
            try:
                entry = _decode(json.loads(line))
            except (ValueError, TypeError, KeyError):
                bad += 1
                continue
            entries.pop(entry.post.id, None)  # the newest decision goes last
            entries[entry.post.id] = entry
        if bad:
            log.warning("moderation: %d unreadable lines in %s skipped", bad, self.path)
        return list(entries.values())[-self.limit :]

    def append(self, entries: Sequence[Entry], everything: Callable[[], Iterable[Entry]]) -> None:
        """Add ``entries``; ``everything`` gives every decision kept, for a rewrite."""
        if self.path is None or not entries:
            return
        try:
            if self._lines + len(entries) > 2 * self.limit:
                kept = list(everything())[-self.limit :]
                write_atomically(self.path, "".join(_encode(entry) + "\n" for entry in kept))
                self._lines = len(kept)
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as file:
                file.writelines(_encode(entry) + "\n" for entry in entries)
            self._lines += len(entries)
        except OSError as error:  # a full disk must not stop a decision reaching the screens
            log.error("moderation: cannot write %s: %s", self.path, error)


def _iso(epoch: float) -> str:
    return datetime.datetime.fromtimestamp(epoch, datetime.UTC).isoformat(timespec="seconds")


def _encode(entry: Entry) -> str:
    return json.dumps(
        {
            "id": entry.post.id,
            "state": entry.state,
            "verdict": entry.verdict,
            "queued_at": entry.queued_at,
            "decided_at": entry.decided_at,
            "by": entry.by,
            "post": dataclasses.asdict(entry.post),
        },
        ensure_ascii=False,
    )


def _decode(raw: dict[str, Any]) -> Entry:
    (post,) = decode_value(Kind.MENTIONS, [raw["post"]])
    state = raw["state"]
    if state not in ("approved", "rejected", "hidden") or post.id != raw["id"]:
        raise ValueError(f"not a decision: {state!r}")
    return Entry(
        post,
        state,
        float(raw["queued_at"]),
        verdict=str(raw.get("verdict", "passed")),
        decided_at=float(raw["decided_at"]),
        by=str(raw.get("by")),
    )
