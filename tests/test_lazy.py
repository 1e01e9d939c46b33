"""A wall loads the libraries of the sources it runs, not of every source type (issue #14).

A layout loads the modules of the source types it names and no other; within them httpx,
httpx-sse, jmespath, dateutil, phonenumbers, csv, calendar and html.parser (Mastodon's posts)
are taken through kiosk.lazy and imported on first use; babel's catalogue compiler only for a
room not in English; pydantic's plugin loader (importlib.metadata) not at all. Checked in a
fresh interpreter: what `kiosk run` imports, and a demo layout loaded, leave them unloaded; the
first use of a lazy module imports it.
"""

from __future__ import annotations

import sys

import pytest

from kiosk.lazy import lazy_import
from tests.child import ROOT, run_python

CHECK = """
import sys
import kiosk.cli
kiosk.cli._parser()  # first, as `kiosk run` does: every command's arguments
import kiosk.app, kiosk.control.api
from kiosk.config.loader import load_layout
load_layout(sys.argv[1])
real = ["httpx", "httpx_sse", "jmespath", "dateutil.rrule", "phonenumbers", "aiohttp",
        "babel.messages", "importlib.metadata", "csv", "calendar", "html.parser"]
print(sorted(name for name in real if name in sys.modules))
import kiosk.sources.polling as polling
polling.httpx.AsyncClient  # the first use
print("httpx._client" in sys.modules)
"""


def fresh_python(code: str, *args: str) -> list[str]:
    """The lines ``code`` prints in a fresh interpreter (nothing imported yet), which must
    exit cleanly."""
    done = run_python(code, *args)
    assert done.returncode == 0, done.stderr
    return done.stdout.split("\n")


def test_a_demo_wall_imports_no_http_client_until_a_source_needs_one() -> None:
    unloaded, loaded_on_use = fresh_python(CHECK, str(ROOT / "layouts" / "demo.yaml"))[:2]
    assert unloaded == "[]"
    assert loaded_on_use == "True"


def test_a_missing_module_fails_at_once() -> None:
    with pytest.raises(ModuleNotFoundError, match="no_such_module_here"):
        lazy_import("no_such_module_here")
    assert lazy_import("json") is sys.modules["json"]  # one already there is returned as is


def test_pydantic_s_loader_stand_in_reads_other_names_from_the_real_loader_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # That it keeps importlib.metadata out is checked in a fresh interpreter above (it fails
    # without the stand-in); here, what a newer pydantic asking the loader for more would get.
    from importlib.machinery import PathFinder

    from pydantic.plugin import _loader

    assert _loader.PYDANTIC_ENTRY_POINT_GROUP == "pydantic"  # not stood in for: the real one's
    found: list[str] = []
    find_spec = PathFinder.find_spec

    def counted(name: str, *args: object) -> object:
        found.append(name)
        return find_spec(name, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(PathFinder, "find_spec", counted)
    assert _loader.PYDANTIC_ENTRY_POINT_GROUP == "pydantic"
    assert _loader._loading_plugins is False
    assert found == []  # the real loader was found and run once, not once per name read
    with pytest.raises(AttributeError):
        _loader.no_such_name  # noqa: B018


RUNTIME = """
import linecache, mimetypes, sys
from kiosk.qt_imports import load_qt
load_qt()
print(sorted(name for name in linecache.cache if "enum" in name or "shiboken" in name))
import numpy as np
from kiosk.control.api import _content_type
from kiosk.widgets.timeseries import peaks
x = np.arange(1440.0)
print(len(peaks(x, x, 850)[0]), [_content_type(n) for n in ("index.html", "app.js", "app.css")])
print(mimetypes.inited, "numpy.ma" in sys.modules)
"""


def test_a_wall_keeps_no_source_lines_mime_table_or_masked_arrays_it_does_not_use() -> None:
    """What a running wall loaded for nothing: PySide's reading of its own modules' source
    before kiosk turns that off (0.45 MB of lines), the system's MIME table to name three files
    (0.3 MB), and numpy.ma, which np.unique imports to find chart buckets (1.3 MB)."""
    lines, answers, loaded = fresh_python(RUNTIME)[:3]
    assert lines == "[]"
    types = (
        "['text/html; charset=utf-8', 'text/javascript; charset=utf-8', 'text/css; charset=utf-8']"
    )
    assert answers == f"850 {types}"
    assert loaded == "False False"


WIDGET_MODULES = """
import sys
from kiosk.qt_imports import load_qt
load_qt()
import kiosk.app, kiosk.control.api
from kiosk.widgets.registry import WIDGETS, widget_class
modules = {kind: WIDGETS[kind].partition(":")[0] for kind in WIDGETS}
print(sorted(kind for kind, module in modules.items() if module in sys.modules))
widget_class("kpi")
print(sorted(kind for kind, module in modules.items() if module in sys.modules))
"""


def test_a_wall_imports_the_widget_types_its_pages_show_and_no_other() -> None:
    before, after = fresh_python(WIDGET_MODULES)[:2]
    assert before == "[]"
    assert after == "['kpi']"


SOURCE_MODULES = r"""
import sys
from kiosk.config.loader import LayoutError, load_layout, parse_layout
from kiosk.config.schema import layout_schema
from kiosk.sources import BUILT_IN
def loaded():
    return sorted({m.rsplit(".", 1)[1] for m in BUILT_IN.values() if m in sys.modules})
load_layout(sys.argv[1])
print(loaded())
RSS = (
    "sources: {news: {type: rss, feeds: ['https://example.com/feed.xml']}}\n"
    "screens: [{name: a, match: {any: true}, pages: [{title: P}]}]\n"
)
parse_layout(RSS)
print(loaded())
try:
    parse_layout(RSS.replace("rss,", "rsss,"))
except LayoutError as error:
    print(str(error).splitlines()[0])
print(loaded() == sorted({m.rsplit(".", 1)[1] for m in BUILT_IN.values()}))
sources = layout_schema()["properties"]["sources"]["additionalProperties"]
print(sorted(BUILT_IN.keys() - sources["discriminator"]["mapping"].keys()))
"""


def test_a_wall_imports_the_source_types_its_layout_names_and_no_other() -> None:
    """The demo layout loads the demo source's module alone; a layout naming rss loads rss; a
    type nobody knows loads every type, so that the error names the nearest one; the schema
    describes every type, whatever was loaded before."""
    demo, with_rss, error, all_loaded, missing = fresh_python(
        SOURCE_MODULES, str(ROOT / "layouts" / "demo.yaml")
    )[:5]
    assert demo == "['demo']"
    assert with_rss == "['demo', 'rss']"
    assert "unknown source type 'rsss' (did you mean 'rss'?)" in error
    assert all_loaded == "True"
    assert missing == "[]"
