"""The layout's JSON Schema, for editors (``# yaml-language-server: $schema=...``).

Only the format is described: no value from a layout or the environment ever gets in here.
"""

from __future__ import annotations

import typing
from typing import Any

from kiosk.config.layout import layout_model
from kiosk.config.types import Duration, format_duration
from kiosk.sources import SOURCES

SCHEMA_ID = "https://kiosk.invalid/kiosk-layout.schema.json"


def layout_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of the layout format, with descriptions for autocompletion.

    Durations are strings such as ``45s``, and so are their defaults; their ranges are in
    their descriptions (``minimum`` is for numbers in JSON Schema, not for strings).
    """
    SOURCES.load_all()  # every source type the format knows, not only those loaded so far
    schema = layout_model().model_json_schema(mode="validation")
    _write_durations(schema, _schema_pattern(Duration))
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def _schema_pattern(annotated: Any) -> str | None:
    """The ``pattern`` an ``Annotated`` type puts in the schema (types.py owns the regex)."""
    for meta in typing.get_args(annotated)[1:]:
        extra = getattr(meta, "json_schema_extra", None)
        if isinstance(extra, dict) and isinstance(extra.get("pattern"), str):
            return str(extra["pattern"])
    return None


def _write_durations(node: Any, pattern: str | None) -> None:
    """``"default": 30.0`` on a duration becomes ``"30s"`` (a number would not validate), and
    its ``minimum`` and ``maximum`` become words in its description: "From 1s to 1d."."""
    if isinstance(node, dict):
        if pattern and node.get("pattern") == pattern:
            default = node.get("default")
            if isinstance(default, int | float):
                node["default"] = format_duration(default)
            # ge/le: how pydantic writes the bounds of a duration inside a union
            low = next((node.pop(k) for k in ("minimum", "ge", "gt") if k in node), None)
            high = next((node.pop(k) for k in ("maximum", "le", "lt") if k in node), None)
            if low is not None and high is not None:
                span = f"From {format_duration(low)} to {format_duration(high)}."
                node["description"] = f"{node.get('description', '')} {span}".strip()
        for value in node.values():
            _write_durations(value, pattern)
    elif isinstance(node, list):
        for value in node:
            _write_durations(value, pattern)
