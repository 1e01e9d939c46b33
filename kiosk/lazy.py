"""Modules loaded when first used, not when kiosk is imported (the standard library's recipe).

Every source type is imported to build the layout's model, but a wall runs only the sources its
layout names: a demo or file wall never touches httpx, jmespath or dateutil, which cost about
7 MB of its memory (PSS; issue #14's goal for a 1080p wall is 130 MB). A module taken through
:func:`lazy_import` is found at once (a missing one fails at import, as before) and executed on
the first attribute read, which for the sources is in the wall's event loop.

Write, so that type checkers still see the module::

    if TYPE_CHECKING:
        import httpx
    else:
        httpx = lazy_import("httpx")
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def lazy_import(name: str) -> ModuleType:
    """``name`` as a module that runs its code on first use (at once if already imported)."""
    if (module := sys.modules.get(name)) is not None:
        return module
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module
