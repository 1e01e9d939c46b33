"""The layout models: theme, sources, screens, pages and the widgets on them.

The source and widget unions are built from their registries (``kiosk.sources.SOURCES``,
``kiosk.config.widgets.WIDGET_OPTIONS``), so adding a source or widget module is all it takes to
extend the format. Every widget type's options are known at import; a source type is loaded
when a layout names it, so :func:`layout_model` (which validation and the schema use) builds
the model for the types loaded: a type registered later (a plugin, a test's fake source) is
picked up too.
"""

from __future__ import annotations

import datetime
import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias, TypeVar, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    create_model,
    field_validator,
    model_validator,
)

from kiosk.config.control import Control, check_groups
from kiosk.config.fleet import Data, default_box
from kiosk.config.markets import Markets, market_of
from kiosk.config.metrics import METRICS, Metrics
from kiosk.config.sentiment import Sentiment
from kiosk.config.types import DAY, LAYOUT_MODEL, SECOND, Colour, Duration, Figure, TimeZone
from kiosk.config.views import View, Where
from kiosk.config.widgets import WIDGET_OPTIONS, WidgetOptions
from kiosk.i18n import check_locale
from kiosk.sources import SOURCES, SourceOptions
from kiosk.values import Kind

NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]*$"
ModelT = TypeVar("ModelT", bound=BaseModel)


def _a_locale(tag: str) -> str:
    return check_locale(tag)


Locale = Annotated[str, AfterValidator(_a_locale)]
LOCALE_HELP = "Language and number format of every word kiosk writes: en, nl-NL, fr-BE, it, de, es."
TIMEZONE_HELP = "Zone for times shown (updated, since), e.g. Europe/Paris; default the system's."

Render = Literal["auto", "gpu", "software"]
RENDER_HELP = (
    "How the ticker, charts and fades are drawn: gpu through OpenGL, software by the CPU (Qt's "
    "raster); auto picks gpu when a hardware OpenGL driver answers at start, software when there "
    "is none or only a software rasteriser (llvmpipe), and logs why."
)


class _Strict(BaseModel):
    model_config = LAYOUT_MODEL


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
    # -- the room's language (kiosk.i18n); a screen's own locale/timezone wins --
    locale: Locale | None = Field(default=None, description=LOCALE_HELP)
    timezone: TimeZone | None = Field(default=None, description=TIMEZONE_HELP)
    # -- legibility (kiosk.widgets.legibility): the smallest text the back of the room reads --
    viewing_distance: float | None = Field(
        default=None,
        gt=0.3,
        le=100.0,
        description="Metres from the screens to the farthest reader (e.g. 4): sets the "
        "smallest text kiosk may draw.",
    )
    screen_diagonal: float = Field(
        default=55.0, ge=7.0, le=400.0, description="Inches, for viewing_distance."
    )


class Match(_Strict):
    """Which physical monitor a screen goes on. Every criterion given must hold.

    Text criteria accept shell wildcards (``DP-*``). ``index`` counts monitors left to right.
    """

    model_config = LAYOUT_MODEL | ConfigDict(json_schema_extra={"minProperties": 1})

    connector: str | None = Field(
        default=None, description="Connector name, e.g. HDMI-A-1 (X11's HDMI-1 also matches)."
    )
    manufacturer: str | None = None
    model: str | None = None
    serial: str | None = None
    index: int | None = Field(
        default=None, ge=0, le=63, description="0 is the leftmost monitor (of at most 64)."
    )
    any: bool = Field(default=False, description="Any monitor left over.")
    box: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        description="Only on this box of the fleet (data.mqtt.box, by default the host name): "
        "one layout for every box, each box shows its own screens and span panels.",
    )

    @model_validator(mode="after")
    def _needs_a_criterion(self) -> Match:
        given = (self.connector, self.manufacturer, self.model, self.serial, self.index)
        if not self.any and all(value is None for value in given):
            raise ValueError(
                "give at least one of connector, manufacturer, model, serial, index, or any: true"
            )
        return self

    def specificity(self) -> int:
        """How precisely this names a monitor: serial, then connector, then model or
        manufacturer, then index, then any. More specific matches pick their monitor first."""
        score = 0
        if self.serial is not None:
            score += 1000
        if self.connector is not None:
            score += 100
        if self.model is not None or self.manufacturer is not None:
            score += 10
        if self.index is not None:
            score += 1
        return score


