"""systemd's notify protocol: READY, STATUS, STOPPING and the watchdog heartbeat.

The heartbeat is sent from a timer in the Qt event loop, so a frozen UI (not only a dead
process) misses it and systemd restarts the wall. The protocol is one datagram per message on
the socket named in ``NOTIFY_SOCKET``; no library needed. No Qt here.
"""

from __future__ import annotations

import logging
import os
import socket

log = logging.getLogger(__name__)


class Notifier:
    """Talks to systemd when run under it (``Type=notify``); does nothing otherwise.

    Args:
        environ: where ``NOTIFY_SOCKET`` and ``WATCHDOG_USEC`` are read (tests pass a dict).
    """

    def __init__(self, environ: dict[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        address = env.get("NOTIFY_SOCKET", "")
        # An abstract socket is written "@name"; its real address starts with a NUL byte.
        self.address = "\0" + address[1:] if address.startswith("@") else address
        usec = env.get("WATCHDOG_USEC", "")
        self.watchdog_seconds = int(usec) / 1e6 if usec.isdigit() and int(usec) > 0 else None
        self._failed = False

    @property
    def enabled(self) -> bool:
        return bool(self.address)

    def send(self, message: str) -> bool:
        if not self.address:
            return False
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                # Never block the UI thread: a reader that stalls must not freeze the wall.
                sock.setblocking(False)
                sock.sendto(message.encode(), self.address)
        except OSError as error:
            if not self._failed:  # once: the next heartbeat will fail the same way
                self._failed = True
                log.warning("cannot notify systemd at %r: %s", self.address, error)
            return False
        self._failed = False
        return True

    def ready(self, status: str = "") -> bool:
        return self.send("READY=1" + (f"\nSTATUS={status}" if status else ""))

    def status(self, text: str) -> bool:
        return self.send(f"STATUS={text}")

    def heartbeat(self) -> bool:
        return self.send("WATCHDOG=1")

    def stopping(self) -> bool:
        return self.send("STOPPING=1")
