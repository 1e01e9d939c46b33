"""A language's words to block, with the few rules that find their inflections and compounds.

Each language's lexicon is the LDNOOBW list (CC BY 4.0) less the entries that are ordinary words
in brand posts (Dutch "balen", Italian "pesce"), plus kiosk's curated list of everyday swear
words, abbreviations and compound parts (kiosk/data/moderation/curated-<lang>.json), plus the
layout's ``block`` words. A word is blocked as it is, inflected (a small suffix rule set per
language: "klootzakken", "stronzate", "enculés", "fucking") and, in Dutch and German, inside a
compound built on a swear word ("kankerlijer", "Scheißladen"): only from a curated set of
compound parts, never from any word at all, so "Scunthorpe" and "kakkerlak" pass.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources

from kiosk.analytics.normalise import fold

log = logging.getLogger(__name__)

# Endings tried when a word is not in the list itself, longest first (after folding: no accents).
SUFFIXES: dict[str, tuple[str, ...]] = {
    "en": ("ings", "ing", "ers", "ies", "ier", "est", "er", "ed", "es", "in", "ty", "y", "s", "d"),
    "nl": ("tjes", "ers", "erd", "jes", "tje", "ige", "ten", "den", "en", "er", "je", "ig", "te",
           "de", "s", "e", "t", "d"),
    "de": ("ern", "en", "er", "es", "st", "te", "e", "n", "s", "t"),
    "fr": ("eries", "erie", "euses", "euse", "eurs", "eur", "asses", "asse", "ards", "ard", "ees",
           "ant", "ais", "ait", "ent", "ez", "es", "ee", "er", "e", "s", "x"),
    "it": ("azzo", "azzi", "accia", "accio", "acce", "acci", "ate", "ata", "ati", "ato", "one",
           "oni", "ona", "ini", "ino", "ina", "ine", "etto", "etti", "a", "e", "i", "o"),
    "es": ("ones", "ona", "on", "ados", "ado", "as", "os", "es", "a", "o", "s"),
}  # fmt: skip
# Prefixes of inflected verbs ("genaaid", "verkloot", "incazzati", "emmerdé").
PREFIXES: dict[str, tuple[str, ...]] = {
    "nl": ("ge", "ver", "be"),
    "de": ("ge", "ver"),
    "it": ("in", "s"),
    "fr": ("em", "en"),
}
# Endings a word loses before a suffix ("cazz-o" → "cazz-ate", "naai-en" → "ge-naai-d").
_STEM_ENDINGS = {
    "it": ("are", "ere", "ire", "a", "e", "i", "o"),
    "fr": ("er", "re", "ir", "ee", "e"),
    "es": ("ar", "er", "ir", "a", "o"),
    "nl": ("en",),  # verbs: "neuken" → "neuk-t", "ge-naai-d"
    "de": ("en",),
}
MIN_STEM = 3
_CACHE_LIMIT = 100_000
MIN_COMPOUND_REST = 3


@dataclass
class Lexicon:
    """The blocked words of one language and how to find their other forms."""

    lang: str
    words: set[str] = field(default_factory=set)
    phrases: set[str] = field(default_factory=set)
    ordinary: set[str] = field(default_factory=set)
    compound_stems: tuple[str, ...] = ()
    compound_heads: tuple[str, ...] = ()
    compound_exceptions: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._stems = self._romance_stems()
        self._phrase_pattern = whole_words(self.phrases)
        self._forms_by_length: dict[int, list[str]] | None = None
        self._seen: dict[str, str | None] = {}  # word → entry: posts repeat their words

    def extended(self, entries: Iterable[str]) -> Lexicon:
        """A copy of this lexicon that also blocks ``entries`` (the shared one stays as it is)."""
        copy = dataclasses.replace(
            self,
            words=set(self.words),
            phrases=set(self.phrases),
            ordinary=set(self.ordinary),
            compound_exceptions=set(self.compound_exceptions),
        )
        copy.add(entries)
        return copy

    def add(self, entries: Iterable[str]) -> None:
        """Block ``entries`` too (single words and phrases)."""
        for entry in entries:
            folded = fold(entry).strip()
            if not folded:
                continue
            if re.fullmatch(r"[^\W\d_]+", folded):
                self.words.add(folded)
            else:
                self.phrases.add(folded)
        self.__post_init__()

    def _romance_stems(self) -> set[str]:
        stems = set()
        for word in self.words:
            for ending in _STEM_ENDINGS.get(self.lang, ()):
                if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM + 1:
                    stems.add(word[: -len(ending)])
                    break
        return stems

    def word(self, word: str) -> str | None:
        """The blocked entry ``word`` is a form of, or None."""
        try:
            return self._seen[word]
        except KeyError:
            pass
        if len(self._seen) >= _CACHE_LIMIT:
            self._seen.clear()
        found = self._seen[word] = self._lookup(word)
        return found

    def _lookup(self, word: str) -> str | None:
        if word in self.ordinary or len(word) < 2:
            return None
        if word in self.words:
            return word
        found = self._inflected(word)
        if found is None:
            for prefix in PREFIXES.get(self.lang, ()):
                rest = word[len(prefix) :]
                if word.startswith(prefix) and len(rest) > MIN_STEM and rest not in self.ordinary:
                    found = rest if rest in self.words else self._inflected(rest)
                    if found:
                        break
        return found or self._compound(word)

    def _inflected(self, word: str) -> str | None:
        for suffix in SUFFIXES.get(self.lang, ()):
            if not word.endswith(suffix) or len(word) - len(suffix) < MIN_STEM:
                continue
            base = word[: -len(suffix)]
            if base in self.ordinary:
                continue
            for candidate in (base, base[:-1] if base[-1:] == base[-2:-1] else ""):
                if candidate and (candidate in self.words or candidate in self._stems):
                    return candidate
        return None

    def _compound(self, word: str) -> str | None:
        if word in self.compound_exceptions:
            return None
        for stem in self.compound_stems:
            if word.startswith(stem) and len(word) - len(stem) >= MIN_COMPOUND_REST:
                return stem
        for head in self.compound_heads:
            if word.endswith(head) and len(word) - len(head) >= MIN_COMPOUND_REST:
                return head
        return None

    def phrase(self, text: str) -> str | None:
        """The first blocked phrase in folded ``text``, or None."""
        if self._phrase_pattern is None:
            return None
        found = self._phrase_pattern.search(text)
        return found.group(0) if found else None

    def masked(self, pattern: str) -> str | None:
        """The blocked word or inflection a masked word ("f[a-z]ck") stands for, or None."""
        if self._forms_by_length is None:
            forms: dict[int, list[str]] = {}
            for word in self.words:
                for suffix in ("", *SUFFIXES.get(self.lang, ())):
                    forms.setdefault(len(word) + len(suffix), []).append(word + suffix)
            self._forms_by_length = forms
        compiled = re.compile(pattern)
        length = len(re.sub(r"\[a-z\]", "x", pattern).replace("\\", ""))
        for form in self._forms_by_length.get(length, ()):
            if compiled.fullmatch(form):
                return form
        return None


def whole_words(entries: Iterable[str]) -> re.Pattern[str] | None:
    """One pattern matching any of ``entries`` as whole words in folded text."""
    folded = sorted({fold(entry).strip() for entry in entries if entry.strip()}, key=len)
    if not folded:
        return None
    alternatives = "|".join(re.escape(entry) for entry in reversed(folded))
    # Not preceded or followed by a letter or digit (a hashtag's # is fine).
    return re.compile(rf"(?<![^\W_])(?:{alternatives})(?![^\W_])")


@functools.cache
def bundled_blocklist(lang: str) -> tuple[str, ...]:
    """The LDNOOBW list for ``lang`` shipped in kiosk/data/moderation (CC BY 4.0)."""
    words = _read_json(f"{lang}.json")
    if not isinstance(words, list):
        return ()
    return tuple(word for word in words if isinstance(word, str) and word.strip())


@functools.cache
def curated(lang: str) -> dict[str, tuple[str, ...]]:
    """kiosk's own list for ``lang``: words, compound parts, insults, ordinary LDNOOBW entries."""
    data = _read_json(f"curated-{lang}.json")
    if not isinstance(data, dict):
        return {}
    return {
        key: tuple(fold(item) for item in items if isinstance(item, str))
        for key, items in data.items()
        if isinstance(items, list)
    }


@functools.cache
def bundled_lexicon(lang: str) -> Lexicon:
    """The LDNOOBW and curated words of ``lang``: shared, so extend it, never add to it."""
    extra = curated(lang)
    lexicon = Lexicon(
        lang,
        ordinary=set(extra.get("ordinary", ())),
        compound_stems=extra.get("compound_stems", ()),
        compound_heads=extra.get("compound_heads", ()),
        compound_exceptions=set(extra.get("compound_exceptions", ())),
    )
    lexicon.add(word for word in bundled_blocklist(lang) if fold(word) not in lexicon.ordinary)
    lexicon.add(extra.get("words", ()))
    return lexicon


def _read_json(name: str) -> object:
    try:
        path = resources.files("kiosk") / "data" / "moderation" / name
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as error:
        log.error("word list %s could not be read (%s): public screens use the others", name, error)
        return None
