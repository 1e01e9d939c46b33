"""The ``kiosk`` command: run, serve, session, check, screens, identify, shot, schema, bench, ctl…

Qt is imported only by the commands that need it, so ``kiosk check`` and ``kiosk schema`` work
on a machine without a display or GL libraries. The commands that run a wall start again under
``python -OO`` before they import anything (:func:`restart_without_docstrings`).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk import redaction
from kiosk.paths import DEFAULT_LAYOUT, default_cache_dir

if TYPE_CHECKING:
    from kiosk.config import Layout

EXIT_OK, EXIT_FAILED, EXIT_BAD_LAYOUT = 0, 1, 2
WALL_COMMANDS = frozenset({"run", "bench"})  # they run a wall, or measure one as it runs


class JournalFormatter(logging.Formatter):
    """One line per record with the sd-daemon priority prefix (``<3>`` error … ``<7>`` debug);
    a multi-line message (a layout's error list) keeps its priority on every line."""

    PRIORITY = {logging.CRITICAL: 2, logging.ERROR: 3, logging.WARNING: 4, logging.INFO: 6}

    def format(self, record: logging.LogRecord) -> str:
        priority = self.PRIORITY.get(record.levelno, 7)
        text = f"{record.name}: {record.getMessage()}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return "\n".join(f"<{priority}>{line}" for line in text.splitlines())


log = logging.getLogger("kiosk")


def main(argv: list[str] | None = None) -> int:
    if argv is None:  # the command line (tests pass their arguments and stay in-process)
        restart_without_docstrings(sys.argv[1:])
    parser = _parser()
    args = parser.parse_args(argv)
    level = logging.DEBUG if getattr(args, "verbose", False) else logging.INFO
    if os.environ.get("JOURNAL_STREAM"):  # stderr goes to systemd's journal
        # The journal stamps time and unit itself; a "<N>" prefix gives each line its priority
        # (journalctl -p warning shows only warnings and worse) and the logger name a field.
        handler = logging.StreamHandler()
        handler.setFormatter(JournalFormatter())
        logging.basicConfig(level=level, handlers=[handler])
    else:
        logging.basicConfig(
            level=level,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
            datefmt="%Y-%m-%dT%H:%M:%S",
        )
    redaction.install()  # the layout's ${env:…} values never reach the journal
    if level > logging.DEBUG:
        # httpx logs every request at INFO: 730 lines in 5 minutes of a ten-source wall, which
        # fill a mini-PC's journal. Sources log their state changes themselves; -v shows all.
        logging.getLogger("httpx").setLevel(logging.WARNING)
    handler = args.handler
    if handler in _QT_COMMANDS:
        from kiosk.qt_imports import load_qt

        load_qt()
    code: int = handler(args)
    return code


def restart_without_docstrings(arguments: Sequence[str]) -> None:
    """Replace this process by the same command under ``python -OO``, for a wall's commands.

    A wall never reads a docstring, and holds every imported module's: kiosk's, PySide's,
    pyqtgraph's, numpy's, pydantic's, the standard library's. Without them, one 1080p screen
    on Xvfb (issue #14's screen) measured 137.6/137.7 -> 133.6/133.9 MB PSS (alternating
    pairs). ``-OO`` also drops ``assert`` statements; kiosk's only narrow types for mypy.
    The code objects also leave out each instruction's columns (``PYTHONNODEBUGRANGES``, which
    a user may set themselves): tracebacks lose their ``^^^`` marks, not their lines.

    The process keeps its pid (``exec``), so a supervisor (systemd, ``kiosk session``) sees no
    change. ``PYTHONOPTIMIZE`` set in the environment, even to 0, is the user's choice and is
    left as it is; it also marks the restarted process, so it never restarts again. Compiled
    modules go to kiosk's cache folder (``PYTHONPYCACHEPREFIX``): an installed wall's packages
    are not writable by its user, and Python would compile every module again at each start.
    """
    command = next((word for word in arguments if not word.startswith("-")), None)
    if command not in WALL_COMMANDS or sys.flags.optimize >= 2 or "PYTHONOPTIMIZE" in os.environ:
        return
    environ = {**os.environ, "PYTHONOPTIMIZE": "2"}
    # Nor the column of every instruction (-X no_debug_ranges): only a traceback's ^^^ marks
    # need it; files and lines stay.
    environ.setdefault("PYTHONNODEBUGRANGES", "1")
    environ.setdefault("PYTHONPYCACHEPREFIX", str(default_cache_dir() / "pycache"))
    try:
        os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]], environ)
    except OSError as error:  # run as it is, with the docstrings
        print(f"kiosk: could not restart under python -OO ({error})", file=sys.stderr)


