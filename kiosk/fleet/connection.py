"""A broker connection for asyncio code: paho-mqtt's network thread, callbacks in the loop.

paho-mqtt (Eclipse, MQTT 3.1.1/5) keeps the connection, reconnects with back-off by itself and
sends the keep-alive pings from its own thread; every callback is handed to the asyncio loop
(the qasync loop on a wall), so the hub is only ever touched from the loop's thread.
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
import time
from collections.abc import Callable, Sequence
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from kiosk.config.fleet import Mqtt
from kiosk.fleet import box_topic

log = logging.getLogger(__name__)

MessageHandler = Callable[[str, bytes], None]


def new_client(options: Mqtt, role: str) -> paho.Client:
    """A paho client for ``options``: its id, credentials and TLS (not yet connected)."""
    client = paho.Client(
        CallbackAPIVersion.VERSION2,
        client_id=f"kiosk-{options.site}-{options.box}-{role}",
        protocol=paho.MQTTv311,
        clean_session=True,
    )
    client.enable_logger(logging.getLogger("kiosk.fleet.paho"))
    if options.username is not None:
        client.username_pw_set(options.username, options.password)
    if options.tls is not None:
        tls = options.tls
        client.tls_set(
            ca_certs=str(tls.ca) if tls.ca else None,
            certfile=str(tls.cert) if tls.cert else None,
            keyfile=str(tls.key) if tls.key else None,
            tls_version=ssl.PROTOCOL_TLS_CLIENT,
        )
    return client


class Connection:
    """One client: presence with last will, subscriptions renewed on every (re)connect.

    Args:
        options: the layout's ``data: mqtt:``.
        role: ``node`` or ``wall`` (in the presence message, and the client id).
        topics: subscribed on every connect (the broker then sends their retained values).
        on_message: ``(topic, payload)``, called in the loop.
        on_connected: ``(True/False)`` on connect and disconnect, called in the loop.
    """

    def __init__(
        self,
        options: Mqtt,
        role: str,
        *,
        topics: Sequence[str] = (),
        on_message: MessageHandler | None = None,
        on_connected: Callable[[bool], None] | None = None,
        presence: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        self.options = options
        self.role = role
        self.topics = list(topics)
        self.connected = False
        self._on_message = on_message
        self._on_connected = on_connected
        self._presence = presence or dict
        self._loop: asyncio.AbstractEventLoop | None = None
        self._heartbeat: asyncio.Task[None] | None = None
        self._topic = box_topic(options.site, options.box)
        client = new_client(options, role)
        client.reconnect_delay_set(min_delay=1, max_delay=5)
        client.will_set(self._topic, self._status(online=False), qos=1, retain=True)
        client.on_connect = self._connected
        client.on_disconnect = self._disconnected
        client.on_message = self._message
        self.client = client

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        host, port = self.options.address()
        keepalive = max(2, round(self.options.keepalive))
        self.client.connect_async(host, port, keepalive=keepalive)
        self.client.loop_start()
        self._heartbeat = self._loop.create_task(self._beat(), name=f"mqtt-{self.role}-heartbeat")

    async def stop(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
        if self.connected:  # a clean stop says offline itself (the will is for deaths)
            info = self.client.publish(self._topic, self._status(online=False), qos=1, retain=True)
            await asyncio.to_thread(info.wait_for_publish, 2.0)
        self.client.disconnect()
        await asyncio.to_thread(self.client.loop_stop)

    def subscribe(self, topic: str) -> None:
        """Subscribe to ``topic`` now (if connected) and on every reconnect."""
        if topic not in self.topics:
            self.topics.append(topic)
            if self.connected:
                self.client.subscribe(topic, qos=1)

    def publish(self, topic: str, payload: bytes, *, retain: bool = False, qos: int = 0) -> None:
        self.client.publish(topic, payload, qos=qos, retain=retain)

    # -- paho's thread → the loop ----------------------------------------------------------

    def _call(self, function: Callable[..., None], *args: Any) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(function, *args)

    def _connected(
        self, client: paho.Client, _userdata: Any, _flags: Any, reason: Any, _props: Any
    ) -> None:
        if reason.is_failure:
            log.warning("MQTT broker %s refused us: %s", self.options.broker, reason)
            return
        for topic in self.topics:
            client.subscribe(topic, qos=1)
        client.publish(self._topic, self._status(online=True), qos=1, retain=True)
        self._call(self._set_connected, True)

    def _disconnected(
        self, _client: paho.Client, _userdata: Any, _flags: Any, reason: Any, _props: Any
    ) -> None:
        self._call(self._set_connected, False)

    def _message(self, _client: paho.Client, _userdata: Any, message: paho.MQTTMessage) -> None:
        if self._on_message is not None:
            self._call(self._on_message, message.topic, bytes(message.payload))

    def _set_connected(self, connected: bool) -> None:
        if connected != self.connected:
            log.log(
                logging.INFO if connected else logging.WARNING,
                "MQTT broker %s %s",
                self.options.broker,
                "connected" if connected else "unreachable; retrying",
            )
        self.connected = connected
        if self._on_connected is not None:
            self._on_connected(connected)

    # -- presence --------------------------------------------------------------------------

    def _status(self, *, online: bool) -> bytes:
        body: dict[str, Any] = {"online": online, "role": self.role, "at": time.time()}
        if online:
            body.update(self._presence())
        return json.dumps(body, separators=(",", ":")).encode()

    async def _beat(self) -> None:
        """The retained presence, refreshed at half the keep-alive: its ``at`` is the box's
        heartbeat for the fleet view."""
        while True:
            await asyncio.sleep(self.options.keepalive / 2)
            if self.connected:
                self.client.publish(self._topic, self._status(online=True), qos=0, retain=True)
