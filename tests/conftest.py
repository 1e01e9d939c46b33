"""Shared test set-up: Qt runs headless on the offscreen platform unless told otherwise."""

from __future__ import annotations

import os

# Must be set before the first Qt import anywhere in the test session.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")
