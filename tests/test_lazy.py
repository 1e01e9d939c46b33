"""A wall loads the libraries of the sources it runs, not of every source type (issue #14).

Every source module is imported to build the layout's model; httpx, httpx-sse, jmespath,
dateutil and phonenumbers are taken through kiosk.lazy and imported on first use; babel's
catalogue compiler only for a room not in English; pydantic's plugin loader (importlib.metadata)
not at all. Checked in a fresh interpreter: what `kiosk run` imports, and a demo layout loaded,
leave them unloaded; the first use of a lazy module imports it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.lazy import lazy_import

ROOT = Path(__file__).resolve().parents[1]

CHECK = """
import sys
import kiosk.cli
kiosk.cli._parser()  # first, as `kiosk run` does: every command's arguments
import kiosk.app, kiosk.control.api
from kiosk.config.loader import load_layout
load_layout(sys.argv[1])
real = ["httpx", "httpx_sse", "jmespath", "dateutil.rrule", "phonenumbers", "aiohttp",
        "babel.messages", "importlib.metadata"]
print(sorted(name for name in real if name in sys.modules))
import kiosk.sources.polling as polling
polling.httpx.AsyncClient  # the first use
print("httpx._client" in sys.modules)
"""


def test_a_demo_wall_imports_no_http_client_until_a_source_needs_one() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHECK, str(ROOT / "layouts" / "demo.yaml")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    unloaded, loaded_on_use = done.stdout.split("\n")[:2]
    assert unloaded == "[]"
    assert loaded_on_use == "True"


def test_a_missing_module_fails_at_once() -> None:
    with pytest.raises(ModuleNotFoundError, match="no_such_module_here"):
        lazy_import("no_such_module_here")
    assert lazy_import("json") is sys.modules["json"]  # one already there is returned as is


def test_pydantic_finds_no_plugins_and_reads_the_rest_from_its_loader() -> None:
    from pydantic.plugin import _loader

    assert list(_loader.get_plugins()) == []
    assert _loader.PYDANTIC_ENTRY_POINT_GROUP == "pydantic"  # a name kiosk does not stand in for
