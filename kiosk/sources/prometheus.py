"""``type: prometheus``: figures, series, rankings and breakdowns from PromQL queries.

Each entry of ``streams:`` names a stream, its kind and a query::

    streams:
      rps:     {kind: metric, query: 'sum(rate(http_requests_total[5m]))',
                previous: 'sum(rate(http_requests_total[5m] offset 1d))', unit: /s}
      traffic: {kind: series, query: 'sum by (job) (rate(http_requests_total[5m]))',
                range: 6h, step: 5m, label: job}
      paths:   {kind: ranking, query: 'sum by (path) (rate(http_requests_total[1h]))',
                label: path, top: 5}
      codes:   {kind: breakdown, query: 'sum by (code) (increase(http_requests_total[1h]))',
                label: code}

A metric, ranking or breakdown asks ``/api/v1/query`` (an instant vector; a metric also takes a
scalar); a series asks ``/api/v1/query_range`` over the last ``range`` in steps of ``step``,
aligned to the step so the buckets stay put between polls. Prometheus writes numbers as text,
"NaN" and "+Inf" among them: in a series those are gaps, in a ranking or breakdown the entry is
left out, and a metric keeps its last value.

A point whose time is not a finite number is left out of its series. A query that fails
(Prometheus's error envelope, or a result of the wrong shape) is logged once per streak and
its stream keeps its last value while the others update. Only when every stream fails does the
poll fail, and the source go stale, then failed, retrying with backoff.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import AfterValidator, BaseModel, Field, field_validator, model_validator

from kiosk.config.types import DAY, LAYOUT_MODEL, LONGEST_HISTORY, MINUTE, SECOND, Duration
from kiosk.sources.base import SourceOptions, register
from kiosk.sources.http_json import check_stream_names
from kiosk.sources.parsing import DATA_ERRORS, describe, finite, parse_off_loop, plain, shown
from kiosk.sources.polling import HttpOptions, HttpSource, StreamError
from kiosk.values import Breakdown, Kind, Metric, RankEntry, Ranking, TimeSeries

log = logging.getLogger(__name__)

HISTORY = 30  # a metric's history: its last good values, one per poll
MAX_POINTS = 11_000  # per series: Prometheus refuses a range query of more
_ANSWERS_WITH_A_BODY = (400, 422)  # bad_data, execution: the envelope says what went wrong

_EXTRAS = {
    "previous": {"metric"},
    "unit": {"metric"},
    "range": {"series"},
    "step": {"series"},
    "label": {"series", "ranking", "breakdown"},
    "top": {"ranking"},
}


class PromStream(BaseModel):
    """One stream: a PromQL query and what kind of value to make of its answer."""

    model_config = LAYOUT_MODEL

    kind: Literal["metric", "series", "ranking", "breakdown"] = Field(
        description="What the stream carries."
    )
    query: str = Field(min_length=1, description="The PromQL expression.")
    previous: str | None = Field(
        default=None,
        description="metric: PromQL for the previous period's figure (for the change arrow), "
        "e.g. the query with 'offset 1d'.",
    )
    unit: str = Field(default="", description="metric: shown after the figure.")
    range: Duration = Field(
        default=3600.0,
        ge=MINUTE,
        le=LONGEST_HISTORY,
        description="series: how far back, e.g. 6h.",
    )
    step: Duration = Field(
        default=60.0, ge=SECOND, le=DAY, description="series: time between points, e.g. 5m."
    )
    label: str | None = Field(
        default=None,
        description="ranking, breakdown: the label whose value names each entry (e.g. path); "
        "series: the label that names each line (default: all its labels).",
    )
    top: int = Field(default=10, ge=1, le=100, description="ranking: how many entries to keep.")

    @model_validator(mode="after")
    def _options_fit_the_kind(self) -> PromStream:
        for key in sorted(self.model_fields_set & set(_EXTRAS)):
            if self.kind not in _EXTRAS[key]:
                kinds = " and ".join(sorted(_EXTRAS[key]))
                raise ValueError(f"{key}: is for {kinds} streams, not {self.kind}")
        if self.kind in ("ranking", "breakdown") and not self.label:
            raise ValueError(f"a {self.kind} needs label: (the label that names each entry)")
        if self.range / self.step + 1 > MAX_POINTS:
            raise ValueError(
                f"range / step gives more than {MAX_POINTS:,} points; take a longer step"
            )
        return self


class PrometheusOptions(HttpOptions):
    type: Literal["prometheus"] = "prometheus"
    url: str = Field(description="The Prometheus server, e.g. http://prometheus:9090.")
    streams: Annotated[dict[str, PromStream], AfterValidator(check_stream_names)] = Field(
        min_length=1, description="Stream name → kind and PromQL query."
    )

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        if not url.startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// address")
        return url.rstrip("/")


# -- from Prometheus's answer to values --------------------------------------------------------


class QueryError(StreamError):
    """One query failed or answered what its stream cannot show; the others are unaffected."""


def read_envelope(body: bytes) -> tuple[dict[str, Any], list[str]]:
    """The ``data`` of an answer and its warnings; QueryError for an error or garbage."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise QueryError("the answer is not JSON") from None
    except DATA_ERRORS as problem:  # nested too deeply, a number of over 4,300 digits
        raise QueryError(f"the answer cannot be read ({describe(problem)})") from None
    if not isinstance(document, dict) or document.get("status") not in ("success", "error"):
        raise QueryError("the answer is not a Prometheus API answer")
    if document["status"] == "error":
        kind = document.get("errorType") or "error"
        raise QueryError(f"{plain(kind)}: {plain(document.get('error') or 'no reason given')}")
    data = document.get("data")
    if not isinstance(data, dict) or "resultType" not in data or "result" not in data:
        raise QueryError("the answer has no data.resultType and data.result")
    warnings = document.get("warnings") or []
    warnings = warnings if isinstance(warnings, list) else [warnings]
    return data, [plain(w) for w in warnings[:10]]


