"""The fleet view of the control page, in a real headless Chromium, against real processes: a
Mosquitto, ``kiosk serve`` and two ``kiosk run`` wall boxes; the page is one box's."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from selenium import webdriver

from tests import fleet_walls
from tests.mqtt_broker import MOSQUITTO, Broker, free_port
from tests.test_control_web import CHROMEDRIVER, CHROMIUM, Page, _chromium, until

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists() and Path(MOSQUITTO).exists()),
    reason="needs Debian's chromium, chromium-driver and mosquitto",
)

FLEET_THUMBS = """
const figures = [...document.querySelectorAll(`.box[data-box="${arguments[0]}"] figure`)];
return figures.filter((f) => {
  const img = f.querySelector('img');
  return img.complete && img.naturalWidth > 0;
}).map((f) => [f.dataset.screen, f.querySelector('img').naturalWidth]);
"""


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SE_OFFLINE", "true")
        driver = _chromium()
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def test_the_control_page_shows_every_box_with_thumbnails_and_a_dead_one_offline(
    tmp_path: Path, browser: webdriver.Chrome
) -> None:
    boxes = ["wall-a", "wall-b"]
    broker = Broker(tmp_path).start()
    layout = fleet_walls.write_layout(tmp_path, broker.address, boxes, page=5.0)
    node = fleet_walls.serve(layout, tmp_path)
    port = free_port()
    here = fleet_walls.run_wall(layout, "wall-a", tmp_path, 120, port=port)
    there = fleet_walls.run_wall(layout, "wall-b", tmp_path, 120)
    url = f"http://127.0.0.1:{port}"
    try:

        def answering() -> bool:
            try:
                return httpx.get(url + "/v1/fleet", timeout=5).status_code == 200
            except httpx.TransportError:
                return False

        until("wall-a's control API", answering, timeout=60)
        browser.get(url + "/")
        shots = os.environ.get("KIOSK_WEB_SHOTS")  # as in test_control_web: keep a look
        page = Page(browser, Path(shots) if shots else None)
        page.visible("#tab-button-fleet")  # a fleet box: the tab is there
        page.click("#tab-button-fleet")
        page.visible('.box[data-box="node"]')

        def facts(box: str) -> str:
            texts = page.texts(f'.box[data-box="{box}"]')
            return texts[0] if texts else ""

        page.wait("both walls online", lambda _d: all(
            "online" in facts(b) and "offline" not in facts(b) for b in boxes))  # fmt: skip
        assert "node" in facts("node") and "Heartbeat" in facts("node")
        assert "Screens: side-wall-b, videowall" in facts("wall-b")
        page.wait("wall-b's data age", lambda _d: "Data" in facts("wall-b"))
        # Each box's screens as thumbnails, published over the broker: wall-b's side screen
        # and its panel of the span.
        shown = page.wait(
            "wall-b's thumbnails", lambda _d: len(page.js(FLEET_THUMBS, "wall-b") or []) == 2
        )
        assert shown
        thumbs = dict(page.js(FLEET_THUMBS, "wall-b"))  # type: ignore[arg-type]
        assert set(thumbs) == {"side-wall-b", "videowall#2"}
        assert all(0 < width <= 320 for width in thumbs.values())
        # Its own too, through the broker: published on their own clock, maybe a refresh later.
        assert page.wait("wall-a's thumbnails", lambda _d: page.js(FLEET_THUMBS, "wall-a"))
        page.shot("fleet")

        there.send_signal(signal.SIGKILL)  # a box dies: its last will says so
        killed = time.monotonic()
        page.wait("wall-b offline", lambda _d: "offline" in facts("wall-b"))
        assert time.monotonic() - killed < 10
        assert page.js(FLEET_THUMBS, "wall-b")  # its last pictures stay, with their age
    finally:
        for process in (here, there, node):
            if process.poll() is None:
                process.terminate()
                process.wait(15)
        broker.stop()
