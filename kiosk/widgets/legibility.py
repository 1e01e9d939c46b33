"""How small text may be and still be read from the back of the room.

A letter is legible when its capital is at least 1/250 of the distance it is read from (the
signage rule of thumb: 16 mm at 4 m). A screen's size and resolution turn that into pixels;
kiosk's font (Inter) has capitals 0.727 of its pixel size. No Qt here.
"""

from __future__ import annotations

import math

CAP_HEIGHT = 0.727  # Inter's capital height per pixel of font size
DISTANCE_PER_CAP = 250.0  # read from 250 × its capital height (16 mm at 4 m)
DEFAULT_VIEWING_DISTANCE = 3.0  # m: what `kiosk check` assumes of a layout that gives none


def panel_height_mm(diagonal_inches: float, width_px: int, height_px: int) -> float:
    """The picture's height in mm for a panel of ``diagonal_inches`` with square pixels."""
    diagonal_px = math.hypot(width_px, height_px)
    return diagonal_inches * 25.4 * height_px / diagonal_px


def text_floor_px(distance_m: float, diagonal_inches: float, width_px: int, height_px: int) -> int:
    """The smallest font pixel size legible at ``distance_m`` on that screen."""
    cap_mm = distance_m * 1000 / DISTANCE_PER_CAP
    px_per_mm = height_px / panel_height_mm(diagonal_inches, width_px, height_px)
    return math.ceil(cap_mm / CAP_HEIGHT * px_per_mm)
