"""The wall's HTTP API: the command model over JSON, served by aiohttp in the wall's own loop.

The wall's asyncio loop is Qt's (qasync), so a request is handled on the UI thread between two
paints: a command reaches the windows without any locking. No Qt is imported here; the wall is
reached through :class:`CommandTarget`.

Requests are checked in this order, and the first failure answers: a body over 64 KiB (413),
too many wrong tokens from the address (429), the token (401), the token's scope for the
command named (403), the body as JSON (400), the command against the layout (422, with every
issue's field path). Only then does anything change.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import math
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from aiohttp import web

from kiosk.config.control import Control, Scope, split_listen
from kiosk.control.audit import AuditLog
from kiosk.control.commands import (
    Command,
    CommandError,
    Decide,
    DecisionConflictError,
    Directory,
    NotShownError,
    Screenshot,
    Status,
    UnavailableError,
    UnknownPostError,
    Validated,
    scope_of,
    validate,
)
from kiosk.control.figures import WallFigures
from kiosk.control.openapi import openapi

if TYPE_CHECKING:
    from limits import RateLimitItem
    from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024  # the longest message is under 1 KiB; nothing needs more
LOCAL = "local"
WEB_DIR = Path(__file__).with_name("web")  # the control page: static files, no build step
# The page and the API description hold no wall data: served without a token, so a phone can
# load the page that then asks for one.
PUBLIC_PATHS = frozenset({"/", "/openapi.json"})
WEB_PREFIX = "/web/"
AUDIT_LIMIT = 500
# The page's scripts and styles come from here only; screenshots are shown as blob: URLs.
PAGE_POLICY = (
    "default-src 'self'; img-src 'self' blob:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'"
)
ALL_SCOPES: frozenset[Scope] = frozenset({"view", "operate", "admin"})

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class CommandTarget(Protocol):
    """What the API needs of the wall (kiosk.screens.commands.WallCommands)."""

    def directory(self) -> Directory: ...
    def execute(self, validated: Validated) -> dict[str, Any]: ...
    def screenshot(self, command: Screenshot) -> bytes: ...
    def status(self, command: Status | None = None) -> dict[str, Any]: ...
    def figures(self) -> WallFigures: ...
    def moderation(self) -> dict[str, Any]: ...
    def decide(self, command: Decide, by: str) -> dict[str, Any]: ...
    def fleet(self) -> dict[str, Any] | None: ...
    def fleet_thumbnail(self, box: str, screen: str) -> bytes | None: ...


@dataclass(frozen=True)
class Caller:
    """Who sent a request: a token's name (or "local" without tokens) and what it may do."""

    name: str
    scopes: frozenset[Scope]


CALLER = web.RequestKey("caller", Caller)


def problem(status: int, error: str, **more: Any) -> web.Response:
    """A JSON error body: ``{"error": what is wrong, ...}``."""
    return web.json_response({"error": error, **more}, status=status)


