"""The bundled typeface (Inter, OFL): identical rendering on every wall, whatever is installed."""

from __future__ import annotations

import functools
import logging

from PySide6.QtGui import QFontDatabase

from kiosk.paths import ASSETS

log = logging.getLogger(__name__)

FALLBACK_FAMILY = "DejaVu Sans"


@functools.cache
def load_bundled_fonts() -> str:
    """Register ``assets/fonts/*.otf`` once; returns the family to use."""
    families: list[str] = []
    for path in sorted((ASSETS / "fonts").glob("*.otf")):
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id >= 0:
            families.extend(QFontDatabase.applicationFontFamilies(font_id))
    if not families:
        log.warning("bundled fonts not found in %s; using %s", ASSETS / "fonts", FALLBACK_FAMILY)
        return FALLBACK_FAMILY
    return families[0]
