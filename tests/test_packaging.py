"""packaging/install.sh, run for real: its options, --check, the unit it renders, and a whole
install → update → rollback into temporary folders.

The install tests point every path the script writes at tmp_path (KIOSK_PREFIX,
KIOSK_CONFIG_DIR, KIOSK_SYSROOT) and put recording stand-ins for apt-get, useradd, usermod and
systemctl first on PATH. KIOSK_TEST_VENV makes each release run its own code with this
repository's venv instead of building one. Not covered here: real apt, creating the venv and
pip-installing into it, a real user, systemd starting the unit (the fresh-box run in the
README's install notes covers all but the last).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
INSTALL = ROOT / "packaging" / "install.sh"
STAND_INS = ("apt-get", "useradd", "usermod", "systemctl")


def run(
    *args: str, env: dict[str, str] | None = None, script: Path = INSTALL
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(script), *args],
        capture_output=True,
        text=True,
        env=env if env is not None else os.environ.copy(),
        check=False,
        timeout=120,
    )


@pytest.fixture
def box(tmp_path: Path) -> dict[str, str]:
    """Environment for a whole install into tmp_path, with stand-ins that log their arguments."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in STAND_INS:
        program = bin_dir / name
        program.write_text(f'#!/bin/sh\necho "{name} $*" >> "{tmp_path}/calls.log"\n')
        program.chmod(0o755)
    grub = tmp_path / "root" / "etc" / "default" / "grub"
    grub.parent.mkdir(parents=True)
    grub.write_text('GRUB_CMDLINE_LINUX_DEFAULT="quiet"\n')
    return {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "KIOSK_PREFIX": str(tmp_path / "opt" / "kiosk"),
        "KIOSK_CONFIG_DIR": str(tmp_path / "etc" / "kiosk"),
        "KIOSK_SYSROOT": str(tmp_path / "root"),
        "KIOSK_USER": "kiosk-test-nobody",
        "KIOSK_TEST_VENV": str(Path(sys.executable).parent.parent),
    }


def calls(tmp_path: Path) -> str:
    log = tmp_path / "calls.log"
    return log.read_text() if log.exists() else ""


def untouched(tmp_path: Path) -> bool:
    return not any((tmp_path / part).exists() for part in ("opt", "etc", "calls.log", "root/usr"))


@pytest.mark.parametrize("option", ["--help", "-h"])
def test_help_prints_usage_and_changes_nothing(
    option: str, box: dict[str, str], tmp_path: Path
) -> None:
    result = run(option, "layouts/demo.yaml", env=box)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: sudo packaging/install.sh")
    assert "--check LAYOUT" in result.stdout and "--rollback" in result.stdout
    assert untouched(tmp_path)


@pytest.mark.parametrize(
    "args",
    [
        ["--bogus"],
        ["--no-start", "-x", "layouts/demo.yaml"],
        ["a.yaml", "b.yaml"],
        ["--check"],
        ["--rollback", "a.yaml"],
    ],
)
def test_bad_arguments_print_usage_and_change_nothing(
    args: list[str], box: dict[str, str], tmp_path: Path
) -> None:
    result = run(*args, env=box)
    assert result.returncode == 2
    assert "Usage: sudo packaging/install.sh" in result.stderr
    assert "Nothing was changed." in result.stderr
    assert untouched(tmp_path)


def test_check_lists_the_files_it_would_copy(box: dict[str, str], tmp_path: Path) -> None:
    result = run("--check", str(ROOT / "layouts" / "gallery.yaml"), env=box)
    assert result.returncode == 0, result.stderr
    config = box["KIOSK_CONFIG_DIR"]
    assert f"copies {ROOT}/layouts/assets/logo.svg → {config}/assets/logo.svg" in result.stdout
    assert "Nothing was changed (--check)." in result.stdout
    assert untouched(tmp_path)


