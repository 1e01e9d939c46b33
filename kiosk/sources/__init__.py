"""Data sources. Importing this package registers every source type (no Qt here)."""

from kiosk.sources import (
    bluesky,
    demo,
    file,
    http_json,
    ics,
    mastodon,
    opensearch,
    prometheus,
    rss,
    sse,
)
from kiosk.sources.base import SOURCES, Source, SourceOptions, register

__all__ = [
    "SOURCES",
    "Source",
    "SourceOptions",
    "bluesky",
    "demo",
    "file",
    "http_json",
    "ics",
    "mastodon",
    "opensearch",
    "prometheus",
    "register",
    "rss",
    "sse",
]