class Grid(_Strict):
    """The page is cut into ``columns`` × ``rows`` cells; widgets cover whole cells."""

    columns: int = Field(default=12, ge=1, le=48)
    rows: int = Field(default=8, ge=1, le=48)
    gap: int = Field(default=12, ge=0, le=200, description="Space between widgets, px at 1080p.")


def _tagged_union(members: tuple[type[BaseModel], ...]) -> Any:
    """``Annotated[A | B | ..., Field(discriminator="type")]`` over registered option models."""
    return Annotated[Union[members], Field(discriminator="type")]  # noqa: UP007


def _registered() -> tuple[tuple[type[SourceOptions], ...], tuple[type[WidgetOptions], ...]]:
    sources = tuple(cls.options_model for cls in SOURCES.loaded().values())
    return tuple(dict.fromkeys(sources)), tuple(WIDGET_OPTIONS.values())


_WIDGETS_AT_IMPORT = _registered()[1]

if TYPE_CHECKING:  # the unions are built at run time; type checkers see their base classes
    WidgetChoice: TypeAlias = WidgetOptions
else:
    WidgetChoice = _tagged_union(_WIDGETS_AT_IMPORT)


class Page(_Strict):
    """One view of a screen: a grid of widgets, shown for ``duration`` in the rotation."""

    title: str = Field(description="Shown in the page header.")
    duration: Duration = Field(
        default=30.0,
        ge=0.1,  # tests flip pages in tenths of seconds; shorter, a screen would only fade
        le=DAY,
        description="How long the page shows in rotation.",
    )
    grid: Grid = Field(default_factory=Grid)
    widgets: list[WidgetChoice] = Field(default_factory=list)


class Rotation(_Strict):
    """How a screen moves from page to page."""

    transition: Literal["cut", "fade"] = Field(
        default="fade", description="fade: the old page dissolves into the new one; cut: instant."
    )
    fade: Duration = Field(default=0.4, ge=0.05, le=3.0, description="Length of a fade.")
    sync: Literal["none", "wall"] = Field(
        default="none",
        description="wall: every screen with sync: wall flips at the same moment, on the clock "
        "of the first of them in the layout.",
    )
    pin: str | None = Field(
        default=None, description="Title of a page to hold: the screen stops rotating on it."
    )


_HOURS = r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]|24):[0-5]\d$"
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _check_hours(span: str) -> str:
    if not re.match(_HOURS, span):
        raise ValueError(f"{span!r}: write a span as HH:MM-HH:MM, e.g. 07:30-19:00")
    return span


_EVERY_DAY: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Schedule(_Strict):
    """When a screen is on. Outside these hours it goes black (and, where the system allows,
    the display sleeps); a takeover can wake it."""

    days: list[Weekday] = Field(
        default_factory=lambda: list(_EVERY_DAY),
        description="Days the screen is on.",
    )
    hours: list[
        Annotated[str, AfterValidator(_check_hours), Field(json_schema_extra={"pattern": _HOURS})]
    ] = Field(
        default_factory=lambda: ["00:00-24:00"],
        description='On between these times, e.g. ["07:30-19:00"]; "22:00-06:00" runs overnight.',
    )
    off: list[datetime.date] = Field(
        default_factory=list, description="Whole days off, e.g. public holidays (2026-12-25)."
    )
    timezone: TimeZone | None = Field(
        default=None, description="IANA zone of these times (default: the machine's)."
    )
    wake_for_takeover: bool = Field(
        default=True, description="A takeover for this screen turns it on out of hours."
    )


class BurnIn(_Strict):
    """Care for TVs that show the same picture for weeks."""

    shift: int = Field(
        default=0, ge=0, le=20, description="Move everything by up to this many px, slowly."
    )
    every: Duration = Field(
        default=180.0, ge=0.05, le=DAY, description="How often it moves one step."
    )


GroupName = Annotated[str, Field(pattern=NAME_PATTERN)]
Groups = Annotated[list[GroupName], AfterValidator(check_groups)]
GROUPS_HELP = "Names staff target commands at (kiosk ctl message --to care), e.g. [execs, care]."


class Screen(_Strict):
    """One physical screen of the wall and the pages it rotates through."""

    name: str = Field(pattern=NAME_PATTERN, description="Unique; letters, digits, - and _.")
    match: Match
    public: bool = Field(default=False, description="A public screen shows only moderated posts.")
    # -- the room's language: overrides the wall's (theme.locale, theme.timezone) --
    locale: Locale | None = Field(default=None, description=LOCALE_HELP)
    timezone: TimeZone | None = Field(default=None, description=TIMEZONE_HELP)
    rotation: Rotation = Field(default_factory=Rotation)
    schedule: Schedule | None = Field(default=None, description="Operating hours; none: always on.")
    burn_in: BurnIn = Field(default_factory=BurnIn)
    groups: Groups = Field(default_factory=list, description=GROUPS_HELP)
    render: Render | None = Field(default=None, description="Overrides the wall's render here.")
    pages: list[Page] = Field(min_length=1)


