"""``type: opensearch`` (or ``elasticsearch``): counts, series and rankings from a search index.

Each entry of ``streams:`` names a stream and the aggregation that makes it::

    sources:
      logs:
        type: opensearch
        url: https://search.internal:9200
        index: mentions-*
        username: ${env:SEARCH_USER}
        password: ${env:SEARCH_PASSWORD}
        streams:
          today:    {kind: metric, range: 1d}                      # documents in the last day
          latency:  {kind: metric, agg: avg, field: took_ms, range: 15m}
          volume:   {kind: series, interval: 5m, range: 6h, split: brand.keyword, top: 5}
          hashtags: {kind: ranking, field: hashtags.keyword, top: 10, range: 1h,
                     query: {term: {lang: en}}}
          mentions: {kind: mentions, top: 100, fields: {text: body, coordinates: location}}

Each stream is one ``POST {url}/{index}/_search`` with ``size: 0``: the stream's ``query`` (query
DSL, default every document) and, with ``range``, only documents whose ``time_field`` is newer.
A series is a ``date_histogram`` of ``fixed_interval`` (one line per term of ``split``, the
``top`` busiest); a ranking a ``terms`` aggregation; a metric the number of hits, or ``agg`` of
``field``. Shard failures and timeouts leave a partial answer: it is used, and logged once per
streak. An ``error`` answer, or one without the aggregation asked for, is that stream's failure:
it keeps its last value while the others update.

``mentions`` asks for the ``top`` newest documents (by ``time_field``) and reads a post out of
each ``_source`` by ``fields:`` (:class:`~kiosk.sources.posts.PostFields`): a ``geo_point``
field (``coordinates:``) and a country field pass through, so the posts are placed as the index
places them. A stream named ``mentions`` gets every derived stream (volume, share, by_country…);
each poll adds only the posts not seen before.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)

from kiosk.config.types import LAYOUT_MODEL, LONGEST_HISTORY, MINUTE, SECOND, Duration
from kiosk.lazy import lazy_import
from kiosk.sources.base import SourceOptions, register
from kiosk.sources.http_json import BadValueError, check_stream_names, epoch_seconds
from kiosk.sources.parsing import DATA_ERRORS, describe, finite, parse_off_loop, plain, shown
from kiosk.sources.polling import HttpOptions, HttpSource, StreamError
from kiosk.sources.posts import NewPosts, PostFields, read_post
from kiosk.values import Kind, Mention, Metric, RankEntry, Ranking, TimeSeries

if TYPE_CHECKING:
    import httpx
else:
    httpx = lazy_import("httpx")

log = logging.getLogger(__name__)

HISTORY = 30  # a metric's history: its last good values, one per poll
MAX_POINTS = 10_000  # buckets of a series: more is a wrong interval
_ANSWERS_WITH_A_BODY = (400, 404)  # a bad query, a missing index: the error object says which

_EXTRAS = {
    "interval": {"series"},
    "split": {"series"},
    "top": {"series", "ranking", "mentions"},
    "agg": {"metric", "series"},
    "unit": {"metric"},
    "fields": {"mentions"},
}


class SearchStream(BaseModel):
    """One stream: which documents, and what to make of them."""

    model_config = LAYOUT_MODEL

    kind: Literal["metric", "series", "ranking", "mentions"] = Field(
        description="What the stream carries."
    )
    query: dict[str, Any] = Field(
        default_factory=lambda: {"match_all": {}},
        description="Query DSL selecting the documents, e.g. {term: {lang: en}}.",
    )
    time_field: str = Field(default="@timestamp", description="The documents' time field.")
    range: Annotated[Duration, Field(ge=MINUTE, le=LONGEST_HISTORY)] | None = Field(
        default=None, description="Only documents newer than this (e.g. 1d); a series needs it."
    )
    interval: Duration = Field(
        default=300.0,
        ge=SECOND,
        le=LONGEST_HISTORY,
        description="series: bucket width (e.g. 5m).",
    )
    split: str | None = Field(
        default=None, description="series: a keyword field: one line per term (the top busiest)."
    )
    field: str | None = Field(
        default=None,
        description="ranking: the keyword field to count terms of; metric, series: the field agg: "
        "works on.",
    )
    agg: Literal["sum", "avg", "max", "min", "value_count"] | None = Field(
        default=None,
        description="metric, series: an aggregation of field: instead of the number of documents.",
    )
    top: int = Field(
        default=10,
        ge=1,
        le=100,
        description="ranking, series split: how many terms; mentions: how many newest documents.",
    )
    unit: str = Field(default="", description="metric: shown after the figure.")
    fields: PostFields = Field(
        default_factory=PostFields,
        description="mentions: where in each document the text, author, country, geo_point… "
        "are (time: defaults to time_field).",
    )

    def post_fields(self) -> PostFields:
        """``fields``, with the time read from ``time_field`` unless ``fields`` says where."""
        if "time" in self.fields.model_fields_set:
            return self.fields
        quoted = ".".join(
            '"' + part.replace('"', '\\"') + '"' for part in self.time_field.split(".")
        )
        return self.fields.model_copy(update={"time": quoted})

    @model_validator(mode="after")
    def _options_fit_the_kind(self) -> SearchStream:
        for key in sorted(self.model_fields_set & set(_EXTRAS)):
            if self.kind not in _EXTRAS[key]:
                kinds = " and ".join(sorted(_EXTRAS[key]))
                raise ValueError(f"{key}: is for {kinds} streams, not {self.kind}")
        if self.kind == "ranking" and self.field is None:
            raise ValueError("a ranking needs field: (the keyword field whose terms are counted)")
        if self.agg is not None and self.field is None:
            raise ValueError(f"agg: {self.agg} needs field: (the field to aggregate)")
        if self.field is not None and self.kind != "ranking" and self.agg is None:
            raise ValueError("field: needs agg: (sum, avg, max, min or value_count) here")
        if self.kind == "series":
            if self.range is None:
                raise ValueError("a series needs range: (how far back, e.g. 6h)")
            if self.range / self.interval > MAX_POINTS:
                raise ValueError(f"range / interval gives more than {MAX_POINTS:,} buckets")
        return self


class OpenSearchOptions(HttpOptions):
    type: Literal["opensearch", "elasticsearch"] = "opensearch"
    url: str = Field(description="The cluster, e.g. https://search.internal:9200.")
    index: str = Field(
        min_length=1, description="Index, alias or pattern to search (e.g. mentions-*)."
    )
    username: str | None = Field(
        default=None, description="For basic auth, with password:; write ${env:NAME}."
    )
    password: SecretStr | None = Field(
        default=None, description="For basic auth, with username:; write ${env:NAME}."
    )
    streams: Annotated[dict[str, SearchStream], AfterValidator(check_stream_names)] = Field(
        min_length=1, description="Stream name → kind and aggregation."
    )

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        if not url.startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// address")
        return url.rstrip("/")

    @model_validator(mode="after")
    def _one_way_to_log_in(self) -> OpenSearchOptions:
        if (self.username is None) != (self.password is None):
            raise ValueError("basic auth needs both username: and password:")
        if self.username is not None and self.token is not None:
            raise ValueError("give token: or username: and password:, not both")
        return self


# -- the request and its answer ----------------------------------------------------------------


class QueryError(StreamError):
    """One stream's search failed or lacks what was asked; the other streams are unaffected."""


