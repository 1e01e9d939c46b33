"""``type: bluesky``: posts found by Bluesky's search, one search per brand.

Streams:
    mentions (mentions): each new post once per brand it is about; the derived streams follow.
    tracked (ranking): how often each ``track:`` phrase occurred in those posts, last 24 hours
        (only when ``track:`` is given).

Every poll asks ``app.bsky.feed.searchPosts`` (``sort=latest``) once per brand, with the
brand's keywords, phrases (quoted) and #hashtags joined by ``OR`` (or the brand's own search
string from ``queries:``). The search matches loosely (word stems, other fields), so every post
is checked again against the brand's query here; posts are recognised by their ``at://`` uri.
After a poll the newest post time of each search is kept (in the source's cache, so a restart
picks up where it stopped) and the next poll asks only from a little before it (``since``).

A search hit's author has no follower count: the authors of new posts are looked up with
``app.bsky.actor.getProfiles`` (25 a call, ``profile_calls`` calls a poll at most, counts kept
for hours; :mod:`kiosk.sources.bluesky_profiles`), so "who drives it" ranks Bluesky authors
too. A lookup that fails costs no post: the post goes out with 0 followers.

The public AppView (``https://public.api.bsky.app``) needs no account, but some deployments
require one: give ``service:`` (e.g. your PDS) and a ``token`` (an access token, sent as
``Authorization: Bearer``). The Jetstream firehose is a websocket and is not read here.
"""

from __future__ import annotations

import contextlib
import json
import logging
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, field_validator, model_validator

from kiosk.analytics.places import country_of, locate, place_fields
from kiosk.analytics.queries import Listener, ListeningOptions
from kiosk.analytics.sentiment import enrich
from kiosk.lazy import lazy_import
from kiosk.sources.base import register
from kiosk.sources.bluesky_profiles import FollowerCounts, author_did, parse_profiles, profiles_url
from kiosk.sources.listening import ListeningSource
from kiosk.sources.mastodon import parse_time
from kiosk.sources.parsing import DATA_ERRORS, count, describe, parse_off_loop
from kiosk.sources.polling import FetchError, HttpOptions, PollInterval, http_address
from kiosk.values import Mention

if TYPE_CHECKING:
    import httpx
else:
    httpx = lazy_import("httpx")

log = logging.getLogger(__name__)

SEARCH = "/xrpc/app.bsky.feed.searchPosts"
OVERLAP = 300.0  # seconds asked for again: posts are indexed late, and `since` is by index time
_TAG_FACET = "app.bsky.richtext.facet#tag"


class BlueskyOptions(ListeningOptions, HttpOptions):
    type: Literal["bluesky"] = "bluesky"
    service: str = Field(
        default="https://public.api.bsky.app",
        description="Where the search API is; with a token, usually your PDS (https://bsky.social).",
    )
    queries: dict[str, str] = Field(
        default_factory=dict,
        description="Brand → the search string sent for it, instead of one built from its "
        "query (its matches are still checked against the query).",
    )
    limit: int = Field(default=50, ge=1, le=100, description="Posts asked for per search.")
    profile_calls: int = Field(
        default=4,
        ge=0,
        le=40,
        description="Calls a poll may make for new authors' follower counts (25 authors "
        "each, app.bsky.actor.getProfiles); 0: none, authors rank with 0 followers.",
    )
    interval: PollInterval = Field(
        default=60.0, description="Time between polls while all is well."
    )

    @field_validator("service")
    @classmethod
    def _http_url(cls, service: str) -> str:
        return http_address(service).rstrip("/")

    @model_validator(mode="after")
    def _queries_are_for_brands(self) -> BlueskyOptions:
        unknown = [brand for brand in self.queries if brand not in self.brands]
        if unknown:
            raise ValueError(f"queries: {unknown[0]!r} is not one of brands {list(self.brands)}")
        return self

    def search_string(self, brand: str) -> str:
        """What is searched for ``brand``: its own string, or its query's terms OR-ed."""
        return self.queries.get(brand) or " OR ".join(self.brands[brand].search_terms())