def _without_columns() -> bool:
    """Whether code objects leave out their instructions' columns (``sys.flags`` does not say,
    before Python 3.12): ``PYTHONNODEBUGRANGES`` set to anything, or ``-X no_debug_ranges``."""
    return bool(os.environ.get("PYTHONNODEBUGRANGES")) or "no_debug_ranges" in sys._xoptions


def _parser() -> argparse.ArgumentParser:
    summary = (__doc__ or "kiosk").splitlines()[0]  # python -OO drops docstrings
    parser = argparse.ArgumentParser(prog="kiosk", description=summary)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="show the wall on every connected screen")
    run.add_argument("layout", nargs="?", type=Path, default=DEFAULT_LAYOUT)
    run.add_argument("--windowed", action="store_true", help="normal windows, for development")
    run.add_argument("--seconds", type=float, default=None, help=argparse.SUPPRESS)
    run.add_argument(
        "--unattended",
        action="store_true",
        help="no one is watching (the systemd unit): a broken layout or a crash loop shows a "
        "safe page instead of stopping",
    )
    run.add_argument(
        "--memory-limit",
        type=float,
        default=None,
        metavar="MB",
        help="restart cleanly above this RSS (default: 85%% of the service's MemoryMax; 0: off)",
    )
    run.set_defaults(handler=cmd_run)

    serve = commands.add_parser(
        "serve",
        help="a data node: run the layout's sources and analytics (no screens, no Qt) and "
        "publish every stream to the MQTT broker of its data: mqtt: section",
    )
    serve.add_argument("layout", type=Path)
    serve.add_argument("--seconds", type=float, default=None, help=argparse.SUPPRESS)
    serve.set_defaults(handler=cmd_serve)

    session = commands.add_parser(
        "session",
        help="the mini-PC runtime (the systemd unit): sway, with the wall inside it, one "
        "full-screen window per TV",
    )
    session.add_argument("layout", nargs="?", type=Path, default=DEFAULT_LAYOUT)
    session.set_defaults(handler=cmd_session)

    check = commands.add_parser("check", help="validate layouts; every error at once, exit 2")
    check.add_argument("layouts", nargs="+", type=Path)
    check.add_argument(
        "--files",
        action="store_true",
        help="then list each local file the layouts refer to, one absolute path per line "
        "(the summary goes to stderr)",
    )
    check.set_defaults(handler=cmd_check)

    screens = commands.add_parser("screens", help="list monitors and how to match them")
    screens.add_argument("--json", action="store_true", help="machine-readable output")
    screens.set_defaults(handler=cmd_screens)

    identify = commands.add_parser(
        "identify", help="on a running wall, show each TV's connector name in huge type"
    )
    identify.add_argument("--seconds", type=float, default=60.0, help="how long (default 60)")
    identify.set_defaults(handler=cmd_identify)

    shot = commands.add_parser("shot", help="render each screen of a layout to PNG, offscreen")
    shot.add_argument("layout", nargs="?", type=Path, default=DEFAULT_LAYOUT)
    shot.add_argument("--out", type=Path, default=Path("shots"))
    shot.add_argument("--seconds", type=float, default=3.0, help="seconds of data first")
    shot.add_argument(
        "--screens",
        nargs="*",
        default=[],
        metavar="[NAME=]WxH",
        help="screen sizes, e.g. 3840x2160 or lobby=1080x1920 (default 1920x1080)",
    )
    shot.add_argument("--all-pages", action="store_true", help="one PNG per page")
    shot.set_defaults(handler=cmd_shot)

    schema = commands.add_parser("schema", help="write the layout JSON Schema for editors")
    schema.add_argument("--out", type=Path, default=None, help="file (default: stdout)")
    schema.set_defaults(handler=cmd_schema)

    bench = commands.add_parser("bench", help="measure CPU, memory and ticker smoothness")
    bench.add_argument("layout", nargs="?", type=Path, default=DEFAULT_LAYOUT)
    bench.add_argument("--seconds", type=float, default=60.0)
    bench.add_argument("--warmup", type=float, default=5.0)
    bench.add_argument("--rate", type=float, default=100.0, help="demo mentions per second")
    bench.add_argument("--screens", type=int, default=1, help="how many of the layout's screens")
    bench.add_argument("--size", default="1920x1080")
    bench.add_argument(
        "--platform",
        default="offscreen",
        help="Qt platform, e.g. xcb to measure on a real X server",
    )
    bench.add_argument(
        "--render",
        choices=["auto", "gpu", "software"],
        default=None,
        help="draw every screen through OpenGL (gpu) or the CPU (software); auto probes GL; "
        "default: the layout's render",
    )
    bench.add_argument(
        "--no-attribution",
        dest="attribute",
        action="store_false",
        help="do not record what the loop runs (the record that explains stalls costs a little "
        "CPU and memory)",
    )
    bench.set_defaults(handler=cmd_bench)

    analyze = commands.add_parser(
        "analyze",
        help="read posts as JSON lines; print each one's language, sentiment, brands and "
        "public-screen verdict as a JSON line",
    )
    analyze.add_argument("posts", nargs="?", type=Path, default=None, help="file (default stdin)")
    analyze.add_argument("--layout", type=Path, default=None, help="brand queries and moderation")
    analyze.set_defaults(handler=cmd_analyze)

    ctl = commands.add_parser("ctl", help="steer a running wall: message, pin, blank, status…")
    from kiosk.control.client import add_arguments

    add_arguments(ctl)
    ctl.set_defaults(handler=cmd_ctl)
    return parser


