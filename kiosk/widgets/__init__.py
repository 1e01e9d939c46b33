"""Widgets: one module per type, drawn with Qt and pyqtgraph; see ``registry.WIDGETS``."""
