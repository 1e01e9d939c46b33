"""One data node, many walls, over MQTT: figures for issue #16 (prints them; asserts nothing).

Starts Debian's mosquitto on a free loopback port and ``kiosk serve`` on the demo source at
``--rate`` mentions/s (the demo layout's streams), then ``--walls`` simulated walls in this
process: paho clients subscribing to what the demo's first screen shows, counting messages and
bytes and checking every mention batch follows the version before it. Prints:

- update on the node → receipt in another process, p50/p95 (``at`` of the update vs arrival;
  same machine clock), coalescing interval included;
- CPU of the node and of the broker, bytes and messages per wall per minute, version gaps;
- broker restart → seconds until every wall has a fresh value again;
- data node frozen (a hung box, a pulled cable) and killed → seconds until its last will says
  offline.

    PYTHONPATH=. python benchmarks/bench_fleet.py [--walls 50] [--rate 1000] [--seconds 60]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import paho.mqtt.client as paho
import psutil
from paho.mqtt.enums import CallbackAPIVersion

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk.fleet import codec  # noqa: E402
from tests.mqtt_broker import Broker  # noqa: E402

STREAMS = ["social.rate", "social.our_share", "social.net_sentiment", "social.volume",
           "social.alerts", "social.mentions"]  # fmt: skip


class Wall:
    """A simulated wall: subscribes, counts, checks versions, notes latency."""

    def __init__(self, index: int, port: int) -> None:
        self.lock = threading.Lock()
        self.bytes = 0
        self.messages = 0
        self.gaps = 0
        self.latencies: list[float] = []
        self.last_arrival = 0.0
        self.versions: dict[str, int] = {}
        client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-wall-{index}")
        client.on_connect = self._connected
        client.on_message = self._message
        client.reconnect_delay_set(1, 2)
        client.connect_async("127.0.0.1", port, keepalive=10)
        client.loop_start()
        self.client = client

    def _connected(self, client: paho.Client, *_: object) -> None:
        for name in STREAMS:
            client.subscribe(f"kiosk/bench/stream/{name}", qos=1)
        client.subscribe("kiosk/bench/stream/social.mentions/new", qos=1)
        client.subscribe("kiosk/bench/source/social", qos=1)

    def _message(self, _client: paho.Client, _userdata: object, msg: paho.MQTTMessage) -> None:
        arrived = time.time()
        with self.lock:
            self.bytes += len(msg.payload)
            self.messages += 1
            self.last_arrival = arrived
            if "/stream/" not in msg.topic:
                return
            update = codec.decode(msg.payload)
            name = msg.topic.split("/")[3]
            if msg.topic.endswith("/new"):
                have = self.versions.get(name)
                if have is not None and update.since != have:
                    self.gaps += 1
                self.versions[name] = update.version
            if not msg.retain:
                self.latencies.append(arrived - update.at)

    def stop(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--walls", type=int, default=50)
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-fleet-"))
    broker = Broker(folder).start()
    layout = folder / "node.yaml"
    layout.write_text(
        textwrap.dedent(
            f"""\
            sources:
              social: {{type: demo, brands: [Acme, Globex, Initech, Umbrella], ours: Acme,
                        rate: {args.rate}, seed: 7, rhythm: false}}
            data:
              mqtt: {{broker: "{broker.address}", site: bench, box: node1, keepalive: 4s}}
            screens:
              - name: overview
                match: {{index: 0}}
                pages:
                  - title: Pulse
                    widgets:
                      - {{type: kpi, at: [0, 0, 4, 2], data: social.rate}}
            """
        ),
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    node = subprocess.Popen(
        [sys.executable, "-m", "kiosk.cli", "serve", str(layout)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    walls = [Wall(i, broker.port) for i in range(args.walls)]
    try:
        time.sleep(8.0)  # history backfill, analytics warm
        assert broker.process is not None
        procs = {"node": psutil.Process(node.pid), "broker": psutil.Process(broker.process.pid)}
        cpu0 = {k: p.cpu_times() for k, p in procs.items()}
        for wall in walls:
            with wall.lock:
                wall.bytes = wall.messages = wall.gaps = 0
                wall.latencies.clear()
        started = time.monotonic()
        time.sleep(args.seconds)
        elapsed = time.monotonic() - started
        cpu = {
            k: (sum(p.cpu_times()[:2]) - sum(cpu0[k][:2])) / elapsed * 100 for k, p in procs.items()
        }
        latencies = [x for wall in walls for x in wall.latencies]
        per_min = 60.0 / elapsed
        load = os.getloadavg()[0]
        print(f"fleet bench: {args.walls} walls, demo at {args.rate:.0f} mentions/s, "
              f"{elapsed:.0f} s, {psutil.cpu_count()} cores, load {load:.1f}")  # fmt: skip
        print(f"  node → wall receipt: p50 {pct(latencies, 50) * 1000:.0f} ms, "
              f"p95 {pct(latencies, 95) * 1000:.0f} ms ({len(latencies)} updates; "
              "250 ms coalescing included)")  # fmt: skip
        print(f"  CPU: node {cpu['node']:.0f} %, broker {cpu['broker']:.0f} % of one core")
        mean_bytes = statistics.mean(w.bytes for w in walls) * per_min
        mean_msgs = statistics.mean(w.messages for w in walls) * per_min
        print(f"  per wall: {mean_bytes / 1e6:.2f} MB/min, {mean_msgs:.0f} messages/min; "
              f"version gaps: {sum(w.gaps for w in walls)}")  # fmt: skip

        # Broker restart: every wall fresh again.
        broker.stop()
        time.sleep(1.0)
        restarted = time.time()
        broker.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if all(w.last_arrival > restarted + 0.001 for w in walls):
                break
            time.sleep(0.05)
        fresh = max(w.last_arrival for w in walls) - restarted
        print(f"  broker restart → every wall fresh: {fresh:.1f} s")

        # Node killed → its last will (keep-alive 4 s: the broker waits 1.5×).
        seen: dict[str, bool] = {}
        watcher = paho.Client(CallbackAPIVersion.VERSION2, client_id="bench-watch")
        watcher.on_connect = lambda c, *_: c.subscribe("kiosk/bench/box/node1", qos=1)
        watcher.on_message = lambda _c, _u, m: seen.__setitem__(
            "online", bool(json.loads(m.payload)["online"])
        )
        watcher.connect("127.0.0.1", broker.port)
        watcher.loop_start()
        time.sleep(1.0)
        # A hung box (or a pulled cable): the socket stays open, the pings stop.
        frozen = time.monotonic()
        node.send_signal(signal.SIGSTOP)
        while seen.get("online", True) and time.monotonic() - frozen < 30:
            time.sleep(0.02)
        print(f"  data node frozen (SIGSTOP) → shown offline: {time.monotonic() - frozen:.1f} s "
              "(keep-alive 4 s; the broker waits 1.5×)")  # fmt: skip
        node.send_signal(signal.SIGCONT)
        back = time.monotonic()
        while not seen.get("online", False) and time.monotonic() - back < 30:
            time.sleep(0.02)
        killed = time.monotonic()
        node.send_signal(signal.SIGKILL)  # the kernel closes its socket: the will goes at once
        while seen.get("online", True) and time.monotonic() - killed < 30:
            time.sleep(0.02)
        print(f"  data node killed (SIGKILL) → shown offline: {time.monotonic() - killed:.1f} s")
        watcher.loop_stop()
    finally:
        for wall in walls:
            wall.stop()
        if node.poll() is None:
            node.terminate()
            node.wait(10)
        broker.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
