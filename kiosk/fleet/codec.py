"""Stream values on the wire: MessagePack, one message per stream update.

Why MessagePack and not JSON: the series and matrices are numpy arrays, which MessagePack carries
as raw float64 bytes (JSON would need base64, a third larger, or decimal text, slower and
lossy); a mention is a short array of its fields, not a map repeating every field name; and the
C extension packs and unpacks faster than ``json``. Why not CBOR: the same size, but msgpack is
the more used of the two in Python. Every message carries the stream's kind, so a wall can check
it against the layout before anything reaches a widget.

Messages (maps with short keys):

- a stream's last value (retained): ``{"k": kind, "v": version, "at": epoch s, "d": data}``; for
  mention streams the data is the newest posts, oldest first;
- new posts of a mention stream: ``{"k": "mentions", "v": version, "from": version before, "at",
  "d": [post, …]}``: a wall whose version is ``from`` has missed nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgpack
import numpy as np
from pydantic import ValidationError

from kiosk.sources.cache import MENTION, value_adapter
from kiosk.values import Kind, Matrix, Mention, TimeSeries

ARRAY = 1  # msgpack extension type: float64 little-endian, after a 2×uint32 shape header


class DecodeError(ValueError):
    """A message that is not a stream update of the kind the layout expects."""


@dataclass(frozen=True, slots=True)
class Update:
    kind: Kind
    version: int
    at: float
    data: Any  # the decoded value; for mention batches the tuple of new posts
    since: int | None = None  # mention batches: the version they follow


def _array(values: Any) -> msgpack.ExtType:
    array = np.ascontiguousarray(values, dtype="<f8")
    if array.ndim != 2:
        array = array.reshape(1, -1)
    header = np.array(array.shape, dtype="<u4").tobytes()
    return msgpack.ExtType(ARRAY, header + array.tobytes())


def _ext(code: int, data: bytes) -> Any:
    if code != ARRAY or len(data) < 8:
        raise DecodeError(f"unknown extension {code}")
    rows, cols = (int(n) for n in np.frombuffer(data[:8], dtype="<u4"))
    body = np.frombuffer(data[8:], dtype="<f8")
    if body.size != rows * cols:
        raise DecodeError("array size does not match its shape")
    return body.reshape(rows, cols).copy()  # writable and owned, like the node's


# A post goes as a row of its fields in declaration order (not a map repeating each name): at
# 100 posts a second the names would be most of the bytes. The order comes from the dataclass,
# so a field added to Mention travels without touching this module.
_MENTION_FIELDS = tuple(field.name for field in dataclasses.fields(Mention))


def _mention(m: Mention) -> list[Any]:
    return [getattr(m, name) for name in _MENTION_FIELDS]


def _to_mention(row: Sequence[Any]) -> Mention:
    if not isinstance(row, list | tuple) or len(row) != len(_MENTION_FIELDS):
        raise DecodeError("a post is not a row of its fields")
    return MENTION.validate_python(dict(zip(_MENTION_FIELDS, row, strict=True)))


def _pack_value(kind: Kind, value: Any) -> Any:
    """Arrays as raw bytes; every other value as its dataclass fields (the cache's plain form),
    checked and rebuilt by :func:`kiosk.sources.cache.value_adapter` on the way back."""
    if kind is Kind.MENTIONS:
        return [_mention(m) for m in value]
    if kind is Kind.SERIES:
        return [list(value.labels), value.start, value.step, _array(value.values)]
    if kind is Kind.MATRIX:
        return [list(value.rows), list(value.columns), _array(value.values)]
    if kind is Kind.TEXT:
        return str(value)
    if kind is Kind.ALERTS:
        return [dataclasses.asdict(alert) for alert in value]
    return dataclasses.asdict(value)


def _unpack_value(kind: Kind, data: Any) -> Any:
    if kind is Kind.MENTIONS:
        return tuple(_to_mention(row) for row in data)
    if kind is Kind.SERIES:
        labels, start, step, values = data
        return TimeSeries(tuple(labels), float(start), float(step), values)
    if kind is Kind.MATRIX:
        rows, columns, values = data
        return Matrix(tuple(rows), tuple(columns), values)
    try:
        return value_adapter(kind).validate_python(data, strict=False)
    except ValidationError as error:
        raise DecodeError(f"not a {kind}: {error.errors()[0]['msg']}") from None


def encode(kind: Kind, version: int, at: float, value: Any) -> bytes:
    """A stream's whole value (retained on the broker: what a wall gets when it subscribes)."""
    message = {"k": kind.value, "v": version, "at": at, "d": _pack_value(kind, value)}
    return msgpack.packb(message, use_bin_type=True)  # type: ignore[no-any-return]


def encode_batch(since: int, version: int, at: float, mentions: Sequence[Mention]) -> bytes:
    """New posts of a mention stream, following version ``since``."""
    message = {
        "k": Kind.MENTIONS.value,
        "v": version,
        "from": since,
        "at": at,
        "d": [_mention(m) for m in mentions],
    }
    return msgpack.packb(message, use_bin_type=True)  # type: ignore[no-any-return]


def decode(payload: bytes, expect: Kind | None = None) -> Update:
    """The update in ``payload``; :class:`DecodeError` when it is not one (of kind ``expect``)."""
    try:
        message = msgpack.unpackb(payload, ext_hook=_ext, raw=False, strict_map_key=True)
        kind = Kind(message["k"])
        if expect is not None and kind is not expect:
            raise DecodeError(f"a {kind} update where the layout has a {expect} stream")
        since = message.get("from")
        return Update(
            kind,
            int(message["v"]),
            float(message["at"]),
            _unpack_value(kind, message["d"]),
            None if since is None else int(since),
        )
    except DecodeError:
        raise
    except (ValueError, TypeError, KeyError, msgpack.ExtraData) as error:
        raise DecodeError(f"not a stream update: {error!r}") from None
