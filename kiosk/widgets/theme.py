"""Colours, type and spacing for one screen, derived from the layout's theme and the screen size.

Sizes are written as pixels at 1080p and scaled by the screen's short side, so a 4K TV and a
portrait screen read the same from the same distance. Brand colours are assigned once per
process, so a brand has the same colour on every widget of every screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from PySide6.QtGui import QColor, QFont

from kiosk.i18n import ENGLISH, Lang, lang
from kiosk.widgets.fonts import load_bundled_fonts
from kiosk.widgets.legibility import text_floor_px


class ThresholdLike(Protocol):
    @property
    def above(self) -> float: ...
    @property
    def colour(self) -> str: ...


class ThemeLike(Protocol):
    """The layout's ``theme:`` (``kiosk.config.Theme``), as far as drawing needs it."""

    @property
    def name(self) -> str: ...
    @property
    def brands(self) -> dict[str, str]: ...
    @property
    def scale(self) -> float: ...
    @property
    def safe_area(self) -> float: ...


_PALETTES = {
    "dark": {
        "background": "#070b12",
        "panel": "#111824",
        "text": "#f1f4f9",
        "muted": "#8e9bb0",
        "grid": "#243044",
        "accent": "#5aa9ff",
    },
    "light": {
        "background": "#e9edf2",
        "panel": "#ffffff",
        "text": "#0f1723",
        "muted": "#556274",
        "grid": "#d5dbe3",
        "accent": "#1565d8",
    },
}

# Okabe–Ito based: distinguishable with the common colour-vision deficiencies, and bright enough
# on a dark panel. Sentiment avoids red/green: blue for positive, vermilion for negative.
CATEGORICAL = (
    "#56B4E9",
    "#E69F00",
    "#2BC59A",
    "#CC79A7",
    "#F0E442",
    "#FF7F50",
    "#3D8BFF",
    "#B7B7B7",
)
SENTIMENT = {"positive": "#3FA7F5", "neutral": "#98A3B3", "negative": "#FF6B3D"}
WARNING = "#F2C14E"


class BrandColours:
    """Stable brand → colour: layout colours first, then the palette in order of first request."""

    def __init__(self) -> None:
        self._assigned: dict[str, str] = {}

    def colour(self, brand: str, configured: dict[str, str]) -> QColor:
        if brand in configured:
            return QColor(configured[brand])
        if brand in SENTIMENT:
            return QColor(SENTIMENT[brand])
        if brand not in self._assigned:
            taken = set(self._assigned.values()) | {c.upper() for c in configured.values()}
            free = [c for c in CATEGORICAL if c.upper() not in taken]
            count = len(self._assigned)
            self._assigned[brand] = free[0] if free else CATEGORICAL[count % len(CATEGORICAL)]
        return QColor(self._assigned[brand])


BRAND_COLOURS = BrandColours()
"""Shared by every screen of the process."""


@lru_cache(maxsize=256)
def _font(family: str, pixels: int, weight: int) -> QFont:
    """The font :meth:`Style.font` hands out copies of: a panel asks for a dozen fonts at
    every repaint, and making one (four Qt calls, an enum) took 4.4 µs, a copy 1.4 µs."""
    font = QFont(family)
    font.setPixelSize(pixels)
    font.setWeight(QFont.Weight(weight))
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    return font


@dataclass(frozen=True)
class Style:
    theme: ThemeLike
    unit: float  # pixels per "1080p pixel"
    family: str
    background: QColor
    panel: QColor
    text: QColor
    muted: QColor
    grid: QColor
    accent: QColor
    positive: QColor
    neutral: QColor
    negative: QColor
    lang: Lang = ENGLISH  # the room's words, numbers and times (kiosk.i18n)
    floor_px: int = 0  # the smallest legible font size here (theme.viewing_distance), 0: none
    gpu: bool = False  # ticker, charts and fades draw through OpenGL (kiosk.widgets.render)

    @classmethod
    def for_screen(
        cls,
        theme: ThemeLike,
        width: int,
        height: int,
        *,
        locale: str | None = None,
        timezone: str | None = None,
    ) -> Style:
        """``locale``/``timezone``: a screen's own, over the wall's (``theme.locale``)."""
        colours = _PALETTES.get(theme.name, _PALETTES["dark"])
        distance = getattr(theme, "viewing_distance", None)
        diagonal = getattr(theme, "screen_diagonal", 55.0)
        return cls(
            floor_px=text_floor_px(distance, diagonal, width, height) if distance else 0,
            lang=lang(
                locale or getattr(theme, "locale", None),
                timezone or getattr(theme, "timezone", None),
            ),
            theme=theme,
            unit=max(0.25, min(width, height) / 1080 * theme.scale),
            family=load_bundled_fonts(),
            **{name: QColor(value) for name, value in colours.items()},
            positive=QColor(SENTIMENT["positive"]),
            neutral=QColor(SENTIMENT["neutral"]),
            negative=QColor(SENTIMENT["negative"]),
            gpu=False,  # the screen's window decides (kiosk.widgets.render)
        )

    @property
    def dark(self) -> bool:
        return self.background.lightness() < 128

    def px(self, size_at_1080p: float) -> int:
        return max(1, round(size_at_1080p * self.unit))

    def font(self, size_at_1080p: float, weight: int = 400) -> QFont:
        """The type at ``size_at_1080p``, never below the legibility floor (:attr:`floor_px`):
        a widget that has no room for its text at the floor drops parts (see :meth:`legible`)."""
        return QFont(_font(self.family, max(self.px(size_at_1080p), self.floor_px), weight))

    def legible(self, size_at_1080p: float) -> bool:
        """Whether text at ``size_at_1080p`` is at or above the floor, so a part sized from
        its room (a legend, a row's detail) is drawn, not shrunk below what the room reads."""
        return self.px(size_at_1080p) >= self.floor_px

    def brand_colour(self, brand: str) -> QColor:
        return BRAND_COLOURS.colour(brand, dict(self.theme.brands))

    def threshold_colour(self, value: float, thresholds: Sequence[ThresholdLike]) -> QColor | None:
        """The colour of the highest threshold at or below ``value`` (sorted), or None."""
        chosen = None
        for step in thresholds:
            if value >= step.above:
                chosen = step.colour
        if chosen is None:
            return None
        named = {"good": self.positive, "warning": QColor(WARNING), "bad": self.negative}
        return named.get(chosen, QColor(chosen))

    def sentiment_colour(self, score: float) -> QColor:
        if score >= 0.25:
            return self.positive
        if score <= -0.25:
            return self.negative
        return self.neutral
