"""``type: http_json``: streams read out of a JSON document that is polled over HTTP.

Each entry of ``streams:`` names a stream, its kind and a JMESPath ``path`` into the document::

    streams:
      visitors: {kind: metric, path: stats.visitors, previous: stats.visitors_yesterday}
      status:   {kind: text, path: banner}
      top:      {kind: ranking, path: pages, label: url, value: views, top: 5}
      sources:  {kind: breakdown, path: traffic}          # {"search": 12, "social": 30}
      hourly:   {kind: series, path: history, time: ts, values: {Visits: visits}}
      mentions: {kind: mentions, path: posts, fields: {text: body, country: geo.cc}}

``ranking`` and ``breakdown`` read a mapping of label → number, or a list of records with
``label`` and ``value`` sub-paths. ``series`` reads a list of records, each with a ``time``
(epoch seconds, epoch milliseconds, or ISO 8601) and one number per series; points are placed
on a regular axis of ``step`` (default: the smallest gap between points). ``mentions`` reads a
list of posts, each field found by ``fields:`` (:class:`~kiosk.sources.posts.PostFields`), the
country and coordinates included; a stream named ``mentions`` gets every derived stream (volume,
share, by_country…), and each read adds only the posts not seen before.

A value that does not fit its kind is logged once and that stream keeps its last good value
while the others update. If no stream at all can be read, the poll counts as failed.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

import numpy as np
from pydantic import AfterValidator, BaseModel, Field, model_validator

from kiosk.config.types import LAYOUT_MODEL, LONGEST_HISTORY, SECOND, Duration
from kiosk.lazy import lazy_import
from kiosk.sources.base import SourceOptions, register
from kiosk.sources.parsing import DATA_ERRORS, describe
from kiosk.sources.polling import FetchError, HttpAddress, HttpOptions, HttpSource, PollingSource
from kiosk.sources.posts import NewPosts, PostFields, read_post
from kiosk.values import Breakdown, Kind, Mention, Metric, RankEntry, Ranking, TimeSeries

if TYPE_CHECKING:
    import httpx
    import jmespath
else:
    httpx = lazy_import("httpx")
    jmespath = lazy_import("jmespath")

log = logging.getLogger(__name__)
S = TypeVar("S")

HISTORY = 30  # a metric's history: its last good values, one per poll
MAX_POINTS = 10_000  # of a series axis; more means a wrong step or wrong times


def _compiles(expression: str) -> str:
    try:
        jmespath.compile(expression)
    except RecursionError:  # jmespath parses recursively: thousands of "(" exhaust the stack
        raise ValueError("not a JMESPath expression: nested too deeply") from None
    except jmespath.exceptions.JMESPathError as error:
        reason = str(error).splitlines()[0].removesuffix(", for expression:").rstrip(":")
        for noise in ("Invalid jmespath expression: ", "Bad jmespath expression: "):
            reason = reason.removeprefix(noise)
        raise ValueError(f"not a JMESPath expression: {reason}") from None
    return expression


JmesPath = Annotated[str, AfterValidator(_compiles)]
"""A JMESPath expression, e.g. ``data.items[0].count`` or ``items[?live].name``."""

_EXTRAS = {
    "previous": {"metric"},
    "unit": {"metric"},
    "label": {"ranking", "breakdown"},
    "value": {"ranking", "breakdown"},
    "detail": {"ranking"},
    "top": {"ranking"},
    "time": {"series"},
    "values": {"series"},
    "step": {"series"},
    "fields": {"mentions"},
}


class StreamSpec(BaseModel):
    """How to read one stream out of the document."""

    model_config = LAYOUT_MODEL

    kind: Literal["metric", "series", "ranking", "text", "breakdown", "mentions"] = Field(
        description="What the stream carries."
    )
    path: JmesPath = Field(description="JMESPath into the document, e.g. stats.visitors.")
    previous: JmesPath | None = Field(
        default=None, description="metric: JMESPath to the previous period's figure."
    )
    unit: str = Field(default="", description="metric: shown after the figure.")
    label: JmesPath = Field(default="label", description="ranking, breakdown: each item's name.")
    value: JmesPath = Field(default="value", description="ranking, breakdown: each item's number.")
    detail: JmesPath | None = Field(default=None, description="ranking: each item's small print.")
    top: int = Field(default=10, ge=1, le=100, description="ranking: how many entries to keep.")
    time: JmesPath | None = Field(default=None, description="series: each point's time.")
    values: dict[str, JmesPath] = Field(
        default_factory=dict, description="series: series label → JMESPath to its number."
    )
    step: Annotated[Duration, Field(ge=SECOND, le=LONGEST_HISTORY)] | None = Field(
        default=None, description="series: bucket width (default: the smallest gap between points)."
    )
    fields: PostFields = Field(
        default_factory=PostFields,
        description="mentions: where each post's text, time, author, country, coordinates… are.",
    )

    @model_validator(mode="after")
    def _extras_fit_the_kind(self) -> StreamSpec:
        for key in sorted(self.model_fields_set & set(_EXTRAS)):
            if self.kind not in _EXTRAS[key]:
                kinds = " and ".join(sorted(_EXTRAS[key]))
                raise ValueError(f"{key}: is for {kinds} streams, not {self.kind}")
        if self.kind == "series" and (self.time is None or not self.values):
            raise ValueError("a series needs time: (each point's time) and values: (label → path)")
        return self


def check_stream_names(streams: dict[str, S]) -> dict[str, S]:
    """Stream names become ``source.name`` in the layout: letters, digits, - and _ only."""
    for name in streams:
        if not name or not name.replace("_", "a").replace("-", "a").isalnum():
            raise ValueError(f"stream name {name!r}: use letters, digits, - and _")
    return streams


StreamSpecs = Annotated[dict[str, StreamSpec], AfterValidator(check_stream_names)]


class HttpJsonOptions(HttpOptions):
    type: Literal["http_json"] = "http_json"
    url: HttpAddress = Field(description="The JSON document to poll (http or https).")
    streams: StreamSpecs = Field(
        min_length=1, description="Stream name → kind and JMESPath into the document."
    )


# -- from JSON to values -----------------------------------------------------------------------


class BadValueError(ValueError):
    """The document's value for a stream does not fit the stream's kind."""


def _search(expression: str, data: Any) -> Any:
    try:
        return jmespath.search(expression, data)
    except jmespath.exceptions.JMESPathError as error:
        raise BadValueError(f"{expression}: {error}") from None


def _shown(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


def _number(value: Any, where: str) -> float:
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = float(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BadValueError(f"{where}: expected a number, got {_shown(value)}")
    return float(value)


def _label(value: Any, where: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:g}"
    raise BadValueError(f"{where}: expected text, got {_shown(value)}")


def epoch_seconds(value: Any, where: str) -> float:
    """Epoch seconds from epoch seconds, epoch milliseconds (above 1e11) or ISO 8601."""
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise BadValueError(f"{where}: expected a time, got {_shown(value)}") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.timestamp()
    seconds = _number(value, where)
    return seconds / 1000 if seconds > 1e11 else seconds


def _pairs(spec: StreamSpec, found: Any) -> list[tuple[str, float, Any]]:
    """(label, number, record) from a mapping of label → number or a list of records."""
    if isinstance(found, Mapping):
        return [(str(k), _number(v, f"{spec.path}.{k}"), None) for k, v in found.items()]
    if not isinstance(found, list):
        raise BadValueError(f"{spec.path}: expected a list or a mapping, got {_shown(found)}")
    return [
        (
            _label(_search(spec.label, record), f"{spec.path}[{i}].{spec.label}"),
            _number(_search(spec.value, record), f"{spec.path}[{i}].{spec.value}"),
            record,
        )
        for i, record in enumerate(found)
    ]


def _ranking(spec: StreamSpec, found: Any, last: Any) -> Ranking:
    pairs = sorted(_pairs(spec, found), key=lambda pair: -pair[1])[: spec.top]
    before = {e.label: i for i, e in enumerate(last.entries)} if isinstance(last, Ranking) else {}
    entries = []
    for label, number, record in pairs:
        detail = _search(spec.detail, record) if spec.detail and record is not None else None
        shown = "" if detail is None else _label(detail, f"{spec.path}[].{spec.detail}")
        entries.append(RankEntry(label, number, before.get(label), shown))
    return Ranking(tuple(entries))


def _metric(spec: StreamSpec, found: Any, document: Any, last: Any) -> Metric:
    value = _number(found, spec.path)
    previous = None
    if spec.previous is not None:
        earlier = _search(spec.previous, document)
        previous = None if earlier is None else _number(earlier, spec.previous)
    history = last.history if isinstance(last, Metric) else ()
    return Metric(value, previous, (*history, value)[-HISTORY:], spec.unit)


def _series(spec: StreamSpec, found: Any) -> TimeSeries:
    if not isinstance(found, list) or not found:
        raise BadValueError(f"{spec.path}: expected a list of points, got {_shown(found)}")
    assert spec.time is not None  # the model requires it for a series
    times = [
        epoch_seconds(_search(spec.time, p), f"{spec.path}[{i}].{spec.time}")
        for i, p in enumerate(found)
    ]
    columns = {
        label: [_point(_search(path, p), f"{spec.path}[{i}].{path}") for i, p in enumerate(found)]
        for label, path in spec.values.items()
    }
    return regular_series(times, columns, spec.step)


def _point(value: Any, where: str) -> float:
    return math.nan if value is None or value == "" else _number(value, where)


def regular_series(
    times: list[float], columns: Mapping[str, list[float]], step: float | None
) -> TimeSeries:
    """Points at any times, on a regular axis of ``step``; empty buckets are NaN (gaps)."""
    if not times:
        raise BadValueError("no points")
    ordered = np.array(sorted(set(times)), dtype=np.float64)
    if step is None:
        gaps = np.diff(ordered)
        if not gaps.size:
            raise BadValueError("a single point: give step: to place it")
        step = float(gaps.min())
    start = float(ordered[0])
    count = round((float(ordered[-1]) - start) / step) + 1
    if count > MAX_POINTS:
        raise BadValueError(
            f"{count} points of {step:g}s: more than {MAX_POINTS}; check step: and time:"
        )
    values = np.full((len(columns), count), np.nan)
    slots = [round((t - start) / step) for t in times]
    for row, column in enumerate(columns.values()):
        for slot, value in zip(slots, column, strict=True):
            values[row, slot] = value
    return TimeSeries(tuple(columns), start, step, values)


def extract(spec: StreamSpec, document: Any, last: Any) -> Any:
    """The value of one stream, given the whole document and the stream's last good value.

    Raises:
        BadValueError: the document's value does not fit the stream's kind (or is too deep, too
            big, or of a type jmespath cannot compare).
    """
    try:
        return _extract(spec, document, last)
    except BadValueError:
        raise
    except DATA_ERRORS as error:
        raise BadValueError(f"{spec.path}: {describe(error)}") from None


def _extract(spec: StreamSpec, document: Any, last: Any) -> Any:
    found = _search(spec.path, document)
    if spec.kind == "metric":
        return _metric(spec, found, document, last)
    if spec.kind == "text":
        return _label(found, spec.path)
    if spec.kind == "ranking":
        return _ranking(spec, found, last)
    if spec.kind == "breakdown":
        return Breakdown(tuple((label, number) for label, number, _ in _pairs(spec, found)))
    if spec.kind == "mentions":
        return _posts(spec, found)
    return _series(spec, found)


def _posts(spec: StreamSpec, found: Any) -> tuple[Mention, ...]:
    if isinstance(found, Mapping):
        found = [found]  # one post (an event of an event stream, say)
    if not isinstance(found, list):
        raise BadValueError(f"{spec.path}: expected a list of posts, got {_shown(found)}")
    posts = [read_post(record, spec.fields, _post_time) for record in found]
    kept = tuple(post for post in posts if post is not None)
    if found and not kept:
        fields = spec.fields
        raise BadValueError(
            f"{spec.path}: no post has both a text ({fields.text}) and a time ({fields.time})"
        )
    return kept


def _post_time(value: Any) -> float:
    return epoch_seconds(value, "time")


class StreamMapping:
    """Publishes a document's streams; a stream that cannot be read keeps its last value
    (said once per streak, by the source)."""

    def __init__(self, specs: Mapping[str, StreamSpec]) -> None:
        self.specs = specs
        self.first_problem = ""
        self.new_posts = {
            name: NewPosts() for name, spec in specs.items() if spec.kind == "mentions"
        }

    def apply(self, source: PollingSource, document: Any) -> None:
        """Publish every stream that fits; raise FetchError when none does."""
        at = source.hub.clock()
        problems = []
        for stream, spec in self.specs.items():
            try:
                value = extract(spec, document, source.last_good(stream))
            except BadValueError as error:
                problems.append(f"{stream}: {error}")
                source.stream_trouble(stream, str(error))
                continue
            source.stream_ok(stream)
            if stream in self.new_posts:
                fresh = self.new_posts[stream].only_new(list(value), source.last_good(stream))
                source.append(stream, fresh, at)
            else:
                source.publish(stream, value, at)
        self.first_problem = problems[0] if problems else ""
        self.confirm(source, publish=False)

    def confirm(self, source: PollingSource, *, publish: bool = True) -> None:
        """The document is unchanged (a 304, an untouched file): its values are current."""
        if all(stream in source.troubled for stream in self.specs):
            raise FetchError(f"no stream could be read ({self.first_problem})")
        if not publish:
            return
        at = source.hub.clock()
        for stream in self.specs:
            if stream in self.new_posts:
                continue  # posts are added once, never said again
            last = source.last_good(stream)
            if stream not in source.troubled and last is not None:
                source.publish(stream, last, at, new=False)


def parse_json(body: bytes, headers: httpx.Headers | None = None) -> Any:
    """A JSON document, or FetchError for anything else (an HTML error page, say)."""
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FetchError(f"not JSON ({error})") from None
    except DATA_ERRORS as error:  # nested too deeply, a number of over 4,300 digits
        raise FetchError(f"unreadable JSON ({describe(error)})") from None


@register("http_json")
class HttpJsonSource(HttpSource):
    """Polls ``url`` and publishes each of ``streams:`` from the JSON it answers."""

    options_model = HttpJsonOptions
    options: HttpJsonOptions

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mapping = StreamMapping(self.options.streams)

    @classmethod
    def provides(cls, options: SourceOptions) -> dict[str, Kind]:
        assert isinstance(options, HttpJsonOptions)
        return {name: Kind(spec.kind) for name, spec in options.streams.items()}

    async def poll(self) -> None:
        fetched = await self.fetch(self.options.url, parse_json)
        if fetched is None:  # 304: the same document, confirmed current
            self.mapping.confirm(self)
        else:
            self.mapping.apply(self, fetched)
