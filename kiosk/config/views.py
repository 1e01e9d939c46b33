"""``views:`` (listening views over several sources) and ``where:`` (which posts), as a layout
writes them. No Qt, no analytics here: :mod:`kiosk.analytics.views` runs them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, WithJsonSchema

from kiosk.config.markets import CountryCode
from kiosk.config.ranking import RANK_BY_HELP, RankBy
from kiosk.config.types import LAYOUT_MODEL


def _listed(value: Any) -> Any:
    """``brand: Acme`` is ``brand: [Acme]``."""
    return [value] if isinstance(value, str) else value


def _one_or_many(item: dict[str, Any]) -> WithJsonSchema:
    return WithJsonSchema({"anyOf": [item, {"type": "array", "items": item}]})


Names = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=200)]],
    BeforeValidator(_listed),
    _one_or_many({"type": "string", "minLength": 1, "maxLength": 200}),
]
Countries = Annotated[
    list[CountryCode],
    BeforeValidator(_listed),
    _one_or_many({"type": "string", "minLength": 2, "maxLength": 60}),
]
Feeling = Literal["positive", "neutral", "negative"]
Feelings = Annotated[
    list[Feeling],
    BeforeValidator(_listed),
    _one_or_many({"enum": ["positive", "neutral", "negative"]}),
]


class Where(BaseModel):
    """Which posts: every condition given must hold (a list means any of its values)."""

    model_config = LAYOUT_MODEL

    brand: Names | None = Field(default=None, description="e.g. Acme, or [Acme, Globex].")
    sentiment: Feelings | None = Field(
        default=None, description="positive, neutral, negative, or a list of them."
    )
    platform: Names | None = Field(default=None, description="e.g. [mastodon, bluesky].")
    language: Names | None = Field(default=None, description="ISO 639-1, e.g. nl or [nl, fr].")
    hashtag: Names | None = Field(
        default=None, description="Posts carrying any of these hashtags (# optional, any case)."
    )
    city: Names | None = Field(default=None, description="Posts placed in these cities.")
    country: Countries | None = Field(
        default=None,
        description="Posts placed in these countries: ISO 3166 codes, e.g. NL or [NL, BE].",
    )
    market: Names | None = Field(
        default=None,
        description="Posts placed in a country of these markets (named under markets:).",
    )
    min_followers: int | None = Field(
        default=None, ge=0, le=10**10, description="Authors with at least this many followers."
    )
    # The layout's markets (country code → market), given by the layout that holds this
    # where: market: names a market, and the countries it stands for are the layout's.
    _markets: dict[str, str] = PrivateAttr(default_factory=dict)

    def with_markets(self, markets: Mapping[str, str]) -> None:
        """Give ``market:`` the layout's ``markets:`` (its country codes → market names)."""
        self._markets = {code.upper(): market for code, market in markets.items()}

    def countries_of_markets(self) -> set[str]:
        """The country codes of the markets ``market:`` names (none without ``markets:``)."""
        wanted = {name.casefold() for name in self.market or ()}
        return {code for code, market in self._markets.items() if market.casefold() in wanted}


class View(BaseModel):
    """One listening view: the posts of several sources as one stream (a post seen by two of
    them counted once), narrowed by ``where``, with every derived stream of a mention source
    (``<view>.volume``, ``<view>.share``, ``<view>.hashtags``…)."""

    model_config = LAYOUT_MODEL | ConfigDict(populate_by_name=True)

    sources: list[Annotated[str, Field(min_length=1)]] = Field(
        alias="from",
        min_length=1,
        description="The mention sources it reads, e.g. [masto, sky, news].",
    )
    where: Where = Field(default_factory=Where, description="Only these posts.")
    brands: list[str] | None = Field(
        default=None, description="Brands for share of voice; default: those of its sources."
    )
    our_brand: str | None = Field(
        default=None, description="Our brand, for our_share; default: its sources' own."
    )
    rank_by: RankBy | None = Field(default=None, description=RANK_BY_HELP)
