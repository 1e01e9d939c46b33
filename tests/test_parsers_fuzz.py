"""Every parser, fed hostile answers: only its declared errors escape, and quickly.

A short deterministic run; ``benchmarks/fuzz_parsers.py --examples N`` is the long one.
"""

from __future__ import annotations

import contextlib
import time

import pytest
from hypothesis import HealthCheck, given, settings

from tests.fuzz_payloads import PARSERS

# Run alone, after the parallel part of `make test` (tests on the other worker would lend it their
# load): each payload is parsed within a time bound.
pytestmark = pytest.mark.serial

SECONDS_PER_PAYLOAD = 3.0  # an ICS rule that never matches is cut at 0.5 s an event


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_a_parser_raises_only_its_declared_errors_and_in_bounded_time(name: str) -> None:
    parser = PARSERS[name]

    @settings(
        max_examples=25,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(parser.payloads)
    def check(body: bytes) -> None:
        started = time.perf_counter()
        with contextlib.suppress(parser.declared):
            parser.feed(body)
        assert time.perf_counter() - started < SECONDS_PER_PAYLOAD

    check()
