"""The API's admin side and its plumbing, over a real socket on a wall of three simulated
monitors: cast and emergency by scope, reload, /metrics, and HTTPS.

lobby on HDMI-1 (groups execs), care on DP-1 (groups support, execs), pr on HDMI-2.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.app import Runtime
from kiosk.config import LayoutError, load_layout
from kiosk.control.audit import AuditLog
from kiosk.control.openapi import openapi
from kiosk.reload import LayoutReloader
from kiosk.screens.cast_views import EmergencyCard
from kiosk.screens.commands import WallCommands, serve_commands
from kiosk.screens.wall import Wall
from tests.qt_loop import in_qt_loop

T = TypeVar("T")
PAGES = "[{title: Pulse, duration: 1h}, {title: Brand pulse, duration: 1h}]"
ADMIN, OPS, VIEWER = "admin-0123456789abcdef", "ops-0123456789abcdef", "view-0123456789abcdef"
LAYOUT = f"""
sources:
  social: {{type: demo, rate: 5, seed: 1}}
screens:
  - {{name: lobby, match: {{connector: HDMI-1}}, groups: [execs], pages: {PAGES}}}
  - {{name: care, match: {{connector: "DP-*"}}, groups: [support, execs], pages: {PAGES}}}
  - {{name: pr, match: {{connector: HDMI-2}}, pages: {PAGES}}}
control:
  listen: 127.0.0.1:0
  tokens:
    root: {{token: {ADMIN}, scopes: [view, operate, admin]}}
    ops: {{token: {OPS}, scopes: [view, operate]}}
    wallboard: {{token: {VIEWER}, scopes: [view]}}
"""

Scenario = Callable[[Callable[[str], httpx.AsyncClient], WallCommands], Awaitable[T]]


@pytest.fixture
def layout_file(tmp_path: Path) -> Path:
    path = tmp_path / "wall.yaml"
    path.write_text(LAYOUT, encoding="utf-8")
    return path


@pytest.fixture
def wall(qtbot: QtBot, layout_file: Path) -> Iterator[Wall]:
    layout = load_layout(layout_file)
    wall = Wall(layout, Runtime(layout).hub)
    wall.bind()
    yield wall
    wall.close()


def serve(
    qapp: QApplication,
    wall: Wall,
    layout_file: Path,
    scenario: Scenario[T],
    *,
    verify: ssl.SSLContext | bool = True,
) -> T:
    """Run ``scenario`` with a client maker (token → client) of the wall's API."""
    reloader = LayoutReloader(layout_file, wall, wall.layout, lambda _: wall.hub)

    async def main() -> T:
        commands, server = await serve_commands(
            wall,
            wall.layout.control,
            AuditLog(layout_file.parent / "audit.jsonl"),
            port=0,
            reloader=reloader,
        )
        assert server is not None
        clients: list[httpx.AsyncClient] = []

        def client(token: str) -> httpx.AsyncClient:
            made = httpx.AsyncClient(
                base_url=server.url,
                headers={"Authorization": f"Bearer {token}"},
                timeout=5,
                verify=verify,
            )
            clients.append(made)
            return made

        try:
            return await scenario(client, commands)
        finally:
            for made in clients:
                await made.aclose()
            await server.stop()
            commands.close()

    try:
        return in_qt_loop(qapp, main)
    finally:
        reloader.deleteLater()


