"""The wall: one window per monitor, bound by the layout's match rules, re-bound on hot-plug."""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QScreen

from kiosk.analytics.moderation import Moderator
from kiosk.config import Layout, Screen
from kiosk.config.layout import sync_group, this_box, tiles
from kiosk.control.moderation_queue import ModerationQueue
from kiosk.control.wall_state import IDENTIFY_SECONDS, StatePublisher
from kiosk.fleet.sync import SharedSchedule, Step
from kiosk.hub import Hub
from kiosk.screens.identify import IdentifyCard
from kiosk.screens.matching import Assignment, Monitor, assign
from kiosk.screens.monitors import current_screens
from kiosk.screens.schedule import DisplayPower, is_on
from kiosk.screens.takeover import TakeoverRule
from kiosk.screens.window import IdentifyWindow, ScreenWindow, Tile, WallWindow
from kiosk.widgets.theme import Style

log = logging.getLogger(__name__)

REBIND_DELAY_MS = 250  # a re-seated cable fires several screen events in a burst; bind once
TAKEOVER_CHECK_MS = 500  # a takeover starts within half a second of its alert
SCHEDULE_CHECK_MS = 15_000  # operating hours are minutes: a quarter-minute check is plenty
AUTO_APPROVE_CHECK_MS = 1000  # auto_after is minutes: a post goes up within a second of its time
# Over several boxes a takeover starts (and ends) this long after the data that fired it was
# made on the data node, on every box at once: more than the node's coalescing (250 ms), the
# broker's latency and the rules' half-second check together.
FLEET_TAKEOVER_LEAD = 1.0
EARLY = 0.005  # s: a timer that fires this little before its step has reached it