def test_check_shows_a_broken_layouts_errors(box: dict[str, str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "screens:\n  - name: lobby\n    match: {any: true}\n"
        "    pages: [{title: x, widgets: [{type: nope}]}]\n"
    )
    result = run("--check", str(broken), env=box)
    assert result.returncode == 2
    assert f"{broken}:4:" in result.stderr and "unknown widget type 'nope'" in result.stderr
    assert "cannot be installed" in result.stderr and "Nothing was changed." in result.stderr
    assert not (tmp_path / "opt").exists() and not (tmp_path / "etc").exists()


def test_check_refuses_a_file_it_could_not_copy_with_the_layout(
    box: dict[str, str], tmp_path: Path
) -> None:
    # Allowed by the layout, so valid; but ../shared/logo.svg would not exist next to
    # /etc/kiosk/layout.yaml.
    shared = tmp_path / "shared"
    shared.mkdir()
    shutil.copy(ROOT / "layouts" / "assets" / "logo.svg", shared / "logo.svg")
    folder = tmp_path / "wall"
    folder.mkdir()
    layout = folder / "wall.yaml"
    layout.write_text(
        f"files: {{allow: [{shared}]}}\n"
        "screens:\n  - name: lobby\n    match: {any: true}\n"
        "    pages: [{title: x, widgets: [{type: image, at: [0, 0, 1, 1],\n"
        "                                  path: ../shared/logo.svg}]}]\n"
    )
    result = run("--check", str(layout), env=box)
    assert result.returncode == 2
    assert f"refers to {shared}/logo.svg, outside its folder {folder}" in result.stderr
    assert f"put logo.svg in {folder}" in result.stderr
    # Written as an absolute path, it is a file of this machine: used where it is.
    layout.write_text(layout.read_text().replace("../shared/logo.svg", f"{shared}/logo.svg"))
    result = run("--check", str(layout), env=box)
    assert result.returncode == 0, result.stderr
    assert f"uses {shared}/logo.svg where it is" in result.stdout


def render(tmp_path: Path) -> Path:
    """Render the unit with a stand-in kiosk (verify checks that ExecStart's binary exists)."""
    prefix = tmp_path / "prefix"
    kiosk = prefix / "current" / ".venv" / "bin" / "kiosk"
    kiosk.parent.mkdir(parents=True)
    kiosk.write_text("#!/bin/sh\n")
    kiosk.chmod(0o755)
    env = {**os.environ, "KIOSK_PREFIX": str(prefix), "KIOSK_USER": "root"}
    result = run("--render-unit", str(tmp_path / "layout.yaml"), env=env)
    assert result.returncode == 0, result.stderr
    path = tmp_path / "kiosk.service"
    path.write_text(result.stdout)
    return path


def test_the_rendered_unit_is_filled_in(tmp_path: Path) -> None:
    unit = render(tmp_path).read_text()
    assert "@" not in unit.replace("getty@tty7", "")
    assert "Type=notify" in unit and "WatchdogSec=30" in unit and "Restart=always" in unit
    kiosk = tmp_path / "prefix" / "current" / ".venv" / "bin" / "kiosk"
    assert f"ExecStart={kiosk} session {tmp_path}/layout.yaml\n" in unit


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


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="needs shellcheck")
def test_shellcheck_finds_nothing() -> None:
    result = subprocess.run(
        ["shellcheck", str(INSTALL)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout


def checkout(tmp_path: Path) -> Path:
    """A committed copy of the parts install.sh uses: each commit is a release of its own."""
    repo = tmp_path / "src"
    repo.mkdir()
    for part in ("kiosk", "assets", "layouts", "packaging"):
        shutil.copytree(ROOT / part, repo / part, ignore=shutil.ignore_patterns("__pycache__"))
    for part in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / part, repo / part)
    git(repo, "init", "-q")
    commit(repo, "first")
    return repo


def git(repo: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }
    subprocess.run(["git", "-C", str(repo), *args], check=True, env=env, capture_output=True)


def commit(repo: Path, message: str) -> None:
    (repo / "RELEASE").write_text(message)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def test_install_update_and_rollback(box: dict[str, str], tmp_path: Path) -> None:
    repo = checkout(tmp_path)
    script = repo / "packaging" / "install.sh"
    prefix, config = Path(box["KIOSK_PREFIX"]), Path(box["KIOSK_CONFIG_DIR"])
    sysroot = Path(box["KIOSK_SYSROOT"])

    first = run("--no-start", str(repo / "layouts" / "demo.yaml"), env=box, script=script)
    assert first.returncode == 0, first.stderr
    release_one = (prefix / "current").resolve()
    assert release_one.parent == prefix / "releases"
    assert (config / "layout.yaml").read_text() == (repo / "layouts" / "demo.yaml").read_text()
    assert "apt-get install -y -qq --no-install-recommends sway grim" in calls(tmp_path)
    assert "useradd --system" in calls(tmp_path) and "systemctl" not in calls(tmp_path)
    unit = (sysroot / "etc" / "systemd" / "system" / "kiosk.service").read_text()
    assert f"ExecStart={prefix}/current/.venv/bin/kiosk session {config}/layout.yaml" in unit
    assert "IdleAction=ignore" in (sysroot / "etc/systemd/logind.conf.d/kiosk.conf").read_text()
    assert "consoleblank=0 quiet" in (sysroot / "etc/default/grub").read_text()
    assert "update-grub not run" in first.stdout
    link = sysroot / "usr" / "local" / "bin" / "kiosk"
    assert os.readlink(link) == f"{prefix}/current/.venv/bin/kiosk"

    commit(repo, "second")
    second = run(str(repo / "layouts" / "gallery.yaml"), env=box, script=script)
    assert second.returncode == 0, second.stderr
    release_two = (prefix / "current").resolve()
    assert release_two != release_one
    assert (config / "assets" / "logo.svg").read_bytes() == (
        repo / "layouts/assets/logo.svg"
    ).read_bytes()
    (backup,) = (config / "backup").iterdir()
    assert backup.name.startswith("layout-")
    assert (backup / "layout.yaml").read_text() == (repo / "layouts" / "demo.yaml").read_text()
    assert f"the previous one is in {backup}/" in second.stdout
    for command in ("daemon-reload", "enable kiosk.service", "restart kiosk.service", "is-active"):
        assert f"systemctl {command}" in calls(tmp_path)

    back = run("--rollback", env=box, script=script)
    assert back.returncode == 0, back.stderr
    assert (prefix / "current").resolve() == release_one
    assert (prefix / "previous").resolve() == release_two
    assert f"Rolled back from {release_two.name} to {release_one.name}." in back.stdout
    assert calls(tmp_path).count("systemctl restart kiosk.service") == 2

    # The demo again: the gallery and its logo go to a backup, the logo leaves /etc/kiosk.
    third = run("--no-start", str(repo / "layouts" / "demo.yaml"), env=box, script=script)
    assert third.returncode == 0, third.stderr
    assert not (config / "assets" / "logo.svg").exists()
    assert len(list((config / "backup").glob("*/assets/logo.svg"))) == 1


def test_a_refused_layout_changes_nothing_but_packages(box: dict[str, str], tmp_path: Path) -> None:
    repo = checkout(tmp_path)
    script = repo / "packaging" / "install.sh"
    prefix, config = Path(box["KIOSK_PREFIX"]), Path(box["KIOSK_CONFIG_DIR"])
    assert (
        run("--no-start", str(repo / "layouts" / "demo.yaml"), env=box, script=script).returncode
        == 0
    )
    before = (prefix / "current").resolve()
    commit(repo, "second")
    gallery = repo / "layouts" / "gallery.yaml"
    gallery.write_text(
        gallery.read_text().replace("path: assets/logo.svg", "path: assets/missing.svg")
    )

    result = run("--no-start", str(gallery), env=box, script=script)
    assert result.returncode == 2
    assert "no image file at" in result.stderr and "cannot be installed" in result.stderr
    assert "apt: installed or updated sway grim" in result.stderr
    assert (
        "Removed the unfinished release" in result.stderr
        and "Nothing else was changed." in result.stderr
    )
    assert list((prefix / "releases").iterdir()) == [before]
    assert (prefix / "current").resolve() == before
    assert (config / "layout.yaml").read_text() == (repo / "layouts" / "demo.yaml").read_text()
    assert not (config / "backup").exists()


def test_the_same_commit_and_layout_again_change_nothing(
    box: dict[str, str], tmp_path: Path
) -> None:
    repo = checkout(tmp_path)
    script = repo / "packaging" / "install.sh"
    prefix, config = Path(box["KIOSK_PREFIX"]), Path(box["KIOSK_CONFIG_DIR"])
    gallery = str(repo / "layouts" / "gallery.yaml")
    assert run("--no-start", gallery, env=box, script=script).returncode == 0
    release = (prefix / "current").resolve()

    again = run("--no-start", gallery, env=box, script=script)
    assert again.returncode == 0, again.stderr
    assert f"Release {release.name} is already built" in again.stdout
    assert "is already this layout: unchanged" in again.stdout
    assert list((prefix / "releases").iterdir()) == [release]
    assert not (prefix / "previous").exists() and not (config / "backup").exists()
    # No layout given: the installed one stays.
    kept = run("--no-start", env=box, script=script)
    assert kept.returncode == 0, kept.stderr
    assert f"No layout given: keeping {config}/layout.yaml." in kept.stdout
    assert (config / "assets" / "logo.svg").exists() and not (config / "backup").exists()
