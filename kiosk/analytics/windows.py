"""Bounded per-minute buckets: the memory of every aggregate, fixed in size whatever the uptime."""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from typing import Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt

MINUTE = 60.0
Term = TypeVar("Term", bound=Hashable)


class ClosedSums(Generic[Term]):
    """Sums of per-minute counters over minutes that are over, kept between publications.

    An aggregate publishes its last 15 minutes against the 15 before, once a second, and
    summed 30 minutes of counters each time although only the current minute had changed
    (issue #14's screen: 140 Counter updates a second). Minutes before ``current`` are summed
    once; a count that comes late into one of them is added to every sum that holds it
    (:meth:`late`), so a polled source's posts, often minutes old, keep the sums exact; anything
    else that changes a minute that is over (a pruning, a ring slot taken by a newer minute)
    calls :meth:`clear`. A new minute clears them too: the windows asked for move with it.
    """

    KEPT = 8  # windows kept: an aggregate asks for two or three a second

    def __init__(self) -> None:
        self._sums: dict[tuple[int, int], Counter[Term]] = {}

    def clear(self) -> None:
        self._sums.clear()

    def late(self, term: Term, minute: int, weight: Any) -> None:
        """``weight`` was counted for ``term`` in ``minute``, which is over."""
        for (first, last), total in self._sums.items():
            if first <= minute <= last:
                total[term] += weight

    def totals(
        self,
        slots: Sequence[Mapping[Term, Any]],
        minute_in_slot: Sequence[int],
        first: int,
        last: int,
        current: int,
    ) -> Counter[Term]:
        """The counts of minutes ``first`` … ``last`` (a new Counter the caller may keep), from
        the ring ``slots``; minutes before ``current`` come from a kept sum."""
        capacity = len(slots)

        def add(total: Counter[Term], start: int, stop: int) -> Counter[Term]:
            for minute in range(start, stop + 1):
                if minute_in_slot[minute % capacity] == minute:
                    total.update(slots[minute % capacity])
            return total

        first = max(first, last - capacity + 1)
        end = min(last, current - 1)  # the last minute that is over
        total: Counter[Term] = Counter()
        if first <= end:
            closed = self._sums.get((first, end))
            if closed is None:
                if len(self._sums) >= self.KEPT:
                    self._sums.clear()
                closed = self._sums[(first, end)] = add(Counter(), first, end)
            total.update(closed)
        return add(total, max(first, end + 1), last)


class MinuteCounts:
    """Weighted counts per label per minute, for the last ``capacity`` minutes (a ring buffer).

    Args:
        labels: the labels known up front (e.g. brands); more are added as they appear, up to
            ``max_labels``, after which they are counted under ``overflow_label``.
    """

    def __init__(
        self,
        labels: list[str],
        capacity: int = 1440,
        max_labels: int = 16,
        overflow_label: str = "other",
    ) -> None:
        self.capacity = capacity
        self.labels: list[str] = []
        self._index: dict[str, int] = {}
        self._max_labels = max_labels
        self._overflow = overflow_label
        self._counts = np.zeros((max_labels, capacity), dtype=np.float64)
        self._minute_in_slot = np.full(capacity, -1, dtype=np.int64)
        self.first_minute: int | None = None
        self.latest_minute: int | None = None
        for label in labels[:max_labels]:
            self.label_index(label)

    def label_index(self, label: str) -> int:
        index = self._index.get(label)
        if index is None:
            if len(self.labels) >= self._max_labels - 1 and label != self._overflow:
                return self.label_index(self._overflow)
            index = len(self.labels)
            self._index[label] = index
            self.labels.append(label)
        return index

    def add(self, label_index: int, minute: int, weight: float) -> bool:
        """Count ``weight`` for a label in a minute; False when the minute is already forgotten."""
        latest = self.latest_minute
        if latest is not None and minute <= latest - self.capacity:
            return False
        slot = minute % self.capacity
        if self._minute_in_slot[slot] != minute:
            self._counts[:, slot] = 0.0
            self._minute_in_slot[slot] = minute
        self._counts[label_index, slot] += weight
        if latest is None or minute > latest:
            self.latest_minute = minute
        if self.first_minute is None or minute < self.first_minute:
            self.first_minute = minute
        return True

    def window(self, first: int, last: int) -> npt.NDArray[np.float64]:
        """Counts for minutes ``first`` … ``last`` inclusive, shape (labels, minutes), as a copy."""
        minutes = np.arange(first, last + 1, dtype=np.int64)
        slots = minutes % self.capacity
        valid = (self._minute_in_slot[slots] == minutes) & (minutes > last - self.capacity)
        values = self._counts[: len(self.labels), slots]
        return np.where(valid, values, 0.0)

    def totals(self, first: int, last: int) -> npt.NDArray[np.float64]:
        """Per-label sums over minutes ``first`` … ``last``."""
        totals: npt.NDArray[np.float64] = self.window(first, last).sum(axis=1)
        return totals


