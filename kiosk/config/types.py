"""Small value types shared by the layout models: durations, figures, colours, local files.

Every number a layout gives is finite (the models set ``allow_inf_nan=False``) and declares its
range where it is defined, with ``Field(ge=…, le=…)``; ``tests/test_config_numbers.py`` fails for
a number option without both bounds. The units below keep those ranges readable.
"""

from __future__ import annotations

import math
import os
import re
import typing
import zoneinfo
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
)
from pydantic_core import PydanticCustomError

SECOND = 1.0
MINUTE = 60.0
HOUR = 3600.0
DAY = 86400.0
LONGEST_HISTORY = 400 * DAY
"""The longest window, range or staleness: a year and a month, for 'this month last year'."""
LARGEST_FIGURE = 1e15
"""Bound of thresholds and gauge ends: up to here a float still counts single units exactly."""

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_LONGEST_DURATION_TEXT = 40  # "1d23h59m59s999ms" is 16; the pattern backtracks on long digits


def parse_duration(raw: object) -> float:
    """Turn ``45s``, ``5m``, ``1h30m``, ``250ms`` or a number of seconds into seconds.

    Raises:
        ValueError: with a message that says what is accepted.
    """
    if isinstance(raw, bool):
        raise ValueError("expected a duration such as 45s, 5m or 1h30m")
    if isinstance(raw, int | float):
        seconds = float(raw)
    elif isinstance(raw, str):
        text = raw.strip().lower().replace(" ", "")
        if len(text) > _LONGEST_DURATION_TEXT:
            raise ValueError("too long for a duration; expected e.g. 45s, 5m, 1h30m or 250ms")
        if text and _DURATION_PART.sub("", text) == "":
            seconds = sum(float(n) * _UNIT_SECONDS[u] for n, u in _DURATION_PART.findall(text))
        else:
            try:
                seconds = float(text)
            except ValueError:
                raise ValueError(
                    f"{raw!r} is not a duration; expected e.g. 45s, 5m, 1h30m or 250ms"
                ) from None
    else:
        raise ValueError("expected a duration such as 45s, 5m or 1h30m")
    if not math.isfinite(seconds):  # the layout error then says the field's range
        raise PydanticCustomError("finite_number", "expected a finite duration")
    if seconds <= 0:
        raise ValueError("a duration must be longer than zero")
    return seconds


def format_duration(seconds: float) -> str:
    """``5400`` → ``90m``, ``0.25`` → ``0.25s``: the shortest way a layout writes it."""
    if seconds >= 86400 and seconds % 86400 == 0:
        return f"{int(seconds // 86400)}d"
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{int(seconds // 3600)}h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{int(seconds // 60)}m"
    return f"{seconds:g}s"


Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
    Field(json_schema_extra={"type": "string", "pattern": r"^(\d+(\.\d+)?(ms|s|m|h|d))+$"}),
]
"""Seconds, written in the layout as ``45s``, ``5m``, ``1h30m`` or ``250ms``.

Each field gives its own range: ``Field(ge=SECOND, le=DAY)``."""


def is_duration(annotation: Any, metadata: Iterable[Any] = ()) -> bool:
    """True for :data:`Duration`, however optional or annotated further (``metadata``: what
    pydantic has already taken out of the annotation)."""
    if any(getattr(meta, "func", None) is parse_duration for meta in metadata):
        return True
    if typing.get_origin(annotation) is Annotated:
        _, *more = typing.get_args(annotation)
        if is_duration(None, more):
            return True
    return any(is_duration(arg) for arg in typing.get_args(annotation))


Figure = Annotated[float, Field(ge=-LARGEST_FIGURE, le=LARGEST_FIGURE)]
"""A value of a stream as a layout compares with it (thresholds, gauge ends)."""

HEX_COLOUR = r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$"
Colour = Annotated[str, Field(pattern=HEX_COLOUR, examples=["#4f8cff"])]


def _readable_here(path: Path, info: ValidationInfo) -> Path:
    """``path`` made absolute against the layout's folder, if the layout may read it.

    The layout's folder (``base`` in the validation context) and the folders it allows
    (``allowed``) are the only places, judged by where the path really leads (symlinks
    followed): a layout must not show or parse any file the wall's user can read
    (``../../etc/passwd`` as CSV). The path is kept as written, only normalised, so that the
    installer (``kiosk.config.files``) sees the layout's own files as its own.
    """
    context = info.context or {}
    base = Path(context.get("base") or Path.cwd())
    restricted = "base" in context  # options built in code, not read from a layout, are not
    try:
        written = Path(os.path.normpath(base / path.expanduser()))
        real = written.resolve()
    except (ValueError, OSError, RuntimeError) as error:  # a NUL byte, a symlink loop, no ~user
        raise ValueError(f"not a usable file path: {error}") from None
    folders = [base.resolve(), *context.get("allowed", ())]
    if not restricted or any(real.is_relative_to(folder) for folder in folders):
        return written
    allowed = ", ".join(str(folder) for folder in folders[1:])
    raise ValueError(
        f"{real} is outside the layout's folder {folders[0]}"
        + (f" and the folders under files: allow: ({allowed})" if allowed else "")
        + "; move it there, or add its folder to files: {allow: [...]}"
    )


LocalFile = Annotated[Path, AfterValidator(_readable_here)]
"""A file the layout reads, relative to the layout file: inside its folder, or in a folder
the layout allows under ``files: allow:`` (where it really is, symlinks followed)."""


LAYOUT_MODEL = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
"""The config of every model a layout fills: unknown keys are errors; no NaN or infinity."""


def _a_zone(zone: str) -> str:
    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{zone!r} is not a time zone (e.g. Europe/Amsterdam)") from None
    return zone


TimeZone = Annotated[str, AfterValidator(_a_zone)]
"""An IANA time zone name (Europe/Amsterdam), checked against the zone database."""
