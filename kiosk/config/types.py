"""Small value types shared by the layout models: durations, colours, grid placements."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator, Field, PlainSerializer

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


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
    if seconds <= 0:
        raise ValueError("a duration must be longer than zero")
    return seconds


def format_duration(seconds: float) -> str:
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
"""Seconds, written in the layout as ``45s``, ``5m``, ``1h30m`` or ``250ms``."""

HEX_COLOUR = r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$"
Colour = Annotated[str, Field(pattern=HEX_COLOUR, examples=["#4f8cff"])]
