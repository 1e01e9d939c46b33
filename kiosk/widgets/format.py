"""Numbers and ages as a person reads them from across a room."""

from __future__ import annotations

import math
import time
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.i18n import Lang

_SUFFIXES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e4, "k"))


def compact(value: float, decimals: int = 0) -> str:
    """``1234`` → ``1,234``; ``98765`` → ``98.8k``; ``123456789012`` → ``123B``; NaN → ``–``."""
    if not math.isfinite(value):
        return "–"
    magnitude = abs(value)
    for threshold, suffix in _SUFFIXES:
        if magnitude >= threshold:
            scaled = value / (threshold if suffix != "k" else 1e3)
            digits = 0 if abs(scaled) >= 100 else 1
            return f"{scaled:,.{digits}f}{suffix}"
    return f"{value:,.{decimals}f}"


def percent_change(change: float) -> str:
    """``0.123`` → ``12.3 %``; large changes without decimals (``1,450 %``)."""
    percent = abs(change) * 100
    return f"{percent:.1f} %" if percent < 100 else f"{percent:,.0f} %"


def age(seconds: float) -> str:
    """``12 s``, ``4 min``, ``3 h``, ``2 d``."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds // 60:.0f} min"
    if seconds < 86400:
        return f"{seconds // 3600:.0f} h"
    return f"{seconds // 86400:.0f} d"


def clock_time(epoch: float) -> str:
    """Local ``14:02``, with the date when it is not today."""
    local = time.localtime(epoch)
    if time.strftime("%Y%m%d", local) == time.strftime("%Y%m%d"):
        return time.strftime("%H:%M", local)
    return time.strftime("%d %b %H:%M", local)


def right_to_left(text: str) -> bool:
    """Whether ``text`` starts, in its first strongly directed letter, right to left (Arabic,
    Hebrew…), as the Unicode bidirectional algorithm decides a paragraph's direction."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def figure(
    value: float,
    style: str = "compact",
    decimals: int = 0,
    scale: float | None = None,
    words: Lang | None = None,
) -> str:
    """A value as a layout's ``format:`` asks: compact (12.3k), number (12,345) or percent (a
    ratio: 0.861 → 86 %), after ``scale`` (default 100 for percent, else 1); with ``words``,
    the way that room writes numbers (``86,1 %``, ``1.234``, ``1,2 mln.``)."""
    if not math.isfinite(value):
        return "–"
    scaled = value * (scale if scale is not None else 100.0 if style == "percent" else 1.0)
    if words is not None:
        if style == "percent":
            return words.percent(scaled / 100, decimals, whole_above_1=False)
        if style == "number":
            return words.number(scaled, decimals)
        return words.compact(scaled, decimals)
    if style == "percent":
        return f"{scaled:,.{decimals}f} %"
    if style == "number":
        return f"{scaled:,.{decimals}f}"
    return compact(scaled, decimals)


def figure_text(
    value: float,
    unit: str,
    style: str = "compact",
    decimals: int = 0,
    scale: float | None = None,
    words: Lang | None = None,
) -> str:
    """:func:`figure` with its unit, as a kpi or a gauge shows it: "/min" sticks to the number,
    other units follow a space; a figure in % is written the room's way (74,1 % in fr)."""
    if unit == "%" and style != "percent" and words is not None:
        return words.percent(value * (scale or 1.0) / 100, decimals, whole_above_1=False)
    text = figure(value, style, decimals, scale, words)
    if style == "percent" or not unit:
        return text
    return text + (unit if unit.startswith("/") else f" {unit}")
