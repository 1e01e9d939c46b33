"""The production runtime booted headless: ``kiosk session`` (sway + the wall) as the unit runs it.

Used by ``tests/test_runtime.py``, ``benchmarks/bench_runtime.py`` and
``benchmarks/bench_runtime_screen.py``. sway refuses to run as root, so under root (CI) every
process of the runtime runs as ``nobody``, as the unit runs them as the ``kiosk`` user. Outputs
come from wlroots' headless backend (pixman renderer, no GPU), or from its Wayland backend
nested in a headless sway: sway 1.7's headless outputs can be created while it runs but not
removed ("Unsupported output state fields"), while a nested output goes away when its window in
the outer compositor is closed, as an unplugged TV does.
Screenshots come from ``grim -o OUTPUT``, the pixels the compositor sends to that output.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
NOBODY = 65534
SWAY_NEEDS = ("sway", "swaymsg", "grim", "setpriv")


def missing_tools() -> list[str]:
    return [tool for tool in SWAY_NEEDS if shutil.which(tool) is None]


def _as_user() -> list[str]:
    """The prefix that runs a command as the runtime's user (under root: ``nobody``)."""
    if os.geteuid() != 0:
        return []
    drop = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    return drop + _reading_caps(tuple(drop))


@functools.cache
def _reading_caps(drop: tuple[str, ...]) -> list[str]:
    """Nothing if ``nobody`` can run this checkout's Python and import kiosk; else the one
    capability that lets it read and enter any folder (a clone or a pyenv interpreter under
    /root, mode 700), kept across exec so sway's and the wall's processes have it too."""
    probe = (
        "import subprocess, sys; "
        "subprocess.run([sys.executable, '-c', 'import kiosk, PySide6'], check=True)"
    )
    caps = ["--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search"]
    for extra in ([], caps):
        result = subprocess.run(
            [*drop, *extra, sys.executable, "-c", probe],
            capture_output=True,
            cwd="/",
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            check=False,
        )
        if result.returncode == 0:
            return extra
    raise AssertionError(f"nobody cannot run {sys.executable}: {result.stderr.decode()[-500:]}")


def kiosk_command() -> tuple[list[str], dict[str, str]]:
    """How the runtime's user starts ``python -m kiosk.cli``, as the unit does."""
    return [sys.executable], {"PYTHONPATH": str(ROOT)}


def _owned_folder(parent: Path, name: str, mode: int) -> Path:
    folder = parent / name
    folder.mkdir(mode=mode)
    folder.chmod(mode)
    if os.geteuid() == 0:
        os.chown(folder, NOBODY, NOBODY)
    return folder


@dataclass
class Box:
    """A folder the runtime's user can read, with its runtime and cache folders."""

    folder: Path
    runtime: Path
    cache: Path

    @classmethod
    def make(cls) -> Box:
        # Not pytest's tmp_path: it sits in a folder only root may enter.
        folder = Path(tempfile.mkdtemp(prefix="kiosk-runtime-", dir="/tmp"))
        folder.chmod(0o755)
        return cls(
            folder, _owned_folder(folder, "run", 0o700), _owned_folder(folder, "cache", 0o755)
        )

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def solid_png(path: Path, rgb: tuple[int, int, int]) -> None:
    from PySide6.QtGui import QColor, QImage

    image = QImage(64, 64, QImage.Format.Format_RGB32)
    image.fill(QColor(*rgb))
    assert image.save(str(path))
    path.chmod(0o644)


def marked_layout(box: Box, screens: dict[str, tuple[str, tuple[int, int, int]]]) -> Path:
    """A layout whose screens each show a block of their own colour above a live chart.

    ``screens``: layout screen name → (connector it claims, colour)."""
    blocks = []
    for name, (connector, rgb) in screens.items():
        solid_png(box.folder / f"{name}.png", rgb)
        blocks.append(
            f"  - name: {name}\n"
            f"    match: {{connector: {connector}}}\n"
            "    pages:\n"
            f"      - title: {name}\n"
            "        widgets:\n"
            f"          - {{type: image, at: [0, 0, 12, 4], path: {name}.png, fit: cover}}\n"
            "          - {type: timeseries, at: [0, 4, 12, 4], data: social.volume, "
            "title: Mentions, window: 30m}\n"
        )
    text = (
        "sources:\n"
        "  social: {type: demo, brands: [Acme, Globex], ours: Acme, rate: 100, seed: 3}\n"
        "screens:\n" + "".join(blocks)
    )
    path = box.folder / "wall.yaml"
    path.write_text(text)
    path.chmod(0o644)
    return path


