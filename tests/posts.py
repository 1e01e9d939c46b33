"""One made-up post for tests, with any field changed: ``mention(text="…", lang="fr")``."""

from __future__ import annotations

import dataclasses
from typing import Any

from kiosk.values import Mention

POST = Mention(
    id="p1",
    at=1_700_000_000.0,
    brand="Acme",
    text="Loving the new Acme store",
    lang="en",
    platform="x",
    author="Ann Smith",
    handle="annsmith",
    followers=120,
    sentiment=0.6,
)


def mention(**fields: Any) -> Mention:
    """``POST`` with ``fields`` changed."""
    return dataclasses.replace(POST, **fields)
