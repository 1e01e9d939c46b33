"""Checks that span several parts of a layout, run on the raw document.

They run even when pydantic found errors elsewhere (every error at once), so each check skips
values that are malformed: those already have their own error from the type pass.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pydantic

from kiosk.config.errors import LayoutIssue, did_you_mean
from kiosk.config.layout import NAME_PATTERN
from kiosk.config.markets import Dimension
from kiosk.config.metrics import METRICS, Formula, FormulaError
from kiosk.config.views import View
from kiosk.config.widgets import WIDGET_OPTIONS
from kiosk.sources import SOURCES
from kiosk.values import Kind

if TYPE_CHECKING:
    from kiosk.config.layout import Layout
    from kiosk.config.loader import Document

_SOURCE_NAME = re.compile(NAME_PATTERN)
_GRID_LIMITS = range(1, 49)  # as Grid declares them; other sizes have their own error
_CELL_LIMITS = range(0, 49)  # as GridCells declares them, likewise


def streams_of(source_type: str, options: Any) -> dict[str, Kind]:
    """Every stream a source of this type provides (short names), derived analytics included.

    A source that provides ``mentions`` gets the analytics streams (volume, share, ...) too.
    """
    provided = dict(SOURCES[source_type].provides(options))
    if provided.get("mentions") is Kind.MENTIONS:
        provided.update(_derived_streams())
    return provided


def available_streams(layout: Layout) -> dict[str, Kind]:
    """Every stream a valid layout makes available, by full name (``social.volume``)."""
    streams: dict[str, Kind] = {}
    for name, options in layout.sources.items():
        for stream, kind in streams_of(options.type, options).items():
            streams[f"{name}.{stream}"] = kind
    for name in layout.views:
        for stream, kind in view_streams().items():
            streams[f"{name}.{stream}"] = kind
    for name in layout.metrics:
        streams[f"{METRICS}.{name}"] = Kind.METRIC
    return streams


def view_streams() -> dict[str, Kind]:
    """What a listening view provides: its posts and every derived stream."""
    return {"mentions": Kind.MENTIONS, **_derived_streams()}


def _derived_streams() -> dict[str, Kind]:
    try:  # imported late: analytics imports the hub and is not needed to read a layout
        from kiosk.analytics import DERIVED_STREAMS
    except ImportError:
        return {}
    return dict(DERIVED_STREAMS)


def source_streams(document: Document) -> dict[str, dict[str, Kind]]:
    """Streams by source name, for sources whose options are valid on their own."""
    streams: dict[str, dict[str, Kind]] = {}
    sources = document.data.get("sources")
    if not isinstance(sources, dict):
        return streams
    for name, raw in sources.items():
        source_type = raw.get("type") if isinstance(raw, dict) else None
        if not isinstance(source_type, str) or source_type not in SOURCES:
            continue
        try:
            options = SOURCES[source_type].options_model.model_validate(
                raw, context=document.context
            )
        except pydantic.ValidationError:
            continue  # reported by the type pass; widgets bound to it are not judged
        streams[str(name)] = streams_of(source_type, options)
    views = document.data.get("views")
    for name, raw in views.items() if isinstance(views, dict) else ():
        try:
            View.model_validate(raw, context=document.context)
        except pydantic.ValidationError:
            continue  # reported by the type pass
        streams.setdefault(str(name), view_streams())
    metrics = document.data.get(METRICS)
    if isinstance(metrics, dict) and metrics:
        streams[METRICS] = {str(name): Kind.METRIC for name in metrics}
    return streams


def cross_check(document: Document) -> list[LayoutIssue]:
    """Stream names and kinds, placements, duplicate screen names and matches."""
    streams = source_streams(document)
    issues = list(_check_source_names(document))
    issues.extend(_check_metrics(document, streams))
    issues.extend(_check_markets_named(document))
    issues.extend(_check_alert_dimensions(document))
    screens = document.data.get("screens")
    spans = document.data.get("spans")
    if not spans:  # a wall needs something to show: screens, or spans (video walls) alone
        if "screens" not in document.data:
            issues.append(document.issue(("screens",), "'screens' is required"))
        elif screens == []:
            issues.append(document.issue(("screens",), "needs at least 1 item", at_value=True))
    if isinstance(spans, list):
        issues.extend(_check_spans(document, spans, screens, streams))
    if not isinstance(screens, list):
        return issues
    issues.extend(_check_screens(document, screens))
    for s, screen in enumerate(screens):
        pages = screen.get("pages") if isinstance(screen, dict) else None
        for p, page in enumerate(pages if isinstance(pages, list) else []):
            if isinstance(page, dict):
                issues.extend(_check_page(document, ("screens", s, "pages", p), page, streams))
        if isinstance(screen, dict):
            issues.extend(_check_pin(document, s, screen))
    takeovers = document.data.get("takeovers")
    names = [screen.get("name") for screen in screens if isinstance(screen, dict)]
    if isinstance(spans, list):
        names += [span.get("name") for span in spans if isinstance(span, dict)]
    for t, takeover in enumerate(takeovers if isinstance(takeovers, list) else []):
        if isinstance(takeover, dict):
            issues.extend(_check_takeover(document, t, takeover, streams, names))
    return issues


def _check_spans(
    document: Document, spans: list[Any], screens: Any, streams: dict[str, dict[str, Kind]]
) -> Iterator[LayoutIssue]:
    taken = {
        screen.get("name")
        for screen in (screens if isinstance(screens, list) else [])
        if isinstance(screen, dict)
    }
    for s, span in enumerate(spans):
        if not isinstance(span, dict):
            continue
        name = span.get("name")
        if isinstance(name, str) and name in taken:
            yield document.issue(
                ("spans", s, "name"),
                f"{name!r} is already the name of a screen or span",
                at_value=True,
            )
        taken.add(name)
        pages = span.get("pages")
        for p, page in enumerate(pages if isinstance(pages, list) else []):
            if isinstance(page, dict):
                yield from _check_page(document, ("spans", s, "pages", p), page, streams)


def _check_pin(document: Document, index: int, screen: dict[str, Any]) -> Iterator[LayoutIssue]:
    rotation = screen.get("rotation")
    pin = rotation.get("pin") if isinstance(rotation, dict) else None
    pages = screen.get("pages")
    if not isinstance(pin, str) or not isinstance(pages, list):
        return
    titles = [str(page.get("title")) for page in pages if isinstance(page, dict)]
    if pin not in titles:
        yield document.issue(
            ("screens", index, "rotation", "pin"),
            f"no page titled {pin!r} on this screen{did_you_mean(pin, titles)}",
            at_value=True,
        )


def _check_takeover(
    document: Document,
    index: int,
    takeover: dict[str, Any],
    streams: dict[str, dict[str, Kind]],
    screen_names: list[Any],
) -> Iterator[LayoutIssue]:
    path: tuple[Any, ...] = ("takeovers", index)
    page = takeover.get("page")
    if isinstance(page, dict):
        yield from _check_page(document, (*path, "page"), page, streams)
    chosen = takeover.get("screens")
    known = [str(name) for name in screen_names if isinstance(name, str)]
    for n, name in enumerate(chosen if isinstance(chosen, list) else []):
        if isinstance(name, str) and name not in known:
            yield document.issue(
                (*path, "screens", n),
                f"no screen named {name!r}{did_you_mean(name, known)}",
                at_value=True,
            )
    when = takeover.get("when")
    data = when.get("stream") if isinstance(when, dict) else None
    if not isinstance(when, dict) or not isinstance(data, str):
        return
    wpath = (*path, "when")
    accepts = (Kind.ALERTS, Kind.METRIC)
    problems = list(_check_stream(document, (*wpath, "stream"), data, accepts, streams, ""))
    yield from problems
    source, _, stream = data.partition(".")
    kind = streams.get(source, {}).get(stream)
    if problems or kind is None:
        return
    bounded = when.get("below") is not None or when.get("above") is not None
    if kind is Kind.METRIC and not bounded:
        yield document.issue(wpath, f"{data} is a figure: say when it fires with below: or above:")
    if kind is Kind.ALERTS and bounded:
        yield document.issue(
            wpath, f"{data} is alerts: below:/above: are for figures; use severity: or nothing"
        )
    if kind is Kind.METRIC and when.get("severity") is not None:
        yield document.issue((*wpath, "severity"), "severity: is for alert streams")


def _check_metrics(
    document: Document, streams: dict[str, dict[str, Kind]]
) -> Iterator[LayoutIssue]:
    """Each formula reads metric streams that exist (not other formulas: no loops)."""
    metrics = document.data.get(METRICS)
    for name, raw in metrics.items() if isinstance(metrics, dict) else ():
        text = raw.get("value") if isinstance(raw, dict) else raw
        path: tuple[Any, ...] = (
            (METRICS, name, "value") if isinstance(raw, dict) else (METRICS, name)
        )
        if not isinstance(text, str):
            continue
        try:
            read = Formula(text).streams
        except FormulaError:
            continue  # reported by the type pass
        for stream in read:
            if stream.startswith(f"{METRICS}."):
                yield document.issue(
                    path, f"{stream}: a formula reads sources' metrics, not other formulas"
                )
                continue
            yield from _check_stream(
                document, path, stream, (Kind.METRIC,), streams, f"{METRICS}.{name}'s formula"
            )


def _check_markets_named(document: Document) -> Iterator[LayoutIssue]:
    """Every ``where: {market: …}`` names a market of ``markets:``: a misspelt market would
    otherwise keep no post at all, silently."""
    markets = document.data.get("markets")
    known = [str(name) for name in markets] if isinstance(markets, dict) else []
    folded = {name.casefold() for name in known}
    for path, where in _wheres(document.data, ()):
        named = where.get("market")
        listed: list[tuple[tuple[Any, ...], Any]] = []
        if isinstance(named, str):
            listed = [(("market",), named)]
        if isinstance(named, list):
            listed = [(("market", n), name) for n, name in enumerate(named)]
        for at, name in listed:
            if isinstance(name, str) and name.casefold() not in folded:
                where_known = did_you_mean(name, known) if known else "; markets: names none"
                yield document.issue(
                    (*path, *at), f"no market named {name!r}{where_known}", at_value=True
                )


def _check_alert_dimensions(document: Document) -> Iterator[LayoutIssue]:
    """``alerts: {by: [market]}`` needs ``markets:`` and ``by: [tracked]`` the source's
    ``track:``: without them the dimension has no value, and would never alert, silently."""
    sources = document.data.get("sources")
    markets = document.data.get("markets")
    for name, source in sources.items() if isinstance(sources, dict) else ():
        alerts = source.get("alerts") if isinstance(source, dict) else None
        by = alerts.get("by") if isinstance(alerts, dict) else None
        for n, dimension in enumerate(by if isinstance(by, list) else []):
            path = ("sources", name, "alerts", "by", n)
            if dimension == "market" and not markets:
                yield document.issue(
                    path, "alerts by market need markets: in the layout", at_value=True
                )
            if dimension == "tracked" and not source.get("track"):
                yield document.issue(
                    path,
                    "alerts by tracked phrase need this source's track: phrases",
                    at_value=True,
                )


def _wheres(node: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], dict[Any, Any]]]:
    """Every ``where:`` mapping in the document (views and widgets), with its key path."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "where" and isinstance(value, dict):
                yield (*path, key), value
            else:
                yield from _wheres(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _wheres(value, (*path, index))


def _check_source_names(document: Document) -> Iterator[LayoutIssue]:
    sources = document.data.get("sources")
    for name in sources if isinstance(sources, dict) else ():
        if not isinstance(name, str) or not _SOURCE_NAME.match(name):
            yield document.issue(
                ("sources", name),
                f"source name {name!r}: use letters, digits, - and _ (no dots), "
                "starting with a letter",
            )


def _check_screens(document: Document, screens: list[Any]) -> Iterator[LayoutIssue]:
    seen_names: dict[str, int] = {}
    seen_matches: dict[str, int] = {}
    for index, screen in enumerate(screens):
        if not isinstance(screen, dict):
            continue
        name = screen.get("name")
        if isinstance(name, str):
            if name in seen_names:
                yield document.issue(
                    ("screens", index, "name"),
                    f"duplicate screen name {name!r} (also screens[{seen_names[name]}])",
                    at_value=True,
                )
            seen_names.setdefault(name, index)
        match = screen.get("match")
        if isinstance(match, dict) and match:
            key = repr(sorted(match.items(), key=repr))
            if key in seen_matches:
                yield document.issue(
                    ("screens", index, "match"),
                    f"same match as screens[{seen_matches[key]}]: "
                    "only one of them can get the monitor",
                )
            seen_matches.setdefault(key, index)


def _check_page(
    document: Document,
    path: tuple[Any, ...],
    page: dict[str, Any],
    streams: dict[str, dict[str, Kind]],
) -> Iterator[LayoutIssue]:
    grid: dict[str, Any] = page["grid"] if isinstance(page.get("grid"), dict) else {}
    columns, rows = grid.get("columns", 12), grid.get("rows", 8)
    grid_is_valid = all(type(size) is int and size in _GRID_LIMITS for size in (columns, rows))
    widgets = page.get("widgets")
    placed: list[tuple[int, tuple[int, int, int, int]]] = []
    for w, widget in enumerate(widgets if isinstance(widgets, list) else []):
        if not isinstance(widget, dict):
            continue
        wpath = (*path, "widgets", w)
        yield from _check_data(document, wpath, widget, streams)
        at = widget.get("at")
        if not (
            isinstance(at, list)
            and len(at) == 4
            and all(type(v) is int and v in _CELL_LIMITS for v in at)
        ):
            continue  # missing or malformed: the type pass says so
        yield from _check_placement(
            document, (*wpath, "at"), at, (columns, rows) if grid_is_valid else None
        )
        for other, other_at in placed:
            if _overlap(at, other_at):
                yield document.issue(
                    (*wpath, "at"),
                    f"overlaps widgets[{other}] at {list(other_at)} on this page",
                    at_value=True,
                )
        placed.append((w, tuple(at)))  # type: ignore[arg-type]


def _check_placement(
    document: Document, path: tuple[Any, ...], at: list[int], grid: tuple[int, int] | None
) -> Iterator[LayoutIssue]:
    column, row, width, height = at
    if width < 1 or height < 1 or column < 0 or row < 0:
        yield document.issue(
            path,
            "placement is [column, row, width, height]: "
            "column and row from 0, width and height at least 1",
            at_value=True,
        )
    elif grid is not None and (column + width > grid[0] or row + height > grid[1]):
        columns, rows = grid
        yield document.issue(
            path,
            f"reaches outside the {columns}×{rows} grid (columns 0–{columns - 1}, "
            f"rows 0–{rows - 1})",
            at_value=True,
        )


def _overlap(a: list[int] | tuple[int, ...], b: tuple[int, ...]) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _check_data(
    document: Document,
    path: tuple[Any, ...],
    widget: dict[str, Any],
    streams: dict[str, dict[str, Kind]],
) -> Iterator[LayoutIssue]:
    widget_type = widget.get("type")
    model = WIDGET_OPTIONS.get(widget_type) if isinstance(widget_type, str) else None
    if model is None:
        return  # unknown type: reported by the type pass
    for option, kinds in model.more_streams.items():
        named = widget.get(option)
        if isinstance(named, str):
            yield from _check_stream(
                document, (*path, option), named, kinds, streams, f"{widget_type}'s {option}"
            )
    data = widget.get("data")
    kind_names = " or ".join(str(kind) for kind in model.accepts)
    if data is not None and not model.accepts:
        yield document.issue(
            (*path, "data"), f"a {widget_type} widget shows no stream; remove data:", at_value=True
        )
        return
    if data is None:
        if model.needs_data:
            yield document.issue(
                path, f"a {widget['type']} widget needs data: a {kind_names} stream"
            )
        return
    if not isinstance(data, str):
        return
    by = widget.get("by")
    if "by" in model.model_fields and by in typing.get_args(Dimension):
        if "." in data:
            yield document.issue(
                (*path, "data"),
                f"with by: {by}, data names the source or view (e.g. data: "
                f"{data.partition('.')[0]}), not one of its streams",
                at_value=True,
            )
            return
        data = f"{data}.by_{by}"
    problems = list(
        _check_stream(document, (*path, "data"), data, model.accepts, streams, widget["type"])
    )
    yield from problems
    if model.folds and not problems:
        provided = streams.get(data.partition(".")[0], {})  # none: a broken source, reported
        yield from _check_fold(document, path, widget, data, provided)


def _check_fold(
    document: Document,
    path: tuple[Any, ...],
    widget: dict[str, Any],
    data: str,
    provided: dict[str, Kind],
) -> Iterator[LayoutIssue]:
    """A series is shown as one figure only folded (total: or mean:); a figure is not folded."""
    kind = provided.get(data.partition(".")[2])
    folded = [option for option in ("total", "mean") if widget.get(option) is not None]
    if kind is Kind.SERIES and not folded:
        source = data.partition(".")[0]
        figures = [f"{source}.{name}" for name, k in provided.items() if k is Kind.METRIC]
        hint = f", or show a metric — try {', '.join(figures)}" if figures else ""
        yield document.issue(
            (*path, "data"),
            f"{data} is a series: fold it into one figure with total: (e.g. total: 7d) or "
            f"mean: (e.g. mean: 24h){hint}",
            at_value=True,
        )
    elif kind is Kind.METRIC and folded:
        yield document.issue(
            (*path, folded[0]),
            f"{folded[0]}: folds a series; {data} is already one figure (a metric)",
            at_value=True,
        )


def _check_stream(
    document: Document,
    path: tuple[Any, ...],
    data: str,
    accepts: tuple[Kind, ...],
    streams: dict[str, dict[str, Kind]],
    widget_type: str,
) -> Iterator[LayoutIssue]:
    source, _, stream = data.partition(".")
    if not stream:
        yield document.issue(
            path, f"{data!r}: write source.stream, e.g. social.volume", at_value=True
        )
        return
    if source not in streams:
        names = []
        for section in ("sources", "views"):  # a view's streams are named like a source's
            defined = document.data.get(section)
            names += [str(name) for name in defined] if isinstance(defined, dict) else []
        if source in names:
            return  # a source with an unknown type or broken options: already reported
        hint = did_you_mean(source, names) if names else "; no sources are defined"
        yield document.issue(path, f"no source or view named {source!r}{hint}", at_value=True)
        return
    provided = streams[source]
    if stream not in provided:
        full = [f"{source}.{name}" for name in provided]
        yield document.issue(
            path,
            f"source {source!r} has no stream {stream!r}{did_you_mean(data, full)}",
            at_value=True,
        )
        return
    kind = provided[stream]
    if kind not in accepts:
        fitting = [f"{source}.{name}" for name, k in provided.items() if k in accepts]
        hint = f" — try {', '.join(fitting)}" if fitting else ""
        wanted = " or ".join(str(k) for k in accepts)
        role = f"{widget_type} shows" if "'s " in widget_type else f"a {widget_type} shows"
        role = role if widget_type else "a takeover fires on"
        yield document.issue(path, f"{role} {wanted}; {data} is {kind}{hint}", at_value=True)
