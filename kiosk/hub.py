"""The hub: named streams holding their last value, and the state of the sources behind them.

Data flows one way: sources publish into streams, analytics subscribe to mention streams and
publish derived streams, widgets read. Widgets do not subscribe with callbacks: each polls
``StreamView.version`` at its own refresh rate, so a stream that changes 5,000 times a second
costs a chart one repaint per refresh, not 5,000 (coalescing by construction).

No Qt here: the hub is plain Python, single-threaded (everything runs in the Qt/asyncio loop).
"""

from __future__ import annotations

import collections
import enum
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from kiosk.redaction import redact
from kiosk.values import Kind

log = logging.getLogger(__name__)

Clock = Callable[[], float]
Subscriber = Callable[[str, Sequence[Any]], None]


async def at_once() -> None:
    """The hub's :attr:`Hub.pace` without a wall: no moment is better than another."""


DEFAULT_MENTION_CAPACITY = 500


class SourceState(enum.StrEnum):
    """Where a source stands; widgets show it next to the data's age."""

    STARTING = "starting"
    OK = "ok"
    STALE = "stale"  # failing, but last good data is still recent enough to show as is
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Sample:
    """A stream's value at one moment. ``at`` is epoch seconds, ``version`` counts changes."""

    value: Any
    at: float
    version: int


@dataclass(frozen=True, slots=True)
class Status:
    state: SourceState
    since: float
    detail: str = ""


class _Stream:
    __slots__ = ("at", "capacity", "items", "kind", "name", "subscribers", "value", "version")

    def __init__(self, name: str, kind: Kind, capacity: int) -> None:
        self.name = name
        self.kind = kind
        self.capacity = capacity
        self.items: collections.deque[Any] = collections.deque(maxlen=capacity)
        self.value: Any = None
        self.at = 0.0
        self.version = 0
        self.subscribers: list[Subscriber] = []


class StreamView:
    """A read-only handle on one stream, what a widget gets."""

    def __init__(self, hub: Hub, name: str) -> None:
        self._hub = hub
        self.name = name
        self.source = name.split(".", 1)[0]

    @property
    def version(self) -> int:
        return self._hub.version(self.name)

    def sample(self) -> Sample | None:
        return self._hub.sample(self.name)

    def status(self) -> Status:
        """This stream's state: its source's, or its own when only this stream is failing."""
        return self._hub.stream_status(self.name)

    def source_status(self) -> Status:
        return self._hub.status(self.source)

    def now(self) -> float:
        return self._hub.clock()

    def confirmed(self) -> float | None:
        """When the source last confirmed this stream is current (a poll that found no news);
        a stream that keeps failing while its source works is not confirmed by those polls."""
        return self._hub.stream_confirmed(self.name)


