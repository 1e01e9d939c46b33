"""What every benchmark prints first: the machine its figures were measured on."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo ("AMD EPYC …"), or the architecture."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine() or "unknown CPU"


def machine() -> str:
    """CPU, cores, system and Python, on one line."""
    return (
        f"{cpu_model()}, {os.cpu_count()} cores, {platform.platform()}, "
        f"python {platform.python_version()}"
    )