def search_body(spec: SearchStream, now: float) -> tuple[dict[str, Any], float]:
    """The ``_search`` request for a stream, and where its series axis starts."""
    filters: list[dict[str, Any]] = [spec.query]
    start = now
    if spec.range is not None:
        start = now - spec.range
        if spec.kind == "series":  # whole buckets: they stay put between polls
            start = math.floor(start / spec.interval) * spec.interval
        newer = {"gte": round(start * 1000), "format": "epoch_millis"}
        filters.append({"range": {spec.time_field: newer}})
    body: dict[str, Any] = {"size": 0, "query": {"bool": {"filter": filters}}}
    value = {spec.agg: {"field": spec.field}} if spec.agg else None
    if spec.kind == "metric":
        body["track_total_hits"] = True
        if value:
            body["aggs"] = {"figure": value}
    elif spec.kind == "ranking":
        body["aggs"] = {"terms": {"terms": {"field": spec.field, "size": spec.top}}}
    elif spec.kind == "mentions":
        body["size"] = spec.top
        body["sort"] = [{spec.time_field: {"order": "desc"}}]
    else:
        histogram: dict[str, Any] = {
            "date_histogram": {
                "field": spec.time_field,
                "fixed_interval": f"{round(spec.interval * 1000)}ms",
                "min_doc_count": 0,
                "extended_bounds": {"min": round(start * 1000), "max": round(now * 1000)},
            }
        }
        if value:
            histogram["aggs"] = {"figure": value}
        if spec.split:
            split = {"terms": {"field": spec.split, "size": spec.top}, "aggs": {"per": histogram}}
            body["aggs"] = {"split": split}
        else:
            body["aggs"] = {"per": histogram}
    return body, start


