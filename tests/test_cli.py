"""The kiosk command end to end, in subprocesses: exit codes, output, and clean exits.

Each run is a fresh process so a crash at Qt teardown or interpreter shutdown (the kind that
PySide6 6.12.0 + pyqtgraph 0.14.0 produced with "Fatal Python error: none_dealloc") fails here.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from kiosk.cli import restart_without_docstrings
from kiosk.config import layout_schema
from tests.child import run_kiosk, run_python

ROOT = Path(__file__).resolve().parent.parent
LAYOUTS = sorted((ROOT / "layouts").glob("*.yaml"))
SCREENS_FILE = Path(__file__).with_name("screens3.json")


def kiosk(*args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
    return run_kiosk(*args, env={**os.environ, **env}, timeout=timeout)


def assert_clean_exit(result: subprocess.CompletedProcess[str]) -> None:
    for marker in ("Traceback", "Fatal Python error", "Segmentation fault", "Aborted"):
        assert marker not in result.stderr, result.stderr[-3000:]
    assert result.returncode == 0, result.stderr[-3000:]


def non_blank(path: Path) -> float:
    """Share of sampled pixels that differ from the top-left (background) pixel."""
    image = QImage(str(path))
    assert not image.isNull(), path
    background = image.pixel(0, 0)
    samples = [
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    ]
    return sum(pixel != background for pixel in samples) / len(samples)


def test_check_accepts_every_example_layout() -> None:
    # The benchmarks' layouts too: CI's soak runs benchmarks/soak.yaml after the tests.
    shipped = [*LAYOUTS, *sorted((ROOT / "benchmarks").glob("*.yaml"))]
    result = kiosk("check", *map(str, shipped))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(": ok (") == len(shipped)


def start_wall(layout: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """``kiosk run`` of ``layout`` for up to 30 s, once it has written its state file to
    ``$KIOSK_STATE_DIR`` (``env`` is the whole environment)."""
    wall = subprocess.Popen(
        [sys.executable, "-m", "kiosk.cli", "run", str(layout), "--seconds", "30"],
        env=env,
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not (Path(env["KIOSK_STATE_DIR"]) / "state.json").exists():
        if wall.poll() is not None or time.monotonic() > deadline:
            wall.kill()
            pytest.fail(f"the wall wrote no state file: {wall.communicate()[1][-3000:]}")
        time.sleep(0.1)
    return wall


def test_kiosk_runs_where_python_drops_docstrings() -> None:
    """``python -OO`` (PYTHONOPTIMIZE=2) leaves ``__doc__`` None: the argument parser's summary
    came from it, and every command failed with a traceback before it started."""
    result = kiosk("check", str(ROOT / "layouts" / "demo.yaml"), PYTHONOPTIMIZE="2")
    assert_clean_exit(result)
    assert "ok" in result.stdout


def test_a_wall_runs_without_docstrings_in_the_same_process(tmp_path: Path) -> None:
    """``kiosk run`` starts again under ``python -OO`` (exec: the pid a supervisor watches stays
    the same); ``PYTHONOPTIMIZE=0`` keeps the docstrings."""
    layout = tmp_path / "wall.yaml"
    layout.write_text(
        "sources: {social: {type: demo, rate: 5, seed: 1}}\n"
        "screens: [{name: lobby, match: {any: true}, pages: [{title: P}]}]\n"
    )
    env = {key: value for key, value in os.environ.items() if key != "PYTHONOPTIMIZE"}
    env |= {"QT_QPA_PLATFORM": "offscreen", "KIOSK_CACHE_DIR": str(tmp_path / "cache")}
    env |= {"KIOSK_STATE_DIR": str(tmp_path)}
    wall = start_wall(layout, env)
    try:
        state = json.loads((tmp_path / "state.json").read_text())
        assert state["pid"] == wall.pid
        environ = Path(f"/proc/{wall.pid}/environ").read_bytes().split(b"\0")
        assert b"PYTHONOPTIMIZE=2" in environ and b"PYTHONNODEBUGRANGES=1" in environ
        assert f"PYTHONPYCACHEPREFIX={tmp_path / 'cache' / 'pycache'}".encode() in environ
    finally:
        wall.send_signal(signal.SIGTERM)
        _, stderr = wall.communicate(timeout=60)
    assert wall.returncode == 0, stderr[-3000:]
    assert "running without docstrings (python -OO) or column positions" in stderr

    kept = kiosk("run", str(layout), "--seconds", "1", **{**env, "PYTHONOPTIMIZE": "0"})
    assert_clean_exit(kept)
    assert "without docstrings" not in kept.stderr


def test_only_a_wall_restarts_and_a_failed_restart_runs_as_it_is(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    calls: list[tuple[str, list[str], dict[str, str]]] = []

    def execve(program: str, arguments: list[str], environ: dict[str, str]) -> None:
        calls.append((program, arguments, environ))
        raise OSError("no exec here")

    monkeypatch.setattr(os, "execve", execve)
    monkeypatch.delenv("PYTHONOPTIMIZE", raising=False)
    monkeypatch.delenv("PYTHONPYCACHEPREFIX", raising=False)
    monkeypatch.delenv("PYTHONNODEBUGRANGES", raising=False)
    monkeypatch.setenv("KIOSK_CACHE_DIR", str(tmp_path))
    for words in (["check", "x.yaml"], ["schema"], ["session"], ["ctl", "status"], []):
        restart_without_docstrings(words)
    assert calls == []

    restart_without_docstrings(["-v", "bench", "x.yaml", "--seconds", "5"])
    [(program, arguments, environ)] = calls
    assert program == sys.executable
    assert arguments == [sys.executable, *sys.orig_argv[1:]]
    assert environ["PYTHONOPTIMIZE"] == "2" and environ["PYTHONNODEBUGRANGES"] == "1"
    assert environ["PYTHONPYCACHEPREFIX"] == str(tmp_path / "pycache")
    assert "could not restart under python -OO (no exec here)" in capsys.readouterr().err

    monkeypatch.setenv("PYTHONOPTIMIZE", "0")  # the user's choice
    restart_without_docstrings(["run"])
    assert len(calls) == 1


def test_check_reports_every_error_and_exits_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "sources:\n"
        "  social: {type: demo}\n"
        "screens:\n"
        "  - name: a\n"
        "    match: {connector: HDMI-1}\n"
        "    pages:\n"
        "      - title: P\n"
        "        duration: soon\n"
        "        widgets:\n"
        "          - {type: timeserie, at: [0, 0, 4, 4], data: social.volume}\n"
        "          - {type: kpi, at: [4, 0, 4, 4], data: social.rat}\n"
    )
    result = kiosk("check", str(broken))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith(str(broken))]
    assert any(":8:" in line and "duration" in line for line in lines), result.stderr
    assert any(":10:" in line and "timeseries" in line for line in lines), result.stderr
    assert any(":11:" in line and "social.rate" in line for line in lines), result.stderr


def test_schema_is_json_and_the_committed_copy_is_current() -> None:
    result = kiosk("schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema == layout_schema()
    committed = json.loads((ROOT / "kiosk-layout.schema.json").read_text())
    assert committed == schema, "run: kiosk schema --out kiosk-layout.schema.json"


def test_run_without_display_says_so_in_one_line() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    result = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "run"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "kiosk shot" in result.stderr


def test_screens_lists_every_monitor_with_a_match_rule(tmp_path: Path) -> None:
    result = kiosk(
        "screens",
        "--json",
        QT_QPA_PLATFORM=f"offscreen:configfile={SCREENS_FILE}",
        KIOSK_STATE_DIR=str(tmp_path),
    )
    assert_clean_exit(result)
    listing = json.loads(result.stdout)
    assert listing["source"] == "qt" and not listing["wall"]["running"]
    rows = listing["monitors"]
    assert [row["connector"] for row in rows] == ["HDMI-1", "HDMI-2", "DP-1"]
    assert rows[2]["orientation"] == "portrait"
    assert rows[0]["match"] == "match: {connector: HDMI-1}"


def test_screens_without_a_display_lists_the_kernels_connectors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from kiosk import cli
    from kiosk.hardware import drm, edid
    from tests.edid_blobs import fake_connector, fake_pnp_ids, make_edid

    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KIOSK_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setattr(drm, "SYSFS_DRM", tmp_path / "drm")
    monkeypatch.setattr(edid, "PNP_IDS", fake_pnp_ids(tmp_path))
    fake_connector(tmp_path / "drm", "card0-HDMI-A-1", edid=make_edid("SAM", name="QM55B"))
    fake_connector(tmp_path / "drm", "card0-HDMI-A-2", status="disconnected", modes="")

    assert cli.main(["screens"]) == 0
    text = capsys.readouterr().out
    assert "offscreen" not in text
    assert text.splitlines() == [
        f"wall: not running (no state file in {tmp_path / 'state'})",
        "HDMI-A-1  connected  Samsung Electric Company QM55B  serial -  preferred 3840x2160",
        "    match: {connector: HDMI-A-1}",
        "HDMI-A-2  disconnected",
    ]
    assert cli.main(["screens", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["monitors"]
    assert [(row["connector"], row["connected"], row["model"]) for row in rows] == [
        ("HDMI-A-1", True, "QM55B"),
        ("HDMI-A-2", False, ""),
    ]


def test_identify_on_a_running_wall_and_what_screens_says_meanwhile(tmp_path: Path) -> None:
    env = {
        "QT_QPA_PLATFORM": f"offscreen:configfile={SCREENS_FILE}",
        "KIOSK_STATE_DIR": str(tmp_path),
    }
    layout = tmp_path / "wall.yaml"
    layout.write_text(
        "sources: {social: {type: demo, rate: 5, seed: 1}}\n"
        "screens:\n"
        "  - {name: lobby, match: {connector: HDMI-A-1}, pages: [{title: P}]}\n"
        "  - {name: care, match: {connector: DP-1}, pages: [{title: P}]}\n"
    )
    wall = start_wall(layout, {**os.environ, **env})
    try:
        listing = json.loads(kiosk("screens", "--json", **env).stdout)
        assert listing["wall"]["running"] and listing["wall"]["pid"] == wall.pid
        shows = {row["connector"]: row["shows"] for row in listing["monitors"]}
        assert shows == {"HDMI-1": "lobby", "HDMI-2": "", "DP-1": "care"}  # HDMI-1 is HDMI-A-1

        result = kiosk("identify", "--seconds", "1", **env)
        assert result.returncode == 0, result.stderr
        assert "for 1 s" in result.stdout
    finally:
        wall.send_signal(signal.SIGTERM)
        _, stderr = wall.communicate(timeout=60)
    assert wall.returncode == 0, stderr[-3000:]
    assert "identify cards on 3 screens for 1 s" in stderr
    assert not (tmp_path / "state.json").exists()  # a clean stop removes it
    gone = kiosk("identify", **env)
    assert gone.returncode == 1 and "the wall is not running" in gone.stderr


def test_identify_says_who_may_signal_the_wall(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from kiosk import cli
    from kiosk.control.wall_state import StatePublisher

    def refuse(pid: int, signum: int) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setenv("KIOSK_STATE_DIR", str(tmp_path))
    StatePublisher(None, tmp_path).publish({}, [], [])  # this process plays the wall
    monkeypatch.setattr(os, "kill", refuse)
    assert cli.main(["identify"]) == 1
    assert "run as root or as the wall's user" in capsys.readouterr().err


def test_run_drives_the_wall_and_exits_cleanly() -> None:
    result = kiosk("run", "--seconds", "4", QT_QPA_PLATFORM=f"offscreen:configfile={SCREENS_FILE}")
    assert_clean_exit(result)
    assert "screen overview on HDMI-1" in result.stderr


@pytest.mark.parametrize("layout", LAYOUTS, ids=[path.stem for path in LAYOUTS])
def test_every_layout_renders_every_screen(layout: Path, tmp_path: Path) -> None:
    result = kiosk("shot", str(layout), "--out", str(tmp_path), "--seconds", "2.5")
    assert_clean_exit(result)
    written = [Path(line) for line in result.stdout.split()]
    assert written, result.stdout
    for path in written:
        assert non_blank(path) > 0.05, f"{path.name} is (nearly) blank"


def test_under_systemd_each_log_line_carries_its_journal_priority() -> None:
    result = kiosk(
        "run",
        "--seconds",
        "2",
        JOURNAL_STREAM="8:12345",
        QT_QPA_PLATFORM=f"offscreen:configfile={SCREENS_FILE}",
    )
    assert_clean_exit(result)
    lines = [line for line in result.stderr.splitlines() if line]
    assert lines and all(line[:3] in {"<2>", "<3>", "<4>", "<6>", "<7>"} for line in lines), lines
    assert "<6>kiosk.screens.wall: screen overview on HDMI-1 (1920x1080)" in lines


def test_every_source_example_in_the_readme_is_a_valid_layout() -> None:
    import re

    from kiosk.config import parse_layout

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    examples = re.findall(r"^  `([a-z]+: \{type: .*\})`$", readme, flags=re.MULTILINE)
    assert len(examples) >= 10
    screens = "screens: [{name: a, match: {any: true}, pages: [{title: P}]}]\n"
    for example in examples:
        parse_layout(f"sources:\n  {example}\n{screens}")


def test_check_and_run_answer_hostile_files_with_positions_never_a_traceback(
    tmp_path: Path,
) -> None:
    page = "screens: [{name: a, match: {any: true}, pages: [{title: P, duration: DURATION}]}]\n"
    files = {
        "nan.yaml": page.replace("DURATION", "nan"),
        "digits.yaml": "sources: {s: {type: demo, seed: " + "9" * 10_000 + "}}\n" + page,
        "date.yaml": page + "x: 2026-13-45\n",
        "garbage.yaml": bytes(range(256)).decode("latin-1"),
        "huge.yaml": page + "#" * 3_000_000,
    }
    for name, text in files.items():
        (tmp_path / name).write_bytes(text.encode("latin-1" if name == "garbage.yaml" else "utf-8"))
    (tmp_path / "folder.yaml").mkdir()
    paths = [str(tmp_path / name) for name in [*files, "folder.yaml"]]
    result = kiosk("check", *paths, timeout=60)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    for path in paths:
        assert f"{path}:" in result.stderr, path
    run = kiosk("run", paths[0], timeout=60, QT_QPA_PLATFORM="offscreen")
    assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr[-3000:]
    assert f"{paths[0]}:1:" in run.stderr and "expected a duration from 0.1s to 1d" in run.stderr


def test_a_wall_fed_by_its_own_sources_does_not_load_the_fleet_or_token_libraries() -> None:
    """Issue #14's memory: MQTT (paho, msgpack), the wrong-token limiter (limits) and the
    Prometheus writer (prometheus_client) are imported where a layout or a request uses them,
    not by every wall: everything a running wall imports to start is imported here."""
    code = (
        "import sys\n"
        "import kiosk.app, kiosk.cli, kiosk.screens.commands, kiosk.control.api\n"
        "from kiosk.runtime import data_side\n"
        "from kiosk.config import load_layout\n"
        "data_side(load_layout(sys.argv[1]))\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'paho', 'msgpack', 'limits', 'prometheus_client'}))\n"
    )
    layout = ROOT / "layouts" / "demo.yaml"
    result = run_python(code, str(layout))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_memory_floor_benchmark_measures_its_last_step() -> None:
    """benchmarks/memory_floor.py's last import step (every module kiosk run imports) runs in
    a child and prints PSS, anonymous and file-backed MB and the module count: the benchmark
    does not rot when a module moves."""
    import importlib.util

    script = ROOT / "benchmarks" / "memory_floor.py"
    spec = importlib.util.spec_from_file_location("memory_floor", script)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    result = subprocess.run(
        [sys.executable, str(script), "--step", str(len(bench.STEPS) - 1), "--settle", "0.2"],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    pss, anon, file, modules = result.stdout.split()
    assert float(pss) > 50 and float(anon) > 0 and float(file) > 0
    assert int(modules) > 500  # kiosk.app and its imports were imported
