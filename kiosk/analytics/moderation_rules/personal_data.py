"""Personal data that must not reach a lobby screen: phone numbers, e-mail, addresses, IBANs.

Phone numbers are found by ``phonenumbers`` (Google's libphonenumber data: every country's
formats) for the regions kiosk's customers post from; a number it calls valid counts, and so
does one it only calls possible when it is written like a phone number (starting with ``+``, ``0``
or ``(``) or follows a word such as "call", "bel", "appelez", "chiamate". Numbers after "order",
"ref", "bestelling", "commande", "ordine" and the like are order numbers, not phones.

E-mail addresses count except a brand's role addresses (``support@``, ``info@``,
``klantenservice@``, ``reclami@``…): those are published to be written to, and often quoted by
customers. A street address counts only with a house number ("Keizersgracht 123", "12 rue de la
Paix", "via Roma 5", "221B Baker Street"), or as a postcode with its town: "shopping on
Kalverstraat" is fine.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from kiosk.analytics.moderation_rules import PERSONAL_DATA, Finding
from kiosk.lazy import lazy_import

if TYPE_CHECKING:
    import phonenumbers
else:  # asked only about a post with eight digits or more (1.8 MB imported alone)
    phonenumbers = lazy_import("phonenumbers")

REGIONS = ("NL", "BE", "FR", "IT", "GB", "DE", "ES", "US")
_FIRST_REGIONS = {"en": "GB", "nl": "NL", "fr": "FR", "it": "IT", "de": "DE", "es": "ES"}
# Eight digits or more, maybe with separators: worth asking phonenumbers about.
_DIGITS = re.compile(r"[+(]?\d[\d \-./()]{6,}\d")
_NOT_A_PHONE = re.compile(
    r"(?:\b|(?<=\W))(?:order|ordine|ordre|bestel\w*|commande|ref|reference|booking|boeking\w*|r[ée]servation"
    r"|prenotazione|ticket\w*|tracking|track|invoice|factuur|facture|fattura|nr|no|n|num|cod"
    r"|receipt|kassabon|bon|bonnetje|caisse|scontrino|ricevuta|quittung|beleg|recibo|pedido"
    r"|code|codice|rif|klantnummer|account|iban|flight|vlucht|vol|volo|gate|#|n°|nº)"
    r"[\s.:#°º-]*(?:[A-Z][\w&]*\s+)?(?:number|nummer|numero|n°|nr|no)?[\s.:#°º-]*$",
    re.IGNORECASE,
)
_PHONE_WORDS = re.compile(
    r"(?:call|ring|phone|text|whatsapp|mobile|tel|bel|bellen|nummer|appelez|appelle|rappelez"
    r"|numero|joignable|chiamate|chiama|richiamatemi|cellulare|anrufen|llama|llamame|reach me"
    r"|bereikbaar|raggiungibile)\b[^.!?\d]{0,25}$",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"\b([\w.+-]+)@([\w-]+(?:\.[\w-]+)+)\b")
_ROLE_ADDRESSES = frozenset(
    {
        "info", "support", "help", "helpdesk", "service", "services", "contact",
        "klantenservice", "customerservice", "customercare", "care", "sales", "press", "pers",
        "presse", "media", "hello", "hallo", "bonjour", "ciao", "complaints", "klachten",
        "reclamations", "reclamation", "reclami", "reservations", "reservation",
        "reserveringen", "reservering", "prenotazioni", "booking", "bookings", "noreply",
        "no-reply", "serviceclient", "servizioclienti", "assistenza", "sav", "webcare",
        "feedback", "kundenservice", "atencionalcliente", "privacy", "jobs",
    }
)  # fmt: skip
# Street addresses per language, each with the words that must appear for it to be tried (one
# pattern of them all took ten microseconds a post).
_ADDRESSES = (
    (
        # Dutch and German: "Keizersgracht 123", "Dorpsstraat 14a", "Hauptstraße 5".
        r"\b[^\W\d_]{2,}(?:straat|laan|weg|gracht|plein|kade|singel|dijk|steeg|dreef|pad|markt"
        r"|strasse|straße|str\.|gasse|allee|platz|damm)\s+\d{1,4}(?:\s?[a-z]\b|-\d+)?"
        r"(?!\s*(?:uur|min|minuten|dagen|keer|euro|km|kg|jaar|weken|maanden|x|%|procent))",
        "straat laan weg gracht plein kade singel dijk steeg dreef pad markt strasse straße str."
        " gasse allee platz damm",
    ),
    (
        # English: "221B Baker Street", "7 Orchard Close".
        r"\b\d{1,4}[A-Za-z]?,?\s+(?:[A-Z][a-z]+\s+){1,3}(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln"
        r"|Drive|Close|Way|Crescent|Place|Court|Terrace|Gardens|Grove|Boulevard|Blvd|Square|Row"
        r"|Mews)\b",
        "Street St Road Rd Avenue Ave Lane Ln Drive Close Way Crescent Place Court Terrace"
        " Gardens Grove Boulevard Blvd Square Row Mews",
    ),
    (
        # French: "12 rue de la Paix", "45 bis boulevard Voltaire".
        r"\b\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?:rue|avenue|av\.|boulevard|bd|place|chemin|allee"
        r"|allée|impasse|quai|route|cours|square|passage|faubourg)\s+(?:de la |de l'|du |des |de "
        r"|d')?[A-ZÀ-Ý]",
        "rue avenue av. boulevard bd place chemin allee allée impasse quai route cours square"
        " passage faubourg",
    ),
    (
        # Italian and Spanish: "via Roma 5", "Corso Vittorio Emanuele 118", "calle Mayor 3".
        r"\b(?:[Vv]ia|[Vv]iale|[Pp]iazza|[Pp]iazzale|[Cc]orso|[Vv]icolo|[Ll]argo|[Ll]ungomare"
        r"|[Cc]alle|[Aa]venida|[Pp]laza|[Pp]aseo|[Cc]arrer)\s+(?:(?:de|del|della|dei|degli|di|la"
        r"|San|Santa)\s+)*[A-Z][\w'.]*(?:\s+[A-Z][\w'.]*){0,3},?\s*(?:n\.?\s*)?\d{1,4}\b",
        "ia iale iazza orso icolo argo ungomare alle venida laza aseo arrer",
    ),
    (
        # Postcodes with the town: "1015 CJ Amsterdam", "NR4 7TJ", "75002 Paris", "80135 Napoli".
        r"\b[1-9]\d{3}\s?[A-Z]{2}\s+[A-Z][a-z]+|\b[A-Z]{1,2}\d[A-Z\d]?\s+\d[A-Z]{2}\b"
        r"|(?<![\d.,])\b\d{5}\s+[A-Z][a-zà-ÿ]{2,}",
        "",
    ),
)
_ADDRESS = tuple((re.compile(pattern), tuple(gate.split())) for pattern, gate in _ADDRESSES)
_ANY_DIGIT = re.compile(r"\d")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]){11,32}")


class PersonalDataRule:
    """Finds phone numbers, e-mail addresses, street addresses and IBANs in posts."""

    def check(self, text: str, lang: str | None = None) -> Finding | None:
        """A finding for the first piece of personal data in (unfolded) ``text``, or None."""
        if "@" in text:
            for local, _domain in _EMAIL.findall(text):
                if local.casefold() not in _ROLE_ADDRESSES:
                    return Finding(PERSONAL_DATA, "e-mail address")
        if not _ANY_DIGIT.search(text):
            return None
        if _IBAN.search(text) and _has_iban(text):
            return Finding(PERSONAL_DATA, "bank account number (IBAN)")
        if any(
            (not gate or any(word in text for word in gate)) and pattern.search(text)
            for pattern, gate in _ADDRESS
        ):
            return Finding(PERSONAL_DATA, "street address")
        if _DIGITS.search(text) and _has_phone(text, (lang or "").lower()):
            return Finding(PERSONAL_DATA, "phone number")
        return None


def _has_iban(text: str) -> bool:
    for found in _IBAN.finditer(text):
        compact = found.group(0).replace(" ", "")
        for length in range(len(compact), 14, -1):
            if _iban_valid(compact[:length]):
                return True
    return False


def _iban_valid(candidate: str) -> bool:
    """The ISO 13616 check: digits of the rearranged IBAN modulo 97 is 1."""
    rearranged = candidate[4:] + candidate[:4]
    try:
        return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1
    except ValueError:
        return False


def _has_phone(text: str, lang: str) -> bool:
    region = _FIRST_REGIONS.get(lang, "GB")
    for candidate in _DIGITS.finditer(text):
        raw = candidate.group(0)
        before = text[: candidate.start()].rstrip()
        if sum(char.isdigit() for char in raw) < 8 or _NOT_A_PHONE.search(before):
            continue
        national = raw[:1] != "+"
        if national and re.match(_BUSINESS_PREFIXES.get(region, "$^"), re.sub(r"\D", "", raw)):
            continue
        # Asking about the candidate alone: the matcher on a whole post, for eight regions,
        # takes a millisecond.
        for match in phonenumbers.PhoneNumberMatcher(
            raw, region, leniency=phonenumbers.Leniency.POSSIBLE
        ):
            if phonenumbers.number_type(match.number) in _business_lines():
                continue  # "call us free on 0800 …" is a company's number, not a person's
            if (
                match.raw_string[:1] in "+0("
                or phonenumbers.is_valid_number(match.number)
                or _PHONE_WORDS.search(before)
            ):
                return True
        if raw[:1] == "0" and any(_personal(raw, other) for other in REGIONS if other != region):
            return True
    return False


def _personal(raw: str, region: str) -> bool:
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return False
    return (
        phonenumbers.is_possible_number(number)
        and phonenumbers.number_type(number) not in _business_lines()
    )


# Freephone, shared-cost and company-wide ranges per region, in national digits (0800, 0900,
# UK 03…, French 0969, Italian 800/199): numbers phonenumbers may not know as valid, and never
# a person's.
_BUSINESS_PREFIXES = {
    "GB": r"0?(?:3|80|84|87|9)",
    "NL": r"0?(?:800|900|906|909|88)",
    "BE": r"0?(?:800|90|70|78)",
    "FR": r"0?(?:8|969|970)",
    "IT": r"(?:80[03]|199|89|84)",
    "DE": r"0?(?:800|180|900|137)",
    "ES": r"(?:90[0-2]|80[0-9])",
    "US": r"1?(?:800|888|877|866|855|844|833)",
}


@functools.cache
def _business_lines() -> frozenset[int]:
    return frozenset(
        {
            phonenumbers.PhoneNumberType.TOLL_FREE,
            phonenumbers.PhoneNumberType.PREMIUM_RATE,
            phonenumbers.PhoneNumberType.SHARED_COST,
            phonenumbers.PhoneNumberType.UAN,
        }
    )
