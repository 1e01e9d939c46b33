"""Bluesky authors' follower counts: a search hit's author has none, so "who drives it" stayed
empty on Bluesky. ``app.bsky.actor.getProfiles`` answers up to 25 authors a call.

Counts are kept for :data:`KEEP_FOR` (they move slowly) for up to :data:`MAX_AUTHORS` authors,
least recently asked for forgotten first; the freshest 5,000 go in the source's disk cache, so
a restart does not ask for every author again. A poll asks for at most ``per_poll`` batches, newest
posts' authors first: the searches come first in the AppView's rate limit, and an author left
over is asked for at the next poll. A post never waits for its author's profile: one whose
author is not known yet is published with 0 followers.
"""

from __future__ import annotations

import collections
import json
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from kiosk.lazy import lazy_import
from kiosk.sources.parsing import DATA_ERRORS, count, describe, finite
from kiosk.sources.polling import FetchError

if TYPE_CHECKING:
    import httpx
else:
    httpx = lazy_import("httpx")

PROFILES = "/xrpc/app.bsky.actor.getProfiles"
BATCH = 25  # the API's limit of actors per call
KEEP_FOR = 6 * 3600.0  # seconds a follower count is used before it is asked for again
MAX_AUTHORS = 20_000
KEPT_ACROSS_RESTARTS = 5_000  # counts written to the disk cache (~60 bytes each)


class FollowerCounts:
    """Followers by author DID, with when each was learnt."""

    def __init__(self, clock: Callable[[], float], max_authors: int = MAX_AUTHORS) -> None:
        self.clock = clock
        self.max_authors = max_authors
        self._known: collections.OrderedDict[str, tuple[int, float]] = collections.OrderedDict()

    def __len__(self) -> int:
        return len(self._known)

    def get(self, did: str) -> int | None:
        """The author's followers, or None when not known or too old."""
        known = self._known.get(did)
        if known is None or self.clock() - known[1] > KEEP_FOR:
            return None
        self._known.move_to_end(did)
        return known[0]

    def wanted(self, dids: Iterable[str], batches: int) -> list[list[str]]:
        """Up to ``batches`` calls' worth of the authors among ``dids`` not known (each once,
        in the order given)."""
        missing = [did for did in dict.fromkeys(dids) if self.get(did) is None]
        missing = missing[: batches * BATCH]
        return [missing[start : start + BATCH] for start in range(0, len(missing), BATCH)]

    def learn(self, asked: Iterable[str], found: dict[str, int]) -> None:
        """Store an answer. An author asked for and not in it (deleted, suspended) counts as
        0 followers for the same time, so they are not asked for at every poll."""
        now = self.clock()
        for did in asked:
            self._known[did] = (found.get(did, 0), now)
            self._known.move_to_end(did)
        while len(self._known) > self.max_authors:
            self._known.popitem(last=False)

    def dump(self, most: int = KEPT_ACROSS_RESTARTS) -> dict[str, list[float]]:
        """The ``most`` most recently used counts still good, for the source's disk cache."""
        now = self.clock()
        fresh = [(did, known) for did, known in self._known.items() if now - known[1] <= KEEP_FOR]
        return {did: [followers, at] for did, (followers, at) in fresh[-most:]}

    def load(self, saved: Any) -> None:
        """Counts from :meth:`dump`; entries that are not a DID with a count and a time are
        left out (an older cache has none at all)."""
        if not isinstance(saved, dict):
            return
        for did, entry in list(saved.items())[-self.max_authors :]:
            if not (isinstance(did, str) and isinstance(entry, list) and len(entry) == 2):
                continue
            followers, at = count(entry[0]), finite(entry[1])
            if followers is not None and at is not None:
                self._known[did] = (followers, at)


def profiles_url(service: str, dids: list[str]) -> str:
    return str(httpx.URL(service + PROFILES, params=[("actors", did) for did in dids]))


def parse_profiles(body: bytes, headers: httpx.Headers) -> dict[str, int]:
    """A getProfiles answer as followers by DID; profiles without a sane count are skipped.

    Raises:
        FetchError: the body is not JSON, or not a getProfiles answer.
    """
    try:
        document = json.loads(body)
    except DATA_ERRORS as error:
        raise FetchError(f"profiles: not JSON ({describe(error)})") from None
    profiles = document.get("profiles") if isinstance(document, dict) else None
    if not isinstance(profiles, list):
        raise FetchError("not a profiles answer (no profiles)")
    found: dict[str, int] = {}
    for profile in profiles:
        did = profile.get("did") if isinstance(profile, dict) else None
        followers = count(profile.get("followersCount")) if isinstance(profile, dict) else None
        if isinstance(did, str) and followers is not None:
            found[did] = followers
    return found


def author_did(view: Any) -> str | None:
    """The DID of a postView's author, if it has a sane one."""
    try:
        did = view["author"]["did"]
    except DATA_ERRORS:
        return None
    return did if isinstance(did, str) and did.startswith("did:") and len(did) < 2048 else None
