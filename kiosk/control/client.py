"""``kiosk ctl``: the wall's HTTP API from a shell (no Qt; works over SSH).

Exit codes: 0 done; 1 the wall's API cannot be reached (or answered nonsense); 2 the command was
refused (400, 404, 409, 413, 422); 3 the token is missing, unknown or lacks the scope (401, 403).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.lazy import lazy_import

if TYPE_CHECKING:
    import httpx
else:
    httpx = lazy_import("httpx")


DEFAULT_URL = "http://127.0.0.1:8700"
EXIT_OK, EXIT_UNREACHABLE, EXIT_REFUSED, EXIT_UNAUTHORISED = 0, 1, 2, 3
TIMEOUT_S = 10.0
DECISION_HELP = {
    "approve": "put a waiting post up on the public screens",
    "reject": "keep a post off the public screens for good",
    "hide": "take a post off every screen, public or not, for good",
}
QUEUE_LINES = 20  # waiting posts and decisions listed; --json gives all


def add_arguments(ctl: argparse.ArgumentParser) -> None:
    """The ``ctl`` subcommands, on the parser ``kiosk.cli`` made for it."""
    ctl.add_argument(
        "--url",
        default=os.environ.get("KIOSK_URL", DEFAULT_URL),
        help=f"the wall's API (env KIOSK_URL; default {DEFAULT_URL})",
    )
    ctl.add_argument("--token", default=None, help="bearer token (default: env KIOSK_TOKEN)")
    ctl.add_argument(
        "--cacert",
        type=Path,
        default=os.environ.get("KIOSK_CACERT") or None,
        help="PEM certificate to trust for an https --url (env KIOSK_CACERT), e.g. the wall's own",
    )
    ctl.add_argument("--json", action="store_true", help="print the API's JSON answer")
    ctl.add_argument(
        "--fleet",
        type=Path,
        default=None,
        metavar="LAYOUT",
        help="send to every box of the site over the broker of LAYOUT's data: mqtt: (its "
        "account must be an operator's in the site's ACL), and list each box's answer",
    )
    ctl.add_argument(
        "--wait", type=float, default=5.0, help="--fleet: seconds to collect answers (default 5)"
    )
    commands = ctl.add_subparsers(required=True, metavar="COMMAND", dest="ctl_command")

    def targeted(name: str, text: str) -> argparse.ArgumentParser:
        parser = commands.add_parser(name, help=text)
        parser.add_argument(
            "--to",
            action="append",
            default=None,
            metavar="TARGET",
            help="screen, group or all (repeat or comma-separate; default all)",
        )
        return parser

    message = targeted("message", "show a message on screens until it ends")
    message.add_argument("headline", nargs="?", help="the big line")
    message.add_argument("--body", default=None, help="a smaller line under it")
    message.add_argument("--tone", choices=["info", "good", "warning", "critical"])
    ends = message.add_mutually_exclusive_group()
    ends.add_argument("--for", dest="duration", metavar="DURATION", help="e.g. 90s, 5m, 1h")
    ends.add_argument("--until", help="end time with its zone, e.g. 2026-12-04T14:00+01:00")
    ends.add_argument("--end", metavar="ID", help="end message ID now (its id from 'message')")
    for name, text in [
        ("next", "next page"),
        ("previous", "previous page"),
        ("unpin", "resume rotation"),
        ("blank", "black screen until woken"),
        ("wake", "undo blank"),
    ]:
        targeted(name, text)
    pin = targeted("pin", "hold a page (title, or 0-based index)")
    pin.add_argument("page")
    identify = targeted("identify", "show each TV's connector in huge type")
    identify.add_argument("--seconds", type=float, default=None)
    cast = targeted("cast", "show a page, a widget or a post for a while, then back to rotation")
    cast.add_argument("--for", dest="duration", required=True, metavar="DURATION", help="e.g. 5m")
    what = cast.add_mutually_exclusive_group(required=True)
    what.add_argument("--page", metavar="SCREEN:TITLE", help="a page of the layout")
    what.add_argument("--widget", metavar="JSON", help='e.g. \'{"type": "kpi", "data": "s.rate"}\'')
    what.add_argument("--post", metavar="ID", help="a post from a mention stream, by its id")
    cast.add_argument("--source", default=None, help="with --post: the source that has it")
    emergency = targeted("emergency", "full-screen red message over everything (admin)")
    emergency.add_argument("headline", nargs="?", help="the big line")
    emergency.add_argument("--body", default=None, help="a smaller line under it")
    emergency.add_argument("--end", action="store_true", help="end the emergency now")
    commands.add_parser("reload", help="read the layout file now (admin)")
    commands.add_parser("status", help="screens, messages, sources and the process")
    commands.add_parser("queue", help="posts waiting for approval, and recent decisions")
    for name, text in DECISION_HELP.items():
        decide = commands.add_parser(name, help=text)
        decide.add_argument("id", help="the post's id (kiosk ctl queue lists them)")
    shot = commands.add_parser("screenshot", help="one screen as PNG")
    shot.add_argument("--screen", required=True)
    shot.add_argument("-o", "--out", type=Path, default=None, help="file (default SCREEN.png)")


def command_body(args: argparse.Namespace) -> dict[str, Any]:
    """The JSON command the arguments ask for."""
    name: str = args.ctl_command
    body: dict[str, Any] = {"command": name}
    if getattr(args, "to", None):
        body["to"] = [t.strip() for group in args.to for t in group.split(",") if t.strip()]
    if name == "message":
        if args.end:
            return {"command": "end_message", "id": args.end}
        body["headline"] = args.headline
        optional = {
            "body": args.body,
            "tone": args.tone,
            "duration": args.duration,
            "until": args.until,
        }
        body.update({key: value for key, value in optional.items() if value is not None})
    elif name == "pin":
        body["page"] = int(args.page) if args.page.isdigit() else args.page
    elif name == "identify" and args.seconds is not None:
        body["seconds"] = args.seconds
    elif name == "screenshot":
        body["screen"] = args.screen
    elif name == "cast":
        body.update(_cast_body(args))
    elif name == "emergency":
        if args.end:
            return {"command": "end_emergency"}
        body["headline"] = args.headline
        if args.body is not None:
            body["body"] = args.body
    elif name in DECISION_HELP:
        body["id"] = args.id
    return body


def _cast_body(args: argparse.Namespace) -> dict[str, Any]:
    body: dict[str, Any] = {"duration": args.duration}
    if args.page is not None:
        screen, _, title = args.page.partition(":")  # screen names hold no colon; titles may
        body["page"] = {"screen": screen, "title": title}
    elif args.widget is not None:
        try:
            body["widget"] = json.loads(args.widget)
        except json.JSONDecodeError:
            body["widget"] = args.widget  # not JSON: the wall says so, with anything else wrong
    else:
        body["post"] = {"id": args.post} | ({"source": args.source} if args.source else {})
    return body


def run(args: argparse.Namespace) -> int:
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request is noise here
    body = command_body(args)
    if getattr(args, "fleet", None) is not None:
        return run_fleet(args, body)
    token = args.token or os.environ.get("KIOSK_TOKEN")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        verify: str | bool = str(args.cacert) if getattr(args, "cacert", None) else True
        with httpx.Client(
            base_url=args.url, headers=headers, timeout=TIMEOUT_S, verify=verify
        ) as client:
            if body["command"] == "status":
                answer = client.get("/v1/status")
            elif body["command"] == "queue":
                answer = client.get("/v1/moderation")
            else:
                answer = client.post("/v1/commands", json=body)
    except httpx.InvalidURL as error:
        return _fail(EXIT_UNREACHABLE, f"--url {args.url!r}: {error}")
    except httpx.HTTPError as error:
        return _fail(
            EXIT_UNREACHABLE,
            f"cannot reach the wall at {args.url} ({type(error).__name__}: {error}); is it "
            "running, and is control: enabled in its layout?",
        )
    if answer.status_code != 200:
        return _refused(answer)
    if body["command"] == "screenshot":
        out = args.out or Path(f"{args.screen}.png")
        try:
            out.write_bytes(answer.content)
        except OSError as error:
            return _fail(EXIT_REFUSED, f"cannot write {out}: {error}")
        print(out)
        return EXIT_OK
    try:
        data = answer.json()
    except ValueError:
        return _fail(EXIT_UNREACHABLE, f"{args.url} answered, but not with JSON: is it the wall?")
    print(json.dumps(data, indent=2) if args.json else render(body["command"], data))
    return EXIT_OK


def run_fleet(args: argparse.Namespace, body: dict[str, Any]) -> int:
    """``--fleet``: the command over the broker to every box of the site, each box's answer."""
    from kiosk.config import LayoutError, load_layout
    from kiosk.fleet.send import FleetUnreachableError, send

    if body["command"] in ("status", "queue", "screenshot", "reload"):
        return _fail(EXIT_REFUSED, f"{body['command']}: ask one box's API (--url), not the fleet")
    try:
        mqtt = load_layout(args.fleet).data.mqtt
    except LayoutError as error:
        return _fail(EXIT_REFUSED, str(error))
    if mqtt is None:
        return _fail(EXIT_REFUSED, f"{args.fleet} has no data: {{mqtt: …}}: no fleet to send to")
    try:
        sent = send(mqtt, body, wait=args.wait)
    except FleetUnreachableError as error:
        return _fail(EXIT_UNREACHABLE, str(error))
    if args.json:
        print(json.dumps({"id": sent.id, "answers": sent.answers}, indent=2))
    else:
        for box, answer in sorted(sent.answers.items()):
            print(f"{box}: {'ok' if answer.get('ok') else 'refused: ' + str(answer.get('error'))}")
        silent = sorted(set(sent.walls_online) - set(sent.answers))
        if silent:
            print(f"no answer (no target screen there, or busy): {', '.join(silent)}")
        print(f"sent as {sent.id}; retained for boxes that come back")
    return EXIT_OK if all(a.get("ok") for a in sent.answers.values()) else EXIT_REFUSED