class ControlServer:
    """The HTTP API of one wall.

    Args:
        config: the layout's ``control:`` section.
        wall: where validated commands go.
        audit: where applied commands are written.
        port: overrides the configured port (0: any free one; tests).
    """

    def __init__(
        self, config: Control, wall: CommandTarget, audit: AuditLog, *, port: int | None = None
    ) -> None:
        self.config = config
        self.wall = wall
        self.audit = audit
        self.host, configured = split_listen(config.listen)
        self._port = configured if port is None else port
        self._runner: web.AppRunner | None = None
        # Wrong tokens per address, in a moving minute (the limits library, in memory; imported
        # only where there are tokens to check: a wall's memory is issue #14's).
        self._failures: tuple[MovingWindowRateLimiter, RateLimitItem] | None = None
        if config.tokens and config.failed_tokens_per_minute:
            from limits import RateLimitItemPerMinute
            from limits.storage import MemoryStorage
            from limits.strategies import MovingWindowRateLimiter

            limit = RateLimitItemPerMinute(config.failed_tokens_per_minute)
            self._failures = (MovingWindowRateLimiter(MemoryStorage()), limit)
        self._warned: set[str] = set()  # addresses already logged as locked out
        self.app = web.Application(client_max_size=MAX_BODY, middlewares=[self._errors, self._auth])
        self.app.router.add_get("/openapi.json", self._openapi)
        self.app.router.add_get("/v1/status", self._status)
        self.app.router.add_get("/v1/screens/{screen}/screenshot", self._screenshot)
        self.app.router.add_post("/v1/commands", self._command)
        self.app.router.add_get("/v1/moderation", self._moderation)
        self.app.router.add_get("/metrics", self._metrics)
        self.app.router.add_get("/v1/screens", self._screens)
        self.app.router.add_get("/v1/audit", self._audit)
        self.app.router.add_get("/v1/fleet", self._fleet)
        self.app.router.add_get("/v1/fleet/{box}/{screen}/thumbnail", self._fleet_thumbnail)
        self.app.router.add_get("/", self._page)
        self.app.router.add_static(WEB_PREFIX, WEB_DIR)

    @property
    def port(self) -> int:
        """The port listened on (the real one when 0 was asked for)."""
        if self._runner is not None:
            for address in self._runner.addresses:
                return int(address[1])
        return self._port

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        scheme = "https" if self.config.tls is not None else "http"
        return f"{scheme}://{host}:{self.port}"

    async def start(self) -> None:
        """Listen. Raises OSError when the port is taken (the caller logs it; the wall runs)."""
        context = self._tls()
        runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self._port, backlog=32, ssl_context=context)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        scheme = "tokens" if self.config.tokens else "no tokens: localhost only"
        log.info("control API on %s (%s)", self.url, scheme)

    def _tls(self) -> ssl.SSLContext | None:
        """The server's TLS context, when ``control: tls:`` is given. Raises OSError (an
        ssl.SSLError among them) for a certificate or key that cannot be used."""
        tls = self.config.tls
        if tls is None:
            return None
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(tls.cert, tls.key)
        return context

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    # -- middlewares -----------------------------------------------------------------------

    @web.middleware
    async def _errors(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Every answer is JSON, aiohttp's own errors (404, 405, 413) included."""
        try:
            return await handler(request)
        except web.HTTPException as error:
            if error.status < 400:
                raise
            text = error.reason if error.status != 413 else f"body over {MAX_BODY} bytes"
            response = problem(error.status, text)
            if "WWW-Authenticate" in error.headers:
                response.headers["WWW-Authenticate"] = error.headers["WWW-Authenticate"]
            return response
        except asyncio.CancelledError:
            raise
        except Exception:  # a bug must cost one request, not the wall
            log.exception("control API: %s %s failed", request.method, request.path)
            return problem(500, "internal error; see the wall's log")

    @web.middleware
    async def _auth(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        length = request.content_length
        if length is not None and length > MAX_BODY:
            return problem(413, f"body over {MAX_BODY} bytes")
        if request.path in PUBLIC_PATHS or request.path.startswith(WEB_PREFIX):
            response = await handler(request)
            if request.path != "/openapi.json":
                response.headers["Content-Security-Policy"] = PAGE_POLICY
                response.headers["Cache-Control"] = "no-cache"  # a phone gets an updated page
            return response
        address = request.remote or "?"
        if self._failures is not None and not self._failures[0].test(self._failures[1], address):
            return self._locked_out(address)
        caller = self._caller(request.headers.get("Authorization", ""))
        if caller is None:
            if self._failures is not None:
                self._failures[0].hit(self._failures[1], address)
            response = problem(401, "a valid token is needed: Authorization: Bearer TOKEN")
            response.headers["WWW-Authenticate"] = 'Bearer realm="kiosk"'
            return response
        request[CALLER] = caller
        return await handler(request)

    def _locked_out(self, address: str) -> web.Response:
        """429 for an address that sent too many wrong tokens: guessing costs a minute a try."""
        assert self._failures is not None
        failures, limit = self._failures
        stats = failures.get_window_stats(limit, address)
        wait = max(1, math.ceil(stats.reset_time - time.time()))
        if address not in self._warned:
            self._warned.add(address)
            log.warning(
                "control API: %d wrong tokens from %s within a minute; refusing it for %d s",
                limit.amount,
                address,
                wait,
            )
        response = problem(429, f"too many wrong tokens from {address}; try again in {wait} s")
        response.headers["Retry-After"] = str(wait)
        return response

    def _caller(self, header: str) -> Caller | None:
        if not self.config.tokens:
            return Caller(LOCAL, ALL_SCOPES)  # listening on localhost only: checked at load
        scheme, _, given = header.partition(" ")
        if scheme.lower() != "bearer" or not given:
            return None
        found = None
        for name, token in self.config.tokens.items():  # every one compared: constant time
            if hmac.compare_digest(token.token.encode(), given.strip().encode()):
                found = Caller(name, frozenset(token.scopes))
        return found

    # -- routes ----------------------------------------------------------------------------

    async def _openapi(self, request: web.Request) -> web.Response:
        return web.json_response(openapi())

    async def _moderation(self, request: web.Request) -> web.Response:
        """The posts waiting for approval (newest first) and the recent decisions."""
        if (denied := _denied(request, "status")) is not None:
            return denied
        return web.json_response(self.wall.moderation())

    async def _status(self, request: web.Request) -> web.Response:
        if (denied := _denied(request, "status")) is not None:
            return denied
        return web.json_response(self.wall.status())

    async def _screenshot(self, request: web.Request) -> web.StreamResponse:
        if (denied := _denied(request, "screenshot")) is not None:
            return denied
        command = {"command": "screenshot", "screen": request.match_info["screen"]}
        if "width" in request.query:  # a numeric string; validation says if it is not
            command["width"] = request.query["width"]
        return self._run(command)

    async def _screens(self, request: web.Request) -> web.Response:
        """The layout's screens with their groups and page titles (what commands may name)."""
        if (denied := _denied(request, "status")) is not None:
            return denied
        entries = self.wall.directory().screens
        return web.json_response(
            {
                "screens": [
                    {"name": e.name, "groups": sorted(e.groups), "pages": list(e.pages)}
                    for e in entries
                ]
            }
        )

    async def _fleet(self, request: web.Request) -> web.Response:
        """Every box of the site (online, role, screens, data and heartbeat ages, thumbnails'
        ages); 404 on a wall that takes no data over MQTT."""
        if (denied := _denied(request, "status")) is not None:
            return denied
        boxes = self.wall.fleet()
        if boxes is None:
            return problem(404, "this wall is not part of a fleet (no data: mqtt:)")
        return web.json_response({"boxes": boxes})

    async def _fleet_thumbnail(self, request: web.Request) -> web.Response:
        """The last JPEG a box published of one of its screens."""
        if (denied := _denied(request, "status")) is not None:
            return denied
        box, screen = request.match_info["box"], request.match_info["screen"]
        jpeg = self.wall.fleet_thumbnail(box, screen)
        if jpeg is None:
            return problem(404, f"no thumbnail of {screen} on {box} (yet)")
        return web.Response(body=jpeg, content_type="image/jpeg",
                            headers={"Cache-Control": "no-store"})  # fmt: skip

    async def _audit(self, request: web.Request) -> web.Response:
        """The newest applied commands, newest first: ``?limit=`` 1 to 500, default 50."""
        if (denied := _denied(request, "status")) is not None:
            return denied
        raw = request.query.get("limit", "50")
        if not raw.isdigit() or not 1 <= int(raw) <= AUDIT_LIMIT:
            issue = {"path": ["limit"], "message": f"a whole number from 1 to {AUDIT_LIMIT}"}
            return problem(422, f"limit: {issue['message']}", issues=[issue])
        return web.json_response({"entries": self.audit.last(int(raw))})

    async def _page(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(WEB_DIR / "index.html")

    async def _metrics(self, request: web.Request) -> web.Response:
        """Prometheus text format (scope view)."""
        if (denied := _denied(request, "metrics")) is not None:
            return denied
        from kiosk.control.metrics import CONTENT_TYPE, exposition  # prometheus_client, on use

        body = exposition(self.wall.figures())
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})

    async def _command(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        try:
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            return problem(400, f"the body is not JSON: {error}")
        name = data.get("command") if isinstance(data, dict) else None
        if (denied := _denied(request, name if isinstance(name, str) else "")) is not None:
            return denied
        return self._run(data, request[CALLER])

    def _run(self, data: object, caller: Caller | None = None) -> web.StreamResponse:
        try:
            validated = validate(data, self.wall.directory())
        except CommandError as error:
            issues = [issue.as_json() for issue in error.issues]
            return problem(422, str(error), issues=issues)
        command: Command = validated.command
        if isinstance(command, Screenshot):
            try:
                png = self.wall.screenshot(command)
            except NotShownError as error:
                return problem(409, str(error))
            return web.Response(body=png, content_type="image/png")
        if isinstance(command, Status):
            return web.json_response(self.wall.status(command))
        assert caller is not None
        try:
            if isinstance(command, Decide):  # approve / reject / hide: who decided is kept
                result = self.wall.decide(command, caller.name)
            else:
                result = self.wall.execute(validated)
        except UnknownPostError as error:
            return problem(404, str(error))
        except DecisionConflictError as error:
            return problem(409, str(error))
        except CommandError as error:  # found only when applied (a post no longer kept, ...)
            issues = [issue.as_json() for issue in error.issues]
            return problem(422, str(error), issues=issues)
        except UnavailableError as error:
            return problem(409, str(error))
        detail = command.model_dump(mode="json", exclude_defaults=True)
        detail["command"] = command.command
        self.audit.record(caller.name, detail, list(validated.screens))
        return web.json_response({"ok": True, "command": command.command, **result})


def _denied(request: web.Request, command: str) -> web.Response | None:
    caller: Caller = request[CALLER]
    needed = scope_of(command)
    if needed in caller.scopes:
        return None
    return problem(403, f"token {caller.name!r} lacks the {needed!r} scope for {command!r}"[:300])