KEEP = 300  # terms a minute keeps: the rankings show 20 (and 60 before, for their moves)


class MinuteCounters:
    """Term counts per minute for a short horizon (authors, hashtags, places): each minute keeps
    its ``keep`` largest terms, so memory is bounded whatever the stream's long tail.

    A minute's counter grows to twice ``keep``, then keeps its ``keep`` largest; a minute left
    behind by a newer one keeps ``keep``. A pruned term loses what it had counted in that minute
    (at most the smallest count kept, since it was not among the largest) and counts afresh
    if it comes again. The rankings read the largest sums over 15 minutes, which the largest
    terms of each minute make. On a stream where most posts are by authors seen once (a real
    one), at 100 posts a second, the process held 34 MB of Python objects after 8 minutes
    when every minute kept its first 5,000 terms, and a new term after those was not counted
    at all (an account with a million followers, posting late in a busy minute).

    Args:
        capacity: minutes kept.
        keep: terms each minute keeps (see above).
        follows: counters whose minutes this one keeps the same terms of, in place of its own
            largest (a tag's summed sentiment, which may be negative, follows its post count).
    """

    def __init__(
        self, capacity: int = 31, keep: int = KEEP, follows: MinuteCounters | None = None
    ) -> None:
        self.capacity = capacity
        self._keep = keep
        self._slots: list[Counter[str]] = [Counter() for _ in range(capacity)]  # weighted
        self._minute_in_slot = [-1] * capacity
        self._floor = [0] * capacity  # the smallest count a minute kept when last pruned
        self._latest = -1  # the newest minute counted
        self._followers: list[MinuteCounters] = []
        self._leads = follows is None
        if follows is not None:
            follows._followers.append(self)
        self.pruned = 0  # terms a minute let go, for tests and tools
        self._closed: ClosedSums[str] = ClosedSums()

    def add(self, term: str, minute: int, weight: int) -> None:
        slot = minute % self.capacity
        if self._minute_in_slot[slot] != minute:
            if self._minute_in_slot[slot] > minute:
                return  # older than the horizon
            self._slots[slot] = Counter()
            self._minute_in_slot[slot] = minute
            self._floor[slot] = 0
            self._closed.clear()  # the minute the slot held is gone
        if minute > self._latest:
            if self._leads and self._latest >= 0:
                self._prune(self._latest % self.capacity)  # that minute is over
            self._latest = minute
            self._closed.clear()
        elif minute < self._latest:
            self._closed.late(term, minute, weight)
        counter = self._slots[slot]
        if term in counter:
            counter[term] += weight
            return
        # One string per term for all the minutes: each post brings its own copy of a handle
        # or tag, and 30 minutes held 30 of them (issue #14's screen: 0.9 MB).
        counter[sys.intern(term)] = weight
        if self._leads and len(counter) >= 2 * self._keep:
            self._prune(slot)

    def _prune(self, slot: int) -> None:
        """Keep the ``keep`` largest terms of a slot's minute, in its followers too."""
        kept, keep = self._slots[slot], self._keep
        self._forget(slot)
        if len(kept) > keep:
            self.pruned += len(kept) - keep
            largest = kept.most_common(keep)
            kept = self._slots[slot] = Counter(dict(largest))
            self._floor[slot] = largest[-1][1]
        minute = self._minute_in_slot[slot]
        for follower in self._followers:  # also a term let go just before a follower counted it
            theirs = follower._slots[slot]
            follower._forget(slot)
            if follower._minute_in_slot[slot] == minute:
                follower._slots[slot] = Counter(
                    {term: theirs[term] for term in kept if term in theirs}
                )

    def _forget(self, slot: int) -> None:
        """The kept sums may hold ``slot``'s minute, which is about to change: let them go if it
        is over. A busy minute is pruned while it runs (every few hundred new authors), and
        letting them go then too made every publication sum its windows afresh again."""
        if self._minute_in_slot[slot] < self._latest:
            self._closed.clear()

    def holds(self, term: str, minute: int) -> bool:
        """Whether ``term`` may stay in ``minute``'s largest: it is counted there, as much as the
        smallest count the minute kept when it was last pruned. One that is not will be let go
        at the next pruning, unless it comes again (a name to remember for it can wait)."""
        slot = minute % self.capacity
        if self._minute_in_slot[slot] != minute:
            return False
        count = self._slots[slot].get(term)
        return count is not None and count >= self._floor[slot]

    def terms(self) -> set[str]:
        """Every term counted in a minute still held."""
        return {term for counter in self._slots for term in counter}

    def totals(self, first: int, last: int) -> Counter[str]:
        return self._closed.totals(self._slots, self._minute_in_slot, first, last, self._latest)


