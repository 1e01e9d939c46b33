"""``alerts:`` on a source of mentions: how readily spikes alert, and for which dimensions."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from kiosk.config.types import LAYOUT_MODEL

AlertDimension = Literal[
    "brand", "platform", "language", "sentiment", "country", "market", "tracked"
]


def _brands_only() -> list[AlertDimension]:
    return ["brand"]


class AlertRules(BaseModel):
    """Spike rules of one source (issue #11: only brands alerted, at one fixed sensitivity)."""

    model_config = LAYOUT_MODEL

    sensitivity: float = Field(
        default=6.0,
        ge=2.0,
        le=20.0,
        description="How far above normal, in robust standard deviations, a minute must be to "
        "spike (lower: more alerts). The count test and the multiple of normal still apply.",
    )
    by: list[AlertDimension] = Field(
        default_factory=_brands_only,
        min_length=1,
        max_length=7,
        description="Whose spikes alert: each brand, and/or each platform, language, "
        "sentiment, country, market (markets:) or tracked phrase (track:), e.g. a rise of "
        "negative posts, of posts from Italy, of posts saying 'refund'. Posts that name no "
        "country (or no tracked phrase) are in no country's (or phrase's) count.",
    )
