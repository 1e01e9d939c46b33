"""kiosk bench names what the UI thread was doing during the longest ticker intervals."""

from __future__ import annotations

import time

from kiosk.stalls import StackSampler


def _busy_for(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        sum(range(1000))


def test_a_stall_is_put_down_to_the_code_that_ran() -> None:
    sampler = StackSampler()
    sampler.start()
    try:
        start = time.monotonic()
        _busy_for(0.3)
        end = time.monotonic()
        time.sleep(0.05)
        after = time.monotonic()
    finally:
        sampler.stop()
    where, count = sampler.places(start, end)[0]
    assert "_busy_for" in where, sampler.places(start, end)
    assert count >= 5
    assert not any("_busy_for" in place for place, _ in sampler.places(end + 0.01, after))