class WeekActivity:
    """Weighted counts per local weekday × hour over the last ``days`` days (hourly ring)."""

    def __init__(self, days: int = 7) -> None:
        self.capacity = days * 24
        self._counts = np.zeros(self.capacity, dtype=np.float64)
        self._hour_in_slot = np.full(self.capacity, -1, dtype=np.int64)
        self._latest: int | None = None
        self.total = 0.0  # everything ever added: tells a reader when the grid changed much

    def add(self, at: float, weight: float) -> None:
        hour = int(at // 3600)
        if self._latest is not None and hour <= self._latest - self.capacity:
            return
        slot = hour % self.capacity
        if self._hour_in_slot[slot] != hour:
            self._counts[slot] = 0.0
            self._hour_in_slot[slot] = hour
        self._counts[slot] += weight
        self.total += weight
        self._latest = hour if self._latest is None else max(self._latest, hour)

    def grid(self) -> npt.NDArray[np.float64]:
        """7 × 24: Monday first, local hours; the mean count per hour over the days seen."""
        totals = np.zeros((7, 24))
        seen = np.zeros((7, 24))
        latest = self._latest
        for slot in np.nonzero(self._hour_in_slot >= 0)[0]:
            hour = int(self._hour_in_slot[slot])
            if latest is not None and hour <= latest - self.capacity:
                continue
            local = time.localtime(hour * 3600)
            totals[local.tm_wday, local.tm_hour] += self._counts[slot]
            seen[local.tm_wday, local.tm_hour] += 1
        return np.divide(totals, seen, out=np.zeros_like(totals), where=seen > 0)


def rising(
    counters: MinuteCounters, since: int, current: int, minimum: float, prefix: str = ""
) -> list[str]:
    """Terms at least twice as frequent per minute since ``since`` as in the minutes before
    (as many as the counters still hold, up to 20), busiest rise first; with ``prefix``, only
    the terms that start with it, given without it."""
    during_minutes = max(1, current - since + 1)
    reach_back = min(20, max(0, counters.capacity - during_minutes - 1))
    during = counters.totals(since, current)
    before = counters.totals(since - reach_back, since - 1) if reach_back else Counter()
    per_minute_before = max(1, reach_back)
    scored = [
        (
            count / during_minutes / (before.get(term, 0.0) / per_minute_before + 1.0),
            term[len(prefix) :],
        )
        for term, count in during.items()
        if count >= minimum and term.startswith(prefix)
    ]
    return [term for score, term in sorted(scored, reverse=True) if score >= 2]
