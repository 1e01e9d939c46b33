"""Listening analytics: pure Python + numpy, no Qt. Mention streams in, aggregates out."""

from kiosk.analytics.mentions import DERIVED_STREAMS, MentionAnalytics, attach_analytics

__all__ = ["DERIVED_STREAMS", "MentionAnalytics", "attach_analytics"]
