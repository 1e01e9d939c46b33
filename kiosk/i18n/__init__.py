"""The room's language: every word kiosk writes itself, and numbers, times and dates as the room
reads them.

Words come from gettext catalogues (``kiosk/i18n/locales/<lang>/LC_MESSAGES/kiosk.po``, kept as
source and compiled with Babel when first used, so a fresh clone needs no build step); numbers,
percentages, dates, weekday and month names and durations come from Babel's CLDR data. No Qt
here: the config checks a locale with :func:`check_locale` and a widget gets a :class:`Lang`
through its style.

A lookup that misses the catalogue falls back to English and is remembered in :data:`MISSED`,
so a test can render every layout in every language and fail on any word left in English.
"""

from __future__ import annotations

import gettext
import io
import math
import time
from datetime import datetime, timedelta
from functools import cache, lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers

DOMAIN = "kiosk"
LOCALES_DIR = Path(__file__).parent / "locales"
LANGUAGES = ("en", "nl", "fr", "it", "de", "es")
"""Languages with a complete catalogue; English is the source language (its msgids)."""


def N_(message: str) -> str:
    """Marks ``message`` for the catalogue where it is defined; translated where drawn."""
    return message


TERMS = frozenset({N_("positive"), N_("neutral"), N_("negative"), N_("portrait"), N_("landscape")})
"""Words that come as data (sentiment series, a monitor's orientation) but are kiosk's own."""

