"""A wall's data from a data node: the hub filled from the broker, no sources run here.

The wall declares every stream its layout makes available (widgets look them up by name) and
subscribes to the ones its screens, spans and takeovers use. Values keep the node's timestamps,
so a widget's data age is the data's, not the message's. Faults: with the broker or the data node
gone, every source shows ``stale`` at once and widgets dim after their ``stale_after`` (the node's
confirmations stop coming); on reconnect the broker's retained values resynchronise the wall.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Iterator
from typing import Any, Protocol

import msgpack

from kiosk.config import Layout, available_streams
from kiosk.config.fleet import Mqtt
from kiosk.config.layout import this_box, tiles
from kiosk.fleet import (
    batch_topic,
    box_topic,
    codec,
    source_topic,
    stream_topic,
    thumbnail_topic,
)
from kiosk.fleet.commands import Inbox, ack_topic, command_topic
from kiosk.fleet.connection import Connection
from kiosk.fleet.sync import Step, sync_topic
from kiosk.hub import Hub, SourceState
from kiosk.values import Kind

log = logging.getLogger(__name__)

SCHEDULE_GRACE = 1.0  # s after connecting: retained schedules have come by then, if any


def _topic_name(screen: str) -> str:
    """A span's panel ``videowall#2`` as ``videowall.2``: ``#`` is MQTT's wildcard (and a
    screen's name has no dots)."""
    return screen.replace("#", ".")


class Rotation(Protocol):
    """What the fleet's shared rotation needs of the wall (kiosk.screens.wall.Wall)."""

    def schedules(self) -> dict[str, Step]: ...

    def follow_schedule(self, group: str, step: Step) -> None: ...


def own_screens(layout: Layout) -> list[str]:
    """The screens and spans with a monitor rule for this box (a span: any of its panels)."""
    box = this_box(layout)
    names = [s.name for s in layout.screens if s.match.box in (None, box)]
    spans = {screen.name.split("#", 1)[0] for screen, *_ in tiles(layout)
             if screen.match.box in (None, box)}  # fmt: skip
    return names + [span.name for span in layout.spans if span.name in spans]


def used_streams(layout: Layout) -> set[str]:
    """Every stream the layout's screens, spans and takeovers name (widgets, triggers)."""
    streams = set(available_streams(layout))
    document = layout.model_dump(mode="python", include={"screens", "spans", "takeovers"})
    return {text for text in _strings(document) if text in streams}


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


class RemoteData:
    """The wall's :class:`~kiosk.runtime.DataSide` when its layout has ``data: {mqtt: …}``."""

    def __init__(self, layout: Layout, options: Mqtt, hub: Hub | None = None) -> None:
        self.options = options
        self.hub = hub or Hub()
        self.kinds = available_streams(layout)
        for name, kind in self.kinds.items():
            self.hub.declare(name, kind)
        self.streams = sorted(used_streams(layout))
        self.sources = sorted({name.split(".", 1)[0] for name in self.streams})
        site = options.site
        topics = [stream_topic(site, name) for name in self.streams]
        topics += [batch_topic(site, n) for n in self.streams if self.kinds[n] is Kind.MENTIONS]
        topics += [source_topic(site, source) for source in self.sources]
        topics.append(box_topic(site, "+"))
        topics.append(command_topic(site, "+"))
        topics.append(sync_topic(site, "+"))
        self._command_prefix = command_topic(site, "")
        self._sync_prefix = sync_topic(site, "")
        self._thumbnail_prefix = thumbnail_topic(site, "", "")[:-1]  # kiosk/<site>/thumb/
        self._routes: dict[str, tuple[str, str]] = {}
        for name in self.streams:
            self._routes[stream_topic(site, name)] = ("value", name)
            self._routes[batch_topic(site, name)] = ("batch", name)
        for source in self.sources:
            self._routes[source_topic(site, source)] = ("source", source)
        screens = own_screens(layout)
        self.connection = Connection(
            options,
            "wall",
            topics=topics,
            on_message=self.received,
            on_connected=self._connected,
            presence=lambda: {"screens": screens, "age": self.data_age()},
        )
        self.inbox = Inbox(
            options.box,
            lambda command_id, ack: self.connection.publish(
                ack_topic(site, command_id, options.box), ack, qos=1
            ),
            screens,
        )
        self.remote_version: dict[str, int] = {}
        self.boxes: dict[str, dict[str, Any]] = {}  # every box's last presence message
        self.nodes: dict[str, bool] = {}  # data nodes of the site: online?
        self.gaps = 0  # mention batches that did not follow the last one (counted, for checks)
        self.received_count = 0
        self._problem: str | None = "connecting to the broker"
        self._source_bodies: dict[str, dict[str, Any]] = {}
        self.rotation: Rotation | None = None  # the wall, once it is up
        # Every box's screens as small JPEGs (box → screen → (epoch s, bytes)), once a fleet
        # view asked for them: a box that nobody looks at from here does not receive them.
        self.thumbnails: dict[str, dict[str, tuple[float, bytes]]] = {}
        self.schedules: dict[str, Step] = {}  # every group's schedule, as the broker has it
        self._offer: asyncio.TimerHandle | None = None

    def share(self, group: str, step: Step) -> None:
        """Publish a group's new schedule (retained): every box flips on it."""
        self.schedules[group] = step
        self.connection.publish(sync_topic(self.options.site, group), step.payload(),
                                retain=True, qos=1)  # fmt: skip

    def publish_thumbnail(self, screen: str, jpeg: bytes) -> None:
        """What ``screen`` (a span's panel: ``name#n``) shows now, for the fleet view."""
        if not self.connection.connected:
            return
        payload = msgpack.packb({"at": time.time(), "jpeg": jpeg}, use_bin_type=True)
        topic = thumbnail_topic(self.options.site, self.options.box, _topic_name(screen))
        self.connection.publish(topic, payload, retain=True)

    def want_thumbnails(self) -> None:
        """Receive every box's thumbnails from now on (the control page shows the fleet)."""
        self.connection.subscribe(thumbnail_topic(self.options.site, "+", "+"))

    def thumbnail(self, box: str, screen: str) -> bytes | None:
        found = self.thumbnails.get(box, {}).get(screen)
        return found[1] if found is not None else None

    def _thumbnail(self, where: str, payload: bytes) -> None:
        box, _, screen = where.partition("/")
        screen = screen.replace(".", "#")
        if not payload:
            self.thumbnails.get(box, {}).pop(screen, None)
            return
        body = msgpack.unpackb(payload, raw=False)
        at, jpeg = float(body["at"]), body["jpeg"]
        if not isinstance(jpeg, bytes) or not jpeg.startswith(b"\xff\xd8"):
            raise ValueError("a thumbnail that is not a JPEG")
        self.thumbnails.setdefault(box, {})[screen] = (at, jpeg)

    def _offer_schedules(self) -> None:
        """A group no box has a schedule for yet takes this box's (it has started flipping)."""
        self._offer = None
        if self.rotation is None or not self.connection.connected:
            return
        for group, step in self.rotation.schedules().items():
            if group not in self.schedules:
                self.share(group, step)

    def start(self) -> None:
        self.connection.start()
        self._mark_stale()

    async def stop(self) -> None:
        if self._offer is not None:
            self._offer.cancel()
        await self.connection.stop()

    def data_age(self) -> float | None:
        """Seconds since the oldest used stream's data (for the fleet view)."""
        ats = [s.at for s in (self.hub.sample(n) for n in self.streams) if s is not None]
        return round(self.hub.clock() - min(ats), 1) if ats else None

    def fleet_view(self) -> dict[str, Any]:
        """Every box of the site: online, role, screens, data age, seconds since its heartbeat,
        and the age of each screen's thumbnail (once :meth:`want_thumbnails`)."""
        now = self.hub.clock()
        return {
            box: {
                "online": bool(body.get("online")),
                "role": body.get("role"),
                "screens": body.get("screens", []),
                "data_age_s": body.get("age"),
                "heartbeat_age_s": round(now - float(body.get("at", now)), 1),
                "thumbnails": {
                    screen: round(now - at, 1)
                    for screen, (at, _) in sorted(self.thumbnails.get(box, {}).items())
                },
            }
            for box, body in sorted(self.boxes.items())
        }

    # -- from the broker -------------------------------------------------------------------

    def received(self, topic: str, payload: bytes) -> None:
        """One message (called in the loop); bad messages are logged and dropped."""
        route = self._routes.get(topic)
        try:
            if route is None and topic.startswith(self._command_prefix):
                self.inbox.received(payload)
            elif route is None and topic.startswith(self._sync_prefix):
                self._schedule(topic.removeprefix(self._sync_prefix), payload)
            elif route is None and topic.startswith(self._thumbnail_prefix):
                self._thumbnail(topic.removeprefix(self._thumbnail_prefix), payload)
            elif route is None:
                self._box(topic, payload)
            elif route[0] == "source":
                self._source(route[1], payload)
            else:
                self._stream(route[0], route[1], payload)
        except (codec.DecodeError, ValueError, TypeError, KeyError, msgpack.ExtraData) as error:
            log.warning("dropped a message on %s: %s", topic, error)

    def _stream(self, what: str, name: str, payload: bytes) -> None:
        kind = self.kinds[name]
        update = codec.decode(payload, expect=kind)
        self.received_count += 1
        have = self.remote_version.get(name, 0)
        if kind is Kind.MENTIONS:
            if what == "batch":
                if update.since != have and have:
                    self.gaps += 1  # missed some posts: the next full list fills them in
                if update.version > have or not have:
                    self.hub.append(name, update.data, at=update.at)
            else:
                if update.version <= have:
                    return
                sample = self.hub.sample(name)
                seen = {m.id for m in sample.value} if sample is not None else set()
                fresh = [m for m in update.data if m.id not in seen]
                if fresh:
                    self.hub.append(name, fresh, at=update.at)
            self.remote_version[name] = max(have, update.version)
            return
        if update.version == have and self.hub.version(name):
            return  # the same value again (a resend after reconnect)
        self.hub.publish(name, update.data, at=update.at)
        self.remote_version[name] = update.version

    def _schedule(self, group: str, payload: bytes) -> None:
        if not payload:
            self.schedules.pop(group, None)
            return
        step = Step.from_payload(payload)
        self.schedules[group] = step
        if self.rotation is not None:
            self.rotation.follow_schedule(group, step)

    def _source(self, source: str, payload: bytes) -> None:
        body = json.loads(payload)
        SourceState(body["state"])  # a known state, or the message is dropped
        self._source_bodies[source] = body
        if self._problem is None:
            self._apply_source(source, body)

    def _apply_source(self, source: str, body: dict[str, Any]) -> None:
        self.hub.set_status(source, SourceState(body["state"]), str(body.get("detail", "")))
        if body.get("confirmed") is not None:
            self.hub.confirm(source, float(body["confirmed"]))

    def _resolved(self) -> None:
        """Broker and data node are back: the sources' own states again."""
        self._problem = None
        for source, body in self._source_bodies.items():
            self._apply_source(source, body)

    def _box(self, topic: str, payload: bytes) -> None:
        if not payload:
            return
        body = json.loads(payload)
        box = topic.rsplit("/", 1)[-1]
        self.boxes[box] = body
        if body.get("role") != "node":
            return
        was = any(self.nodes.values())
        self.nodes[box] = bool(body.get("online"))
        online = any(self.nodes.values())
        if was and not online:
            self._problem = "the data node is offline"
            self._mark_stale()
        elif online and not was and self.connection.connected:
            self._resolved()

    # -- faults ----------------------------------------------------------------------------

    def _connected(self, connected: bool) -> None:
        if connected:
            if self._offer is None:
                loop = asyncio.get_running_loop()
                self._offer = loop.call_later(SCHEDULE_GRACE, self._offer_schedules)
            if any(self.nodes.values()):
                self._resolved()
            else:
                self._problem = "waiting for the data node"
            return
        self._problem = "the MQTT broker is unreachable"
        self.nodes.clear()  # the broker's retained presence says again who is up
        self.boxes.clear()
        self.schedules.clear()  # a broker restarted empty gets ours again (_offer_schedules)
        self._mark_stale()

    def _mark_stale(self) -> None:
        for source in self.sources:
            if self.hub.status(source).state is not SourceState.STARTING or self.hub.confirmed(
                source
            ):
                self.hub.set_status(source, SourceState.STALE, self._problem or "")
