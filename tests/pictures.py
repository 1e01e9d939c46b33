"""Pictures as numpy arrays, for tests that compare or search pixels."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor, QImage


def rgb(image: QImage) -> np.ndarray:
    """``image``'s pixels as an array of rows × columns × (R, G, B), numpy's own copy (the
    QImage may go), whatever the image's format and row padding."""
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    data = np.frombuffer(image.constBits(), dtype=np.uint8)
    rows = data.reshape(image.height(), image.bytesPerLine() // 4, 4)
    return rows[:, : image.width(), 2::-1].copy()  # memory holds B, G, R, 255 per pixel


def ink(image: QImage, ground: QColor) -> np.ndarray:
    """Where ``image`` differs from the colour ``ground``, rows by columns."""
    colour = np.array([ground.red(), ground.green(), ground.blue()], dtype=np.uint8)
    return np.asarray((rgb(image) != colour).any(axis=2))
