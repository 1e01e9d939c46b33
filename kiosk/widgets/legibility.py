"""How small text may be and still be read from the back of the room.

A letter is legible when its capital is at least 1/250 of the distance it is read from (the
signage rule of thumb: 16 mm at 4 m). A screen's size and resolution turn that into pixels;
kiosk's font (Inter) has capitals 0.727 of its pixel size. No Qt here.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.config.layout import Grid, Layout

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


# The wall's geometry in px at 1080p (kiosk.screens.window, .page and widgets.base keep these).
SCREEN = (1920, 1080)  # a landscape TV; sizes scale with the short side, so 4K is the same
SCREEN_MARGINS = (24, 16)  # around the page, on top of theme.safe_area
PAGE_HEADER = 64
WIDGET_PADDING = 22
TITLE_ROW = 50
LINE = 1.25  # a line of text is this many times its font's pixel size


def title_row_px(title_px: int, floor_px: int) -> int:
    """The height of a widget's caption row: its own, or what a caption at the floor needs."""
    return max(title_px, math.ceil(floor_px * LINE))


def cramped_widgets(layout: Layout) -> list[str]:
    """A warning for each widget whose cell cannot hold one line of text at the legibility
    floor (below its caption, if it has one) at the layout's viewing distance, or the default
    one (:data:`DEFAULT_VIEWING_DISTANCE`) when it sets none; checked on a landscape screen."""
    theme = layout.theme
    distance = theme.viewing_distance or DEFAULT_VIEWING_DISTANCE
    floor = text_floor_px(distance, theme.screen_diagonal, *SCREEN)
    said = f"{distance:g} m" + ("" if theme.viewing_distance else " (the default)")
    warnings = []
    for screen in layout.screens:
        for page in screen.pages:
            for options in page.widgets:
                width, height = _cell_px(page.grid, options.at, theme.scale, theme.safe_area)
                pad = WIDGET_PADDING * theme.scale
                title = title_row_px(round(TITLE_ROW * theme.scale), floor) + pad / 2
                needs_h = 2 * pad + (title if options.title else 0) + floor * LINE
                needs_w = 2 * pad + 4 * floor * 0.6  # a short word
                if height >= needs_h and width >= needs_w:
                    continue
                name = f"{options.type} {options.title!r}" if options.title else options.type
                remedy = "give it more cells" + (", drop its title" if options.title else "")
                warnings.append(
                    f"screen {screen.name!r}, page {page.title!r}: {name} at {list(options.at)}"
                    f" is {round(width)}×{round(height)} px at 1080p, too small for text legible"
                    f" from {said} ({floor} px, in a cell of {math.ceil(needs_w)}×"
                    f"{math.ceil(needs_h)} px at least): {remedy} or set theme.viewing_distance"
                )
    return warnings


def _cell_px(
    grid: Grid, at: tuple[int, int, int, int], scale: float, safe_area: float
) -> tuple[float, float]:
    """The size of the cells at ``at`` in px at 1080p."""
    gap = grid.gap * scale
    canvas_w = SCREEN[0] * (1 - 2 * safe_area) - 2 * SCREEN_MARGINS[0] * scale
    canvas_h = SCREEN[1] * (1 - 2 * safe_area) - 2 * SCREEN_MARGINS[1] * scale
    canvas_h -= (PAGE_HEADER + grid.gap) * scale
    cell_w = (canvas_w - gap * (grid.columns - 1)) / grid.columns
    cell_h = (canvas_h - gap * (grid.rows - 1)) / grid.rows
    _, _, columns, rows = at
    return columns * (cell_w + gap) - gap, rows * (cell_h + gap) - gap