PanelSide = Annotated[float, Field(ge=10.0, le=10_000.0)]
"""One side of a panel's picture in mm: from a 10 mm tile to a 10 m LED wall."""


class Span(_Strict):
    """One page across a rectangle of monitors (a video wall), as one canvas.

    ``bezel_mm`` is the dead frame between two neighbouring panels' pictures (both bezels);
    the canvas leaves that much room there, so a line crossing a seam stays straight.
    """

    name: str = Field(pattern=NAME_PATTERN, description="Unique among screens and spans.")
    columns: int = Field(ge=1, le=8)
    rows: int = Field(ge=1, le=8)
    monitors: list[Match] = Field(
        description="One match rule per panel, row by row from the top left.", min_length=1
    )
    bezel_mm: float = Field(default=0.0, ge=0.0, le=200.0)
    panel_mm: tuple[PanelSide, PanelSide] | None = Field(
        default=None,
        description="Width and height of one panel's picture in mm (turns bezel_mm into px).",
    )
    public: bool = Field(default=False, description="A public span shows only moderated posts.")
    # -- the room's language: overrides the wall's (theme.locale, theme.timezone) --
    locale: Locale | None = Field(default=None, description=LOCALE_HELP)
    timezone: TimeZone | None = Field(default=None, description=TIMEZONE_HELP)
    rotation: Rotation = Field(default_factory=Rotation)
    groups: Groups = Field(default_factory=list, description=GROUPS_HELP)
    render: Render | None = Field(default=None, description="Overrides the wall's render here.")
    pages: list[Page] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Span:
        if len(self.monitors) != self.columns * self.rows:
            raise ValueError(
                f"a {self.columns}×{self.rows} span needs {self.columns * self.rows} monitors, "
                f"got {len(self.monitors)}"
            )
        if self.bezel_mm > 0 and self.panel_mm is None:
            raise ValueError("give panel_mm: [width, height] of one panel's picture with bezel_mm")
        return self


class Trigger(_Strict):
    """When a takeover fires: an alert stream with an alert firing, or a figure past a bound."""

    stream: str = Field(description="An alerts stream (e.g. social.alerts) or a metric stream.")
    severity: Literal["warning", "critical"] | None = Field(
        default=None, description="Alerts only: the least severity that fires (default any)."
    )
    below: Figure | None = Field(default=None, description="Metrics only: fires below this.")
    above: Figure | None = Field(default=None, description="Metrics only: fires above this.")


class Takeover(_Strict):
    """A page that interrupts rotation on chosen screens while its trigger holds."""

    name: str = Field(pattern=NAME_PATTERN, description="Its name in the log and commands.")
    title: str | None = Field(
        default=None,
        min_length=1,
        max_length=120,
        description='What the banner says, e.g. "Escalated to the executive team"; without '
        "it, the name and the rule's figures.",
    )
    when: Trigger
    screens: list[str] = Field(
        default_factory=list, description="Screen names to take over; empty means every screen."
    )
    hold: Duration = Field(
        default=60.0,
        ge=SECOND,
        le=DAY,
        description="Stays this long after the trigger clears, so it cannot flap.",
    )
    page: Page


class Moderation(_Strict):
    """What screens marked ``public: true`` (and widgets with ``moderate: true``) may show."""

    blocklists: bool = Field(
        default=True,
        description="Use the bundled word lists (LDNOOBW, CC BY 4.0) for en, nl, fr, it, de, es.",
    )
    block: dict[str, list[str]] = Field(
        default_factory=dict,
        description="More words or phrases to block, by language code; '*' for every language.",
    )
    deny_accounts: list[str] = Field(
        default_factory=list, description="Handles or names never shown; wildcards allowed."
    )
    allow_accounts: list[str] = Field(
        default_factory=list,
        description="Trusted handles (e.g. your own): shown without the automatic checks.",
    )
    min_sentiment: float | None = Field(
        default=None, ge=-1.0, le=1.0, description="Hide posts scored below this (-1 … 1)."
    )
    hide_links: bool = Field(default=False, description="Hide posts that contain a link.")
    hide_media: bool = Field(default=False, description="Hide posts with images or video.")
    hidden: list[str] = Field(default_factory=list, description="Post ids hidden by hand.")
    approval: Literal["off", "required"] | AutoApproval = Field(
        default="off",
        description="A person in the loop for the posts public screens show: off (the rules "
        "alone decide), required (each post that passes the rules waits for 'kiosk ctl "
        "approve'), or {auto_after: 2m} (it goes up after that long unless rejected first). "
        "Decisions are kept in the cache dir across restarts.",
    )

    @field_validator("approval", mode="before")
    @classmethod
    def _bare_off(cls, value: object) -> object:
        return "off" if value is False else value  # YAML 1.1 reads a bare `off` as false


