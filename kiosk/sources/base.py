"""What every source is: typed options, the streams it provides, and an async ``run``.

A source is one module in this package: an options model (``extra="forbid"``) and a class
registered under its layout ``type`` with :func:`register`. It publishes into the hub under
``<source name>.<stream>``. Polling sources (HTTP, later issues) get interval, timeout, backoff
and last-good-value handling from a shared base; the demo source is a generator and needs none.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import ClassVar

from pydantic import BaseModel

from kiosk.config.types import LAYOUT_MODEL
from kiosk.hub import Hub
from kiosk.values import Kind


class SourceOptions(BaseModel):
    model_config = LAYOUT_MODEL

    type: str


class Source(abc.ABC):
    """A producer of streams. Subclasses set ``options_model`` and implement ``run``."""

    options_model: ClassVar[type[SourceOptions]]

    def __init__(self, name: str, options: SourceOptions, hub: Hub) -> None:
        self.name = name
        self.options = options
        self.hub = hub

    @classmethod
    @abc.abstractmethod
    def provides(cls, options: SourceOptions) -> dict[str, Kind]:
        """The streams this source publishes, by short name (without the source prefix)."""

    def declare(self) -> None:
        """Declare this source's streams in the hub (before any widget binds to them)."""
        for stream, kind in self.provides(self.options).items():
            self.hub.declare(f"{self.name}.{stream}", kind)

    @abc.abstractmethod
    async def run(self) -> None:
        """Publish until cancelled. Must never raise for bad data or a dead backend."""


SOURCES: dict[str, type[Source]] = {}
"""Every source type the layout knows, by its ``type:`` name."""


def register(type_name: str) -> Callable[[type[Source]], type[Source]]:
    def decorate(cls: type[Source]) -> type[Source]:
        SOURCES[type_name] = cls
        return cls

    return decorate
