"""``type: sse``: a Server-Sent Events stream whose events carry JSON, read into streams.

Each event's data is parsed as JSON and every stream of ``streams:`` whose ``event`` matches
(any, by default) and whose JMESPath finds something in it is published, as ``http_json`` does
for a polled document. The connection is held open; when it drops (or says nothing for
``idle``), the source reconnects with backoff and sends ``Last-Event-ID``, so the server can
resume where it stopped. A server's ``retry:`` sets the pause before a reconnect after a clean
end. The source is OK while connected; events that are not JSON, or that do not fit a
stream, are logged once per streak and leave the last good values in place.

Parsing the event stream is httpx-sse's; reconnecting, state and the cache are the base's.
"""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any, Literal

import httpx
from httpx_sse import ServerSentEvent, SSEError, aconnect_sse
from pydantic import AfterValidator, Field

from kiosk.config.types import Duration
from kiosk.sources.base import SourceOptions, register
from kiosk.sources.http_json import BadValueError, StreamSpec, _search, check_stream_names, extract
from kiosk.sources.polling import FetchError, HttpAddress, HttpOptions, HttpSource
from kiosk.values import Kind

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
        default=90.0, description="Reconnect when nothing (not even a comment) came for this long."
    )
    interval: Duration = Field(
        default=3.0, description="Pause before reconnecting after the server closed cleanly."
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
        try:
            async with aconnect_sse(
                self.client, "GET", options.url, headers=headers, timeout=timeout
            ) as source:
                response = source.response
                if not response.is_success:
                    raise FetchError(f"HTTP {response.status_code} from {host}")
                self.mark_ok()  # the poll itself only returns when the stream ends
                async for event in source.aiter_sse():
                    self._take(event)
        except (httpx.TimeoutException, TimeoutError):
            raise FetchError(f"{host} said nothing for {options.idle:g}s") from None
        except httpx.ConnectError:
            raise FetchError(f"cannot connect to {host}") from None
        except SSEError as error:
            raise FetchError(f"{host} did not answer with an event stream ({error})") from None
        except httpx.HTTPError as error:
            raise FetchError(f"{host}: stream dropped ({type(error).__name__})") from None
        finally:
            if self._dirty:
                self.save()

    def _take(self, event: ServerSentEvent) -> None:
        if event.id:
            self.last_event_id = event.id
        if event.retry is not None:
            self.retry = event.retry / 1000
        now = self.hub.clock()
        self.mark_ok()  # an event (or a keep-alive) is a sign of life
        if not event.data:
            return
        try:
            document = json.loads(event.data)
        except json.JSONDecodeError:
            self.stream_trouble("data", f"an event's data is not JSON: {event.data[:60]!r}")
            return
        self.stream_ok("data")
        for stream, spec in self.options.streams.items():
            if spec.event is not None and spec.event != event.event:
                continue
            if _search(spec.path, document) is None:
                continue  # this event carries no news for the stream
            try:
                value = extract(spec, document, self.last_good(stream))
            except BadValueError as error:
                self.stream_trouble(stream, str(error))
                continue
            self.stream_ok(stream)
            self.publish(stream, value, now)
        if self._dirty and now - self._saved_at >= SAVE_EVERY:
            self._saved_at = now
            self.save()