def sample_value(pair: Any) -> float:
    """The number of a ``[time, "value"]`` pair; "NaN" and "+Inf" come back as such."""
    if not isinstance(pair, list) or len(pair) != 2 or not isinstance(pair[1], str):
        raise QueryError(f'expected [time, "value"], got {shown(pair)}')
    try:
        return float(pair[1])
    except ValueError:
        raise QueryError(f"not a number: {shown(pair[1])}") from None


def _samples(data: dict[str, Any], want: str) -> list[dict[str, Any]]:
    """The result's series of type ``want`` (vector or matrix), native histograms left out."""
    if data["resultType"] != want or not isinstance(data["result"], list):
        raise QueryError(f"a {plain(data['resultType'])} result, expected a {want}")
    key = "value" if want == "vector" else "values"
    found = []
    for item in data["result"]:
        if not isinstance(item, dict) or not isinstance(item.get("metric", {}), dict):
            raise QueryError(f"a malformed {want} entry")
        if key in item:  # else a native histogram: not a number to show
            found.append(item)
    return found


def _name(labels: dict[str, Any], label: str | None, fallback: str) -> str:
    if label is not None:
        return _text(labels.get(label)) or f"(no {label})"
    named = {str(k): _text(v) for k, v in labels.items() if k != "__name__"}
    if named:
        return ", ".join(f"{k}={v}" for k, v in sorted(named.items()))[:200]
    return _text(labels.get("__name__")) or fallback


def _text(value: Any) -> str:
    """A label's value (Prometheus sends text; anything else is shown short)."""
    return "" if value is None else plain(value)


def single_figure(data: dict[str, Any]) -> float | None:
    """The one number of an instant query (a scalar or a vector of one series); None when no
    series matched."""
    if data["resultType"] == "scalar":
        return sample_value(data["result"])
    found = _samples(data, "vector")
    if len(found) > 1:
        raise QueryError(f"{len(found)} series: wrap the query in sum()")
    return sample_value(found[0]["value"]) if found else None


def totals(data: dict[str, Any], label: str | None) -> dict[str, float]:
    """Label value → number from an instant vector; equal names add up, NaN and ±Inf left out."""
    found: dict[str, float] = {}
    for item in _samples(data, "vector"):
        value = sample_value(item["value"])
        if math.isfinite(value):
            name = _name(item.get("metric", {}), label, "value")
            found[name] = found.get(name, 0.0) + value
    return found


def ranking(found: dict[str, float], top: int, last: Any) -> Ranking:
    """The ``top`` largest, each with its rank in ``last`` (a Ranking, or anything else)."""
    before = {e.label: i for i, e in enumerate(last.entries)} if isinstance(last, Ranking) else {}
    ordered = sorted(found.items(), key=lambda pair: (-pair[1], pair[0]))[:top]
    return Ranking(tuple(RankEntry(name, value, before.get(name)) for name, value in ordered))


