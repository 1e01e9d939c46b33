"""Run a coroutine in a qasync loop on the test session's QApplication, as the wall runs its
sources and its API (``kiosk.app.run_in_qt`` does the same but also shuts Qt down)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import qasync
from PySide6.QtWidgets import QApplication

from kiosk.app import finalising_async_generators

T = TypeVar("T")


def in_qt_loop(qapp: QApplication, main: Callable[[], Awaitable[T]]) -> T:
    """``main()`` to completion in a fresh qasync loop, abandoned async generators closed."""
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    try:
        with finalising_async_generators(loop):
            return loop.run_until_complete(main())
    finally:
        loop.close()
        asyncio.set_event_loop(None)
