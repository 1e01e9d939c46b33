"""One data node, many walls, over MQTT: a real Mosquitto on loopback, real kiosk processes."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from kiosk.config import Layout, LayoutError, load_layout
from kiosk.control.commands import Directory, UnknownPostError, Validated
from kiosk.fleet import codec
from kiosk.fleet.commands import Inbox, Outbox, command_topic, envelope
from kiosk.fleet.node import DataNode
from kiosk.fleet.remote import RemoteData, used_streams
from kiosk.hub import SourceState
from kiosk.values import (
    Alert,
    Breakdown,
    Kind,
    Matrix,
    Mention,
    Metric,
    Place,
    Places,
    RankEntry,
    Ranking,
    TimeSeries,
)
from tests.mqtt_broker import MOSQUITTO, Broker

pytestmark = pytest.mark.skipif(not Path(MOSQUITTO).exists(), reason="needs mosquitto")

ROOT = Path(__file__).resolve().parent.parent


def write_layout(
    folder: Path,
    broker: str,
    *,
    keepalive: str = "2s",
    extra: str = "",
    screen: str = "lobby",
    groups: str = "[]",
    file: str = "fleet.yaml",
) -> Path:
    path = folder / file
    path.write_text(
        textwrap.dedent(
            f"""\
            sources:
              social: {{type: demo, brands: [Acme, Globex], ours: Acme, rate: 40, seed: 3}}
            data:
              mqtt: {{broker: "{broker}", site: hq, box: node1, keepalive: {keepalive},
                      publish_interval: 100ms, snapshot_every: 1s{extra}}}
            screens:
              - name: {screen}
                groups: {groups}
                match: {{index: 0}}
                pages:
                  - title: Lobby
                    widgets:
                      - {{type: kpi, at: [0, 0, 6, 4], data: social.rate, title: Rate}}
                      - {{type: ticker, at: [0, 4, 12, 1], data: social.mentions}}
            """
        ),
        encoding="utf-8",
    )
    return path


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    running = Broker(tmp_path).start()
    yield running
    running.stop()


def wall_options(layout_path: Path, box: str) -> object:
    layout = load_layout(layout_path)
    assert layout.data.mqtt is not None
    return layout, layout.data.mqtt.model_copy(update={"box": box})


async def until(condition: Callable[[], bool], seconds: float = 15.0) -> float:
    """Seconds until ``condition()`` held; fails the test after ``seconds``."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > seconds:
            raise AssertionError(f"not within {seconds} s")
        await asyncio.sleep(0.02)
    return time.monotonic() - started


# -- encoding -------------------------------------------------------------------------------


VALUES = {
    Kind.MENTIONS: (
        Mention(
            "a1",
            1.5,
            "Acme",
            "héllo 👋",
            "en",
            "bluesky",
            "Ann",
            "@ann",
            12,
            -0.5,
            ("#x",),
            "Lyon",
            45.7,
            4.8,
            3,
            ("https://x/i.png",),
        ),
        Mention("a2", 2.0, "Globex", "", "fr", "rss", "", "", 0, 0.0),
    ),
    Kind.SERIES: TimeSeries(("Acme", "Globex"), 60.0, 60.0, np.arange(6.0).reshape(2, 3)),
    Kind.METRIC: Metric(3.5, None, (1.0, 2.0), "%", "share"),
    Kind.BREAKDOWN: Breakdown((("Acme", 2.0), ("Globex", 1.0))),
    # Not the defaults: a field the wire forgot would come back as its default (a calendar's
    # day lost amounts=False and showed its start times as "1.8B" again).
    Kind.RANKING: Ranking(
        (RankEntry("#a", 3.0, None, "d", 0.2), RankEntry("#b", 1.0, 0)), amounts=False
    ),
    Kind.TEXT: "hello",
    Kind.MATRIX: Matrix(("Mon",), ("0", "1"), np.array([[1.0, 2.0]])),
    Kind.ALERTS: (Alert("spike:Acme", "critical", "Acme 4×", 9.0, ("#x",)),),
    Kind.PLACES: Places((Place("Lyon", 45.7, 4.8, 3.0, -0.1),)),
}


