"""Modules imported when first used, not when kiosk is imported.

A source type's module is imported when a layout names it, and a wall runs only the sources its
layout names: a demo or file wall never touches httpx, jmespath or dateutil (issue #14's
screen at 1080p: PSS 144 -> 141.5 MB once they were left out). :func:`lazy_import`
checks at once that the module can be found (a missing one fails at import, as before) and
imports it on the first attribute read, through the import system and its lock: safe from any
thread (the standard library's LazyLoader is not, before Python 3.12), and other modules that
import the same name get the real module.

Write, so that type checkers still see the module::

    if TYPE_CHECKING:
        import httpx
    else:
        httpx = lazy_import("httpx")
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType
from typing import Any


class _Lazy(ModuleType):
    """Stands for a module until an attribute is read; then every read goes to the module."""

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self.__name__), attr)


def lazy_import(name: str) -> ModuleType:
    """``name`` as a module imported on first use (the module itself if already imported)."""
    if (module := sys.modules.get(name)) is not None:
        return module
    if importlib.util.find_spec(name) is None:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    return _Lazy(name)
