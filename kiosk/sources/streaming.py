"""What the streamed sources (sse, mastodon's streaming API) share: reading server-sent events
with a size limit, the server's refusal with its ``Retry-After``, and a clean close.

httpx-sse reads lines with no limit: one 50 MiB event was held whole, then decoded to text and
split (RSS from 145 to 352 MiB, never given back). Here lines are cut from the bytes as they
come, an event larger than ``max_event_bytes`` is dropped as it grows (the rest of it is skipped
up to the blank line that ends it) and the connection carries on with the next one.

The byte iterator is always closed explicitly (``aclosing``): a generator abandoned mid-body was
finalised later by the garbage collector, outside its task, and httpcore's cancel scope then
printed "Exception ignored … GeneratorExit" tracebacks, a dozen per aborted body.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, Callable
from typing import TYPE_CHECKING, cast

from kiosk.lazy import lazy_import
from kiosk.sources.polling import FetchError, parse_retry_after

if TYPE_CHECKING:
    import httpx
    import httpx_sse
else:
    httpx = lazy_import("httpx")
    httpx_sse = lazy_import("httpx_sse")

MAX_EVENT_BYTES = 1 << 20  # 1 MiB: a post, a page of stats; far more is a broken server


def body_of(response: httpx.Response) -> AsyncGenerator[bytes, None]:
    """``response.aiter_bytes()`` as what it is, an async generator (httpx types it as an
    iterator), so that it can be closed."""
    return cast(AsyncGenerator[bytes, None], response.aiter_bytes())


def refused(response: httpx.Response, host: str, now: float, what: str = "") -> FetchError:
    """The error for a stream the server would not open, with its Retry-After (429, 503)."""
    retry_after = None
    if response.status_code in (429, 503):
        retry_after = parse_retry_after(response.headers.get("Retry-After"), now)
    return FetchError(f"HTTP {response.status_code} from {host}{what}", retry_after)


def check_event_stream(response: httpx.Response) -> None:
    """Raise SSEError unless the answer is ``text/event-stream`` (as httpx-sse does)."""
    content_type = response.headers.get("content-type", "").partition(";")[0]
    if "text/event-stream" not in content_type:
        raise httpx_sse.SSEError(f"expected Content-Type text/event-stream, got {content_type!r}")


async def read_events(
    response: httpx.Response,
    *,
    max_event_bytes: int = MAX_EVENT_BYTES,
    oversized: Callable[[], None] = lambda: None,
) -> AsyncGenerator[httpx_sse.ServerSentEvent, None]:
    """The events of ``response`` (an empty one for a comment); ``oversized()`` is
    called for each event skipped for its size. Use it inside ``contextlib.aclosing``."""
    reader = EventReader(max_event_bytes)
    async with contextlib.aclosing(body_of(response)) as chunks:
        async for chunk in chunks:
            skipped = reader.skipped
            events = reader.feed(chunk)
            if reader.skipped != skipped:
                oversized()
            for event in events:
                yield event


class EventReader:
    """The event-stream format (WHATWG HTML §9.2.6) from bytes, holding at most one event."""

    def __init__(self, max_event_bytes: int = MAX_EVENT_BYTES) -> None:
        self.max_event_bytes = max_event_bytes
        self.skipped = 0  # events dropped for their size
        self._line = bytearray()
        self._line_seen = 0  # bytes of the current line, kept or not
        self._event_bytes = 0  # bytes of the current event's finished lines
        self._skipping = False
        self._trailing_cr = False
        self._event = ""
        self._data: list[str] = []
        self._id = ""  # the last event id, kept across events as the format says
        self._id_here = False  # this event set it: dispatched even without data
        self._retry: int | None = None

    def feed(self, chunk: bytes) -> list[httpx_sse.ServerSentEvent]:
        events: list[httpx_sse.ServerSentEvent] = []
        start, size = 0, len(chunk)
        if self._trailing_cr and chunk[:1] == b"\n":
            start = 1  # the \n of a \r\n split between two chunks
        self._trailing_cr = False
        while start < size:
            newline, carriage = chunk.find(b"\n", start), chunk.find(b"\r", start)
            ends = [i for i in (newline, carriage) if i >= 0]
            if not ends:
                self._take_part(chunk[start:])
                break
            end = min(ends)
            self._take_part(chunk[start:end])
            event = self._end_line()
            if event is not None:
                events.append(event)
            if chunk[end] == 0x0D:  # \r, perhaps of \r\n
                if end + 1 == size:
                    self._trailing_cr = True
                elif chunk[end + 1] == 0x0A:
                    end += 1
            start = end + 1
        return events

    def _take_part(self, part: bytes) -> None:
        self._line_seen += len(part)
        if self._skipping or not part:
            return
        if self._event_bytes + len(self._line) + len(part) > self.max_event_bytes:
            self._skipping = True  # drop what we hold now: memory comes back at once
            self.skipped += 1
            self._line = bytearray()
            self._data = []
            self._event = ""
            return
        self._line += part

    def _end_line(self) -> httpx_sse.ServerSentEvent | None:
        blank = self._line_seen == 0
        line = self._line.decode("utf-8", errors="replace")
        self._line.clear()
        self._line_seen = 0
        if self._skipping:
            if blank:  # the end of the oversized event
                self._skipping = False
                self._event_bytes = 0
            return None
        self._event_bytes += len(line) + 1
        return self._decode(line)

    def _decode(self, line: str) -> httpx_sse.ServerSentEvent | None:
        if not line:
            self._event_bytes = 0
            if not (self._event or self._data or self._id_here or self._retry is not None):
                return None
            event = httpx_sse.ServerSentEvent(
                self._event, "\n".join(self._data), self._id, self._retry
            )
            self._event, self._data, self._retry, self._id_here = "", [], None, False
            return event
        if line.startswith(":"):
            return httpx_sse.ServerSentEvent()  # a comment line (": ping"): a sign of life
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "event":
            self._event = value
        elif field == "data":
            self._data.append(value)
        elif field == "id" and "\0" not in value:
            self._id, self._id_here = value, True
        elif field == "retry" and value.isdigit():
            self._retry = int(value)
        return None
