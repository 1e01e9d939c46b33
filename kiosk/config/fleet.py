"""The ``data:`` section: where a wall's data comes from.

Without it (the default) the wall runs its own sources: one box, no broker. With
``data: {mqtt: …}`` the same layout serves two roles: ``kiosk serve LAYOUT`` on the data node runs
the sources and analytics and publishes every stream to the broker; ``kiosk run LAYOUT`` on each
wall box runs no sources and subscribes to the streams its widgets show.
"""

from __future__ import annotations

import socket
from pathlib import Path

from pydantic import BaseModel, Field, field_validator, model_validator

from kiosk.config.types import LAYOUT_MODEL, SECOND, Duration, LocalFile

NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"  # no MQTT wildcards (+ #) or level separators (/)


def default_box() -> str:
    """This box's name when the layout gives none: the host name, without its domain."""
    return socket.gethostname().split(".")[0] or "box"


class MqttTls(BaseModel):
    """TLS to the broker: the CA that signed its certificate, and optionally our own."""

    model_config = LAYOUT_MODEL

    ca: LocalFile | None = Field(
        default=None, description="PEM CA certificate of the broker (default: the system's)."
    )
    cert: LocalFile | None = Field(default=None, description="Client certificate (PEM), if any.")
    key: LocalFile | None = Field(default=None, description="Its private key (PEM).")

    @field_validator("ca", "cert", "key")
    @classmethod
    def _exists(cls, path: Path | None) -> Path | None:
        if path is not None and not path.is_file():
            raise ValueError(f"{path} is not a file")
        return path

    @model_validator(mode="after")
    def _pair(self) -> MqttTls:
        if (self.cert is None) != (self.key is None):
            raise ValueError("give both cert: and key: for a client certificate, or neither")
        return self


class Mqtt(BaseModel):
    """An MQTT broker (Mosquitto on one site, EMQX or VerneMQ for many) and this box's name."""

    model_config = LAYOUT_MODEL

    broker: str = Field(description="HOST:PORT of the broker, e.g. 10.0.0.5:1883 or [::1]:8883.")
    site: str = Field(
        default="default",
        pattern=NAME,
        description="Topics are kiosk/<site>/…: one data node and its walls per site.",
    )
    box: str = Field(
        default_factory=default_box,
        pattern=NAME,
        description="This box's name in the fleet (default: the host name); unique per site.",
    )
    username: str | None = Field(default=None, description='E.g. "${env:KIOSK_MQTT_USER}".')
    password: str | None = Field(default=None, description='E.g. "${env:KIOSK_MQTT_PASSWORD}".')
    tls: MqttTls | None = Field(default=None, description="TLS to the broker (else plain TCP).")
    keepalive: Duration = Field(
        default=10 * SECOND,
        ge=2 * SECOND,
        le=600 * SECOND,
        description="MQTT keep-alive: a box that dies shows offline within about 1.5× this.",
    )
    publish_interval: Duration = Field(
        default=0.25 * SECOND,
        ge=0.01 * SECOND,
        le=60 * SECOND,
        description="Data node: a stream changing faster is sent at most this often (coalesced).",
    )
    max_posts: int = Field(
        default=100,
        ge=1,
        le=10_000,
        description="Data node: new posts sent to walls per second at most, the newest (tickers "
        "and post walls show a few; charts come computed from every post).",
    )
    snapshot_every: Duration = Field(
        default=10 * SECOND,
        ge=1 * SECOND,
        le=3600 * SECOND,
        description="Data node: how often the retained whole list of a mention stream is sent "
        "(new posts go out as they come, between these).",
    )

    @field_validator("broker")
    @classmethod
    def _host_and_port(cls, broker: str) -> str:
        host, sep, port = broker.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) <= 65535:
            raise ValueError(f"{broker!r}: write HOST:PORT, e.g. 10.0.0.5:1883")
        return broker

    @model_validator(mode="after")
    def _password_needs_user(self) -> Mqtt:
        if self.password is not None and self.username is None:
            raise ValueError("a password needs a username:")
        return self

    def address(self) -> tuple[str, int]:
        host, _, port = self.broker.rpartition(":")
        return host.removeprefix("[").removesuffix("]"), int(port)


class Data(BaseModel):
    """Where the streams come from: this box's sources (default) or a data node over MQTT."""

    model_config = LAYOUT_MODEL

    mqtt: Mqtt | None = Field(
        default=None,
        description="Walls subscribe to the data node's streams on this broker; `kiosk serve` "
        "publishes them there.",
    )
