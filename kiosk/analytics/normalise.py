"""Text as the moderation rules compare it: disguises undone, words and spaced letters found.

People who want a swear word on a lobby screen disguise it: leetspeak (``sh1t``), symbols for
letters (``f*ck``, ``sh!t``), letters spread out (``f.u.c.k``, ``f u c k``), letters repeated
(``fuuuuck``), look-alike letters from other scripts (Cyrillic ``а`` for ``a``) or fullwidth
forms. These helpers turn a post into the words a reader would see, so word lists are matched on
what is meant, still as whole words, so "Scunthorpe" never becomes a swear word.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

# Cyrillic and Greek letters drawn like Latin ones (only those a reader takes for Latin).
_HOMOGLYPHS = str.maketrans(
    {
        **dict(zip("асеорхукмтнвіјѕԁһӏ", "aceopxykmthbijsdhl", strict=True)),  # Cyrillic
        **dict(zip("αβεικνορτυχ", "abeiknoptux", strict=True)),  # Greek
        "ɡ": "g",
        "ⅼ": "l",
    }
)
# What a digit or symbol stands for inside a word; "1" is read as "i" ("l" is tried too).
_LEET = str.maketrans({
    "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
    "@": "a", "$": "s", "€": "e", "!": "i", "|": "l", "¥": "y", "£": "l", "+": "t",
})  # fmt: skip
LEET_CHARS = frozenset("0134578@$€!|¥£+9")
# Characters that hide a letter: "f*ck", "f#ck", "f%ck".
MASKS = frozenset("*#%?•_")
_SEPARATED = re.compile(r"^(?:[^\W\d_][.\-_*/·~]){2,}[^\W\d_]$")
_LETTERS = re.compile(r"[^\W\d_]+")
_REPEATS = re.compile(r"([^\W\d_])\1{2,}")
_EDGE = "\"'“”‘’«»()[]{}<>.,;:!?¿¡…-–—~=^"


def fold(text: str) -> str:
    """Lower case, look-alike letters made Latin, no accents: what every rule compares."""
    if text.isascii():
        return text.lower()  # the common case, and ten times faster
    text = unicodedata.normalize("NFKC", text).casefold().translate(_HOMOGLYPHS)
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text.replace("ß", "ss")))


_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")


def collapsed(word: str) -> tuple[str, ...]:
    """``word`` with runs of three or more equal letters cut to two and to one."""
    if not _REPEATS.search(word):
        return (word,)
    return (_REPEATS.sub(r"\1\1", word), _REPEATS.sub(r"\1", word))


def unleet(chunk: str) -> tuple[str, ...]:
    """Readings of a chunk that mixes letters with digits or symbols ("sh1t", "$hit", "k@nker").

    Only when the letters outnumber the digits, so "B14", "5G" and "4x4" stay what they are.
    """
    letters = sum(char.isalpha() for char in chunk)
    digits = sum(char.isdigit() for char in chunk)
    if letters < 2 or digits > letters or not any(char in LEET_CHARS for char in chunk):
        return ()
    first = chunk.translate(_LEET)
    readings = [first]
    if "1" in chunk or "!" in chunk:
        readings.append(chunk.replace("1", "l").replace("!", "l").translate(_LEET))
    return tuple(readings)


def masked(chunk: str) -> str | None:
    """A chunk with letters hidden by symbols as a regular expression ("f*ck" → "f.ck").

    Emphasis (``*new*``) is not a mask; at least one real letter must remain.
    """
    core = chunk.lstrip("#").translate(_LEET)  # a hashtag's # hides nothing
    if not core:
        return None
    if not any(char in MASKS for char in core) or (core[0] in MASKS and core[-1] in MASKS):
        return None
    letters = sum(char.isalpha() for char in core)
    hidden = sum(char in MASKS for char in core)
    if letters < 1 or hidden > 3 or not all(char.isalpha() or char in MASKS for char in core):
        return None
    return "".join("[a-z]" if char in MASKS else re.escape(char) for char in core)


def digits_masked(chunk: str) -> tuple[str, ...]:
    """A chunk whose digits and symbols stand for letters no leetspeak knows ("tyf0s", "h00ren")
    as a masked reading, when at least three real letters remain."""
    if sum(char.isalpha() for char in chunk) < 3 or not any(char in LEET_CHARS for char in chunk):
        return ()
    return ("".join("*" if char in LEET_CHARS else char for char in chunk),)


def separated(chunk: str) -> str | None:
    """Letters spread out with dots or dashes joined again ("f.u.c.k" → "fuck"), else None."""
    if len(chunk) >= 5 and _SEPARATED.match(chunk):
        return "".join(char for char in chunk if char.isalpha())
    return None


def chunks(text: str) -> list[str]:
    """The whitespace-separated pieces of folded ``text``, outer punctuation removed.

    Masks stay: "f***" keeps its stars, "#tag" its hash.
    """
    return [core for piece in text.split() if (core := piece.strip(_EDGE))]


def letter_runs(chunk: str) -> Iterator[str]:
    """The plain words inside a chunk ("l'hôtel" → "l", "hotel"; "pomme-poire" → both)."""
    yield from _LETTERS.findall(chunk)


def spaced_words(pieces: list[str]) -> Iterator[str]:
    """Words spread over pieces: single letters ("f u c k" → "fuck"), and short pieces with at
    least two single letters among them ("f u ck ers" → "fuckers")."""
    run: list[str] = []
    for piece in [*pieces, ""]:
        if (
            len(piece) <= 3
            and piece
            and all(char.isalpha() or char in LEET_CHARS for char in piece)
        ):
            run.append(piece)
            continue
        if sum(len(part) == 1 for part in run) >= 2:
            yield from _joins(run)
        run = []


def _joins(run: list[str]) -> Iterator[str]:
    for start in range(len(run)):
        for end in range(start + 2, min(len(run), start + 6) + 1):
            window = run[start:end]
            if sum(len(part) == 1 for part in window) >= 2:
                joined = "".join(window).translate(_LEET)
                if len(joined) >= 3:
                    yield joined


def split_camel(word: str) -> list[str]:
    """Hashtag words run together in capitals ("#AcmeSucksBalls" → Acme, Sucks, Balls)."""
    return re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", word)
