"""Where the posts come from (``places``): the last 15 minutes' posts per city with a position,
and their mean sentiment, for the map."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, ClassVar

from kiosk.analytics.aggregators import ONE_WINDOW, TWO_WINDOWS, Context, aggregator, windows
from kiosk.analytics.windows import MINUTE, MinuteCounters, rising
from kiosk.values import Kind, Mention, Place, Places

TOP_PLACES = 200
MAX_PLACES = 5000  # distinct place names remembered with coordinates


@aggregator
class CityPlaces:
    streams: ClassVar[dict[str, Kind]] = {"places": Kind.PLACES}

    def __init__(self, context: Context) -> None:
        self.counts = MinuteCounters(capacity=ONE_WINDOW)
        # Sentiment in thousandths, for the places the counts keep.
        self.feeling = MinuteCounters(capacity=ONE_WINDOW, follows=self.counts)
        self.by_brand = MinuteCounters(capacity=TWO_WINDOWS)  # "Acme\x1fLyon": a spike's
        self.coordinates: dict[str, tuple[float, float]] = {}

    def count(self, mention: Mention, minute: int, weight: int) -> None:
        lat, lon, city = mention.lat, mention.lon, mention.city
        if not (city and isinstance(lat, float | int) and isinstance(lon, float | int)):
            return
        if not (
            math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180
        ):
            return
        if city not in self.coordinates and len(self.coordinates) < MAX_PLACES:
            self.coordinates[city] = (float(lat), float(lon))  # a city's first position
        if city in self.coordinates:
            self.counts.add(city, minute, weight)
            self.by_brand.add(f"{mention.brand}\x1f{city}", minute, weight)
            score = mention.sentiment if math.isfinite(mention.sentiment) else 0.0
            # Counters hold integers: sentiment in thousandths.
            self.feeling.add(city, minute, round(score * 1000) * weight)

    def publish(self, now: float, publish: Callable[[str, Any], None]) -> None:
        recent, _ = windows(int(now // MINUTE))
        counts = self.counts.totals(*recent)
        feeling = self.feeling.totals(*recent)
        places = Places(
            tuple(
                Place(city, *self.coordinates[city], count, feeling.get(city, 0) / 1000 / count)
                for city, count in counts.most_common(TOP_PLACES)
                if count > 0
            )
        )
        publish("places", places)

    def rising(self, brand: str, since: int, current: int) -> list[str]:
        """The one of ``brand``'s places whose posts rose most since ``since``."""
        return rising(self.by_brand, since, current, minimum=10, prefix=f"{brand}\x1f")[:1]
