"""``kiosk ctl --fleet LAYOUT …``: a command to every box of a site, over the broker. No Qt.

The layout's ``data: mqtt:`` says where the broker is and who we are (an operator's account in
the site's ACL may send commands; a wall box's may not). The command goes out retained through
:class:`~kiosk.fleet.commands.Outbox` (so ending an emergency clears the retained one), and the
boxes' answers are collected for a few seconds: every box with a target screen answers, once.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as paho

from kiosk.config.fleet import Mqtt
from kiosk.fleet import box_topic
from kiosk.fleet.commands import Outbox, ack_topic, command_topic
from kiosk.fleet.connection import new_client

SETTLE_S = 1.0  # after subscribing: the broker's retained commands and presences have come


class FleetUnreachableError(OSError):
    """The broker refused us or did not answer."""


@dataclass
class Sent:
    """A command sent to the fleet: its id, each box's answer, the wall boxes online."""

    id: str
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    walls_online: list[str] = field(default_factory=list)


def send(options: Mqtt, command: dict[str, Any], *, wait: float = 5.0) -> Sent:
    """Publish ``command`` to the site and collect answers for up to ``wait`` seconds (less
    when every online wall box answered). Raises :class:`FleetUnreachableError`."""
    lock = threading.Lock()
    connected = threading.Event()
    refused: list[str] = []
    boxes: dict[str, dict[str, Any]] = {}
    answers: dict[str, dict[str, Any]] = {}
    client = new_client(options, "ctl")
    site = options.site
    outbox = Outbox(site, lambda topic, payload: client.publish(topic, payload, 1, True))
    acks, presence = ack_topic(site, "", "")[:-1], box_topic(site, "")

    def on_connect(c: paho.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            refused.append(str(reason))
        else:
            c.subscribe([(command_topic(site, "+"), 1), (acks + "#", 1), (presence + "+", 1)])
        connected.set()

    def on_message(_c: paho.Client, _u: Any, message: paho.MQTTMessage) -> None:
        topic, payload = message.topic, bytes(message.payload)
        with lock:
            try:
                if topic.startswith(acks):
                    command_id, _, box = topic.removeprefix(acks).partition("/")
                    answers.setdefault(command_id, {})[box] = json.loads(payload)
                elif topic.startswith(presence) and payload:
                    boxes[topic.removeprefix(presence)] = json.loads(payload)
                else:
                    outbox.received(topic, payload)
            except ValueError:
                pass  # not ours to judge here: the boxes log what they drop

    client.on_connect = on_connect
    client.on_message = on_message
    host, port = options.address()
    try:
        client.connect(host, port, keepalive=max(2, round(options.keepalive)))
    except OSError as error:
        raise FleetUnreachableError(f"cannot reach the broker {options.broker}: {error}") from None
    client.loop_start()
    try:
        if not connected.wait(10) or refused:
            why = refused[0] if refused else "no answer"
            raise FleetUnreachableError(f"the broker {options.broker} refused us: {why}")
        time.sleep(SETTLE_S)
        with lock:
            walls = sorted(
                b for b, p in boxes.items() if p.get("online") and p.get("role") == "wall"
            )
            command_id = outbox.send(command, by=f"kiosk ctl ({options.box})")
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            with lock:
                if set(walls) <= set(answers.get(command_id, {})):
                    break
            time.sleep(0.05)
        with lock:
            return Sent(command_id, dict(answers.get(command_id, {})), walls)
    finally:
        client.loop_stop()
        client.disconnect()