@dataclass
class Runtime:
    """One start of ``kiosk session``, as systemd's ExecStart runs it."""

    box: Box
    layout: Path
    outputs: int = 3
    backend: str = "headless"
    size: str = "1920x1080"
    wayland_parent: str | None = None  # the outer compositor's socket, for the nested backend
    renderer: str = "pixman"  # no GPU here; gles2 where there is a render node
    process: subprocess.Popen[bytes] | None = None
    log_path: Path = field(init=False)
    started: float = 0.0

    def __post_init__(self) -> None:
        self.log_path = self.box.folder / "session.log"

    def environment(self) -> dict[str, str]:
        python_env = kiosk_command()[1]
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.box.cache),
            "LANG": "C.UTF-8",
            "XDG_RUNTIME_DIR": str(self.box.runtime),
            "KIOSK_CACHE_DIR": str(self.box.cache),
            "KIOSK_STATE_DIR": str(self.box.cache),
            "WLR_RENDERER": self.renderer,
            "WLR_LIBINPUT_NO_DEVICES": "1",
            **python_env,
        }
        if self.backend == "headless":
            env |= {"WLR_BACKENDS": "headless", "WLR_HEADLESS_OUTPUTS": str(self.outputs)}
        else:
            assert self.wayland_parent is not None
            env |= {
                "WLR_BACKENDS": "wayland",
                "WLR_WL_OUTPUTS": str(self.outputs),
                # the session hides WAYLAND_DISPLAY from sway; wlroots reads this one too
                "WAYLAND_DISPLAY": self.wayland_parent,
            }
        return env

    def start(self) -> None:
        python = kiosk_command()[0]
        if self.size:
            sway_d = self.box.folder / "sway.d"
            sway_d.mkdir(exist_ok=True)
            (sway_d / "outputs.conf").write_text(f"output * mode {self.size}\n")
            for path in (sway_d, sway_d / "outputs.conf"):
                path.chmod(0o755 if path.is_dir() else 0o644)
        with self.log_path.open("ab") as log:
            log.write(b"\n=== start ===\n")
            self.started = time.monotonic()
            self.process = subprocess.Popen(
                [*_as_user(), *python, "-m", "kiosk.cli", "session", str(self.layout)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.environment(),
                cwd="/",
                start_new_session=True,  # one process group, like the unit's control group
            )

    # -- what the runtime says ------------------------------------------------------------

    def log_text(self) -> str:
        text = self.log_path.read_text(errors="replace")
        return text.rsplit("=== start ===", 1)[-1]

    def wait_log(self, pattern: str, timeout: float = 30.0) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(pattern, self.log_text())
            if found:
                return found
            if self.process is not None and self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"no {pattern!r} in the session's log:\n{self.log_text()[-4000:]}")

    def ipc_socket(self) -> Path:
        """The IPC socket of the sway this session started (not an outer one)."""
        assert self.process is not None
        sway = self.children("sway")
        assert sway, "sway is not running"
        return next(self.box.runtime.glob(f"sway-ipc.*.{sway[0].pid}.sock"))

    def swaymsg(self, *args: str) -> Any:
        result = subprocess.run(
            ["swaymsg", "-s", str(self.ipc_socket()), "-r", *args],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
        return json.loads(result.stdout) if result.stdout.strip() else None

    def display(self) -> str:
        return self.wait_log(r"sway is up on (wayland-\d+)").group(1)

    def screenshot(self, output: str) -> bytes:
        env = {"XDG_RUNTIME_DIR": str(self.box.runtime), "WAYLAND_DISPLAY": self.display()}
        return subprocess.run(
            ["grim", "-o", output, "-"], capture_output=True, env=env, check=True, timeout=20
        ).stdout

    def windows(self) -> dict[str, list[dict[str, Any]]]:
        """Output name → the windows on it, from sway's tree (title, rect, fullscreen)."""
        shown: dict[str, list[dict[str, Any]]] = {}

        def walk(node: dict[str, Any], output: str | None) -> None:
            if node.get("type") == "output":
                output = node["name"]
                shown.setdefault(output, [])
            if node.get("pid") and output is not None:
                shown[output].append(node)
            for child in node.get("nodes", []) + node.get("floating_nodes", []):
                walk(child, output)

        walk(self.swaymsg("-t", "get_tree"), None)
        shown.pop("__i3", None)
        return shown

    def children(self, name: str) -> list[psutil.Process]:
        assert self.process is not None
        try:
            found = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        return [p for p in found if _is(p, name)]

    def leftovers(self) -> list[psutil.Process]:
        """Processes of this box still alive (an orphaned sway or wall would be one)."""
        found = []
        for process in psutil.process_iter():
            try:
                if process.environ().get("KIOSK_CACHE_DIR") == str(self.box.cache):
                    found.append(process)
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue
        return found

    def wall(self) -> psutil.Process:
        walls = [p for p in self.children("python") if "run" in p.cmdline()]
        assert walls, "the wall is not running"
        return walls[0]

    # -- stopping it ------------------------------------------------------------------------

    def stop(self, how: str = "session", timeout: float = 20.0) -> int:
        """Stop as systemd would: ``session`` (KillMode=mixed), ``group`` (every process of
        the unit), or one of the children alone (``sway``, ``wall``)."""
        assert self.process is not None
        if how == "session":
            self.process.send_signal(signal.SIGTERM)
        elif how == "group":
            os.killpg(self.process.pid, signal.SIGTERM)
        elif how == "sway":
            self.children("sway")[0].send_signal(signal.SIGTERM)
        elif how == "wall":
            self.wall().send_signal(signal.SIGTERM)
        else:
            raise ValueError(how)
        return self.wait(timeout)

    def wait(self, timeout: float = 20.0) -> int:
        assert self.process is not None
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"the session did not end:\n{self.log_text()[-3000:]}") from None

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def unclean_starts(self) -> list[float]:
        path = self.box.cache / "starts.json"
        return json.loads(path.read_text()) if path.exists() else []