def _refused(answer: httpx.Response) -> int:
    try:
        data = answer.json()
        error, issues = str(data.get("error", "")), data.get("issues") or []
    except (ValueError, AttributeError):
        error, issues = answer.text[:200], []
    lines = [f"refused ({answer.status_code}): {error}"]
    if len(issues) > 1 or (issues and str(issues[0].get("message")) not in error):
        listed = [
            f"{'.'.join(map(str, i.get('path', []))) or '(command)'}: {i.get('message')}"
            for i in issues
        ]
        summary = "" if error == "; ".join(listed) else f" {error}"  # not the issues twice
        lines = [f"refused ({answer.status_code}):{summary}"] + [f"  {line}" for line in listed]
    code = EXIT_UNAUTHORISED if answer.status_code in (401, 403) else EXIT_REFUSED
    if answer.status_code == 401:
        lines.append("give a token with --token or the KIOSK_TOKEN environment variable")
    if answer.status_code >= 500 or answer.status_code < 400:
        code = EXIT_UNREACHABLE
    return _fail(code, "\n".join(lines))


def _fail(code: int, text: str) -> int:
    print(f"kiosk ctl: {text}", file=sys.stderr)
    return code


def render(command: str, data: dict[str, Any]) -> str:
    """A short human answer; ``--json`` gives the whole of it."""
    if command == "status":
        return render_status(data)
    if command == "queue":
        return render_queue(data)
    if command in DECISION_HELP:
        post = data.get("post", {})
        return f"post {data.get('id')} {data.get('state')}: {_post_line(post)}"
    shown = data.get("shown_on", [])
    missing = [s for s in data.get("screens", []) if s not in shown]
    text = f"{command}: {', '.join(shown) or 'no screen shown now'}"
    if command == "end_message":
        return "message ended" if data.get("ended") else "no such message in force"
    if command == "end_emergency":
        return "emergency ended" if data.get("ended") else "no emergency in force"
    if command == "reload":
        return f"layout {data.get('layout')} read and applied"
    if command == "cast":
        text += f" (cast id {data.get('id')})"
        return text + (f"; not on any monitor now: {', '.join(missing)}" if missing else "")
    if "id" in data:
        text += f" (message id {data['id']}: kiosk ctl message --end {data['id']})"
    if missing:
        text += f"; not on any monitor now: {', '.join(missing)}"
    return text


