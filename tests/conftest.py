"""Shared test set-up: Qt runs headless with three simulated monitors unless told otherwise.

The offscreen platform reads the monitors from ``screens3.json``: two 1080p landscape screens
(HDMI-1, HDMI-2) and one portrait screen (DP-1), so every test session exercises screen matching
and portrait rendering.
"""

from __future__ import annotations

import os
from pathlib import Path

SCREENS_FILE = Path(__file__).with_name("screens3.json")

# Must be set before the first Qt import anywhere in the test session. A plain "offscreen" (as a
# CI script might export) still gets the three monitors: the screen tests depend on them.
if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={SCREENS_FILE}"
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")
