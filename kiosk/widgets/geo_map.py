"""``type: geo_map``: where mentions come from, as dots on country outlines (Natural Earth).

The outlines are drawn once per size into a pixmap (equirectangular, cropped to the region);
each refresh draws only the dots: area proportional to mentions, colour by mean sentiment.
No tile server, works offline.
"""

from __future__ import annotations

import functools
import json
import logging
import math
from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPixmap, QPolygonF
from PySide6.QtWidgets import QWidget

from kiosk.config.widgets import GeoMapOptions
from kiosk.geo import country_rings, detailed_outlines
from kiosk.hub import Sample, StreamView
from kiosk.paths import ASSETS
from kiosk.values import Places
from kiosk.widgets.base import KioskWidget
from kiosk.widgets.theme import Style

log = logging.getLogger(__name__)

Ring = list[tuple[float, float]]


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
        self._land: QPixmap | None = None

    def take(self, sample: Sample) -> bool:
        if not isinstance(sample.value, Places):
            raise TypeError(f"expected Places, got {type(sample.value).__name__}")
        # Counts change every second; the map only when a dot moves, grows or changes colour by
        # a whole pixel or step: repaint then.
        rect = self.content_rect()
        dots = self._dots(sample.value, self.frame(rect)) if rect.isValid() else []
        return self.shows_new(
            tuple(
                (round(at.x()), round(at.y()), round(radius), colour.rgba())
                for at, radius, colour in dots
            )
        )

    def _dots(self, value: Places, frame: QRectF) -> list[tuple[QPointF, float, QColor]]:
        """Where each place's dot goes, how large and in which colour; largest first."""
        places = [
            p
            for p in value.places
            if math.isfinite(p.lat)
            and math.isfinite(p.lon)
            and math.isfinite(p.count)
            and p.count > 0
        ]  # a bad coordinate from a source must not reach the painter
        if not places:
            return []
        busiest = max(place.count for place in places) or 1.0
        largest = min(frame.width(), frame.height()) * 0.06
        dots = []
        for place in sorted(places, key=lambda p: -p.count):  # small dots on top of big ones
            radius = max(self.style_.px(3), largest * math.sqrt(place.count / busiest))
            colour = QColor(self._colour(place.sentiment))
            colour.setAlpha(190)
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
        west, south, east, north = self.options.bounds
        x = frame.left() + (lon - west) / (east - west) * frame.width()
        y = frame.top() + (north - lat) / (north - south) * frame.height()
        return QPointF(x, y)

    def _squash(self) -> float:
        if not self.options.country:
            return 1.0  # world and continents keep the familiar plate carrée
        _, south, _, north = self.options.bounds
        return max(0.2, math.cos(math.radians((south + north) / 2)))

    def paint_content(self, painter: QPainter, rect: QRect) -> None:
        if rect.width() <= 0 or rect.height() <= 0:
            return
        frame = self.frame(rect)
        if self._land is None or self._land.size() != QSize(rect.width(), rect.height()):
            self._land = self._draw_land(rect.size(), frame.translated(-rect.left(), -rect.top()))
        painter.drawPixmap(rect.topLeft(), self._land)
        if self.sample is None:
            return
        dots = self._dots(self.sample.value, frame)
        if not dots:
            return
        painter.save()
        painter.setClipRect(frame)
        painter.setPen(Qt.PenStyle.NoPen)
        for at, radius, colour in dots:
            painter.setBrush(colour)
            painter.drawEllipse(at, radius, radius)
        painter.restore()

    def _colour(self, sentiment: float) -> QColor:
        if self.options.colour_by == "volume":
            return self.style_.accent
        return self.style_.sentiment_colour(sentiment)

    def _fill(
        self, painter: QPainter, rings: Sequence[Ring], frame: QRectF, colour: QColor
    ) -> None:
        path = QPainterPath()
        for ring in rings:
            path.addPolygon(QPolygonF([self.project(lat, lon, frame) for lon, lat in ring]))
            path.closeSubpath()
        painter.fillPath(path, colour)
        painter.setPen(self.style_.panel)
        painter.drawPath(path)

    def _draw_land(self, size: QSize, frame: QRectF) -> QPixmap:
        ratio = self.devicePixelRatioF()
        pixmap = QPixmap(size * ratio)
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        country = self.options.country
        # A single country needs the finer 1:50m outlines; the world reads fine at 1:110m.
        rings = detailed_outlines(self.options.bounds) if country else world_outlines()
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setClipRect(frame)
        land = QColor(self.style_.grid)
        if country:
            land.setAlpha(120)  # the neighbours recede; the country itself is drawn full
        self._fill(painter, rings, frame, land)
        if country:
            self._fill(painter, country_rings(country), frame, QColor(self.style_.grid))
        painter.end()
        return pixmap
