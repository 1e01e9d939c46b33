"""The ``sentiment:`` section: score posts with a text classifier of the user's own (ONNX).

Without it, kiosk's rules score posts in English, Dutch, French and Italian
(:mod:`kiosk.analytics.sentiment`). A sentiment the source supplies is used as is either way.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from kiosk.config.types import LAYOUT_MODEL, LocalFile


class Sentiment(BaseModel):
    """A local ONNX sequence classifier (with its tokenizer.json) that scores posts instead of
    kiosk's rules; see kiosk/analytics/model_sentiment.py for what is accepted."""

    model_config = LAYOUT_MODEL

    model: LocalFile | None = Field(
        default=None,
        description="The classifier as an ONNX file, e.g. models/sentiment/model.onnx "
        "(an optional extra: pip install 'kiosk[model]').",
    )
    tokenizer: LocalFile | None = Field(
        default=None,
        description="Its Hugging Face tokenizer.json; by default the one beside the model.",
    )
    labels: list[str] | None = Field(
        default=None,
        min_length=2,
        description="The model's classes in output order, e.g. [negative, neutral, positive]; "
        "by default from config.json beside the model.",
    )
    languages: list[str] | None = Field(
        default=None,
        description="Languages (ISO 639-1) the model scores; others keep kiosk's rules. "
        "By default every language.",
    )
    max_tokens: int = Field(
        default=128, ge=8, le=4096, description="Longer posts are judged by their beginning."
    )
