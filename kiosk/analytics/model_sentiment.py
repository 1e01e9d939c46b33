"""Sentiment from a text classifier the user supplies as an ONNX file (``sentiment: {model: …}``).

kiosk's own sentiment is rules (:mod:`kiosk.analytics.sentiment`): fast, and measured in four
languages. A team that has a model it trusts (fine-tuned on its own posts, or a multilingual one
for a 60-market brand) points the layout at its ONNX export, and kiosk scores posts with it
instead. Nothing is downloaded: the model and its tokenizer are local files.

What is accepted: the usual export of a Hugging Face sequence classifier (``optimum-cli export
onnx`` or ``torch.onnx.export``): inputs ``input_ids`` and optionally ``attention_mask`` and
``token_type_ids`` (int64, batch × tokens), one output of class logits or probabilities
(batch × classes). The tokenizer is the ``tokenizer.json`` the export writes beside the model
(read with Hugging Face's ``tokenizers``). The class names come from ``labels:`` in the layout,
else from the ``config.json`` beside the model (``id2label``), else 3 classes are read as
negative, neutral, positive and 2 as negative, positive. Star ratings ("1 star" … "5 stars", as
multilingual review models give) are read as a scale.

The score is P(positive) − P(negative), from −1 to +1, the scale the rules use, so the neutral
band and every aggregate stay the same. The runtime is onnxruntime, on one thread (the wall
runs beside it). Both are an optional extra: ``pip install 'kiosk[model]'``.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

_STARS = re.compile(r"^\s*(\d+)\s*stars?\s*$", re.IGNORECASE)


class ModelError(Exception):
    """The model cannot be used: the message says why, for a person."""


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """Which model, as the layout names it; picklable, so parse workers can load it too."""

    model: Path
    tokenizer: Path | None = None
    labels: tuple[str, ...] | None = None
    languages: frozenset[str] | None = None  # None: posts in every language
    max_tokens: int = 128


class ModelScorer:
    """A loaded model: :meth:`scores` turns texts into sentiment from −1 to +1.

    Raises:
        ModelError: at construction, for a missing runtime, an unreadable file, a model
            whose inputs or outputs are not a sequence classifier's, or labels that name no
            positive and no negative class.
    """

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec
        import numpy as np

        try:
            import onnxruntime  # type: ignore[import-untyped]
            from tokenizers import Tokenizer
        except ImportError as error:
            raise ModelError(
                f"sentiment.model needs onnxruntime and tokenizers ({error.name} is missing): "
                "pip install 'kiosk[model]'"
            ) from None
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # the wall's own work runs beside it
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # errors only; kiosk says what went wrong
        try:
            self.session = onnxruntime.InferenceSession(
                str(spec.model), options, providers=["CPUExecutionProvider"]
            )
        except Exception as error:  # onnxruntime raises its own types for every file problem
            raise ModelError(f"{spec.model}: not a model onnxruntime can run ({error})") from None
        inputs = {item.name: item for item in self.session.get_inputs()}
        if "input_ids" not in inputs:
            raise ModelError(
                f"{spec.model}: its inputs are {', '.join(inputs)}; kiosk feeds a text "
                "classifier's input_ids (and attention_mask, token_type_ids when it has them)"
            )
        unknown = set(inputs) - {"input_ids", "attention_mask", "token_type_ids"}
        if unknown:
            raise ModelError(
                f"{spec.model}: inputs kiosk cannot fill: {', '.join(sorted(unknown))}"
            )
        # Exports use int64 token ids; some use int32.
        self.inputs = {
            name: np.int32 if item.type == "tensor(int32)" else np.int64
            for name, item in inputs.items()
        }
        output = self.session.get_outputs()[0]
        self.output = output.name
        classes = output.shape[-1] if output.shape and isinstance(output.shape[-1], int) else None
        tokenizer_path = spec.tokenizer or spec.model.with_name("tokenizer.json")
        try:
            self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        except Exception as error:  # tokenizers raises a bare Exception for a bad file
            raise ModelError(
                f"{tokenizer_path}: not a tokenizer.json the tokenizers library can read "
                f"({error}); name it with sentiment.tokenizer"
            ) from None
        self.tokenizer.enable_truncation(spec.max_tokens)
        self.weights = _weights(_labels(spec, classes))

    def scores(self, texts: Sequence[str]) -> list[float]:
        """Sentiment of each text, −1 … +1 (NaN if the model gave no finite answer)."""
        import numpy as np

        if not texts:
            return []
        encodings = self.tokenizer.encode_batch([text or " " for text in texts])
        width = max(1, max(len(encoding.ids) for encoding in encodings))
        ids = np.zeros((len(texts), width), dtype=np.int64)
        mask = np.zeros((len(texts), width), dtype=np.int64)
        types = np.zeros((len(texts), width), dtype=np.int64)
        for row, encoding in enumerate(encodings):  # a tokenizer.json may pad by itself
            count = len(encoding.ids)
            ids[row, :count] = encoding.ids
            mask[row, :count] = encoding.attention_mask
            types[row, :count] = encoding.type_ids
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        given = {name: feed[name].astype(dtype) for name, dtype in self.inputs.items()}
        (logits,) = self.session.run([self.output], given)
        logits = np.asarray(logits, dtype=np.float64).reshape(len(texts), -1)
        if logits.shape[1] != len(self.weights):
            raise ModelError(
                f"{self.spec.model}: gave {logits.shape[1]} classes for {len(self.weights)} labels"
            )
        probabilities = _probabilities(logits)
        return [
            float(value) if math.isfinite(value) else math.nan
            for value in probabilities @ self.weights
        ]


def _probabilities(values: Any) -> Any:
    """Rows that are already probabilities stay; logits go through a softmax."""
    import numpy as np

    if np.all(values >= 0) and np.allclose(values.sum(axis=1), 1.0, atol=1e-3):
        return values
    shifted = values - values.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def _labels(spec: ModelSpec, classes: int | None) -> tuple[str, ...]:
    if spec.labels:
        return spec.labels
    config = spec.model.with_name("config.json")
    if config.is_file():
        try:
            id2label = json.loads(config.read_text(encoding="utf-8")).get("id2label") or {}
            labels = tuple(str(id2label[key]) for key in sorted(id2label, key=int))
        except (ValueError, OSError, KeyError, TypeError, AttributeError) as error:
            raise ModelError(f"{config}: cannot read its id2label ({error})") from None
        if labels:
            return labels
    if classes == 3:
        return ("negative", "neutral", "positive")
    if classes == 2:
        return ("negative", "positive")
    raise ModelError(
        f"{spec.model}: cannot tell what its {classes or 'unknown number of'} classes mean; "
        "list them with sentiment.labels (e.g. [negative, neutral, positive])"
    )


def _weights(labels: tuple[str, ...]) -> Any:
    """Each class's contribution to the score: +1 positive, −1 negative, stars on a scale."""
    import numpy as np

    stars = [_STARS.match(label) for label in labels]
    if all(stars):
        values = [int(match.group(1)) for match in stars if match]
        low, high = min(values), max(values)
        if high > low:
            middle, half = (high + low) / 2, (high - low) / 2
            return np.array([(value - middle) / half for value in values], dtype=np.float64)
    weights = []
    for label in labels:
        name = label.strip().lower()
        if name.startswith("pos"):
            weights.append(1.0)
        elif name.startswith("neg"):
            weights.append(-1.0)
        else:
            weights.append(0.0)
    if 1.0 not in weights or -1.0 not in weights:
        raise ModelError(
            f"labels {list(labels)}: name a positive and a negative class (or star ratings)"
        )
    return np.array(weights, dtype=np.float64)


def spec_of(settings: Any) -> ModelSpec | None:
    """The model a layout's ``sentiment:`` section names (a :class:`kiosk.config.Sentiment`),
    or None when it names none."""
    if settings is None or settings.model is None:
        return None
    return ModelSpec(
        model=settings.model,
        tokenizer=settings.tokenizer,
        labels=tuple(settings.labels) if settings.labels else None,
        languages=frozenset(settings.languages) if settings.languages is not None else None,
        max_tokens=settings.max_tokens,
    )


@functools.lru_cache(maxsize=1)
def scorer(spec: ModelSpec) -> ModelScorer:
    """The loaded model for ``spec``, loaded once per process."""
    return ModelScorer(spec)
