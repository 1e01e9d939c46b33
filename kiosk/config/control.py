"""The ``control:`` section: where the wall's HTTP API listens and who may use it.

Without the section the API listens on localhost only and trusts whoever can reach it there (a
shell on the box). Listening anywhere else needs tokens: a LAN is not a trust boundary.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from kiosk.config.types import LAYOUT_MODEL, LocalFile

Scope = Literal["view", "operate", "admin"]
"""view: status, screenshots, metrics; operate: messages, pages, casts, blank, identify; admin:
emergency and reload."""

DEFAULT_LISTEN = "127.0.0.1:8700"
_MODEL = LAYOUT_MODEL
TOKEN_NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_.-]*$"


class Token(BaseModel):
    """One bearer token, known in the audit log by its name."""

    model_config = _MODEL

    token: str = Field(
        min_length=16,
        description='The secret, from the environment: "${env:KIOSK_TOKEN_CARE}" (16+ chars).',
    )
    scopes: list[Scope] = Field(
        min_length=1, description="view: status, screenshots; operate: messages, pages, blank."
    )


class Tls(BaseModel):
    """HTTPS for the API: a PEM certificate (chain) and its key, files the layout may read."""

    model_config = _MODEL

    cert: LocalFile = Field(description="PEM certificate, e.g. tls/wall.crt beside the layout.")
    key: LocalFile = Field(description="PEM private key of the certificate (readable by kiosk).")

    @field_validator("cert", "key")
    @classmethod
    def _exists(cls, path: Path) -> Path:
        if not path.is_file():
            raise ValueError(f"{path} is not a file")
        return path


def split_listen(listen: str) -> tuple[str, int]:
    """``"0.0.0.0:8700"`` → ``("0.0.0.0", 8700)``; ``"[::1]:8700"`` → ``("::1", 8700)``."""
    host, sep, port = listen.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"{listen!r}: write HOST:PORT, e.g. 127.0.0.1:8700 or 0.0.0.0:8700")
    host = host.removeprefix("[").removesuffix("]")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if host != "localhost":
            raise ValueError(f"{host!r} is not an IP address (or localhost)") from None
    return host, int(port)


def is_loopback(host: str) -> bool:
    return host == "localhost" or ipaddress.ip_address(host).is_loopback


class Control(BaseModel):
    """The wall's HTTP API (``kiosk ctl``): where it listens and the tokens it accepts."""

    model_config = _MODEL

    enabled: bool = Field(default=True, description="false: no API at all.")
    listen: str = Field(
        default=DEFAULT_LISTEN,
        description="HOST:PORT. Anything but localhost (e.g. 0.0.0.0:8700) needs tokens.",
    )
    tokens: dict[str, Token] = Field(
        default_factory=dict,
        description="Token name → token; with tokens, every request must carry one.",
        json_schema_extra={"propertyNames": {"pattern": TOKEN_NAME_PATTERN}},
    )
    tls: Tls | None = Field(
        default=None, description="Serve HTTPS with this certificate and key (else plain HTTP)."
    )
    failed_tokens_per_minute: int = Field(
        default=20,
        ge=0,
        le=10_000,
        description="Wrong or missing tokens an address may send in a minute; past that it is "
        "refused (429) until the minute is over, right token or not. 0: no limit.",
    )

    @field_validator("listen")
    @classmethod
    def _host_and_port(cls, listen: str) -> str:
        split_listen(listen)
        return listen

    @field_validator("tokens")
    @classmethod
    def _distinct(cls, tokens: dict[str, Token]) -> dict[str, Token]:
        secrets = [token.token for token in tokens.values()]
        if len(set(secrets)) != len(secrets):
            raise ValueError("two tokens have the same secret: the audit log could not tell who")
        return tokens

    @model_validator(mode="after")
    def _lan_needs_tokens(self) -> Control:
        host, _ = split_listen(self.listen)
        if self.enabled and not is_loopback(host) and not self.tokens:
            raise ValueError(
                f"listen: {self.listen} reaches beyond this machine: give tokens "
                "(tokens: {NAME: {token: ${env:…}, scopes: [view, operate]}}) or listen on "
                "127.0.0.1"
            )
        return self


def check_groups(groups: list[str]) -> list[str]:
    """A screen's ``groups:``: no repeats, and not ``all`` (every command already has it)."""
    if "all" in groups:
        raise ValueError("'all' is every screen already; it cannot be a group name")
    if len(set(groups)) != len(groups):
        raise ValueError("a group is listed twice")
    return groups