def _load(path: Path) -> Layout | None:
    from kiosk.config import LayoutError, load_layout

    try:
        return load_layout(path)
    except LayoutError as error:
        print(error.render(), file=sys.stderr)
        return None


def cmd_check(args: argparse.Namespace) -> int:
    failed = False
    for path in args.layouts:
        layout = _load(path)
        if layout is None:
            failed = True
            continue
        if (problem := _model_problem(layout)) is not None:
            print(f"{path}: sentiment.model: {problem}", file=sys.stderr)
            failed = True
            continue
        from kiosk.widgets.legibility import cramped_widgets  # Qt-free

        for warning in cramped_widgets(layout):
            print(f"{path}: warning: {warning}", file=sys.stderr)
        widgets = sum(len(page.widgets) for screen in layout.screens for page in screen.pages)
        summary = f"{path}: ok ({len(layout.screens)} screens, {widgets} widgets)"
        print(summary, file=sys.stderr if args.files else sys.stdout)
        if args.files:  # packaging/install.sh copies these with the layout
            from kiosk.config.files import referenced_files

            for file in referenced_files(layout, path):
                print(file)
    return EXIT_BAD_LAYOUT if failed else EXIT_OK


def _model_problem(layout: Layout) -> str | None:
    """Why the layout's sentiment model cannot be loaded, or None (none named, or it loads)."""
    from kiosk.analytics.model_sentiment import ModelError, ModelScorer, spec_of

    spec = spec_of(layout.sentiment)
    if spec is None:
        return None
    try:
        ModelScorer(spec)
    except ModelError as error:
        return str(error)
    return None


def cmd_schema(args: argparse.Namespace) -> int:
    from kiosk.config import layout_schema

    text = json.dumps(layout_schema(), indent=2) + "\n"
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text, encoding="utf-8")
    return EXIT_OK