def read_answer(body: bytes) -> dict[str, Any]:
    """The parsed answer; QueryError for an ``error`` object or anything but a search answer."""
    try:
        answer = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise QueryError("the answer is not JSON") from None
    except DATA_ERRORS as problem:  # nested too deeply, a number of over 4,300 digits
        raise QueryError(f"the answer cannot be read ({describe(problem)})") from None
    if not isinstance(answer, dict):
        raise QueryError("the answer is not a search answer")
    if "error" in answer:
        error = answer["error"]
        if isinstance(error, dict):
            cause = error.get("root_cause") or [error]
            first = cause[0] if isinstance(cause, list) and isinstance(cause[0], dict) else error
            kind, reason = plain(first.get("type", "error")), plain(first.get("reason", ""))
            raise QueryError(f"{kind}: {reason}".strip())
        raise QueryError(f"error: {plain(error)}")
    if not isinstance(answer.get("hits"), dict):
        raise QueryError("the answer has no hits")
    return answer


def partial_reason(answer: dict[str, Any]) -> str | None:
    """Why an answer covers only part of the index (failed shards, a timeout), or None."""
    shards = answer.get("_shards")
    if isinstance(shards, dict) and shards.get("failed"):
        failures = shards.get("failures")
        reason = ""
        if isinstance(failures, list) and failures and isinstance(failures[0], dict):
            cause = failures[0].get("reason")
            reason = plain(cause.get("reason", "") if isinstance(cause, dict) else cause or "")
        failed, total = plain(shards["failed"]), plain(shards.get("total", "?"))
        return f"{failed} of {total} shards failed: {reason}".strip()
    if answer.get("timed_out") is True:
        return "the search timed out; partial results"
    return None


def _path(answer: dict[str, Any], *keys: str) -> Any:
    found: Any = answer
    for key in keys:
        if not isinstance(found, dict) or key not in found:
            raise QueryError(f"the answer has no {'.'.join(keys)}")
        found = found[key]
    return found


def _buckets(aggregation: Any, name: str) -> list[dict[str, Any]]:
    buckets = aggregation.get("buckets") if isinstance(aggregation, dict) else None
    if not isinstance(buckets, list) or not all(isinstance(b, dict) for b in buckets):
        raise QueryError(f"the aggregation {name} has no buckets")
    return buckets


def _count(bucket: Any, spec: SearchStream) -> float:
    """A bucket's figure: its documents, or the ``agg`` value (NaN when no document had one)."""
    if spec.agg:
        figure = bucket.get("figure") if isinstance(bucket, dict) else None
        if not isinstance(figure, dict):
            raise QueryError(f"the answer has no {spec.agg} aggregation")
        value = figure.get("value")
    else:
        value = bucket.get("doc_count")
    if value is None:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise QueryError(f"not a number: {shown(value)}")
    number = finite(value)
    return math.nan if number is None else number  # NaN, ±inf, beyond a float: no figure


def metric(answer: dict[str, Any], spec: SearchStream, last: Any) -> Metric:
    if spec.agg:
        value = _count(_path(answer, "aggregations"), spec)
        if not math.isfinite(value):
            raise QueryError(f"no {spec.agg} of {spec.field}: no matching document has one")
    else:
        total = _path(answer, "hits", "total")
        hits = total.get("value") if isinstance(total, dict) else total  # an int before ES 7
        value = finite(hits)  # type: ignore[assignment]
        if value is None:
            raise QueryError("the answer has no number in hits.total")
    history = last.history if isinstance(last, Metric) else ()
    return Metric(value, None, (*history, value)[-HISTORY:], spec.unit)


def ranking(answer: dict[str, Any], spec: SearchStream, last: Any) -> Ranking:
    buckets = _buckets(_path(answer, "aggregations", "terms"), "terms")
    before = {e.label: i for i, e in enumerate(last.entries)} if isinstance(last, Ranking) else {}
    entries = []
    for bucket in buckets:
        label = _key(bucket.get("key_as_string", bucket.get("key", "")))
        value = _count(bucket, spec)
        if math.isfinite(value):  # a term without a figure is left out, not ranked anywhere
            entries.append(RankEntry(label, value, before.get(label)))
    return Ranking(tuple(sorted(entries, key=lambda e: -e.value)[: spec.top]))


