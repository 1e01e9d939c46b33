"""kiosk: a native command-center wall for social listening."""

__version__ = "0.1.0"
