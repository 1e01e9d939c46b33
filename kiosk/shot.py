"""``kiosk shot``: render each screen of a layout offscreen to PNG after a few seconds of data."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from kiosk.analytics.moderation import Moderator
from kiosk.app import Runtime
from kiosk.config import Layout
from kiosk.screens.window import ScreenWindow

DEFAULT_SIZE = (1920, 1080)
SETTLE_SECONDS = 1.2  # one refresh of the slowest widget after a page flip


def parse_sizes(specs: list[str]) -> dict[str, tuple[int, int]]:
    """``["lobby=1080x1920", "2560x1440"]`` → sizes by screen name ("*" for the bare default).

    Raises:
        ValueError: for a spec that is not NAME=WxH or WxH.
    """
    sizes: dict[str, tuple[int, int]] = {}
    for spec in specs:
        match = re.fullmatch(r"(?:([\w-]+)=)?(\d{2,5})x(\d{2,5})", spec.strip())
        if match is None:
            raise ValueError(f"--screens {spec!r}: expected WIDTHxHEIGHT or NAME=WIDTHxHEIGHT")
        name, width, height = match.groups()
        sizes[name or "*"] = (int(width), int(height))
    return sizes


def screen_size(name: str, sizes: dict[str, tuple[int, int]]) -> tuple[int, int]:
    return sizes.get(name) or sizes.get("*") or DEFAULT_SIZE


async def take_shots(
    layout: Layout,
    out: Path,
    *,
    seconds: float,
    sizes: dict[str, tuple[int, int]],
    all_pages: bool = False,
) -> list[Path]:
    """Run the layout's sources for ``seconds``, then grab every screen (and page) to ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    runtime = Runtime(layout)
    runtime.start()
    windows: list[ScreenWindow] = []
    written: list[Path] = []
    try:
        for config in layout.screens:
            size = screen_size(config.name, sizes)
            window = ScreenWindow(
                config,
                runtime.hub,
                layout.theme,
                size,
                Moderator(layout.moderation),
                render=layout.render,
            )
            window.resize(*size)
            window.show()
            windows.append(window)
        await asyncio.sleep(seconds)
        for window in windows:
            name = window.screen_config.name
            pages = range(len(window.pages)) if all_pages else range(1)
            for index in pages:
                flips = index != window.current_index
                window.pin(index)  # hold it: the rotation must not flip mid-grab
                if flips:
                    await asyncio.sleep(max(SETTLE_SECONDS, window.screen_config.rotation.fade))
                path = out / (f"{name}-p{index + 1}.png" if all_pages else f"{name}.png")
                if not window.picture().save(str(path)):
                    raise OSError(f"could not write {path}")
                written.append(path)
    finally:
        await runtime.stop()
        for window in windows:
            window.close()
            window.deleteLater()
    return written
