"""The wall's figures for Prometheus, in its text exposition format (``GET /metrics``, view scope).

Served by the control API, not a second server. The figures are taken when scraped (a
:class:`WallFigures` from the wall) and written with prometheus_client, so the format is the
library's, escaping included. The process figures (RSS, CPU, open files, start time) are
prometheus_client's own process collector, under the names every Linux exporter uses.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

from kiosk.control.figures import WallFigures

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _WallCollector(Collector):
    def __init__(self, figures: WallFigures) -> None:
        self.figures = figures

    def collect(self) -> Iterator[Metric]:
        figures = self.figures
        up = GaugeMetricFamily(
            "kiosk_screen_up", "1 while the layout screen is on a monitor", labels=["screen"]
        )
        for screen, bound in figures.screens.items():
            up.add_metric([screen], 1.0 if bound else 0.0)
        yield up
        age = GaugeMetricFamily(
            "kiosk_source_data_age_seconds",
            "Seconds since the source last delivered or confirmed data",
            labels=["source"],
        )
        for source, seconds in figures.data_age.items():
            if seconds is not None:  # never had data: no sample (absent() alerts on it)
                age.add_metric([source], seconds)
        yield age
        ok = GaugeMetricFamily("kiosk_source_ok", "1 while the source is ok", labels=["source"])
        for source, state in figures.source_ok.items():
            ok.add_metric([source], 1.0 if state else 0.0)
        yield ok
        if figures.frame_interval_p99 is not None:
            yield GaugeMetricFamily(
                "kiosk_ticker_frame_interval_p99_seconds",
                "99th percentile of the interval between ticker frames over the last minute",
                value=figures.frame_interval_p99,
            )
        yield GaugeMetricFamily(
            "kiosk_uptime_seconds", "Seconds since the wall process started", value=figures.uptime
        )
        if figures.unclean_starts is not None:
            yield GaugeMetricFamily(
                "kiosk_unclean_starts",
                "Recent starts of the wall that did not end cleanly (kiosk session's count)",
                value=figures.unclean_starts,
            )


def exposition(figures: WallFigures) -> bytes:
    """``figures`` and the process's own, in the Prometheus text format."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_WallCollector(figures))
    ProcessCollector(registry=registry)
    return generate_latest(registry)