def render_status(data: dict[str, Any]) -> str:
    lines = ["screens:"]
    for name, screen in data.get("screens", {}).items():
        flags = [flag for flag in ("pinned", "blanked") if screen.get(flag)]
        if not screen.get("awake", True) and not screen.get("blanked"):
            flags.append("off (hours)")
        if screen.get("takeover"):
            flags.append(f"takeover {screen['takeover']}")
        if screen.get("emergency"):
            flags.append("EMERGENCY")
        if screen.get("cast"):
            flags.append(f"cast {screen['cast']['id']} ({screen['cast']['what']})")
        ages = [w["age_s"] for w in screen.get("widgets", []) if w.get("age_s") is not None]
        line = f"  {name:<14} {screen.get('monitor') or '-':<10} page {screen.get('page')!r}"
        if flags:
            line += f" [{', '.join(flags)}]"
        if ages:
            line += f"  data {max(ages):g} s old at most"
        if screen.get("message"):
            message = screen["message"]
            line += f"\n  {'':<14} message {message['id']} {message['headline']!r}"
            line += f" ({message['tone']}, ends in {message['ends_in_s']:g} s)"
        lines.append(line)
    if data.get("not_shown"):
        lines.append(f"  not on any monitor: {', '.join(data['not_shown'])}")
    lines.append("sources:")
    for name, source in data.get("sources", {}).items():
        line = f"  {name:<14} {source['state']:<8} last ok {source.get('last_ok') or 'never'}"
        if source.get("last_error") and source["state"] != "ok":
            line += f"  ({source['last_error']})"
        lines.append(line)
    process = data.get("process", {})
    lines.append(
        f"process: pid {process.get('pid')}, up {process.get('uptime_s', 0):g} s, "
        f"{process.get('rss_mb', 0):g} MB"
    )
    return "\n".join(lines)


