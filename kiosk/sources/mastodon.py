"""``type: mastodon``: posts from a Mastodon instance's hashtag timelines, and optionally search.

Streams:
    mentions (mentions): each new post once per brand it is about (the brands' queries decide;
        a post about no brand is dropped); the derived streams (volume, share, …) follow.
    tracked (ranking): how often each ``track:`` phrase occurred in those posts, last 24 hours
        (only when ``track:`` is given).

Every poll reads ``GET /api/v1/timelines/tag/<tag>`` for each hashtag (``tags:``, else every
hashtag in the brands' queries), asking only for posts newer than the last one seen there
(``since_id``, kept in the source's cache, so a restart neither repeats nor skips posts; more
than ``limit`` new posts between polls keeps the newest). ``search: true`` also searches each
brand's keywords and phrases (``/api/v2/search``): most instances answer that only with a
``token`` and only find posts whose authors opted in to search.

A post's HTML is read with the standard library's parser into plain text (paragraphs become
lines; the parts of links Mastodon hides are left out). A boost stands for the post it boosts.
The media of a post marked sensitive are left out: a wall is a public screen.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from pydantic import Field, field_validator, model_validator

from kiosk.analytics.places import country_of, locate, place_fields
from kiosk.analytics.queries import Listener, ListeningOptions, words_of
from kiosk.analytics.sentiment import enrich
from kiosk.lazy import lazy_import
from kiosk.sources.base import register
from kiosk.sources.listening import ListeningSource
from kiosk.sources.parsing import DATA_ERRORS, count, describe
from kiosk.sources.polling import FetchError, HttpOptions, PollInterval, backoff_delay, http_address
from kiosk.sources.streaming import check_event_stream, read_events, refused
from kiosk.values import Mention

if TYPE_CHECKING:
    import httpx
    import httpx_sse

    from kiosk.sources import html_text
else:
    httpx = lazy_import("httpx")
    httpx_sse = lazy_import("httpx_sse")
    html_text = lazy_import("kiosk.sources.html_text")  # html.parser: walls that read Mastodon

log = logging.getLogger(__name__)

STREAM_IDLE = 90.0  # Mastodon sends a heartbeat every ~15 s: this much silence is a dead stream

_STATUS_ERRORS: tuple[type[Exception], ...] = (
    *DATA_ERRORS,
    AssertionError,
)  # AssertionError: html.parser, broken tags


class MastodonOptions(ListeningOptions, HttpOptions):
    type: Literal["mastodon"] = "mastodon"
    instance: str = Field(description="The instance's address, e.g. https://mastodon.social.")
    tags: list[str] = Field(
        default_factory=list,
        description="Hashtags whose public timelines are read (with or without '#'); empty: "
        "every hashtag in the brands' queries.",
    )
    search: bool = Field(
        default=False,
        description="Also search each brand's keywords and phrases; most instances need a "
        "token for this and only find posts whose authors opted in.",
    )
    stream: bool = Field(
        default=False,
        description="After each catch-up poll, hold the instance's streaming API open for the "
        "hashtags (server-sent events): posts arrive within a second. Most instances need a "
        "token for it; one that refuses falls back to polling, said once in the log.",
    )
    limit: int = Field(default=40, ge=1, le=40, description="Posts asked for per request.")
    interval: PollInterval = Field(
        default=60.0, description="Time between polls while all is well."
    )

    @field_validator("instance")
    @classmethod
    def _http_url(cls, instance: str) -> str:
        return http_address(instance).rstrip("/")

    @field_validator("tags")
    @classmethod
    def _one_word_each(cls, tags: list[str]) -> list[str]:
        for tag in tags:
            if len(words_of(tag)) != 1 or " " in tag.strip():
                raise ValueError(f"{tag!r} is not a hashtag; expected e.g. acme or #acme")
        return [tag.strip().lstrip("#") for tag in tags]

    @model_validator(mode="after")
    def _something_to_read(self) -> MastodonOptions:
        if not (self.timelines or self.search):
            raise ValueError(
                "nothing to read: give tags:, hashtags in a brand's query, or search: true"
            )
        return self

    @property
    def timelines(self) -> list[str]:
        """The hashtags read, each once, in layout order."""
        if self.tags:
            return list(dict.fromkeys(self.tags))
        tags = (tag.lstrip("#") for query in self.brands.values() for tag in query.hashtags)
        return list(dict.fromkeys(tags))

    @property
    def searches(self) -> list[str]:
        """The search terms (keywords and quoted phrases), each once, when search is on."""
        if not self.search:
            return []
        terms = (
            f'"{term}"' if len(words_of(term)) > 1 else term
            for query in self.brands.values()
            for term in (*query.keywords, *query.phrases)
        )
        return list(dict.fromkeys(terms))


@register("mastodon")
class MastodonSource(ListeningSource):
    """Reads the hashtag timelines (and searches), newest posts only, into ``mentions``."""

    options_model = MastodonOptions
    options: MastodonOptions

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.listener = Listener(self.options, self.name)
        self.host = httpx.URL(self.options.instance).host
        self.streaming = True  # until the instance says it offers none
        self.stream_failures = 0  # streams in a row that failed before anything came
        self.next_poll: float | None = None  # after streaming: when to catch up again
        self._saved_at = 0.0
        self.since: dict[str, str] = {}  # "tag:<tag>" or "search:<terms>" → newest post id seen

    async def poll(self) -> None:
        requests = [(f"tag:{tag}", self._timeline_url(tag)) for tag in self.options.timelines]
        requests += [
            (f"search:{terms}", self._search_url(terms)) for terms in self.options.searches
        ]
        problems: list[FetchError] = []
        fresh: list[Mention] = []
        try:
            for key, url in requests:
                try:
                    statuses = await self.fetch(url, _statuses)
                except FetchError as error:
                    if key.startswith("search:") and error.detail.startswith("HTTP 401"):
                        error = FetchError(f"search needs a token ({error.detail})")
                    problems.append(error)
                    continue
                fresh.extend(self._take(key, statuses or []))
        finally:  # what the listener has taken as seen is shown, whatever stopped the poll
            self.publish_posts(fresh)
        if problems:
            raise FetchError.combined(problems)
        self.next_poll = None
        if self.options.stream and self.streaming and self.options.timelines:
            wait = await self._stream_tags()  # the next poll catches up
            self.next_poll = wait if self.streaming else None  # refused: polls at the interval

    async def poll_once(self) -> float:
        delay = await super().poll_once()
        if self.failures == 0 and self.next_poll is not None:
            return self.next_poll
        return delay

    async def _stream_tags(self) -> float:
        """Hold one stream per hashtag open until one ends; returns the wait before the next
        catch-up poll.

        The catch-up polls keep the posts current, so a stream that fails is that part's
        trouble (logged once per streak), not the source's: it is retried with backoff and
        never sooner than the instance's Retry-After. A stream that ends after posts or
        heartbeats came is routine: catch up and stream again soon.
        """
        tasks = [asyncio.ensure_future(self._stream_tag(tag)) for tag in self.options.timelines]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()  # the first failure, as FetchError
        except FetchError as error:
            self.stream_failures += 1
            self.stream_trouble("streaming", error.detail)
            wait = self._backoff(self.stream_failures)
            return wait if error.retry_after is None else max(wait, error.retry_after)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        return self._backoff(1)

    def _backoff(self, failures: int) -> float:
        options = self.options
        return backoff_delay(failures, options.backoff, options.max_backoff, self.jitter())

    async def _stream_tag(self, tag: str) -> None:
        """Stream one hashtag; returns when it ended after something came, or when the
        instance offers no streaming; FetchError when it failed before anything came."""
        assert self.client is not None, "streams run inside run()"
        url = f"{self.options.instance}/api/v1/streaming/hashtag"
        timeout = httpx.Timeout(self.options.timeout, read=STREAM_IDLE)
        host = self.host or url
        alive = False
        try:
            async with self.client.stream(
                "GET", url, params={"tag": tag}, timeout=timeout
            ) as response:
                status = response.status_code
                if status in (401, 403, 404, 501):
                    self.streaming = False
                    log.info(
                        "source %s: %s offers no streaming here (HTTP %d): polling only",
                        self.name,
                        host,
                        status,
                    )
                    return
                if not response.is_success:
                    raise refused(response, host, self.hub.clock(), " (streaming)")
                check_event_stream(response)
                events = read_events(response, oversized=lambda: self._oversized(tag))
                async with contextlib.aclosing(events):
                    async for event in events:
                        alive = True
                        self.stream_failures = 0
                        self.stream_ok("streaming")
                        self.mark_ok()  # a heartbeat is a sign of life too
                        if event.event == "update" and event.data:
                            self._streamed(tag, event.data)
        except (httpx.TimeoutException, TimeoutError):
            raise FetchError(f"{host}: the stream for #{tag} went quiet") from None
        except httpx_sse.SSEError:
            self.streaming = False
            log.info("source %s: %s streams no events: polling only", self.name, host)
            return
        except httpx.HTTPError as error:
            if not alive:
                raise FetchError(
                    f"{host}: the stream for #{tag} dropped ({type(error).__name__})"
                ) from None
        if not alive:
            raise FetchError(f"{host} closed the stream for #{tag} at once")
        log.debug("source %s: the stream for #%s ended; catching up", self.name, tag)

    def _oversized(self, tag: str) -> None:
        self.stream_trouble("streaming", f"an event on #{tag} was too large and was skipped")

    def _streamed(self, tag: str, data: str) -> None:
        try:
            status = json.loads(data)
        except DATA_ERRORS:  # not JSON, nested too deeply, a number of over 4,300 digits
            self.listener.skipped += 1
            return
        self.publish_posts(self._take(f"tag:{tag}", [status]))
        now = self.hub.clock()
        if self._dirty and now - self._saved_at >= 30:  # not a disk write per post
            self._saved_at = now
            self.save()

    def _timeline_url(self, tag: str) -> str:
        params: dict[str, str | int] = {"limit": self.options.limit}
        if since := self.since.get(f"tag:{tag}"):
            params["since_id"] = since
        base = f"{self.options.instance}/api/v1/timelines/tag/{quote(tag, safe='')}"
        return str(httpx.URL(base, params=params))

    def _search_url(self, terms: str) -> str:
        params: dict[str, str | int] = {
            "q": terms,
            "type": "statuses",
            "limit": self.options.limit,
        }
        if since := self.since.get(f"search:{terms}"):
            params["min_id"] = since
        return str(httpx.URL(f"{self.options.instance}/api/v2/search", params=params))

    def _take(self, key: str, statuses: list[Any]) -> list[Mention]:
        """The brand mentions among ``statuses``; remembers the newest id for ``key``."""
        now = self.hub.clock()
        fresh: list[Mention] = []
        for status in statuses:
            if isinstance(status, dict) and isinstance(status.get("id"), str):
                newest = self.since.get(key)
                if newest is None or _id_order(status["id"]) > _id_order(newest):
                    self.since[key] = status["id"]
            post = to_mention(status, self.host or "", now)
            if post is None:
                self.listener.skipped += 1
            elif self.listener.is_new(post.id):
                fresh.extend(self.listener.take(post))
        return fresh

    def cache_extra(self) -> Any:
        return {"since": self.since, **self.listener.dump()}

    def restore_extra(self, extra: Any) -> None:
        since = extra["since"]
        if not (isinstance(since, dict) and all(isinstance(v, str) for v in since.values())):
            raise ValueError("since: expected post ids by timeline")
        self.listener.load(extra)
        self.since = {str(key): value for key, value in since.items()}


def _id_order(status_id: str) -> tuple[int, str]:
    """Mastodon ids are numbers written as text: a longer one is newer."""
    return len(status_id), status_id


def _statuses(body: bytes, headers: httpx.Headers) -> list[Any]:
    """The posts in a timeline (a list) or a search answer (``statuses`` in an object)."""
    try:
        document = json.loads(body)
    except DATA_ERRORS as error:
        raise FetchError(f"not JSON ({describe(error)})") from None
    if isinstance(document, dict):
        document = document.get("statuses")
    if not isinstance(document, list):
        raise FetchError("not a list of posts")
    return document


def to_mention(status: Any, instance_host: str, now: float) -> Mention | None:
    """A Mastodon status as a post (its brand still empty), or None if it cannot be read."""
    if isinstance(status, dict) and isinstance(status.get("reblog"), dict):
        status = status["reblog"]
    try:
        account = status["account"]
        acct, uri = account["acct"], status.get("uri") or status.get("url")
        if not (isinstance(acct, str) and acct and isinstance(uri, str) and uri):
            return None
        text = html_text.html_to_text(status["content"])
        at = min(parse_time(status["created_at"]), now)
        followers = account.get("followers_count") or 0
        tags = tuple(t["name"] for t in status.get("tags") or () if isinstance(t.get("name"), str))
        media = () if status.get("sensitive") is True else _media(status)
        name = account.get("display_name") or account.get("username") or acct
    except _STATUS_ERRORS:
        return None
    if not text or not isinstance(name, str) or not isinstance(followers, int):
        return None
    language = status.get("language")
    lang, sentiment = enrich(text, language if isinstance(language, str) else None)
    place = locate(text, _profile_location(account))
    city, lat, lon = place_fields(place)
    return Mention(
        id=uri,
        at=at,
        brand="",
        text=text,
        lang=lang,
        platform="mastodon",
        author=" ".join(name.split()),
        handle=acct if "@" in acct else f"{acct}@{instance_host}",
        followers=max(followers, 0),
        sentiment=sentiment,
        hashtags=tags,
        media=media,
        city=city,
        lat=lat,
        lon=lon,
        country=country_of(place),
        likes=count(status.get("favourites_count")),
        reposts=count(status.get("reblogs_count")),
        replies=count(status.get("replies_count")),
    )


# Profile fields people use for where they are, in the languages of kiosk's rooms.
_LOCATION_FIELDS = frozenset(
    [
        "location",
        "locatie",
        "woonplaats",
        "lieu",
        "localisation",
        "ville",
        "città",
        "luogo",
        "ort",
        "standort",
        "wohnort",
        "ubicación",
        "ubicacion",
        "place",
        "based",
        "where",
        "city",
        "stad",
    ]
)


def _profile_location(account: Any) -> str:
    """The value of a profile field named like "Location" (Mastodon has no location of its
    own; people add one), or ""."""
    fields = account.get("fields") if isinstance(account, dict) else None
    for field in fields if isinstance(fields, list) else ():
        name = field.get("name") if isinstance(field, dict) else None
        value = field.get("value") if isinstance(field, dict) else None
        label = name.strip().strip(":").casefold() if isinstance(name, str) else ""
        if label in _LOCATION_FIELDS and isinstance(value, str):
            return html_text.html_to_text(value)[:200]
    return ""


def _media(status: dict[str, Any]) -> tuple[str, ...]:
    found = []
    for attachment in status.get("media_attachments") or ():
        url = attachment.get("url") or attachment.get("remote_url")
        if isinstance(url, str) and url.startswith(("http://", "https://")):
            found.append(url)
    return tuple(found)


def parse_time(value: Any) -> float:
    """Epoch seconds from an ISO 8601 time ("2025-01-06T09:58:12.000Z"); ValueError if not one."""
    if not isinstance(value, str):
        raise ValueError("not a time")
    when = datetime.fromisoformat(value)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()
