"""One data node, many walls, over MQTT (``kiosk serve`` and ``data: {mqtt: …}``). No Qt.

Topics, under ``kiosk/<site>/``:

- ``stream/<source.stream>``: the stream's last value, retained (msgpack, :mod:`.codec`);
- ``stream/<source.stream>/new``: new posts of a mention stream as they come (not retained);
- ``source/<source>``: the source's state and last confirmation, retained (JSON);
- ``box/<box>``: every box's presence and heartbeat, retained, with a last will saying
  ``online: false`` that the broker publishes when the box stops answering;
- ``sync/<group>``: the schedule a group of screens flips on, over several boxes (:mod:`.sync`);
- ``thumb/<box>/<screen>``: a small JPEG of what a wall box's screen shows, retained, refreshed
  every half minute (the fleet view on the control page).
"""

from __future__ import annotations


def stream_topic(site: str, name: str) -> str:
    return f"kiosk/{site}/stream/{name}"


def batch_topic(site: str, name: str) -> str:
    return f"kiosk/{site}/stream/{name}/new"


def source_topic(site: str, name: str) -> str:
    return f"kiosk/{site}/source/{name}"


def box_topic(site: str, box: str) -> str:
    return f"kiosk/{site}/box/{box}"


def thumbnail_topic(site: str, box: str, screen: str) -> str:
    return f"kiosk/{site}/thumb/{box}/{screen}"
