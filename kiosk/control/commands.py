"""What staff can tell a running wall: one command model for the API, ``kiosk ctl`` and later
the web page. No Qt here: the wall applies a validated :class:`Command` (kiosk.screens.commands).

A command is validated once, against the layout the wall shows (:class:`Directory`): a target
that names no screen or group, a page a target screen does not have, or a malformed field
gives :class:`CommandError` listing every problem with its field path, and changes nothing.
"""

from __future__ import annotations

import datetime
import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from kiosk.config.control import Scope
from kiosk.config.types import HOUR, Duration
from kiosk.config.widgets import WidgetOptions
from kiosk.control.castspec import check_widget_spec
from kiosk.values import Kind

ALL = "all"
Tone = Literal["info", "good", "warning", "critical"]
TONE_RANK: dict[str, int] = {"info": 0, "good": 0, "warning": 1, "critical": 2}
DEFAULT_MESSAGE_SECONDS = 300.0
DAY = 86400.0

Target = Annotated[str, Field(min_length=1, max_length=64)]
Targets = Annotated[list[Target], Field(min_length=1, max_length=64)]


class _Command(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class _Targeted(_Command):
    to: Targets = Field(default_factory=lambda: [ALL], description="Screens, groups, or all.")


class Message(_Targeted):
    """A banner on the target screens: headline, body, tone; it ends by itself."""

    command: Literal["message"]
    headline: str = Field(min_length=1, max_length=120)
    body: str = Field(default="", max_length=600)
    tone: Tone = "info"
    duration: Duration | None = Field(default=None, ge=1.0, le=DAY)
    until: datetime.datetime | None = Field(
        default=None, description="An end time with its zone, e.g. 2026-12-04T14:00:00+01:00."
    )

    @model_validator(mode="after")
    def _one_end(self) -> Message:
        if self.duration is not None and self.until is not None:
            raise ValueError("give duration or until, not both")
        if self.until is not None and self.until.tzinfo is None:
            raise ValueError("until needs a time zone, e.g. 2026-12-04T14:00:00+01:00")
        return self

    def seconds(self, now: datetime.datetime) -> float:
        """How long the message shows from ``now``."""
        if self.until is not None:
            return (self.until - now).total_seconds()
        return self.duration if self.duration is not None else DEFAULT_MESSAGE_SECONDS


class EndMessage(_Command):
    """End a message early (by the id its ``message`` returned) on every screen showing it."""

    command: Literal["end_message"]
    id: str = Field(min_length=1, max_length=64)


class Next(_Targeted):
    command: Literal["next", "previous"]


class Pin(_Targeted):
    """Hold a page (by title or 0-based index) on the target screens."""

    command: Literal["pin"]
    page: Annotated[str, Field(min_length=1, max_length=200)] | Annotated[int, Field(ge=0)]


class Unpin(_Targeted):
    command: Literal["unpin"]


class Blank(_Targeted):
    """blank: the screen goes black until woken; wake: back to its page (and its hours)."""

    command: Literal["blank", "wake"]


class Identify(_Targeted):
    command: Literal["identify"]
    seconds: float = Field(default=60.0, ge=1.0, le=3600.0)


class Screenshot(_Command):
    command: Literal["screenshot"]
    screen: Target
    width: int | None = Field(
        default=None,
        ge=16,
        le=7680,
        description="Scaled down to this many pixels wide (a phone's thumbnail); never enlarged.",
    )


class Status(_Command):
    command: Literal["status"]


LONGEST_CAST = 4 * HOUR


class CastPage(_Command):
    """A page of the layout, by its screen and title."""

    screen: Target
    title: str = Field(min_length=1, max_length=200)


class CastPost(_Command):
    """A post from a mention stream, by its id (as the post wall and ticker have it)."""

    id: str = Field(min_length=1, max_length=200)
    source: str | None = Field(
        default=None, max_length=64, description="The source whose mentions hold it; default: any."
    )


class Cast(_Targeted):
    """Put a page, one widget, or one post on the target screens for ``duration``, then back
    to where the rotation is. A takeover (and an emergency) still outranks it."""

    command: Literal["cast"]
    duration: Duration = Field(ge=1.0, le=LONGEST_CAST, description="e.g. 5m; 4h at most.")
    page: CastPage | None = None
    widget: dict[str, Any] | None = Field(
        default=None,
        description="A widget as the layout writes one (type, data, title, ...); it fills the "
        "screen, so at: is not needed.",
    )
    post: CastPost | None = None

    @model_validator(mode="after")
    def _one_thing(self) -> Cast:
        given = [name for name in ("page", "widget", "post") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of page, widget, post (got {len(given)})")
        return self


class Emergency(_Targeted):
    """A full-screen red message over everything on the target screens, until ended."""

    command: Literal["emergency"]
    headline: str = Field(min_length=1, max_length=120)
    body: str = Field(default="", max_length=600)


class EndEmergency(_Command):
    command: Literal["end_emergency"]


class Reload(_Command):
    """Read the layout file now; a broken file keeps the running layout."""

    command: Literal["reload"]


PostId = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")]


class Decide(_Command):
    """approve / reject: a post waiting for the public screens (moderation.approval); hide: off
    every screen, public or not, from now on and after a restart."""

    command: Literal["approve", "reject", "hide"]
    id: PostId = Field(description="The post's id, as GET /v1/moderation lists it.")


Command = Annotated[
    Message
    | EndMessage
    | Next
    | Pin
    | Unpin
    | Blank
    | Identify
    | Screenshot
    | Status
    | Cast
    | Emergency
    | EndEmergency
    | Reload
    | Decide,
    Field(discriminator="command"),
]
_COMMAND: TypeAdapter[Command] = TypeAdapter(Command)

VIEW_COMMANDS = frozenset({"screenshot", "status", "metrics"})
ADMIN_COMMANDS = frozenset({"emergency", "end_emergency", "reload"})


def scope_of(command: str) -> Scope:
    """The scope a token needs to send ``command``."""
    if command in ADMIN_COMMANDS:
        return "admin"
    return "view" if command in VIEW_COMMANDS else "operate"


@dataclass(frozen=True)
class ScreenEntry:
    """What commands need to know of one layout screen (or span)."""

    name: str
    groups: frozenset[str]
    pages: tuple[str, ...]


@dataclass(frozen=True)
class Directory:
    """The layout's screens and groups, as a command sees them."""

    screens: tuple[ScreenEntry, ...]
    # What a cast's widget may use: the layout's folder and files: allow: (for image paths),
    # and the streams the hub carries. None: the widget's paths resolve against the cwd.
    base: Path | None = None
    allowed: tuple[Path, ...] = ()
    streams: Mapping[str, Kind] = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def of(cls, parts: Iterable[Any]) -> Directory:
        """From the layout's screens and spans (anything with name, groups and pages)."""
        return cls(
            tuple(
                ScreenEntry(p.name, frozenset(p.groups), tuple(page.title for page in p.pages))
                for p in parts
            )
        )

    @property
    def groups(self) -> set[str]:
        return {group for entry in self.screens for group in entry.groups}

    def entry(self, name: str) -> ScreenEntry | None:
        return next((entry for entry in self.screens if entry.name == name), None)


@dataclass(frozen=True)
class Issue:
    """One thing wrong with a command: where (field path) and what."""

    path: tuple[str | int, ...]
    message: str

    def as_json(self) -> dict[str, Any]:
        return {"path": list(self.path), "message": self.message}

    def __str__(self) -> str:
        where = ".".join(str(part) for part in self.path) or "(command)"
        return f"{where}: {self.message}"


class NotShownError(LookupError):
    """The screen is in the layout but on no monitor now: nothing to grab."""


class UnknownPostError(LookupError):
    """No post with that id in the moderation queue or any mention stream (404)."""


class DecisionConflictError(ValueError):
    """The post is known, but the decision cannot be made (approval off, a rejected post
    approved, one the layout's rules block): 409."""


class UnavailableError(LookupError):
    """The wall cannot do this now (e.g. reload without a layout file); nothing changed."""


class CommandError(ValueError):
    """A command that was refused; nothing was changed. ``issues`` says every reason."""

    def __init__(self, issues: Sequence[Issue], summary: str | None = None) -> None:
        self.issues = list(issues)
        super().__init__(summary or "; ".join(map(str, self.issues)))


@dataclass(frozen=True)
class Validated:
    """A command with its targets resolved to layout screen names, in layout order."""

    command: Command
    screens: tuple[str, ...]
    widget: WidgetOptions | None = None  # a cast's widget, validated against the layout


def validate(data: object, directory: Directory) -> Validated:
    """Check ``data`` (decoded JSON) as a command against the layout, once.

    Raises:
        CommandError: every problem, each with its field path; nothing was changed.
    """
    try:
        command = _COMMAND.validate_python(data)
    except ValidationError as error:
        tag = data.get("command") if isinstance(data, dict) else None
        raise CommandError(
            [Issue(_path(e["loc"], tag), e["msg"]) for e in error.errors(include_url=False)]
        ) from None
    issues: list[Issue] = []
    screens: tuple[str, ...] = ()
    if isinstance(command, _Targeted):
        screens = _resolve(command.to, directory, issues)
    elif isinstance(command, Screenshot):
        if directory.entry(command.screen) is None:
            issues.append(Issue(("screen",), _unknown(command.screen, directory, groups=False)))
        screens = (command.screen,)
    if isinstance(command, Pin) and not issues:
        issues += _check_page(command.page, screens, directory)
    widget = None
    if isinstance(command, Cast) and command.page is not None:
        cast_page = command.page
        if directory.entry(cast_page.screen) is None:
            unknown = _unknown(cast_page.screen, directory, groups=False)
            issues.append(Issue(("page", "screen"), unknown))
        else:
            issues += _check_page(cast_page.title, [cast_page.screen], directory, ("page", "title"))
    if isinstance(command, Cast) and command.widget is not None:
        widget, found = check_widget_spec(
            command.widget,
            base=directory.base or Path.cwd(),
            allowed=directory.allowed,
            streams=directory.streams,
        )
        issues += [Issue(("widget", *path), message) for path, message in found]
    if isinstance(command, Message) and command.until is not None:
        now = datetime.datetime.now(datetime.UTC)
        if not 1.0 <= command.seconds(now) <= DAY:
            issues.append(Issue(("until",), "must be between 1 s and 24 h from now"))
    if issues:
        raise CommandError(issues)
    return Validated(command, screens, widget)


def _path(loc: tuple[str | int, ...], tag: object) -> tuple[str | int, ...]:
    """Pydantic puts the union's tag first (``message.headline``); the client wrote
    ``headline``."""
    return loc[1:] if loc and loc[0] == tag else loc


def _resolve(to: Sequence[str], directory: Directory, issues: list[Issue]) -> tuple[str, ...]:
    wanted: set[str] = set()
    groups = directory.groups
    for i, target in enumerate(to):
        if target == ALL:
            wanted.update(entry.name for entry in directory.screens)
        elif directory.entry(target) is not None:
            wanted.add(target)
        elif target in groups:
            wanted.update(e.name for e in directory.screens if target in e.groups)
        else:
            issues.append(Issue(("to", i), _unknown(target, directory, groups=True)))
    return tuple(entry.name for entry in directory.screens if entry.name in wanted)


def _unknown(target: str, directory: Directory, *, groups: bool) -> str:
    names = [entry.name for entry in directory.screens]
    known = [*names, *sorted(directory.groups), ALL] if groups else names
    close = difflib.get_close_matches(target, known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    kind = "screen or group" if groups else "screen"
    return f"no {kind} {target!r}{hint} (known: {', '.join(known)})"[:400]


def _check_page(
    page: str | int,
    screens: Sequence[str],
    directory: Directory,
    where: tuple[str, ...] = ("page",),
) -> list[Issue]:
    issues = []
    for name in screens:
        entry = directory.entry(name)
        assert entry is not None
        if isinstance(page, int) and page >= len(entry.pages):
            issues.append(Issue(where, f"screen {name} has {len(entry.pages)} pages"))
        elif isinstance(page, str) and page not in entry.pages:
            titles = ", ".join(repr(title) for title in entry.pages)
            issues.append(Issue(where, f"screen {name} has no page {page!r} ({titles})"[:400]))
    return issues


def page_index(page: str | int, titles: Sequence[str]) -> int:
    """The index of a validated :class:`Pin` page among ``titles``."""
    return page if isinstance(page, int) else list(titles).index(page)
