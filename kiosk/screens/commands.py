"""Applies staff commands (kiosk.control.commands) to the wall's windows, on the UI thread.

The HTTP API validates a command against :meth:`WallCommands.directory` and hands it here; the
wall changes only in this class's methods, so every command is applied the same way whoever sent
it. Messages are kept here, not on the windows: a window rebuilt after a re-plug or a layout edit
gets the message back at the next check.
"""

from __future__ import annotations

import datetime
import itertools
import logging
import math
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import psutil
import shiboken6
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, QRect, Qt, QTimer
from PySide6.QtGui import QImage, QPainter

from kiosk.config.control import Control
from kiosk.config.layout import Span
from kiosk.control.api import ControlServer
from kiosk.control.audit import AuditLog
from kiosk.control.commands import (
    TONE_RANK,
    Blank,
    Cast,
    CommandError,
    Decide,
    Directory,
    Emergency,
    EndEmergency,
    EndMessage,
    Identify,
    Issue,
    Message,
    Next,
    NotShownError,
    Pin,
    Reload,
    Screenshot,
    Status,
    UnavailableError,
    Unpin,
    Validated,
    page_index,
    validate,
)
from kiosk.control.figures import WallFigures
from kiosk.control.moderation_queue import DECISIONS
from kiosk.control.pushed import PushedStore, post_as_json, post_from_json
from kiosk.reload import LayoutReloader
from kiosk.screens.cast import Overrides
from kiosk.screens.message import MessageCard
from kiosk.screens.page import PageView
from kiosk.screens.wall import Wall
from kiosk.screens.window import ScreenWindow
from kiosk.session import UNCLEAN_STARTS_ENV

log = logging.getLogger(__name__)

MESSAGE_CHECK_MS = 1000  # a re-bound window gets its message back within a second
FRAME_WINDOW_S = 60.0  # /metrics: ticker frame intervals over the last minute


@dataclass
class ActiveMessage:
    id: str
    message: Message
    screens: tuple[str, ...]
    started: float  # monotonic, orders messages of the same tone
    ends: float  # monotonic


class FleetData(Protocol):
    """The fleet as a wall box sees it over MQTT (kiosk.fleet.remote.RemoteData)."""

    def fleet_view(self) -> dict[str, Any]: ...
    def want_thumbnails(self) -> None: ...
    def thumbnail(self, box: str, screen: str) -> bytes | None: ...


