"""The data side of a running wall: sources publishing into the hub, analytics on top. No Qt.

``kiosk run`` uses it inside the Qt loop; ``kiosk serve`` (a data node, :mod:`kiosk.fleet`) runs
it alone in a plain asyncio loop and publishes every stream to an MQTT broker. A layout with
``data: {mqtt: …}`` makes ``kiosk run`` a wall that runs no sources: :func:`data_side` then
returns a :class:`~kiosk.fleet.remote.RemoteData` that fills the hub from the broker.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import TYPE_CHECKING, Protocol

from kiosk.analytics import MentionAnalytics, attach_analytics
from kiosk.analytics.aggregators import Settings
from kiosk.analytics.expressions import attach_metrics
from kiosk.analytics.model_sentiment import spec_of
from kiosk.analytics.sentiment import use_model_or_say
from kiosk.analytics.views import ListeningView
from kiosk.hub import Hub, SourceState
from kiosk.sources import SOURCES, Source
from kiosk.sources.parsing import set_worker_setup, start_workers
from kiosk.sources.polling import PollingSource
from kiosk.values import Kind

if TYPE_CHECKING:
    from kiosk.config import Layout

log = logging.getLogger(__name__)


class DataSide(Protocol):
    """What the wall needs of its data: a hub, started and stopped with the loop."""

    hub: Hub

    def start(self) -> None: ...

    async def stop(self) -> None: ...


def data_side(layout: Layout) -> DataSide:
    """Sources in this process (the default), or a data node's streams over MQTT."""
    if layout.data.mqtt is not None:
        from kiosk.fleet.remote import RemoteData

        return RemoteData(layout, layout.data.mqtt)
    return Runtime(layout)


class Runtime:
    """The data side of a running wall: sources publishing into the hub, analytics on top."""

    def __init__(self, layout: Layout, hub: Hub | None = None) -> None:
        self.hub = hub or Hub()
        self.sources: list[Source] = []
        self.analytics: list[MentionAnalytics] = []
        self._tasks: list[asyncio.Task[None]] = []
        self.sentiment_model = spec_of(layout.sentiment)
        brands_of: dict[str, tuple[list[str] | None, str | None]] = {}
        settings = Settings(markets=layout.market_of_country)
        for name, options in layout.sources.items():
            source = SOURCES[options.type](name, options, self.hub)
            source.declare()
            self.sources.append(source)
            provided = source.provides(options)
            if provided.get("mentions") is Kind.MENTIONS:
                brands = getattr(options, "brands", None)
                ours = getattr(options, "our_brand", None)
                brands_of[name] = (list(brands) if brands else None, ours)
                alerts = getattr(options, "alerts", None)
                rank_by = getattr(options, "rank_by", None)
                self.analytics.append(
                    attach_analytics(
                        self.hub,
                        name,
                        brands=brands,
                        ours=ours,
                        alerts=alerts,
                        settings=settings,
                        rank_by=rank_by,
                    )
                )
        self.views: list[ListeningView] = []
        for name, view in layout.views.items():
            known = [brands_of.get(source, (None, None)) for source in view.sources]
            brands = list(dict.fromkeys(b for listed, _ in known for b in listed or ())) or None
            ours = next((our for _, our in known if our), None)
            self.views.append(ListeningView(self.hub, name, view, brands, ours, settings))
        self.metrics = attach_metrics(self.hub, layout.metrics)  # read the streams above

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        if self.sentiment_model is not None:  # polled posts are scored in the parse workers
            set_worker_setup(functools.partial(use_model_or_say, self.sentiment_model))
        if any(isinstance(source, PollingSource) for source in self.sources):
            start_workers()  # their answers are parsed in worker processes: start those now
        for source in self.sources:
            task = loop.create_task(source.run(), name=source.name)
            task.add_done_callback(self._source_ended)
            self._tasks.append(task)
        if self.analytics or self.views:
            self._tasks.append(loop.create_task(self._tick_analytics(), name="analytics"))

    async def _tick_analytics(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            await self.hub.pace()
            for analytics in self.analytics:
                analytics.tick()
            for view in self.views:
                view.tick()

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    def _source_ended(self, task: asyncio.Task[None]) -> None:
        if task.cancelled():
            return
        error = task.exception()
        # A source must never raise; if one does, the wall keeps its last data and says so.
        self.hub.set_status(task.get_name(), SourceState.FAILED, repr(error) if error else "ended")
        if error is not None:
            log.error("source %s stopped: %r", task.get_name(), error, exc_info=error)
