"""Aggregators: small classes that each count one aspect of a mention stream and publish the
streams they declare. A new derived stream is one new module in this package: it is found here,
its streams join the catalogue (:data:`kiosk.analytics.DERIVED_STREAMS`), ``kiosk check`` and
the schema's descriptions, and every mention source and listening view gets them.

An aggregator is a class decorated with :func:`aggregator`, with

- ``streams``: the streams it publishes (short names, e.g. ``by_country``) and their kinds;
- ``__init__(settings)``: the layout's settings that shape it (:class:`Settings`);
- ``count(mention, minute, weight)``: called for every sane mention, so it must be cheap;
- ``publish(current, publish)``: at most once a second, ``publish(short_name, value)``.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from kiosk.values import Kind, Mention


@dataclass(frozen=True, slots=True)
class Settings:
    """What the layout says that shapes the aggregates of every mention stream."""

    markets: Mapping[str, str] = field(default_factory=dict)  # ISO country code → market name


class Aggregator(Protocol):
    streams: ClassVar[dict[str, Kind]]

    def count(self, mention: Mention, minute: int, weight: int) -> None: ...

    def publish(self, current: int, publish: Callable[[str, Any], None]) -> None: ...


AggregatorType = Callable[[Settings], Aggregator]
AGGREGATORS: list[Any] = []
"""Every aggregator class, in the order their modules were found."""


def aggregator(cls: type[Any]) -> type[Any]:
    """Register ``cls`` as an aggregator (a class decorator)."""
    if not isinstance(getattr(cls, "streams", None), dict):
        raise TypeError(f"{cls.__name__} declares no streams")
    AGGREGATORS.append(cls)
    return cls


def aggregator_streams() -> dict[str, Kind]:
    """The streams the aggregators declare, by short name."""
    declared: dict[str, Kind] = {}
    for cls in AGGREGATORS:
        for name, kind in cls.streams.items():
            if name in declared:
                raise ValueError(f"stream {name!r} declared twice ({cls.__name__})")
            declared[name] = kind
    return declared


for _module in sorted(pkgutil.iter_modules(__path__), key=lambda module: module.name):
    importlib.import_module(f"{__name__}.{_module.name}")
