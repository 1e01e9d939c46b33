"""Where the project's files are: bundled assets and the example layouts."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "assets"
LAYOUTS = ROOT / "layouts"
DEFAULT_LAYOUT = LAYOUTS / "demo.yaml"
