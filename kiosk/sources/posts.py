"""Posts read out of JSON records (``kind: mentions`` of ``http_json``, ``file`` and
``opensearch``): which field of a record is the text, the time, the author… and where it was
posted from.

A record that names its country (``country: NL``, or ``Netherlands``) or carries coordinates
(an OpenSearch ``geo_point`` in any of its forms: ``{lat, lon}``, ``"lat,lon"``, ``[lon, lat]``,
``POINT (lon lat)``) passes them on to the post, so such posts are placed without guessing
from profile texts: on the map, in ``by: country``, ``where: {country: …}`` and markets.
"""

from __future__ import annotations

import collections
import functools
import hashlib
import math
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, BaseModel, Field

from kiosk.analytics.sentiment import enrich
from kiosk.config.markets import country_names
from kiosk.config.types import LAYOUT_MODEL
from kiosk.lazy import lazy_import
from kiosk.values import Mention

if TYPE_CHECKING:
    import jmespath
else:
    jmespath = lazy_import("jmespath")

SEEN = 20_000  # post ids remembered per stream: a poll that answers the same posts adds none
MAX_TEXT = 5000  # characters kept of a post's text
_WKT_POINT = re.compile(r"^\s*POINT\s*\(\s*([-+0-9.eE]+)\s+([-+0-9.eE]+)\s*\)\s*$", re.IGNORECASE)


def _compiles(expression: str) -> str:
    try:
        jmespath.compile(expression)
    except (RecursionError, jmespath.exceptions.JMESPathError):
        raise ValueError(f"not a JMESPath expression: {expression[:60]!r}") from None
    return expression


Path = Annotated[str, Field(min_length=1, max_length=500), AfterValidator(_compiles)]


class PostFields(BaseModel):
    """Where each part of a post is in a record (JMESPath, e.g. ``user.name``). A field the
    record lacks is left empty; a record without text or time is skipped."""

    model_config = LAYOUT_MODEL

    text: Path = Field(default="text", description="The post's words.")
    time: Path = Field(
        default="time", description="When it was posted: epoch seconds or ms, or ISO 8601."
    )
    id: Path = Field(default="id", description="Its id (default: made from time and text).")
    author: Path = Field(default="author", description="Who posted it (a name).")
    handle: Path = Field(default="handle", description="Their handle, e.g. @ana.")
    followers: Path = Field(default="followers", description="Their follower count.")
    brand: Path = Field(default="brand", description="The brand it is about.")
    platform: Path = Field(default="platform", description="Where it was posted.")
    lang: Path = Field(default="lang", description="Its language (detected when absent).")
    sentiment: Path = Field(
        default="sentiment", description="Its sentiment, -1 … 1 (scored when absent)."
    )
    hashtags: Path = Field(default="hashtags", description="Its hashtags (a list).")
    country: Path = Field(
        default="country",
        description="The country it was posted from: an ISO 3166 code (NL) or English name.",
    )
    coordinates: Path = Field(
        default="coordinates",
        description="Where it was posted: a geo_point ({lat, lon}, 'lat,lon', [lon, lat] or "
        "'POINT (lon lat)').",
    )
    city: Path = Field(default="city", description="The place's name, shown on the map.")


@functools.cache
def _compiled(expression: str) -> Any:
    return jmespath.compile(expression)


def _get(record: Any, path: str) -> Any:
    try:
        return _compiled(path).search(record)
    except (jmespath.exceptions.JMESPathError, TypeError, ValueError, RecursionError):
        return None


def geo_point(value: Any) -> tuple[float, float] | None:
    """(lat, lon) from an OpenSearch/Elasticsearch ``geo_point`` value; None when it is none."""
    lat: Any
    lon: Any
    if isinstance(value, dict):
        lat, lon = value.get("lat"), value.get("lon")
        if value.get("type") == "Point" and isinstance(value.get("coordinates"), list):
            return geo_point(value["coordinates"])  # GeoJSON
    elif isinstance(value, list | tuple) and len(value) in (2, 3):
        lon, lat = value[0], value[1]  # GeoJSON order: longitude first
    elif isinstance(value, str) and (match := _WKT_POINT.match(value)):
        lon, lat = match.groups()
    elif isinstance(value, str) and value.count(",") == 1:
        lat, lon = value.split(",")
    else:
        return None
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


