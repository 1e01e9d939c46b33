"""kiosk bench names what the UI thread was doing during the longest ticker intervals."""

from __future__ import annotations

import time

from kiosk.bench import StallSampler


def _busy_for(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        sum(range(1000))


def test_a_stall_is_put_down_to_the_code_that_ran() -> None:
    sampler = StallSampler(time.monotonic())
    try:
        start = time.monotonic()
        _busy_for(0.3)
        end = time.monotonic()
        sampler.attribute([(start, end), (start + 0.001, end)])  # twice: two screens' tickers
    finally:
        sampler.stop()
    (stall,) = sampler.stalls
    assert 290 <= stall.ms <= 1000
    where, count = stall.doing[0]
    assert where.endswith("tests/test_bench.py:_busy_for") or "_busy_for" in where, stall.doing
    assert count >= 5