@pytest.mark.parametrize("kind", list(Kind))
def test_every_kind_survives_the_wire(kind: Kind) -> None:
    value = VALUES[kind]
    update = codec.decode(codec.encode(kind, 7, 123.25, value), expect=kind)
    assert (update.kind, update.version, update.at) == (kind, 7, 123.25)
    if kind in (Kind.SERIES, Kind.MATRIX):
        assert np.array_equal(update.data.values, value.values)  # type: ignore[attr-defined]
        assert repr(update.data).split("values")[0] == repr(value).split("values")[0]
    else:
        assert update.data == value


def test_bad_messages_are_refused_with_a_reason() -> None:
    with pytest.raises(codec.DecodeError):
        codec.decode(b"\xc1 not msgpack")
    with pytest.raises(codec.DecodeError, match="metric"):
        codec.decode(codec.encode(Kind.TEXT, 1, 1.0, "x"), expect=Kind.METRIC)
    with pytest.raises(codec.DecodeError):
        codec.decode(codec.encode(Kind.TEXT, 1, 1.0, "x")[:-3])


def test_a_mention_batch_says_which_version_it_follows() -> None:
    update = codec.decode(codec.encode_batch(4, 6, 2.0, VALUES[Kind.MENTIONS]))
    assert (update.since, update.version, update.data) == (4, 6, VALUES[Kind.MENTIONS])


# -- layout ---------------------------------------------------------------------------------


def test_a_wall_subscribes_only_to_the_streams_its_screens_use(tmp_path: Path) -> None:
    layout = load_layout(write_layout(tmp_path, "127.0.0.1:1"))
    assert used_streams(layout) == {"social.rate", "social.mentions"}


@pytest.mark.parametrize(
    ("extra", "message"),
    [(", username: u", None), (", password: p", "password needs a username")],
)
def test_broker_options_are_checked(tmp_path: Path, extra: str, message: str | None) -> None:
    path = write_layout(tmp_path, "127.0.0.1:1883", extra=extra)
    if message is None:
        assert load_layout(path).data.mqtt is not None
    else:
        with pytest.raises(LayoutError, match=message):
            load_layout(path)


def test_a_broker_without_a_port_is_a_layout_error(tmp_path: Path) -> None:
    with pytest.raises(LayoutError, match="HOST:PORT"):
        load_layout(write_layout(tmp_path, "mqtt.local"))