def test_an_emergency_needs_admin_and_outranks_everything(
    qapp: QApplication, wall: Wall, layout_file: Path
) -> None:
    emergency = {"command": "emergency", "headline": "Evacuate now", "body": "Use the stairs"}

    async def scenario(client: Callable[[str], httpx.AsyncClient], _: WallCommands) -> None:
        cast = {"command": "cast", "page": {"screen": "lobby", "title": "Brand pulse"}}
        answer = await client(OPS).post("/v1/commands", json={**cast, "duration": "2m"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["id"] == "c1"
        refused = await client(OPS).post("/v1/commands", json=emergency)
        assert refused.status_code == 403
        assert "admin" in refused.json()["error"]
        shown = await client(ADMIN).post("/v1/commands", json=emergency)
        assert shown.status_code == 200, shown.text
        status = (await client(VIEWER).get("/v1/status")).json()
        assert all(screen["emergency"] for screen in status["screens"].values())
        ended = await client(ADMIN).post("/v1/commands", json={"command": "end_emergency"})
        assert ended.json()["ended"] is True

    serve(qapp, wall, layout_file, scenario)
    assert wall.screen_windows["lobby"].findChildren(EmergencyCard)
    entries = (layout_file.parent / "audit.jsonl").read_text().splitlines()
    assert [e.split('"command": "')[1].split('"')[0] for e in entries] == [
        "cast",
        "emergency",
        "end_emergency",
    ]


def test_a_cast_needs_operate_and_a_bad_one_answers_422(
    qapp: QApplication, wall: Wall, layout_file: Path
) -> None:
    async def scenario(client: Callable[[str], httpx.AsyncClient], _: WallCommands) -> None:
        widget = {"type": "kpi", "data": "social.rate"}
        cast = {"command": "cast", "widget": widget, "duration": 60}
        assert (await client(VIEWER).post("/v1/commands", json=cast)).status_code == 403
        missing = await client(OPS).post(
            "/v1/commands", json={"command": "cast", "post": {"id": "nope"}, "duration": 60}
        )
        assert missing.status_code == 422
        assert missing.json()["issues"][0]["path"] == ["post", "id"]

    serve(qapp, wall, layout_file, scenario)


def test_reload_keeps_the_running_layout_when_the_file_is_broken(
    qapp: QApplication, wall: Wall, layout_file: Path
) -> None:
    async def scenario(client: Callable[[str], httpx.AsyncClient], _: WallCommands) -> None:
        reload = {"command": "reload"}
        assert (await client(OPS).post("/v1/commands", json=reload)).status_code == 403
        layout_file.write_text(
            LAYOUT.replace("title: Pulse, duration: 1h", "title: Pulse, duration: soon"),
            encoding="utf-8",
        )
        broken = await client(ADMIN).post("/v1/commands", json=reload)
        assert broken.status_code == 422, broken.text
        body = broken.json()
        assert "the running layout stays" in body["error"]
        assert len(body["issues"]) == 3  # one per screen
        assert body["issues"][0]["path"] == ["screens[0].pages[0].duration"]
        assert body["issues"][0]["message"].startswith("line 5, column 97: 'soon' is not")
        assert wall.screen_windows["lobby"].screen_config.pages[0].duration == 3600
        layout_file.write_text(LAYOUT.replace("Brand pulse", "Brand"), encoding="utf-8")
        fixed = await client(ADMIN).post("/v1/commands", json=reload)
        assert fixed.status_code == 200, fixed.text
        assert fixed.json()["applied"] is True

    serve(qapp, wall, layout_file, scenario)
    assert wall.screen_windows["lobby"].screen_config.pages[1].title == "Brand"


def test_metrics_parse_as_prometheus_text_and_need_a_token(
    qapp: QApplication, wall: Wall, layout_file: Path
) -> None:
    async def scenario(client: Callable[[str], httpx.AsyncClient], _: WallCommands) -> str:
        assert (await client("wrong-0123456789abcdef").get("/metrics")).status_code == 401
        answer = await client(VIEWER).get("/metrics")
        assert answer.status_code == 200
        assert answer.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        return answer.text

    wall.hub.publish("social.rate", 1.0)  # a value: social has data, of some age
    text = serve(qapp, wall, layout_file, scenario)
    families = {family.name: family for family in text_string_to_metric_families(text)}
    up = {s.labels["screen"]: s.value for s in families["kiosk_screen_up"].samples}
    assert up == {"lobby": 1.0, "care": 1.0, "pr": 1.0}
    ages = families["kiosk_source_data_age_seconds"].samples
    assert [s.labels["source"] for s in ages] == ["social"] and 0 <= ages[0].value < 60
    assert families["process_resident_memory_bytes"].samples[0].value > 10 * 2**20
    assert families["kiosk_uptime_seconds"].samples[0].value > 0


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 made here with openssl (cryptography is not a dependency)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a certificate")
    cert, key = folder / "wall.crt", folder / "wall.key"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt"),
            *("ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_tls_answers_over_https_and_refuses_plain_http(
    qapp: QApplication, qtbot: QtBot, layout_file: Path
) -> None:
    cert, _ = _self_signed(layout_file.parent)
    layout_file.write_text(LAYOUT + "  tls: {cert: wall.crt, key: wall.key}\n", encoding="utf-8")
    layout = load_layout(layout_file)
    wall = Wall(layout, Runtime(layout).hub)
    wall.bind()
    trust = ssl.create_default_context(cafile=str(cert))

    async def scenario(client: Callable[[str], httpx.AsyncClient], _: WallCommands) -> None:
        secure = client(VIEWER)
        assert str(secure.base_url).startswith("https://127.0.0.1:")
        assert (await secure.get("/v1/status")).status_code == 200
        plain = str(secure.base_url).replace("https://", "http://")
        async with httpx.AsyncClient(base_url=plain, timeout=5) as insecure:
            with pytest.raises(httpx.HTTPError):
                await insecure.get("/v1/status", headers={"Authorization": f"Bearer {VIEWER}"})

    try:
        serve(qapp, wall, layout_file, scenario, verify=trust)
    finally:
        wall.close()


def test_tls_files_are_checked_like_other_layout_files(tmp_path: Path) -> None:
    path = tmp_path / "inner" / "wall.yaml"
    path.parent.mkdir()
    (tmp_path / "outside.key").write_text("x")
    path.write_text(LAYOUT + "  tls: {cert: missing.crt, key: ../outside.key}\n", encoding="utf-8")
    with pytest.raises(LayoutError) as error:
        load_layout(path)
    text = error.value.render()
    assert "missing.crt is not a file" in text and "outside the layout's folder" in text


def test_openapi_names_the_new_commands_and_metrics() -> None:
    description: dict[str, Any] = openapi()
    names = set(description["components"]["schemas"]["Command"]["discriminator"]["mapping"])
    assert {"cast", "emergency", "end_emergency", "reload"} <= names
    assert "/metrics" in description["paths"]
