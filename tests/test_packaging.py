"""The mini-PC install: the systemd unit it renders is valid, the script at least parses."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
INSTALL = ROOT / "packaging" / "install.sh"


def render(tmp_path: Path, template: Path | None = None) -> Path:
    """Render the unit with stand-in executables (verify checks that ExecStart exists)."""
    prefix = tmp_path / "prefix"
    kiosk = prefix / "current" / ".venv" / "bin" / "kiosk"
    kiosk.parent.mkdir(parents=True)
    cage = tmp_path / "cage"
    for program in (kiosk, cage):
        program.write_text("#!/bin/sh\n")
        program.chmod(0o755)
    env = {**os.environ, "KIOSK_PREFIX": str(prefix), "KIOSK_USER": "root"}
    unit = subprocess.run(
        ["bash", str(INSTALL), "--render-unit", str(cage), str(tmp_path / "layout.yaml")],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    path = tmp_path / "kiosk.service"
    path.write_text(unit)
    return path


def test_the_install_script_parses() -> None:
    subprocess.run(["bash", "-n", str(INSTALL)], check=True)


def test_the_rendered_unit_is_filled_in(tmp_path: Path) -> None:
    unit = render(tmp_path).read_text()
    assert "@" not in unit.replace("getty@tty7", "")
    assert "Type=notify" in unit and "WatchdogSec=30" in unit and "Restart=always" in unit
    assert (
        f"ExecStart={tmp_path / 'cage'} -d -s -- {tmp_path}/prefix/current/.venv/bin/kiosk run"
        in unit
    )


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_systemd_accepts_the_unit_without_a_warning(tmp_path: Path) -> None:
    unit = render(tmp_path)
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and result.stderr.strip() == "", result.stderr
    broken = tmp_path / "broken.service"
    broken.write_text(unit.read_text().replace("WatchdogSec=30", "WatchdogSec=thirty"))
    result = subprocess.run(
        ["systemd-analyze", "verify", str(broken)], capture_output=True, text=True, check=False
    )
    assert "WatchdogSec" in result.stderr or "sec value" in result.stderr  # the check can fail
