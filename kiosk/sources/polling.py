"""What every polling source shares: the poll loop, backoff, state, and the last good values.

One :class:`PollingSource` per layout source owns its polling (as Home Assistant's update
coordinator does): it polls every ``interval``; after a failure it retries after a random wait
of up to ``backoff × 2^(failures-1)``, capped at ``max_backoff`` ("full jitter", so a wall of
sources does not retry in lockstep), and never sooner than a 429/503's ``Retry-After``. While
failing, every stream keeps its last good value: the source is STALE, and FAILED once no poll has
succeeded for ``stale_after``. The hub logs each change of state once, not each failed poll.

The last good values are also kept on disk, one small JSON file per source, so a restart paints
at once, with the values' original timestamps, even with the network down.

:class:`HttpSource` adds the ``httpx.AsyncClient``, headers and token, conditional requests
(ETag, Last-Modified) and a size limit. Tests inject the transport, the sleep and the jitter.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import ctypes
import ctypes.util
import hashlib
import json
import logging
import math
import random
from collections.abc import AsyncGenerator, Awaitable, Callable, Collection, Mapping, Sequence
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, TypeVar, cast

from pydantic import AfterValidator, Field

from kiosk.config.types import DAY, HOUR, LONGEST_HISTORY, MINUTE, SECOND, Duration
from kiosk.hub import Hub, SourceState
from kiosk.lazy import lazy_import
from kiosk.paths import default_cache_dir
from kiosk.redaction import redact
from kiosk.sources.base import Source, SourceOptions
from kiosk.sources.cache import decode_value, encode_value, write_atomically
from kiosk.values import Kind, Mention

if TYPE_CHECKING:
    from email import utils as email_utils

    import httpx
else:
    httpx = lazy_import("httpx")
    email_utils = lazy_import("email.utils")

log = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]

CACHE_VERSION = 1
CACHED_MENTIONS = 200  # newest posts of a mention stream kept on disk
MAX_RETRY_AFTER = 3600.0  # a server asking for more is not believed
# Backoff is there to spare a struggling backend, not to stop looking: at 300 s a backend that
# came back stayed dark on the wall for up to five minutes. One retry a minute (at random
# within it, so a wall of sources does not retry in step) costs a dead backend nothing.
MAX_BACKOFF = 60.0
USER_AGENT = "kiosk/0.1 (social listening wall)"


class StreamError(Exception):
    """One stream of a poll could not be read; the source's other streams are unaffected."""


def http_address(url: str) -> str:
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"{url!r}: expected an http:// or https:// address")
    return url


HttpAddress = Annotated[str, AfterValidator(http_address)]
"""An http:// or https:// address (what every HTTP source's URLs must be)."""


PollInterval = Annotated[Duration, Field(ge=SECOND, le=DAY)]
"""Time between polls: at most once a second (a backend is not a stream), at least daily."""
MAX_RESPONSE_BYTES = 256 * 2**20
"""The largest ``max_bytes``: a response is held in memory whole, on a mini-PC."""


class PollingOptions(SourceOptions):
    interval: PollInterval = Field(
        default=60.0, description="Time between polls while all is well."
    )
    timeout: Duration = Field(
        default=10.0, ge=0.05, le=10 * MINUTE, description="A poll that takes longer fails."
    )
    backoff: Duration = Field(
        default=2.0,
        ge=0.1,
        le=HOUR,
        description="Longest wait before the first retry after a failure; it doubles with each "
        "further failure, and the actual wait is random up to it.",
    )
    max_backoff: Duration = Field(
        ge=SECOND,
        le=DAY,
        default=MAX_BACKOFF,
        description="Retries never wait longer (unless the server asks, with Retry-After): a "
        "backend that is back is seen within this long.",
    )
    stale_after: Duration = Field(
        default=600.0,
        ge=SECOND,
        le=LONGEST_HISTORY,
        description="Without a good poll for this long, the source is failed rather than stale.",
    )
    cache: bool = Field(
        default=True, description="Keep the last good values on disk, shown at once on restart."
    )


class HttpOptions(PollingOptions):
    headers: dict[str, str] = Field(
        default_factory=dict, description="Extra request headers; values may use ${env:NAME}."
    )
    token: str | None = Field(
        default=None, description="Sent as 'Authorization: Bearer …'; write ${env:NAME}."
    )
    max_bytes: int = Field(
        default=10_000_000,
        ge=1000,
        le=MAX_RESPONSE_BYTES,
        description="A larger response is refused.",
    )


