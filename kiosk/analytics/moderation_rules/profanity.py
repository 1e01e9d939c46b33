"""Swear words, plain or disguised, from the word lists of the post's language and English.

Every piece of a post is read as it is and as a reader would read it through a disguise:
leetspeak and symbols for letters ("sh1t", "$hit", "k@nker"), letters hidden by masks ("f*ck",
"f**king"), letters spread out ("f.u.c.k", "f u c k") and repeated ("fuuuuck"). Each reading is
then matched against the lexicons as a whole word with its inflections and compounds. A swear
word written as a place name (Capitalised, after "in", "via", "a", "naar"…) is taken for one:
travel posts name Bastardo (Umbria) and Kutaisi (Georgia).
"""

from __future__ import annotations

import re

from kiosk.analytics import normalise
from kiosk.analytics.moderation_rules import PROFANITY, Finding
from kiosk.analytics.moderation_rules.lexicon import Lexicon, whole_words

_CAMEL = re.compile(r"[a-z][A-Z]|[A-Za-z]\d|_")
_CACHE_LIMIT = 100_000
_WORD = re.compile(r"[^\W\d_]+")


class WordRule:
    """Finds blocked words in posts of any language."""

    def __init__(self, lexicons: dict[str, Lexicon], everywhere: Lexicon | None) -> None:
        self.lexicons = lexicons
        self.everywhere = everywhere
        # word → entry per language: a post's words are mostly words seen before.
        self._seen: dict[str, dict[str, str | None]] = {}
        self._chosen: dict[str, list[Lexicon]] = {}
        self._pieces: dict[str, dict[str, Finding | None]] = {}
        self._phrase_index: dict[str, dict[str, re.Pattern[str] | None]] = {}

    def _for(self, lang: str) -> list[Lexicon]:
        if lang not in self._chosen:
            self._chosen[lang] = self._choose(lang)
        return self._chosen[lang]

    def _choose(self, lang: str) -> list[Lexicon]:
        if lang in self.lexicons:
            chosen = [self.lexicons[lang]]
            if lang != "en" and "en" in self.lexicons:
                chosen.append(self.lexicons["en"])  # English is used in every language online
        else:
            chosen = list(self.lexicons.values())  # unknown language: every list
        return [*chosen, self.everywhere] if self.everywhere else chosen

    def check(self, text: str, lang: str | None = None, folded: str = "") -> Finding | None:
        """A finding for the first blocked word in ``text`` (``folded``: the same, folded, when
        the caller has it), or None."""
        key = (lang or "").lower()
        lexicons = self._for(key)
        folded = folded or normalise.fold(text)
        phrase = self._phrase(folded, key)
        if phrase:
            return Finding(PROFANITY, f"blocked phrase '{phrase}'")
        pieces = normalise.chunks(folded)
        known = self._pieces.setdefault(key, {})
        for index, piece in enumerate(pieces):
            # Most pieces were seen before: one dictionary look-up.
            try:
                found = known[piece]
            except KeyError:
                if len(known) >= _CACHE_LIMIT:
                    known.clear()
                found = known[piece] = self._piece(piece, key, lexicons)
            if found and not _place_name(text, pieces, index):
                return found
        singles = [piece for piece in pieces if len(piece) == 1]
        for joined in normalise.spaced_words(pieces) if len(singles) >= 2 else ():
            entry = self._word(joined, key, lexicons)
            if entry:
                return Finding(PROFANITY, f"disguised swear word '{entry}' (letters spaced out)")
        if _CAMEL.search(text):
            return self._camel(text, key, lexicons)
        return None

    def _phrase(self, folded: str, key: str) -> str | None:
        """The first blocked phrase in ``folded``: looked up by its first word, since one
        pattern of every phrase would try each of them at every position of every post."""
        if key not in self._phrase_index:
            index: dict[str, list[str]] = {}
            for lexicon in self._for(key):
                for phrase in lexicon.phrases:
                    first = re.match(r"[^\W\d_]+", phrase)
                    index.setdefault(first.group(0) if first else "", []).append(phrase)
            self._phrase_index[key] = {
                first: whole_words(phrases) for first, phrases in index.items()
            }
        index_of = self._phrase_index[key]
        candidates = [index_of[""]] if "" in index_of else []
        candidates += [index_of[word] for word in _WORD.findall(folded) if word in index_of]
        for pattern in candidates:
            found = pattern.search(folded) if pattern else None
            if found:
                return found.group(0)
        return None

    def _piece(self, piece: str, key: str, lexicons: list[Lexicon]) -> Finding | None:
        if piece.isalpha():
            entry = self._word(piece, key, lexicons)
            return Finding(PROFANITY, _describe(entry, piece)) if entry else None
        plain = list(normalise.letter_runs(piece))
        for word in plain:
            entry = self._word(word, key, lexicons)
            if entry:
                return Finding(PROFANITY, _describe(entry, word))
        if len(plain) == 1 and plain[0] == piece:
            return None
        readings = list(normalise.unleet(piece))
        spread = normalise.separated(piece)
        if spread:
            readings.append(spread)
        if len(plain) > 1 and "-" in piece:
            readings.append("".join(plain))  # "kut-bedrijf"
        for reading in readings:
            if reading.isalpha():
                entry = self._word(reading, key, lexicons)
                if entry:
                    return Finding(PROFANITY, f"disguised swear word '{piece}'")
        parts = re.split(r"['’]", piece) if "'" in piece or "’" in piece else []
        for reading in [piece, *parts, *readings, *normalise.digits_masked(piece)]:
            pattern = normalise.masked(reading)
            if pattern:
                for lexicon in lexicons:
                    if lexicon.masked(pattern):
                        return Finding(PROFANITY, f"disguised swear word '{piece}'")
        return None

    def _camel(self, text: str, key: str, lexicons: list[Lexicon]) -> Finding | None:
        for raw in text.split():
            if not _CAMEL.search(raw):
                continue
            for part in normalise.split_camel(raw.replace("_", " ")):
                entry = self._word(normalise.fold(part), key, lexicons)
                if entry:
                    return Finding(PROFANITY, f"swear word '{entry}' in '{raw}'")
        return None

    def _word(self, word: str, key: str, lexicons: list[Lexicon]) -> str | None:
        seen = self._seen.setdefault(key, {})
        try:
            return seen[word]
        except KeyError:
            pass
        if len(seen) >= _CACHE_LIMIT:
            seen.clear()
        found = None
        for reading in normalise.collapsed(word):
            for lexicon in lexicons:
                found = lexicon.word(reading)
                if found:
                    break
            if found:
                break
        seen[word] = found
        return found


def _describe(entry: str, word: str) -> str:
    if normalise.collapsed(word)[0] != word:
        return f"disguised swear word '{word}' (letters repeated)"
    if entry == word:
        return f"swear word '{entry}'"
    return f"swear word '{word}' (a form of '{entry}')"


# Before a place name: "via Kutaisi", "a Bastardo", "to Scunthorpe", "naar Kutaisi".
_TO_A_PLACE = frozenset(
    {
        "in", "at", "to", "from", "via", "near", "through",  # en
        "naar", "bij", "uit", "door",  # nl
        "a", "en", "de", "vers",  # fr ("à" is folded to "a")
        "per", "di", "da", "verso",  # it
        "nach",  # de
    }
)  # fmt: skip


def _place_name(text: str, pieces: list[str], index: int) -> bool:
    """Whether piece ``index`` is written as a place name: Capitalised after "in", "via", "à"…

    Travel posts name places, and some places are swear words ("Bastardo" in Umbria); a swear
    word written in capitals or at the start of a sentence is still one.
    """
    if index == 0 or pieces[index - 1] not in _TO_A_PLACE:
        return False
    original = normalise.chunks(text)
    if len(original) != len(pieces):
        return False
    word = original[index]
    return word[:1].isupper() and word[1:].islower()
