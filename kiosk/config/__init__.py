"""Layout loading and validation. No Qt in this package.

Names are loaded on first use: source modules import ``kiosk.config.types``, and the layout
models import every source module, so an eager import here would be circular.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiosk.config.check import available_streams, streams_of
    from kiosk.config.errors import LayoutError, LayoutIssue
    from kiosk.config.layout import (
        Grid,
        Layout,
        Match,
        Moderation,
        Page,
        Rotation,
        Screen,
        Takeover,
        Theme,
        Trigger,
        layout_model,
    )
    from kiosk.config.loader import load_layout, parse_layout
    from kiosk.config.schema import layout_schema

_EXPORTS = {
    "LayoutError": "errors",
    "LayoutIssue": "errors",
    "Grid": "layout",
    "Layout": "layout",
    "Match": "layout",
    "Moderation": "layout",
    "Page": "layout",
    "Rotation": "layout",
    "Screen": "layout",
    "Takeover": "layout",
    "Theme": "layout",
    "Trigger": "layout",
    "layout_model": "layout",
    "layout_schema": "schema",
    "load_layout": "loader",
    "parse_layout": "loader",
    "available_streams": "check",
    "streams_of": "check",
}

__all__ = [
    "Grid",
    "Layout",
    "LayoutError",
    "LayoutIssue",
    "Match",
    "Moderation",
    "Page",
    "Rotation",
    "Screen",
    "Takeover",
    "Theme",
    "Trigger",
    "available_streams",
    "layout_model",
    "layout_schema",
    "load_layout",
    "parse_layout",
    "streams_of",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'kiosk.config' has no attribute {name!r}")
    return getattr(importlib.import_module(f"kiosk.config.{module}"), name)