@register("bluesky")
class BlueskySource(ListeningSource):
    """Searches once per brand, newest posts only, into ``mentions``."""

    options_model = BlueskyOptions
    options: BlueskyOptions

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.listener = Listener(self.options, self.name)
        self.newest: dict[str, float] = {}  # search string → newest post time seen (epoch)
        self.followers = FollowerCounts(self.hub.clock)
        self.profiles_ok = True  # the last profile lookup worked (logged once per change)
        self._profiles_after = float("-inf")  # a 429's Retry-After, for profile lookups

    async def poll(self) -> None:
        searches = dict.fromkeys(self.options.search_string(b) for b in self.options.brands)
        problems: list[FetchError] = []
        fresh: list[Mention] = []
        dids: dict[str, str] = {}  # post uri → its author's DID
        try:
            for search in searches:
                try:
                    posts = await self.fetch(self._url(search), _posts)
                except FetchError as error:
                    problems.append(error)
                    continue
                fresh.extend(self._take(search, posts or [], dids))
            await self._learn_followers(fresh, dids)
        finally:  # what the listener has taken as seen is shown, whatever stopped the poll
            self.publish_posts(self._with_followers(fresh, dids))
        if problems:
            raise FetchError.combined(problems)

    def _url(self, search: str) -> str:
        params: dict[str, str | int] = {"q": search, "limit": self.options.limit, "sort": "latest"}
        if (newest := self.newest.get(search)) is not None:
            since = datetime.fromtimestamp(newest - OVERLAP, UTC)
            params["since"] = since.isoformat(timespec="seconds").replace("+00:00", "Z")
        return str(httpx.URL(self.options.service + SEARCH, params=params))

    def _take(self, search: str, posts: list[Any], dids: dict[str, str]) -> list[Mention]:
        now = self.hub.clock()
        fresh: list[Mention] = []
        for view in posts:
            post = to_mention(view, now)
            if post is None:
                self.listener.skipped += 1
                continue
            if post.at > self.newest.get(search, float("-inf")):
                self.newest[search] = post.at
            if self.listener.is_new(post.id):
                fresh.extend(self.listener.take(post))
                if (did := author_did(view)) is not None:
                    dids[post.id] = did
        return fresh

    async def _learn_followers(self, fresh: list[Mention], dids: dict[str, str]) -> None:
        """Ask for the follower counts of new posts' authors not known yet, newest first."""
        if self.hub.clock() < self._profiles_after:
            return
        newest_first = sorted(fresh, key=lambda post: -post.at)
        authors = [dids[post.id] for post in newest_first if post.id in dids]
        for batch in self.followers.wanted(authors, self.options.profile_calls):
            url = profiles_url(self.options.service, batch)
            try:
                _, body, headers = await self.request("GET", url)
                found = await parse_off_loop(self.options.timeout, parse_profiles, body, headers)
            except FetchError as error:
                if error.retry_after is not None:
                    self._profiles_after = self.hub.clock() + error.retry_after
                if self.profiles_ok:
                    log.warning("source %s: no follower counts: %s", self.name, error.detail)
                self.profiles_ok = False
                return  # the posts go out all the same, with the counts known so far
            self.followers.learn(batch, found)
            if not self.profiles_ok:
                log.info("source %s: follower counts come again", self.name)
            self.profiles_ok = True

    def _with_followers(self, fresh: list[Mention], dids: dict[str, str]) -> list[Mention]:
        with_counts = []
        for post in fresh:
            did = dids.get(post.id)
            followers = self.followers.get(did) if did is not None else None
            with_counts.append(post if followers is None else replace(post, followers=followers))
        return with_counts

    def cache_extra(self) -> Any:
        return {"newest": self.newest, "followers": self.followers.dump(), **self.listener.dump()}

    def restore_extra(self, extra: Any) -> None:
        newest = extra["newest"]
        if not (
            isinstance(newest, dict)
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in newest.values())
        ):
            raise ValueError("newest: expected post times by search")
        self.listener.load(extra)
        self.newest = {str(key): float(value) for key, value in newest.items()}
        self.followers.load(extra.get("followers"))


def _posts(body: bytes, headers: httpx.Headers) -> list[Any]:
    try:
        document = json.loads(body)
    except DATA_ERRORS as error:
        raise FetchError(f"not JSON ({describe(error)})") from None
    posts = document.get("posts") if isinstance(document, dict) else None
    if not isinstance(posts, list):
        raise FetchError("not a search answer (no posts)")
    return posts


def to_mention(view: Any, now: float) -> Mention | None:
    """A search hit (an ``app.bsky.feed.defs#postView``) as a post, or None if unreadable."""
    try:
        uri, record, author = view["uri"], view["record"], view["author"]
        text, handle = record["text"], author["handle"]
        if not (isinstance(uri, str) and isinstance(text, str) and isinstance(handle, str)):
            return None
        at = _time(record.get("createdAt"), view.get("indexedAt"), now)
        name = author.get("displayName") or handle
        followers = author.get("followersCount") or 0
        langs = record.get("langs") or []
        tags = _hashtags(record)
        media = _media(view.get("embed"))
    except DATA_ERRORS:
        return None
    text = text.strip()
    if not (text and uri and handle and isinstance(name, str) and isinstance(followers, int)):
        return None
    language = langs[0] if isinstance(langs, list) and langs and isinstance(langs[0], str) else None
    lang, sentiment = enrich(text, language)
    place = locate(text)  # Bluesky profiles have no location field
    city, lat, lon = place_fields(place)
    return Mention(
        id=uri,
        at=at,
        brand="",
        text=text,
        lang=lang,
        platform="bluesky",
        author=" ".join(name.split()),
        handle=handle,
        followers=max(followers, 0),
        sentiment=sentiment,
        hashtags=tags,
        media=media,
        city=city,
        lat=lat,
        lon=lon,
        country=country_of(place),
        likes=count(view.get("likeCount")),
        reposts=count(view.get("repostCount")),
        replies=count(view.get("replyCount")),
    )


def _time(created: Any, indexed: Any, now: float) -> float:
    """When the post was made: ``createdAt``, unless missing or later than it was indexed.

    ``createdAt`` is the author's claim (clients may backdate or get it wrong); ``indexedAt``
    is when the AppView saw it, and a post cannot be made after that.
    """
    times = []
    for value in (created, indexed):
        with contextlib.suppress(ValueError):
            times.append(parse_time(value))
    if not times:
        raise ValueError("no time")
    return min(*times, now)


def _hashtags(record: dict[str, Any]) -> tuple[str, ...]:
    tags = [
        feature["tag"]
        for facet in record.get("facets") or ()
        for feature in facet.get("features") or ()
        if feature.get("$type") == _TAG_FACET and isinstance(feature.get("tag"), str)
    ]
    tags += [tag for tag in record.get("tags") or () if isinstance(tag, str)]  # outline tags
    return tuple(dict.fromkeys(tags))


def _media(embed: Any) -> tuple[str, ...]:
    """Image (or video playlist) addresses of an embed view, also inside a quote with media."""
    if not isinstance(embed, dict):
        return ()
    if isinstance(embed.get("media"), dict):  # app.bsky.embed.recordWithMedia#view
        embed = embed["media"]
    found = [image.get("fullsize") for image in embed.get("images") or ()]
    found.append(embed.get("playlist"))  # app.bsky.embed.video#view
    return tuple(url for url in found if isinstance(url, str) and url.startswith("https://"))