def _has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM"):
        return True  # the user chose a platform (offscreen, xcb, eglfs…): trust it
    if sys.platform != "linux":
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def cmd_run(args: argparse.Namespace) -> int:
    if not _has_display():
        print(
            "kiosk run: no display here (DISPLAY and WAYLAND_DISPLAY are unset); "
            "use 'kiosk shot' to render the screens to PNG files instead.",
            file=sys.stderr,
        )
        return EXIT_FAILED
    if sys.flags.optimize >= 2:
        log.info(
            "running without docstrings (python -OO)%s; PYTHONOPTIMIZE=0 keeps them",
            " or column positions" if _without_columns() else "",
        )
    from kiosk.config import LayoutError, load_layout
    from kiosk.recovery import CRASHES_FOR_SAFE_MODE, StartLog, memory_limit_mb, safe_layout
    from kiosk.session import UNCLEAN_STARTS_ENV

    supervised = os.environ.get(UNCLEAN_STARTS_ENV, "")
    # Under `kiosk session` the supervisor keeps the start log: it alone sees how a run ended.
    starts = StartLog() if args.unattended and not supervised.isdigit() else None
    crashes = starts.start() if starts is not None else int(supervised or 0)
    try:
        layout: Layout = load_layout(args.layout)
    except LayoutError as error:
        print(error.render(), file=sys.stderr)
        if starts is None:
            return EXIT_BAD_LAYOUT
        first = "\n".join(
            f"- `{issue.path}` line {issue.line}: {issue.message}" for issue in error.issues[:3]
        )
        layout = safe_layout(
            f"The layout {args.layout.name} has errors, so it is not shown:\n\n{first}\n\n"
            "Saving a fixed file applies it at once."
        )
    else:
        if args.unattended and crashes >= CRASHES_FOR_SAFE_MODE:
            log.error("%d unclean starts in a row: showing the safe layout", crashes)
            layout = safe_layout(
                f"The wall stopped unexpectedly {crashes} times within a few minutes, so it "
                "shows this page instead of its layout. Saving the layout file applies it again."
            )
    from kiosk.app import run_in_qt, run_wall

    code = run_in_qt(
        lambda: run_wall(
            layout,
            path=args.layout,
            windowed=args.windowed,
            seconds=args.seconds,
            memory_limit=memory_limit_mb(args.memory_limit),
            on_stable=starts.stable if starts is not None else None,
        ),
        one_core=True,
    )
    if starts is not None:
        starts.ended_cleanly()
    return code


def cmd_serve(args: argparse.Namespace) -> int:
    layout = _load(args.layout)
    if layout is None:
        return EXIT_BAD_LAYOUT
    if layout.data.mqtt is None:
        print(
            f"kiosk serve: {args.layout} has no broker: add data: {{mqtt: {{broker: HOST:PORT}}}}",
            file=sys.stderr,
        )
        return EXIT_BAD_LAYOUT
    import asyncio

    from kiosk.fleet.node import serve

    return asyncio.run(serve(layout, layout.data.mqtt, seconds=args.seconds))


def cmd_session(args: argparse.Namespace) -> int:
    from kiosk.session import Session

    return Session(args.layout).run()


def cmd_screens(args: argparse.Namespace) -> int:
    from kiosk.control.inventory import kernel_rows, qt_rows, render_text, report
    from kiosk.control.wall_state import find_state, state_dirs
    from kiosk.hardware.drm import read_connectors

    dirs = state_dirs()
    wall = find_state(dirs)

    def show(source: str, rows: list[dict[str, object]]) -> int:
        data = report(source, rows, wall, dirs)
        print(json.dumps(data, indent=2) if args.json else render_text(data))
        return EXIT_OK

    if not _has_display():  # over SSH: the kernel knows the connectors and the EDIDs
        return show("kernel", kernel_rows(read_connectors()))
    from kiosk.app import run_in_qt
    from kiosk.screens.monitors import current_screens

    async def list_screens() -> int:
        return show("qt", qt_rows([monitor for monitor, _screen in current_screens()]))

    return run_in_qt(list_screens)


