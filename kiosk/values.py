"""The value types that travel through the hub, from sources and analytics to widgets.

Every stream carries one kind of value. Kinds are declared up front so that a layout that binds a
chart to a stream of the wrong kind is rejected by ``kiosk check`` instead of failing on screen.
All values are immutable: a widget may keep a reference across frames without copying.
"""

from __future__ import annotations

import enum
import operator
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import numpy.typing as npt


class Kind(enum.StrEnum):
    """What a stream carries; widgets declare which kinds they can show."""

    MENTIONS = "mentions"  # recent posts, newest last (tuple[Mention, ...])
    SERIES = "series"  # one or more series on a shared time axis (TimeSeries)
    METRIC = "metric"  # one number with its previous period and recent history (Metric)
    BREAKDOWN = "breakdown"  # parts of a whole, e.g. share of voice (Breakdown)
    RANKING = "ranking"  # ranked entries, e.g. top hashtags (Ranking)
    TEXT = "text"  # a message (str)
    MATRIX = "matrix"  # a labelled 2-D grid, e.g. weekday × hour activity (Matrix)
    ALERTS = "alerts"  # the alerts firing now, most severe first (tuple[Alert, ...])
    PLACES = "places"  # mentions by place, with coordinates (Places)


@dataclass(frozen=True, slots=True)
class Mention:
    """One social post about a tracked brand.

    ``weight`` lets a source stand one generated or sampled post for several real ones (the demo's
    history backfill), so counts stay right without generating every post.
    """

    id: str
    at: float  # epoch seconds
    brand: str
    text: str
    lang: str
    platform: str
    author: str
    handle: str
    followers: int
    sentiment: float  # -1 (negative) … +1 (positive)
    hashtags: tuple[str, ...] = ()
    city: str = ""
    lat: float | None = None
    lon: float | None = None
    weight: int = 1
    media: tuple[str, ...] = ()  # addresses of attached images or video, when the source says
    country: str = ""  # ISO 3166 alpha-2 of where it comes from (a market is a set of them)
    # Reactions as the platform counted them when the post was read (None: it does not say).
    likes: int | None = None  # favourites on Mastodon, likes on Bluesky
    reposts: int | None = None  # boosts on Mastodon, reposts on Bluesky
    replies: int | None = None
    tracked: tuple[str, ...] = ()  # the source's track: phrases the text holds

    @property
    def engagement(self) -> int:
        """Likes, reposts and replies together (0 where the platform gives none)."""
        return (self.likes or 0) + (self.reposts or 0) + (self.replies or 0)

    def but(self, **changes: Any) -> Mention:
        """This post with ``changes`` (``dataclasses.replace`` for the per-post path: every
        field read by one C-level attrgetter, 2 µs less a post, measured)."""
        values = list(_MENTION_VALUES(self))
        for name, value in changes.items():
            index = _MENTION_INDEX.get(name)
            if index is None:
                raise TypeError(f"Mention has no field {name!r}")
            values[index] = value
        return Mention(*values)


_MENTION_FIELDS = tuple(f.name for f in fields(Mention))
_MENTION_VALUES = operator.attrgetter(*_MENTION_FIELDS)
_MENTION_INDEX = {name: index for index, name in enumerate(_MENTION_FIELDS)}


@dataclass(frozen=True, slots=True)
class TimeSeries:
    """Series sharing one regular time axis: ``values[i, j]`` is series ``labels[i]`` at bucket j.

    Bucket j starts at ``start + j * step`` (epoch seconds). The last bucket may still be filling.
    """

    labels: tuple[str, ...]
    start: float
    step: float
    values: npt.NDArray[np.float64]

    @property
    def times(self) -> npt.NDArray[np.float64]:
        return self.start + self.step * np.arange(self.values.shape[1], dtype=np.float64)


@dataclass(frozen=True, slots=True)
class Metric:
    """A single figure, what it was the period before, and its recent history (oldest first)."""

    value: float
    previous: float | None = None
    history: tuple[float, ...] = ()
    unit: str = ""
    label: str = ""

    @property
    def change(self) -> float | None:
        """Relative change against the previous period, or None when there is nothing to compare."""
        if self.previous is None or self.previous == 0:
            return None
        return (self.value - self.previous) / abs(self.previous)


@dataclass(frozen=True, slots=True)
class Breakdown:
    """Parts of a whole, in display order (e.g. mentions per brand, or pos/neu/neg)."""

    parts: tuple[tuple[str, float], ...]

    @property
    def total(self) -> float:
        return sum(value for _, value in self.parts)


@dataclass(frozen=True, slots=True)
class Matrix:
    """``values[r, c]`` for row ``rows[r]`` and column ``columns[c]`` (e.g. weekday × hour)."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    values: npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Place:
    name: str
    lat: float
    lon: float
    count: float
    sentiment: float = 0.0  # mean, -1 … +1


@dataclass(frozen=True, slots=True)
class Places:
    """Where mentions come from, busiest first."""

    places: tuple[Place, ...] = ()


@dataclass(frozen=True, slots=True)
class Alert:
    """Something the wall must shout about, e.g. a brand's mentions spiking."""

    key: str  # stable while the same alert lasts, e.g. "spike:Acme"
    severity: str  # "warning" or "critical"
    title: str  # "Acme mentions 4.2× normal"
    since: float  # epoch seconds
    drivers: tuple[str, ...] = ()  # what drives it: hashtags, places, authors


@dataclass(frozen=True, slots=True)
class RankEntry:
    label: str
    value: float
    previous_rank: int | None = None  # 0-based rank in the previous period; None when new
    detail: str = ""
    sentiment: float | None = None  # mean sentiment of what is counted, -1 … +1, when known


@dataclass(frozen=True, slots=True)
class Ranking:
    entries: tuple[RankEntry, ...] = field(default_factory=tuple)
    # False: the values only order the entries (a day's events by start time) and are not
    # amounts to show, compare with bars or rank by change.
    amounts: bool = True


VALUE_TYPES: dict[Kind, type | tuple[type, ...]] = {
    Kind.MENTIONS: tuple,
    Kind.SERIES: TimeSeries,
    Kind.METRIC: Metric,
    Kind.BREAKDOWN: Breakdown,
    Kind.RANKING: Ranking,
    Kind.TEXT: str,
    Kind.MATRIX: Matrix,
    Kind.ALERTS: tuple,
    Kind.PLACES: Places,
}
