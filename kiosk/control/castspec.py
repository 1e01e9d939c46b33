"""A cast's widget spec, checked as the layout checks a widget: the same options model, the same
file check for paths (inside the layout's folder or ``files: allow:``), and its streams against
what the hub carries. Nothing in a spec can name code: widget types are the registered ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kiosk.config.errors import did_you_mean
from kiosk.config.widgets import WIDGET_OPTIONS, WidgetOptions
from kiosk.values import Kind

FILL = [0, 0, 1, 1]  # a cast widget fills the screen: the one cell of a 1 × 1 grid
Found = list[tuple[tuple[str | int, ...], str]]


def check_widget_spec(
    spec: Mapping[str, Any],
    *,
    base: Path,
    allowed: Sequence[Path],
    streams: Mapping[str, Kind],
) -> tuple[WidgetOptions | None, Found]:
    """Validate ``spec``; returns the options (None when invalid) and every problem found,
    each as (field path, message)."""
    kind = spec.get("type")
    model = WIDGET_OPTIONS.get(kind) if isinstance(kind, str) else None
    if model is None:
        known = sorted(WIDGET_OPTIONS)
        return None, [(("type",), f"no widget type {kind!r}{did_you_mean(str(kind), known)}")]
    context = {"base": base, "allowed": list(allowed)}
    try:
        options = model.model_validate({**spec, "at": FILL}, context=context)
    except ValidationError as error:
        return None, [(tuple(e["loc"]), e["msg"]) for e in error.errors(include_url=False)]
    found: Found = []
    for option, kinds in model.more_streams.items():
        named = getattr(options, option, None)
        if isinstance(named, str):
            found += _check_stream((option,), named, kinds, streams)
    if options.data is None and model.needs_data and model.accepts:
        wanted = " or ".join(str(k) for k in model.accepts)
        found.append((("data",), f"a {kind} widget needs data: a {wanted} stream"))
    elif options.data is not None and not model.accepts:
        found.append((("data",), f"a {kind} widget shows no stream; remove data"))
    elif options.stream is not None:
        found += _check_stream(("data",), options.stream, model.accepts, streams)
        folded = any(getattr(options, option, None) is not None for option in model.folds)
        if model.folds and streams.get(options.stream) is Kind.SERIES and not folded:
            found.append((("data",), f"{options.stream} is a series: add total: or mean:"))
    return (options if not found else None), found


def _check_stream(
    path: tuple[str, ...], name: str, accepts: tuple[Kind, ...], streams: Mapping[str, Kind]
) -> Found:
    kind = streams.get(name)
    if kind is None:
        return [(path, f"no stream {name!r}{did_you_mean(name, sorted(streams))}")]
    if accepts and kind not in accepts:
        wanted = " or ".join(str(k) for k in accepts)
        return [(path, f"this widget shows {wanted}; {name} is {kind}")]
    return []
