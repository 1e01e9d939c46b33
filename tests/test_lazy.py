"""A wall loads the libraries of the sources it runs, not of every source type (issue #14).

Every source module is imported to build the layout's model; httpx, httpx-sse, jmespath and
dateutil are taken through kiosk.lazy and run on first use. Checked in a fresh interpreter:
what `kiosk run` imports, and a demo layout loaded, leave them unloaded; the first use of a
lazy module loads it whole.
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
real = ["httpx._client", "httpx_sse._api", "jmespath.parser", "dateutil.rrule", "aiohttp"]
print(sorted(name for name in real if type(sys.modules.get(name)).__name__ == "module"))
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