def posts(answer: dict[str, Any], spec: SearchStream) -> list[Mention]:
    """The posts in a search answer's hits, newest first as asked."""
    hits = _path(answer, "hits", "hits")
    if not isinstance(hits, list):
        raise QueryError(f"no hits in the answer: {shown(answer)}")
    fields = spec.post_fields()
    found = [
        read_post(hit.get("_source"), fields, _document_time)
        for hit in hits
        if isinstance(hit, dict)
    ]
    kept = [post for post in found if post is not None]
    if hits and not kept:
        raise QueryError(f"no document has both a text ({fields.text}) and a time ({fields.time})")
    return kept


def _document_time(value: Any) -> float:
    try:
        return epoch_seconds(value, "time")
    except BadValueError as error:
        raise ValueError(str(error)) from None


def _key(key: Any) -> str:
    """A term's key as a label (text or a number; anything else shown short)."""
    return plain(key)


def series(
    answer: dict[str, Any], spec: SearchStream, name: str, start: float, now: float
) -> TimeSeries:
    """One line (or one per split term) on the axis from ``start`` to ``now``.

    A bucket the answer left out had no documents: 0 for a count, a gap for an ``agg``.
    """
    count = math.floor((now - start) / spec.interval) + 1
    if spec.split:
        lines = [
            (_key(term.get("key_as_string", term.get("key", ""))), term.get("per"))
            for term in _buckets(_path(answer, "aggregations", "split"), "split")
        ]
    else:
        lines = [(name, _path(answer, "aggregations", "per"))]
    values = np.full((len(lines), count), math.nan if spec.agg else 0.0)
    for row, (_, histogram) in enumerate(lines):
        for bucket in _buckets(histogram, "per"):
            key = bucket.get("key")
            if isinstance(key, bool) or not isinstance(key, int | float):
                raise QueryError(f"a histogram bucket without a time key: {shown(key)}")
            at = finite(key)
            if at is None:
                continue  # a time that is not one: the bucket is left out
            slot = round((at / 1000 - start) / spec.interval)
            if 0 <= slot < count:
                values[row, slot] = _count(bucket, spec)
    return TimeSeries(tuple(label for label, _ in lines), start, spec.interval, values)


# -- the source --------------------------------------------------------------------------------


@register("opensearch")
@register("elasticsearch")
class OpenSearchSource(HttpSource):
    """Runs each of ``streams:``' searches at every poll, all at once."""

    options_model = OpenSearchOptions
    options: OpenSearchOptions

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.partial: set[str] = set()  # streams whose last answer was partial
        self.new_posts = {
            name: NewPosts()
            for name, spec in self.options.streams.items()
            if spec.kind == "mentions"
        }

    @classmethod
    def provides(cls, options: SourceOptions) -> dict[str, Kind]:
        assert isinstance(options, OpenSearchOptions)
        return {name: Kind(spec.kind) for name, spec in options.streams.items()}

    def cache_identity(self) -> str:
        # Not even a hash of the credentials goes to disk: with the layout at hand, a short hash
        # of the options would let a password be guessed offline.
        shape = self.options.model_dump(mode="json", include={"url", "index", "streams"})
        return hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()[:16]

    def session(self) -> contextlib.AbstractAsyncContextManager[Any]:
        session = super().session()
        username, password = self.options.username, self.options.password
        if self.client is not None and username is not None and password is not None:
            self.client.auth = httpx.BasicAuth(username, password.get_secret_value())
        return session

    async def poll(self) -> None:
        now = self.hub.clock()
        await self.poll_streams(
            {name: self._value(name, spec, now) for name, spec in self.options.streams.items()}
        )

    async def _value(self, stream: str, spec: SearchStream, now: float) -> Any:
        request, start = search_body(spec, now)
        answer = await parse_off_loop(self.options.timeout, read_answer, await self._post(request))
        partial = partial_reason(answer)
        if partial and stream not in self.partial:
            self.partial.add(stream)
            log.warning("source %s: %s shows a partial answer: %s", self.name, stream, partial)
        elif not partial:
            self.partial.discard(stream)
        last = self.last_good(stream)
        if spec.kind == "metric":
            return metric(answer, spec, last)
        if spec.kind == "ranking":
            return ranking(answer, spec, last)
        if spec.kind == "mentions":
            return self.new_posts[stream].only_new(posts(answer, spec), last)
        return series(answer, spec, stream, start, now)

    async def _post(self, request: dict[str, Any]) -> bytes:
        """The body of ``POST {url}/{index}/_search``; 400 and 404 come back too (their error
        object says what is wrong)."""
        url = f"{self.options.url}/{self.options.index}/_search"
        _, body, _ = await self.request("POST", url, answers=_ANSWERS_WITH_A_BODY, json=request)
        return body
