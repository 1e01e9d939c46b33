"""``kiosk screens``: which TV is on which connector, and what the running wall shows on it.

Rows come from the kernel's connectors when there is no display (a technician over SSH), or
from Qt's screens when there is one; either way each row says what the running wall shows there
(from its state file) and gives the ``match:`` line to paste into the layout. No Qt here: the
caller reads Qt's screens.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kiosk.control.wall_state import WallState
from kiosk.hardware.drm import DrmConnector
from kiosk.screens.matching import Monitor, connector_names, match_snippet

Row = dict[str, Any]


def kernel_rows(connectors: Sequence[DrmConnector]) -> list[Row]:
    """One row per kernel connector, connected or not."""
    rows = []
    for connector in connectors:
        monitor = Monitor(index=0, connector=connector.name, serial=connector.serial)
        rows.append(
            {
                "connector": connector.name,
                "card": connector.card,
                "connected": connector.connected,
                "enabled": connector.enabled,
                "manufacturer": connector.manufacturer,
                "pnp_id": connector.edid.pnp_id if connector.edid else "",
                "model": connector.model,
                "serial": connector.serial,
                "preferred_mode": connector.preferred_mode,
                "edid_problem": connector.edid_problem,
                "match": match_snippet(monitor) if connector.connected else "",
            }
        )
    return rows


def qt_rows(monitors: Sequence[Monitor]) -> list[Row]:
    """One row per screen Qt reports (what the wall itself would bind)."""
    return [{**monitor.describe(), "match": match_snippet(monitor)} for monitor in monitors]


def report(
    source: str, rows: list[Row], wall: tuple[Path, WallState] | None, looked_in: Sequence[Path]
) -> dict[str, Any]:
    """``kiosk screens --json``: where the rows come from, the wall, and one row per monitor.

    Each row gets ``shows``: the layout screen the running wall shows there, "" for a monitor
    the wall knows but no layout screen claims, None when the wall does not run or has no
    window there.
    """
    alive = wall is not None and wall[1].alive()
    for row in rows:
        row["shows"] = _shows(wall[1], row["connector"]) if wall is not None and alive else None
    status: dict[str, Any] = {
        "running": alive,
        "state_file": None,
        "looked_in": list(map(str, looked_in)),
    }
    if wall is not None:
        path, state = wall
        status.update(
            state_file=str(path),
            pid=state.pid,
            layout=state.layout,
            updated=state.updated.isoformat(),
            missing=list(state.missing),
        )
    return {"source": source, "wall": status, "monitors": rows}


def _shows(state: WallState, connector: str) -> str | None:
    names = connector_names(connector)
    screen = state.screen_on(names)
    if screen is not None:
        return screen
    return "" if any(name in state.unassigned for name in names) else None


def render_text(data: dict[str, Any]) -> str:
    """The report as a technician reads it in a terminal."""
    lines = [_wall_line(data["wall"])]
    rows = data["monitors"]
    if not rows:
        lines.append(
            "no display connectors in /sys/class/drm (no GPU driver loaded, or a VM or "
            "container without one)"
            if data["source"] == "kernel"
            else "Qt reports no screens"
        )
    render = _kernel_row if data["source"] == "kernel" else _qt_row
    lines.extend(render(row) for row in rows)
    return "\n".join(lines)


def _wall_line(wall: dict[str, Any]) -> str:
    if wall["state_file"] is None:
        return f"wall: not running (no state file in {', '.join(wall['looked_in'])})"
    if not wall["running"]:
        return f"wall: not running (pid {wall['pid']} is gone; last state {wall['state_file']})"
    line = f"wall: running, pid {wall['pid']}, layout {wall['layout'] or '(built in)'}"
    if wall["missing"]:
        line += f"\n    layout screens with no TV: {', '.join(wall['missing'])}"
    return line


def _shows_line(row: Row) -> str:
    shows = row.get("shows")
    if shows is None:
        return ""
    return f"\n    shows: {shows or 'its identify page (no layout screen claims it)'}"


def _kernel_row(row: Row) -> str:
    if not row["connected"]:
        return f"{row['connector']}  disconnected"
    maker = " ".join(part for part in (row["manufacturer"], row["model"]) if part) or "unknown"
    text = (
        f"{row['connector']}  connected{'' if row['enabled'] else ' (off)'}  {maker}  "
        f"serial {row['serial'] or '-'}  preferred {row['preferred_mode'] or '-'}"
    )
    if row["edid_problem"]:
        text += f"\n    EDID unreadable: {row['edid_problem']}"
    return text + _shows_line(row) + f"\n    {row['match']}"


def _qt_row(row: Row) -> str:
    maker = " ".join(str(row[key]) for key in ("manufacturer", "model") if row[key]) or "unknown"
    return (
        f"[{row['index']}] {row['connector'] or '(no name)'}  {maker}  "
        f"serial {row['serial'] or '-'}\n"
        f"    {row['width']}x{row['height']} at ({row['x']},{row['y']}), "
        f"scale {row['device_pixel_ratio']:g}, {row['refresh_rate']:g} Hz, {row['orientation']}"
        + _shows_line(row)
        + f"\n    {row['match']}"
    )
