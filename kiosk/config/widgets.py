"""Options of every widget type, as the layout writes them.

These models live here, apart from the Qt classes in ``kiosk/widgets/``, so that ``kiosk check``
and ``kiosk schema`` validate a layout without importing Qt (the config package stays Qt-free,
enforced by import-linter). ``kiosk.widgets.registry`` maps the same type names to Qt classes, and
a test checks that both registries name the same types.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    field_validator,
    model_validator,
)

from kiosk.config.markets import Dimension
from kiosk.config.types import (
    HOUR,
    LAYOUT_MODEL,
    LONGEST_HISTORY,
    MINUTE,
    SECOND,
    Colour,
    Duration,
    Figure,
    LocalFile,
    TimeZone,
)
from kiosk.config.views import Where
from kiosk.values import Kind

GridCells = Annotated[int, Field(ge=0, le=48)]
"""A column, row, width or height on the page grid (48 × 48 at most, as ``Grid`` allows)."""
Placement = tuple[GridCells, GridCells, GridCells, GridCells]
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".svg"}


class WidgetOptions(BaseModel):
    """What every widget has: where it sits on the page grid, what it shows, its caption."""

    model_config = LAYOUT_MODEL

    type: str
    at: Placement = Field(
        description="Grid placement [column, row, width, height], counted from 0 at top left."
    )
    title: str | None = Field(default=None, description="Caption shown above the widget.")
    data: str | None = Field(
        default=None, description="Stream to show, as source.stream (e.g. social.volume)."
    )

    @property
    def stream(self) -> str | None:
        """The stream the widget reads (``data``, unless an option says otherwise)."""
        return self.data

    stale_after: Duration = Field(
        default=120.0,
        ge=SECOND,
        le=LONGEST_HISTORY,
        description="After this long without new data the widget dims.",
    )

    accepts: ClassVar[tuple[Kind, ...]] = ()
    """Kinds of stream this widget can show; empty means it shows no stream."""
    more_streams: ClassVar[dict[str, tuple[Kind, ...]]] = {}
    """Other options that name a stream, with the kinds each accepts (e.g. chart markers)."""
    needs_data: ClassVar[bool] = True
    folds: ClassVar[tuple[str, ...]] = ()


class Threshold(BaseModel):
    """From ``above`` upwards, the figure takes ``colour`` (until the next threshold)."""

    model_config = LAYOUT_MODEL

    above: Figure
    colour: Literal["good", "warning", "bad"] | Colour = Field(
        description="good, warning, bad (the theme's colour-blind-safe colours) or #rrggbb."
    )


Thresholds = Annotated[
    list[Threshold],
    AfterValidator(lambda steps: sorted(steps, key=lambda step: step.above)),
    Field(
        default_factory=list,
        description="Colour the figure by its value, e.g. [{above: 0, colour: bad}, "
        "{above: 95, colour: good}] for 'answered within 1 h'.",
    ),
]


class TargetOptions(WidgetOptions):
    """What every widget with a goal shares (kpi, gauge, timeseries, leaderboard): ``target:``,
    a number or a metric stream, and which side of it is good."""

    target: Figure | str | None = Field(
        default=None,
        description="The goal: a number, or a metric stream (e.g. care.sla_target). What is "
        "shown is coloured by whether it meets it (see higher_is_better) and the target is "
        "drawn: a line on a chart, a mark on a dial or a bar.",
    )
    higher_is_better: bool = Field(
        default=True, description="Which side of target: (and of a change) is good."
    )
    more_streams: ClassVar[dict[str, tuple[Kind, ...]]] = {"target": (Kind.METRIC,)}


class TimeseriesOptions(TargetOptions):
    type: Literal["timeseries"] = "timeseries"
    window: Duration = Field(
        default=3600.0, ge=MINUTE, le=LONGEST_HISTORY, description="How much history to show."
    )
    fill: bool = Field(default=True, description="Shade the area under each line.")
    stacked: bool = Field(
        default=False, description="Stack the series (e.g. sentiment): the top line is the total."
    )
    previous: bool = Field(
        default=False,
        description="Overlay the total of the window before, dashed: is today busier than usual?",
    )
    series: list[str] | None = Field(
        default=None, description="Only these series (e.g. brands), in this order."
    )
    markers: str | None = Field(
        default=None,
        description="An alerts stream (e.g. social.alerts): each spike gets a marked, labelled "
        "line where it began.",
    )
    accepts: ClassVar[tuple[Kind, ...]] = (Kind.SERIES,)
    more_streams: ClassVar[dict[str, tuple[Kind, ...]]] = {
        **TargetOptions.more_streams,
        "markers": (Kind.ALERTS,),
    }


class FigureOptions(TargetOptions):
    """What the widgets showing one figure (kpi, gauge) share: how it is written, its goal,
    and how a series is folded into it."""

    format: Literal["compact", "number", "percent"] = Field(
        default="compact",
        description="compact: 12.3k; number: 12,345; percent: a ratio as % (0.861 → 86 %).",
    )
    scale: Figure | None = Field(
        default=None,
        description="Multiply the value before showing it; default 100 for percent, else 1.",
    )
    total: Duration | None = Field(
        default=None,
        ge=MINUTE,
        le=LONGEST_HISTORY,
        description="Show a series (e.g. press.volume_hourly) as its total over this long, "
        "e.g. 7d for 'press hits this week'; the change is against the 7 days before.",
    )
    mean: Duration | None = Field(
        default=None,
        ge=MINUTE,
        le=LONGEST_HISTORY,
        description="Show a series as its mean per bucket over this long (e.g. 24h: the "
        "mean mentions per minute of the last day).",
    )
    accepts: ClassVar[tuple[Kind, ...]] = (Kind.METRIC, Kind.SERIES)
    folds: ClassVar[tuple[str, ...]] = ("total", "mean")
    """Options that fold a series into one figure: a series needs one, a metric none."""

    @model_validator(mode="after")
    def _one_fold(self) -> FigureOptions:
        if self.total is not None and self.mean is not None:
            raise ValueError("total: and mean: both fold the series; give one of them")
        return self


class KpiOptions(FigureOptions):
    type: Literal["kpi"] = "kpi"
    unit: str = Field(default="", description="Shown after the number, e.g. '%' or '/min'.")
    decimals: int = Field(default=0, ge=0, le=6)
    sparkline: bool = Field(default=True, description="Draw the recent history under the number.")
    thresholds: Thresholds
    change: Literal["percent", "points"] = Field(
        default="percent",
        description="Change as % of the previous value, or as a difference in points "
        "(for figures that cross zero, like net sentiment).",
    )


class TickerOptions(WidgetOptions):
    type: Literal["ticker"] = "ticker"
    speed: float = Field(
        default=120.0, ge=5, le=2000, description="Scroll speed in pixels per second at 1080p."
    )
    moderate: bool = Field(default=False, description="Hide posts that moderation rejects.")
    where: Where | None = Field(
        default=None,
        description="Only these posts, e.g. {brand: Acme, sentiment: negative}.",
    )
    fps: int = Field(
        default=60,
        ge=10,
        le=144,
        description=(
            "Frames per second. At 60 (the default, drawn in software) Qt slides the posts,"
            " with no Python in most frames; another rate steps them from Python every frame."
        ),
    )
    accepts: ClassVar[tuple[Kind, ...]] = (Kind.MENTIONS,)


class TextOptions(WidgetOptions):
    type: Literal["text"] = "text"
    text: str = Field(default="", description="What to show when no stream is bound.")
    size: Literal["small", "normal", "large", "huge"] = "large"
    align: Literal["left", "center", "right"] = "left"
    colour: Colour | None = None
    markdown: bool = Field(default=False, description="Read the text as Markdown (bold, lists…).")
    accepts: ClassVar[tuple[Kind, ...]] = (Kind.TEXT,)
    needs_data: ClassVar[bool] = False


class GaugeOptions(FigureOptions):
    type: Literal["gauge"] = "gauge"
    min: Figure = Field(default=0.0, description="The dial's start.")
    max: Figure = Field(default=100.0, description="The dial's end.")
    unit: str = ""
    decimals: int = Field(default=0, ge=0, le=6)
    thresholds: Thresholds

    @model_validator(mode="after")
    def _range(self) -> GaugeOptions:
        if not self.max > self.min:
            raise ValueError(f"max ({self.max:g}) must be above min ({self.min:g})")
        return self


class PostWallOptions(WidgetOptions):
    type: Literal["post_wall"] = "post_wall"
    every: Duration = Field(
        default=4.0,
        ge=0.001,
        le=HOUR,
        description="A new card at most this often, so each can be read.",
    )
    influencer_followers: int = Field(
        default=50_000,
        ge=0,
        le=10_000_000_000,
        description="Authors with this many followers are highlighted.",
    )
    moderate: bool = Field(default=False, description="Hide posts that moderation rejects.")
    where: Where | None = Field(
        default=None,
        description="Only these posts, e.g. {brand: Acme, sentiment: negative}.",
    )
    accepts: ClassVar[tuple[Kind, ...]] = (Kind.MENTIONS,)


class HeatmapOptions(WidgetOptions):
    type: Literal["heatmap"] = "heatmap"
    values: bool = Field(default=False, description="Write each cell's value in it.")
    accepts: ClassVar[tuple[Kind, ...]] = (Kind.MATRIX,)


class AlertBannerOptions(WidgetOptions):
    type: Literal["alert_banner"] = "alert_banner"
    stale_after: Duration = Field(
        default=120.0,
        ge=SECOND,
        le=LONGEST_HISTORY,
        description="After this long without news the banner dims.",
    )
    accepts: ClassVar[tuple[Kind, ...]] = (Kind.ALERTS,)


class ImageOptions(WidgetOptions):
    type: Literal["image"] = "image"
    path: LocalFile = Field(
        description="PNG, JPEG or SVG; relative to the layout file, inside its folder or one "
        "allowed under files: allow:."
    )
    fit: Literal["contain", "cover"] = Field(
        default="contain", description="Whole image inside the cell, or fill it and crop."
    )
    accepts: ClassVar[tuple[Kind, ...]] = ()
    needs_data: ClassVar[bool] = False

    @field_validator("path")
    @classmethod
    def _an_image(cls, path: Path) -> Path:
        if not path.is_file():
            raise ValueError(f"no image file at {path}")
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            raise ValueError(f"{path.name}: use one of {', '.join(sorted(IMAGE_SUFFIXES))}")
        return path


REGIONS: dict[str, tuple[float, float, float, float]] = {
    # west, south, east, north (degrees)
    "world": (-180.0, -58.0, 180.0, 84.0),
    "europe": (-25.0, 34.0, 45.0, 72.0),
    "americas": (-170.0, -58.0, -30.0, 75.0),
    "asia": (25.0, -12.0, 150.0, 60.0),
    "africa": (-20.0, -36.0, 55.0, 38.0),
    "oceania": (105.0, -50.0, 180.0, 0.0),
}


class GeoMapOptions(WidgetOptions):
    type: Literal["geo_map"] = "geo_map"
    region: Literal["world", "europe", "americas", "asia", "africa", "oceania"] = "world"
    country: str | None = Field(
        default=None,
        description="Zoom to one country instead: ISO 3166 alpha-3 code (NLD) or name.",
    )
    colour_by: Literal["sentiment", "volume"] = Field(
        default="sentiment", description="Dot colour: mean sentiment there, or one accent colour."
    )
    mode: Literal["dots", "countries", "both"] = Field(
        default="dots",
        description="Dots where posts come from, countries shaded by their mentions "
        "(a choropleth), or both (shaded countries under the dots). A ranking of countries "
        "(social.by_country, or a source's figures per country) is always shaded.",
    )
    legend: bool = Field(
        default=True, description="A key to the shades and dot colours, in the map's corner."
    )
    accepts: ClassVar[tuple[Kind, ...]] = (Kind.PLACES, Kind.RANKING)

    @field_validator("country")
    @classmethod
    def _known_country(cls, country: str | None) -> str | None:
        from kiosk.config.errors import did_you_mean
        from kiosk.geo import countries, country_bounds

        if country is not None and country_bounds(country) is None:
            names = [name for name in countries() if len(name) > 3]  # names, not codes
            hint = did_you_mean(country.lower(), names)
            raise ValueError(
                f"unknown country {country!r}{hint}; use an ISO 3166 alpha-3 code (NLD) or a name"
            )
        return country

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """west, south, east, north of the view."""
        from kiosk.geo import country_bounds

        zoomed = country_bounds(self.country) if self.country else None
        return zoomed or REGIONS[self.region]


class BreakdownOptions(WidgetOptions):
    """What the widgets that split mentions into parts or ranks (share_of_voice, leaderboard)
    share: ``by:``, the dimension, read from the source's ``by_<dimension>`` stream."""

    by: Dimension | None = Field(
        default=None,
        description="Split the mentions of data's source or view by country, market (see "
        "markets:), platform or language; data then names the source, e.g. data: social. "
        "The same as data: social.by_market.",
    )

    @property
    def stream(self) -> str | None:
        """The stream the widget reads: ``data``, or with ``by:`` its source's breakdown."""
        if self.by is None or self.data is None:
            return self.data
        return f"{self.data.partition('.')[0]}.by_{self.by}"


