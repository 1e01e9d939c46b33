"""``kiosk serve``: the data node. Sources and analytics as in a wall, every stream to the broker.

Coalescing: a stream changing 1,000 times a second is sent at most every ``publish_interval``
(its last value, retained). Mention streams send their new posts in one batch per interval
(``…/new``, with the version they follow, so a wall can tell whether it missed some; at most
``max_posts`` a second, the newest: at 1,000 posts a second a wall's ticker shows a few, and its
charts come computed from all of them) and, every
``snapshot_every``, their whole list retained (what a wall that starts or reconnects gets).
On every (re)connect everything is sent again: a broker restarted without persistence is full
again within one interval.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from typing import Any

from kiosk.config import Layout
from kiosk.config.fleet import Mqtt
from kiosk.fleet import batch_topic, codec, source_topic, stream_topic
from kiosk.fleet.connection import Connection
from kiosk.hub import Hub
from kiosk.runtime import Runtime
from kiosk.values import Kind, Mention

log = logging.getLogger(__name__)


class DataNode:
    def __init__(self, layout: Layout, options: Mqtt, hub: Hub | None = None) -> None:
        self.options = options
        self.runtime = Runtime(layout, hub)
        self.hub = self.runtime.hub
        self.connection = Connection(
            options,
            "node",
            on_connected=self._connected,
            presence=lambda: {"streams": len(self._names)},
        )
        self._names = self.hub.names()
        self._dirty: set[str] = set()
        self._batches: dict[str, list[Mention]] = {}
        self._sent_version: dict[str, int] = {}  # mention streams: the version of the last batch
        self._snapshot_due: set[str] = set()
        self._posts_per_batch = max(1, round(options.max_posts * options.publish_interval))
        self._sources_sent: dict[str, tuple[Any, ...]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._unsubscribe = [self.hub.subscribe(name, self._changed) for name in self._names]
        self.messages = 0  # sent, for the benchmarks
        self.bytes = 0

    def start(self) -> None:
        self.runtime.start()
        self.connection.start()
        loop = asyncio.get_running_loop()
        self._tasks.append(loop.create_task(self._flush_loop(), name="mqtt-flush"))
        self._tasks.append(loop.create_task(self._snapshot_loop(), name="mqtt-snapshots"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.runtime.stop()
        self.flush()
        await self.connection.stop()

    # -- collecting ------------------------------------------------------------------------

    def _changed(self, name: str, batch: Sequence[Any]) -> None:
        self._dirty.add(name)
        if self.hub.kind(name) is Kind.MENTIONS:
            self._batches.setdefault(name, []).extend(batch)
            self._snapshot_due.add(name)

    def _connected(self, connected: bool) -> None:
        if connected:  # the broker may have lost its retained values: send everything again
            self._dirty.update(name for name in self._names if self.hub.version(name))
            self._snapshot_due.update(n for n in self._dirty if self.hub.kind(n) is Kind.MENTIONS)
            self._sources_sent.clear()
            self._send_snapshots()

    # -- sending ---------------------------------------------------------------------------

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(self.options.publish_interval)
            self.flush()

    async def _snapshot_loop(self) -> None:
        while True:
            await asyncio.sleep(self.options.snapshot_every)
            self._send_snapshots()

    def flush(self) -> None:
        """Send what changed since the last flush (the loop calls it every interval)."""
        if not self.connection.connected:
            self._batches.clear()  # walls get the snapshot on reconnect instead
            return
        site = self.options.site
        dirty, self._dirty = self._dirty, set()
        for name in sorted(dirty):
            sample = self.hub.sample(name)
            if sample is None:
                continue
            kind = self.hub.kind(name)
            if kind is Kind.MENTIONS:
                # Walls show posts (tickers, post walls); the analytics they chart were computed
                # here from every post. The newest few per interval are all a wall can show.
                batch = self._batches.pop(name, [])[-self._posts_per_batch :]
                since = self._sent_version.get(name, 0)
                if batch:
                    payload = codec.encode_batch(since, sample.version, sample.at, batch)
                    self._send(batch_topic(site, name), payload, retain=False)
                self._sent_version[name] = sample.version
            else:
                payload = codec.encode(kind, sample.version, sample.at, sample.value)
                self._send(stream_topic(site, name), payload, retain=True)
        self._send_sources()

    def _send_snapshots(self) -> None:
        if not self.connection.connected:
            return
        due, self._snapshot_due = self._snapshot_due, set()
        for name in sorted(due):
            sample = self.hub.sample(name)
            if sample is not None:
                payload = codec.encode(Kind.MENTIONS, sample.version, sample.at, sample.value)
                self._send(stream_topic(self.options.site, name), payload, retain=True)

    def _send_sources(self) -> None:
        for source in sorted({name.split(".", 1)[0] for name in self._names}):
            status = self.hub.status(source)
            confirmed = self.hub.confirmed(source)
            key = (status.state, status.since, status.detail, confirmed)
            if self._sources_sent.get(source) == key:
                continue
            self._sources_sent[source] = key
            body = {
                "state": status.state.value,
                "since": status.since,
                "detail": status.detail,
                "confirmed": confirmed,
            }
            payload = json.dumps(body, separators=(",", ":")).encode()
            self._send(source_topic(self.options.site, source), payload, retain=True)

    def _send(self, topic: str, payload: bytes, *, retain: bool) -> None:
        self.connection.publish(topic, payload, retain=retain, qos=1 if retain else 0)
        self.messages += 1
        self.bytes += len(payload)


async def serve(layout: Layout, options: Mqtt, *, seconds: float | None = None) -> int:
    """Run a data node until SIGINT/SIGTERM (or for ``seconds``)."""
    import signal

    node = DataNode(layout, options)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    if seconds is not None:
        loop.call_later(seconds, stop.set)
    node.start()
    log.info(
        "serving %d streams of %d sources to %s as site %r",
        len(node.hub.names()),
        len(node.runtime.sources),
        options.broker,
        options.site,
    )
    await stop.wait()
    log.info("stopping")
    await node.stop()
    return 0