class Hub:
    """Named streams with last value, timestamp and subscribers.

    Args:
        clock: epoch-seconds clock; tests pass a fake one.
    """

    def __init__(self, clock: Clock = time.time) -> None:
        self.clock = clock
        self._streams: dict[str, _Stream] = {}
        self._status: dict[str, Status] = {}
        self._confirmed: dict[str, float] = {}
        # Streams failing on their own while their source works: stream → (trouble, the
        # source's confirmation when it began, which is the last one true of this stream).
        self._trouble: dict[str, tuple[Status, float | None]] = {}
        self._broken_subscribers: set[Subscriber] = set()  # the callables, not ids: ids get reused
        # Awaited by work that runs on its own clock and may come a few ms later (the demo's
        # batches, the analytics' second): a wall sets it to wait for the end of a ticker frame
        # (kiosk.widgets.frames.after_frame), so that work does not hold a frame up.
        self.pace: Callable[[], Awaitable[None]] = at_once

    # -- declaring and reading -------------------------------------------------------------

    def declare(self, name: str, kind: Kind, capacity: int = DEFAULT_MENTION_CAPACITY) -> None:
        """Create a stream; declaring it again with the same kind is a no-op."""
        stream = self._streams.get(name)
        if stream is None:
            self._streams[name] = _Stream(name, kind, capacity)
            self._status.setdefault(
                name.split(".", 1)[0], Status(SourceState.STARTING, self.clock())
            )
        elif stream.kind != kind:
            raise ValueError(f"stream {name!r} is {stream.kind}, not {kind}")

    def names(self) -> list[str]:
        return sorted(self._streams)

    def kind(self, name: str) -> Kind:
        return self._stream(name).kind

    def view(self, name: str) -> StreamView:
        self._stream(name)
        return StreamView(self, name)

    def version(self, name: str) -> int:
        return self._stream(name).version

    def sample(self, name: str) -> Sample | None:
        stream = self._stream(name)
        if stream.version == 0:
            return None
        if stream.kind is Kind.MENTIONS and stream.value is None:
            stream.value = tuple(stream.items)  # materialised once per version, on demand
        return Sample(stream.value, stream.at, stream.version)

    def snapshot(self) -> dict[str, Sample]:
        """Every stream that has a value, as of now (one consistent view for all screens)."""
        samples = {name: self.sample(name) for name in self._streams}
        return {name: sample for name, sample in samples.items() if sample is not None}

    # -- writing ---------------------------------------------------------------------------

    def publish(self, name: str, value: Any, at: float | None = None) -> None:
        """Replace a stream's value (for every kind but mentions)."""
        stream = self._stream(name)
        if stream.kind is Kind.MENTIONS:
            raise TypeError(f"stream {name!r} carries mentions: use append()")
        stream.value = value
        stream.at = self.clock() if at is None else at
        stream.version += 1
        self._notify(stream, (value,))

    def append(self, name: str, items: Iterable[Any], at: float | None = None) -> None:
        """Add items to a mention stream; it keeps the newest ``capacity`` of them."""
        stream = self._stream(name)
        if stream.kind is not Kind.MENTIONS:
            raise TypeError(f"stream {name!r} carries {stream.kind}: use publish()")
        batch = items if isinstance(items, Sequence) else list(items)
        if not batch:
            return
        stream.items.extend(batch)
        stream.value = None
        stream.at = self.clock() if at is None else at
        stream.version += 1
        self._notify(stream, batch)

    def subscribe(self, name: str, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(name, new_items)`` on every change; returns the unsubscriber.

        Mention streams pass the new batch; other streams pass a one-element sequence holding the
        new value.
        """
        stream = self._stream(name)
        stream.subscribers.append(callback)
        return lambda: stream.subscribers.remove(callback)

    # -- source state ----------------------------------------------------------------------

    def set_status(self, source: str, state: SourceState, detail: str = "") -> None:
        """Record a source's state; logs once per change of state, not once per call.

        The detail is shown on screen: secrets from the layout are masked in it.
        """
        current = self._status.get(source)
        if current is not None and current.state is state:
            return
        detail = redact(detail)
        self._status[source] = Status(state, self.clock(), detail)
        level = logging.INFO if state in (SourceState.OK, SourceState.STARTING) else logging.WARNING
        log.log(level, "source %s: %s%s", source, state.value, f" ({detail})" if detail else "")

    def status(self, source: str) -> Status:
        return self._status.get(source) or Status(SourceState.STARTING, self.clock())

    def confirm(self, source: str, at: float | None = None) -> None:
        """The source checked and its streams are current, even if nothing changed (a quiet
        feed): widgets do not dim for want of news."""
        self._confirmed[source] = self.clock() if at is None else at

    def confirmed(self, source: str) -> float | None:
        return self._confirmed.get(source)

    def set_stream_trouble(self, name: str, state: SourceState, detail: str) -> None:
        """One stream fails while its source works: its widgets say why, and dim in time.

        ``state`` is STALE (keeping the last value) or FAILED (failing too long). The first
        call starts the streak; later ones update state and detail, not when it began. The
        source logs the streak; the hub only records it.
        """
        current = self._trouble.get(name)
        source = name.split(".", 1)[0]
        since = current[0].since if current else self.clock()
        confirmed = current[1] if current else self._confirmed.get(source)
        self._trouble[name] = (Status(state, since, redact(detail)), confirmed)

    def clear_stream_trouble(self, name: str) -> None:
        self._trouble.pop(name, None)

    def stream_status(self, name: str) -> Status:
        """The source's state, unless the source works and only this stream fails."""
        source = self.status(name.split(".", 1)[0])
        trouble = self._trouble.get(name)
        if trouble is None or source.state in (SourceState.STALE, SourceState.FAILED):
            return source
        return trouble[0]

    def stream_confirmed(self, name: str) -> float | None:
        """When the stream was last known current: its source's confirmation, except that a
        failing stream's stops where its streak began."""
        trouble = self._trouble.get(name)
        if trouble is not None:
            return trouble[1]
        return self._confirmed.get(name.split(".", 1)[0])

    # -- internals -------------------------------------------------------------------------

    def _stream(self, name: str) -> _Stream:
        try:
            return self._streams[name]
        except KeyError:
            raise KeyError(f"no stream named {name!r}") from None

    def _notify(self, stream: _Stream, batch: Sequence[Any]) -> None:
        for callback in list(stream.subscribers):
            try:
                callback(stream.name, batch)
            except Exception:
                # One broken consumer must not stop the stream for the others; log it once.
                if callback not in self._broken_subscribers:
                    self._broken_subscribers.add(callback)
                    log.exception("subscriber of %s failed; it keeps being called", stream.name)