# Options that change how a source polls, not what its values are: editing them keeps the cache.
_HOW_TO_POLL = (set(PollingOptions.model_fields) | set(HttpOptions.model_fields)) - {"type"}


class FetchError(Exception):
    """A poll failed: the backend is down, slow, or answered garbage.

    Args:
        detail: short and plain, shown on screen next to "unavailable".
        retry_after: seconds the server asked us to wait (429/503), if it did.
    """

    def __init__(self, detail: str, retry_after: float | None = None) -> None:
        detail = redact(detail)  # it reaches the log and the screen
        super().__init__(detail)
        self.detail = detail
        self.retry_after = retry_after

    @classmethod
    def combined(cls, problems: list[FetchError]) -> FetchError:
        """One error for a poll of several requests: the first, a count, the longest wait."""
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        waits = [p.retry_after for p in problems if p.retry_after is not None]
        return cls(problems[0].detail + more, max(waits) if waits else None)


class TooLargeError(FetchError):
    """A body over ``max_bytes``: refused as it grew."""


def give_back_memory() -> None:
    """Return freed heap pages to the system (glibc's ``malloc_trim``; elsewhere nothing).

    A refused 50 MiB body is freed at once, but the 64 KiB pieces it came in leave the heap
    fragmented: RSS stayed 12 MiB up after each (138 → 150 MiB, ``tests/test_faults.py``),
    and back at 138 after a trim. Called only after such a refusal: it walks the whole heap.
    """
    if _libc is not None:
        _libc.malloc_trim(0)


def _load_libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim  # noqa: B018  (glibc only: musl and others lack it)
    except (OSError, AttributeError):
        return None
    return libc


_libc = _load_libc()


def backoff_delay(failures: int, base: float, cap: float, jitter: float) -> float:
    """Full jitter: ``jitter`` (0 … 1) of ``base × 2^(failures-1)``, that capped at ``cap``."""
    return jitter * min(cap, base * 2.0 ** min(failures - 1, 60))


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = email_utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = when.timestamp() - now
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


# -- the poll loop -----------------------------------------------------------------------------


