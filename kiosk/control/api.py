"""The wall's HTTP API: the command model over JSON, served in the wall's own loop.

The wall's asyncio loop is Qt's (qasync), so a request is handled on the UI thread between two
paints: a command reaches the windows without any locking. No Qt is imported here; the wall is
reached through :class:`CommandTarget`.

Requests are checked in this order, and the first failure answers: a body over 64 KiB (413),
too many wrong tokens from the address (429), the token (401), the token's scope for the
command named (403), the body as JSON (400), the command against the layout (422, with every
issue's field path). Only then does anything change.

The HTTP itself (h11 over asyncio streams) is in :mod:`kiosk.control.http`.
"""

from __future__ import annotations

import hmac
import json
import logging
import math
import ssl
import time
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, Protocol

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
from kiosk.control.http import Handler, Request, Response, Router, Server, json_response
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
IDLE_TIMEOUT = 60.0  # seconds a connection may wait between requests, or within one


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


CALLER = "caller"  # the request's context key for its Caller


def problem(status: int, error: str, **more: Any) -> Response:
    """A JSON error body: ``{"error": what is wrong, ...}``."""
    return json_response({"error": error, **more}, status=status)


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
        # The control page's files, read once: serving the page reads no disk in the UI thread.
        self._web = {
            path.name: (path.read_bytes(), _content_type(path.name))
            for path in WEB_DIR.iterdir()
            if path.is_file()
        }
        routes = Router()
        routes.get("/openapi.json", self._openapi)
        routes.get("/v1/status", self._status)
        routes.get("/v1/screens/{screen}/screenshot", self._screenshot)
        routes.post("/v1/commands", self._command)
        routes.get("/v1/moderation", self._moderation)
        routes.get("/metrics", self._metrics)
        routes.get("/v1/screens", self._screens)
        routes.get("/v1/audit", self._audit)
        routes.get("/v1/fleet", self._fleet)
        routes.get("/v1/fleet/{box}/{screen}/thumbnail", self._fleet_thumbnail)
        routes.get("/", self._page)
        routes.get(WEB_PREFIX + "{name}", self._web_file)
        self.server = Server(
            routes, self._auth, problem, max_body=MAX_BODY, idle_timeout=IDLE_TIMEOUT
        )

    @property
    def port(self) -> int:
        """The port listened on (the real one when 0 was asked for)."""
        address = self.server.address
        return self._port if address is None else address[1]

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        scheme = "https" if self.config.tls is not None else "http"
        return f"{scheme}://{host}:{self.port}"

    async def start(self) -> None:
        """Listen. Raises OSError when the port is taken (the caller logs it; the wall runs)."""
        context = self._tls()
        await self.server.start(self.host, self._port, ssl_context=context, backlog=32)
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
        await self.server.stop()

    # -- the check of every request ----------------------------------------------------------

    async def _auth(self, request: Request, handler: Handler) -> Response:
        """The token, and its address's count of wrong ones; the page and the API description
        are served without. (The body's size was checked before: kiosk.control.http.)"""
        if request.path in PUBLIC_PATHS or request.path.startswith(WEB_PREFIX):
            response = await handler(request)
            if request.path != "/openapi.json":
                response.headers["Content-Security-Policy"] = PAGE_POLICY
                response.headers["Cache-Control"] = "no-cache"  # a phone gets an updated page
            return response
        address = request.remote
        if self._failures is not None and not self._failures[0].test(self._failures[1], address):
            return self._locked_out(address)
        caller = self._caller(request.headers.get("authorization", ""))
        if caller is None:
            if self._failures is not None:
                self._failures[0].hit(self._failures[1], address)
            response = problem(401, "a valid token is needed: Authorization: Bearer TOKEN")
            response.headers["WWW-Authenticate"] = 'Bearer realm="kiosk"'
            return response
        request.context[CALLER] = caller
        return await handler(request)

    def _locked_out(self, address: str) -> Response:
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

    async def _openapi(self, request: Request) -> Response:
        return json_response(openapi())

    async def _moderation(self, request: Request) -> Response:
        """The posts waiting for approval (newest first) and the recent decisions."""
        if (denied := _denied(request, "status")) is not None:
            return denied
        return json_response(self.wall.moderation())

    async def _status(self, request: Request) -> Response:
        if (denied := _denied(request, "status")) is not None:
            return denied
        return json_response(self.wall.status())

    async def _screenshot(self, request: Request) -> Response:
        if (denied := _denied(request, "screenshot")) is not None:
            return denied
        command = {"command": "screenshot", "screen": request.match_info["screen"]}
        if "width" in request.query:  # a numeric string; validation says if it is not
            command["width"] = request.query["width"]
        return self._run(command)

    async def _screens(self, request: Request) -> Response:
        """The layout's screens with their groups and page titles (what commands may name)."""
        if (denied := _denied(request, "status")) is not None:
            return denied
        entries = self.wall.directory().screens
        return json_response(
            {
                "screens": [
                    {"name": e.name, "groups": sorted(e.groups), "pages": list(e.pages)}
                    for e in entries
                ]
            }
        )

    async def _fleet(self, request: Request) -> Response:
        """Every box of the site (online, role, screens, data and heartbeat ages, thumbnails'
        ages); 404 on a wall that takes no data over MQTT."""
        if (denied := _denied(request, "status")) is not None:
            return denied
        boxes = self.wall.fleet()
        if boxes is None:
            return problem(404, "this wall is not part of a fleet (no data: mqtt:)")
        return json_response({"boxes": boxes})

    async def _fleet_thumbnail(self, request: Request) -> Response:
        """The last JPEG a box published of one of its screens."""
        if (denied := _denied(request, "status")) is not None:
            return denied
        box, screen = request.match_info["box"], request.match_info["screen"]
        jpeg = self.wall.fleet_thumbnail(box, screen)
        if jpeg is None:
            return problem(404, f"no thumbnail of {screen} on {box} (yet)")
        return Response(body=jpeg, content_type="image/jpeg",
                        headers={"Cache-Control": "no-store"})  # fmt: skip

    async def _audit(self, request: Request) -> Response:
        """The newest applied commands, newest first: ``?limit=`` 1 to 500, default 50."""
        if (denied := _denied(request, "status")) is not None:
            return denied
        raw = request.query.get("limit", "50")
        if not raw.isdigit() or not 1 <= int(raw) <= AUDIT_LIMIT:
            issue = {"path": ["limit"], "message": f"a whole number from 1 to {AUDIT_LIMIT}"}
            return problem(422, f"limit: {issue['message']}", issues=[issue])
        return json_response({"entries": self.audit.last(int(raw))})

    async def _page(self, request: Request) -> Response:
        return self._file("index.html")

    async def _web_file(self, request: Request) -> Response:
        """The control page's scripts and styles."""
        return self._file(request.match_info["name"])

    def _file(self, name: str) -> Response:
        """One of the page's files, by name only: "..", a second folder or a made-up name is not
        among them (404)."""
        if (found := self._web.get(name)) is None:
            return problem(404, "not found")
        body, kind = found
        return Response(body=body, content_type=kind)

    async def _metrics(self, request: Request) -> Response:
        """Prometheus text format (scope view)."""
        if (denied := _denied(request, "metrics")) is not None:
            return denied
        from kiosk.control.metrics import CONTENT_TYPE, exposition  # prometheus_client, on use

        body = exposition(self.wall.figures())
        return Response(body=body, content_type=CONTENT_TYPE)

    async def _command(self, request: Request) -> Response:
        raw = request.body
        try:
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            return problem(400, f"the body is not JSON: {error}")
        name = data.get("command") if isinstance(data, dict) else None
        if (denied := _denied(request, name if isinstance(name, str) else "")) is not None:
            return denied
        return self._run(data, request.context[CALLER])

    def _run(self, data: object, caller: Caller | None = None) -> Response:
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
            return Response(body=png, content_type="image/png")
        if isinstance(command, Status):
            return json_response(self.wall.status(command))
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
        return json_response({"ok": True, "command": command.command, **result})


# The control page's own files are of these types. mimetypes.guess_type() would read the system's
# table (/etc/mime.types: 1,800 types, 0.3 MB kept for the life of the wall, and its answer for
# .js differs between machines); mimetypes.MimeTypes() reads it too.
_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
}


def _content_type(name: str) -> str:
    kind = _TYPES.get(PurePath(name).suffix.lower(), "application/octet-stream")
    return f"{kind}; charset=utf-8" if kind.startswith("text/") else kind


def _denied(request: Request, command: str) -> Response | None:
    caller: Caller = request.context[CALLER]
    needed = scope_of(command)
    if needed in caller.scopes:
        return None
    return problem(403, f"token {caller.name!r} lacks the {needed!r} scope for {command!r}"[:300])
