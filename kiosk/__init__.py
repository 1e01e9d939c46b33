"""kiosk: a native command-center wall for social listening."""

import sys

__version__ = "0.1.0"

# httpx imports its command-line client (click, rich, pygments: 5 MB of RSS in every process)
# whenever those happen to be installed, as they are beside the test tools; kiosk never runs it.
# A None in sys.modules makes that import fail, and httpx then leaves its CLI out, as it does
# where they are not installed.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]


def _without_pydantic_plugins() -> None:
    """Keep pydantic from looking for plugins: importing its loader costs 2.3 MB of PSS.

    pydantic asks its plugin loader, on the first model it builds, for the plugins installed as
    entry points; the loader imports ``importlib.metadata`` (with email, zipfile, csv...: 2.3 MB
    of PSS imported alone on top of the stack, issue #14) and scans every installed package's
    metadata. kiosk uses no plugin, and a wall should not have its layout checked by one that
    happens to be installed. pydantic's own switch (``PYDANTIC_DISABLE_PLUGINS``) skips the scan
    but not the import, so the loader is stood in for: ``get_plugins()`` finds none; any other
    name is read from the real one, run once if a newer pydantic ever asks.
    """
    import functools
    import types
    from importlib.machinery import PathFinder

    name = "pydantic.plugin._loader"
    if name in sys.modules:
        return
    stand_in = types.ModuleType(name)

    def get_plugins() -> tuple[()]:
        return ()

    @functools.cache
    def real_loader(path: tuple[str, ...]) -> types.ModuleType | None:
        spec = PathFinder.find_spec(name, list(path))
        if spec is None or spec.loader is None:
            return None
        module = types.ModuleType(name)
        spec.loader.exec_module(module)
        return module

    def forward(attr: str) -> object:  # a newer pydantic asking for more: the real loader's
        package = sys.modules.get("pydantic.plugin")
        real = None
        if not attr.startswith("__") and package is not None:
            real = real_loader(tuple(package.__path__))
        if real is None:
            raise AttributeError(attr)
        return getattr(real, attr)

    vars(stand_in).update(get_plugins=get_plugins, __getattr__=forward)
    sys.modules[name] = stand_in


_without_pydantic_plugins()
