"""The local files a layout refers to (images, ``file`` sources' data), for installing it.

The installer copies a layout together with these files, so it asks here instead of knowing
which options hold paths: every ``Path`` value in the validated model counts, so an option
added later with a local file is found without touching this module.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

if TYPE_CHECKING:
    from kiosk.config.layout import Layout


def referenced_files(layout: Layout, layout_path: Path) -> list[Path]:
    """Every local file ``layout`` refers to, as absolute paths, each once, in layout order.

    Paths are normalised (``a/../b`` is ``b``) but symlinks are not resolved, so a caller can
    tell whether a file lies in the layout's folder as written.

    Args:
        layout: a validated layout (its validators have already made relative paths absolute,
            against the layout file's folder).
        layout_path: the layout file; a path still relative resolves against its folder.
    """
    base = layout_path.resolve().parent
    found: dict[Path, None] = {}
    # ``files: {allow: […]}`` names folders the layout may read from, not files it reads.
    parts = [getattr(layout, name) for name in type(layout).model_fields if name != "files"]
    for path in _paths_in(parts):
        absolute = path if path.is_absolute() else base / path
        found[Path(os.path.normpath(absolute))] = None
    return list(found)


def _paths_in(value: object) -> Iterator[Path]:
    if isinstance(value, Path):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _paths_in(getattr(value, name))
    elif isinstance(value, dict):
        for item in value.values():
            yield from _paths_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _paths_in(item)
