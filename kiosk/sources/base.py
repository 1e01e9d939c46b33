"""What every source is: typed options, the streams it provides, and an async ``run``.

A source is one module in this package: an options model (``extra="forbid"``) and a class
registered under its layout ``type`` with :func:`register`, and its module named in
:data:`BUILT_IN`. It publishes into the hub under
``<source name>.<stream>``. Polling sources (HTTP, later issues) get interval, timeout, backoff
and last-good-value handling from a shared base; the demo source is a generator and needs none.
"""

from __future__ import annotations

import abc
import importlib
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
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


BUILT_IN: dict[str, str] = {
    "demo": "kiosk.sources.demo",
    "file": "kiosk.sources.file",
    "http_json": "kiosk.sources.http_json",
    "rss": "kiosk.sources.rss",
    "ics": "kiosk.sources.ics",
    "sse": "kiosk.sources.sse",
    "prometheus": "kiosk.sources.prometheus",
    "opensearch": "kiosk.sources.opensearch",
    "elasticsearch": "kiosk.sources.opensearch",
    "mastodon": "kiosk.sources.mastodon",
    "bluesky": "kiosk.sources.bluesky",
}
"""The module of each source type kiosk ships, by its ``type:`` name."""


class SourceRegistry(MutableMapping[str, "type[Source]"]):
    """Source types by ``type:`` name. A type kiosk ships is imported when it is first looked
    up, so a wall loads the source modules its layout names and no other; iterating or ``in``
    names every type without importing any. :func:`register` adds a type (the built-in modules
    register themselves when imported; plugins and tests add their own).
    """

    def __init__(self, modules: Mapping[str, str]) -> None:
        self._modules = dict(modules)
        self._loaded: dict[str, type[Source]] = {}

    def __getitem__(self, type_name: str) -> type[Source]:
        if type_name not in self._loaded and type_name in self._modules:
            importlib.import_module(self._modules[type_name])
        return self._loaded[type_name]

    def __setitem__(self, type_name: str, cls: type[Source]) -> None:
        self._loaded[type_name] = cls

    def __delitem__(self, type_name: str) -> None:
        if type_name not in self:
            raise KeyError(type_name)
        self._loaded.pop(type_name, None)
        self._modules.pop(type_name, None)

    def __contains__(self, type_name: object) -> bool:
        return type_name in self._loaded or type_name in self._modules

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self._modules, *self._loaded]))

    def __len__(self) -> int:
        return len(self._modules.keys() | self._loaded.keys())

    def load(self, type_names: Iterable[str]) -> None:
        """Import the modules of these types (names not known are left to validation)."""
        for type_name in type_names:
            if type_name in self:
                self[type_name]

    def load_all(self) -> None:
        self.load(list(self))

    def loaded(self) -> dict[str, type[Source]]:
        """The types imported so far, by name, in the order :data:`BUILT_IN` lists them."""
        order = {name: n for n, name in enumerate(self)}
        return dict(sorted(self._loaded.items(), key=lambda item: order[item[0]]))


SOURCES = SourceRegistry(BUILT_IN)
"""Every source type the layout knows, by its ``type:`` name."""


def register(type_name: str) -> Callable[[type[Source]], type[Source]]:
    def decorate(cls: type[Source]) -> type[Source]:
        SOURCES[type_name] = cls
        return cls

    return decorate
