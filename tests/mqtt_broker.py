"""A real Mosquitto (Debian's package) on a free loopback port, with a generated config."""

from __future__ import annotations

import getpass
import shutil
import socket
import subprocess
import time
from pathlib import Path

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Broker:
    """``start()``/``stop()`` may be called again: the same port, as a restarted broker."""

    def __init__(self, folder: Path, *, extra: str = "", port: int | None = None) -> None:
        self.folder = folder
        self.port = port or free_port()
        self.config = folder / "mosquitto.conf"
        self.config.write_text(
            f"listener {self.port} 127.0.0.1\n"
            # Started as root, mosquitto switches to the user 'mosquitto', who may not read
            # the test's private folder: stay whoever we are.
            f"user {getpass.getuser()}\n"
            "persistence false\n"
            f"log_dest file {folder / 'mosquitto.log'}\n" + (extra or "allow_anonymous true\n"),
            encoding="utf-8",
        )
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> Broker:
        with (self.folder / "mosquitto.err").open("ab") as errors:
            self.process = subprocess.Popen(
                [MOSQUITTO, "-c", str(self.config)], stdout=subprocess.DEVNULL, stderr=errors
            )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                if self.process.poll() is not None:
                    log = (self.folder / "mosquitto.err").read_text(errors="replace")
                    raise RuntimeError(f"mosquitto did not start:\n{log}") from None
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not open its port")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)
        self.process = None
