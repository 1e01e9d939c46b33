"""Country shapes from the bundled Natural Earth outlines (public domain): names, codes, bounds.

No Qt here: the layout checks a geo_map's ``country:`` against these, and the map zooms to it.
"""

from __future__ import annotations

import functools
import json
import logging
from typing import Any

from kiosk.paths import ASSETS

log = logging.getLogger(__name__)

Bounds = tuple[float, float, float, float]  # west, south, east, north (degrees)


def _ring_area(ring: list[list[float]]) -> float:
    return (
        abs(
            sum(
                x1 * y2 - x2 * y1
                for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True)
            )
        )
        / 2
    )


Ring = list[tuple[float, float]]


@functools.cache
def _features(name: str) -> tuple[dict[str, Any], ...]:
    try:
        data = json.loads((ASSETS / name).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        log.warning("no country outlines in %s (%s)", name, error)
        return ()
    return tuple(data.get("features", []))


def _outer_rings(feature: dict[str, Any]) -> list[list[list[float]]]:
    geometry = feature.get("geometry") or {}
    polygons = geometry.get("coordinates") or []
    if geometry.get("type") == "Polygon":
        polygons = [polygons]
    return [polygon[0] for polygon in polygons if polygon]


def _rings(feature: dict[str, Any]) -> list[Ring]:
    geometry = feature.get("geometry") or {}
    polygons = geometry.get("coordinates") or []
    if geometry.get("type") == "Polygon":
        polygons = [polygons]
    return [[(float(x), float(y)) for x, y in ring] for polygon in polygons for ring in polygon]


@functools.cache
def _detailed() -> dict[str, dict[str, Any]]:
    """1:50m features by lower-case name and ISO alpha-3 code (codes from the 1:110m file,
    matched by name; small countries only in 1:50m go by name)."""
    codes = {
        str((f.get("properties") or {}).get("name", "")).lower(): str(
            (f.get("properties") or {}).get("iso_a3", "")
        )
        for f in _features("world.geojson")
    }
    found: dict[str, dict[str, Any]] = {}
    for feature in _features("countries-50m.geojson"):
        name = str((feature.get("properties") or {}).get("name", ""))
        if not name or not _outer_rings(feature):
            continue
        found[name.lower()] = feature
        code = codes.get(name.lower(), "")
        if code and code != "-99":
            found[code.lower()] = feature
    return found


def countries() -> list[str]:
    """Every country a map can zoom to, by lower-case name or code."""
    return sorted(_detailed())


def country_bounds(country: str, margin: float = 0.12) -> Bounds | None:
    """The view for ``country`` (code or name): its main land mass (the largest polygon:
    France without French Guiana) plus ``margin`` each side."""
    feature = _detailed().get(country.strip().lower())
    if feature is None:
        return None
    main = max(_outer_rings(feature), key=_ring_area)
    xs, ys = [p[0] for p in main], [p[1] for p in main]
    west, south, east, north = min(xs), min(ys), max(xs), max(ys)
    pad_x, pad_y = (east - west) * margin + 0.5, (north - south) * margin + 0.5
    return (west - pad_x, max(-89.0, south - pad_y), east + pad_x, min(89.0, north + pad_y))


def country_rings(country: str) -> list[Ring]:
    """The 1:50m rings of one country (to draw it brighter than its neighbours)."""
    feature = _detailed().get(country.strip().lower())
    return _rings(feature) if feature is not None else []


def detailed_outlines(bounds: Bounds) -> list[Ring]:
    """1:50m rings of every country that reaches into ``bounds``."""
    west, south, east, north = bounds
    rings: list[Ring] = []
    for feature in _features("countries-50m.geojson"):
        for ring in _rings(feature):
            xs = [x for x, _ in ring]
            ys = [y for _, y in ring]
            if min(xs) <= east and max(xs) >= west and min(ys) <= north and max(ys) >= south:
                rings.append(ring)
    return rings
