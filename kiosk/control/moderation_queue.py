"""A person in the loop for public screens: posts wait here for ``kiosk ctl approve``.

With ``moderation.approval`` on, a post widget on a public screen (or one with ``moderate:
true``) does not read its mention stream but a derived one, ``<stream>:approved``, that holds
only the posts a person approved (or, with ``auto_after``, that nobody rejected in time). Posts
the layout's rules block never enter the queue. A rejected post stays off every public screen;
a hidden one (``kiosk ctl hide``, in any mode) off every screen, public or not.

Decisions are kept in the cache dir (kiosk.control.decisions) and read back at start: a post a
source delivers again after a restart (from its disk cache or a re-poll) keeps its decision.

No Qt here: the wall calls :meth:`ModerationQueue.release_due` on a timer, and takes rejected and
hidden posts off the screen itself (kiosk.screens.commands).
"""

from __future__ import annotations

import collections
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Literal

from kiosk.analytics.moderation import Moderator
from kiosk.config.layout import AutoApproval
from kiosk.control.commands import DecisionConflictError, UnknownPostError
from kiosk.control.decisions import DecisionStore, Entry, State
from kiosk.hub import Hub
from kiosk.values import Kind, Mention

log = logging.getLogger(__name__)

MAX_PENDING = 500  # newest posts waiting; an older one waiting is dropped (never shown)
RECENT = 100  # decisions GET /v1/moderation lists
BLOCKED = 50  # posts the rules blocked, listed with their reason
APPROVED_SUFFIX = ":approved"

DECISIONS: dict[str, State] = {"approve": "approved", "reject": "rejected", "hide": "hidden"}
Approval = Literal["off", "required"] | AutoApproval


