"""The rules of public-screen moderation, one concept per module (no Qt here).

Each rule looks at folded text (see :mod:`kiosk.analytics.normalise`) and returns a
:class:`Finding`: a short machine-stable ``code`` and a ``detail`` a person reads in the
approval queue, or None when it has nothing against the post.
"""

from __future__ import annotations

from typing import NamedTuple


class Finding(NamedTuple):
    """Why a post may not be shown: ``code`` for machines, ``detail`` for people."""

    code: str
    detail: str


PROFANITY = "blocked word"
ABUSE = "abuse"
PERSONAL_DATA = "personal data"
SPAM = "spam"
