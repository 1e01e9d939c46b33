"""Secrets from ``${env:…}`` never reach the log or the screen: in a query string, in
``user:password@host``, in an OpenSearch index, in httpx's own request lines and in errors."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest

from kiosk import redaction
from kiosk.config import parse_layout
from kiosk.hub import Hub
from kiosk.sources import SOURCES
from tests.faultserver import FaultServer

KEY = "Zq9-api-KEY_41x"
PASSWORD = "pa55-w0rd_secret"
INDEX = "logs-private-7f3a"


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("KIOSK_TEST_KEY", KEY)
    monkeypatch.setenv("KIOSK_TEST_PASSWORD", PASSWORD)
    monkeypatch.setenv("KIOSK_TEST_INDEX", INDEX)
    redaction.install()  # on the root logger's handlers, caplog's among them, as cli.main does
    yield
    redaction.uninstall()
    redaction.forget_secrets()


def layout_text(url: str, *, reachable: str) -> str:
    host = url.removeprefix("http://")
    return f"""
sources:
  api:
    type: http_json
    url: http://reader:${{env:KIOSK_TEST_PASSWORD}}@{host}/json/doc?api_key=${{env:KIOSK_TEST_KEY}}
    interval: 1s
    cache: false
    streams: {{value: {{kind: metric, path: value}}}}
  search:
    type: opensearch
    url: {url}
    index: ${{env:KIOSK_TEST_INDEX}}
    interval: 1s
    cache: false
    streams: {{count: {{kind: metric}}}}
  down:
    type: http_json
    url: http://{reachable}/x?key=${{env:KIOSK_TEST_KEY}}
    interval: 1s
    timeout: 1s
    cache: false
    streams: {{value: {{kind: metric, path: value}}}}
screens: [{{name: a, match: {{any: true}}, pages: [{{title: P}}]}}]
"""


def test_secrets_are_masked_in_every_log_line_and_status(
    secrets: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # kiosk.cli.main quiets httpx to WARNING; a test that ran main() earlier leaves it so, and
    # httpx's request lines are the ones this test must see masked.
    caplog.set_level(logging.DEBUG, logger="httpx")
    with FaultServer() as server:
        server.fault("/es/", "http500")
        # A port nothing listens on: the connection error names the address it tried.
        layout = parse_layout(layout_text(server.url, reachable="127.0.0.1:9"))
        hub = Hub()
        sources = []
        for name, options in layout.sources.items():
            source = SOURCES[options.type](name, options, hub)
            source.declare()
            sources.append(source)

        async def main() -> None:
            tasks = [asyncio.ensure_future(source.run()) for source in sources]
            await asyncio.sleep(2.5)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run(main())
    shown = [handler.format(record) for record in caplog.records for handler in [caplog.handler]]
    statuses = [hub.status(name).detail for name in layout.sources]
    everything = "\n".join([*shown, *statuses])
    assert "HTTP Request: GET http://reader:***@127.0.0.1" in everything  # httpx's own line
    assert "api_key=***" in everything and f"{server.url}/***/_search" in everything
    for secret in (KEY, PASSWORD, INDEX):
        assert secret not in everything
    assert hub.sample("api.value") is not None  # the secrets still went where they belong


def test_a_secret_is_masked_in_its_url_encoded_forms_too() -> None:
    redaction.register_secret("p@ss word/1")
    try:
        text = "GET http://h/?k=p%40ss%20word%2F1 and p%40ss+word%2F1 and p@ss word/1"
        assert redaction.redact(text) == "GET http://h/?k=*** and *** and ***"
        assert redaction.redact("en") == "en"  # short values are never secrets
    finally:
        redaction.forget_secrets()
