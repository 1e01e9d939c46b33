"""``type: sse``: a Server-Sent Events stream whose events carry JSON, read into streams.

Each event's data is parsed as JSON and every stream of ``streams:`` whose ``event`` matches
(any, by default) and whose JMESPath finds something in it is published, as ``http_json`` does
for a polled document. The connection is held open; when it drops (or says nothing for
``idle``), the source reconnects with backoff and sends ``Last-Event-ID``, so the server can
resume where it stopped. A server's ``retry:`` sets the pause before a reconnect after a clean
end, its ``Retry-After`` (429, 503) the pause before trying again. The source is OK once
something (an event, a keep-alive) arrives; a connection that drops after that is reconnected
without a change of state, one that brings nothing is a failure. Events that are not JSON, that
do not fit a stream, or that are larger than ``max_event_bytes`` are logged once per streak and
leave the last good values in place.

Reading the event stream is :mod:`kiosk.sources.streaming`'s; reconnecting, state and the cache
are the base's.
"""

from __future__ import annotations

import contextlib
import json
import logging
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, Field

from kiosk.config.types import HOUR, SECOND, Duration
from kiosk.lazy import lazy_import
from kiosk.sources.base import SourceOptions, register
from kiosk.sources.http_json import BadValueError, StreamSpec, _search, check_stream_names, extract
from kiosk.sources.parsing import DATA_ERRORS, describe
from kiosk.sources.polling import FetchError, HttpAddress, HttpOptions, HttpSource
from kiosk.sources.posts import NewPosts
from kiosk.sources.streaming import (
    MAX_EVENT_BYTES,
    check_event_stream,
    read_events,
    refused,
)
from kiosk.values import Kind

if TYPE_CHECKING:
    import httpx
    import httpx_sse
else:
    httpx = lazy_import("httpx")
    httpx_sse = lazy_import("httpx_sse")

log = logging.getLogger(__name__)

SAVE_EVERY = 30.0  # seconds between cache writes while events flow


class EventStreamSpec(StreamSpec):
    event: str | None = Field(
        default=None, description="Only events of this type (the event: field); default any."
    )


class SseOptions(HttpOptions):
    type: Literal["sse"] = "sse"
    url: HttpAddress = Field(description="The event stream (text/event-stream).")
    streams: Annotated[dict[str, EventStreamSpec], AfterValidator(check_stream_names)] = Field(
        min_length=1, description="Stream name → kind and JMESPath into each event's JSON data."
    )
    idle: Duration = Field(
        default=90.0,
        ge=SECOND,
        le=HOUR,
        description="Reconnect when nothing (not even a comment) came for this long.",
    )
    interval: Duration = Field(
        default=3.0,
        ge=0.1,
        le=HOUR,
        description="Pause before reconnecting after the server closed cleanly.",
    )
    max_event_bytes: int = Field(
        default=MAX_EVENT_BYTES, ge=1000, le=64 << 20, description="A larger event is skipped."
    )


