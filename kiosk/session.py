"""The mini-PC runtime: sway, the wall inside it, and whether an ending was a stop or a crash.

``kiosk session LAYOUT`` is what the systemd unit runs. It writes a sway configuration for a
wall (no bar, no borders, no key bindings, no VT switching from the keyboard, no Xwayland),
starts sway, starts ``kiosk run --unattended`` inside it, and watches both.

Why sway: the wall asks for each of its windows to be full screen on one output (Qt sends the
output with xdg-shell's ``set_fullscreen``). sway honours that, so every TV shows its own
layout screen, and it follows outputs that come and go. cage, the previous runtime, sizes
every window to the whole output layout: three TVs showed one stretched window.

Why a supervisor: systemd sees one service. A stop (``systemctl stop/restart``) must never
count as a crash, or a few ordinary restarts put the safe page on every TV, while a crash loop
still must. Only the process that started both children knows how each ended:

- a SIGTERM/SIGINT/SIGHUP to the session (systemd's stop, ``KillMode=mixed``) stops the wall,
  then sway, and the start is crossed off as clean;
- the wall or sway ending on its own with status 0, 75 (the memory guard's clean restart) or
  from SIGTERM/SIGINT/SIGHUP (someone stopped just that process) is clean; the other one is then
  stopped, and a wall that dies because its compositor went away cleanly is clean too;
- anything else (a signal such as SIGSEGV or SIGKILL, another exit status, the session itself
  killed by the watchdog's SIGABRT) leaves the start on the :class:`~kiosk.recovery.StartLog`:
  with :data:`~kiosk.recovery.CRASHES_FOR_SAFE_MODE` of them within a few minutes, the next
  wall shows the safe page.

No Qt here: the session never draws; it runs the wall as a child process.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISSOCK

from kiosk.recovery import STABLE_AFTER, StartLog

log = logging.getLogger(__name__)

#: The wall's environment variable that carries the supervisor's crash count into the wall.
UNCLEAN_STARTS_ENV = "KIOSK_UNCLEAN_STARTS"
#: What the wall sets as its Wayland app id (sway's rules and ``swaymsg -t get_tree`` show it).
APP_ID = "kiosk"
EXIT_RESTART = 75  # the wall's memory guard: stopped on purpose, to be started afresh
_CLEAN_SIGNALS = frozenset({signal.SIGTERM, signal.SIGINT, signal.SIGHUP})
_STOP_GRACE = 8.0  # the wall saves its caches and closes its windows in well under this
_SOCKET_WAIT = 15.0


def sway_config(*, background: str = "#000000", includes: Sequence[Path] = ()) -> str:
    """sway's configuration for a wall: every line says why it is there.

    ``includes``: the site's own output settings (mode, scale, rotation of a portrait TV), kept
    in ``sway.d/*.conf`` beside the layout (``/etc/kiosk/sway.d/`` on a mini-PC), read last.
    """
    return "\n".join(
        [
            "# Written by `kiosk session` at every start; edits here are lost.",
            "# Config errors must not put a nag bar over a TV.",
            "swaynag_command -",
            "# The wall is a Wayland client; nothing here needs X11.",
            "xwayland disable",
            "# No borders, no title bars, no gaps: a TV shows the wall edge to edge.",
            "default_border none",
            "default_floating_border none",
            "titlebar_border_thickness 0",
            "titlebar_padding 1",
            "hide_edge_borders both",
            "# A TV keeps what it shows: no focus stealing, no pointer tricks.",
            "focus_follows_mouse no",
            "focus_on_window_activation none",
            "mouse_warping none",
            "# A mouse left plugged in shows no pointer (the wall's windows also hide it).",
            "seat * hide_cursor 1000",
            "# Ctrl+Alt+F1..F12 type F-keys instead of switching to a text console: anyone with a",
            "# keyboard must not be able to put a login prompt on the TVs. No bindings follow, so",
            "# no key opens a terminal or quits sway.",
            "input type:keyboard xkb_options srvrkeys:none",
            "# Between windows (an output no layout screen claims shows an identify page anyway).",
            f"output * bg {background} solid_color",
            "# No window rules: each of the wall's windows asks for full screen on its own",
            "# output (xdg-shell set_fullscreen), and sway puts it there. A `fullscreen enable`",
            "# rule would first fullscreen a new window on whichever output has focus.",
            "# No idle daemon runs: sway never blanks or powers down an output by itself.",
            *(f"include {path}" for path in includes),
            "",
        ]
    )


def clean_ending(returncode: int) -> bool:
    """Whether a child's exit status is a stop rather than a crash (see the module docstring)."""
    if returncode in (0, EXIT_RESTART):
        return True
    return returncode < 0 and -returncode in _CLEAN_SIGNALS


def runtime_dir(environ: Mapping[str, str]) -> Path:
    """Where sway puts its sockets: logind's ``XDG_RUNTIME_DIR`` when the unit has a session,
    else a private folder under systemd's ``RuntimeDirectory`` (``/run/kiosk`` is world-readable
    for the wall's state file; Wayland's sockets want a folder only their user can enter)."""
    explicit = environ.get("XDG_RUNTIME_DIR")
    if explicit and os.access(explicit, os.W_OK | os.X_OK):
        return Path(explicit)
    base = environ.get("RUNTIME_DIRECTORY", "").split(":")[0]
    if base and os.access(base, os.W_OK | os.X_OK):
        private = Path(base) / "session"
        private.mkdir(mode=0o700, exist_ok=True)
        private.chmod(0o700)
        return private
    return Path(tempfile.mkdtemp(prefix="kiosk-session-"))


def _sockets(folder: Path) -> dict[Path, tuple[int, int]]:
    """The Wayland sockets in ``folder``, each with what tells a new socket from an old one.

    By identity, not by name: a compositor killed without cleaning up leaves ``wayland-1``
    behind, and the next sway takes the lock, removes the stale socket and binds the same name
    again (libwayland does). Waiting for a *new name* then waited in vain (seen on CI after a
    sway was stopped while starting: "sway did not open its Wayland socket").
    """
    found = {}
    for path in folder.glob("wayland-*"):
        if path.name.endswith(".lock"):
            continue
        try:
            info = path.stat()
        except OSError:  # removed between the listing and now
            continue
        if S_ISSOCK(info.st_mode):
            found[path] = (info.st_ino, info.st_ctime_ns)
    return found


@dataclass
class Outcome:
    """How a session ended: ``clean`` decides whether its start counts towards safe mode."""

    clean: bool
    reason: str
    code: int = 0


@dataclass
class Session:
    """Runs sway and the wall until a stop is requested or one of them ends.

    Args:
        layout: the layout file, passed on to ``kiosk run --unattended``.
        environ: the environment of the children (tests pass the headless backend's variables).
        start_log: the crash ledger; the session, not the wall, writes it.
        sway: the compositor's command.
        wall_command: the wall's command line (tests may add ``--seconds``).
    """

    layout: Path
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    start_log: StartLog = field(default_factory=StartLog)
    sway: str = "sway"
    wall_command: list[str] | None = None
    _stop_requested: str | None = None
    _sway: subprocess.Popen[bytes] | None = None
    _wall: subprocess.Popen[bytes] | None = None

    def request_stop(self, signum: int, _frame: object = None) -> None:
        self._stop_requested = signal.Signals(signum).name

    def run(self) -> int:
        """Start, watch, stop; returns the session's exit status (0 for a clean ending)."""
        for signum in _CLEAN_SIGNALS:
            signal.signal(signum, self.request_stop)
        crashes = self.start_log.start()
        if crashes:
            log.warning("%d unclean ending(s) of the wall in the last minutes", crashes)
        try:
            outcome = self._run(crashes)
        finally:
            self._stop_children()
        if outcome.clean:
            self.start_log.ended_cleanly()
            log.info("session ended cleanly: %s", outcome.reason)
        else:
            log.error("session ended by a crash: %s", outcome.reason)
        return outcome.code

    def _run(self, crashes: int) -> Outcome:
        folder = runtime_dir(self.environ)
        config = folder / "kiosk-sway.conf"
        site = sorted(self.layout.resolve().parent.glob("sway.d/*.conf"))
        config.write_text(sway_config(includes=site), encoding="utf-8")
        # wlroots starts sway nested in whatever display the caller has, unless told which
        # backend to use (the tests nest it on purpose: WLR_BACKENDS=wayland).
        nested = () if self.environ.get("WLR_BACKENDS") else ("WAYLAND_DISPLAY", "DISPLAY")
        sway_env = {k: v for k, v in self.environ.items() if k not in nested}
        sway_env["XDG_RUNTIME_DIR"] = str(folder)
        before = _sockets(folder)
        program = shutil.which(self.sway, path=sway_env.get("PATH")) or self.sway
        try:
            self._sway = subprocess.Popen([program, "--config", str(config)], env=sway_env)
        except OSError as error:
            return Outcome(False, f"cannot start sway ({error}); install the 'sway' package", 1)
        display = self._wait_for_socket(folder, before)
        if display is None:
            return self._sway_gone("sway did not open its Wayland socket")
        log.info("sway is up on %s; starting the wall", display)
        wall_env = {
            **sway_env,
            "WAYLAND_DISPLAY": display,
            "QT_QPA_PLATFORM": "wayland",
            "XDG_SESSION_TYPE": "wayland",
            UNCLEAN_STARTS_ENV: str(crashes),
        }
        ipc = self._ipc_socket(folder)
        if ipc is not None:  # the wall sleeps and wakes the TVs through it (schedules)
            wall_env["SWAYSOCK"] = str(ipc)
        command = self.wall_command or [
            sys.executable,
            "-m",
            "kiosk.cli",
            "run",
            "--unattended",
            str(self.layout),
        ]
        try:
            self._wall = subprocess.Popen(command, env=wall_env)
        except OSError as error:
            return Outcome(False, f"cannot start the wall ({error})", 1)
        return self._watch()

    def _wait_for_socket(self, folder: Path, before: dict[Path, tuple[int, int]]) -> str | None:
        deadline = time.monotonic() + _SOCKET_WAIT
        while time.monotonic() < deadline and self._stop_requested is None:
            assert self._sway is not None
            if self._sway.poll() is not None:
                return None
            now = _sockets(folder)
            fresh = [path for path, identity in now.items() if before.get(path) != identity]
            if fresh:
                return min(fresh).name
            time.sleep(0.02)
        return None

    def _ipc_socket(self, folder: Path) -> Path | None:
        """sway's IPC socket (it opens it just after its Wayland socket)."""
        assert self._sway is not None
        deadline = time.monotonic() + 3.0
        while time.monotonic() < deadline and self._sway.poll() is None:
            found = next(iter(folder.glob(f"sway-ipc.*.{self._sway.pid}.sock")), None)
            if found is not None:
                return found
            time.sleep(0.02)
        log.warning("sway's IPC socket did not appear: TVs will not sleep out of hours")
        return None

    def _sway_gone(self, what: str) -> Outcome:
        assert self._sway is not None
        if self._stop_requested is not None:
            return Outcome(True, f"stop requested ({self._stop_requested}) while starting")
        code = self._sway.poll()
        detail = f"{what} (sway exit status {code})" if code is not None else what
        return Outcome(False, detail, 1)

    def _watch(self) -> Outcome:
        assert self._sway is not None and self._wall is not None
        started = time.monotonic()
        stable_noted = False
        while True:
            if self._stop_requested is not None:
                return Outcome(True, f"stop requested ({self._stop_requested})")
            wall_code, sway_code = self._wall.poll(), self._sway.poll()
            if sway_code is not None:
                return self._after_sway(sway_code)
            if wall_code is not None:
                # Give sway a moment: a compositor stopped on purpose takes the wall with it,
                # and the wall may notice first.
                sway_code = _wait(self._sway, 1.0)
                if sway_code is not None:
                    return self._after_sway(sway_code)
                if clean_ending(wall_code):
                    return Outcome(True, f"the wall stopped ({_describe(wall_code)})", 0)
                return Outcome(False, f"the wall died ({_describe(wall_code)})", 1)
            if not stable_noted and time.monotonic() - started >= STABLE_AFTER:
                self.start_log.stable()
                stable_noted = True
            time.sleep(0.1)

    def _after_sway(self, code: int) -> Outcome:
        if clean_ending(code):
            return Outcome(True, f"sway stopped ({_describe(code)})", 0)
        return Outcome(False, f"sway died ({_describe(code)})", 1)

    def _stop_children(self) -> None:
        """The wall first (it saves its caches and says STOPPING), then sway."""
        for process, grace, repeat in ((self._wall, _STOP_GRACE, False), (self._sway, 4.0, True)):
            if process is None or process.poll() is not None:
                continue
            if _terminate(process, grace, repeat) is None:
                log.warning("pid %d did not stop within %.0f s: killing it", process.pid, grace)
                process.kill()
                process.wait()


def _terminate(process: subprocess.Popen[bytes], seconds: float, repeat: bool) -> int | None:
    """SIGTERM, and with ``repeat`` again every half second: sway 1.7 loses a SIGTERM that
    arrives before its event loop runs (``wl_display_run`` clears the terminate flag). The wall
    gets one: a second would cut its orderly shutdown short."""
    deadline = time.monotonic() + seconds
    process.terminate()
    while time.monotonic() < deadline:
        code = _wait(process, min(0.5, max(0.0, deadline - time.monotonic())))
        if code is not None:
            return code
        if repeat:
            process.terminate()
    return process.poll()


def _wait(process: subprocess.Popen[bytes], seconds: float) -> int | None:
    try:
        return process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        return None


def _describe(code: int) -> str:
    if code < 0:
        try:
            return signal.Signals(-code).name
        except ValueError:
            return f"signal {-code}"
    return f"exit status {code}"
