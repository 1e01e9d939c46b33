"""Commands across boxes: one command (message, cast, emergency, pin, blank, identify, hide,
approve…) sent to a group reaches every box with a screen in it.

A command is published retained with QoS 1 on ``kiosk/<site>/command/<id>`` as JSON:
``{"id", "command": {…the API's command…}, "expires": epoch s or null, "by"}``. Every wall box
subscribes; a box applies it when one of its screens or groups is among the targets (``all``:
every box), once per id (an id seen again, on a reconnect, is not applied twice), and answers on
``kiosk/<site>/ack/<id>/<box>``. A box that was offline gets the retained command when it comes
back, and applies it unless it has expired. The sender clears the retained command (an empty
payload) when it no longer applies: :class:`Outbox` clears a retained emergency when it sends
the end of it (and a retained end when it sends a new emergency), so a box that was off during
the clear does not raise it again when it comes back; the end stays retained, for a box whose
own store kept the emergency over a restart. A box also weighs an emergency and its end by
their send times, whatever order the broker hands retained commands over in.
"""

from __future__ import annotations

import collections
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any

from kiosk.control.commands import (
    ALL,
    CommandError,
    Decide,
    DecisionConflictError,
    Screenshot,
    Status,
    UnavailableError,
    UnknownPostError,
    validate,
)
from kiosk.fleet.sync import CAUSE

if TYPE_CHECKING:
    from kiosk.control.api import CommandTarget

log = logging.getLogger(__name__)

SEEN = 1000  # ids remembered per box
DEFAULT_EXPIRY = 600.0  # a one-off command (next, identify…) not delivered within this is void
LASTING = ("emergency", "end_emergency")  # retained until the other one replaces them


def command_topic(site: str, command_id: str) -> str:
    return f"kiosk/{site}/command/{command_id}"


def ack_topic(site: str, command_id: str, box: str) -> str:
    return f"kiosk/{site}/ack/{command_id}/{box}"


def envelope(
    command: dict[str, Any], *, expires_in: float | None = None, by: str = "fleet"
) -> tuple[str, bytes]:
    """``(id, payload)`` of a command to publish; ``expires_in`` defaults to a message's
    duration, none for an emergency (it lasts until ended), else :data:`DEFAULT_EXPIRY`."""
    if expires_in is None and command.get("command") not in LASTING:
        duration = command.get("duration")
        expires_in = float(duration) if isinstance(duration, int | float) else DEFAULT_EXPIRY
    command_id = uuid.uuid4().hex
    body = {
        "id": command_id,
        "command": command,
        "sent": time.time(),
        "expires": None if expires_in is None else time.time() + expires_in,
        "by": by,
    }
    return command_id, json.dumps(body, separators=(",", ":")).encode()


class Inbox:
    """A wall box's side: commands from the broker applied to its wall, each once."""

    def __init__(
        self,
        box: str,
        send_ack: Callable[[str, bytes], None],
        screens: Collection[str] | None = None,
    ) -> None:
        self.box = box
        # The layout's screens and spans this box shows (one layout for every box, match:
        # {box: …}); None: all of them. A command to another box's screen is not ours.
        self.screens = None if screens is None else frozenset(screens)
        self.target: CommandTarget | None = None  # set once the wall is up
        self._send_ack = send_ack
        self._seen: collections.OrderedDict[str, None] = collections.OrderedDict()
        self.applied = 0
        self._emergency_sent = 0.0  # the latest emergency or end of one applied: its send time

    def received(self, payload: bytes) -> None:
        if not payload:
            return  # a cleared command
        try:
            body = json.loads(payload)
            command_id = str(body["id"])
            command = body["command"]
            expires = body.get("expires")
            sent = float(body.get("sent") or time.time())
            by = str(body.get("by", "fleet"))
            if not isinstance(command, dict):
                raise TypeError("command is not an object")
        except (ValueError, TypeError, KeyError) as error:
            log.warning("dropped a malformed fleet command: %s", error)
            return
        if command_id in self._seen or self.target is None:
            return
        self._seen[command_id] = None
        while len(self._seen) > SEEN:
            self._seen.popitem(last=False)
        if expires is not None and time.time() > float(expires):
            log.info("fleet command %s expired before it reached this box", command_id)
            return
        if command.get("command") in LASTING:
            if sent < self._emergency_sent:
                log.info("fleet command %s is older than the emergency state here", command_id)
                return
            self._emergency_sent = sent
        token = CAUSE.set((command_id, sent))
        try:
            ack = self._apply(command, by)
        finally:
            CAUSE.reset(token)
        if ack is not None:
            self._send_ack(command_id, json.dumps(ack, separators=(",", ":")).encode())

    def _apply(self, command: dict[str, Any], by: str) -> dict[str, Any] | None:
        assert self.target is not None
        directory = self.target.directory()
        if "to" in command:
            entries = [
                e for e in directory.screens if self.screens is None or e.name in self.screens
            ]
            known = {g for e in entries for g in e.groups} | {e.name for e in entries} | {ALL}
            mine = [target for target in command["to"] if target in known]
            if not mine:
                return None  # none of this box's screens: not ours to answer
            command = {**command, "to": mine}
        try:
            validated = validate(command, directory)
            if isinstance(validated.command, Screenshot | Status):
                return {"ok": False, "error": "ask the box's own API for screenshots and status"}
            if isinstance(validated.command, Decide):
                result = self.target.decide(validated.command, by)
            else:
                result = self.target.execute(validated)
        except CommandError as error:
            return {"ok": False, "error": str(error), "issues": [i.as_json() for i in error.issues]}
        except (UnknownPostError, DecisionConflictError, UnavailableError) as error:
            return {"ok": False, "error": str(error)}
        except Exception as error:  # the wall never goes down because of a command
            log.exception("fleet command failed")
            return {"ok": False, "error": repr(error)}
        self.applied += 1
        return {"ok": True, "result": result}


class Outbox:
    """The operators' side: commands sent to the fleet, retained only while they apply.

    Args:
        site: the fleet's site.
        publish: ``(topic, payload)``, published retained with QoS 1.

    Feed it every message on ``kiosk/<site>/command/+`` (:meth:`received`): it then knows the
    retained commands of every sender, and clears the ones a new command ends.
    """

    def __init__(self, site: str, publish: Callable[[str, bytes], object]) -> None:
        self.site = site
        self._publish = publish
        self.retained: dict[str, str] = {}  # id → command name, as the broker keeps them

    def received(self, topic: str, payload: bytes) -> None:
        command_id = topic.rsplit("/", 1)[-1]
        if not payload:
            self.retained.pop(command_id, None)
            return
        with contextlib.suppress(ValueError, TypeError, KeyError):  # else nothing to clear
            self.retained[command_id] = str(json.loads(payload)["command"]["command"])

    def send(
        self, command: dict[str, Any], *, expires_in: float | None = None, by: str = "fleet"
    ) -> str:
        """Publish ``command`` (retained); returns its id. An end of emergency clears the
        retained emergencies, an emergency the retained ends."""
        name = command.get("command")
        if name in LASTING:
            for old, what in list(self.retained.items()):
                if what in LASTING:
                    # Forgotten first: the broker's echo of the clearing (``received``, from
                    # the MQTT client's thread) may forget it too, at any moment.
                    self.retained.pop(old, None)
                    self._publish(command_topic(self.site, old), b"")
        command_id, payload = envelope(command, expires_in=expires_in, by=by)
        self._publish(command_topic(self.site, command_id), payload)
        self.retained[command_id] = str(name)
        return command_id