class WallCommands:
    """The wall's side of the command model: validated commands in, the wall changed."""

    def __init__(
        self,
        wall: Wall,
        *,
        reloader: LayoutReloader | None = None,
        layout_path: Path | None = None,
        pushed: PushedStore | None = None,
    ) -> None:
        self.wall = wall
        self.pushed = pushed or PushedStore(None)  # what is in force, kept for a restart
        self.reloader = reloader
        self.layout_path = layout_path or (reloader.path if reloader is not None else None)
        self.overrides = Overrides(wall)  # casts and the emergency
        self.started = time.time()
        self.messages: dict[str, ActiveMessage] = {}
        # Every box of the site (kiosk.fleet), when the wall's data comes over MQTT.
        self.fleet_data: FleetData | None = None
        self.cards: dict[str, MessageCard] = {}  # window name → its card
        self._ids = itertools.count(1)
        self._timer = QTimer()
        self._timer.setInterval(MESSAGE_CHECK_MS)
        self._timer.timeout.connect(self.refresh_messages)
        self._end = QTimer()  # the next message's end, to the millisecond
        self._end.setSingleShot(True)
        self._end.timeout.connect(self.refresh_messages)

    def directory(self) -> Directory:
        """The screens and groups commands may target, from the layout shown now."""
        plain = Directory.of([*self.wall.layout.screens, *self.wall.layout.spans])
        base = self.layout_path.resolve().parent if self.layout_path else Path.cwd()
        allowed = tuple((base / folder).resolve() for folder in self.wall.layout.files.allow)
        hub = self.wall.hub
        streams = {name: hub.kind(name) for name in hub.names()}
        return Directory(plain.screens, base=base, allowed=allowed, streams=streams)

    def windows(self, screen: str) -> list[ScreenWindow]:
        """The windows of a layout screen: one, or a span's panels; none when unplugged."""
        return [
            window
            for name, window in self.wall.screen_windows.items()
            if name.split("#", 1)[0] == screen
        ]

    def execute(self, validated: Validated) -> dict[str, Any]:
        """Apply a validated state-changing command; returns what it did, for the client."""
        command, screens = validated.command, validated.screens
        shown = [screen for screen in screens if self.windows(screen)]
        result: dict[str, Any] = {"screens": list(screens), "shown_on": shown}
        if isinstance(command, Message):
            result["id"] = self._start_message(command, screens)
        elif isinstance(command, EndMessage):
            result["ended"] = self.end_message(command.id)
        elif isinstance(command, Next):
            step = 1 if command.command == "next" else -1
            stepped: set[str] = set()
            for window in self._target_windows(screens):
                group = window.sync_group
                if window.pinned is not None:  # a pinned screen moves its pin
                    window.pin((window.pinned + step) % len(window.pages))
                elif group is None:
                    window.next_page(step)
                elif group not in stepped:  # screens in step stay in step: all of them move
                    stepped.add(group)
                    self.wall.step_group(group, step)
        elif isinstance(command, Pin):
            for window in self._target_windows(screens):
                titles = [page.title for page in window.screen_config.pages]
                window.pin(page_index(command.page, titles))
        elif isinstance(command, Unpin):
            for window in self._target_windows(screens):
                window.pin(None)
        elif isinstance(command, Blank):
            if command.command == "blank":
                self.wall.blanked.update(screens)
            else:
                self.wall.blanked.difference_update(screens)
            self.wall.check_schedules()
            self.refresh_messages()
        elif isinstance(command, Identify):
            self.wall.identify(command.seconds, only=set(screens))
        elif isinstance(command, Cast):
            result["id"] = self.overrides.start_cast(command, screens, validated.widget)
        elif isinstance(command, Emergency):
            self.overrides.start_emergency(command, screens)
            self.refresh_messages()  # an emergency hides messages; they come back after it
        elif isinstance(command, EndEmergency):
            result["ended"] = self.overrides.end_emergency()
            self.refresh_messages()
        elif isinstance(command, Reload):
            result.update(self._reload())
        else:
            raise TypeError(f"not a state-changing command: {command.command}")
        if isinstance(command, Message | EndMessage | Cast | Emergency | EndEmergency):
            self.keep()
        return result

    # -- kept across a restart ---------------------------------------------------------------

    def keep(self) -> None:
        """Write what is in force now (messages, casts, the emergency) for a restart."""
        now, monotonic = time.time(), time.monotonic()
        items: list[dict[str, Any]] = []
        for active in self.messages.values():
            until = datetime.datetime.fromtimestamp(now + active.ends - monotonic, datetime.UTC)
            command = active.message.model_dump(mode="json") | {
                "to": list(active.screens),
                "duration": None,
                "until": until.isoformat(),
            }
            items.append({"id": active.id, "command": command})
        for cast in self.overrides.casts.values():
            items.append(
                {
                    "id": cast.id,
                    "command": cast.cast.model_dump(mode="json") | {"to": list(cast.screens)},
                    "ends_at": now + cast.ends - monotonic,
                    "post": post_as_json(cast.post) if cast.post is not None else None,
                    "source": cast.source,
                }
            )
        if (emergency := self.overrides.emergency) is not None:
            command = emergency.emergency.model_dump(mode="json")
            items.append({"id": "emergency", "command": command | {"to": list(emergency.screens)}})
        self.pushed.save(items)

    def restore(self) -> int:
        """Bring back what was in force when the wall stopped; returns how many items. Each is
        validated against the layout shown now; one that no longer fits is logged and left."""
        restored, now = 0, time.time()
        for item in self.pushed.load():
            data, item_id = item.get("command"), str(item.get("id", ""))
            if not isinstance(data, dict):
                continue
            ends_at = item.get("ends_at")
            if isinstance(ends_at, int | float):
                if ends_at - now < 1:
                    continue  # its time ran out while the wall was down
                data = data | {"duration": ends_at - now}
            try:
                validated = validate(data, self.directory())
                command, screens = validated.command, validated.screens
                if isinstance(command, Message):
                    if command.seconds(datetime.datetime.now(datetime.UTC)) < 1:
                        continue
                    self._start_message(command, screens, message_id=item_id)
                elif isinstance(command, Cast):
                    post = post_from_json(item.get("post"))
                    self.overrides.start_cast(
                        command,
                        screens,
                        validated.widget,
                        cast_id=item_id,
                        post=(post, str(item.get("source", ""))) if post is not None else None,
                    )
                elif isinstance(command, Emergency):
                    self.overrides.start_emergency(command, screens)
                else:
                    continue
            except CommandError as error:
                log.warning(
                    "not brought back after the restart: %s %s: %s",
                    data.get("command"),
                    item_id,
                    error,
                )
                continue
            restored += 1
        self._ids = itertools.count(_next_number(self.messages))
        self.overrides.continue_ids()
        if restored:
            log.info("brought back %d messages, casts or emergencies after the restart", restored)
        self.refresh_messages()
        self.keep()
        return restored

    def _reload(self) -> dict[str, Any]:
        if self.reloader is None:
            raise UnavailableError("this wall was not started from a layout file: nothing to read")
        outcome = self.reloader.reload_now()
        if outcome.issues or not outcome.applied:
            found = sorted(outcome.issues, key=lambda i: (i.line, i.col))
            issues = [
                Issue((i.path or "(top)",), f"line {i.line}, column {i.col}: {i.message}")
                for i in found
            ] or [Issue((), outcome.reason)]
            raise CommandError(issues, summary=outcome.reason)
        self.refresh_messages()
        self.overrides.refresh()  # rebuilt windows get their cast and emergency back now
        return {"applied": True, "layout": str(self.reloader.path)}

    def _target_windows(self, screens: tuple[str, ...]) -> list[ScreenWindow]:
        return [window for screen in screens for window in self.windows(screen)]

    # -- messages ----------------------------------------------------------------------------

    def _start_message(
        self, message: Message, screens: tuple[str, ...], *, message_id: str = ""
    ) -> str:
        message_id = message_id or f"m{next(self._ids)}"
        now = time.monotonic()
        seconds = message.seconds(datetime.datetime.now(datetime.UTC))
        self.messages[message_id] = ActiveMessage(message_id, message, screens, now, now + seconds)
        self._timer.start()
        self.refresh_messages()
        return message_id

    def end_message(self, message_id: str) -> bool:
        """End a message early; False when no such message is in force."""
        ended = self.messages.pop(message_id, None) is not None
        self.refresh_messages()
        return ended

    def message_for(self, screen: str) -> ActiveMessage | None:
        """The message a layout screen shows: the most severe in force, then the newest."""
        now = time.monotonic()
        mine = [m for m in self.messages.values() if screen in m.screens and m.ends > now]
        return max(mine, key=lambda m: (TONE_RANK[m.message.tone], m.started), default=None)

    def refresh_messages(self) -> None:
        """Drop ended messages and put each window's message on it (or take it off)."""
        now = time.monotonic()
        for message_id in [i for i, m in self.messages.items() if m.ends <= now]:
            log.info("message %s ended", message_id)
            del self.messages[message_id]
        if self.messages:
            soonest = min(m.ends for m in self.messages.values())
            self._end.start(max(0, round((soonest - now) * 1000)) + 1)
        else:
            self._timer.stop()
            self._end.stop()
        for name, window in self.wall.screen_windows.items():
            base = name.split("#", 1)[0]
            active = self.message_for(base)
            card = self.cards.get(name)
            if card is not None and not shiboken6.isValid(card):
                del self.cards[name]  # its window was closed (an unplug, an edit)
                card = None
            if active is None or not window.awake or self.overrides.in_emergency(base):
                if card is not None:
                    card.hide()
                continue
            if card is None or card.parent() is not window:
                card = self.cards[name] = MessageCard(window, window.wall_style)
            text = active.message
            card.show_message(active.id, text.tone, text.headline, text.body)
            card.place(_below_banner(window))
            card.show()
        for name in [n for n in self.cards if n not in self.wall.screen_windows]:
            del self.cards[name]

    # -- what is on screen -------------------------------------------------------------------

    def screenshot(self, command: Screenshot) -> bytes:
        """One layout screen as PNG (a span's panels put together as on the wall)."""
        windows = self.windows(command.screen)
        if not windows:
            raise NotShownError(f"screen {command.screen} is not on any monitor now")
        if len(windows) == 1:
            return _png(windows[0].picture().toImage(), command.width)
        tile = windows[0].tile
        assert tile is not None
        span: Span = tile.span
        width, height = windows[0].width(), windows[0].height()
        image = QImage(width * span.columns, height * span.rows, QImage.Format.Format_RGB32)
        painter = QPainter(image)
        for window in windows:
            assert window.tile is not None
            painter.drawPixmap(
                QPoint(window.tile.column * width, window.tile.row * height), window.picture()
            )
        painter.end()
        return _png(image, command.width)

    def status(self, command: Status | None = None) -> dict[str, Any]:
        """Per screen: page shown, message, data ages; per source: state; the process."""
        hub = self.wall.hub
        now = hub.clock()
        screens = {}
        for name, window in self.wall.screen_windows.items():
            page = window.stack.currentWidget()
            active = self.message_for(name.split("#", 1)[0])
            screens[name] = {
                "monitor": window.monitor.connector if window.monitor else None,
                "page": page.page.title if isinstance(page, PageView) else None,
                "takeover": window.takeover[0] if window.takeover else None,
                "pinned": window.pinned is not None,
                "awake": window.awake,
                "blanked": name.split("#", 1)[0] in self.wall.blanked,
                "message": _message_json(active) if active else None,
                **self.overrides.status_of(name.split("#", 1)[0]),
                "frame_interval_p99_ms": _ms(self._frame_interval_p99([window])),
                "widgets": [
                    {
                        "stream": widget.stream.name if widget.stream else None,
                        "age_s": round(now - widget.sample.at, 1) if widget.sample else None,
                    }
                    for widget in window.current_widgets()
                ],
            }
        sources = {}
        last_ok = self._last_ok()
        for name, confirmed in last_ok.items():
            state = hub.status(name)
            sources[name] = {
                "state": state.state.value,
                "since": _iso(state.since),
                "last_ok": _iso(confirmed) if confirmed is not None else None,
                "last_error": state.detail or None,
            }
        process = psutil.Process()
        return {
            "screens": screens,
            "not_shown": [s.name for s in self.directory().screens if not self.windows(s.name)],
            "messages": [_message_json(m) for m in self.messages.values()],
            "sources": sources,
            "process": {
                "pid": process.pid,
                "uptime_s": round(time.time() - process.create_time(), 1),
                "rss_mb": round(process.memory_info().rss / 2**20, 1),
                "unclean_starts": _unclean_starts(),
            },
            **({"fleet": self.fleet_data.fleet_view()} if self.fleet_data is not None else {}),
        }

    def fleet(self) -> dict[str, Any] | None:
        """Every box of the site with its thumbnails' ages; None when this wall is no fleet's."""
        if self.fleet_data is None:
            return None
        self.fleet_data.want_thumbnails()
        return self.fleet_data.fleet_view()

    def fleet_thumbnail(self, box: str, screen: str) -> bytes | None:
        """The last JPEG of ``screen`` on ``box``, if one came."""
        return self.fleet_data.thumbnail(box, screen) if self.fleet_data is not None else None

    def figures(self) -> WallFigures:
        """What ``/metrics`` reports, measured now."""
        hub = self.wall.hub
        now = hub.clock()
        last_ok = self._last_ok()
        ages = {name: None if at is None else max(0.0, now - at) for name, at in last_ok.items()}
        ok = {name: hub.status(name).state.value == "ok" for name in last_ok}
        return WallFigures(
            screens={s.name: bool(self.windows(s.name)) for s in self.directory().screens},
            data_age=ages,
            source_ok=ok,
            frame_interval_p99=self._frame_interval_p99(),
            uptime=time.time() - psutil.Process().create_time(),
            unclean_starts=_unclean_starts(),
        )

    def _last_ok(self) -> dict[str, float | None]:
        """Per source, when it last confirmed its data (a source that does not confirm: its
        newest value), for status and /metrics alike."""
        hub = self.wall.hub
        snapshot = hub.snapshot()
        last: dict[str, float | None] = {}
        for name in self.wall.layout.sources:
            confirmed = hub.confirmed(name)
            if confirmed is None:
                times = [s.at for n, s in snapshot.items() if n.startswith(f"{name}.")]
                confirmed = max(times, default=None)
            last[name] = confirmed
        return last

    def _frame_interval_p99(self, windows: Iterable[ScreenWindow] | None = None) -> float | None:
        """From the tickers' own frame stamps (the last 2000 each): cheap enough per scrape."""
        since = time.monotonic() - FRAME_WINDOW_S
        gaps: list[float] = []
        for window in self.wall.screen_windows.values() if windows is None else windows:
            for widget in window.current_widgets():
                stamps = getattr(widget, "frame_times", None)
                if stamps is None:
                    continue
                recent = [t for t in stamps if math.isnan(t) or t >= since]
                # A NaN marks a hidden stretch: no interval spans it.
                gaps += [b - a for a, b in itertools.pairwise(recent) if not math.isnan(b - a)]
        return float(np.percentile(gaps, 99)) if gaps else None

    # -- moderation (kiosk ctl queue / approve / reject / hide) -------------------------------

    def moderation(self) -> dict[str, Any]:
        """The posts waiting for a person, and the recent decisions."""
        return self.wall.approvals.snapshot()

    def decide(self, command: Decide, by: str) -> dict[str, Any]:
        """Approve, reject or hide a post; a rejected post leaves the moderated widgets now,
        a hidden one every widget. Raises UnknownPostError, DecisionConflictError."""
        state = DECISIONS[command.command]
        entry = self.wall.approvals.decide(command.id, state, by)
        if state != "approved":
            for window in self.wall.screen_windows.values():
                views = [*window.pages, *([window.takeover[1]] if window.takeover else [])]
                if window.cast is not None and isinstance(window.cast[1], PageView):
                    views.append(window.cast[1])  # a cast page or widget
                for widget in (w for view in views for w in view.widgets):
                    if state == "hidden" or widget.moderated:
                        widget.withdraw(command.id)
            self.overrides.withdraw(command.id, public_only=state != "hidden")
            self.keep()
        return {"id": command.id, "state": entry.state, "post": entry.as_json()["post"]}

    def close(self) -> None:
        self._timer.stop()
        self._end.stop()
        self.messages.clear()
        self.refresh_messages()
        self.overrides.close()


