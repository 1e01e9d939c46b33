"""The wall's frame clock (kiosk.widgets.frames): one frame for every moving thing, other timed
work just after a frame and spread over frames, nothing ticking while nothing moves."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
import shiboken6
from PySide6.QtCore import QObject, QVariantAnimation

from kiosk.widgets import frames
from kiosk.widgets.frames import (
    FRAME_MS,
    JOBS_PER_FRAME,
    LATE_S,
    AlignedTimer,
    FrameClock,
)

# Run alone, after the parallel part of `make test` (tests on the other worker would lend it their
# load): frames must wake just after the beat.
pytestmark = pytest.mark.serial


@pytest.fixture
def clock(qapp):
    made = FrameClock()
    yield made
    made.close()


def _timer(clock, owner, ms, calls, name, **kwargs):
    return AlignedTimer(ms, lambda: calls.append(name), owner, clock=clock, **kwargs)


class _Time:
    """Stands in for the time module in kiosk.widgets.frames: frames exactly FRAME_MS apart,
    however loaded the machine running the test is."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


def test_frame_timers_step_together_in_the_order_they_started(clock, qapp, monkeypatch):
    fake = _Time()
    monkeypatch.setattr(frames, "time", fake)
    owner, calls = QObject(), []
    first = _timer(clock, owner, FRAME_MS, calls, "a")
    second = _timer(clock, owner, FRAME_MS, calls, "b")
    half = _timer(clock, owner, 33, calls, "half")  # a 30 fps fade: every other frame
    for timer in (first, second, half):
        timer.start()
    assert clock.running
    steps = []
    for frame in range(12):
        fake.now += FRAME_MS / 1000
        clock._tick()
        if "half" in calls:
            steps.append(frame)
            calls.remove("half")
    assert calls.count("a") == calls.count("b") == 12
    assert calls[:2] == ["a", "b"]
    assert steps == [0, 2, 4, 6, 8, 10]  # the fade: from the first frame, every other one

    for timer in (first, second, half):
        timer.stop()
    assert not clock.running
    assert not clock._timer.isActive()  # nothing moves, nothing due: the clock sleeps


def test_jobs_run_after_the_frame_a_few_per_frame_and_none_starves(clock, qapp):
    owner, calls = QObject(), []
    _timer(clock, owner, FRAME_MS, calls, "frame").start()
    jobs = [_timer(clock, owner, 1000, calls, f"job{n}") for n in range(6)]
    for n, job in enumerate(jobs):
        job.start()
        job.due = time.monotonic() - 0.1 + n * 0.01  # all due, job0 the most overdue
    clock._tick()
    assert calls[0] == "frame"  # the frame first, the jobs after it
    assert len(calls) == 1 + JOBS_PER_FRAME
    assert calls[1:] == ["job0", "job1"]  # the most overdue first

    for job in jobs:  # all of them overdue by more than LATE_S: all run at once
        job.due = time.monotonic() - LATE_S - 0.1
    calls.clear()
    clock._tick()
    assert sorted(calls[1:]) == sorted(f"job{n}" for n in range(6))
    assert all(job.due > time.monotonic() for job in jobs)  # next one later, at its phase


def test_without_frames_a_job_runs_at_its_own_time(clock, qtbot):
    owner, calls = QObject(), []
    single = _timer(clock, owner, 0, calls, "once", single_shot=True)
    periodic = _timer(clock, owner, 50, calls, "every 50 ms")
    single.start(30)
    periodic.start()
    qtbot.waitUntil(lambda: calls.count("every 50 ms") >= 3, timeout=2000)
    assert calls.count("once") == 1
    assert not single.isActive()
    assert clock.frames == 0  # no 60 Hz wake-ups for a wall where nothing moves
    periodic.stop()
    assert not clock._timer.isActive()


def test_after_frame_waits_for_a_frame_only_while_frames_run(clock, qtbot):
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(asyncio.wait_for(clock.after_frame(), 0.5))  # nothing moves

        owner, calls = QObject(), []
        _timer(clock, owner, FRAME_MS, calls, "frame").start()
        waiters = [loop.create_task(clock.after_frame()) for _ in range(2)]
        loop.run_until_complete(asyncio.sleep(0))  # both wait now
        clock._tick()
        loop.run_until_complete(asyncio.sleep(0))
        assert [task.done() for task in waiters] == [True, False]  # one per frame
        clock._tick()
        loop.run_until_complete(asyncio.wait_for(asyncio.gather(*waiters), 0.5))
    finally:
        loop.close()


def test_a_deleted_widgets_timer_is_dropped_not_called(clock, qapp):
    owner, calls = QObject(), []
    _timer(clock, owner, FRAME_MS, calls, "frame").start()
    gone = QObject()
    doomed = _timer(clock, gone, FRAME_MS, calls, "deleted")
    doomed.start()
    shiboken6.delete(gone)  # C++ deletes the child timer with it, never stopped
    assert not shiboken6.isValid(doomed)
    clock._tick()
    clock._tick()
    assert calls == ["frame", "frame"]


