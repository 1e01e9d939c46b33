"""``type: geo_map``: where mentions come from, as dots on country outlines (Natural Earth),
countries shaded by their mentions (``mode: countries``), or both, with a legend.

The outlines are drawn once per size into a picture (equirectangular, cropped to the region),
with every country's outline as a path for the shades, by the charts' worker thread
(kiosk.widgets.plot_image): started as soon as the map has its size (a page drawn ahead lays its
maps out a second before its flip), and shared by every map on the wall that shows the same
region at the same size. In the UI thread the world's 10,600 points took 17 ms and the
countries' paths 20 ms (57-67 ms on a busy 3-screen wall, the longest stall of the soak).

Each refresh draws only the shades and the dots: dot area proportional to mentions, colour by
mean sentiment; a country's shade by the mentions of the places in it, in five steps that a
room reads from across it better than a smooth ramp. No tile server, works offline.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import weakref
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QImage, QPainter, QPainterPath, QPen, QResizeEvent
from PySide6.QtWidgets import QWidget

from kiosk.config.widgets import GeoMapOptions
from kiosk.geo import (
    SHADES,
    country_index,
    country_rings,
    country_shapes,
    country_totals,
    detailed_outlines,
    ranked_countries,
    sane_places,
    shades,
)
from kiosk.hub import Sample, StreamView
from kiosk.i18n import Lang
from kiosk.paths import ASSETS
from kiosk.values import Places, Ranking
from kiosk.widgets.base import KioskWidget
from kiosk.widgets.plot_image import deliver, draw_path, worker
from kiosk.widgets.theme import Style

log = logging.getLogger(__name__)

Ring = list[tuple[float, float]]
Bounds = tuple[float, float, float, float]  # west, south, east, north
Coord = TypeVar("Coord", float, np.ndarray)
LEGEND_SCALES = (1.0, 0.85, 0.7, 0.55)


@functools.cache
def world_outlines() -> tuple[Ring, ...]:
    """Every country's outer and inner rings as (lon, lat) lists; empty if the file is missing."""
    try:
        data = json.loads((ASSETS / "world.geojson").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        log.warning("no map outlines (%s): the map shows dots only", error)
        return ()
    rings: list[Ring] = []
    for feature in data.get("features", []):
        geometry = feature.get("geometry") or {}
        polygons = geometry.get("coordinates", [])
        if geometry.get("type") == "Polygon":
            polygons = [polygons]
        for polygon in polygons:
            rings.extend([(float(x), float(y)) for x, y in ring] for ring in polygon)
    return tuple(rings)


class GeoMapWidget(KioskWidget):
    refresh_hz = 1.0
    options: GeoMapOptions

    def __init__(
        self,
        options: GeoMapOptions,
        stream: StreamView | None,
        style: Style,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(options, stream, style, parent)
        self._land: QImage | None = None  # the land shown (perhaps of a former size)
        self._land_wanted: Land | None = None
        self._land_job: Future[Drawn] | None = None  # the land for this size
        self._land_failed = False  # it could not be drawn (logged once, not at every paint)
        self._shapes: dict[str, QPainterPath] = {}  # country → its outline, content pixels
        self._shades: dict[str, int] = {}  # country → step 0 … SHADES - 1
        self._steps: tuple[float, ...] = ()  # the least count of each step, for the legend
        # Which country each place is in needs the country index: built off the UI thread,
        # the countries are shaded from the first sample after it is ready.
        self._index = country_index() if options.mode != "dots" else None
        self._per_country = False  # the stream is a ranking of countries, not places

    def take(self, sample: Sample) -> bool:
        value = sample.value
        if isinstance(value, Ranking):  # a figure per country: a choropleth, whatever the mode
            self._per_country = True
            self._shades, self._steps = shades(ranked_countries(value))
            return self.shows_new((tuple(sorted(self._shades.items())), self._steps))
        if not isinstance(value, Places):
            raise TypeError(f"expected Places or a Ranking, got {type(value).__name__}")
        self._per_country = False
        # Counts change every second; the map only when a dot moves, grows or changes colour by
        # a whole pixel or step, or a country changes shade: repaint then.
        rect = self.content_rect()
        dots = self._dots(value, self.frame(rect)) if rect.isValid() else []
        if self._index is not None and self._index.done():
            self._shades, self._steps = shades(country_totals(value))
        return self.shows_new(
            (
                tuple(
                    (round(at.x()), round(at.y()), round(radius), colour.rgba())
                    for at, radius, colour in dots
                ),
                tuple(sorted(self._shades.items())),
                self._steps,
            )
        )

    def _dots(self, value: object, frame: QRectF) -> list[tuple[QPointF, float, QColor]]:
        """Where each place's dot goes, how large and in which colour; largest first."""
        if not isinstance(value, Places) or self.options.mode == "countries":
            return []
        places = sane_places(value)
        if not places:
            return []
        busiest = max(place.count for place in places) or 1.0
        # Under the dots, shaded countries must still show (Europe's cities hid its countries
        # on the global room's screenshot): smaller dots then, drawn as rings.
        alone = self.options.mode == "dots"
        largest = min(frame.width(), frame.height()) * (0.06 if alone else 0.035)
        dots = []
        for place in sorted(places, key=lambda p: -p.count):  # small dots on top of big ones
            radius = max(self.style_.px(3), largest * math.sqrt(place.count / busiest))
            colour = QColor(self._colour(place.sentiment))
            colour.setAlpha(190 if alone else 230)
            dots.append((self.project(place.lat, place.lon, frame), radius, colour))
        return dots

    def frame(self, rect: QRect) -> QRectF:
        """The map's rectangle inside ``rect``, keeping the region's proportions."""
        west, south, east, north = self.options.bounds
        # Equirectangular, with longitude shrunk by the cosine of the middle latitude for a
        # single country, so the Netherlands is not drawn twice as wide as it is.
        aspect = (east - west) * self._squash() / max(1e-6, north - south)
        width = min(float(rect.width()), rect.height() * aspect)
        height = width / aspect
        return QRectF(
            rect.left() + (rect.width() - width) / 2,
            rect.top() + (rect.height() - height) / 2,
            width,
            height,
        )

    def project(self, lat: float, lon: float, frame: QRectF) -> QPointF:
        return QPointF(*equirectangular(lon, lat, self.options.bounds, frame))

    def _squash(self) -> float:
        if not self.options.country:
            return 1.0  # world and continents keep the familiar plate carrée
        _, south, _, north = self.options.bounds
        return max(0.2, math.cos(math.radians((south + north) / 2)))

    def paint_content(self, painter: QPainter, rect: QRect) -> None:
        if rect.width() <= 0 or rect.height() <= 0:
            return
        frame = self.frame(rect)
        job = self._ask_land(rect)
        if self._land is None and not self._land_failed:  # a first paint waits for its land
            self._take_land(job)  # (most often long drawn): a map is never shown without it
        if self._land is not None:  # a former size's until this one's comes
            painter.drawImage(QRectF(rect), self._land)
        if self.sample is None:
            return
        painter.save()
        painter.setClipRect(frame)
        painter.translate(rect.topLeft())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for country, step in self._shades.items():
            path = self._shapes.get(country)
            if path is not None:
                painter.fillPath(path, self.shade(step))
        painter.resetTransform()
        painter.setPen(Qt.PenStyle.NoPen)
        rings = self.options.mode == "both"
        for at, radius, colour in self._dots(self.sample.value, frame):
            if rings:  # over shaded countries, rings: the shade shows through a city's dot
                painter.setPen(QPen(colour, self.style_.px(2.5)))
                colour = QColor(colour)
                colour.setAlpha(50)
            painter.setBrush(colour)
            painter.drawEllipse(at, radius, radius)
        painter.restore()
        if self.options.legend:
            self._paint_legend(painter, frame)

    def shade(self, step: int) -> QColor:
        """The fill of a country in ``step`` (0: fewest mentions): from land to the accent."""
        land, accent = self.style_.grid, self.style_.accent
        mix = 0.4 + 0.6 * step / (SHADES - 1)  # the palest still stands out from bare land
        return QColor.fromRgbF(
            land.redF() + (accent.redF() - land.redF()) * mix,
            land.greenF() + (accent.greenF() - land.greenF()) * mix,
            land.blueF() + (accent.blueF() - land.blueF()) * mix,
        )

    def _paint_legend(self, painter: QPainter, frame: QRectF) -> None:
        """The key, bottom left (the South Pacific on a world map): the shades as one bar from
        the fewest mentions to the most ("1 ▮▮▮▮▮ 2,500+"), and the dots' colours."""
        style, words = self.style_, self.style_.lang
        rows: list[tuple[str, list[QColor | str]]] = []
        if self._steps:
            bar: list[QColor | str] = [self.shade(step) for step, _ in self._legend()]
            least = _figure(words, self._steps[0])
            most = _figure(words, self._steps[-1]) + ("+" if len(self._steps) > 1 else "")
            # A ranking's figures are the widget title's to name; places' are mentions.
            title = "" if self._per_country else words._("Mentions per country")
            rows.append((title, [least, *bar, most]))
        dots = self.options.mode != "countries" and not self._per_country
        if dots and self.options.colour_by == "sentiment":
            moods: list[QColor | str] = []
            for score, mood in _MOODS:
                moods += [style.sentiment_colour(score), words.term(mood)]
            rows.append((words._("Dots: mood of the posts there"), moods))
        if not rows:
            return
        # Large enough to read from the back of a room (labels 32 px at 1080p), smaller only
        # when the map is too small to hold it, never below the screen's legibility floor:
        # then the dots' row goes first, and the whole legend if the shades' row still does
        # not fit.
        fitted = self._legend_fit(rows, frame) or self._legend_fit(rows[:1], frame)
        if fitted is None:
            return
        scale, box, rows = fitted
        gap, line, chip = self._legend_metrics(scale)
        box = self._least_covering(box, frame.adjusted(gap, gap, -gap, -gap))
        background = QColor(style.panel)
        background.setAlpha(225)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(background)
        painter.drawRoundedRect(box, gap, gap)
        y = box.top() + gap / 2
        for title, items in rows:
            if title:
                painter.setFont(style.font(26 * scale, 400))
                painter.setPen(style.muted)
                painter.drawText(QRectF(box.left() + gap, y, box.width(), line), _LEFT, title)
                y += line
            painter.setFont(style.font(32 * scale, 600))
            placed, _ = _row(items, painter.fontMetrics(), chip, gap)
            for x, item in placed:
                left = box.left() + gap + x
                if isinstance(item, QColor):
                    painter.setPen(Qt.PenStyle.NoPen)
                    painter.setBrush(item)
                    painter.drawRect(QRectF(left, y + (line - chip) / 2, chip, chip))
                else:
                    painter.setPen(style.text)
                    painter.drawText(QRectF(left, y, box.right() - left, line), _LEFT, item)
            y += line

    def _least_covering(self, box: QRectF, frame: QRectF) -> QRectF:
        """``box`` moved to the corner of ``frame`` where it hides the fewest mentions: the
        bottom left (the South Pacific) on a world map, the sea off a country zoomed to."""
        counts = dict(self._shades)
        corners = [
            box.translated(at - box.topLeft())
            for at in (
                QPointF(frame.left(), frame.bottom() - box.height()),
                QPointF(frame.right() - box.width(), frame.bottom() - box.height()),
                frame.topLeft(),
                QPointF(frame.right() - box.width(), frame.top()),
            )
        ]
        dots = self._dots(self.sample.value, frame) if self.sample is not None else []
        offset = self.content_rect().topLeft().toPointF()

        def hidden(corner: QRectF) -> float:
            under_dots = sum(radius**2 for at, radius, _ in dots if corner.contains(at))
            shaded = corner.translated(-offset)  # country outlines are kept in content pixels
            under_shades = sum(
                (1 + step) * 1e4
                for key, step in counts.items()
                if key in self._shapes and self._shapes[key].intersects(shaded)
            )
            return under_dots + under_shades

        return min(corners, key=hidden)  # the first (bottom left) on a tie

    def _legend_metrics(self, scale: float) -> tuple[int, int, int]:
        """Gap, line height and chip size of the legend at ``scale``; a line is never lower
        than its text, which the legibility floor may have made larger than asked."""
        style = self.style_
        text = QFontMetrics(style.font(32 * scale, 600)).height()
        return style.px(14 * scale), max(style.px(44 * scale), text + style.px(8)), text * 3 // 4

    def _legend_fit(
        self, rows: list[tuple[str, list[QColor | str]]], frame: QRectF
    ) -> tuple[float, QRectF, list[tuple[str, list[QColor | str]]]] | None:
        """The largest scale at which ``rows`` fit the map (and are legible), with the box."""
        style = self.style_
        for scale in LEGEND_SCALES:
            if scale < LEGEND_SCALES[0] and not style.legible(26 * scale):
                return None  # smaller would be drawn at the floor all the same
            gap, line, chip = self._legend_metrics(scale)
            label = QFontMetrics(style.font(32 * scale, 600))
            heading = QFontMetrics(style.font(26 * scale, 400))
            width = max(
                max(heading.horizontalAdvance(title) for title, _ in rows),
                max(_row(items, label, chip, gap)[1] for _, items in rows),
            )
            lines = sum(2 if title else 1 for title, _ in rows)
            box = QRectF(0, 0, width + 2 * gap, lines * line + gap)
            if box.width() <= frame.width() * 0.9 and box.height() <= frame.height() * 0.5:
                return scale, box, rows
        return None

    def _legend(self) -> list[tuple[int, float]]:
        """(shade step, least count) of each step in use."""
        first = SHADES - len(self._steps)
        return [(first + i, least) for i, least in enumerate(self._steps)]

    def _colour(self, sentiment: float) -> QColor:
        if self.options.colour_by == "volume":
            return self.style_.accent
        return self.style_.sentiment_colour(sentiment)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        rect = self.content_rect()
        if rect.isValid():  # the land is drawn from now on, before the first paint needs it
            self._ask_land(rect)

    def _ask_land(self, rect: QRect) -> Future[Drawn]:
        """The land and the countries' outlines for a content rectangle ``rect``: shared,
        made by the worker."""
        ratio = self.devicePixelRatioF()
        frame = self.frame(rect).translated(-rect.left(), -rect.top())
        wanted = Land(
            round(rect.width() * ratio),
            round(rect.height() * ratio),
            ratio,
            (frame.x(), frame.y(), frame.width(), frame.height()),
            self.options.bounds,
            self.options.country or "",
            self.style_.grid.rgba(),
            self.style_.panel.rgba(),
        )
        if wanted != self._land_wanted:
            self._land_wanted, self._land_job, self._land_failed = wanted, land(wanted), False
            self._shapes = {}  # the former size's would be misplaced: none until they come
            deliver(self._land_job, self, GeoMapWidget._take_land)
        assert self._land_job is not None  # asked with its first wanted land
        return self._land_job

    def _take_land(self, job: Future[Drawn]) -> None:
        if job is not self._land_job:
            return  # drawn for a size the map no longer has
        try:
            drawn = job.result()  # waits, at a first paint only
        except Exception:
            log.exception("a map's land could not be drawn")
            self._land_failed = True  # asked again only at another size
            return
        if drawn.image is not self._land:
            self._land, self._shapes = drawn.image, drawn.shapes
            self.update()


@dataclass(frozen=True)
class Land:
    """What a map's land picture depends on: maps that show the same on any screen of the
    wall share one picture (:func:`land`)."""

    width: int  # device pixels
    height: int
    ratio: float
    frame: tuple[float, float, float, float]  # the map inside the picture: x, y, width, height
    bounds: Bounds
    country: str  # "" for none
    land_rgba: int
    outline_rgba: int  # the coasts and borders: the panel's colour


@dataclass(frozen=True, eq=False)
class Drawn:
    """A map's land, and every country's outline as a path in the same pixels (logical,
    relative to the picture) for the shades: made once per region and size in the worker
    (the world's 177 countries took 20 ms in a first paint)."""

    image: QImage
    shapes: dict[str, QPainterPath]


_lands: weakref.WeakValueDictionary[Land, Future[Drawn]] = weakref.WeakValueDictionary()


def land(wanted: Land) -> Future[Drawn]:
    """The land and outlines, made by the charts' worker, shared while a map holds them."""
    job = _lands.get(wanted)
    if job is None:
        job = _lands[wanted] = worker().submit(draw_land, wanted)
    return job


def draw_land(wanted: Land) -> Drawn:
    """The land on a transparent picture, and the countries' outlines (any thread)."""
    image = QImage(
        max(1, wanted.width), max(1, wanted.height), QImage.Format.Format_ARGB32_Premultiplied
    )
    image.setDevicePixelRatio(wanted.ratio)
    image.fill(Qt.GlobalColor.transparent)
    frame = QRectF(*wanted.frame)
    # A single country needs the finer 1:50m outlines; the world reads fine at 1:110m.
    rings = detailed_outlines(wanted.bounds) if wanted.country else world_outlines()
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setClipRect(frame)
        colour = QColor.fromRgba(wanted.land_rgba)
        outline = QColor.fromRgba(wanted.outline_rgba)
        neighbours = QColor(colour)
        if wanted.country:
            neighbours.setAlpha(120)  # the neighbours recede; the country itself is drawn full
        _fill(painter, ring_path(rings, wanted.bounds, frame), neighbours, outline)
        if wanted.country:
            own = country_rings(wanted.country)
            _fill(painter, ring_path(own, wanted.bounds, frame), colour, outline)
    finally:
        painter.end()
    countries = country_shapes(wanted.bounds if wanted.country else None)
    shapes = {key: ring_path(rings, wanted.bounds, frame) for key, rings in countries.items()}
    return Drawn(image, shapes)


def _fill(painter: QPainter, path: QPainterPath, colour: QColor, outline: QColor) -> None:
    painter.setPen(Qt.PenStyle.NoPen)  # drawPath with the GIL let go: the UI thread runs on
    painter.setBrush(colour)
    draw_path(painter, path)
    painter.setPen(outline)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    draw_path(painter, path)


def equirectangular(lon: Coord, lat: Coord, bounds: Bounds, frame: QRectF) -> tuple[Coord, Coord]:
    """Where ``lon``, ``lat`` (numbers or numpy arrays) fall in ``frame``, which shows
    ``bounds``: equirectangular, north up."""
    west, south, east, north = bounds
    x = frame.left() + (lon - west) / (east - west) * frame.width()
    y = frame.top() + (north - lat) / (north - south) * frame.height()
    return x, y


def ring_path(rings: Sequence[Ring], bounds: Bounds, frame: QRectF) -> QPainterPath:
    """Rings of (lon, lat) as one path in ``frame``; a lake (an inner ring) is not filled.
    Projected with numpy and built in C by pyqtgraph: 3 ms for the world where a point at a
    time took 12 (one machine, 1120×560)."""
    rings = [ring for ring in rings if ring]
    if not rings:
        return QPainterPath()
    points = np.concatenate([np.asarray(ring, dtype=np.float64).reshape(-1, 2) for ring in rings])
    connect = np.ones(len(points), dtype=np.int32)
    connect[np.cumsum([len(ring) for ring in rings]) - 1] = 0  # each ring ends its own piece
    x, y = equirectangular(points[:, 0], points[:, 1], bounds, frame)
    path: QPainterPath = pg.arrayToQPath(x, y, connect=connect)
    path.setFillRule(Qt.FillRule.OddEvenFill)
    return path


_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_MOODS = ((1.0, "positive"), (0.0, "neutral"), (-1.0, "negative"))


def _row(
    items: Sequence[QColor | str], metrics: QFontMetrics, chip: int, gap: int
) -> tuple[list[tuple[float, QColor | str]], float]:
    """Where each chip and word of a legend row goes, and the row's width: chips side by
    side touch (a bar), a word keeps a gap from its neighbours."""
    placed: list[tuple[float, QColor | str]] = []
    x = 0.0
    for index, item in enumerate(items):
        if index and (isinstance(item, str) or isinstance(items[index - 1], str)):
            x += gap if isinstance(item, str) else 1.5 * gap
        placed.append((x, item))
        x += chip if isinstance(item, QColor) else metrics.horizontalAdvance(item)
    return placed, x


def _figure(words: Lang, value: float) -> str:
    """A legend's bound: compact for amounts, two decimals for small fractions (0.25)."""
    return words.compact(value) if value >= 10 or value == int(value) else words.number(value, 2)