def test_serve_without_a_broker_says_what_to_add(tmp_path: Path) -> None:
    lines = write_layout(tmp_path, "127.0.0.1:1").read_text(encoding="utf-8").splitlines()
    start = lines.index("data:")
    path = tmp_path / "plain.yaml"
    path.write_text("\n".join(lines[:start] + lines[start + 3 :]), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "serve", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "data: {mqtt: {broker: HOST:PORT}}" in result.stderr
    assert "Traceback" not in result.stderr


# -- node and walls in one loop, against a real broker --------------------------------------


def test_walls_follow_the_node_and_survive_a_broker_restart(tmp_path: Path) -> None:
    broker = Broker(tmp_path).start()
    layout, options = wall_options(write_layout(tmp_path, broker.address), "node1")
    _, wall_opts = wall_options(tmp_path / "fleet.yaml", "wall1")

    async def scenario() -> None:
        node = DataNode(layout, options)  # type: ignore[arg-type]
        wall = RemoteData(layout, wall_opts)  # type: ignore[arg-type]
        node_ids: set[str] = set()  # every post the node ever had
        node.hub.subscribe(
            "social.mentions", lambda _n, batch: node_ids.update(m.id for m in batch)
        )
        node.start()
        wall.start()
        try:
            await until(lambda: wall.hub.version("social.mentions") > 2)
            await until(lambda: wall.hub.sample("social.rate") is not None)
            await until(lambda: wall.hub.status("social").state is SourceState.OK)
            await until(lambda: "wall1" in wall.fleet_view())
            view = wall.fleet_view()
            assert view["node1"]["online"] is True and view["node1"]["role"] == "node"
            assert view["wall1"]["screens"] == ["lobby"]
            # The node's timestamps and values, not the arrival's.
            node_rate, wall_rate = node.hub.sample("social.rate"), wall.hub.sample("social.rate")
            assert node_rate is not None and wall_rate is not None
            await until(lambda: wall.remote_version["social.rate"] == node_rate.version
                        or wall.remote_version["social.rate"] > node_rate.version)  # fmt: skip
            wall_mentions = wall.hub.sample("social.mentions")
            assert wall_mentions is not None and {m.id for m in wall_mentions.value} <= node_ids
            # Not subscribed: streams no widget of this wall shows stay empty.
            assert wall.hub.sample("social.volume") is None
            assert node.hub.sample("social.volume") is not None

            broker.stop()
            await until(lambda: wall.hub.status("social").state is SourceState.STALE)
            assert "broker" in wall.hub.status("social").detail
            assert wall.fleet_view() == {}  # nothing known about other boxes while cut off
            frozen = wall.hub.version("social.mentions")
            await asyncio.sleep(0.5)
            assert wall.hub.version("social.mentions") == frozen  # last values kept

            broker.start()  # empty: no persistence, the node sends everything again
            await until(lambda: wall.hub.status("social").state is SourceState.OK, 20)
            await until(lambda: wall.hub.version("social.mentions") > frozen)
        finally:
            await wall.stop()
            await node.stop()
            broker.stop()

    asyncio.run(scenario())


# -- processes: kiosk serve, killed and restarted -------------------------------------------


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}


def _serve(layout: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "kiosk.cli", "serve", str(layout)],
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_a_killed_data_node_shows_stale_then_fresh_again(broker: Broker, tmp_path: Path) -> None:
    path = write_layout(tmp_path, broker.address)
    layout, wall_opts = wall_options(path, "wall1")

    async def scenario() -> None:
        node = _serve(path)
        wall = RemoteData(layout, wall_opts)  # type: ignore[arg-type]
        wall.start()
        try:
            await until(lambda: wall.hub.status("social").state is SourceState.OK, 30)
            await until(lambda: wall.hub.version("social.mentions") > 0)
            node.send_signal(signal.SIGKILL)
            node.wait(5)
            # The broker publishes the node's last will after 1.5 keep-alives (2 s here).
            await until(lambda: wall.hub.status("social").state is SourceState.STALE, 10)
            assert "data node" in wall.hub.status("social").detail
            before = wall.hub.version("social.mentions")
            node = _serve(path)
            await until(lambda: wall.hub.status("social").state is SourceState.OK, 30)
            await until(lambda: wall.hub.version("social.mentions") > before, 30)
        finally:
            await wall.stop()
            node.terminate()
            node.wait(10)

    asyncio.run(scenario())


