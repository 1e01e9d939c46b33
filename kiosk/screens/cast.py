"""What staff put over the rotation: casts (a page, one widget or one post, for a while) and the
emergency (a full-screen red message over everything, until ended).

Who outranks whom, on one screen: emergency > takeover > cast > rotation. A cast never hides a
takeover: it waits under it (kiosk.screens.window) and shows again if the takeover clears before
the cast ends. Messages are laid over takeovers, casts and rotation, but not over an emergency.

Like messages, casts and the emergency are kept here, not on the windows: a window rebuilt after
a re-plug or a layout edit gets them back at the next check.
"""

from __future__ import annotations

import itertools
import logging
import time
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

from kiosk.config import Page, Screen
from kiosk.config.layout import Grid, Span
from kiosk.config.widgets import WidgetOptions
from kiosk.control.commands import Cast, CommandError, Emergency, Issue
from kiosk.screens.cast_views import EmergencyCard, PostCard
from kiosk.screens.page import PageView
from kiosk.screens.wall import Wall
from kiosk.screens.window import IdentifyWindow, ScreenWindow
from kiosk.values import Kind, Mention

log = logging.getLogger(__name__)

CHECK_MS = 1000  # a re-bound window gets its cast or emergency back within a second


@dataclass
class ActiveCast:
    id: str
    cast: Cast
    screens: tuple[str, ...]
    ends: float  # monotonic
    widget: WidgetOptions | None = None
    post: Mention | None = None
    source: str = ""  # the post's source, whose figures the card shows


@dataclass
class ActiveEmergency:
    emergency: Emergency
    screens: tuple[str, ...]
    since: float  # epoch seconds


