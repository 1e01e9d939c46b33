"""A tiny ONNX sentiment classifier and its tokenizer.json, built by the tests themselves.

The shape of a Hugging Face sequence-classifier export: inputs ``input_ids`` and
``attention_mask`` (int64, batch × tokens), output ``logits`` (batch × classes). Each word has an
embedding of class logits, averaged over the post's tokens: "zorblax" is positive and "quenk"
negative, words that kiosk's rules have never heard of, so a score can only come from the model.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

VOCAB = ["[PAD]", "[UNK]", "zorblax", "quenk", "the", "service", "is", "was", "today"]
POSITIVE, NEGATIVE = "zorblax", "quenk"


def build(
    folder: Path,
    *,
    labels: list[str] | None = None,
    config: bool = True,
    int32: bool = False,
    pad_to: int | None = None,
) -> Path:
    """Write model.onnx, tokenizer.json (and config.json with id2label) into ``folder``.

    ``int32``: token ids as int32, as some exports have them; ``pad_to``: a tokenizer.json that
    pads every post to that many tokens by itself.
    """
    import onnx
    from onnx import TensorProto, helper
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from tokenizers.normalizers import Lowercase
    from tokenizers.pre_tokenizers import Whitespace

    folder.mkdir(parents=True, exist_ok=True)
    ids = TensorProto.INT32 if int32 else TensorProto.INT64
    labels = labels or ["negative", "neutral", "positive"]
    table = np.zeros((len(VOCAB), len(labels)), dtype=np.float32)
    table[:, labels.index("neutral") if "neutral" in labels else 0] = 0.5
    table[VOCAB.index(POSITIVE), -1] = 6.0
    table[VOCAB.index(NEGATIVE), 0] = 6.0
    graph = helper.make_graph(
        [
            helper.make_node("Gather", ["table", "input_ids"], ["embedded"], axis=0),
            helper.make_node("ReduceMean", ["embedded", "axes"], ["logits"], keepdims=0),
        ],
        "tiny-sentiment",
        [
            helper.make_tensor_value_info("input_ids", ids, ["batch", "tokens"]),
            helper.make_tensor_value_info("attention_mask", ids, ["batch", "tokens"]),
        ],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", len(labels)])],
        initializer=[
            onnx.numpy_helper.from_array(table, "table"),
            onnx.numpy_helper.from_array(np.array([1], dtype=np.int64), "axes"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 8  # what onnxruntime of 2024 on reads
    onnx.checker.check_model(model)
    path = folder / "model.onnx"
    onnx.save(model, str(path))
    tokenizer = Tokenizer(WordLevel({w: i for i, w in enumerate(VOCAB)}, unk_token="[UNK]"))
    tokenizer.normalizer = Lowercase()
    tokenizer.pre_tokenizer = Whitespace()
    if pad_to is not None:
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]", length=pad_to)
    tokenizer.save(str(folder / "tokenizer.json"))
    if config:
        id2label = {str(i): label for i, label in enumerate(labels)}
        (folder / "config.json").write_text(json.dumps({"id2label": id2label}))
    return path
