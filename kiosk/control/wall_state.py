"""The running wall's state file: its process, and which layout screen each TV shows.

The wall writes ``state.json`` whenever its bindings change and removes it when it stops;
``kiosk screens`` reads it to say what each TV shows, and ``kiosk identify`` to find the process
to signal. A file left by a wall that crashed names a process that is gone (or a different
process that got its pid): :meth:`WallState.alive` tells them apart by start time. No Qt here.
"""

from __future__ import annotations

import datetime
import json
import logging
import math
import os
import signal
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

import psutil
from pydantic import BaseModel, ConfigDict, ValidationError

from kiosk.paths import default_cache_dir

log = logging.getLogger(__name__)

STATE_FILE = "state.json"
IDENTIFY_FILE = "identify.json"  # how long the next SIGUSR1's identify cards stay up
IDENTIFY_SIGNAL = signal.SIGUSR1
IDENTIFY_SECONDS = 60.0
SERVICE_STATE_DIR = Path("/run/kiosk")  # the unit's RuntimeDirectory=kiosk
_READABLE = 0o644  # a technician reads it as another user; it holds no secrets


def state_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where the wall writes its state: ``$KIOSK_STATE_DIR``, else systemd's
    ``$RUNTIME_DIRECTORY`` (/run/kiosk), else ``$XDG_RUNTIME_DIR/kiosk``, else the cache dir."""
    env = os.environ if environ is None else environ
    if explicit := env.get("KIOSK_STATE_DIR"):
        return Path(explicit)
    if runtime := env.get("RUNTIME_DIRECTORY"):
        return Path(runtime.split(":")[0])  # one path per RuntimeDirectory= entry
    if xdg := env.get("XDG_RUNTIME_DIR"):
        return Path(xdg) / "kiosk"
    return default_cache_dir()


def state_dirs(environ: Mapping[str, str] | None = None) -> list[Path]:
    """Where a reader looks: where this environment would write, then the service's directory.

    A technician's shell has its own ``XDG_RUNTIME_DIR``, not the service's, so /run/kiosk is
    always tried; ``$KIOSK_STATE_DIR``, when set, is the only place looked at.
    """
    env = os.environ if environ is None else environ
    if env.get("KIOSK_STATE_DIR"):
        return [state_dir(env)]
    found = [state_dir(env), SERVICE_STATE_DIR]
    return list(dict.fromkeys(found))


class Binding(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    connector: str  # as Qt names it where the wall runs (X11: HDMI-1, Wayland: HDMI-A-1)
    screen: str


class WallState(BaseModel):
    """What ``state.json`` holds."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    pid: int
    started: float  # the process's start time: a pid reused by another process does not match
    layout: str | None = None
    updated: datetime.datetime
    screens: tuple[Binding, ...] = ()
    unassigned: tuple[str, ...] = ()  # connectors no layout screen claims
    missing: tuple[str, ...] = ()  # layout screens no connected monitor matches

    def alive(self) -> bool:
        """True while the process that wrote this is still running."""
        try:
            started = float(psutil.Process(self.pid).create_time())
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            return False
        except psutil.AccessDenied:
            return True  # it exists; we may not look closer
        return abs(started - self.started) < 1.0

    def screen_on(self, names: Collection[str]) -> str | None:
        """The layout screen shown on the connector known by any of ``names``."""
        return next((b.screen for b in self.screens if b.connector in names), None)


def read_state(path: Path) -> WallState | None:
    """The state in ``path``; None if there is none or it is unreadable (logged)."""
    try:
        return WallState.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValidationError) as error:
        log.warning("wall state %s unreadable: %s", path, error)
        return None


def find_state(dirs: Sequence[Path] | None = None) -> tuple[Path, WallState] | None:
    """The state file of the running wall, else the newest one left by a wall that stopped."""
    found = []
    for directory in state_dirs() if dirs is None else dirs:
        state = read_state(directory / STATE_FILE)
        if state is not None:
            found.append((directory / STATE_FILE, state))
    found.sort(key=lambda item: (item[1].alive(), item[1].updated), reverse=True)
    return found[0] if found else None


def request_identify(state_path: Path, state: WallState, seconds: float) -> None:
    """Ask the running wall to show identify cards on every TV for ``seconds``.

    Raises:
        PermissionError: not root and not the wall's user (the request file or the signal).
        ProcessLookupError: the wall is gone.
    """
    from kiosk.sources.cache import write_atomically

    request = json.dumps({"seconds": seconds})
    write_atomically(state_path.with_name(IDENTIFY_FILE), request, mode=_READABLE)
    os.kill(state.pid, IDENTIFY_SIGNAL)


class StatePublisher:
    """The wall's side: writes ``state.json`` when the bindings change, removes it at the end.

    A state file that cannot be written never stops the wall: it is logged once.

    Args:
        layout: the layout file the wall shows (None for a layout built in memory).
        directory: where to write (default: :func:`state_dir`).
    """

    def __init__(self, layout: Path | None, directory: Path | None = None) -> None:
        self.path = (directory or state_dir()) / STATE_FILE
        self.layout = str(layout.resolve()) if layout is not None else None
        self.pid = os.getpid()
        self.started = float(psutil.Process(self.pid).create_time())
        self._written: tuple[object, ...] | None = None
        self._failed = False

    def publish(
        self, bound: Mapping[str, str], unassigned: Sequence[str], missing: Sequence[str]
    ) -> None:
        """Record ``bound`` (layout screen → connector); unchanged bindings write nothing."""
        content = (sorted(bound.items()), list(unassigned), list(missing), self.layout)
        if content == self._written:
            return
        state = WallState(
            pid=self.pid,
            started=self.started,
            layout=self.layout,
            updated=datetime.datetime.now(datetime.UTC),
            screens=tuple(Binding(connector=c, screen=s) for s, c in bound.items()),
            unassigned=tuple(unassigned),
            missing=tuple(missing),
        )
        from kiosk.sources.cache import write_atomically

        try:
            write_atomically(self.path, state.model_dump_json(indent=2), mode=_READABLE)
        except OSError as error:
            if not self._failed:
                log.warning("cannot write the wall state %s: %s", self.path, error)
            self._failed = True
            return
        self._written = content
        self._failed = False

    def identify_seconds(self) -> float:
        """How long the identify cards asked for now should stay (``kiosk identify --seconds``)."""
        try:
            request = json.loads(self.path.with_name(IDENTIFY_FILE).read_text(encoding="utf-8"))
            seconds = float(request["seconds"])
        except (OSError, ValueError, TypeError, KeyError):
            return IDENTIFY_SECONDS
        return min(max(seconds, 1.0), 3600.0) if math.isfinite(seconds) else IDENTIFY_SECONDS

    def remove(self) -> None:
        """Remove the state file at a clean stop, unless another wall has written it since."""
        state = read_state(self.path)
        if state is not None and state.pid == self.pid:
            self.path.unlink(missing_ok=True)
            self.path.with_name(IDENTIFY_FILE).unlink(missing_ok=True)
