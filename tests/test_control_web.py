"""The control page in a real headless Chromium at phone size, against a real wall process.

The wall runs as ``kiosk run`` on the three simulated monitors of tests/screens3.json, its API on
a free port of 127.0.0.1 with tokens (as on a LAN: the page must ask for one). Chromium and its
driver are Debian's (Makefile's SYSTEM_PACKAGES); Selenium is given both paths and told to stay
offline, so nothing is downloaded at test time. Every wait is an explicit condition with a
deadline, never a fixed sleep.

Set ``KIOSK_WEB_SHOTS=DIR`` to keep the page's screenshots (phone size, 2x) for a look.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from PySide6.QtGui import QColor, QImage
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.wait import WebDriverWait

from kiosk.config.layout import Moderation

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENS_FILE = Path(__file__).with_name("screens3.json")
OPS = "ops-0123456789abcdef"
PHONE = (412, 915)  # CSS pixels of a common Android phone
WAIT_S = 15.0  # per condition: generous for a loaded 2-core machine; a pass takes far less
CRITICAL = QColor("#ff6b3d")  # the message card's fill for a critical tone (kiosk.widgets.theme)
# The moderation queue (GET /v1/moderation, approve/reject) where this tree has it: pr becomes
# a public screen whose post wall shows only approved posts.
QUEUE = "approval" in Moderation.model_fields

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="needs Debian's chromium and chromium-driver (make system)",
)

PAGE = """
        widgets:
          - {{type: text, at: [0, 0, 12, 3], size: huge, align: center, text: "{text}"}}
          - {{type: kpi, at: [4, 3, 4, 3], data: social.our_share, title: Share of voice}}"""
LAYOUT = """
sources:
  social: {{type: demo, brands: [Acme, Globex], ours: Acme, rate: 1, seed: 3, backfill: 0}}
{moderation}
screens:
  - name: lobby
    match: {{connector: HDMI-1}}
    groups: [execs]
    pages:
      - title: Pulse{pulse}
      - title: Brand{brand}
  - name: care
    match: {{connector: "DP-*"}}
    groups: [support, execs]
    pages:
      - title: Queue{queue}
  - name: pr
    match: {{connector: HDMI-2}}
    public: {public}
    pages:
      - title: Press{press}
      - title: Brand{brand}
control:
  listen: 127.0.0.1:{port}
  tokens:
    ops: {{token: {token}, scopes: [view, operate]}}
"""

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def until(what: str, check: Callable[[], T | None], timeout: float = WAIT_S) -> T:
    """Poll ``check`` until it returns something truthy; fail saying ``what`` was awaited."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"waited {timeout:g} s for {what}")
        time.sleep(0.05)  # a polling interval, not a wait for something to happen


@dataclass
class RunningWall:
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    cache: Path

    def get(self, path: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {OPS}"}
        return httpx.get(self.url + path, headers=headers, timeout=10)

    def screenshot(self, screen: str) -> QImage:
        answer = self.get(f"/v1/screens/{screen}/screenshot")
        assert answer.status_code == 200, answer.text
        return QImage.fromData(answer.content)


def start_wall(folder: Path) -> RunningWall:
    """``kiosk run`` on a free port; another port if a parallel run took it meanwhile."""
    pages = {
        name: PAGE.format(text=text)
        for name, text in [("pulse", "Pulse"), ("brand", "Brand"), ("queue", "Care queue")]
    }
    pages["press"] = PAGE.format(text="Press room")
    if QUEUE:
        pages["press"] += "\n          - {type: post_wall, at: [8, 3, 4, 5], data: social.mentions}"
    queue = {"moderation": "moderation: {approval: required}" if QUEUE else "", "public": QUEUE}
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": f"offscreen:configfile={SCREENS_FILE}",
        "KIOSK_CACHE_DIR": str(folder / "cache"),  # the audit log lands here
        "KIOSK_STATE_DIR": str(folder / "state"),
    }
    kiosk = Path(sys.executable).with_name("kiosk")
    for _attempt in range(3):
        port = free_port()
        layout = folder / "wall.yaml"
        layout.write_text(LAYOUT.format(port=port, token=OPS, **pages, **queue))
        log = folder / f"wall-{port}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [str(kiosk), "run", str(layout), "--seconds", "120"],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        wall = RunningWall(f"http://127.0.0.1:{port}", process, log, folder / "cache")

        def answering(wall: RunningWall = wall) -> str | None:
            if wall.process.poll() is not None:
                return "exited"
            if "cannot listen" in wall.log.read_text(errors="replace"):
                return "port taken"
            try:
                return "up" if wall.get("/v1/status").status_code == 200 else None
            except httpx.TransportError:
                return None

        outcome = until("the wall's API to answer", answering, timeout=40)
        if outcome == "up":
            return wall
        stop_wall(wall)
        if outcome == "exited":
            pytest.fail(f"the wall exited:\n{log.read_text(errors='replace')[-3000:]}")
    pytest.fail("three free ports were taken before the wall could listen")