def _is(process: psutil.Process, name: str) -> bool:
    try:
        return process.name().startswith(name)
    except psutil.NoSuchProcess:
        return False


@dataclass
class OuterCompositor:
    """A headless sway that the runtime's sway runs nested in: each of the runtime's outputs is
    a window here, and closing that window unplugs the output."""

    box: Box
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> str:
        folder = self.box.folder / "outer"
        folder.mkdir()
        config = folder / "outer.conf"
        config.write_text('xwayland disable\nfor_window [app_id=".*"] floating enable\n')
        folder.chmod(0o755)
        config.chmod(0o644)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "XDG_RUNTIME_DIR": str(self.box.runtime),
            "WLR_BACKENDS": "headless",
            "WLR_HEADLESS_OUTPUTS": "1",
            "WLR_RENDERER": "pixman",
            "WLR_LIBINPUT_NO_DEVICES": "1",
        }
        before = set(self.box.runtime.glob("wayland-*"))
        self.process = subprocess.Popen(
            [*_as_user(), "sway", "--config", str(config)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            fresh = [
                p
                for p in set(self.box.runtime.glob("wayland-*")) - before
                if not p.name.endswith(".lock")
            ]
            if fresh:
                return fresh[0].name
            time.sleep(0.05)
        raise AssertionError("the outer sway did not start")

    def unplug(self, output: str) -> None:
        """Close the window that is ``output`` of the nested sway."""
        assert self.process is not None
        socket = next(self.box.runtime.glob(f"sway-ipc.*.{self.process.pid}.sock"))
        subprocess.run(
            ["swaymsg", "-s", str(socket), f'[title="wlroots - {output}"] kill'],
            capture_output=True,
            check=True,
            timeout=10,
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def cpu_seconds(processes: list[psutil.Process]) -> float:
    """User and system CPU seconds of ``processes`` so far (one that is gone counts nothing)."""
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def colour_at(png: bytes, x: float, y: float) -> tuple[int, int, int]:
    """The pixel at (x, y), given as fractions of the image's width and height."""
    image = decode(png)
    colour = image.pixelColor(round(x * (image.width() - 1)), round(y * (image.height() - 1)))
    return colour.red(), colour.green(), colour.blue()


def decode(png: bytes) -> Any:
    from PySide6.QtGui import QImage

    image = QImage.fromData(png, "PNG")
    assert not image.isNull(), "not a PNG"
    return image


def near(a: tuple[int, int, int], b: tuple[int, int, int], tolerance: int = 6) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


@dataclass
class Session:
    """Context helper: a box, a runtime, and cleanup."""

    box: Box = field(default_factory=Box.make)
    runtimes: list[Runtime] = field(default_factory=list)

    def runtime(self, layout: Path, **options: Any) -> Runtime:
        runtime = Runtime(self.box, layout, **options)
        self.runtimes.append(runtime)
        return runtime

    def close(self) -> None:
        for runtime in self.runtimes:
            runtime.kill()
        self.box.remove()


def sessions() -> Iterator[Session]:
    session = Session()
    try:
        yield session
    finally:
        session.close()