class Overrides:
    """Casts and the emergency of one wall, applied to its windows."""

    def __init__(self, wall: Wall) -> None:
        self.wall = wall
        self.casts: dict[str, ActiveCast] = {}
        self.emergency: ActiveEmergency | None = None
        self.cards: dict[str, EmergencyCard] = {}  # window name → its card
        self._ids = itertools.count(1)
        self._timer = QTimer()
        self._timer.setInterval(CHECK_MS)
        self._timer.timeout.connect(self.refresh)
        self._end = QTimer()  # the next cast's end, to the millisecond
        self._end.setSingleShot(True)
        self._end.timeout.connect(self.refresh)

    # -- casts -------------------------------------------------------------------------------

    def start_cast(
        self,
        cast: Cast,
        screens: tuple[str, ...],
        widget: WidgetOptions | None,
        *,
        cast_id: str = "",
        post: tuple[Mention, str] | None = None,
    ) -> str:
        """Put ``cast`` on ``screens``; returns its id. Raises CommandError for an unknown post
        or one moderation hides on a public target screen (nothing changed).

        ``cast_id`` and ``post`` (the post and its source): a cast brought back after a
        restart, whose post may be gone from the streams by now.
        """
        active = ActiveCast("", cast, screens, time.monotonic() + cast.duration, widget)
        if post is not None:
            self._check_public(post[0], screens)
            active.post, active.source = post
        elif cast.post is not None:
            active.post, active.source = self._find_post(cast, screens)
        active.id = cast_id or f"c{next(self._ids)}"
        self.casts[active.id] = active
        log.info("cast %s on %s for %g s", active.id, ", ".join(screens), cast.duration)
        self.refresh()
        return active.id

    def continue_ids(self) -> None:
        """Number new casts after the ones brought back."""
        numbers = [int(key[1:]) for key in self.casts if key[1:].isdigit()]
        self._ids = itertools.count(max(numbers, default=0) + 1)

    def end_cast(self, cast_id: str) -> bool:
        ended = self.casts.pop(cast_id, None) is not None
        self.refresh()
        return ended

    def withdraw(self, post_id: str, *, public_only: bool) -> None:
        """End casts of a post moderation has now taken off (``public_only``: rejected, so
        only casts with a public target screen end; hidden: every one)."""
        parts: list[Screen | Span] = [*self.wall.layout.screens, *self.wall.layout.spans]
        public = {p.name for p in parts if p.public}
        for cast_id, active in list(self.casts.items()):
            if active.post is None or active.post.id != post_id:
                continue
            if not public_only or public & set(active.screens):
                log.info("cast %s ended: its post was taken off by moderation", cast_id)
                del self.casts[cast_id]
        self.refresh()

    def cast_for(self, screen: str) -> ActiveCast | None:
        """The newest cast in force on a layout screen."""
        now = time.monotonic()
        mine = [c for c in self.casts.values() if screen in c.screens and c.ends > now]
        return mine[-1] if mine else None

    def _find_post(self, cast: Cast, screens: tuple[str, ...]) -> tuple[Mention, str]:
        assert cast.post is not None
        hub = self.wall.hub
        wanted = cast.post
        names = [
            name
            for name in hub.names()
            if hub.kind(name) is Kind.MENTIONS
            and (wanted.source is None or name.split(".", 1)[0] == wanted.source)
        ]
        for name in names:
            sample = hub.sample(name)
            for mention in reversed(sample.value if sample is not None else ()):
                if isinstance(mention, Mention) and mention.id == wanted.id:
                    self._check_public(mention, screens)
                    return mention, name.split(".", 1)[0]
        where = f"source {wanted.source!r}" if wanted.source else "any mention stream"
        raise CommandError(
            [Issue(("post", "id"), f"no post {wanted.id!r} among the recent posts of {where}")]
        )

    def _check_public(self, mention: Mention, screens: tuple[str, ...]) -> None:
        """A public screen shows no post its moderation hides, cast or not."""
        parts: list[Screen | Span] = [*self.wall.layout.screens, *self.wall.layout.spans]
        public = [p.name for p in parts if p.name in screens and p.public]
        if not public:
            return
        reason = self.wall.moderator.reason(mention)
        if reason is not None:
            raise CommandError(
                [Issue(("post", "id"), f"public screens {', '.join(public)} hide it: {reason}")]
            )
        if not self.wall.approvals.approved(mention):
            raise CommandError(
                [
                    Issue(
                        ("post", "id"),
                        f"public screens {', '.join(public)} show approved posts only: approve "
                        f"it first (kiosk ctl approve {mention.id})",
                    )
                ]
            )

    def _view(self, active: ActiveCast, window: ScreenWindow) -> QWidget | None:
        style, hub = window.wall_style, self.wall.hub
        cast = active.cast
        page: Page | None = None
        if cast.page is not None:
            parts: list[Screen | Span] = [*self.wall.layout.screens, *self.wall.layout.spans]
            screen = next((p for p in parts if p.name == cast.page.screen), None)
            pages = screen.pages if screen is not None else []
            page = next((p for p in pages if p.title == cast.page.title), None)
            if page is None:  # the layout was edited since: nothing to show
                log.warning("cast %s: page %r is gone", active.id, cast.page.title)
                return None
        elif active.widget is not None:
            page = Page.model_construct(
                title=active.widget.title or "",
                grid=Grid(columns=1, rows=1, gap=0),
                widgets=[active.widget],
            )
        if page is not None:
            public = window.screen_config.public
            return PageView(page, hub, style, (0, 1), public=public, moderator=window.moderator)
        assert active.post is not None
        return PostCard(active.post, active.source, hub, style)

    # -- emergency ---------------------------------------------------------------------------

    def start_emergency(self, emergency: Emergency, screens: tuple[str, ...]) -> None:
        """Show ``emergency`` on ``screens``, replacing one in force."""
        self.emergency = ActiveEmergency(emergency, screens, time.time())
        log.warning("emergency on %s: %s", ", ".join(screens), emergency.headline)
        self.refresh()

    def end_emergency(self) -> bool:
        ended = self.emergency is not None
        self.emergency = None
        if ended:
            log.warning("emergency ended")
        self.refresh()
        return ended

    def in_emergency(self, screen: str) -> bool:
        return self.emergency is not None and screen in self.emergency.screens

    # -- applying ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Drop ended casts; put each window's cast and emergency on it (or take them off)."""
        now = time.monotonic()
        for cast_id in [i for i, c in self.casts.items() if c.ends <= now]:
            log.info("cast %s ended", cast_id)
            del self.casts[cast_id]
        if self.casts:
            soonest = min(c.ends for c in self.casts.values())
            self._end.start(max(0, round((soonest - now) * 1000)) + 1)
        else:
            self._end.stop()
        if self.casts or self.emergency is not None:
            self._timer.start()
        else:
            self._timer.stop()
        urgent = set(self.emergency.screens) if self.emergency else set()
        if urgent != self.wall.emergency:
            self.wall.emergency = urgent
            self.wall.check_schedules()  # an emergency wakes a screen out of hours, or blanked
        for name, window in self.wall.screen_windows.items():
            screen = name.split("#", 1)[0]
            self._apply_cast(window, self.cast_for(screen))
            self._apply_emergency(name, window, self.in_emergency(screen))
        # An emergency for the whole wall is on every TV, unclaimed ones too (an identify page
        # or a black monitor must not be the one screen that tells nobody to leave).
        everywhere = self.emergency is not None and {
            screen.name for screen in self.wall.layout.screens
        } <= set(self.emergency.screens)
        unclaimed = {f"unclaimed:{id(window)}": window for window in self.wall.identify_windows}
        for name, identify in unclaimed.items():
            self._apply_emergency(name, identify, everywhere)
        for name in [n for n in self.cards if n not in self.wall.screen_windows]:
            if name not in unclaimed:
                del self.cards[name]

    def _apply_cast(self, window: ScreenWindow, active: ActiveCast | None) -> None:
        showing = window.cast[0] if window.cast is not None else None
        if active is None:
            window.end_cast()
        elif showing != active.id:
            view = self._view(active, window)
            if view is None:
                window.end_cast()
            else:
                window.show_cast(active.id, view)

    def _apply_emergency(
        self, name: str, window: ScreenWindow | IdentifyWindow, shown: bool
    ) -> None:
        card = self.cards.get(name)
        if card is not None and not shiboken6.isValid(card):
            del self.cards[name]  # its window was closed (an unplug, an edit)
            card = None
        if not shown or self.emergency is None:
            if card is not None:
                card.hide()
            return
        if card is None or card.parent() is not window:
            card = self.cards[name] = EmergencyCard(window, window.wall_style)
        card.show_emergency(self.emergency.emergency.headline, self.emergency.emergency.body)
        card.setGeometry(window.rect())
        card.show()
        card.raise_()

    def status_of(self, screen: str) -> dict[str, Any]:
        """What a layout screen shows of these, for ``status``."""
        active = self.cast_for(screen)
        cast = None
        if active is not None:
            what = "page" if active.cast.page else "widget" if active.cast.widget else "post"
            cast = {
                "id": active.id,
                "what": what,
                "ends_in_s": round(max(0.0, active.ends - time.monotonic()), 1),
            }
        return {"cast": cast, "emergency": self.in_emergency(screen)}

    def close(self) -> None:
        self._timer.stop()
        self._end.stop()
        self.casts.clear()
        self.emergency = None
        self.refresh()