def test_kiosk_run_shows_the_node_streams_and_says_so_on_the_broker(
    broker: Broker, tmp_path: Path
) -> None:
    """A real wall process (offscreen) with data: mqtt: and no sources of its own."""
    path = write_layout(tmp_path, broker.address)
    node = _serve(path)
    seen: dict[str, dict[str, object]] = {}
    watcher = paho.Client(CallbackAPIVersion.VERSION2, client_id="test-watcher")
    watcher.on_connect = lambda c, *_: c.subscribe([("kiosk/hq/box/+", 1), ("kiosk/hq/ack/#", 1)])
    watcher.on_message = lambda _c, _u, m: seen.__setitem__(m.topic, json.loads(m.payload))
    watcher.connect("127.0.0.1", broker.port)
    watcher.loop_start()
    wall_layout = tmp_path / "wall.yaml"
    wall_layout.write_text(
        path.read_text(encoding="utf-8").replace("box: node1", "box: lobby-box"), encoding="utf-8"
    )
    wall = subprocess.Popen(
        [sys.executable, "-m", "kiosk.cli", "run", "--windowed", "--seconds", "60",
         str(wall_layout)],
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        status: dict[str, object] = {}
        while time.monotonic() < deadline:
            status = seen.get("kiosk/hq/box/lobby-box", {})
            if status.get("age") is not None:
                break
            time.sleep(0.1)
        assert status.get("online") is True and status.get("role") == "wall"
        assert status.get("screens") == ["lobby"]
        assert isinstance(status.get("age"), float | int)  # it holds the node's data
        assert seen["kiosk/hq/box/node1"]["online"] is True
        # A command over the broker reaches the real wall's command model and is answered.
        hello = {"command": "message", "headline": "Fleet hello", "to": ["all"], "duration": 30}
        command_id, payload = envelope(hello)
        watcher.publish(command_topic("hq", command_id), payload, qos=1, retain=True)
        ack = f"kiosk/hq/ack/{command_id}/lobby-box"
        deadline = time.monotonic() + 20
        while ack not in seen and time.monotonic() < deadline:
            time.sleep(0.05)
        assert seen[ack]["ok"] is True, seen.get(ack)
        assert seen[ack]["result"]["screens"] == ["lobby"]  # type: ignore[index]
        wall.send_signal(signal.SIGKILL)
        wall.wait(5)
        started = time.monotonic()
        while seen["kiosk/hq/box/lobby-box"].get("online") and time.monotonic() - started < 10:
            time.sleep(0.05)
        assert seen["kiosk/hq/box/lobby-box"]["online"] is False  # its last will
    finally:
        watcher.loop_stop()
        for process in (wall, node):
            if process.poll() is None:
                process.terminate()
                process.wait(10)


# -- commands across boxes ------------------------------------------------------------------


class FakeWall:
    """What the inbox needs of a wall (kiosk.control.api.CommandTarget), recording calls."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.executed: list[Validated] = []

    def directory(self) -> Directory:
        return Directory.of(self.layout.screens)

    def execute(self, validated: Validated) -> dict[str, object]:
        self.executed.append(validated)
        return {"screens": list(validated.screens)}

    def decide(self, command: object, by: str) -> dict[str, object]:
        raise UnknownPostError("no such post here")


BOXES = ("exec-box", "lobby-box")


def _box(tmp_path: Path, broker: Broker, box: str, screen: str, groups: str) -> RemoteData:
    path = write_layout(tmp_path, broker.address, screen=screen, groups=groups, file=f"{box}.yaml")
    layout, options = wall_options(path, box)
    remote = RemoteData(layout, options)  # type: ignore[arg-type]
    remote.inbox.target = FakeWall(layout)  # type: ignore[assignment, arg-type]
    return remote


def test_a_command_to_a_group_reaches_its_boxes_once_even_offline_ones(
    broker: Broker, tmp_path: Path
) -> None:
    acks: dict[str, dict[str, object]] = {}
    sender = paho.Client(CallbackAPIVersion.VERSION2, client_id="test-sender")
    sender.on_connect = lambda c, *_: c.subscribe("kiosk/hq/ack/#", qos=1)
    sender.on_message = lambda _c, _u, m: acks.__setitem__(m.topic, json.loads(m.payload))
    sender.connect("127.0.0.1", broker.port)
    sender.loop_start()

    def send(command: dict[str, object], **kwargs: float) -> tuple[str, bytes]:
        command_id, payload = envelope(command, **kwargs)
        sender.publish(command_topic("hq", command_id), payload, qos=1, retain=True)
        return command_id, payload

    def executed(box: RemoteData) -> list[Validated]:
        return box.inbox.target.executed  # type: ignore[union-attr]

    async def scenario() -> None:
        execs = _box(tmp_path, broker, "exec-box", "boardroom", "[execs]")
        lobby = _box(tmp_path, broker, "lobby-box", "lobby", "[public]")
        for box in (execs, lobby):
            box.start()
        try:
            await until(lambda: execs.connection.connected and lobby.connection.connected)
            hello = {"command": "message", "headline": "Board in 5", "to": ["execs"],
                     "duration": 60}  # fmt: skip
            first, payload = send(hello)
            await until(lambda: f"kiosk/hq/ack/{first}/exec-box" in acks)
            assert acks[f"kiosk/hq/ack/{first}/exec-box"]["ok"] is True
            assert [v.screens for v in executed(execs)] == [("boardroom",)]
            # The same id again (a resend, a reconnect): applied once.
            sender.publish(command_topic("hq", first), payload, qos=1, retain=True)
            pin = {"command": "pin", "page": "Nope", "to": ["all"]}
            bad, _ = send(pin)
            await until(lambda: f"kiosk/hq/ack/{bad}/lobby-box" in acks)
            await until(lambda: f"kiosk/hq/ack/{bad}/exec-box" in acks)
            assert acks[f"kiosk/hq/ack/{bad}/lobby-box"]["ok"] is False  # says why, per box
            assert "Nope" in str(acks[f"kiosk/hq/ack/{bad}/lobby-box"]["error"])
            assert len(executed(execs)) == 1 and executed(lobby) == []
            # hide / approve carry no targets: every box's moderation decides, and answers.
            hide, _ = send({"command": "hide", "id": "demo-1-2"})
            await until(lambda: all(f"kiosk/hq/ack/{hide}/{b}" in acks for b in BOXES))
            assert {str(acks[f"kiosk/hq/ack/{hide}/{b}"]["error"]) for b in BOXES} == {
                "no such post here"
            }
            assert not any("lobby-box" in topic for topic in acks if first in topic)

            # A box that was offline gets what is still valid when it comes back.
            expired, _ = send({"command": "identify", "to": ["execs"]}, expires_in=0.2)
            await asyncio.sleep(0.5)
            late = _box(tmp_path, broker, "late-box", "annex", "[execs]")
            late.start()
            try:
                await until(lambda: f"kiosk/hq/ack/{first}/late-box" in acks)
                await asyncio.sleep(0.5)
                assert [v.command.command for v in executed(late)] == ["message"]
                assert f"kiosk/hq/ack/{expired}/late-box" not in acks
            finally:
                await late.stop()
        finally:
            for box in (execs, lobby):
                await box.stop()
            sender.loop_stop()

    asyncio.run(scenario())


# -- security: passwords and the documented ACL, on the real broker -------------------------

ACL = ROOT / "packaging" / "mosquitto" / "kiosk-acl.conf"
PASSWORDS = {"node1": "n0de-secret", "lobby": "l0bby-secret", "exec-box": "ex3c", "ops": "0ps"}


@pytest.fixture
def secured(tmp_path: Path) -> Iterator[Broker]:
    passwords = tmp_path / "passwords"
    passwords.touch()
    for user, password in PASSWORDS.items():
        subprocess.run(
            ["mosquitto_passwd", "-b", str(passwords), user, password], check=True, timeout=30
        )
    passwords.chmod(0o600)
    extra = f"allow_anonymous false\npassword_file {passwords}\nacl_file {ACL}\n"
    running = Broker(tmp_path, extra=extra).start()
    yield running
    running.stop()


def _client(port: int, user: str, password: str) -> tuple[paho.Client, dict[str, bytes]]:
    got: dict[str, bytes] = {}
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"test-{user}")
    client.username_pw_set(user, password)
    client.on_message = lambda _c, _u, m: got.__setitem__(m.topic, bytes(m.payload))
    client.connect("127.0.0.1", port)
    client.loop_start()
    return client, got


def test_the_site_acl_lets_a_lobby_read_but_not_command(
    secured: Broker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIOSK_TEST_MQTT_PASSWORD", PASSWORDS["exec-box"])
    auth = ', username: exec-box, password: "${env:KIOSK_TEST_MQTT_PASSWORD}"'
    path = write_layout(tmp_path, secured.address, extra=auth, screen="boardroom", groups="[x]")
    layout, options = wall_options(path, "exec-box")
    assert options.password == PASSWORDS["exec-box"]  # type: ignore[attr-defined]
    node, _ = _client(secured.port, "node1", PASSWORDS["node1"])
    lobby, lobby_got = _client(secured.port, "lobby", PASSWORDS["lobby"])
    ops, ops_got = _client(secured.port, "ops", PASSWORDS["ops"])
    intruder, _ = _client(secured.port, "lobby", "wrong")
    topic = "kiosk/hq/stream/social.rate"

    async def scenario() -> None:
        wall = RemoteData(layout, options)  # type: ignore[arg-type]
        wall.inbox.target = FakeWall(layout)  # type: ignore[assignment]
        wall.start()
        try:
            await until(lambda: wall.connection.connected)
            lobby.subscribe("kiosk/hq/stream/#", qos=1)
            ops.subscribe("kiosk/hq/ack/#", qos=1)
            await asyncio.sleep(0.3)
            node.publish(topic, codec.encode(Kind.TEXT, 1, 1.0, "x"), qos=1, retain=True)
            await until(lambda: topic in lobby_got)  # the lobby reads its streams
            lobby.publish("kiosk/hq/stream/social.rate", b"forged", qos=1, retain=True)
            message = {"command": "message", "headline": "forged", "to": ["all"]}
            forged, payload = envelope(message)
            lobby.publish(command_topic("hq", forged), payload, qos=1, retain=True)
            intruder.publish(command_topic("hq", forged), payload, qos=1, retain=True)
            real, payload = envelope({**message, "headline": "from ops"})
            ops.publish(command_topic("hq", real), payload, qos=1, retain=True)
            await until(lambda: f"kiosk/hq/ack/{real}/exec-box" in ops_got)
            await asyncio.sleep(0.5)
            assert f"kiosk/hq/ack/{forged}/exec-box" not in ops_got  # dropped by the broker
            executed = wall.inbox.target.executed  # type: ignore[union-attr]
            assert [v.command.headline for v in executed] == ["from ops"]  # type: ignore[union-attr]
            assert lobby_got[topic] != b"forged"  # a lobby cannot write streams either
        finally:
            await wall.stop()
            for client in (node, lobby, ops, intruder):
                client.loop_stop()

    asyncio.run(scenario())


def test_a_wrong_password_never_connects(secured: Broker, tmp_path: Path) -> None:
    path = write_layout(tmp_path, secured.address, extra=", username: exec-box, password: nope")
    layout, options = wall_options(path, "exec-box")

    async def scenario() -> None:
        wall = RemoteData(layout, options)  # type: ignore[arg-type]
        wall.start()
        await asyncio.sleep(2.0)
        try:
            assert not wall.connection.connected
            assert wall.hub.status("social").state is not SourceState.OK
        finally:
            await wall.stop()

    asyncio.run(scenario())


def _certificates(folder: Path) -> None:
    """A CA, the broker's certificate for 127.0.0.1 and a client's, made with openssl."""

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True, timeout=60)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=kiosk test CA",
        "-keyout", "ca.key", "-out", "ca.pem")  # fmt: skip
    for name, extra in (("server", "subjectAltName=IP:127.0.0.1"), ("client", "")):
        run("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}", "-keyout",
            f"{name}.key", "-out", f"{name}.csr")  # fmt: skip
        (folder / f"{name}.ext").write_text(extra + "\n" if extra else "\n", encoding="utf-8")
        run("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "2", "-out", f"{name}.pem",
            "-extfile", f"{name}.ext")  # fmt: skip


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")
def test_tls_with_client_certificates(tmp_path: Path) -> None:
    _certificates(tmp_path)
    extra = (
        f"cafile {tmp_path / 'ca.pem'}\ncertfile {tmp_path / 'server.pem'}\n"
        f"keyfile {tmp_path / 'server.key'}\nrequire_certificate true\n"
        "use_identity_as_username true\nallow_anonymous true\n"
    )
    broker = Broker(tmp_path, extra=extra).start()
    with_cert = write_layout(
        tmp_path, broker.address, extra=", tls: {ca: ca.pem, cert: client.pem, key: client.key}"
    )
    layout, options = wall_options(with_cert, "node1")
    _, wall_opts = wall_options(with_cert, "wall1")
    no_cert = write_layout(tmp_path, broker.address, extra=", tls: {ca: ca.pem}", file="n.yaml")
    _, bare_opts = wall_options(no_cert, "wall2")

    async def scenario() -> None:
        node = DataNode(layout, options)  # type: ignore[arg-type]
        wall = RemoteData(layout, wall_opts)  # type: ignore[arg-type]
        bare = RemoteData(layout, bare_opts)  # type: ignore[arg-type]
        for part in (node, wall, bare):
            part.start()
        try:
            await until(lambda: wall.hub.sample("social.rate") is not None, 30)
            # The source's status is its own topic: it may come just after the first sample.
            await until(lambda: wall.hub.status("social").state is SourceState.OK, 10)
            assert not bare.connection.connected  # no client certificate: refused
            assert bare.hub.sample("social.rate") is None
        finally:
            for part in (bare, wall, node):
                await part.stop()
            broker.stop()

    asyncio.run(scenario())


# -- an emergency ended across boxes --------------------------------------------------------


def test_an_emergency_ended_while_a_box_was_off_is_not_raised_when_it_comes_back(
    broker: Broker, tmp_path: Path
) -> None:
    acks: dict[str, dict[str, object]] = {}
    operator = paho.Client(CallbackAPIVersion.VERSION2, client_id="test-operator")
    outbox = Outbox("hq", lambda topic, payload: operator.publish(topic, payload, 1, True))

    def message(_c: object, _u: object, m: paho.MQTTMessage) -> None:
        if "/ack/" in m.topic:
            acks[m.topic] = json.loads(m.payload)
        else:
            outbox.received(m.topic, bytes(m.payload))

    operator.on_connect = lambda c, *_: c.subscribe(
        [("kiosk/hq/ack/#", 1), ("kiosk/hq/command/+", 1)]
    )
    operator.on_message = message
    operator.connect("127.0.0.1", broker.port)
    operator.loop_start()

    def commands(box: RemoteData) -> list[str]:
        return [v.command.command for v in box.inbox.target.executed]  # type: ignore[union-attr]

    async def scenario() -> None:
        execs = _box(tmp_path, broker, "exec-box", "boardroom", "[execs]")
        lobby = _box(tmp_path, broker, "lobby-box", "lobby", "[public]")
        for box in (execs, lobby):
            box.start()
        try:
            await until(lambda: execs.connection.connected and lobby.connection.connected)
            raised = outbox.send({"command": "emergency", "headline": "Evacuate", "to": ["all"]})
            await until(lambda: all(f"kiosk/hq/ack/{raised}/{b}" in acks for b in BOXES))
            await until(lambda: raised in outbox.retained)  # the operator hears its own command
            await lobby.stop()  # off while the emergency ends
            ended = outbox.send({"command": "end_emergency"})
            await until(lambda: f"kiosk/hq/ack/{ended}/exec-box" in acks)
            assert commands(execs) == ["emergency", "end_emergency"]
            back = _box(tmp_path, broker, "lobby-box", "lobby", "[public]")
            back.start()
            try:
                # The end is still there (for a box whose store kept the emergency); the
                # emergency is not, so the lobby never shows it again.
                await until(lambda: f"kiosk/hq/ack/{ended}/lobby-box" in acks)
                await asyncio.sleep(0.5)
                assert commands(back) == ["end_emergency"]
                # A new emergency later reaches every box and clears the retained end.
                again = outbox.send({"command": "emergency", "headline": "Again", "to": ["all"]})
                await until(lambda: f"kiosk/hq/ack/{again}/lobby-box" in acks)
                assert commands(back) == ["end_emergency", "emergency"]
                assert list(outbox.retained.values()) == ["emergency"]
            finally:
                await back.stop()
        finally:
            await execs.stop()
            operator.loop_stop()

    asyncio.run(scenario())


def test_a_box_weighs_an_emergency_and_its_end_by_when_they_were_sent(tmp_path: Path) -> None:
    layout = load_layout(write_layout(tmp_path, "127.0.0.1:1", screen="lobby"))
    inbox = Inbox("lobby-box", lambda _id, _ack: None)
    wall = FakeWall(layout)
    inbox.target = wall  # type: ignore[assignment]

    def sent(command: dict[str, object], at: float) -> bytes:
        _, payload = envelope(command)
        return json.dumps({**json.loads(payload), "sent": at}).encode()

    # Retained commands come back in the broker's order, not the order they were sent in.
    inbox.received(sent({"command": "end_emergency"}, 200.0))
    inbox.received(sent({"command": "emergency", "headline": "Old", "to": ["all"]}, 100.0))
    assert [v.command.command for v in wall.executed] == ["end_emergency"]
    inbox.received(sent({"command": "emergency", "headline": "New", "to": ["all"]}, 300.0))
    assert [v.command.command for v in wall.executed] == ["end_emergency", "emergency"]


def test_kiosk_ctl_fleet_sends_to_every_box_and_an_ended_emergency_leaves_nothing_retained(
    broker: Broker, tmp_path: Path
) -> None:
    path = write_layout(tmp_path, broker.address)

    async def ctl(*args: str) -> tuple[int, str, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "kiosk.cli", "ctl", "--fleet", str(path), "--wait", "3", *args,
            env=_env(), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await process.communicate()
        return process.returncode or 0, out.decode(), err.decode()

    def retained() -> list[str]:
        """The commands the broker keeps now, as a box that connects gets them."""
        got: list[str] = []
        client = paho.Client(CallbackAPIVersion.VERSION2, client_id="test-retained")
        client.on_connect = lambda c, *_: c.subscribe("kiosk/hq/command/+", qos=1)
        client.on_message = lambda _c, _u, m: got.append(
            json.loads(m.payload)["command"]["command"]
        )
        client.connect("127.0.0.1", broker.port)
        client.loop_start()
        time.sleep(1.0)
        client.loop_stop()
        client.disconnect()
        return got

    async def scenario() -> None:
        execs = _box(tmp_path, broker, "exec-box", "boardroom", "[execs]")
        lobby = _box(tmp_path, broker, "lobby-box", "lobby", "[public]")
        for box in (execs, lobby):
            box.start()
        try:
            await until(lambda: execs.connection.connected and lobby.connection.connected)
            code, out, err = await ctl("emergency", "Evacuate")
            assert code == 0, err
            assert "exec-box: ok" in out and "lobby-box: ok" in out
            code, out, _ = await ctl("message", "Board in 5", "--to", "execs")
            assert code == 0 and "exec-box: ok" in out and "lobby-box: ok" not in out
            assert "no answer (no target screen there, or busy): lobby-box" in out
            await lobby.stop()
            code, out, _ = await ctl("emergency", "--end")
            assert code == 0 and "exec-box: ok" in out
            left = await asyncio.to_thread(retained)
            assert sorted(left) == ["end_emergency", "message"]  # the emergency is gone
            code, _, err = await ctl("status")
            assert code == 2 and "ask one box's API" in err
        finally:
            await execs.stop()

    asyncio.run(scenario())


def test_an_outbox_clearing_a_retained_emergency_survives_the_brokers_echo() -> None:
    """The broker echoes the cleared (empty) retained message back to the sender, from the MQTT
    client's thread, possibly before ``send`` has forgotten it: CI once failed with a KeyError
    in ``send`` there. Here the echo comes inside the publish itself, the worst case."""
    published: list[tuple[str, bytes]] = []

    def publish(topic: str, payload: bytes) -> None:
        published.append((topic, payload))
        outbox.received(topic, payload)  # the echo, at once

    outbox = Outbox("hq", publish)
    first = outbox.send({"command": "emergency", "text": "Evacuate"})
    ended = outbox.send({"command": "end_emergency"})
    assert (command_topic("hq", first), b"") in published  # the emergency was cleared
    assert set(outbox.retained) == {ended}