class AutoApproval(_Strict):
    """Posts go up on public screens after a delay, unless a person rejects them first."""

    auto_after: Duration = Field(
        ge=SECOND, le=DAY, description="How long a post waits for a person, e.g. 2m."
    )


class Files(_Strict):
    """Where the layout may read local files (images, file sources).

    Only inside the layout file's own folder (and its subfolders), unless a folder is allowed
    here: a layout must not show or parse any other file the wall's user can read.
    """

    allow: list[Path] = Field(
        default_factory=list,
        description="More folders whose files (subfolders included) images and file sources may "
        "read, e.g. [/srv/kiosk-data]; relative to the layout file.",
    )


class Layout(_Strict):
    """A whole wall: theme, data sources and screens."""

    # ``sources`` are typed here by their base class only: layout_model() gives the model that
    # validates a layout, with a union of the source types loaded (a layout loads the types it
    # names, see kiosk.config.loader). So this class is built only if used directly.
    model_config = LAYOUT_MODEL | ConfigDict(title="kiosk layout", defer_build=True)

    theme: Theme = Field(default_factory=Theme)
    sources: dict[str, SourceOptions] = Field(
        default_factory=dict,
        description="Data sources by name; widgets refer to their streams as name.stream.",
        json_schema_extra={"propertyNames": {"pattern": NAME_PATTERN}},
    )
    screens: list[Screen] = Field(
        default_factory=list, description="Every screen of the wall (spans come on top)."
    )
    spans: list[Span] = Field(
        default_factory=list, description="Pages shown across several monitors as one canvas."
    )
    takeovers: list[Takeover] = Field(
        default_factory=list, description="Pages that interrupt rotation when an alert fires."
    )
    moderation: Moderation = Field(
        default_factory=Moderation, description="Rules for what public screens may show."
    )
    files: Files = Field(
        default_factory=Files,
        description="Folders besides the layout's own that images and file sources may read.",
    )
    control: Control = Field(
        default_factory=Control, description="The HTTP API staff steer the wall with (kiosk ctl)."
    )
    sentiment: Sentiment = Field(
        default_factory=Sentiment,
        description="A text classifier of your own (ONNX) to score posts instead of the rules.",
    )
    render: Render = Field(default="auto", description=RENDER_HELP)
    unclaimed: Literal["identify", "black", "ignore"] = Field(
        default="identify",
        description="Monitors no screen claims: identify shows what they are and how to claim "
        "them; black shows nothing; ignore leaves them alone (a laptop's own screen in a war "
        "room stays the laptop's).",
    )
    views: dict[str, View] = Field(
        default_factory=dict,
        description="Listening views: several sources' posts as one, narrowed by where:, with "
        "every derived stream (<view>.volume, <view>.share, <view>.hashtags…).",
        json_schema_extra={"propertyNames": {"pattern": NAME_PATTERN}},
    )
    markets: Markets
    metrics: Metrics

    @model_validator(mode="after")
    def _metrics_have_their_name(self) -> Layout:
        if self.metrics and (METRICS in self.sources or METRICS in self.views):
            raise ValueError(
                f"a source or view named {METRICS!r} hides metrics: (metrics.<name>); rename it"
            )
        return self

    @model_validator(mode="after")
    def _one_market_per_country(self) -> Layout:
        market_of(self.markets)  # raises when a country is in two markets
        return self

    @model_validator(mode="after")
    def _wheres_know_the_markets(self) -> Layout:
        markets = market_of(self.markets)
        pages = [page for screen in self.screens for page in screen.pages]
        pages += [page for span in self.spans for page in span.pages]
        pages += [takeover.page for takeover in self.takeovers]
        wheres: list[Where | None] = [view.where for view in self.views.values()]
        wheres += [getattr(widget, "where", None) for page in pages for widget in page.widgets]
        for where in wheres:
            if isinstance(where, Where):
                where.with_markets(markets)
        return self

    @property
    def market_of_country(self) -> dict[str, str]:
        """ISO country code → the market it belongs to."""
        return market_of(self.markets)

    @model_validator(mode="after")
    def _views_read_mention_sources(self) -> Layout:
        problems = []
        for name, view in self.views.items():
            if name in self.sources:
                problems.append(f"view {name!r} has the name of a source; name it apart")
            for source in view.sources:
                options = self.sources.get(source)
                if options is None:
                    problems.append(
                        f"view {name!r} reads {source!r}, which is no source "
                        f"(sources: {', '.join(self.sources) or 'none'})"
                    )
                elif SOURCES[options.type].provides(options).get("mentions") is not Kind.MENTIONS:
                    problems.append(
                        f"view {name!r} reads {source!r}, which has no posts (mentions)"
                    )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    data: Data = Field(
        default_factory=Data,
        description="Run the sources here (default) or take a data node's streams over MQTT.",
    )

    @model_validator(mode="after")
    def _groups_are_not_screens(self) -> Layout:
        names = {screen.name for screen in self.screens} | {span.name for span in self.spans}
        groups = {g for screen in self.screens for g in screen.groups}
        groups |= {g for span in self.spans for g in span.groups}
        if names & groups:
            raise ValueError(
                f"{', '.join(sorted(names & groups))}: both a screen and a group name; "
                "a command to it would be ambiguous"
            )
        return self