def test_a_failing_timer_does_not_stop_the_others(clock, qapp, caplog):
    owner, calls = QObject(), []

    def broken() -> None:
        raise ValueError("bad value")

    AlignedTimer(FRAME_MS, broken, owner, clock=clock).start()
    _timer(clock, owner, FRAME_MS, calls, "after").start()
    with caplog.at_level(logging.ERROR, logger="kiosk.widgets.frames"):
        clock._tick()
        clock._tick()
    assert calls == ["after", "after"]
    failures = [r for r in caplog.records if r.exc_info and "bad value" in str(r.exc_info[1])]
    assert len(failures) == 1  # once, not once a frame


def test_the_first_moment_just_after_a_beat(clock):
    clock.beat = 1000.0
    after = frames.BEAT_AFTER_S
    assert clock._after_beat(1000.0) == pytest.approx(1000.0 + after)
    assert clock._after_beat(1000.0 + after) == pytest.approx(1000.0 + after)
    assert clock._after_beat(1000.0 + after + 1e-4) == pytest.approx(1000.0 + frames.BEAT_S + after)
    assert clock._after_beat(1000.5) == pytest.approx(1000.0 + 32 * frames.BEAT_S + after)
    assert clock._after_beat(999.9) == pytest.approx(1000.0 - 6 * frames.BEAT_S + after)  # earlier


def test_while_a_qt_animation_runs_jobs_and_waiters_come_just_after_its_frames(clock, qtbot):
    """A tape moves on Qt's animation timer, not on the clock's: the clock learns its beat and
    wakes for periodic work and for ``after_frame`` just after a beat, not between two."""
    owner = QObject()
    motion = QVariantAnimation(owner)
    motion.setStartValue(0.0)
    motion.setEndValue(1.0)
    motion.setDuration(600_000)
    beats: list[float] = []
    motion.valueChanged.connect(lambda _value: beats.append(time.monotonic()))
    motion.start()
    clock.moving(motion, True)
    assert clock.animated
    ran: list[float] = []
    job = AlignedTimer(50, lambda: ran.append(time.monotonic()), owner, clock=clock)
    job.start()
    released: list[float] = []  # when the clock let a waiter go
    release = clock._release

    def timed_release(count: int) -> None:
        waiting = len(clock._waiters)
        release(count)
        released.extend([time.monotonic()] * (waiting - len(clock._waiters)))

    clock._release = timed_release
    loop = asyncio.new_event_loop()
    try:
        waiters = [loop.create_task(clock.after_frame()) for _ in range(2)]
        loop.run_until_complete(asyncio.sleep(0))  # both wait now
        qtbot.waitUntil(lambda: len(ran) >= 20 and len(released) >= 2, timeout=5000)
        loop.run_until_complete(asyncio.wait_for(asyncio.gather(*waiters), 0.5))
    finally:
        loop.close()
    assert released[1] - released[0] >= frames.BEAT_S / 2  # one waiter a beat
    assert clock.beat is not None
    assert clock.frames == 0  # no frames of its own: the animation's beat

    def since_beat(moment: float) -> float:
        return moment - max(beat for beat in beats if beat <= moment)

    judged = [moment for moment in ran + released if moment > beats[0] + frames.BEAT_S]
    late = [since_beat(moment) for moment in judged if since_beat(moment) > 0.006]
    assert len(judged) >= 18
    assert len(late) <= 2, f"{len(late)} of {len(judged)} wakes were not just after a beat: {late}"
    motion.stop()
    clock.moving(motion, False)
    assert not clock.animated
    job.stop()
    assert not clock._timer.isActive()


def test_a_frame_timer_started_between_beats_does_not_make_the_clock_skip_the_next(clock, qapp):
    owner, calls = QObject(), []
    motion = QVariantAnimation(owner)
    clock.moving(motion, True)
    clock.beat = time.monotonic() - 0.0005  # a beat just went: the frame after it is 0.5 ms off
    _timer(clock, owner, FRAME_MS, calls, "a").start()
    assert clock._timer.isSingleShot() and clock._timer.remainingTime() <= 2
    _timer(clock, owner, FRAME_MS, calls, "b").start()  # ... and before it, another one
    assert clock._timer.remainingTime() <= 2, "the coming frame was put off to the next beat"


def test_close_lets_go_of_timers_waiters_and_animations(clock, qapp):
    owner, calls = QObject(), []
    _timer(clock, owner, FRAME_MS, calls, "frame").start()
    _timer(clock, owner, 1000, calls, "job").start()
    motion = QVariantAnimation(owner)
    clock.moving(motion, True)
    loop = asyncio.new_event_loop()
    try:
        waiter = loop.create_task(clock.after_frame())
        loop.run_until_complete(asyncio.sleep(0))
        clock.close()
        loop.run_until_complete(asyncio.wait_for(waiter, 0.5))  # let go, not left hanging
    finally:
        loop.close()
    assert not clock._timer.isActive()
    assert not clock.running and not clock.animated
    assert clock._listening is None and not clock._jobs