@functools.cache
def _country_codes() -> dict[str, str]:
    """English country name (folded) → ISO 3166 alpha-2, and each code to itself."""
    names = country_names()
    return {code: code for code in names} | {name.casefold(): code for code, name in names.items()}


def country_code(value: Any) -> str:
    """``NL``, ``nl`` or ``Netherlands`` → ``NL``; anything else → "" (no country known)."""
    if not isinstance(value, str) or not value.strip():
        return ""
    text = value.strip()
    return _country_codes().get(text.upper() if len(text) == 2 else text.casefold(), "")


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:g}"
    return ""


def read_post(record: Any, fields: PostFields, when: Callable[[Any], float]) -> Mention | None:
    """The post in ``record``, or None when it has no text or no time ``when`` can read."""
    text = _text(_get(record, fields.text))[:MAX_TEXT]
    stamp = _get(record, fields.time)
    if not text.strip() or stamp is None:
        return None
    try:
        at = when(stamp)
    except ValueError:
        return None
    post_id = _text(_get(record, fields.id))
    if not post_id:
        post_id = hashlib.blake2b(f"{at}\x1f{text}".encode(), digest_size=8).hexdigest()
    followers = _get(record, fields.followers)
    if isinstance(followers, bool) or not isinstance(followers, int | float):
        followers = 0
    scored = _get(record, fields.sentiment)
    lang = _text(_get(record, fields.lang))
    if isinstance(scored, int | float) and not isinstance(scored, bool) and -1 <= scored <= 1:
        sentiment = float(scored)
        lang = lang or enrich(text)[0]
    else:
        lang, sentiment = enrich(text, lang or None)
    tags = _get(record, fields.hashtags)
    hashtags = tuple(
        "#" + tag.lstrip("#") for tag in (tags if isinstance(tags, list) else []) if _tag(tag)
    )
    place = geo_point(_get(record, fields.coordinates))
    city = _text(_get(record, fields.city))
    if place is not None and not city:
        city = f"{place[0]:.2f}, {place[1]:.2f}"  # a dot on the map needs a name
    return Mention(
        id=post_id,
        at=at,
        brand=_text(_get(record, fields.brand)),
        text=text,
        lang=lang,
        platform=_text(_get(record, fields.platform)),
        author=_text(_get(record, fields.author)),
        handle=_text(_get(record, fields.handle)),
        followers=int(followers) if math.isfinite(followers) and followers > 0 else 0,
        sentiment=sentiment,
        hashtags=hashtags[:20],
        city=city if place is not None else "",
        lat=place[0] if place is not None else None,
        lon=place[1] if place is not None else None,
        country=country_code(_get(record, fields.country)),
    )


def _tag(tag: Any) -> bool:
    return isinstance(tag, str) and bool(tag.strip("# "))


class NewPosts:
    """The posts of each read that earlier reads did not bring (a polled feed answers the
    same latest posts again and again): by id, the last ``SEEN`` remembered."""

    def __init__(self) -> None:
        self._seen: collections.OrderedDict[str, None] = collections.OrderedDict()
        self._started = False

    def only_new(self, posts: list[Mention], shown: Any = None) -> list[Mention]:
        """``posts`` not brought before; ``shown``: the posts the stream already has (from
        the cache, at a restart), known as seen at the first read."""
        if not self._started:
            self._started = True
            for post in shown if isinstance(shown, tuple | list) else ():
                if isinstance(post, Mention):
                    self._seen[post.id] = None
        fresh = []
        for post in posts:
            if post.id not in self._seen:
                self._seen[post.id] = None
                fresh.append(post)
        while len(self._seen) > SEEN:
            self._seen.popitem(last=False)
        fresh.sort(key=lambda post: post.at)
        return fresh