def this_box(layout: Layout) -> str:
    """The fleet name of the box this process runs on: ``data.mqtt.box``, else the host name.
    A ``match: {box: …}`` rule holds only on that box."""
    mqtt = layout.data.mqtt
    return mqtt.box if mqtt is not None else default_box()


def sync_group(screen: Screen) -> str | None:
    """The clock a screen (or a span's panel, named ``<span>#<n>``) flips on: a span's panels
    flip together, and so do all screens with ``rotation.sync: wall``; None flips on its own."""
    if "#" in screen.name:
        return "span:" + screen.name.split("#", 1)[0]
    return "wall" if screen.rotation.sync == "wall" else None


def tiles(layout: Layout) -> list[tuple[Screen, Span, int, int]]:
    """Each span as one screen per panel, named ``<span>#<n>``, with its column and row: the
    wall binds and rotates those like any screen; they draw their part of one canvas."""
    made = []
    for span in layout.spans:
        for n, match in enumerate(span.monitors):
            # Built from validated parts; "#" keeps panel names apart from screen names.
            screen = Screen.model_construct(
                name=f"{span.name}#{n + 1}",
                match=match,
                public=span.public,
                locale=span.locale,
                timezone=span.timezone,
                rotation=span.rotation,
                groups=span.groups,
                render=span.render,
                pages=span.pages,
            )
            made.append((screen, span, n % span.columns, n // span.columns))
    return made


def layout_model() -> type[Layout]:
    """The layout model for the source and widget types registered now: a subclass of
    :class:`Layout` whose ``sources`` are a union of the source types loaded, with ``Screen``,
    ``Page`` and the others rebuilt too if a widget type was registered since import (cached
    per registry state)."""
    return _model_for(*_registered())


@functools.cache
def _model_for(
    sources: tuple[type[SourceOptions], ...], widgets: tuple[type[WidgetOptions], ...]
) -> type[Layout]:
    fields: dict[str, Any] = {}
    if widgets != _WIDGETS_AT_IMPORT:
        page = _retyped(Page, widgets=_list_of(_tagged_union(widgets)))
        fields = {
            "screens": _list_of(_retyped(Screen, pages=_list_of(page))),
            "takeovers": _list_of(_retyped(Takeover, page=page)),
            "spans": _list_of(_retyped(Span, pages=_list_of(page))),
        }
    # No source type loaded: a layout without sources (any it had would have loaded theirs)
    choice = _tagged_union(sources) if sources else SourceOptions
    return _retyped(Layout, sources=_names_to(choice), **fields)


def _retyped(base: type[ModelT], **types: Any) -> type[ModelT]:
    """A subclass of ``base`` whose fields in ``types`` take those types, each keeping its
    default and description; and its docstring, which the schema shows."""
    fields: dict[str, Any] = {name: (kind, base.model_fields[name]) for name, kind in types.items()}
    model: type[ModelT] = create_model(
        base.__name__, __base__=base, __module__=__name__, __doc__=base.__doc__, **fields
    )
    return model


def _list_of(item: Any) -> Any:
    return list.__class_getitem__(item)  # ``list[item]`` for an item known only at run time


def _names_to(value: Any) -> Any:
    return dict.__class_getitem__((str, value))  # ``dict[str, value]``, likewise