class ModerationQueue:
    """Posts waiting for a person before public screens show them, and the decisions made.

    Args:
        store: where decisions are kept across restarts (None: memory only; tests).
        clock: epoch seconds; tests pass a fake one.
        capacity: how many posts may wait; the oldest waiting is dropped beyond it.
    """

    def __init__(
        self,
        store: DecisionStore | None = None,
        *,
        clock: Callable[[], float] = time.time,
        capacity: int = MAX_PENDING,
    ) -> None:
        self.store = store or DecisionStore(None)
        self.clock = clock
        self.capacity = capacity
        self.moderator = Moderator()
        self.approval: Approval = "off"
        self.hub: Hub | None = None
        self.pending: collections.OrderedDict[str, Entry] = collections.OrderedDict()
        self.decided: collections.OrderedDict[str, Entry] = collections.OrderedDict()
        self.blocked: collections.deque[Entry] = collections.deque(maxlen=BLOCKED)
        self._fed: set[str] = set()  # mention streams subscribed to, in ``hub``
        self._unsubscribe: list[Callable[[], None]] = []
        self._kept_out_tags: frozenset[str] = frozenset()
        self._dropped = 0
        for entry in self.store.load():
            self.decided[entry.post.id] = entry
        self._decisions_changed()

    # -- set-up ----------------------------------------------------------------------------

    def configure(self, moderator: Moderator, approval: Approval) -> None:
        """The wall's moderator and the layout's ``moderation.approval`` (again on a reload)."""
        self.moderator = moderator
        self.approval = approval
        for entry in self.decided.values():
            if entry.state == "hidden":
                moderator.hide(entry.post.id)  # hidden stays hidden, whatever the layout says

    def attach(self, hub: Hub) -> None:
        """Read mention streams from ``hub`` (a reload that restarts sources brings a new one)."""
        if hub is self.hub:
            return
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        self._fed.clear()
        for entry in [*self.pending.values(), *self.decided.values()]:
            entry.published.clear()
        self.hub = hub

    @property
    def active(self) -> bool:
        return self.approval != "off"

    @property
    def delay(self) -> float | None:
        """Seconds a post waits before going up by itself (``auto_after``), else None."""
        return self.approval.auto_after if isinstance(self.approval, AutoApproval) else None

    def public_stream(self, name: str) -> str:
        """The stream a moderated post widget reads instead of the mention stream ``name``.

        With approval off, ``name`` itself. Otherwise the derived stream of approved posts,
        fed from ``name`` from now on (and from the posts it holds already).
        """
        if not self.active or self.hub is None or self.hub.kind(name) is not Kind.MENTIONS:
            return name
        derived = name + APPROVED_SUFFIX
        if name not in self._fed:
            self._fed.add(name)
            self.hub.declare(derived, Kind.MENTIONS)
            self._unsubscribe.append(self.hub.subscribe(name, self._on_posts))
            sample = self.hub.sample(name)
            if sample is not None:
                self.offer(name, sample.value)
        return derived

    # -- posts coming in -------------------------------------------------------------------

    def _on_posts(self, name: str, batch: Sequence[Any]) -> None:
        self.offer(name, batch)

    def offer(self, stream: str, posts: Iterable[Any]) -> None:
        """New posts from the mention stream ``stream``: queue the ones the rules pass."""
        now = self.clock()
        known: list[Entry] = []
        for post in list(posts)[-self.capacity :]:  # a burst beyond the queue would be dropped
            if not isinstance(post, Mention):
                continue
            entry = self.pending.get(post.id) or self.decided.get(post.id)
            if entry is not None:
                entry.streams.add(stream)
                known.append(entry)
                continue
            reason = self.moderator.reason(post)
            if reason is not None:
                self.blocked.append(Entry(post, "rejected", now, verdict=reason, by="rules"))
                continue
            self.pending[post.id] = Entry(post, "pending", now, streams={stream})
        while len(self.pending) > self.capacity:
            self.pending.popitem(last=False)
            self._dropped += 1
            if self._dropped == 1:
                log.warning("moderation: over %d posts waiting; the oldest dropped", MAX_PENDING)
        self._publish(entry for entry in known if entry.state == "approved")
        self.release_due()

    def release_due(self) -> int:
        """With ``auto_after``: put up the posts that waited long enough. Returns how many."""
        delay = self.delay
        if delay is None:
            return 0
        now = self.clock()
        due = [entry for entry in self.pending.values() if now - entry.queued_at >= delay]
        for entry in due:
            self._decide(entry, "approved", "auto_after", now)
        self._record(due)
        return len(due)

    # -- what screens may show -------------------------------------------------------------

    def allow(self, post: Any) -> bool:
        """Whether a moderated widget may show ``post``: the rules pass it, no person said no."""
        if not isinstance(post, Mention) or not self.moderator.allow(post):
            return False
        entry = self.decided.get(post.id)
        return entry is None or entry.state == "approved"

    def approved(self, post: Mention) -> bool:
        """Whether ``post`` may go up on a public screen as far as people are concerned: no
        approval step, or a person (or ``auto_after``) approved it."""
        if not self.active:
            return True
        entry = self.decided.get(post.id)
        return entry is not None and entry.state == "approved"

    def allow_text(self, text: str) -> bool:
        """Terms for public rankings and clouds: the rules pass them, and no rejected post
        carried a hashtag that no approved post carries too."""
        return self.moderator.allow_text(text) and text.casefold() not in self._kept_out_tags

    def is_hidden(self, post: Any) -> bool:
        """Hidden by staff (``kiosk ctl hide``): off every screen, public or not."""
        entry = self.decided.get(getattr(post, "id", ""))
        return entry is not None and entry.state == "hidden"

    # -- decisions -------------------------------------------------------------------------

    def decide(self, post_id: str, state: State, by: str) -> Entry:
        """approve / reject a post in the queue, or hide any post a stream carries.

        Raises:
            UnknownPostError: no such post in the queue (approve, reject) or any stream (hide).
            DecisionConflictError: approval is off, or the post was rejected or hidden, or the
                layout's rules block it.
        """
        if state == "hidden":
            return self._hide(post_id, by)
        if not self.active:
            raise DecisionConflictError(
                "moderation.approval is off in the layout: no post waits for approval "
                "(hide takes a post off every screen)"
            )
        entry = self.pending.get(post_id) or self.decided.get(post_id)
        if entry is None:
            blocked = next((e for e in self.blocked if e.post.id == post_id), None)
            if blocked is not None:
                raise DecisionConflictError(
                    f"post {post_id!r} is blocked by the layout's rules ({blocked.verdict}); "
                    "a person cannot override them: change moderation: in the layout"
                )
            where = (
                "it is in no public post widget's stream"
                if self._find(post_id) is not None
                else "no stream holds it now"
            )
            raise UnknownPostError(f"post {post_id!r} is not in the moderation queue: {where}")
        if entry.state == "hidden" or (entry.state == "rejected" and state == "approved"):
            raise DecisionConflictError(
                f"post {post_id!r} was {entry.state} by {entry.by}: it stays off public screens"
            )
        if entry.state != state:
            self._decide(entry, state, by, self.clock())
            self._record([entry])
        return entry

    def _hide(self, post_id: str, by: str) -> Entry:
        entry = self.pending.get(post_id) or self.decided.get(post_id)
        if entry is None:
            post = self._find(post_id)
            if post is None:
                raise UnknownPostError(
                    f"no post {post_id!r} in the moderation queue or any mention stream now"
                )
            entry = Entry(post, "pending", self.clock())
        if entry.state != "hidden":
            self._decide(entry, "hidden", by, self.clock())
            self._record([entry])
        self.moderator.hide(post_id)
        return entry

    def _decide(self, entry: Entry, state: State, by: str, now: float) -> None:
        post_id = entry.post.id
        self.pending.pop(post_id, None)
        self.decided.pop(post_id, None)
        entry.state, entry.by, entry.decided_at = state, by, now
        self.decided[post_id] = entry
        while len(self.decided) > self.store.limit:
            self.decided.popitem(last=False)
        if state == "approved":
            self._publish([entry])

    def _record(self, entries: Sequence[Entry]) -> None:
        if entries:
            self.store.append(entries, self.decided.values)
            self._decisions_changed()

    def _decisions_changed(self) -> None:
        approved: set[str] = set()
        refused: set[str] = set()
        for entry in self.decided.values():
            tags = {tag.casefold() for tag in entry.post.hashtags}
            (approved if entry.state == "approved" else refused).update(tags)
        self._kept_out_tags = frozenset(refused - approved)

    def _publish(self, entries: Iterable[Entry]) -> None:
        """Put approved posts on the approved streams of the mention streams that carried
        them, one append per stream."""
        if self.hub is None:
            return
        batches: dict[str, list[Mention]] = {}
        for entry in entries:
            for stream in entry.streams & self._fed:
                if stream not in entry.published:
                    entry.published.add(stream)
                    batches.setdefault(stream, []).append(entry.post)
        for stream, posts in batches.items():
            self.hub.append(stream + APPROVED_SUFFIX, posts)

    def _find(self, post_id: str) -> Mention | None:
        """A post any mention stream holds now."""
        if self.hub is None:
            return None
        for name in self.hub.names():
            if self.hub.kind(name) is not Kind.MENTIONS or name.endswith(APPROVED_SUFFIX):
                continue
            sample = self.hub.sample(name)
            for post in reversed(sample.value if sample is not None else ()):
                if isinstance(post, Mention) and post.id == post_id:
                    return post
        return None

    # -- for the API -----------------------------------------------------------------------

    def snapshot(self, recent: int = RECENT) -> dict[str, Any]:
        """What ``GET /v1/moderation`` answers: the waiting posts, newest first, and the
        recent decisions and blocked posts."""
        delay = self.delay
        approval: Any = {"auto_after": delay} if delay is not None else self.approval
        return {
            "approval": approval,
            "pending_count": len(self.pending),
            "pending": [
                entry.as_json(entry.queued_at + delay if delay is not None else None)
                for entry in reversed(self.pending.values())
            ],
            "recent": [entry.as_json() for entry in _newest(self.decided.values(), recent)],
            "blocked": [entry.as_json() for entry in reversed(self.blocked)],
        }


def _newest(entries: Iterable[Entry], count: int) -> Iterator[Entry]:
    return iter(list(entries)[::-1][:count])
