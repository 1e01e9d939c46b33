"""Data sources (no Qt here). Each type's module is imported when a layout names the type:
see :class:`kiosk.sources.base.SourceRegistry`."""

from kiosk.sources.base import BUILT_IN, SOURCES, Source, SourceOptions, register

__all__ = ["BUILT_IN", "SOURCES", "Source", "SourceOptions", "register"]