def cmd_identify(args: argparse.Namespace) -> int:
    from kiosk.control.wall_state import find_state, request_identify, state_dirs

    dirs = state_dirs()
    found = find_state(dirs)
    if found is None:
        print(
            f"kiosk identify: the wall is not running (no state file in "
            f"{', '.join(map(str, dirs))})",
            file=sys.stderr,
        )
        return EXIT_FAILED
    if not found[1].alive():
        print(
            f"kiosk identify: the wall is not running (pid {found[1].pid} is gone)", file=sys.stderr
        )
        return EXIT_FAILED
    path, state = found
    try:
        request_identify(path, state, args.seconds)
    except PermissionError:
        print(
            f"kiosk identify: not allowed to signal the wall (pid {state.pid}): "
            "run as root or as the wall's user",
            file=sys.stderr,
        )
        return EXIT_FAILED
    except ProcessLookupError:
        print(f"kiosk identify: the wall (pid {state.pid}) just stopped", file=sys.stderr)
        return EXIT_FAILED
    print(f"every TV of the wall (pid {state.pid}) shows its connector for {args.seconds:g} s")
    return EXIT_OK


def cmd_shot(args: argparse.Namespace) -> int:
    # A preview never touches the real screens, even on the wall's own machine.
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from kiosk.shot import parse_sizes, take_shots

    try:
        sizes = parse_sizes(args.screens)
    except ValueError as error:
        print(f"kiosk shot: {error}", file=sys.stderr)
        return EXIT_FAILED
    layout = _load(args.layout)
    if layout is None:
        return EXIT_BAD_LAYOUT
    from kiosk.app import run_in_qt

    written = run_in_qt(
        lambda: take_shots(
            layout, args.out, seconds=args.seconds, sizes=sizes, all_pages=args.all_pages
        )
    )
    for path in written:
        print(path)
    return EXIT_OK


def cmd_bench(args: argparse.Namespace) -> int:
    os.environ["QT_QPA_PLATFORM"] = args.platform
    from kiosk.bench import first_screens, report, run_bench, with_rate, with_render
    from kiosk.shot import parse_sizes

    layout = _load(args.layout)
    if layout is None:
        return EXIT_BAD_LAYOUT
    size = parse_sizes([args.size])["*"]
    layout = first_screens(with_render(with_rate(layout, args.rate), args.render), args.screens)
    from kiosk.app import run_in_qt

    result = run_in_qt(
        lambda: run_bench(
            layout, seconds=args.seconds, warmup=args.warmup, size=size, attribute=args.attribute
        ),
        one_core=True,  # measured as a wall runs
    )
    print(report(result, rate=args.rate, screens=len(layout.screens), size=size))
    return EXIT_OK


def cmd_analyze(args: argparse.Namespace) -> int:
    from kiosk.analytics.analyze import Analyzer, layout_queries, run
    from kiosk.analytics.model_sentiment import ModelError, spec_of
    from kiosk.analytics.sentiment import use_model

    layout = _load(args.layout) if args.layout is not None else None
    if args.layout is not None and layout is None:
        return EXIT_BAD_LAYOUT
    analyzer = Analyzer.of(
        layout_queries(layout.sources) if layout else None, layout.moderation if layout else None
    )
    if layout is not None and (spec := spec_of(layout.sentiment)) is not None:
        try:
            use_model(spec)
        except ModelError as error:
            print(f"kiosk analyze: {error}", file=sys.stderr)
            return EXIT_BAD_LAYOUT
    try:
        with (
            open(args.posts, encoding="utf-8", errors="replace") if args.posts else sys.stdin
        ) as lines:
            posts, errors = run(lines, sys.stdout, analyzer)
    except OSError as error:
        print(f"kiosk analyze: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(f"kiosk analyze: {posts} lines, {errors} errors", file=sys.stderr)
    return EXIT_OK


def cmd_ctl(args: argparse.Namespace) -> int:
    from kiosk.control.client import run

    return run(args)


# Commands that show windows: Qt is imported before the rest of them (kiosk.qt_imports).
_QT_COMMANDS = frozenset({cmd_run, cmd_screens, cmd_shot, cmd_bench})


if __name__ == "__main__":
    sys.exit(main())
