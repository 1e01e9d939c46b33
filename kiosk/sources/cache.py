"""Last good values on disk: where they go, how they are written, and how they are encoded.

One small JSON file per source, written through a temporary file and ``os.replace``, so a crash
leaves the old file or the new one, never half of one. Values are plain JSON (no pickle): a
cache file from an older or damaged run is rejected by validation, not executed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, Field, TypeAdapter

from kiosk.values import Alert, Breakdown, Kind, Mention, Metric, Places, Ranking, TimeSeries


def write_atomically(path: Path, text: str, *, mode: int | None = None) -> None:
    """Write through a temporary file and ``os.replace``: a crash leaves the old file or the new.

    The file is private to its owner (0600) unless ``mode`` says otherwise.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if mode is not None:
            os.fchmod(handle, mode)
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


# -- values on disk ----------------------------------------------------------------------------


class _CachedSeries(BaseModel):
    labels: tuple[str, ...]
    start: float
    step: float = Field(gt=0)
    values: list[list[float | None]]


_ADAPTERS: dict[Kind, TypeAdapter[Any]] = {
    Kind.TEXT: TypeAdapter(str),
    Kind.METRIC: TypeAdapter(Metric),
    Kind.RANKING: TypeAdapter(Ranking),
    Kind.BREAKDOWN: TypeAdapter(Breakdown),
    Kind.MENTIONS: TypeAdapter(tuple[Mention, ...]),
    Kind.ALERTS: TypeAdapter(tuple[Alert, ...]),
    Kind.PLACES: TypeAdapter(Places),
}
MENTION = TypeAdapter(Mention)
_CACHED = frozenset({Kind.TEXT, Kind.METRIC, Kind.RANKING, Kind.BREAKDOWN, Kind.MENTIONS})


def value_adapter(kind: Kind) -> TypeAdapter[Any]:
    """Checks and builds a value of ``kind`` from plain data (its dataclass fields by name), for
    every kind without numpy arrays: one place knows every field, for the cache and the wire."""
    try:
        return _ADAPTERS[kind]
    except KeyError:
        raise ValueError(f"{kind} values have arrays: no plain form") from None


def encode_value(kind: Kind, value: Any) -> Any:
    """A stream value as plain JSON data (non-finite series points become null)."""
    if kind is Kind.SERIES:
        rows = [[x if math.isfinite(x) else None for x in row] for row in value.values.tolist()]
        return {"labels": value.labels, "start": value.start, "step": value.step, "values": rows}
    if kind is Kind.MENTIONS:  # an unscored post's sentiment is NaN: null, as series points
        return [
            {**row, "sentiment": row["sentiment"] if math.isfinite(row["sentiment"]) else None}
            for row in (dataclasses.asdict(mention) for mention in value)
        ]
    return value if kind is Kind.TEXT else dataclasses.asdict(value)


def decode_value(kind: Kind, raw: Any) -> Any:
    """The inverse of :func:`encode_value`; raises ValueError for anything malformed."""
    if kind is Kind.SERIES:
        cached = _CachedSeries.model_validate(raw)
        rows = [[math.nan if x is None else x for x in row] for row in cached.values]
        values = np.array(rows, dtype=np.float64).reshape(len(cached.labels), -1)
        return TimeSeries(cached.labels, cached.start, cached.step, values)
    if kind not in _CACHED:
        raise ValueError(f"{kind} values are not cached")
    adapter = value_adapter(kind)
    if kind is Kind.MENTIONS and isinstance(raw, list):
        raw = [
            {**row, "sentiment": math.nan}
            if isinstance(row, dict) and row.get("sentiment", 0) is None
            else row
            for row in raw
        ]
    return adapter.validate_python(raw)
