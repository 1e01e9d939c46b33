"""The wall's cycle collector: from a timer in the UI thread, full collections by CPython's own
rule, and the start's objects frozen out of every later walk."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk import collector as collector_module
from kiosk.collector import Collector, freeze_built, settle_in


class _Cycle:
    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def collector(qapp: QApplication) -> Iterator[Collector]:
    enabled = gc.isenabled()  # the suite keeps it off (tests/conftest.py)
    made = Collector(interval_ms=10_000, quiet_start_s=0)  # checked by hand here
    try:
        yield made
    finally:
        made.stop()
        if enabled:
            gc.enable()


def test_automatic_collection_is_off_and_the_timer_collects_cycles(
    collector: Collector,
) -> None:
    assert not gc.isenabled()
    dropped = [_Cycle() for _ in range(collector.threshold[0] + 10)]
    del dropped
    assert any(isinstance(thing, _Cycle) for thing in gc.get_objects())
    collector.check()
    assert not any(isinstance(thing, _Cycle) for thing in gc.get_objects())


def test_a_full_collection_waits_for_the_oldest_generation_to_grow_by_a_quarter(
    collector: Collector,
) -> None:
    """pyqtgraph's collector forced one every eleventh gen-1 collection: 45-77 ms walking every
    object of a wall. Here as in CPython: only once a quarter more objects are long-lived."""
    gc.unfreeze()  # a wall's long-lived objects, not yet frozen: the rule's big generation
    gc.collect()
    collector._oldest = len(gc.get_objects(generation=2))
    middle, full = _collections(1), _collections(2)
    for _ in range(40):  # gen-1 collections, a few hundred survivors each: no full one
        kept = [[] for _ in range(2 * collector.threshold[0])]  # freeing counts down
        collector.check()
        del kept
    assert _collections(1) - middle >= 3  # the rule was asked at least three times
    assert _collections(2) == full
    grown = [[] for _ in range(collector._oldest // 2)]  # half as many long-lived objects again
    for _ in range(collector.threshold[1] + 2):  # until a gen-1 collection moves them up
        young = [[] for _ in range(2 * collector.threshold[0])]
        collector.check()
        del young
        if collector._full_due:
            break
    # Not in the check whose gen-1 collection called for it: the frame's slack holds one.
    assert _collections(2) == full, (gc.get_count(), collector._oldest)
    collector.check()
    assert _collections(2) == full + 1
    collector.check()  # once: the long-lived objects are counted again after it
    assert _collections(2) == full + 1
    del grown  # alive until here: the long-lived objects


def _collections(generation: int) -> int:
    """Collections of ``generation`` so far in this process (Python's own count)."""
    return int(gc.get_stats()[generation]["collections"])


def test_settling_freezes_the_start_without_a_walk_and_a_reload_collects_it(
    collector: Collector, qtbot: QtBot
) -> None:
    """A full collection at the first settle held the tickers for 16-65 ms and found nothing on
    six of seven walls: the start's objects are frozen as they are. A reload's settle thaws
    them and collects what is garbage by then."""
    dropped = _Cycle()
    gone = weakref.ref(dropped)
    del dropped
    walks = _collections(2)
    settle_in(0.01)  # the module's function reaches the running collector
    qtbot.waitUntil(lambda: collector._settled, timeout=2000)
    assert _collections(2) == walks  # no full collection
    frozen = gc.get_freeze_count()
    assert gone() is not None  # frozen with the rest of the start
    assert len(gc.get_objects()) < frozen / 10  # later collections walk only what is new
    assert collector._oldest == 0
    collector.settle()  # a reload settles again: thawed first, the old layout's cycles go
    assert gone() is None
    assert _collections(2) == walks + 1
    assert gc.get_freeze_count() > 0


def test_the_imports_are_frozen_before_the_screens_show_and_the_first_settle_walks_the_rest(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Settling in one go walked every object of the process, with the tickers running (65-129 ms
    on the soak wall): the imports' objects are collected and frozen when the collector is
    made, before any screen shows, and the first settle thaws nothing."""
    dropped = _Cycle()
    gone = weakref.ref(dropped)
    del dropped
    thawed: list[int] = []
    unfreeze = gc.unfreeze
    monkeypatch.setattr(gc, "unfreeze", lambda: (thawed.append(gc.get_freeze_count()), unfreeze()))
    enabled = gc.isenabled()
    made = Collector(interval_ms=10_000)
    try:
        assert gone() is None  # collected, not frozen with the imports
        imports = gc.get_freeze_count()
        assert imports > 0
        kept = [_Cycle() for _ in range(100)]
        made.settle()
        assert thawed == []
        assert gc.get_freeze_count() >= imports + len(kept)
        made.settle()  # a reload's settle: the last one's objects may be garbage now
        assert thawed and thawed[0] >= imports + len(kept)
    finally:
        made.stop()
        if enabled:
            gc.enable()


def test_what_the_windows_are_built_of_is_collected_and_frozen_before_they_paint(
    collector: Collector,
) -> None:
    """Left to the timer, the first young collection after the screens showed walked every
    page and widget (31-33 ms on the soak wall, the tickers moving): the wall collects and
    freezes them once its windows are built, before Qt paints them."""
    frozen = gc.get_freeze_count()
    dropped = _Cycle()
    gone = weakref.ref(dropped)
    del dropped
    pages = [_Cycle() for _ in range(500)]
    freeze_built()  # the module's function reaches the running collector
    assert gone() is None  # collected, not frozen
    assert gc.get_freeze_count() >= frozen + len(pages)
    assert not any(isinstance(thing, _Cycle) for thing in gc.get_objects())  # none left to walk


def test_nothing_is_collected_in_the_start_until_the_settle(qapp: QApplication) -> None:
    """The timer's first young collection walked the sources' backfill (21-37 ms on the soak
    wall, sometimes with the tickers moving): until the first settle, for a while at most, the
    checks collect nothing, and the settle freezes the start as it is."""
    enabled = gc.isenabled()
    made = Collector(interval_ms=10_000, quiet_start_s=60)
    try:
        dropped = [_Cycle() for _ in range(made.threshold[0] + 10)]
        del dropped
        young = _collections(0)
        made.check()
        assert _collections(0) == young and gc.get_count()[0] > made.threshold[0]
        made.settle()
        dropped = [_Cycle() for _ in range(made.threshold[0] + 10)]
        del dropped
        made.check()  # settled: collected as ever
        assert _collections(0) == young + 1
        assert not any(isinstance(thing, _Cycle) for thing in gc.get_objects())
    finally:
        made.stop()
        if enabled:
            gc.enable()


def test_outside_a_wall_settling_does_nothing() -> None:
    assert collector_module._active is None
    settle_in(0)  # no collector: tests and one-shot commands are left alone
    freeze_built()
    assert gc.get_freeze_count() == 0
