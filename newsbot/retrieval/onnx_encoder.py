"""The sentence embedding model run by ONNX Runtime: the same vectors as sentence-transformers, faster.

On these CPUs (AVX without AVX2) PyTorch takes 12-15 ms to embed one short question with
all-MiniLM-L6-v2 and ONNX Runtime 3-5 ms (bench/search_latency.py), and the question's embedding
is most of a search. The transformer is exported once per model and library versions to the
cache folder; the tokenizer and the pooling stay sentence-transformers' own. Models whose
pipeline is not transformer → mean pooling (→ normalize) are left to sentence-transformers.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import warnings
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)

# Part of the cache key: bump when the export below changes.
EXPORT_FORMAT = 1
OPSET = 17
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class OnnxUnavailable(Exception):
    """This model cannot run on ONNX Runtime here; sentence-transformers will embed instead."""


def _modules(model: SentenceTransformer) -> list[Any]:
    return [model[position] for position in range(len(model))]


def _check_pipeline(model: SentenceTransformer) -> None:
    names = [type(module).__name__ for module in _modules(model)]
    if names not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        raise OnnxUnavailable(f"pipeline {names} is not transformer → pooling (→ normalize)")
    mode = getattr(model[1], "pooling_mode", None)
    if mode != "mean":
        raise OnnxUnavailable(f"pooling mode {mode!r} is not mean")


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "none"


def cache_key(model_dir: Path) -> str:
    """Changes with the model's files and with the exporting libraries."""
    digest = hashlib.sha256(f"{EXPORT_FORMAT}|{OPSET}|{model_dir.resolve()}".encode())
    for package in ("torch", "transformers", "onnx"):
        digest.update(f"|{package}={_version(package)}".encode())
    for path in sorted(model_dir.rglob("*")):
        if path.is_file():
            stat = path.stat()
            digest.update(f"|{path.relative_to(model_dir)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:20]


def _export(model: SentenceTransformer, target: Path) -> None:
    import torch

    transformer: Any = model[0].auto_model
    transformer.eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            output = self.transformer(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return output.last_hidden_state

    sample = model.tokenizer(["a short sample sentence"], return_tensors="pt")
    dynamic_axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "last_hidden_state")}
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        partial = Path(scratch) / target.name
        with warnings.catch_warnings(), torch.inference_mode():
            # The TorchScript exporter warns about tracing details that do not apply here
            # (a fixed-size sample, the attention mask's branches).
            warnings.simplefilter("ignore")
            torch.onnx.export(
                LastHiddenState(),
                tuple(sample[name] for name in INPUTS),
                str(partial),
                input_names=list(INPUTS),
                output_names=["last_hidden_state"],
                dynamic_axes=dynamic_axes,
                opset_version=OPSET,
                dynamo=False,
            )
        # Atomic: another process exporting the same model at the same time is harmless.
        os.replace(partial, target)


class OnnxEncoder:
    """Embeds texts like `SentenceTransformer.encode(normalize_embeddings=True)`."""

    def __init__(self, model: SentenceTransformer, model_dir: Path, cache_dir: Path, threads: int) -> None:
        _check_pipeline(model)
        if "token_type_ids" not in model.tokenizer.model_input_names:
            raise OnnxUnavailable("the tokenizer gives no token_type_ids")
        try:
            import onnxruntime
        except ImportError as error:
            raise OnnxUnavailable(f"onnxruntime is not installed: {error}") from error
        self.tokenizer = model.tokenizer
        self.max_tokens = int(model.max_seq_length or self.tokenizer.model_max_length)
        path = cache_dir / "onnx" / f"{cache_key(model_dir)}.onnx"
        if not path.is_file():
            logger.info("exporting %s to ONNX in %s", model_dir, path)
            try:
                _export(model, path)
            except Exception as error:  # any exporter failure leaves sentence-transformers in charge
                raise OnnxUnavailable(f"ONNX export failed: {error}") from error
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        try:
            self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as error:  # a damaged cache file: export again next time
            path.unlink(missing_ok=True)
            raise OnnxUnavailable(f"cannot load {path}: {error}") from error

    def batches(self, texts: list[str], batch_size: int) -> Iterator[tuple[list[int], npt.NDArray[np.float32]]]:
        """(positions, unit vectors) per batch; texts of similar length go together (less padding)."""
        order = sorted(range(len(texts)), key=lambda position: -len(texts[position]))
        for start in range(0, len(order), batch_size):
            positions = order[start : start + batch_size]
            yield positions, self._embed([texts[position] for position in positions])

    def _embed(self, texts: list[str]) -> npt.NDArray[np.float32]:
        features = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_tokens, return_tensors="np")
        inputs = {name: features[name].astype(np.int64) for name in INPUTS}
        (hidden,) = self.session.run(["last_hidden_state"], inputs)
        mask = inputs["attention_mask"][..., None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return np.asarray(pooled / np.clip(norms, 1e-12, None), dtype=np.float32)
