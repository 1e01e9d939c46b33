"""``type: demo``: a realistic, deterministic social stream, the wall's default on first start.

Posts in English, Dutch, French and Italian about a few brands (one "ours"), from authors with
power-law follower counts, on the usual platforms, from real cities; a daily rhythm; and now and
then a crisis burst: a negative phrase for our brand that ramps up to several times the normal
rate, with its own hashtag, then decays. The same seed and the same calls give the same posts.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass
from typing import Annotated, Literal

import numpy as np
from pydantic import Field, model_validator

from kiosk.config.alerts import AlertRules
from kiosk.config.ranking import RANK_BY_HELP, RankBy
from kiosk.config.types import DAY, SECOND, Duration
from kiosk.hub import SourceState
from kiosk.sources import demo_corpus as corpus
from kiosk.sources.base import Source, SourceOptions, register
from kiosk.values import Kind, Mention

Language = Literal["en", "nl", "fr", "it"]
MAX_BACKFILL_POSTS = 20_000
MAX_BACKFILL = 30 * DAY  # as far back as the longest derived stream (volume_hourly) reaches
FINE_BACKFILL = 3600.0  # seconds of history generated finely; older history is coarser
# Batches at most a second apart, and fewer than before: each hand-over wakes the wall and costs
# before any post (the numpy draws, the analytics' publication of counts): demo and analytics at
# 100/s took 0.35 CPU-s/min in a tight loop but 1.02 with batches a quarter second apart and the
# process idle between them, 0.63 a second apart. Issue #14's screen at 100/s, alternated on
# Xvfb: 3.03/3.65 CPU-s/min with 4 batches a second, 2.43/2.49 with 2 (and the ticker taking
# posts once a second, not 4 times).
TICK_SECONDS = 1.0
# Posts per batch, at most: at 500/s a quarter second's 125 posts took the UI thread 5-14 ms to
# hand over, more than what is left of a frame. On three 4K screens at 500/s, ticker p99 was
# 18.2 ms with batches of 25, 17.7 with 50 and 20.9 with 100: a high rate batches faster.
BATCH_POSTS = 50
_CLASSES = (corpus.POSITIVE, corpus.NEUTRAL, corpus.NEGATIVE)
_SENTIMENT_RANGE = {
    corpus.POSITIVE: (0.35, 0.95),
    corpus.NEUTRAL: (-0.2, 0.2),
    corpus.NEGATIVE: (-0.95, -0.35),
}


class DemoOptions(SourceOptions):
    type: Literal["demo"] = "demo"
    brands: list[str] = Field(
        default=["Acme", "Globex", "Initech", "Umbrella"], min_length=1, max_length=8
    )
    ours: str | None = Field(default=None, description="Our brand; defaults to the first.")
    rate: float = Field(default=50.0, ge=1, le=5000, description="Mean mentions per second.")
    seed: int = Field(default=7, ge=0, le=2**32 - 1, description="The same seed, the same posts.")
    languages: list[Language] = Field(default=["en", "nl", "fr", "it"], min_length=1)
    crisis: bool = Field(default=True, description="Now and then a negative burst for ours.")
    rhythm: bool = Field(default=True, description="Quieter at night, busier at peak hours.")
    backfill: Annotated[Duration, Field(ge=SECOND, le=MAX_BACKFILL)] | Literal[0] = Field(
        default=3600.0, description="History generated at start so charts are full at once."
    )
    alerts: AlertRules = Field(
        default_factory=AlertRules, description="How readily spikes alert, and for what."
    )
    rank_by: RankBy | None = Field(default=None, description=RANK_BY_HELP)

    @model_validator(mode="after")
    def _ours_is_a_brand(self) -> DemoOptions:
        if self.ours is not None and self.ours not in self.brands:
            raise ValueError(f"ours: {self.ours!r} is not one of brands {self.brands}")
        return self

    @property
    def our_brand(self) -> str:
        return self.ours or self.brands[0]


@dataclass(frozen=True, slots=True)
class Crisis:
    start: float
    duration: float
    peak: float  # extra rate at the plateau, as a multiple of the base rate
    theme: int

    def intensity(self, t: float) -> float:
        """0 … 1: ramps up over 3 minutes, holds, decays over the last third."""
        x = t - self.start
        if x < 0 or x > self.duration:
            return 0.0
        ramp = min(1.0, x / 180.0)
        tail = min(1.0, (self.duration - x) / (self.duration / 3))
        return ramp * tail


def _activity(hour: float) -> float:
    return 0.3 + math.exp(-((hour - 11.5) ** 2) / 8) + 1.2 * math.exp(-((hour - 20.5) ** 2) / 6)


_DAILY_MEAN = sum(_activity(h / 10) for h in range(240)) / 240


def daily_factor(epoch: float) -> float:
    """Activity by local hour, mean 1 over a day: quiet at night, peaks late morning and evening."""
    local = time.localtime(epoch)
    return _activity(local.tm_hour + local.tm_min / 60) / _DAILY_MEAN


class DemoGenerator:
    """Pure and deterministic: ``between(t0, t1)`` gives the posts with timestamps in [t0, t1).

    Args:
        options: the source's options.
        origin: epoch seconds the crisis schedule is counted from (the start of the backfill).
    """

    def __init__(self, options: DemoOptions, origin: float) -> None:
        self.options = options
        self.rng = np.random.default_rng(options.seed)
        # Reactions from their own generator: the posts' other draws (and every seeded
        # stream and screenshot) stay as they were before posts had reactions.
        self.reaction_rng = np.random.default_rng(options.seed + 2)
        self.origin = origin
        self.brands = list(options.brands)
        self.ours = options.our_brand
        shares = np.array([0.42, 0.26, 0.19, 0.13, 0.1, 0.08, 0.06, 0.05])[: len(self.brands)]
        ours_at = self.brands.index(self.ours)
        shares[[0, ours_at]] = shares[[ours_at, 0]]
        self._shares = shares / shares.sum()
        self._drift_phase = self.rng.uniform(0, 2 * math.pi, len(self.brands))
        self._platforms = [name for name, _ in corpus.PLATFORMS]
        self._platform_p = np.array([p for _, p in corpus.PLATFORMS]) / sum(
            p for _, p in corpus.PLATFORMS
        )
        self._cities = {
            lang: [c for c in corpus.CITIES if c[1] == lang] for lang in options.languages
        }
        self._authors = self._make_authors()
        self.crises = self._schedule() if options.crisis else []
        self._count = 0

    def _make_authors(self) -> dict[str, list[tuple[str, str, int]]]:
        authors: dict[str, list[tuple[str, str, int]]] = {}
        for lang in self.options.languages:
            pool = []
            for first in corpus.FIRST_NAMES[lang]:
                for last in corpus.LAST_NAMES[lang]:
                    handle = (
                        f"{first}{last}".lower()
                        .replace(" ", "")
                        .replace("é", "e")
                        .replace("è", "e")
                    )
                    followers = int(min(2e6, 40 * (1 - self.rng.random()) ** (-1 / 0.8)))
                    pool.append(
                        (f"{first} {last}", f"{handle}{self.rng.integers(1, 99)}", followers)
                    )
            pool.extend((n, h, f) for n, h, language, f in corpus.INFLUENCERS if language == lang)
            authors[lang] = pool
        return authors

    def _schedule(self, count: int = 200) -> list[Crisis]:
        schedule_rng = np.random.default_rng(self.options.seed + 1)
        backfill = float(self.options.backfill)
        # The first burst falls in the last part of the backfill, so a fresh start shows one.
        t = self.origin + max(0.0, backfill - schedule_rng.uniform(600, 1500))
        crises = []
        for _ in range(count):
            duration = schedule_rng.uniform(300, 900)
            peak = schedule_rng.uniform(1.0, 3.0)  # extra posts, × the whole base rate
            crises.append(Crisis(t, duration, peak, int(schedule_rng.integers(len(corpus.CRISES)))))
            t += duration + schedule_rng.uniform(1200, 3600)
        return crises

    def base_rate(self, t: float) -> float:
        return self.options.rate * (daily_factor(t) if self.options.rhythm else 1.0)

    def between(self, t0: float, t1: float, weight: int = 1) -> list[Mention]:
        """Posts in [t0, t1); with ``weight`` > 1 each post stands for that many (backfill)."""
        if t1 <= t0:
            return []
        mid = (t0 + t1) / 2
        expected = self.base_rate(mid) * (t1 - t0) / weight
        times = np.sort(self.rng.uniform(t0, t1, int(self.rng.poisson(expected))))
        mentions = self._posts(times, weight)
        for crisis in self.crises:
            if crisis.start > t1:
                break
            level = crisis.intensity(mid)
            if level > 0:
                extra = int(self.rng.poisson(expected * crisis.peak * level))
                burst = self.rng.uniform(t0, t1, extra)
                mentions.extend(self._posts(burst, weight, crisis))
        mentions.sort(key=lambda m: m.at)
        return mentions

    def _posts(self, times: np.ndarray, weight: int, crisis: Crisis | None = None) -> list[Mention]:
        """Draw every random choice for a batch at once (vectorised), then build the posts."""
        n = len(times)
        if n == 0:
            return []
        rng = self.rng
        drift = 1 + 0.2 * np.sin(2 * math.pi * float(times[0]) / 5400 + self._drift_phase)
        shares = self._shares * drift
        brands = rng.choice(len(self.brands), n, p=shares / shares.sum())
        langs = rng.integers(len(self.options.languages), size=n)
        classes = rng.choice(3, n, p=(0.36, 0.41, 0.23))
        picks = rng.integers(1 << 30, size=(n, 5))  # template, city, author, emoji, tag
        platforms = rng.choice(len(self._platforms), n, p=self._platform_p)
        tag_rolls = rng.random(n)
        unit = rng.random(n)
        jitter = rng.normal(0, 0.05, (n, 2))
        # Likes follow a heavy tail (most posts get a few, some thousands); reposts and
        # replies come at a fraction of them.
        likes = np.minimum(self.reaction_rng.pareto(1.3, n) * 4, 20_000).astype(np.int64)
        reposts = (likes * self.reaction_rng.uniform(0.05, 0.4, n)).astype(np.int64)
        replies = (likes * self.reaction_rng.uniform(0.05, 0.3, n)).astype(np.int64)
        # Python lists, not arrays, in the loop: a numpy scalar read costs several times a
        # list item's, and there are a dozen per post.
        at, units, rolls = times.tolist(), unit.tolist(), tag_rolls.tolist()
        brands_, langs_, classes_ = brands.tolist(), langs.tolist(), classes.tolist()
        picks_, platforms_, jitter_ = picks.tolist(), platforms.tolist(), jitter.tolist()
        likes_, reposts_, replies_ = likes.tolist(), reposts.tolist(), replies.tolist()
        languages, seed = self.options.languages, self.options.seed
        posts = []
        for i in range(n):
            lang = languages[langs_[i]]
            template_pick, city_pick, author_pick, emoji_pick, tag_pick = picks_[i]
            if crisis is None:
                brand = self.brands[brands_[i]]
                cls = _CLASSES[classes_[i]]
                templates = corpus.TEMPLATES[lang][cls]
                template = templates[template_pick % len(templates)]
                tag = self._hashtag(brand, rolls[i], tag_pick)
            else:
                brand, cls = self.ours, corpus.NEGATIVE
                theme = corpus.CRISES[crisis.theme]
                template, tag = theme[lang], theme["tag"].format(brand=self.ours)
            city, _, lat, lon = (cities := self._cities[lang])[city_pick % len(cities)]
            name, handle, followers = (pool := self._authors[lang])[author_pick % len(pool)]
            emoji = (marks := corpus.EMOJI[cls])[emoji_pick % len(marks)]
            text = template.format(brand=brand, tag=tag, city=city, emoji=emoji).strip()
            low, high = _SENTIMENT_RANGE[cls]
            self._count += 1
            north, east = jitter_[i]
            posts.append(
                Mention(
                    id=f"demo-{seed}-{self._count}",
                    at=at[i],
                    brand=brand,
                    text=text,
                    lang=lang,
                    platform=self._platforms[platforms_[i]],
                    author=name,
                    handle=handle,
                    followers=followers,
                    sentiment=round(low + (high - low) * units[i], 3),
                    hashtags=(tag,),
                    city=city,
                    lat=round(lat + north, 4),
                    lon=round(lon + east, 4),
                    weight=weight,
                    country=corpus.COUNTRIES.get(city, ""),
                    likes=likes_[i],
                    reposts=reposts_[i],
                    replies=replies_[i],
                )
            )
        return posts

    def _hashtag(self, brand: str, roll: float, pick: int) -> str:
        if roll < 0.45:
            return brand
        if roll < 0.7:
            return brand + corpus.CAMPAIGN_SUFFIXES[pick % len(corpus.CAMPAIGN_SUFFIXES)]
        return corpus.TOPICAL_TAGS[pick % len(corpus.TOPICAL_TAGS)]


@register("demo")
class DemoSource(Source):
    """Publishes the demo stream into ``<name>.mentions``, with history backfilled at start."""

    options_model = DemoOptions
    options: DemoOptions

    @classmethod
    def provides(cls, options: SourceOptions) -> dict[str, Kind]:
        return {"mentions": Kind.MENTIONS}

    async def run(self) -> None:
        stream = f"{self.name}.mentions"
        now = self.hub.clock()
        backfill = float(self.options.backfill)
        generator = DemoGenerator(self.options, origin=now - backfill)
        if backfill > 0:  # from a whole minute, so the first chart bucket is not half empty
            self._backfill(generator, stream, (now - backfill) // 60 * 60, now)
        self.hub.set_status(self.name, SourceState.OK)
        last = now
        tick = min(TICK_SECONDS, BATCH_POSTS / self.options.rate)
        while True:
            await asyncio.sleep(tick)
            await self.hub.pace()
            now = self.hub.clock()
            # Intervals come from the clock, so a late tick loses and doubles nothing.
            batch = generator.between(last, now)
            last = now
            if batch:
                self.hub.append(stream, batch)

    def _backfill(self, generator: DemoGenerator, stream: str, start: float, end: float) -> None:
        """History before ``end``: the last hour finely (per-minute charts show it), anything
        older coarsely (only hourly and daily views reach back that far)."""
        fine_start = max(start, end - FINE_BACKFILL)
        for first, last, budget in (
            (start, fine_start, MAX_BACKFILL_POSTS // 2),
            (fine_start, end, MAX_BACKFILL_POSTS),
        ):
            if last <= first:
                continue
            weight = max(1, math.ceil(self.options.rate * (last - first) / budget))
            t = first
            while t < last:
                step_end = min(last, t + 60.0)
                batch = generator.between(t, step_end, weight=weight)
                if batch:
                    self.hub.append(stream, batch, at=step_end)
                t = step_end
