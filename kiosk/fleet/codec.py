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

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgpack
import numpy as np

from kiosk.values import (
    Alert,
    Breakdown,
    Kind,
    Matrix,
    Mention,
    Metric,
    Place,
    Places,
    RankEntry,
    Ranking,
    TimeSeries,
)

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


def _mention(m: Mention) -> list[Any]:
    return [
        m.id, m.at, m.brand, m.text, m.lang, m.platform, m.author, m.handle, m.followers,
        m.sentiment, list(m.hashtags), m.city, m.lat, m.lon, m.weight, list(m.media),
    ]  # fmt: skip


def _to_mention(row: Sequence[Any]) -> Mention:
    (id_, at, brand, text, lang, platform, author, handle, followers, sentiment, tags, city,
     lat, lon, weight, media) = row  # fmt: skip
    return Mention(
        str(id_), float(at), str(brand), str(text), str(lang), str(platform), str(author),
        str(handle), int(followers), float(sentiment), tuple(tags), str(city),
        None if lat is None else float(lat), None if lon is None else float(lon), int(weight),
        tuple(media),
    )  # fmt: skip


def _pack_value(kind: Kind, value: Any) -> Any:
    if kind is Kind.MENTIONS:
        return [_mention(m) for m in value]
    if kind is Kind.TEXT:
        return str(value)
    if kind is Kind.SERIES:
        return [list(value.labels), value.start, value.step, _array(value.values)]
    if kind is Kind.METRIC:
        return [value.value, value.previous, list(value.history), value.unit, value.label]
    if kind is Kind.BREAKDOWN:
        return [[label, part] for label, part in value.parts]
    if kind is Kind.RANKING:
        return [[e.label, e.value, e.previous_rank, e.detail, e.sentiment] for e in value.entries]
    if kind is Kind.MATRIX:
        return [list(value.rows), list(value.columns), _array(value.values)]
    if kind is Kind.ALERTS:
        return [[a.key, a.severity, a.title, a.since, list(a.drivers)] for a in value]
    if kind is Kind.PLACES:
        return [[p.name, p.lat, p.lon, p.count, p.sentiment] for p in value.places]
    raise ValueError(f"no encoding for {kind}")


def _unpack_value(kind: Kind, data: Any) -> Any:
    if kind is Kind.MENTIONS:
        return tuple(_to_mention(row) for row in data)
    if kind is Kind.TEXT:
        if not isinstance(data, str):
            raise DecodeError("text is not a string")
        return data
    if kind is Kind.SERIES:
        labels, start, step, values = data
        return TimeSeries(tuple(labels), float(start), float(step), values)
    if kind is Kind.METRIC:
        value, previous, history, unit, label = data
        return Metric(
            float(value),
            None if previous is None else float(previous),
            tuple(float(h) for h in history),
            str(unit),
            str(label),
        )
    if kind is Kind.BREAKDOWN:
        return Breakdown(tuple((str(label), float(part)) for label, part in data))
    if kind is Kind.RANKING:
        return Ranking(
            tuple(
                RankEntry(str(lb), float(v), None if r is None else int(r), str(d), s)
                for lb, v, r, d, s in data
            )
        )
    if kind is Kind.MATRIX:
        rows, columns, values = data
        return Matrix(tuple(rows), tuple(columns), values)
    if kind is Kind.ALERTS:
        return tuple(Alert(str(k), str(s), str(t), float(at), tuple(d)) for k, s, t, at, d in data)
    if kind is Kind.PLACES:
        return Places(
            tuple(Place(str(n), float(a), float(o), float(c), float(s)) for n, a, o, c, s in data)
        )
    raise DecodeError(f"no encoding for {kind}")


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