def _next_number(kept: Iterable[str]) -> int:
    """The first number after the ids (``m12``, ``c3``) already in use."""
    numbers = [int(key[1:]) for key in kept if key[1:].isdigit()]
    return max(numbers, default=0) + 1


def _below_banner(window: ScreenWindow) -> QRect:
    """The window's area less a takeover's banner, so a message never hides it."""
    area = window.rect()
    if window.takeover is not None and window.takeover[1].banner is not None:
        banner = window.takeover[1].banner
        bottom = banner.mapTo(window, QPoint(0, banner.height())).y()
        area.setTop(max(area.top(), bottom))
    return area


def _message_json(active: ActiveMessage) -> dict[str, Any]:
    left = max(0.0, active.ends - time.monotonic())
    return {
        "id": active.id,
        "headline": active.message.headline,
        "tone": active.message.tone,
        "screens": list(active.screens),
        "ends_in_s": round(left, 1),
    }


def _unclean_starts() -> int | None:
    """Unclean ends in the last minutes, as `kiosk session` counted them at this start."""
    unclean = os.environ.get(UNCLEAN_STARTS_ENV, "")
    return int(unclean) if unclean.isdigit() else None


def _ms(seconds: float | None) -> float | None:
    return round(seconds * 1000, 1) if seconds is not None else None


