"""What the HTTP source tests share: a clock that moves only when a source sleeps, a scripted
backend, and one way to build and run a source against them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from kiosk.hub import Hub, SourceState
from kiosk.sources.polling import HttpSource

T0 = 1_736_157_600.0  # 2025-01-06 10:00:00 UTC

Answer = httpx.Response | Exception | Callable[[httpx.Request], Any]
S = TypeVar("S", bound=HttpSource)


class Stop(BaseException):
    """Ends a source's run() from the fake sleep (a BaseException, as cancellation is)."""


class FakeTime:
    """A clock that only moves when the source sleeps; ``polls`` sleeps end the run.

    With a hub to watch, the state of the watched source is recorded after each poll.
    """

    def __init__(self, polls: int = 1, now: float = T0) -> None:
        self.now = now
        self.polls = polls
        self.sleeps: list[float] = []
        self.states: list[SourceState] = []
        self.hub: Hub | None = None
        self.source = "api"

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if self.hub is not None:
            self.states.append(self.hub.status(self.source).state)
        if len(self.sleeps) >= self.polls:
            raise Stop
        self.now += seconds


class Backend:
    """Answers requests in order; the last answer repeats. Records every request."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> Any:
        self.requests.append(request)
        answer = self.answers[min(len(self.requests), len(self.answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer(request) if callable(answer) else answer

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


def ok(document: Any, **headers: str) -> httpx.Response:
    return httpx.Response(200, json=document, headers=headers)


def make_source(
    cls: type[S],
    name: str,
    options: dict[str, Any],
    backend: Callable[[httpx.Request], Any],
    time: FakeTime,
    tmp_path: Path,
    hub: Hub | None = None,
    jitter: float | Callable[[], float] = 1.0,
) -> tuple[S, Hub]:
    """Source ``name`` of type ``cls`` with ``options``, talking to ``backend`` on fake time,
    its streams declared; ``time`` records its state after each poll."""
    hub = hub or Hub(clock=time.clock)
    time.hub, time.source = hub, name
    source = cls(
        name,
        cls.options_model.model_validate(options),
        hub,
        transport=httpx.MockTransport(backend),
        sleep=time.sleep,
        jitter=jitter if callable(jitter) else (lambda: jitter),
        cache_dir=tmp_path,
    )
    source.declare()
    return source, hub


def run(source: HttpSource) -> None:
    """Run ``source`` until its fake time has slept its polls."""
    with pytest.raises(Stop):
        asyncio.run(source.run())
