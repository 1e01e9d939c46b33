"""Secrets out of the journal: every ``${env:…}`` value of the layout is shown as ``***``.

The layout loader registers each value it fills in from the environment (tokens, passwords,
API keys in a query string, an index name). From then on :func:`redact` replaces it, and the
forms a URL gives it (percent-encoded), in any text: the log filter installed by
:func:`install` applies it to every record that reaches the root logger's handlers, httpx's and
httpcore's request lines included, with their tracebacks; the hub applies it to the status
texts that reach the screen. No Qt here.
"""

from __future__ import annotations

import logging
import threading
from urllib.parse import quote, quote_plus

SHORTEST_SECRET = 4
"""Shorter values are not redacted: replacing "1" or "en" everywhere would garble every line."""
MASK = "***"

_lock = threading.Lock()  # registration is rare; redaction reads a snapshot without the lock
_secrets: tuple[str, ...] = ()


def register_secret(value: str) -> None:
    """Hide ``value`` (and its percent-encoded forms) from now on, in every process-wide text."""
    global _secrets
    if len(value) < SHORTEST_SECRET:
        return
    forms = {value, quote(value, safe=""), quote(value), quote_plus(value)}
    with _lock:
        known = set(_secrets) | forms
        # Longest first: a secret that contains another is masked whole, not in pieces.
        _secrets = tuple(sorted(known, key=len, reverse=True))


def forget_secrets() -> None:
    """Tests only: start again with no secrets."""
    global _secrets
    with _lock:
        _secrets = ()


def redact(text: str) -> str:
    """``text`` with every registered secret replaced by ``***``."""
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites a record's message (and its traceback text) with the secrets masked.

    The message is formatted here, once, only when a secret is known: a record then carries
    the masked text and no arguments, whichever handler formats it later.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if not _secrets:
            return True
        message = record.getMessage()
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_FILTER = RedactingFilter()


def install(logger: logging.Logger | None = None) -> None:
    """Put the filter on every handler of ``logger`` (the root logger by default).

    A handler filter sees the records of every logger that propagates to it (kiosk's, httpx's,
    httpcore's), where a logger's own filter would see only records logged on that very logger.
    """
    for handler in (logger or logging.getLogger()).handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)


def uninstall(logger: logging.Logger | None = None) -> None:
    for handler in (logger or logging.getLogger()).handlers:
        handler.removeFilter(_FILTER)
