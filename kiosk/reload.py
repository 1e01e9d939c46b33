"""Hot reload: the layout file is watched; a valid edit applies in about a second, an invalid one
keeps the running layout and says so on screen.

Editors save in different ways (write in place, or write a new file and rename it over the old
one), so the file's folder is watched too, and events are coalesced before the file is read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer

from kiosk.collector import settle_in
from kiosk.config import Layout, LayoutError, load_layout
from kiosk.config.errors import LayoutIssue
from kiosk.hub import Hub
from kiosk.screens.wall import Wall

log = logging.getLogger(__name__)

SETTLE_MS = 300  # an editor's save is several file events; read once they stop
RESETTLE_S = 10.0  # after an applied edit, the garbage collector settles again (kiosk.collector)


@dataclass(frozen=True)
class ReloadOutcome:
    """What a reload did: applied, or why not (``issues``: a broken layout's errors)."""

    applied: bool
    reason: str = ""
    issues: tuple[LayoutIssue, ...] = ()


class LayoutReloader(QObject):
    """Watches ``path`` and applies valid edits to ``wall``.

    Args:
        path: the layout file.
        wall: the running wall.
        layout: the layout running now (the last good one).
        new_sources: called with the new layout when its sources or theme changed; returns
            the hub the new sources publish into (the app restarts its data side there).
    """

    def __init__(
        self,
        path: Path,
        wall: Wall,
        layout: Layout,
        new_sources: Callable[[Layout], Hub],
    ) -> None:
        super().__init__()
        self.path = path.resolve()
        self.wall = wall
        self.layout = layout
        self._new_sources = new_sources
        self._watcher = QFileSystemWatcher(self)
        self._watcher.addPath(str(self.path.parent))
        self._watch_file()
        self._watcher.fileChanged.connect(self._changed)
        self._watcher.directoryChanged.connect(self._changed)
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self.reload)
        self._last_text: str | None = self._read()

    def _watch_file(self) -> None:
        if self.path.exists() and str(self.path) not in self._watcher.files():
            self._watcher.addPath(str(self.path))  # a rename-over drops the old watch

    def _read(self) -> str | None:
        try:
            return self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def _changed(self, _path: str) -> None:
        self._settle.start()

    def reload(self) -> bool:
        """Read the file now; returns True when a new layout was applied."""
        return self.reload_now(force=False).applied

    def reload_now(self, *, force: bool = True) -> ReloadOutcome:
        """Read the file now (``force``: even when its text has not changed, as staff asking
        for a reload expect); a broken layout keeps the running one, and says why."""
        self._watch_file()
        text = self._read()
        if text is None:  # gone for a moment mid-save
            return ReloadOutcome(False, f"cannot read {self.path}")
        if text == self._last_text and not force:
            return ReloadOutcome(False, "unchanged")  # a touch without a change
        self._last_text = text
        try:
            layout = load_layout(self.path)
        except LayoutError as error:
            first = error.issues[0] if error.issues else None
            log.warning(
                "layout edit not applied (%d errors):\n%s", len(error.issues), error.render()
            )
            where = f"line {first.line}: {first.path}  {first.message}" if first else str(error)
            self.wall.show_notice(f"Edit of {self.path.name} not applied — {where}")
            reason = f"{self.path.name} not applied ({len(error.issues)} errors); the running "
            return ReloadOutcome(False, reason + "layout stays", tuple(error.issues))
        hub = None
        if layout.sources != self.layout.sources:
            hub = self._new_sources(layout)
        self.layout = layout
        self.wall.apply(layout, hub)
        self.wall.show_notice("")
        log.info("layout %s applied", self.path.name)
        settle_in(RESETTLE_S)  # the old layout's pages and sources are garbage by then
        return ReloadOutcome(True)