def series(
    data: dict[str, Any], spec: PromStream, fallback: str, start: float, end: float
) -> TimeSeries:
    """A range query's matrix on the axis ``start`` … ``end``; NaN and ±Inf become gaps.

    A point evaluated at time t sums up the step before t (a rate, an increase), so it fills
    the bucket that starts at t - step: the newest bucket is then a complete one.
    """
    count = round((end - start) / spec.step) + 1
    rows: dict[str, np.ndarray[Any, np.dtype[np.float64]]] = {}
    for item in _samples(data, "matrix"):
        if not isinstance(item["values"], list):
            raise QueryError("a matrix entry without a list of values")
        row = np.full(count, np.nan)
        for pair in item["values"]:
            if not isinstance(pair, list) or not pair or not isinstance(pair[0], int | float):
                raise QueryError(f'expected [time, "value"], got {shown(pair)}')
            at, value = finite(pair[0]), sample_value(pair)
            if at is None:
                continue  # a time that is not one: the point is left out
            slot = round((at - start) / spec.step)
            if 0 <= slot < count and math.isfinite(value):
                row[slot] = value
        name = _name(item.get("metric", {}), spec.label, fallback)
        if name in rows:  # the label does not tell two series apart: show their sum
            both_gaps = np.isnan(rows[name]) & np.isnan(row)
            row = np.nansum([rows[name], row], axis=0)
            row[both_gaps] = np.nan
        rows[name] = row
    names = sorted(rows)
    values = np.array([rows[name] for name in names], dtype=np.float64).reshape(len(names), count)
    return TimeSeries(tuple(names), start - spec.step, spec.step, values)


# -- the source --------------------------------------------------------------------------------


@register("prometheus")
class PrometheusSource(HttpSource):
    """Asks Prometheus each of ``streams:``' queries at every poll, all at once."""

    options_model = PrometheusOptions
    options: PrometheusOptions

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.warned: set[str] = set()  # streams whose last answers carried warnings
        self.warnings: dict[str, list[str]] = {}  # stream → this poll's warnings

    @classmethod
    def provides(cls, options: SourceOptions) -> dict[str, Kind]:
        assert isinstance(options, PrometheusOptions)
        return {name: Kind(spec.kind) for name, spec in options.streams.items()}

    async def poll(self) -> None:
        now = self.hub.clock()
        streams = self.options.streams
        self.warnings = {}
        await self.poll_streams(
            {name: self._value(name, spec, now) for name, spec in streams.items()}
        )
        for stream in streams:
            self._note_warnings(stream, self.warnings.get(stream, []))

    async def _value(self, stream: str, spec: PromStream, now: float) -> Any:
        last = self.last_good(stream)
        if spec.kind == "series":
            end = math.floor(now / spec.step) * spec.step
            start = end - math.floor(spec.range / spec.step) * spec.step
            params = {"start": f"{start:.3f}", "end": f"{end:.3f}", "step": f"{spec.step:.3f}"}
            data = await self._ask(stream, "query_range", spec.query, params)
            return series(data, spec, stream, start, end)
        data = await self._ask(stream, "query", spec.query)
        if spec.kind == "ranking":
            return ranking(totals(data, spec.label), spec.top, last)
        if spec.kind == "breakdown":
            return Breakdown(tuple(sorted(totals(data, spec.label).items())))
        value = single_figure(data)
        if value is None or not math.isfinite(value):
            raise QueryError("no series matched" if value is None else f"the figure is {value}")
        previous = None
        if spec.previous is not None:
            try:
                previous = single_figure(await self._ask(stream, "query", spec.previous))
            except QueryError as error:
                raise QueryError(f"previous: {error}") from None
            if previous is not None and not math.isfinite(previous):
                previous = None  # no data a period ago: no arrow
        history = last.history if isinstance(last, Metric) else ()
        return Metric(value, previous, (*history, value)[-HISTORY:], spec.unit)

    async def _ask(
        self, stream: str, endpoint: str, query: str, extra: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """The ``data`` of one API call; its warnings are noted for the stream."""
        body = await self._get(
            f"{self.options.url}/api/v1/{endpoint}", {"query": query, **(extra or {})}
        )
        data, warnings = await parse_off_loop(self.options.timeout, read_envelope, body)
        self.warnings.setdefault(stream, []).extend(warnings)
        return data

    async def _get(self, url: str, params: dict[str, str]) -> bytes:
        """The body of a GET; 400 and 422 come back too (their envelope says what is wrong)."""
        _, body, _ = await self.request("GET", url, answers=_ANSWERS_WITH_A_BODY, params=params)
        return body

    def _note_warnings(self, stream: str, warnings: list[str]) -> None:
        """Prometheus's warnings (a partial answer, a doubtful rate()), once per streak."""
        if warnings and stream not in self.warned:
            self.warned.add(stream)
            shown = "; ".join(dict.fromkeys(warnings))
            log.warning("source %s: %s: Prometheus warns: %s", self.name, stream, shown)
        elif not warnings:
            self.warned.discard(stream)