class ShareOfVoiceOptions(BreakdownOptions):
    type: Literal["share_of_voice"] = "share_of_voice"
    shape: Literal["donut", "bar"] = Field(
        default="donut", description="A donut with a legend, or one 100 % stacked bar."
    )
    highlight: str | None = Field(
        default=None, description="The part whose share is written large (e.g. our brand)."
    )
    accepts: ClassVar[tuple[Kind, ...]] = (Kind.BREAKDOWN, Kind.RANKING)


class LeaderboardOptions(BreakdownOptions, TargetOptions):
    type: Literal["leaderboard"] = "leaderboard"
    limit: int = Field(default=8, ge=1, le=30, description="How many rows.")
    show_change: bool = Field(default=True, description="Arrows for rank changes.")
    accepts: ClassVar[tuple[Kind, ...]] = (Kind.RANKING,)


class WordCloudOptions(WidgetOptions):
    type: Literal["word_cloud"] = "word_cloud"
    limit: int = Field(default=30, ge=3, le=60, description="At most this many terms.")
    accepts: ClassVar[tuple[Kind, ...]] = (Kind.RANKING,)


class ClockOptions(WidgetOptions):
    type: Literal["clock"] = "clock"
    zones: list[TimeZone] = Field(
        default_factory=list,
        description="IANA time zones for a world clock (e.g. Europe/Paris); empty: local time.",
    )
    labels: list[str] = Field(default_factory=list, description="A caption per zone.")
    seconds: bool = False
    accepts: ClassVar[tuple[Kind, ...]] = ()
    needs_data: ClassVar[bool] = False


class CountdownOptions(WidgetOptions):
    type: Literal["countdown"] = "countdown"
    until: datetime = Field(
        description="When, e.g. 2026-12-01T20:00:00+01:00; without an offset, in timezone."
    )
    timezone: TimeZone | None = Field(
        default=None,
        description="IANA zone (e.g. Europe/Amsterdam) of an until without offset, and of the "
        "time shown under the count; default: the machine's.",
    )
    done: str | None = Field(
        default=None, description="Shown once the moment has passed (default: Now, translated)."
    )
    accepts: ClassVar[tuple[Kind, ...]] = ()
    needs_data: ClassVar[bool] = False


WIDGET_OPTIONS: dict[str, type[WidgetOptions]] = {
    model.model_fields["type"].default: model
    for model in (
        TimeseriesOptions,
        KpiOptions,
        WordCloudOptions,
        TickerOptions,
        TextOptions,
        AlertBannerOptions,
        GaugeOptions,
        GeoMapOptions,
        ImageOptions,
        HeatmapOptions,
        PostWallOptions,
        ShareOfVoiceOptions,
        LeaderboardOptions,
        ClockOptions,
        CountdownOptions,
    )
}
"""Every widget type the layout knows, by its ``type:`` name."""
