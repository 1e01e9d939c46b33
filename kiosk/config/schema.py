"""The layout's JSON Schema, for editors (``# yaml-language-server: $schema=...``).

Only the format is described: no value from a layout or the environment ever gets in here.
"""

from __future__ import annotations

import typing
from typing import Any

from kiosk.config.layout import layout_model
from kiosk.config.types import Duration, format_duration

SCHEMA_ID = "https://kiosk.invalid/kiosk-layout.schema.json"


def layout_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of the layout format, with descriptions for autocompletion.

    Durations are strings such as ``45s``, and so are their defaults.
    """
    schema = layout_model().model_json_schema(mode="validation")
    _write_duration_defaults(schema, _schema_pattern(Duration))
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def _schema_pattern(annotated: Any) -> str | None:
    """The ``pattern`` an ``Annotated`` type puts in the schema (types.py owns the regex)."""
    for meta in typing.get_args(annotated)[1:]:
        extra = getattr(meta, "json_schema_extra", None)
        if isinstance(extra, dict) and isinstance(extra.get("pattern"), str):
            return str(extra["pattern"])
    return None


def _write_duration_defaults(node: Any, pattern: str | None) -> None:
    """``"default": 30.0`` on a duration becomes ``"30s"``: a number would not validate."""
    if isinstance(node, dict):
        default = node.get("default")
        if pattern and node.get("pattern") == pattern and isinstance(default, int | float):
            node["default"] = format_duration(default)
        for value in node.values():
            _write_duration_defaults(value, pattern)
    elif isinstance(node, list):
        for value in node:
            _write_duration_defaults(value, pattern)
