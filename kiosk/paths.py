"""Where the project's files are: bundled assets and the example layouts."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "assets"
LAYOUTS = ROOT / "layouts"
DEFAULT_LAYOUT = LAYOUTS / "demo.yaml"


def default_cache_dir() -> Path:
    """``$KIOSK_CACHE_DIR``, else ``$XDG_CACHE_HOME/kiosk``, else ``~/.cache/kiosk``."""
    if explicit := os.environ.get("KIOSK_CACHE_DIR"):
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kiosk"
