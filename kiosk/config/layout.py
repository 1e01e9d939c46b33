"""The layout models: theme, sources, screens, pages and the widgets on them.

The source and widget unions are built from their registries (``kiosk.sources.SOURCES``,
``kiosk.config.widgets.WIDGET_OPTIONS``), so adding a source or widget module is all it takes to
extend the format.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal, TypeAlias, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kiosk.config.types import Colour, Duration
from kiosk.config.widgets import WIDGET_OPTIONS, WidgetOptions
from kiosk.sources import SOURCES, SourceOptions

NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Theme(_Strict):
    """Colours and type scale shared by every screen of the wall."""

    name: Literal["dark", "light"] = Field(default="dark", description="Dark suits TVs.")
    brands: dict[str, Colour] = Field(
        default_factory=dict, description="Brand name → colour, used for that brand everywhere."
    )
    scale: float = Field(default=1.0, ge=0.5, le=3.0, description="Multiplies every type size.")
    safe_area: float = Field(
        default=0.0, ge=0.0, le=0.1, description="Fraction kept empty at each edge (overscan)."
    )


class Match(_Strict):
    """Which physical monitor a screen goes on. Every criterion given must hold.

    Text criteria accept shell wildcards (``DP-*``). ``index`` counts monitors left to right.
    """

    connector: str | None = Field(default=None, description="Connector name, e.g. HDMI-1.")
    manufacturer: str | None = None
    model: str | None = None
    serial: str | None = None
    index: int | None = Field(default=None, ge=0, description="0 is the leftmost monitor.")
    any: bool = Field(default=False, description="Any monitor left over.")

    @model_validator(mode="after")
    def _needs_a_criterion(self) -> Match:
        given = (self.connector, self.manufacturer, self.model, self.serial, self.index)
        if not self.any and all(value is None for value in given):
            raise ValueError(
                "give at least one of connector, manufacturer, model, serial, index, or any: true"
            )
        return self


class Grid(_Strict):
    columns: int = Field(default=12, ge=1, le=48)
    rows: int = Field(default=8, ge=1, le=48)
    gap: int = Field(default=12, ge=0, le=200, description="Space between widgets, px at 1080p.")


if TYPE_CHECKING:  # the unions are built at run time; type checkers see their base classes
    WidgetChoice: TypeAlias = WidgetOptions
    SourceChoice: TypeAlias = SourceOptions
else:
    WidgetChoice = Annotated[
        Union[tuple(WIDGET_OPTIONS.values())],  # noqa: UP007
        Field(discriminator="type"),
    ]
    SourceChoice = Annotated[
        Union[tuple(cls.options_model for cls in SOURCES.values())],  # noqa: UP007
        Field(discriminator="type"),
    ]


class Page(_Strict):
    title: str = Field(description="Shown in the page header.")
    duration: Duration = Field(default=30.0, description="How long the page shows in rotation.")
    grid: Grid = Field(default_factory=Grid)
    widgets: list[WidgetChoice] = Field(default_factory=list)


class Screen(_Strict):
    """One physical screen of the wall and the pages it rotates through."""

    name: str = Field(pattern=NAME_PATTERN, description="Unique; letters, digits, - and _.")
    match: Match
    public: bool = Field(default=False, description="A public screen shows only moderated posts.")
    pages: list[Page] = Field(min_length=1)


class Layout(_Strict):
    """A whole wall: theme, data sources and screens."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="kiosk layout")

    theme: Theme = Field(default_factory=Theme)
    sources: dict[str, SourceChoice] = Field(default_factory=dict)
    screens: list[Screen] = Field(min_length=1)
