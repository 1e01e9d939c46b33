"""``type: image``: a logo or picture (PNG, JPEG, SVG), drawn once per size and kept."""

from __future__ import annotations

from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QImageReader, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QWidget

from kiosk.config.widgets import ImageOptions
from kiosk.hub import StreamView
from kiosk.widgets.base import KioskWidget
from kiosk.widgets.theme import Style


class ImageWidget(KioskWidget):
    options: ImageOptions

    def __init__(
        self,
        options: ImageOptions,
        stream: StreamView | None,
        style: Style,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(options, stream, style, parent)
        self._cache: QPixmap | None = None

    def paint_content(self, painter: QPainter, rect: QRect) -> None:
        if rect.width() <= 0 or rect.height() <= 0:
            return
        if self._cache is None or self._cache.size() != rect.size() * self.devicePixelRatioF():
            self._cache = self._render(rect.size())
        if self._cache is None:
            painter.setPen(self.style_.muted)
            painter.setFont(self.style_.font(26))
            painter.drawText(
                rect,
                Qt.AlignmentFlag.AlignCenter,
                self.style_.lang._("cannot show {name}", name=self.options.path.name),
            )
            return
        painter.drawPixmap(rect.topLeft(), self._cache)

    def _render(self, size: QSize) -> QPixmap | None:
        """The image fitted to ``size`` (contain or cover), at the screen's pixel density."""
        ratio = self.devicePixelRatioF()
        pixmap = QPixmap(size * ratio)
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        path = str(self.options.path)
        if path.lower().endswith(".svg"):
            renderer = QSvgRenderer(path)
            if not renderer.isValid():
                return None
            natural = renderer.defaultSize()
            target = self._fit(natural.width(), natural.height(), size)
            painter = QPainter(pixmap)
            renderer.render(painter, target)
            painter.end()
            return pixmap
        reader = QImageReader(path)
        image = reader.read()
        if image.isNull():
            return None
        target = self._fit(image.width(), image.height(), size)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(target, image)
        painter.end()
        return pixmap

    def _fit(self, width: int, height: int, size: QSize) -> QRectF:
        if width <= 0 or height <= 0:
            return QRectF(0, 0, size.width(), size.height())
        scales = (size.width() / width, size.height() / height)
        scale = min(scales) if self.options.fit == "contain" else max(scales)
        w, h = width * scale, height * scale
        return QRectF((size.width() - w) / 2, (size.height() - h) / 2, w, h)