@register("sse")
class SseSource(HttpSource):
    """Holds one event stream open and publishes from each event."""

    options_model = SseOptions
    options: SseOptions

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.last_event_id: str | None = None
        self.retry: float | None = None  # seconds, from the server's retry: field
        self._saved_at = 0.0
        self.new_posts = {
            name: NewPosts()
            for name, spec in self.options.streams.items()
            if spec.kind == "mentions"
        }

    @classmethod
    def provides(cls, options: SourceOptions) -> dict[str, Kind]:
        assert isinstance(options, SseOptions)
        return {name: Kind(spec.kind) for name, spec in options.streams.items()}

    def cache_extra(self) -> Any:
        return {"last_event_id": self.last_event_id}

    def restore_extra(self, extra: Any) -> None:
        if isinstance(extra, dict) and isinstance(extra.get("last_event_id"), str | None):
            self.last_event_id = extra.get("last_event_id")
        else:
            raise ValueError("malformed sse state")

    async def poll_once(self) -> float:
        delay = await super().poll_once()
        if self.failures == 0 and self.retry is not None:
            return self.retry  # a clean end: the server said when to come back
        return delay

    async def poll(self) -> None:
        """One connection, held until the server ends it or it drops."""
        assert self.client is not None, "poll() runs inside run()"
        options = self.options
        host = httpx.URL(options.url).host
        headers = {"Accept": "text/event-stream", "Cache-Control": "no-cache"}
        if self.last_event_id is not None:
            headers["Last-Event-ID"] = self.last_event_id
        timeout = httpx.Timeout(options.timeout, read=options.idle)
        alive = False  # something came on this connection
        try:
            async with self.client.stream(
                "GET", options.url, headers=headers, timeout=timeout
            ) as response:
                if not response.is_success:
                    raise refused(response, host, self.hub.clock())
                check_event_stream(response)
                events = read_events(
                    response, max_event_bytes=options.max_event_bytes, oversized=self._oversized
                )
                async with contextlib.aclosing(events):
                    async for event in events:
                        alive = True
                        self._take(event)
        except (httpx.TimeoutException, TimeoutError):
            raise FetchError(f"{host} said nothing for {options.idle:g}s") from None
        except httpx.ConnectError:
            raise FetchError(f"cannot connect to {host}") from None
        except httpx_sse.SSEError as error:
            raise FetchError(f"{host} did not answer with an event stream ({error})") from None
        except httpx.HTTPError as error:
            if not alive:
                raise FetchError(f"{host}: stream dropped ({type(error).__name__})") from None
            # Events came, so the values are current: reconnecting is routine, not a failure
            # (an OK/stale pair in the log at every drop, every few seconds behind a proxy).
            log.debug("source %s: %s dropped the stream (%r); reconnecting", self.name, host, error)
        finally:
            if self._dirty:
                self.save()

    def _oversized(self) -> None:
        limit = self.options.max_event_bytes
        self.stream_trouble("data", f"an event larger than {limit:,} bytes was skipped")

    def _take(self, event: httpx_sse.ServerSentEvent) -> None:
        if event.id:
            self.last_event_id = event.id
        if event.retry is not None:
            self.retry = event.retry / 1000
        now = self.hub.clock()
        self.mark_ok()  # an event (or a keep-alive) is a sign of life
        if not event.data:
            return  # a keep-alive, or an event that only sets the id or retry:
        try:
            document = event_document(event.data)
        except BadValueError as error:
            self.stream_trouble("data", str(error))
            return
        self.stream_ok("data")
        for stream, spec in self.options.streams.items():
            if spec.event is not None and spec.event != event.event:
                continue
            try:
                if _search(spec.path, document) is None:
                    continue  # this event carries no news for the stream
                value = extract(spec, document, self.last_good(stream))
            except DATA_ERRORS as error:
                detail = str(error) if isinstance(error, BadValueError) else describe(error)
                self.stream_trouble(stream, detail)
                continue
            self.stream_ok(stream)
            if stream in self.new_posts:  # posts are added, each once (a resent event too)
                fresh = self.new_posts[stream].only_new(list(value), self.last_good(stream))
                self.append(stream, fresh, now)
            else:
                self.publish(stream, value, now)
        if self._dirty and now - self._saved_at >= SAVE_EVERY:
            self._saved_at = now
            self.save()


def event_document(data: str) -> Any:
    """An event's data as JSON; BadValueError when it is not (or is nested too deeply, or holds
    a number of over 4,300 digits). Small enough to read on the loop: the stream caps events."""
    try:
        return json.loads(data)
    except json.JSONDecodeError:
        raise BadValueError(f"an event's data is not JSON: {data[:60]!r}") from None
    except DATA_ERRORS as error:
        raise BadValueError(f"an event's data cannot be read ({describe(error)})") from None
