"""The layout's JSON Schema, for editors (``# yaml-language-server: $schema=...``)."""

from __future__ import annotations

from typing import Any

from kiosk.config.layout import Layout


def layout_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of the layout format, with descriptions for autocompletion."""
    schema = Layout.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://kiosk.invalid/kiosk-layout.schema.json",
        **schema,
    }