class PollingSource(Source):
    """Polls with backoff, tracks ok / stale / failed, and keeps last good values on disk.

    Subclasses implement :meth:`poll` and publish through :meth:`publish` and :meth:`append`.

    Args:
        sleep: awaited between polls; tests pass one that advances a fake clock.
        jitter: gives 0 … 1 for the backoff; tests pass a constant.
        cache_dir: where cache files go (default :func:`default_cache_dir`).
    """

    options_model: ClassVar[type[PollingOptions]]
    options: PollingOptions

    def __init__(
        self,
        name: str,
        options: SourceOptions,
        hub: Hub,
        *,
        sleep: Sleep | None = None,
        jitter: Callable[[], float] | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        super().__init__(name, options, hub)
        self.sleep: Sleep = sleep or asyncio.sleep
        self.jitter = jitter or random.random
        self.cache_path: Path | None = None
        if self.options.cache:
            try:
                folder = cache_dir or default_cache_dir()
            except (RuntimeError, KeyError):  # no home directory (a bare service account)
                log.warning("source %s: no cache directory; set KIOSK_CACHE_DIR", name)
            else:
                self.cache_path = folder / "sources" / f"{name}.json"
        self.kinds = self.provides(options)
        self.failures = 0
        self._good: dict[str, tuple[Any, float]] = {}  # stream → (value, at): what is cached
        self._dirty = False
        self._last_ok: float | None = None
        self._started = 0.0
        self._cache_warned = False
        # Streams keeping their last value after a failure → when their streak began.
        self.troubled: dict[str, float] = {}
        self._failed_streams: set[str] = set()  # those among them failing for stale_after

    @abc.abstractmethod
    async def poll(self) -> None:
        """Fetch once and publish what is good; raise :class:`FetchError` when that failed."""

    def session(self) -> contextlib.AbstractAsyncContextManager[Any]:
        """Held open while the source runs (an HTTP client, for instance)."""
        return contextlib.nullcontext()

    def cache_extra(self) -> Any:
        """Source-specific state to keep on disk with the values (plain JSON data)."""
        return None

    def restore_extra(self, extra: Any) -> None:
        """Take back what :meth:`cache_extra` gave; raise ValueError if it is malformed."""

    async def run(self) -> None:
        self._started = self.hub.clock()
        self.restore()
        async with self.session():
            while True:
                await self.sleep(await self.poll_once())

    async def poll_once(self) -> float:
        """One poll and its bookkeeping; returns the seconds to wait before the next."""
        try:
            await self.poll()
        except FetchError as error:
            delay = self._failed(error.detail, error.retry_after)
        except Exception as error:  # a bug must not end the source; its traceback, once a streak
            if self.failures == 0:
                log.exception("source %s: poll failed unexpectedly", self.name)
            delay = self._failed(f"internal error ({type(error).__name__})", None)
        else:
            self.failures = 0
            self._last_ok = self.hub.clock()
            self.hub.set_status(self.name, SourceState.OK)
            self.hub.confirm(self.name, self._last_ok)  # no news is current news
            delay = self.options.interval
        if self._dirty:  # also after a partial failure: what did arrive is good
            self.save()
        return delay

    async def poll_streams(self, values: Mapping[str, Awaitable[Any]]) -> None:
        """Read several streams at once and publish each that came back.

        A stream that fails (:class:`StreamError`, or :class:`FetchError` for its request)
        keeps its last good value, logged once per streak; only when every stream failed does
        the poll fail, honouring the longest Retry-After.
        """
        now = self.hub.clock()
        outcomes = await asyncio.gather(*values.values(), return_exceptions=True)
        failed: list[tuple[str, StreamError | FetchError]] = []
        for stream, outcome in zip(values, outcomes, strict=True):
            if isinstance(outcome, StreamError | FetchError):
                failed.append((stream, outcome))
            elif isinstance(outcome, BaseException):
                raise outcome  # a bug: poll_once logs its traceback once
            else:
                self.stream_ok(stream)
                if self.kinds.get(stream) is Kind.MENTIONS:
                    self.append(stream, outcome, now)  # new posts are added, never replace
                else:
                    self.publish(stream, outcome, now)
        if failed and len(failed) == len(values):
            stream, first = failed[0]
            detail = first.detail if isinstance(first, FetchError) else f"{stream}: {first}"
            waits = [e.retry_after for _, e in failed if isinstance(e, FetchError)]
            known = [wait for wait in waits if wait]
            raise FetchError(detail, max(known) if known else None)
        for stream, error in failed:
            self.stream_trouble(stream, str(error))

    def stream_trouble(self, stream: str, detail: str) -> None:
        """One stream keeps its last good value while the others update.

        Logged when it starts and when it has failed for ``stale_after``, not at every poll;
        the hub has it at every poll, so the stream's widgets say why and dim in time.
        """
        now = self.hub.clock()
        since = self.troubled.get(stream)
        if since is None:
            self.troubled[stream] = since = now
            log.warning("source %s: %s keeps its last good value: %s", self.name, stream, detail)
        failed = now - since >= self.options.stale_after
        if failed and stream not in self._failed_streams:
            self._failed_streams.add(stream)
            log.warning(
                "source %s: %s failed: no good value for %.0f s (%s)",
                self.name,
                stream,
                now - since,
                detail,
            )
        if stream in self.kinds:  # not an sse source's event data as a whole
            state = SourceState.FAILED if failed else SourceState.STALE
            self.hub.set_stream_trouble(f"{self.name}.{stream}", state, detail)

    def stream_ok(self, stream: str) -> None:
        self._failed_streams.discard(stream)
        if self.troubled.pop(stream, None) is not None:
            self.hub.clear_stream_trouble(f"{self.name}.{stream}")
            log.info("source %s: %s reads well again", self.name, stream)

    def mark_ok(self) -> None:
        """OK now, in the middle of a poll: a stream that stays open (sse, streaming APIs)."""
        self.failures = 0
        self._last_ok = self.hub.clock()
        self.hub.set_status(self.name, SourceState.OK)
        self.hub.confirm(self.name, self._last_ok)

    def _failed(self, detail: str, retry_after: float | None) -> float:
        self.failures += 1
        log.debug("source %s: poll %d failed: %s", self.name, self.failures, detail)
        since = self._started if self._last_ok is None else self._last_ok
        failing_too_long = self.hub.clock() - since >= self.options.stale_after
        self.hub.set_status(
            self.name, SourceState.FAILED if failing_too_long else SourceState.STALE, detail
        )
        options = self.options
        delay = backoff_delay(self.failures, options.backoff, options.max_backoff, self.jitter())
        return delay if retry_after is None else max(delay, retry_after)

    # -- publishing --------------------------------------------------------------------------

    def last_good(self, stream: str) -> Any:
        """The stream's last good value (from this run or the cache), or None."""
        found = self._good.get(stream)
        return None if found is None else found[0]

    def publish(
        self, stream: str, value: Any, at: float | None = None, *, new: bool = True
    ) -> None:
        """Publish a good value. ``new=False``: the same data confirmed again (no cache write)."""
        at = self.hub.clock() if at is None else at
        self.hub.publish(f"{self.name}.{stream}", value, at=at)
        self._good[stream] = (value, at)
        self._dirty = self._dirty or new

    def append(self, stream: str, items: Sequence[Mention], at: float | None = None) -> None:
        """Add new posts to a mention stream (the newest are also cached)."""
        if not items:
            return
        at = self.hub.clock() if at is None else at
        self.hub.append(f"{self.name}.{stream}", items, at=at)
        kept = (*(self.last_good(stream) or ()), *items)[-CACHED_MENTIONS:]
        self._good[stream] = (kept, at)
        self._dirty = True

    # -- the cache ---------------------------------------------------------------------------

    def cache_identity(self) -> str:
        """Names the options that shape the values: a cache written under others is not used."""
        shape = self.options.model_dump(mode="json", exclude=_HOW_TO_POLL)
        return hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()[:16]

    def save(self) -> None:
        """Write the last good values to the cache file (atomically)."""
        self._dirty = False
        if self.cache_path is None:
            return
        streams = {
            stream: {"kind": self.kinds[stream].value, "at": at, "value": encode_value(kind, value)}
            for stream, (value, at) in self._good.items()
            if (kind := self.kinds.get(stream)) is not None
        }
        document = {
            "version": CACHE_VERSION,
            "identity": self.cache_identity(),
            "streams": streams,
            "extra": self.cache_extra(),
        }
        try:
            write_atomically(self.cache_path, json.dumps(document, allow_nan=False))
        except (OSError, ValueError) as error:
            if not self._cache_warned:  # once: the disk will not get better by itself soon
                self._cache_warned = True
                log.warning(
                    "source %s: cannot write its cache %s: %s", self.name, self.cache_path, error
                )

    def restore(self) -> None:
        """Publish the cached values with their original timestamps; ignore a broken cache."""
        if self.cache_path is None:
            return
        try:
            text = self.cache_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        except (OSError, UnicodeDecodeError) as error:
            log.warning(
                "source %s: cannot read its cache %s: %s", self.name, self.cache_path, error
            )
            return
        try:
            restored = self._decode_cache(json.loads(text))
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            log.warning(
                "source %s: ignoring a corrupt cache %s: %s", self.name, self.cache_path, error
            )
            return
        for stream, (value, at) in restored.items():
            if self.kinds[stream] is Kind.MENTIONS:
                self.hub.append(f"{self.name}.{stream}", value, at=at)
            else:
                self.hub.publish(f"{self.name}.{stream}", value, at=at)
        self._good.update(restored)
        if restored:
            log.info("source %s: showing %d cached values", self.name, len(restored))

    def _decode_cache(self, document: Any) -> dict[str, tuple[Any, float]]:
        if (
            document.get("version") != CACHE_VERSION
            or document["identity"] != self.cache_identity()
        ):
            log.info("source %s: its cache was written for other options; not used", self.name)
            return {}
        restored: dict[str, tuple[Any, float]] = {}
        for stream, entry in document["streams"].items():
            kind = self.kinds.get(stream)
            if kind is None or entry["kind"] != kind.value:
                continue
            at = float(entry["at"])
            if not math.isfinite(at):
                raise ValueError(f"{stream}: bad timestamp")
            restored[stream] = (decode_value(kind, entry["value"]), at)
        self.restore_extra(document.get("extra"))
        return restored


# -- HTTP --------------------------------------------------------------------------------------


class HttpSource(PollingSource):
    """A polling source over HTTP: one client per source, conditional GETs, a size limit.

    Args:
        transport: for tests (``httpx.MockTransport``); None means the network.
    """

    options: HttpOptions

    def __init__(
        self,
        name: str,
        options: SourceOptions,
        hub: Hub,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name, options, hub, **kwargs)
        self.transport = transport
        self.client: httpx.AsyncClient | None = None
        self._validators: dict[str, dict[str, str]] = {}  # url → If-None-Match, If-Modified-Since

    def session(self) -> contextlib.AbstractAsyncContextManager[Any]:
        headers = {"User-Agent": USER_AGENT, **self.options.headers}
        if self.options.token:
            headers["Authorization"] = f"Bearer {self.options.token}"
        self.client = httpx.AsyncClient(
            transport=self.transport,
            headers=headers,
            timeout=self.options.timeout,
            follow_redirects=True,
        )
        return self.client

    async def fetch(self, url: str, parse: Callable[[bytes, httpx.Headers], T]) -> T | None:
        """GET ``url`` and ``parse`` the body; None when unchanged since the last good fetch.

        The ETag and Last-Modified are remembered only once ``parse`` accepted the body, so a
        garbage answer is not later confirmed by a 304. ``parse`` runs in a worker process
        (:mod:`kiosk.sources.parsing`), within ``timeout``: it must be picklable.

        Raises:
            FetchError: for a network error, a timeout, an error status or a body too large;
                ``parse`` raises it for a body it cannot read.
        """
        from kiosk.sources.parsing import parse_off_loop  # it needs FetchError from here

        known = self._validators.get(url)
        status, body, headers = await self.request("GET", url, headers=known)
        if status == 304 and known:
            return None
        value = await parse_off_loop(self.options.timeout, parse, body, headers)
        validators = {
            request: headers[answer]
            for request, answer in (
                ("If-None-Match", "ETag"),
                ("If-Modified-Since", "Last-Modified"),
            )
            if answer in headers
        }
        self._validators[url] = validators
        return value

    async def request(
        self, method: str, url: str, *, answers: Collection[int] = (), **kwargs: Any
    ) -> tuple[int, bytes, httpx.Headers]:
        """One request with the source's client: status, body (size-limited) and headers.

        A success, a 304, and the statuses in ``answers`` (e.g. 400, whose body explains a bad
        query) come back; anything else raises.

        Raises:
            FetchError: for a network error, a timeout (for the whole request: httpx's is per
                read), another status (with Retry-After for 429/503), a body too large.
        """
        assert self.client is not None, "request() runs inside run()"
        host = httpx.URL(url).host or url
        timeout = self.options.timeout
        try:
            async with asyncio.timeout(timeout):
                async with self.client.stream(method, url, **kwargs) as response:
                    status = response.status_code
                    if not (response.is_success or status == 304 or status in answers):
                        retry_after = None
                        if status in (429, 503):
                            header = response.headers.get("Retry-After")
                            retry_after = parse_retry_after(header, self.hub.clock())
                        raise FetchError(f"HTTP {status} from {host}", retry_after)
                    return status, await self._read(response, host), response.headers
        except TooLargeError:
            give_back_memory()
            raise
        except (TimeoutError, httpx.TimeoutException):
            raise FetchError(f"no answer from {host} within {timeout:g}s") from None
        except httpx.ConnectError:
            raise FetchError(f"cannot connect to {host}") from None
        except httpx.HTTPError as error:
            raise FetchError(f"{host}: {type(error).__name__}") from None

    def forget(self, url: str) -> None:
        """Drop what the last good answer from ``url`` was: the next fetch is a full GET."""
        self._validators.pop(url, None)

    async def _read(self, response: httpx.Response, host: str) -> bytes:
        # Closed here, not left to the garbage collector: an abandoned body iterator was
        # finalised outside its task, and httpcore's cancel scope printed a dozen "Exception
        # ignored … GeneratorExit" tracebacks for each refused body.
        body = bytearray()
        body_iterator = cast(AsyncGenerator[bytes, None], response.aiter_bytes())  # it is one
        async with contextlib.aclosing(body_iterator) as chunks:
            async for chunk in chunks:
                if len(body) + len(chunk) > self.options.max_bytes:
                    del body[:]  # the traceback keeps this frame: free the memory now
                    raise TooLargeError(f"{host} sent more than {self.options.max_bytes:,} bytes")
                body += chunk
        return bytes(body)
