"""Data sources. Importing this package registers every source type (no Qt here)."""

from kiosk.sources import demo, file, http_json, rss
from kiosk.sources.base import SOURCES, Source, SourceOptions, register

__all__ = ["SOURCES", "Source", "SourceOptions", "demo", "file", "http_json", "register", "rss"]