def _iso(epoch: float) -> str:
    return datetime.datetime.fromtimestamp(epoch, datetime.UTC).isoformat(timespec="seconds")


def _png(image: QImage, width: int | None = None) -> bytes:
    """``image`` as PNG, scaled down to ``width`` when it is wider (thumbnails for phones)."""
    if width is not None and width < image.width():
        image = image.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    # PySide6 6.11 types the format as bytes, but only str works at run time.
    image.save(buffer, "PNG")  # type: ignore[call-overload]
    buffer.close()
    return bytes(data.data())


async def serve_commands(
    wall: Wall,
    config: Control,
    audit: AuditLog | None = None,
    *,
    port: int | None = None,
    reloader: LayoutReloader | None = None,
    layout_path: Path | None = None,
    pushed: PushedStore | None = None,
) -> tuple[WallCommands, ControlServer | None]:
    """The wall's command side and its HTTP API, listening (None when off or the port is taken:
    the wall runs on without it, and says so in the log). With ``pushed``, what was in force
    before a restart comes back first."""
    commands = WallCommands(wall, reloader=reloader, layout_path=layout_path, pushed=pushed)
    commands.restore()
    if not config.enabled:
        return commands, None
    server = ControlServer(config, commands, audit or AuditLog.in_cache_dir(), port=port)
    try:
        await server.start()
    except OSError as error:
        log.error(
            "control API: cannot listen on %s: %s; the wall runs without it", server.url, error
        )
        return commands, None
    return commands, server
