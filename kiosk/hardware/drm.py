"""The display connectors the kernel knows, from sysfs: no display server needed.

Each ``/sys/class/drm/card<N>-<connector>/`` holds ``status`` (connected, disconnected or
unknown), ``enabled``, ``modes`` (one mode a line, the preferred one first) and ``edid`` (the
monitor's EDID bytes, empty when nothing is plugged in). Readable by any user, over SSH, while
the wall runs or not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from kiosk.hardware.edid import Edid, EdidError, parse_edid

SYSFS_DRM = Path("/sys/class/drm")
_CONNECTOR_DIR = re.compile(r"(?P<card>card[0-9]+)-(?P<connector>.+)")
_NOT_MONITORS = ("Writeback-",)  # a writeback connector captures frames; no TV sits on it


@dataclass(frozen=True, slots=True)
class DrmConnector:
    """One connector of one graphics card, and the monitor on it if there is one."""

    card: str  # "card0"
    name: str  # the kernel's name, e.g. "HDMI-A-1"
    connected: bool
    enabled: bool
    preferred_mode: str = ""  # e.g. "3840x2160"
    edid: Edid | None = None
    edid_problem: str = ""  # why the EDID bytes present could not be read

    @property
    def manufacturer(self) -> str:
        return self.edid.manufacturer if self.edid else ""

    @property
    def model(self) -> str:
        return self.edid.name if self.edid else ""

    @property
    def serial(self) -> str:
        return self.edid.serial if self.edid else ""


def read_connectors(root: Path | None = None) -> list[DrmConnector]:
    """Every connector under ``root`` (default :data:`SYSFS_DRM`), card by card, in the
    kernel's numbering. An empty list when there is no DRM device (a VM without a GPU)."""
    try:
        entries = list((root or SYSFS_DRM).iterdir())
    except OSError:
        return []
    found = []
    for entry in entries:
        parsed = _CONNECTOR_DIR.fullmatch(entry.name)
        if parsed is None or parsed["connector"].startswith(_NOT_MONITORS):
            continue
        found.append(_read_connector(entry, parsed["card"], parsed["connector"]))
    return sorted(found, key=lambda c: (_natural(c.card), _natural(c.name)))


def _read_connector(directory: Path, card: str, name: str) -> DrmConnector:
    edid: Edid | None = None
    problem = ""
    blob = _read_bytes(directory / "edid")
    if blob:
        try:
            edid = parse_edid(blob)
        except EdidError as error:
            problem = str(error)
    modes = _read_text(directory / "modes").splitlines()
    return DrmConnector(
        card=card,
        name=name,
        connected=_read_text(directory / "status").strip() == "connected",
        enabled=_read_text(directory / "enabled").strip() == "enabled",
        preferred_mode=modes[0].strip() if modes else "",
        edid=edid,
        edid_problem=problem,
    )


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def _read_text(path: Path) -> str:
    return _read_bytes(path).decode("ascii", errors="replace")


def _natural(text: str) -> tuple[tuple[int, str], ...]:
    """Sort key in which HDMI-A-2 comes before HDMI-A-10."""
    return tuple(
        (int(part), "") if part.isdigit() else (-1, part) for part in re.split(r"(\d+)", text)
    )