class Wall(QObject):
    """Owns every window of the wall.

    Args:
        layout: the validated layout.
        hub: where widgets read their streams.
        windowed: development mode: normal windows, and every layout screen gets one even when
            no monitor matches it (sized like the monitor it would have, or 1920×1080).
        state: told which connector shows which screen after every bind (``kiosk screens``).
        approvals: the queue public screens' posts wait in (moderation.approval); its decisions
            persist when it has a store. By default one in memory only.
    """

    def __init__(
        self,
        layout: Layout,
        hub: Hub,
        *,
        windowed: bool = False,
        state: StatePublisher | None = None,
        approvals: ModerationQueue | None = None,
    ) -> None:
        super().__init__()
        self.layout = layout
        self.hub = hub
        self.windowed = windowed
        self.state = state
        self.identify_cards: list[IdentifyCard] = []
        self.blanked: set[str] = set()  # layout screens staff blanked (kiosk ctl blank)
        self.emergency: set[str] = set()  # layout screens under an emergency: always awake
        self._identify_end = QTimer(self)
        self._identify_end.setSingleShot(True)
        self._identify_end.timeout.connect(self.end_identify)
        self.screen_windows: dict[str, ScreenWindow] = {}
        self.identify_windows: list[IdentifyWindow] = []
        self._reported_missing: set[str] = set()
        self._rebind = QTimer(self)
        self._rebind.setSingleShot(True)
        self._rebind.setInterval(REBIND_DELAY_MS)
        self._rebind.timeout.connect(self.bind)
        # One clock for every screen with rotation.sync: wall, so they flip in the same slot call:
        # nothing else runs in between (one thread), so they all show the same data.
        self._sync: dict[str, QTimer] = {}  # a clock per group: "wall", and one per span
        # Over several boxes (kiosk.fleet.sync): the groups' schedules shared with the other
        # boxes. None: this box alone sets the pace.
        self.shared: SharedSchedule | None = None
        self._takeover_due = QTimer(self)
        self._takeover_due.setSingleShot(True)
        self._takeover_due.setTimerType(Qt.TimerType.PreciseTimer)
        self._takeover_due.timeout.connect(self._apply_takeovers)
        self._expand(layout)
        self.takeovers = [TakeoverRule(config, hub) for config in layout.takeovers]
        self.moderator = Moderator(layout.moderation)  # one for the wall: "hide" hides everywhere
        self.approvals = approvals or ModerationQueue()
        self.approvals.configure(self.moderator, layout.moderation.approval)
        self.approvals.attach(hub)
        self._auto_approve = QTimer(self)  # moderation.approval {auto_after}: posts go up
        self._auto_approve.setInterval(AUTO_APPROVE_CHECK_MS)
        self._auto_approve.timeout.connect(self.approvals.release_due)
        self._auto_approve.start()
        self.display_power = DisplayPower()
        self._hours = QTimer(self)
        self._hours.setInterval(SCHEDULE_CHECK_MS)
        self._hours.timeout.connect(self.check_schedules)
        self._hours.start()
        self._rules = QTimer(self)
        self._rules.setInterval(TAKEOVER_CHECK_MS)
        self._rules.timeout.connect(self.check_takeovers)
        if self.takeovers:
            self._rules.start()
        app = QGuiApplication.instance()
        assert isinstance(app, QGuiApplication)
        app.screenAdded.connect(self._screens_changed)
        app.screenRemoved.connect(self._screens_changed)

    @property
    def windows(self) -> list[WallWindow]:
        return [*self.screen_windows.values(), *self.identify_windows]

    def bind(self) -> Assignment:
        """Match monitors to layout screens and put every window where it belongs."""
        live = current_screens()
        qscreens = {monitor: screen for monitor, screen in live}
        assignment = assign(self._configs, [monitor for monitor, _ in live])
        for config in self._configs:
            monitor = assignment.bound.get(config.name)
            if monitor is None and self.windowed:
                monitor = Monitor(index=-1, connector=f"window:{config.name}")
            if monitor is None:
                self._drop_screen(config.name)
                if config.name not in self._reported_missing:
                    self._reported_missing.add(config.name)
                    # "any monitor left over" with none left is how such a rule is meant to
                    # work (the safe layout has one per possible monitor): not a warning.
                    log.log(
                        logging.INFO if config.match.any else logging.WARNING,
                        "screen %s: no monitor matches %s",
                        config.name,
                        _rule(config.match),
                    )
                continue
            self._reported_missing.discard(config.name)
            self._show_screen(config.name, monitor, qscreens.get(monitor))
        self._show_identify(assignment.unmatched, qscreens)
        self._apply_takeovers()
        for group in self._groups():
            timer = self._sync.get(group)
            if timer is None or not timer.isActive():
                self._arm_sync(group)
        if self.state is not None:
            self.state.publish(
                {n: w.monitor.connector for n, w in self.screen_windows.items() if w.monitor},
                [monitor.connector for monitor in assignment.unmatched],
                [c.name for c in self._configs if c.name not in self.screen_windows],
            )
        return assignment

    # -- which TV is which (kiosk identify) ------------------------------------------------

    def identify(self, seconds: float = IDENTIFY_SECONDS, only: set[str] | None = None) -> None:
        """Lay an identify card over every window for ``seconds``: connector, screen, rule.

        ``only``: just the windows of these layout screens (a span's name: its panels).
        """
        self.end_identify()
        for window in self.windows:
            if window.monitor is None:
                continue
            if only is not None and (
                not isinstance(window, ScreenWindow)
                or window.screen_config.name.split("#", 1)[0] not in only
            ):
                continue
            config = window.screen_config if isinstance(window, ScreenWindow) else None
            style = Style.for_screen(
                self.layout.theme,
                window.width(),
                window.height(),
                locale=config.locale if config else None,
                timezone=config.timezone if config else None,
            )
            screen = config.name if config else None
            self.identify_cards.append(IdentifyCard(window, window.monitor, style, screen))
        log.info("identify cards on %d screens for %g s", len(self.identify_cards), seconds)
        self._identify_end.start(round(seconds * 1000))

    def end_identify(self) -> None:
        self._identify_end.stop()
        for card in self.identify_cards:
            if shiboken6.isValid(card):  # gone with its window if that closed (an unplug)
                card.hide()
                card.deleteLater()
        self.identify_cards.clear()

    # -- rotation in step ------------------------------------------------------------------

    def _expand(self, layout: Layout) -> None:
        """The screens to bind: the layout's, and one per panel of each span, but for those
        whose ``match: {box: …}`` names another box of the fleet."""
        made = tiles(layout)
        every = [*layout.screens, *(screen for screen, *_ in made)]
        self.box = this_box(layout)
        self._configs: list[Screen] = [c for c in every if c.match.box in (None, self.box)]
        # A group's pace is its first screen's in the layout, wherever that screen is: every
        # box of the fleet reads the same durations.
        self._pacing: dict[str, list[float]] = {}
        for config in every:
            group = sync_group(config)
            if group is not None and group not in self._pacing:
                self._pacing[group] = [page.duration for page in config.pages]
        if self.shared is not None:  # an edited layout's durations
            self.shared.pacing = self._pacing
        self._tiles: dict[str, Tile] = {}
        for screen, span, column, row in made:
            self._tiles[screen.name] = Tile(span, column, row)

    def _groups(self) -> dict[str, list[ScreenWindow]]:
        """Windows that flip together, by group, in layout order (the first sets the pace)."""
        order = {config.name: i for i, config in enumerate(self._configs)}
        groups: dict[str, list[ScreenWindow]] = {}
        for window in sorted(
            self.screen_windows.values(), key=lambda w: order.get(w.screen_config.name, 0)
        ):
            if window.sync_group is not None:
                groups.setdefault(window.sync_group, []).append(window)
        return groups

    def _arm_sync(self, group: str) -> None:
        windows = self._groups().get(group)
        timer = self._sync.get(group)
        if timer is None:
            timer = self._sync[group] = QTimer(self)
            timer.setSingleShot(True)
            timer.setTimerType(Qt.TimerType.PreciseTimer)  # a coarse timer may be 5 % late
            timer.timeout.connect(lambda: self._flip(group))
        if not windows:
            return
        if self.shared is None:
            timer.start(round(windows[0].page_duration * 1000))
            return
        timer.start(max(0, round((self.shared.due(group) - time.time()) * 1000)))

    def step_group(self, group: str, step: int) -> None:
        """Move every unpinned window of a group that flips together by ``step`` pages (staff
        said next or previous to one of them), and start the group's clock afresh."""
        if self.shared is not None:  # on every box of the fleet, a moment from now
            self.shared.move(group, step)
            self._reach(group)
            return
        for window in self._groups().get(group, []):
            if window.pinned is None:
                window.next_page(step)
        self._arm_sync(group)

    def _flip(self, group: str) -> None:
        if self.shared is not None:
            self._reach(group)
            return
        for window in self._groups().get(group, []):
            window.next_page()
        self._arm_sync(group)

    # -- one rotation over several boxes (kiosk.fleet.sync) ------------------------------------

    def share_rotation(self, share: Callable[[str, Step], None]) -> None:
        """Flip groups on a schedule shared with the other boxes of the fleet: ``share``
        publishes a new one; :meth:`follow_schedule` takes one another box published."""
        self.shared = SharedSchedule(self.box, share, self._pacing)
        for group in self._groups():
            self._arm_sync(group)

    def schedules(self) -> dict[str, Step]:
        """The schedule of every group with a screen on this box."""
        return self.shared.schedules(self._groups()) if self.shared is not None else {}

    def follow_schedule(self, group: str, step: Step) -> None:
        """Flip ``group`` on ``step``'s schedule from now on (shown at once if it has begun)."""
        if self.shared is not None and self.shared.follow(group, step) and group in self._groups():
            self._reach(group)

    def _reach(self, group: str) -> None:
        """Show the step under way now, and arm the group's timer for the next one."""
        assert self.shared is not None
        step = self.shared.reached(group, EARLY)
        if step is not None:
            for window in self._groups().get(group, []):
                window.show_step(step.step, step.at)
        self._arm_sync(group)

    # -- crisis takeover -------------------------------------------------------------------

    def check_takeovers(self) -> None:
        """Re-evaluate every takeover rule and put the winning one on the screens it names."""
        now = self.hub.clock()
        changed = [rule for rule in self.takeovers if rule.update(now)]
        if not changed:
            return
        if self.shared is None:
            self._apply_takeovers()
            return
        # Every box sees the same data with the node's timestamps: each starts (or ends) the
        # takeover at the same moment after it, not when its own check happened to run.
        due = max(rule.changed_at for rule in changed) + FLEET_TAKEOVER_LEAD
        self._takeover_due.start(max(0, round((due - time.time()) * 1000)))

    def _apply_takeovers(self) -> None:
        for name, window in self.screen_windows.items():
            base = name.split("#", 1)[0]  # a span's panels go with their span
            rule = next((r for r in self.takeovers if r.active and r.targets(base)), None)
            if rule is None:
                window.release()
            else:
                banner = rule.banner_for(window.wall_style.lang)
                window.take_over(rule.name, rule.config.page, banner)
        self.check_schedules()

    # -- operating hours -------------------------------------------------------------------

    def check_schedules(self, moment: datetime.datetime | None = None) -> None:
        """Wake or blank each screen by its schedule; a takeover may wake one out of hours."""
        moment = moment or datetime.datetime.now(datetime.UTC)
        for name, window in self.screen_windows.items():
            schedule = window.screen_config.schedule
            woken = window.takeover is not None and (schedule is None or schedule.wake_for_takeover)
            # Staff who blank a screen are in the room: that outranks its hours and a takeover.
            blanked = name.split("#", 1)[0] in self.blanked
            urgent = name.split("#", 1)[0] in self.emergency  # outranks hours and blank
            window.set_awake(((is_on(schedule, moment) or woken) and not blanked) or urgent)
        if self.screen_windows and all(
            window.screen_config.schedule is not None for window in self.screen_windows.values()
        ):  # DPMS sleeps every display at once: only when every screen is off
            self.display_power.set(any(window.awake for window in self.screen_windows.values()))

    def apply(self, layout: Layout, hub: Hub | None = None) -> None:
        """Switch to a new layout, rebuilding only the screens whose part changed.

        A screen whose configuration (and theme and hub) is unchanged keeps its window, so it
        does not blank while another screen's page is edited.
        """
        rebuild_all = (
            (hub is not None and hub is not self.hub)
            or layout.theme != self.layout.theme
            or layout.moderation != self.layout.moderation
            or layout.render != self.layout.render
        )
        if layout.moderation != self.layout.moderation:
            self.moderator = Moderator(layout.moderation)
            self.approvals.configure(self.moderator, layout.moderation.approval)
        if layout.takeovers != self.layout.takeovers or rebuild_all:
            self.takeovers = [TakeoverRule(config, hub or self.hub) for config in layout.takeovers]
            if self.takeovers:
                self._rules.start()
            else:
                self._rules.stop()
        new_tiles = {screen.name: (screen, span, c, r) for screen, span, c, r in tiles(layout)}
        new_configs = {screen.name: screen for screen in layout.screens}
        new_configs.update({name: tile[0] for name, tile in new_tiles.items()})
        for name, window in list(self.screen_windows.items()):
            tile = new_tiles.get(name)
            changed = new_configs.get(name) != window.screen_config or (
                tile is not None and window.tile != Tile(tile[1], tile[2], tile[3])
            )
            if rebuild_all or changed:
                self._drop_screen(name)
        self.layout = layout
        self._expand(layout)
        self.hub = hub or self.hub
        self.approvals.attach(self.hub)
        self._reported_missing.clear()
        self.bind()

    def show_notice(self, text: str) -> None:
        """A discreet line on every screen (e.g. why an edited layout was not applied)."""
        for window in self.screen_windows.values():
            window.show_notice(text)

    def close(self) -> None:
        """Close and delete every window (explicit teardown: nothing left for interpreter exit)."""
        self._rebind.stop()
        self.end_identify()
        for timer in self._sync.values():
            timer.stop()
        self._takeover_due.stop()
        self._rules.stop()
        self._hours.stop()
        self._auto_approve.stop()
        self.display_power.set(True)  # never leave the displays asleep behind us
        for window in self.windows:
            window.close()
            window.deleteLater()
        self.screen_windows.clear()
        self.identify_windows.clear()

    def _screens_changed(self, screen: QScreen) -> None:
        self._rebind.start()

    def _show_screen(self, name: str, monitor: Monitor, qscreen: QScreen | None) -> None:
        window = self.screen_windows.get(name)
        if window is not None and window.monitor is not None:
            same_place = window.monitor.identity == monitor.identity
            same_size = (window.monitor.width, window.monitor.height) == (
                monitor.width,
                monitor.height,
            )
            if same_place and same_size:
                return
            if not same_size:  # type is sized from the screen: rebuild for the new size
                self._drop_screen(name)
                window = None
        if window is None:
            config = next(s for s in self._configs if s.name == name)
            size = (monitor.width, monitor.height)
            window = ScreenWindow(
                config,
                self.hub,
                self.layout.theme,
                size,
                self.moderator,
                self._tiles.get(name),
                approvals=self.approvals,
                render=self.layout.render,
            )
            self.screen_windows[name] = window
            if not window.synced:  # flip apart from the screens already rotating on their own
                others = sum(not w.synced for w in self.screen_windows.values()) - 1
                window.stagger(stagger_for(window, others))
        log.info("screen %s on %s (%dx%d)", name, monitor.connector, monitor.width, monitor.height)
        window.show_on(monitor, qscreen, windowed=self.windowed)

    def _drop_screen(self, name: str) -> None:
        window = self.screen_windows.pop(name, None)
        if window is not None:
            window.close()
            window.deleteLater()

    def _show_identify(self, monitors: list[Monitor], qscreens: dict[Monitor, QScreen]) -> None:
        mode = self.layout.unclaimed
        # A developer's desktop is not the wall; "ignore" leaves such monitors to whoever uses them.
        wanted = [] if self.windowed or mode == "ignore" else monitors
        blank = mode == "black"
        kept = []
        for window in self.identify_windows:
            if window.monitor in wanted and window.blank == blank:
                kept.append(window)  # same monitor, same page: leave it alone
            else:
                window.close()
                window.deleteLater()
        shown = {window.monitor for window in kept}
        for monitor in wanted:
            if monitor in shown:
                continue
            window = IdentifyWindow(monitor, self.layout.theme, blank=blank)
            window.show_on(monitor, qscreens.get(monitor), windowed=False)
            kept.append(window)
            log.info(
                "monitor %s is not in the layout: %s",
                monitor.connector,
                "black (unclaimed: black)" if blank else "showing its identify page",
            )
        self.identify_windows = kept


STAGGER = 1.3  # seconds between the flips of screens that rotate on their own, at least


def stagger_for(window: ScreenWindow, others: int) -> float:
    """How much later than the rotation ``window`` flips, after ``others`` screens rotating on
    their own: never in the same instant as another (three 4K pages at once held the ticker for
    half a second), and further apart than a flip's span, so that no two screens hold a frame
    drawn ahead at once (flips 1.3 s apart overlapped: 3x4K peaked at 364-396 MB, 295-301 MB
    between flips)."""
    spacing = max(STAGGER, window.flip_span)
    return (others * spacing) % max(window.page_duration, spacing)


def _rule(match: object) -> str:
    fields: dict[str, object] = getattr(match, "model_dump", lambda **_: {})(exclude_defaults=True)
    return "{" + ", ".join(f"{key}: {value}" for key, value in fields.items()) + "}"