def render_queue(data: dict[str, Any]) -> str:
    approval = data.get("approval")
    if isinstance(approval, dict):
        approval = f"up after {approval.get('auto_after'):g} s unless rejected"
    lines = [f"approval: {approval}; {data.get('pending_count', 0)} waiting"]
    pending = data.get("pending", [])
    for entry in pending[:QUEUE_LINES]:
        when = f"  (up at {entry['goes_up_at']})" if entry.get("goes_up_at") else ""
        lines.append(f"  {entry.get('id')}  {_post_line(entry.get('post', {}))}{when}")
    if len(pending) > QUEUE_LINES:
        lines.append(f"  … and {len(pending) - QUEUE_LINES} more (--json)")
    if data.get("recent"):
        lines.append("recent decisions:")
        for entry in data["recent"][:QUEUE_LINES]:
            who = f"{entry.get('state')} by {entry.get('by')} at {entry.get('decided_at')}"
            lines.append(f"  {entry.get('id')}  {who}: {_post_line(entry.get('post', {}))}")
    return "\n".join(lines)


def _post_line(post: dict[str, Any]) -> str:
    text = " ".join(str(post.get("text", "")).split())
    text = text if len(text) <= 70 else text[:69] + "…"
    return f"@{post.get('handle')} ({post.get('platform')}, {post.get('at')}): {text}"
