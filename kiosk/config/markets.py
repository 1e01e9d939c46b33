"""``markets:`` (countries grouped into the markets a company reports on) and ``by:`` (the
dimension a breakdown or ranking splits mentions by), as a layout writes them."""

from __future__ import annotations

import difflib
import functools
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

Dimension = Literal["country", "market", "platform", "language"]
"""What ``by:`` splits mentions by; each is a derived stream ``<source>.by_<dimension>``."""


@functools.cache
def _countries() -> dict[str, str]:
    """ISO 3166 alpha-2 code → English name (CLDR, through Babel)."""
    from babel import Locale

    names = Locale("en").territories
    return {code: str(name) for code, name in names.items() if len(code) == 2 and code.isalpha()}


def country_names() -> dict[str, str]:
    """ISO 3166 alpha-2 code → English name."""
    return _countries()


def _country_code(code: str) -> str:
    known = _countries()
    upper = code.strip().upper()
    if upper in known:
        return upper
    by_name = {name.casefold(): iso for iso, name in known.items()}
    if code.strip().casefold() in by_name:
        iso = by_name[code.strip().casefold()]
        raise ValueError(f"{code!r}: write the ISO 3166 code, {iso}")
    close = difflib.get_close_matches(code.strip().casefold(), list(by_name), n=1, cutoff=0.75)
    hint = f" (did you mean {by_name[close[0]]}, {known[by_name[close[0]]]}?)" if close else ""
    raise ValueError(f"{code!r} is no ISO 3166 country code (e.g. NL, FR, US){hint}")


CountryCode = Annotated[str, Field(min_length=2, max_length=60), AfterValidator(_country_code)]

Markets = Annotated[
    dict[
        Annotated[str, Field(min_length=1, max_length=60)],
        Annotated[list[CountryCode], Field(min_length=1, max_length=300)],
    ],
    Field(
        default_factory=dict,
        description="Named markets as lists of ISO 3166 country codes, e.g. {Benelux: [NL, BE, "
        "LU], DACH: [DE, AT, CH]}: by: market on a leaderboard or share_of_voice, and "
        "<source>.by_market, count mentions per market. A country belongs to one market.",
    ),
]


def market_of(markets: dict[str, list[str]]) -> dict[str, str]:
    """Country code → market name; raises ValueError when a country is in two markets."""
    found: dict[str, str] = {}
    twice = []
    for market, codes in markets.items():
        for code in codes:
            if code in found and found[code] != market:
                twice.append(f"{code} is in both {found[code]!r} and {market!r}")
            found.setdefault(code, market)
    if twice:
        raise ValueError("; ".join(twice) + ": a country belongs to one market")
    return found