_ENGLISH_DAYS = {day: n for n, day in enumerate(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"))}

MISSED: set[tuple[str, str]] = set()
"""(language, msgid) of every lookup that fell back to English since the process started."""


def check_locale(tag: str) -> str:
    """``nl-NL`` / ``nl_NL`` / ``nl`` → the tag as given, if Babel knows it and kiosk speaks it.

    Raises:
        ValueError: for an unknown tag or a language without a catalogue.
    """
    try:
        locale = Locale.parse(tag.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        raise ValueError(f"{tag!r} is not a locale (e.g. nl-NL, fr-BE, en-GB)") from None
    if locale.language not in LANGUAGES:
        raise ValueError(
            f"kiosk has no {locale.language!r} catalogue; it speaks {', '.join(LANGUAGES)}"
        )
    return tag


class _Recorder(gettext.NullTranslations):
    """The end of the fallback chain: English, and a note that the catalogue missed it."""

    def __init__(self, language: str) -> None:
        super().__init__()
        self.language = language

    def gettext(self, message: str) -> str:
        MISSED.add((self.language, message))
        return message

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        MISSED.add((self.language, msgid1))
        return msgid1 if n == 1 else msgid2


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``language`` (English: the msgids themselves)."""
    if language == "en":
        return gettext.NullTranslations()
    # Imported here, for rooms not in English only (1 MB of PSS imported alone).
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    po = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po.open("rb") as source:
        catalog = read_po(source, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    compiled = gettext.GNUTranslations(buffer)
    compiled.add_fallback(_Recorder(language))
    return compiled


@lru_cache(maxsize=512)
def _ago_text(locale: Locale, seconds: float) -> str:
    """:meth:`Lang.ago`'s text for whole ``seconds``. Every panel asks once a second and babel
    takes ~50 µs to answer, so the texts are kept (a wall shows a handful; "3 d ago" and older
    are many but rare, hence the bound)."""
    for width in ("narrow", "short"):  # narrow reads best; French CLDR's narrow is "-12 s"
        text = babel_dates.format_timedelta(
            timedelta(seconds=-seconds - 1e-6),  # "0 s ago", not "in 0 s"
            threshold=1.0,
            add_direction=True,
            format=width,
            locale=locale,
        )
        if not text.startswith(("-", "+", "−")):
            break
    return text


# A wall formats the same figures again and again: a ranking's ten values at every repaint
# (twice: to size the column, then to draw it), a KPI's value until it changes. babel takes
# 11-31 µs a figure (format_decimal, format_percent, format_compact_decimal), a dict look-up
# well under one. The texts are kept per locale and figure, up to a bound: a wall shows a few
# dozen at a time, and a new figure a second per panel passes through.
FIGURES_KEPT = 2048


@lru_cache(maxsize=FIGURES_KEPT)
def _number_text(locale: Locale, value: float, decimals: int) -> str:
    pattern = f"#,##0.{'0' * decimals}" if decimals else "#,##0"
    return babel_numbers.format_decimal(value, format=pattern, locale=locale)


@lru_cache(maxsize=FIGURES_KEPT)
def _compact_text(locale: Locale, value: float, decimals: int) -> str:
    scaled = abs(value) / 1000 ** math.floor(math.log10(abs(value)) / 3)
    digits = decimals if scaled >= 100 else max(decimals, 1)
    return babel_numbers.format_compact_decimal(
        value, format_type="short", fraction_digits=digits, locale=locale
    )


@lru_cache(maxsize=FIGURES_KEPT)
def _percent_text(locale: Locale, fraction: float, places: int) -> str:
    pattern = locale.percent_formats[None].pattern
    if places:
        pattern = pattern.replace("#,##0", "#,##0." + "0" * places)
    return babel_numbers.format_percent(fraction, format=pattern, locale=locale)


class Lang:
    """One screen's language and time zone: words, numbers and times for that room."""

    def __init__(self, tag: str = "en", timezone: str | None = None) -> None:
        self.tag = tag
        self.locale = Locale.parse(tag.replace("-", "_"))
        self.language = self.locale.language if self.locale.language in LANGUAGES else "en"
        self.zone = ZoneInfo(timezone) if timezone else None
        self._translations = translations(self.language)

    def __repr__(self) -> str:
        return f"Lang({self.tag!r}, {self.zone.key if self.zone else None!r})"

    # -- words -----------------------------------------------------------------------------

    def _(self, message: str, **values: object) -> str:
        """The translation of ``message``, with ``{name}`` fields filled from ``values``."""
        text = self._translations.gettext(message)
        return text.format(**values) if values else text

    def term(self, label: str) -> str:
        """A data label in the room's words when it is one of kiosk's :data:`TERMS`, else as is."""
        return self._(label) if label in TERMS else label

    def n_(self, singular: str, plural: str, count: int, **values: object) -> str:
        """The plural form for ``count`` (``{count}`` is filled, as a locale number)."""
        text = self._translations.ngettext(singular, plural, count)
        return text.format(count=self.number(count), **values)

    # -- numbers ---------------------------------------------------------------------------

    def number(self, value: float, decimals: int = 0) -> str:
        """``1234.5`` → ``1,234.5`` (en), ``1.234,5`` (nl), ``1 234,5`` (fr); NaN → ``–``."""
        if not math.isfinite(value):
            return "–"
        return _number_text(self.locale, value + 0.0, decimals)  # + 0.0: -0.0 reads 0

    def compact(self, value: float, decimals: int = 0, *, short: bool = False) -> str:
        """Up to 9,999 in full (``1.234``), then short: ``98,8K`` / ``1,2 mln`` / ``1.2M``;
        ``short``: from 1,000 (the labels of one axis, all alike: ``5K``, ``10K``)."""
        if not math.isfinite(value):
            return "–"
        if abs(value) < (1e3 if short else 1e4):
            return self.number(value, decimals)
        return _compact_text(self.locale, value + 0.0, decimals)

    def percent(self, fraction: float, decimals: int = 1, *, whole_above_1: bool = True) -> str:
        """``0.123`` → ``12.3%`` (en), ``12,3 %`` (fr, nl); above 100 % without decimals."""
        if not math.isfinite(fraction):
            return "–"
        places = decimals if abs(fraction) < 1 or not whole_above_1 else 0
        return _percent_text(self.locale, fraction + 0.0, places)

    def figure(
        self,
        value: float,
        *,
        style: str = "compact",
        decimals: int = 0,
        scale: float = 1.0,
        unit: str = "",
        signed: bool = False,
    ) -> str:
        """One figure as a ``format:`` asks (see kiosk.config.widgets.NumberFormat)."""
        if not math.isfinite(value):
            return "–"
        value *= scale
        if style == "percent":
            text = self.percent(value, decimals, whole_above_1=False)
        elif style == "number":
            text = self.number(value, decimals)
        else:
            text = self.compact(value, decimals)
        if signed and value > 0:
            text = babel_numbers.get_plus_sign_symbol(self.locale) + text
        return text + unit

    # -- time ------------------------------------------------------------------------------

    def duration(self, seconds: float) -> str:
        """``12 s`` / ``4 min`` / ``3 u`` / ``2 j``: the short CLDR unit, whole and rounded down."""
        seconds = max(0.0, seconds)
        for size in (86400, 3600, 60):
            if seconds >= size:
                seconds = seconds // size * size
                break
        return babel_dates.format_timedelta(
            timedelta(seconds=seconds),
            threshold=1.0,
            format="short",
            locale=self.locale,
        )

    def ago(self, seconds: float) -> str:
        """``12s ago`` / ``il y a 12 s`` / ``12 s geleden`` (CLDR's relative-time order); CLDR
        says at least 1."""
        seconds = float(max(0, math.floor(seconds)))
        for size in (86400, 3600, 60):
            if seconds >= size:
                seconds = seconds // size * size
                break
        return _ago_text(self.locale, seconds)

    def local(self, epoch: float) -> datetime:
        return (
            datetime.fromtimestamp(epoch, self.zone)
            if self.zone
            else datetime.fromtimestamp(epoch).astimezone()
        )

    def west_of_utc(self) -> float:
        """Seconds the room's clock is behind UTC now (``time.timezone``'s sign, pyqtgraph's)."""
        offset = self.local(time.time()).utcoffset()
        return -offset.total_seconds() if offset is not None else 0.0

    def clock_time(self, epoch: float) -> str:
        """``14:02`` in the room's zone, with the date (``4 dec. 14:02``) when not today."""
        moment = self.local(epoch)
        hours = babel_dates.format_time(moment, "HH:mm", locale=self.locale)
        if moment.date() == self.local(time.time()).date():
            return hours
        day = babel_dates.format_skeleton("MMMd", moment, locale=self.locale)
        return f"{day} {hours}"

    def day_month(self, moment: datetime) -> str:
        """``4 dec.`` / ``Dec 4``: the day and month of ``moment`` in the room's words."""
        return babel_dates.format_skeleton("MMMd", moment, locale=self.locale)

    def date(self, epoch: float) -> str:
        """``Friday 4 December`` in the room's words (the clock's caption)."""
        return babel_dates.format_skeleton("MMMMEEEEd", self.local(epoch), locale=self.locale)

    def weekdays(self, width: Literal["abbreviated", "wide"] = "abbreviated") -> list[str]:
        """Monday first: ``["ma", "di", …]`` (nl), ``["lun.", "mar.", …]`` (fr)."""
        names = babel_dates.get_day_names(width, context="format", locale=self.locale)
        return [str(names[day]) for day in range(7)]

    def day_label(self, label: str) -> str:
        """An English weekday abbreviation (``Mon``, a heatmap's row) in the room's words."""
        index = _ENGLISH_DAYS.get(label)
        return label if index is None else self.weekdays()[index]

    def months(self, width: Literal["abbreviated", "wide"] = "abbreviated") -> list[str]:
        names = babel_dates.get_month_names(width, context="format", locale=self.locale)
        return [str(names[month]) for month in range(1, 13)]


ENGLISH = Lang("en")
"""The default when a layout names no locale."""


@cache
def lang(tag: str | None, timezone: str | None = None) -> Lang:
    """The shared :class:`Lang` for ``tag`` (``None``: English) and ``timezone``."""
    return Lang(tag or "en", timezone)