def stop_wall(wall: RunningWall) -> None:
    wall.process.terminate()  # SIGTERM: the wall stops cleanly
    try:
        wall.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        wall.process.kill()
        wall.process.wait()


# One wall and one browser for the module: each takes seconds to start on a loaded machine.
@pytest.fixture(scope="module")
def wall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningWall]:
    running = start_wall(tmp_path_factory.mktemp("wall"))
    yield running
    stop_wall(running)


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SE_OFFLINE", "true")  # belt and braces: Selenium Manager never fetches
        driver = _chromium()
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture
def shots() -> Path | None:
    folder = os.environ.get("KIOSK_WEB_SHOTS")
    if not folder:
        return None
    Path(folder).mkdir(parents=True, exist_ok=True)
    return Path(folder)


def _chromium() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in [
        "--headless=new",
        "--no-sandbox",  # CI and containers run as root, where Chromium's sandbox cannot start
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        f"--window-size={PHONE[0]},{PHONE[1]}",
        "--force-device-scale-factor=2",  # a phone's dense screen: thumbnails ask for 2x
    ]:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))


class Page:
    """The control page in the browser, with explicit waits."""

    def __init__(self, driver: webdriver.Chrome, shots: Path | None) -> None:
        self.driver = driver
        self.shots = shots

    def wait(self, what: str, check: Callable[[webdriver.Chrome], T]) -> T:
        # The log and the queue are redrawn every few seconds: an element found a moment ago
        # may be gone, so a check that meets a stale one tries again.
        return WebDriverWait(
            self.driver,
            WAIT_S,
            poll_frequency=0.05,
            ignored_exceptions=[StaleElementReferenceException],
        ).until(check, f"waited {WAIT_S:g} s for {what}")

    def texts(self, css: str) -> list[str]:
        """The texts of what ``css`` finds, read at once (no element to go stale)."""
        found = self.js(
            "return [...document.querySelectorAll(arguments[0])].map((e) => e.innerText)", css
        )
        assert isinstance(found, list)
        return [str(text) for text in found]

    def find(self, css: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def visible(self, css: str) -> WebElement:
        def shown(driver: webdriver.Chrome) -> WebElement | bool:
            found = driver.find_elements(By.CSS_SELECTOR, css)
            return next((e for e in found if e.is_displayed()), False)

        element = self.wait(f"{css} to show", shown)
        assert isinstance(element, WebElement)
        return element

    def click(self, css: str) -> None:
        """Click what ``css`` finds once it is there, again if it was redrawn meanwhile."""

        def clicked(driver: webdriver.Chrome) -> bool:
            driver.find_element(By.CSS_SELECTOR, css).click()
            return True

        self.wait(f"a click on {css}", clicked)

    def js(self, script: str, *args: object) -> object:
        return self.driver.execute_script(script, *args)

    def shot(self, name: str) -> None:
        if self.shots is not None:
            self.driver.save_screenshot(str(self.shots / f"{name}.png"))


THUMBS_LOADED = """
const images = [...document.querySelectorAll('.screen img')];
return images.length === 3 && images.every((img) => img.complete && img.naturalWidth > 0)
    ? images.map((img) => img.naturalWidth) : null;
"""

# The colour at (x, y) as fractions of a card's thumbnail, read back through a canvas: the
# thumbnail is a same-origin blob, so the canvas is not tainted.
THUMB_PIXEL = """
const img = document.querySelector(`.screen[data-screen="${arguments[0]}"] img`);
if (!img.complete || !img.naturalWidth) return null;
const canvas = document.createElement('canvas');
canvas.width = img.naturalWidth;
canvas.height = img.naturalHeight;
const context = canvas.getContext('2d');
context.drawImage(img, 0, 0);
return Array.from(context.getImageData(
    Math.floor(arguments[1] * img.naturalWidth), Math.floor(arguments[2] * img.naturalHeight), 1, 1
).data.slice(0, 3));
"""


def close_to(rgb: object, colour: QColor, tolerance: int = 24) -> bool:
    """The scaled thumbnail blends edges; the card's middle keeps its colour within a little."""
    if not isinstance(rgb, list):
        return False
    expected = (colour.red(), colour.green(), colour.blue())
    return all(abs(int(got) - want) <= tolerance for got, want in zip(rgb, expected, strict=True))


def card_pixel(image: QImage) -> QColor:
    """A point inside a message card: centred, just above the card's bottom margin of 32 px."""
    return image.pixelColor(image.width() // 2, image.height() - 32 - 12)


def test_a_phone_sends_a_message_and_the_wall_shows_it(
    wall: RunningWall, browser: webdriver.Chrome, shots: Path | None
) -> None:
    started = time.monotonic()
    page = Page(browser, shots)
    assert card_pixel(wall.screenshot("pr")) != CRITICAL  # no message yet

    # On a LAN the wall wants a token: the page asks once, says so when one is wrong.
    browser.get(wall.url + "/")
    token = page.visible("#login input[name=token]")
    token.send_keys("not-the-token-at-all")
    page.find("#login button[type=submit]").click()
    page.wait(
        "the page to say the token was refused",
        lambda d: "not accepted" in d.find_element(By.ID, "login-problem").text,
    )
    page.shot("01-token-refused")
    token.clear()
    token.send_keys(OPS)
    page.find("#login button[type=submit]").click()

    # Every screen's live thumbnail, scaled by the wall for a phone (not a 1920-wide grab).
    widths = page.wait("three thumbnails", lambda d: d.execute_script(THUMBS_LOADED))
    assert all(width <= 960 for width in widths), widths
    assert not page.find("#login").is_displayed()
    assert browser.execute_script("return sessionStorage.getItem('kiosk.token')") == OPS
    page.wait(
        "the page each screen shows",
        lambda d: d.find_element(By.CSS_SELECTOR, '.screen[data-screen="pr"] .fact.page').text,
    )
    page.shot("02-screens")

    # Tap a screen: its panel. A message without a headline: the API's refusal, in words.
    page.find('.screen[data-screen="pr"]').click()
    page.visible("#panel")
    assert page.find("#panel-title").text == "pr"
    pages = [b.text for b in browser.find_elements(By.CSS_SELECTOR, "#pages button")]
    assert pages == ["Press", "Brand"]
    page.shot("03-panel")
    page.find("#send-message").click()
    problem = page.visible("#panel-problem")
    assert problem.text == "Headline should have at least 1 character."
    page.shot("04-refused")

    page.find("#message-form input[name=headline]").send_keys("Press call at 15:00")
    page.find("#message-form textarea[name=body]").send_keys("Main hall. Statements go through PR.")
    page.find(".tone-critical").click()
    page.find("#send-message").click()
    notice = page.visible("#notice")
    assert notice.text == "Message on pr."
    assert not page.find("#panel").is_displayed()

    # The wall shows it: the card's vermilion in pr's next screenshot, and on no other screen.
    until(
        "the message card in pr's screenshot", lambda: card_pixel(wall.screenshot("pr")) == CRITICAL
    )
    assert card_pixel(wall.screenshot("lobby")) != CRITICAL
    # ... and so does the phone: the card's facts, then the thumbnail's pixels.
    page.wait(
        "pr's card to name the message",
        lambda d: (
            "Press call at 15:00"
            in d.find_element(By.CSS_SELECTOR, '.screen[data-screen="pr"] .fact.message').text
        ),
    )
    page.wait(
        "pr's thumbnail to show the message card",
        lambda d: close_to(d.execute_script(THUMB_PIXEL, "pr", 0.5, 1 - 44 / 1080), CRITICAL),
    )
    page.shot("05-sent")

    # The log: what was pushed, by whom, where.
    page.find("#tab-button-log").click()
    page.wait("the log to show the message", lambda d: "Press call" in page.texts("#log")[0])
    assert page.texts("#log li .what")[0] == "Message “Press call at 15:00”"
    assert page.texts("#log li .where")[0] == "pr · by ops"
    page.shot("06-log")

    audit = [json.loads(line) for line in (wall.cache / "audit.jsonl").read_text().splitlines()]
    assert [(a["who"], a["screens"]) for a in audit if a["command"] == "message"] == [
        ("ops", ["pr"])
    ]
    # The refused token (401) and headline (422) log as failed loads; a script error must not.
    errors = [
        entry["message"]
        for entry in browser.get_log("browser")
        if entry["level"] == "SEVERE" and "Failed to load resource" not in entry["message"]
    ]
    assert errors == []
    print(f"\nthe page's part: {time.monotonic() - started:.1f} s (wall and browser already up)")


@pytest.mark.skipif(not QUEUE, reason="the moderation queue is not in this tree yet")
def test_a_phone_approves_a_waiting_post(
    wall: RunningWall, browser: webdriver.Chrome, shots: Path | None
) -> None:
    page = Page(browser, shots)
    browser.get(wall.url + "/openapi.json")  # the page's origin, to hand it the token first
    browser.execute_script("sessionStorage.setItem('kiosk.token', arguments[0])", OPS)
    browser.get(wall.url + "/")
    page.find("#tab-button-moderation").click()
    # The queue is redrawn every few seconds: a post is named by its id, never held as an element.
    post = page.wait(
        "a post waiting",
        lambda d: d.find_element(By.CSS_SELECTOR, "#pending li.post").get_attribute("data-post"),
    )
    assert "Posts wait here" in page.find("#moderation-mode").text
    page.shot("07-moderation")
    approve = f'#pending li[data-post="{post}"] button[data-decide=approve]'
    page.click(approve)
    assert page.visible("#notice").text == "Approved."
    decided = f'#decided li[data-post="{post}"]'
    page.wait("the post to move to the decided list", lambda d: page.texts(decided))
    assert not page.texts(f'#pending li[data-post="{post}"]')
    assert "approved by ops" in page.texts(decided)[0]
    page.shot("08-approved")
    queue = wall.get("/v1/moderation").json()
    assert [e["by"] for e in queue["recent"] if e["id"] == post] == ["ops"]
