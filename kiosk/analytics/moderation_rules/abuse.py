"""Insults and threats aimed at people: staff, drivers, agents, "you".

Angry complaints stay ("worst service ever", "absolutely useless", "une honte"): this rule looks
for name-calling and for threats. Strong insults ("idiots", "debielen", "abrutis", "cretini")
count anywhere except about oneself ("I felt like such an idiot"); milder ones ("clowns",
"thieves", "incapables") only when addressed ("you clowns", "bande de guignols"). Threats are a
short list of precise patterns per language ("I'll find you", "ik weet waar je woont", "je vais
te retrouver", "so dove abiti").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from kiosk.analytics.moderation_rules import ABUSE, Finding
from kiosk.analytics.moderation_rules.lexicon import Lexicon, curated

_THREATS: dict[str, tuple[str, ...]] = {
    "en": (
        r"\bi(?:'ll| will|'m going to| am going to|'m gonna| am gonna| gonna)\s+(?:\w+\s+){0,2}"
        r"(?:find|hunt|hurt|kill|murder|beat|smash|punch|stab|shoot|slap|strangle|break|wreck"
        r"|come for|come after|track down)\b[^.!?]{0,40}?\b(?:you|u|ya|him|her|them|face|legs"
        r"|head|staff|manager|driver|guy|down|window|windows|car|shop|store|van)\b",
        r"\b(?:he|she|they)(?:'ll| will) regret (?:it|this)\b",
        r"\bwait for (?:him|her|them|that \w+|the \w+|your \w+) outside\b",
        r"\bi know where (?:you|u|he|she|they|your \w+|the \w+|that \w+)\s+(?:\w+\s+)?"
        r"(?:live|lives|work|works|sleep|sleeps|park|parks)\b",
        r"\bwatch (?:your|ur|yer) back\b",
        r"\byou(?:'ll| will| are going to|'re going to)? pay for this\b",
        r"\b(?:hope|wish|pray)\b(?:(?!n't|\bnot\b|\bnever\b)[^.!?]){0,50}\b(?:die|dies|rot|rots"
        r"|burns?(?: down)?|gets? (?:cancer|hit|run over|shot|stabbed|beaten)|gets? hurt|suffers?)"
        r"\b",
        r"\b(?:kill|murder|stab|shoot|strangle|punch|slap|beat up|smack|batter)\s+(?:that|the"
        r"|this|your|every|all|those|these)\s+(?:[\w'-]+\s+){0,2}(?:staff|manager|cashier|driver"
        r"|agent|guy|girl|woman|man|employee|clerk|waiter|waitress|barista|steward|pilot|crew"
        r"|engineer|courier|guard|conductor|receptionist|people)\b",
        r"\bburn (?:it|this place|the (?:place|store|shop|office|building)|your \w+) down\b",
        r"\b(?:kys|kill yourself|kill yourselves|go die|drop dead|dead meat)\b",
        r"\b(?:you're|you are|ur) dead(?! right| on| wrong| serious| tired)\b",
        r"\bi(?:'ll| will) make (?:you|u|him|her|them) pay\b",
    ),
    "nl": (
        r"\bik (?:ga|zal|kom|wil)\s+(?:je|jou|jullie|hem|haar|die \w+|dat \w+|de \w+)\b"
        r"[^.!?]{0,40}?\b(?:vinden|pakken|opzoeken|slaan|neersteken|steken|vermoorden|afmaken|doodmaken|doden"
        r"|te grazen nemen|in elkaar slaan|in elkaar trappen|wat aandoen|kapotmaken|kapot maken"
        r"|bek slaan|verrot slaan|opwachten|mollen)\b",
        r"\b(?:sla|steek|maak|trap|schiet|vermoord)\s+ik\s+(?:je|jou|jullie|hem|haar|ze)\b"
        r"[^.!?]{0,20}?(?:in elkaar|neer\b|af\b|dood|kapot|verrot|bek)",
        r"\bik\s+(?:sla|steek|maak|trap|schiet)\s+(?:je|jou|jullie|hem|haar|ze)\b[^.!?]{0,20}?"
        r"(?:in elkaar|neer\b|af\b|dood|kapot|verrot|bek)",
        r"\bik vermoord (?:je|jou|jullie|hem|haar)\b",
        r"\b(?:je bent|jullie zijn|jij bent) er (?:straks )?geweest\b",
        r"\bik sla (?:je|jullie|jouw|de|hun|zijn|haar) (?:\w+ )?(?:ruiten|ramen|kop|bek|hoofd"
        r"|tanden|auto|winkel) in\b",
        r"\bik wacht (?:die|de|dat|je|jou|jullie|hem|haar)\b[^.!?]{0,30}\bop\b[^.!?]{0,30}"
        r"\bspijt\b",
        r"\bik weet waar (?:je|jij|jullie|hij|zij|ze|die \w+|jullie \w+|de \w+|je \w+)\s+"
        r"(?:\w+\s+)?(?:woont|wonen|woon|werkt|werken|slaapt)\b",
        r"\b(?:kijk|pas)\s+(?:maar\s+)?(?:goed\s+)?(?:uit|op)\b[^.!?]{0,40}"
        r"\bik (?:ken|weet|vind)\b",
        r"\bhoop\b[^.!?]{0,50}\b(?:dood gaat|doodgaat|doodgaan|dood gaan|kanker krijgt"
        r"|kanker krijgen|afbrandt|afbranden|verrekt|verrekken|crepeert|creperen|sterft|sterven)\b",
    ),
    "fr": (
        r"\bje (?:vais|veux|viens)\s+(?:venir\s+)?(?:te|vous|le|la|les|lui|leur|t'|l')\s*"
        r"(?:\w+\s+){0,1}(?:retrouver|trouver|buter|tuer|frapper|defoncer|demonter|casser"
        r"|niquer|faire la peau|attendre|cramer|bruler|egorger|planter|taper|crever)\b",
        r"\b(?:casser|defoncer|peter|eclater|exploser|refaire)\s+(?:la|ta|sa|leur|votre|vos)\s+"
        r"(?:gueule|tete|face)\b",
        r"\bje sais ou (?:tu|vous|il|elle|ils|elles|habite|habitent|travaille|vit|dort)\b",
        r"\b(?:j'espere|espere|je souhaite)\s+que\b[^.!?]{0,50}\b(?:creve|crever|crevent|crevez"
        r"|meure|meurent|mourir|mouriez|brule|brulent|bruler|cancer)\b",
        r"\b(?:va crever|allez crever|crevez|va mourir|allez mourir)\b",
        r"\bfais gaffe\b[^.!?]{0,40}\bje (?:connais|sais|trouve)\b",
        r"\b(?:tu vas me le payer|vous allez me le payer|gare a toi|gare a vous)\b",
        r"\b(?:il|elle|ils|elles) (?:va|vont) le regretter\b",
        r"\b(?:t'es|tu es|vous etes) (?:un homme |une femme )?morts?\b",
    ),
    "it": (
        r"\b(?:ti|vi)\s+(?:vengo a (?:prendere|cercare|trovare)|vengo a cercare|trovo|ammazzo"
        r"|uccido|spacco|sfascio|gonfio|meno|rompo|faccio (?:vedere io|fuori|la pelle|del male))\b",
        r"\b(?:lo|la|li|gli|le)\s+(?:ammazzo|uccido|spacco|sfascio|gonfio|faccio fuori"
        r"|faccio la pelle)\b",
        r"\b(?:spacco|rompo|sfascio|gonfio)\s+(?:la faccia|il muso|la testa|le gambe|il culo)\b",
        r"\bso dove (?:abiti|abitate|abita|abitano|lavori|lavorate|lavora|vivi|vivete|vive"
        r"|dormi)\b",
        r"\b(?:spero|mi auguro)\s+che\b[^.!?]{0,50}\b(?:crepi|crepiate|crepino|muoia|muoiate"
        r"|muoiano|bruci|brucino|prenda un cancro|schiatti)\b",
        r"\b(?:crepate|morite ammazzati|schiatta|schiattate)\b",
        r"\bse ne pentir(?:a|anno)\b",
        r"\b(?:sei|siete) (?:un uomo |una donna )?mort[oaie]\b",
        r"\bstai attento\b[^.!?]{0,40}\b(?:conosco|so dove|ti trovo)\b",
    ),
}
# Words before a mild insult that make it name-calling ("you clowns", "bande de guignols").
_ADDRESS = {
    "en": r"\b(?:you|u|ya|bunch of|pack of|load of|band of|gang of|such|these|those|what)\s+"
    r"(?:[\w']+\s+){0,3}",
    "nl": r"\b(?:jullie|jij|stelletje|stel|bende|zo'n|wat een)\s+(?:\w+\s+){0,2}",
    "fr": r"(?:\bvous|\bt'es|\btu es|\bbande d'|\bbande de|\bespece d'|\bespece de|\bque des"
    r"|\btous des|\bvraiment des|\bc'est des|\bce sont des|\bsont des)\s*(?:\w+\s+){0,2}",
    "it": r"\b(?:siete|sei|branco di|banda di|massa di|manica di|tutti|solo)\s+(?:\w+\s+){0,2}",
}
# About oneself ("I felt like an idiot") is not an insult; about "you" it always is.
_SELF = {
    "en": re.compile(r"\b(?:i|i'm|im|me|myself|i've)\b"),
    "nl": re.compile(r"\b(?:ik|me|mij|mezelf)\b"),
    "fr": re.compile(r"(?:\bje\b|\bj'|\bme\b|\bm'|\bmoi\b)"),
    "it": re.compile(r"\b(?:io|mi|me|sono stato|sono stata)\b"),
}
_OTHERS = {
    "en": re.compile(r"\b(?:you|u|ur|your|ya|they|he|she)\b"),
    "nl": re.compile(r"\b(?:jij|jullie|jou|hij|zij)\b"),
    "fr": re.compile(r"\b(?:tu|vous|il|elle|ils)\b"),
    "it": re.compile(r"\b(?:tu|voi|sei|siete|lui|lei)\b"),
}
_SENTENCE = re.compile(r"[.!?\n]")
_WORD = re.compile(r"[^\W\d_]+")


class AbuseRule:
    """Finds insults and threats aimed at people in posts of one language or any."""

    def __init__(self, languages: Iterable[str]) -> None:
        self.languages = tuple(languages)
        self._threats = {lang: _threats(lang) for lang in _THREATS}
        self._insults = {lang: _insults(lang) for lang in self.languages}
        self._addressed = {
            lang: pattern for lang in self.languages if (pattern := _addressed(lang)) is not None
        }

    def check(self, folded: str, lang: str | None = None) -> Finding | None:
        """A finding for an insult or threat in folded ``folded``, or None."""
        text = folded.replace("’", "'")
        key = (lang or "").lower()
        langs = [key, "en"] if key in self._insults else list(self._insults)
        for code in langs:
            threat = self._threats.get(code)
            found = threat.search(text) if threat else None
            if found:
                return Finding(ABUSE, f"threat: '{found.group(0).strip()}'")
        # Insults only in the post's own language: English "retard" is French for "delay".
        langs = [key] if key in self._insults else langs
        for code in langs:
            addressed = self._addressed.get(code)
            found = addressed.search(text) if addressed else None
            if found:
                return Finding(ABUSE, f"insult aimed at people: '{found.group(0).strip()}'")
        for code in langs:
            insult = self._insult(text, self._insults[code], code)
            if insult:
                return Finding(ABUSE, f"insult aimed at people: '{insult}'")
        return None

    def _insult(self, text: str, lexicon: Lexicon, lang: str) -> str | None:
        starts = _starts(lang)
        words: list[str] = _WORD.findall(text)
        for word in words:
            # Insults begin like few other words: most words end at a set look-up.
            if word[:3] not in starts or not lexicon.word(word):
                continue
            at = re.search(rf"\b{re.escape(word)}\b", text)
            end = at.start() if at else 0
            before = _SENTENCE.split(text[max(0, end - 40) : end])[-1]
            own, others = _SELF.get(lang), _OTHERS.get(lang)
            if own and own.search(before) and not (others and others.search(before)):
                continue  # about oneself
            return word
        for phrase in (entry for entry in lexicon.phrases if entry in text):
            return phrase
        return None


@functools.cache
def _threats(lang: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{pattern})" for pattern in _THREATS[lang]))


@functools.cache
def _starts(lang: str) -> frozenset[str]:
    return frozenset(word[:3] for word in _insults(lang).words)


@functools.cache
def _insults(lang: str) -> Lexicon:
    lexicon = Lexicon(lang)
    lexicon.add(curated(lang).get("insults", ()))
    return lexicon


@functools.cache
def _addressed(lang: str) -> re.Pattern[str] | None:
    nouns = curated(lang).get("address_nouns", ())
    if not nouns or lang not in _ADDRESS:
        return None
    alternatives = "|".join(re.escape(noun) for noun in nouns)
    return re.compile(rf"{_ADDRESS[lang]}(?:{alternatives})\b")
